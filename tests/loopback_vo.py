"""A loopback Virtual Observatory for the tests: IVOA SCS, sync TAP (with uploads) and CDS XMatch.

A threaded `http.server` on 127.0.0.1 (random port) answers from in-memory *synthetic* tables,
so pyvo and astroquery run their real protocol code without the network. Faults are injected per
table name (they apply to every protocol path that reads that table)::

    timeout     sleep ``sleep`` seconds before answering (past the client's timeout)
    http500     HTTP 500 with an HTML body
    ratelimit   HTTP 429 with ``Retry-After: <retry_after>`` for the first ``times`` requests
    html        HTTP 200 with an HTML error page
    malformed   HTTP 200 with a VOTable cut off in the middle
    empty       a valid VOTable with the columns and no row
    overflow    a VOTable truncated to one row with ``QUERY_STATUS=OVERFLOW``
    badunit     the ``column`` (default ``flux``) carries ``unit`` (default: one no parser reads)
    queryerror  HTTP 200 with a VOTable that says ``QUERY_STATUS=ERROR`` and holds no row
    queryerror_rows  the same, with the rows of the normal answer left in the table
    trickle     the normal answer, sent ``chunk`` bytes every ``interval`` seconds (a slow drip)

Nothing here is real photometry: every table is made by `synthetic_sources`.
"""
from __future__ import annotations

import io
import re
import threading
import time
from collections import defaultdict
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import numpy as np
from astropy import units as u
from astropy.io import votable
from astropy.io.votable.tree import Info
from astropy.table import Table

FAULTS = ("timeout", "http500", "ratelimit", "html", "malformed", "empty", "overflow", "badunit",
          "queryerror", "queryerror_rows", "trickle")

#: TXS 0506+056, the position the tests query around (the synthetic rows are not its photometry).
TXS_RA, TXS_DEC = 77.35818, 5.69315


def synthetic_sources(ra, dec, *, seed: int = 0, prefix: str = "SYN") -> Table:
    """A synthetic source list at the given positions (deg): name, ra, dec, flux, flux_err (mJy)."""
    ra = np.atleast_1d(np.asarray(ra, dtype=float))
    dec = np.atleast_1d(np.asarray(dec, dtype=float))
    rng = np.random.default_rng(seed)
    flux = np.round(rng.uniform(5.0, 500.0, len(ra)), 3)
    return Table({"name": [f"{prefix}{i:05d}" for i in range(len(ra))],
                  "ra": ra * u.deg, "dec": dec * u.deg,
                  "flux": flux * u.mJy, "flux_err": np.round(0.05 * flux, 3) * u.mJy})


def default_synthetic_table() -> Table:
    """Three synthetic sources: 2" and 10" from TXS 0506+056, and one 1 deg away."""
    ra = [TXS_RA + 2 / 3600 / np.cos(np.radians(TXS_DEC)), TXS_RA, TXS_RA + 1.0]
    dec = [TXS_DEC, TXS_DEC + 10 / 3600, TXS_DEC]
    return synthetic_sources(ra, dec, seed=1)


def _separation_deg(ra1, dec1, ra2, dec2):
    ra1, dec1, ra2, dec2 = map(np.radians, (ra1, dec1, ra2, dec2))
    hav = (np.sin((dec2 - dec1) / 2) ** 2
           + np.cos(dec1) * np.cos(dec2) * np.sin((ra2 - ra1) / 2) ** 2)
    return np.degrees(2 * np.arcsin(np.sqrt(np.clip(hav, 0, 1))))


def votable_bytes(table: Table, status: str = "OK", message: str | None = None) -> bytes:
    """Serialise ``table`` as a VOTable results document with a QUERY_STATUS INFO (and message)."""
    vot = votable.from_table(table)
    resource = vot.resources[0]
    resource.type = "results"
    info = Info(name="QUERY_STATUS", value=status)
    if message:
        info.content = message
    resource.infos.append(info)
    out = io.BytesIO()
    vot.to_xml(out)
    return out.getvalue()


