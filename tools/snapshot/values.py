"""Small value helpers shared by the snapshot readers (`tools.snapshot.build` and
`tools.snapshot.added_files`)."""
from __future__ import annotations

import numpy as np

__all__ = ["floats"]


def floats(col) -> np.ndarray:
    """A column as float, masked or empty values -> NaN."""
    if hasattr(col, "mask"):
        return np.ma.asarray(col, dtype=float).filled(np.nan)
    return np.asarray(col, dtype=float)
