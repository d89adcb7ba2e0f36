"""Read the declarative catalogue registry (YAML) into validated `Catalogue` records.

Everything a catalogue needs is in ``catalogues.yaml``; this module only parses and checks it.
Quantities are strings parsed with astropy units (``"1.4 GHz"``, ``"3.4 um"``, ``"1 keV"``); a
point frequency may be written as a wavelength or an energy and is converted with
`astropy.units.spectral`.  Every inconsistency raises `~vo_blazar.exceptions.RegistryError`
naming the catalogue and the field, at load time, so a broken entry never reaches a query.
"""
from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import yaml
from astropy import units as u

from ..exceptions import RegistryError, UnknownCatalogueError
from .catalogue import (CONVERSIONS, FOOTPRINT_KINDS, WAVEBANDS, AccessSpec, Catalogue, Footprint,
                        PointSpec, RowFilter, SurveyLimit, UpperLimitRule)

__all__ = ["Registry", "load_registry", "get_catalogue", "DEFAULT_REGISTRY"]

#: The registry shipped with the package.
DEFAULT_REGISTRY = "catalogues.yaml"

# "offline": no live service serves the catalogue with a documented schema; the offline snapshot
# answers, and a live query fails with a ServiceError that says so (docs/registry.rst)
_ACCESS_KINDS = ("scs", "tap", "vizier", "packaged", "offline")
_ACCESS_KEYS = {"kind", "url", "table", "bulk", "aliases"}
_BULK_KINDS = (None, "tap_upload", "xmatch")
_MATCH_KINDS = ("cone", "nearest", "ellipse")
_CORRECTIONS = ("none", "extinction", "absorption")
_UL_KINDS = ("flag", "null_error", "nonpositive")
_ELLIPSE_KEYS = ("semi_major", "semi_minor", "angle")

# params each conversion needs, and the physical type each Quantity-valued param must have
_REQUIRED_PARAMS = {
    "flux_density": ("unit",),
    "ab_mag": (),
    "vega_mag": ("zero_point",),
    "nufnu": ("unit",),
    "energy_flux": ("unit", "band_energy", "alpha"),
    "photon_flux": ("unit", "band_energy", "index"),
    "count_rate": ("ecf", "band_energy", "alpha"),
}
_UNIT_TYPES = {
    "flux_density": u.Jy,
    "nufnu": u.erg / u.cm**2 / u.s,
    "energy_flux": u.erg / u.cm**2 / u.s,
    "photon_flux": u.ph / u.cm**2 / u.s,
    "count_rate": u.ct / u.s,
}
#: params whose value names another column of the catalogue (checked to be non-empty strings)
COLUMN_PARAMS = ("flux", "flux_column", "lolim", "hilim", "error_lo", "index_column")
#: every param `vo_blazar.photometry.points` reads; any other key is a typo caught at load time
KNOWN_PARAMS = frozenset(COLUMN_PARAMS) | {
    "unit", "error_unit", "zero_point", "band_energy", "energy_unit", "alpha", "index", "index_max",
    "index_fallback", "ecf", "ecf_unit", "error_placeholder"}
# a VizieR table id: "<catalogue>/<table>"; catalogue ids are "J/<journal>/<volume>/<page>" or
# "<category>/<number>" (II/246, VIII/81B, B/vsx), so a table id has 5 resp. 3 or more parts
_VIZIER_TABLE = re.compile(r"^(J/[^/\s]+/[^/\s]+/[^/\s]+|(?!J/)[^/\s]+/[^/\s]+)/[^/\s]+$")

_CATALOGUE_KEYS = {
    "name", "title", "waveband", "reference", "access", "ra_column", "dec_column", "points",
    "radius", "match", "ellipse", "epoch_column", "epoch_mjd", "name_column", "description",
    "row_filter", "one_row_per", "footprint", "survey_limits",
}
_POINT_KEYS = {"band", "frequency", "conversion", "value", "error", "params", "upper_limit",
               "correction"}


