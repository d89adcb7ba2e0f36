"""``build_sed`` / ``build_seds``: registry -> access -> photometry -> one SED Table per position.

Each catalogue is queried independently (concurrently, in threads) and a catalogue that fails
never aborts the SED: its error lands in ``sed.meta["failures"]`` and a
`~vo_blazar.exceptions.PartialResultWarning` is emitted.
"""
from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable, Sequence

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import Table, vstack

from .access.base import INDEX_COLUMN, CatalogueAccess
from .access.cache import sed_memory
from .config import conf, offline_mode
from .exceptions import InputTypeError, InputValueError, PartialResultWarning
from .logger import log
from .registry.catalogue import Catalogue
from .photometry.survey_limits import survey_limit_points
from .sed.table import stack_seds

__all__ = ["build_sed", "build_seds", "check_coordinates", "check_radius", "default_access"]

MAX_RADIUS = 1 * u.deg


def check_coordinates(coord, *, scalar: bool | None = None) -> SkyCoord:
    """Validate a position argument and return it in ICRS.

    Raises `~vo_blazar.exceptions.InputTypeError` for anything but a SkyCoord and
    `~vo_blazar.exceptions.InputValueError` for NaN positions, an empty array or the wrong shape.
    """
    if not isinstance(coord, SkyCoord):
        raise InputTypeError(
            f"expected an astropy SkyCoord (e.g. SkyCoord(77.358, 5.693, unit='deg')), got "
            f"{type(coord).__name__}; names can be resolved with vo_blazar.resolve_name()")
    if scalar is True and not coord.isscalar:
        raise InputValueError(f"expected a single position, got an array of shape {coord.shape}; "
                              "use build_seds() for many positions")
    if scalar is False and coord.isscalar:
        coord = coord.reshape((1,))
    if not coord.isscalar and coord.size == 0:
        raise InputValueError("expected at least one position, got an empty SkyCoord array")
    icrs = coord.icrs
    ra, dec = np.atleast_1d(icrs.ra.deg), np.atleast_1d(icrs.dec.deg)
    bad = ~(np.isfinite(ra) & np.isfinite(dec))
    if bad.any():
        where = np.flatnonzero(bad)[:5].tolist()
        raise InputValueError(f"position(s) at index {where} are NaN or infinite; expected finite RA/Dec")
    return icrs


def check_radius(radius) -> u.Quantity:
    """Validate a search radius: an angle with 0 < radius <= 1 deg (None -> configured default)."""
    if radius is None:
        return conf.default_radius_arcsec * u.arcsec
    if not isinstance(radius, u.Quantity):
        raise InputTypeError(f"radius must be an angular Quantity such as 15 * u.arcsec, got {radius!r}")
    try:
        radius = radius.to(u.arcsec)
    except u.UnitConversionError as exc:
        raise InputValueError(f"radius must be an angle, got unit {radius.unit}") from exc
    if not radius.isscalar or not np.isfinite(radius.value) or radius <= 0 or radius > MAX_RADIUS:
        raise InputValueError(f"radius must be a finite angle with 0 < radius <= 1 deg, got {radius}")
    return radius


def default_access(offline: bool | None = None, *, cache: bool = True) -> CatalogueAccess:
    """The access that answers cone searches: the offline snapshot, or the live VO (cached)."""
    if offline_mode(offline):
        from .access.snapshot import SnapshotAccess
        return SnapshotAccess()
    from .access import VOAccess
    access = VOAccess()
    if cache and conf.cache:
        from .access import CachedAccess
        from .registry import load_registry
        access = CachedAccess(access, registry_version=load_registry().version)
    return access


def _select(catalogs) -> tuple[list[Catalogue], object]:
    """Catalogues to query: registry names, `Catalogue` records (custom catalogues), or all."""
    from .registry import load_registry
    registry = load_registry()
    if catalogs is None:
        return registry.select(None), registry
    if isinstance(catalogs, (str, Catalogue)):
        catalogs = [catalogs]
    for c in catalogs:
        if not isinstance(c, (str, Catalogue)):
            raise InputTypeError(f"catalogs must be registry names or Catalogue records, "
                                 f"got {type(c).__name__}")
    names = [c for c in catalogs if isinstance(c, str)]
    canonical = _registry_names(registry, names)
    by_name = {n: c for n, c in zip(canonical, registry.select(canonical))} if names else {}
    chosen: dict[str, Catalogue] = {}
    for c in catalogs:   # each catalogue once: a name given twice put its points twice in the SED
        c = c if isinstance(c, Catalogue) else by_name[canonical[names.index(c)]]
        chosen.setdefault(c.name, c)
    return list(chosen.values()), registry


