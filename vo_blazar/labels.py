"""The labelled source list that ships with the package (``vo_blazar/data/labels/``).

``sources.ecsv``: blazars (label 1) and non-blazars (label 0) with origin, class and provenance;
``removed.ecsv``: every source left out and why. Built from the raw catalogue files by the
maintainer command ``python -m tools.labels --shared ../shared/data``, whose docstring gives the
rules.
"""
from __future__ import annotations

from pathlib import Path

from astropy import units as u
from astropy.table import Table

from .exceptions import InputValueError
from .package_data import data_path

__all__ = ["LABELS_DIR", "MATCH_RADIUS", "load_sources", "load_removed"]

LABELS_DIR = data_path("labels")
#: Sources of the list closer than this are one source (the default SED cone radius: two kept
#: sources never share their SED points).
MATCH_RADIUS = 15 * u.arcsec


def load_sources(path: str | Path | None = None) -> Table:
    """The shipped labelled source list (``vo_blazar/data/labels/sources.ecsv``)."""
    path = Path(path) if path is not None else LABELS_DIR / "sources.ecsv"
    if not path.is_file():
        raise InputValueError(f"source list {path} not found; build it with "
                              "`python -m tools.labels --shared <data folder>`")
    return Table.read(path, format="ascii.ecsv")


def load_removed(path: str | Path | None = None) -> Table:
    """The shipped list of removed sources with reasons."""
    path = Path(path) if path is not None else LABELS_DIR / "removed.ecsv"
    return Table.read(path, format="ascii.ecsv")
