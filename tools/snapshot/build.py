"""Maintainer command: build the embedded offline snapshot from the real files in ../shared/data.

    python -m tools.snapshot.build --shared /work/shared/data

Every published value in those files becomes a row of the registry catalogue it came from, at
the source's position, in that catalogue's OWN column names and units (e.g. a 5BZCAT W1
magnitude becomes an ``AllWISE`` row with ``W1mag``), so that offline SEDs go through exactly the
same registry mapping and photometry as live VO answers.  Nothing is invented: a band a file does
not give is simply absent (never an upper limit); only published upper limits (4FGL-DR4 bands)
are limits.  Each row keeps ``_origin`` (file), ``_origin_row`` (0-based data row) and
``_dereddened`` (True where the file's photometry is already corrected for Galactic extinction).
The mapping decisions are written to ``vo_blazar/data/snapshot/PROVENANCE.md``.
"""
from __future__ import annotations

import argparse
import hashlib
import re
from collections import defaultdict
from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord, search_around_sky
from astropy.io import fits
from astropy.table import MaskedColumn, Table

from vo_blazar.logger import log
from vo_blazar.registry import load_registry
from vo_blazar.access.snapshot_file import SUFFIX, catalogue_columns, string_columns, write_table
from tools.snapshot.added_files import ADDED_ORIGINS, ADDED_STEPS
from vo_blazar.access.names import NAMES_FILE
from tools.output import add_output_options, output_dir
from tools.snapshot.values import floats

__all__ = ["build_snapshot", "main"]

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = REPO_ROOT / "vo_blazar" / "data" / "snapshot"
#: rows of the same catalogue from two origins closer than this are one source; the first origin wins
DEDUP_RADIUS = 5 * u.arcsec

# Origins in priority order (the first origin of a source keeps its row in each catalogue).
F_4FGL = "fermi/4fgl_dr4_v35_bands.fits"
F_BZCAT = "blazars/bzcat5_combined.csv"
F_3LAC = "blazars/3lac_highlat.csv"
F_3HSP = "blazars/3hsp.fits"
F_DR7Q = "nonblazars/sdss_dr7_quasar_sed.dat"
F_T1SED = "nonblazars/type1_agn_master_sed_clean.dat"
F_T1POS = "nonblazars/type1_agn_sdss_spitzer_master_clean.dat"
F_S82X = "nonblazars/s82x_hsc3_z0-1_gampen_1509_agn.fits"
F_MUW = "nonblazars/muwclass_cscv2_td.csv"
F_DR16Q = "nonblazars/dr16q_z3_radio_highz_inspected.csv"
ORIGINS = (F_4FGL, F_BZCAT, F_3LAC, F_DR7Q, F_T1SED, F_S82X, F_MUW, F_DR16Q) + ADDED_ORIGINS

_MAG = u.mag
_MJY = u.mJy
_FLUX = u.erg / u.cm**2 / u.s
_PHFLUX = u.ph / u.cm**2 / u.s


def _ab_from_mjy(f_mjy):
    """AB magnitude of a flux density in mJy (exact inverse of 3631 Jy * 10**(-0.4 m))."""
    return -2.5 * np.log10(np.asarray(f_mjy, float) * 1e-3 / 3631.0)


def _vega_from_mjy(f_mjy, zero_point: u.Quantity):
    """Vega magnitude for the band's zero point (exact inverse of ZP * 10**(-0.4 m))."""
    return -2.5 * np.log10(np.asarray(f_mjy, float) * 1e-3 / zero_point.to_value(u.Jy))


def _vega_from_ab(m_ab, zero_point: u.Quantity):
    """Same flux density, AB magnitude -> Vega magnitude of the band's zero point."""
    return np.asarray(m_ab, float) - 2.5 * np.log10(3631.0 / zero_point.to_value(u.Jy))


