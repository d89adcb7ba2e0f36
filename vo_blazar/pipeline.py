"""``build_sed`` / ``build_seds``: registry -> access -> photometry -> one SED Table per position.

Each catalogue is queried independently (concurrently, in threads) and a catalogue that fails
never aborts the SED: its error lands in ``sed.meta["failures"]`` and a
`~vo_blazar.exceptions.PartialResultWarning` is emitted.
"""
from __future__ import annotations

import difflib
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Sequence

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import Table, vstack

from .access.cache import CachedAccess
from .access.base import INDEX_COLUMN, CatalogueAccess
from .access.snapshot import SnapshotAccess
from .config import conf, offline_mode
from .exceptions import InputTypeError, PartialResultWarning, UnknownCatalogueError
from .logger import log
from .memory import sed_memory
from .photometry import convert_rows
from .photometry.survey_limits import survey_limit_points
from .registry import load_registry
from .registry.catalogue import Catalogue
from .sed.collection import SEDCollection
from .sed.table import stack_seds
# validation and counterpart rules live in sky/; re-exported where callers have always found them
from .sky.counterparts import keep_matches, query_radius
from .sky.position import MAX_RADIUS, check_coordinates, check_radius  # noqa: F401 (old home of MAX_RADIUS)

__all__ = ["build_sed", "build_seds", "check_coordinates", "check_radius", "default_access"]


def default_access(offline: bool | None = None, *, cache: bool = True) -> CatalogueAccess:
    """The access that answers cone searches: the offline snapshot, or the live VO (cached)."""
    if offline_mode(offline):
        return SnapshotAccess()
    from .access.vo import VOAccess   # here: pyvo and astroquery load only when the VO is asked
    access = VOAccess()
    if cache and conf.cache:
        access = CachedAccess(access, registry_version=load_registry().version)
    return access


def select_catalogues(catalogs) -> tuple[list[Catalogue], object]:
    """Catalogues to query: registry names, `Catalogue` records (custom catalogues), or all."""
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


def _catalogue_points(catalogue: Catalogue, rows: Table, targets: SkyCoord, radius: u.Quantity):
    """Rows of one catalogue -> its SED points, with separations; ``None`` when nothing matched.

    ``rows`` carry ``_index`` into ``targets`` (one or many positions); so do the points returned.
    ``radius`` is the user's search radius.
    """
    if len(rows) == 0:
        return None
    index = np.asarray(rows[INDEX_COLUMN], dtype=np.int64)
    matched = keep_matches(catalogue, rows, targets[index], radius, group=index)
    if len(matched) == 0:
        return None
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


def _galactic_latitudes(catalogues: list[Catalogue], targets: SkyCoord) -> np.ndarray | None:
    """The targets' Galactic latitudes (deg) when a catalogue's footprint needs them, else None:
    computed once per build instead of once per catalogue."""
    if any(c.footprint is not None and c.footprint.kind == "galactic_latitude" for c in catalogues):
        return np.atleast_1d(targets.galactic.b.deg)
    return None


def _points_and_limits(catalogue: Catalogue, rows: Table, targets: SkyCoord, radius: u.Quantity,
                       galactic_b: np.ndarray | None = None):
    """`_catalogue_points` plus the survey-limit upper limits of the targets the catalogue missed
    inside its footprint (`vo_blazar.photometry.survey_limits`); ``None`` when there is neither."""
    points = _catalogue_points(catalogue, rows, targets, radius)
    if catalogue.footprint is None:
        return points
    detected = np.zeros(len(targets), bool)
    if points is not None:
        detected[np.asarray(points[INDEX_COLUMN], dtype=np.int64)] = True
    limits = survey_limit_points(catalogue, targets, detected, INDEX_COLUMN, galactic_b=galactic_b)
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


def _sed_meta(template: dict, target, radius, catalogues, failures, provenance, offline, registry) -> dict:
    """The meta of one SED: the fresh SED meta of `~vo_blazar.sed.table.stack_seds` plus what it
    was built from."""
    meta = dict(template)
    meta.update(target=target, radius=radius, failures=dict(sorted(failures.items())),
                catalogs=[c.name for c in catalogues], provenance=provenance,
                registry_version=registry.version, offline=offline)
    return meta


