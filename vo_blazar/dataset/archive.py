"""The SED archive: one SED per labelled source, built by `vo_blazar.build_seds` in offline mode
(the same path ``classify`` uses), stored in one HDF5 file.

Rebuild (bit for bit: fixed source order, sorted string tables, no time stamps)::

    python -m vo_blazar.dataset.archive    # -> vo_blazar/data/archive/seds.h5 (2.9 MB, shipped)

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

import argparse
import hashlib
import json
from pathlib import Path
from typing import Sequence

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import QTable, Table

from ..exceptions import InputValueError, VOBlazarError
from ..grid import FrequencyGrid, default_grid
from ..grid.report import EncodingReport
from ..logger import log
from ..sed.table import NUFNU_UNIT, make_sed
from .labels import LABELS_DIR, load_sources

__all__ = ["ARCHIVE_FORMAT", "PACKAGE_ARCHIVE", "BUILD_ARCHIVE", "SHARED_BANDS", "RADIO_MAX_LOG_NU",
           "default_archive_path", "build_archive", "load_archive", "archive_sed", "same_coverage",
           "radio_free", "load_training_arrays", "main"]

ARCHIVE_FORMAT = "vo_blazar.SEDArchive/1"
PACKAGE_ARCHIVE = Path(__file__).resolve().parent.parent / "data" / "archive" / "seds.h5"
BUILD_ARCHIVE = Path(__file__).resolve().parents[2] / "build" / "archive" / "seds.h5"
#: The twelve bands both classes share: (registry catalogue, band).
SHARED_BANDS = (("SDSS", "u"), ("SDSS", "g"), ("SDSS", "r"), ("SDSS", "i"), ("SDSS", "z"),
                ("2MASS", "J"), ("2MASS", "H"), ("2MASS", "Ks"),
                ("AllWISE", "W1"), ("AllWISE", "W2"), ("AllWISE", "W3"), ("AllWISE", "W4"))
#: Radio and mm points: log10(nu / Hz) below this (the sub-mm/IR boundary, 1 THz).
RADIO_MAX_LOG_NU = 12.0
_SOURCE_STR = ("name", "origin", "class", "provenance", "also_in", "failures")


def default_archive_path() -> Path:
    """The shipped archive when the package has one, else ``build/archive/seds.h5``."""
    return PACKAGE_ARCHIVE if PACKAGE_ARCHIVE.is_file() else BUILD_ARCHIVE


def _enc(values) -> np.ndarray:
    """Fixed-length UTF-8 bytes (HDF5-friendly, deterministic)."""
    arr = np.asarray([str(v).encode("utf-8") for v in values], dtype=object)
    width = max([len(a) for a in arr] + [1])
    return arr.astype(f"S{width}")


def _dec(values: np.ndarray) -> np.ndarray:
    return np.char.decode(np.asarray(values), "utf-8")


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def build_archive(out: str | Path | None = None, *, sources: Table | None = None, limit: int | None = None,
                  chunk: int = 4000, radius: u.Quantity = 15 * u.arcsec, allow_failures: bool = False,
                  access=None) -> Path:
    """Build the SEDs of the labelled sources offline and write the HDF5 archive.

    Parameters
    ----------
    out : path, optional
        Output file (default: the package's ``vo_blazar/data/archive/seds.h5``).
    sources : `~astropy.table.Table`, optional
        Source list (default: the shipped ``sources.ecsv``).
    limit : int, optional
        Only the first ``limit`` sources (quick checks, tests).
    chunk : int
        Positions per `build_seds` call (bounds memory).
    radius : `~astropy.units.Quantity`
        Cone radius, as ``classify`` uses by default.
    allow_failures : bool
        Write the archive even when catalogues failed (recorded per source in ``failures``);
        by default a failure raises `~vo_blazar.exceptions.VOBlazarError`.
    access : `~vo_blazar.access.snapshot.SnapshotAccess`, optional
        Reuse an access (its loaded snapshot tables); default: a fresh offline access.
    """
    import h5py

    from ..sed.builder import build_seds
    out = Path(out) if out is not None else PACKAGE_ARCHIVE
    src_hash = _sha256(LABELS_DIR / "sources.ecsv") if sources is None else "custom"
    sources = load_sources() if sources is None else sources
    if limit is not None:
        sources = sources[:int(limit)]
    n = len(sources)
    if access is None:
        from ..access.snapshot import SnapshotAccess
        access = SnapshotAccess()  # one access for all chunks: the snapshot files load once
    if n == 0:
        raise InputValueError("no sources to build an archive from")
    coords = SkyCoord(np.asarray(sources["ra"], float) * u.deg, np.asarray(sources["dec"], float) * u.deg,
                      frame="icrs")
    cols: dict[str, list[np.ndarray]] = {k: [] for k in
                                         ("frequency", "nufnu", "nufnu_err", "upper_limit", "catalog", "band",
                                          "separation")}
    n_points = np.zeros(n, dtype=np.int64)
    failures = [""] * n
    registry_version = ""
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        seds = build_seds(coords[start:stop], radius, offline=True, access=access)
        for k, sed in enumerate(seds):
            i = start + k
            n_points[i] = len(sed)
            if sed.meta.get("failures"):
                failures[i] = json.dumps(sed.meta["failures"], sort_keys=True)
            registry_version = str(sed.meta.get("registry_version", ""))
            if not len(sed):
                continue
            cols["frequency"].append(sed["frequency"].to_value(u.Hz))
            cols["nufnu"].append(sed["nufnu"].to_value(NUFNU_UNIT))
            cols["nufnu_err"].append(sed["nufnu_err"].to_value(NUFNU_UNIT))
            cols["upper_limit"].append(np.asarray(sed["upper_limit"], bool))
            cols["catalog"].append(np.asarray(sed["catalog"]).astype(str))
            cols["band"].append(np.asarray(sed["band"]).astype(str))
            cols["separation"].append(sed["separation"].to_value(u.arcsec))
        log.info("archive: %d / %d sources built", stop, n)
    failed = sorted({f for f in failures if f})
    if failed and not allow_failures:
        # the offline snapshot never fails for a good reason: an archive with holes would be a
        # silently different data set
        raise VOBlazarError(f"{sum(1 for f in failures if f)} of {n} SEDs are partial (failed catalogues: "
                            f"{failed[0][:500]}); fix the snapshot or pass allow_failures=True")
    flat = {k: (np.concatenate(v) if v else np.zeros(0)) for k, v in cols.items()}
    catalogs = sorted(set(flat["catalog"].tolist())) if len(flat["catalog"]) else []
    bands = sorted(set(flat["band"].tolist())) if len(flat["band"]) else []
    offset = np.concatenate([[0], np.cumsum(n_points)[:-1]]).astype(np.int64)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".part")
    opts = dict(track_times=False)
    packed = dict(track_times=False, compression="gzip", compression_opts=6, shuffle=True)
    with h5py.File(tmp, "w", libver="earliest", track_order=False) as f:
        f.attrs["format"] = ARCHIVE_FORMAT
        f.attrs["registry_version"] = registry_version
        f.attrs["radius_arcsec"] = float(radius.to_value(u.arcsec))
        f.attrs["sources_sha256"] = src_hash
        f.attrs["n_sources"] = n
        f.attrs["n_points"] = int(n_points.sum())
        f.attrs["build_command"] = "python -m vo_blazar.dataset.archive"
        g = f.create_group("sources", track_order=False)
        for name in ("name", "origin", "class", "provenance", "also_in"):
            g.create_dataset(name, data=_enc(sources[name]), **packed)
        g.create_dataset("failures", data=_enc(failures), **packed)
        g.create_dataset("ra", data=np.asarray(sources["ra"], "<f8"), **opts)
        g.create_dataset("dec", data=np.asarray(sources["dec"], "<f8"), **opts)
        g.create_dataset("label", data=np.asarray(sources["label"], "i1"), **opts)
        g.create_dataset("n_points", data=n_points, **opts)
        g.create_dataset("offset", data=offset, **opts)
        s = f.create_group("strings", track_order=False)
        s.create_dataset("catalogs", data=_enc(catalogs), **opts)
        s.create_dataset("bands", data=_enc(bands), **opts)
        p = f.create_group("points", track_order=False)
        if len(flat["frequency"]):
            cat_idx = np.searchsorted(np.asarray(catalogs), flat["catalog"]).astype("<i2")
            band_idx = np.searchsorted(np.asarray(bands), flat["band"]).astype("<i2")
        else:
            cat_idx = band_idx = np.zeros(0, "<i2")
        for name, data in (("frequency", flat["frequency"].astype("<f8")),
                           ("nufnu", flat["nufnu"].astype("<f8")),
                           ("nufnu_err", flat["nufnu_err"].astype("<f8")),
                           ("upper_limit", flat["upper_limit"].astype(bool)), ("catalog", cat_idx),
                           ("band", band_idx), ("separation", flat["separation"].astype("<f4"))):
            p.create_dataset(name, data=data, **packed)
    tmp.replace(out)
    log.info("archive written: %s (%d sources, %d points, %.1f MB)", out, n, int(n_points.sum()),
             out.stat().st_size / 1e6)
    return out


def load_archive(path: str | Path | None = None) -> tuple[Table, Table]:
    """Read the archive: ``(sources, points)``.

    ``points`` is a QTable whose ``source`` column indexes ``sources``.
    """
    import h5py
    path = Path(path) if path is not None else default_archive_path()
    if not path.is_file():
        raise InputValueError(f"SED archive {path} not found; "
                              "build it with `python -m vo_blazar.dataset.archive`")
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vo_blazar.dataset.archive",
                                     description="Build the labelled SED archive offline (build_seds).")
    parser.add_argument("--out", default=None, help=f"output file (default {PACKAGE_ARCHIVE})")
    parser.add_argument("--limit", type=int, default=None, help="only the first N sources")
    parser.add_argument("--chunk", type=int, default=4000)
    args = parser.parse_args(argv)
    path = build_archive(args.out, limit=args.limit, chunk=args.chunk)
    sources, points = load_archive(path)
    print(f"{path}: {len(sources)} sources, {len(points)} points, {path.stat().st_size / 1e6:.2f} MB, "
          f"sha256 {_sha256(path)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
