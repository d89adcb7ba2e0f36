"""`SnapshotAccess`: cone searches answered from the offline snapshot shipped in the package.

The snapshot (``vo_blazar/data/snapshot/<catalogue>.ecsv.gz``, see its PROVENANCE.md) holds rows
in each registry catalogue's own columns and units, so what this access returns goes through the
same registry mapping and photometry as a live VO answer.  Each catalogue file is read once, on
first use, and a sky index (a cached `~astropy.coordinates.SkyCoord`, whose KD-tree astropy keeps)
answers single cones and thousands of positions at once.  A registry catalogue without snapshot
data answers an empty table with its columns -- "not in the snapshot" is not an upper limit.
"""
from __future__ import annotations

import functools
import threading
from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord, search_around_sky
from astropy.table import MaskedColumn, Table

from ..exceptions import InputTypeError, InputValueError
from ..registry.catalogue import Catalogue
from .base import INDEX_COLUMN, CatalogueAccess
from .vo import _check_radius

__all__ = ["SnapshotAccess", "snapshot_catalogues"]

_SUFFIX = ".ecsv.gz"
_PRIVATE = ("_origin", "_origin_row", "_dereddened")


def _snapshot_dir() -> Path:
    # a plain path next to the package: importlib.resources' MultiplexedPath (editable installs,
    # namespace sub-folders) cannot open files, and the snapshot is always installed unzipped
    return Path(__file__).resolve().parent.parent / "data" / "snapshot"


@functools.lru_cache(maxsize=1)
def snapshot_catalogues() -> tuple[str, ...]:
    """Names of the catalogues that have snapshot data."""
    d = _snapshot_dir()
    return tuple(sorted(p.name[: -len(_SUFFIX)] for p in d.iterdir()
                        if p.name.endswith(_SUFFIX) and p.name != "names" + _SUFFIX))


def _check_coords(coords) -> SkyCoord:
    if not isinstance(coords, SkyCoord):
        raise InputTypeError(f"positions must be a SkyCoord, got {type(coords).__name__}")
    return coords.icrs


class SnapshotAccess(CatalogueAccess):
    """Answer cone searches from the embedded offline snapshot (no network)."""

    concurrent = False  # answers from memory: threads would only contend for the GIL

    name = "snapshot"

    # Shared by every instance: the files are read once per process (each build_sed makes a new
    # access), and the lock makes that safe when callers fan out over threads.
    _tables: dict[str, Table] = {}
    _coords: dict[str, SkyCoord] = {}
    _lock = threading.Lock()

    # -------------------------------------------------------------------- loading
    def _load(self, catalogue: Catalogue) -> tuple[Table, SkyCoord | None]:
        name = catalogue.name
        with self._lock:
            if name not in self._tables:
                path = _snapshot_dir() / (name + _SUFFIX)
                if path.is_file():
                    table = Table.read(path, format="ascii.ecsv")
                    coords = SkyCoord(np.asarray(table[catalogue.ra_column], float),
                                      np.asarray(table[catalogue.dec_column], float),
                                      unit=u.deg, frame="icrs")
                else:
                    table, coords = self._empty(catalogue), None
                table.meta["snapshot"] = True
                self._tables[name], self._coords[name] = table, coords
            return self._tables[name], self._coords[name]

    @staticmethod
    def _empty(catalogue: Catalogue) -> Table:
        """Zero rows with the catalogue's columns (registry-derived) and the provenance columns."""
        from ..snapshot.build import _catalogue_columns, _string_columns
        strings = _string_columns(catalogue)
        t = Table(meta={"catalogue": catalogue.name})
        for col in _catalogue_columns(catalogue):
            if col in strings:
                t[col] = MaskedColumn(np.array([], dtype=str))
            else:
                t[col] = MaskedColumn(np.array([], dtype=float),
                                      unit=u.deg if col in (catalogue.ra_column, catalogue.dec_column) else None)
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
        coord = _check_coords(coord)
        radius = _check_radius(radius)
        if not coord.isscalar:
            raise InputValueError("cone takes one position; use bulk for several")
        table, coords = self._load(catalogue)
        if coords is None or len(table) == 0:
            return self._result(table, np.zeros(0, dtype=int), catalogue)
        rows = np.flatnonzero(coords.separation(coord) <= radius)
        return self._result(table, rows, catalogue)

    def bulk(self, catalogue: Catalogue, coords: SkyCoord, radius: u.Quantity) -> Table:
        """Rows for many positions at once, with ``_index`` into ``coords``.

        Sorted by ``_index`` then by snapshot order, so ``bulk(...)[_index == i]`` equals
        ``cone(..., coords[i], ...)``.
        """
        coords = _check_coords(coords)
        radius = _check_radius(radius)
        coords = coords.reshape(-1) if not coords.isscalar else coords.reshape((1,))
        table, cat_coords = self._load(catalogue)
        if cat_coords is None or len(table) == 0 or len(coords) == 0:
            out = self._result(table, np.zeros(0, dtype=int), catalogue)
            out[INDEX_COLUMN] = np.zeros(0, dtype=np.int64)
            return out
        # the catalogue SkyCoord is cached, so astropy builds its KD-tree once per catalogue
        idx_pos, idx_cat, sep, _ = search_around_sky(coords, cat_coords, radius)
        keep = sep <= radius        # search_around_sky is inclusive up to rounding; match cone()
        idx_pos, idx_cat = idx_pos[keep], idx_cat[keep]
        order = np.lexsort((idx_cat, idx_pos))
        out = self._result(table, idx_cat[order], catalogue)
        out[INDEX_COLUMN] = idx_pos[order].astype(np.int64)
        return out
