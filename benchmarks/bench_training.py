"""Training speed (SEDs/s, s/epoch) and the grid-resolution x width x scaling trade-off.

Prints figures; nothing here is a timed test. On the labelled archive when it exists
(``python -m vo_blazar.training.archive``), else on random arrays named as such (speed only).

    python benchmarks/bench_training.py                      # speed of the shipped preset
    python benchmarks/bench_training.py --tradeoff --record  # grids x presets x scalings -> docs table

The trade-off runs one fold of a stratified subsample (``--subsample``) with early stopping,
and reports the ROC AUC on that fold and on its leakage-controlled (same-coverage) members.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parents[1]


def grid_for(name: str, scaling: str):
    import astropy.units as u

    from vo_blazar.grid import FrequencyGrid, default_grid

    if name == "registry":
        g = default_grid("gamma")
    else:  # logbinNN: NN log-spaced cells over the registry's range
        n = int(name.removeprefix("logbin"))
        g = FrequencyGrid.log_binned(n, 10 ** 8.3 * u.Hz, 10 ** 26.42 * u.Hz)
    return g.with_scaling(scaling)


ARCHIVE = None


def real_arrays(grid):
    from vo_blazar.training.archive import load_training_arrays
    from vo_blazar.training.command import _same_coverage_rows

    X, y, meta = load_training_arrays(grid, variant="gamma", path=ARCHIVE)
    Xs, ys, ms = load_training_arrays(grid, variant="gamma", subset="same_coverage", path=ARCHIVE)
    return X, y, {"X": Xs, "rows": _same_coverage_rows(meta, ms)}


def random_arrays(n, L, C=2, seed=0):
    """Random (meaningless) arrays: for speed figures only."""
    rng = np.random.default_rng(seed)
    X = np.zeros((n, L, C), np.float32)
    X[..., 0] = np.where(rng.random((n, L)) < 0.3, rng.uniform(0.01, 1, (n, L)), 0)
    if C == 3:
        X[..., 2] = np.where(X[..., 0] > 0, rng.uniform(0.01, 1, (n, L)), 0)
    return X, rng.integers(0, 2, n), None


def subsample(X, y, same, n, seed=0):
    from sklearn.model_selection import train_test_split

    if n >= len(y):
        return X, y, same
    keep, _ = train_test_split(np.arange(len(y)), train_size=n, stratify=y, random_state=seed)
    keep = np.sort(keep)
    if same is not None:
        pos = {int(r): i for i, r in enumerate(keep)}
        sel = [i for i, r in enumerate(same["rows"]) if int(r) in pos]
        same = {"X": same["X"][sel], "rows": np.array([pos[int(same["rows"][i])] for i in sel])}
    return X[keep], y[keep], same


def run_one(grid_name, preset_name, scaling, *, n_sub, epochs, threads):
    from vo_blazar.training.config import TrainingConfig, preset
    from vo_blazar.training.network import build_model
    from vo_blazar.training.cross_validation import cross_validate

    grid = grid_for(grid_name, scaling)
    try:
        X, y, same = real_arrays(grid)
        source = "labelled archive"
    except Exception as exc:  # no archive: speed only
        print(f"(no archive: {exc}; using random arrays, AUC meaningless)")
        X, y, same = random_arrays(20000, *grid.shape)
        source = "random arrays"
    X, y, same = subsample(X, y, same, n_sub)
    cfg = preset(preset_name, *grid.shape)
    tc = TrainingConfig(n_folds=5, epochs=epochs, patience=3)
    t0 = time.perf_counter()
    r = cross_validate(X, y, log_nu=grid.log_frequencies, model_config=cfg, training=tc,
                       scaling_kind=scaling, same_coverage=same, baselines=False, folds=[0],
                       saliency_samples=0, progress=lambda s: None)
    f = r.folds[0]
    row = {"grid": grid_name, "L": len(grid), "preset": preset_name, "scaling": scaling,
           "params": int(build_model(cfg, compile=False).count_params()),
           # a 10-fold run on the full archive trains on ~81 % of its ~20,700 SEDs
           "s/epoch (full set, est.)": round(0.81 * 20700 / f.history["seds_per_second"], 1),
           "train SEDs/s": round(f.history["seds_per_second"]),
           "epochs": f.history["epochs_run"],
           "ROC AUC": round(f.metrics["roc_auc"], 4),
           "same-cov. AUC": (round(f.metrics_leakage_controlled["roc_auc"], 4)
                             if f.metrics_leakage_controlled else None),
           "fold wall s": round(time.perf_counter() - t0, 1), "data": source, "n": int(len(y))}
    print(json.dumps(row), flush=True)
    return row


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tradeoff", action="store_true", help="grids x presets, plus the three scalings")
    ap.add_argument("--record", action="store_true",
                    help="write docs/_static/model/{tradeoff,scaling_comparison}.json")
    ap.add_argument("--grid", default="registry")
    ap.add_argument("--preset", default="cpu")
    ap.add_argument("--scaling", default="shape_level")
    ap.add_argument("--subsample", type=int, default=6000)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--archive", default=None, help="SED archive (default: the data set's default path)")
    args = ap.parse_args(argv)
    global ARCHIVE
    ARCHIVE = args.archive
    from vo_blazar.training.cross_validation import configure_threads

    configure_threads(args.threads)
    print(f"cores: {os.cpu_count()} (shared with other jobs; load average {os.getloadavg()[0]:.1f})")
    if not args.tradeoff:
        run_one(args.grid, args.preset, args.scaling, n_sub=args.subsample, epochs=args.epochs,
                threads=args.threads)
        return 0
    rows = [run_one(g, p, "shape_level", n_sub=args.subsample, epochs=args.epochs, threads=args.threads)
            for g in ("registry", "logbin64", "logbin128") for p in ("tiny", "cpu", "wide")]
    scal = [r for r in rows if r["grid"] == "registry" and r["preset"] == "cpu"]
    scal += [run_one("registry", "cpu", kind, n_sub=args.subsample, epochs=args.epochs, threads=args.threads)
             for kind in ("shape", "absolute")]
    if args.record:
        out = ROOT / "docs" / "_static" / "model"
        out.mkdir(parents=True, exist_ok=True)
        (out / "tradeoff.json").write_text(json.dumps(rows, indent=1) + "\n")
        (out / "scaling_comparison.json").write_text(json.dumps(scal, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