class _Collector:
    """Accumulates catalogue rows: {catalogue: [row dict]} and the units of each column."""

    def __init__(self, registry):
        self.registry = registry
        self.rows: dict[str, list[dict]] = defaultdict(list)
        self.units: dict[str, dict[str, u.UnitBase]] = defaultdict(dict)
        self.notes: dict[str, list[str]] = defaultdict(list)    # origin -> what became what
        self.counts: dict[tuple[str, str], int] = defaultdict(int)

    def zp(self, cat: str, column: str) -> u.Quantity:
        for p in self.registry[cat].points:
            if p.value == column:
                return p.params["zero_point"]
        raise KeyError(f"{cat}.{column}")

    def rass_count_rate(self, flux_erg: np.ndarray) -> np.ndarray:
        """2RXS count rate of a 0.1-2.4 keV energy flux (erg/cm2/s) with the registry's ECF, so the
        registry conversion returns exactly that flux."""
        ecf = self.registry["2RXS"].points[0].params["ecf"]
        return flux_erg / ecf.to_value(u.erg / u.cm**2 / u.ct)

    def add(self, cat: str, origin: str, row_index: int, ra: float, dec: float,
            values: dict, units: dict, dereddened: bool = False) -> bool:
        """Add one row if at least one photometric value is finite."""
        clean = {}
        for k, v in values.items():
            if isinstance(v, (str, np.str_)):
                if str(v).strip():
                    clean[k] = str(v).strip()
            elif v is not None and np.isfinite(v):
                clean[k] = float(v)
        photometric = {p.value for p in self.registry[cat].points}
        if not any(k in photometric for k in clean):
            return False
        if not (np.isfinite(ra) and np.isfinite(dec)):
            return False
        c = self.registry[cat]
        clean[c.ra_column] = float(ra)
        clean[c.dec_column] = float(dec)
        clean["_origin"] = origin
        clean["_origin_row"] = int(row_index)
        clean["_dereddened"] = bool(dereddened)
        self.rows[cat].append(clean)
        self.units[cat].update(units)
        self.units[cat][c.ra_column] = u.deg
        self.units[cat][c.dec_column] = u.deg
        self.counts[(origin, cat)] += 1
        return True


# ------------------------------------------------------------------------------ readers

def _sexagesimal(ra_text, dec_text) -> SkyCoord:
    return SkyCoord(list(ra_text), list(dec_text), unit=(u.hourangle, u.deg), frame="icrs")


def _from_4fgl(col: _Collector, shared: Path) -> None:
    # astropy.io.fits keeps the NaNs of Unc_Flux_Band (Table.read would mask them; see data README)
    with fits.open(shared / F_4FGL) as hdul:
        d = hdul[1].data
        n = len(d)
        flux = np.asarray(d["Flux_Band"], float)
        unc = np.asarray(d["Unc_Flux_Band"], float)
        nufnu = np.asarray(d["nuFnu_Band"], float)
        for i in range(n):
            vals = {"Source_Name": d["Source_Name"][i],
                    "Conf_95_SemiMajor": float(d["Conf_95_SemiMajor"][i]),
                    "Conf_95_SemiMinor": float(d["Conf_95_SemiMinor"][i]),
                    "Conf_95_PosAng": float(d["Conf_95_PosAng"][i]),
                    "ASSOC1": d["ASSOC1"][i],
                    "RA_Counterpart": float(d["RA_Counterpart"][i]),     # NaN: no association
                    "DEC_Counterpart": float(d["DEC_Counterpart"][i])}
            for k in range(8):
                vals[f"nuFnu_Band_{k + 1}"] = nufnu[i, k]
                vals[f"Flux_Band_{k + 1}"] = flux[i, k]
                vals[f"Unc_Flux_Band_lo_{k + 1}"] = unc[i, k, 0]   # NaN -> null -> upper limit
                vals[f"Unc_Flux_Band_hi_{k + 1}"] = unc[i, k, 1]
            units = {"Conf_95_SemiMajor": u.deg, "Conf_95_SemiMinor": u.deg, "Conf_95_PosAng": u.deg,
                     "RA_Counterpart": u.deg, "DEC_Counterpart": u.deg}
            for k in range(1, 9):
                units.update({f"nuFnu_Band_{k}": _FLUX, f"Flux_Band_{k}": _PHFLUX,
                              f"Unc_Flux_Band_lo_{k}": _PHFLUX, f"Unc_Flux_Band_hi_{k}": _PHFLUX})
            col.add("4FGL-DR4", F_4FGL, i, d["RAJ2000"][i], d["DEJ2000"][i], vals, units)
    col.notes[F_4FGL].append(
        "every source -> `4FGL-DR4` rows: `Source_Name`, `RAJ2000`, `DEJ2000`, `Conf_95_*`, the association "
        "`ASSOC1`, `RA_Counterpart`, `DEC_Counterpart` (NaN/null: none); the 8-band "
        "arrays flattened to `nuFnu_Band_k`, `Flux_Band_k`, `Unc_Flux_Band_lo_k` (NaN kept as null = "
        "published upper limit), `Unc_Flux_Band_hi_k`")


