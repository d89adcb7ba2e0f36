"""A registry catalogue's rows read by the registry's column names: numbers, flags and positions.

The one reader that the photometry (values, errors, flags) and the counterpart rules (positions)
share, so that a missing column, a vector column named without an element or text that is not a
number is reported the same way, naming the catalogue and the column.
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np
from astropy import units as u
from astropy.coordinates import Angle
from astropy.table import Table

from ..exceptions import ConversionError
from .catalogue import Catalogue

__all__ = ["CatalogueRows", "catalogue_positions", "usable_unit", "ELEMENT"]

#: ``name[i]`` or ``name[i, j]``: one element of a vector column (e.g. 4FGL's ``Flux_Band[2]``).
ELEMENT = re.compile(r"^\s*(?P<name>.+?)\s*\[\s*(?P<i>\d+)\s*(?:,\s*(?P<j>\d+)\s*)?\]\s*$")


def usable_unit(unit: Any) -> bool:
    """Whether a column's unit says something: a real unit, not unrecognised or dimensionless."""
    return isinstance(unit, u.UnitBase) and not isinstance(unit, u.UnrecognizedUnit) \
        and unit != u.dimensionless_unscaled


class CatalogueRows:
    """Numeric access to the catalogue's rows, with errors that name the catalogue and column."""

    def __init__(self, catalogue: Catalogue, rows: Table):
        self.catalogue = catalogue
        self.rows = rows
        self.n = len(rows)

    def _raw(self, name: str):
        match = ELEMENT.match(name)
        base = match.group("name") if match else name
        if base not in self.rows.colnames:
            raise ConversionError(
                f"{self.catalogue.name}: column '{base}' is missing from the catalogue rows "
                f"(the registry maps it; the rows have {self.rows.colnames[:30]})")
        col = self.rows[base]
        if match:
            index = (slice(None), int(match.group("i")))
            if match.group("j") is not None:
                index += (int(match.group("j")),)
            if col.ndim < len(index):
                raise ConversionError(f"{self.catalogue.name}: column '{base}' has no element {name}")
            col = col[index]
        elif getattr(col, "ndim", 1) > 1:
            raise ConversionError(f"{self.catalogue.name}: column '{name}' is a vector column; name one "
                                  f"element, e.g. '{name}[0]'")
        return col

    def _mask(self, col) -> np.ndarray:
        """The column's null mask (all False when it has none)."""
        if hasattr(col, "mask") and col.mask is not None:
            return np.broadcast_to(np.asarray(col.mask, dtype=bool), (self.n,))
        return np.zeros(self.n, bool)

    def numeric(self, name: str) -> tuple[np.ndarray, u.UnitBase | None]:
        """Float values (NaN where masked/null) and the column's own unit (or None)."""
        col = self._raw(name)
        mask = self._mask(col)
        if isinstance(col, u.Quantity):
            unit, data = col.unit, getattr(col, "unmasked", col).value
        else:
            unit, data = getattr(col, "unit", None), np.ma.getdata(col)
        data = np.asarray(data)
        if data.dtype.kind not in "iuf":
            try:
                if data.dtype.kind in "US":  # text numbers from a CSV/VOTable: blanks are nulls
                    data = np.char.strip(data.astype(str))
                    mask = mask | (data == "")
                    data = np.where(data == "", "nan", data)
                elif data.dtype.kind == "b":
                    raise ValueError("boolean")
                data = data.astype(float)
            except (TypeError, ValueError) as exc:
                raise ConversionError(
                    f"{self.catalogue.name}: column '{name}' is not numeric (dtype {data.dtype}, e.g. "
                    f"{data[:1].tolist() if len(data) else []}); expected numbers") from exc
        values = data.astype(float, copy=True)
        values[mask] = np.nan
        return values, unit

    def flag(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Raw values of a flag column (strings stripped) and its mask."""
        col = self._raw(name)
        mask = self._mask(col)
        data = np.asarray(np.ma.getdata(getattr(col, "unmasked", col)))
        if isinstance(col, u.Quantity):
            data = np.asarray(col.value)
        if data.dtype.kind == "S":
            data = np.char.decode(data, "utf-8", errors="replace")
        if data.dtype.kind == "U":
            data = np.char.strip(data)
        return data, mask

    def boolean(self, name: str) -> np.ndarray:
        """A True/False column (absent -> all False; masked -> False)."""
        if name not in self.rows.colnames:
            return np.zeros(self.n, bool)
        data, mask = self.flag(name)
        if data.dtype.kind in "biuf":
            out = np.asarray(data, dtype=bool)
        else:
            out = np.array([str(v).lower() in ("true", "t", "1", "yes", "y") for v in data], dtype=bool)
        return out & ~mask

    def positions(self) -> tuple[np.ndarray, np.ndarray]:
        """RA and Dec (deg) of the rows; NaN where blank or null (see `catalogue_positions`)."""
        catalogue = self.catalogue
        out = []
        for name, hour_unit in ((catalogue.ra_column, u.hourangle), (catalogue.dec_column, u.deg)):
            col = self._raw(name)
            data = np.asarray(np.ma.getdata(getattr(col, "unmasked", col)))
            if data.dtype.kind in "USO":  # sexagesimal text: VizieR serves NVSS's RAJ2000 as "05 09 25.96"
                text = np.char.strip(data.astype(str))
                blank = (text == "") | self._mask(col)
                values = np.full(text.shape, np.nan)
                try:
                    if (~blank).any():
                        values[~blank] = Angle(text[~blank], unit=hour_unit).deg
                except (TypeError, ValueError) as exc:
                    raise ConversionError(f"{catalogue.name}: position column '{name}' is neither numeric nor "
                                          f"sexagesimal (e.g. {text[~blank][:1].tolist()})") from exc
                out.append(values)
                continue
            values, unit = self.numeric(name)
            if usable_unit(unit) and unit.is_equivalent(u.deg):
                values = (values * unit).to_value(u.deg)
            out.append(values)
        return out[0], out[1]


def catalogue_positions(catalogue: Catalogue, rows: Table) -> tuple[np.ndarray, np.ndarray]:
    """RA and Dec (deg) of a catalogue's rows; NaN where blank or null.

    Numbers in any angle unit (no unit: degrees) or sexagesimal text (RA in hours).

    Raises
    ------
    ConversionError
        A position column is missing, or text that is not sexagesimal.
    """
    return CatalogueRows(catalogue, rows).positions()
