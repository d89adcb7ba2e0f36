"""Sky regions that restrict a candidate search: a cone, a polygon, an ellipse (a 4FGL 95 % ellipse).

Each region answers `Region.contains` for a SkyCoord array and gives a bounding cone
(`Region.bounding_cone`) so that a catalogue can be fetched around it with one cone search.

A string ``"4FGL J0509.4+0542"`` (optionally ``"inside 4FGL J0509.4+0542"``) becomes that source's
95 % error ellipse (``Conf_95_SemiMajor``, ``Conf_95_SemiMinor``, ``Conf_95_PosAng``, degrees,
position angle east of north) from the 4FGL-DR4 table.
"""
from __future__ import annotations

import difflib
import functools
import re
from importlib import resources
from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import Table

from ..access.snapshot_file import SUFFIX
from ..exceptions import InputTypeError, InputValueError
from ..sky.counterparts import inside_ellipse

__all__ = ["Region", "ConeRegion", "PolygonRegion", "EllipseRegion", "as_region", "fermi_ellipse",
           "load_4fgl_table"]


def _icrs(coord: SkyCoord) -> SkyCoord:
    return SkyCoord(coord.icrs.ra, coord.icrs.dec, frame="icrs")


class Region(ABC):
    """A region of the sky."""

    @abstractmethod
    def contains(self, coords: SkyCoord) -> np.ndarray:
        """Boolean array: which of ``coords`` lie inside (a scalar SkyCoord gives a 0-d array)."""

    @abstractmethod
    def bounding_cone(self) -> tuple[SkyCoord, u.Quantity]:
        """A (center, radius) cone that contains the whole region."""

    def describe(self) -> str:
        """One line for the output's metadata."""
        return repr(self)


@dataclass(frozen=True)
class ConeRegion(Region):
    """Everything within ``radius`` of ``center``."""

    center: SkyCoord
    radius: u.Quantity

    def __post_init__(self):
        if not isinstance(self.center, SkyCoord) or not self.center.isscalar:
            raise InputTypeError("cone center must be a scalar SkyCoord")
        r = u.Quantity(self.radius)
        if r.unit.physical_type != "angle" or not (0 < r.to_value(u.deg) <= 180):
            raise InputValueError(f"cone radius must be an angle in (0, 180] deg, got {self.radius}")

    def contains(self, coords: SkyCoord) -> np.ndarray:
        return np.asarray(_icrs(self.center).separation(coords) <= self.radius)

    def bounding_cone(self):
        return _icrs(self.center), u.Quantity(self.radius).to(u.deg)

    def describe(self) -> str:
        c = _icrs(self.center)
        return (f"cone center=(ra {c.ra.deg:.5f}, dec {c.dec.deg:.5f}) deg icrs, "
                f"radius={u.Quantity(self.radius).to(u.arcmin):.3f}")


@dataclass(frozen=True)
class EllipseRegion(Region):
    """An ellipse on the tangent plane at ``center``.

    ``semi_major``/``semi_minor`` are angles; ``pa`` is the position angle of the major axis,
    east of north (the 4FGL convention).
    """

    center: SkyCoord
    semi_major: u.Quantity
    semi_minor: u.Quantity
    pa: u.Quantity
    name: str | None = None

    def __post_init__(self):
        if not isinstance(self.center, SkyCoord) or not self.center.isscalar:
            raise InputTypeError("ellipse center must be a scalar SkyCoord")
        a, b = u.Quantity(self.semi_major), u.Quantity(self.semi_minor)
        if a.unit.physical_type != "angle" or b.unit.physical_type != "angle":
            raise InputValueError("ellipse semi-axes must be angles")
        if not (np.isfinite(a) and np.isfinite(b) and a > 0 and b > 0):
            what = f" of {self.name}" if self.name else ""
            raise InputValueError(f"ellipse{what} has no finite positive semi-axes (a={a}, b={b})")

    def contains(self, coords: SkyCoord) -> np.ndarray:
        # the counterpart rules' ellipse formula (axes in deg, as the 4FGL columns give them)
        return inside_ellipse(_icrs(self.center), coords.icrs, u.Quantity(self.semi_major).to(u.deg),
                              u.Quantity(self.semi_minor).to(u.deg), u.Quantity(self.pa).to(u.deg))

    def bounding_cone(self):
        a = u.Quantity(self.semi_major).to(u.deg)
        return _icrs(self.center), a * 1.001  # margin for the tangent-plane approximation

    def describe(self) -> str:
        c = _icrs(self.center)
        who = f"{self.name} 95% ellipse: " if self.name else "ellipse "
        return (f"{who}center=(ra {c.ra.deg:.5f}, dec {c.dec.deg:.5f}) deg icrs, "
                f"a={u.Quantity(self.semi_major).to(u.arcmin):.3f}, "
                f"b={u.Quantity(self.semi_minor).to(u.arcmin):.3f}, pa={u.Quantity(self.pa).to(u.deg):.1f}")


