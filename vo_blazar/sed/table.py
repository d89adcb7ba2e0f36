"""The SED Table: the one data model every stage of vo_blazar consumes and returns.

An SED is an `astropy.table.QTable` with one row per photometric point:

==================  ===============  =====================================================
column              unit             meaning
==================  ===============  =====================================================
frequency           Hz               observed frequency of the point
nufnu               erg / (cm2 s)    nu F_nu, corrected for Galactic extinction/absorption
nufnu_err           erg / (cm2 s)    1-sigma error (NaN when unknown; NaN for upper limits)
upper_limit         bool             True when ``nufnu`` is an upper limit
catalog             str              registry name of the catalogue (or the file's label)
band                str              band label within the catalogue (e.g. ``W1``, ``0.1-2.4keV``)
mjd                 d                epoch of the measurement (NaN when unknown)
ra, dec             deg              position of the counterpart that gave the point
separation          arcsec           distance of the counterpart from the target
correction          (dimensionless)  factor that was applied to nufnu (1 = none)
correction_note     str              what the factor is (e.g. ``extinction CCM89 E(B-V)=0.031``)
==================  ===============  =====================================================

``meta`` holds ``target`` (SkyCoord), ``radius`` (Quantity), ``failures`` ({catalogue: message}),
``catalogs`` (the catalogues that were asked), ``registry_version``, ``offline`` and ``created``
(ISO time). Rows are sorted by frequency.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Mapping

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import QTable, Table, vstack

from ..exceptions import InputTypeError, InputValueError

__all__ = ["SED_COLUMNS", "NUFNU_UNIT", "empty_sed", "make_sed", "as_sed", "validate_sed", "stack_seds"]

NUFNU_UNIT = u.erg / (u.cm**2 * u.s)

#: name -> (unit or None, numpy dtype, fill value for missing)
SED_COLUMNS: dict[str, tuple[u.UnitBase | None, Any, Any]] = {
    "frequency": (u.Hz, np.float64, np.nan),
    "nufnu": (NUFNU_UNIT, np.float64, np.nan),
    "nufnu_err": (NUFNU_UNIT, np.float64, np.nan),
    "upper_limit": (None, bool, False),
    "catalog": (None, "U32", ""),
    "band": (None, "U32", ""),
    "mjd": (u.d, np.float64, np.nan),
    "ra": (u.deg, np.float64, np.nan),
    "dec": (u.deg, np.float64, np.nan),
    "separation": (u.arcsec, np.float64, np.nan),
    "correction": (u.dimensionless_unscaled, np.float64, 1.0),
    "correction_note": (None, "U64", ""),
}


def _new_meta(target: SkyCoord | None, radius: u.Quantity | None, **extra: Any) -> dict:
    meta = {
        "target": target,
        "radius": radius,
        "failures": {},
        "catalogs": [],
        "registry_version": None,
        "offline": None,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    meta.update(extra)
    return meta


def empty_sed(target: SkyCoord | None = None, radius: u.Quantity | None = None, **meta: Any) -> QTable:
    """Return an SED with the full schema and no rows."""
    return make_sed({}, n=0, target=target, radius=radius, **meta)


def make_sed(columns: Mapping[str, Any], *, n: int | None = None, target: SkyCoord | None = None,
             radius: u.Quantity | None = None, **meta: Any) -> QTable:
    """Build an SED from a mapping of column values; missing columns get their fill value.

    Quantities are converted to the schema unit (``frequency`` accepts any spectral unit:
    wavelength or energy are converted with `astropy.units.spectral`). Plain numbers are taken as
    already in the schema unit.
    """
    if n is None:
        lengths = {len(np.atleast_1d(v)) for v in columns.values()}
        if len(lengths) > 1:
            raise InputValueError(f"SED columns have different lengths: {sorted(lengths)}")
        n = lengths.pop() if lengths else 0
    unknown = set(columns) - set(SED_COLUMNS)
    table = QTable(meta=_new_meta(target, radius, **meta))
    for name, (unit, dtype, fill) in SED_COLUMNS.items():
        if name in columns:
            value = columns[name]
            if unit is not None and isinstance(value, u.Quantity):
                equiv = u.spectral() if name == "frequency" else []
                value = value.to_value(unit, equivalencies=equiv)
            value = np.broadcast_to(np.asarray(value, dtype=dtype), (n,)).copy()
        else:
            value = np.full(n, fill, dtype=dtype)
        table[name] = value * unit if unit is not None else value
    for name in sorted(unknown):  # keep extra information a caller attached, e.g. provenance
        table[name] = columns[name]
    return table


def validate_sed(sed: Any) -> QTable:
    """Check that ``sed`` follows the schema; return it unchanged or raise a specific error."""
    if not isinstance(sed, Table):
        raise InputTypeError(f"expected an SED as an astropy Table/QTable, got {type(sed).__name__}")
    missing = [c for c in ("frequency", "nufnu") if c not in sed.colnames]
    if missing:
        raise InputValueError(
            f"SED table lacks column(s) {missing}; an SED needs at least 'frequency' (Hz) and "
            f"'nufnu' (erg / (cm2 s)); it has {sed.colnames}")
    return sed


def _filled(col) -> np.ndarray:
    """Float values of a column, NaN where it is masked (a null is no data, whatever lies under it)."""
    return np.ma.filled(np.ma.asarray(col, dtype=float), np.nan)


def _column_quantity(table: Table, name: str, unit: u.UnitBase, *, assume_unit: bool) -> u.Quantity:
    col = table[name]
    if isinstance(col, u.Quantity):
        q = col
        if np.any(getattr(col, "mask", False)):   # astropy's MaskedQuantity
            q = col.unmasked.astype(np.float64, copy=True)
            q[np.asarray(col.mask, bool)] = np.nan
    elif getattr(col, "unit", None) is not None:
        q = u.Quantity(_filled(col), col.unit)
    elif assume_unit:
        q = u.Quantity(_filled(col), unit)
    else:
        raise InputValueError(
            f"column '{name}' has no unit; give it one (expected something convertible to {unit}) "
            f"or pass assume_units=True to take it as {unit}")
    try:
        return q.to(unit, equivalencies=u.spectral() if name == "frequency" else [])
    except u.UnitConversionError as exc:
        raise InputValueError(f"column '{name}' has unit {q.unit}, "
                              f"which cannot be converted to {unit}") from exc


def as_sed(table: Any, *, assume_units: bool = False) -> QTable:
    """Turn a user's table (``frequency`` and ``nufnu`` at least) into a schema-complete SED.

    Parameters
    ----------
    table : `~astropy.table.Table`
        Needs ``frequency`` (any spectral unit) and ``nufnu`` (erg/cm2/s or convertible);
        other schema columns are used when present.
    assume_units : bool
        Take unit-less ``frequency``/``nufnu``/``nufnu_err`` columns as Hz and erg/cm2/s.
        Off by default, because a bare number in GHz or eV is the classic silent mistake.
    """
    validate_sed(table)
    cols: dict[str, Any] = {}
    for name, (unit, _dtype, _fill) in SED_COLUMNS.items():
        if name not in table.colnames:
            continue
        if unit is None:
            cols[name] = np.asarray(table[name])
        elif unit is u.dimensionless_unscaled:
            cols[name] = np.asarray(table[name], dtype=float)
        else:
            cols[name] = _column_quantity(table, name, unit,
                                          assume_unit=(assume_units
                                                       or name in ("mjd", "ra", "dec", "separation")))
    meta = {k: v for k, v in table.meta.items()} if table.meta else {}
    target = meta.pop("target", None)
    radius = meta.pop("radius", None)
    sed = make_sed(cols, n=len(table), target=target, radius=radius)
    sed.meta.update(meta)
    return sed


def stack_seds(seds: list[QTable], *, target: SkyCoord | None = None,
               radius: u.Quantity | None = None) -> QTable:
    """Concatenate partial SEDs (one per catalogue) into one, sorted by frequency."""
    seds = [s for s in seds if len(s)]
    if not seds:
        return empty_sed(target, radius)
    out = vstack(seds, metadata_conflicts="silent")
    out.meta = _new_meta(target, radius)
    order = np.argsort(out["frequency"].value, kind="stable")
    return out[order]
