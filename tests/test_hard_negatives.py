"""The shipped labelled set and snapshot hold the hard negatives, label-blind (no shared data needed)."""
import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord

import vo_blazar
from vo_blazar.access.snapshot import SnapshotAccess
from vo_blazar.labels import MATCH_RADIUS, load_removed, load_sources
from vo_blazar.registry import load_registry

HARD = ("4FGL_NONBLAZAR", "BAT105_AGN", "RASS_NVSS", "DUSTPEDIA", "MOLNAR_GALAXIES")


@pytest.fixture(scope="module")
def sources():
    return load_sources()


def test_every_hard_negative_population_is_labelled_non_blazar(sources):
    origin = np.asarray(sources["origin"]).astype(str)
    for name in HARD:
        m = origin == name
        assert m.sum() >= 50, name
        assert (np.asarray(sources["label"])[m] == 0).all()
    cls = set(np.asarray(sources["class"])[origin == "RASS_NVSS"].astype(str))
    assert cls == {"VCV type A", "VCV type Q"}                   # no BL Lac, no untyped row


def test_no_negative_within_15_arcsec_of_a_blazar(sources):
    y = np.asarray(sources["label"])
    c = SkyCoord(np.asarray(sources["ra"], float) * u.deg, np.asarray(sources["dec"], float) * u.deg)
    _, d2, _ = c[y == 0].match_to_catalog_sky(c[y == 1])
    assert (d2 >= MATCH_RADIUS).all()


def test_veto_removals_are_counted_per_list():
    removed = load_removed()
    veto = removed[np.asarray(removed["reason"]).astype(str) == "within 15 arcsec of a known blazar"]
    origins = set(np.asarray(veto["origin"]).astype(str))
    assert {"RASS_NVSS", "DUSTPEDIA", "MOLNAR_GALAXIES", "BAT105_AGN", "4FGL_NONBLAZAR"} <= origins
    # NGC 1052 and NGC 7213 (both 5BZU) are the two DustPedia galaxies that go
    dp = veto[np.asarray(veto["origin"]).astype(str) == "DUSTPEDIA"]
    assert sorted(np.asarray(dp["name"]).astype(str)) == ["NGC1052", "NGC7213"]
    assert (np.asarray(veto["separation"], float) < 15).all()


@pytest.mark.parametrize("catalogue, rows", [("4FGL-DR4", 7195), ("3FHL", 1556), ("2FHL", 360),
                                             ("PCCS2_030", 1560), ("eFEDS", 22079)])
def test_complete_slices_hold_the_whole_catalogue_and_declare_a_footprint(catalogue, rows):
    cat = load_registry()[catalogue]
    table, _ = SnapshotAccess()._load(cat)
    assert len(table) == rows
    assert cat.footprint is not None and cat.survey_limits


def test_partial_slices_declare_no_footprint():
    reg = load_registry()
    for name in ("NVSS", "AllWISE", "2RXS", "BAT105", "SDSS", "2MASS", "GALEX"):
        assert reg[name].footprint is None, name


def test_a_seyfert_sed_is_built_from_every_file_label_blind():
    # NGC 1068 (a BAT Seyfert, a DustPedia galaxy, a 4FGL source): radio, IR, soft and hard X-rays and
    # gamma rays from whichever files carry them, and 2FHL non-detections: the catalogues a blazar's
    # SED is built from
    from vo_blazar.photometry.survey_limits import is_survey_limit

    sed = vo_blazar.build_sed(SkyCoord(40.66963, -0.01328, unit="deg"), offline=True)
    assert {"NVSS", "AllWISE", "2RXS", "BAT105", "4FGL-DR4", "PCCS2_030"} <= set(sed["catalog"])
    bat = sed[sed["catalog"] == "BAT105"]
    assert bat["frequency"].to(u.keV, u.spectral())[0].value == pytest.approx(52.2, rel=1e-3)
    fhl2 = sed[sed["catalog"] == "2FHL"]
    assert len(fhl2) == 3 and is_survey_limit(fhl2["band"]).all() and fhl2["upper_limit"].all()
