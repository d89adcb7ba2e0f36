"""Live-VO checks (network): skipped unless pytest runs with ``--remote-data=any``."""
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord

from vo_blazar.access import VOAccess
from vo_blazar.registry.catalogue import AccessSpec, Catalogue, PointSpec

TXS = SkyCoord(77.35818, 5.69315, unit="deg")


def _catalogue(name, access, ra, dec, value):
    point = PointSpec(band="1.4GHz", frequency=1.4e9 * u.Hz, conversion="flux_density", value=value)
    return Catalogue(name=name, title=name, waveband="radio", reference="", access=access,
                     ra_column=ra, dec_column=dec, points=(point,))


@pytest.mark.remote_data
def test_heasarc_nvss_scs():
    catalogue = _catalogue("NVSS", AccessSpec(
        kind="scs", url="https://heasarc.gsfc.nasa.gov/cgi-bin/vo/cone/coneGet.pl?table=nvss&"),
        "ra", "dec", "flux_20_cm")
    table = VOAccess(timeout=60).cone(catalogue, TXS, 30 * u.arcsec)
    assert len(table) >= 1 and table["flux_20_cm"].unit.is_equivalent(u.Jy)


@pytest.mark.remote_data
def test_tapvizier_allwise_and_upload():
    catalogue = _catalogue("AllWISE", AccessSpec(kind="vizier", table="II/328/allwise",
                                                 bulk="tap_upload"), "RAJ2000", "DEJ2000", "W1mag")
    access = VOAccess(timeout=60)
    assert len(access.cone(catalogue, TXS, 5 * u.arcsec)) >= 1
    coords = SkyCoord([77.35818, 166.113808], [5.69315, 38.208833], unit="deg")
    bulk = access.bulk(catalogue, coords, 5 * u.arcsec)
    assert set(bulk["_index"]) == {0, 1}


@pytest.mark.remote_data
def test_cds_xmatch_allwise():
    catalogue = _catalogue("AllWISE", AccessSpec(kind="vizier", table="II/328/allwise",
                                                 bulk="xmatch"), "RAJ2000", "DEJ2000", "W1mag")
    coords = SkyCoord([77.35818, 166.113808], [5.69315, 38.208833], unit="deg")
    bulk = VOAccess(timeout=60).bulk(catalogue, coords, 5 * u.arcsec)
    assert set(bulk["_index"]) == {0, 1}
