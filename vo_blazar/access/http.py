"""The one HTTP session every VO call goes through: timeout, bounded retries, Retry-After.

pyvo and astroquery both accept a `requests.Session`; giving them a `RetryingSession` puts the
retry policy in one place instead of wrapping each protocol call. The session only *retries*;
it returns the last response (or re-raises the last connection error) and leaves the mapping to
`vo_blazar.exceptions` to `vo_blazar.access.vo`, which knows the catalogue and the protocol.

Sessions are not shared between threads (`requests.Session` is not documented as thread-safe):
`thread_session` hands each thread its own.
"""
from __future__ import annotations

import email.utils
import io
import threading
import time
from datetime import datetime, timezone

import requests
import urllib3

from ..config import conf
from ..logger import log

__all__ = ["RetryingSession", "thread_session", "parse_retry_after", "RETRY_STATUS"]

#: HTTP statuses that are worth retrying: rate limiting and transient server trouble.
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})

_local = threading.local()


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date).

    Returns None when the header is absent or unreadable.
    """
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


class RetryingSession(requests.Session):
    """A `requests.Session` with a default timeout and bounded, backed-off retries.

    Parameters
    ----------
    timeout : float, optional
        Seconds for each attempt, from connecting to the last byte of the answer (a wall-clock
        deadline, so a service that trickles data cannot stall a catalogue); default
        ``conf.timeout`` at request time.
    max_retries : int, optional
        Retries after the first attempt; default ``conf.max_retries``.
    backoff : float, optional
        First back-off in seconds, doubled after each retry; default ``conf.backoff``.
    max_retry_after : float, optional
        Longest ``Retry-After`` honoured; a longer one stops retrying. Default ``conf.max_retry_after``.

    Notes
    -----
    Retried: connection errors, timeouts, HTTP 429 (waiting ``Retry-After`` when given) and
    HTTP 500/502/503/504. Everything else is returned to the caller at once. ``attempts`` and
    ``last_response`` describe the latest request, for error messages.
    """

    def __init__(self, *, timeout: float | None = None, max_retries: int | None = None,
                 backoff: float | None = None, max_retry_after: float | None = None):
        super().__init__()
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.attempts = 0
        self.last_response: requests.Response | None = None
        self.headers["User-Agent"] = f"vo_blazar/{_version()} {self.headers.get('User-Agent', '')}".strip()

    # settings resolve at request time so that ``conf.set_temp`` works on a live session
    def _setting(self, name: str):
        value = getattr(self, name)
        return getattr(conf, name) if value is None else value

    def request(self, method, url, *args, **kwargs):  # noqa: D102 (requests' own signature)
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = float(self._setting("timeout"))
        retries = max(0, int(self._setting("max_retries")))
        delay = float(self._setting("backoff"))
        cap = float(self._setting("max_retry_after"))
        self.attempts = 0
        self.last_response = None
        for attempt in range(retries + 1):
            self.attempts = attempt + 1
            # an upload's file objects were consumed by the previous attempt
            for fileobj in _file_objects(kwargs.get("files")):
                fileobj.seek(0)
            try:
                response = self._request_within(method, url, args, kwargs)
            except (requests.Timeout, requests.ConnectionError) as err:
                if attempt == retries:
                    raise
                log.debug("%s %s failed (%s); retry %d/%d in %.2f s",
                          method, url, type(err).__name__, attempt + 1, retries, delay)
                time.sleep(delay)
                delay *= 2
                continue
            self.last_response = response
            if response.status_code not in RETRY_STATUS or attempt == retries:
                return response
            wait = delay
            if response.status_code == 429:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                if retry_after is not None:
                    if retry_after > cap:
                        # waiting that long would stall the whole SED; the caller reports it
                        log.debug("%s asks to wait %.0f s (> max_retry_after %.0f s); giving up",
                                  url, retry_after, cap)
                        return response
                    wait = max(retry_after, delay)
            log.debug("%s %s answered HTTP %d; retry %d/%d in %.2f s",
                      method, url, response.status_code, attempt + 1, retries, wait)
            response.close()
            time.sleep(wait)
            delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    def _request_within(self, method, url, args, kwargs) -> requests.Response:
        """One attempt whose whole answer, first to last byte, must arrive within the timeout.

        requests' timeout bounds each socket read only, so a service that trickles a few bytes
        every second could hold a catalogue (and the SED) for as long as it likes; the body is
        therefore read here in pieces, against a wall-clock deadline. Callers that stream (pyvo
        reads ``response.raw``) get the body that was read, from memory.
        """
        timeout = kwargs["timeout"]
        limit = float(max(timeout) if isinstance(timeout, tuple) else timeout)
        deadline = time.monotonic() + limit
        response = super().request(method, url, *args, **dict(kwargs, stream=True))
        chunks = []
        try:
            while True:
                # read1: whatever has arrived (up to 64 KiB), not a wait for a full buffer
                chunk = response.raw.read1(65536, decode_content=True)
                if not chunk:
                    break
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise requests.ReadTimeout(
                        f"{url}: the answer was still arriving after {limit:g} s "
                        f"({sum(map(len, chunks))} bytes so far)", response=response)
        except urllib3.exceptions.ReadTimeoutError as err:   # as requests' own body reading maps them
            response.close()
            raise requests.ReadTimeout(err, response=response) from err
        except (urllib3.exceptions.ProtocolError, urllib3.exceptions.SSLError) as err:
            response.close()
            raise requests.exceptions.ChunkedEncodingError(err, response=response) from err
        except urllib3.exceptions.DecodeError as err:
            response.close()
            raise requests.exceptions.ContentDecodingError(err, response=response) from err
        except BaseException:
            response.close()
            raise
        response._content = b"".join(chunks)
        response._content_consumed = True
        response.close()
        response.raw = _ReadBody(response._content)
        return response


class _ReadBody(io.BytesIO):
    """A body already read, standing in for urllib3's ``response.raw`` (whose ``read`` takes
    ``decode_content``, which pyvo passes; the bytes here are decoded already)."""

    def read(self, amt=None, decode_content=None, **kwargs):   # noqa: D102
        return super().read(-1 if amt is None else amt)

    def stream(self, amt=65536, decode_content=None):           # noqa: D102
        while chunk := self.read(amt):
            yield chunk


def _file_objects(files):
    if not files:
        return []
    values = files.values() if isinstance(files, dict) else [f[1] for f in files]
    out = []
    for value in values:
        obj = value[1] if isinstance(value, tuple) else value
        if hasattr(obj, "seek"):
            out.append(obj)
    return out


def _version() -> str:
    try:
        from importlib.metadata import version
        return version("vo_blazar")
    except Exception:  # metadata missing in a bare checkout; the UA is cosmetic
        return "dev"


def thread_session(timeout: float | None = None) -> RetryingSession:
    """This thread's `RetryingSession`, with its timeout set to ``timeout`` (None: ``conf.timeout``)."""
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = RetryingSession()
    session.timeout = timeout
    return session
