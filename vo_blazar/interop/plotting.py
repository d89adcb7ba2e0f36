"""SED and saliency plots with matplotlib.

Nothing here touches ``matplotlib.pyplot``: figures are `matplotlib.figure.Figure` objects, so the
functions work under any backend (Agg on a cluster node) and leave no global figure state behind.
Each plotting function draws on the ``ax`` it is given, or on a new figure, and returns the Axes
(``ax.figure`` is the figure).

Artists carry a ``gid`` so that code (and tests) can find them: ``detections:<catalogue>``,
``upper_limits:<catalogue>``, ``upper_limit_arrow`` and ``saliency``.
"""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
from astropy import constants as const
from astropy import units as u
from astropy.table import Table
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..exceptions import InputTypeError, InputValueError, VOBlazarWarning
from ..logger import log
from ..sed.table import NUFNU_UNIT, as_sed

__all__ = ["plot_sed", "plot_saliency", "save_sed_plot", "catalog_colors"]

XLABEL = r"$\log_{10}(\nu\ /\ \mathrm{Hz})$"
YLABEL = r"$\log_{10}(\nu F_\nu\ /\ \mathrm{erg\ cm^{-2}\ s^{-1}})$"
TOPLABEL = r"$\log_{10}(E\ /\ \mathrm{eV})$"
#: length of the upper-limit arrows, in dex
ARROW_DEX = 0.35
#: log10(h / eV s): log10(E/eV) = log10(nu/Hz) + this
_LOG_H_EV = float(np.log10(const.h.to_value(u.eV * u.s)))


def _new_axes(figsize: tuple[float, float] = (7.0, 4.5)) -> Axes:
    fig = Figure(figsize=figsize, layout="constrained")
    return fig.add_subplot()


def catalog_colors(catalogs: Any) -> dict[str, Any]:
    """A stable colour per catalogue name (tab20, in the order given)."""
    cmap = colormaps["tab20"]
    names = list(dict.fromkeys(str(c) for c in catalogs))
    # even entries first: tab20's odd entries are light versions of the even ones
    order = list(range(0, 20, 2)) + list(range(1, 20, 2))
    return {name: cmap(order[i % 20]) for i, name in enumerate(names)}


def _format_title(sed: Table, title: str | None, p_blazar: float | None) -> str:
    if title is None:
        target = sed.meta.get("target") if sed.meta else None
        if target is not None and getattr(target, "isscalar", False):
            icrs = target.icrs
            title = f"RA {icrs.ra.deg:.5f}, Dec {icrs.dec.deg:+.5f}"
        else:
            title = ""
    if p_blazar is not None:
        p = float(p_blazar)
        if not np.isfinite(p) or not 0 <= p <= 1:
            raise InputValueError(f"p_blazar must be a probability in [0, 1], got {p_blazar}")
        title = f"{title}  (p_blazar = {p:.2f})" if title else f"p_blazar = {p:.2f}"
    return title


