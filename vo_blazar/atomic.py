"""Output files that are either complete or absent: write a temporary file, then `os.replace`.

A run killed while writing its result would otherwise leave a truncated file that astropy reads back
as a valid, shorter table (a cut ECSV is still ECSV). The temporary file lives in the destination's
folder (``os.replace`` is atomic only within one file system) and keeps its suffix, so that format
guessing from the name still works.
"""
from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path
from typing import Iterator

from .exceptions import InputValueError

__all__ = ["atomic_path", "check_writable"]


def check_writable(path: str | os.PathLike, *, overwrite: bool = True) -> Path:
    """Refuse, before any work is done, an output whose folder is missing or that exists already."""
    path = Path(path)
    if not path.parent.is_dir():
        raise InputValueError(f"cannot write {path}: folder {path.parent} does not exist")
    if path.is_dir():
        raise InputValueError(f"cannot write {path}: it is a folder")
    if path.exists() and not overwrite:
        raise InputValueError(f"{path} exists; pass overwrite=True to replace it")
    return path


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, *, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temporary path to write to; on success it replaces ``path`` in one step.

    On an exception the temporary file is removed and ``path`` is left as it was.
    """
    path = check_writable(path, overwrite=overwrite)
    # a unique name opened exclusively, not mkstemp: the result gets the mode a plain open() gives
    # (umask), not mkstemp's private 0600; a replaced file keeps its own mode
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}{path.suffix or '.tmp'}")
    open(tmp, "xb").close()
    if path.exists():
        os.chmod(tmp, path.stat().st_mode & 0o7777)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:   # on disk before it takes the real name
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
