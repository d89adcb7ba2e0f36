"""Records that describe one catalogue: how to reach it and how its columns become SED points.

These are plain frozen dataclasses built from the declarative registry file
(``vo_blazar/registry/catalogues.yaml``); nothing here touches the network or does unit maths.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from astropy import units as u

__all__ = ["AccessSpec", "PointSpec", "UpperLimitRule", "Catalogue", "WAVEBANDS", "CONVERSIONS"]

#: Wavebands in frequency order; every catalogue belongs to one.
WAVEBANDS = ("radio", "mm", "ir", "optical", "uv", "xray", "gamma")

#: Conversion names understood by `vo_blazar.photometry` (see that module for the formulas).
CONVERSIONS = (
    "flux_density",   # S_nu in ``unit`` (Jy, mJy, ...): nuFnu = nu * S_nu
    "ab_mag",         # AB magnitude: S_nu = 3631 Jy * 10**(-0.4 m)
    "vega_mag",       # Vega magnitude with ``zero_point`` (Jy) of the band
    "nufnu",          # already nuFnu in ``unit`` (erg/cm2/s or W/m2)
    "energy_flux",    # band-integrated energy flux over ``band_energy`` in ``unit``, power law ``alpha``
    "photon_flux",    # band-integrated photon flux over ``band_energy`` in ``unit``, photon ``index``
    "count_rate",     # count rate (ct/s) times ``ecf`` (erg/cm2/s per ct/s) over ``band_energy``
)


@dataclass(frozen=True)
class AccessSpec:
    """How the live VO answers a cone search for this catalogue.

    ``kind`` is ``"scs"`` (IVOA Simple Cone Search at ``url``), ``"tap"`` (TAP service ``url``,
    ``table``) or ``"vizier"`` (VizieR table id in ``table``). ``bulk`` names the many-position path
    the service supports: ``"tap_upload"``, ``"xmatch"`` (CDS XMatch with the VizieR id) or ``None``.
    """

    kind: str
    url: str | None = None
    table: str | None = None
    bulk: str | None = None


@dataclass(frozen=True)
class UpperLimitRule:
    """When a catalogue value is an upper limit, and which value to report.

    ``kind`` is one of

    * ``"flag"``: ``column`` equals one of ``values`` (e.g. a ``l_S`` column with ``"<"``);
    * ``"null_error"``: ``column`` (usually the lower error) is null/NaN, e.g. 4FGL bands; the
      reported limit is ``value + sigma * <error_hi column>`` scaled as the value;
    * ``"nonpositive"``: the value itself is <= 0 and ``error`` is finite: limit = ``sigma * error``.
    """

    kind: str
    column: str | None = None
    values: tuple[Any, ...] = ()
    sigma: float = 2.0
    error_hi: str | None = None


@dataclass(frozen=True)
class PointSpec:
    """One SED point per catalogue row: which column, at what frequency, converted how."""

    band: str
    frequency: u.Quantity            # in Hz
    conversion: str                  # one of CONVERSIONS
    value: str                       # column name
    error: str | None = None         # symmetric 1-sigma error column (same unit as value, or mag)
    # unit, zero_point, band_energy, alpha, index, ecf ...
    params: dict[str, Any] = field(default_factory=dict)
    upper_limit: UpperLimitRule | None = None
    correction: str = "none"         # "extinction" (IR-UV dust), "absorption" (soft X-ray nH) or "none"


@dataclass(frozen=True)
class Catalogue:
    """One catalogue of the registry."""

    name: str
    title: str
    waveband: str
    reference: str
    access: AccessSpec
    ra_column: str
    dec_column: str
    points: tuple[PointSpec, ...]
    radius: u.Quantity | None = None       # fixed query radius; None -> the user's radius
    match: str = "cone"                    # "cone", "nearest" (keep the closest row) or "ellipse"
    # {"semi_major": col, "semi_minor": col, "angle": col, "unit": "deg"}
    ellipse: dict[str, Any] | None = None
    epoch_column: str | None = None        # MJD column
    epoch_mjd: float | None = None         # fixed epoch (survey mid-point) when no column
    name_column: str | None = None
    description: str = ""

    @property
    def frequencies(self) -> u.Quantity:
        """Frequencies of this catalogue's points, in Hz."""
        return u.Quantity([p.frequency for p in self.points]).to(u.Hz)
