"""The ``vo-blazar`` command line.

Subcommands: ``sed`` (build one SED), ``classify`` (one or many positions), ``demo`` (the main job
on the offline snapshot), ``train`` (cross-validated training), ``candidates`` (X-ray x radio search).
Errors that are the user's (bad coordinates, unknown names, unknown catalogues) print one clear line
and exit with status 2; anything else is a bug and shows its traceback. A ``sed`` or ``classify`` run
in which no row got any photometry because catalogues failed (e.g. no network) exits with status 3,
one line per failed catalogue (see docs/reliability.rst).
"""
from __future__ import annotations

import argparse
import sys
from typing import Callable, Sequence

from . import candidates, classify, sed, train
from .errors import TRAIN_MODULES, run_verb

__all__ = ["main", "build_parser", "VERBS", "TRAIN_MODULES"]

#: What adds each verb to the parser, in the order ``vo-blazar --help`` lists them. A verb's module
#: imports its heavy dependencies (pyvo, ONNX Runtime, TensorFlow) inside the verb's function, so
#: that building the parser stays fast.
VERBS: tuple[Callable, ...] = (sed.register_sed, classify.register, candidates.register, train.register,
                               sed.register_check_services)


def build_parser() -> argparse.ArgumentParser:
    """The ``vo-blazar`` parser with every verb of `VERBS`."""
    parser = argparse.ArgumentParser(prog="vo-blazar", description=__doc__.splitlines()[0].replace("``", ""))
    sub = parser.add_subparsers(dest="command", required=True)
    for register in VERBS:
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``vo-blazar`` with ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    args = build_parser().parse_args(argv)
    return run_verb(args, args.command)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
