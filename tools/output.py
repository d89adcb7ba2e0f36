"""Where a maintainer command writes: ``build/<name>/`` by default, the shipped location (inside
``vo_blazar/data/`` or ``docs/``) only when asked with ``--ship``. Nothing here deletes files."""
from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["REPO_ROOT", "BUILD_DIR", "add_output_options", "output_dir"]

REPO_ROOT = Path(__file__).resolve().parents[1]
BUILD_DIR = REPO_ROOT / "build"


def add_output_options(parser: argparse.ArgumentParser, name: str, shipped: Path) -> None:
    """``--out DIR`` (default ``build/<name>``) or ``--ship`` (write ``shipped``)."""
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--out", default=None, help=f"output folder (default: {BUILD_DIR / name})")
    where.add_argument("--ship", action="store_true",
                       help=f"write the shipped files in the source tree ({shipped})")
    parser.set_defaults(_output_name=name, _output_shipped=shipped)


def output_dir(args: argparse.Namespace) -> Path:
    """The folder chosen by `add_output_options`' options."""
    if args.ship:
        return Path(args._output_shipped)
    return Path(args.out) if args.out else BUILD_DIR / args._output_name
