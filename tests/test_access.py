"""VOAccess and CachedAccess against the loopback VO server (real pyvo / astroquery code paths).

All tables served here are synthetic (`loopback_vo.synthetic_sources`).
"""
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import Table

from vo_blazar.access import INDEX_COLUMN, CachedAccess, CatalogueAccess, VOAccess, clear_cache
from vo_blazar.access.cache import default_cache_dir
from vo_blazar.access.http import parse_retry_after
from vo_blazar.config import conf
from vo_blazar.exceptions import (InputTypeError, InputValueError, RateLimitError,
                                  ResponseFormatError, ServiceError, ServiceTimeoutError)
from vo_blazar.registry.catalogue import AccessSpec

from loopback_vo import TXS_DEC, TXS_RA, default_synthetic_table, synthetic_sources

TXS = SkyCoord(TXS_RA, TXS_DEC, unit="deg")
RADIUS = 15 * u.arcsec


@pytest.fixture
def fast():
    """Short timeouts and back-offs so fault tests take about a second."""
    with conf.set_temp("timeout", 1.0), conf.set_temp("max_retries", 1), \
            conf.set_temp("backoff", 0.05), conf.set_temp("max_retry_after", 5.0):
        yield


# ---------------------------------------------------------------------- answers
@pytest.mark.parametrize("kind", ["scs", "tap", "vizier"])
def test_cone_returns_synthetic_rows_with_units(vo_catalogue, kind):
    name = "J/synthetic/radio" if kind == "vizier" else "synthetic_radio"
    table = VOAccess().cone(vo_catalogue(kind, name), TXS, RADIUS)
    expected = default_synthetic_table()[:2]          # the third source is 1 deg away
    assert sorted(table["name"]) == list(expected["name"])
    table.sort("name")
    assert table["flux"].unit == u.mJy and table["ra"].unit == u.deg
    np.testing.assert_allclose(table["flux"], expected["flux"].value)
    np.testing.assert_allclose(table["flux_err"], expected["flux_err"].value)
    np.testing.assert_allclose(table["ra"], expected["ra"].value, rtol=0, atol=1e-9)


@pytest.mark.parametrize("kind", ["scs", "tap"])
def test_radius_is_respected(vo_catalogue, kind):
    # the second synthetic source is 10" away: a 5" cone must not return it
    table = VOAccess().cone(vo_catalogue(kind), TXS, 5 * u.arcsec)
    assert list(table["name"]) == ["SYN00000"]


@pytest.mark.parametrize("kind", ["scs", "tap"])
def test_empty_sky_is_an_empty_table_not_an_error(vo_catalogue, kind):
    table = VOAccess().cone(vo_catalogue(kind), SkyCoord(10, -40, unit="deg"), RADIUS)
    assert len(table) == 0
    assert {"ra", "dec", "flux"} <= set(table.colnames)


@pytest.mark.parametrize("kind,bulk,requests", [("tap", "tap_upload", 1),
                                                ("vizier", "xmatch", None),
                                                ("scs", None, 4)])
def test_bulk_matches_cones(vo_server, vo_catalogue, kind, bulk, requests):
    name = "J/synthetic/radio" if kind == "vizier" else "synthetic_radio"
    catalogue = vo_catalogue(kind, name, bulk=bulk)
    coords = SkyCoord([TXS_RA, TXS_RA + 1.0, 10.0, TXS_RA], [TXS_DEC, TXS_DEC, -40.0, TXS_DEC],
                      unit="deg")
    table = VOAccess().bulk(catalogue, coords, RADIUS)
    got = sorted(zip(table[INDEX_COLUMN].tolist(), table["name"].tolist()))
    assert got == [(0, "SYN00000"), (0, "SYN00001"), (1, "SYN00002"),
                   (3, "SYN00000"), (3, "SYN00001")]
    assert table[INDEX_COLUMN].dtype == np.int64
    assert table["flux"].unit == u.mJy
    if requests is not None:
        assert len(vo_server.hits[name]) == requests


