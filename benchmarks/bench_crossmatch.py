"""Benchmark of the candidate search: matching time vs list size, and Dask vs one process.

Matching: two synthetic lists of N random all-sky positions each (N = 10^3 .. 10^5), X-ray error
10", radio error 2", k = 3 (tolerance 30.6"), timed with `match_positions` (the step
`candidates` runs before classifying).

Classification: the same positions classified by ``--classifier``: ``real`` is `vo_blazar.classify`
offline (needs the shipped model and snapshot); ``synthetic`` (default) is a stand-in whose cost
per position is a fixed amount of NumPy work, so the ratio measures the Dask overhead and the
parallel speed-up, not the model. Dask runs on a LocalCluster with ``--workers`` processes.

Run: ``.venv/bin/python benchmarks/bench_crossmatch.py [--sizes 1000 10000 100000] [--workers 2]``.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import Table

from vo_blazar.crossmatch import classify_positions, match_positions


def synthetic_sky(n: int, seed: int) -> SkyCoord:
    """N random positions, uniform on the sphere (synthetic, for timing only)."""
    rng = np.random.default_rng(seed)
    ra = rng.uniform(0, 360, n)
    dec = np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
    return SkyCoord(ra * u.deg, dec * u.deg)


def synthetic_classifier(coords, **kwargs):
    """Stand-in classifier for timing: a few ms of NumPy work per position, p from the position."""
    n = len(coords)
    acc = np.zeros(n)
    for _ in range(100):
        acc += np.sin(np.outer(coords.ra.rad, np.arange(2000))).sum(axis=1) * 1e-9
    p = 0.5 + 0.5 * np.sin(coords.dec.rad + acc)
    return Table({"p_blazar": p, "p_blazar_std": np.zeros(n)})


def bench_matching(sizes) -> None:
    print("matching (search_around_sky + per-pair k*sqrt(ex^2+er^2) cut), 10\"/2\" errors, k=3")
    print(f"{'N x N':>16} {'pairs':>8} {'seconds':>9}")
    for n in sizes:
        x, r = synthetic_sky(n, 1), synthetic_sky(n, 2)
        # plant one true counterpart 5" from each of the first n/10 X-ray sources
        r[: n // 10] = x[: n // 10].spherical_offsets_by(5 * u.arcsec, 0 * u.arcsec)
        best = np.inf
        for _ in range(3):
            t0 = time.perf_counter()
            m = match_positions(x, r, 10 * u.arcsec, 2 * u.arcsec)
            best = min(best, time.perf_counter() - t0)
        print(f"{n:>7} x {n:<7} {len(m):>8} {best:>9.3f}")


def bench_dask(n: int, workers: int, classifier_name: str, chunk: int) -> None:
    if classifier_name == "real":
        from vo_blazar import classify as clf
        kw = {"offline": True}
    else:
        clf, kw = synthetic_classifier, {}
    coords = synthetic_sky(n, 3)
    t0 = time.perf_counter()
    single = classify_positions(coords, clf, chunk_size=chunk, **kw)
    t_single = time.perf_counter() - t0
    from distributed import Client, LocalCluster
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        client.run(lambda: None)      # workers up before timing
        t0 = time.perf_counter()
        dist = classify_positions(coords, clf, client=client, chunk_size=chunk, **kw)
        t_dask = time.perf_counter() - t0
    assert np.allclose(np.asarray(single["p_blazar"], float), np.asarray(dist["p_blazar"], float),
                       equal_nan=True)
    print(f"classification of {n} positions ({classifier_name} classifier, chunks of {chunk}): "
          f"single process {t_single:.2f} s, Dask {workers} workers {t_dask:.2f} s, "
          f"ratio Dask/single = {t_dask / t_single:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--n-classify", type=int, default=1000)
    ap.add_argument("--chunk-size", type=int, default=250)
    ap.add_argument("--classifier", choices=["synthetic", "real"], default="synthetic")
    args = ap.parse_args()
    bench_matching(args.sizes)
    bench_dask(args.n_classify, args.workers, args.classifier, args.chunk_size)


if __name__ == "__main__":
    main()
