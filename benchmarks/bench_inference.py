"""Batched inference speed of the shipped fold ensembles (SEDs per second), printed.

    python benchmarks/bench_inference.py [--n 20000] [--threads 2] [--runtime onnx|keras]

Uses encoded SEDs from the labelled archive when it exists, else random arrays (speed only).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--threads", type=int, default=None, help="TensorFlow threads (Keras runtime)")
    ap.add_argument("--batch", type=int, default=None,
                    help="default: the runtime's own (ONNX 256, Keras 4096)")
    ap.add_argument("--runtime", choices=("onnx", "keras"), default="onnx")
    ap.add_argument("--record", action="store_true", help="write docs/_static/model/inference.json")
    args = ap.parse_args(argv)
    from vo_blazar.model.ensemble import load_ensemble

    if args.runtime == "keras":
        from vo_blazar.training.cross_validation import configure_threads
        configure_threads(args.threads)
    rows = []
    print(f"cores: {os.cpu_count()} (shared with other jobs; load average {os.getloadavg()[0]:.1f})")
    for variant in ("gamma", "nogamma"):
        t0 = time.perf_counter()
        ens = load_ensemble(variant, runtime=args.runtime)
        t_load = time.perf_counter() - t0
        try:
            from vo_blazar.training.archive import load_training_arrays

            X = load_training_arrays(ens.grid, variant=variant)[0][: args.n]
            src = "labelled archive"
        except Exception:
            rng = np.random.default_rng(0)
            L = len(ens.grid)
            X = np.where(rng.random((args.n, L, 1)) < 0.3, rng.uniform(0.01, 1, (args.n, L, 1)), 0)
            X = np.concatenate([X, np.zeros_like(X)], axis=2).astype(np.float32)
            src = "random arrays"
        ens.predict(X[:64])  # warm-up (graph tracing)
        ens.predict(X[:300])
        t0 = time.perf_counter()
        ens.predict(X, batch_size=args.batch)
        dt = time.perf_counter() - t0
        t1 = time.perf_counter()
        for i in range(20):
            ens.predict(X[i:i + 1])
        single = (time.perf_counter() - t1) / 20
        print(f"{variant}: {len(ens)} folds on {ens.runtime}, load {t_load:.2f} s; "
              f"batched {len(X)} SEDs ({src}) in {dt:.2f} s = "
              f"{len(X) / dt:.0f} SEDs/s for the whole ensemble; one SED {1000 * single:.0f} ms")
        rows.append({"variant": variant, "runtime": ens.runtime, "folds": len(ens),
                     "load s": round(t_load, 2), "SEDs": len(X),
                     "batched SEDs/s (ensemble)": round(len(X) / dt), "one SED ms": round(1000 * single),
                     "threads": args.threads or os.cpu_count(), "load average": round(os.getloadavg()[0], 1)})
    if args.record:
        import json
        from pathlib import Path

        out = Path(__file__).resolve().parents[1] / "docs" / "_static" / "model" / "inference.json"
        out.write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
