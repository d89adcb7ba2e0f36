"""Turning what a user types ("77.358 5.693", "05h09m25.96s +05d41m35.3s", "TXS 0506+056") into a SkyCoord."""
from __future__ import annotations

import re

from astropy import units as u
from astropy.coordinates import SkyCoord

from .config import offline_mode
from .exceptions import InputValueError, NameResolutionError

__all__ = ["parse_target", "resolve_name"]

_NUMBER = r"[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?"
_DEGREES = re.compile(rf"^\s*({_NUMBER})\s*[, ]\s*({_NUMBER})\s*$")


def resolve_name(name: str, *, offline: bool | None = None) -> SkyCoord:
    """Position of a named source.

    Online, Sesame (CDS) is asked first, the offline snapshot's name table second; offline only
    the snapshot is used, so a name it does not know raises `NameResolutionError`.
    """
    if not isinstance(name, str) or not name.strip():
        raise InputValueError(f"expected a source name, got {name!r}")
    from .snapshot import resolve_name as snapshot_resolve
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
        if re.search(r"\d+[h:]\s*\d+", text) and re.search(r"[-+]\s*\d+", text):
            return SkyCoord(text, unit=(u.hourangle, u.deg), frame="icrs")
    except InputValueError:
        raise
    except ValueError as exc:
        raise InputValueError(f"cannot read '{text}' as coordinates: {exc}") from exc
    return resolve_name(text, offline=offline)
