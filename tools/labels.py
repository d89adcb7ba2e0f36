"""The labelled source list: blazars (label 1) and non-blazar AGN (label 0), de-duplicated.

Maintainer command (needs the shared real-data folder; its output ships with the package)::

    python -m tools.labels --shared /work/shared/data

writes ``vo_blazar/data/labels/sources.ecsv`` (the kept sources) and ``removed.ecsv`` (every
source that was left out, with the reason and the source it collided with).

Rules, applied in this order (``MATCH_RADIUS`` = 15 arcsec, the default SED cone radius, so two
kept sources never share their SED points):

1. Blazars, in priority order 5BZCAT, 3HSP, 4FGL-DR4 (bll/fsrq/bcu with a counterpart position):
   an entry within 15" of an already kept blazar is a duplicate; the kept entry records it in
   ``also_in``.
2. Known-blazar veto: every non-blazar within 15" of *any* entry of the three blazar lists (before
   de-duplication), of the 3LAC blazars, the Swift-BAT "Beamed AGN" or the Veron-Cetty BL Lacs of the
   2RXS x NVSS file is removed -- label conflicts, mostly 5BZQ FSRQs that are SDSS quasars.
3. Non-blazars, in priority order SDSS DR7, type-1 AGN, Stripe 82X, MUWCLASS AGN, DR16Q z>=3 radio,
   Lusso 2020, 4FGL-DR4 non-blazar AGN and galaxies, Swift-BAT Seyferts/LINERs/starbursts,
   2RXS/XMMSL2 x NVSS Veron-Cetty types A and Q, DustPedia galaxies, Molnar et al. radio galaxies: an entry within 15" of an already kept non-blazar (same list or an earlier one) is a
   duplicate.

The order of every input file is kept; no dictionary or file-system order enters the result.
"""
from __future__ import annotations

import argparse
import hashlib
from pathlib import Path
from typing import Sequence

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import Table, vstack

from vo_blazar.exceptions import InputValueError
from vo_blazar.logger import log
from vo_blazar.labels import LABELS_DIR, MATCH_RADIUS
from tools.output import add_output_options, output_dir
from tools.label_sources import BLAZAR_READERS, NONBLAZAR_READERS, VETO_READERS

__all__ = ["build_labels", "removal_counts", "summary", "main"]

_INPUT_FILES = ("blazars/bzcat5_combined.csv", "blazars/3hsp.fits", "fermi/4fgl_dr4_v35_bands.fits",
                "nonblazars/sdss_dr7_quasar_sed.dat", "nonblazars/type1_agn_sdss_spitzer_master_clean.dat",
                "nonblazars/s82x_hsc3_z0-1_gampen_1509_agn.fits", "nonblazars/muwclass_cscv2_td.csv",
                "nonblazars/dr16q_z3_radio_highz_inspected.csv", "nonblazars/lusso2020_table3.dat",
                "blazars/3lac_highlat.csv", "xray/swift_bat105month_BAT105.fits",
                "crossmatch/RadioLoudAGN_RadioSelected_2rxsXmmsl2NvssAllWise_no3LACbl.fits",
                "nonblazars/DustPedia_Combined_Photometry_2.2.csv", "nonblazars/DustPedia_HyperLEDA_Herschel.csv",
                "nonblazars/molnar2021_lowz_IRRC_combSamp.csv")
_COLUMNS = ("name", "ra", "dec", "label", "origin", "class", "provenance", "also_in")


def _coords(t: Table) -> SkyCoord:
    return SkyCoord(np.asarray(t["ra"], float) * u.deg, np.asarray(t["dec"], float) * u.deg, frame="icrs")


