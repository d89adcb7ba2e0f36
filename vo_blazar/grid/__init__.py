"""The network input: a fixed, versioned frequency grid and the SED -> (L, C) encoder.

>>> from vo_blazar.grid import FrequencyGrid, default_grid   # doctest: +SKIP
>>> grid = default_grid("gamma")                             # doctest: +SKIP
>>> X = grid.encode(sed)          # (L, C) float32: scaled nuFnu, upper-limit flag[, level]  # doctest: +SKIP
"""
from .frequency_grid import GAMMA_LOG_NU, FrequencyGrid, default_grid, sed_arrays
from .report import DROP_REASONS, EncodingReport
from .scaling import SCALING_KINDS, SHAPE_KINDS, FluxScaling

__all__ = ["FrequencyGrid", "FluxScaling", "EncodingReport", "default_grid", "sed_arrays",
           "GAMMA_LOG_NU", "DROP_REASONS", "SCALING_KINDS", "SHAPE_KINDS"]
