"""`SnapshotAccess`: cone searches answered from the offline snapshot shipped in the package.

The snapshot (``vo_blazar/data/snapshot/<catalogue>.npz``, see its PROVENANCE.md) holds rows
in each registry catalogue's own columns and units, so what this access returns goes through the
same registry mapping and photometry as a live VO answer.  Each catalogue file is read once, on
first use, and a sky index (`vo_blazar.sky.index.SkyIndex`, a KD-tree over unit vectors) answers
single cones and thousands of positions at once.  A registry catalogue without snapshot
data answers an empty table with its columns -- "not in the snapshot" is not an upper limit.
"""
from __future__ import annotations

import functools
import threading
from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import MaskedColumn, Table

from ..package_data import data_path
from ..registry.catalogue import Catalogue
from ..sky.index import SkyIndex
from .base import INDEX_COLUMN, CatalogueAccess
from .snapshot_file import SUFFIX, catalogue_columns, read_table, string_columns

__all__ = ["SnapshotAccess", "snapshot_catalogues"]

_SUFFIX = SUFFIX
_PRIVATE = ("_origin", "_origin_row", "_dereddened")


def _snapshot_dir() -> Path:
    return data_path("snapshot")


@functools.lru_cache(maxsize=1)
def snapshot_catalogues() -> tuple[str, ...]:
    """Names of the catalogues that have snapshot data."""
    d = _snapshot_dir()
    return tuple(sorted(p.name[: -len(_SUFFIX)] for p in d.iterdir()
                        if p.name.endswith(_SUFFIX) and p.name != "names" + _SUFFIX))


def _read_snapshot_file(path: Path, name: str) -> Table:
    """An installed snapshot file; a damaged one is named as such, not taken for a service failure."""
    try:
        return read_table(path)
    except Exception as exc:   # zip, NumPy and JSON each raise their own types
        from ..exceptions import ServiceError
        raise ServiceError(f"the installed snapshot file {path} is damaged ({type(exc).__name__}: {exc}); "
                           "reinstall vo_blazar to restore it", service=name) from exc


class SnapshotAccess(CatalogueAccess):
    """Answer cone searches from the embedded offline snapshot (no network)."""

    concurrent = False  # answers from memory: threads would only contend for the GIL

    name = "snapshot"

    # Shared by every instance: the files are read once per process (each build_sed makes a new
    # access), and the lock makes that safe when callers fan out over threads.
    _tables: dict[str, Table] = {}
    _index: dict[str, "SkyIndex | None"] = {}
    _lock = threading.Lock()

    # -------------------------------------------------------------------- loading
    def _load(self, catalogue: Catalogue) -> tuple[Table, "SkyIndex | None"]:
        name = catalogue.name
        with self._lock:
            if name not in self._tables:
                path = _snapshot_dir() / (name + _SUFFIX)
                if path.is_file():
                    table = _read_snapshot_file(path, name)
                    index = SkyIndex(np.ma.filled(np.ma.asarray(table[catalogue.ra_column], float), np.nan),
                                      np.ma.filled(np.ma.asarray(table[catalogue.dec_column], float), np.nan))
                else:
                    table, index = self._empty(catalogue), None
                table.meta["snapshot"] = True
                self._tables[name], self._index[name] = table, index
            return self._tables[name], self._index[name]

    @staticmethod
    def _empty(catalogue: Catalogue) -> Table:
        """Zero rows with the catalogue's columns (registry-derived) and the provenance columns."""
        strings = string_columns(catalogue)
        t = Table(meta={"catalogue": catalogue.name})
        for col in catalogue_columns(catalogue):
            if col in strings:
                t[col] = MaskedColumn(np.array([], dtype=str))
            else:
                t[col] = MaskedColumn(np.array([], dtype=float),
                                      unit=(u.deg if col in (catalogue.ra_column, catalogue.dec_column)
                                            else None))
        t["_origin"] = np.array([], dtype=str)
        t["_origin_row"] = np.array([], dtype=np.int64)
        t["_dereddened"] = np.array([], dtype=bool)
        return t

    def _result(self, table: Table, rows: np.ndarray, catalogue: Catalogue) -> Table:
        out = table[rows]
        out.meta = dict(table.meta)
        out.meta.update({"snapshot": True, "catalogue": catalogue.name})
        return out

    # -------------------------------------------------------------------- queries
    def cone(self, catalogue: Catalogue, coord: SkyCoord, radius: u.Quantity) -> Table:
        """Snapshot rows of ``catalogue`` within ``radius`` of ``coord`` (table order kept)."""
        return self._cone(catalogue, *self._checked_cone(coord, radius))

    def bulk(self, catalogue: Catalogue, coords: SkyCoord, radius: u.Quantity) -> Table:
        """Rows for many positions at once, with ``_index`` into ``coords``.

        Sorted by ``_index`` then by snapshot order, so ``bulk(...)[_index == i]`` equals
        ``cone(..., coords[i], ...)``.
        """
        return self._bulk(catalogue, *self._checked_bulk(coords, radius))

    def _cone(self, catalogue: Catalogue, coord: SkyCoord, radius: u.Quantity) -> Table:
        table, index = self._load(catalogue)
        if index is None or len(table) == 0:
            return self._result(table, np.zeros(0, dtype=int), catalogue)
        _, rows = index.around(coord.reshape((1,)), radius)
        return self._result(table, rows, catalogue)

    def _bulk(self, catalogue: Catalogue, coords: SkyCoord, radius: u.Quantity) -> Table:
        coords = coords.reshape(-1) if not coords.isscalar else coords.reshape((1,))
        table, index = self._load(catalogue)
        if index is None or len(table) == 0 or len(coords) == 0:
            out = self._result(table, np.zeros(0, dtype=int), catalogue)
            out[INDEX_COLUMN] = np.zeros(0, dtype=np.int64)
            return out
        idx_pos, idx_cat = index.around(coords, radius)
        out = self._result(table, idx_cat, catalogue)
        out[INDEX_COLUMN] = idx_pos
        return out
