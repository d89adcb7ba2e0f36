"""One waveband vocabulary: the seven wavebands and the frequency boundaries the package draws.

Every catalogue of the registry belongs to one of `WAVEBANDS`. Several parts of the package split
frequencies into bands, and they do not all draw the boundaries at the same place, because they
answer different questions; each boundary below is defined once, with its purpose:

* `GAMMA_LOG_NU` -- gamma rays start above it: the no-gamma model's grid ends here, and
  `vo_blazar.classify` routes an SED with a gamma-ray detection to the gamma model.
* `POINT_BANDS` -- which bands an SED's *points* cover: the ``bands`` column of
  `vo_blazar.classify_sed`, its IR-optical-only warning, and the keys of the model card's
  ``coverage_patterns`` (computed with these edges: changing one invalidates the shipped cards).
* `CELL_BANDS` -- which band each *grid cell* belongs to when training blanks whole wavebands
  (`vo_blazar.training.augmentation`); the edges sit between the registry's cells so that each
  survey's cells stay together, and the shipped models were trained with exactly these.
* `RADIO_MAX_LOG_NU` -- radio and mm points (below it) against the rest, for the training
  archive's shared-band subset and the robustness views.

The numbers are the ones the shipped models and cards were made with; where two of them differ
the comment at each says why. Only NumPy is imported (``import vo_blazar`` stays light).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

__all__ = ["WAVEBANDS", "GAMMA_LOG_NU", "RADIO_MAX_LOG_NU", "Wavebands", "POINT_BANDS", "CELL_BANDS"]

#: The wavebands in frequency order; every registry catalogue belongs to one.
WAVEBANDS = ("radio", "mm", "ir", "optical", "uv", "xray", "gamma")

#: log10(nu / Hz) above which points and grid cells are gamma rays (the paper's split):
#: `~vo_blazar.grid.FrequencyGrid.without_gamma` keeps cells ``<=`` it, `vo_blazar.classify`
#: routes on detections ``>`` it.
GAMMA_LOG_NU = 20.0

#: Radio and mm points: log10(nu / Hz) below this (1 THz). A round cut in the registry's gap
#: between Planck 353 GHz (11.55) and WISE W4 (13.13); the training archive's shared-band subset and
#: the robustness views ("radio and mm removed", "radio and mm only") use it. It differs from
#: `POINT_BANDS`' mm/IR edge (12.5), which also lies in that gap: the two agree on every registry
#: band and differ only for a point between 12 and 12.5 (none in the shipped archive).
RADIO_MAX_LOG_NU = 12.0


@dataclass(frozen=True)
class Wavebands:
    """A split of the frequency axis into the seven `WAVEBANDS`.

    Parameters
    ----------
    purpose : str
        What the split is for (shown in the repr).
    edges : tuple of float
        The six boundaries between consecutive wavebands, log10(nu / Hz), increasing.
    at_edge : {"lower", "upper"}
        Which band a frequency exactly on a boundary belongs to: the band below it (``"lower"``)
        or the one above it (``"upper"``).
    """

    purpose: str
    edges: tuple[float, ...]
    at_edge: Literal["lower", "upper"]

    def __post_init__(self):
        if len(self.edges) != len(WAVEBANDS) - 1 or list(self.edges) != sorted(self.edges):
            raise ValueError(f"need {len(WAVEBANDS) - 1} increasing edges, got {self.edges}")
        if self.at_edge not in ("lower", "upper"):
            raise ValueError(f"at_edge must be 'lower' or 'upper', got {self.at_edge!r}")

    @property
    def names(self) -> tuple[str, ...]:
        return WAVEBANDS

    def index(self, log_nu) -> np.ndarray:
        """Index into `WAVEBANDS` of each log10 frequency (Hz)."""
        side = "left" if self.at_edge == "lower" else "right"
        return np.searchsorted(np.asarray(self.edges), np.asarray(log_nu, dtype=float), side=side)

    def upper_edge(self, band: str) -> float:
        """The boundary above ``band`` (``inf`` for gamma rays)."""
        k = WAVEBANDS.index(band)
        return self.edges[k] if k < len(self.edges) else np.inf

    def lower_edge(self, band: str) -> float:
        """The boundary below ``band`` (``-inf`` for radio)."""
        k = WAVEBANDS.index(band)
        return self.edges[k - 1] if k else -np.inf


#: The bands an SED's points cover, as `vo_blazar.classify_sed` names them. Optical is 14.5 to 15
#: (about 3000 to 9500 Angstrom: SDSS u to z, so 2MASS J at 14.39 is IR), UV runs to 16.2 (about
#: 0.1 keV); a point on a boundary belongs to the band below it, so a point at exactly
#: `GAMMA_LOG_NU` is an X-ray point, as for the gamma-ray routing.
POINT_BANDS = Wavebands("the bands an SED's points cover (classify_sed, model card coverage_patterns)",
                        (11.0, 12.5, 14.5, 15.0, 16.2, GAMMA_LOG_NU), "lower")

#: The bands of grid cells that training blanks together (band dropout). The edges lie between the
#: registry grid's cells: optical spans 2MASS J .. SDSS u (14.39 .. 14.93), UV the GALEX and UVOT
#: UV cells (15.06 .. 15.29), X-ray starts at the 4XMM 0.2-0.5 keV cell (16.88). They differ from
#: `POINT_BANDS` (which names points at any frequency, the survey convention) because they group
#: cells, and the shipped models were trained with these. A cell on a boundary belongs to the band
#: above it (Planck 100 GHz, at exactly 11.0, is mm here but radio in `POINT_BANDS`).
CELL_BANDS = Wavebands("the grid cells training blanks together (band dropout)",
                       (11.0, 12.5, 14.35, 15.05, 16.5, GAMMA_LOG_NU), "upper")