class Registry(Mapping):
    """The catalogues of one registry file, by name, in file order.

    Parameters
    ----------
    catalogues : iterable of `~vo_blazar.registry.Catalogue`
        The validated records.
    version : str
        The registry's ``version:`` string (part of cache keys and SED metadata).
    source : str, optional
        Where the registry was read from.
    """

    def __init__(self, catalogues: Iterable[Catalogue], version: str, source: str = ""):
        self._cats: dict[str, Catalogue] = {}
        for cat in catalogues:
            if cat.name in self._cats:
                raise RegistryError(f"catalogue {cat.name!r}: name appears twice in "
                                    f"{source or 'the registry'}")
            self._cats[cat.name] = cat
        self.version = str(version)
        self.source = source

    def __getitem__(self, name: str) -> Catalogue:
        try:
            return self._cats[name]
        except KeyError:
            raise UnknownCatalogueError(self._unknown_message([name])) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._cats)

    def __len__(self) -> int:
        return len(self._cats)

    def __repr__(self) -> str:
        return f"<Registry version={self.version!r}: {len(self)} catalogues>"

    @property
    def names(self) -> list[str]:
        """Catalogue names in registry order."""
        return list(self._cats)

    def _unknown_message(self, unknown: list[str]) -> str:
        return (f"unknown catalogue name(s) {', '.join(repr(n) for n in unknown)}; "
                f"valid names are: {', '.join(self._cats)}")

    def select(self, names: str | Iterable[str] | None = None) -> list[Catalogue]:
        """Catalogues by name, in the order given (all of them, in registry order, for None).

        Raises
        ------
        UnknownCatalogueError
            If any name is not in the registry; the message lists the valid names.
        """
        if names is None:
            return list(self._cats.values())
        if isinstance(names, str):
            names = [names]
        names = list(names)
        bad = [n for n in names if not isinstance(n, str) or n not in self._cats]
        if bad:
            raise UnknownCatalogueError(self._unknown_message([str(b) for b in bad]))
        return [self._cats[n] for n in dict.fromkeys(names)]

    def by_waveband(self, *wavebands: str) -> list[Catalogue]:
        """Catalogues of the given wavebands (see `~vo_blazar.registry.catalogue.WAVEBANDS`)."""
        bad = [w for w in wavebands if w not in WAVEBANDS]
        if bad:
            from ..exceptions import InputValueError
            raise InputValueError(f"unknown waveband(s) {bad}; expected some of {list(WAVEBANDS)}")
        return [c for c in self._cats.values() if c.waveband in wavebands]


# ---------------------------------------------------------------------------- parsing helpers

def _err(cat: str, field: str, msg: str) -> RegistryError:
    return RegistryError(f"catalogue {cat!r}, field {field!r}: {msg}")


def _column(value: Any, cat: str, field: str) -> str:
    # YAML reads `value: 1` or `error: yes` as a number or a bool: a column name must be a string
    if not isinstance(value, str) or not value.strip():
        raise _err(cat, field, f"{value!r} must name a column (a non-empty string)")
    return value


def _quantity(text: Any, cat: str, field: str) -> u.Quantity:
    try:
        return u.Quantity(text) if not isinstance(text, u.Quantity) else text
    except (TypeError, ValueError) as exc:
        raise _err(cat, field, f"cannot parse {text!r} as a quantity ({exc})") from None


def _frequency(text: Any, cat: str, field: str) -> u.Quantity:
    q = _quantity(text, cat, field)
    try:
        f = q.to(u.Hz, equivalencies=u.spectral())
    except u.UnitsError:
        raise _err(cat, field, f"{text!r} is not a frequency, wavelength or energy") from None
    if not f.isscalar or not (f.value > 0):
        raise _err(cat, field, f"{text!r} must be one positive value")
    return f


def _angle(text: Any, cat: str, field: str) -> u.Quantity:
    q = _quantity(text, cat, field)
    if q.unit.physical_type != "angle" or not q.isscalar or not q.value > 0:
        raise _err(cat, field, f"{text!r} must be one positive angle such as '15 arcsec'")
    return q.to(u.arcsec)


def _band_energy(value: Any, cat: str, field: str) -> u.Quantity:
    # "[0.1, 2.4] keV" or ["0.1 keV", "2.4 keV"]
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            inner, _, unit = text[1:].partition("]")
            try:
                lo, hi = (float(x) for x in inner.split(","))
                q = u.Quantity([lo, hi], unit.strip())
            except (ValueError, TypeError) as exc:
                raise _err(cat, field, f"cannot parse {value!r} as '[lo, hi] unit' ({exc})") from None
        else:
            raise _err(cat, field, f"{value!r}: expected '[lo, hi] unit' or a list of two quantities")
    elif isinstance(value, (list, tuple)) and len(value) == 2:
        q = u.Quantity([_quantity(v, cat, field) for v in value])
    else:
        raise _err(cat, field, f"{value!r}: expected '[lo, hi] unit' or a list of two quantities")
    try:
        q = q.to(u.keV, equivalencies=u.spectral())
    except u.UnitsError:
        raise _err(cat, field, f"{value!r} is not an energy band") from None
    if not (0 < q[0] < q[1]):
        raise _err(cat, field, f"{value!r}: need 0 < low < high")
    return q


