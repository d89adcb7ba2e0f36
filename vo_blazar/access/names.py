"""Offline name lookup: the source names the snapshot knows, with positions from the shared files.

`resolve_name` answers without the network for 5BZCAT, 4FGL (``Source_Name`` and the associated
counterpart ``ASSOC1``), 3HSP and 3LAC names and a few common aliases (Mrk 421 = Mkn 421, ...).
Names are compared after removing spaces, underscores and case (``"txs0506+056"`` works).
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import Table

from .snapshot_file import read_table
from ..exceptions import InputTypeError, NameResolutionError
from ..package_data import data_path

__all__ = ["resolve_name", "normalise_name", "known_names", "NAMES_FILE"]

NAMES_FILE = "names.npz"

#: alias -> a name found in the files (the alias gets that name's position)
ALIASES = {
    "Mrk 421": "Mkn 421",
    "Markarian 421": "Mkn 421",
    "Mrk 501": "Mkn 501",
    "Markarian 501": "Mkn 501",
    "IceCube-170922A source": "TXS 0506+056",
    "PKS 0502+049": "TXS 0506+056",
    "BL Lacertae": "BL Lac",
    "PKS 1226+023": "3C 273",
    "PKS 1253-055": "3C 279",
}


def normalise_name(name: str) -> str:
    """Upper case without spaces/underscores; 'MRK' is read as 'MKN' (both are Markarian)."""
    key = re.sub(r"[\s_]+", "", str(name)).upper()
    return re.sub(r"^MRK", "MKN", key)


def build_name_table(shared: Path, files: dict[str, str]) -> Table:
    """Names and positions from the shared files (maintainer use, called by the snapshot builder)."""
    from astropy.io import fits

    names, ras, decs, origins = [], [], [], []

    def add(name, ra, dec, origin):
        name = str(name).strip()
        if name and np.isfinite(ra) and np.isfinite(dec):
            names.append(name)
            ras.append(float(ra))
            decs.append(float(dec))
            origins.append(origin)

    with fits.open(shared / files["4fgl"]) as hdul:
        d = hdul[1].data
        for i in range(len(d)):
            # the associated counterpart's position (not the gamma-ray centroid) for ASSOC1
            add(d["ASSOC1"][i], d["RA_Counterpart"][i], d["DEC_Counterpart"][i], files["4fgl"])
        for i in range(len(d)):
            add(d["Source_Name"][i], d["RAJ2000"][i], d["DEJ2000"][i], files["4fgl"])
    bz = Table.read(shared / files["bzcat"], format="ascii.csv")
    sky = SkyCoord(list(bz["RA (J2000.0)"]), list(bz["Dec (J2000.0)"]), unit=(u.hourangle, u.deg))
    for i in range(len(bz)):
        add(bz["BZCAT5 Source name"][i], sky.ra.deg[i], sky.dec.deg[i], files["bzcat"])
    with fits.open(shared / files["3hsp"]) as hdul:
        h = hdul[1].data
        for i in range(len(h)):
            add(h["Name"][i], h["ra"][i], h["dec"][i], files["3hsp"])
    lac = Table.read(shared / files["3lac"], format="ascii.csv")
    for i in range(len(lac)):
        add(lac["CName"][i], lac["RAJ2000"][i], lac["DEJ2000"][i], files["3lac"])

    # first occurrence of a normalised name wins (ASSOC1 counterparts come first)
    seen: dict[str, int] = {}
    for k, n in enumerate(names):
        seen.setdefault(normalise_name(n), k)
    for alias, target in ALIASES.items():
        k = seen.get(normalise_name(target))
        if k is not None and normalise_name(alias) not in seen:
            names.append(alias)
            ras.append(ras[k])
            decs.append(decs[k])
            origins.append(f"alias of {names[k]} ({origins[k]})")
            seen[normalise_name(alias)] = len(names) - 1
    keep = sorted(seen.values(), key=lambda k: normalise_name(names[k]))
    t = Table()
    t["name"] = [names[k] for k in keep]
    t["key"] = [normalise_name(names[k]) for k in keep]
    t["ra"] = np.array([ras[k] for k in keep]) * u.deg
    t["dec"] = np.array([decs[k] for k in keep]) * u.deg
    t["origin"] = [origins[k] for k in keep]
    return t


@functools.lru_cache(maxsize=1)
def _table() -> Table:
    path = data_path("snapshot", NAMES_FILE)
    try:
        return read_table(path)
    except Exception as exc:   # a damaged install is not the user's bad input
        from ..exceptions import ModelError
        raise ModelError(f"the installed name table {path} is damaged ({type(exc).__name__}: {exc}); "
                         "reinstall vo_blazar to restore it") from exc


@functools.lru_cache(maxsize=1)
def _index() -> dict[str, int]:
    return {str(k): i for i, k in enumerate(_table()["key"])}


def known_names() -> list[str]:
    """Every name the offline snapshot can resolve."""
    return [str(n) for n in _table()["name"]]


def resolve_name(name: str) -> SkyCoord:
    """Position of a source name known to the offline snapshot.

    Parameters
    ----------
    name : str
        e.g. ``"TXS 0506+056"``, ``"Mrk 421"``, ``"5BZBJ0509+0541"``, ``"4FGL J0509.4+0542"``.

    Returns
    -------
    `~astropy.coordinates.SkyCoord`
        ICRS position (for 4FGL ``ASSOC1`` names, the counterpart's position).

    Raises
    ------
    NameResolutionError
        If the snapshot does not know the name.
    """
    if not isinstance(name, str):
        raise InputTypeError(f"a source name must be a str, got {type(name).__name__}")
    key = normalise_name(name)
    if not key:
        raise NameResolutionError("empty source name")
    i = _index().get(key)
    if i is None:
        raise NameResolutionError(
            f"{name!r} is not known to the offline snapshot (it knows {len(_index())} 5BZCAT, 4FGL, "
            "3HSP and 3LAC names); give a position instead, or resolve the name online")
    t = _table()
    return SkyCoord(float(t["ra"][i]), float(t["dec"][i]), unit=u.deg, frame="icrs")
