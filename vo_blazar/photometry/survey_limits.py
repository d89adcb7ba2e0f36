"""Real non-detections: survey-limit upper limits for positions a complete survey saw and missed.

A catalogue whose registry entry declares a ``footprint`` and ``survey_limits`` covers that sky
completely down to those limits, so a position inside the footprint with no counterpart was
observed and not detected: its SED gets one upper limit per declared band at the survey's
sensitivity. These points are flagged ``upper_limit = True``, carry the band label with
`SURVEY_LIMIT_SUFFIX` and a ``correction_note`` naming the limit's provenance, and have no
counterpart position (NaN ``ra``/``dec``/``separation``).

Absence from a catalogue without a footprint (or from a partial offline slice) stays absence:
nothing is ever inferred from it.
"""
from __future__ import annotations

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import QTable

from ..registry import Catalogue
from ..registry.catalogue import Footprint

__all__ = ["SURVEY_LIMIT_SUFFIX", "in_footprint", "survey_limit_points", "is_survey_limit"]

#: Appended to the band label of a survey-limit point (e.g. ``"LAT 1-3 GeV (survey limit)"``).
SURVEY_LIMIT_SUFFIX = " (survey limit)"


def in_footprint(footprint: Footprint, targets: SkyCoord, galactic_b: np.ndarray | None = None) -> np.ndarray:
    """Boolean array: which ``targets`` lie inside ``footprint``.

    ``galactic_b`` (deg), when given, are the targets' Galactic latitudes: a build that asks several
    catalogues with latitude footprints transforms the targets once, not once per catalogue.
    """
    targets = targets.reshape((-1,)) if targets.isscalar else targets
    n = len(targets)
    if footprint.kind == "allsky":
        return np.ones(n, bool)
    if footprint.kind == "galactic_latitude":
        b = targets.galactic.b.deg if galactic_b is None else np.asarray(galactic_b, float).reshape(-1)
        return np.abs(b) >= footprint.min_abs_b
    icrs = targets.icrs
    dec = icrs.dec.deg
    inside = (dec >= footprint.dec[0]) & (dec <= footprint.dec[1])
    if footprint.kind == "box":
        ra = icrs.ra.wrap_at(360 * u.deg).deg
        lo, hi = footprint.ra
        inside &= ((ra >= lo) & (ra <= hi)) if lo <= hi else ((ra >= lo) | (ra <= hi))
    return inside


def survey_limit_points(catalogue: Catalogue, targets: SkyCoord, detected: np.ndarray,
                        index_column: str | None = None, *,
                        galactic_b: np.ndarray | None = None) -> QTable | None:
    """Upper-limit points for the ``targets`` inside the catalogue's footprint without a counterpart.

    Parameters
    ----------
    catalogue : `~vo_blazar.registry.Catalogue`
        A registry entry; without a footprint nothing is returned.
    targets : `~astropy.coordinates.SkyCoord`
        The positions asked for (one or many).
    detected : ndarray of bool
        Per target: the catalogue gave it at least one point (then no limit is added).
    index_column : str, optional
        Name of the column that says which target each point belongs to (bulk builds).
    galactic_b : ndarray, optional
        The targets' Galactic latitudes in deg, if already known (see `in_footprint`).

    Returns
    -------
    `~astropy.table.QTable` or None
        SED rows (``frequency``, ``nufnu``, ``upper_limit``, ``catalog``, ``band``, ...).
    """
    if catalogue.footprint is None or not catalogue.survey_limits:
        return None
    flat = targets.reshape((-1,)) if targets.isscalar else targets
    need = in_footprint(catalogue.footprint, flat, galactic_b) & ~np.asarray(detected, bool)
    owners = np.flatnonzero(need)
    if not owners.size:
        return None
    limits = catalogue.survey_limits
    k = len(limits)
    owner = np.repeat(owners, k)
    rows = QTable()
    rows["frequency"] = np.tile([lim.frequency.to_value(u.Hz) for lim in limits], owners.size) * u.Hz
    nufnu_unit = u.erg / (u.cm**2 * u.s)
    rows["nufnu"] = np.tile([lim.nufnu.to_value(nufnu_unit) for lim in limits], owners.size) * nufnu_unit
    rows["nufnu_err"] = np.full(len(owner), np.nan) * nufnu_unit
    rows["upper_limit"] = np.ones(len(owner), bool)
    rows["catalog"] = np.full(len(owner), catalogue.name, dtype="U32")
    rows["band"] = np.tile([(lim.band + SURVEY_LIMIT_SUFFIX)[:32] for lim in limits], owners.size)
    epoch = catalogue.epoch_mjd if catalogue.epoch_mjd is not None else np.nan
    rows["mjd"] = np.full(len(owner), epoch) * u.d
    rows["ra"] = np.full(len(owner), np.nan) * u.deg
    rows["dec"] = np.full(len(owner), np.nan) * u.deg
    rows["separation"] = np.full(len(owner), np.nan) * u.arcsec
    rows["correction"] = np.ones(len(owner)) * u.dimensionless_unscaled
    rows["correction_note"] = np.tile([f"survey limit: {lim.note}"[:64] for lim in limits], owners.size)
    if index_column is not None:
        rows[index_column] = owner.astype(np.int64)
    return rows


def is_survey_limit(band) -> np.ndarray:
    """Which SED rows (by their ``band`` labels) are survey-limit upper limits."""
    return np.char.endswith(np.asarray(band).astype(str), SURVEY_LIMIT_SUFFIX)
