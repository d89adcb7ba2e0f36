"""The declarative catalogue registry: the shipped file loads, every entry is valid, and broken
entries are refused at load time with the catalogue and field named."""
import textwrap

import numpy as np
import pytest
from astropy import units as u

from vo_blazar.exceptions import RegistryError, UnknownCatalogueError
from vo_blazar.registry import (CONVERSIONS, WAVEBANDS, Catalogue, PointSpec, Registry,
                                get_catalogue, load_registry)

EXPECTED = {"NVSS", "FIRST", "SUMSS", "VLASS", "GB6", "PMN", "AT20G", "PCCS2_143", "AllWISE",
            "2MASS", "SDSS", "PanSTARRS", "Gaia", "GALEX", "UVOT", "2RXS", "2SXPS", "4XMM", "CSC2",
            "eRASS1", "4FGL-DR4", "3FHL", "2FHL"}


def test_shipped_registry_loads_and_is_cached():
    reg = load_registry()
    assert isinstance(reg, Registry)
    assert reg is load_registry()
    assert isinstance(reg.version, str) and reg.version
    assert EXPECTED <= set(reg.names)
    assert reg.names == list(reg)
    assert len(reg) == len(reg.names)


def test_every_entry_is_valid():
    for cat in load_registry().values():
        assert isinstance(cat, Catalogue)
        assert cat.waveband in WAVEBANDS
        assert cat.access.kind in ("scs", "tap", "vizier", "packaged", "offline")
        assert cat.match in ("cone", "nearest", "ellipse")
        assert cat.points
        for p in cat.points:
            assert isinstance(p, PointSpec)
            assert p.conversion in CONVERSIONS
            assert p.frequency.unit == u.Hz and p.frequency.value > 0
            assert p.correction in ("none", "extinction", "absorption")
            if cat.waveband in ("ir", "optical", "uv"):
                assert p.correction == "extinction", (cat.name, p.band)
            if cat.waveband in ("radio", "mm", "gamma"):
                assert p.correction == "none", (cat.name, p.band)


def test_units_and_published_values_are_parsed():
    reg = load_registry()
    w1 = reg["AllWISE"].points[0]
    assert w1.conversion == "vega_mag"
    assert w1.params["zero_point"] == 309.540 * u.Jy
    assert np.isclose(w1.frequency.to_value(u.um, equivalencies=u.spectral()), 3.3526)
    assert [p.params["zero_point"].to_value(u.Jy) for p in reg["2MASS"].points] == [1594, 1024, 666.7]
    nvss = reg["NVSS"].points[0]
    assert nvss.params["unit"] == u.mJy and nvss.frequency == 1.4e9 * u.Hz
    rxs = reg["2RXS"].points[0]
    assert rxs.conversion == "count_rate"
    assert u.allclose(rxs.params["band_energy"], [0.1, 2.4] * u.keV)
    assert rxs.params["ecf"].unit.is_equivalent(u.erg / u.cm**2 / u.ct)
    assert rxs.correction == "absorption"


def test_4fgl_entry_bands_limits_and_ellipse():
    cat = get_catalogue("4FGL-DR4")
    assert cat.match == "ellipse" and cat.radius == 1 * u.deg
    assert cat.ellipse["semi_major"] == "Conf_95_SemiMajor"
    assert cat.ellipse["counterpart"] == ["RA_Counterpart", "DEC_Counterpart"]   # the LAT team's association
    assert len(cat.points) == 8
    # the band log-centres of the BAND_EDGES HDU: 70.7 MeV ... 316 GeV
    e = cat.frequencies.to(u.MeV, equivalencies=u.spectral())
    assert np.isclose(e[0].value, 70.71, rtol=1e-3) and np.isclose(e[-1].value, 316200, rtol=1e-3)
    for k, p in enumerate(cat.points, start=1):
        assert p.conversion == "nufnu" and p.value == f"nuFnu_Band_{k}"
        ul = p.upper_limit
        assert ul.kind == "null_error" and ul.sigma == 2
        assert ul.column == f"Unc_Flux_Band_lo_{k}" and ul.error_hi == f"Unc_Flux_Band_hi_{k}"


