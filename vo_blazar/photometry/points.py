"""A catalogue's rows -> SED points, following the catalogue's `PointSpec` records.

One point per (row, PointSpec) whose value is present. Upper limits only come from the spec's
`UpperLimitRule` (a published limit); a missing value gives no point, a missing error gives a NaN
error (never a limit). Skipped values are counted per band in ``meta['skipped']`` and, by reason,
in ``meta['skipped_reasons']``.

Registry parameters read here (``PointSpec.params``)::

    unit            unit of the value column (all conversions but magnitudes); a unit the column
                        itself carries (VOTable/FITS) takes precedence when it is compatible
    error_unit      unit of the error column(s), default: the value's unit
    error_placeholder  an error value that flags "no measured error" (PMN's 99 mJy): NaN error
    error_lo        column of the lower error (negative or positive); with error (the upper
                        one) the error is the mean of the two magnitudes
    lolim, hilim  columns of lower/upper confidence limits (CSC 2) used when there is no
                        error: the error is the mean of (value - lolim) and (hilim - value)
    zero_point      vega_mag: zero-magnitude flux density (number in Jy or "666.7 Jy")
    band_energy     energy_flux/photon_flux/count_rate/absorption: [E1, E2] (a Quantity, numbers
                        in energy_unit (default keV), strings such as "100 MeV", or "[0.1, 2.4] keV")
    alpha           energy index of the band power law (default 0.9)
    index           photon_flux: photon index (number), or the fallback for index_column
    index_column    photon_flux: column with the photon index of each row
    index_max, index_fallback  photon_flux: indices above index_max (5) become the fallback (2)
    ecf, ecf_unit   count_rate: energy conversion factor, default unit erg/cm2/s per ct/s
    flux_column     (alias flux) when the value column is nuFnu but its errors (and the
                        4FGL-style upper limit) are given for a band flux: the relative error
                        err / flux is applied to nuFnu, and a null_error limit is
                        nuFnu * (flux + sigma * err_hi) / flux

Columns may be addressed as ``name[k]`` or ``name[k, j]`` to take one element of a vector column
(e.g. ``Flux_Band[2]``, ``Unc_Flux_Band[2, 1]`` in the 4FGL FITS file).
"""
from __future__ import annotations

import functools

import re
from typing import Any

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import QTable, Table

from ..access.base import INDEX_COLUMN
from ..exceptions import ConversionError, InputTypeError
from ..logger import log
from ..registry.catalogue import CONVERSIONS, Catalogue, PointSpec, UpperLimitRule
from ..registry.rows import CatalogueRows, catalogue_positions, usable_unit  # catalogue_positions: re-exported
from ..sed.table import NUFNU_UNIT, make_sed
from . import conversions as conv
from .absorption import ALPHA, absorption_factor, nh as nh_map
from .extinction import RV, ebv as ebv_map, extinction_factor

__all__ = ["convert_rows", "catalogue_positions", "DEREDDENED_COLUMN", "UNABSORBED_COLUMN", "MAG_RANGE",
           "NUFNU_RANGE"]

#: Optional boolean column: True where the row's fluxes are already corrected for dust extinction.
DEREDDENED_COLUMN = "_dereddened"
#: Optional boolean column: True where the row's X-ray fluxes are already corrected for absorption.
UNABSORBED_COLUMN = "_unabsorbed"
#: Magnitudes outside this open range (and exactly 0, a common null) are placeholders, not data.
MAG_RANGE = (-15.0, 40.0)
#: nuFnu outside this range (erg/cm2/s) is a placeholder or a unit mistake, not an astrophysical source.
NUFNU_RANGE = (1e-30, 1e-3)

_MAGNITUDES = ("ab_mag", "vega_mag")
_BANDED = ("energy_flux", "photon_flux", "count_rate")
_EXPECTED = {  # physical type the value unit must have (after dropping ph/ct)
    "flux_density": u.Jy,
    "nufnu": NUFNU_UNIT,
    "energy_flux": NUFNU_UNIT,
    "photon_flux": u.cm**-2 / u.s,
    "count_rate": u.s**-1,
}
_BAND_TEXT = re.compile(r"^\s*\[\s*(?P<lo>[^,\]]+?)\s*,\s*(?P<hi>[^\]]+?)\s*\]\s*(?P<unit>.+?)\s*$")