def _params(raw: Any, conversion: str, cat: str, field: str) -> dict[str, Any]:
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise _err(cat, field, f"params must be a mapping, got {type(raw).__name__}")
    missing = [k for k in _REQUIRED_PARAMS[conversion] if k not in raw]
    if missing:
        raise _err(cat, field, f"conversion {conversion!r} needs params {missing}")
    unknown = sorted(set(raw) - KNOWN_PARAMS)
    if unknown:
        raise _err(cat, f"{field}.{unknown[0]}", f"unknown param(s) {unknown}; "
                                                 f"expected some of {sorted(KNOWN_PARAMS)}")
    out: dict[str, Any] = {}
    for key, val in raw.items():
        f = f"{field}.{key}"
        if key == "unit":
            try:
                unit = u.Unit(val)
            except (TypeError, ValueError) as exc:
                raise _err(cat, f, f"bad unit {val!r} ({exc})") from None
            want = _UNIT_TYPES.get(conversion)
            if want is not None and not unit.is_equivalent(want):
                raise _err(cat, f, f"unit {val!r} is not a {want.physical_type} unit as "
                                   f"conversion {conversion!r} needs")
            out[key] = unit
        elif key == "zero_point":
            q = _quantity(val, cat, f)
            if not q.unit.is_equivalent(u.Jy) or not q.isscalar or not q.value > 0:
                raise _err(cat, f, f"{val!r} must be one positive flux density such as '309.540 Jy'")
            out[key] = q.to(u.Jy)
        elif key == "band_energy":
            out[key] = _band_energy(val, cat, f)
        elif key == "ecf":
            q = _quantity(val, cat, f)
            # (erg / cm2 / s) per (ct / s) == erg / (cm2 ct)
            want = u.erg / u.cm**2 / u.ct
            if not q.unit.is_equivalent(want) or not q.isscalar or not q.value > 0:
                raise _err(cat, f, f"{val!r} must be a positive energy flux per count rate, "
                                   "e.g. '1e-11 erg / (cm2 ct)' (= erg/cm2/s per ct/s)")
            out[key] = q.to(want)
        elif key in ("alpha", "index", "index_max", "index_fallback", "error_placeholder"):
            try:
                out[key] = float(val)
            except (TypeError, ValueError):
                raise _err(cat, f, f"{val!r} must be a number") from None
        elif key in COLUMN_PARAMS:
            out[key] = _column(val, cat, f)
        else:
            out[key] = val
    return out


def _expand_pattern(pattern: str, alphabet: str) -> tuple[str, ...]:
    # "?U??" over "ABCUXZ" -> every 4-character quality string whose 2nd character is U
    slots = [alphabet if ch == "?" else ch for ch in pattern]
    return tuple("".join(p) for p in itertools.product(*slots))


def _upper_limit(raw: Any, cat: str, field: str) -> UpperLimitRule | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise _err(cat, field, "must be a mapping with at least 'kind'")
    raw = dict(raw)
    kind = raw.pop("kind", None)
    if kind not in _UL_KINDS:
        raise _err(cat, f"{field}.kind", f"{kind!r} is not one of {list(_UL_KINDS)}")
    column = raw.pop("column", None)
    values = raw.pop("values", ())
    pattern = raw.pop("pattern", None)
    alphabet = raw.pop("alphabet", None)
    sigma = raw.pop("sigma", 2.0)
    error_hi = raw.pop("error_hi", None)
    if raw:
        raise _err(cat, field, f"unknown keys {sorted(raw)}")
    if kind in ("flag", "null_error") and not column:
        raise _err(cat, f"{field}.column", f"kind {kind!r} needs a column")
    if column is not None:
        column = _column(column, cat, f"{field}.column")
    if error_hi is not None:
        error_hi = _column(error_hi, cat, f"{field}.error_hi")
    if pattern is not None:
        if kind != "flag" or not alphabet:
            raise _err(cat, f"{field}.pattern", "a pattern needs kind 'flag' and an 'alphabet'")
        values = tuple(values) + _expand_pattern(str(pattern), str(alphabet))
    if kind == "flag" and not values:
        raise _err(cat, f"{field}.values", "kind 'flag' needs values (or a pattern)")
    try:
        sigma = float(sigma)
    except (TypeError, ValueError):
        raise _err(cat, f"{field}.sigma", f"{sigma!r} must be a number") from None
    if not sigma > 0:
        raise _err(cat, f"{field}.sigma", f"{sigma!r} must be positive")
    return UpperLimitRule(kind=kind, column=column, values=tuple(values), sigma=sigma,
                          error_hi=error_hi)