def _dedupe(new: Table, kept: list[Table], removed: list[dict], *, reason: str) -> Table:
    """Drop rows of ``new`` within MATCH_RADIUS of a kept row or of an earlier kept row of ``new``.

    Returns the surviving rows; each removal is appended to ``removed``, and for blazars the kept
    partner's ``also_in`` (in the ``kept`` tables, in place) names the duplicate.
    """
    n = len(new)
    drop = np.zeros(n, dtype=bool)
    partner: list[tuple[Table, int] | None] = [None] * n
    sep = np.zeros(n)
    c = _coords(new)
    if kept and n:
        ref = vstack(kept, metadata_conflicts="silent")
        offsets = np.cumsum([0] + [len(k) for k in kept])
        idx, d2, _ = c.match_to_catalog_sky(_coords(ref))
        hit = d2 < MATCH_RADIUS
        for i in np.flatnonzero(hit):
            j = int(idx[i])
            k = int(np.searchsorted(offsets, j, side="right") - 1)
            drop[i], partner[i], sep[i] = True, (kept[k], j - offsets[k]), d2[i].arcsec
    # within the list: greedy in file order
    if n > 1:
        i1, i2, d2, _ = c.search_around_sky(c, MATCH_RADIUS)
        pairs = i1 < i2
        i1, i2, d2 = i1[pairs], i2[pairs], d2[pairs].arcsec
        order = np.lexsort((i1, i2))
        for a, b, d in zip(i1[order], i2[order], d2[order]):
            if not drop[a] and not drop[b]:
                drop[b], partner[b], sep[b] = True, (new, int(a)), d
    for i in np.flatnonzero(drop):
        tab, j = partner[i]
        removed.append({"name": new["name"][i], "origin": new["origin"][i], "label": int(new["label"][i]),
                        "reason": reason, "matched_name": tab["name"][j], "matched_origin": tab["origin"][j],
                        "separation": round(float(sep[i]), 3)})
        if new["label"][i] == 1:  # remember which blazar lists also hold the kept source
            extra = f"{new['origin'][i]}:{new['name'][i]}"
            tab["also_in"][j] = extra if not tab["also_in"][j] else f"{tab['also_in'][j]};{extra}"
    return new[~drop]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_labels(shared: str | Path) -> tuple[Table, Table]:
    """Build the labelled source list from the shared data folder.

    Returns
    -------
    sources : `~astropy.table.Table`
        ``name, ra, dec, label, origin, class, provenance, also_in``.
    removed : `~astropy.table.Table`
        ``name, origin, label, reason, matched_name, matched_origin, separation`` (arcsec).
    """
    shared = Path(shared)
    if not (shared / "README.md").is_file():
        raise InputValueError(f"{shared} is not the shared data folder (no README.md there)")
    removed: list[dict] = []
    kept_blazars: list[Table] = []
    all_blazars: list[Table] = []
    inputs: dict[str, str] = {}
    for origin, reader in BLAZAR_READERS:
        t = reader(shared)
        t["label"] = np.ones(len(t), dtype=np.int8)
        t["also_in"] = np.zeros(len(t), dtype="U2000")
        all_blazars.append(t.copy())
        survivors = _dedupe(t, kept_blazars, removed,
                            reason="duplicate blazar (higher-priority list keeps it)")
        kept_blazars.append(survivors)
        log.info("%s: %d read, %d kept", origin, len(t), len(survivors))
    for origin, reader in VETO_READERS:   # known blazars that are no labelled source of their own
        t = reader(shared)
        t["label"] = np.ones(len(t), dtype=np.int8)
        t["also_in"] = np.zeros(len(t), dtype="U2000")
        all_blazars.append(t)
    veto = vstack(all_blazars, metadata_conflicts="silent")
    veto_c = _coords(veto)
    kept_neg: list[Table] = []
    for origin, reader in NONBLAZAR_READERS:
        t = reader(shared)
        t["label"] = np.zeros(len(t), dtype=np.int8)
        t["also_in"] = np.zeros(len(t), dtype="U2000")
        if "skip_reason" in t.colnames:  # rows the reader says carry no usable label
            skip = t["skip_reason"] != ""
            for i in np.flatnonzero(skip):
                removed.append({"name": t["name"][i], "origin": origin, "label": 0,
                                "reason": t["skip_reason"][i],
                                "matched_name": "", "matched_origin": "", "separation": np.nan})
            t = t[~skip]
            del t["skip_reason"]
        idx, d2, _ = _coords(t).match_to_catalog_sky(veto_c)
        near = d2 < MATCH_RADIUS
        for i in np.flatnonzero(near):
            removed.append({"name": t["name"][i], "origin": origin, "label": 0,
                            "reason": "within 15 arcsec of a known blazar",
                            "matched_name": veto["name"][idx[i]],
                            "matched_origin": veto["origin"][idx[i]],
                            "separation": round(float(d2[i].arcsec), 3)})
        survivors = _dedupe(t[~near], kept_neg, removed,
                            reason="duplicate non-blazar (higher-priority list keeps it)")
        kept_neg.append(survivors)
        log.info("%s: %d read, %d near a blazar, %d kept", origin, len(t), int(near.sum()), len(survivors))
    sources = vstack(kept_blazars + kept_neg, metadata_conflicts="silent")
    # also_in was sized generously; shrink to what is used so the file stays tidy
    width = max(1, max((len(s) for s in sources["also_in"]), default=1))
    sources["also_in"] = sources["also_in"].astype(f"U{width}")
    sources = sources[list(_COLUMNS)]
    sources["ra"].info.format = ".7f"
    sources["dec"].info.format = ".7f"
    for f in sorted(p for p in shared.rglob("*") if p.is_file() and p.suffix != ".md"):
        rel = f.relative_to(shared).as_posix()
        if rel in _INPUT_FILES:
            inputs[rel] = _sha256(f)
    sources.meta = {
        "description": "vo_blazar labelled sources: label 1 = blazar, 0 = non-blazar AGN",
        "match_radius_arcsec": float(MATCH_RADIUS.value),
        "rules": "see the docstring of tools.labels",
        "input_sha256": inputs,
    }
    rem = Table(rows=[[r[k] for k in ("name", "origin", "label", "reason", "matched_name", "matched_origin",
                                      "separation")] for r in removed],
                names=("name", "origin", "label", "reason", "matched_name", "matched_origin", "separation"),
                dtype=(str, str, np.int8, str, str, str, float)) if removed else Table()
    if len(rem):
        rem["separation"].unit = u.arcsec
    rem.meta = {"description": "sources left out of sources.ecsv and why"}
    return sources, rem


