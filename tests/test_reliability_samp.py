"""Reliability probe 5 (#115-#117): how long the VOTable sent over SAMP lives, and what is logged.

On fe6140e the file was deleted as soon as ``send_table`` returned: a recipient that answered
``samp.ok`` first and loaded afterwards (#115), or that was still loading when the wait timed out
(#116), found no file, and the log said "loaded" regardless. Recipients were also called one after
the other (#117). In-process hub on loopback, HOME/SAMP_HUB/temporary folder inside tmp_path.
"""
import logging
import os
import tempfile
import threading
import time
from urllib.parse import urlparse

import pytest
from astropy.table import Table

pyvo_samp = pytest.importorskip("pyvo.samp")

from vo_blazar.interop import samp  # noqa: E402
from vo_blazar.logger import log  # noqa: E402

try:
    from .test_samp import hub, isolated_env, synthetic_result  # noqa: F401 (fixtures)
except ImportError:
    from test_samp import hub, isolated_env, synthetic_result  # noqa: F401


@pytest.fixture(autouse=True)
def private_tmp(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()


class LateReceiver:
    """A table receiver that answers and loads in a chosen order, as real applications do."""

    def __init__(self, hub, name, *, reply_first: bool, delay: float):
        self.loaded, self.errors, self.started = [], [], []
        self.done = threading.Event()
        self.reply_first, self.delay = reply_first, delay
        self.client = pyvo_samp.SAMPIntegratedClient(name=name, addr="127.0.0.1")
        self.client.connect(hub=hub)
        self.client.bind_receive_call(samp.MTYPE_TABLE, self._on_table)

    def _on_table(self, private_key, sender_id, msg_id, mtype, params, extra):
        self.started.append(time.monotonic())
        if self.reply_first:
            self.client.reply(msg_id, {"samp.status": "samp.ok", "samp.result": {}})
        threading.Thread(target=self._load, args=(msg_id, params), daemon=True).start()

    def _load(self, msg_id, params):
        time.sleep(self.delay)
        try:
            self.loaded.append(Table.read(urlparse(params["url"]).path, format="votable"))
        except Exception as exc:   # what the probe saw: FileNotFoundError
            self.errors.append(exc)
        if not self.reply_first:
            try:
                self.client.reply(msg_id, {"samp.status": "samp.ok", "samp.result": {}})
            except Exception:   # the hub may have dropped the call after the timeout
                pass
        self.done.set()

    def close(self):
        self.client.disconnect()


def test_recipient_that_answers_first_then_loads_finds_the_file(hub, caplog):
    rec = LateReceiver(hub, "async-loader", reply_first=True, delay=0.5)
    try:
        with caplog.at_level(logging.INFO, logger=log.name):
            status = samp.send_table(synthetic_result(), name="late", timeout=5)
        assert status == {"async-loader": "samp.ok"}
        assert rec.done.wait(10)
        assert rec.errors == [] and len(rec.loaded) == 1 and len(rec.loaded[0]) == 3
        text = caplog.text
        assert "answered samp.ok" in text and "loaded" not in text
    finally:
        rec.close()


def test_recipient_slower_than_the_timeout_still_finds_the_file(hub, caplog):
    rec = LateReceiver(hub, "slow-topcat", reply_first=False, delay=2.5)
    try:
        with caplog.at_level(logging.WARNING, logger=log.name):
            status = samp.send_table(synthetic_result(), name="slow", timeout=1)
        assert status == {"slow-topcat": "timeout"}
        assert "may still be loading 'slow'" in caplog.text
        assert rec.done.wait(15)
        assert rec.errors == [] and len(rec.loaded) == 1
    finally:
        rec.close()


def test_recipients_are_called_together(hub):
    recs = [LateReceiver(hub, f"slow-{i}", reply_first=False, delay=1.5) for i in range(2)]
    try:
        status = samp.send_table(synthetic_result(), name="two", timeout=10)
        assert status == {"slow-0": "samp.ok", "slow-1": "samp.ok"}
        first, second = sorted(r.started[0] for r in recs)
        assert second - first < 1.0      # the second call did not wait for the first answer
    finally:
        for r in recs:
            r.close()


def test_old_files_are_swept_and_unsent_files_removed(hub):
    folder = samp._samp_folder()
    old = folder / "vo_blazar_old.vot"
    old.write_text("<VOTABLE/>")
    past = time.time() - samp.KEEP_SECONDS - 10
    os.utime(old, (past, past))
    with pytest.warns(samp.VOBlazarWarning, match="no client accepts"):
        assert samp.send_table(synthetic_result()) == {}     # hub, but no recipient
    assert not old.exists()
    assert list(folder.glob("*.vot")) == []                  # the unsent file went at once