def _point(raw: Any, cat: str, i: int) -> PointSpec:
    field = f"points[{i}]"
    if not isinstance(raw, Mapping):
        raise _err(cat, field, "must be a mapping")
    extra = set(raw) - _POINT_KEYS
    if extra:
        raise _err(cat, field, f"unknown keys {sorted(extra)}")
    for key in ("band", "frequency", "conversion", "value"):
        if not raw.get(key):
            raise _err(cat, f"{field}.{key}", "missing (every point needs band, frequency, "
                                              "conversion and a value column)")
    conversion = raw["conversion"]
    if conversion not in CONVERSIONS:
        raise _err(cat, f"{field}.conversion", f"unknown conversion {conversion!r}; "
                                               f"expected one of {list(CONVERSIONS)}")
    correction = raw.get("correction", "none") or "none"
    if correction not in _CORRECTIONS:
        raise _err(cat, f"{field}.correction", f"{correction!r} is not one of {list(_CORRECTIONS)}")
    error = raw.get("error")
    if error is not None:
        error = _column(error, cat, f"{field}.error")
    upper_limit = _upper_limit(raw.get("upper_limit"), cat, f"{field}.upper_limit")
    # what vo_blazar.photometry.points would otherwise only find out at query time
    magnitude = conversion in ("ab_mag", "vega_mag")
    if upper_limit is not None and upper_limit.kind == "null_error" and not (upper_limit.error_hi
                                                                              or error):
        raise _err(cat, f"{field}.upper_limit.error_hi",
                   "kind 'null_error' needs error_hi (or the point's error column) for the limit")
    if upper_limit is not None and upper_limit.kind == "nonpositive":
        if magnitude:
            raise _err(cat, f"{field}.upper_limit.kind", "'nonpositive' makes no sense for magnitudes")
        if not error:
            raise _err(cat, f"{field}.error", "upper-limit kind 'nonpositive' needs an error column")
    return PointSpec(
        band=str(raw["band"]),
        frequency=_frequency(raw["frequency"], cat, f"{field}.frequency"),
        conversion=conversion,
        value=_column(raw["value"], cat, f"{field}.value"),
        error=error,
        params=_params(raw.get("params"), conversion, cat, f"{field}.params"),
        upper_limit=upper_limit,
        correction=correction,
    )


def _range(value: Any, cat: str, field: str, lo: float, hi: float) -> tuple[float, float]:
    if (not isinstance(value, Sequence) or isinstance(value, str) or len(value) != 2
            or not all(isinstance(v, (int, float)) for v in value)):
        raise _err(cat, field, f"expected [min, max] in deg, got {value!r}")
    a, b = float(value[0]), float(value[1])
    if not (lo <= a <= hi and lo <= b <= hi):
        raise _err(cat, field, f"{value!r} is outside [{lo:g}, {hi:g}] deg")
    return a, b


def _footprint(raw: Any, cat: str) -> Footprint | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or raw.get("kind") not in FOOTPRINT_KINDS:
        raise _err(cat, "footprint.kind", f"expected one of {list(FOOTPRINT_KINDS)}, got {raw!r}")
    kind = raw["kind"]
    needs = {"allsky": set(), "box": {"ra", "dec"}, "dec_range": {"dec"},
             "galactic_latitude": {"min_abs_b"}}[kind]
    if set(raw) - needs - {"kind"} or needs - set(raw):
        raise _err(cat, "footprint", f"kind {kind!r} takes exactly {sorted(needs) or 'no other keys'}, "
                                     f"got {sorted(set(raw) - {'kind'})}")
    ra = _range(raw["ra"], cat, "footprint.ra", 0.0, 360.0) if "ra" in raw else None
    dec = _range(raw["dec"], cat, "footprint.dec", -90.0, 90.0) if "dec" in raw else None
    if dec is not None and dec[0] >= dec[1]:
        raise _err(cat, "footprint.dec", f"min must be below max, got {list(dec)}")
    min_abs_b = None
    if "min_abs_b" in raw:
        try:
            min_abs_b = float(raw["min_abs_b"])
        except (TypeError, ValueError):
            raise _err(cat, "footprint.min_abs_b", f"{raw['min_abs_b']!r} must be a number (deg)") from None
        if not 0.0 <= min_abs_b < 90.0:
            raise _err(cat, "footprint.min_abs_b", f"must be in [0, 90) deg, got {min_abs_b}")
    return Footprint(kind=kind, ra=ra, dec=dec, min_abs_b=min_abs_b)