def test_bulk_of_empty_sky_has_index_column(vo_catalogue):
    table = VOAccess().bulk(vo_catalogue("tap", bulk="tap_upload"),
                            SkyCoord([10.0, 11.0], [-40.0, -40.0], unit="deg"), RADIUS)
    assert len(table) == 0 and INDEX_COLUMN in table.colnames


# ---------------------------------------------------------------------- faults
FAULT_CASES = [
    ("http500", ServiceError, "HTTP 500"),
    ("html", ResponseFormatError, "HTML page"),
    ("malformed", ResponseFormatError, "malformed VOTable"),
    ("overflow", ResponseFormatError, "OVERFLOW"),
    ("badunit", ResponseFormatError, r"unit 'mJy\(\(per beam' that astropy cannot parse"),
]


@pytest.mark.parametrize("kind", ["scs", "tap"])
@pytest.mark.parametrize("fault,error,reason", FAULT_CASES)
def test_fault_gives_specific_error(vo_server, vo_catalogue, fast, kind, fault, error, reason):
    vo_server.set_fault("synthetic_radio", fault)
    catalogue = vo_catalogue(kind)
    with pytest.raises(error, match=reason) as info:
        VOAccess().cone(catalogue, TXS, RADIUS)
    # the SED builder reports these per catalogue: name and URL must be in the message
    assert info.value.service == catalogue.name
    assert info.value.url.startswith(vo_server.base_url)
    assert catalogue.name in str(info.value) and vo_server.base_url in str(info.value)


@pytest.mark.parametrize("kind", ["scs", "tap"])
def test_timeout(vo_server, vo_catalogue, fast, kind):
    vo_server.set_fault("synthetic_radio", "timeout", sleep=3)
    start = time.monotonic()
    with pytest.raises(ServiceTimeoutError, match="no answer within 1 s after 2 attempt"):
        VOAccess().cone(vo_catalogue(kind), TXS, RADIUS)
    assert time.monotonic() - start < 2.9   # gave up after the timeouts, not the server's sleep
    assert len(vo_server.hits["synthetic_radio"]) == 2


def test_timeout_per_access_overrides_conf(vo_server, vo_catalogue):
    vo_server.set_fault("synthetic_radio", "timeout", sleep=2)
    with conf.set_temp("max_retries", 0):
        with pytest.raises(ServiceTimeoutError, match="within 0.5 s"):
            VOAccess(timeout=0.5).cone(vo_catalogue("scs"), TXS, RADIUS)


def test_http500_is_retried_then_reported(vo_server, vo_catalogue, fast):
    vo_server.set_fault("synthetic_radio", "http500")
    with conf.set_temp("max_retries", 2):
        with pytest.raises(ServiceError, match="after 3 attempt"):
            VOAccess().cone(vo_catalogue("tap"), TXS, RADIUS)
    assert len(vo_server.hits["synthetic_radio"]) == 3


def test_http500_once_then_success(vo_server, vo_catalogue, fast):
    vo_server.set_fault("synthetic_radio", "http500", times=1)
    assert len(VOAccess().cone(vo_catalogue("scs"), TXS, RADIUS)) == 2


@pytest.mark.parametrize("kind", ["scs", "tap"])
def test_429_honours_retry_after_then_succeeds(vo_server, vo_catalogue, fast, kind):
    vo_server.set_fault("synthetic_radio", "ratelimit", times=1, retry_after="1")
    start = time.monotonic()
    table = VOAccess().cone(vo_catalogue(kind), TXS, RADIUS)
    assert time.monotonic() - start >= 1.0
    assert len(table) == 2
    first, second = vo_server.hits["synthetic_radio"]
    assert second - first >= 1.0


def test_429_persistent_is_rate_limit_error(vo_server, vo_catalogue, fast):
    vo_server.set_fault("synthetic_radio", "ratelimit", retry_after="0")
    with pytest.raises(RateLimitError, match="HTTP 429") as info:
        VOAccess().cone(vo_catalogue("tap"), TXS, RADIUS)
    assert info.value.retry_after == 0