def _from_bzcat(col: _Collector, shared: Path) -> None:
    t = Table.read(shared / F_BZCAT, format="ascii.csv")
    sky = _sexagesimal(t["RA (J2000.0)"], t["Dec (J2000.0)"])
    ra, dec = sky.ra.deg, sky.dec.deg
    s14, s48, s143 = floats(t["Flux_density1.4"]), floats(t["Flux_density4.8"]), floats(t["Flux_density143"])
    fx = floats(t["X-ray_flux"]) * 1e-12                          # erg/cm2/s, ROSAT 0.1-2.4 keV
    rate = col.rass_count_rate(fx)
    skipped_48 = 0
    for i in range(len(t)):
        if dec[i] >= -40:
            col.add("NVSS", F_BZCAT, i, ra[i], dec[i], {"S1.4": s14[i]}, {"S1.4": _MJY})
        else:
            col.add("SUMSS", F_BZCAT, i, ra[i], dec[i], {"St": s14[i]}, {"St": _MJY})
        if dec[i] < 0:
            col.add("PMN", F_BZCAT, i, ra[i], dec[i], {"flux_4850_mhz": s48[i]}, {"flux_4850_mhz": _MJY})
        elif dec[i] <= 75:
            col.add("GB6", F_BZCAT, i, ra[i], dec[i], {"Flux": s48[i]}, {"Flux": _MJY})
        elif np.isfinite(s48[i]):
            skipped_48 += 1
        col.add("PCCS2_143", F_BZCAT, i, ra[i], dec[i], {"DetFlux": s143[i]}, {"DetFlux": _MJY})
        col.add("2RXS", F_BZCAT, i, ra[i], dec[i], {"count_rate": rate[i]}, {"count_rate": u.ct / u.s})
        col.add("SDSS", F_BZCAT, i, ra[i], dec[i],
                {f"{b}pmag": floats(t[b])[i] for b in "ugriz"}, {f"{b}pmag": _MAG for b in "ugriz"})
        col.add("PanSTARRS", F_BZCAT, i, ra[i], dec[i],
                {f"{b}mag": floats(t[f"{b}MeanPSFMag"])[i] for b in "grizy"},
                {f"{b}mag": _MAG for b in "grizy"})
        col.add("GALEX", F_BZCAT, i, ra[i], dec[i],
                {"FUVmag": floats(t["fuv_mag"])[i], "NUVmag": floats(t["nuv_mag"])[i]},
                {"FUVmag": _MAG, "NUVmag": _MAG})
        col.add("AllWISE", F_BZCAT, i, ra[i], dec[i],
                {f"W{k}mag": floats(t[f"w{k}"])[i] for k in range(1, 5)},
                {f"W{k}mag": _MAG for k in range(1, 5)})
        col.add("2MASS", F_BZCAT, i, ra[i], dec[i],
                {f"{b}mag": floats(t[b])[i] for b in "JHK"}, {f"{b}mag": _MAG for b in "JHK"})
    col.notes[F_BZCAT] += [
        "position: `RA (J2000.0)`/`Dec (J2000.0)` (sexagesimal) of the 5BZCAT source; no errors are "
        "published for any band, so error columns stay null (never read as a limit: WISE/2MASS limits "
        "need a 'U' in `qph`/`Qflg`, which these rows do not have)",
        "`Flux_density1.4` (mJy) -> `NVSS.S1.4` for Dec >= -40 deg, `SUMSS.St` (843 MHz) below "
        "(5BZCAT quotes SUMSS south of the NVSS limit)",
        "`Flux_density4.8` (mJy) -> `PMN.flux_4850_mhz` for Dec < 0, `GB6.Flux` for 0 <= Dec <= 75 deg; "
        f"{skipped_48} values north of +75 deg (outside both surveys) are left out",
        "`Flux_density143` (mJy) -> `PCCS2_143.DetFlux`",
        "`X-ray_flux` (ROSAT 0.1-2.4 keV, 1e-12 erg/cm2/s) -> `2RXS.count_rate` = flux / ECF with the "
        "registry's 2RXS ECF, so the registry conversion returns exactly the published energy flux",
        "`u g r i z` -> `SDSS.upmag..zpmag`; `?MeanPSFMag` -> `PanSTARRS.gmag..ymag`; "
        "`fuv_mag`/`nuv_mag` -> `GALEX.FUVmag`/`NUVmag`; `w1..w4` -> `AllWISE.W1mag..W4mag`; "
        "`J H K` -> `2MASS.Jmag/Hmag/Kmag` (all as published, not dereddened)",
        "`Fermi_flux` is not used: 4FGL-DR4 rows come from the LAT file itself",
    ]


