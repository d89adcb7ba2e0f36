"""Options that several ``vo-blazar`` verbs share, and what their values mean to the API.

Each shared option is defined here once (flag, type, metavar, default help); a verb passes its own
help text where the option means something particular to it (``check-services --offline`` is
refused, for example). The ``*_option`` functions turn parsed values into the arguments of
`vo_blazar.pipeline.build_sed` and friends; `output_format` is the one lookup of a table format
from an output file's suffix.

Nothing here imports more than argparse and astropy.units at module level, so that building the
parser (``vo-blazar --help``) stays fast.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from astropy import units as u

from ..exceptions import InputValueError

__all__ = ["OUTPUT_SUFFIXES", "add_radius", "add_offline", "add_catalogs", "add_target_options",
           "add_output", "add_regions", "add_samp", "add_no_progress", "radius_option",
           "catalogs_option", "output_format"]

#: The output suffixes the help texts name; each is a key of `vo_blazar.sed.io.FORMATS`, which
#: `output_format` reads (it also knows the aliases .xml, .votable and .fit). Spelled out here
#: because importing the SED readers to print ``--help`` would cost half a second.
OUTPUT_SUFFIXES = (".ecsv", ".vot", ".fits", ".csv")


def add_radius(parser: argparse.ArgumentParser,
               help: str = "cone-search radius in arcsec (default 15)") -> None:
    """``--radius ARCSEC`` (read with `radius_option`)."""
    parser.add_argument("--radius", type=float, default=None, metavar="ARCSEC", help=help)


def add_offline(parser: argparse.ArgumentParser,
                help: str = "answer from the embedded offline snapshot (also VO_BLAZAR_OFFLINE=1)") -> None:
    """``--offline``: None when not given, so that ``VO_BLAZAR_OFFLINE`` / ``conf.offline`` decide."""
    parser.add_argument("--offline", action="store_true", default=None, help=help)


def add_catalogs(parser: argparse.ArgumentParser,
                 help: str = "comma-separated registry names to query (default: all)") -> None:
    """``--catalogs A,B`` (read with `catalogs_option`)."""
    parser.add_argument("--catalogs", default=None, help=help)


def add_target_options(parser: argparse.ArgumentParser) -> None:
    """``--radius``, ``--offline`` and ``--catalogs``: how the SED of a position is built."""
    add_radius(parser)
    add_offline(parser)
    add_catalogs(parser)


def add_output(parser: argparse.ArgumentParser, what: str, more: str = "") -> None:
    """``-o/--output FILE``, its format chosen by suffix (`output_format`).

    The help reads "write <what> (.ecsv, .vot, .fits, .csv)<more>".
    """
    parser.add_argument("-o", "--output", type=Path,
                        help=f"write {what} ({', '.join(OUTPUT_SUFFIXES)}){more}")


def add_regions(parser: argparse.ArgumentParser,
                help: str = "write a DS9 (.reg) or CRTF (.crtf) region file") -> None:
    """``--regions FILE``: a region file, its format chosen by suffix (`vo_blazar.interop.regions`)."""
    parser.add_argument("--regions", type=Path, metavar="FILE", help=help)


def add_samp(parser: argparse.ArgumentParser, what: str = "the result") -> None:
    """``--samp``: send the table to a SAMP hub's clients."""
    parser.add_argument("--samp", action="store_true", help=f"send {what} to TOPCAT/Aladin over SAMP")


def add_no_progress(parser: argparse.ArgumentParser) -> None:
    """``--no-progress``: no progress bar on stderr."""
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def radius_option(args: argparse.Namespace) -> u.Quantity | None:
    """``--radius ARCSEC`` as a Quantity (None: the default radius)."""
    return None if args.radius is None else args.radius * u.arcsec


def catalogs_option(args: argparse.Namespace) -> list[str] | None:
    """``--catalogs A,B`` as a list of registry names (None: all)."""
    return None if not args.catalogs else [c.strip() for c in args.catalogs.split(",") if c.strip()]


def output_format(path: str | Path) -> str:
    """The astropy table format for an output file, from its suffix.

    Raises
    ------
    InputValueError
        For a suffix that names no known format.
    """
    from ..sed.io import FORMATS   # the SED readers: only when something is written

    fmt = FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise InputValueError(f"cannot tell the output format from {path}; use one of {sorted(FORMATS)}")
    return fmt
