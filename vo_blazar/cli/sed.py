"""``vo-blazar sed`` (the SED of one source) and ``vo-blazar check-services`` (the live VO services
behind it, one probe query each)."""
from __future__ import annotations

import argparse
import sys

from astropy import units as u

from .options import (add_catalogs, add_offline, add_output, add_target_options, catalogs_option,
                      radius_option)

__all__ = ["register_sed", "register_check_services", "run_sed", "run_check_services", "EXIT_NO_DATA"]

#: Exit status of a run in which no catalogue gave any point (e.g. no network), as ``classify``.
EXIT_NO_DATA = 3


def register_sed(sub) -> None:
    """Add ``sed`` to the ``vo-blazar`` sub-parsers."""
    p = sub.add_parser("sed", help="build the SED of one source")
    p.add_argument("target", nargs="+", help='"RA DEC" (degrees or sexagesimal) or a source name')
    add_target_options(p)
    add_output(p, "the SED")
    p.set_defaults(func=run_sed)


def register_check_services(sub) -> None:
    """Add ``check-services`` to the ``vo-blazar`` sub-parsers."""
    p = sub.add_parser("check-services",
                       help="one live query per registry catalogue: reachable, columns, units")
    add_catalogs(p, help="comma-separated registry names to check (default: all)")
    p.add_argument("--timeout", type=float, default=None, metavar="S",
                   help="seconds per request (default: vo_blazar's conf.timeout)")
    add_offline(p, help="refused with a clear error: the check needs the network")
    p.set_defaults(func=run_check_services)


def run_sed(args: argparse.Namespace) -> int:
    """``vo-blazar sed``: print or write the SED; 3 when it is empty because catalogues failed."""
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


def _sed_exit_status(sed, args: argparse.Namespace) -> int:
    """Non-zero (`EXIT_NO_DATA`, as ``classify``) when the SED is empty and catalogues failed: with
    no network every catalogue fails, and "0 points" with status 0 looked like an empty sky."""
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
    return EXIT_NO_DATA


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


def run_check_services(args: argparse.Namespace) -> int:
    """``vo-blazar check-services``: 0 when every probe is ok, 1 with problems, 2 without network."""
    from ..access.check import check_services   # pyvo: only for this verb

    report = check_services(catalogs_option(args), timeout=args.timeout, offline=args.offline)
    print(report.format())
    if report.none_reachable:
        return 2
    return 0 if report.ok else 1
