"""The on-disk cache of catalogue answers.

`CachedAccess` wraps any `CatalogueAccess` and keeps its answers on disk as VOTable files
(binary2, so masks, units and dtypes survive), one folder per catalogue, named by a hash of
(access name, catalogue name, registry version, the catalogue's registry entry, the rounded
position(s), the radius). Writes are atomic (temporary file +
`os.replace`) so a crash or a concurrent writer never leaves half a file; failures are never
cached; an entry that no longer parses is deleted and fetched again. Nothing is pickled.

The memory of whole SEDs built in this process is `vo_blazar.memory.sed_memory` (re-exported
here, where it always was); `clear_cache` empties it together with the answers it was built from.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import Table

from ..config import conf
from ..exceptions import InputTypeError
from ..logger import log
from ..memory import MemoryCache, sed_memory   # re-exported: their home before the redesign
from ..registry import load_registry
from ..registry.catalogue import Catalogue
from .base import CatalogueAccess

__all__ = ["CachedAccess", "MemoryCache", "clear_cache", "default_cache_dir", "sed_memory",
           "POSITION_DECIMALS"]

#: Positions are rounded to 1e-6 deg (3.6 mas) in the key: far below any catalogue's accuracy,
#: while float noise from coordinate transformations does not defeat the cache.
POSITION_DECIMALS = 6
_SUFFIX = ".vot"
_SAFE = re.compile(r"[^A-Za-z0-9_.+-]")


def default_cache_dir() -> Path:
    """``conf.cache_dir`` when set, else ``<astropy cache dir>/vo_blazar``."""
    if conf.cache_dir:
        return Path(conf.cache_dir).expanduser()
    from astropy.config import get_cache_dir
    return Path(get_cache_dir()) / "vo_blazar"


def _folder(catalogue_name: str) -> str:
    return _SAFE.sub("_", catalogue_name) or "_"


def clear_cache(catalogue: str | Catalogue | None = None, *,
                cache_dir: str | os.PathLike | None = None) -> int:
    """Delete cached answers: of one catalogue, or all of them (and every SED kept in memory).

    Parameters
    ----------
    catalogue : str or Catalogue, optional
        Catalogue (or its name) whose entries go; None clears everything.
    cache_dir : path, optional
        Cache folder; default `default_cache_dir`.

    Returns
    -------
    int
        Number of cached answers removed.
    """
    sed_memory.clear()   # SEDs built from the answers about to go
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    if isinstance(catalogue, Catalogue):
        catalogue = catalogue.name
    folders = [root / _folder(catalogue)] if catalogue is not None else (
        [p for p in root.iterdir() if p.is_dir()] if root.is_dir() else [])
    removed = 0
    for folder in folders:
        if folder.is_dir():
            removed += sum(1 for _ in folder.glob("*" + _SUFFIX))
            shutil.rmtree(folder)
    log.debug("cleared %d cached answers under %s", removed, root)
    return removed


def _registry_version() -> str:
    """The version of the shipped registry (read once; `load_registry` caches it)."""
    return load_registry().version


class CachedAccess(CatalogueAccess):
    """Wraps another access with an on-disk cache of its answers.

    Parameters
    ----------
    inner : CatalogueAccess
        The access that answers cache misses.
    cache_dir : path, optional
        Folder of the cache; default `default_cache_dir` (resolved at each call).
    cache : bool, optional
        Use the cache; default ``conf.cache`` at call time. ``cone``/``bulk`` also take ``cache=``.
    registry_version : str, optional
        Part of the key; default: the shipped registry's version.
    """

    def __init__(self, inner: CatalogueAccess, cache_dir: str | os.PathLike | None = None, *,
                 cache: bool | None = None, registry_version: str | None = None):
        if not isinstance(inner, CatalogueAccess):
            raise InputTypeError(f"inner must be a CatalogueAccess, got {type(inner).__name__}")
        self.inner = inner
        self._cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.enabled = cache
        self.registry_version = registry_version
        self.name = inner.name  # provenance names the real source of the rows

    def __repr__(self) -> str:
        return f"CachedAccess({self.inner!r}, cache_dir={str(self.cache_dir)!r})"

    @property
    def cache_dir(self) -> Path:
        """The cache folder in use."""
        return self._cache_dir if self._cache_dir is not None else default_cache_dir()

    def _use(self, cache: bool | None) -> bool:
        if cache is not None:
            return bool(cache)
        return bool(conf.cache if self.enabled is None else self.enabled)

    # ------------------------------------------------------------------ keys and files
    def cache_key(self, catalogue: Catalogue, coords: SkyCoord, radius: u.Quantity, kind: str) -> str:
        """Hex digest naming the cache entry of one query."""
        icrs = coords.icrs
        pos = np.round(np.stack([np.atleast_1d(icrs.ra.deg), np.atleast_1d(icrs.dec.deg)]),
                       POSITION_DECIMALS) + 0.0   # + 0.0 turns -0.0 into 0.0
        version = self.registry_version if self.registry_version is not None else _registry_version()
        digest = hashlib.sha256()
        for part in (kind, self.inner.name, catalogue.name, version, repr(catalogue),
                     f"{radius.to_value(u.arcsec):.6f}"):
            digest.update(part.encode())
            digest.update(b"\0")
        digest.update(np.ascontiguousarray(pos, dtype="<f8").tobytes())
        return digest.hexdigest()

    def path(self, catalogue: Catalogue, key: str) -> Path:
        """File of the entry ``key`` of ``catalogue``."""
        return self.cache_dir / _folder(catalogue.name) / (key + _SUFFIX)

    def _read(self, path: Path) -> Table | None:
        if not path.is_file():
            return None
        try:
            table = Table.read(path, format="votable", use_names_over_ids=True)
        except Exception as err:  # a damaged entry is a miss, and goes
            log.warning("cache entry %s is unreadable (%s); fetching again", path, err)
            path.unlink(missing_ok=True)
            return None
        log.debug("cache hit %s", path)
        return table

    def _write(self, path: Path, table: Table) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=_SUFFIX, dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                table.write(handle, format="votable", tabledata_format="binary2")
            os.replace(tmp, path)
        except Exception as err:
            # the answer is still good; only caching it failed
            log.warning("could not write cache entry %s: %s", path, err)
            Path(tmp).unlink(missing_ok=True)

    def _cached(self, kind, catalogue, coords, radius, cache, fetch) -> Table:
        if not self._use(cache):
            return fetch()
        path = self.path(catalogue, self.cache_key(catalogue, coords, radius, kind))
        table = self._read(path)
        if table is not None:
            return table
        table = fetch()          # raises on failure: nothing is written
        self._write(path, table)
        return table

    # ------------------------------------------------------------------ access API
    def cone(self, catalogue: Catalogue, coord: SkyCoord, radius: u.Quantity, *,
             cache: bool | None = None) -> Table:
        """`CatalogueAccess.cone` of the wrapped access, answered from the cache when possible."""
        return self._cone(catalogue, *self._checked_cone(coord, radius), cache=cache)

    def bulk(self, catalogue: Catalogue, coords: SkyCoord, radius: u.Quantity, *,
             cache: bool | None = None) -> Table:
        """`CatalogueAccess.bulk` of the wrapped access, answered from the cache when possible."""
        return self._bulk(catalogue, *self._checked_bulk(coords, radius), cache=cache)

    def _cone(self, catalogue: Catalogue, coord: SkyCoord, radius: u.Quantity, *,
              cache: bool | None = None) -> Table:
        return self._cached("cone", catalogue, coord, radius, cache,
                            lambda: self.inner._cone(catalogue, coord, radius))

    def _bulk(self, catalogue: Catalogue, coords: SkyCoord, radius: u.Quantity, *,
              cache: bool | None = None) -> Table:
        return self._cached("bulk", catalogue, coords, radius, cache,
                            lambda: self.inner._bulk(catalogue, coords, radius))

    def clear(self, catalogue: str | Catalogue | None = None) -> int:
        """`clear_cache` on this access's folder."""
        return clear_cache(catalogue, cache_dir=self.cache_dir)
