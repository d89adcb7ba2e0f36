"""Positions (SEDs) per second: one cone per position vs one TAP upload, through the loopback VO.

Not a test: prints figures. Run from the repository root::

    .venv/bin/python benchmarks/bench_bulk_vs_cone.py [N_POSITIONS]

The server is the tests' loopback VO (tests/loopback_vo.py) answering from a *synthetic* table of
one source per position, so both paths return the same rows; the figure measures protocol round
trips and our client code (pyvo query, VOTable parsing, checks), not a real VO service, whose
network latency would make the ratio larger.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from loopback_vo import LoopbackVO, synthetic_catalogue, synthetic_sources  # noqa: E402

from vo_blazar.access import INDEX_COLUMN, VOAccess  # noqa: E402


def main(n: int = 1000) -> None:
    rng = np.random.default_rng(42)
    ra = rng.uniform(0, 360, n)
    dec = np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
    coords = SkyCoord(ra, dec, unit="deg")
    radius = 15 * u.arcsec
    access = VOAccess(timeout=30)
    with LoopbackVO() as server:
        server.add_table("synthetic_bench", synthetic_sources(ra, dec, seed=7))
        cones = synthetic_catalogue(server, "synthetic_bench", kind="tap", bulk=None)
        upload = synthetic_catalogue(server, "synthetic_bench", kind="tap", bulk="tap_upload")

        start = time.perf_counter()
        by_cone = access.bulk(cones, coords, radius)      # base-class loop: one cone each
        t_cone = time.perf_counter() - start

        start = time.perf_counter()
        by_upload = access.bulk(upload, coords, radius)   # one TAP upload join
        t_bulk = time.perf_counter() - start

    same = sorted(by_cone[INDEX_COLUMN]) == sorted(by_upload[INDEX_COLUMN]) == list(range(n))
    print(f"positions            : {n} (one catalogue, radius {radius})")
    print(f"one cone per position: {t_cone:8.2f} s  {n / t_cone:10.1f} positions/s")
    print(f"bulk (TAP upload)    : {t_bulk:8.2f} s  {n / t_bulk:10.1f} positions/s")
    print(f"speed-up bulk / cone : {t_cone / t_bulk:8.1f} x")
    print(f"same rows both ways  : {same}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