def plot_sed(sed: Table, *, ax: Axes | None = None, title: str | None = None,
             p_blazar: float | None = None, energy_axis: bool = True, legend: bool = True) -> Axes:
    """Plot an SED: log10 nu against log10 nuFnu, one colour per catalogue.

    Parameters
    ----------
    sed : `~astropy.table.Table`
        An SED (see `vo_blazar.sed.table`); needs ``frequency`` and ``nufnu`` with units; uses
        ``nufnu_err``, ``upper_limit`` and ``catalog`` when present.
    ax : `~matplotlib.axes.Axes`, optional
        Where to draw; default a new `~matplotlib.figure.Figure` (no pyplot).
    title : str, optional
        Default: the target position from ``sed.meta['target']``.
    p_blazar : float, optional
        Shown in the title.
    energy_axis : bool
        Add a top axis in log10(E / eV).
    legend : bool
        Draw the catalogue legend.

    Returns
    -------
    `~matplotlib.axes.Axes`
        Detections are error-bar markers, upper limits a bar with a downward arrow of
        ``ARROW_DEX`` dex. Points that cannot go on a log axis (NaN, <= 0) are left out with a
        `~vo_blazar.exceptions.VOBlazarWarning` that counts them.
    """
    sed = as_sed(sed)  # unit checks and conversion to Hz / erg cm-2 s-1, with clear errors
    nu = sed["frequency"].to_value(u.Hz)
    f = sed["nufnu"].to_value(NUFNU_UNIT)
    err = sed["nufnu_err"].to_value(NUFNU_UNIT)
    ul = np.asarray(sed["upper_limit"], dtype=bool)
    cats = np.array([str(c) or "unknown" for c in sed["catalog"]])

    good = np.isfinite(nu) & (nu > 0) & np.isfinite(f) & (f > 0)
    if not good.any():
        raise InputValueError(f"the SED has no point with finite, positive frequency and nufnu "
                              f"({len(sed)} rows); nothing to plot")
    if not good.all():
        warnings.warn(f"{np.count_nonzero(~good)} of {len(sed)} SED points have non-finite or non-positive "
                      "frequency/nufnu and are not plotted", VOBlazarWarning)
    x, y = np.log10(nu[good]), np.log10(f[good])
    err, ul, cats = err[good], ul[good], cats[good]
    # asymmetric errors in log space; a lower error reaching zero flux is drawn as long as the upper one
    with np.errstate(invalid="ignore", divide="ignore"):
        hi = np.log10(f[good] + err) - y
        lo = y - np.log10(f[good] - err)
    hi = np.where(np.isfinite(hi) & (err > 0), hi, 0.0)
    lo = np.where(np.isfinite(lo), lo, hi)
    lo = np.where(err > 0, lo, 0.0)

    if ax is None:
        ax = _new_axes()
    colors = catalog_colors(cats)
    for cat, color in colors.items():
        det = (cats == cat) & ~ul
        lim = (cats == cat) & ul
        label = cat
        if det.any():
            cont = ax.errorbar(x[det], y[det], yerr=[lo[det], hi[det]], fmt="o", ms=5, color=color,
                               ecolor=color, elinewidth=1, capsize=0, label=label)
            cont.lines[0].set_gid(f"detections:{cat}")
            label = None  # one legend entry per catalogue
        if lim.any():
            line, = ax.plot(x[lim], y[lim], ls="none", marker="_", ms=10, mew=1.5, color=color, label=label)
            line.set_gid(f"upper_limits:{cat}")
            for xi, yi in zip(x[lim], y[lim]):
                ax.annotate("", xy=(xi, yi - ARROW_DEX), xytext=(xi, yi),
                            arrowprops={"arrowstyle": "-|>", "color": color, "lw": 1.2,
                                        "shrinkA": 0, "shrinkB": 0, "mutation_scale": 8},
                            gid="upper_limit_arrow")
    # annotations do not take part in autoscaling: leave room for the arrows
    ymin = min(y.min(), (y[ul] - ARROW_DEX).min() if ul.any() else y.min()) - 0.2
    ymax = y.max() + 0.5
    ax.set_ylim(ymin, ymax)
    ax.set_xlabel(XLABEL)
    ax.set_ylabel(YLABEL)
    ax.set_title(_format_title(sed, title, p_blazar))
    ax.grid(True, alpha=0.3)
    if energy_axis:
        top = ax.secondary_xaxis("top", functions=(lambda v: v + _LOG_H_EV, lambda v: v - _LOG_H_EV))
        top.set_xlabel(TOPLABEL)
    if legend:
        ax.legend(fontsize="small", ncols=2 if len(colors) > 6 else 1, loc="best", frameon=False)
    return ax


def _saliency_per_frequency(saliency: Any, n: int) -> np.ndarray:
    s = np.asarray(saliency, dtype=float)
    if s.ndim == 2:  # (frequency, channel): total attribution per grid frequency
        s = np.abs(s).sum(axis=1)
    if s.ndim != 1 or len(s) != n:
        raise InputValueError(f"saliency must have one value per grid frequency ({n}) "
                              f"or shape ({n}, channels); "
                              f"got shape {np.shape(saliency)}")
    if not np.all(np.isfinite(s)):
        raise InputValueError("saliency has non-finite values at grid indices "
                              f"{np.flatnonzero(~np.isfinite(s)).tolist()}")
    return s


