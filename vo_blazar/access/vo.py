"""Cone searches and bulk queries against the live Virtual Observatory.

Protocols, by the registry entry's `~vo_blazar.registry.catalogue.AccessSpec`:

``scs``
    IVOA Simple Cone Search through `pyvo.dal.SCSService` (``VERB=3``: every column).
``tap``
    Synchronous TAP through `pyvo.dal.TAPService`, ADQL ``CONTAINS(POINT, CIRCLE)``.
``vizier``
    The VizieR table id queried through CDS's TAPVizieR service (``conf.vizier_tap_url``) with the
    same pyvo TAP code. astroquery's ``Vizier`` always builds ``https://<server>/viz-bin`` URLs,
    keeps its own session and pickles responses in its cache; going through TAP gives one code path,
    one retry policy, plain-HTTP testability and TAP uploads for the bulk path.

Bulk (``AccessSpec.bulk``): ``"tap_upload"`` joins an uploaded position table on the TAP service
(pyvo ``uploads=``); ``"xmatch"`` sends the positions to CDS XMatch (astroquery ``XMatch``,
``conf.xmatch_url``, radius <= 180"). Otherwise the base class loops over `VOAccess.cone`.

Every HTTP request goes through `vo_blazar.access.http.RetryingSession` (timeout, retries,
Retry-After); every failure ends as a `~vo_blazar.exceptions.ServiceError` subclass naming the
catalogue, the URL and the reason. `VOAccess` keeps no per-call state (sessions are per thread), so
one instance can serve a thread pool.
"""
from __future__ import annotations

import io
import re
import socket

import numpy as np
import pyvo
import requests
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.io.votable import parse as parse_votable
from astropy.io.votable.tree import VOTableFile
from astropy.table import Table

from ..config import conf
from ..exceptions import (InputValueError, RateLimitError, ResponseFormatError, ServiceError,
                          ServiceTimeoutError)
from ..logger import log
from ..registry.catalogue import Catalogue
from .base import INDEX_COLUMN, CatalogueAccess
from .http import RetryingSession, parse_retry_after, thread_session
from .snapshot import SnapshotAccess

__all__ = ["VOAccess", "KINDS", "BULK_MODES"]

KINDS = ("scs", "tap", "vizier")
BULK_MODES = ("tap_upload", "xmatch")

#: CDS XMatch refuses larger match radii.
XMATCH_MAX_RADIUS = 180 * u.arcsec

_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$")
_UPLOAD = "vob_pos"           # name of the uploaded position table
_UPLOAD_INDEX = "vob_index"   # ADQL identifiers may not start with "_"; renamed to INDEX_COLUMN
#: The columns (`Catalogue.columns` roles) whose units the photometry and the matching read: a
#: unit only another dialect parses is re-read for them (names, flags and filters carry none).
_UNIT_ROLES = ("position", "ellipse", "photometry", "conversion", "epoch", "counterpart")


def _quote(name: str) -> str:
    """An ADQL identifier: as is when regular, else delimited (VizieR ids, odd column names)."""
    if _IDENT.match(name) or (name.startswith('"') and name.endswith('"')):
        return name
    return '"' + name.replace('"', '""') + '"'


