"""Hand results to TOPCAT, Aladin or any other SAMP client.

The hub is found the standard way: the ``SAMP_HUB`` environment variable
(``std-lockurl:file:///path/to/lockfile``) or else the ``~/.samp`` lock file that TOPCAT and Aladin
write when they start their internal hub. Tables travel as VOTable files in the temporary folder,
announced by ``file://`` URL with the ``table.load.votable`` MType, which is what TOPCAT and Aladin
load. The file outlives the call: a recipient may answer first and load afterwards, or still be
loading when the wait times out, and nothing in SAMP says when it is done. Files are kept for
`KEEP_SECONDS` (an hour) in their own temporary folder and removed by a later `send_table` (or by
the system's temporary-file cleaning); each status is logged as the recipient gave it.

Built on `pyvo.samp` (astropy.samp is deprecated in astropy 8); pyvo 1.9 provides everything used
here (hub discovery, the integrated client, the hub server used by the tests).
"""
from __future__ import annotations

import contextlib
import os
import tempfile
import time
import uuid
import warnings
import xmlrpc.client
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import Table
from astropy.units import UnitsWarning

from ..exceptions import InputTypeError, InputValueError, SAMPHubNotFoundError, VOBlazarWarning
from ..logger import log
from ..sed.table import validate_sed

__all__ = ["send_table", "send_sed", "point_at", "MTYPE_TABLE", "MTYPE_POINT", "KEEP_SECONDS"]

#: How long a table sent over SAMP stays on disk for its recipients to load.
KEEP_SECONDS = 3600.0

MTYPE_TABLE = "table.load.votable"
MTYPE_POINT = "coord.pointAt.sky"

_NO_HUB_HINT = ("start TOPCAT or Aladin (each runs a SAMP hub), or point the SAMP_HUB environment "
                "variable at a running hub's lock file (SAMP_HUB=std-lockurl:file:///path/to/lockfile)")


def _hub_params(hub: Any) -> dict:
    """Lock-file parameters of the hub to use: the standard one, a hub object or given parameters."""
    from pyvo.samp import SAMPHubError, SAMPHubServer
    from pyvo.samp.lockfile_helpers import get_main_running_hub

    if hub is None:
        try:
            return dict(get_main_running_hub())
        except (SAMPHubError, KeyError, OSError) as exc:
            where = os.environ.get("SAMP_HUB") or str(Path.home() / ".samp")
            raise SAMPHubNotFoundError(f"no running SAMP hub found (looked at {where}); "
                                       f"{_NO_HUB_HINT}") from exc
    if isinstance(hub, SAMPHubServer):
        if not hub.is_running:
            raise SAMPHubNotFoundError(f"the SAMP hub object given is not running; {_NO_HUB_HINT}")
        return dict(hub.params)
    if isinstance(hub, Mapping):
        if "samp.hub.xmlrpc.url" not in hub:
            raise InputValueError("hub parameters must contain 'samp.hub.xmlrpc.url' (the contents of a "
                                  f"SAMP lock file); got keys {sorted(hub)}")
        return dict(hub)
    raise InputTypeError("hub must be None (find the running hub), a pyvo.samp.SAMPHubServer or a mapping of "
                         f"lock-file parameters, got {type(hub).__name__}")


@contextlib.contextmanager
def _connection(hub: Any, client_name: str) -> Iterator[Any]:
    """A registered SAMP client for the duration of the block, unregistered afterwards."""
    import pyvo.samp
    from pyvo.samp import SAMPHubError, SAMPIntegratedClient

    params = _hub_params(hub)
    # use_internet=False: otherwise pyvo probes http://google.com to choose the listening address;
    # a SAMP hub is on this machine, so loopback is right and no network is touched.
    with pyvo.samp.conf.set_temp("use_internet", False):
        client = SAMPIntegratedClient(name=client_name, description="vo_blazar: is this source a blazar?",
                                      addr="127.0.0.1")
        try:
            client.connect(hub_params=params)
        except (SAMPHubError, OSError) as exc:
            url = params.get("samp.hub.xmlrpc.url", "?")
            raise SAMPHubNotFoundError(f"could not connect to the SAMP hub at {url} ({exc}); "
                                       f"{_NO_HUB_HINT}") from exc
    try:
        yield client
    finally:
        client.disconnect()