class LoopbackVO:
    """The server; use as a context manager or call `start` / `stop`.

    Attributes
    ----------
    tables : dict
        Table name -> (astropy Table, ra column, dec column).
    hits : dict
        Table name -> list of request times (``time.monotonic()``), to check retries.
    """

    def __init__(self):
        self.tables: dict[str, tuple[Table, str, str]] = {}
        self.recorded: dict[str, tuple[bytes, str]] = {}
        self.faults: dict[str, dict] = {}
        self.hits: dict[str, list[float]] = defaultdict(list)
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ control
    def start(self) -> "LoopbackVO":
        handler = type("Handler", (_Handler,), {"vo": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True,
                                        name="loopback-vo")
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def scs_url(self, name: str) -> str:
        """Simple Cone Search URL of table ``name``."""
        return f"{self.base_url}/scs/{name}?"

    @property
    def tap_url(self) -> str:
        """TAP service URL (all tables; VizieR-style ids are quoted in ADQL)."""
        return f"{self.base_url}/tap"

    @property
    def xmatch_url(self) -> str:
        """CDS-XMatch-compatible endpoint (``cat2 = vizier:<table name>``)."""
        return f"{self.base_url}/xmatch/sync"

    def add_recorded(self, name: str, body: bytes, ctype: str = "text/xml") -> None:
        """Answer every query of table ``name`` (SCS, TAP or XMatch) with a recorded ``body`` as is.

        For the real service answers in tests/data/recorded/: the server does no cone selection
        of its own, the recorded answer already is one.
        """
        with self._lock:
            self.recorded[name] = (bytes(body), ctype)

    def add_table(self, name: str, table: Table, *, ra: str = "ra", dec: str = "dec") -> None:
        """Serve ``table`` under ``name`` (positions in columns ``ra``/``dec``, deg)."""
        with self._lock:
            self.tables[name] = (table, ra, dec)

    def set_fault(self, name: str, fault: str, *, times: int | None = None, sleep: float = 5.0,
                  retry_after: str = "1", column: str = "flux",
                  unit: str = "mJy((per beam", chunk: int = 64, interval: float = 1.5) -> None:
        """Make requests for table ``name`` fail with ``fault`` (``times``: only the first n)."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; expected one of {FAULTS}")
        with self._lock:
            self.faults[name] = {"fault": fault, "times": times, "sleep": sleep,
                                 "retry_after": retry_after, "column": column, "unit": unit,
                                 "chunk": chunk, "interval": interval}

    def reset(self) -> None:
        """Drop faults and request counts (tables stay)."""
        with self._lock:
            self.faults.clear()
            self.hits.clear()

    def _fault_for(self, name: str) -> dict | None:
        with self._lock:
            self.hits[name].append(time.monotonic())
            spec = self.faults.get(name)
            if spec is None:
                return None
            if spec["times"] is not None:
                if spec["times"] <= 0:
                    return None
                spec["times"] -= 1
            return dict(spec)


class _Handler(BaseHTTPRequestHandler):
    vo: LoopbackVO
    protocol_version = "HTTP/1.1"   # keep-alive: the benchmark measures our code, not TCP set-up

    def log_message(self, format, *args):  # keep test output quiet
        pass

    # ------------------------------------------------------------------ plumbing
    def _send(self, code: int, body: bytes, ctype: str = "text/xml", headers=None, *,
              chunk: int | None = None, interval: float = 0.0) -> None:
        """Answer ``body``; with ``chunk``, ``chunk`` bytes every ``interval`` seconds (trickle)."""
        try:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            if chunk is None:
                self.wfile.write(body)
                return
            for start in range(0, len(body), chunk):
                self.wfile.write(body[start:start + chunk])
                self.wfile.flush()
                time.sleep(interval)
        except (BrokenPipeError, ConnectionResetError):
            pass   # the client gave up (timeout fault)

    def _params(self) -> tuple[dict, dict]:
        """Query/form parameters (upper-cased keys for the IVOA protocols) and uploaded files."""
        parts = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        files = {}
        if self.command == "POST":
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            ctype = self.headers.get("Content-Type", "")
            if ctype.startswith("multipart/form-data"):
                msg = BytesParser(policy=HTTP).parsebytes(
                    b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + body)
                for part in msg.iter_parts():
                    key = part.get_param("name", header="content-disposition")
                    data = part.get_payload(decode=True)
                    if part.get_filename():
                        files[key] = data
                    else:
                        params[key] = data.decode()
            else:
                params.update({k: v[-1] for k, v in parse_qs(body.decode()).items()})
        return params, files

    def do_GET(self):
        self._route()

    def do_POST(self):
        self._route()

    def _route(self):
        path = unquote(urlsplit(self.path).path)
        params, files = self._params()
        upper = {k.upper(): v for k, v in params.items()}
        try:
            if path.startswith("/scs/"):
                self._scs(path[len("/scs/"):], upper)
            elif path.rstrip("/") == "/tap/sync":
                self._tap(upper, files)
            elif path.rstrip("/") == "/xmatch/sync/tables":
                names = list(self.vo.tables) + list(self.vo.recorded)
                self._send(200, "\n".join(names).encode(), "text/plain")
            elif path.rstrip("/") == "/xmatch/sync":
                self._xmatch(params, files)
            else:
                self._send(404, f"no such path {path}".encode(), "text/plain")
        except _BadRequest as err:
            self._send(400, votable_error(str(err)))

    # ------------------------------------------------------------------ answers
    def _answer(self, name: str, table: Table, *, status: str = "OK", maxrec: int | None = None):
        """Send ``table`` as the answer for table ``name``, applying that table's fault."""
        fault = self.vo._fault_for(name)
        kind = fault["fault"] if fault else None
        if maxrec is not None and len(table) > maxrec:
            table, status = table[:maxrec], "OVERFLOW"
        if kind == "timeout":
            time.sleep(fault["sleep"])
        elif kind == "http500":
            return self._send(500, b"<html><body><h1>500 Internal Server Error</h1></body></html>",
                              "text/html")
        elif kind == "ratelimit":
            return self._send(429, b"<html><body>Too many requests</body></html>", "text/html",
                              {"Retry-After": fault["retry_after"]})
        elif kind == "html":
            return self._send(200, b"<!DOCTYPE html><html><head><title>Maintenance</title></head>"
                                   b"<body><p>The service is down for maintenance.<br></p></body></html>",
                              "text/html; charset=utf-8")
        elif kind == "malformed":
            body = votable_bytes(table)
            return self._send(200, body[: len(body) // 2])
        elif kind == "empty":
            table = table[:0]
        elif kind == "overflow":
            table, status = table[:1], "OVERFLOW"
        elif kind in ("queryerror", "queryerror_rows"):
            table, status = (table if kind == "queryerror_rows" else table[:0]), "ERROR"
        message = "Internal database error (injected)" if status == "ERROR" else None
        body = votable_bytes(table, status, message)
        if kind == "badunit":
            column = re.escape(fault["column"])
            body = re.sub(rb'(<FIELD[^>]*name="' + column.encode() + rb'"[^>]*unit=")[^"]*(")',
                          lambda m: m.group(1) + fault["unit"].encode() + m.group(2), body)
        if kind == "trickle":
            return self._send(200, body, chunk=fault["chunk"], interval=fault["interval"])
        self._send(200, body)

    def _lookup(self, name: str):
        if name not in self.vo.tables:
            raise _BadRequest(f"no table {name!r}")
        return self.vo.tables[name]

    def _send_recorded(self, name: str) -> bool:
        if name not in self.vo.recorded:
            return False
        self.vo._fault_for(name)   # counts the hit
        body, ctype = self.vo.recorded[name]
        self._send(200, body, ctype)
        return True

    def _scs(self, name: str, params: dict):
        if self._send_recorded(name):
            return
        table, ra_col, dec_col = self._lookup(name)
        try:
            ra, dec, sr = float(params["RA"]), float(params["DEC"]), float(params["SR"])
        except (KeyError, ValueError) as err:
            raise _BadRequest(f"SCS needs numeric RA, DEC, SR: {err}") from err
        sep = _separation_deg(table[ra_col].value, table[dec_col].value, ra, dec)
        self._answer(name, table[sep <= sr])

    def _tap(self, params: dict, files: dict):
        adql = params.get("QUERY", "")
        maxrec = int(params["MAXREC"]) if "MAXREC" in params else None
        found = re.search(r'FROM\s+("(?:[^"]|"")+"|[\w.]+)', adql, re.I)
        if not found:
            raise _BadRequest(f"cannot parse ADQL: {adql}")
        name = found.group(1).strip('"').replace('""', '"')
        if self._send_recorded(name):
            return
        table, ra_col, dec_col = self._lookup(name)
        upload = re.search(r"TAP_UPLOAD\.(\w+)", adql)
        number = r"([-+0-9.eE]+)"
        if upload:
            radius = re.search(r"CIRCLE\('ICRS',\s*u\.ra_in,\s*u\.dec_in,\s*" + number + r"\)", adql)
            upload_name = upload.group(1)
            spec = params.get("UPLOAD", "")
            if f"{upload_name},param:{upload_name}" not in spec or upload_name not in files:
                raise _BadRequest(f"upload {upload_name!r} missing (UPLOAD={spec!r})")
            positions = Table.read(io.BytesIO(files[upload_name]), format="votable")
            self._answer(name, _join(table, ra_col, dec_col, positions["ra_in"], positions["dec_in"],
                                     positions["idx"], float(radius.group(1)), "vob_index"),
                         maxrec=maxrec)
            return
        cone = re.search(r"CIRCLE\('ICRS',\s*" + r",\s*".join([number] * 3) + r"\)", adql)
        if not cone:
            raise _BadRequest(f"cannot parse the CIRCLE of: {adql}")
        ra, dec, radius = map(float, cone.groups())
        sep = _separation_deg(table[ra_col].value, table[dec_col].value, ra, dec)
        self._answer(name, table[sep <= radius], maxrec=maxrec)

    def _xmatch(self, params: dict, files: dict):
        cat2 = params.get("cat2", "")
        if not cat2.startswith("vizier:") or "cat1" not in files:
            raise _BadRequest("this XMatch takes an uploaded cat1 and cat2=vizier:<table>")
        name = cat2[len("vizier:"):]
        if self._send_recorded(name):
            return
        table, ra_col, dec_col = self._lookup(name)
        cat1 = Table.read(files["cat1"].decode(), format="ascii.csv")
        radius = float(params["distMaxArcsec"]) / 3600
        joined = _join(table, ra_col, dec_col, cat1[params["colRA1"]], cat1[params["colDec1"]],
                       np.arange(len(cat1)), radius, "_row")
        rows = cat1[joined["_row"]]
        out = Table({"angDist": joined["_sep"] * 3600})
        for col in cat1.colnames:
            out[col] = rows[col]
        joined.remove_columns(["_row", "_sep"])
        for col in joined.colnames:
            out[col] = joined[col]
        self._answer(name, out)


def _join(table, ra_col, dec_col, ra_in, dec_in, index, radius, index_name) -> Table:
    """Rows of ``table`` within ``radius`` (deg) of each position, led by the position index."""
    ra_in, dec_in, index = np.asarray(ra_in, float), np.asarray(dec_in, float), np.asarray(index)
    ra_t, dec_t = np.asarray(table[ra_col], float), np.asarray(table[dec_col], float)
    sep = _separation_deg(ra_t[None, :], dec_t[None, :], ra_in[:, None], dec_in[:, None])
    pos, row = np.nonzero(sep <= radius)
    out = Table({index_name: index[pos].astype(np.int64)})
    rows = table[row]
    for col in table.colnames:
        out[col] = rows[col]
    out["_sep"] = sep[pos, row]
    if index_name != "_row":
        out.remove_column("_sep")
    return out


def votable_error(message: str) -> bytes:
    """A VOTable error document (QUERY_STATUS=ERROR) as TAP services send with HTTP 400."""
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3">'
            '<RESOURCE type="results">'
            f'<INFO name="QUERY_STATUS" value="ERROR">{message}</INFO>'
            '</RESOURCE></VOTABLE>').encode()


class _BadRequest(Exception):
    pass


def synthetic_catalogue(server: LoopbackVO, name: str = "synthetic_radio", *, kind: str = "scs",
                        bulk: str | None = None):
    """A registry `Catalogue` whose access points at ``server``'s table ``name``.

    One SED point per row: ``flux`` (mJy) at 1.4 GHz, error ``flux_err``; positions ``ra``/``dec``.
    ``kind`` is ``"scs"``, ``"tap"`` or ``"vizier"`` (the last needs ``conf.vizier_tap_url`` set to
    ``server.tap_url``; the ``vo_server`` fixture does that).
    """
    from vo_blazar.registry.catalogue import AccessSpec, Catalogue, PointSpec

    if kind == "scs":
        access = AccessSpec(kind="scs", url=server.scs_url(name), bulk=bulk)
    elif kind == "tap":
        access = AccessSpec(kind="tap", url=server.tap_url, table=name, bulk=bulk)
    elif kind == "vizier":
        access = AccessSpec(kind="vizier", table=name, bulk=bulk)
    else:
        raise ValueError(f"kind must be 'scs', 'tap' or 'vizier', got {kind!r}")
    point = PointSpec(band="1.4GHz", frequency=1.4e9 * u.Hz, conversion="flux_density",
                      value="flux", error="flux_err", params={"unit": "mJy"})
    return Catalogue(name=f"{name}_{kind}", title=f"Synthetic test catalogue {name} ({kind})",
                     waveband="radio", reference="synthetic (tests only)", access=access,
                     ra_column="ra", dec_column="dec", points=(point,), name_column="name")
