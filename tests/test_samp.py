"""SAMP hand-off, against an in-process hub on loopback with a temporary lock file.

HOME and SAMP_HUB point into tmp_path, so neither a real user's hub nor ~/.samp is ever touched
(pyvo's hub also tidies stale lock files under HOME when it starts).
"""
import os
import threading
import warnings
from urllib.parse import urlparse

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import QTable, Table

pyvo_samp = pytest.importorskip("pyvo.samp")

from vo_blazar.interop import samp  # noqa: E402
from vo_blazar.exceptions import InputTypeError, InputValueError, SAMPHubNotFoundError  # noqa: E402
from vo_blazar.sed.table import make_sed  # noqa: E402


@pytest.fixture
def isolated_env(tmp_path, monkeypatch):
    """No real hub reachable: HOME and SAMP_HUB both inside tmp_path, no network probes."""
    monkeypatch.setenv("HOME", str(tmp_path))
    lock = tmp_path / "samp-lock"
    monkeypatch.setenv("SAMP_HUB", f"std-lockurl:file://{lock}")
    with pyvo_samp.conf.set_temp("use_internet", False):
        yield lock


@pytest.fixture
def hub(isolated_env):
    server = pyvo_samp.SAMPHubServer(web_profile=False, addr="127.0.0.1", mode="single")
    server.start()
    assert isolated_env.exists()  # the hub wrote its lock file where SAMP_HUB says
    yield server
    server.stop()


class Receiver:
    """A SAMP client that loads what it is sent, as TOPCAT would, and records it."""

    def __init__(self, hub, name="fake-topcat", mtypes=(samp.MTYPE_TABLE, samp.MTYPE_POINT)):
        self.tables = []
        self.params = []
        self.pointed = []
        self.got = threading.Event()
        self.client = pyvo_samp.SAMPIntegratedClient(name=name, addr="127.0.0.1")
        self.client.connect(hub=hub)
        if samp.MTYPE_TABLE in mtypes:
            self.client.bind_receive_call(samp.MTYPE_TABLE, self._on_table)
        if samp.MTYPE_POINT in mtypes:
            self.client.bind_receive_notification(samp.MTYPE_POINT, self._on_point)

    def _on_table(self, private_key, sender_id, msg_id, mtype, params, extra):
        # the file must still exist while the sender waits for this reply
        with warnings.catch_warnings():  # erg is not VOUnit; TOPCAT reads it anyway
            warnings.simplefilter("ignore", u.UnitsWarning)
            self.tables.append(Table.read(urlparse(params["url"]).path, format="votable"))
        self.params.append(params)
        self.client.reply(msg_id, {"samp.status": "samp.ok", "samp.result": {}})
        self.got.set()

    def _on_point(self, private_key, sender_id, mtype, params, extra):
        self.pointed.append(params)
        self.got.set()

    def close(self):
        self.client.disconnect()


@pytest.fixture
def receiver(hub):
    rec = Receiver(hub)
    yield rec
    rec.close()


def synthetic_result():
    """A synthetic classification result (made-up numbers, not real sources)."""
    t = QTable()
    t["ra"] = [10.5, 200.25, 359.0] * u.deg
    t["dec"] = [-5.0, 45.125, 89.5] * u.deg
    t["p_blazar"] = [0.91, 0.12, 0.5]
    t["is_blazar"] = [True, False, False]
    t["model"] = ["gamma", "no_gamma", "gamma"]
    t["n_points"] = np.array([40, 3, 12], dtype=np.int32)
    t["warnings"] = [["too sparse"], [], ["catalogue failed: 4FGL", "out of distribution"]]
    t.meta["target"] = SkyCoord(1 * u.deg, 2 * u.deg)  # not VOTable-able: left out of the file
    t.meta["threshold"] = 0.5
    return t


