"""Records that describe one catalogue: how to reach it and how its columns become SED points.

These are plain frozen dataclasses built from the declarative registry file
(``vo_blazar/registry/catalogues.yaml``); nothing here touches the network or does unit maths.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from astropy import units as u

from ..bands import WAVEBANDS   # re-exported: every catalogue belongs to one of these

__all__ = ["AccessSpec", "PointSpec", "UpperLimitRule", "RowFilter", "Footprint", "SurveyLimit",
           "Catalogue", "WAVEBANDS", "CONVERSIONS", "FOOTPRINT_KINDS", "COLUMN_ROLES", "SNAPSHOT_ROLES"]


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
    ``table``), ``"vizier"`` (VizieR table id in ``table``), ``"packaged"`` (the complete release
    file ships in the package and answers online and offline alike) or ``"offline"`` (no live
    service with a documented schema; only the offline snapshot answers). ``bulk`` names the
    many-position path the service supports: ``"tap_upload"``, ``"xmatch"`` (CDS XMatch with the
    VizieR id) or ``None``. ``aliases`` maps a column name the service answers with to the
    registry's name for it (e.g. CDS XMatch's ``Qfl`` for 2MASS's ``Qflg``).
    """

    kind: str
    url: str | None = None
    table: str | None = None
    bulk: str | None = None
    aliases: dict[str, str] = field(default_factory=dict)


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
class RowFilter:
    """Rows are kept only when ``column`` lies in [``min``, ``max``] and is one of ``values``.

    For catalogues whose documentation says which rows are usable, e.g. VLASS's recommended
    ``DupFlag < 2`` and ``QualFlag`` in (0, 4): duplicate components would repeat one flux.
    A null never passes.
    """

    column: str
    min: float | None = None
    max: float | None = None
    values: tuple[Any, ...] | None = None


#: Footprint kinds a registry entry may declare (see `Footprint`).
FOOTPRINT_KINDS = ("allsky", "box", "dec_range", "galactic_latitude")


@dataclass(frozen=True)
class Footprint:
    """The sky a catalogue covers completely down to its `SurveyLimit` values.

    ``kind`` is ``"allsky"``, ``"box"`` (``ra`` and ``dec`` ranges in deg, ICRS; the RA range may
    wrap through 0), ``"dec_range"`` (``dec`` range) or ``"galactic_latitude"`` (``min_abs_b``:
    the sky at ``|b| >= min_abs_b`` deg, where a survey's sensitivity is uniform enough for one
    limit). A position inside the footprint with no counterpart is a real non-detection.
    """

    kind: str
    ra: tuple[float, float] | None = None
    dec: tuple[float, float] | None = None
    min_abs_b: float | None = None


@dataclass(frozen=True)
class SurveyLimit:
    """The survey's sensitivity in one band: the upper limit reported for a non-detection.

    ``nufnu`` is in erg/cm2/s at ``frequency`` (Hz); ``note`` says where the number comes from.
    """

    band: str
    frequency: u.Quantity
    nufnu: u.Quantity
    note: str = ""


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
    # survey-limit upper limits for non-detections: both or neither (checked by the loader)
    footprint: Footprint | None = None
    survey_limits: tuple[SurveyLimit, ...] = ()
    row_filter: tuple[RowFilter, ...] = ()   # every rule must hold for a row to give points
    one_row_per: str | None = None          # keep the first row per value (RACS: source_id)

    @property
    def frequencies(self) -> u.Quantity:
        """Frequencies of this catalogue's points, in Hz."""
        return u.Quantity([p.frequency for p in self.points]).to(u.Hz)

    def columns(self, roles: Iterable[str] | None = None) -> list[str]:
        """The columns this entry reads, each once, in a fixed order.

        Parameters
        ----------
        roles : iterable of str, optional
            Only the columns read for these purposes (`COLUMN_ROLES`); default all of them.
            The offline snapshot stores ``SNAPSHOT_ROLES``, in this order (which fixes its
            files' bytes); the service check wants every column; the live VO re-reads the units
            of those whose units the photometry and the matching use.

        Returns
        -------
        list of str
            Column names; a vector column addressed by element (``"Flux_Band[2]"``) is named once,
            without the element.
        """
        wanted = COLUMN_ROLES if roles is None else tuple(roles)
        unknown = [r for r in wanted if r not in COLUMN_ROLES]
        if unknown:
            raise ValueError(f"unknown column roles {unknown}; expected some of {COLUMN_ROLES}")
        names = [name for role, name in self._column_roles() if name and role in wanted]
        return list(dict.fromkeys(n.split("[")[0].strip() for n in names))

    def _column_roles(self):
        """``(role, column)`` of every column reference, in the fixed order (blanks included)."""
        yield "position", self.ra_column
        yield "position", self.dec_column
        yield "name", self.name_column
        for key in ("semi_major", "semi_minor", "angle"):
            yield "ellipse", (self.ellipse or {}).get(key)
        for p in self.points:
            yield "photometry", p.value
            yield "photometry", p.error
            for key in ("flux", "lolim", "hilim"):
                yield "photometry", p.params.get(key)
            for key in ("flux_column", "error_lo", "index_column"):
                yield "conversion", p.params.get(key)
            if p.upper_limit is not None:
                yield "photometry", p.upper_limit.column
                yield "photometry", p.upper_limit.error_hi
        yield "epoch", self.epoch_column
        for name in (self.ellipse or {}).get("counterpart") or ():
            yield "counterpart", name
        for rule in self.row_filter:
            yield "filter", rule.column
        yield "unique", self.one_row_per


#: What a registry entry reads a column for (`Catalogue.columns`): its position, its source
#: name, its error ellipse, the photometry (values, errors, flux bounds, upper-limit flags), the
#: further conversion inputs (a separate flux or index column, a lower error), the epoch, the
#: catalogue's own counterpart position, row filters and the one-row-per key.
COLUMN_ROLES = ("position", "name", "ellipse", "photometry", "conversion", "epoch", "counterpart",
                "filter", "unique")
#: The roles whose columns the offline snapshot stores.
SNAPSHOT_ROLES = ("position", "name", "ellipse", "photometry")