class PolygonRegion(Region):
    """A spherical polygon with great-circle edges.

    Containment is exact: the gnomonic projection at the vertices' mean direction maps great
    circles to straight lines, so a planar point-in-polygon test answers it. The polygon must
    lie within 90 deg of that direction (smaller than a hemisphere).
    """

    def __init__(self, vertices: SkyCoord):
        if not isinstance(vertices, SkyCoord) or vertices.isscalar or len(vertices) < 3:
            raise InputValueError("a polygon needs a SkyCoord array of at least 3 vertices")
        self.vertices = _icrs(vertices)
        xyz = self.vertices.cartesian.xyz.value
        mean = xyz.mean(axis=1)
        if np.linalg.norm(mean) < 1e-9:
            raise InputValueError("polygon vertices have no well-defined center (they span the sky)")
        mean /= np.linalg.norm(mean)
        self._center_xyz = mean
        self.center = SkyCoord(*(mean * u.one), representation_type="cartesian", frame="icrs")
        self.center = SkyCoord(self.center.spherical.lon, self.center.spherical.lat, frame="icrs")
        if np.any(mean @ xyz <= 1e-6):
            raise InputValueError("polygon must be smaller than a hemisphere (every vertex within "
                                  "90 deg of the vertices' mean direction)")
        self._vx, self._vy = self._project(xyz)

    def _project(self, xyz: np.ndarray):
        # gnomonic projection onto the plane tangent at the center
        c = self._center_xyz
        e = np.cross([0.0, 0.0, 1.0], c)
        if np.linalg.norm(e) < 1e-12:           # center at a pole: any east direction will do
            e = np.array([0.0, 1.0, 0.0])
        e /= np.linalg.norm(e)
        n = np.cross(c, e)
        dot = c @ xyz
        with np.errstate(divide="ignore", invalid="ignore"):
            return (e @ xyz) / dot, (n @ xyz) / dot

    def contains(self, coords: SkyCoord) -> np.ndarray:
        xyz = coords.icrs.cartesian.xyz.value.reshape(3, -1)
        front = self._center_xyz @ xyz > 0
        x, y = self._project(xyz)
        vx, vy = self._vx, self._vy
        inside = np.zeros(x.shape, bool)
        j = len(vx) - 1
        for i in range(len(vx)):               # even-odd rule, vectorised over points
            cond = (vy[i] > y) != (vy[j] > y)
            with np.errstate(divide="ignore", invalid="ignore"):
                xint = (vx[j] - vx[i]) * (y - vy[i]) / (vy[j] - vy[i]) + vx[i]
            inside ^= cond & (x < xint)
            j = i
        out = inside & front
        return out.reshape(coords.shape) if coords.shape else np.asarray(out[0])

    def bounding_cone(self):
        return self.center, self.center.separation(self.vertices).max().to(u.deg) * 1.0001

    def describe(self) -> str:
        pts = ", ".join(f"({c.ra.deg:.4f}, {c.dec.deg:.4f})" for c in self.vertices)
        return f"polygon icrs vertices (ra, dec deg): {pts}"

    def __repr__(self) -> str:
        return f"PolygonRegion({self.describe()})"


_FGL_RE = re.compile(r"^\s*(?:inside\s+)?(4FGL\s*J\d{4}\.\d[+-]\d{4}[a-z]?e?)\s*$", re.IGNORECASE)


def _norm_4fgl(name: str) -> str:
    return re.sub(r"\s+", "", str(name)).upper()


@functools.lru_cache(maxsize=1)
def _shipped_4fgl() -> Table:
    # the snapshot's 4FGL-DR4 slice carries Source_Name and the Conf_95_* ellipse columns
    res = resources.files("vo_blazar").joinpath("data", "snapshot", "4FGL-DR4" + SUFFIX)
    if not res.is_file():
        raise InputValueError(f"this installation ships no 4FGL-DR4 table (data/snapshot/"
                              f"4FGL-DR4{SUFFIX}); pass fermi_table= (a Table with Source_Name, "
                              "RAJ2000, DEJ2000, Conf_95_*)")
    # read through the snapshot access, whose per-process cache the offline classifier shares:
    # the 2.4 MB file is then parsed once, not once here and once for the SEDs
    from ..access.snapshot import SnapshotAccess
    from ..registry import load_registry
    table, _ = SnapshotAccess()._load(load_registry()["4FGL-DR4"])
    return table


