"""A source list as the crossmatch sees it: positions, positional errors, a flux, names.

`SourceList.from_input` accepts an astropy Table, a path to any table astropy can read, or a
`~astropy.coordinates.SkyCoord`, finds the position columns (or says which columns it saw), brings
every position to ICRS (stating the conversion) and records which positional error was used:
the list's own error column, a value given by the user, or the stated default.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import Table

from ..exceptions import InputTypeError, InputValueError
from ..sky.target import column_tokens, find_position_columns

__all__ = ["SourceList", "find_position_columns", "DEFAULT_ERRORS"]

#: 1-sigma positional error assumed when a list carries none and the user gives none.
#: X-ray: typical of ROSAT 2RXS / XMM slew sources (Boller et al. 2016 quote ~10-20"); radio:
#: typical of NVSS counterparts of mJy sources (Condon et al. 1998: <1" bright, ~5" faint).
DEFAULT_ERRORS = {"xray": 10.0 * u.arcsec, "radio": 2.0 * u.arcsec}

_ERR_NAMES = ("pos_err", "poserr", "e_pos", "err_pos", "pos_error", "positional_error", "radec_err",
              "err_radec", "e_radec", "sigma_pos", "unc_pos", "pos_unc")
_NAME_HINTS = ("name", "id", "source", "srcname", "designation")


def _column_angle(table: Table, name: str, notes: list[str]) -> u.Quantity | list:
    col = table[name]
    if col.dtype.kind in "US" or col.dtype.kind == "O":
        return [str(v) for v in col]  # sexagesimal strings; SkyCoord parses them below
    if getattr(col, "unit", None) is not None:
        return u.Quantity(col).to(u.deg)
    notes.append(f"column {name!r} has no unit; degrees assumed")
    return np.asarray(col, dtype=float) * u.deg


@dataclass
class SourceList:
    """One input list, normalised.

    Attributes
    ----------
    role : str
        ``"xray"`` or ``"radio"`` (used in messages and in the output's column names).
    table : `~astropy.table.Table`
        The rows as given (after any region cut).
    coords : `~astropy.coordinates.SkyCoord`
        ICRS positions.
    error : `~astropy.units.Quantity`
        1-sigma positional error per row (arcsec).
    error_source : str
        Where ``error`` came from: ``"column <name>"``, ``"user"`` or ``"default <value>"``.
    flux : `~astropy.units.Quantity` or None
        The flux column used for alpha_rx, if any.
    names : numpy.ndarray or None
        Source names, if a name column was found.
    notes : list of str
        Assumptions and conversions made while reading (frame, units), copied into the output meta.
    """

    role: str
    table: Table
    coords: SkyCoord
    error: u.Quantity
    error_source: str
    flux: u.Quantity | None = None
    flux_column: str | None = None
    names: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.table)

    @classmethod
    def from_input(cls, source, *, role: str, error=None, flux_column: str | None = None,
                   flux_unit: u.UnitBase | None = None, ra_column: str | None = None,
                   dec_column: str | None = None) -> "SourceList":
        """Normalise a Table, a file path or a SkyCoord into a `SourceList`.

        Parameters
        ----------
        source : `~astropy.table.Table`, str, os.PathLike or `~astropy.coordinates.SkyCoord`
            The list.
        role : {"xray", "radio"}
            Which list this is (selects the default positional error and the flux kind).
        error : `~astropy.units.Quantity`, str or None
            1-sigma positional error: an angle (scalar or one per row), the name of a column, or
            None to use the list's error column if one is recognised, else `DEFAULT_ERRORS`.
        flux_column : str, optional
            Column holding the X-ray energy flux (``role="xray"``) or the 1.4 GHz flux density
            (``role="radio"``). None picks the first column whose unit has the right physical type.
        flux_unit : `~astropy.units.UnitBase`, optional
            Unit of ``flux_column`` when the file does not carry one.
        ra_column, dec_column : str, optional
            Position columns, when detection is not wanted.
        """
        if role not in DEFAULT_ERRORS:
            raise InputValueError(f"role must be one of {sorted(DEFAULT_ERRORS)}, got {role!r}")
        notes: list[str] = []
        if isinstance(source, (str, os.PathLike)):
            path = os.fspath(source)
            if not os.path.exists(path):
                raise InputValueError(f"{role} list: file {path!r} does not exist")
            try:
                table = Table.read(path)
            except Exception as exc:  # astropy raises many types; say which file and why
                raise InputValueError(f"{role} list: {path!r} is not a table astropy can read "
                                      f"({type(exc).__name__}: {exc})") from exc
            notes.append(f"{role} list read from {path}")
        elif isinstance(source, SkyCoord):
            coords = source.reshape(-1) if source.isscalar else source
            icrs = _to_icrs(coords, role)
            table = Table({"ra": icrs.ra.deg * u.deg, "dec": icrs.dec.deg * u.deg})
            if coords.frame.name != "icrs":
                notes.append(f"{role} positions converted from {coords.frame.name} to icrs")
        elif isinstance(source, Table):
            table = source
        else:
            raise InputTypeError(f"{role} list must be an astropy Table, a file path, a SkyCoord or "
                                 f"a registry catalogue name, got {type(source).__name__}")
        table = Table(table, copy=False)
        if len(table) == 0:
            raise InputValueError(f"{role} list is empty: there is nothing to match")
        coords = cls._coords(table, role, notes, ra_column, dec_column)
        err, err_source = cls._errors(table, role, error, notes)
        flux, fcol = cls._flux(table, role, flux_column, flux_unit, notes)
        return cls(role=role, table=table, coords=coords, error=err, error_source=err_source,
                   flux=flux, flux_column=fcol, names=cls._names(table), notes=notes)

    @staticmethod
    def _coords(table, role, notes, ra_column, dec_column) -> SkyCoord:
        for name in table.colnames:  # a SkyCoord mixin column carries its own frame
            if isinstance(table[name], SkyCoord):
                sc = table[name]
                if sc.frame.name != "icrs":
                    notes.append(f"{role} positions (column {name!r}) converted from "
                                 f"{sc.frame.name} to icrs")
                return _to_icrs(sc, role)
        if (ra_column is None) != (dec_column is None):
            raise InputValueError("give both ra_column and dec_column, or neither")
        if ra_column is not None:
            missing = [c for c in (ra_column, dec_column) if c not in table.colnames]
            if missing:
                raise InputValueError(f"{role} list has no column(s) {missing}; it has {table.colnames}")
            lon, lat, frame = ra_column, dec_column, "icrs"
        else:
            try:
                lon, lat, frame = find_position_columns(table)
            except InputValueError as exc:
                raise InputValueError(f"{role} list: {exc}") from None
        frame = str(table.meta.get("frame", table.meta.get("FRAME", frame))).lower()
        lon_v = _column_angle(table, lon, notes)
        lat_v = _column_angle(table, lat, notes)
        try:
            if isinstance(lon_v, list):
                sc = SkyCoord(lon_v, lat_v, frame=frame, unit=(u.hourangle, u.deg))
            else:
                sc = SkyCoord(lon_v, lat_v, frame=frame)
        except ValueError as exc:
            raise InputValueError(f"{role} list: columns {lon!r}/{lat!r} are not valid positions "
                                  f"in frame {frame!r}: {exc}") from exc
        bad = ~(np.isfinite(sc.spherical.lon.deg) & np.isfinite(sc.spherical.lat.deg))
        if bad.any():
            raise InputValueError(f"{role} list: {bad.sum()} row(s) have non-finite positions "
                                  f"(first row {int(np.flatnonzero(bad)[0])}); remove them first")
        if frame != "icrs":
            notes.append(f"{role} positions (columns {lon!r}/{lat!r}) converted from {frame} to icrs")
        return _to_icrs(sc, role)

    @staticmethod
    def _errors(table, role, error, notes):
        n = len(table)
        if isinstance(error, str):
            if error not in table.colnames:
                raise InputValueError(f"{role} error column {error!r} not in {table.colnames}")
            col = table[error]
            if getattr(col, "unit", None) is None:
                raise InputValueError(f"{role} error column {error!r} has no unit; give it an "
                                      "angular unit (e.g. table[col].unit = 'arcsec')")
            return u.Quantity(col).to(u.arcsec), f"column {error}"
        if error is not None:
            q = u.Quantity(error)
            if q.unit.physical_type != "angle":
                raise InputValueError(f"{role}_error must be an angle (e.g. 5*u.arcsec), got {q}")
            q = np.broadcast_to(q.to_value(u.arcsec), (n,)).copy() * u.arcsec
            if not np.all(np.isfinite(q)) or np.any(q < 0):
                raise InputValueError(f"{role}_error must be finite and >= 0")
            return q, "user"
        for name in table.colnames:
            if name.lower() in _ERR_NAMES and getattr(table[name], "unit", None) is not None \
                    and table[name].unit.physical_type == "angle":
                q = u.Quantity(table[name]).to(u.arcsec)
                if np.all(np.isfinite(q)):
                    return q, f"column {name}"
                notes.append(f"{role} error column {name!r} has non-finite values; default used")
        d = DEFAULT_ERRORS[role]
        return np.full(n, d.to_value(u.arcsec)) * u.arcsec, f"default {d}"

    @staticmethod
    def _flux(table, role, flux_column, flux_unit, notes):
        want = "energy flux" if role == "xray" else "spectral flux density"
        if flux_column is None:
            for name in table.colnames:
                unit = getattr(table[name], "unit", None)
                if unit is not None and unit.physical_type == want and table[name].ndim == 1:
                    flux_column = name
                    break
            else:
                notes.append(f"{role} list: no column with a unit of {want}; its flux is left empty "
                             "(alpha_rx needs both fluxes)")
                return None, None
        if flux_column not in table.colnames:
            raise InputValueError(f"{role} flux column {flux_column!r} not in {table.colnames}")
        col = table[flux_column]
        unit = flux_unit if flux_unit is not None else getattr(col, "unit", None)
        if unit is None:
            raise InputValueError(f"{role} flux column {flux_column!r} has no unit; pass "
                                  f"{role}_flux_unit= (a {want} unit)")
        unit = u.Unit(unit)
        if unit.physical_type != want:
            raise InputValueError(f"{role} flux column {flux_column!r} has unit {unit}, expected a "
                                  f"{want} unit")
        vals = np.ma.filled(np.ma.asarray(col, dtype=float), np.nan)
        return (vals * unit if flux_unit is not None else u.Quantity(vals, col.unit)), flux_column

    @staticmethod
    def _names(table) -> np.ndarray | None:
        for name in table.colnames:
            toks = column_tokens(name)
            if table[name].dtype.kind in "USO" and any(t in _NAME_HINTS for t in toks):
                return np.asarray(table[name]).astype(str)
        return None

    def subset(self, mask: np.ndarray) -> "SourceList":
        """The rows where ``mask`` is true (used for region cuts)."""
        return SourceList(role=self.role, table=self.table[mask], coords=self.coords[mask],
                          error=self.error[mask], error_source=self.error_source,
                          flux=None if self.flux is None else self.flux[mask],
                          flux_column=self.flux_column,
                          names=None if self.names is None else self.names[mask],
                          notes=list(self.notes))


def _to_icrs(sc: SkyCoord, role: str) -> SkyCoord:
    try:
        out = sc.icrs
    except Exception as exc:  # e.g. AltAz without a location/obstime cannot be converted
        raise InputValueError(f"{role} positions are in frame {sc.frame.name!r}, which cannot be "
                              f"converted to icrs ({exc}); give sky positions (icrs, fk5, galactic)"
                              ) from exc
    return SkyCoord(out.ra, out.dec, frame="icrs")
