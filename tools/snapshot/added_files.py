"""Snapshot readers for the shared files added for the hard-negative classifier (issue 14).

Each reader puts every published value of one file into the registry catalogue it belongs to,
whatever population the file lists (label-blind: a Seyfert's NVSS flux is an ``NVSS`` row exactly
like a blazar's). Complete catalogues (3FHL, 2FHL, Planck PCCS2 30 GHz, eFEDS) are read whole;
their registry entries declare a footprint and survey limits, so a position they missed gets a
real non-detection (`vo_blazar.photometry.survey_limits`).

Left out on purpose (written to the provenance file): bands that only non-blazar files carry in
this data set (IRAS, Spitzer, Herschel, Planck apertures of DustPedia and Molnar et al.) would be
present for one class only, i.e. a pure label leak; XMM slew fluxes have no registry catalogue.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.io import fits
from astropy.table import Table

from tools.snapshot.values import floats

__all__ = ["ADDED_ORIGINS", "ADDED_STEPS", "F_3FHL", "F_2FHL", "F_PCCS030", "F_EFEDS", "F_BAT",
           "F_RADIO_SEL", "F_IR_SEL", "F_MOLNAR", "F_DUSTPEDIA"]

F_3FHL = "fermi/3fhl_gll_psch_v13.fit.gz"
F_2FHL = "fermi/2fhl_gll_psch_v09.fit.gz"
F_PCCS030 = "mm/planck_pccs2_COM_PCCS_030_R2.04.fits"
F_EFEDS = "xray/efeds_agn_liu2022_eRoSITAagn.fits"
F_BAT = "xray/swift_bat105month_BAT105.fits"
F_RADIO_SEL = "crossmatch/RadioLoudAGN_RadioSelected_2rxsXmmsl2NvssAllWise_no3LACbl.fits"
F_IR_SEL = "xray/RadioLoudAGN_IRSelected_2rxsXmmsl2AllWise_no3LACbl_June2019_small.fits"
F_MOLNAR = "nonblazars/molnar2021_lowz_IRRC_combSamp.csv"
F_DUSTPEDIA = "nonblazars/DustPedia_Combined_Photometry_2.2.csv"

_MAG = u.mag
_MJY = u.mJy
_FLUX = u.erg / u.cm**2 / u.s
_PHFLUX = u.ph / u.cm**2 / u.s
#: 2RXS rows of the IceCube files: 0.5-2 keV flux = this x the 0.1-2.4 keV catalogue flux (data README)
_RASS_05_2_RATIO = 0.52416


def _s(x) -> np.ndarray:
    return np.char.strip(np.asarray(x).astype(str))


def _mag_from_jy(f_jy, zero_point_jy: float) -> np.ndarray:
    f = np.asarray(f_jy, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(f > 0, -2.5 * np.log10(f / zero_point_jy), np.nan)


def _mag_err(f, e) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        f, e = np.asarray(f), np.asarray(e)
        return np.where((f > 0) & (e > 0), 2.5 / np.log(10) * e / f, np.nan)


def _band_points(col, cat: str, origin: str, i: int, ra: float, dec: float, flux, unc, units,
                 extra: dict | None = None) -> None:
    """One row of a Fermi hard-source catalogue in the registry's column names.

    ``flux[k]`` and ``unc[k] = (lower, upper)`` feed point ``k``'s value, error and
    upper-limit columns (a NaN lower error is the published upper-limit marker).
    """
    vals = dict(extra or {})
    for k, spec in enumerate(col.registry[cat].points):
        vals[spec.value] = flux[k]
        if spec.error:
            vals[spec.error] = unc[k][1]
        if spec.upper_limit is not None and spec.upper_limit.column:
            vals[spec.upper_limit.column] = unc[k][0]
            units[spec.upper_limit.column] = _PHFLUX
        units[spec.value] = _PHFLUX
        if spec.error:
            units[spec.error] = _PHFLUX
    col.add(cat, origin, i, ra, dec, vals, units)


def from_3fhl(col, shared: Path) -> None:
    with fits.open(shared / F_3FHL) as hdul:
        d = hdul[1].data
        flux, unc = np.asarray(d["Flux_Band"], float), np.asarray(d["Unc_Flux_Band"], float)
        name_col = col.registry["3FHL"].name_column
        for i in range(len(d)):
            _band_points(col, "3FHL", F_3FHL, i, float(d["RAJ2000"][i]), float(d["DEJ2000"][i]),
                         flux[i], [(unc[i, k, 0], unc[i, k, 1]) for k in range(5)], {},
                         {name_col: str(d["Source_Name"][i]).strip()} if name_col else None)
    col.notes[F_3FHL].append(
        "every source (the whole catalogue) -> `3FHL` rows at `RAJ2000`/`DEJ2000`: the 5 bands of "
        "`Flux_Band` (ph/cm2/s) into the registry's band value columns, `Unc_Flux_Band[:, k, 1]` into the "
        "error columns and `Unc_Flux_Band[:, k, 0]` into the upper-limit columns (NaN = published upper "
        "limit)")


def from_2fhl(col, shared: Path) -> None:
    bands = ("Flux50_171GeV", "Flux171_585GeV", "Flux585_2000GeV")
    with fits.open(shared / F_2FHL) as hdul:
        d = hdul[1].data
        name_col = col.registry["2FHL"].name_column
        for i in range(len(d)):
            flux = [float(d[b][i]) for b in bands]
            unc = [(float(d[f"Unc_{b}"][i][0]), float(d[f"Unc_{b}"][i][1])) for b in bands]
            _band_points(col, "2FHL", F_2FHL, i, float(d["RAJ2000"][i]), float(d["DEJ2000"][i]), flux, unc,
                         {},
                         {name_col: str(d["Source_Name"][i]).strip()} if name_col else None)
    col.notes[F_2FHL].append(
        "every source -> `2FHL` rows: `Flux50_171GeV`, `Flux171_585GeV`, `Flux585_2000GeV` (ph/cm2/s) and "
        "their 2-value `Unc_` columns (upper -> error column, lower -> upper-limit column; NaN = limit)")


def from_pccs030(col, shared: Path) -> None:
    cat = col.registry["PCCS2_030"]
    spec = cat.points[0]
    with fits.open(shared / F_PCCS030) as hdul:
        d = hdul[1].data
        for i in range(len(d)):
            vals = {spec.value: float(d["DETFLUX"][i]), spec.error: float(d["DETFLUX_ERR"][i])}
            if cat.name_column:
                vals[cat.name_column] = str(d["NAME"][i]).strip()
            col.add("PCCS2_030", F_PCCS030, i, float(d["RA"][i]), float(d["DEC"][i]), vals,
                    {spec.value: _MJY, spec.error: _MJY})
    col.notes[F_PCCS030].append(
        "every source (the whole 30 GHz catalogue) -> `PCCS2_030` rows: `DETFLUX`/`DETFLUX_ERR` (mJy) at "
        "`RA`/`DEC`; the 5BZCAT 143 GHz values stay in `PCCS2_143`")


def from_efeds(col, shared: Path) -> None:
    t = Table.read(shared / F_EFEDS, hdu=1)
    ra, dec = floats(t["RA_CORR"]), floats(t["DEC_CORR"])
    cols = ("FluxCorr_Med_s", "FluxCorr_Lo1_s", "FluxCorr_Up1_s", "FluxCorr_Med_t", "FluxCorr_Lo1_t",
            "FluxCorr_Up1_t")
    data = {c: floats(t[c]) for c in cols}
    names = _s(t["Name"])
    for i in range(len(t)):
        vals = {c: data[c][i] for c in cols}
        vals["Name"] = names[i]
        col.add("eFEDS", F_EFEDS, i, ra[i], dec[i], vals, {c: _FLUX for c in cols})
    col.notes[F_EFEDS].append(
        "every source (the whole eFEDS AGN catalogue) -> `eFEDS` rows: absorption-corrected 0.5-2 keV "
        "(`_s`) and 2.3-5 keV (`_t`) fluxes with their 1-sigma bounds, erg/cm2/s, at `RA_CORR`/`DEC_CORR`")


def from_bat(col, shared: Path) -> None:
    t = Table.read(shared / F_BAT, hdu=1)
    ra = np.where(np.isfinite(floats(t["CTPT_RA"])), floats(t["CTPT_RA"]), floats(t["RA"]))
    dec = np.where(np.isfinite(floats(t["CTPT_DEC"])), floats(t["CTPT_DEC"]), floats(t["DEC"]))
    flux, lo, hi = floats(t["FLUX"]), floats(t["FLUX_LO"]), floats(t["FLUX_HI"])
    names = _s(t["BAT_NAME"])
    unit = 1e-12 * _FLUX
    for i in range(len(t)):
        col.add("BAT105", F_BAT, i, ra[i], dec[i],
                {"FLUX": flux[i], "FLUX_LO": lo[i], "FLUX_HI": hi[i], "BAT_NAME": names[i]},
                {"FLUX": unit, "FLUX_LO": unit, "FLUX_HI": unit})
    col.notes[F_BAT].append(
        "every source of the shared 85 % -> `BAT105` rows at the counterpart position `CTPT_RA`/`CTPT_DEC` "
        "(the BAT position where no counterpart is given): `FLUX`, `FLUX_LO`, `FLUX_HI` (14-195 keV, "
        "1e-12 erg/cm2/s); a partial slice, so absence is never a non-detection")


def from_radio_selected(col, shared: Path) -> None:
    t = Table.read(shared / F_RADIO_SEL, hdu=1)
    ra, dec = floats(t["RA"]), floats(t["DEC"])                       # NVSS position
    rx_ra, rx_dec = floats(t["RA_DEG"]), floats(t["DEC_DEG"])         # 2RXS position (NaN for XMMSL2 rows)
    allw_ra = np.where(np.isfinite(floats(t["ALLW_RA"])), floats(t["ALLW_RA"]), ra)
    allw_dec = np.where(np.isfinite(floats(t["ALLW_DEC"])), floats(t["ALLW_DEC"]), dec)
    nvss, rass = floats(t["NVSS_FLUX"]), floats(t["2RXS_SRC_FLUX"])
    rate = col.rass_count_rate(rass)
    w = {k: floats(t[f"ALLW_w{k}mpro"]) for k in range(1, 5)}
    we = {k: floats(t[f"ALLW_w{k}sigmpro"]) for k in range(1, 5)}
    tm = {b: floats(t[f"{b}mag"]) for b in "JHK"}
    tme = {b: floats(t[f"e_{b}mag"]) for b in "JHK"}
    for i in range(len(t)):
        col.add("NVSS", F_RADIO_SEL, i, ra[i], dec[i], {"S1.4": nvss[i]}, {"S1.4": _MJY})
        col.add("2RXS", F_RADIO_SEL, i, rx_ra[i], rx_dec[i], {"count_rate": rate[i]},
                {"count_rate": u.ct / u.s})
        vals = {}
        for k in range(1, 5):
            vals[f"W{k}mag"], vals[f"e_W{k}mag"] = w[k][i], we[k][i]
        col.add("AllWISE", F_RADIO_SEL, i, allw_ra[i], allw_dec[i], vals, {k: _MAG for k in vals})
        vals = {}
        for b in "JHK":
            vals[f"{b}mag"], vals[f"e_{b}mag"] = tm[b][i], tme[b][i]
        col.add("2MASS", F_RADIO_SEL, i, allw_ra[i], allw_dec[i], vals, {k: _MAG for k in vals})
    col.notes[F_RADIO_SEL] += [
        "`NVSS_FLUX` (mJy) -> `NVSS.S1.4` at the NVSS position `RA`/`DEC`",
        "`2RXS_SRC_FLUX` (0.1-2.4 keV, erg/cm2/s) -> `2RXS.count_rate` = flux / ECF at the 2RXS position "
        "`RA_DEG`/`DEC_DEG` (what a 2RXS cone search returns)",
        "`ALLW_w1mpro..w4mpro` (+ `sigmpro`) -> `AllWISE.W1mag..W4mag`; `Jmag Hmag Kmag` (+ errors) -> "
        "`2MASS`, at `ALLW_RA`/`ALLW_DEC` where given, else the NVSS position (Vega, as published)",
        "XMM slew fluxes (`XMMSL2_FLUX_B6/7/8`, 742 rows) have no registry catalogue and are left out",
    ]


def from_ir_selected(col, shared: Path) -> None:
    t = Table.read(shared / F_IR_SEL, hdu=1)
    rxs = _s(t["2RXS_ID"])
    is_rxs = (rxs != "N/A") & (rxs != "")
    rate = col.rass_count_rate(floats(t["XRay_FLUX"]) / _RASS_05_2_RATIO)
    ra, dec = floats(t["RA_DEG"]), floats(t["DEC_DEG"])
    for i in np.flatnonzero(is_rxs):
        col.add("2RXS", F_IR_SEL, int(i), ra[i], dec[i], {"count_rate": rate[i]}, {"count_rate": u.ct / u.s})
    col.notes[F_IR_SEL].append(
        "2RXS rows (`2RXS_ID` given): `XRay_FLUX` (0.5-2 keV, converted by the file's authors with photon "
        f"index 1.7) / {_RASS_05_2_RATIO} = the 0.1-2.4 keV catalogue flux -> `2RXS.count_rate` = flux / ECF "
        "at `RA_DEG`/`DEC_DEG`; XMMSL2 rows left out (no registry catalogue). The LLAGN file is a subset "
        "of this one and adds nothing")


def from_molnar(col, shared: Path) -> None:
    t = Table.read(shared / F_MOLNAR, format="ascii.csv")
    ra, dec = floats(t["RA"]), floats(t["Dec"])
    s14, e14 = floats(t["S1.4"]) * 1e3, floats(t["E1.4"]) * 1e3            # Jy -> mJy
    s22, e22 = floats(t["S22_unWISE"]), floats(t["E22_unWISE"])
    zp = col.zp("AllWISE", "W4mag").to_value(u.Jy)
    w4, w4e = _mag_from_jy(s22, zp), _mag_err(s22, e22)
    for i in range(len(t)):
        col.add("NVSS", F_MOLNAR, i, ra[i], dec[i], {"S1.4": s14[i], "e_S1.4": e14[i]},
                {"S1.4": _MJY, "e_S1.4": _MJY})
        col.add("AllWISE", F_MOLNAR, i, ra[i], dec[i], {"W4mag": w4[i], "e_W4mag": w4e[i]},
                {"W4mag": _MAG, "e_W4mag": _MAG})
    col.notes[F_MOLNAR] += [
        "`S1.4`/`E1.4` (Jy; NVSS or FIRST, the release does not say which per row) -> `NVSS.S1.4` (mJy) at "
        "`RA`/`Dec`: both surveys measure 1.4 GHz, so the SED point is the same",
        "`S22_unWISE`/`E22_unWISE` (Jy; unWISE forced photometry of the WISE 22 um images) -> "
        "`AllWISE.W4mag` (Vega, registry zero point): the same band and images, re-measured",
        "IRAS 60/100 um and Herschel fluxes are left out: no blazar file carries those bands (label leak)",
    ]


#: DustPedia band -> (registry catalogue, magnitude column, AB (None) or Vega zero-point column)
_DUSTPEDIA_BANDS = (
    ("GALEX_FUV", "GALEX", "FUVmag", None), ("GALEX_NUV", "GALEX", "NUVmag", None),
    ("SDSS_u", "SDSS", "upmag", None), ("SDSS_g", "SDSS", "gpmag", None), ("SDSS_r", "SDSS", "rpmag", None),
    ("SDSS_i", "SDSS", "ipmag", None), ("SDSS_z", "SDSS", "zpmag", None),
    ("2MASS_J", "2MASS", "Jmag", "Jmag"), ("2MASS_H", "2MASS", "Hmag", "Hmag"),
    ("2MASS_Ks", "2MASS", "Kmag", "Kmag"),
    ("WISE_3.4", "AllWISE", "W1mag", "W1mag"), ("WISE_4.6", "AllWISE", "W2mag", "W2mag"),
    ("WISE_12", "AllWISE", "W3mag", "W3mag"), ("WISE_22", "AllWISE", "W4mag", "W4mag"),
)


def from_dustpedia(col, shared: Path) -> None:
    t = Table.read(shared / F_DUSTPEDIA, format="ascii.csv")
    ra, dec = floats(t["ra"]), floats(t["dec"])
    per_cat: dict[str, dict[str, np.ndarray]] = {}
    rejected = 0
    for band, cat, mag_col, zp_col in _DUSTPEDIA_BANDS:
        f, e = floats(t[band]), floats(t[f"{band}_err"])
        flag = _s(t[f"{band}_flag"].filled("") if hasattr(t[f"{band}_flag"], "filled") else t[f"{band}_flag"])
        clean = (flag == "") | (flag == "--")
        rejected += int((np.isfinite(f) & ~clean).sum())
        f = np.where(clean, f, np.nan)
        zp = 3631.0 if zp_col is None else col.zp(cat, zp_col).to_value(u.Jy)
        per_cat.setdefault(cat, {})[mag_col] = _mag_from_jy(f, zp)
        per_cat[cat][f"e_{mag_col}"] = _mag_err(f, e)
    for i in range(len(t)):
        for cat, mags in per_cat.items():
            vals = {k: v[i] for k, v in mags.items()}
            col.add(cat, F_DUSTPEDIA, i, ra[i], dec[i], vals, {k: _MAG for k in vals})
    col.notes[F_DUSTPEDIA] += [
        "integrated galaxy photometry (Jy) -> native magnitudes at the galaxy centre `ra`/`dec`: GALEX "
        "FUV/NUV and SDSS ugriz as AB (3631 Jy), 2MASS J/H/Ks and WISE 3.4-22 um as Vega with the registry "
        "zero points; errors 1.0857 err / flux",
        f"only values with an empty DustPedia quality flag are used ({rejected} flagged values left out: "
        "contamination, artefacts, non-detections); values <= 0 are left out",
        "Spitzer, Herschel, IRAS and the Planck apertures are left out: no blazar file carries those bands "
        "(label leak), and aperture fluxes of extended galaxies are not PCCS2 catalogue rows",
    ]


#: Complete catalogues first (their own file keeps a source's row), then the added samples.
ADDED_STEPS = (from_3fhl, from_2fhl, from_pccs030, from_efeds, from_bat, from_radio_selected,
               from_ir_selected, from_molnar, from_dustpedia)
ADDED_ORIGINS = (F_3FHL, F_2FHL, F_PCCS030, F_EFEDS, F_BAT, F_RADIO_SEL, F_IR_SEL, F_MOLNAR, F_DUSTPEDIA)
