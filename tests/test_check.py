"""``check_services`` / ``vo-blazar check-services`` against the loopback VO (synthetic tables).

A healthy answer, an answer that lacks a registry column, one whose unit differs from the
registry's, an unreachable service and the offline refusal; the ``remote_data`` test runs the
check on the shipped registry against the live services.
"""
import socket
import textwrap

import pytest
from astropy.coordinates import SkyCoord

from vo_blazar.access import check_services
from vo_blazar.access.check import NeedsNetworkError
from vo_blazar.cli.commands import main
from vo_blazar.registry import load_registry

try:
    from .loopback_vo import TXS_DEC, TXS_RA, default_synthetic_table
except ImportError:
    from loopback_vo import TXS_DEC, TXS_RA, default_synthetic_table

TXS = SkyCoord(TXS_RA, TXS_DEC, unit="deg")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]     # nothing listens there once the socket is closed


def _entry(name, access, value="flux", error="flux_err", unit="mJy"):
    return f"""
  - name: {name}
    title: synthetic test catalogue {name}
    waveband: radio
    reference: synthetic (tests only)
    access: {access}
    ra_column: ra
    dec_column: dec
    name_column: name
    points:
      - {{band: "1.4 GHz", frequency: "1.4 GHz", conversion: flux_density, value: {value},
         error: {error}, params: {{unit: {unit}}}}}
"""


@pytest.fixture(autouse=True)
def _no_retry_waits():
    # the retry policy (tested in test_access) would wait between attempts on the closed port
    from vo_blazar.config import conf
    with conf.set_temp("max_retries", 0):
        yield


@pytest.fixture
def registry(vo_server, tmp_path):
    scs = vo_server.scs_url("synthetic_radio")
    vo_server.add_table("J/Test/1/2/radio", default_synthetic_table())   # a VizieR table id
    text = 'version: "check"\ncatalogues:\n' + "".join([
        _entry("HEALTHY_SCS", f'{{kind: scs, url: "{scs}"}}'),
        _entry("HEALTHY_VIZIER", "{kind: vizier, table: J/Test/1/2/radio, bulk: xmatch}"),
        _entry("MISSING", f'{{kind: scs, url: "{scs}"}}', value="S_total"),
        _entry("UNITS", f'{{kind: scs, url: "{scs}"}}', unit="Jy"),
        _entry("DOWN", f'{{kind: scs, url: "http://127.0.0.1:{_closed_port()}/scs?"}}'),
        _entry("OFFLINE", "{kind: offline}"),
    ])
    path = tmp_path / "check.yaml"
    path.write_text(textwrap.dedent(text))
    return load_registry(path)


def _by_name(report):
    return {(c.catalogue, c.path): c for c in report.checks}


def test_healthy_answers(registry):
    report = check_services(["HEALTHY_SCS", "HEALTHY_VIZIER"], registry=registry, position=TXS)
    checks = _by_name(report)
    assert set(checks) == {("HEALTHY_SCS", "cone"), ("HEALTHY_VIZIER", "cone"),
                           ("HEALTHY_VIZIER", "xmatch")}
    for check in checks.values():
        assert check.ok and check.reachable and check.error is None, check.line()
        assert check.rows == 2      # the synthetic rows 2" and 10" from TXS 0506+056
        assert check.missing_columns == [] and check.unit_mismatches == []
        assert check.latency_s is not None and check.latency_s >= 0
        assert check.url.startswith("http://127.0.0.1:")
    assert report.ok and "answered as the registry expects" in report.format()


def test_missing_column_is_named(registry):
    check = _by_name(check_services("MISSING", registry=registry, position=TXS))[("MISSING", "cone")]
    assert check.reachable and not check.ok
    assert check.missing_columns == ["S_total"]
    assert "missing columns: S_total" in check.line()


def test_unit_mismatch_is_named(registry, vo_server):
    report = check_services("UNITS", registry=registry, position=TXS)
    check = _by_name(report)[("UNITS", "cone")]
    assert not check.ok and check.missing_columns == []
    assert check.unit_mismatches == ["flux: service mJy, registry Jy (convertible)",
                                     "flux_err: service mJy, registry Jy (convertible)"]
    # a unit that is not even a flux density
    vo_server.set_fault("synthetic_radio", "badunit", column="flux", unit="erg/s")
    check = _by_name(check_services("HEALTHY_SCS", registry=registry, position=TXS))[
        ("HEALTHY_SCS", "cone")]
    assert check.unit_mismatches == ["flux: service erg / s, registry mJy (not convertible)"]


def test_unreachable_service_and_http_error(registry, vo_server):
    report = check_services(["DOWN", "HEALTHY_SCS", "OFFLINE"], registry=registry, position=TXS)
    checks = _by_name(report)
    down = checks[("DOWN", "cone")]
    assert not down.reachable and not down.ok and "cannot connect" in down.error
    assert "UNREACHABLE" in down.line()
    assert checks[("OFFLINE", "offline")].ok      # no live service by design: reported, skipped
    assert not report.ok and not report.none_reachable
    assert report.format().splitlines()[-1] == "1 catalogue(s) with problems: DOWN"
    vo_server.set_fault("synthetic_radio", "http500")
    check = _by_name(check_services("HEALTHY_SCS", registry=registry, position=TXS))[
        ("HEALTHY_SCS", "cone")]
    assert not check.reachable and "HTTP 500" in check.error


def test_no_service_reachable_says_it_needs_the_network(registry):
    report = check_services(["DOWN"], registry=registry, position=TXS)
    assert report.none_reachable
    assert "needs the network" in report.format()


def test_offline_mode_is_refused(registry):
    with pytest.raises(NeedsNetworkError, match="needs the network"):
        check_services(registry=registry, offline=True)


def test_cli_exit_codes(capsys, monkeypatch):
    assert main(["check-services", "--offline"]) == 2
    assert "needs the network" in capsys.readouterr().err
    # the packaged 4FGL-DR4 file answers without any service; Stripe82X has none by design
    assert main(["check-services", "--catalogs", "4FGL-DR4,Stripe82X"]) == 0
    out = capsys.readouterr().out
    assert "4FGL-DR4   packaged ok" in out and "Stripe82X  offline  skipped" in out
    assert main(["check-services", "--catalogs", "NOPE"]) == 2
    assert "unknown catalogue name(s) 'NOPE'" in capsys.readouterr().err


def test_probe_covers_every_column_the_photometry_reads():
    # 4FGL-DR4: ellipse, counterpart, upper-limit and flux columns all count as required
    from vo_blazar.access.check import _required_columns
    needed = _required_columns(load_registry()["4FGL-DR4"])
    for column in ("RAJ2000", "Source_Name", "Conf_95_SemiMajor", "RA_Counterpart", "nuFnu_Band_1",
                   "Flux_Band_1", "Unc_Flux_Band_lo_1", "Unc_Flux_Band_hi_8"):
        assert column in needed


@pytest.mark.remote_data
def test_every_registry_entry_answers_live():
    """The first networked run names every broken registry entry at once."""
    report = check_services(timeout=60)
    assert not report.none_reachable, report.format()
    assert report.ok, "\n" + report.format()
