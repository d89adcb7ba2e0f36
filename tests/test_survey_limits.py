"""Real non-detections: registry footprints and survey limits, and their upper limits in SEDs."""
import numpy as np
import pytest
import yaml
from astropy import units as u
from astropy.coordinates import SkyCoord

import vo_blazar
from vo_blazar.exceptions import RegistryError
from vo_blazar.registry import load_registry
from vo_blazar.registry.catalogue import Footprint
from vo_blazar.registry.loader import _parse
from vo_blazar.photometry.survey_limits import (SURVEY_LIMIT_SUFFIX, in_footprint, is_survey_limit,
                                         survey_limit_points)

NUFNU = u.erg / (u.cm**2 * u.s)


def _entry(**extra):
    base = {"name": "SYN", "title": "synthetic", "waveband": "mm", "reference": "tests",
            "access": {"kind": "vizier", "table": "J/A+A/1/1/syn"}, "ra_column": "RAJ2000",
            "dec_column": "DEJ2000",
            "points": [{"band": "S30", "frequency": "30 GHz", "conversion": "flux_density", "value": "S",
                        "params": {"unit": "mJy"}}]}
    base.update(extra)
    return yaml.safe_dump({"version": "t", "catalogues": [base]})


def test_registry_limit_in_flux_density_becomes_nufnu():
    reg = _parse(_entry(footprint={"kind": "allsky"},
                        survey_limits={"S30": {"limit": "100 mJy", "note": "synthetic"}}), "test")
    lim = reg["SYN"].survey_limits[0]
    assert lim.frequency.to_value(u.GHz) == pytest.approx(30.0)
    # nu S_nu = 3e10 Hz * 100 mJy = 3e10 Hz * 1e-24 erg/cm2/s/Hz
    assert lim.nufnu.to_value(NUFNU) == pytest.approx(3e-14, rel=1e-9)


@pytest.mark.parametrize("extra, field", [
    ({"footprint": {"kind": "allsky"}}, "survey_limits"),                                  # one without the other
    ({"survey_limits": {"S30": {"limit": "1 mJy"}}}, "footprint"),
    ({"footprint": {"kind": "moon"}, "survey_limits": {"S30": {"limit": "1 mJy"}}}, "footprint.kind"),
    ({"footprint": {"kind": "box", "ra": [0, 10]}, "survey_limits": {"S30": {"limit": "1 mJy"}}}, "footprint"),
    ({"footprint": {"kind": "dec_range", "dec": [10, -10]}, "survey_limits": {"S30": {"limit": "1 mJy"}}},
     "footprint.dec"),
    ({"footprint": {"kind": "allsky"}, "survey_limits": {"S44": {"limit": "1 mJy"}}}, "survey_limits.S44"),
    ({"footprint": {"kind": "allsky"}, "survey_limits": {"S30": {"limit": "1 ph / (cm2 s)"}}},
     "survey_limits.S30.limit"),
    ({"footprint": {"kind": "allsky"}, "survey_limits": {"S30": {"limit": "-1 mJy"}}}, "survey_limits.S30.limit"),
])
def test_bad_footprint_or_limit_fails_at_load_naming_the_field(extra, field):
    with pytest.raises(RegistryError, match=f"'SYN'.*{field}"):
        _parse(_entry(**extra), "test")


def test_footprint_kinds():
    pos = SkyCoord([135.0, 100.0, 10.0], [1.0, 1.0, -60.0], unit="deg")
    box = Footprint(kind="box", ra=(127.5, 144.5), dec=(-2.0, 5.0))
    assert in_footprint(box, pos).tolist() == [True, False, False]
    wrap = Footprint(kind="box", ra=(350.0, 20.0), dec=(-90.0, 0.0))
    assert in_footprint(wrap, pos).tolist() == [False, False, True]
    dec = Footprint(kind="dec_range", dec=(-40.0, 90.0))
    assert in_footprint(dec, pos).tolist() == [True, True, False]
    plane = SkyCoord(l=[30.0, 30.0] * u.deg, b=[2.0, 40.0] * u.deg, frame="galactic")
    assert in_footprint(Footprint(kind="galactic_latitude", min_abs_b=10.0), plane).tolist() == [False, True]


