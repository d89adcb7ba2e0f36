"""``vo-blazar train``: the options of a training run and the checks made before one starts.

The run itself is `vo_blazar.training.command.run_training` (the ``train`` extra: TensorFlow). It
writes the new fold ensembles into ``--out DIR``; the package's shipped models are replaced only
with ``--ship`` (after the new set is complete and exported to ONNX), and the replaced set is kept
in ``<out>/replaced/<variant>/``. Nothing here trains or writes before the options are checked.

Also runs as ``python -m vo_blazar.cli.train``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from ..exceptions import InputValueError
from ..grid.scaling import SCALING_KINDS
from ..model.ensemble import MODELS_DIR, VARIANTS
from ..training.config import PRESETS
from .errors import run_verb

__all__ = ["register", "add_arguments", "train_command", "main"]

#: The source checkout's docs folder: ``--docs-only`` regenerates its model card page by default.
REPO_DOCS = Path(__file__).resolve().parents[2] / "docs"


def register(sub) -> None:
    """Add ``train`` to the ``vo-blazar`` sub-parsers."""
    p = sub.add_parser("train", help="cross-validated training of the shipped networks")
    add_arguments(p)
    p.set_defaults(func=train_command)


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
                        help="folder to write the new models to (<out>/<variant>/; an earlier one is "
                             "renamed, not deleted); required unless --ship")
    parser.add_argument("--ship", action="store_true",
                        help=f"also replace the package's shipped models ({MODELS_DIR}) with the new "
                             "ones, exported to ONNX; the replaced set is kept in "
                             "<out>/replaced/<variant>/ (maintainers; <out> defaults to "
                             "build/train-<time>/)")
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
    """Training writes models only where it is told to: into ``--out``, and into the shipped
    networks, which every ``classify`` uses, only with ``--ship``."""
    from ..training.command import is_shipped_path

    if args.out is not None and is_shipped_path(args.out):
        raise InputValueError(f"--out {args.out} is the package's shipped models folder; train into "
                              "another folder (--ship then copies the new models there)")
    if not args.ship and args.out is None:
        raise InputValueError("vo-blazar train needs --out DIR (the folder to write the trained models "
                              f"to), or --ship to replace the package's shipped models in {MODELS_DIR}")


def train_command(args: argparse.Namespace) -> int:
    """Run ``vo-blazar train`` from parsed arguments; returns the exit status."""
    from ..training import command as training

    say = lambda s: print(s, flush=True)  # noqa: E731
    if args.threads is not None and args.threads < 1:
        # TensorFlow aborts the whole process (SIGABRT) on a negative thread count
        raise InputValueError(f"--threads must be a positive number of threads, got {args.threads}; "
                              "leave it out to use all cores")
    if args.docs_only:
        print(training.write_docs(args.docs or REPO_DOCS, root=args.out))
        return 0
    if args.same_coverage_study:
        out = training.run_same_coverage_study(preset=args.preset, scaling=args.scaling, n_folds=args.folds,
                                               epochs=args.epochs, patience=args.patience,
                                               archive=args.archive, threads=args.threads,
                                               docs_dir=args.docs, progress=say)
        for k in ("network", "gradient_boosting", "coverage_only"):
            print(f"{k}: ROC AUC {out[k]['roc_auc']['mean']:.4f} ± {out[k]['roc_auc']['std']:.4f}")
        return 0
    _check_destination(args)
    variants = VARIANTS if args.variant == "both" else (args.variant,)
    cards = training.run_training(variants=variants, preset=args.preset, scaling=args.scaling,
                                  n_folds=args.folds, epochs=args.epochs, patience=args.patience,
                                  seed=args.seed, threads=args.threads,
                                  coverage_balance=args.coverage_balance,
                                  out_dir=args.out, ship=args.ship, docs_dir=args.docs,
                                  archive=args.archive, baselines=not args.no_baselines, progress=say)
    for v, c in cards.items():
        m = c["metrics"]
        print(f"{v}: ROC AUC {m['roc_auc']['mean']:.4f} ± {m['roc_auc']['std']:.4f}, "
              f"blazars {100 * m['accuracy_blazar']['mean']:.1f} %, "
              f"non-blazars {100 * m['accuracy_nonblazar']['mean']:.1f} %")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m vo_blazar.cli.train``: the same as ``vo-blazar train``."""
    parser = add_arguments(argparse.ArgumentParser(prog="vo-blazar train",
                                                   description="Cross-validated training of the "
                                                               "shipped networks."))
    parser.set_defaults(func=train_command)
    return run_verb(parser.parse_args(argv), "train")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