def _from_3lac(col: _Collector, shared: Path) -> None:
    t = Table.read(shared / F_3LAC, format="ascii.csv")
    ra, dec = floats(t["RAJ2000"]), floats(t["DEJ2000"])
    frad, fx = floats(t["FRad"]), floats(t["FX"]) * 1e-13
    rate = col.rass_count_rate(fx)
    nfrad = [str(x).strip() for x in t["n_FRad"].filled("") ] if hasattr(t["n_FRad"], "filled") \
        else [str(x).strip() for x in t["n_FRad"]]
    for i in range(len(t)):
        if nfrad[i] == "N":
            col.add("NVSS", F_3LAC, i, ra[i], dec[i], {"S1.4": frad[i]}, {"S1.4": _MJY})
        elif nfrad[i] == "S":
            col.add("SUMSS", F_3LAC, i, ra[i], dec[i], {"St": frad[i]}, {"St": _MJY})
        col.add("2RXS", F_3LAC, i, ra[i], dec[i], {"count_rate": rate[i]}, {"count_rate": u.ct / u.s})
    col.notes[F_3LAC] += [
        "position: counterpart `RAJ2000`/`DEJ2000`; `FRad` (mJy) -> `NVSS.S1.4` when `n_FRad` = N, "
        "`SUMSS.St` when S; `FX` (RASS 0.1-2.4 keV, 1e-13 erg/cm2/s) -> `2RXS.count_rate` = flux / ECF",
        "`Vmag1`/`Vmag2` (USNO/SDSS V) have no registry catalogue and are left out",
    ]


def _objname_coords(names) -> SkyCoord:
    # 'hhmmss.ss+ddmmss.s' (no J)
    ra, dec = [], []
    for n in names:
        m = re.match(r"^(\d\d)(\d\d)(\d\d(?:\.\d*)?)([+-])(\d\d)(\d\d)(\d\d(?:\.\d*)?)$", str(n).strip())
        if not m:
            raise ValueError(f"cannot read a position from object name {n!r}")
        ra.append(f"{m[1]}h{m[2]}m{m[3]}s")
        dec.append(f"{m[4]}{m[5]}d{m[6]}m{m[7]}s")
    return SkyCoord(ra, dec, frame="icrs")


def _add_mjy_optical_ir(col, origin, i, ra, dec, f, keys, opt_dereddened):
    """SDSS ugriz (AB), 2MASS JHK (Vega), WISE W1-W4 (Vega) from mJy fluxes (non-positive -> absent)."""
    def ok(x):
        return x if (np.isfinite(x) and x > 0) else np.nan
    sd = {f"{b}pmag": _ab_from_mjy(ok(f[keys[b]])) for b in "ugriz"}
    col.add("SDSS", origin, i, ra, dec, sd, {k: _MAG for k in sd}, dereddened=opt_dereddened)
    tm = {f"{b}mag": _vega_from_mjy(ok(f[keys[b]]), col.zp("2MASS", f"{b}mag")) for b in "JHK"}
    col.add("2MASS", origin, i, ra, dec, tm, {k: _MAG for k in tm})
    wi = {f"W{k}mag": _vega_from_mjy(ok(f[keys[f"W{k}"]]), col.zp("AllWISE", f"W{k}mag"))
          for k in range(1, 5)}
    col.add("AllWISE", origin, i, ra, dec, wi, {k: _MAG for k in wi})


def _from_dr7q(col: _Collector, shared: Path) -> None:
    t = Table.read(shared / F_DR7Q, format="ascii.basic")
    sky = _objname_coords(t["objname"])
    keys = {**{b: b for b in "ugriz"}, "J": "j", "H": "h", "K": "k",
            **{f"W{k}": f"w{k}" for k in range(1, 5)}}
    for i in range(len(t)):
        f = {c: float(t[c][i]) for c in keys.values()}
        _add_mjy_optical_ir(col, F_DR7Q, i, sky.ra.deg[i], sky.dec.deg[i], f, keys, opt_dereddened=True)
    col.notes[F_DR7Q] += [
        "position from `objname` (hhmmss.ss+ddmmss.s); mJy -> native magnitudes exactly: `u..z` -> "
        "`SDSS.upmag..zpmag` = -2.5 log10(F / 3631 Jy) with `_dereddened` = True (these optical fluxes "
        "are already corrected for Galactic extinction, see the data README); `j h k` -> `2MASS` and "
        "`w1..w4` -> `AllWISE` Vega magnitudes with the registry zero points, `_dereddened` = False",
    ]


