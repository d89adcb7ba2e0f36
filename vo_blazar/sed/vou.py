"""Reader for VOU-Blazars SED text files (``Sed.txt`` / ``*_vou_sed.txt``).

Format: a first line with the matched source (index, RA, Dec, ...), a header line, a units line,
a dashed rule, then whitespace-separated rows: frequency [Hz], nuFnu, nuFnu upper, nuFnu lower
[erg/cm2/s], start and end MJD, catalogue, free-text reference.

VOU-Blazars encodes upper limits as ``nufnu == lower == upper`` or ``lower == 0 < upper`` (the
limit is then ``upper``), writes ``flux = upper = 0`` rows that carry no information, uses MJD
55000 for "not time resolved", and adds ``DEBL`` rows that are *model* (EBL de-absorbed) copies of
3FHL points. We read the limits as limits, drop the empty and model rows (counted in
``meta["dropped"]``) and turn the placeholder epoch into NaN.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord

from ..exceptions import InputValueError
from .table import make_sed

__all__ = ["read_vou_sed", "VOU_PLACEHOLDER_MJD"]

VOU_PLACEHOLDER_MJD = 55000.0
_ROW = re.compile(r"^\s*([-+0-9.Ee]+)\s+([-+0-9.Ee]+)\s+([-+0-9.Ee]+)\s+([-+0-9.Ee]+)\s+"
                  r"([-+0-9.Ee]+)\s+([-+0-9.Ee]+)\s+(\S+)\s*(.*)$")


def read_vou_sed(path, *, keep_model_points: bool = False):
    """Read a VOU-Blazars SED file into an SED Table.

    Parameters
    ----------
    path : str or path-like
        The text file.
    keep_model_points : bool
        Keep ``DEBL`` rows (EBL-de-absorbed copies of gamma-ray points; model values, not
        measurements). Off by default.

    Returns
    -------
    sed : `~astropy.table.QTable`
        With ``meta["target"]`` from the file's first line, ``meta["dropped"]`` counting the rows
        that were not turned into points and why, and a ``reference`` column.
    """
    path = Path(path)
    lines = path.read_text(errors="replace").splitlines()
    if len(lines) < 4:
        raise InputValueError(f"{path} is too short to be a VOU-Blazars SED file (needs a header of 4 lines)")
    first = lines[0].split()
    target = None
    numbers = [w for w in first if re.fullmatch(r"[-+]?\d+(\.\d*)?", w)]
    if len(numbers) >= 3:
        target = SkyCoord(float(numbers[1]), float(numbers[2]), unit="deg")
    rows, bad = [], []
    for lineno, line in enumerate(lines[1:], start=2):
        m = _ROW.match(line)
        if m is None:
            if line.strip() and not set(line.strip()) <= {"-"} and lineno > 4:
                bad.append(lineno)
            continue
        rows.append(m.groups())
    if bad:
        raise InputValueError(f"{path}: line(s) {bad[:5]} do not follow the VOU-Blazars row format "
                              "(frequency nufnu upper lower mjd_start mjd_end catalogue reference)")
    if not rows:
        raise InputValueError(f"{path}: no SED rows found")
    nu, flux, upper, lower, t0, t1 = (np.array([float(r[i]) for r in rows]) for i in range(6))
    catalog = np.array([r[6] for r in rows])
    reference = np.array([r[7].strip() for r in rows])

    dropped = {}
    empty = (flux <= 0) & (upper <= 0)
    dropped["no flux (flux = upper = 0)"] = int(empty.sum())
    no_freq = ~(nu > 0)
    dropped["no frequency"] = int((no_freq & ~empty).sum())
    model = np.zeros(len(rows), bool) if keep_model_points else (catalog == "DEBL")
    dropped["model points (DEBL)"] = int((model & ~empty & ~no_freq).sum())
    keep = ~(empty | no_freq | model)

    is_ul = ((flux == upper) & (flux == lower) & (upper > 0)) | ((lower <= 0) & (upper > 0))
    value = np.where(is_ul, upper, flux)
    has_bounds = (upper > 0) & (lower > 0) & ~is_ul
    err = np.where(has_bounds, (upper - lower) / 2.0, np.nan)
    mjd = np.where((t0 == VOU_PLACEHOLDER_MJD) & (t1 == VOU_PLACEHOLDER_MJD), np.nan, 0.5 * (t0 + t1))

    sed = make_sed(
        {"frequency": nu[keep] * u.Hz, "nufnu": value[keep], "nufnu_err": err[keep],
         "upper_limit": is_ul[keep], "catalog": catalog[keep], "band": np.full(keep.sum(), ""),
         "mjd": mjd[keep], "correction_note": np.full(keep.sum(), "as delivered by VOU-Blazars")},
        target=target, source_file=str(path), dropped={k: v for k, v in dropped.items() if v})
    sed["reference"] = reference[keep]
    order = np.argsort(sed["frequency"].value, kind="stable")
    return sed[order]
