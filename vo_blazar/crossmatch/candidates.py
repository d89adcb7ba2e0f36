"""`candidates`: new-blazar candidates among X-ray sources with a radio counterpart.

X-ray list x radio list (error-aware match) -> drop known blazars -> classify the radio
positions (here or on Dask) -> one row per pair, ranked by p_blazar.

The radio-to-X-ray index is

    alpha_rx = -log10(F_x / F_r) / log10(nu_x / nu_r)

with F the flux densities (per Hz) at nu_r = 1.4 GHz (the radio list's flux density) and
nu_x = 1 keV (2.418e17 Hz). F_x at 1 keV comes from the list's band energy flux assuming a power
law of photon index ``photon_index`` (default 2, flat in nuFnu) over ``xray_band`` (default
0.1-2.4 keV, ROSAT): nuFnu(1 keV) = F_band (2 - G) E0^(2-G) / (E2^(2-G) - E1^(2-G)), which for
G = 2 is F_band / ln(E2 / E1). With F_nu proportional to nu^-alpha, blazars have alpha_rx ~ 0.6-0.9.
"""
from __future__ import annotations

import os
from typing import Callable, Sequence

import numpy as np
from astropy import units as u
from astropy.table import MaskedColumn, Table

from ..config import offline_mode
from ..exceptions import InputTypeError, InputValueError, UnknownCatalogueError
from ..logger import log
from .distributed import classify_positions
from .known import DEFAULT_KNOWN_RADIUS, KnownBlazars
from .match import DEFAULT_FLOOR, DEFAULT_K, match_positions
from .region import Region, as_region
from .sources import SourceList

__all__ = ["candidates", "alpha_rx", "NU_RADIO", "NU_XRAY", "DEFAULT_XRAY_BAND"]

#: Frequencies of the two flux densities in alpha_rx.
NU_RADIO = 1.4 * u.GHz
NU_XRAY = (1 * u.keV).to(u.Hz, equivalencies=u.spectral())
#: Band of the X-ray energy flux when none is given (ROSAT 2RXS).
DEFAULT_XRAY_BAND = (0.1 * u.keV, 2.4 * u.keV)


def alpha_rx(xray_flux: u.Quantity, radio_flux: u.Quantity, *,
             xray_band: tuple[u.Quantity, u.Quantity] = DEFAULT_XRAY_BAND,
             photon_index: float = 2.0) -> np.ndarray:
    """Radio-to-X-ray spectral index between 1.4 GHz and 1 keV.

    Parameters
    ----------
    xray_flux : `~astropy.units.Quantity`
        Energy flux in ``xray_band`` (e.g. erg cm-2 s-1).
    radio_flux : `~astropy.units.Quantity`
        Flux density at 1.4 GHz (e.g. mJy).
    xray_band : tuple of `~astropy.units.Quantity`
        (E1, E2) of the X-ray flux.
    photon_index : float
        Photon index assumed to move the band flux to 1 keV.

    Returns
    -------
    numpy.ndarray
        alpha_rx (dimensionless); NaN where a flux is missing or not positive.
    """
    fx = u.Quantity(xray_flux).to(u.erg / u.cm**2 / u.s)
    fr = u.Quantity(radio_flux).to(u.erg / u.cm**2 / u.s / u.Hz)
    e1, e2 = (u.Quantity(e).to_value(u.keV, equivalencies=u.spectral()) for e in xray_band)
    if not (0 < e1 < e2):
        raise InputValueError(f"xray_band must be (E1, E2) with 0 < E1 < E2, got {xray_band}")
    g = float(photon_index)
    if np.isclose(g, 2.0):
        nufnu = fx / np.log(e2 / e1)
    else:  # E0 = 1 keV, so E0**(2-g) = 1
        nufnu = fx * (2 - g) / (e2 ** (2 - g) - e1 ** (2 - g))
    fnu_x = (nufnu / NU_XRAY).to(fr.unit)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (fnu_x / fr).to_value(u.one)
        out = -np.log10(ratio) / np.log10((NU_XRAY / NU_RADIO).to_value(u.one))
    return np.where((fx.value > 0) & (fr.value > 0), out, np.nan)