def _from_type1(col: _Collector, shared: Path) -> None:
    sed = Table.read(shared / F_T1SED, format="ascii.basic")
    pos = Table.read(shared / F_T1POS, format="ascii.no_header", comment="#",
                     names=["objname", "RA", "Dec", "sample"])
    where = {str(n): j for j, n in enumerate(pos["objname"])}
    keys = {**{b: b for b in "ugriz"}, "J": "J", "H": "H", "K": "K",
            **{f"W{k}": f"W{k}" for k in range(1, 5)}}
    missing = 0
    for i in range(len(sed)):
        j = where.get(str(sed["objname"][i]))
        if j is None:
            missing += 1
            continue
        f = {}
        for c in keys.values():
            v = float(sed[c][i]) if not np.ma.is_masked(sed[c][i]) else np.nan
            f[c] = np.nan if (not np.isfinite(v) or v <= -99) else v
        _add_mjy_optical_ir(col, F_T1SED, i, float(pos["RA"][j]), float(pos["Dec"][j]), f, keys,
                            opt_dereddened=False)
    col.notes[F_T1SED] += [
        f"positions from `{F_T1POS}` by `objname` ({missing} without a position skipped); "
        "mJy (-99.9 / NaN = missing) -> `SDSS`, `2MASS`, `AllWISE` native magnitudes as for the DR7 "
        "quasars; whether these fluxes are dereddened is not documented, so `_dereddened` = False. "
        "The host-subtracted `W3(AGN)`/`W4(AGN)` are not catalogue values and are left out",
    ]


def _from_s82x(col: _Collector, shared: Path) -> None:
    with fits.open(shared / F_S82X) as hdul:
        d = hdul[1].data
        ra, dec = np.asarray(d["CTP_RA"], float), np.asarray(d["CTP_DEC"], float)

        def good(name, positive=False):
            v = np.asarray(d[name], float).copy()
            bad = (v <= -99) | ~np.isfinite(v)
            if positive:
                bad |= v <= 0
            v[bad] = np.nan
            return v
        soft, hard = good("SOFT_FLUX", True), good("HARD_FLUX", True)
        for i in range(len(d)):
            col.add("Stripe82X", F_S82X, i, ra[i], dec[i], {"SOFT_FLUX": soft[i], "HARD_FLUX": hard[i]},
                    {"SOFT_FLUX": _FLUX, "HARD_FLUX": _FLUX})
            col.add("GALEX", F_S82X, i, ra[i], dec[i],
                    {"FUVmag": good("MAG_FUV")[i], "e_FUVmag": good("MAGERR_FUV")[i],
                     "NUVmag": good("MAG_NUV")[i], "e_NUVmag": good("MAGERR_NUV")[i]},
                    {k: _MAG for k in ("FUVmag", "e_FUVmag", "NUVmag", "e_NUVmag")}, dereddened=True)
            sd = {}
            for b in "ugriz":
                sd[f"{b}pmag"] = good(b.upper())[i]
                sd[f"e_{b}pmag"] = good(f"{b.upper()}ERR")[i]
            col.add("SDSS", F_S82X, i, ra[i], dec[i], sd, {k: _MAG for k in sd}, dereddened=True)
            wi = {}
            for k in range(1, 5):
                wi[f"W{k}mag"] = _vega_from_ab(good(f"W{k}")[i], col.zp("AllWISE", f"W{k}mag"))
                wi[f"e_W{k}mag"] = good(f"W{k}ERR")[i]
            col.add("AllWISE", F_S82X, i, ra[i], dec[i], wi, {k: _MAG for k in wi}, dereddened=True)
    col.notes[F_S82X] += [
        "position: counterpart `CTP_RA`/`CTP_DEC`; -99 = missing; `SOFT_FLUX`/`HARD_FLUX` (0.5-2 / 2-10 keV, "
        "erg/cm2/s; 0 = not measured in that band, left out) -> `Stripe82X` rows",
        "`MAG_FUV`/`MAG_NUV` (AB) -> `GALEX`; `U..Z` (AB) -> `SDSS.upmag..zpmag`; `W1..W4` (AB) -> "
        "`AllWISE` Vega magnitudes (m_Vega = m_AB - 2.5 log10(3631 Jy / ZP)); errors kept. Ananna et al. "
        "2017 magnitudes are corrected for Galactic extinction (`EXT_CORR_FROM` = SDSS/VHS), so these "
        "rows have `_dereddened` = True",
        "`J H K` (VHS), `JUK HUK KUK` (UKIDSS), IRAC and HSC magnitudes have no registry catalogue of "
        "their own survey and are left out (VHS is not 2MASS)",
    ]


