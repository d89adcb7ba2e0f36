"""The one small interface behind which the live VO and the offline snapshot sit.

``build_sed`` only ever asks an access for a cone or a bulk query; which access answers
(pyvo/astroquery against the VO, or the embedded snapshot) is the only difference between online
and offline mode.

The public `CatalogueAccess.cone` / `CatalogueAccess.bulk` validate their arguments
(`vo_blazar.sky.position`) for a user who calls them directly; the pipeline, whose own entry
points validated the position and radius already, calls the trusted `CatalogueAccess._cone` /
`CatalogueAccess._bulk`, so that each value is checked once.
"""
from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import Table, vstack

from ..registry.catalogue import Catalogue
from ..sky.position import check_coordinates, check_radius

__all__ = ["CatalogueAccess", "INDEX_COLUMN"]

#: Column that `CatalogueAccess.bulk` adds: the index of the position (in ``coords``) a row belongs to.
INDEX_COLUMN = "_index"


class CatalogueAccess(ABC):
    """Answers "rows of catalogue C within r of p"."""

    #: short name used in cache keys and provenance ("vo", "snapshot")
    name: str = "abstract"
    #: whether catalogues should be queried in parallel threads: worth it for network I/O; an
    #: in-memory access only loses time to the GIL
    concurrent: bool = True

    @abstractmethod
    def cone(self, catalogue: Catalogue, coord: SkyCoord, radius: u.Quantity) -> Table:
        """Rows of ``catalogue`` within ``radius`` of ``coord``.

        Returns the catalogue's own columns (at least ``catalogue.ra_column`` and
        ``catalogue.dec_column``) with their own units; an empty table when nothing is there.
        Raises a `~vo_blazar.exceptions.ServiceError` subclass when the service fails.
        """

    def bulk(self, catalogue: Catalogue, coords: SkyCoord, radius: u.Quantity) -> Table:
        """Rows for many positions at once, with an ``_index`` column pointing into ``coords``.

        The default loops over `cone`; accesses with a real bulk path (TAP upload, CDS XMatch, a
        local sky index) override it.
        """
        return self._cones(catalogue, coords, radius)

    # What every access's public cone / bulk checks, defined once: one finite position (or an
    # array, possibly empty, for bulk) and one positive angle of any size.
    @staticmethod
    def _checked_cone(coord, radius) -> tuple[SkyCoord, u.Quantity]:
        return (check_coordinates(coord, scalar=True, plural="bulk()"),
                check_radius(radius, maximum=None, optional=False))

    @staticmethod
    def _checked_bulk(coords, radius) -> tuple[SkyCoord, u.Quantity]:
        return (check_coordinates(coords, scalar=False, empty=True),
                check_radius(radius, maximum=None, optional=False))

    # The trusted path: ``coord(s)`` an ICRS SkyCoord and ``radius`` an angle, both validated by
    # the caller. An access that validates in ``cone`` overrides these to skip it; the defaults
    # fall back on the public methods, so an access that only defines ``cone`` still works.
    def _cone(self, catalogue: Catalogue, coord: SkyCoord, radius: u.Quantity) -> Table:
        return self.cone(catalogue, coord, radius)

    def _bulk(self, catalogue: Catalogue, coords: SkyCoord, radius: u.Quantity) -> Table:
        return self.bulk(catalogue, coords, radius)

    def _cones(self, catalogue: Catalogue, coords: SkyCoord, radius: u.Quantity) -> Table:
        """One `_cone` per position, stacked with ``_index``: the bulk query without a bulk path."""
        parts = []
        for i, coord in enumerate(np.atleast_1d(coords)):
            rows = self._cone(catalogue, coord, radius)
            rows[INDEX_COLUMN] = np.full(len(rows), i, dtype=np.int64)
            parts.append(rows)
        parts = [p for p in parts if len(p)]
        if not parts:
            return Table(names=[INDEX_COLUMN], dtype=[np.int64])
        return vstack(parts, metadata_conflicts="silent")
