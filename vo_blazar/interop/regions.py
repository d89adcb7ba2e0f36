"""Region files (DS9, CASA CRTF) for positions, search cones and error ellipses.

Built on the `regions` package: every function returns a `regions.Regions` list, so a user can
also write FITS region tables or plot them on a WCS image with regions' own tools.

Position angles follow the astronomical convention (east of north, as in the 4FGL ``Conf_95_PosAng``
column). In `regions.EllipseSkyRegion` terms that is ``height = 2 * semi_major``,
``width = 2 * semi_minor``, ``angle = pa``: the width axis lies along the RA direction at
angle 0, so the major (height) axis points north and turns east as ``pa`` grows.
"""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import Table
from regions import CircleSkyRegion, EllipseSkyRegion, Region, RegionMeta, Regions, RegionVisual

from ..config import conf
from ..exceptions import InputTypeError, InputValueError, VOBlazarWarning
from ..logger import log

__all__ = ["positions_to_regions", "cones", "ellipses", "write_regions", "REGION_FORMATS",
           "BLAZAR_COLOR", "NON_BLAZAR_COLOR", "DEFAULT_COLOR"]

#: file suffix -> regions format name
REGION_FORMATS = {".reg": "ds9", ".ds9": "ds9", ".crtf": "crtf"}
BLAZAR_COLOR = "red"
NON_BLAZAR_COLOR = "cyan"
DEFAULT_COLOR = "green"


def _as_icrs(coords: Any) -> SkyCoord:
    if not isinstance(coords, SkyCoord):
        raise InputTypeError(f"expected a SkyCoord, got {type(coords).__name__}")
    icrs = coords.icrs
    return icrs.reshape((1,)) if icrs.isscalar else icrs.ravel()


def _angle_array(value: Any, n: int, what: str) -> u.Quantity:
    """A Quantity of angles broadcast to ``n`` values; bare numbers are refused (degrees? arcsec?)."""
    if not isinstance(value, u.Quantity):
        raise InputTypeError(f"{what} must be an angle Quantity (e.g. 15 * u.arcsec), got "
                             f"{type(value).__name__}")
    try:
        value = value.to(u.deg)
    except u.UnitConversionError as exc:
        raise InputValueError(f"{what} must be an angle, got unit {value.unit}") from exc
    try:
        arr = np.broadcast_to(value, (n,), subok=True)
    except ValueError as exc:
        raise InputValueError(f"{what} has {value.size} values for {n} positions") from exc
    if not np.all(np.isfinite(arr)):
        raise InputValueError(f"{what} has non-finite values at rows "
                              f"{np.flatnonzero(~np.isfinite(arr)).tolist()}")
    return arr


def _positive(arr: u.Quantity, what: str) -> None:
    bad = np.flatnonzero(arr.value <= 0)
    if bad.size:
        raise InputValueError(f"{what} must be > 0; rows {bad.tolist()} are not")


def _visual(color: str | None) -> RegionVisual:
    return RegionVisual({"color": color}) if color else RegionVisual()


def _meta(label: str | None) -> RegionMeta:
    # 'text' is what DS9 draws next to the shape, 'label' the CRTF equivalent
    return RegionMeta({"text": label, "label": label}) if label else RegionMeta()


def _labels(labels: Any, n: int) -> list[str | None]:
    if labels is None:
        return [None] * n
    labels = [labels] if isinstance(labels, str) else list(labels)
    if len(labels) != n:
        raise InputValueError(f"{len(labels)} labels for {n} positions")
    return [None if lab is None else str(lab) for lab in labels]


def cones(coords: SkyCoord, radius: u.Quantity, *, labels: Any = None,
          color: str | None = DEFAULT_COLOR) -> Regions:
    """One circle per position: the search cones.

    Parameters
    ----------
    coords : `~astropy.coordinates.SkyCoord`
        Scalar or array, any frame (written in ICRS).
    radius : `~astropy.units.Quantity`
        Angle, scalar or one per position.
    labels : str or sequence of str, optional
        Text shown next to each circle.
    color : str, optional
        DS9/CRTF colour name.
    """
    icrs = _as_icrs(coords)
    radii = _angle_array(radius, len(icrs), "radius")
    _positive(radii, "radius")
    texts = _labels(labels, len(icrs))
    return Regions([CircleSkyRegion(icrs[i], radii[i].to(u.arcsec), meta=_meta(texts[i]),
                                    visual=_visual(color))
                    for i in range(len(icrs))])