def _from_muwclass(col: _Collector, shared: Path) -> None:
    t = Table.read(shared / F_MUW, format="ascii.csv")
    ra, dec = floats(t["CSCv2_RA"]), floats(t["CSCv2_DEC"])
    for i in range(len(t)):
        vals, units = {"name": str(t["CSCv2_name"][i])}, {}
        for band, src in (("s", "Fs"), ("m", "Fm"), ("h", "Fh")):
            f, e = floats(t[src])[i], floats(t[f"e_{src}"])[i]
            if not (np.isfinite(f) and f > 0):
                continue
            vals[f"flux_aper_{band}"] = f
            if np.isfinite(e):
                vals[f"flux_aper_lolim_{band}"] = f - e
                vals[f"flux_aper_hilim_{band}"] = f + e
            for k in (f"flux_aper_{band}", f"flux_aper_lolim_{band}", f"flux_aper_hilim_{band}"):
                units[k] = _FLUX
        col.add("CSC2", F_MUW, i, ra[i], dec[i], vals, units)
        ga = {}
        for b in ("G", "BP", "RP"):
            ga[f"{b}mag"], ga[f"e_{b}mag"] = floats(t[f"{b}mag"])[i], floats(t[f"e_{b}mag"])[i]
        col.add("Gaia", F_MUW, i, ra[i], dec[i], ga, {k: _MAG for k in ga})
        tm = {}
        for b in "JHK":
            tm[f"{b}mag"], tm[f"e_{b}mag"] = floats(t[f"{b}mag"])[i], floats(t[f"e_{b}mag"])[i]
        col.add("2MASS", F_MUW, i, ra[i], dec[i], tm, {k: _MAG for k in tm})
        wi = {}
        for k in (1, 2, 3):
            wi[f"W{k}mag"], wi[f"e_W{k}mag"] = floats(t[f"W{k}mag"])[i], floats(t[f"e_W{k}mag"])[i]
        col.add("AllWISE", F_MUW, i, ra[i], dec[i], wi, {k: _MAG for k in wi})
    col.notes[F_MUW] += [
        "position: `CSCv2_RA`/`CSCv2_DEC` (the X-ray source); `Fs Fm Fh` (CSC 0.5-1.2 / 1.2-2 / 2-7 keV, "
        "erg/cm2/s) -> `CSC2.flux_aper_s/m/h`; the symmetric errors become `flux_aper_lolim_* = F - e`, "
        "`flux_aper_hilim_* = F + e` (CSC publishes confidence limits, not errors); `Fb` has no registry "
        "point; non-positive fluxes are left out",
        "`Gmag BPmag RPmag` (+ errors) -> `Gaia`; `Jmag Hmag Kmag` -> `2MASS`; `W1mag..W3mag` -> `AllWISE` "
        "(all Vega, as published)",
    ]


def _from_dr16q(col: _Collector, shared: Path) -> None:
    t = Table.read(shared / F_DR16Q, format="ascii.csv")
    ra, dec = floats(t["sdss_ra"]), floats(t["sdss_dec"])
    for i in range(len(t)):
        col.add("FIRST", F_DR16Q, i, ra[i], dec[i],
                {"Fint": floats(t["Fint_first"])[i], "Fpeak": floats(t["Fpeak_first"])[i],
                 "Rms": floats(t["Rms_first"])[i],
                 "FIRST": t["FIRST"][i] if not np.ma.is_masked(t["FIRST"][i]) else ""},
                {"Fint": _MJY, "Fpeak": _MJY / u.beam, "Rms": _MJY / u.beam})
        col.add("NVSS", F_DR16Q, i, ra[i], dec[i],
                {"S1.4": floats(t["S1.4_nvss"])[i], "e_S1.4": floats(t["e_S1.4_nvss"])[i],
                 "NVSS": t["NVSS"][i] if not np.ma.is_masked(t["NVSS"][i]) else ""},
                {"S1.4": _MJY, "e_S1.4": _MJY})
        col.add("RACS", F_DR16Q, i, ra[i], dec[i],
                {"total_flux_source": floats(t["Ftot_racs"])[i],
                 "e_total_flux_source": floats(t["e_Ftot_racs"])[i]},
                {"total_flux_source": _MJY, "e_total_flux_source": _MJY})
        col.add("GLEAM", F_DR16Q, i, ra[i], dec[i],
                {"Fintwide": floats(t["Fintwide_gleam"])[i],
                 "e_Fintwide": floats(t["e_Fintwide_gleam"])[i]},
                {"Fintwide": u.Jy, "e_Fintwide": u.Jy})
    col.notes[F_DR16Q] += [
        "position: the quasar's `sdss_ra`/`sdss_dec`; `Fint_first`/`Fpeak_first`/`Rms_first` -> `FIRST."
        "Fint/Fpeak/Rms`; `S1.4_nvss`/`e_S1.4_nvss` -> `NVSS.S1.4/e_S1.4`; `Ftot_racs`/`e_Ftot_racs` -> "
        "`RACS.total_flux_source/e_total_flux_source` (mJy); `Fintwide_gleam`/`e_Fintwide_gleam` (Jy) -> "
        "`GLEAM.Fintwide/e_Fintwide`",
        "`ND` non-detection codes are NOT turned into upper limits: the surveys publish no row for a "
        "non-detection, and no per-position limit is given in the file, so any limit would be invented",
    ]