def _registry_names(registry, names: list[str]) -> list[str]:
    """Registry spelling of each name: exact, else the one name equal to it ignoring case
    (``nvss`` -> ``NVSS``); unknown names raise, with the closest names as a suggestion."""
    import difflib

    from .exceptions import UnknownCatalogueError
    known = registry.names
    folded = {}
    for k in known:
        folded.setdefault(k.casefold(), []).append(k)
    out, unknown = [], []
    for name in names:
        if name in known:
            out.append(name)
        elif len(folded.get(name.casefold(), [])) == 1:
            out.append(folded[name.casefold()][0])
        else:
            unknown.append(name)
    if unknown:
        hints = []
        for name in unknown:
            close = difflib.get_close_matches(name.casefold(), list(folded), n=3, cutoff=0.6)
            if close:
                hints.append(f"{name!r}: did you mean {' or '.join(repr(folded[c][0]) for c in close)}?")
        raise UnknownCatalogueError(registry._unknown_message(unknown)
                                    + (f" ({'; '.join(hints)})" if hints else ""))
    return out


def _query_radius(catalogue: Catalogue, radius: u.Quantity) -> u.Quantity:
    """The cone to ask for: the catalogue's own radius where its positional errors demand one."""
    if catalogue.match == "ellipse" and catalogue.radius is not None:
        return catalogue.radius
    return radius if catalogue.radius is None else max(radius, catalogue.radius)


def _keep_matches(catalogue: Catalogue, rows: Table, targets: SkyCoord, radius: u.Quantity,
                  group: np.ndarray | None = None) -> Table:
    """Keep the rows that are counterparts of their target under the catalogue's matching rule.

    ``targets`` is one SkyCoord per row (or a scalar); ``radius`` the user's search radius (a
    catalogue's own, larger ``radius`` widens cone matches); ``group`` says which target a row
    belongs to, so that ``match: nearest`` keeps one row per target.
    """
    if len(rows) == 0:
        return rows
    from .photometry.points import catalogue_positions
    pos = SkyCoord(*catalogue_positions(catalogue, rows), unit="deg", frame="icrs")
    sep = targets.separation(pos)
    if catalogue.match == "ellipse" and catalogue.ellipse:
        keep = (_inside_ellipse(catalogue, rows, pos, targets)
                | _near_counterpart(catalogue, rows, targets, radius))
    else:
        keep = np.asarray(sep <= _query_radius(catalogue, radius))
    if catalogue.match == "nearest" and keep.any():
        group = np.zeros(len(rows), np.int64) if group is None else group
        candidates = np.flatnonzero(keep)
        order = candidates[np.lexsort((sep.arcsec[candidates], group[candidates]))]
        first = np.r_[True, group[order][1:] != group[order][:-1]]
        keep = np.zeros(len(rows), bool)
        keep[order[first]] = True
    return rows[keep]


def _inside_ellipse(catalogue: Catalogue, rows: Table, pos: SkyCoord, target: SkyCoord) -> np.ndarray:
    spec = catalogue.ellipse
    unit = u.Unit(spec.get("unit", "deg"))
    a = np.ma.filled(np.ma.asarray(rows[spec["semi_major"]], dtype=float), np.nan) * unit
    b = np.ma.filled(np.ma.asarray(rows[spec["semi_minor"]], dtype=float), np.nan) * unit
    pa = np.ma.filled(np.ma.asarray(rows[spec["angle"]], dtype=float), np.nan) * u.deg
    # offsets of the target in the ellipse frame (position angle east of north)
    dlon, dlat = pos.spherical_offsets_to(target)
    cos_pa, sin_pa = np.cos(pa), np.sin(pa)
    along = dlat * cos_pa + dlon * sin_pa
    across = -dlat * sin_pa + dlon * cos_pa
    with np.errstate(invalid="ignore", divide="ignore"):
        r2 = (along / a).decompose().value ** 2 + (across / b).decompose().value ** 2
    return np.isfinite(r2) & (r2 <= 1.0)


