"""Writing and reading SED Tables (ECSV, VOTable, FITS) and conversion to specutils.

ECSV keeps everything (its YAML header stores the SkyCoord target and Quantities). VOTable and
FITS cannot hold a SkyCoord or a dict in their metadata, so the meta is flattened to scalar
keywords (``TARGET_RA``, ``TARGET_DEC``, ``RADIUS_ARCSEC``, ``FAILURES`` as JSON text) and
restored by `read_sed`.
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import QTable

from ..exceptions import InputValueError
from .table import as_sed

__all__ = ["write_sed", "read_sed", "to_spectrum", "FORMATS"]

FORMATS = {".ecsv": "ascii.ecsv", ".vot": "votable", ".xml": "votable", ".votable": "votable",
           ".fits": "fits", ".fit": "fits", ".csv": "ascii.csv"}


def _format_for(path: Path, format: str | None) -> str:
    if format:
        return format
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputValueError(f"cannot tell the table format from the suffix of {path.name!r}; "
                              f"use one of {sorted(FORMATS)} or pass format=")
    return fmt


# FITS keywords must be <= 8 characters; the same names serve VOTable INFO elements.
_SCALAR_KEYS = {"registry_version": "REGVERS", "offline": "OFFLINE", "created": "CREATED"}
_JSON_KEYS = {"failures": "FAILURES", "catalogs": "CATALOGS", "provenance": "PROVENAN", "dropped": "DROPPED"}


def _flat_meta(meta: dict) -> dict:
    flat = {}
    target = meta.get("target")
    if isinstance(target, SkyCoord):
        flat["TARG_RA"] = float(target.icrs.ra.deg)
        flat["TARG_DEC"] = float(target.icrs.dec.deg)
    radius = meta.get("radius")
    if isinstance(radius, u.Quantity):
        flat["RADIUS"] = float(radius.to_value(u.arcsec))
    for key, short in _JSON_KEYS.items():
        if meta.get(key):
            flat[short] = json.dumps(meta[key], sort_keys=True)
    for key, short in _SCALAR_KEYS.items():
        if meta.get(key) is not None:
            flat[short] = str(meta[key])
    return flat


def _unflatten_meta(meta: dict) -> dict:
    upper = {str(k).upper(): v for k, v in meta.items()}
    out = {}
    if "TARG_RA" in upper and "TARG_DEC" in upper:
        out["target"] = SkyCoord(float(upper["TARG_RA"]), float(upper["TARG_DEC"]), unit="deg")
    if "RADIUS" in upper:
        out["radius"] = float(upper["RADIUS"]) * u.arcsec
    for key, short in _JSON_KEYS.items():
        if short in upper:
            out[key] = json.loads(upper[short])
    for key, short in _SCALAR_KEYS.items():
        if short in upper:
            out[key] = upper[short]
    if "offline" in out:
        out["offline"] = out["offline"] == "True"
    return out


def write_sed(sed, path, *, format: str | None = None, overwrite: bool = False) -> Path:
    """Write an SED to ECSV, VOTable, FITS or CSV (chosen from the suffix unless ``format``).

    ECSV keeps the full metadata; VOTable (INFO elements) and FITS (header keywords) get the
    flattened form that `read_sed` restores.
    """
    path = Path(path)
    fmt = _format_for(path, format)
    if path.exists() and not overwrite:
        raise OSError(f"{path} already exists; pass overwrite=True")
    from ..atomic import atomic_path
    table = QTable(sed, copy=True)
    with atomic_path(path) as tmp:   # a killed write leaves the old file or none, never half a file
        if fmt == "ascii.ecsv":
            table.write(tmp, format=fmt, overwrite=True)
            return path
        flat = _flat_meta(sed.meta)
        table.meta = {} if fmt == "votable" else flat
        if fmt == "votable":
            from astropy.io.votable import from_table
            from astropy.io.votable.tree import Info
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", u.UnitsWarning)  # VOUnit frowns on 'erg', but it is exact
                votable = from_table(table)
                for key, value in flat.items():
                    votable.resources[0].tables[0].infos.append(Info(name=key, value=str(value)))
                votable.to_xml(str(tmp))
            return path
        table.write(tmp, format=fmt, overwrite=True)
    return path


def read_sed(path, *, format: str | None = None):
    """Read an SED written by `write_sed` (or any table with frequency and nufnu columns)."""
    path = Path(path)
    fmt = _format_for(path, format)
    if fmt == "votable":
        from astropy.io.votable import parse
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", u.UnitsWarning)
            vot = parse(str(path)).get_first_table()
        table = QTable(vot.to_table())
        table.meta = _unflatten_meta({info.name: info.value for info in vot.infos})
    else:
        table = QTable.read(path, format=fmt)
        if fmt != "ascii.ecsv":
            table.meta = _unflatten_meta(table.meta)
    if "upper_limit" in table.colnames:
        flags = np.asarray(table["upper_limit"])
        if flags.dtype.kind in "US":  # CSV stores booleans as text
            flags = np.char.lower(flags.astype(str)) == "true"
        table["upper_limit"] = flags.astype(bool)
    # plain CSV has no units: what write_sed wrote is in the schema units
    return as_sed(table, assume_units=fmt == "ascii.csv")


def to_spectrum(sed, *, include_upper_limits: bool = False):
    """Convert an SED to a `specutils.Spectrum` (flux = nuFnu on a frequency axis).

    specutils needs a strictly monotonic spectral axis, so points that share a frequency are
    merged keeping the highest flux (the network's rule as well). Upper limits are left out
    unless ``include_upper_limits``; then they are masked.
    """
    from astropy.nddata import StdDevUncertainty
    try:
        from specutils import Spectrum
    except ImportError:  # specutils < 2
        from specutils import Spectrum1D as Spectrum

    sed = as_sed(sed)
    keep = np.ones(len(sed), bool) if include_upper_limits else ~np.asarray(sed["upper_limit"])
    sed = sed[keep & np.isfinite(sed["nufnu"].value) & (sed["nufnu"].value > 0)]
    if len(sed) == 0:
        raise InputValueError("the SED has no finite positive flux to turn into a spectrum")
    nu = sed["frequency"].to_value(u.Hz)
    flux = sed["nufnu"].value
    # highest flux per distinct frequency
    order = np.lexsort((-flux, nu))
    nu, idx = np.unique(nu[order], return_index=True)
    rows = sed[order][idx]
    return Spectrum(spectral_axis=nu * u.Hz, flux=rows["nufnu"],
                    uncertainty=StdDevUncertainty(rows["nufnu_err"].value),
                    mask=np.asarray(rows["upper_limit"]), meta={"sed_meta": dict(sed.meta)})