def ellipses(coords: SkyCoord, semi_major: u.Quantity, semi_minor: u.Quantity, pa: u.Quantity, *,
             labels: Any = None, color: str | None = DEFAULT_COLOR) -> Regions:
    """One ellipse per position, e.g. the 4FGL 95 % error ellipses.

    Parameters
    ----------
    coords : `~astropy.coordinates.SkyCoord`
        Ellipse centres.
    semi_major, semi_minor : `~astropy.units.Quantity`
        Semi-axes (angles), scalar or one per position; ``semi_minor <= semi_major``.
    pa : `~astropy.units.Quantity`
        Position angle of the major axis, east of north.
    """
    icrs = _as_icrs(coords)
    n = len(icrs)
    a = _angle_array(semi_major, n, "semi_major")
    b = _angle_array(semi_minor, n, "semi_minor")
    theta = _angle_array(pa, n, "pa")
    _positive(a, "semi_major")
    _positive(b, "semi_minor")
    swapped = np.flatnonzero(b > a)
    if swapped.size:
        raise InputValueError(f"semi_minor exceeds semi_major at rows {swapped.tolist()}; "
                              "are the columns swapped?")
    texts = _labels(labels, n)
    return Regions([EllipseSkyRegion(icrs[i], width=2 * b[i], height=2 * a[i], angle=theta[i],
                                     meta=_meta(texts[i]), visual=_visual(color)) for i in range(n)])


def _column_angle(table: Table, name: str, unit_if_bare: u.UnitBase) -> u.Quantity:
    col = table[name]
    if isinstance(col, u.Quantity):
        return col
    if getattr(col, "unit", None) is not None:
        return u.Quantity(np.asarray(col, dtype=float), col.unit)
    # the result-table schema fixes these units (ra/dec/pa deg, radius arcsec); a CSV loses them
    log.debug(f"column '{name}' has no unit; taking {unit_if_bare} as the result schema defines")
    return u.Quantity(np.asarray(col, dtype=float), unit_if_bare)


def _bad_position_rows(table: Table) -> np.ndarray:
    """Rows whose RA/Dec are missing, non-finite or out of range (none when the columns are absent,
    which `_table_positions` reports)."""
    if "ra" not in table.colnames or "dec" not in table.colnames:
        return np.zeros(0, np.int64)
    ra = _column_angle(table, "ra", u.deg)
    dec = _column_angle(table, "dec", u.deg)
    with np.errstate(invalid="ignore"):
        return np.flatnonzero(~np.isfinite(ra) | ~np.isfinite(dec) | (np.abs(dec) > 90 * u.deg))


def _table_positions(table: Table) -> SkyCoord:
    missing = [c for c in ("ra", "dec") if c not in table.colnames]
    if missing:
        raise InputValueError(f"table lacks column(s) {missing}; expected 'ra' and 'dec' (deg, ICRS), "
                              f"it has {table.colnames}")
    ra = _column_angle(table, "ra", u.deg)
    dec = _column_angle(table, "dec", u.deg)
    bad = np.flatnonzero(~np.isfinite(ra) | ~np.isfinite(dec) | (np.abs(dec) > 90 * u.deg))
    if bad.size:
        raise InputValueError(f"rows {bad.tolist()} have non-finite RA/Dec or |Dec| > 90 deg")
    return SkyCoord(ra, dec, frame="icrs")


def _row_labels(table: Table) -> list[str | None]:
    labels = []
    for row in table:
        parts = []
        if "name" in table.colnames and str(row["name"]).strip():
            parts.append(str(row["name"]).strip())
        if "p_blazar" in table.colnames and np.isfinite(float(row["p_blazar"])):
            parts.append(f"p={float(row['p_blazar']):.2f}")
        labels.append(" ".join(parts) or None)
    return labels


def _row_colors(table: Table) -> list[str]:
    if "is_blazar" not in table.colnames:
        return [DEFAULT_COLOR] * len(table)
    col = table["is_blazar"]
    mask = np.ma.getmaskarray(col) if hasattr(col, "mask") else np.zeros(len(table), bool)
    return [DEFAULT_COLOR if m else BLAZAR_COLOR if bool(v) else NON_BLAZAR_COLOR
            for v, m in zip(np.asarray(col), mask)]


