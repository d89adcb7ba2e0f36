"""``vo-blazar train``: cross-validate, ship the fold ensembles, write the model card and plots.

Run as ``python -m vo_blazar.training.command`` or through the ``vo-blazar train`` sub-command
(`add_arguments` + `train_command`).
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ..exceptions import InputValueError
from ..grid.scaling import SCALING_KINDS
from ..logger import log
from .config import PRESETS, TrainingConfig, preset as get_preset
from ..model.ensemble import CARD_NAME, GRID_NAME, MODELS_DIR, VARIANTS, sha256_of

__all__ = ["run_training", "run_same_coverage_study", "write_docs", "train_command", "add_arguments", "main",
           "default_loader"]

REPO_DOCS = Path(__file__).resolve().parents[2] / "docs"


def default_loader(grid, variant: str, subset: str | None = None, *, archive: str | Path | None = None):
    """`vo_blazar.training.archive.load_training_arrays` (the labelled archive) -> X, y, meta."""
    from .archive import load_training_arrays

    return load_training_arrays(grid, variant=variant, subset=subset, path=archive)


def _same_coverage_rows(meta, meta_sc) -> np.ndarray:
    """Row index into the full set for each same-coverage SED, matched by source identifier."""
    for key in ("source_id", "name", "id"):
        if key in getattr(meta, "colnames", []) and key in getattr(meta_sc, "colnames", []):
            where = {str(v): i for i, v in enumerate(meta[key])}
            try:
                return np.array([where[str(v)] for v in meta_sc[key]], dtype=int)
            except KeyError as exc:
                raise InputValueError(f"same-coverage source {exc} is not in the full training set") from exc
    raise InputValueError("cannot match the same-coverage SEDs to the full set: no common identifier column")


def _counts(y: np.ndarray, meta) -> dict[str, Any]:
    d: dict[str, Any] = {"n_total": int(y.size), "n_blazar": int(y.sum()),
                         "n_nonblazar": int(y.size - y.sum())}
    info = dict(getattr(meta, "meta", {}) or {})
    d["archive"] = {k: info[k] for k in ("format", "build_command", "registry_version", "radius_arcsec",
                                         "sources_sha256", "n_sources", "n_points", "n_without_points")
                     if k in info}
    if meta is not None and "origin" in getattr(meta, "colnames", []):
        origins, n = np.unique(np.asarray(meta["origin"]).astype(str), return_counts=True)
        d["per_origin"] = {o: int(k) for o, k in zip(origins, n)}
    return d


def run_training(*, variants: Sequence[str] = VARIANTS, preset: str = "cpu", scaling: str = "shape_level",
                 n_folds: int = 10, epochs: int = 20, patience: int = 4, seed: int | None = None,
                 band_dropout: float | None = None, optical_ir_only: float | None = None,
                 coverage_balance: bool | None = None, out_dir: str | Path | None = None,
                 docs_dir: str | Path | None = None,
                 threads: int | None = None, folds: Sequence[int] | None = None, baselines: bool = True,
                 archive: str | Path | None = None, loader: Callable | None = None,
                 grid_factory: Callable | None = None,
                 progress: Callable[[str], None] | None = None) -> dict[str, dict[str, Any]]:
    """Cross-validate and ship one ensemble per variant.

    Parameters
    ----------
    variants : sequence of {"gamma", "nogamma"}
    preset : str
        Architecture preset (see `vo_blazar.training.config.PRESETS`).
    scaling : {"shape_level", "shape", "absolute"}
        Flux scaling of the grid (`vo_blazar.grid.scaling`); ``shape_level`` gives the network the
        SED's shape and its flux level as two channels.
    n_folds, epochs, patience, seed, band_dropout, optical_ir_only, coverage_balance
        Training settings (`TrainingConfig`; None keeps its default).
    out_dir : path, optional
        Root of the model folders (``<out_dir>/<variant>/``); default the package's shipped models.
    docs_dir : path, optional
        Where ``model_card.rst`` and ``_static/model/*.png`` go; None skips the docs.
    threads : int, optional
        TensorFlow threads.
    folds : sequence of int, optional
        Run only these folds (measurements; the result is then not a full ensemble).
    archive : path, optional
        The SED archive (default: `vo_blazar.training.archive.default_archive_path`).
    loader : callable, optional
        ``loader(grid, variant, subset) -> (X, y, meta)``; default `default_loader` on ``archive``.
    grid_factory : callable, optional
        ``grid_factory(variant) -> FrequencyGrid``; default ``default_grid(variant)``.

    Returns
    -------
    dict
        variant -> model card (as written to ``model_card.json``).
    """
    from ..model.card import build_card, write_card
    from .figures import plot_cv
    from .network import build_model, input_range
    from .cross_validation import configure_threads, cross_validate

    say = progress or log.info
    threads = configure_threads(threads)
    if loader is None:
        def loader(grid, variant, subset):
            return default_loader(grid, variant, subset, archive=archive)
    if grid_factory is None:
        from ..grid import default_grid

        grid_factory = default_grid
    kw = {k: v for k, v in dict(seed=seed, band_dropout=band_dropout, optical_ir_only=optical_ir_only,
                                coverage_balance=coverage_balance).items() if v is not None}
    training = TrainingConfig(n_folds=n_folds, epochs=epochs, patience=patience, **kw)
    root = Path(out_dir) if out_dir is not None else MODELS_DIR
    cards = {}
    for variant in variants:
        if variant not in VARIANTS:
            raise InputValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
        grid = grid_factory(variant).with_scaling(scaling)
        X, y, meta = loader(grid, variant, None)
        same = None
        try:
            X_sc, y_sc, meta_sc = loader(grid, variant, "same_coverage")
            rows = _same_coverage_rows(meta, meta_sc)
            if not np.array_equal(np.asarray(y)[rows], np.asarray(y_sc)):
                raise InputValueError("same-coverage labels disagree with the full set")
            same = {"X": X_sc, "rows": rows}
        except (InputValueError, NotImplementedError, KeyError) as exc:
            log.warning(f"no leakage-controlled evaluation for {variant}: {exc}")
        config = get_preset(preset, *grid.shape)
        vdir = root / variant
        tmp = root / f".{variant}.training"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
        say(f"[{variant}] {len(y)} SEDs ({int(np.sum(y))} blazars), grid {grid.version} ({len(grid)} cells), "
            f"scaling {scaling}, preset {preset}, {n_folds} folds"
            + (f", same-coverage {len(same['rows'])}" if same else ""))
        t0 = time.perf_counter()
        result = cross_validate(X, y, log_nu=grid.log_frequencies, model_config=config, training=training,
                                variant=variant, scaling_kind=grid.scaling.kind,
                                missing_value=grid.scaling.missing_value, floor=grid.scaling.floor,
                                same_coverage=same, out_dir=tmp, baselines=baselines,
                                folds=list(folds) if folds is not None else None, progress=say)
        weights = [{"file": Path(f.model_path).name, "sha256": sha256_of(f.model_path),
                    "bytes": Path(f.model_path).stat().st_size} for f in result.folds]
        counts = _counts(np.asarray(y), meta)
        if same is not None:
            counts["n_same_coverage"] = int(len(same["rows"]))
            counts["n_same_coverage_blazar"] = int(np.sum(np.asarray(y)[same["rows"]]))
        card = build_card(result, grid=grid, weights=weights, data_counts=counts, preset=preset,
                          n_parameters=int(build_model(config, compile=False).count_params()),
                          threads=threads,
                          extra={"input_range": input_range(X, grid.scaling.missing_value)})
        grid.save(tmp / GRID_NAME, overwrite=True)
        write_card(card, tmp / CARD_NAME)
        # swap in atomically-ish: the old shipped folder stays until the new one is complete
        if vdir.exists():
            shutil.rmtree(vdir)
        tmp.rename(vdir)
        cards[variant] = card
        say(f"[{variant}] done in {(time.perf_counter() - t0) / 60:.1f} min: ROC AUC "
            f"{card['metrics']['roc_auc']['mean']:.4f} ± {card['metrics']['roc_auc']['std']:.4f}; "
            f"same-coverage {card['metrics_leakage_controlled'].get('roc_auc', {}).get('mean')}")
        if docs_dir is not None:
            plot_cv(result, Path(docs_dir) / "_static" / "model")
    if docs_dir is not None and cards:
        write_docs(docs_dir, root=root)
    return cards


def run_same_coverage_study(*, preset: str = "wide", scaling: str = "shape", n_folds: int = 10,
                            epochs: int = 15,
                            patience: int = 3, archive: str | Path | None = None, threads: int | None = None,
                            docs_dir: str | Path | None = None, loader: Callable | None = None,
                            grid_factory: Callable | None = None,
                            progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Train and evaluate *only* on the leakage-controlled set (twelve shared IR-optical bands).

    The network and the gradient-boosting baseline see the same folds of the same-coverage SEDs,
    so neither can use band coverage; this is the comparison the issue's target refers to. Writes
    ``<docs_dir>/_static/model/same_coverage_trained.json`` when ``docs_dir`` is given.
    """
    from .cross_validation import configure_threads, cross_validate

    configure_threads(threads)
    if grid_factory is None:
        from ..grid import default_grid

        grid_factory = default_grid
    grid = grid_factory("gamma").with_scaling(scaling)
    X, y, _ = (loader or (lambda g, v, s: default_loader(g, v, s, archive=archive)))(
        grid, "gamma", "same_coverage")
    training = TrainingConfig(n_folds=n_folds, epochs=epochs, patience=patience, band_dropout=0.0,
                              optical_ir_only=0.0, shared_only=0.0, shared_copies=0)
    r = cross_validate(X, y, log_nu=grid.log_frequencies, model_config=get_preset(preset, *grid.shape),
                       training=training, variant="same_coverage", scaling_kind=grid.scaling.kind,
                       missing_value=grid.scaling.missing_value, floor=grid.scaling.floor,
                       saliency_samples=0, progress=progress or log.info)
    out = {"n": int(len(y)), "n_blazar": int(np.sum(y)), "n_folds": n_folds, "preset": preset,
           "scaling": scaling,
           "network": r.summary("metrics"), "gradient_boosting": r.baseline_summary("gradient_boosting"),
           "coverage_only": r.baseline_summary("coverage_only"), "wall_seconds": r.wall_seconds}
    if docs_dir is not None:
        p = Path(docs_dir) / "_static" / "model"
        p.mkdir(parents=True, exist_ok=True)
        from ..model.card import _clean

        (p / "same_coverage_trained.json").write_text(json.dumps(_clean(out), indent=1) + "\n")
    return out


def write_docs(docs_dir: str | Path, *, root: str | Path | None = None) -> Path:
    """Regenerate ``model_card.rst`` from the cards under ``root`` and the measured tables."""
    from ..model.card import read_card, render_rst

    root = Path(root) if root is not None else MODELS_DIR
    docs_dir = Path(docs_dir)
    cards = [read_card(root / v / CARD_NAME) for v in VARIANTS if (root / v / CARD_NAME).exists()]
    static = docs_dir / "_static" / "model"
    extra = {}
    for name in ("tradeoff", "scaling_comparison", "same_coverage_trained", "inference"):
        p = static / f"{name}.json"
        extra[name] = json.loads(p.read_text()) if p.exists() else None
    preset_cards = [read_card(p) for p in sorted((static / "preset_cards").glob("*.json"))]
    path = docs_dir / "model_card.rst"
    path.write_text(render_rst(cards, tradeoff=extra["tradeoff"],
                               scaling_comparison=extra["scaling_comparison"],
                               same_coverage_trained=extra["same_coverage_trained"],
                               inference=extra["inference"],
                               preset_cards=preset_cards), encoding="utf-8")
    return path


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Options of ``vo-blazar train``."""
    parser.add_argument("--variant", choices=[*VARIANTS, "both"], default="both",
                        help="which model to train (default both)")
    parser.add_argument("--preset", choices=sorted(PRESETS), default="cpu", help="network size (default cpu)")
    parser.add_argument("--scaling", choices=SCALING_KINDS, default="shape_level",
                        help="flux scaling of the grid (default shape_level: shape and level channels)")
    parser.add_argument("--folds", type=int, default=10, help="cross-validation folds (default 10)")
    parser.add_argument("--epochs", type=int, default=20, help="maximum epochs (default 20)")
    parser.add_argument("--patience", type=int, default=4, help="early-stopping patience (default 4)")
    parser.add_argument("--seed", type=int, default=None, help="random seed")
    parser.add_argument("--coverage-balance", action="store_true", default=None,
                        help="weight training SEDs so both classes weigh the same within each "
                             "band-coverage pattern")
    parser.add_argument("--threads", type=int, default=None, help="TensorFlow threads (default all cores)")
    parser.add_argument("--out", default=None,
                        help="model folder root to write (<out>/<variant>/); required unless --ship")
    parser.add_argument("--ship", action="store_true",
                        help=f"write the package's shipped models ({MODELS_DIR}), replacing them "
                             "(maintainers; same as --out pointing there)")
    parser.add_argument("--docs", default=None,
                        help="docs folder for model_card.rst and plots (default: none)")
    parser.add_argument("--archive", default=None, help="SED archive (default: the data set's default path)")
    parser.add_argument("--same-coverage-study", action="store_true",
                        help="instead: train and evaluate only on the twelve shared IR-optical bands")
    parser.add_argument("--docs-only", action="store_true",
                        help="only regenerate model_card.rst from the cards")
    parser.add_argument("--no-baselines", action="store_true", help="skip the gradient-boosting baselines")
    return parser


def _check_destination(args: argparse.Namespace) -> None:
    """Training writes models only where it is told to: the shipped networks, which every
    ``classify`` uses, are replaced only with ``--ship`` (or an explicit ``--out`` naming them)."""
    if args.ship and args.out is not None and Path(args.out).resolve() != MODELS_DIR.resolve():
        raise InputValueError(f"--ship writes the shipped models in {MODELS_DIR}; it excludes "
                              f"--out {args.out}")
    if not args.ship and args.out is None:
        raise InputValueError("vo-blazar train needs --out DIR (the folder to write the trained models "
                              f"to), or --ship to replace the package's shipped models in {MODELS_DIR}")


def train_command(args: argparse.Namespace) -> int:
    """Run ``vo-blazar train`` from parsed arguments; returns the exit status."""
    say = lambda s: print(s, flush=True)  # noqa: E731
    if args.threads is not None and args.threads < 1:
        # TensorFlow aborts the whole process (SIGABRT) on a negative thread count
        raise InputValueError(f"--threads must be a positive number of threads, got {args.threads}; "
                              "leave it out to use all cores")
    if args.docs_only:
        print(write_docs(args.docs or REPO_DOCS, root=args.out))
        return 0
    if args.same_coverage_study:
        out = run_same_coverage_study(preset=args.preset, scaling=args.scaling, n_folds=args.folds,
                                      epochs=args.epochs,
                                      patience=args.patience, archive=args.archive, threads=args.threads,
                                      docs_dir=args.docs, progress=say)
        for k in ("network", "gradient_boosting", "coverage_only"):
            print(f"{k}: ROC AUC {out[k]['roc_auc']['mean']:.4f} ± {out[k]['roc_auc']['std']:.4f}")
        return 0
    _check_destination(args)
    variants = VARIANTS if args.variant == "both" else (args.variant,)
    cards = run_training(variants=variants, preset=args.preset, scaling=args.scaling, n_folds=args.folds,
                         epochs=args.epochs, patience=args.patience, seed=args.seed, threads=args.threads,
                         coverage_balance=args.coverage_balance,
                         out_dir=MODELS_DIR if args.ship else args.out, docs_dir=args.docs,
                         archive=args.archive,
                         baselines=not args.no_baselines,
                         progress=say)
    for v, c in cards.items():
        m = c["metrics"]
        print(f"{v}: ROC AUC {m['roc_auc']['mean']:.4f} ± {m['roc_auc']['std']:.4f}, "
              f"blazars {100 * m['accuracy_blazar']['mean']:.1f} %, "
              f"non-blazars {100 * m['accuracy_nonblazar']['mean']:.1f} %")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = add_arguments(argparse.ArgumentParser(prog="vo-blazar train",
                                                   description=__doc__.splitlines()[0]))
    return train_command(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