def test_429_longer_than_cap_fails_fast(vo_server, vo_catalogue, fast):
    vo_server.set_fault("synthetic_radio", "ratelimit", retry_after="3600")
    start = time.monotonic()
    with pytest.raises(RateLimitError, match="Retry-After 3600") as info:
        VOAccess().cone(vo_catalogue("scs"), TXS, RADIUS)
    assert time.monotonic() - start < 1.0
    assert info.value.retry_after == 3600
    assert len(vo_server.hits["synthetic_radio"]) == 1


@pytest.mark.parametrize("kind", ["scs", "tap"])
def test_empty_fault_is_valid_empty_answer(vo_server, vo_catalogue, kind):
    vo_server.set_fault("synthetic_radio", "empty")
    table = VOAccess().cone(vo_catalogue(kind), TXS, RADIUS)
    assert len(table) == 0 and "flux" in table.colnames


def test_overflow_on_bulk_upload(vo_server, vo_catalogue):
    vo_server.set_fault("synthetic_radio", "overflow")
    with pytest.raises(ResponseFormatError, match="truncated"):
        VOAccess().bulk(vo_catalogue("tap", bulk="tap_upload"),
                        SkyCoord([TXS_RA], [TXS_DEC], unit="deg"), RADIUS)


def test_reaching_maxrec_counts_as_truncated(vo_catalogue):
    # two rows with MAXREC=2 cannot be told from a cut-off answer
    with pytest.raises(ResponseFormatError, match="MAXREC=2"):
        VOAccess(maxrec=2).cone(vo_catalogue("tap"), TXS, RADIUS)


def test_unit_in_another_dialect_is_read(vo_server, vo_catalogue):
    # "ct/s/keV" is not VOUnit but astropy reads it in the generic/CDS dialects
    vo_server.set_fault("synthetic_radio", "badunit", unit="ct/s/keV")
    table = VOAccess().cone(vo_catalogue("scs"), TXS, RADIUS)
    assert table["flux"].unit == u.ct / u.s / u.keV


def test_bad_unit_in_an_unused_column_is_tolerated(vo_server, vo_catalogue):
    table = synthetic_sources([TXS_RA], [TXS_DEC])
    table["extent"] = [1.0] * u.arcsec
    vo_server.add_table("synthetic_extra", table)
    vo_server.set_fault("synthetic_extra", "badunit", column="extent")
    result = VOAccess().cone(vo_catalogue("scs", "synthetic_extra"), TXS, RADIUS)
    assert len(result) == 1 and isinstance(result["extent"].unit, u.UnrecognizedUnit)
    assert result["flux"].unit == u.mJy


def test_tap_error_document_is_reported(vo_server, vo_catalogue):
    catalogue = vo_catalogue("tap", "no_such_table")
    with pytest.raises(ServiceError, match="HTTP 400.*no table 'no_such_table'"):
        VOAccess().cone(catalogue, TXS, RADIUS)


def test_unreachable_service(vo_catalogue, fast):
    from dataclasses import replace
    catalogue = replace(vo_catalogue("scs"), access=AccessSpec(kind="scs", url="http://127.0.0.1:9/scs?"))
    with pytest.raises(ServiceError, match="cannot connect"):
        VOAccess().cone(catalogue, TXS, RADIUS)


def test_bad_registry_access_kind(vo_catalogue):
    from dataclasses import replace
    catalogue = replace(vo_catalogue("scs"), access=AccessSpec(kind="ftp", url="ftp://x"))
    with pytest.raises(ServiceError, match="unknown access kind 'ftp'"):
        VOAccess().cone(catalogue, TXS, RADIUS)


@pytest.mark.parametrize("coord,radius,error,match", [
    ((77.0, 5.0), RADIUS, InputTypeError, "SkyCoord"),
    (SkyCoord([1, 2], [3, 4], unit="deg"), RADIUS, InputValueError, r"single position.*use bulk\(\)"),
    (TXS, 15.0, InputTypeError, "angular Quantity"),
    (TXS, 0 * u.arcsec, InputValueError, "0 < radius"),
    (TXS, 15 * u.m, InputValueError, "angle, got unit m"),   # the type is right, its unit is not
    (TXS, None, InputTypeError, "angular Quantity"),        # an access has no default radius
])
def test_bad_input(vo_catalogue, coord, radius, error, match):
    with pytest.raises(error, match=match):
        VOAccess().cone(vo_catalogue("scs"), coord, radius)