class VOAccess(CatalogueAccess):
    """Answers cone searches from the live VO (pyvo SCS/TAP, TAPVizieR, CDS XMatch).

    Parameters
    ----------
    timeout : float, optional
        Seconds per request (connect and each read); default ``conf.timeout`` at call time.
    vizier_tap_url : str, optional
        TAP service for ``vizier`` entries; default ``conf.vizier_tap_url`` at call time.
    xmatch_url : str, optional
        CDS XMatch endpoint; default ``conf.xmatch_url`` at call time.
    maxrec : int, optional
        Row limit of one cone (default 10000); a bulk query allows ``maxrec`` per position. An
        answer that reaches the limit, or says ``QUERY_STATUS=OVERFLOW``, is a
        `~vo_blazar.exceptions.ResponseFormatError`: a truncated table would silently lose sources.
    """

    name = "vo"

    def __init__(self, *, timeout: float | None = None, vizier_tap_url: str | None = None,
                 xmatch_url: str | None = None, maxrec: int = 10000):
        self.timeout = timeout
        self.vizier_tap_url = vizier_tap_url
        self.xmatch_url = xmatch_url
        if int(maxrec) < 1:
            raise InputValueError(f"maxrec must be a positive integer, got {maxrec!r}")
        self.maxrec = int(maxrec)

    def __repr__(self) -> str:
        return f"VOAccess(timeout={self.timeout!r}, maxrec={self.maxrec})"

    # ------------------------------------------------------------------ public API
    def cone(self, catalogue: Catalogue, coord: SkyCoord, radius: u.Quantity) -> Table:
        """Rows of ``catalogue`` within ``radius`` of ``coord`` (the catalogue's own columns).

        Raises
        ------
        vo_blazar.exceptions.InputTypeError, InputValueError
            ``coord`` is not one finite position or ``radius`` not one positive angle.
        vo_blazar.exceptions.ServiceTimeoutError, RateLimitError, ResponseFormatError, ServiceError
            When the service fails; the message names the catalogue, URL and reason.
        """
        return self._cone(catalogue, *self._checked_cone(coord, radius))

    def bulk(self, catalogue: Catalogue, coords: SkyCoord, radius: u.Quantity) -> Table:
        """Rows for many positions, with an ``_index`` column pointing into ``coords``.

        Uses a TAP upload or CDS XMatch when the registry entry says the service supports it,
        otherwise one cone per position.
        """
        return self._bulk(catalogue, *self._checked_bulk(coords, radius))

    def _cone(self, catalogue: Catalogue, coord: SkyCoord, radius: u.Quantity) -> Table:
        if catalogue.access.kind == "packaged":
            return _packaged()._cone(catalogue, coord, radius)
        kind, url, table = self._endpoint(catalogue)
        if kind == "scs":
            return self._scs(catalogue, url, coord, radius)
        ra, dec = coord.icrs.ra.deg, coord.icrs.dec.deg
        adql = (f"SELECT * FROM {_quote(table)} WHERE 1=CONTAINS("
                f"POINT('ICRS', {_quote(catalogue.ra_column)}, {_quote(catalogue.dec_column)}), "
                f"CIRCLE('ICRS', {ra:.10f}, {dec:.10f}, {radius.to_value(u.deg):.10f}))")
        return self._tap(catalogue, url, adql, maxrec=self.maxrec)

    def _bulk(self, catalogue: Catalogue, coords: SkyCoord, radius: u.Quantity) -> Table:
        if coords.isscalar:
            coords = coords.reshape((1,))
        if len(coords) == 0:
            return Table(names=[INDEX_COLUMN], dtype=[np.int64])
        if catalogue.access.kind == "packaged":
            return _packaged()._bulk(catalogue, coords, radius)
        mode = catalogue.access.bulk
        kind, url, table = self._endpoint(catalogue)
        if mode == "tap_upload" and kind in ("tap", "vizier"):
            return self._tap_upload(catalogue, url, table, coords, radius)
        if mode == "xmatch" and catalogue.access.kind == "vizier" and radius <= XMATCH_MAX_RADIUS:
            return self._xmatch(catalogue, table, coords, radius)
        if mode is not None:
            log.debug("%s: bulk mode %r not usable for kind %r / radius %s; one cone per position",
                      catalogue.name, mode, kind, radius)
        return self._cones(catalogue, coords, radius)

    # ------------------------------------------------------------------ protocols
    def _endpoint(self, catalogue: Catalogue) -> tuple[str, str, str | None]:
        spec = catalogue.access
        if spec.kind == "offline":
            raise ServiceError("no live VO service is registered for this catalogue (registry access "
                               "kind 'offline': no service serves it with a documented schema, see "
                               "docs/registry.rst); only the offline snapshot answers for it",
                               service=catalogue.name)
        if spec.kind not in KINDS:
            raise ServiceError(f"unknown access kind {spec.kind!r}; expected one of {KINDS}",
                               service=catalogue.name)
        if spec.kind == "vizier":
            if not spec.table:
                raise ServiceError("registry entry of kind 'vizier' has no VizieR table id",
                                   service=catalogue.name)
            return "vizier", self.vizier_tap_url or conf.vizier_tap_url, spec.table
        if not spec.url:
            raise ServiceError(f"registry entry of kind {spec.kind!r} has no service URL",
                               service=catalogue.name)
        if spec.kind == "tap" and not spec.table:
            raise ServiceError("registry entry of kind 'tap' has no table", service=catalogue.name,
                               url=spec.url)
        return spec.kind, spec.url, spec.table

    def _scs(self, catalogue, url, coord, radius) -> Table:
        session = thread_session(self.timeout)
        try:
            query = pyvo.dal.SCSService(url, session=session).create_query(
                pos=coord.icrs, radius=radius.to(u.deg), verbosity=3)
            votable = query.execute_votable()
        except Exception as err:
            raise _map_error(err, catalogue, url, session) from err
        return self._finish(catalogue, votable, url, session, maxrec=None)

    def _tap(self, catalogue, url, adql, *, maxrec, uploads=None) -> Table:
        session = thread_session(self.timeout)
        log.debug("%s: TAP %s: %s", catalogue.name, url, adql)
        try:
            query = pyvo.dal.TAPService(url, session=session).create_query(
                adql, maxrec=maxrec, uploads=uploads)
            votable = query.execute_votable(post=True)
        except Exception as err:
            raise _map_error(err, catalogue, url, session) from err
        return self._finish(catalogue, votable, url, session, maxrec=maxrec)

    def _tap_upload(self, catalogue, url, table, coords, radius) -> Table:
        icrs = coords.icrs
        positions = Table({"idx": np.arange(len(coords), dtype=np.int64),
                           "ra_in": icrs.ra.deg, "dec_in": icrs.dec.deg})
        adql = (f"SELECT u.idx AS {_UPLOAD_INDEX}, t.* FROM {_quote(table)} AS t "
                f"JOIN TAP_UPLOAD.{_UPLOAD} AS u ON 1=CONTAINS("
                f"POINT('ICRS', t.{_quote(catalogue.ra_column)}, t.{_quote(catalogue.dec_column)}), "
                f"CIRCLE('ICRS', u.ra_in, u.dec_in, {radius.to_value(u.deg):.10f}))")
        result = self._tap(catalogue, url, adql, maxrec=self.maxrec * len(coords),
                           uploads={_UPLOAD: positions})
        return _index_column(result, _UPLOAD_INDEX, catalogue, url)

    def _xmatch(self, catalogue, table, coords, radius) -> Table:
        from astroquery.xmatch import XMatchClass

        url = self.xmatch_url or conf.xmatch_url
        session = thread_session(self.timeout)

        class _XMatch(XMatchClass):
            # the table list must not go to astroquery's (pickled) response cache either
            def get_available_tables(self, *, cache=False):
                return super().get_available_tables(cache=False)

        xmatch = _XMatch()
        xmatch._session = session          # our retry policy, not a second one
        xmatch.URL = url
        xmatch.TIMEOUT = session.timeout if session.timeout is not None else conf.timeout
        icrs = coords.icrs
        positions = Table({_UPLOAD_INDEX: np.arange(len(coords), dtype=np.int64),
                           "ra_in": icrs.ra.deg, "dec_in": icrs.dec.deg})
        try:
            # the raw answer, parsed here: astroquery's query() reads the VOTable's table and
            # ignores its QUERY_STATUS, so an ERROR answer passed (and was cached) as valid data
            response = xmatch.query_async(cat1=positions, cat2=f"vizier:{table}", max_distance=radius,
                                          colRA1="ra_in", colDec1="dec_in", cache=False)
        except Exception as err:
            raise _map_error(err, catalogue, url, session) from err
        try:
            votable = parse_votable(io.BytesIO(response.content))
        except Exception as err:   # as pyvo reports an unparsable answer on the TAP path
            raise _map_error(pyvo.dal.DALFormatError(cause=err, url=url), catalogue, url, session) from err
        result = self._finish(catalogue, votable, url, session, maxrec=None)
        result.remove_columns([c for c in ("angDist", "ra_in", "dec_in") if c in result.colnames])
        return _index_column(result, _UPLOAD_INDEX, catalogue, url)

    # ------------------------------------------------------------------ answer checks
    def _finish(self, catalogue, votable: VOTableFile, url, session: RetryingSession,
                *, maxrec: int | None) -> Table:
        # a 4xx/5xx whose body was a VOTable error document parses fine: still a failure
        _check_http(catalogue, url, session, votable=votable)
        status, message = _query_status(votable)
        if status == "ERROR":
            raise ServiceError(f"service reported QUERY_STATUS=ERROR: {message or 'no message'}",
                               service=catalogue.name, url=url)
        if status == "OVERFLOW":
            raise ResponseFormatError(
                "result truncated (QUERY_STATUS=OVERFLOW): the service hit its row limit, "
                "so sources may be missing", service=catalogue.name, url=url)
        try:
            table = votable.get_first_table().to_table(use_names_over_ids=True)
        except Exception as err:
            raise ResponseFormatError(f"VOTable has no usable result table: {err}",
                                      service=catalogue.name, url=url, cause=err) from err
        if maxrec is not None and len(table) >= maxrec:
            raise ResponseFormatError(
                f"result truncated: {len(table)} rows reached the row limit MAXREC={maxrec}",
                service=catalogue.name, url=url)
        return self._check_columns(catalogue, table, url)

    def _check_columns(self, catalogue: Catalogue, table: Table, url: str) -> Table:
        # the service's name for a column the registry calls otherwise (2MASS Qfl/Qflg on XMatch)
        for service_name, registry_name in catalogue.access.aliases.items():
            if service_name in table.colnames and registry_name not in table.colnames:
                table.rename_column(service_name, registry_name)
        for name in (catalogue.ra_column, catalogue.dec_column):
            if name not in table.colnames:
                if len(table):
                    raise ResponseFormatError(
                        f"answer lacks the position column {name!r} named in the registry "
                        f"(columns: {', '.join(table.colnames[:20])})",
                        service=catalogue.name, url=url)
                # an empty answer is valid; give it the position columns callers index
                table[name] = np.zeros(0, dtype=float) * u.deg
        for name in catalogue.columns(_UNIT_ROLES):
            if name in table.colnames:
                table[name].unit = _readable_unit(table[name], catalogue, url)
        table.meta["service_url"] = url
        return table


