"""The in-memory SED cache: LRU behaviour, copies, and what build_seds keeps or refuses to keep."""
import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import Table

from vo_blazar.access.cache import clear_cache
from vo_blazar.access.snapshot import SnapshotAccess
from vo_blazar.config import conf
from vo_blazar.exceptions import PartialResultWarning
from vo_blazar.memory import MemoryCache, sed_memory
from vo_blazar.pipeline import build_sed, build_seds

TXS = SkyCoord(77.35818, 5.69315, unit="deg")
PKS = SkyCoord(329.71694, -30.22559, unit="deg")   # PKS 2155-304


def test_lru_keeps_the_most_recent_entries_and_copies_in_and_out():
    memory = MemoryCache(lambda: 2)
    for k in "abc":
        memory.put(k, Table({"x": [ord(k)]}))
    assert len(memory) == 2 and memory.get("a") is None
    got = memory.get("b")
    got["x"][0] = -1                       # the caller's copy, not the entry
    assert memory.get("b")["x"][0] == ord("b")
    memory.get("b")                        # "b" is now the most recent: "c" goes next
    memory.put("d", Table({"x": [0]}))
    assert memory.get("c") is None and memory.get("b") is not None


def test_capacity_zero_keeps_nothing():
    memory = MemoryCache(lambda: 0)
    memory.put("a", Table({"x": [1]}))
    assert len(memory) == 0 and memory.get("a") is None


@pytest.fixture
def bulk_calls(monkeypatch):
    # the pipeline asks the access through its trusted path (arguments validated once, upstream)
    calls = []
    original = SnapshotAccess._bulk

    def counting(self, catalogue, coords, radius):
        calls.append((catalogue.name, len(coords)))
        return original(self, catalogue, coords, radius)

    monkeypatch.setattr(SnapshotAccess, "_bulk", counting)
    return calls


def test_second_build_comes_from_memory_and_equals_the_first(bulk_calls):
    first = build_seds(SkyCoord([TXS, PKS]), offline=True)
    n_calls = len(bulk_calls)
    assert n_calls > 0
    again = build_seds(SkyCoord([TXS, PKS]), offline=True)
    assert len(bulk_calls) == n_calls                    # no catalogue asked again
    for a, b in zip(first, again):
        assert len(a) == len(b) > 0
        np.testing.assert_array_equal(a["nufnu"].to_value(a["nufnu"].unit),
                                      b["nufnu"].to_value(a["nufnu"].unit))
        assert a.meta["target"].separation(b.meta["target"]) == 0 * u.deg
    # a mixed request builds only the new position
    build_seds(SkyCoord([TXS, SkyCoord(10.0, -45.0, unit="deg")]), offline=True)
    assert {n for _, n in bulk_calls[n_calls:]} == {1}


def test_memory_depends_on_radius_catalogues_and_switch(bulk_calls):
    build_seds(TXS, offline=True)
    n = len(bulk_calls)
    build_seds(TXS, 30 * u.arcsec, offline=True)          # another radius: built again
    assert len(bulk_calls) > n and len(sed_memory) == 2
    only = build_seds(TXS, offline=True, catalogs=["NVSS"])[0]
    assert set(only["catalog"]) == {"NVSS"}
    with conf.set_temp("sed_cache_size", 0):
        sed_memory.clear()
        build_seds(TXS, offline=True)
        assert len(sed_memory) == 0


def test_a_partial_sed_is_never_kept(monkeypatch):
    original = SnapshotAccess._bulk

    def failing(self, catalogue, coords, radius):
        if catalogue.name == "NVSS":
            raise ConnectionError("synthetic outage")
        return original(self, catalogue, coords, radius)

    monkeypatch.setattr(SnapshotAccess, "_bulk", failing)
    with pytest.warns(PartialResultWarning, match="NVSS"):
        sed = build_seds(TXS, offline=True)[0]
    assert "NVSS" in sed.meta["failures"]
    monkeypatch.setattr(SnapshotAccess, "_bulk", original)
    healed = build_seds(TXS, offline=True)[0]              # asked again, not served the partial SED
    assert not healed.meta["failures"] and "NVSS" in set(healed["catalog"])


def test_single_build_is_kept_too_and_clear_cache_forgets_it():
    first = build_sed(TXS, offline=True)
    assert len(sed_memory) == 1
    assert len(build_sed(TXS, offline=True)) == len(first)
    clear_cache()
    assert len(sed_memory) == 0


def test_an_explicit_access_bypasses_the_memory():
    build_seds(TXS, offline=True, access=SnapshotAccess())
    assert len(sed_memory) == 0


def test_the_memory_keeps_its_old_home():
    # vo_blazar.access.cache.sed_memory / MemoryCache were public there before the redesign
    from vo_blazar import access, memory, pipeline
    assert access.cache.sed_memory is memory.sed_memory is pipeline.sed_memory
    assert access.cache.MemoryCache is memory.MemoryCache
