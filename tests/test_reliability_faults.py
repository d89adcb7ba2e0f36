"""Reliability probe 2a/2b: injected faults on the bulk path, and a service that trickles.

Loopback VO only (`loopback_vo`); every table is synthetic. On fe6140e the XMatch bulk path took a
``QUERY_STATUS=ERROR`` VOTable (HTTP 200) as a valid answer, empty (#74) or with its rows (#75),
and cached it, so the catalogue stayed missing on every later run (#86); and ``conf.timeout``
bounded each socket read only, so a service sending 64 bytes every 1.5 s held a cone for 27 s
with ``timeout=2`` (#83).
"""
import time

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord

from vo_blazar.access import CachedAccess, VOAccess
from vo_blazar.config import conf
from vo_blazar.exceptions import PartialResultWarning, ServiceError, ServiceTimeoutError
from vo_blazar.pipeline import build_seds

try:
    from .loopback_vo import TXS_DEC, TXS_RA
except ImportError:
    from loopback_vo import TXS_DEC, TXS_RA

TXS = SkyCoord(TXS_RA, TXS_DEC, unit="deg")
TWO = SkyCoord([TXS_RA, 10.0], [TXS_DEC, -40.0], unit="deg")
RADIUS = 15 * u.arcsec


@pytest.fixture
def fast():
    with conf.set_temp("max_retries", 0), conf.set_temp("backoff", 0.01):
        yield


BULK = [("vizier", "J/synthetic/radio", "xmatch"), ("tap", "synthetic_radio", "tap_upload")]


@pytest.mark.parametrize("kind,table,bulk", BULK)
@pytest.mark.parametrize("fault", ["queryerror", "queryerror_rows"])
def test_bulk_query_status_error_is_a_named_failure(vo_server, vo_catalogue, fast, kind, table, bulk,
                                                    fault):
    catalogue = vo_catalogue(kind, table, bulk=bulk)
    vo_server.set_fault(table, fault)
    with pytest.raises(ServiceError, match="QUERY_STATUS=ERROR: Internal database error"):
        VOAccess().bulk(catalogue, TWO, RADIUS)


@pytest.mark.parametrize("kind,table,bulk", BULK)
def test_bulk_error_answer_is_partial_result_and_never_cached(vo_server, vo_catalogue, fast, tmp_path,
                                                              kind, table, bulk):
    catalogue = vo_catalogue(kind, table, bulk=bulk)
    access = CachedAccess(VOAccess(), tmp_path)
    vo_server.set_fault(table, "queryerror", times=1)
    with pytest.warns(PartialResultWarning, match=catalogue.name):
        seds = build_seds(TWO, catalogs=[catalogue], access=access)
    for sed in seds:
        assert list(sed.meta["failures"]) == [catalogue.name]
        assert "QUERY_STATUS=ERROR" in sed.meta["failures"][catalogue.name]
        assert len(sed) == 0
    assert not list(tmp_path.rglob("*.vot"))            # the error answer is not on disk
    seds = build_seds(TWO, catalogs=[catalogue], access=access)   # the service is back
    assert seds[0].meta["failures"] == {} and len(seds[0]) == 2
    assert len(vo_server.hits[table]) == 2              # asked again, not served from the cache
    assert len(list(tmp_path.rglob("*.vot"))) == 1


def test_trickling_service_is_cut_at_the_wall_clock_deadline(vo_server, vo_catalogue, fast):
    catalogue = vo_catalogue("tap")
    # the answer (a few kB) would take well over 20 s at 64 bytes every 0.3 s
    vo_server.set_fault("synthetic_radio", "trickle", chunk=64, interval=0.3)
    start = time.monotonic()
    with conf.set_temp("timeout", 1.0):
        with pytest.raises(ServiceTimeoutError, match="no answer within 1 s after 1 attempt"):
            VOAccess().cone(catalogue, TXS, RADIUS)
    assert time.monotonic() - start < 10      # bounded by the deadline, not by the drip


def test_trickle_within_the_deadline_is_read_whole(vo_server, vo_catalogue, fast):
    catalogue = vo_catalogue("tap")
    vo_server.set_fault("synthetic_radio", "trickle", chunk=4096, interval=0.01)
    table = VOAccess().cone(catalogue, TXS, RADIUS)
    assert sorted(table["name"]) == ["SYN00000", "SYN00001"]
    assert np.all(table["flux"].unit == u.mJy)


@pytest.fixture
def no_network():
    """Every VO URL the registry's VizieR entries use points at a closed loopback port."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]            # closed when the block ends: connections are refused
    dead = f"http://127.0.0.1:{port}"
    with conf.set_temp("vizier_tap_url", f"{dead}/tap"), conf.set_temp("xmatch_url", f"{dead}/xmatch"), \
            conf.set_temp("max_retries", 0):
        yield


def test_live_classify_without_network_exits_nonzero_with_a_line_per_catalogue(no_network, capsys):
    from vo_blazar.cli.commands import main
    with pytest.warns(PartialResultWarning):
        status = main(["classify", "77.35818 5.69315", "--catalogs", "NVSS,FIRST", "--no-progress"])
    assert status == 3                                       # fe6140e: 0
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert lines[0].startswith("vo-blazar classify: error: no row got any photometry; 2 catalogue(s) failed")
    assert lines[1].startswith("  FIRST: ServiceError") and lines[2].startswith("  NVSS: ServiceError")
    assert all(len(line) < 250 for line in lines)
    assert "use --offline" in lines[3]


def test_live_sed_without_network_exits_nonzero_with_the_hint(no_network, capsys):
    from vo_blazar.cli.commands import main
    with pytest.warns(PartialResultWarning, match="failed catalogues"):
        assert main(["sed", "77.35818", "5.69315", "--catalogs", "NVSS,FIRST"]) == 3
    err = capsys.readouterr().err
    assert "no photometry; 2 of 2 catalogue(s) failed" in err and "use --offline" in err


def test_partial_warning_of_many_failed_catalogues_is_one_short_line():
    from vo_blazar.pipeline import _failure_line
    failures = {f"CAT{i}": f"ServiceError: CAT{i}: cannot connect: " + "x" * 400 for i in range(31)}
    line = _failure_line(failures)
    assert len(line) < 700 and "31 catalogues failed" in line and "sed.meta['failures']" in line


@pytest.mark.parametrize("fault, error, text", [("malformed", "ResponseFormatError", "malformed VOTable"),
                                                ("html", "ResponseFormatError", "HTML page")])
def test_bulk_xmatch_bad_answers_are_named_like_single_cones(vo_server, vo_catalogue, fast, fault, error,
                                                             text):
    catalogue = vo_catalogue("vizier", "J/synthetic/radio", bulk="xmatch")
    vo_server.set_fault("J/synthetic/radio", fault)
    with pytest.warns(PartialResultWarning):
        seds = build_seds(TWO, catalogs=[catalogue], access=VOAccess())
    reason = seds[0].meta["failures"][catalogue.name]
    assert reason.startswith(error) and text in reason and "unexpected" not in reason   # #73
