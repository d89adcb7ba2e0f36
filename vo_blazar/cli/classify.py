"""``vo-blazar classify`` and ``vo-blazar demo``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from astropy import units as u

from .options import (add_no_progress, add_output, add_regions, add_samp, add_target_options,
                      catalogs_option, output_format, radius_option)
from .sed import EXIT_NO_DATA

__all__ = ["register", "run_classify", "run_demo", "DEMO_SOURCES", "EXIT_NO_DATA"]

#: The demo's famous blazars, by name (resolved offline from the snapshot's name table).
DEMO_SOURCES = ("TXS 0506+056", "Mrk 421", "Mrk 501", "3C 273", "3C 279", "BL Lac", "PKS 2155-304")


def register(sub) -> None:
    """Add ``classify`` and ``demo`` to the ``vo-blazar`` sub-parsers."""
    p = sub.add_parser("classify", help="classify one or many positions")
    p.add_argument("target", nargs="*", help='"RA DEC" (degrees or sexagesimal) or a source name')
    p.add_argument("--positions", type=Path,
                   help="file of positions (table with RA/Dec or name columns, or text lines)")
    add_target_options(p)
    p.add_argument("--no-gamma", action="store_true", help="use the model trained without gamma rays")
    p.add_argument("--gamma", action="store_true", help="use the model trained with gamma rays")
    add_output(p, "the result")
    p.add_argument("--plot", type=Path, metavar="DIR", help="write an SED plot per source into DIR")
    add_samp(p, "the result")
    add_regions(p)
    p.add_argument("--checkpoint", type=Path,
                   help="JSON-lines checkpoint; rerun with it to resume a killed batch")
    p.add_argument("--chunk-size", type=int, default=200, help="positions per batch chunk (default 200)")
    add_no_progress(p)
    p.set_defaults(func=run_classify)

    d = sub.add_parser("demo",
                       help="the main job end to end on the offline snapshot: famous blazars and quasars")
    d.add_argument("--output-dir", type=Path, default=Path("demo_output"),
                   help="where the table and plots go")
    d.set_defaults(func=run_demo)


def _gamma(args):
    if args.gamma and args.no_gamma:
        from ..exceptions import InputValueError
        raise InputValueError("--gamma and --no-gamma exclude each other")
    return True if args.gamma else (False if args.no_gamma else None)


def run_classify(args: argparse.Namespace) -> int:
    """``vo-blazar classify``: 0 when something was classified, 2 when no row was a position,
    `EXIT_NO_DATA` when no row got photometry because catalogues failed."""
    from ..classifier.batch import classify_batch, positions_from_texts, read_positions
    from ..exceptions import InputValueError

    parts = [positions_from_texts(args.target, offline=args.offline)] if args.target else []
    if args.positions:
        parts.append(read_positions(args.positions, offline=args.offline))
    if not parts:
        raise InputValueError("give at least one TARGET or --positions FILE")
    _check_outputs(args.output, args.regions)   # before the work, not after it
    from astropy.table import vstack
    positions = vstack(parts) if len(parts) > 1 else parts[0]
    result = classify_batch(positions, checkpoint=args.checkpoint, chunk_size=args.chunk_size,
                            radius=radius_option(args),
                            gamma=_gamma(args), offline=args.offline,
                            catalogs=catalogs_option(args),
                            progress=not args.no_progress)
    if result.meta.get("resumed_rows"):
        print(f"resumed from checkpoint {args.checkpoint}: {result.meta['resumed_rows']} of {len(result)} "
              "rows were already done", file=sys.stderr)
    _report(result, args.output, args.plot, args.samp, args.regions, offline=args.offline,
            radius=radius_option(args), catalogs=catalogs_option(args))
    return _exit_status(result, args)


def _check_outputs(output, regions_file) -> None:
    """Refuse an output name that cannot be written before classifying, not after."""
    from ..atomic import check_writable
    if output:
        output_format(output)
        check_writable(output)
    if regions_file:
        from ..exceptions import InputValueError
        from ..interop.regions import REGION_FORMATS
        if Path(regions_file).suffix.lower() not in REGION_FORMATS:
            raise InputValueError(f"cannot tell the region format from the suffix of {regions_file}; "
                                  f"use one of {sorted(REGION_FORMATS)}")
        check_writable(regions_file)


def _exit_status(result, args) -> int:
    """0 when something was classified; 2 when every row was bad input; `EXIT_NO_DATA` when no
    row got any photometry and catalogues failed: a table of NaN must not look like success."""
    n = len(result)
    if result.meta.get("input_errors", 0) == n:
        hint = ""
        texts = list(args.target or [])
        from ..sky.target import is_number
        if len(texts) == 2 and all(is_number(t) for t in texts):
            hint = f'; to give one position as RA DEC, quote it: "{texts[0]} {texts[1]}"'
        print(f"vo-blazar classify: error: none of the {n} row(s) could be read as a position{hint}",
              file=sys.stderr)
        return 2
    failures = result.meta.get("catalogue_failures") or {}
    no_data = np.all(np.asarray(result["n_points"]) + np.asarray(result["n_upper_limits"]) == 0)
    if not (failures and no_data):
        return 0
    print(f"vo-blazar classify: error: no row got any photometry; {len(failures)} catalogue(s) failed:",
          file=sys.stderr)
    for name, info in failures.items():
        reason = " ".join(str(info["reason"]).split())
        print(f"  {name}: {reason[:160]}{'...' if len(reason) > 160 else ''} ({info['rows']} row(s))",
              file=sys.stderr)
    from ..config import offline_mode
    if not offline_mode(args.offline):
        print("hint: without network access use --offline (the embedded snapshot), or check the "
              "services' status with a smaller --catalogs list", file=sys.stderr)
    return EXIT_NO_DATA


def _report(result, output, plot_dir, samp, regions_file, *, offline=None, radius=None,
            catalogs=None) -> None:
    from .display import format_results, summary_line
    # the answer's columns in full at any terminal width, notes abbreviated (full text in the file)
    print(format_results(result))
    if output:
        from ..atomic import atomic_path
        fmt = output_format(output)
        with atomic_path(output) as tmp:   # a kill mid-write leaves no truncated, valid-looking file
            result.write(tmp, format=fmt, overwrite=True)
        print(f"wrote {len(result)} rows to {output}")
    if plot_dir:
        _plots(result, Path(plot_dir), offline=offline, radius=radius, catalogs=catalogs)
    if regions_file:
        from ..interop.regions import positions_to_regions, write_regions
        write_regions(positions_to_regions(result), regions_file, overwrite=True)   # as -o does
        print(f"wrote regions to {regions_file}")
    if samp:
        from ..interop.samp import send_table
        send_table(result, name="vo_blazar classification")
        print("sent the result over SAMP")
    print(summary_line(result, written=str(output) if output else None))


def _plots(result, plot_dir: Path, *, offline=None, radius=None, catalogs=None) -> None:
    from astropy.coordinates import SkyCoord

    from ..interop.plotting import save_sed_plot
    from ..pipeline import build_seds
    plot_dir.mkdir(parents=True, exist_ok=True)
    ok = np.isfinite(result["ra"]) & np.isfinite(result["dec"])
    if not ok.any():
        return
    # the same request as the classification's, so the SEDs come back from the in-memory cache
    seds = build_seds(SkyCoord(result["ra"][ok], result["dec"][ok], unit="deg"), radius, offline=offline,
                      catalogs=catalogs)
    written, skipped = 0, []
    for row, sed in zip(result[ok], seds):
        if row["n_points"] + row["n_upper_limits"] == 0:
            skipped.append(str(row["name"]))   # nothing to draw; the table row says why
            continue
        safe = "".join(ch if ch.isalnum() or ch in "+-_." else "_" for ch in str(row["name"]))
        p = row["p_blazar"]
        saliency = grid_freq = None
        if np.isfinite(p):
            saliency, grid_freq = _saliency(sed, str(row["model"]))
        save_sed_plot(sed, plot_dir / f"{safe}.png", title=str(row["name"]),
                      p_blazar=None if not np.isfinite(p) else float(p), saliency=saliency,
                      grid_frequencies=grid_freq)
        written += 1
    print(f"wrote {written} SED plots to {plot_dir}/"
          + (f"; no plot for {len(skipped)} source(s) without photometry: "
             f"{', '.join(skipped)}" if skipped else ""))


def _saliency(sed, variant: str):
    """Gradient saliency of the fold ensemble over this SED's grid cells (mean over folds), one
    column per flux channel (shape and level), which the plot sums per frequency."""
    from ..classifier.classification import get_ensemble
    from ..grid.scaling import flux_channels
    ensemble = get_ensemble(variant)
    X = ensemble.grid.encode(sed)[None]
    # autodiff with Keras (train extra), central differences with ONNX Runtime (Ensemble.saliency)
    saliency = ensemble.saliency(X, channels=flux_channels(X.shape[2]))
    return saliency, ensemble.grid.frequencies


def run_demo(args: argparse.Namespace) -> int:
    """Classify famous blazars and a few catalogued quasars offline; table + plots."""
    from astropy.table import Table

    from ..access.names import resolve_name
    from ..classifier.batch import classify_batch

    names, ra, dec = [], [], []
    for name in DEMO_SOURCES:
        c = resolve_name(name)
        names.append(name); ra.append(c.ra.deg); dec.append(c.dec.deg)
    for name, r, d in _demo_quasars():
        names.append(name); ra.append(r); dec.append(d)
    positions = Table({"name": names, "ra": np.array(ra) * u.deg, "dec": np.array(dec) * u.deg,
                       "error": [""] * len(names)})
    print("vo_blazar demo: classifying famous blazars and SDSS/radio quasars "
          "on the embedded offline snapshot\n")
    result = classify_batch(positions, offline=True, progress=False)
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    _report(result, out / "classification.ecsv", out / "plots", False, out / "sources.reg", offline=True)
    return 0


def _demo_quasars(n_per_origin: int = 2):
    """A few non-blazars from the shipped labelled list (first rows per origin: deterministic)."""
    from ..labels import load_sources
    sources = load_sources()
    picked = []
    for origin in sorted(set(sources["origin"][sources["label"] == 0])):
        rows = sources[(sources["label"] == 0) & (sources["origin"] == origin)][:n_per_origin]
        picked += [(f"{r['name']} ({origin})", float(r["ra"]), float(r["dec"])) for r in rows]
    return picked
