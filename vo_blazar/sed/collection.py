"""`SEDCollection`: many SEDs as one stacked table of points with an index column.

Every stage that handles more than one source (`vo_blazar.pipeline.build_seds`, the grid encoder,
`vo_blazar.classify_sed`, `vo_blazar.classifier.ClassificationResult.seds`) passes one collection
instead of a list of small tables that each stage would join again:

* ``points`` -- one table of all SED points (the `vo_blazar.sed.table` schema) with an integer
  ``sed_index`` column saying which SED a point belongs to; rows are grouped by index, in
  ascending order, and within an SED sorted by frequency (as `~vo_blazar.sed.table.stack_seds`
  leaves them);
* ``meta`` -- one dict per SED (``target``, ``radius``, ``failures``, ``catalogs``,
  ``provenance`` ... as the pipeline puts them in ``sed.meta``);
* ``offsets`` -- where each SED's rows start and end (``n + 1`` integers), and the flat float
  arrays the grid encoder and the classifier need (`sed_arrays` of all points: frequency in Hz,
  nuFnu in erg cm-2 s-1, upper-limit flag, owner index), computed once.

``collection[i]`` is the SED Table of source ``i`` (same columns, units and meta as a table from
`vo_blazar.pipeline.build_sed`); slicing, index arrays and boolean masks give a collection.

This is the compressed-sparse-row layout the training archive already stores in HDF5
(`vo_blazar.training.archive`: one points table, per-source offsets and an owner column), kept
in memory; the archive's on-disk format is a separate, versioned file and is not this class.
"""
from __future__ import annotations

from typing import Any, Iterable, Iterator, Sequence

import numpy as np
from astropy import units as u
from astropy.table import QTable, Table, vstack

from ..exceptions import InputTypeError, InputValueError
from .table import NUFNU_UNIT

__all__ = ["SEDCollection", "INDEX_COLUMN", "sed_arrays"]

#: Name of the column of `SEDCollection.points` that says which SED a point belongs to.
INDEX_COLUMN = "sed_index"


def _as_hz(values: Any, what: str) -> np.ndarray:
    """Frequencies as float64 Hz from a Quantity (any spectral unit); bare numbers are refused."""
    if not isinstance(values, u.Quantity):
        raise InputValueError(
            f"{what} must be an astropy Quantity with a spectral unit (Hz, GHz, eV, micron ...); "
            f"got bare numbers ({type(values).__name__}), which could be GHz or eV silently taken as Hz")
    try:
        return np.atleast_1d(values.to_value(u.Hz, equivalencies=u.spectral())).astype(np.float64)
    except u.UnitConversionError as exc:
        raise InputValueError(f"{what} has unit {values.unit}, "
                              "which is not a frequency, wavelength or energy") from exc


def _column_quantity(sed: Table, name: str) -> u.Quantity:
    """The column as a Quantity; masked (null) entries become NaN, i.e. no data, never the value
    that happens to sit under the mask."""
    col = sed[name]
    mask = getattr(col, "mask", None)
    if isinstance(col, u.Quantity):
        q = getattr(col, "unmasked", col)   # astropy's MaskedQuantity (a masked QTable column)
    else:
        unit = getattr(col, "unit", None)
        if unit is None:
            raise InputValueError(
                f"SED column '{name}' has no unit; give it one ('frequency' in Hz or any spectral unit, "
                f"'nufnu' in erg / (cm2 s)) -- bare numbers are not guessed")
        if isinstance(unit, u.UnrecognizedUnit):
            raise InputValueError(f"SED column '{name}' has unit {unit.to_string()!r}, which astropy does "
                                  "not recognise; expected a spectral unit for 'frequency' (Hz, GHz, eV, "
                                  "micron) and erg / (cm2 s) or another energy flux for 'nufnu'")
        q = u.Quantity(np.asarray(col, dtype=float), unit)
    if mask is not None and np.any(mask):
        q = q.astype(np.float64, copy=True)
        q[np.broadcast_to(np.asarray(mask, bool), q.shape)] = np.nan
    return q


