"""What happened to the points of the SEDs that were encoded: used, snapped, dropped (and why)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["EncodingReport", "DROP_REASONS"]

#: Why a point did not reach the grid.
DROP_REASONS = (
    "nonfinite_frequency",  # NaN/inf frequency
    "nonfinite_flux",       # NaN/inf nuFnu
    "nonpositive_flux",     # nuFnu <= 0 (no logarithm; a limit must be given as a positive value)
    "beyond_range",         # farther than the tolerance outside the grid's first/last cell
    "between_cells",        # inside the grid's range, but farther than the tolerance from every cell
)


@dataclass
class EncodingReport:
    """Counts for one `FrequencyGrid.encode` / `encode_many` call.

    Attributes
    ----------
    n_seds : int
        SEDs encoded.
    n_points : int
        Rows in all SEDs.
    n_used : int
        Points that reached a grid cell (they may still lose to a brighter point in the same cell).
    n_snapped : int
        Used points whose frequency was not exactly (within 1e-6 dex) a cell frequency.
    max_snap_dex : float
        Largest ``|log10 nu - log10 nu_cell|`` among used points.
    dropped : dict
        Reason (see `DROP_REASONS`) -> number of points.
    dropped_per_sed : ndarray of int
        Points dropped, per SED.
    empty : list of int
        Indices of SEDs with no usable point (encoded as all-missing, or an error was raised).
    cells : ndarray of int
        Grid cell of every point, in input order; -1 for a dropped point. The one snapping of
        the points: callers that ask which points are on the grid read it here.
    """

    n_seds: int = 0
    n_points: int = 0
    n_used: int = 0
    n_snapped: int = 0
    max_snap_dex: float = 0.0
    dropped: dict[str, int] = field(default_factory=lambda: {r: 0 for r in DROP_REASONS})
    dropped_per_sed: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    empty: list[int] = field(default_factory=list)
    cells: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def n_dropped(self) -> int:
        """All dropped points."""
        return int(sum(self.dropped.values()))

    def __str__(self) -> str:
        reasons = ", ".join(f"{k}={v}" for k, v in self.dropped.items() if v) or "none"
        return (f"EncodingReport({self.n_seds} SEDs, {self.n_points} points: {self.n_used} used "
                f"({self.n_snapped} snapped, max {self.max_snap_dex:.3f} dex), {self.n_dropped} dropped "
                f"[{reasons}], {len(self.empty)} SEDs without usable points)")

    __repr__ = __str__
