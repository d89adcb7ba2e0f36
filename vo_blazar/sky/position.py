"""Validation of the two sky arguments every search takes: the position(s) and the radius.

Each public entry point (`~vo_blazar.pipeline.build_sed` / `~vo_blazar.pipeline.build_seds`,
`~vo_blazar.classify`, the access classes' ``cone`` / ``bulk``) checks its arguments here once;
the calls it makes inside the package trust the checked values (the accesses' private ``_cone`` /
``_bulk``). One mistake therefore always raises the same exception with the same message:
`~vo_blazar.exceptions.InputTypeError` for an argument of the wrong type,
`~vo_blazar.exceptions.InputValueError` for a wrong value (NaN, empty, a non-angular unit, out of
range).
"""
from __future__ import annotations

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord

from ..config import conf
from ..exceptions import InputTypeError, InputValueError

__all__ = ["check_coordinates", "check_radius", "MAX_RADIUS"]

#: Largest search radius `~vo_blazar.pipeline.build_sed` accepts: counterpart searches around one
#: source, not a survey of a sky region (the candidate search has regions for that).
MAX_RADIUS = 1 * u.deg


def check_coordinates(coord, *, scalar: bool | None = None, empty: bool = False,
                      plural: str = "build_seds()") -> SkyCoord:
    """Validate a position argument and return it in ICRS.

    Parameters
    ----------
    coord : `~astropy.coordinates.SkyCoord`
        The position(s), any frame.
    scalar : bool, optional
        True: one position is required; False: a scalar becomes a 1-element array; None: either.
    empty : bool
        Whether an empty array is acceptable (an access's ``bulk`` answers it with no rows).
    plural : str
        The call to use for many positions, named in the message when ``scalar`` is True.

    Returns
    -------
    `~astropy.coordinates.SkyCoord`
        The position(s) in ICRS.

    Raises
    ------
    InputTypeError
        ``coord`` is not a SkyCoord.
    InputValueError
        Several positions where one is required, an empty array, NaN or infinite positions.
    """
    if not isinstance(coord, SkyCoord):
        raise InputTypeError(
            f"expected an astropy SkyCoord (e.g. SkyCoord(77.358, 5.693, unit='deg')), got "
            f"{type(coord).__name__}; names can be resolved with vo_blazar.resolve_name()")
    if scalar is True and not coord.isscalar:
        raise InputValueError(f"expected a single position, got an array of shape {coord.shape}; "
                              f"use {plural} for many positions")
    if scalar is False and coord.isscalar:
        coord = coord.reshape((1,))
    if not coord.isscalar and coord.size == 0:
        if empty:
            return coord.icrs
        raise InputValueError("expected at least one position, got an empty SkyCoord array")
    icrs = coord.icrs
    ra, dec = np.atleast_1d(icrs.ra.deg), np.atleast_1d(icrs.dec.deg)
    bad = ~(np.isfinite(ra) & np.isfinite(dec))
    if bad.any():
        where = np.flatnonzero(bad)[:5].tolist()
        raise InputValueError(f"position(s) at index {where} are NaN or infinite; expected finite RA/Dec")
    return icrs


def check_radius(radius, *, maximum: u.Quantity | None = MAX_RADIUS, optional: bool = True) -> u.Quantity:
    """Validate a search radius and return it in arcsec.

    Parameters
    ----------
    radius : `~astropy.units.Quantity` or None
        An angle with 0 < radius <= ``maximum``; None means ``conf.default_radius_arcsec`` when
        ``optional``.
    maximum : `~astropy.units.Quantity` or None
        Largest radius accepted; None: any finite angle (an access's own cone searches).
    optional : bool
        Whether None stands for the configured default radius.

    Raises
    ------
    InputTypeError
        ``radius`` is not a Quantity.
    InputValueError
        A non-angular unit, an array, NaN, zero, negative or beyond ``maximum``.
    """
    if radius is None and optional:
        return conf.default_radius_arcsec * u.arcsec
    if not isinstance(radius, u.Quantity):
        raise InputTypeError(f"radius must be an angular Quantity such as 15 * u.arcsec, got {radius!r}")
    try:
        radius = radius.to(u.arcsec)
    except u.UnitConversionError as exc:
        raise InputValueError(f"radius must be an angle, got unit {radius.unit}") from exc
    too_large = maximum is not None and bool(np.any(radius > maximum))
    if not radius.isscalar or not np.isfinite(radius.value) or radius <= 0 or too_large:
        limit = f"0 < radius <= {maximum:g}" if maximum is not None else "0 < radius"
        raise InputValueError(f"radius must be a finite angle with {limit}, got {radius}")
    return radius
