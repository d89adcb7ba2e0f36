"""Readers for the source lists in the shared real-data folder: one function per file, each
returning a plain Table with ``name``, ``ra``, ``dec`` (deg), ``origin``, ``class`` and ``provenance``.

These are maintainer tools (used by ``python -m tools.labels``); the package itself ships
only the resulting ``vo_blazar/data/labels/sources.ecsv``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.io import ascii as asc
from astropy.io import fits
from astropy.table import Table

from vo_blazar.exceptions import InputValueError

__all__ = ["BLAZAR_READERS", "NONBLAZAR_READERS", "VETO_READERS", "read_rass_nvss", "read_bat_agn",
           "read_molnar", "read_dustpedia", "read_4fgl_nonblazars", "read_bzcat5", "read_3hsp",
           "read_4fgl_blazars",
           "read_sdss_dr7", "read_type1_agn", "read_s82x", "read_muwclass_agn", "read_dr16q_radio",
           "read_lusso2020"]

_BZCAT_CLASS = {7211: "BZQ (FSRQ)", 7300: "BZB (BL Lac)", 7390: "BZB (BL Lac candidate)",
                7309: "BZG (BL Lac, host-dominated)", 7900: "BZU (uncertain type)"}


def _table(name, ra, dec, origin: str, cls, provenance) -> Table:
    n = len(name)
    t = Table()
    t["name"] = np.asarray(name, dtype=str)
    t["ra"] = np.asarray(ra, dtype=np.float64) * u.deg
    t["dec"] = np.asarray(dec, dtype=np.float64) * u.deg
    t["origin"] = np.full(n, origin)
    t["class"] = np.asarray(cls, dtype=str) if not isinstance(cls, str) else np.full(n, cls)
    t["provenance"] = np.asarray(provenance, dtype=str)
    good = np.isfinite(t["ra"]) & np.isfinite(t["dec"])
    if not good.all():
        raise InputValueError(f"{origin}: {np.count_nonzero(~good)} rows without a finite position")
    return t


def _rows(path: Path, n: int) -> list[str]:
    return [f"{path.parent.name}/{path.name} row {i + 1}" for i in range(n)]


def _name_position(names) -> SkyCoord:
    """Positions from SDSS-style names 'hhmmss.ss+ddmmss.s'."""
    ra, dec = [], []
    for s in names:
        s = s.strip().lstrip("J")
        k = max(s.find("+"), s.find("-"))
        a, d = s[:k], s[k:]
        ra.append(f"{a[0:2]}h{a[2:4]}m{a[4:]}s")
        dec.append(f"{d[0:3]}d{d[3:5]}m{d[5:]}s")
    return SkyCoord(ra, dec, frame="icrs")


def read_bzcat5(shared: Path) -> Table:
    """5BZCAT (the 90 % shared rows): every class -- FSRQ, BL Lac (and candidates), host-dominated
    BL Lac, uncertain type -- because the catalogue lists only sources its authors call blazars."""
    path = shared / "blazars" / "bzcat5_combined.csv"
    t = Table.read(path, format="ascii.csv")
    c = SkyCoord(t["RA (J2000.0)"], t["Dec (J2000.0)"], unit=(u.hourangle, u.deg), frame="icrs")
    cls = [_BZCAT_CLASS.get(int(k), f"5BZCAT class {k}") for k in t["Class"]]
    return _table(t["BZCAT5 Source name"], c.ra.deg, c.dec.deg, "5BZCAT", cls, _rows(path, len(t)))


def read_3hsp(shared: Path) -> Table:
    """3HSP: all 2,011 rows (high-synchrotron-peaked blazars and candidates with a figure of merit);
    ``sflag`` is kept in the class text so that a stricter selection stays possible."""
    path = shared / "blazars" / "3hsp.fits"
    t = Table.read(path)
    cls = [f"HSP (sflag={int(s) if s is not np.ma.masked else -1})" for s in t["sflag"]]
    return _table([str(n).strip() for n in t["Name"]], t["ra"], t["dec"], "3HSP", cls, _rows(path, len(t)))


def read_4fgl_blazars(shared: Path) -> Table:
    """4FGL-DR4 sources of CLASS1 bll/fsrq/bcu (identified or associated) that have a counterpart
    position: the counterpart (radio/optical) position, not the gamma-ray localisation, is the target."""
    path = shared / "fermi" / "4fgl_dr4_v35_bands.fits"
    with fits.open(path) as hdul:
        d = hdul[1].data
        cls = np.char.strip(np.char.lower(np.asarray(d["CLASS1"]).astype(str)))
        ra, dec = np.asarray(d["RA_Counterpart"], float), np.asarray(d["DEC_Counterpart"], float)
        keep = np.isin(cls, ["bll", "fsrq", "bcu"]) & np.isfinite(ra) & np.isfinite(dec)
        names = np.char.strip(np.asarray(d["Source_Name"]).astype(str))
        assoc = np.char.strip(np.asarray(d["ASSOC1"]).astype(str))
        rows = np.flatnonzero(keep)
    prov = [f"fermi/{path.name} row {i + 1} (ASSOC1 {assoc[i]})" for i in rows]
    return _table(names[rows], ra[rows], dec[rows], "4FGL-DR4", cls[rows], prov)


def read_sdss_dr7(shared: Path) -> Table:
    """SDSS DR7 quasars (Lyu & Rieke 'good' sample, 90 % shared rows); position from ``objname``."""
    path = shared / "nonblazars" / "sdss_dr7_quasar_sed.dat"
    t = asc.read(path, format="basic", guess=False)
    names = [str(n) for n in t["objname"]]
    c = _name_position(names)
    return _table([f"SDSS J{n}" for n in names], c.ra.deg, c.dec.deg, "SDSS_DR7_QSO", "QSO",
                  _rows(path, len(t)))


def read_type1_agn(shared: Path) -> Table:
    """Type-1 AGN (PG quasars, SDSS x Spitzer AGN); positions from the master file."""
    path = shared / "nonblazars" / "type1_agn_sdss_spitzer_master_clean.dat"
    # header lines are all comments; the columns are objname, RA, Dec (deg), sample-id
    t = asc.read(path, format="no_header", guess=False, comment="#",
                 names=("objname", "RA", "Dec", "sample-id"))
    cls = [f"type-1 AGN ({s})" for s in t["sample-id"]]
    return _table([str(n) for n in t["objname"]], t["RA"], t["Dec"], "TYPE1_AGN", cls, _rows(path, len(t)))


def read_s82x(shared: Path) -> Table:
    """Stripe 82X X-ray selected AGN (z < 1) at their counterpart position; the 2 rows whose optical
    spectrum says STAR are left out (an X-ray source with a stellar spectrum is no AGN label)."""
    path = shared / "nonblazars" / "s82x_hsc3_z0-1_gampen_1509_agn.fits"
    t = Table.read(path)
    spec = np.char.strip(np.asarray(t["SPEC_CLASS"]).astype(str))
    names = [f"S82X {int(r)}" for r in t["REC_NO"]]
    cls = [f"X-ray AGN ({s or 'no spectrum'})" for s in spec]
    out = _table(names, t["CTP_RA"], t["CTP_DEC"], "S82X_AGN", cls, _rows(path, len(t)))
    out["skip_reason"] = np.where(spec == "STAR", "optical spectrum classified STAR", "")
    return out


def read_muwclass_agn(shared: Path) -> Table:
    """MUWCLASS training set rows whose literature label ``True_Class`` is AGN."""
    path = shared / "nonblazars" / "muwclass_cscv2_td.csv"
    t = Table.read(path, format="ascii.csv")
    rows = np.flatnonzero(np.asarray(t["True_Class"]).astype(str) == "AGN")
    prov = np.asarray(_rows(path, len(t)))[rows]
    return _table(np.asarray(t["CSCv2_name"]).astype(str)[rows], np.asarray(t["CSCv2_RA"])[rows],
                  np.asarray(t["CSCv2_DEC"])[rows], "MUWCLASS_AGN", "AGN (Veron-Cetty & Veron 2010)", prov)


def read_dr16q_radio(shared: Path) -> Table:
    """SDSS DR16Q quasars at z >= 3 with radio cross-matches: the radio-bearing negatives. All rows are
    quasars; the visual-inspection quality of the radio match (``Sample``) is kept in the class text."""
    path = shared / "nonblazars" / "dr16q_z3_radio_highz_inspected.csv"
    t = Table.read(path, format="ascii.csv")
    cls = [f"z>=3 QSO, radio match {s}" for s in np.asarray(t["Sample"]).astype(str)]
    return _table([f"SDSS J{n}" for n in np.asarray(t["sdss_name"]).astype(str)], t["sdss_ra"], t["sdss_dec"],
                  "DR16Q_Z3_RADIO", cls, _rows(path, len(t)))


def read_lusso2020(shared: Path) -> Table:
    """Lusso et al. 2020 quasars (Hubble-diagram sample)."""
    path = shared / "nonblazars" / "lusso2020_table3.dat"
    # byte layout from lusso2020_ReadMe.txt (which names the file table3.dat, so astropy's CDS
    # reader cannot pair them): Name 3-25, RAdeg 29-38, DEdeg 40-50, Group 105 (1-based, inclusive)
    lines = [ln for ln in path.read_text().splitlines() if ln.strip()]
    names = [ln[2:25].strip() for ln in lines]
    ra = [float(ln[28:38]) for ln in lines]
    dec = [float(ln[39:50]) for ln in lines]
    cls = [f"QSO (Lusso group {ln[104:105]})" for ln in lines]
    return _table(names, ra, dec, "LUSSO2020", cls, _rows(path, len(lines)))


def _fits_table(path: Path) -> Table:
    import warnings

    with warnings.catch_warnings():   # FITS-plus files: TUNIT strings astropy does not know
        warnings.simplefilter("ignore")
        return Table.read(path, hdu=1)


def _strings(col) -> np.ndarray:
    return np.char.strip(np.asarray(col.filled("") if hasattr(col, "filled") else col).astype(str))


_RASS_NVSS = "crossmatch/RadioLoudAGN_RadioSelected_2rxsXmmsl2NvssAllWise_no3LACbl.fits"


def read_rass_nvss(shared: Path) -> Table:
    """2RXS/XMMSL2 x NVSS x AllWISE sources (85 % shared rows) at their NVSS position: Veron-Cetty &
    Veron types A (AGN) and Q (quasar) are the negatives; type B (BL Lac) and unclassified (N) rows
    carry no usable label and are left out with that reason."""
    path = shared / _RASS_NVSS
    t = _fits_table(path)
    typ = _strings(t["Type_vv10"])
    rxs, xmm = _strings(t["2RXS_ID"]), _strings(t["XMMSL2_ID"])
    names = np.where((rxs != "N/A") & (rxs != ""), rxs, xmm)
    cls = np.array([f"VCV type {k}" for k in typ])
    out = _table(names, t["RA"], t["DEC"], "RASS_NVSS", cls, _rows(path, len(t)))
    out["skip_reason"] = np.where(typ == "B", "Veron-Cetty type B (BL Lac): a blazar, not a negative",
                                  np.where(np.isin(typ, ["A", "Q"]), "", "no Veron-Cetty type (unlabelled)"))
    return out


#: Swift-BAT 105-month types used as non-blazar AGN (Seyferts, LINERs, starbursts); "Beamed AGN" are
#: blazars (veto), Galactic and unidentified sources are not the population this package classifies.
_BAT_AGN = ("Sy1", "Sy1.2", "Sy1.5", "Sy1.8", "Sy1.9", "Sy1;broad-line AGN", "Sy2", "Sy2 candidate", "LINER",
            "Starburst galaxy")


def read_bat_agn(shared: Path) -> Table:
    """Swift-BAT 105-month Seyferts, LINERs and starbursts at their counterpart position."""
    path = shared / "xray" / "swift_bat105month_BAT105.fits"
    t = _fits_table(path)
    typ = _strings(t["TYPE"])
    ra = np.where(np.isfinite(np.asarray(t["CTPT_RA"], float)), np.asarray(t["CTPT_RA"], float),
                  np.asarray(t["RA"], float))
    dec = np.where(np.isfinite(np.asarray(t["CTPT_DEC"], float)), np.asarray(t["CTPT_DEC"], float),
                   np.asarray(t["DEC"], float))
    keep = np.isin(typ, _BAT_AGN)
    prov = np.asarray(_rows(path, len(t)))
    names = np.array([f"{b} ({c})" for b, c in zip(_strings(t["BAT_NAME"]), _strings(t["COUNTERPART_NAME"]))])
    return _table(names[keep], ra[keep], dec[keep], "BAT105_AGN", [f"BAT {k}" for k in typ[keep]], prov[keep])


_BPT = {"0": "SFG", "1": "composite", "2": "AGN", "4": "BPT flag 4 (undocumented)", "": "no BPT class"}


def read_molnar(shared: Path) -> Table:
    """Molnar et al. 2021 SDSS galaxies with 1.4 GHz fluxes (90 % shared rows), classed by BPT."""
    path = shared / "nonblazars" / "molnar2021_lowz_IRRC_combSamp.csv"
    t = Table.read(path, format="ascii.csv")
    bpt = [str(int(v)) if v is not np.ma.masked and np.isfinite(v) else "" for v in t["BPTflag"]]
    cls = [f"radio galaxy, {_BPT.get(b, 'BPT ' + b)}" for b in bpt]
    return _table([f"SDSS {int(o)}" for o in t["ObjID"]], t["RA"], t["Dec"], "MOLNAR_GALAXIES", cls,
                  _rows(path, len(t)))


def read_dustpedia(shared: Path) -> Table:
    """DustPedia nearby galaxies (88 % shared rows), classed by their HyperLEDA type."""
    path = shared / "nonblazars" / "DustPedia_Combined_Photometry_2.2.csv"
    t = Table.read(path, format="ascii.csv")
    leda = Table.read(shared / "nonblazars" / "DustPedia_HyperLEDA_Herschel.csv", format="ascii.csv")
    kind = dict(zip(_strings(leda["objname"]), _strings(leda["type"])))
    cls = [f"galaxy ({kind.get(str(n).strip(), '') or 'no type'})" for n in t["name"]]
    return _table([str(n) for n in t["name"]], t["ra"], t["dec"], "DUSTPEDIA", cls, _rows(path, len(t)))


#: 4FGL-DR4 classes of gamma-ray emitting AGN and galaxies that are not blazars.
_4FGL_NONBLAZAR = ("rdg", "agn", "sey", "nlsy1", "ssrq", "css", "sbg", "gal")


def read_4fgl_nonblazars(shared: Path) -> Table:
    """4FGL-DR4 radio galaxies, Seyferts, NLSy1, steep-spectrum quasars, starburst and normal galaxies,
    at their counterpart position."""
    path = shared / "fermi" / "4fgl_dr4_v35_bands.fits"
    with fits.open(path) as hdul:
        d = hdul[1].data
        cls = np.char.strip(np.char.lower(np.asarray(d["CLASS1"]).astype(str)))
        ra, dec = np.asarray(d["RA_Counterpart"], float), np.asarray(d["DEC_Counterpart"], float)
        keep = np.isin(cls, _4FGL_NONBLAZAR) & np.isfinite(ra) & np.isfinite(dec)
        names = np.char.strip(np.asarray(d["Source_Name"]).astype(str))
        assoc = np.char.strip(np.asarray(d["ASSOC1"]).astype(str))
        rows = np.flatnonzero(keep)
    prov = [f"fermi/{path.name} row {i + 1} (ASSOC1 {assoc[i]})" for i in rows]
    return _table(names[rows], ra[rows], dec[rows], "4FGL_NONBLAZAR", [f"4FGL {c}" for c in cls[rows]], prov)


def read_3lac_veto(shared: Path) -> Table:
    """3LAC blazar counterparts (bll, fsrq, bcu): only to veto negatives near a known blazar."""
    path = shared / "blazars" / "3lac_highlat.csv"
    t = Table.read(path, format="ascii.csv")
    cls = np.char.strip(np.char.lower(np.asarray(t["SpCl"]).astype(str)))
    keep = np.char.startswith(cls, "bll") | np.char.startswith(cls, "fsrq") | np.char.startswith(cls, "bcu")
    return _table(np.asarray(t["CName"]).astype(str)[keep], np.asarray(t["RAJ2000"])[keep],
                  np.asarray(t["DEJ2000"])[keep], "3LAC", cls[keep], np.asarray(_rows(path, len(t)))[keep])


def read_bat_beamed(shared: Path) -> Table:
    """Swift-BAT 105-month "Beamed AGN" (blazars) at their counterpart position: veto only."""
    path = shared / "xray" / "swift_bat105month_BAT105.fits"
    t = _fits_table(path)
    keep = _strings(t["TYPE"]) == "Beamed AGN"
    keep &= np.isfinite(np.asarray(t["CTPT_RA"], float))
    return _table(_strings(t["BAT_NAME"])[keep], np.asarray(t["CTPT_RA"])[keep],
                  np.asarray(t["CTPT_DEC"])[keep],
                  "BAT105_BEAMED", "Beamed AGN", np.asarray(_rows(path, len(t)))[keep])


def read_vcv_blazars(shared: Path) -> Table:
    """Veron-Cetty type B (BL Lac) rows of the 2RXS/XMMSL2 x NVSS file, NVSS position: veto only."""
    path = shared / _RASS_NVSS
    t = _fits_table(path)
    keep = _strings(t["Type_vv10"]) == "B"
    return _table(_strings(t["NAME_vv10"])[keep], np.asarray(t["RA"])[keep], np.asarray(t["DEC"])[keep],
                  "VCV_BLLAC", "VCV type B", np.asarray(_rows(path, len(t)))[keep])


#: In priority order: a source found in several lists keeps the first list's entry.
BLAZAR_READERS: tuple[tuple[str, Callable[[Path], Table]], ...] = (
    ("5BZCAT", read_bzcat5), ("3HSP", read_3hsp), ("4FGL-DR4", read_4fgl_blazars))
NONBLAZAR_READERS: tuple[tuple[str, Callable[[Path], Table]], ...] = (
    ("SDSS_DR7_QSO", read_sdss_dr7), ("TYPE1_AGN", read_type1_agn), ("S82X_AGN", read_s82x),
    ("MUWCLASS_AGN", read_muwclass_agn), ("DR16Q_Z3_RADIO", read_dr16q_radio), ("LUSSO2020", read_lusso2020),
    ("4FGL_NONBLAZAR", read_4fgl_nonblazars), ("BAT105_AGN", read_bat_agn), ("RASS_NVSS", read_rass_nvss),
    ("DUSTPEDIA", read_dustpedia), ("MOLNAR_GALAXIES", read_molnar))
#: Known blazars that are not labelled sources themselves, only a veto: no negative within 15" of them.
VETO_READERS: tuple[tuple[str, Callable[[Path], Table]], ...] = (
    ("3LAC", read_3lac_veto), ("BAT105_BEAMED", read_bat_beamed), ("VCV_BLLAC", read_vcv_blazars))