def _survey_limits(raw: Any, cat: str, points: tuple[PointSpec, ...]) -> tuple[SurveyLimit, ...]:
    """``survey_limits: {<band>: {limit: "<nuFnu or flux density>", note: "..."}}`` -> records.

    Each key names one of the catalogue's point bands (its frequency is the point's); a flux
    density limit becomes nuFnu = nu * S_nu.
    """
    if raw is None:
        return ()
    if not isinstance(raw, Mapping) or not raw:
        raise _err(cat, "survey_limits", "must be a mapping {band: {limit: ..., note: ...}}")
    freq = {p.band: p.frequency for p in points}
    out = []
    for band, spec in raw.items():
        field = f"survey_limits.{band}"
        if band not in freq:
            raise _err(cat, field, f"no point has band {band!r}; bands are {list(freq)}")
        if not isinstance(spec, Mapping) or "limit" not in spec or set(spec) - {"limit", "note"}:
            raise _err(cat, field, "expected {limit: <quantity>, note: <text>}")
        limit = _quantity(spec["limit"], cat, f"{field}.limit")
        nu = freq[band].to(u.Hz)
        if limit.unit.is_equivalent(u.Jy):
            limit = (limit * nu).to(u.erg / u.cm**2 / u.s)
        elif limit.unit.is_equivalent(u.erg / u.cm**2 / u.s):
            limit = limit.to(u.erg / u.cm**2 / u.s)
        else:
            raise _err(cat, f"{field}.limit", f"{limit} is neither a flux density nor nuFnu (erg/cm2/s)")
        if not (np.isfinite(limit.value) and limit.value > 0):
            raise _err(cat, f"{field}.limit", f"must be positive and finite, got {limit}")
        out.append(SurveyLimit(band=str(band), frequency=nu, nufnu=limit, note=str(spec.get("note", ""))))
    return tuple(out)


def _access(acc: Any, name: str) -> AccessSpec:
    """The ``access`` mapping, checked so that a malformed spec never reaches a query."""
    if not isinstance(acc, Mapping) or acc.get("kind") not in _ACCESS_KINDS:
        kind = acc.get("kind") if isinstance(acc, Mapping) else acc
        raise _err(name, "access.kind", f"{kind!r}: expected one of {list(_ACCESS_KINDS)}")
    if set(acc) - _ACCESS_KEYS:
        raise _err(name, "access", f"unknown keys {sorted(set(acc) - _ACCESS_KEYS)}")
    kind, url, table = acc["kind"], acc.get("url"), acc.get("table")
    if kind in ("scs", "tap"):
        if not url:
            raise _err(name, "access.url", f"kind {kind!r} needs a url")
        parts = urlsplit(str(url))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise _err(name, "access.url", f"{url!r} is not an http(s) URL")
    elif url is not None:
        raise _err(name, "access.url", f"kind {kind!r} takes no url" + (
            ": TAPVizieR (conf.vizier_tap_url) serves every VizieR table" if kind == "vizier" else ""))
    if kind in ("packaged", "offline") and (table is not None or acc.get("bulk") is not None):
        raise _err(name, "access", f"kind {kind!r} takes no table and no bulk mode")
    if kind in ("tap", "vizier") and not table:
        raise _err(name, "access.table", f"kind {kind!r} needs a table")
    if kind in ("scs", "packaged", "offline") and table is not None:
        raise _err(name, "access.table", f"kind {kind!r} takes no table" + (
            ": the cone-search URL names it" if kind == "scs" else ""))
    if table is not None and not isinstance(table, str):
        raise _err(name, "access.table", f"{table!r} must be a string")
    if kind == "vizier" and not _VIZIER_TABLE.match(table):
        raise _err(name, "access.table",
                   f"{table!r} is not a VizieR table id '<catalogue>/<table>' (e.g. 'VIII/65/nvss', "
                   "'J/ApJS/255/30/comp'); a catalogue id alone is not a TAP table")
    bulk = acc.get("bulk")
    if bulk not in _BULK_KINDS:
        raise _err(name, "access.bulk", f"{bulk!r}: expected one of {list(_BULK_KINDS)}")
    if bulk == "xmatch" and kind != "vizier":
        raise _err(name, "access.bulk", "CDS XMatch needs a VizieR table (kind 'vizier')")
    if bulk == "tap_upload" and kind == "scs":
        raise _err(name, "access.bulk", "a TAP upload needs kind 'tap' or 'vizier'")
    aliases = acc.get("aliases") or {}
    if not isinstance(aliases, Mapping):
        raise _err(name, "access.aliases", "must map a service column name to the registry's name")
    for service_name, registry_name in aliases.items():
        _column(service_name, name, "access.aliases")
        _column(registry_name, name, f"access.aliases.{service_name}")
    return AccessSpec(kind=kind, url=url, table=table, bulk=bulk, aliases=dict(aliases))


