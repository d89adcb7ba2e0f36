"""Known blazars: the sources a candidate search must not report as new.

`KnownBlazars` is a table of positions with a name, the catalogue it comes from (``origin``:
5BZCAT, 3HSP, 4FGL-DR4) and a class. It is built from any table (`KnownBlazars.from_table`),
from the catalogues' own column layouts (`from_5bzcat`, `from_3hsp`, `from_4fgl`) or from what the
package ships (`KnownBlazars.shipped`), and answers which candidate positions lie within a match
radius of one of them.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import Table, vstack

from ..exceptions import InputValueError
from ..package_data import data_path
from ..sky.index import SkyIndex
from .sources import find_position_columns

__all__ = ["KnownBlazars", "DEFAULT_KNOWN_RADIUS", "FERMI_BLAZAR_CLASSES"]

#: Radius within which a candidate's radio position counts as a known blazar. Catalogue positions
#: of 5BZCAT/3HSP (radio/optical) and 4FGL counterparts are good to ~1"; NVSS to a few arcsec.
DEFAULT_KNOWN_RADIUS = 10.0 * u.arcsec

#: 4FGL CLASS1 codes (case-insensitive) that are blazars.
FERMI_BLAZAR_CLASSES = ("bll", "fsrq", "bcu")

_COLUMNS = ("name", "ra", "dec", "origin", "class")


def _strip(values) -> np.ndarray:
    return np.array([str(v).strip() for v in np.ma.filled(np.ma.asarray(values).astype(str), "")])


def _require(table: Table, need: list[str], catalogue: str) -> None:
    missing = [c for c in need if c not in table.colnames]
    if missing:
        raise InputValueError(f"{catalogue} table lacks {missing}; it has {table.colnames}")


@dataclass
class KnownBlazars:
    """A list of known blazars.

    Attributes
    ----------
    table : `~astropy.table.Table`
        Columns ``name``, ``ra``, ``dec`` (deg, ICRS), ``origin``, ``class``.
    """

    table: Table

    def __post_init__(self):
        missing = [c for c in _COLUMNS if c not in self.table.colnames]
        if missing:
            raise InputValueError(f"known-blazar table lacks columns {missing}")
        self._index: SkyIndex | None = None
        self.coords = SkyCoord(np.asarray(self.table["ra"], float) * u.deg,
                               np.asarray(self.table["dec"], float) * u.deg, frame="icrs")

    def __len__(self) -> int:
        return len(self.table)

    @property
    def origins(self) -> list[str]:
        """The catalogues this list was built from."""
        return sorted({str(o) for o in self.table["origin"]})

    # ---- constructors -------------------------------------------------------------------------
    @classmethod
    def from_table(cls, table: Table, *, origin: str | None = None, name_column: str = "name",
                   class_column: str = "class", label_column: str | None = "label") -> "KnownBlazars":
        """From any table with positions and names.

        Parameters
        ----------
        table : `~astropy.table.Table`
            Positions in any recognised columns (see `~vo_blazar.crossmatch.sources.find_position_columns`).
        origin : str, optional
            Catalogue name for every row; default the table's ``origin`` column, else ``"user"``.
        label_column : str or None
            When the table has this column (the package's ``sources.ecsv`` has ``label``), only rows
            labelled 1 (or ``"blazar"``) are kept.
        """
        if label_column and label_column in table.colnames:
            # the package's labels use 1 = blazar; a text label "blazar" is accepted too
            lab = np.char.lower(_strip(table[label_column]))
            table = table[np.isin(lab, ("1", "blazar", "true"))]
        lon, lat, frame = find_position_columns(table)
        unit = (lambda c: c.unit if getattr(c, "unit", None) is not None else u.deg)
        if len(table):
            sc = SkyCoord(u.Quantity(table[lon], unit(table[lon])),
                          u.Quantity(table[lat], unit(table[lat])), frame=frame).icrs
            ra, dec = sc.ra.deg, sc.dec.deg
        else:
            ra = dec = np.zeros(0)
        n = len(table)
        names = _strip(table[name_column]) if name_column in table.colnames else \
            np.array([f"row {i}" for i in range(n)])
        if origin is not None:
            origins = np.full(n, origin)
        elif "origin" in table.colnames:
            origins = _strip(table["origin"])
        else:
            origins = np.full(n, "user")
        classes = _strip(table[class_column]) if class_column in table.colnames else np.full(n, "")
        return cls(Table({"name": names.astype(str), "ra": ra, "dec": dec,
                          "origin": origins.astype(str), "class": classes.astype(str)}))

    @classmethod
    def from_5bzcat(cls, table: Table) -> "KnownBlazars":
        """From a 5BZCAT table in the Kudryavtsev compilation layout (sexagesimal RA/Dec strings)."""
        _require(table, ["BZCAT5 Source name", "RA (J2000.0)", "Dec (J2000.0)"], "5BZCAT")
        sc = SkyCoord(_strip(table["RA (J2000.0)"]), _strip(table["Dec (J2000.0)"]),
                      unit=(u.hourangle, u.deg), frame="fk5").icrs
        names = _strip(table["BZCAT5 Source name"])
        return cls(Table({"name": names, "ra": sc.ra.deg, "dec": sc.dec.deg,
                          "origin": np.full(len(names), "5BZCAT"),
                          "class": np.array([n[:4] for n in names])}))

    @classmethod
    def from_3hsp(cls, table: Table) -> "KnownBlazars":
        """From the 3HSP table (``Name``, ``ra``, ``dec`` in deg)."""
        _require(table, ["Name", "ra", "dec"], "3HSP")
        names = _strip(table["Name"])
        return cls(Table({"name": names, "ra": np.asarray(table["ra"], float),
                          "dec": np.asarray(table["dec"], float),
                          "origin": np.full(len(names), "3HSP"), "class": np.full(len(names), "HSP")}))

    @classmethod
    def from_4fgl(cls, table: Table) -> "KnownBlazars":
        """The counterparts of 4FGL sources classed bll/fsrq/bcu (``RA_Counterpart``/``DEC_Counterpart``).

        The counterpart position, not the gamma-ray one, is used: the gamma-ray ellipse is
        arcminutes wide, the counterpart is the radio/optical source.
        """
        _require(table, ["Source_Name", "CLASS1", "ASSOC1", "RA_Counterpart", "DEC_Counterpart"], "4FGL")
        cls1 = np.char.lower(_strip(table["CLASS1"]))
        ra = np.ma.filled(np.ma.asarray(table["RA_Counterpart"], float), np.nan)
        dec = np.ma.filled(np.ma.asarray(table["DEC_Counterpart"], float), np.nan)
        keep = np.isin(cls1, FERMI_BLAZAR_CLASSES) & np.isfinite(ra) & np.isfinite(dec)
        assoc = _strip(table["ASSOC1"])[keep]
        src = _strip(table["Source_Name"])[keep]
        names = np.array([f"{s} ({a})" if a else s for s, a in zip(src, assoc)])
        return cls(Table({"name": names, "ra": ra[keep], "dec": dec[keep],
                          "origin": np.full(keep.sum(), "4FGL-DR4"), "class": cls1[keep]}))

    @classmethod
    def combine(cls, *lists: "KnownBlazars") -> "KnownBlazars":
        """Concatenate several lists (a source in two catalogues appears twice)."""
        return cls(vstack([k.table for k in lists], metadata_conflicts="silent"))

    @classmethod
    def shipped(cls) -> "KnownBlazars":
        """The known blazars that ship with the package (read once per process; treat as read-only).

        The rows labelled ``blazar`` in ``vo_blazar/data/labels/sources.ecsv``: 5BZCAT, 3HSP and
        the 4FGL-DR4 bll/fsrq/bcu counterparts, each source once (duplicates across catalogues are
        merged there and named in ``also_in``).

        Raises
        ------
        InputValueError
            When the installation has no label file (pass ``known=`` explicitly).
        """
        return _shipped_known_blazars(cls)

    # ---- queries ------------------------------------------------------------------------------
    def match(self, coords: SkyCoord, *, radius: u.Quantity = DEFAULT_KNOWN_RADIUS) -> Table:
        """The known blazar nearest to each position within ``radius``.

        Returns
        -------
        `~astropy.table.Table`
            One row per position: ``known_name`` (all matching names joined with ``"; "``, empty
            when none), ``known_origin`` (their catalogues, ``"; "``-joined), ``known_sep``
            (arcsec to the nearest, NaN when none).
        """
        coords = coords.reshape(-1) if coords.isscalar else coords
        n = len(coords)
        names = [[] for _ in range(n)]
        origins = [set() for _ in range(n)]
        sep_best = np.full(n, np.nan)
        if n and len(self):
            if self._index is None:   # built on first use, then kept: shipped() is shared
                self._index = SkyIndex.from_coords(self.coords)
            i, j, sep = self._index.pairs(coords.icrs, u.Quantity(radius))
            sep = (sep * u.rad).to_value(u.arcsec)
            for a, b, s in sorted(zip(i, j, sep), key=lambda t: (t[0], t[2])):
                names[a].append(str(self.table["name"][b]))
                origins[a].add(str(self.table["origin"][b]))
                if not np.isfinite(sep_best[a]):
                    sep_best[a] = s
        return Table({"known_name": np.array(["; ".join(x) for x in names], dtype=str),
                      "known_origin": np.array(["; ".join(sorted(o)) for o in origins], dtype=str),
                      "known_sep": sep_best * u.arcsec})


@functools.lru_cache(maxsize=None)
def _shipped_known_blazars(cls) -> KnownBlazars:
    path = data_path("labels", "sources.ecsv")
    if not path.is_file():
        raise InputValueError(f"this installation ships no known-blazar list ({path} is missing); "
                              "pass known= (a KnownBlazars or a Table with name/ra/dec) or drop_known=False")
    return cls.from_table(Table.read(path, format="ascii.ecsv"))