# ---------------------------------------------------------------------- helpers
def _packaged() -> SnapshotAccess:
    """The access that answers ``packaged`` catalogues: the complete release file in the package."""
    return SnapshotAccess()


def _readable_unit(column, catalogue, url):
    """The column's unit, re-read in other unit dialects when VOUnit could not parse it.

    VizieR and HEASARC write CDS or OGIP strings ("ct/s/keV"); only a unit no dialect can read
    is an error, because the photometry would otherwise convert with a wrong or no unit.
    """
    unit = column.unit
    if not isinstance(unit, u.UnrecognizedUnit):
        return unit
    text = unit.to_string()
    for fmt in ("cds", "generic", "ogip"):
        try:
            return u.Unit(text, format=fmt, parse_strict="raise")
        except ValueError:
            continue
    raise ResponseFormatError(f"column {column.name!r} has a unit {text!r} that astropy cannot "
                              "parse (tried VOUnit, CDS, generic and OGIP)",
                              service=catalogue.name, url=url)


def _query_status(votable: VOTableFile) -> tuple[str | None, str | None]:
    """The QUERY_STATUS INFO of the results resource; OVERFLOW wins over an earlier OK."""
    found = (None, None)
    for resource in votable.resources:
        for info in resource.infos:
            if info.name == "QUERY_STATUS":
                value = (info.value or "").upper()
                if found[0] in (None, "OK"):
                    found = (value, info.content)
    for info in votable.infos:
        if info.name == "QUERY_STATUS" and found[0] is None:
            found = ((info.value or "").upper(), info.content)
    return found


