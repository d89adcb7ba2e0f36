"""``vo-blazar candidates``: the X-ray x radio candidate search from the shell."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from astropy import units as u

from ..exceptions import InputValueError
from .options import (add_output, add_regions, add_samp, add_target_options, catalogs_option, output_format,
                      radius_option)

if TYPE_CHECKING:
    from astropy.table import Table

__all__ = ["register", "add_candidates_parser", "run_candidates", "write_candidates"]


def add_candidates_parser(subparsers, add_common=None) -> argparse.ArgumentParser:
    """Add the ``candidates`` subcommand to an argparse ``subparsers`` object.

    ``add_common`` is accepted for the callers of the old hook and ignored: the shared options
    (``--radius``, ``--offline``, ``--catalogs``) come from `vo_blazar.cli.options`.
    """
    p = subparsers.add_parser(
        "candidates", help="blazar candidates among X-ray sources with a radio counterpart",
        description="Match an X-ray and a radio list using positional errors, drop known blazars, "
                    "classify the rest and rank them by p_blazar.")
    p.add_argument("xray", help="X-ray list: a table file (any astropy-readable format) or a "
                                "registry catalogue name (e.g. 2RXS) fetched for the region")
    p.add_argument("radio", help="radio list: a table file or a registry catalogue name (e.g. NVSS)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--region", metavar="4FGL_NAME",
                       help="restrict to a 4FGL source's 95%% error ellipse, e.g. '4FGL J0509.4+0542'")
    where.add_argument("--cone", nargs=3, type=float, metavar=("RA", "DEC", "RADIUS_ARCMIN"),
                       help="restrict to a cone (ICRS degrees, radius in arcmin)")
    where.add_argument("--polygon", metavar="RA,DEC;RA,DEC;...",
                       help="restrict to a polygon of >= 3 ICRS vertices in degrees")
    p.add_argument("--xray-error", type=float, metavar="ARCSEC",
                   help="1-sigma X-ray positional error (default: the list's column, else 10)")
    p.add_argument("--radio-error", type=float, metavar="ARCSEC",
                   help="1-sigma radio positional error (default: the list's column, else 2)")
    p.add_argument("--xray-error-column", help="column of the X-ray positional errors")
    p.add_argument("--radio-error-column", help="column of the radio positional errors")
    p.add_argument("--k", type=float, default=3.0, help="match within k*sqrt(ex^2+er^2) (default 3)")
    p.add_argument("--xray-flux", metavar="COLUMN", help="X-ray energy-flux column")
    p.add_argument("--xray-flux-unit", help="its unit if the file has none (e.g. 'erg/(cm2 s)')")
    p.add_argument("--radio-flux", metavar="COLUMN", help="1.4 GHz flux-density column")
    p.add_argument("--radio-flux-unit", help="its unit if the file has none (e.g. mJy)")
    p.add_argument("--known", type=Path, help="known-blazar table (name, ra, dec) instead of the shipped one")
    p.add_argument("--keep-known", action="store_true",
                   help="keep known blazars in the ranking (flagged) instead of dropping them")
    p.add_argument("--dask", metavar="ADDRESS",
                   help="classify on a running Dask scheduler (e.g. tcp://host:8786)")
    p.add_argument("--chunk-size", type=int, default=None, help="positions per classifier task")
    add_target_options(p)
    add_output(p, "the ranked table", "; the dropped known blazars go to <name>_dropped_known<suffix>")
    add_regions(p, help="write a DS9 (.reg) or CRTF (.crtf) file")
    add_samp(p, "the table")
    p.add_argument("--top", type=int, default=20, help="rows to print (default 20)")
    p.set_defaults(func=run_candidates)
    return p


def register(sub) -> None:
    """Add ``candidates`` to the ``vo-blazar`` sub-parsers."""
    add_candidates_parser(sub)


def _region(args):
    from astropy.coordinates import SkyCoord

    if args.region:
        return args.region
    if args.cone:
        ra, dec, r = args.cone
        return (SkyCoord(ra * u.deg, dec * u.deg), r * u.arcmin)
    if args.polygon:
        try:
            pts = [tuple(float(v) for v in pair.split(","))
                   for pair in args.polygon.split(";") if pair.strip()]
            ra, dec = zip(*pts)
        except ValueError:
            raise InputValueError("--polygon must be 'ra,dec;ra,dec;...' in degrees, "
                                  f"got {args.polygon!r}") from None
        return SkyCoord(list(ra) * u.deg, list(dec) * u.deg)
    return None


def write_candidates(table: Table, path: str | Path) -> list[Path]:
    """Write a candidate table and its dropped known blazars (a second file next to it).

    The ``dropped_known`` table in ``meta`` cannot live in a file header, so it is written to
    ``<stem>_dropped_known<suffix>``; other meta values are written as they are.
    """
    path = Path(path)
    fmt = output_format(path)
    out = table.copy(copy_data=False)
    dropped = out.meta.pop("dropped_known", None)
    if fmt != "ascii.ecsv":  # FITS/VOTable headers take flat scalars only
        out.meta = {k: (v if isinstance(v, (int, float, str, bool)) else str(v)) for k, v in out.meta.items()}
    out.write(path, format=fmt, overwrite=True)
    written = [path]
    if dropped is not None and len(dropped):
        dpath = path.with_name(f"{path.stem}_dropped_known{path.suffix}")
        dropped.write(dpath, format=fmt, overwrite=True)
        written.append(dpath)
    return written


def run_candidates(args) -> int:
    """Run the ``candidates`` subcommand from parsed arguments."""
    from astropy.table import Table

    from ..crossmatch.candidates import candidates

    xerr = args.xray_error_column or (None if args.xray_error is None else args.xray_error * u.arcsec)
    rerr = args.radio_error_column or (None if args.radio_error is None else args.radio_error * u.arcsec)
    known = Table.read(args.known) if args.known else None
    client = None
    if args.dask:
        from distributed import Client
        client = Client(args.dask)
    try:
        result = candidates(
            str(args.xray), str(args.radio), region=_region(args), xray_error=xerr, radio_error=rerr,
            known=known, drop_known=not args.keep_known, client=client, offline=args.offline,
            k=args.k, xray_flux=args.xray_flux, radio_flux=args.radio_flux,
            xray_flux_unit=args.xray_flux_unit, radio_flux_unit=args.radio_flux_unit,
            radius=radius_option(args), catalogs=catalogs_option(args), chunk_size=args.chunk_size)
    finally:
        if client is not None:
            client.close()
    m = result.meta
    print(f"{m['n_pairs']} pairs; {m['n_known_pairs']} known blazars "
          f"({'dropped' if m['drop_known'] else 'kept, flagged'}); {m['n_candidates']} ranked. "
          f"X-ray error: {m['xray_error']}; radio error: {m['radio_error']}")
    show = result[[c for c in ("rank", "ra", "dec", "p_blazar", "p_blazar_std", "separation",
                               "alpha_rx", "known_name", "warnings") if c in result.colnames]]
    show[: args.top].pprint(max_lines=-1, max_width=200)
    if args.output:
        for p in write_candidates(result, args.output):
            print(f"wrote {p}")
    if args.regions:
        from ..interop.regions import positions_to_regions, write_regions
        # one circle per candidate, as large as the pair's match tolerance
        write_regions(positions_to_regions(result, radius=u.Quantity(result["match_tolerance"])),
                      args.regions, overwrite=True)
        print(f"wrote regions to {args.regions}")
    if args.samp:
        from ..interop.samp import send_table
        send_table(result, name="vo_blazar candidates")
    return 0
