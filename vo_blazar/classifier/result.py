"""The table `~vo_blazar.classifier.classify` answers with: one row per source."""
from __future__ import annotations

import numpy as np
from astropy.table import Table

from ..sed.collection import SEDCollection

__all__ = ["ClassificationResult", "RESULT_COLUMNS"]

RESULT_COLUMNS = ("ra", "dec", "p_blazar", "p_blazar_std", "is_blazar", "reliable", "reliability",
                  "threshold", "model", "n_points", "n_upper_limits", "bands", "warnings")


def _take(seds, rows: np.ndarray):
    """The SEDs of ``rows``: a collection's `~SEDCollection.take`, or a list for a plain list."""
    if isinstance(seds, SEDCollection):
        return seds.take(rows)
    return [seds[i] for i in rows]


class ClassificationResult(Table):
    """A Table of classifications; ``result.seds[i]`` is the SED behind row ``i``.

    The SEDs (an `~vo_blazar.sed.SEDCollection`) live in ``meta["seds"]`` and follow the rows:
    ``result[1:]``, ``result[[2, 0]]``, ``result[mask]``, `sort`, `reverse` and `remove_rows`
    keep exactly their rows' SEDs. They are left out when the table is written to a file.
    """

    @property
    def seds(self) -> SEDCollection | list:
        """The SED behind each row (``result.seds[i]`` is a Table; empty when none are kept)."""
        return self.meta.get("seds", [])

    def _aligned_seds(self):
        """``meta["seds"]`` when it has one SED per row (else None: nothing to keep in step)."""
        seds = self.meta.get("seds") if self.meta else None
        return seds if seds is not None and len(seds) == len(self) else None

    # Table slicing of any kind (a slice, an index array, a mask, ``group_by``, ``loc``) goes
    # through astropy's _new_from_slice; its meta is a shallow copy, so the SEDs are re-taken here.
    def _new_from_slice(self, slice_):
        table = super()._new_from_slice(slice_)
        seds = self._aligned_seds()
        if seds is not None:
            table.meta["seds"] = _take(seds, np.arange(len(self))[slice_])
        return table

    def sort(self, keys=None, *, kind=None, reverse: bool = False) -> None:
        """Sort in place (as `astropy.table.Table.sort`), the SEDs with their rows."""
        seds = self._aligned_seds()
        order = self.argsort(keys, kind=kind, reverse=reverse) if seds is not None else None
        super().sort(keys, kind=kind, reverse=reverse)
        if seds is not None:
            self.meta["seds"] = _take(seds, order)

    def reverse(self) -> None:
        """Reverse the row order in place, the SEDs with their rows."""
        seds = self._aligned_seds()
        super().reverse()
        if seds is not None:
            self.meta["seds"] = _take(seds, np.arange(len(self))[::-1])

    def remove_rows(self, row_specifier) -> None:
        """Remove rows (as `astropy.table.Table.remove_rows`) and their SEDs."""
        seds = self._aligned_seds()
        keep = np.ones(len(self), bool)
        keep[row_specifier] = False
        super().remove_rows(row_specifier)
        if seds is not None:
            self.meta["seds"] = _take(seds, np.flatnonzero(keep))

    def write(self, *args, **kwargs):
        out = Table(self, copy=False)
        out.meta = {k: v for k, v in self.meta.items() if k != "seds"}
        return out.write(*args, **kwargs)