def _index_column(table: Table, name: str, catalogue, url) -> Table:
    if name not in table.colnames:
        if len(table):
            raise ResponseFormatError(f"bulk answer lacks the position index column {name!r}",
                                      service=catalogue.name, url=url)
        table[name] = np.zeros(0, dtype=np.int64)
    table.rename_column(name, INDEX_COLUMN)
    table[INDEX_COLUMN] = np.asarray(table[INDEX_COLUMN], dtype=np.int64)
    return table


def _check_http(catalogue, url, session: RetryingSession, votable=None) -> None:
    response = session.last_response
    if response is None or response.status_code < 400:
        return
    message = None
    if votable is not None:
        message = _query_status(votable)[1]
    raise _http_error(response, catalogue, url, session, message)


def _http_error(response, catalogue, url, session, message=None) -> ServiceError:
    code = response.status_code
    tries = f" after {session.attempts} attempt(s)"
    detail = f": {message.strip()}" if message else ""
    if code == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        wait = f" (Retry-After {retry_after:g} s)" if retry_after is not None else ""
        return RateLimitError(f"rate limited, HTTP 429{wait}{tries}{detail}",
                              retry_after=retry_after, service=catalogue.name, url=url)
    return ServiceError(f"HTTP {code} {response.reason or ''}".rstrip() + tries + detail,
                        service=catalogue.name, url=url)


