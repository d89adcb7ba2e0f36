"""Latency of ``classify`` for one source already in the cache, and ``classify_sed`` throughput.

Prints figures and ratios (never asserts timings):

* median latency of ``vo_blazar.classify(coord, offline=True)`` for one source already in the
  cache (its SED kept by ``vo_blazar.access.cache.sed_memory``), vs the bare call of the
  fold ensemble (ONNX Runtime by default, see vo_blazar.model.runtime) on the same encoded input;
  and the same source with the SED memory emptied before
  every call (catalogue queries answered by the in-memory snapshot, photometry redone);
* ``classify_sed`` throughput on 10,000 real SEDs from the shipped archive, vs the bare ensemble
  predict of the same encoded arrays.

Cold start (fresh processes) is benchmarks/bench_coldstart.py.

Goals (issue 6): one cached source < 100 ms; >= 5,000 SEDs/s on 2 cores.
Run: .venv/bin/python benchmarks/bench_classify.py
"""
import statistics
import time

import numpy as np
from astropy.coordinates import SkyCoord


def main() -> None:
    t0 = time.perf_counter()
    import vo_blazar
    from vo_blazar.classifier.classification import classify_sed, get_ensemble
    from vo_blazar.training.archive import archive_sed, load_archive
    print(f"import vo_blazar: {time.perf_counter() - t0:.2f} s")

    txs = SkyCoord(77.35818, 5.69315, unit="deg")
    t0 = time.perf_counter()
    vo_blazar.classify(txs, offline=True)
    print(f"first classify (loads snapshot + models): {time.perf_counter() - t0:.2f} s")
    times = []
    for _ in range(20):
        t0 = time.perf_counter()
        res = vo_blazar.classify(txs, offline=True)
        times.append(time.perf_counter() - t0)
    one = statistics.median(times)
    ens = get_ensemble(res["model"][0])
    X = ens.grid.encode(res.seds[0])[None]
    bare = []
    for _ in range(20):
        t0 = time.perf_counter()
        ens.predict(X)
        bare.append(time.perf_counter() - t0)
    print(f"classify, one cached source: median {one * 1e3:.1f} ms "
          f"(bare fold-ensemble predict {statistics.median(bare) * 1e3:.1f} ms; "
          f"ratio {one / statistics.median(bare):.1f}x)"
          f"  goal < 100 ms")
    from vo_blazar.access.cache import sed_memory
    rebuilt = []
    for _ in range(10):
        sed_memory.clear()
        t0 = time.perf_counter()
        vo_blazar.classify(txs, offline=True)
        rebuilt.append(time.perf_counter() - t0)
    print(f"classify, same source with its SED rebuilt from the snapshot each time: "
          f"median {statistics.median(rebuilt) * 1e3:.1f} ms")

    sources, points = load_archive()
    have = np.flatnonzero(np.asarray(sources["n_points"]) > 0)
    idx = have[:10_000]
    seds = [archive_sed(sources, points, int(i)) for i in idx]
    classify_sed(seds[:200])   # warm-up: traces both variants' graphs once
    t0 = time.perf_counter()
    res = classify_sed(seds)
    dt = time.perf_counter() - t0
    bare_dt = 0.0
    for variant in ("gamma", "nogamma"):
        rows = [s for s, m in zip(seds, res["model"]) if m == variant]
        if rows:
            e = get_ensemble(variant)
            Xv = e.grid.encode_many(rows, on_empty="missing")
            t0 = time.perf_counter()
            e.predict(Xv)
            bare_dt += time.perf_counter() - t0
    print(f"classify_sed on {len(seds)} SEDs: {len(seds) / dt:,.0f} SEDs/s "
          f"(bare {e.runtime} predict {len(seds) / bare_dt:,.0f} SEDs/s; overhead ratio {dt / bare_dt:.2f}x)"
          f"  goal >= 5,000 SEDs/s")


if __name__ == "__main__":
    main()