def load_4fgl_table() -> Table:
    """The 4FGL-DR4 table the package ships (the offline snapshot's slice, all 7,195 sources).

    Raises
    ------
    InputValueError
        When the installed package has no 4FGL table (pass ``fermi_table=`` instead).
    """
    return _shipped_4fgl()


def fermi_ellipse(name: str, *, fermi_table: Table | None = None) -> EllipseRegion:
    """The 95 % positional error ellipse of a 4FGL source.

    Parameters
    ----------
    name : str
        4FGL name, e.g. ``"4FGL J0509.4+0542"`` (spaces and case ignored).
    fermi_table : `~astropy.table.Table`, optional
        A 4FGL table with ``Source_Name``, ``RAJ2000``, ``DEJ2000`` and ``Conf_95_SemiMajor``,
        ``Conf_95_SemiMinor``, ``Conf_95_PosAng`` (deg). Default: the shipped 4FGL-DR4.

    Raises
    ------
    InputValueError
        The name is not in the table (the message names it and suggests close names), or the
        source has no 95 % ellipse (extended sources).
    """
    table = load_4fgl_table() if fermi_table is None else fermi_table
    need = ["Source_Name", "RAJ2000", "DEJ2000", "Conf_95_SemiMajor", "Conf_95_SemiMinor",
            "Conf_95_PosAng"]
    missing = [c for c in need if c not in table.colnames]
    if missing:
        raise InputValueError(f"4FGL table lacks columns {missing}; it has {table.colnames}")
    names = np.array([_norm_4fgl(s) for s in table["Source_Name"]])
    want = _norm_4fgl(name)
    hit = np.flatnonzero(names == want)
    if not len(hit):
        original = {n: str(o).strip() for n, o in zip(names, table["Source_Name"])}
        close = [original[c] for c in difflib.get_close_matches(want, list(original), n=3, cutoff=0.8)]
        hint = f"; close names: {close}" if close else ""
        raise InputValueError(f"{name!r} is not a source of the 4FGL table ({len(names)} "
                              f"sources){hint}")
    row = table[int(hit[0])]

    def val(c):
        v = row[c]
        return np.nan if np.ma.is_masked(v) else float(v)

    center = SkyCoord(val("RAJ2000") * u.deg, val("DEJ2000") * u.deg, frame="fk5").icrs
    a, b, pa = val("Conf_95_SemiMajor"), val("Conf_95_SemiMinor"), val("Conf_95_PosAng")
    if not (np.isfinite(a) and np.isfinite(b)):
        raise InputValueError(f"{row['Source_Name'].strip()} has no 95 % error ellipse in 4FGL "
                              "(an extended source?); use a cone instead")
    return EllipseRegion(SkyCoord(center.ra, center.dec, frame="icrs"), a * u.deg, b * u.deg,
                         (pa if np.isfinite(pa) else 0.0) * u.deg, name=str(row["Source_Name"]).strip())


def as_region(region, *, fermi_table: Table | None = None) -> Region | None:
    """Turn what a user passes as ``region=`` into a `Region`.

    Accepts a `Region`, a 4FGL name string, ``(SkyCoord, radius)`` for a cone, or a SkyCoord
    array of vertices for a polygon. None passes through.
    """
    if region is None or isinstance(region, Region):
        return region
    if isinstance(region, str):
        m = _FGL_RE.match(region)
        if not m:
            raise InputValueError(f"region string {region!r} is not understood: expected a 4FGL "
                                  "name such as '4FGL J0509.4+0542' (for a cone pass (SkyCoord, "
                                  "radius), for a polygon a SkyCoord array of vertices)")
        return fermi_ellipse(m.group(1), fermi_table=fermi_table)
    if isinstance(region, SkyCoord):
        return PolygonRegion(region)
    if isinstance(region, (tuple, list)) and len(region) == 2 and isinstance(region[0], SkyCoord):
        return ConeRegion(region[0], u.Quantity(region[1]))
    raise InputTypeError(f"region must be a Region, a 4FGL name, (SkyCoord, radius) or a SkyCoord "
                         f"array of polygon vertices, got {type(region).__name__}")
