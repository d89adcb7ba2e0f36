"""The table `~vo_blazar.classifier.classify` answers with: one row per source."""
from __future__ import annotations

from astropy.table import Table

__all__ = ["ClassificationResult", "RESULT_COLUMNS"]

RESULT_COLUMNS = ("ra", "dec", "p_blazar", "p_blazar_std", "is_blazar", "reliable", "reliability",
                  "threshold", "model", "n_points", "n_upper_limits", "bands", "warnings")


class ClassificationResult(Table):
    """A Table of classifications; ``result.seds[i]`` is the SED behind row ``i``.

    The SEDs live in ``meta["seds"]`` and are left out when the table is written to a file.
    """

    @property
    def seds(self) -> list:
        return self.meta.get("seds", [])

    def write(self, *args, **kwargs):
        out = Table(self, copy=False)
        out.meta = {k: v for k, v in self.meta.items() if k != "seds"}
        return out.write(*args, **kwargs)
