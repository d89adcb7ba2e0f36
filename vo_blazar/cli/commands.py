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
from pathlib import Path

from astropy import units as u

from ..exceptions import VOBlazarError

__all__ = ["main", "build_parser"]

#: What only the ``train`` extra installs (``vo-blazar train``, the reports): a missing one is a
#: one-line hint, not a traceback.
TRAIN_MODULES = frozenset({"tensorflow", "keras", "sklearn", "h5py", "tf2onnx", "onnx"})


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--radius", type=float, default=None, metavar="ARCSEC",
                   help="cone-search radius in arcsec (default 15)")
    p.add_argument("--offline", action="store_true", default=None,
                   help="answer from the embedded offline snapshot (also VO_BLAZAR_OFFLINE=1)")
    p.add_argument("--catalogs", default=None,
                   help="comma-separated registry names to query (default: all)")


def radius_option(args) -> u.Quantity | None:
    """``--radius ARCSEC`` as a Quantity (None: the default radius)."""
    return None if args.radius is None else args.radius * u.arcsec


def catalogs_option(args) -> list[str] | None:
    """``--catalogs A,B`` as a list of registry names (None: all)."""
    return None if not args.catalogs else [c.strip() for c in args.catalogs.split(",") if c.strip()]


def _cmd_sed(args) -> int:
    from ..pipeline import build_sed
    from ..sed import write_sed
    from ..sky.target import parse_target
    coord = parse_target(" ".join(args.target), offline=args.offline)
    sed = build_sed(coord, radius_option(args), catalogs=catalogs_option(args), offline=args.offline)
    if args.output:
        write_sed(sed, args.output, overwrite=True)
        print(f"wrote {len(sed)} points to {args.output}")
    else:
        _print_sed(sed)
    return _sed_exit_status(sed, args)


def _sed_exit_status(sed, args) -> int:
    """Non-zero (3, as ``classify``) when the SED is empty and catalogues failed: with no network
    every catalogue fails, and "0 points" with status 0 looked like an empty sky."""
    failures = sed.meta.get("failures") or {}
    if len(sed) or not failures:
        return 0
    print(f"vo-blazar sed: error: no photometry; {len(failures)} of {len(sed.meta.get('catalogs', []))} "
          "catalogue(s) failed:", file=sys.stderr)
    for name, reason in failures.items():
        reason = " ".join(str(reason).split())
        print(f"  {name}: {reason[:160]}{'...' if len(reason) > 160 else ''}", file=sys.stderr)
    from ..config import offline_mode
    if not offline_mode(args.offline):
        print("hint: without network access use --offline (the embedded snapshot)", file=sys.stderr)
    return 3


def _print_sed(sed) -> None:
    target = sed.meta["target"]
    print(f"SED at RA {target.ra.deg:.5f} Dec {target.dec.deg:+.5f} "
          f"(radius {sed.meta['radius'].to_value(u.arcsec):g} arcsec, "
          f"{'offline snapshot' if sed.meta.get('offline') else 'live VO'}): {len(sed)} points")
    show = sed["frequency", "nufnu", "nufnu_err", "upper_limit", "catalog", "band", "separation"]
    for name, fmt in (("frequency", ".4e"), ("nufnu", ".4e"), ("nufnu_err", ".2e"), ("separation", ".2f")):
        show[name].info.format = fmt
    show.pprint(max_lines=-1, max_width=-1)
    for name, reason in sed.meta.get("failures", {}).items():
        print(f"  failed: {name}: {reason}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vo-blazar", description=__doc__.splitlines()[0].replace("``", ""))
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("sed", help="build the SED of one source")
    p.add_argument("target", nargs="+", help='"RA DEC" (degrees or sexagesimal) or a source name')
    _add_common(p)
    p.add_argument("-o", "--output", type=Path, help="write the SED (.ecsv, .vot, .fits, .csv)")
    p.set_defaults(func=_cmd_sed)

    for register in _optional_commands():
        register(sub, _add_common)
    return parser


def _optional_commands():
    """Subcommands that live next to their feature (classify/demo, train, candidates)."""
    from . import candidates, classify
    return [classify.register, candidates.register, _register_train, _register_check]


def _register_train(sub, add_common) -> None:
    from ..training import command as train_cli
    p = sub.add_parser("train", help="cross-validated training of the shipped networks")
    train_cli.add_arguments(p)
    p.set_defaults(func=train_cli.train_command)


def _register_check(sub, add_common) -> None:
    from ..access import check
    p = sub.add_parser("check-services",
                       help="one live query per registry catalogue: reachable, columns, units")
    check.add_arguments(p)
    p.set_defaults(func=check.command)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except VOBlazarError as exc:
        print(f"vo-blazar {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in TRAIN_MODULES:
            raise
        print(f"vo-blazar {args.command}: error: this needs the train extra ({exc.name} is not installed): "
              "pip install 'vo_blazar[train]'", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
