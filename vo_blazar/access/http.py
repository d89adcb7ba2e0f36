"""The one HTTP session every VO call goes through: timeout, bounded retries, Retry-After.

pyvo and astroquery both accept a `requests.Session`; giving them a `RetryingSession` puts the
retry policy in one place instead of wrapping each protocol call. The retries are urllib3's own
(`urllib3.util.Retry`, mounted through `requests.adapters.HTTPAdapter`), with the package's
policy (`RetryPolicy`: first back-off, doubling, Retry-After only for 429 and capped); only an
answer whose body outlasts the wall-clock deadline, which urllib3 never sees, is retried here.
The session only *retries*;
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
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.util.retry import Retry

from ..config import conf
from ..logger import log

__all__ = ["RetryingSession", "RetryPolicy", "backoff", "thread_session", "parse_retry_after", "RETRY_STATUS"]

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


def backoff(first: float, retries_done: int) -> float:
    """The wait before the next attempt: ``first`` after the first failure, doubled after each
    further one (0 before any failure)."""
    return first * 2 ** (retries_done - 1) if retries_done else 0.0


class RetryPolicy(Retry):
    """urllib3's `~urllib3.util.Retry` with the package's policy.

    Every method is retried (TAP queries are POSTs) on connection errors, read timeouts and
    `RETRY_STATUS`; the first back-off is ``first_backoff`` seconds, doubled after each retry
    (urllib3's own schedule starts at 0); a 429's ``Retry-After`` is waited for (at least the
    back-off), but one longer than ``max_retry_after`` ends the retries at once, the 429 going
    back to the caller; the last bad status is returned, not raised. ``on_attempt`` is told the
    number of each retry as it starts (for error messages and the answer's deadline).
    """

    def __init__(self, *args, first_backoff: float = 0.0, max_retry_after: float = float("inf"),
                 on_attempt=None, **kwargs):
        kwargs.setdefault("allowed_methods", None)           # None: every method
        kwargs.setdefault("status_forcelist", RETRY_STATUS)
        kwargs.setdefault("raise_on_status", False)
        kwargs.setdefault("respect_retry_after_header", False)   # waited for in sleep(), 429 only
        super().__init__(*args, **kwargs)
        self.first_backoff = first_backoff
        self.max_retry_after = max_retry_after
        self.on_attempt = on_attempt

    def new(self, **kw) -> "RetryPolicy":   # noqa: D102 (urllib3's: each retry makes a new object)
        new = super().new(**kw)
        new.first_backoff, new.max_retry_after, new.on_attempt = (
            self.first_backoff, self.max_retry_after, self.on_attempt)
        return new

    def get_backoff_time(self) -> float:
        """``first_backoff * 2 ** (retries so far - 1)``: the wait before the next attempt."""
        return backoff(self.first_backoff, len(self.history))

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        if response is not None and response.status == 429:
            wait = parse_retry_after(response.headers.get("Retry-After"))
            if wait is not None and wait > self.max_retry_after:
                # waiting that long would stall the whole SED; the caller reports the 429
                log.debug("%s asks to wait %.0f s (> max_retry_after %.0f s); giving up",
                          url, wait, self.max_retry_after)
                raise MaxRetryError(_pool, url, ResponseError("Retry-After beyond max_retry_after"))
        new = super().increment(method, url, response=response, error=error, _pool=_pool,
                                _stacktrace=_stacktrace)
        what = f"HTTP {response.status}" if response is not None else type(error).__name__
        log.debug("%s %s failed (%s); retry %d in %.2f s", method, url, what, len(new.history),
                  new._wait(response))
        return new

    def _wait(self, response) -> float:
        wait = self.get_backoff_time()
        if response is not None and response.status == 429:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if retry_after is not None:
                wait = max(retry_after, wait)
        return wait

    def sleep(self, response=None) -> None:   # noqa: D102 (urllib3's: called before each retry)
        wait = self._wait(response)
        if wait > 0:
            time.sleep(wait)
        if self.on_attempt is not None:   # the next attempt starts now
            self.on_attempt(len(self.history) + 1)


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
    HTTP 500/502/503/504, by urllib3 under a `RetryPolicy` set on the session's adapters at each
    request. Everything else is returned to the caller at once. ``attempts`` and
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
        self._before = 0
        self._started = 0.0
        # one adapter per scheme, kept for the connection pools; each request sets its retry policy
        self._adapters = (HTTPAdapter(), HTTPAdapter())
        self.mount("http://", self._adapters[0])
        self.mount("https://", self._adapters[1])

    # settings resolve at request time so that ``conf.set_temp`` works on a live session
    def _setting(self, name: str):
        value = getattr(self, name)
        return getattr(conf, name) if value is None else value

    def _attempted(self, number: int) -> None:
        self.attempts = self._before + number
        self._started = time.monotonic()

    def request(self, method, url, *args, **kwargs):  # noqa: D102 (requests' own signature)
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = float(self._setting("timeout"))
        retries = max(0, int(self._setting("max_retries")))
        delay = float(self._setting("backoff"))
        cap = float(self._setting("max_retry_after"))
        self.attempts = 0
        self.last_response = None
        self._before = 0      # attempts of earlier rounds (an answer cut at the deadline)
        while True:
            left = retries - self._before
            policy = RetryPolicy(total=left, first_backoff=delay * 2 ** self._before,
                                 max_retry_after=cap, on_attempt=self._attempted)
            for adapter in self._adapters:
                adapter.max_retries = policy      # settings resolve at request time
            self.attempts = self._before + 1
            # an upload's file objects were consumed by the previous attempt
            for fileobj in _file_objects(kwargs.get("files")):
                fileobj.seek(0)
            try:
                response = self._request_within(method, url, args, kwargs)
            except _BodyTimeout as err:
                # urllib3 retried what it saw; a body that times out is retried here
                if self.attempts > retries:
                    raise err.timeout from err.__cause__
                wait = backoff(delay, self.attempts)
                log.debug("%s %s: %s; retry %d/%d in %.2f s", method, url, err.timeout,
                          self.attempts, retries, wait)
                time.sleep(wait)
                self._before = self.attempts
                continue
            self.last_response = response
            return response

    def _request_within(self, method, url, args, kwargs) -> requests.Response:
        """One attempt whose whole answer, first to last byte, must arrive within the timeout.

        requests' timeout bounds each socket read only, so a service that trickles a few bytes
        every second could hold a catalogue (and the SED) for as long as it likes; the body is
        therefore read here in pieces, against a wall-clock deadline. Callers that stream (pyvo
        reads ``response.raw``) get the body that was read, from memory.
        """
        timeout = kwargs["timeout"]
        limit = float(max(timeout) if isinstance(timeout, tuple) else timeout)
        self._started = time.monotonic()
        response = super().request(method, url, *args, **dict(kwargs, stream=True))
        deadline = self._started + limit   # from the start of the attempt that answered
        chunks = []
        try:
            while True:
                # read1: whatever has arrived (up to 64 KiB), not a wait for a full buffer
                chunk = response.raw.read1(65536, decode_content=True)
                if not chunk:
                    break
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise _BodyTimeout(requests.ReadTimeout(
                        f"{url}: the answer was still arriving after {limit:g} s "
                        f"({sum(map(len, chunks))} bytes so far)", response=response))
        except urllib3.exceptions.ReadTimeoutError as err:   # as requests' own body reading maps them
            response.close()
            raise _BodyTimeout(requests.ReadTimeout(err, response=response)) from err
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


class _BodyTimeout(Exception):
    """The answer's body timed out (a read, or the wall-clock deadline): urllib3 had returned the
    headers already, so this retry is ours. Carries the `requests.ReadTimeout` to raise."""

    def __init__(self, timeout: requests.ReadTimeout):
        super().__init__(str(timeout))
        self.timeout = timeout


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
