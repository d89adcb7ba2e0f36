"""The file format of the offline snapshot: one table per ``.npz`` file, read without pickle.

Each column is a plain NumPy array (float, int, bool or fixed-width unicode) under its own name,
its mask (when any value is masked) under ``<name>__mask``, and a JSON document ``__meta__`` holds
the column order, the units (astropy strings) and the table's ``meta``. Reading takes a sixth of
the time gzipped ECSV needed (0.25 s instead of 1.6 s for the whole snapshot), which was most of a
fresh process's first answer; ``numpy.load(allow_pickle=False)`` never runs code from the file.
Written with fixed zip time stamps, so a rebuild from the same inputs is byte-identical.
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.table import Column, MaskedColumn, Table

from ..registry.catalogue import SNAPSHOT_ROLES

__all__ = ["SUFFIX", "write_table", "read_table", "catalogue_columns", "string_columns"]

SUFFIX = ".npz"
_META = "__meta__"
_MASK = "__mask"
FORMAT = "vo_blazar.snapshot-table/1"


def write_table(table: Table, path: str | Path) -> Path:
    """Write ``table`` (plain or masked columns, units, JSON-able ``meta``) to ``path``."""
    path = Path(path)
    arrays: dict[str, np.ndarray] = {}
    units: dict[str, str] = {}
    for name in table.colnames:
        col = table[name]
        data = np.asarray(np.ma.getdata(col))
        if data.dtype.kind == "O":
            raise ValueError(f"column {name!r} holds Python objects; the snapshot format takes arrays only")
        arrays[name] = data
        mask = np.ma.getmaskarray(col) if hasattr(col, "mask") else np.zeros(len(col), bool)
        if mask.any():
            arrays[name + _MASK] = mask
        if col.unit is not None:
            units[name] = col.unit.to_string()
    meta = {"format": FORMAT, "columns": list(table.colnames), "units": units, "meta": dict(table.meta)}
    arrays[_META] = np.array(json.dumps(meta, sort_keys=True))
    tmp = path.with_name(path.name + ".part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in arrays.items():
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, "w") as fh:
                np.lib.format.write_array(fh, np.ascontiguousarray(data), allow_pickle=False)
    tmp.replace(path)
    return path


def read_table(path: str | Path) -> Table:
    """Read a table written by `write_table` (raises on a damaged or foreign file)."""
    with np.load(Path(path), allow_pickle=False) as z:
        meta = json.loads(str(z[_META].item()))
        if meta.get("format") != FORMAT:
            raise ValueError(f"not a vo_blazar snapshot table (format {meta.get('format')!r})")
        table = Table(meta=meta.get("meta", {}))
        for name in meta["columns"]:
            unit = meta["units"].get(name)
            unit = u.Unit(unit) if unit else None
            if name + _MASK in z.files:    # as ECSV read them: masked only where values are missing
                table[name] = MaskedColumn(z[name], mask=z[name + _MASK], unit=unit, name=name)
            else:
                table[name] = Column(z[name], unit=unit, name=name)
    return table


def catalogue_columns(cat) -> list[str]:
    """The registry columns of ``cat`` that its snapshot file holds, in a fixed order (also what an
    empty answer must have): `Catalogue.columns` of the snapshot's roles, whose order fixes the
    files' bytes."""
    return cat.columns(SNAPSHOT_ROLES)


def string_columns(cat) -> set[str]:
    """The columns of ``cat`` stored as text: its name column and upper-limit flag columns."""
    out = {cat.name_column} if cat.name_column else set()
    for p in cat.points:
        if p.upper_limit is not None and p.upper_limit.kind == "flag":
            out.add(p.upper_limit.column)
    return out
