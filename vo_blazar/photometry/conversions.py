"""Catalogue quantities -> nu F_nu, one vectorised function per conversion name of the registry.

Every function takes Quantities (or plain arrays for magnitudes) and returns ``(nufnu, nufnu_err)``
in erg / (cm2 s); an error that is not given or not usable comes back as NaN, never as 0.

Conventions (see ``docs/photometry.rst`` for the derivations):

* magnitudes: ``S_nu = F0 * 10**(-0.4 m)``; the error is the mean of the two flux bounds
  ``(S(m - sigma) - S(m + sigma)) / 2 = S * sinh(0.4 ln(10) sigma)`` (symmetric in flux, equal to the
  derivative to first order and exact for the bounds VOU-Blazars builds);
* band-integrated quantities assume a power law over the band and give nuFnu at the point's own
  frequency ``E0 = h nu``: energy index ``alpha`` (F_E ~ E**-alpha) for energy fluxes and count
  rates, photon index ``Gamma`` (N_E ~ E**-Gamma) for photon fluxes; the logarithmic limits
  ``alpha = 1`` / ``Gamma = 1`` are handled exactly.
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from astropy import units as u

from ..exceptions import ConversionError
from ..sed.table import NUFNU_UNIT

__all__ = [
    "AB_ZERO_POINT", "flux_density", "ab_mag", "vega_mag", "nufnu", "energy_flux", "photon_flux",
    "count_rate", "parse_unit", "parse_quantity", "without_counts", "band_energy_factor",
    "photon_band_factor", "magnitude_to_flux", "CONVERTERS",
]

#: AB magnitude zero point (Oke & Gunn 1983): 3631 Jy.
AB_ZERO_POINT = 3631.0 * u.Jy

#: Below this |1 - alpha| the logarithmic (alpha = 1) form of the band integral is used.
_LOG_LIMIT = 1e-8


# ---------------------------------------------------------------------------------------------
# units
# ---------------------------------------------------------------------------------------------
#: unit strings already parsed (parsing dominates the cost of converting a one-row answer)
_PARSED_UNITS: dict[str, u.UnitBase] = {}


def parse_unit(text: Any, *, catalogue: str = "?", column: str = "?") -> u.UnitBase:
    """Parse a unit string from the registry or a VOTable (generic, VOUnit or CDS syntax).

    Raises
    ------
    ConversionError
        When no syntax understands ``text``; the message names the catalogue, column and unit.
    """
    if isinstance(text, u.UnitBase) and not isinstance(text, u.UnrecognizedUnit):
        return text
    if isinstance(text, str) and text in _PARSED_UNITS:
        return _PARSED_UNITS[text]
    if not isinstance(text, str) or not text.strip():
        raise ConversionError(
            f"{catalogue}: column '{column}' has no usable unit ({text!r}); expected a unit string "
            f"such as 'mJy' or 'erg / (cm2 s)'")
    for fmt in (None, "vounit", "cds"):
        try:
            with warnings.catch_warnings():
                # "erg/cm2/s" is fine for us even if the FITS standard frowns on several slashes
                warnings.simplefilter("ignore", u.UnitsWarning)
                unit = u.Unit(text, format=fmt, parse_strict="raise")
        except (ValueError, TypeError):
            continue
        if not isinstance(unit, u.UnrecognizedUnit):
            _PARSED_UNITS[text] = unit
            return unit
    raise ConversionError(
        f"{catalogue}: cannot parse unit {text!r} of column '{column}' (tried the generic, VOUnit and "
        f"CDS syntaxes)")


def parse_quantity(value: Any, default_unit: u.UnitBase | str, *, catalogue: str = "?",
                   what: str = "?") -> u.Quantity:
    """A registry parameter as a Quantity: a number (taken in ``default_unit``), ``"666.7 Jy"``,
    a list of those, or a Quantity."""
    if isinstance(value, u.Quantity):
        return value
    if isinstance(value, (list, tuple)):
        parts = [parse_quantity(v, default_unit, catalogue=catalogue, what=what) for v in value]
        unit = parts[0].unit
        try:
            return u.Quantity([p.to_value(unit, equivalencies=u.spectral()) for p in parts], unit)
        except u.UnitsError as exc:
            raise ConversionError(
                f"{catalogue}: parameter '{what}' mixes incompatible units {value!r}") from exc
    if isinstance(value, str):
        try:
            return u.Quantity(value)
        except (TypeError, ValueError) as exc:
            raise ConversionError(f"{catalogue}: cannot read parameter '{what}' = {value!r} as a quantity "
                                  f"(expected e.g. '666.7 Jy' or a number in {default_unit})") from exc
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise ConversionError(
            f"{catalogue}: parameter '{what}' = {value!r} is not a number or quantity") from exc
    return number * parse_unit(default_unit, catalogue=catalogue, column=what)


def without_counts(quantity: u.Quantity) -> u.Quantity:
    """Drop photon/count units (``ph``, ``ct``), which only label what is counted.

    ``ph / (cm2 s)`` becomes ``1 / (cm2 s)`` and ``ct / s`` becomes ``1 / s``; astropy treats
    photons and counts as irreducible units, so they would otherwise block the conversion.
    """
    unit = quantity.unit
    bases = getattr(unit, "bases", [unit])
    powers = getattr(unit, "powers", [1])
    for base, power in zip(bases, powers):
        if base in (u.ph, u.ct):
            quantity = quantity / base**power
    return quantity


def _errors(error: u.Quantity | np.ndarray | None, shape: tuple,
            unit: u.UnitBase | None) -> u.Quantity | np.ndarray:
    """The error as a Quantity/array of ``shape``; missing or non-positive errors -> NaN."""
    if error is None:
        out = np.full(shape, np.nan)
        return out * unit if unit is not None else out
    err = error if unit is None or isinstance(error, u.Quantity) else error * unit
    value = np.asarray(err.value if isinstance(err, u.Quantity) else err, dtype=float)
    value = np.where(np.isfinite(value) & (value > 0), value, np.nan)  # 0 error is "unknown", not exact
    value = np.broadcast_to(value, shape)
    return value * err.unit if isinstance(err, u.Quantity) else value


def _to_nufnu(q: u.Quantity, what: str) -> u.Quantity:
    try:
        return q.to(NUFNU_UNIT)
    except u.UnitConversionError as exc:
        raise ConversionError(f"{what}: result has unit {q.unit}, which is not an energy flux "
                              f"(expected something convertible to {NUFNU_UNIT})") from exc


def _energy(frequency: u.Quantity) -> u.Quantity:
    return u.Quantity(frequency).to(u.keV, equivalencies=u.spectral())


def _band(band_energy: u.Quantity | tuple) -> tuple[u.Quantity, u.Quantity]:
    if isinstance(band_energy, u.Quantity):
        e1, e2 = band_energy[..., 0], band_energy[..., 1]
    else:
        e1, e2 = band_energy
    e1 = u.Quantity(e1).to(u.keV, equivalencies=u.spectral())
    e2 = u.Quantity(e2).to(u.keV, equivalencies=u.spectral())
    if np.any(e2 <= e1) or np.any(e1 <= 0 * u.keV):
        raise ConversionError(f"band energies must satisfy 0 < E1 < E2, got E1={e1}, E2={e2}")
    return e1, e2


# ---------------------------------------------------------------------------------------------
# spectral shape factors
# ---------------------------------------------------------------------------------------------
def band_energy_factor(energy: u.Quantity, band_energy: u.Quantity | tuple, alpha: Any) -> np.ndarray:
    """nuFnu(E0) / F_band for F_E ~ E**-alpha: ``(E0/E1)**(1-a) (1-a) / ((E2/E1)**(1-a) - 1)``.

    For ``alpha = 1`` the band integral is logarithmic and the factor is ``1 / ln(E2/E1)``.
    """
    e1, e2 = _band(band_energy)
    e0 = _energy(energy)
    r0 = np.asarray((e0 / e1).to_value(u.one), dtype=float)
    r2 = np.asarray((e2 / e1).to_value(u.one), dtype=float)
    a = np.asarray(alpha, dtype=float)
    s = 1.0 - a
    log_form = np.abs(s) < _LOG_LIMIT
    s_safe = np.where(log_form, 1.0, s)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        power = r0**s_safe * s_safe / (r2**s_safe - 1.0)
        return np.where(log_form, 1.0 / np.log(r2), power)


def photon_band_factor(energy: u.Quantity, band_energy: u.Quantity | tuple, index: Any) -> u.Quantity:
    """nuFnu(E0) / N_band for N_E ~ E**-Gamma: ``E0 * band_energy_factor(alpha = Gamma)``.

    With ``N_band = K (E2**(1-G) - E1**(1-G)) / (1-G)`` and ``nuFnu(E0) = E0**2 K E0**-G = E0 K E0**(1-G)``
    the ratio has the form of the energy-flux one with the photon index in place of alpha; the
    result is an energy (erg) per photon.
    """
    index = np.asarray(index, dtype=float)
    return _energy(energy).to(u.erg) * band_energy_factor(energy, band_energy, index)


# ---------------------------------------------------------------------------------------------
# magnitudes
# ---------------------------------------------------------------------------------------------
def _mag_values(mag: Any) -> np.ndarray:
    if isinstance(mag, u.Quantity):
        return np.asarray(mag.value, dtype=float)  # mag, AB mag or dimensionless: the number is the magnitude
    return np.asarray(mag, dtype=float)


def magnitude_to_flux(mag: Any, zero_point: u.Quantity, error: Any = None) -> tuple[u.Quantity, u.Quantity]:
    """``S_nu = F0 10**(-0.4 m)`` and its error ``S sinh(0.4 ln10 sigma_m)`` (mean of the bounds)."""
    m = _mag_values(mag)
    zp = u.Quantity(zero_point).to(u.Jy)
    flux = zp * 10.0 ** (-0.4 * m)
    sigma = _errors(None if error is None else _mag_values(error), m.shape, None)
    return flux, flux * np.sinh(0.4 * np.log(10.0) * sigma)


# ---------------------------------------------------------------------------------------------
# the conversions named in vo_blazar.registry.CONVERSIONS
# ---------------------------------------------------------------------------------------------
def flux_density(value: u.Quantity, frequency: u.Quantity, error: u.Quantity | None = None
                 ) -> tuple[u.Quantity, u.Quantity]:
    """``nuFnu = nu * S_nu`` for a flux density in any spectral flux density unit.

    Parameters
    ----------
    value : `~astropy.units.Quantity`
        S_nu (Jy, mJy, W/m2/Hz, ...; F_lambda units are converted at ``frequency``).
    frequency : `~astropy.units.Quantity`
        Frequency of the point (any spectral unit).
    error : `~astropy.units.Quantity`, optional
        1-sigma error of S_nu.

    Returns
    -------
    nufnu, nufnu_err : `~astropy.units.Quantity`
        In erg / (cm2 s); ``nufnu_err`` is NaN where the error is unknown.
    """
    nu = u.Quantity(frequency).to(u.Hz, equivalencies=u.spectral())
    value = u.Quantity(value)
    try:
        s_nu = value.to(u.Jy, equivalencies=u.spectral_density(nu))
    except u.UnitConversionError as exc:
        raise ConversionError(f"flux_density: {value.unit} is not a spectral flux density") from exc
    err = _errors(error, s_nu.shape, value.unit)
    err = u.Quantity(err).to(u.Jy, equivalencies=u.spectral_density(nu))
    return _to_nufnu(nu * s_nu, "flux_density"), _to_nufnu(nu * err, "flux_density")


def ab_mag(mag: Any, frequency: u.Quantity, error: Any = None) -> tuple[u.Quantity, u.Quantity]:
    """AB magnitude -> nuFnu with ``S_nu = 3631 Jy * 10**(-0.4 m)``."""
    return vega_mag(mag, frequency, AB_ZERO_POINT, error)


def vega_mag(mag: Any, frequency: u.Quantity, zero_point: u.Quantity, error: Any = None
             ) -> tuple[u.Quantity, u.Quantity]:
    """Vega-type magnitude with the band's zero-magnitude flux density ``zero_point`` -> nuFnu.

    Parameters
    ----------
    mag : array-like or `~astropy.units.Quantity`
        Magnitudes.
    frequency : `~astropy.units.Quantity`
        Effective frequency of the band.
    zero_point : `~astropy.units.Quantity`
        Flux density of magnitude 0 (e.g. 666.7 Jy for 2MASS Ks, 309.540 Jy for WISE W1).
    error : array-like, optional
        1-sigma magnitude error; the flux error is ``S sinh(0.4 ln10 sigma)``.
    """
    nu = u.Quantity(frequency).to(u.Hz, equivalencies=u.spectral())
    flux, err = magnitude_to_flux(mag, zero_point, error)
    return _to_nufnu(nu * flux, "magnitude"), _to_nufnu(nu * err, "magnitude")


def nufnu(value: u.Quantity, error: u.Quantity | None = None) -> tuple[u.Quantity, u.Quantity]:
    """A value that already is nuFnu (erg/cm2/s, W/m2, mW/m2, ...), converted to erg / (cm2 s)."""
    value = u.Quantity(value)
    err = _errors(error, value.shape, value.unit)
    return _to_nufnu(value, "nufnu"), _to_nufnu(u.Quantity(err), "nufnu")


def energy_flux(flux: u.Quantity, frequency: u.Quantity, band_energy: u.Quantity | tuple,
                alpha: Any = 0.9, error: u.Quantity | None = None) -> tuple[u.Quantity, u.Quantity]:
    """Band energy flux over [E1, E2] -> nuFnu at ``E0 = h * frequency`` for F_E ~ E**-alpha.

    ``nuFnu(E0) = E0**(1-a) F (1-a) / (E2**(1-a) - E1**(1-a))`` (the VOU-Blazars formula), and
    ``F / ln(E2/E1)`` for ``alpha = 1``. ``alpha`` may be an array (one per row).
    """
    flux = u.Quantity(flux)
    k = band_energy_factor(frequency, band_energy, alpha)
    err = u.Quantity(_errors(error, flux.shape, flux.unit))
    return _to_nufnu(flux * k, "energy_flux"), _to_nufnu(err * k, "energy_flux")


def photon_flux(flux: u.Quantity, frequency: u.Quantity, band_energy: u.Quantity | tuple, index: Any,
                error: u.Quantity | None = None, *, index_max: float = 5.0, index_fallback: float = 2.0
                ) -> tuple[u.Quantity, u.Quantity]:
    """Band photon flux over [E1, E2] with photon index Gamma -> nuFnu at ``E0 = h * frequency``.

    ``nuFnu(E0) = E0**2 K E0**-G`` with ``K = F (1-G) / (E2**(1-G) - E1**(1-G))``. An index above
    ``index_max`` (an unconstrained fit) is replaced by ``index_fallback``, as VOU-Blazars does.
    """
    flux = without_counts(u.Quantity(flux))
    index = np.asarray(index, dtype=float)
    index = np.where(index > index_max, index_fallback, index)
    k = photon_band_factor(frequency, band_energy, index)
    err = without_counts(u.Quantity(_errors(error, flux.shape, u.Quantity(flux).unit)))
    return _to_nufnu(flux * k, "photon_flux"), _to_nufnu(err * k, "photon_flux")


def count_rate(rate: u.Quantity, frequency: u.Quantity, band_energy: u.Quantity | tuple,
               ecf: u.Quantity, alpha: Any = 0.9, error: u.Quantity | None = None
               ) -> tuple[u.Quantity, u.Quantity]:
    """Count rate times an energy conversion factor (band energy flux per ct/s) -> as `energy_flux`.

    ``ecf`` is in erg/cm2/s per ct/s, e.g. ``1e-11 * u.erg / u.cm**2 / u.ct``; it should give the
    observed (absorbed) band flux when the point is then corrected for absorption.
    """
    rate = without_counts(u.Quantity(rate))
    ecf = without_counts(u.Quantity(ecf))
    band_flux = rate * ecf
    err = without_counts(u.Quantity(_errors(error, rate.shape, u.Quantity(rate).unit))) * ecf
    try:
        band_flux = band_flux.to(NUFNU_UNIT)
        err = err.to(NUFNU_UNIT)
    except u.UnitConversionError as exc:
        raise ConversionError(
            f"count_rate: rate [{rate.unit}] x ecf [{ecf.unit}] is not an energy flux") from exc
    return energy_flux(band_flux, frequency, band_energy, alpha, err)


#: name -> function, for the names in `vo_blazar.registry.catalogue.CONVERSIONS`.
CONVERTERS = {
    "flux_density": flux_density,
    "ab_mag": ab_mag,
    "vega_mag": vega_mag,
    "nufnu": nufnu,
    "energy_flux": energy_flux,
    "photon_flux": photon_flux,
    "count_rate": count_rate,
}