def test_thread_safe_under_a_pool(vo_catalogue):
    access = VOAccess()
    jobs = [(vo_catalogue(kind), SkyCoord(TXS_RA, TXS_DEC, unit="deg"))
            for kind in ("scs", "tap") for _ in range(15)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda job: access.cone(job[0], job[1], RADIUS), jobs))
    assert all(sorted(r["name"]) == ["SYN00000", "SYN00001"] for r in results)


def test_parse_retry_after():
    assert parse_retry_after("1") == 1.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0   # in the past


# ---------------------------------------------------------------------- cache
class CountingAccess(CatalogueAccess):
    """Answers from a synthetic table and counts calls; can be told to fail."""

    name = "counting"

    def __init__(self):
        self.calls = 0
        self.fail = False

    def cone(self, catalogue, coord, radius):
        self.calls += 1
        if self.fail:
            raise ServiceError("synthetic failure", service=catalogue.name)
        table = synthetic_sources([coord.ra.deg], [coord.dec.deg])
        table["flag"] = np.ma.masked_array([1], mask=[True])
        return table


def test_cache_hit_miss_and_bypass(vo_catalogue, tmp_path):
    inner = CountingAccess()
    access = CachedAccess(inner, tmp_path)
    catalogue = vo_catalogue("scs")
    first = access.cone(catalogue, TXS, RADIUS)
    second = access.cone(catalogue, TXS, RADIUS)
    assert inner.calls == 1
    assert second["flux"].unit == u.mJy and second["flux"][0] == first["flux"][0]
    assert second["flag"].mask[0]                       # masks survive the VOTable round trip
    access.cone(catalogue, TXS, RADIUS, cache=False)
    assert inner.calls == 2
    access.cone(catalogue, TXS, 20 * u.arcsec)          # another radius is another entry
    access.cone(catalogue, SkyCoord(TXS_RA + 0.01, TXS_DEC, unit="deg"), RADIUS)
    assert inner.calls == 4
    files = list(tmp_path.rglob("*.vot"))
    assert len(files) == 3 and not list(tmp_path.rglob(".tmp-*"))


def test_cache_key_includes_registry_version(vo_catalogue, tmp_path):
    inner = CountingAccess()
    catalogue = vo_catalogue("scs")
    CachedAccess(inner, tmp_path, registry_version="1").cone(catalogue, TXS, RADIUS)
    CachedAccess(inner, tmp_path, registry_version="1").cone(catalogue, TXS, RADIUS)
    CachedAccess(inner, tmp_path, registry_version="2").cone(catalogue, TXS, RADIUS)
    assert inner.calls == 2


def test_cache_disabled_by_conf(vo_catalogue, tmp_path):
    inner = CountingAccess()
    access = CachedAccess(inner, tmp_path)
    with conf.set_temp("cache", False):
        access.cone(vo_catalogue("scs"), TXS, RADIUS)
        access.cone(vo_catalogue("scs"), TXS, RADIUS)
    assert inner.calls == 2 and not list(tmp_path.rglob("*.vot"))


def test_failures_are_never_cached(vo_server, vo_catalogue, fast):
    access = CachedAccess(VOAccess())
    catalogue = vo_catalogue("tap")
    vo_server.set_fault("synthetic_radio", "http500")
    with pytest.raises(ServiceError):
        access.cone(catalogue, TXS, RADIUS)
    assert not list(access.cache_dir.rglob("*.vot"))
    vo_server.reset()
    assert len(access.cone(catalogue, TXS, RADIUS)) == 2
    assert len(access.cone(catalogue, TXS, RADIUS)) == 2
    assert len(vo_server.hits["synthetic_radio"]) == 1     # the second answer came from disk


