"""Answering "rows of catalogue C within r of p": the live VO, the offline snapshot, a cache.

`VOAccess` (pyvo / astroquery) and `SnapshotAccess` (the embedded offline slices) share the
`CatalogueAccess` interface; `CachedAccess` wraps either with an on-disk cache.
"""
from .base import INDEX_COLUMN, CatalogueAccess
from .cache import CachedAccess, clear_cache, default_cache_dir
from .vo import VOAccess

__all__ = ["CatalogueAccess", "VOAccess", "CachedAccess", "SnapshotAccess", "clear_cache",
           "default_cache_dir", "INDEX_COLUMN"]


def __getattr__(name):
    # the snapshot access is imported lazily: it loads package data, and the live-VO path must
    # work (and import fast) without it
    if name == "SnapshotAccess":
        try:
            from .snapshot import SnapshotAccess
        except ImportError as err:
            raise ImportError(
                "vo_blazar.access.SnapshotAccess is not available: vo_blazar.access.snapshot "
                f"could not be imported ({err})") from err
        return SnapshotAccess
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