def _load_list(source, role: str, *, region: Region | None, offline, error, flux_column,
               flux_unit) -> tuple[SourceList, str]:
    """Read one list; a registry catalogue name is fetched for ``region``."""
    if isinstance(source, str) and not os.path.exists(source):
        looks_like_path = os.sep in source or os.path.splitext(source)[1] != ""
        try:
            table = _fetch_catalogue(source, region, offline)
        except UnknownCatalogueError as exc:
            if looks_like_path:
                raise InputValueError(f"{role} list: file {source!r} does not exist") from None
            raise InputValueError(f"{role} list: {source!r} is neither a file nor a registry "
                                  f"catalogue ({exc})") from None
        sl = SourceList.from_input(table, role=role, error=error, flux_column=flux_column,
                                   flux_unit=flux_unit)
        sl.notes.append(f"{role} list fetched from registry catalogue {source} "
                        f"({'offline snapshot' if offline_mode(offline) else 'VO'}) for the region")
        return sl, f"catalogue {source}"
    sl = SourceList.from_input(source, role=role, error=error, flux_column=flux_column,
                               flux_unit=flux_unit)
    what = f"file {os.fspath(source)}" if isinstance(source, (str, os.PathLike)) else \
        type(source).__name__
    return sl, what


def _fetch_catalogue(name: str, region: Region | None, offline) -> Table:
    try:
        from ..registry import load_registry
    except ImportError as exc:
        raise UnknownCatalogueError(f"no registry available to look up {name!r}") from exc
    registry = load_registry()
    try:
        cat = registry[name]
    except KeyError:
        raise UnknownCatalogueError(f"{name!r} is not in the registry") from None
    if region is None:
        raise InputValueError(f"the registry catalogue {name!r} can only be fetched for a region; "
                              "pass region= (a cone, a polygon or a 4FGL name)")
    center, radius = region.bounding_cone()
    from ..pipeline import default_access
    table = default_access(offline, cache=False).cone(cat, center, radius)
    if len(table) == 0:
        raise InputValueError(f"catalogue {name!r} has no source in {region.describe()}")
    ra_col, dec_col = getattr(cat, "ra_column", None), getattr(cat, "dec_column", None)
    if ra_col and dec_col and ra_col in table.colnames and "ra" not in table.colnames:
        table = Table(table)
        table.rename_columns([ra_col, dec_col], ["ra", "dec"])
    return table


def _default_classifier() -> Callable:
    try:
        from ..classifier.classification import classify
    except ImportError as exc:
        raise InputValueError("vo_blazar.classify is not available in this installation; pass "
                              "classifier= (a callable with classify's signature)") from exc
    return classify