def _recipients(client: Any, mtype: str, recipient: str | None) -> dict[str, str]:
    """Client ids subscribed to ``mtype`` -> their samp.name (optionally only the one named)."""
    own = client.get_public_id()
    found = {}
    for cid in client.get_subscribed_clients(mtype):
        if cid == own:
            continue
        found[cid] = str(client.get_metadata(cid).get("samp.name", cid))
    if recipient is not None:
        chosen = {cid: nm for cid, nm in found.items() if nm == recipient or cid == recipient}
        if not chosen:
            raise InputValueError(f"no SAMP client named {recipient!r} accepts {mtype}; clients that do: "
                                  f"{sorted(found.values()) or 'none'}")
        return chosen
    return found


def _timeout_seconds(timeout: float | u.Quantity) -> int:
    seconds = timeout.to_value(u.s) if isinstance(timeout, u.Quantity) else float(timeout)
    if not np.isfinite(seconds) or seconds <= 0:
        raise InputValueError(f"timeout must be a positive number of seconds, got {timeout}")
    return max(1, int(np.ceil(seconds)))  # the SAMP hub counts whole seconds; 0 would mean "forever"


def _votable_ready(table: Table) -> Table:
    """A plain Table copy that the VOTable writer accepts.

    Columns holding Python sequences (e.g. a list of warnings per row) become ``"; "``-joined strings;
    meta entries that VOTable cannot carry (SkyCoord, dicts) are left out of the file, only scalars stay.
    """
    out = Table(table, copy=True)
    for name in out.colnames:
        col = out[name]
        if getattr(col, "dtype", None) is not None and col.dtype.kind == "O":
            out[name] = [v if isinstance(v, str) else "; ".join(map(str, v)) if isinstance(v, (list, tuple))
                         else str(v) for v in col]
    out.meta = {k: v for k, v in table.meta.items() if isinstance(v, (str, int, float, bool))}
    return out


def send_table(table: Table, *, name: str = "vo_blazar result", client_name: str = "vo_blazar",
               recipient: str | None = None, hub: Any = None,
               timeout: float | u.Quantity = 10.0) -> dict[str, str]:
    """Send a table to the SAMP clients that load tables (TOPCAT, Aladin, ...).

    Parameters
    ----------
    table : `~astropy.table.Table`
        Any table, e.g. the result of ``vo_blazar.classify``; units travel with the columns.
    name : str
        The name the receiving application shows for the table.
    client_name : str
        The name vo_blazar registers under on the hub.
    recipient : str, optional
        Send only to the client with this ``samp.name`` (e.g. ``"topcat"``) or public id; default
        all clients subscribed to ``table.load.votable``.
    hub : None, `pyvo.samp.SAMPHubServer` or mapping, optional
        None (default) finds the running hub through ``SAMP_HUB`` or ``~/.samp``.
    timeout : float or `~astropy.units.Quantity`
        Seconds to wait for each recipient to confirm it loaded the table.

    Returns
    -------
    dict
        ``{recipient samp.name: status}``, status being the SAMP status (``"samp.ok"``), or
        ``"timeout"`` / ``"error: ..."``. Empty (with a warning) when no client loads tables.

    Raises
    ------
    SAMPHubNotFoundError
        When no hub runs.
    """
    if not isinstance(table, Table):
        raise InputTypeError(f"send_table expects an astropy Table, got {type(table).__name__}")
    seconds = _timeout_seconds(timeout)
    ready = _votable_ready(table)
    folder = _samp_folder()
    fd, fname = tempfile.mkstemp(prefix="vo_blazar_", suffix=".vot", dir=folder)
    os.close(fd)
    path = Path(fname)
    sent = False
    try:
        try:
            with warnings.catch_warnings():
                # erg is "deprecated" in VOUnit but written as-is, and TOPCAT/Aladin read it fine
                warnings.simplefilter("ignore", UnitsWarning)
                ready.write(path, format="votable", overwrite=True)
        except Exception as exc:  # the writer raises several types; say which column/meta failed
            raise InputValueError(f"table cannot be written as a VOTable for SAMP: {exc}") from exc
        message = {"samp.mtype": MTYPE_TABLE,
                   "samp.params": {"url": path.as_uri(), "name": name,
                                   "table-id": f"vo_blazar-{uuid.uuid4()}"}}
        statuses = _call_all(message, MTYPE_TABLE, client_name, recipient, hub, seconds)
        sent = bool(statuses)
        return statuses
    finally:
        if not sent:   # nobody was told about the file: nobody will read it
            path.unlink(missing_ok=True)


