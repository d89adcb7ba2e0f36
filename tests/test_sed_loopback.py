"""build_sed / build_seds end to end through pyvo against the loopback VO server, with faults.

Two synthetic catalogues are served: a healthy one and one that misbehaves in a chosen way. Every
fault must give a partial SED that names the failing catalogue, with the healthy catalogue's
fluxes intact (no crash, no wrong flux).
"""
import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord

from vo_blazar.access import VOAccess
from vo_blazar.config import conf
from vo_blazar.exceptions import PartialResultWarning
from vo_blazar.sed import NUFNU_UNIT
from vo_blazar.pipeline import build_sed, build_seds

try:
    from .loopback_vo import TXS_DEC, TXS_RA, default_synthetic_table, synthetic_catalogue
except ImportError:
    from loopback_vo import TXS_DEC, TXS_RA, default_synthetic_table, synthetic_catalogue

TXS = SkyCoord(TXS_RA, TXS_DEC, unit="deg")


@pytest.fixture
def catalogues(vo_server):
    vo_server.add_table("synthetic_faulty", default_synthetic_table())
    return (synthetic_catalogue(vo_server, "synthetic_radio"),
            synthetic_catalogue(vo_server, "synthetic_faulty"))


def expected_nufnu():
    table = default_synthetic_table()
    return np.sort(table["flux"].quantity[:2].to_value(u.mJy) * 1e-26 * 1.4e9)  # the two sources within 15"


def check_healthy_points(sed):
    good = sed[sed["catalog"] == "synthetic_radio_scs"]
    assert np.allclose(np.sort(good["nufnu"].to_value(NUFNU_UNIT)), expected_nufnu(), rtol=1e-6)
    assert np.all(good["separation"].to_value(u.arcsec) < 15)


@pytest.mark.parametrize("fault, error", [
    ("timeout", "ServiceTimeoutError"),
    ("http500", "ServiceError"),
    ("html", "ResponseFormatError"),
    ("malformed", "ResponseFormatError"),
    ("overflow", "ResponseFormatError"),
    ("badunit", "ResponseFormatError"),
])
def test_each_fault_gives_a_partial_sed_that_names_it(vo_server, catalogues, fault, error):
    healthy, faulty = catalogues
    vo_server.set_fault("synthetic_faulty", fault, sleep=3.0)
    with conf.set_temp("timeout", 1.0), conf.set_temp("max_retries", 1), conf.set_temp("backoff", 0.05):
        with pytest.warns(PartialResultWarning, match="synthetic_faulty_scs"):
            sed = build_sed(TXS, catalogs=[healthy, faulty], access=VOAccess())
    assert list(sed.meta["failures"]) == ["synthetic_faulty_scs"]
    assert sed.meta["failures"]["synthetic_faulty_scs"].startswith(error)
    assert set(sed["catalog"]) == {"synthetic_radio_scs"}
    check_healthy_points(sed)


def test_empty_answer_is_not_a_failure(vo_server, catalogues):
    vo_server.set_fault("synthetic_faulty", "empty")
    sed = build_sed(TXS, catalogs=list(catalogues), access=VOAccess())
    assert sed.meta["failures"] == {}
    assert set(sed["catalog"]) == {"synthetic_radio_scs"}


def test_rate_limit_is_honoured_then_succeeds(vo_server, catalogues):
    vo_server.set_fault("synthetic_faulty", "ratelimit", times=1, retry_after="1")
    with conf.set_temp("max_retries", 2):
        sed = build_sed(TXS, catalogs=list(catalogues), access=VOAccess())
    assert sed.meta["failures"] == {}
    hits = vo_server.hits["synthetic_faulty"]
    assert len(hits) == 2 and hits[1] - hits[0] >= 0.95
    assert len(sed[sed["catalog"] == "synthetic_faulty_scs"]) == 2


def test_bulk_tap_upload_equals_cones(vo_server):
    cat = synthetic_catalogue(vo_server, "synthetic_radio", kind="tap", bulk="tap_upload")
    coords = SkyCoord([TXS_RA, TXS_RA + 1.0, 10.0], [TXS_DEC, TXS_DEC, -40.0], unit="deg")
    seds = build_seds(coords, catalogs=[cat], access=VOAccess())
    assert [len(s) for s in seds] == [2, 1, 0]
    single = build_sed(coords[0], catalogs=[cat], access=VOAccess())
    assert np.allclose(np.sort(seds[0]["nufnu"].value), np.sort(single["nufnu"].value))
