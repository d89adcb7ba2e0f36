"""Shared test fixtures: isolated caches and the loopback VO server.

* ``_isolated_caches`` (autouse): vo_blazar's cache goes to a temporary folder, the in-memory SED
  cache starts empty and astroquery's response cache is off, so no test reads or writes the
  user's real caches or sees another test's SEDs.
* ``vo_server``: a `loopback_vo.LoopbackVO` serving synthetic tables over SCS / TAP / XMatch on
  127.0.0.1; ``conf.vizier_tap_url`` / ``conf.xmatch_url`` point at it; faults and hit counts
  are reset after each test.
* ``vo_catalogue``: factory ``vo_catalogue(kind="scs", name="synthetic_radio", bulk=None)`` ->
  a registry `Catalogue` answered by ``vo_server`` (see `loopback_vo.synthetic_catalogue`).
"""
import pytest

try:  # tests/ is not a package; pytest puts it on sys.path (rootdir "prepend" import mode)
    from .loopback_vo import LoopbackVO, default_synthetic_table, synthetic_catalogue
except ImportError:
    from loopback_vo import LoopbackVO, default_synthetic_table, synthetic_catalogue


@pytest.fixture(autouse=True)
def _isolated_caches(tmp_path_factory):
    from vo_blazar.access.cache import sed_memory
    from vo_blazar.config import conf

    sed_memory.clear()
    cache_dir = tmp_path_factory.mktemp("vo_blazar_cache")
    try:
        from astroquery import cache_conf
        astroquery_off = cache_conf.set_temp("cache_active", False)
    except ImportError:  # pragma: no cover - astroquery is a dependency
        import contextlib
        astroquery_off = contextlib.nullcontext()
    with conf.set_temp("cache_dir", str(cache_dir)), astroquery_off:
        yield cache_dir


@pytest.fixture(scope="session")
def _vo_server_session():
    server = LoopbackVO()
    server.add_table("synthetic_radio", default_synthetic_table())
    server.add_table("J/synthetic/radio", default_synthetic_table())   # a VizieR-style id
    with server:
        yield server


@pytest.fixture
def vo_server(_vo_server_session):
    from vo_blazar.config import conf

    server = _vo_server_session
    with conf.set_temp("vizier_tap_url", server.tap_url), \
            conf.set_temp("xmatch_url", server.xmatch_url):
        yield server
    server.reset()


@pytest.fixture
def vo_catalogue(vo_server):
    def make(kind="scs", name="synthetic_radio", bulk=None):
        return synthetic_catalogue(vo_server, name, kind=kind, bulk=bulk)
    return make