def _samp_folder() -> Path:
    """The folder of tables sent over SAMP, with those older than `KEEP_SECONDS` removed."""
    user = f"_{os.getuid()}" if hasattr(os, "getuid") else ""   # /tmp is shared between users
    folder = Path(tempfile.gettempdir()) / f"vo_blazar_samp{user}"
    folder.mkdir(mode=0o700, exist_ok=True)
    now = time.time()
    for old in folder.glob("vo_blazar_*.vot"):
        with contextlib.suppress(OSError):   # another process may be sweeping too
            if now - old.stat().st_mtime > KEEP_SECONDS:
                old.unlink()
    return folder


def _call_all(message: dict, mtype: str, client_name: str, recipient: str | None, hub: Any,
              seconds: int) -> dict[str, str]:
    """Send ``message`` to every subscribed client and wait for each answer.

    The recipients are called at the same time, so that n slow ones cost one timeout, not n.
    """
    statuses: dict[str, str] = {}
    with _connection(hub, client_name) as client:
        targets = _recipients(client, mtype, recipient)
        if not targets:
            warnings.warn(f"a SAMP hub is running but no client accepts {mtype}; open TOPCAT or Aladin "
                          "and send again", VOBlazarWarning)
            return statuses
        def call(cid: str) -> str:
            try:
                response = client.call_and_wait(cid, message, str(seconds))
                status = str(response.get("samp.status", "unknown"))
                if status != "samp.ok":
                    err = response.get("samp.error", {}).get("samp.errortxt", "")
                    status = f"{status}: {err}" if err else status
            except xmlrpc.client.Fault as exc:  # what the hub's SAMPProxy(Timeout)Error arrives as
                status = ("timeout" if "timeout" in str(exc.faultString).lower()
                          else f"error: {exc.faultString}")
            except OSError as exc:
                status = f"error: {exc}"
            return status

        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(max_workers=len(targets)) as pool:
            answers = dict(zip(targets, pool.map(call, targets)))
        what = message["samp.params"].get("name", "")
        where = message["samp.params"].get("url", "")
        for cid, cname in targets.items():
            status = answers[cid]
            if status == "timeout":
                log.warning(f"SAMP client {cname} did not answer {mtype} within {seconds} s; it may still "
                            f"be loading {what!r}, whose file stays for {KEEP_SECONDS / 3600:g} h ({where})")
            elif status != "samp.ok":
                log.warning(f"SAMP client {cname} answered {status} to {mtype}")
            else:   # the recipient's word: SAMP cannot tell whether it has read the file yet
                log.info(f"SAMP: {cname} answered samp.ok to {mtype} {what!r}")
            statuses[cname] = status
    return statuses


def send_sed(sed: Table, *, name: str | None = None, **kwargs: Any) -> dict[str, str]:
    """Send an SED table (see `vo_blazar.sed.table`) as a VOTable; TOPCAT can then plot it.

    ``name`` defaults to ``"SED <ra> <dec>"`` from ``sed.meta['target']``; other keywords are
    those of `send_table`.
    """
    validate_sed(sed)
    if name is None:
        target = sed.meta.get("target") if sed.meta else None
        if isinstance(target, SkyCoord) and target.isscalar:
            icrs = target.icrs
            name = f"SED {icrs.ra.deg:.5f} {icrs.dec.deg:+.5f}"
        else:
            name = "vo_blazar SED"
    return send_table(sed, name=name, **kwargs)


def point_at(coord: SkyCoord, *, client_name: str = "vo_blazar", recipient: str | None = None,
             hub: Any = None) -> list[str]:
    """Ask SAMP clients (Aladin, TOPCAT's sky views) to centre on ``coord`` (``coord.pointAt.sky``).

    Returns the ``samp.name`` of each client notified (empty, with a warning, when none listens).
    """
    if not isinstance(coord, SkyCoord):
        raise InputTypeError(f"point_at expects a SkyCoord, got {type(coord).__name__}")
    if not coord.isscalar:
        raise InputValueError(f"point_at needs one position, got an array of shape {coord.shape}")
    icrs = coord.icrs
    message = {"samp.mtype": MTYPE_POINT,
               "samp.params": {"ra": repr(float(icrs.ra.deg)), "dec": repr(float(icrs.dec.deg))}}
    with _connection(hub, client_name) as client:
        targets = _recipients(client, MTYPE_POINT, recipient)
        if not targets:
            warnings.warn(f"a SAMP hub is running but no client accepts {MTYPE_POINT}", VOBlazarWarning)
            return []
        for cid in targets:
            client.notify(cid, message)
    return list(targets.values())