_NO_COUNTERPART_COLUMNS: set[str] = set()   # catalogues already warned about


def _near_counterpart(catalogue: Catalogue, rows: Table, target: SkyCoord, radius: u.Quantity) -> np.ndarray:
    """Rows whose associated counterpart (the catalogue's own association, e.g. 4FGL's
    ``RA_Counterpart``) lies within ``radius`` of the target.

    A real counterpart falls outside the 95 % ellipse 5 % of the time (BL Lacertae itself lies 43"
    from 4FGL J2202.7+4216, whose 95 % ellipse has a 31" semi-major axis); the catalogue's
    association keeps it. Rows without an association fall back to the ellipse alone, and so does
    a service that does not return the columns (logged once per catalogue).
    """
    columns = (catalogue.ellipse or {}).get("counterpart")
    if not columns:
        return np.zeros(len(rows), bool)
    if not all(c in rows.colnames for c in columns):
        if catalogue.name not in _NO_COUNTERPART_COLUMNS:
            _NO_COUNTERPART_COLUMNS.add(catalogue.name)
            log.warning(f"{catalogue.name}: the service returned no {'/'.join(columns)} columns; "
                        "matching by the error ellipse alone")
        return np.zeros(len(rows), bool)
    ra, dec = (np.ma.filled(np.ma.asarray(rows[c], dtype=float), np.nan) for c in columns)
    has = np.isfinite(ra) & np.isfinite(dec)
    keep = np.zeros(len(rows), bool)
    if has.any():
        target = target if target.isscalar else target[has]
        keep[has] = target.separation(SkyCoord(ra[has], dec[has], unit="deg", frame="icrs")) <= radius
    return keep


def _catalogue_points(catalogue: Catalogue, rows: Table, targets: SkyCoord, radius: u.Quantity):
    """Rows of one catalogue -> its SED points, with separations; ``None`` when nothing matched.

    ``rows`` carry ``_index`` into ``targets`` (one or many positions); so do the points returned.
    ``radius`` is the user's search radius.
    """
    if len(rows) == 0:
        return None
    index = np.asarray(rows[INDEX_COLUMN], dtype=np.int64)
    matched = _keep_matches(catalogue, rows, targets[index], radius, group=index)
    if len(matched) == 0:
        return None
    from .photometry import convert_rows
    points = convert_rows(catalogue, matched)
    _drop_internal(points, keep=(INDEX_COLUMN,))
    if len(points) == 0:
        return None
    owner = np.asarray(points[INDEX_COLUMN], dtype=np.int64)
    pos = SkyCoord(points["ra"], points["dec"], frame="icrs")
    # a plain Quantity, not the Angle that separation() returns: Quantity and Angle share one
    # class-level ``info`` descriptor, and every table operation on an Angle column re-points it
    # at Angle, so a vstack of Hz columns in another thread built Angles (UnitTypeError)
    points["separation"] = u.Quantity(targets[owner].separation(pos).to_value(u.arcsec), u.arcsec)
    return points


def _points_and_limits(catalogue: Catalogue, rows: Table, targets: SkyCoord, radius: u.Quantity):
    """`_catalogue_points` plus the survey-limit upper limits of the targets the catalogue missed
    inside its footprint (`vo_blazar.photometry.survey_limits`); ``None`` when there is neither."""
    points = _catalogue_points(catalogue, rows, targets, radius)
    if catalogue.footprint is None:
        return points
    detected = np.zeros(len(targets), bool)
    if points is not None:
        detected[np.asarray(points[INDEX_COLUMN], dtype=np.int64)] = True
    limits = survey_limit_points(catalogue, targets, detected, INDEX_COLUMN)
    if limits is None:
        return points
    if points is None:
        return limits
    return vstack([points, limits[points.colnames]], metadata_conflicts="silent")


def _drop_internal(points, keep=()) -> None:
    """Remove photometry's book-keeping columns (``_row``, ...) that are not part of the SED schema."""
    extra = [c for c in points.colnames if c.startswith("_") and c not in keep]
    if extra:
        points.remove_columns(extra)