def test_points_only_for_targets_missed_inside_the_footprint():
    cat = load_registry()["eFEDS"]
    targets = SkyCoord([135.0, 136.0, 200.0], [1.0, 2.0, 1.0], unit="deg")
    rows = survey_limit_points(cat, targets, detected=np.array([False, True, False]), index_column="_i")
    assert rows["_i"].tolist() == [0, 0]                       # target 1 detected, target 2 outside
    assert rows["upper_limit"].all()
    assert set(rows["band"]) == {"eFEDS 0.5-2 keV" + SURVEY_LIMIT_SUFFIX, "eFEDS 2.3-5 keV" + SURVEY_LIMIT_SUFFIX}
    assert rows["nufnu"].unit == NUFNU
    assert sorted(rows["nufnu"].to_value(NUFNU)) == pytest.approx([1.7e-15, 1.9e-15])
    assert np.isnan(rows["separation"]).all() and np.isnan(rows["ra"]).all()
    assert is_survey_limit(rows["band"]).all()
    assert survey_limit_points(load_registry()["NVSS"], targets, np.zeros(3, bool)) is None   # no footprint


def test_offline_sed_gets_survey_limits_from_complete_catalogues_only():
    # an empty spot inside the eFEDS field at |b| > 10: eFEDS, 4FGL-DR4, 3FHL, 2FHL and PCCS2 30 GHz
    # saw nothing there, and no partial slice (NVSS, AllWISE, ...) says anything
    sed = vo_blazar.build_sed(SkyCoord(135.0, 1.0, unit="deg"), offline=True)
    assert len(sed) and sed["upper_limit"].all()
    assert set(sed["catalog"]) == {"eFEDS", "4FGL-DR4", "3FHL", "2FHL", "PCCS2_030"}
    assert is_survey_limit(sed["band"]).all()
    assert (sed["catalog"] == "4FGL-DR4").sum() == 8
    pccs = sed[sed["catalog"] == "PCCS2_030"]
    assert pccs["nufnu"][0].to_value(NUFNU) == pytest.approx(28.4e9 * 380e-26, rel=1e-6)   # nu x 380 mJy
    assert all(n.startswith("survey limit:") for n in sed["correction_note"])


def test_detected_source_has_no_survey_limit_of_that_catalogue():
    # Mrk 421: detected by 4FGL, 3FHL, 2FHL and Planck; outside eFEDS
    sed = vo_blazar.build_sed(SkyCoord(166.11381, 38.20883, unit="deg"), offline=True)
    assert not is_survey_limit(sed["band"]).any()
    assert (sed["catalog"] == "4FGL-DR4").sum() == 8


def test_galactic_plane_gets_no_gamma_ray_limit():
    sed = vo_blazar.build_sed(SkyCoord(l=30.0 * u.deg, b=1.0 * u.deg, frame="galactic"), offline=True,
                              catalogs=["4FGL-DR4", "3FHL", "2FHL", "PCCS2_030"])
    assert len(sed) == 0 or not is_survey_limit(sed["band"]).any()


def test_bulk_build_matches_single_builds():
    coords = SkyCoord([135.0, 166.11381], [1.0, 38.20883], unit="deg")
    many = vo_blazar.build_seds(coords, offline=True, catalogs=["eFEDS", "4FGL-DR4"])
    for i in range(2):
        one = vo_blazar.build_sed(coords[i], offline=True, catalogs=["eFEDS", "4FGL-DR4"])
        assert sorted(one["band"]) == sorted(many[i]["band"])
        assert np.allclose(np.sort(one["nufnu"].value), np.sort(many[i]["nufnu"].value))


def test_given_galactic_latitudes_give_the_same_footprint():
    """The pipeline transforms its targets to Galactic coordinates once per build and passes the
    latitudes on; the answer must be the one in_footprint computes itself."""
    from astropy.coordinates import SkyCoord

    from vo_blazar.photometry.survey_limits import in_footprint
    from vo_blazar.registry.catalogue import Footprint

    rng = np.random.default_rng(3)
    targets = SkyCoord(rng.uniform(0, 360, 500), rng.uniform(-90, 90, 500), unit="deg")
    fp = Footprint("galactic_latitude", min_abs_b=10.0)
    expected = np.abs(targets.galactic.b.deg) >= 10.0
    assert 0 < expected.sum() < 500
    np.testing.assert_array_equal(in_footprint(fp, targets), expected)
    np.testing.assert_array_equal(in_footprint(fp, targets, targets.galactic.b.deg), expected)
    # a wrong latitude changes the answer, so the given one is really used
    assert not in_footprint(fp, targets[:1], np.array([0.0]))[0]
    assert in_footprint(fp, targets[:1], np.array([45.0]))[0]