def plot_saliency(grid_frequencies: u.Quantity, saliency: Any, sed: Table | None = None, *,
                  ax: Axes | None = None, title: str | None = None, p_blazar: float | None = None) -> Axes:
    """Show where in frequency the classifier looked: saliency per grid frequency.

    Parameters
    ----------
    grid_frequencies : `~astropy.units.Quantity`
        The classifier's frequency grid (any spectral unit: Hz, m, eV).
    saliency : array-like
        One value per grid frequency, or ``(n_frequency, n_channel)``, summed as absolute values.
    sed : `~astropy.table.Table`, optional
        When given, the SED is drawn (see `plot_sed`) and the saliency shown as bars on a right-hand
        axis over it; otherwise the saliency alone.
    ax, title, p_blazar
        As in `plot_sed`.

    Returns
    -------
    `~matplotlib.axes.Axes`
        The axes holding the SED (or the saliency when no SED is given).
    """
    if not isinstance(grid_frequencies, u.Quantity):
        raise InputTypeError("grid_frequencies must be a Quantity with a spectral unit (Hz, m, eV), got "
                             f"{type(grid_frequencies).__name__}")
    try:
        nu = np.atleast_1d(grid_frequencies.to_value(u.Hz, equivalencies=u.spectral()))
    except u.UnitConversionError as exc:
        raise InputValueError(f"grid_frequencies has unit {grid_frequencies.unit}, "
                              "not a spectral unit") from exc
    if nu.ndim != 1 or not np.all(np.isfinite(nu) & (nu > 0)):
        raise InputValueError("grid_frequencies must be a 1-D array of finite, positive frequencies")
    s = _saliency_per_frequency(saliency, len(nu))
    x = np.log10(nu)
    order = np.argsort(x)
    x, s = x[order], s[order]
    width = 0.8 * np.gradient(x) if len(x) > 1 else np.array([0.2])

    if ax is None:
        ax = _new_axes()
    if sed is not None:
        plot_sed(sed, ax=ax, title=title, p_blazar=p_blazar)
        target = ax.twinx()
        target.set_zorder(ax.get_zorder() - 1)  # bars behind the SED points
        ax.patch.set_visible(False)
    else:
        target = ax
        ax.set_xlabel(XLABEL)
        ax.set_title(_format_title(Table(), title, p_blazar))
    bars = target.bar(x, s, width=width, color="0.6", alpha=0.45, label="saliency", align="center")
    for patch in bars.patches:
        patch.set_gid("saliency")
    target.set_ylabel("saliency")
    if sed is None:
        target.set_xlim(x.min() - width[0], x.max() + width[-1])
    log.debug(f"saliency over {len(x)} grid frequencies, max at log nu = {x[np.argmax(s)]:.2f}")
    return ax


def save_sed_plot(sed: Table, path: str | Path, *, p_blazar: float | None = None, title: str | None = None,
                  saliency: Any = None, grid_frequencies: u.Quantity | None = None, dpi: int = 150,
                  figsize: tuple[float, float] = (7.0, 4.5)) -> Path:
    """Plot an SED (optionally with saliency) and write it to ``path`` (format from the suffix).

    Returns the path written. Uses a fresh `~matplotlib.figure.Figure`, closed with the call.
    """
    path = Path(path)
    fig = Figure(figsize=figsize, layout="constrained")
    fmt = path.suffix.lower().lstrip(".")
    supported = fig.canvas.get_supported_filetypes()
    if fmt not in supported:
        raise InputValueError(f"cannot write a plot as {path.suffix!r}; use one of "
                              f"{sorted('.' + k for k in supported)}")
    ax = fig.add_subplot()
    if saliency is not None or grid_frequencies is not None:
        if saliency is None or grid_frequencies is None:
            raise InputValueError("give both saliency and grid_frequencies, or neither")
        plot_saliency(grid_frequencies, saliency, sed, ax=ax, title=title, p_blazar=p_blazar)
    else:
        plot_sed(sed, ax=ax, title=title, p_blazar=p_blazar)
    fig.savefig(path, dpi=dpi)
    log.debug(f"SED plot written to {path}")
    return path
