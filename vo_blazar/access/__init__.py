"""Answering "rows of catalogue C within r of p": the live VO, the offline snapshot, a cache.

`VOAccess` (pyvo / astroquery) and `SnapshotAccess` (the embedded offline slices) share the
`CatalogueAccess` interface; `CachedAccess` wraps either with an on-disk cache.
"""
from .base import INDEX_COLUMN, CatalogueAccess
from .cache import CachedAccess, clear_cache, default_cache_dir

__all__ = ["CatalogueAccess", "VOAccess", "CachedAccess", "SnapshotAccess", "clear_cache",
           "default_cache_dir", "INDEX_COLUMN", "check_services"]


def __getattr__(name):
    # Imported on first use, so that each path loads only what it needs: the live VO pyvo and
    # astroquery (0.1 s or more), the offline snapshot its package data.
    if name == "VOAccess":
        from .vo import VOAccess
        return VOAccess
    if name == "check_services":   # lazy like SnapshotAccess: only the check command needs it
        from .check import check_services
        return check_services
    if name == "SnapshotAccess":
        try:
            from .snapshot import SnapshotAccess
        except ImportError as err:
            raise ImportError(
                "vo_blazar.access.SnapshotAccess is not available: vo_blazar.access.snapshot "
                f"could not be imported ({err})") from err
        return SnapshotAccess
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