def test_bulk_is_cached(vo_server, vo_catalogue):
    access = CachedAccess(VOAccess())
    catalogue = vo_catalogue("tap", bulk="tap_upload")
    coords = SkyCoord([TXS_RA, TXS_RA + 1.0], [TXS_DEC, TXS_DEC], unit="deg")
    first = access.bulk(catalogue, coords, RADIUS)
    second = access.bulk(catalogue, coords, RADIUS)
    assert len(vo_server.hits["synthetic_radio"]) == 1
    assert second[INDEX_COLUMN].tolist() == first[INDEX_COLUMN].tolist() == [0, 0, 1]


def test_clear_cache_per_catalogue_and_all(vo_catalogue, tmp_path):
    access = CachedAccess(CountingAccess(), tmp_path)
    scs, tap = vo_catalogue("scs"), vo_catalogue("tap")
    access.cone(scs, TXS, RADIUS)
    access.cone(tap, TXS, RADIUS)
    assert clear_cache(scs, cache_dir=tmp_path) == 1
    assert len(list(tmp_path.rglob("*.vot"))) == 1
    assert access.clear() == 1
    assert not list(tmp_path.rglob("*.vot"))


def test_corrupt_entry_is_refetched(vo_catalogue, tmp_path):
    inner = CountingAccess()
    access = CachedAccess(inner, tmp_path)
    catalogue = vo_catalogue("scs")
    access.cone(catalogue, TXS, RADIUS)
    (entry,) = tmp_path.rglob("*.vot")
    entry.write_bytes(b"<VOTABLE><broken")
    assert len(access.cone(catalogue, TXS, RADIUS)) == 1
    assert inner.calls == 2


def test_tests_use_a_temporary_cache(_isolated_caches):
    # the autouse fixture keeps every test away from the user's cache
    assert default_cache_dir() == Path(_isolated_caches)
    assert CachedAccess(CountingAccess()).cache_dir == Path(_isolated_caches)


def test_cached_access_rejects_bad_input(vo_catalogue):
    with pytest.raises(InputTypeError):
        CachedAccess(object())
    with pytest.raises(InputTypeError, match="SkyCoord"):
        CachedAccess(CountingAccess()).cone(vo_catalogue("scs"), (1, 2), RADIUS)


def test_cached_answer_equals_live_answer(vo_catalogue):
    access = CachedAccess(VOAccess())
    catalogue = vo_catalogue("scs")
    live = access.cone(catalogue, TXS, RADIUS)
    cached = access.cone(catalogue, TXS, RADIUS)
    assert isinstance(cached, Table) and cached.colnames == live.colnames
    for name in live.colnames:
        assert cached[name].unit == live[name].unit
        assert list(cached[name]) == list(live[name])


def test_retry_policy_backs_off_from_the_first_retry_and_caps_retry_after():
    from types import SimpleNamespace

    from urllib3.exceptions import MaxRetryError

    from vo_blazar.access.http import RETRY_STATUS, RetryPolicy

    def answer(status, **headers):   # what urllib3 reads of a response
        return SimpleNamespace(status=status, headers=headers, get_redirect_location=lambda: None)
    policy = RetryPolicy(total=3, first_backoff=0.5, max_retry_after=10)
    assert policy.get_backoff_time() == 0 and set(policy.status_forcelist) == set(RETRY_STATUS)
    assert policy.is_retry("POST", 503)                      # TAP queries are POSTs
    waits = []
    for _ in range(3):
        policy = policy.increment("POST", "/tap", response=answer(500))
        waits.append(policy.get_backoff_time())
    assert waits == [0.5, 1.0, 2.0]                           # first back-off, then doubled
    with pytest.raises(MaxRetryError):                        # the budget is spent
        policy.increment("POST", "/tap", response=answer(500))
    slow = answer(429, **{"Retry-After": "3600"})
    with pytest.raises(MaxRetryError):                        # beyond max_retry_after: no retry at all
        RetryPolicy(total=3, max_retry_after=10).increment("GET", "/scs", response=slow)
    polite = answer(429, **{"Retry-After": "4"})
    after = RetryPolicy(total=3, first_backoff=0.5, max_retry_after=10).increment("GET", "/scs", response=polite)
    assert after._wait(polite) == 4.0                         # Retry-After, at least the back-off