def test_wise_upper_limit_is_the_quality_flag_not_a_missing_error():
    ul = get_catalogue("AllWISE").points[3].upper_limit       # W4
    assert ul.kind == "flag" and ul.column == "qph"
    assert "AAAU" in ul.values and "UUUU" in ul.values
    assert "AAUA" not in ul.values and "" not in ul.values
    assert len(ul.values) == 6 ** 3


def test_select_and_by_waveband():
    reg = load_registry()
    assert [c.name for c in reg.select(["2MASS", "NVSS"])] == ["2MASS", "NVSS"]
    assert reg.select("NVSS")[0].name == "NVSS"
    assert len(reg.select()) == len(reg)
    gamma = {c.name for c in reg.by_waveband("gamma")}
    assert gamma == {"4FGL-DR4", "3FHL", "2FHL"}
    with pytest.raises(ValueError, match="waveband"):
        reg.by_waveband("optcal")


def test_unknown_name_error_lists_valid_names():
    reg = load_registry()
    with pytest.raises(UnknownCatalogueError) as exc:
        reg.select(["NVSS", "NOPE"])
    msg = str(exc.value)
    assert "'NOPE'" in msg and "valid names are" in msg and "AllWISE" in msg and "4FGL-DR4" in msg
    assert isinstance(exc.value, ValueError) and isinstance(exc.value, KeyError)
    with pytest.raises(UnknownCatalogueError, match="valid names"):
        get_catalogue("WISE3")


GOOD = """
version: "test"
catalogues:
  - name: TOY
    title: toy
    waveband: radio
    reference: nobody
    access: {kind: vizier, table: X/1/toy, bulk: xmatch}
    ra_column: RAJ2000
    dec_column: DEJ2000
    points:
      - {band: toy, frequency: "21 cm", conversion: flux_density, value: S, params: {unit: mJy}}
"""


def _write(tmp_path, text):
    p = tmp_path / "reg.yaml"
    p.write_text(textwrap.dedent(text))
    return p


def test_a_new_catalogue_is_just_an_entry(tmp_path):
    reg = load_registry(_write(tmp_path, GOOD))
    cat = reg["TOY"]
    # 21 cm given as a wavelength becomes ~1.43 GHz
    assert np.isclose(cat.points[0].frequency.to_value(u.GHz), 1.4276, rtol=1e-3)
    assert reg.version == "test"


@pytest.mark.parametrize("old, new, field", [
    ("conversion: flux_density", "conversion: jansky", "conversion"),
    ("unit: mJy", "unit: bananas", "params.unit"),
    ("unit: mJy", "unit: erg / (cm2 s)", "params.unit"),
    ("value: S, ", "", "value"),
    ("waveband: radio", "waveband: submm", "waveband"),
    ('frequency: "21 cm"', 'frequency: "21 kg"', "frequency"),
    ("ra_column: RAJ2000", "ra_column: ''", "ra_column"),
])
def test_bad_entry_names_catalogue_and_field(tmp_path, old, new, field):
    assert old in GOOD
    with pytest.raises(RegistryError) as exc:
        load_registry(_write(tmp_path, GOOD.replace(old, new)))
    assert "'TOY'" in str(exc.value) and field in str(exc.value)


@pytest.mark.parametrize("counterpart", ["RA_C", "[RA_C]", "[RA_C, DEC_C, X]", "[1, 2]"])
def test_ellipse_counterpart_needs_two_column_names(tmp_path, counterpart):
    entry = GOOD.replace("    points:",
                         "    match: ellipse\n    ellipse: {semi_major: A, semi_minor: B, angle: PA, "
                         f"counterpart: {counterpart}}}\n    points:")
    with pytest.raises(RegistryError, match="ellipse.counterpart.*two column names"):
        load_registry(_write(tmp_path, entry))
    load_registry(_write(tmp_path, entry.replace(f"counterpart: {counterpart}",
                                                 "counterpart: [RA_C, DEC_C]")))


def test_bad_files(tmp_path):
    with pytest.raises(RegistryError, match="version"):
        load_registry(_write(tmp_path, GOOD.replace('version: "test"', "")))
    with pytest.raises(RegistryError, match="cannot read"):
        load_registry(tmp_path / "missing.yaml")
    twice = GOOD + GOOD.split("catalogues:")[1]
    with pytest.raises(RegistryError, match="twice"):
        load_registry(_write(tmp_path, twice))