def test_send_table_received_intact(receiver):
    sent = synthetic_result()
    status = samp.send_table(sent, name="synthetic result", timeout=5)
    assert status == {"fake-topcat": "samp.ok"}
    assert len(receiver.tables) == 1
    got = receiver.tables[0]
    assert receiver.params[0]["name"] == "synthetic result"
    assert got.colnames == sent.colnames
    assert len(got) == 3
    np.testing.assert_allclose(got["ra"], sent["ra"].value)
    assert got["ra"].unit == u.deg and got["dec"].unit == u.deg
    np.testing.assert_allclose(got["dec"], sent["dec"].value)
    np.testing.assert_allclose(got["p_blazar"], [0.91, 0.12, 0.5])
    assert list(got["is_blazar"]) == [True, False, False]
    assert list(got["model"]) == ["gamma", "no_gamma", "gamma"]
    assert list(got["n_points"]) == [40, 3, 12]
    assert list(got["warnings"]) == ["too sparse", "", "catalogue failed: 4FGL; out of distribution"]
    # the file outlives the call (a recipient may load after answering): test_reliability_samp.py
    assert os.path.exists(urlparse(receiver.params[0]["url"]).path)


def test_send_to_named_recipient_and_unknown(hub, receiver):
    other = Receiver(hub, name="fake-aladin")
    try:
        status = samp.send_table(Table({"a": [1, 2]}), recipient="fake-aladin", timeout=5)
        assert status == {"fake-aladin": "samp.ok"}
        assert len(other.tables) == 1 and len(receiver.tables) == 0
        assert list(other.tables[0]["a"]) == [1, 2]
        with pytest.raises(InputValueError, match="no SAMP client named 'ds9'"):
            samp.send_table(Table({"a": [1]}), recipient="ds9")
    finally:
        other.close()


def test_send_sed(receiver):
    synthetic_sed = make_sed({"frequency": [1.4e9, 2.4e17] * u.Hz,
                              "nufnu": [1e-13, 3e-12] * u.erg / u.cm**2 / u.s,
                              "upper_limit": [False, True], "catalog": ["NVSS", "RASS"]},
                             target=SkyCoord(12.5 * u.deg, -30.25 * u.deg))
    status = samp.send_sed(synthetic_sed, timeout=5)
    assert status == {"fake-topcat": "samp.ok"}
    got = receiver.tables[0]
    assert receiver.params[0]["name"] == "SED 12.50000 -30.25000"
    np.testing.assert_allclose(got["frequency"], [1.4e9, 2.4e17])
    assert u.Unit(got["nufnu"].unit) == u.erg / u.cm**2 / u.s
    assert list(got["upper_limit"]) == [False, True]


def test_point_at(receiver):
    names = samp.point_at(SkyCoord(83.63308 * u.deg, 22.0145 * u.deg))
    assert names == ["fake-topcat"]
    assert receiver.got.wait(5)
    assert float(receiver.pointed[0]["ra"]) == pytest.approx(83.63308)
    assert float(receiver.pointed[0]["dec"]) == pytest.approx(22.0145)
    with pytest.raises(InputValueError, match="one position"):
        samp.point_at(SkyCoord([1, 2] * u.deg, [3, 4] * u.deg))


def test_hub_without_table_clients_warns(hub):
    from vo_blazar.exceptions import VOBlazarWarning
    with pytest.warns(VOBlazarWarning, match="no client accepts table.load.votable"):
        assert samp.send_table(Table({"a": [1]})) == {}


def test_no_hub_clear_error(isolated_env):
    assert not isolated_env.exists()
    with pytest.raises(SAMPHubNotFoundError, match="TOPCAT or Aladin"):
        samp.send_table(Table({"a": [1]}))


def test_stopped_hub_object_clear_error(isolated_env):
    server = pyvo_samp.SAMPHubServer(web_profile=False, addr="127.0.0.1")
    with pytest.raises(SAMPHubNotFoundError, match="not running"):
        samp.send_table(Table({"a": [1]}), hub=server)


def test_bad_input():
    with pytest.raises(InputTypeError, match="astropy Table"):
        samp.send_table([1, 2, 3])
    with pytest.raises(InputValueError, match="positive"):
        samp.send_table(Table({"a": [1]}), timeout=0)
    with pytest.raises(InputTypeError, match="hub must be"):
        samp.send_table(Table({"a": [1]}), hub=42)