# ---------------------------------------------------------------------------------------------
# per-spec helpers
# ---------------------------------------------------------------------------------------------
def _compatible(unit: u.UnitBase, expected: u.UnitBase, frequency: u.Quantity) -> bool:
    return _compatible_cached(unit, expected, float(frequency.to_value(u.Hz, equivalencies=u.spectral())))


@functools.lru_cache(maxsize=1024)
def _compatible_cached(unit: u.UnitBase, expected: u.UnitBase, frequency_hz: float) -> bool:
    # memoised: the same few (unit, conversion) pairs recur for every catalogue query
    probe = conv.without_counts(1.0 * unit)
    equiv = u.spectral_density(frequency_hz * u.Hz) if expected == u.Jy else []
    return probe.unit.is_equivalent(expected, equivalencies=equiv)


def _value_unit(catalogue: Catalogue, spec: PointSpec, column: str, column_unit: Any,
                declared: Any) -> u.UnitBase:
    """The unit of a value/error column: the column's own when usable, else the registry's."""
    expected = _EXPECTED[spec.conversion]
    dec = conv.parse_unit(declared, catalogue=catalogue.name, column=column) if declared is not None else None
    if dec is not None and not _compatible(dec, expected, spec.frequency):
        raise ConversionError(
            f"{catalogue.name}: registry unit {declared!r} of column '{column}' does not suit conversion "
            f"'{spec.conversion}' (expected something like {expected})")
    if usable_unit(column_unit) and _compatible(column_unit, expected, spec.frequency):
        if dec is not None and column_unit != dec:
            log.debug(f"{catalogue.name}.{column}: using the column's unit {column_unit} "
                      f"(registry says {dec})")
        return column_unit
    if dec is not None:
        if usable_unit(column_unit):
            log.warning(f"{catalogue.name}: column '{column}' carries unit {column_unit}, which does not "
                        f"suit '{spec.conversion}'; using the registry unit {dec}")
        return dec
    raise ConversionError(
        f"{catalogue.name}: no usable unit for column '{column}' (column unit {column_unit!r}, no 'unit' in "
        f"the registry params); expected something like {expected}")


def _band_energy(catalogue: Catalogue, spec: PointSpec) -> u.Quantity:
    params = spec.params
    if "band_energy" not in params:
        raise ConversionError(f"{catalogue.name}: point '{spec.band}' ({spec.conversion}) needs "
                              f"params['band_energy'] = [E1, E2]")
    raw = params["band_energy"]
    match = _BAND_TEXT.match(raw) if isinstance(raw, str) else None
    if match:  # "[0.1, 2.4] keV"
        raw = [float(match.group("lo")), float(match.group("hi"))]
        params = {**params, "energy_unit": match.group("unit")}
    band = conv.parse_quantity(raw, params.get("energy_unit", "keV"), catalogue=catalogue.name,
                               what="band_energy")
    try:
        band = band.to(u.keV, equivalencies=u.spectral())
    except u.UnitConversionError as exc:
        raise ConversionError(
            f"{catalogue.name}: band_energy {params['band_energy']!r} is not an energy") from exc
    if band.shape != (2,) or not (0 < band[0].value < band[1].value):
        raise ConversionError(f"{catalogue.name}: band_energy must be [E1, E2] with 0 < E1 < E2, got {band}")
    return band


