"""The SED Table schema, its readers/writers and the VOU-Blazars reader."""
from pathlib import Path

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import Table

from vo_blazar.exceptions import InputTypeError, InputValueError
from vo_blazar.sed import (NUFNU_UNIT, SED_COLUMNS, as_sed, empty_sed, make_sed, read_sed, read_vou_sed,
                           to_spectrum, write_sed)

DATA = Path(__file__).parent / "data"
VOU_FILE = DATA / "TXS_0506+056_vou_sed.txt"


def synthetic_sed():
    return make_sed({"frequency": [1.4e9, 1.4e9, 2.4e17] * u.Hz,
                     "nufnu": [1e-14, 2e-14, 3e-13] * NUFNU_UNIT,
                     "nufnu_err": [1e-15, np.nan, 3e-14] * NUFNU_UNIT,
                     "upper_limit": [False, False, True], "catalog": ["NVSS", "FIRST", "2RXS"]},
                    target=SkyCoord(10, 20, unit="deg"), radius=15 * u.arcsec)


def test_empty_sed_has_full_schema_and_units():
    sed = empty_sed()
    assert sed.colnames == list(SED_COLUMNS)
    assert len(sed) == 0
    assert sed["frequency"].unit == u.Hz
    assert sed["nufnu"].unit == u.erg / u.cm**2 / u.s
    assert sed.meta["failures"] == {}


def test_make_sed_converts_wavelength_and_fills_defaults():
    sed = make_sed({"frequency": [3.4] * u.um, "nufnu": [1e-3] * u.W / u.m**2})
    assert sed["frequency"][0].to_value(u.Hz) == pytest.approx(2.99792458e14 / 3.4)
    assert sed["nufnu"][0].to_value(NUFNU_UNIT) == pytest.approx(1.0)   # 1e-3 W/m2 = 1 erg/cm2/s
    assert np.isnan(sed["nufnu_err"][0].value) and sed["correction"][0] == 1.0
    assert not sed["upper_limit"][0]


def test_as_sed_rejects_unitless_frequency_unless_told():
    t = Table({"frequency": [1.4], "nufnu": [1e-14]})
    with pytest.raises(InputValueError, match="has no unit"):
        as_sed(t)
    assert as_sed(t, assume_units=True)["frequency"].unit == u.Hz


def test_as_sed_converts_ghz_and_refuses_wrong_dimension():
    t = Table({"frequency": [1.4] * u.GHz, "nufnu": [1e-14] * NUFNU_UNIT})
    assert as_sed(t)["frequency"][0].value == pytest.approx(1.4e9)
    bad = Table({"frequency": [1.4] * u.GHz, "nufnu": [1e-14] * u.Jy})
    with pytest.raises(InputValueError, match="cannot be converted"):
        as_sed(bad)


def test_validate_errors_are_specific():
    with pytest.raises(InputTypeError, match="astropy Table"):
        as_sed({"frequency": [1]})
    with pytest.raises(InputValueError, match="'nufnu'"):
        as_sed(Table({"frequency": [1.0] * u.Hz}))


@pytest.mark.parametrize("suffix", [".ecsv", ".vot", ".fits", ".csv"])
def test_write_read_round_trip(tmp_path, suffix):
    sed = synthetic_sed()
    sed.meta["failures"] = {"4XMM": "ServiceTimeoutError: too slow"}
    back = read_sed(write_sed(sed, tmp_path / f"sed{suffix}"))
    assert np.allclose(back["nufnu"].to_value(NUFNU_UNIT), sed["nufnu"].to_value(NUFNU_UNIT))
    assert back["upper_limit"].tolist() == [False, False, True]
    assert back["catalog"].tolist() == ["NVSS", "FIRST", "2RXS"]
    if suffix != ".csv":  # plain CSV has no metadata
        assert back.meta["target"].separation(sed.meta["target"]).arcsec < 1e-6
        assert back.meta["radius"].to_value(u.arcsec) == pytest.approx(15)
        assert back.meta["failures"] == {"4XMM": "ServiceTimeoutError: too slow"}


def test_write_unknown_suffix_is_an_error(tmp_path):
    with pytest.raises(InputValueError, match="suffix"):
        write_sed(synthetic_sed(), tmp_path / "sed.xyz")


def test_to_spectrum_keeps_highest_flux_per_frequency_and_drops_limits():
    spec = to_spectrum(synthetic_sed())
    assert spec.spectral_axis.to_value(u.Hz).tolist() == [1.4e9]
    assert spec.flux[0].to_value(NUFNU_UNIT) == pytest.approx(2e-14)
    assert len(to_spectrum(synthetic_sed(), include_upper_limits=True).flux) == 2


def test_read_vou_sed_real_file():
    sed = read_vou_sed(VOU_FILE)
    assert sed.meta["target"].ra.deg == pytest.approx(77.35819)
    assert sed.meta["dropped"] == {"no flux (flux = upper = 0)": 13, "model points (DEBL)": 5}
    assert len(sed) == 312 - 13 - 6 - 0 + 1 - 1 or len(sed) == 293
    assert "DEBL" not in set(sed["catalog"])
    nvss = sed[sed["catalog"] == "NVSS"]
    assert nvss["frequency"][0].to_value(u.Hz) == pytest.approx(1.4e9)
    assert nvss["nufnu"][0].to_value(NUFNU_UNIT) == pytest.approx(7.503e-15)
    assert nvss["nufnu_err"][0].to_value(NUFNU_UNIT) == pytest.approx((7.728e-15 - 7.277e-15) / 2)
    # Planck 545 GHz: flux 0, lower 0, upper 3.48e-12 -> an upper limit at 3.48e-12
    pcnt = sed[(sed["catalog"] == "PCNT") & np.isclose(sed["frequency"].value, 5.45e11)]
    assert pcnt["upper_limit"][0] and pcnt["nufnu"][0].to_value(NUFNU_UNIT) == pytest.approx(3.48e-12)
    # MJD 55000 is VOU's "not time resolved": NaN here; real epochs are kept
    assert np.isnan(nvss["mjd"][0].value)
    assert np.nanmax(sed["mjd"].value) > 58000
    assert np.all(np.diff(sed["frequency"].value) >= 0)


def test_read_vou_sed_bad_file(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("x\ny\nz\n----\n 1.0E9 not-a-number\n")
    with pytest.raises(InputValueError, match="row format"):
        read_vou_sed(bad)