def positions_to_regions(table_or_coords: Table | SkyCoord, *, radius: u.Quantity | None = None,
                         labels: bool = True, error_ellipses: bool = True) -> Regions:
    """Regions for a result table (or plain positions): a circle per position, labelled and coloured.

    Parameters
    ----------
    table_or_coords : `~astropy.table.Table` or `~astropy.coordinates.SkyCoord`
        A vo_blazar result/candidate table (``ra``, ``dec`` in deg; optionally ``name``,
        ``p_blazar``, ``is_blazar``, ``radius`` in arcsec, and ``semi_major``, ``semi_minor``,
        ``pa`` error-ellipse columns) or positions.
    radius : `~astropy.units.Quantity`, optional
        Circle radius; default the table's ``radius`` column, else
        ``conf.default_radius_arcsec``.
    labels : bool
        Label each circle with ``name`` and ``p=<p_blazar>`` when those columns exist.
    error_ellipses : bool
        Also draw the error ellipse of rows that have one (columns ``semi_major``, ``semi_minor``,
        ``pa``; bare numbers taken as arcsec, arcsec and deg).

    Returns
    -------
    `regions.Regions`
        Circles (red: ``is_blazar`` True, cyan: False, green: unknown), then ellipses.
    """
    if isinstance(table_or_coords, SkyCoord):
        coords = _as_icrs(table_or_coords)
        if radius is None:
            radius = conf.default_radius_arcsec * u.arcsec
        return cones(coords, radius)
    if not isinstance(table_or_coords, Table):
        raise InputTypeError(f"expected an astropy Table or a SkyCoord, got {type(table_or_coords).__name__}")
    table = table_or_coords
    bad = _bad_position_rows(table)
    if bad.size and bad.size < len(table):
        # one unreadable row (e.g. "bad input" in a batch) must not cost every other row its region
        warnings.warn(f"{bad.size} row(s) without a valid position get no region: rows "
                      f"{bad[:10].tolist()}{' ...' if bad.size > 10 else ''}", VOBlazarWarning)
        table = table[np.setdiff1d(np.arange(len(table)), bad)]
    coords = _table_positions(table)
    if radius is None:
        radius = (_column_angle(table, "radius", u.arcsec) if "radius" in table.colnames
                  else conf.default_radius_arcsec * u.arcsec)
    radii = _angle_array(radius, len(coords), "radius")
    _positive(radii, "radius")
    texts = _row_labels(table) if labels else [None] * len(table)
    colors = _row_colors(table)
    out = [CircleSkyRegion(coords[i], radii[i].to(u.arcsec), meta=_meta(texts[i]), visual=_visual(colors[i]))
           for i in range(len(coords))]
    if error_ellipses and all(c in table.colnames for c in ("semi_major", "semi_minor", "pa")):
        a = _column_angle(table, "semi_major", u.arcsec)
        b = _column_angle(table, "semi_minor", u.arcsec)
        theta = _column_angle(table, "pa", u.deg)
        has = np.isfinite(a) & np.isfinite(b) & np.isfinite(theta)
        idx = np.flatnonzero(has)
        if idx.size:
            out.extend(ellipses(coords[idx], a[idx], b[idx], theta[idx], color=None))
        if idx.size < len(table):
            log.info(f"{len(table) - idx.size} row(s) have no error ellipse; only their circle is drawn")
    return Regions(out)


def write_regions(regions: Regions | Region | list, path: str | Path, *, format: str | None = None,
                  overwrite: bool = False) -> Path:
    """Write regions to a DS9 (``.reg``) or CASA CRTF (``.crtf``) file.

    Parameters
    ----------
    regions : `regions.Regions`, `regions.Region` or list of them
    path : str or `~pathlib.Path`
    format : {'ds9', 'crtf'}, optional
        Default: from the suffix (``.reg``/``.ds9`` -> ds9, ``.crtf`` -> crtf).
    overwrite : bool
        Replace an existing file.

    Returns
    -------
    `~pathlib.Path`
        The file written. Coordinates are written in ICRS (the CRTF default J2000 would shift them
        by tens of milliarcseconds through the FK5 conversion).
    """
    path = Path(path)
    if format is None:
        format = REGION_FORMATS.get(path.suffix.lower())
        if format is None:
            raise InputValueError(f"cannot tell the region format from the suffix {path.suffix!r} of {path}; "
                                  f"use one of {sorted(REGION_FORMATS)} or pass format='ds9'|'crtf'")
    if format not in ("ds9", "crtf"):
        raise InputValueError(f"region format must be 'ds9' or 'crtf', got {format!r}")
    if isinstance(regions, Region):
        regions = Regions([regions])
    elif not isinstance(regions, Regions):
        regions = Regions(list(regions))
    if path.exists() and not overwrite:
        raise InputValueError(f"{path} exists; pass overwrite=True to replace it")
    # radii stay in deg with 8 decimals (36 microarcsec): regions' own CRTF reader cannot parse the
    # arcsec (") unit its writer offers
    kwargs = {"coordsys": "icrs", "fmt": ".8f"} if format == "crtf" else {}
    from ..atomic import atomic_path
    with atomic_path(path) as tmp:   # complete or absent, like the other outputs
        regions.write(tmp, format=format, overwrite=True, **kwargs)
    log.debug(f"wrote {len(regions)} region(s) to {path} ({format})")   # the CLI says it once
    return path