def sed_arrays(sed: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(frequency [Hz], nufnu [erg cm-2 s-1], upper_limit)`` float/bool arrays of an SED table.

    Parameters
    ----------
    sed : `~astropy.table.Table`
        Needs ``frequency`` (any spectral unit) and ``nufnu`` (an energy flux); ``upper_limit``
        (bool) is optional, a masked entry counting as a detection. Masked values become NaN.

    Returns
    -------
    frequency, nufnu : ndarray of float64
    upper_limit : ndarray of bool

    Raises
    ------
    InputTypeError
        ``sed`` is not a table.
    InputValueError
        Missing columns, or units that are absent or cannot be converted (e.g. ``nufnu`` in Jy,
        a flux density, not nuFnu).
    """
    if not isinstance(sed, Table):
        raise InputTypeError(f"expected an SED as an astropy Table/QTable, got {type(sed).__name__}")
    missing = [c for c in ("frequency", "nufnu") if c not in sed.colnames]
    if missing:
        raise InputValueError(f"SED table lacks column(s) {missing}; it has {sed.colnames}")
    freq_q = _column_quantity(sed, "frequency")
    freq = (freq_q.value.astype(np.float64) if freq_q.unit == u.Hz
            else _as_hz(freq_q, "SED column 'frequency'"))
    flux_q = _column_quantity(sed, "nufnu")
    if flux_q.unit == NUFNU_UNIT:
        flux = np.asarray(flux_q.value, dtype=np.float64)
    else:
        try:
            flux = flux_q.to_value(NUFNU_UNIT).astype(np.float64)
        except u.UnitConversionError as exc:
            raise InputValueError(
                f"SED column 'nufnu' has unit {flux_q.unit}, which cannot be converted to {NUFNU_UNIT}; "
                f"a flux density (Jy, erg/cm2/s/Hz) must be multiplied by the frequency first") from exc
    if "upper_limit" in sed.colnames:
        ul = np.asarray(getattr(sed["upper_limit"], "unmasked", sed["upper_limit"]))
        if ul.dtype != bool:
            raise InputValueError(f"SED column 'upper_limit' must be boolean, got dtype {ul.dtype}")
        if np.any(getattr(sed["upper_limit"], "mask", False)):   # unknown: taken as a detection
            ul = np.where(np.asarray(sed["upper_limit"].mask, bool), False, ul)
    else:
        ul = np.zeros(len(sed), dtype=bool)
    return freq, flux, ul


class SEDCollection:
    """Many SEDs as one stacked table of points, an index column and one meta dict per SED.

    Parameters
    ----------
    points : `~astropy.table.Table`
        All points of all SEDs (the `vo_blazar.sed.table` schema, or at least ``frequency`` and
        ``nufnu`` with units) and an integer column ``index`` in ``0 .. len(meta) - 1``. Rows
        not grouped by index and sorted by frequency within an SED are sorted (stably) here.
    meta : sequence of dict
        One dict per SED, in index order; an SED may have no point at all.
    index : str
        Name of the index column (default ``"sed_index"``).

    Raises
    ------
    InputValueError
        An index outside ``0 .. len(meta) - 1``, or points without usable units (see `sed_arrays`).

    Examples
    --------
    >>> from vo_blazar.sed import SEDCollection, make_sed
    >>> import astropy.units as u
    >>> one = make_sed({"frequency": [1e9, 1e14] * u.Hz, "nufnu": [1e-12, 2e-12]})
    >>> two = make_sed({"frequency": [1e18] * u.Hz, "nufnu": [5e-13]})
    >>> seds = SEDCollection.from_seds([one, two])
    >>> len(seds), seds.offsets.tolist(), seds.owner.tolist()
    (2, [0, 2, 3], [0, 0, 1])
    >>> seds[1] is two
    True
    """

    def __init__(self, points: Table, meta: Sequence[dict], *, index: str = INDEX_COLUMN) -> None:
        if not isinstance(points, Table):
            raise InputTypeError(f"points must be an astropy Table, got {type(points).__name__}")
        if index not in points.colnames:
            raise InputValueError(f"points lack the index column {index!r}; they have {points.colnames}")
        meta = [m if m is not None else {} for m in meta]
        owner = np.asarray(points[index], dtype=np.int64)
        if owner.size and (owner.min() < 0 or owner.max() >= len(meta)):
            raise InputValueError(f"index column {index!r} must lie in 0..{len(meta) - 1} "
                                  f"(one meta dict per SED), got {owner.min()}..{owner.max()}")
        freq, flux, ul = sed_arrays(points)
        with np.errstate(invalid="ignore"):
            ordered = np.all((np.diff(owner) > 0) | ((np.diff(owner) == 0) & (np.diff(freq) >= 0)))
        if not ordered:
            order = np.lexsort((freq, owner))
            points, owner, freq, flux, ul = points[order], owner[order], freq[order], flux[order], ul[order]
        if index != INDEX_COLUMN:
            points = points.copy(copy_data=False)
            points.rename_column(index, INDEX_COLUMN)
        self._points: Table | None = points
        self._meta = meta
        self._tables: list[Table | None] = [None] * len(meta)
        self._set_arrays(freq, flux, ul, owner)

    def _set_arrays(self, freq, flux, ul, owner) -> None:
        self._frequency, self._nufnu, self._upper_limit, self._owner = freq, flux, ul, owner
        for a in (freq, flux, ul, owner):
            a.setflags(write=False)   # shared by every stage: nobody edits them in place
        self._offsets = np.searchsorted(owner, np.arange(len(self._meta) + 1)).astype(np.int64)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_seds(cls, seds: Iterable[Table]) -> "SEDCollection":
        """A collection of SED Tables made anywhere (this package, a file, a user's table).

        The tables are kept as they are: ``collection[i]`` is the ``i``-th table given, with its
        own columns, units, row order and meta (the same object); the flat arrays are
        computed once here and the stacked `points` table only when asked for.

        Raises
        ------
        InputTypeError, InputValueError
            As `sed_arrays`, naming the SED (``"SED #3: ..."``).
        """
        if isinstance(seds, Table):
            raise InputTypeError("from_seds takes a sequence of SED tables; wrap a single SED in a list")
        tables = list(seds)
        freq, flux, ul, owner = [], [], [], []
        for i, sed in enumerate(tables):
            try:
                f, v, lim = sed_arrays(sed)
            except (InputValueError, InputTypeError) as exc:
                raise type(exc)(f"SED #{i}: {exc}") from exc
            freq.append(f); flux.append(v); ul.append(lim); owner.append(np.full(f.size, i, np.int64))
        new = cls.__new__(cls)
        new._points = None
        new._meta = [t.meta if t.meta is not None else {} for t in tables]
        new._tables = tables
        cat = (lambda parts, dtype: np.concatenate(parts) if parts else np.zeros(0, dtype))
        new._set_arrays(cat(freq, np.float64), cat(flux, np.float64), cat(ul, bool), cat(owner, np.int64))
        return new

    # ------------------------------------------------------------------ sequence protocol
    def __len__(self) -> int:
        return len(self._meta)

    def __iter__(self) -> Iterator[Table]:
        return (self[i] for i in range(len(self)))

    def __getitem__(self, item):
        """``collection[i]``: the SED Table of source ``i``; a slice, an index array or a boolean
        mask: a collection of those SEDs (see `take`)."""
        if isinstance(item, (int, np.integer)):
            n = len(self)
            i = int(item) + n if item < 0 else int(item)
            if not 0 <= i < n:
                raise IndexError(f"SED index {item} out of range for a collection of {n}")
            if self._tables[i] is None:
                a, b = self._offsets[i], self._offsets[i + 1]
                sed = self._points[a:b]
                sed.remove_column(INDEX_COLUMN)
                sed.meta = self._meta[i]
                self._tables[i] = sed    # the same object on every access
            return self._tables[i]
        if isinstance(item, slice):
            return self.take(np.arange(len(self))[item])
        item = np.asarray(item)
        if item.dtype == bool:
            if item.shape != (len(self),):
                raise IndexError(f"boolean mask of shape {item.shape} for a collection of {len(self)}")
            return self.take(np.flatnonzero(item))
        return self.take(item)

    def __repr__(self) -> str:
        return f"<SEDCollection: {len(self)} SEDs, {self._owner.size} points>"

    def take(self, indices: Sequence[int]) -> "SEDCollection":
        """The SEDs at ``indices`` (in that order, repeats allowed) as a new collection.

        SED tables already made are shared, not copied: ``c.take([2])[0] is c[2]``.
        """
        idx = np.asarray(indices, dtype=np.int64).reshape(-1)
        n = len(self)
        if idx.size and (idx.min() < -n or idx.max() >= n):
            raise IndexError(f"SED indices out of range for a collection of {n}")
        idx = np.where(idx < 0, idx + n, idx)
        start, stop = self._offsets[idx], self._offsets[idx + 1]
        lengths = stop - start
        # rows of the chosen SEDs, in the new order: each SED's run start..stop-1
        first = np.cumsum(lengths) - lengths
        rows = np.repeat(start - first, lengths) + np.arange(lengths.sum())
        owner = np.repeat(np.arange(idx.size, dtype=np.int64), lengths)
        new = SEDCollection.__new__(SEDCollection)
        new._meta = [self._meta[i] for i in idx]
        new._tables = [self._tables[i] for i in idx]
        if self._points is not None:
            new._points = self._points[rows]
            new._points[INDEX_COLUMN] = owner
        else:
            new._points = None
        new._set_arrays(self._frequency[rows], self._nufnu[rows], self._upper_limit[rows], owner)
        return new

    def to_list(self) -> list[Table]:
        """The SEDs as a list of Tables (``collection[i]`` for every ``i``)."""
        return list(self)

    # ------------------------------------------------------------------ the stacked table
    @property
    def points(self) -> Table:
        """All points in one table with the ``sed_index`` column (built on first use when the
        collection was made by `from_seds`: the columns all SEDs share, ``frequency`` in Hz and
        ``nufnu`` in erg cm-2 s-1)."""
        if self._points is None:
            self._points = self._stack()
        return self._points

    def _stack(self) -> Table:
        tables = [self[i] for i in range(len(self))]
        common = [c for c in (tables[0].colnames if tables else ["frequency", "nufnu"])
                  if all(c in t.colnames for t in tables[1:])]
        flat = {"frequency": self._frequency * u.Hz, "nufnu": self._nufnu * NUFNU_UNIT,
                "upper_limit": self._upper_limit.copy()}
        others = [c for c in common if c not in flat]
        rest = (vstack([QTable([t[c] for c in others], names=others, copy=False) for t in tables],
                       metadata_conflicts="silent") if others else None)
        out = QTable()
        out[INDEX_COLUMN] = self._owner.copy()
        for c in common + [c for c in flat if c not in common]:
            out[c] = flat[c] if c in flat else rest[c]
        return out

    # ------------------------------------------------------------------ per-SED and flat views
    @property
    def meta(self) -> list[dict]:
        """One meta dict per SED (the same dict as ``collection[i].meta``)."""
        return self._meta

    @property
    def offsets(self) -> np.ndarray:
        """``n + 1`` row offsets: SED ``i`` is rows ``offsets[i]:offsets[i + 1]`` of the flat arrays."""
        return self._offsets

    @property
    def lengths(self) -> np.ndarray:
        """Number of points of each SED."""
        return np.diff(self._offsets)

    @property
    def frequency(self) -> np.ndarray:
        """Frequency of every point in Hz (float64, read-only; NaN where masked)."""
        return self._frequency

    @property
    def nufnu(self) -> np.ndarray:
        """nuFnu of every point in erg cm-2 s-1 (float64, read-only; NaN where masked)."""
        return self._nufnu

    @property
    def upper_limit(self) -> np.ndarray:
        """True where the point is an upper limit (read-only)."""
        return self._upper_limit

    @property
    def owner(self) -> np.ndarray:
        """The SED (0 .. n-1) of every point (int64, read-only, non-decreasing)."""
        return self._owner