def _row_filter(raw: Any, name: str) -> tuple[RowFilter, ...]:
    """``row_filter``: rows kept only when every rule holds (e.g. VLASS duplicate/quality flags)."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        raise _err(name, "row_filter", "must be a non-empty list of {column, max|min|values}")
    rules = []
    for i, rule in enumerate(raw):
        field = f"row_filter[{i}]"
        if not isinstance(rule, Mapping) or "column" not in rule:
            raise _err(name, field, "must be a mapping with a 'column'")
        extra = set(rule) - {"column", "min", "max", "values"}
        if extra:
            raise _err(name, field, f"unknown keys {sorted(extra)}")
        if not any(k in rule for k in ("min", "max", "values")):
            raise _err(name, field, "needs at least one of 'min', 'max', 'values'")
        bounds = {}
        for key in ("min", "max"):
            if key in rule:
                try:
                    bounds[key] = float(rule[key])
                except (TypeError, ValueError):
                    raise _err(name, f"{field}.{key}", f"{rule[key]!r} must be a number") from None
        values = rule.get("values")
        if values is not None and (not isinstance(values, list) or not values):
            raise _err(name, f"{field}.values", "must be a non-empty list")
        rules.append(RowFilter(column=_column(rule["column"], name, f"{field}.column"),
                               min=bounds.get("min"), max=bounds.get("max"),
                               values=None if values is None else tuple(values)))
    return tuple(rules)


def _catalogue(raw: Any, index: int) -> Catalogue:
    if not isinstance(raw, Mapping) or not raw.get("name"):
        raise RegistryError(f"registry entry #{index}: must be a mapping with a 'name'")
    name = str(raw["name"])
    extra = set(raw) - _CATALOGUE_KEYS
    if extra:
        raise _err(name, ",".join(sorted(extra)), "unknown field(s)")
    for key in ("title", "waveband", "reference", "access", "ra_column", "dec_column", "points"):
        if not raw.get(key):
            raise _err(name, key, "missing")
    if raw["waveband"] not in WAVEBANDS:
        raise _err(name, "waveband",
                   f"unknown waveband {raw['waveband']!r}; expected one of {list(WAVEBANDS)}")

    access = _access(raw["access"], name)
    for key in ("ra_column", "dec_column"):
        _column(raw[key], name, key)
    for key in ("name_column", "epoch_column"):
        if raw.get(key) is not None:
            _column(raw[key], name, key)

    match = raw.get("match", "cone")
    if match not in _MATCH_KINDS:
        raise _err(name, "match", f"{match!r} is not one of {list(_MATCH_KINDS)}")
    ellipse = raw.get("ellipse")
    if match == "ellipse":
        if not isinstance(ellipse, Mapping) or any(not ellipse.get(k) for k in _ELLIPSE_KEYS):
            raise _err(name, "ellipse", f"match 'ellipse' needs columns {list(_ELLIPSE_KEYS)}")
        ellipse = dict(ellipse)
        for key in _ELLIPSE_KEYS:
            _column(ellipse[key], name, f"ellipse.{key}")
        try:
            ellipse["unit"] = u.Unit(ellipse.get("unit", "deg"))
        except ValueError as exc:
            raise _err(name, "ellipse.unit", str(exc)) from None
        if ellipse["unit"].physical_type != "angle":
            raise _err(name, "ellipse.unit", "must be an angle unit")
        counterpart = ellipse.get("counterpart")
        if counterpart is not None and (not isinstance(counterpart, Sequence) or isinstance(counterpart, str)
                                        or len(counterpart) != 2
                                        or not all(isinstance(c, str) for c in counterpart)):
            raise _err(name, "ellipse.counterpart",
                       f"expected the two column names [ra, dec] (deg) of the associated counterpart, "
                       f"got {counterpart!r}")
    elif ellipse is not None:
        raise _err(name, "ellipse", "only meaningful with match 'ellipse'")

    radius = raw.get("radius")
    if radius is not None:
        radius = _angle(radius, name, "radius")
    epoch_mjd = raw.get("epoch_mjd")
    if epoch_mjd is not None:
        try:
            epoch_mjd = float(epoch_mjd)
        except (TypeError, ValueError):
            raise _err(name, "epoch_mjd", f"{epoch_mjd!r} must be a number (MJD)") from None

    pts = raw["points"]
    if not isinstance(pts, list) or not pts:
        raise _err(name, "points", "must be a non-empty list")
    points = tuple(_point(p, name, i) for i, p in enumerate(pts))
    bands = [p.band for p in points]
    if len(set(bands)) != len(bands):
        raise _err(name, "points", f"band names repeat: {bands}")

    footprint = _footprint(raw.get("footprint"), name)
    survey_limits = _survey_limits(raw.get("survey_limits"), name, points)
    if (footprint is None) != (not survey_limits):
        raise _err(name, "footprint" if footprint is None else "survey_limits",
                   "a survey-limit upper limit needs both a footprint and survey_limits")

    row_filter = _row_filter(raw.get("row_filter"), name)
    one_row_per = raw.get("one_row_per")
    if one_row_per is not None:
        _column(one_row_per, name, "one_row_per")

    return Catalogue(
        name=name, title=str(raw["title"]), waveband=raw["waveband"],
        reference=str(raw["reference"]), access=access,
        ra_column=str(raw["ra_column"]), dec_column=str(raw["dec_column"]), points=points,
        radius=radius, match=match, ellipse=ellipse,
        epoch_column=raw.get("epoch_column"), epoch_mjd=epoch_mjd,
        name_column=raw.get("name_column"), description=str(raw.get("description", "")).strip(),
        footprint=footprint, survey_limits=survey_limits, row_filter=row_filter,
        one_row_per=one_row_per,
    )


def _parse(text: str, source: str) -> Registry:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RegistryError(f"{source}: not valid YAML ({exc})") from None
    if not isinstance(doc, Mapping) or "catalogues" not in doc:
        raise RegistryError(f"{source}: expected a mapping with 'version' and 'catalogues'")
    if not doc.get("version"):
        raise RegistryError(f"{source}: missing top-level 'version' string")
    cats = doc["catalogues"]
    if not isinstance(cats, list) or not cats:
        raise RegistryError(f"{source}: 'catalogues' must be a non-empty list")
    return Registry((_catalogue(c, i) for i, c in enumerate(cats)), version=doc["version"],
                    source=source)


@functools.lru_cache(maxsize=1)
def _default_registry() -> Registry:
    res = resources.files(__package__).joinpath(DEFAULT_REGISTRY)
    return _parse(res.read_text(encoding="utf-8"), f"vo_blazar/registry/{DEFAULT_REGISTRY}")


def load_registry(path: str | Path | None = None) -> Registry:
    """Load and validate a catalogue registry.

    Parameters
    ----------
    path : str or `~pathlib.Path`, optional
        A registry YAML file. None (default) gives the registry shipped with the package, read
        once and cached.

    Returns
    -------
    Registry
        Mapping of catalogue name to `~vo_blazar.registry.Catalogue`.

    Raises
    ------
    RegistryError
        If the file is malformed; the message names the catalogue and the field.
    """
    if path is None:
        return _default_registry()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RegistryError(f"cannot read registry file {path}: {exc}") from None
    return _parse(text, str(path))


def get_catalogue(name: str) -> Catalogue:
    """The shipped registry's catalogue called ``name`` (`UnknownCatalogueError` if none)."""
    return load_registry()[name]
