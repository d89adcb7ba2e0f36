"""The SED archive: one SED per labelled source, built by `vo_blazar.build_seds` in offline mode
(the same path ``classify`` uses), stored in one HDF5 file.

Built by the maintainer command ``python -m tools.archive`` (bit for bit: fixed source order,
sorted string tables, no time stamps); shipped as ``vo_blazar/data/archive/seds.h5`` (2.9 MB).

Layout (CSR: the points of source ``i`` are rows ``offset[i] : offset[i] + n_points[i]``)::

    /sources/{name, ra, dec, label, origin, class, provenance, also_in, n_points, offset, failures}
    /points/{frequency [Hz], nufnu, nufnu_err [erg cm-2 s-1], upper_limit, catalog, band,
             separation [arcsec]}       catalog/band are indices into /strings/{catalogs, bands}
    attrs: format, registry_version, radius_arcsec, sources_sha256, n_sources, n_points

`load_training_arrays` turns the archive into network input ``X (N, L, C)``, labels ``y`` and a
meta table; `same_coverage` selects the leakage-controlled subset (SDSS ugriz + 2MASS JHK + WISE
W1-W4, sources with all twelve).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import QTable, Table

from ..bands import RADIO_MAX_LOG_NU   # re-exported: the radio/mm cut is defined with the other bands
from ..exceptions import InputValueError
from ..grid import FrequencyGrid, default_grid
from ..grid.report import EncodingReport
from ..logger import log
from ..sed.table import NUFNU_UNIT, make_sed
from ..package_data import data_path

__all__ = ["ARCHIVE_FORMAT", "PACKAGE_ARCHIVE", "BUILD_ARCHIVE", "SHARED_BANDS", "RADIO_MAX_LOG_NU",
           "default_archive_path", "load_archive", "archive_sed", "same_coverage",
           "radio_free", "load_training_arrays", "encode_archive_points"]

ARCHIVE_FORMAT = "vo_blazar.SEDArchive/1"
PACKAGE_ARCHIVE = data_path("archive", "seds.h5")
BUILD_ARCHIVE = Path(__file__).resolve().parents[2] / "build" / "archive" / "seds.h5"
#: The twelve bands both classes share: (registry catalogue, band).
SHARED_BANDS = (("SDSS", "u"), ("SDSS", "g"), ("SDSS", "r"), ("SDSS", "i"), ("SDSS", "z"),
                ("2MASS", "J"), ("2MASS", "H"), ("2MASS", "Ks"),
                ("AllWISE", "W1"), ("AllWISE", "W2"), ("AllWISE", "W3"), ("AllWISE", "W4"))
_SOURCE_STR = ("name", "origin", "class", "provenance", "also_in", "failures")


def default_archive_path() -> Path:
    """The shipped archive when the package has one, else ``build/archive/seds.h5``."""
    return PACKAGE_ARCHIVE if PACKAGE_ARCHIVE.is_file() else BUILD_ARCHIVE


def _dec(values: np.ndarray) -> np.ndarray:
    return np.char.decode(np.asarray(values), "utf-8")


def load_archive(path: str | Path | None = None) -> tuple[Table, Table]:
    """Read the archive: ``(sources, points)``.

    ``points`` is a QTable whose ``source`` column indexes ``sources``.
    """
    import h5py
    path = Path(path) if path is not None else default_archive_path()
    if not path.is_file():
        raise InputValueError(f"SED archive {path} not found; "
                              "build it with `python -m tools.archive --ship` (from a source checkout)")
    with h5py.File(path, "r") as f:
        if f.attrs.get("format") != ARCHIVE_FORMAT:
            raise InputValueError(f"{path} is not a vo_blazar SED archive (format {f.attrs.get('format')!r})")
        g, p, s = f["sources"], f["points"], f["strings"]
        sources = Table()
        for name in ("name", "ra", "dec", "label", "origin", "class", "provenance", "also_in", "n_points",
                     "offset", "failures"):
            data = g[name][()]
            sources[name] = _dec(data) if name in _SOURCE_STR else data
        sources["ra"].unit = sources["dec"].unit = u.deg
        catalogs, bands = _dec(s["catalogs"][()]), _dec(s["bands"][()])
        points = QTable()
        points["source"] = np.repeat(np.arange(len(sources)), sources["n_points"])
        points["frequency"] = p["frequency"][()] * u.Hz if "frequency" in p else np.zeros(0) * u.Hz
        for name in ("nufnu", "nufnu_err"):
            points[name] = (p[name][()] if name in p else np.zeros(0)) * NUFNU_UNIT
        points["upper_limit"] = p["upper_limit"][()] if "upper_limit" in p else np.zeros(0, bool)
        points["catalog"] = catalogs[p["catalog"][()]] if "catalog" in p else np.zeros(0, str)
        points["band"] = bands[p["band"][()]] if "band" in p else np.zeros(0, str)
        points["separation"] = (p["separation"][()] if "separation" in p else np.zeros(0)) * u.arcsec
        sources.meta = {k: (v.item() if hasattr(v, "item") else v) for k, v in sorted(f.attrs.items())}
    return sources, points


def archive_sed(sources: Table, points: Table, i: int) -> QTable:
    """Source ``i`` of the archive as an SED QTable (the `vo_blazar.sed.table` schema)."""
    sel = slice(int(sources["offset"][i]), int(sources["offset"][i] + sources["n_points"][i]))
    part = points[sel]
    target = SkyCoord(sources["ra"][i], sources["dec"][i], unit="deg")
    return make_sed({k: part[k] for k in ("frequency", "nufnu", "nufnu_err", "upper_limit", "catalog", "band",
                                          "separation")}, n=len(part), target=target,
                    name=sources["name"][i], label=int(sources["label"][i]), origin=sources["origin"][i])


def same_coverage(sources: Table, points: Table) -> tuple[np.ndarray, np.ndarray]:
    """The leakage-controlled subset: (source mask, point mask).

    Points are restricted to detections in the twelve `SHARED_BANDS`; sources are kept only when
    they have all twelve, so the presence pattern is identical for every kept source.
    """
    cat = np.asarray(points["catalog"]).astype(str)
    band = np.asarray(points["band"]).astype(str)
    det = ~np.asarray(points["upper_limit"], bool)
    code = np.full(len(points), -1)
    for k, (c, b) in enumerate(SHARED_BANDS):
        code[(cat == c) & (band == b) & det] = k
    point_mask = code >= 0
    src = np.asarray(points["source"])
    have = np.zeros((len(sources), len(SHARED_BANDS)), bool)
    have[src[point_mask], code[point_mask]] = True
    source_mask = have.all(axis=1)
    return source_mask, point_mask & source_mask[src]


def radio_free(sources: Table, points: Table) -> tuple[np.ndarray, np.ndarray]:
    """All points except radio and mm (log nu < 12); sources that keep at least one point."""
    point_mask = np.log10(u.Quantity(points["frequency"]).to_value(u.Hz)) >= RADIO_MAX_LOG_NU
    keep = np.bincount(np.asarray(points["source"])[point_mask], minlength=len(sources)) > 0
    return keep, point_mask & keep[np.asarray(points["source"])]


_SUBSETS = {"same_coverage": same_coverage, "radio_free": radio_free}


def encode_archive_points(grid: FrequencyGrid, points: Table, owner: np.ndarray,
                          n_seds: int) -> tuple[np.ndarray, EncodingReport, np.ndarray]:
    """Encode archive points on ``grid``: ``(X, report, points on the grid per SED)``.

    ``owner`` says which of the ``n_seds`` SEDs each point belongs to.
    """
    owner = np.asarray(owner, dtype=np.int64)
    X, report = grid.encode_points(points["frequency"].to_value(u.Hz), points["nufnu"].to_value(NUFNU_UNIT),
                                   np.asarray(points["upper_limit"], bool), owner, n_seds)
    on_grid = grid.cell_index(points["frequency"]) >= 0
    return X, report, np.bincount(owner[on_grid], minlength=n_seds)


def load_training_arrays(grid: FrequencyGrid | None = None, variant: str = "gamma",
                         subset: str | None = None, *,
                         path: str | Path | None = None) -> tuple[np.ndarray, np.ndarray, Table]:
    """Network input for training: ``X (N, L, C) float32`` (``C = grid.shape[1]``), ``y (N,) int8``
    and a meta table.

    Parameters
    ----------
    grid : `FrequencyGrid`, optional
        Default: the shipped grid of ``variant``. With ``variant="nogamma"`` a grid with gamma cells
        is cut with `FrequencyGrid.without_gamma`.
    variant : {"gamma", "nogamma"}
    subset : {None, "same_coverage", "radio_free"}
        None: every source with at least one point on the grid. ``"same_coverage"``: see
        `same_coverage`. ``"radio_free"``: radio/mm points removed.
    path : path, optional
        The archive (default `default_archive_path`).

    Returns
    -------
    X, y, meta
        ``meta`` has the source columns plus ``n_used`` (points on the grid) and ``n_dropped``.
    """
    if variant not in ("gamma", "nogamma"):
        raise InputValueError(f"variant must be 'gamma' or 'nogamma', got {variant!r}")
    if subset is not None and subset not in _SUBSETS:
        raise InputValueError(f"subset must be None or one of {sorted(_SUBSETS)}, got {subset!r}")
    if grid is None:
        grid = default_grid(variant)
    elif variant == "nogamma" and grid.log_frequencies.max() > 20:
        grid = grid.without_gamma()
    sources, points = load_archive(path)
    if subset is None:
        source_mask = np.ones(len(sources), bool)
        point_mask = np.ones(len(points), bool)
    else:
        source_mask, point_mask = _SUBSETS[subset](sources, points)
    keep_idx = np.flatnonzero(source_mask)
    new_index = np.full(len(sources), -1)
    new_index[keep_idx] = np.arange(keep_idx.size)
    pts = points[point_mask]
    X, report, used = encode_archive_points(grid, pts, new_index[np.asarray(pts["source"])], keep_idx.size)
    nonempty = used > 0  # a source with nothing on this grid carries no information
    meta = sources[keep_idx][nonempty]
    meta["n_used"] = used[nonempty]
    meta["n_dropped"] = report.dropped_per_sed[nonempty]
    meta.meta = dict(sources.meta, grid_version=grid.version, variant=variant, subset=subset or "all",
                     n_without_points=int((~nonempty).sum()))
    if (~nonempty).any():
        log.info("load_training_arrays: %d sources have no point on grid %s and are left out",
                 int((~nonempty).sum()), grid.version)
    return X[nonempty], np.asarray(meta["label"], np.int8), meta