def candidates(xray, radio, *, region=None, xray_error=None, radio_error=None, known=None,
               drop_known: bool = True, classifier: Callable | None = None, client=None,
               offline: bool | None = None, k: float = DEFAULT_K,
               floor: u.Quantity = DEFAULT_FLOOR, known_radius: u.Quantity = DEFAULT_KNOWN_RADIUS,
               xray_flux: str | None = None, radio_flux: str | None = None,
               xray_flux_unit=None, radio_flux_unit=None,
               xray_band: tuple[u.Quantity, u.Quantity] = DEFAULT_XRAY_BAND,
               photon_index: float = 2.0, radius: u.Quantity | None = None,
               gamma: bool | None = None, catalogs: Sequence[str] | None = None,
               chunk_size: int | None = None, fermi_table: Table | None = None) -> Table:
    """Blazar candidates among X-ray sources with a radio counterpart, ranked by p_blazar.

    Parameters
    ----------
    xray, radio : `~astropy.table.Table`, path, `~astropy.coordinates.SkyCoord` or str
        The two lists: a Table, a file astropy can read, positions, or a registry catalogue name
        (``"2RXS"``, ``"NVSS"``) fetched for ``region``. Position columns are found by name
        (ra/dec, RAJ2000/DEJ2000, ra_nvss_deg/dec_nvss_deg, GLON/GLAT); any frame is converted to
        ICRS and the conversion is stated in ``meta['notes']``.
    region : Region, str, (SkyCoord, radius) or SkyCoord, optional
        Keep only sources inside: a cone ``(center, radius)``, a polygon (SkyCoord of vertices),
        or a 4FGL name (``"4FGL J0509.4+0542"``: its 95 % error ellipse).
    xray_error, radio_error : `~astropy.units.Quantity` or str, optional
        1-sigma positional errors (an angle, or a column name). Default: the list's error column
        if recognised, else 10" (X-ray) and 2" (radio); the value used is in ``meta``.
    known : KnownBlazars or Table, optional
        Known blazars. Default: the package's shipped list (`KnownBlazars.shipped`).
    drop_known : bool
        Drop pairs whose radio source is a known blazar (listed in ``meta['dropped_known']``).
        With False they stay in, flagged in ``known_name`` (the recovery test).
    classifier : callable, optional
        ``classifier(coords, **kw) -> Table`` like `vo_blazar.classify` (the default).
    client : `distributed.Client`, optional
        Run the classification on Dask, in chunks of ``chunk_size`` positions.
    offline : bool, optional
        Offline snapshot instead of the VO (default: `vo_blazar.config.offline_mode`).
    k, floor :
        A pair matches within ``max(k * sqrt(err_x**2 + err_r**2), floor)`` (defaults 3, 1").
    known_radius : `~astropy.units.Quantity`
        Radio position to known-blazar match radius (default 10").
    xray_flux, radio_flux : str, optional
        Flux columns (X-ray energy flux in ``xray_band``; radio flux density at 1.4 GHz). Default:
        the first column with the right kind of unit; ``*_flux_unit`` when the file has none.
    xray_band, photon_index :
        Used to move the X-ray band flux to 1 keV for alpha_rx (see the module docstring).
    radius, gamma, catalogs :
        Passed to the classifier when given (``catalogs``: the registry names to build the SEDs
        from, as in `vo_blazar.classify`).
    chunk_size : int, optional
        Positions per classifier call / Dask task.
    fermi_table : Table, optional
        4FGL table for a region given by name (default: the shipped 4FGL-DR4).

    Returns
    -------
    `~astropy.table.Table`
        One row per matched pair, best first: ``rank``, ``ra``, ``dec`` (the radio position, the
        one classified), ``p_blazar``, ``p_blazar_std``, ``is_blazar``, ``separation``,
        ``match_tolerance``, ``xray_ra``, ``xray_dec``, ``xray_flux``, ``radio_flux``,
        ``alpha_rx``, ``known_name``, ``known_origin``, ``xray_index``, ``radio_index`` (rows of
        the inputs), names where the inputs have them, ``warnings``. ``meta`` holds the settings
        used, the counts and ``dropped_known`` (a Table of the dropped pairs).
    """
    region_obj = as_region(region, fermi_table=fermi_table)
    xs, xwhat = _load_list(xray, "xray", region=region_obj, offline=offline, error=xray_error,
                           flux_column=xray_flux, flux_unit=xray_flux_unit)
    rs, rwhat = _load_list(radio, "radio", region=region_obj, offline=offline, error=radio_error,
                           flux_column=radio_flux, flux_unit=radio_flux_unit)
    counts = {"n_xray": len(xs), "n_radio": len(rs)}
    if region_obj is not None:
        xs = xs.subset(region_obj.contains(xs.coords))
        rs = rs.subset(region_obj.contains(rs.coords))
        counts.update(n_xray_in_region=len(xs), n_radio_in_region=len(rs))
        for sl in (xs, rs):
            if len(sl) == 0:
                raise InputValueError(f"no {sl.role} source lies inside the region "
                                      f"({region_obj.describe()}); nothing to match")

    pairs = match_positions(xs.coords, rs.coords, xs.error, rs.error, k=k, floor=floor)
    counts["n_pairs"] = len(pairs)
    ix, ir = np.asarray(pairs["index1"]), np.asarray(pairs["index2"])
    rc = rs.coords[ir]

    # known blazars, matched at the radio position (the counterpart's accurate one)
    known_obj, known_note = _resolve_known(known, drop_known)
    if known_obj is not None:
        kn = known_obj.match(rc, radius=known_radius)
    else:
        kn = Table({"known_name": np.full(len(pairs), "", dtype="<U1"),
                    "known_origin": np.full(len(pairs), "", dtype="<U1"),
                    "known_sep": np.full(len(pairs), np.nan) * u.arcsec})
    is_known = np.array([bool(s) for s in kn["known_name"]], dtype=bool)
    counts["n_known_pairs"] = int(is_known.sum())

    out = Table()
    out["ra"] = rc.ra.to(u.deg)
    out["dec"] = rc.dec.to(u.deg)
    out["separation"] = u.Quantity(pairs["separation"]).to(u.arcsec)
    out["match_tolerance"] = u.Quantity(pairs["tolerance"]).to(u.arcsec)
    xc = xs.coords[ix]
    out["xray_ra"] = xc.ra.to(u.deg)
    out["xray_dec"] = xc.dec.to(u.deg)
    out["xray_index"] = ix
    out["radio_index"] = ir
    if xs.names is not None:
        out["xray_name"] = xs.names[ix]
    if rs.names is not None:
        out["radio_name"] = rs.names[ir]
    fx = xs.flux[ix].to(u.erg / u.cm**2 / u.s) if xs.flux is not None else \
        np.full(len(ix), np.nan) * u.erg / u.cm**2 / u.s
    fr = rs.flux[ir].to(u.mJy) if rs.flux is not None else np.full(len(ir), np.nan) * u.mJy
    out["xray_flux"] = fx
    out["radio_flux"] = fr
    out["alpha_rx"] = alpha_rx(fx, fr, xray_band=xray_band, photon_index=photon_index)
    out["known_name"] = kn["known_name"]
    out["known_origin"] = kn["known_origin"]
    out["known_sep"] = kn["known_sep"]
    warns = [[] for _ in range(len(out))]
    nx = np.bincount(ix, minlength=len(xs))   # radio matches per X-ray source
    nr = np.bincount(ir, minlength=len(rs))   # X-ray matches per radio source
    for i in range(len(out)):
        if nx[ix[i]] > 1:
            warns[i].append(f"X-ray source has {nx[ix[i]]} radio matches")
        if nr[ir[i]] > 1:
            warns[i].append(f"radio source has {nr[ir[i]]} X-ray matches")
        if is_known[i] and not drop_known:
            warns[i].append(f"known blazar ({kn['known_origin'][i]}: {kn['known_name'][i]})")
    out["warnings"] = np.array(["; ".join(w) for w in warns], dtype=str) if len(out) else \
        np.zeros(0, dtype="<U1")

    dropped = out[is_known] if drop_known else out[:0]
    if drop_known:
        out = out[~is_known]
    counts["n_dropped_known"] = len(dropped)

    # classify each distinct radio position once
    out["p_blazar"] = np.full(len(out), np.nan)
    out["p_blazar_std"] = np.full(len(out), np.nan)
    out["is_blazar"] = np.zeros(len(out), bool)
    out["model"] = np.full(len(out), "", dtype="<U32")
    clf_name = None
    if len(out):
        clf = _default_classifier() if classifier is None else classifier
        clf_name = getattr(clf, "__qualname__", type(clf).__name__)
        uniq, inverse = np.unique(np.asarray(out["radio_index"]), return_inverse=True)
        kw = {"offline": offline}
        if radius is not None:
            kw["radius"] = radius
        if gamma is not None:
            kw["gamma"] = gamma
        if catalogs is not None:
            kw["catalogs"] = catalogs
        res = classify_positions(rs.coords[uniq], clf, client=client, chunk_size=chunk_size, **kw)
        counts["n_classified_positions"] = len(uniq)
        out["p_blazar"] = np.asarray(res["p_blazar"], float)[inverse]
        out["p_blazar_std"] = np.asarray(res["p_blazar_std"], float)[inverse]
        if "is_blazar" in res.colnames:   # masked where the classifier cannot know: kept masked
            col = res["is_blazar"]
            out["is_blazar"] = MaskedColumn(np.ma.getdata(col).astype(bool)[inverse],
                                            mask=np.ma.getmaskarray(col)[inverse])
        for col in ("reliable", "reliability"):
            if col in res.colnames:
                out[col] = np.asarray(res[col])[inverse]
        if "model" in res.colnames:
            out["model"] = np.asarray(res["model"]).astype(str)[inverse]
        for col in ("n_points", "n_upper_limits", "bands"):
            if col in res.colnames:
                out[col] = np.asarray(res[col])[inverse]
        if "warnings" in res.colnames:
            cw = np.asarray(res["warnings"]).astype(str)[inverse]
            out["warnings"] = np.array(["; ".join(x for x in (a, b) if x)
                                        for a, b in zip(out["warnings"], cw)], dtype=str)
    else:
        counts["n_classified_positions"] = 0
        log.warning("no X-ray/radio pair survived matching and known-blazar removal; "
                    "nothing was classified")

    # best first; a NaN probability (classifier could not answer) goes last, not first
    p = np.asarray(out["p_blazar"], float)
    order = np.lexsort((np.asarray(out["separation"], float), -np.nan_to_num(p, nan=-np.inf)))
    out = out[order]
    out.add_column(np.arange(1, len(out) + 1), name="rank", index=0)
    front = ["rank", "ra", "dec", "p_blazar", "p_blazar_std", "is_blazar", "separation",
             "match_tolerance", "xray_flux", "radio_flux", "alpha_rx"]
    out = out[front + [c for c in out.colnames if c not in front]]
    counts["n_candidates"] = len(out)

    out.meta.update({
        "xray_input": xwhat, "radio_input": rwhat,
        "match_rule": "separation <= max(k * sqrt(xray_error**2 + radio_error**2), floor); "
                      "errors are 1-sigma, circular",
        "k": float(k), "floor_arcsec": float(u.Quantity(floor).to_value(u.arcsec)),
        "xray_error": _err_desc(xs), "radio_error": _err_desc(rs),
        "region": region_obj.describe() if region_obj is not None else "all sky",
        "known_blazars": known_note, "known_radius_arcsec":
            float(u.Quantity(known_radius).to_value(u.arcsec)),
        "drop_known": bool(drop_known),
        "alpha_rx_definition": "alpha_rx = -log10(F_x/F_r)/log10(nu_x/nu_r), F per Hz at "
                               f"nu_r = {NU_RADIO} and nu_x = 1 keV = {NU_XRAY:.4e}; F_x from the "
                               f"band flux over {xray_band[0]}-{xray_band[1]} with photon index "
                               f"{photon_index}",
        "xray_flux_column": xs.flux_column, "radio_flux_column": rs.flux_column,
        "classifier": clf_name, "dask": client is not None,
        "ranking": "p_blazar descending (NaN last), then separation",
        "notes": xs.notes + rs.notes,
        **counts,
        "dropped_known": dropped,
    })
    log.info(f"candidates: {counts['n_pairs']} pairs, {counts['n_known_pairs']} known blazars "
             f"({'dropped' if drop_known else 'kept'}), {len(out)} ranked")
    return out


def _err_desc(sl: SourceList) -> str:
    e = sl.error.to_value(u.arcsec)
    if sl.error_source.startswith("default"):
        return f"{sl.error_source} (assumed: the list has no positional error)"
    return f"{sl.error_source}: median {np.median(e):.2f} arcsec"


def _resolve_known(known, drop_known: bool) -> tuple[KnownBlazars | None, str]:
    if isinstance(known, KnownBlazars):
        return known, f"user list ({len(known)} sources from {', '.join(known.origins) or 'none'})"
    if isinstance(known, Table):
        kb = KnownBlazars.from_table(known)
        return kb, f"user table ({len(kb)} sources from {', '.join(kb.origins) or 'none'})"
    if known is not None:
        raise InputTypeError(f"known must be a KnownBlazars or a Table, got {type(known).__name__}")
    try:
        kb = KnownBlazars.shipped()
    except InputValueError:
        if drop_known:
            raise
        return None, "none available: known blazars are NOT flagged"
    return kb, f"shipped ({len(kb)} sources from {', '.join(kb.origins)})"
