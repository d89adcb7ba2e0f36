"""Turning what a user types ("77.358 5.693", "05h09m25.96s +05d41m35.3s", "TXS 0506+056") into a SkyCoord."""
from __future__ import annotations

import re

from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import Table

from ..config import offline_mode
from ..exceptions import InputValueError, NameResolutionError

__all__ = ["parse_target", "resolve_name", "find_position_columns"]

_NUMBER = r"[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?"
_DEGREES = re.compile(rf"^\s*({_NUMBER})\s*[, ]\s*({_NUMBER})\s*$")
# "05 09 25.96 +05 41 35.3": VizieR's sexagesimal with spaces only
_SPACED_SEXAGESIMAL = re.compile(r"^\d{1,2}\s+\d{1,2}\s+\d{1,2}(\.\d*)?\s+"
                                 r"[-+]?\d{1,2}\s+\d{1,2}\s+\d{1,2}(\.\d*)?$")


def resolve_name(name: str, *, offline: bool | None = None) -> SkyCoord:
    """Position of a named source.

    Online, Sesame (CDS) is asked first, the offline snapshot's name table second; offline only
    the snapshot is used, so a name it does not know raises `NameResolutionError`.
    """
    if not isinstance(name, str) or not name.strip():
        raise InputValueError(f"expected a source name, got {name!r}")
    from ..access.names import resolve_name as snapshot_resolve
    if not offline_mode(offline):
        try:
            return SkyCoord.from_name(name)
        except Exception:  # Sesame unreachable or name unknown there: try the snapshot
            pass
    try:
        return snapshot_resolve(name)
    except NameResolutionError as exc:
        where = "the offline snapshot" if offline_mode(offline) else "Sesame nor the offline snapshot"
        raise NameResolutionError(f"{name!r} is not known to {where}; give the position as "
                                  "'RA DEC' in degrees or sexagesimal instead") from exc


def parse_target(text: str, *, offline: bool | None = None) -> SkyCoord:
    """Parse ``"RA DEC"`` (degrees or sexagesimal, ICRS) or resolve a name.

    Raises `~vo_blazar.exceptions.InputValueError` for out-of-range coordinates.
    """
    text = str(text).strip()
    match = _DEGREES.match(text)
    try:
        if match:
            ra, dec = float(match.group(1)), float(match.group(2))
            if not (0 <= ra < 360 and -90 <= dec <= 90):
                raise InputValueError(f"'{text}': expected 0 <= RA < 360 and -90 <= Dec <= 90 degrees")
            return SkyCoord(ra, dec, unit="deg", frame="icrs")
        if ((re.search(r"\d+[h:]\s*\d+", text) and re.search(r"[-+]\s*\d+", text))
                or _SPACED_SEXAGESIMAL.match(text)):
            return SkyCoord(text, unit=(u.hourangle, u.deg), frame="icrs")
    except InputValueError:
        raise
    except ValueError as exc:
        raise InputValueError(f"cannot read '{text}' as coordinates: {exc}") from exc
    if text and all(is_number(part) for part in text.split()):   # "77.35818", "nan nan": no name either
        raise InputValueError(f"'{text}' is not a position: expected RA and Dec, two finite numbers in "
                              "degrees (e.g. '77.35818 5.69315', one quoted argument on the command line)")
    return resolve_name(text, offline=offline)


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# Tokens (lower-case pieces of a column name, see `column_tokens`) that mark a longitude / latitude column.
_RA_TOKENS = ("ra", "raj2000", "radeg", "ra2000", "raicrs", "alpha")
_DEC_TOKENS = ("dec", "de", "dej2000", "decj2000", "dedeg", "decdeg", "dec2000", "deicrs", "delta")
_GAL_TOKENS = (("glon", "l"), ("glat", "b"))


def column_tokens(name: str) -> list[str]:
    """Lower-case pieces of a column name, split at "_", spaces, dots and dashes.

    ``"RA_ICRS"`` -> ``["ra", "icrs"]``.
    """
    return [t for t in re.split(r"[_\s\.\-]+", name.lower()) if t]


def _find_pair(colnames: list[str], lon_tokens, lat_tokens) -> tuple[str, str] | None:
    lons = [c for c in colnames if any(t in lon_tokens for t in column_tokens(c))]
    pairs = []
    for lon in lons:
        toks = column_tokens(lon)
        for j, tok in enumerate(toks):
            if tok not in lon_tokens:
                continue
            for lat_tok in lat_tokens:
                # the latitude column is the same name with the token swapped (ra_nvss_deg -> dec_nvss_deg)
                want = toks[:j] + [lat_tok] + toks[j + 1:]
                for c in colnames:
                    if column_tokens(c) == want and (lon, c) not in pairs:
                        pairs.append((lon, c))
    if len(pairs) > 1:
        # prefer the plainest pair (fewest extra tokens), refuse to guess between equals
        pairs.sort(key=lambda p: len(column_tokens(p[0])))
        if len(column_tokens(pairs[0][0])) == len(column_tokens(pairs[1][0])):
            raise InputValueError(
                f"ambiguous position columns: {pairs}; name the ones to use with "
                "ra_column=/dec_column= (or pass a SkyCoord)")
    return pairs[0] if pairs else None


def find_position_columns(table: Table, *, required: bool = True) -> tuple[str, str, str] | None:
    """Names of the longitude and latitude columns of ``table`` and their frame.

    Column names are split into tokens at ``_``, spaces, dots and dashes, so ``RAJ2000/DEJ2000``,
    ``ra_nvss_deg/dec_nvss_deg`` and ``RA_ICRS/DE_ICRS`` are all found.

    Returns
    -------
    lon, lat, frame : str
        ``frame`` is ``"icrs"`` for RA/Dec columns and ``"galactic"`` for GLON/GLAT; None when
        no pair is found and ``required`` is False.

    Raises
    ------
    InputValueError
        When no pair is found (and ``required``; the message lists the columns that were there),
        or when two pairs are equally plausible.
    """
    names = list(table.colnames)
    pair = _find_pair(names, _RA_TOKENS, _DEC_TOKENS)
    if pair:
        return pair[0], pair[1], "icrs"
    pair = _find_pair(names, _GAL_TOKENS[0], _GAL_TOKENS[1])
    if pair:
        return pair[0], pair[1], "galactic"
    if not required:
        return None
    raise InputValueError(
        "no position columns found: expected an RA/Dec pair (e.g. ra/dec, RAJ2000/DEJ2000, "
        f"ra_nvss_deg/dec_nvss_deg) or GLON/GLAT; the table has {names}")