def removal_counts(removed: Table) -> list[tuple[str, str, int]]:
    """``(origin, reason, number removed)``, sorted by origin and reason."""
    if not len(removed):
        return []
    keys = sorted({(str(o), str(r)) for o, r in zip(removed["origin"], removed["reason"])})
    return [(o, r, int(((removed["origin"] == o) & (removed["reason"] == r)).sum())) for o, r in keys]


def summary(sources: Table, removed: Table) -> str:
    """Counts per label/origin and removals per reason, as text."""
    lines = [f"{len(sources)} sources: {int((sources['label'] == 1).sum())} blazars, "
             f"{int((sources['label'] == 0).sum())} non-blazars"]
    origins = list(dict.fromkeys(sources["origin"]))
    for o in origins:
        lines.append(f"  {o:16s} {int((sources['origin'] == o).sum()):6d}")
    lines.append(f"{len(removed)} removed:")
    for o, r, n in removal_counts(removed):
        lines.append(f"  {o:16s} {n:6d}  {r}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.labels",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--shared", required=True, help="the shared real-data folder (read only)")
    add_output_options(parser, "labels", LABELS_DIR)
    args = parser.parse_args(argv)
    sources, removed = build_labels(args.shared)
    out = output_dir(args)
    out.mkdir(parents=True, exist_ok=True)
    sources.write(out / "sources.ecsv", format="ascii.ecsv", overwrite=True)
    removed.write(out / "removed.ecsv", format="ascii.ecsv", overwrite=True)
    print(summary(sources, removed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