def _finish(sed, target, radius, catalogues, failures, provenance, offline, registry):
    sed.meta = _sed_meta(sed.meta, target, radius, catalogues, failures, provenance, offline, registry)
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
        Use the caches: live VO answers on disk (`vo_blazar.access.cache`), and SEDs already built
        in this session in memory (`vo_blazar.memory`; a copy comes back without any query).
    access : `~vo_blazar.access.CatalogueAccess`, optional
        Override the access (tests, custom services); the SED memory is then not used.

    Returns
    -------
    sed : `~astropy.table.QTable`
        The SED (see `vo_blazar.sed.table`); ``meta["failures"]`` names any catalogue that failed.
    """
    target = check_coordinates(coord, scalar=True)
    radius = check_radius(radius)
    catalogues, registry = select_catalogues(catalogs)
    offline = offline_mode(offline)
    memory_key = _memory_keys(target.reshape((1,)), radius, catalogues, registry, offline) \
        if access is None and cache else None
    if memory_key is not None:
        kept = sed_memory.get(memory_key[0])
        if kept is not None:
            return kept
    access = access or default_access(offline, cache=cache)
    galactic_b = _galactic_latitudes(catalogues, target)

    def one(catalogue: Catalogue):
        # the trusted path: target and radius were validated above
        rows = access._cone(catalogue, target, query_radius(catalogue, radius))
        rows[INDEX_COLUMN] = np.zeros(len(rows), dtype=np.int64)   # all rows belong to the one target
        return _points_and_limits(catalogue, rows, target.reshape((1,)), radius, galactic_b)

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
    return _build_seds(targets, check_radius(radius), catalogs=catalogs, offline=offline, cache=cache,
                       access=access).to_list()


def _build_seds(targets: SkyCoord, radius: u.Quantity, *, catalogs=None, offline: bool | None = None,
                cache: bool = True, access: CatalogueAccess | None = None) -> SEDCollection:
    """`build_seds` for validated arguments (an ICRS SkyCoord array and a checked radius), as an
    `~vo_blazar.sed.SEDCollection`: what `vo_blazar.classify` passes on without re-joining."""
    catalogues, registry = select_catalogues(catalogs)
    offline = offline_mode(offline)
    keys = _memory_keys(targets, radius, catalogues, registry, offline) if access is None and cache else None
    if keys is None:
        return _build_many(targets, radius, catalogues, registry, offline,
                           access or default_access(offline, cache=cache))
    seds = [sed_memory.get(key) for key in keys]
    todo = [i for i, sed in enumerate(seds) if sed is None]
    if not todo:
        return SEDCollection.from_seds(seds)
    built = _build_many(targets[todo], radius, catalogues, registry, offline,
                        default_access(offline, cache=cache))
    for i, sed in zip(todo, built):
        seds[i] = sed
        if not sed.meta["failures"]:
            sed_memory.put(keys[i], sed)
    return built if len(todo) == len(seds) else SEDCollection.from_seds(seds)


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
                access: CatalogueAccess) -> SEDCollection:
    """`build_seds` without the memory: one bulk query per catalogue, all SEDs in one collection."""
    n = len(targets)
    galactic_b = _galactic_latitudes(catalogues, targets)

    def one(catalogue: Catalogue):
        rows = access._bulk(catalogue, targets, query_radius(catalogue, radius))   # validated: trusted path
        return _points_and_limits(catalogue, rows, targets, radius, galactic_b)

    # one catalogue failing fails that catalogue for every position
    results, failures = _run_per_catalogue(one, catalogues, access)
    parts = [results[c.name] for c in catalogues if results.get(c.name) is not None]
    provenance = {c.name: _provenance(c, access) for c in catalogues}
    # one table for all positions, grouped by owner by the collection: far faster than n small vstacks
    everything = stack_seds(parts)
    if INDEX_COLUMN not in everything.colnames:   # no catalogue gave a point
        everything[INDEX_COLUMN] = np.zeros(len(everything), np.int64)
    template = dict(everything.meta)   # fresh SED meta (creation time, empty failures) from stack_seds
    everything.meta = {}
    metas = [_sed_meta(template, targets[i], radius, catalogues, failures, provenance, offline, registry)
             for i in range(n)]
    seds = SEDCollection(everything, metas, index=INDEX_COLUMN)
    if failures:
        warnings.warn(f"{n} SEDs are partial; " + _failure_line(failures), PartialResultWarning)
    return seds