# ------------------------------------------------------------------------------ assembly

def _dedup_radius(cat) -> u.Quantity:
    """Two origins' rows closer than this are one source of ``cat``.

    Radio to gamma-ray positions (beams, X-ray PSFs) of one source differ between files by more
    than optical ones do (a 5BZCAT optical position vs the NVSS or 2RXS position of the same
    object), so those catalogues use their match radius, at least 15 arcsec.
    """
    if cat.waveband in ("radio", "mm", "xray", "gamma"):
        return max(15 * u.arcsec, cat.radius if cat.radius is not None else 0 * u.arcsec)
    return DEDUP_RADIUS


def _dedup(rows: list[dict], cat) -> tuple[list[dict], int]:
    """Keep, per source, the row of the highest-priority origin (sources within DEDUP_RADIUS)."""
    order = {o: k for k, o in enumerate(ORIGINS)}
    rows = sorted(rows, key=lambda r: (order[r["_origin"]], r["_origin_row"]))
    kept: list[dict] = []
    dropped = 0
    for origin in ORIGINS:
        new = [r for r in rows if r["_origin"] == origin]
        if not new:
            continue
        if kept:
            kc = SkyCoord([r[cat.ra_column] for r in kept] * u.deg, [r[cat.dec_column] for r in kept] * u.deg)
            nc = SkyCoord([r[cat.ra_column] for r in new] * u.deg, [r[cat.dec_column] for r in new] * u.deg)
            inew, ikept, _, _ = search_around_sky(nc, kc, _dedup_radius(cat))
            clash = set(int(j) for j, k in zip(inew, ikept) if kept[k]["_origin"] != origin)
            dropped += len(clash)
            new = [r for j, r in enumerate(new) if j not in clash]
        kept += new
    return kept, dropped


def _table(cat, rows: list[dict], units: dict) -> Table:
    names = catalogue_columns(cat)
    extra = sorted({k for r in rows for k in r} - set(names) - {"_origin", "_origin_row", "_dereddened"})
    names += extra + ["_origin", "_origin_row", "_dereddened"]
    strings = string_columns(cat)
    rows = sorted(rows, key=lambda r: (round(r[cat.ra_column], 7), round(r[cat.dec_column], 7),
                                       r["_origin"], r["_origin_row"]))
    t = Table(meta={"catalogue": cat.name, "snapshot": True})
    for name in names:
        vals = [r.get(name) for r in rows]
        mask = [v is None for v in vals]
        if name == "_origin":
            t[name] = np.array(vals, dtype=str)
        elif name == "_origin_row":
            t[name] = np.array(vals, dtype=np.int64)
        elif name == "_dereddened":
            t[name] = np.array(vals, dtype=bool)
        elif name in strings or any(isinstance(v, str) for v in vals):
            t[name] = MaskedColumn([v if v is not None else "" for v in vals], dtype=str, mask=mask)
        else:
            t[name] = MaskedColumn([v if v is not None else np.nan for v in vals], dtype=np.float64,
                                   mask=mask, unit=units.get(name))
            if name in (cat.ra_column, cat.dec_column):
                t[name].unit = u.deg
    return t


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_snapshot(shared: str | Path, out_dir: str | Path | None = None) -> dict[str, int]:
    """Build the snapshot files from the shared data folder; return rows per catalogue."""
    from vo_blazar.access.names import build_name_table

    shared = Path(shared)
    out = Path(out_dir) if out_dir else OUT_DIR
    if not (shared / "README.md").exists():
        raise FileNotFoundError(f"{shared} does not look like the shared data folder (no README.md)")
    out.mkdir(parents=True, exist_ok=True)
    reg = load_registry()
    col = _Collector(reg)
    for step in (_from_4fgl, _from_bzcat, _from_3lac, _from_dr7q, _from_type1, _from_s82x,
                 _from_muwclass, _from_dr16q) + ADDED_STEPS:
        log.info("snapshot: %s", step.__name__)
        step(col, shared)

    for old in [*out.glob("*.ecsv.gz"), *out.glob("*" + SUFFIX)]:   # earlier builds, either format
        old.unlink()
    counts, dropped = {}, {}
    for cat in reg.values():
        rows = col.rows.get(cat.name, [])
        if not rows:
            continue
        rows, dropped[cat.name] = _dedup(rows, cat)
        t = _table(cat, rows, col.units[cat.name])
        t.meta["registry_version"] = reg.version
        write_table(t, out / f"{cat.name}{SUFFIX}")
        counts[cat.name] = len(t)

    names = build_name_table(shared, {"4fgl": F_4FGL, "bzcat": F_BZCAT, "3hsp": F_3HSP, "3lac": F_3LAC})
    write_table(names, out / NAMES_FILE)

    _write_provenance(shared, out, col, counts, dropped, len(names), reg.version)
    return counts