def _run_per_catalogue(func, catalogues, access) -> tuple[dict, dict]:
    """``func(catalogue)`` for every catalogue: results and failures, each keyed by name.

    Threads for network accesses; a plain loop for in-memory ones (the offline snapshot).
    """
    results: dict = {}
    failures: dict[str, str] = {}
    workers = max(1, int(conf.max_workers)) if getattr(access, "concurrent", True) else 1

    def record(name, call):
        try:
            results[name] = call()
        except Exception as exc:  # a failing catalogue is data, not a crash
            log.debug("catalogue %s failed: %s", name, exc)
            failures[name] = _describe(exc)

    if workers == 1:
        for c in catalogues:
            record(c.name, lambda c=c: func(c))
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {c.name: pool.submit(func, c) for c in catalogues}
            for name, future in futures.items():
                record(name, future.result)
    return results, failures


def _failure_line(failures: dict[str, str]) -> str:
    """The failed catalogues in one short line: each with its error class, the full messages kept
    in ``sed.meta["failures"]`` (31 catalogues failing without network made a 14,000-character line)."""
    if len(failures) <= 2:
        short = {k: v if len(v) <= 200 else v[:200] + "..." for k, v in failures.items()}
        return "failed catalogues: " + "; ".join(f"{k} ({v})" for k, v in sorted(short.items()))
    by_kind: dict[str, list[str]] = {}
    for name, reason in sorted(failures.items()):
        by_kind.setdefault(reason.split(":")[0], []).append(name)
    return (f"{len(failures)} catalogues failed: "
            + "; ".join(f"{kind} ({', '.join(names)})" for kind, names in by_kind.items())
            + "; the reasons are in sed.meta['failures']")


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _finish(sed, target, radius, catalogues, failures, provenance, offline, registry):
    sed.meta.update(
        target=target, radius=radius, failures=dict(sorted(failures.items())),
        catalogs=[c.name for c in catalogues], provenance=provenance,
        registry_version=registry.version, offline=offline)
    if failures:
        warnings.warn(f"SED at {target.to_string('decimal', precision=5)} is partial; "
                      + _failure_line(failures), PartialResultWarning)
    return sed


def _provenance(catalogue: Catalogue, access: CatalogueAccess) -> str:
    where = ("offline snapshot" if access.name == "snapshot"
             else (catalogue.access.url or catalogue.access.table))
    return f"{catalogue.reference}; via {access.name}: {where}"


def build_sed(coord: SkyCoord, radius: u.Quantity | None = None, *, catalogs: Sequence[str] | None = None,
              offline: bool | None = None, cache: bool = True,
              access: CatalogueAccess | None = None) -> "Table":
    """Build the multi-frequency SED of the source at ``coord``.

    Parameters
    ----------
    coord : `~astropy.coordinates.SkyCoord`
        One position, any frame.
    radius : `~astropy.units.Quantity`, optional
        Cone radius (default 15 arcsec, ``conf.default_radius_arcsec``); catalogues with large
        positional errors use their own radius or error ellipse (e.g. 4FGL's 95 % ellipse).
    catalogs : list of str, optional
        Registry names to query (default: all).
    offline : bool, optional
        Use the embedded offline snapshot (default: ``conf.offline`` / ``VO_BLAZAR_OFFLINE``).
    cache : bool
        Use the caches (`vo_blazar.access.cache`): live VO answers on disk, and SEDs already built
        in this session in memory (a copy comes back without any query).
    access : `~vo_blazar.access.CatalogueAccess`, optional
        Override the access (tests, custom services); the SED memory is then not used.

    Returns
    -------
    sed : `~astropy.table.QTable`
        The SED (see `vo_blazar.sed.table`); ``meta["failures"]`` names any catalogue that failed.
    """
    target = check_coordinates(coord, scalar=True)
    radius = check_radius(radius)
    catalogues, registry = _select(catalogs)
    offline = offline_mode(offline)
    memory_key = _memory_keys(target.reshape((1,)), radius, catalogues, registry, offline) \
        if access is None and cache else None
    if memory_key is not None:
        kept = sed_memory.get(memory_key[0])
        if kept is not None:
            return kept
    access = access or default_access(offline, cache=cache)

    def one(catalogue: Catalogue):
        rows = access.cone(catalogue, target, _query_radius(catalogue, radius))
        rows[INDEX_COLUMN] = np.zeros(len(rows), dtype=np.int64)   # all rows belong to the one target
        return _points_and_limits(catalogue, rows, target.reshape((1,)), radius)

    results, failures = _run_per_catalogue(one, catalogues, access)
    parts = [results[c.name] for c in catalogues if results.get(c.name) is not None]
    sed = stack_seds(parts, target=target, radius=radius)
    if INDEX_COLUMN in sed.colnames:
        sed.remove_column(INDEX_COLUMN)
    provenance = {c.name: _provenance(c, access) for c in catalogues}
    sed = _finish(sed, target, radius, catalogues, failures, provenance, offline, registry)
    if memory_key is not None and not failures:
        sed_memory.put(memory_key[0], sed)
    return sed


