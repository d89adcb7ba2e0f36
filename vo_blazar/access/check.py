"""``check_services``: one tiny live query per registry catalogue, and what the answer says.

The registry's access paths, column names and units were checked against reference material
(docs/registry.rst), not against the live services. This module asks each service once, at a bright
source the catalogue covers, and reports per catalogue and query path: reachable or not (with the
error), the registry columns the answer lacks, the units that differ from the registry's, the rows
returned and the latency. ``vo-blazar check-services`` prints the report; the ``remote_data``
tests run it, so the first networked test run names every broken entry at once.

It needs the network: in offline mode it refuses to run, and a report in which no service answered
says that the network is the likely cause.
"""
from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import Table

from ..config import conf
from ..exceptions import InputValueError, ServiceError
from ..registry.catalogue import Catalogue
from .vo import XMATCH_MAX_RADIUS, VOAccess

__all__ = ["check_services", "ServiceCheck", "CheckReport", "PROBES", "NeedsNetworkError"]

#: Bright sources the probes query: 3C 273 by default, others where a survey does not cover it.
_3C273 = (187.27792, 2.05239)
_PKS2155 = (329.71694, -30.22559)    # south of Dec -30: SUMSS, AT20G
_MRK421 = (166.11381, 38.20883)      # TeV-bright: 2FHL
#: catalogue name -> (RA, Dec) in deg of the probe position (others: 3C 273)
PROBES: dict[str, tuple[float, float]] = {"SUMSS": _PKS2155, "AT20G": _PKS2155, "2FHL": _MRK421}
#: radius of a probe when the registry entry fixes none
PROBE_RADIUS = 30 * u.arcsec


class NeedsNetworkError(InputValueError):
    """check_services was asked to run in offline mode."""


@dataclass
class ServiceCheck:
    """The outcome of one probe query (one catalogue, one query path)."""

    catalogue: str
    path: str                       # "cone", "xmatch", "packaged" or "offline"
    url: str | None = None
    reachable: bool = False
    error: str | None = None
    rows: int | None = None
    missing_columns: list[str] = field(default_factory=list)
    unit_mismatches: list[str] = field(default_factory=list)
    latency_s: float | None = None

    @property
    def ok(self) -> bool:
        """True when the answer came and carries every registry column in the registry's units."""
        if self.path == "offline":
            return True          # no live service by design (docs/registry.rst): nothing to check
        return self.reachable and self.error is None and not self.missing_columns \
            and not self.unit_mismatches

    def line(self) -> str:
        """One human-readable line."""
        head = f"{self.catalogue:<10} {self.path:<8}"
        if self.path == "offline":
            return f"{head} skipped: no live service (registry access kind 'offline')"
        if not self.reachable:
            return f"{head} UNREACHABLE: {self.error}"
        parts = [f"{'ok' if self.ok else 'PROBLEM'}: {self.rows} row(s) in {self.latency_s:.2f} s"]
        if self.missing_columns:
            parts.append("missing columns: " + ", ".join(self.missing_columns))
        if self.unit_mismatches:
            parts.append("units: " + "; ".join(self.unit_mismatches))
        if self.error:
            parts.append(f"error: {self.error}")
        return f"{head} " + "; ".join(parts)


@dataclass
class CheckReport:
    """All probes of one `check_services` run."""

    checks: list[ServiceCheck]

    @property
    def ok(self) -> bool:
        """True when every probe is `ServiceCheck.ok`."""
        return all(c.ok for c in self.checks)

    @property
    def problems(self) -> list[ServiceCheck]:
        """The probes that are not ok."""
        return [c for c in self.checks if not c.ok]

    @property
    def none_reachable(self) -> bool:
        """True when not one live service answered (typically: no network)."""
        live = [c for c in self.checks if c.path in ("cone", "xmatch")]
        return bool(live) and not any(c.reachable for c in live)

    def format(self) -> str:
        """The report as text: one line per probe and a summary."""
        lines = [c.line() for c in self.checks]
        bad = sorted({c.catalogue for c in self.problems})
        if self.none_reachable:
            lines.append("no service answered: check-services needs the network (is this machine "
                         "offline or behind a proxy?)")
        elif bad:
            lines.append(f"{len(bad)} catalogue(s) with problems: {', '.join(bad)}")
        else:
            lines.append(f"all {len({c.catalogue for c in self.checks})} catalogue(s) answered as "
                         "the registry expects")
        return "\n".join(lines)