def _write_provenance(shared, out, col, counts, dropped, n_names, version) -> None:
    src_prov = (shared / "PROVENANCE.md").read_text(encoding="utf-8")
    lines = [
        "# Provenance of the offline snapshot",
        "",
        "Built by `python -m tools.snapshot.build --shared ../shared/data` (registry version "
        f"`{version}`). Every row is a published value from one file of the shared data folder, placed "
        "in the registry catalogue it belongs to, in that catalogue's own columns and units; `_origin` "
        "and `_origin_row` (0-based data row) point back to it. Rows of one catalogue from two origins "
        f"within {DEDUP_RADIUS.to_value(u.arcsec):g} arcsec (radio to gamma-ray catalogues: their match radius, at "
        "least 15 arcsec) are one source: the first origin in the "
        "order below keeps its row. A band missing from the snapshot is unknown, never an upper limit.",
        "",
        "`_dereddened` = True marks photometry already corrected for Galactic extinction by its source; "
        "the photometry step must not correct those rows again.",
        "",
        "## Input files (sha256 of the files read; commits and origins in the shared PROVENANCE.md)",
        "",
        "| file | sha256 | source (from shared/data/PROVENANCE.md) |",
        "|---|---|---|",
    ]
    for f in ORIGINS + (F_T1POS, F_3HSP):
        src = ""
        for line in src_prov.splitlines():
            if (line.startswith(f"| `{f}`")
                    or (f"`{f}`" in line.split("|")[1] if line.count("|") > 3 else False)):
                cells = [c.strip() for c in line.split("|")]
                src = f"{cells[2]} @ {cells[3][:12]} : {cells[4]}" if len(cells) > 5 else ""
                break
        src = src or "see shared/data/PROVENANCE.md (section 'Added after the first assembly')"
        lines.append(f"| `{f}` | `{_sha256(shared / f)}` | {src} |")
    lines += ["", "## What became what", ""]
    for f in ORIGINS:
        lines.append(f"### `{f}`")
        lines.append("")
        for note in col.notes.get(f, []):
            lines.append(f"- {note}")
        per = sorted((cat, n) for (o, cat), n in col.counts.items() if o == f)
        if per:
            lines.append("- rows written before de-duplication: " + ", ".join(f"{c} {n}" for c, n in per))
        lines.append("")
    lines += [
        "### Left out",
        "",
        "- `nonblazars/lusso2020_table3.dat`: rest-frame monochromatic 2500 A and 2 keV fluxes derived by "
        "spectral fitting and K-correction; they are not the observed values of any catalogue, so they "
        "cannot honestly become catalogue rows.",
        "- `vo/vou_smarts.csv.gz`, `vo/vou_Fermi_full_data.csv.gz`: light-curve data sets for 97 positions, "
        "not catalogues of the registry.",
        "- `crossmatch/rass_xmmsl2_x_nvss_no3lac.csv`: a mixture of 2RXS and XMMSL2 fluxes without a band "
        "label per row.",
        "",
        "## Snapshot files",
        "",
        "| catalogue | rows | duplicates dropped | coverage | file |",
        "|---|---|---|---|---|",
    ]
    for name, n in counts.items():
        # a registry footprint (survey-limit upper limits) is declared only for complete catalogues
        coverage = ("complete: the whole catalogue" if load_registry()[name].footprint is not None
                    else "partial: only the rows of the files above")
        lines.append(f"| {name} | {n} | {dropped.get(name, 0)} | {coverage} | `{name}{SUFFIX}` |")
    lines += ["", f"Name table: `{NAMES_FILE}`, {n_names} names (5BZCAT, 4FGL `Source_Name` and `ASSOC1`, "
              "3HSP, 3LAC counterparts, and aliases such as Mrk 421 = Mkn 421) "
              "with positions from those files.", ""]
    (out / "PROVENANCE.md").write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.snapshot.build",
                                     description="Build the embedded offline snapshot from ../shared/data.")
    parser.add_argument("--shared", default=str(REPO_ROOT.parent / "shared" / "data"),
                        help="the shared data folder (default: ../shared/data next to the repository)")
    add_output_options(parser, "snapshot", OUT_DIR)
    args = parser.parse_args(argv)
    counts = build_snapshot(args.shared, output_dir(args))
    for name, n in counts.items():
        print(f"{name:12s} {n:6d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