def build_seds(coords: SkyCoord, radius: u.Quantity | None = None, *, catalogs: Sequence[str] | None = None,
               offline: bool | None = None, cache: bool = True,
               access: CatalogueAccess | None = None) -> list:
    """Build the SEDs of many positions with one bulk query per catalogue.

    Where the service supports it (TAP upload, CDS XMatch; the offline snapshot always) each
    catalogue is asked once for all positions instead of once per position. Parameters are those
    of `build_sed`; returns one SED per position, in input order.
    """
    targets = check_coordinates(coords, scalar=False)
    radius = check_radius(radius)
    catalogues, registry = _select(catalogs)
    offline = offline_mode(offline)
    keys = _memory_keys(targets, radius, catalogues, registry, offline) if access is None and cache else None
    if keys is None:
        return _build_many(targets, radius, catalogues, registry, offline,
                           access or default_access(offline, cache=cache))
    seds = [sed_memory.get(key) for key in keys]
    todo = [i for i, sed in enumerate(seds) if sed is None]
    if todo:
        built = _build_many(targets[todo], radius, catalogues, registry, offline,
                            default_access(offline, cache=cache))
        for i, sed in zip(todo, built):
            seds[i] = sed
            if not sed.meta["failures"]:
                sed_memory.put(keys[i], sed)
    return seds


def _memory_keys(targets: SkyCoord, radius: u.Quantity, catalogues: list[Catalogue], registry,
                 offline: bool) -> list[tuple] | None:
    """Keys of `sed_memory` for each target; None when the SEDs must not be kept.

    The exact position (not rounded: a kept SED carries its target and separations) and
    everything else the SED depends on. Custom `Catalogue` records are not registry entries
    and are never kept.
    """
    known = set(registry.names)
    if any(c.name not in known or registry[c.name] is not c for c in catalogues):
        return None
    common = (offline, registry.version, tuple(c.name for c in catalogues), float(radius.to_value(u.arcsec)))
    ra, dec = np.atleast_1d(targets.ra.deg), np.atleast_1d(targets.dec.deg)
    return [common + (float(a), float(d)) for a, d in zip(ra, dec)]


def _build_many(targets: SkyCoord, radius: u.Quantity, catalogues: list[Catalogue], registry, offline: bool,
                access: CatalogueAccess) -> list:
    """`build_seds` without the memory: one bulk query per catalogue, SEDs split by position."""
    n = len(targets)

    def one(catalogue: Catalogue):
        return _points_and_limits(catalogue, access.bulk(catalogue, targets, _query_radius(catalogue, radius)),
                                 targets, radius)

    # one catalogue failing fails that catalogue for every position
    results, failures = _run_per_catalogue(one, catalogues, access)
    parts = [results[c.name] for c in catalogues if results.get(c.name) is not None]
    provenance = {c.name: _provenance(c, access) for c in catalogues}
    # one table for all positions, split by owner: far faster than n small vstacks
    everything = stack_seds(parts)
    if len(everything):
        owner = np.asarray(everything[INDEX_COLUMN], dtype=np.int64)
        order = np.lexsort((everything["frequency"].value, owner))
        everything, owner = everything[order], owner[order]
        everything.remove_column(INDEX_COLUMN)
        bounds = np.searchsorted(owner, np.arange(n + 1))
    else:
        bounds = np.zeros(n + 1, np.int64)
    template = everything.meta   # fresh SED meta (creation time, empty failures) from stack_seds
    seds = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PartialResultWarning)  # warned once below, not n times
        for i in range(n):
            sed = everything[bounds[i]:bounds[i + 1]]
            sed.meta = dict(template)
            seds.append(_finish(sed, targets[i], radius, catalogues, failures, provenance, offline, registry))
    if failures:
        warnings.warn(f"{n} SEDs are partial; " + _failure_line(failures), PartialResultWarning)
    return seds
