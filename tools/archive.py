"""Maintainer command: build the labelled SED archive offline, with `vo_blazar.build_seds` (the
path ``classify`` uses), into one HDF5 file (layout: `vo_blazar.training.archive`).

    python -m tools.archive            # -> build/archive/seds.h5
    python -m tools.archive --ship     # -> vo_blazar/data/archive/seds.h5 (the shipped copy)
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
from astropy.table import Table

from vo_blazar.exceptions import InputValueError, VOBlazarError
from vo_blazar.labels import LABELS_DIR, load_sources
from vo_blazar.logger import log
from vo_blazar.sed.table import NUFNU_UNIT
from vo_blazar.training.archive import ARCHIVE_FORMAT, BUILD_ARCHIVE, PACKAGE_ARCHIVE, load_archive

__all__ = ["build_archive", "main"]


def _enc(values) -> np.ndarray:
    """Fixed-length UTF-8 bytes (HDF5-friendly, deterministic)."""
    arr = np.asarray([str(v).encode("utf-8") for v in values], dtype=object)
    width = max([len(a) for a in arr] + [1])
    return arr.astype(f"S{width}")


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def build_archive(out: str | Path | None = None, *, sources: Table | None = None, limit: int | None = None,
                  chunk: int = 4000, radius: u.Quantity = 15 * u.arcsec, allow_failures: bool = False,
                  access=None) -> Path:
    """Build the SEDs of the labelled sources offline and write the HDF5 archive.

    Parameters
    ----------
    out : path, optional
        Output file (default: ``build/archive/seds.h5``; the shipped copy is
        ``vo_blazar/data/archive/seds.h5``, written by ``python -m tools.archive --ship``).
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

    from vo_blazar.pipeline import build_seds
    out = Path(out) if out is not None else BUILD_ARCHIVE
    src_hash = _sha256(LABELS_DIR / "sources.ecsv") if sources is None else "custom"
    sources = load_sources() if sources is None else sources
    if limit is not None:
        sources = sources[:int(limit)]
    n = len(sources)
    if access is None:
        from vo_blazar.access.snapshot import SnapshotAccess
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
        f.attrs["build_command"] = "python -m tools.archive --ship"
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.archive",
                                     description="Build the labelled SED archive offline (build_seds).")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--out", default=None, help=f"output file (default {BUILD_ARCHIVE})")
    where.add_argument("--ship", action="store_true",
                       help=f"write the shipped copy, {PACKAGE_ARCHIVE} (what training reads)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N sources")
    parser.add_argument("--chunk", type=int, default=4000)
    args = parser.parse_args(argv)
    path = build_archive(PACKAGE_ARCHIVE if args.ship else args.out, limit=args.limit, chunk=args.chunk)
    sources, points = load_archive(path)
    print(f"{path}: {len(sources)} sources, {len(points)} points, {path.stat().st_size / 1e6:.2f} MB, "
          f"sha256 {_sha256(path)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
