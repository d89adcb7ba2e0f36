"""build_sed on the embedded offline snapshot: the same registry and conversions as the live VO."""
import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord

from vo_blazar.config import conf
from vo_blazar.sed import NUFNU_UNIT
from vo_blazar.pipeline import build_sed, build_seds

TXS = SkyCoord(77.35818, 5.69315, unit="deg")


@pytest.fixture(scope="module")
def txs_sed():
    return build_sed(TXS, offline=True)


def test_txs_has_radio_ir_optical_xray_and_gamma(txs_sed):
    lognu = np.log10(txs_sed["frequency"].to_value(u.Hz))
    assert np.any(lognu < 11)                      # radio
    assert np.any((lognu > 13) & (lognu < 14.5))   # IR
    assert np.any((lognu > 14.5) & (lognu < 15.2))  # optical
    assert np.any((lognu > 16.5) & (lognu < 19))   # X-ray
    assert np.any(lognu > 22)                      # gamma
    assert txs_sed.meta["failures"] == {}
    assert txs_sed.meta["offline"] is True


def test_txs_nvss_point_matches_the_published_vou_value(txs_sed):
    # VOU-Blazars' real SED of TXS 0506+056 has NVSS 1.4 GHz nuFnu = 7.503e-15 erg/cm2/s
    nvss = txs_sed[txs_sed["catalog"] == "NVSS"]
    assert nvss["nufnu"][0].to_value(NUFNU_UNIT) == pytest.approx(7.503e-15, rel=1e-3)


def test_txs_4fgl_band_upper_limit_is_a_real_limit(txs_sed):
    fermi = txs_sed[txs_sed["catalog"] == "4FGL-DR4"]
    assert len(fermi) == 8
    assert fermi["upper_limit"].sum() >= 1
    assert np.all(np.isnan(fermi["nufnu_err"][fermi["upper_limit"]].value))
    assert np.all(np.isfinite(fermi["nufnu_err"][~fermi["upper_limit"]].value))


def test_optical_points_carry_their_extinction_correction(txs_sed):
    opt = txs_sed[txs_sed["catalog"] == "PanSTARRS"]
    assert np.all(opt["correction"] > 1.0)
    assert all("E(B-V)" in note for note in opt["correction_note"])
    wise = txs_sed[txs_sed["catalog"] == "AllWISE"]
    assert np.allclose(wise["correction"], 1.0, atol=0.02)


def test_empty_sky_gives_only_survey_limits_not_an_error():
    from vo_blazar.photometry.survey_limits import is_survey_limit

    sed = build_sed(SkyCoord(200.0, -85.0, unit="deg"), offline=True)
    assert sed.meta["failures"] == {}
    # no catalogue has a source there; the complete all-sky surveys (|b| > 10) say so with their limits
    assert len(sed) == 17 and sed["upper_limit"].all() and is_survey_limit(sed["band"]).all()
    assert set(sed["catalog"]) == {"4FGL-DR4", "3FHL", "2FHL", "PCCS2_030"}
    partial = build_sed(SkyCoord(200.0, -85.0, unit="deg"), offline=True, catalogs=["NVSS", "AllWISE"])
    assert len(partial) == 0        # absence from a partial slice stays absence


def test_environment_variable_switches_offline(monkeypatch):
    monkeypatch.setenv("VO_BLAZAR_OFFLINE", "1")
    with conf.set_temp("timeout", 0.01):
        sed = build_sed(TXS, catalogs=["NVSS"])
    assert sed.meta["offline"] is True and len(sed) == 1


def test_bulk_equals_single(txs_sed):
    seds = build_seds(SkyCoord([77.35818, 200.0], [5.69315, -85.0], unit="deg"), offline=True)
    empty = build_sed(SkyCoord(200.0, -85.0, unit="deg"), offline=True)
    assert len(seds[1]) == len(empty) == 17 and seds[1]["upper_limit"].all()     # survey limits only
    a = np.sort(seds[0]["nufnu"].value)
    b = np.sort(txs_sed["nufnu"].value)
    assert np.allclose(a, b)
