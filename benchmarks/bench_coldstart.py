"""Cold start: what a new process pays before its first answer, against the warm call.

Every figure comes from fresh interpreters (``subprocess``), each measured ``--repeat`` times (median):

* ``import vo_blazar`` (and a bare interpreter start, for reference);
* the first offline ``classify`` of one position, broken down into import, snapshot (the first SED
  built from the embedded snapshot), models (loading the fold ensemble) and first prediction, next
  to the same call made directly; and the warm call of the same position in the same process
  (median of 20, SED cached), as the ratio first / warm;
* ``vo-blazar classify NAME --offline`` wall time;
* warm ``classify_sed`` throughput on archive SEDs (needs the train extra's h5py; skipped without).

``--runtime keras`` runs the same with the Keras fold files (the train extra) for comparison.
Goals (issue 16): import <= 1.0 s, first classify <= 2.0 s with model load, the command <= 3.0 s,
warm ``classify_sed`` >= 5,000 SEDs/s on 2 cores. Prints figures, never asserts.

    .venv/bin/python benchmarks/bench_coldstart.py [--repeat 3] [--runtime onnx|keras]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

MRK421 = (166.113808, 38.208833)
NAME = "Mrk 421"

# Forces the Keras runtime in the child (get_ensemble looks load_ensemble up at call time).
_KERAS = """
import vo_blazar.model.ensemble as _E
_load = _E.load_ensemble
_E.load_ensemble = lambda variant='gamma', **kw: _load(variant, runtime='keras', **kw)
"""

_BREAKDOWN = """
import json, time
t0 = time.perf_counter()
import vo_blazar
from astropy.coordinates import SkyCoord
from vo_blazar.pipeline import build_seds
from vo_blazar.classifier.classification import classify_sed, get_ensemble, GAMMA_LOG_NU
t1 = time.perf_counter()
{patch}
coord = SkyCoord({ra}, {dec}, unit="deg")
sed = build_seds(coord, None, offline=True)[0]
t2 = time.perf_counter()
gamma = bool(len(sed)) and bool((sed["frequency"].to_value("Hz") > 10 ** GAMMA_LOG_NU).any())
ens = get_ensemble("gamma" if gamma else "nogamma")
t3 = time.perf_counter()
res = classify_sed(sed)
t4 = time.perf_counter()
print(json.dumps({{"import": t1 - t0, "snapshot": t2 - t1, "models": t3 - t2, "first_prediction": t4 - t3,
                  "runtime": ens.runtime, "model": str(res["model"][0])}}))
"""

_DIRECT = """
import json, statistics, time
t0 = time.perf_counter()
import vo_blazar
from astropy.coordinates import SkyCoord
{patch}
res = vo_blazar.classify(SkyCoord({ra}, {dec}, unit="deg"), offline=True)
t1 = time.perf_counter()
warm = []
for _ in range(20):
    t = time.perf_counter()
    vo_blazar.classify(SkyCoord({ra}, {dec}, unit="deg"), offline=True)
    warm.append(time.perf_counter() - t)
out = {{"first_classify": t1 - t0, "warm_classify": statistics.median(warm)}}
try:
    import numpy as np
    from vo_blazar.classifier.classification import classify_sed
    from vo_blazar.training.archive import archive_sed, load_archive
    sources, points = load_archive()
    have = np.flatnonzero(np.asarray(sources["n_points"]) > 0)[:{n_seds}]
    seds = [archive_sed(sources, points, int(i)) for i in have]
    classify_sed(seds[:200])
    t = time.perf_counter()
    classify_sed(seds)
    out["classify_sed_per_s"] = len(seds) / (time.perf_counter() - t)
    t = time.perf_counter()
    classify_sed(seds[:1])
    out["warm_classify_sed_one"] = time.perf_counter() - t
except ImportError as exc:     # the archive needs h5py (train extra)
    out["classify_sed_skipped"] = str(exc)
print(json.dumps(out))
"""


def _run(code: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    if proc.returncode:
        sys.exit(f"child failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _wall(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    dt = time.perf_counter() - t0
    if proc.returncode:
        sys.exit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    return dt


def _median(rows: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="fresh processes per figure (median)")
    ap.add_argument("--runtime", choices=("onnx", "keras"), default="onnx")
    ap.add_argument("--n-seds", type=int, default=5000, help="archive SEDs for the classify_sed figure")
    args = ap.parse_args(argv)
    patch = _KERAS if args.runtime == "keras" else ""
    fmt = {"patch": patch, "ra": MRK421[0], "dec": MRK421[1], "n_seds": args.n_seds}
    print(f"cores: {os.cpu_count()} (load average {os.getloadavg()[0]:.1f}); runtime {args.runtime}; "
          f"median of {args.repeat} fresh processes")

    bare = statistics.median(_wall([sys.executable, "-c", "pass"]) for _ in range(args.repeat))
    imp = [_run("import json, time\nt = time.perf_counter()\nimport vo_blazar\n"
                "print(json.dumps({'import': time.perf_counter() - t}))") for _ in range(args.repeat)]
    print(f"interpreter start {bare:.2f} s; import vo_blazar {_median(imp, 'import'):.2f} s   goal <= 1.0 s")

    parts = [_run(_BREAKDOWN.format(**fmt)) for _ in range(args.repeat)]
    keys = ("import", "snapshot", "models", "first_prediction")
    total = sum(_median(parts, k) for k in keys)
    print(f"first offline classify of {NAME}, step by step "
          f"({parts[0]['runtime']}, {parts[0]['model']} model): "
          + ", ".join(f"{k.replace('_', ' ')} {_median(parts, k):.2f} s" for k in keys)
          + f"; sum {total:.2f} s")

    direct = [_run(_DIRECT.format(**fmt)) for _ in range(args.repeat)]
    first, warm = _median(direct, "first_classify"), _median(direct, "warm_classify")
    print(f"first offline classify(coord) incl. import and model load: {first:.2f} s   goal <= 2.0 s; "
          f"warm (same position, SED cached) {warm * 1e3:.1f} ms: first / warm = {first / warm:.0f}x")

    exe = Path(sys.executable).with_name("vo-blazar")
    cli = statistics.median(_wall([str(exe), "classify", NAME, "--offline"]) for _ in range(args.repeat)) \
        if not patch else float("nan")
    if patch:
        print("vo-blazar classify: measured with the default runtime only")
    else:
        print(f"vo-blazar classify {NAME!r} --offline: {cli:.2f} s wall   goal <= 3.0 s; "
              f"{cli / warm:.0f}x the warm classify call")

    if "classify_sed_per_s" in direct[0]:
        rate = _median(direct, "classify_sed_per_s")
        one = _median(direct, "warm_classify_sed_one")
        print(f"warm classify_sed on {args.n_seds} archive SEDs: {rate:,.0f} SEDs/s   goal >= 5,000 SEDs/s; "
              f"one SED {one * 1e3:.1f} ms warm")
    else:
        print(f"warm classify_sed: skipped ({direct[0]['classify_sed_skipped']})")


if __name__ == "__main__":
    main()