def _errors(cols: CatalogueRows, catalogue: Catalogue, spec: PointSpec, value_unit: u.UnitBase | None,
            values: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Symmetric 1-sigma error (in the value's unit, or mag) and the upper error; None when not mapped.

    From ``error`` (with ``error_lo``: the mean of the two magnitudes) or, when the catalogue gives
    confidence limits instead (``lolim``/``hilim`` params, e.g. CSC 2), half their distance.
    """
    p = spec.params
    if spec.error:
        hi, hi_unit = cols.numeric(spec.error)
        if p.get("error_placeholder") is not None:   # a flag value, not a measured error
            hi = np.where(hi == p["error_placeholder"], np.nan, hi)
        lo = cols.numeric(p["error_lo"])[0] if p.get("error_lo") else None
        convert_unit = value_unit is not None and _flux_column(spec) is None
    elif p.get("lolim") or p.get("hilim"):
        lolim = cols.numeric(p["lolim"])[0] if p.get("lolim") else np.full(cols.n, np.nan)
        hilim, hi_unit = cols.numeric(p["hilim"]) if p.get("hilim") else (np.full(cols.n, np.nan), None)
        hi, lo = hilim - values, values - lolim   # limits share the value's unit
        convert_unit = False
    else:
        return None, None
    if convert_unit:
        declared = p.get("error_unit", p.get("unit"))
        unit = _value_unit(catalogue, spec, spec.error, hi_unit, declared)
        scale = conv.without_counts(1.0 * unit).to_value(conv.without_counts(1.0 * value_unit).unit,
                                                          equivalencies=u.spectral_density(spec.frequency))
        hi = hi * scale
        lo = None if lo is None else lo * scale
    hi_abs = np.abs(hi)
    if lo is None:
        sym = hi_abs
    else:
        both = np.stack([np.abs(lo), hi_abs])
        with np.errstate(invalid="ignore"):
            sym = np.where(np.isfinite(both).all(axis=0), both.mean(axis=0), np.nan)
    sym = np.where(np.isfinite(sym) & (sym > 0), sym, np.nan)
    return sym, hi_abs


def _flux_column(spec: PointSpec) -> str | None:
    """Column of the band flux that the errors/limits refer to (``flux_column`` or ``flux``)."""
    return spec.params.get("flux_column") or spec.params.get("flux")


def _convert(catalogue: Catalogue, spec: PointSpec, cols: CatalogueRows, values: np.ndarray,
             unit: u.UnitBase | None, errors: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """nuFnu and its error (erg/cm2/s, plain arrays) for ``values`` in ``unit`` (or mag)."""
    p = spec.params
    nu = spec.frequency
    name = spec.conversion
    if name in _MAGNITUDES:
        if name == "ab_mag":
            f, e = conv.ab_mag(values, nu, errors)
        else:
            if "zero_point" not in p:
                raise ConversionError(
                    f"{catalogue.name}: vega_mag point '{spec.band}' needs params['zero_point']")
            zp = conv.parse_quantity(p["zero_point"], "Jy", catalogue=catalogue.name, what="zero_point")
            f, e = conv.vega_mag(values, nu, zp, errors)
        return f.to_value(NUFNU_UNIT), e.to_value(NUFNU_UNIT)
    q = values * unit
    eq = None if errors is None else errors * unit
    if name == "flux_density":
        f, e = conv.flux_density(q, nu, eq)
    elif name == "nufnu":
        f, e = conv.nufnu(q, eq)
    elif name == "energy_flux":
        f, e = conv.energy_flux(q, nu, _band_energy(catalogue, spec), p.get("alpha", ALPHA), eq)
    elif name == "photon_flux":
        f, e = conv.photon_flux(q, nu, _band_energy(catalogue, spec), _photon_index(catalogue, spec, cols),
                                eq, index_max=float(p.get("index_max", 5.0)),
                                index_fallback=float(p.get("index_fallback", 2.0)))
    elif name == "count_rate":
        if "ecf" not in p:
            raise ConversionError(f"{catalogue.name}: count_rate point '{spec.band}' needs params['ecf']")
        ecf = conv.parse_quantity(p["ecf"], p.get("ecf_unit", "erg / (cm2 ct)"), catalogue=catalogue.name,
                                  what="ecf")
        f, e = conv.count_rate(q, nu, _band_energy(catalogue, spec), ecf, p.get("alpha", ALPHA), eq)
    else:  # pragma: no cover - checked by the caller
        raise ConversionError(f"{catalogue.name}: unknown conversion {name!r}")
    return f.to_value(NUFNU_UNIT), e.to_value(NUFNU_UNIT)


def _photon_index(catalogue: Catalogue, spec: PointSpec, cols: CatalogueRows) -> np.ndarray:
    p = spec.params
    fallback = p.get("index")
    if p.get("index_column"):
        index, _ = cols.numeric(p["index_column"])
        if fallback is not None:
            index = np.where(np.isfinite(index), index, float(fallback))
        return index
    if fallback is None:
        raise ConversionError(f"{catalogue.name}: photon_flux point '{spec.band}' needs params['index'] "
                              f"or params['index_column']")
    return np.full(cols.n, float(fallback))


def _flag_matches(data: np.ndarray, mask: np.ndarray, values: tuple) -> np.ndarray:
    """Rows whose flag equals one of ``values`` (text compared stripped; one vectorised test)."""
    if data.dtype.kind in "biuf":
        numbers = [v for v in values if not isinstance(v, str)]
        hit = np.isin(data, numbers) if numbers else np.zeros(len(data), bool)
        texts = [v for v in values if isinstance(v, str)]
        if texts:
            hit |= np.isin(data.astype(str), [t.strip() for t in texts])
    else:
        text = np.array([str(d).strip() for d in data], dtype=str) if data.dtype.kind == "O" \
            else np.char.strip(data.astype(str))
        hit = np.isin(text, [str(v).strip() for v in values])
    return hit & ~mask


def _kept_rows(catalogue: Catalogue, cols: CatalogueRows) -> np.ndarray:
    """Rows that pass every rule of the registry's ``row_filter`` (a null never passes)."""
    keep = np.ones(cols.n, bool)
    for rule in catalogue.row_filter:
        if rule.values is not None:
            data, mask = cols.flag(rule.column)
            keep &= _flag_matches(data, mask, tuple(rule.values))
        if rule.min is not None or rule.max is not None:
            data = cols.numeric(rule.column)[0]
            with np.errstate(invalid="ignore"):
                if rule.min is not None:
                    keep &= data >= rule.min
                if rule.max is not None:
                    keep &= data <= rule.max
    if catalogue.one_row_per:
        # e.g. RACS's Gaussian list repeats its source's total flux on every component row: one
        # point per source (and per target in a bulk answer); a null id is never a repeat
        ids, mask = cols.flag(catalogue.one_row_per)
        target = (cols.numeric(INDEX_COLUMN)[0] if INDEX_COLUMN in cols.rows.colnames
                  else np.zeros(cols.n))
        seen: set = set()
        for i in np.flatnonzero(keep & ~mask):
            key = (target[i], ids[i])
            if key in seen:
                keep[i] = False
            seen.add(key)
    return keep


# ---------------------------------------------------------------------------------------------
# one PointSpec
# ---------------------------------------------------------------------------------------------
def _points_for_spec(catalogue: Catalogue, spec: PointSpec, cols: CatalogueRows) -> tuple[dict, dict]:
    """Arrays for the points of one spec, and the {reason: count} of skipped values."""
    if spec.conversion not in CONVERSIONS:
        raise ConversionError(f"{catalogue.name}: point '{spec.band}' has unknown conversion "
                              f"{spec.conversion!r}; expected one of {CONVERSIONS}")
    values, col_unit = cols.numeric(spec.value)
    is_mag = spec.conversion in _MAGNITUDES
    unit = None if is_mag else _value_unit(catalogue, spec, spec.value, col_unit, spec.params.get("unit"))
    sym_err, err_hi = _errors(cols, catalogue, spec, unit, values)

    flux_col = _flux_column(spec)
    flux = cols.numeric(flux_col)[0] if flux_col else None
    if flux is not None and sym_err is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(flux > 0, sym_err / flux, np.nan)   # errors are given for the band flux
        sym_err = None
    else:
        rel = None

    skipped: dict[str, int] = {}

    def skip(reason: str, mask: np.ndarray) -> None:
        if mask.any():
            skipped[reason] = skipped.get(reason, 0) + int(mask.sum())

    present = np.isfinite(values)
    skip("null", ~present)

    # upper limits (only the registry's rule; absence of a value or of an error is never a limit)
    rule: UpperLimitRule | None = spec.upper_limit
    limit = np.zeros(cols.n, bool)
    limit_value = np.full(cols.n, np.nan)   # in value units (or mag), before conversion
    limit_scale = np.ones(cols.n)          # multiplicative factor on the converted value
    if rule is not None:
        if rule.kind == "flag":
            if not rule.column:
                raise ConversionError(
                    f"{catalogue.name}: 'flag' upper-limit rule of '{spec.band}' needs a column")
            data, mask = cols.flag(rule.column)
            limit = _flag_matches(data, mask, tuple(rule.values)) & present
            limit_value = np.where(limit, values, np.nan)
        elif rule.kind == "null_error":
            if not rule.column:
                raise ConversionError(f"{catalogue.name}: 'null_error' rule of '{spec.band}' needs a column")
            lo_col, _ = cols.numeric(rule.column)
            limit = ~np.isfinite(lo_col) & present
            hi_name = rule.error_hi or spec.error
            if not hi_name:
                raise ConversionError(f"{catalogue.name}: 'null_error' rule of '{spec.band}' needs error_hi")
            hi = np.abs(cols.numeric(hi_name)[0])
            if flux is not None:
                with np.errstate(divide="ignore", invalid="ignore"):
                    ratio = (flux + rule.sigma * hi) / flux
                limit_scale = np.where(limit & (flux > 0), ratio, np.nan)
                limit_value = np.where(limit, values, np.nan)
            elif is_mag:
                limit_value = np.where(limit, values - rule.sigma * hi, np.nan)
            else:
                hi_scaled = hi if err_hi is None or spec.error != hi_name else err_hi
                limit_value = np.where(limit, values + rule.sigma * hi_scaled, np.nan)
        elif rule.kind == "nonpositive":
            if is_mag:
                raise ConversionError(f"{catalogue.name}: 'nonpositive' rule makes no sense for magnitudes "
                                      f"('{spec.band}')")
            if err_hi is None:
                raise ConversionError(
                    f"{catalogue.name}: 'nonpositive' rule of '{spec.band}' needs an error column")
            limit = present & (values <= 0) & np.isfinite(err_hi) & (err_hi > 0)
            limit_value = np.where(limit, rule.sigma * err_hi, np.nan)
        else:
            raise ConversionError(f"{catalogue.name}: unknown upper-limit rule {rule.kind!r} for "
                                  f"'{spec.band}'; "
                                  f"expected 'flag', 'null_error' or 'nonpositive'")

    detection = present & ~limit
    if is_mag:
        bad = detection & ((values == 0) | (values <= MAG_RANGE[0]) | (values >= MAG_RANGE[1]))
        bad_ul = limit & ((limit_value <= MAG_RANGE[0]) | (limit_value >= MAG_RANGE[1]) | (values == 0))
        skip("invalid", bad | bad_ul)
        detection &= ~bad
        limit &= ~bad_ul
    else:
        nonpos = detection & (values <= 0)
        skip("nonpositive", nonpos)
        detection &= ~nonpos

    # convert: detections from the value, limits from the limit value
    source = np.where(limit, limit_value, values)
    source = np.where(detection | limit, source, np.nan)
    f, e = _convert(catalogue, spec, cols, source, unit, None if (is_mag and sym_err is None) else sym_err)
    if rel is not None:
        e = f * rel
    f = np.where(limit, f * limit_scale, f)
    e = np.where(limit, np.nan, e)

    no_limit = limit & ~(np.isfinite(f) & (f > 0))
    skip("no_limit", no_limit)
    limit &= ~no_limit
    with np.errstate(invalid="ignore"):
        absurd = detection & ~((f > NUFNU_RANGE[0]) & (f < NUFNU_RANGE[1]))
        absurd_ul = limit & ~(f < NUFNU_RANGE[1])
    skip("invalid", absurd | absurd_ul)
    detection &= ~absurd
    limit &= ~absurd_ul

    keep = np.flatnonzero(detection | limit)
    arrays = {"row": keep, "nufnu": f[keep], "nufnu_err": e[keep], "upper_limit": limit[keep]}
    return arrays, skipped


# ---------------------------------------------------------------------------------------------
# positions and corrections
# ---------------------------------------------------------------------------------------------
def _not_applied(factor: np.ndarray, note: np.ndarray, no_map_note: str, done: np.ndarray,
                 done_note: str) -> None:
    """Factor 1 (in place) where the map has no value, then where the source already corrected."""
    unknown = ~np.isfinite(factor)
    factor[unknown] = 1.0
    note[unknown] = no_map_note
    factor[done] = 1.0
    note[done] = done_note


def _corrections(catalogue: Catalogue, specs: list[PointSpec], pieces: list[dict], cols: CatalogueRows,
                 ra: np.ndarray, dec: np.ndarray) -> None:
    """Multiply each piece's nufnu/nufnu_err by its correction factor and record it, in place."""
    kinds = {s.correction for s in specs}
    unknown = kinds - {"none", "extinction", "absorption"}
    if unknown:
        raise ConversionError(f"{catalogue.name}: unknown correction(s) {sorted(unknown)}; expected "
                              f"'extinction', 'absorption' or 'none'")
    rows_needed = {k: np.unique(np.concatenate([p["row"] for s, p in zip(specs, pieces) if s.correction == k]
                                               or [np.array([], int)]))
                   for k in ("extinction", "absorption")}
    lookup: dict[str, np.ndarray] = {}
    for kind, rows in rows_needed.items():
        if not len(rows):
            continue
        full = np.full(cols.n, np.nan)
        ok = rows[np.isfinite(ra[rows]) & np.isfinite(dec[rows])]
        if len(ok):
            coords = SkyCoord(ra[ok] * u.deg, dec[ok] * u.deg, frame="icrs")  # one batched lookup
            full[ok] = ebv_map(coords) if kind == "extinction" else nh_map(coords).to_value(u.cm**-2)
        lookup[kind] = full

    dereddened = cols.boolean(DEREDDENED_COLUMN)
    unabsorbed = cols.boolean(UNABSORBED_COLUMN)
    for spec, piece in zip(specs, pieces):
        rows = piece["row"]
        n = len(rows)
        factor = np.ones(n)
        note = np.full(n, "", dtype=object)
        if spec.correction == "extinction" and n:
            e_bv = lookup["extinction"][rows]
            factor = extinction_factor(np.full(n, spec.frequency.to_value(u.Hz)) * u.Hz, e_bv)
            note = np.array([f"extinction CCM89 Rv={RV:g} E(B-V)={v:.3f} SFDx0.86" for v in e_bv],
                            dtype=object)
            _not_applied(factor, note, "extinction not applied: no E(B-V) at this position",
                         dereddened[rows], "already dereddened in source")
        elif spec.correction == "absorption" and n:
            column = lookup["absorption"][rows] * u.cm**-2
            p = spec.params
            band = _band_energy(catalogue, spec) if "band_energy" in p else None
            alpha = p.get("alpha", ALPHA)
            factor = absorption_factor(column, band, energy=spec.frequency, alpha=alpha)
            what = f"{band[0].value:g}-{band[1].value:g} keV" if band is not None else "monochromatic"
            note = np.array([f"absorption MM83 nH={v:.3g} HI4PI a={alpha:g} {what}" for v in column.value],
                            dtype=object)
            _not_applied(factor, note, "absorption not applied: no nH at this position",
                         unabsorbed[rows], "already unabsorbed in source")
        piece["nufnu"] = piece["nufnu"] * factor
        piece["nufnu_err"] = piece["nufnu_err"] * factor
        piece["correction"] = factor
        piece["correction_note"] = note.astype(str) if n else np.array([], dtype=str)


# ---------------------------------------------------------------------------------------------
# public
# ---------------------------------------------------------------------------------------------
def convert_rows(catalogue: Catalogue, rows: Table) -> QTable:
    """Turn a catalogue's rows into SED points (nuFnu), with upper limits and Galactic corrections.

    Parameters
    ----------
    catalogue : `~vo_blazar.registry.catalogue.Catalogue`
        The registry record: positions, epoch and the `PointSpec` of each band.
    rows : `~astropy.table.Table`
        Rows as returned by a cone search (or the offline snapshot), in the catalogue's own column
        names; masked/NaN values are nulls. An optional boolean ``_dereddened`` (``_unabsorbed``)
        column marks rows whose fluxes are already corrected; an ``_index`` column (bulk access)
        is carried through.

    Returns
    -------
    sed : `~astropy.table.QTable`
        An SED (`vo_blazar.sed.table.make_sed`) sorted by frequency, one point per (row, band) with
        a value, plus a ``_row`` column (the row's index in ``rows``). ``separation`` is left NaN and
        ``meta['target']`` None for the caller. ``meta['skipped']`` is ``{band: n}`` of values that
        gave no point, ``meta['skipped_reasons']`` ``{band: {reason: n}}`` with reasons ``null``
        (no value), ``nonpositive`` (<= 0 and not a registry upper limit), ``invalid`` (placeholder
        magnitudes such as 0 or -99, absurd fluxes), ``no_limit`` (an upper-limit rule whose
        limit could not be computed) and ``filtered`` (a row the registry's ``row_filter`` drops).

    Raises
    ------
    ConversionError
        A mapped column is missing or not numeric, a unit cannot be parsed or does not suit the
        conversion, or the registry record lacks a parameter its conversion needs.
    """
    if not isinstance(catalogue, Catalogue):
        raise InputTypeError(f"convert_rows expects a Catalogue, got {type(catalogue).__name__}")
    if not isinstance(rows, Table):
        raise InputTypeError(f"convert_rows expects an astropy Table of rows, got {type(rows).__name__}")
    cols = CatalogueRows(catalogue, rows)
    ra, dec = cols.positions()

    specs = list(catalogue.points)
    pieces: list[dict] = []
    skipped: dict[str, int] = {}
    reasons: dict[str, dict[str, int]] = {}
    keep = _kept_rows(catalogue, cols)
    for spec in specs:
        piece, why = _points_for_spec(catalogue, spec, cols)
        if not keep.all():
            # rows the catalogue's documentation says not to use (e.g. VLASS duplicates)
            passed = keep[piece["row"]]
            if not passed.all():
                why = {**why, "filtered": why.get("filtered", 0) + int((~passed).sum())}
                piece = {k: v[passed] for k, v in piece.items()}
        pieces.append(piece)
        if why:
            skipped[spec.band] = skipped.get(spec.band, 0) + sum(why.values())
            merged = reasons.setdefault(spec.band, {})
            for k, v in why.items():
                merged[k] = merged.get(k, 0) + v
    _corrections(catalogue, specs, pieces, cols, ra, dec)

    if catalogue.epoch_column:
        mjd_all, _ = cols.numeric(catalogue.epoch_column)
    else:
        mjd_all = np.full(cols.n, np.nan if catalogue.epoch_mjd is None else float(catalogue.epoch_mjd))
    index_all = cols.numeric("_index")[0] if "_index" in rows.colnames else None

    row = np.concatenate([p["row"] for p in pieces]) if pieces else np.array([], int)
    n = len(row)
    columns: dict[str, Any] = {
        "frequency": np.concatenate([
            np.full(len(p["row"]), s.frequency.to_value(u.Hz, equivalencies=u.spectral()))
            for s, p in zip(specs, pieces)]) if pieces else np.array([]),
        "nufnu": np.concatenate([p["nufnu"] for p in pieces]) if pieces else np.array([]),
        "nufnu_err": np.concatenate([p["nufnu_err"] for p in pieces]) if pieces else np.array([]),
        "upper_limit": np.concatenate([p["upper_limit"] for p in pieces]) if pieces else np.array([], bool),
        "catalog": np.full(n, catalogue.name),
        "band": np.concatenate([np.full(len(p["row"]), s.band) for s, p in zip(specs, pieces)])
        if pieces else np.array([], str),
        "mjd": mjd_all[row],
        "ra": ra[row],
        "dec": dec[row],
        "correction": np.concatenate([p["correction"] for p in pieces]) if pieces else np.array([]),
        "correction_note": np.concatenate([p["correction_note"] for p in pieces])
        if pieces else np.array([], str),
        "_row": row.astype(int),
    }
    if index_all is not None:
        columns["_index"] = index_all[row].astype(int)
    order = np.lexsort((row, columns["frequency"]))
    columns = {k: np.asarray(v)[order] for k, v in columns.items()}
    sed = make_sed(columns, n=n, skipped=skipped, skipped_reasons=reasons)
    sed.meta["catalogs"] = [catalogue.name]
    if skipped:
        log.debug(f"{catalogue.name}: values without a point: {reasons}")
    return sed