def _causes(err: BaseException):
    seen = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        yield err
        err = getattr(err, "cause", None) or err.__cause__ or err.__context__


def _is_timeout(err: BaseException) -> bool:
    import urllib3.exceptions
    # not urllib3's TimeoutError base: its NewConnectionError (connection refused) derives from it
    return isinstance(err, (requests.Timeout, urllib3.exceptions.ReadTimeoutError, socket.timeout))


def _map_error(err: Exception, catalogue: Catalogue, url: str,
               session: RetryingSession) -> ServiceError:
    """Translate a pyvo/astroquery/requests failure into our exception, with the reason."""
    if isinstance(err, ServiceError):
        return err
    chain = list(_causes(err))
    if any(_is_timeout(e) for e in chain):
        timeout = session.timeout if session.timeout is not None else conf.timeout
        return ServiceTimeoutError(f"no answer within {timeout:g} s after {session.attempts} "
                                   "attempt(s)", service=catalogue.name, url=url, cause=err)
    connection = next((e for e in chain if isinstance(e, requests.ConnectionError)), None)
    if connection is not None:
        return ServiceError(f"cannot connect: {connection}", service=catalogue.name, url=url,
                            cause=err)
    response = session.last_response
    if response is not None and response.status_code >= 400:
        mapped = _http_error(response, catalogue, url, session)
        mapped.cause = err
        return mapped
    if isinstance(err, pyvo.dal.DALQueryError):
        return ServiceError(f"query rejected: {err.reason}", service=catalogue.name, url=url,
                            cause=err)
    if isinstance(err, pyvo.dal.DALFormatError) or any(
            type(e).__module__.startswith(("astropy.io.votable", "xml")) for e in chain):
        ctype = response.headers.get("Content-Type", "") if response is not None else ""
        if "html" in ctype.lower():
            return ResponseFormatError(f"answered an HTML page ({ctype}) instead of a VOTable",
                                       service=catalogue.name, url=url, cause=err)
        inner = chain[1] if len(chain) > 1 else err
        return ResponseFormatError(f"malformed VOTable: {inner}", service=catalogue.name, url=url,
                                   cause=err)
    if isinstance(err, pyvo.dal.DALServiceError):
        return ServiceError(f"service error: {err.reason}", service=catalogue.name, url=url,
                            cause=err)
    return ServiceError(f"unexpected {type(err).__name__}: {err}", service=catalogue.name, url=url,
                        cause=err)