class _RecordingAccess(VOAccess):
    """`VOAccess` that keeps the columns and units of the raw answer, before any check touches them."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.answer: Table | None = None

    def _check_columns(self, catalogue, table, url):
        self.answer = table[:0].copy()      # names and units only
        self.answer.meta["service_url"] = url
        return super()._check_columns(catalogue, table, url)


def check_services(catalogs: str | Iterable[str] | None = None, *,
                   registry: Mapping[str, Catalogue] | None = None,
                   position: SkyCoord | None = None, timeout: float | None = None,
                   offline: bool | None = None) -> CheckReport:
    """Query every registry catalogue once at a bright source and check its answer.

    Parameters
    ----------
    catalogs : str or list of str, optional
        Registry names to check (default: all).
    registry : Mapping, optional
        The registry (default: the shipped one, `vo_blazar.registry.load_registry`).
    position : `~astropy.coordinates.SkyCoord`, optional
        Probe every catalogue here instead of at its bright source (`PROBES`, else 3C 273).
    timeout : float, optional
        Seconds per request (default ``conf.timeout``).
    offline : bool, optional
        Offline mode (default ``conf.offline``); the check needs the network and refuses it.

    Returns
    -------
    CheckReport
        One `ServiceCheck` per catalogue and query path: the cone search, and CDS XMatch where the
        entry's bulk path is XMatch (it answers with other column names than TAPVizieR).

    Raises
    ------
    NeedsNetworkError
        In offline mode.
    UnknownCatalogueError
        For a name that is not in the registry.
    """
    if offline if offline is not None else conf.offline:
        raise NeedsNetworkError("check-services needs the network: it queries each live VO "
                                "service once; offline mode is set (unset --offline / "
                                "VO_BLAZAR_OFFLINE)")
    if registry is None:
        from ..registry import load_registry
        registry = load_registry()
    if hasattr(registry, "select"):
        catalogues = registry.select(catalogs)
    else:
        names = [catalogs] if isinstance(catalogs, str) else list(catalogs or registry)
        catalogues = [registry[n] for n in names]
    checks: list[ServiceCheck] = []
    for cat in catalogues:
        where = position if position is not None else SkyCoord(*PROBES.get(cat.name, _3C273),
                                                                unit="deg")
        checks.extend(_check_catalogue(cat, where, timeout))
    return CheckReport(checks)


def _check_catalogue(cat: Catalogue, where: SkyCoord, timeout: float | None) -> list[ServiceCheck]:
    kind = cat.access.kind
    if kind == "offline":
        return [ServiceCheck(cat.name, "offline")]
    radius = cat.radius if cat.radius is not None else PROBE_RADIUS
    if kind == "packaged":
        from .snapshot import SnapshotAccess
        return [_probe(cat, "packaged", lambda a: a.cone(cat, where, radius), SnapshotAccess())]
    out = [_probe(cat, "cone", lambda a: a.cone(cat, where, radius), _RecordingAccess(timeout=timeout))]
    if cat.access.bulk == "xmatch" and radius <= XMATCH_MAX_RADIUS:
        out.append(_probe(cat, "xmatch", lambda a: a.bulk(cat, where.reshape((1,)), radius),
                          _RecordingAccess(timeout=timeout)))
    return out


def _probe(cat: Catalogue, path: str, query, access) -> ServiceCheck:
    check = ServiceCheck(cat.name, path)
    start = time.perf_counter()
    try:
        rows = query(access)
    except ServiceError as err:
        check.latency_s = time.perf_counter() - start
        check.url = err.url
        answer = getattr(access, "answer", None)
        check.reachable = answer is not None    # an answer came, but it is not usable
        check.error = err.reason
        if answer is not None:
            _compare(cat, answer, check)
        return check
    check.latency_s = time.perf_counter() - start
    check.reachable = True
    check.rows = len(rows)
    answer = getattr(access, "answer", None)
    check.url = rows.meta.get("service_url") if answer is None else answer.meta.get("service_url")
    _compare(cat, rows if answer is None else answer, check)
    return check


def _compare(cat: Catalogue, answer: Table, check: ServiceCheck) -> None:
    """Registry columns the answer lacks, and units that differ from the registry's."""
    present = set(answer.colnames) | {cat.access.aliases[c] for c in answer.colnames
                                      if c in cat.access.aliases}
    expected = _expected_units(cat)
    check.missing_columns = [c for c in _required_columns(cat) if c not in present]
    service_name = {v: k for k, v in cat.access.aliases.items()}
    for column, want in expected.items():
        name = column if column in answer.colnames else service_name.get(column)
        if name not in answer.colnames or answer[name].unit is None:
            continue
        have = _parse_unit(answer[name].unit)
        if have is None:
            check.unit_mismatches.append(f"{column}: unparseable unit {answer[name].unit!s} "
                                         f"(registry: {want})")
        elif have != want:
            how = "convertible" if have.is_equivalent(want) else "not convertible"
            check.unit_mismatches.append(f"{column}: service {have}, registry {want} ({how})")


def _required_columns(cat: Catalogue) -> list[str]:
    """Every column the registry entry reads (`Catalogue.columns`): a live answer must have them."""
    return cat.columns()


def _expected_units(cat: Catalogue) -> dict[str, u.UnitBase]:
    units: dict[str, u.UnitBase] = {cat.ra_column: u.deg, cat.dec_column: u.deg}
    for point in cat.points:
        magnitude = point.conversion in ("ab_mag", "vega_mag")
        value_unit = u.mag if magnitude else point.params.get("unit")
        if value_unit is None:
            continue
        units.setdefault(point.value, u.Unit(value_unit))
        # errors given for another column (4FGL: photon-flux errors of a nuFnu value) have its unit
        if point.error and not (point.params.get("flux") or point.params.get("flux_column")):
            error_unit = u.mag if magnitude else point.params.get("error_unit", value_unit)
            units.setdefault(point.error, u.Unit(error_unit))
    return units


def _parse_unit(unit) -> u.UnitBase | None:
    if not isinstance(unit, u.UnrecognizedUnit):
        return unit
    for fmt in ("cds", "generic", "ogip"):
        try:
            return u.Unit(unit.to_string(), format=fmt, parse_strict="raise")
        except ValueError:
            continue
    return None
