"""The SED memory: whole SEDs built in this process, kept so that asking again costs no query.

`~vo_blazar.pipeline.build_sed` / `~vo_blazar.pipeline.build_seds` read and fill `sed_memory`;
`~vo_blazar.access.cache.clear_cache` empties it with the on-disk answers the SEDs were built
from. It is a module of its own, below both, because the pipeline imports the access layer:
``access.cache`` importing the pipeline to clear the memory would be an import cycle.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable, Hashable

from astropy.table import Table

from .config import conf

__all__ = ["MemoryCache", "sed_memory"]


class MemoryCache:
    """A thread-safe least-recently-used memory of tables, copied in and out.

    Copies keep entries immune to what callers do with the tables they get back.

    Parameters
    ----------
    capacity : callable
        Returns the number of entries to keep, read at each `put` (so a configuration change
        takes effect at once); 0 keeps nothing.
    """

    def __init__(self, capacity: Callable[[], int]):
        self._capacity = capacity
        self._entries: OrderedDict[Hashable, Table] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> Table | None:
        """A copy of the entry, or None."""
        with self._lock:
            table = self._entries.get(key)
            if table is None:
                return None
            self._entries.move_to_end(key)
        return table.copy()

    def put(self, key: Hashable, table: Table) -> None:
        """Keep a copy of ``table`` under ``key``, forgetting the least recently used beyond capacity."""
        capacity = max(0, int(self._capacity()))
        if capacity == 0:
            return
        table = table.copy()
        with self._lock:
            self._entries[key] = table
            self._entries.move_to_end(key)
            while len(self._entries) > capacity:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()


#: SEDs built in this process (`vo_blazar.pipeline.build_seds`), at most ``conf.sed_cache_size``.
sed_memory = MemoryCache(lambda: conf.sed_cache_size)
