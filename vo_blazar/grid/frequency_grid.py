"""`FrequencyGrid`: the fixed, versioned frequency axis of the network input and the SED encoder.

An SED (the `vo_blazar.sed.table` QTable) becomes an ``(L, C)`` float32 array (``grid.shape``):

* channel 0 -- the cell's flux, scaled to [floor, 1] by the grid's `FluxScaling` (a fixed rule that
  depends only on the SED itself); ``missing_value`` (0.0) where the SED has no point in the cell;
* channel 1 -- 1.0 where the cell's value is an upper limit, else 0.0;
* channel 2, only with the ``"shape_level"`` scaling -- the same cell's flux on the fixed
  ``"absolute"`` scale (the SED's level next to its shape).

Per cell: the highest detected nuFnu wins. A detection always beats an upper limit in the same
cell (channel 1 is then 0); a cell with only upper limits takes the lowest (most constraining)
limit. Each point goes to the nearest cell in log frequency when it lies within ``tolerance_dex``
of it; farther points are dropped and counted in an `EncodingReport`, never silently. Points with
a non-finite frequency or a non-finite or non-positive nuFnu are dropped and counted as well; an
SED with no usable point at all is an `~vo_blazar.exceptions.InputValueError`.

Grids are saved as JSON (frequencies, tolerance, scaling, cell labels, version, SHA-256 checksum of
the frequencies); the default grids ship in ``vo_blazar/data/grids/``.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
from astropy import units as u
from astropy.table import Table

from ..exceptions import InputTypeError, InputValueError, ModelError
from ..logger import log
from ..sed.collection import SEDCollection, _as_hz, sed_arrays  # sed_arrays: re-exported here
from ..bands import GAMMA_LOG_NU   # re-exported: the band boundary is defined in vo_blazar.bands
from .report import EncodingReport
from .scaling import FluxScaling
from ..package_data import data_path

__all__ = ["FrequencyGrid", "GAMMA_LOG_NU", "default_grid", "GRID_FILE_FORMAT"]

GRID_FILE_FORMAT = "vo_blazar.FrequencyGrid/1"
_EXACT_DEX = 1e-6  # a point this close to a cell counts as "on" the cell, not snapped


def _hz(log_nu: np.ndarray) -> np.ndarray:
    # element by element on purpose: numpy's vectorised power uses SIMD kernels (AVX2, AVX-512)
    # whose last bit differs between CPUs, which made the checksum of a shipped grid depend on the
    # machine (every grid failed to load on an AVX-512 machine); scalar libm pow does not
    return np.array([10.0 ** float(x) for x in np.asarray(log_nu, dtype="<f8")], dtype="<f8")


def _checksum(log_nu: np.ndarray) -> str:
    return "sha256:" + hashlib.sha256(_hz(log_nu).tobytes()).hexdigest()


class FrequencyGrid:
    """A fixed, sorted frequency grid with its snapping tolerance and flux-scaling rule.

    Parameters
    ----------
    frequencies : `~astropy.units.Quantity`
        Cell frequencies (any spectral unit); must be distinct once sorted.
    tolerance_dex : float
        A point snaps to the nearest cell when within this many dex of it; else it is dropped.
    scaling : `FluxScaling`, str or dict
        The flux rule (``"absolute"``, ``"shape"`` or ``"shape_level"``, see `vo_blazar.grid.scaling`).
    labels : sequence of str, optional
        One label per cell (e.g. the catalogue bands merged into it).
    name, version : str, optional
        ``version`` defaults to ``"<name>-L<size>-<first 8 hex of the checksum>"``.
    """

    def __init__(self, frequencies: u.Quantity, *, tolerance_dex: float = 0.03,
                 scaling: FluxScaling | str | dict | None = None, labels: Sequence[str] | None = None,
                 name: str = "custom", version: str | None = None, description: str = "") -> None:
        nu = _as_hz(frequencies, "grid frequencies")
        if nu.size < 1 or not np.all(np.isfinite(nu)) or np.any(nu <= 0):
            raise InputValueError("grid frequencies must be finite, positive and at least one")
        order = np.argsort(nu, kind="stable")
        log_nu = np.log10(nu[order])
        if np.any(np.diff(log_nu) <= 0):
            raise InputValueError("grid frequencies must be distinct")
        if not (np.isfinite(tolerance_dex) and tolerance_dex > 0):
            raise InputValueError(f"tolerance_dex must be a positive number of dex, got {tolerance_dex}")
        if scaling is None:
            scaling = FluxScaling()
        elif isinstance(scaling, str):
            scaling = FluxScaling(kind=scaling)
        elif isinstance(scaling, dict):
            scaling = FluxScaling.from_dict(scaling)
        elif not isinstance(scaling, FluxScaling):
            raise InputTypeError("scaling must be a FluxScaling, a kind name or a dict, "
                                 f"got {type(scaling).__name__}")
        if labels is None:
            labels = [""] * nu.size
        labels = [str(labels[i]) for i in order] if len(labels) == nu.size else None
        if labels is None:
            raise InputValueError("labels must have one entry per grid frequency")
        self._log_nu = log_nu
        self._log_nu.setflags(write=False)
        self.tolerance_dex = float(tolerance_dex)
        self.scaling = scaling
        self.labels = tuple(labels)
        self.name = str(name)
        self.checksum = _checksum(log_nu)
        self.version = version or f"{self.name}-L{log_nu.size}-{self.checksum[7:15]}"
        self.description = description

    # ------------------------------------------------------------------ basic properties
    def __len__(self) -> int:
        return int(self._log_nu.size)

    def __repr__(self) -> str:
        return (f"<FrequencyGrid {self.version!r}: {len(self)} cells, log nu {self._log_nu[0]:.2f}.."
                f"{self._log_nu[-1]:.2f}, tolerance {self.tolerance_dex} dex, scaling {self.scaling.kind!r}>")

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, FrequencyGrid) and self.checksum == other.checksum
                and self.tolerance_dex == other.tolerance_dex and self.scaling == other.scaling
                and self.version == other.version)

    __hash__ = None  # mutable-free but compared by content; not meant as a dict key

    @property
    def frequencies(self) -> u.Quantity:
        """Cell frequencies, ascending, in Hz."""
        return (10.0 ** self._log_nu) * u.Hz

    @property
    def log_frequencies(self) -> np.ndarray:
        """log10(cell frequency / Hz)."""
        return self._log_nu.copy()

    @property
    def shape(self) -> tuple[int, int]:
        """Shape of one encoded SED: ``(L, C)``, C = 2 (flux, upper-limit flag) or 3 (and flux level)."""
        return (len(self), self.scaling.channels)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def log_binned(cls, n: int, fmin: u.Quantity, fmax: u.Quantity, *,
                   scaling: FluxScaling | str | None = None,
                   tolerance_dex: float | None = None, name: str | None = None) -> "FrequencyGrid":
        """``n`` cells evenly spaced in log frequency, ``fmin`` and ``fmax`` being the outer cell centres.

        The tolerance defaults to half the cell spacing, so every point between ``fmin`` and ``fmax``
        (and up to half a cell beyond) lands in a cell.
        """
        if not isinstance(n, (int, np.integer)) or n < 2:
            raise InputValueError(f"n must be an integer >= 2, got {n!r}")
        lo, hi = np.log10(_as_hz(fmin, "fmin")[0]), np.log10(_as_hz(fmax, "fmax")[0])
        if not hi > lo:
            raise InputValueError(f"fmax must exceed fmin (got log10 nu {lo:.3f} .. {hi:.3f})")
        log_nu = np.linspace(lo, hi, int(n))
        step = (hi - lo) / (n - 1)
        tol = 0.5 * step * (1 + 1e-9) if tolerance_dex is None else tolerance_dex
        return cls((10.0 ** log_nu) * u.Hz, tolerance_dex=tol, scaling=scaling,
                   labels=[f"logbin{i:03d}" for i in range(n)], name=name or f"logbin{n}")

    @classmethod
    def from_registry(cls, registry: Any = None, *, tolerance_dex: float = 0.03,
                      scaling: FluxScaling | str | None = None, name: str = "registry",
                      exclude: Iterable[str] = ()) -> "FrequencyGrid":
        """The distinct frequencies of the registry's catalogue points (the paper's grid).

        Frequencies closer than ``tolerance_dex`` are merged into one cell (greedy from low to high:
        a cell collects points within ``tolerance_dex`` of its lowest member and sits at their mean
        log frequency), so e.g. SDSS g and Pan-STARRS g share a cell. ``registry`` is any iterable of
        `~vo_blazar.registry.catalogue.Catalogue` (or an object with a ``catalogues`` attribute or
        ``values()``); ``None`` loads the package's default registry. ``exclude`` lists
        ``"catalogue:band"`` points that get no cell (their points stay in the SED but fall off the
        grid, counted in the `EncodingReport`).
        """
        catalogues = _catalogues_of(registry)
        exclude = set(exclude)
        entries = sorted((float(np.log10(p.frequency.to_value(u.Hz, equivalencies=u.spectral()))),
                          f"{c.name}:{p.band}")
                         for c in catalogues for p in c.points if f"{c.name}:{p.band}" not in exclude)
        if not entries:
            raise InputValueError("the registry has no catalogue points to build a grid from")
        cells: list[list[tuple[float, str]]] = []
        for entry in entries:
            if cells and entry[0] - cells[-1][0][0] < tolerance_dex:
                cells[-1].append(entry)
            else:
                cells.append([entry])
        log_nu = np.array([np.mean([e[0] for e in cell]) for cell in cells])
        labels = ["|".join(sorted({e[1] for e in cell})) for cell in cells]
        version = getattr(registry, "version", None)
        grid = cls((10.0 ** log_nu) * u.Hz, tolerance_dex=tolerance_dex, scaling=scaling, labels=labels,
                   name=name, description=f"distinct frequencies of the registry (version {version})")
        return grid

    def without_gamma(self) -> "FrequencyGrid":
        """The same grid restricted to cells with log10(nu / Hz) <= 20 (the no-gamma variant)."""
        keep = self._log_nu <= GAMMA_LOG_NU
        if not keep.any():
            raise InputValueError("this grid has no cell at log nu <= 20")
        name = self.name if self.name.endswith("-nogamma") else f"{self.name}-nogamma"
        return FrequencyGrid((10.0 ** self._log_nu[keep]) * u.Hz, tolerance_dex=self.tolerance_dex,
                             scaling=self.scaling, labels=[lab for lab, k in zip(self.labels, keep) if k],
                             name=name, description=self.description)

    def with_scaling(self, scaling: FluxScaling | str, **params: Any) -> "FrequencyGrid":
        """A copy with another flux scaling (``grid.with_scaling("shape", range_dex=5)``)."""
        if isinstance(scaling, str):
            base = self.scaling if self.scaling.kind == scaling else FluxScaling(kind=scaling)
            scaling = replace(base, kind=scaling, **params)
        name = self.name
        return FrequencyGrid(self.frequencies, tolerance_dex=self.tolerance_dex, scaling=scaling,
                             labels=self.labels, name=name, description=self.description)

    # ------------------------------------------------------------------ snapping
    def cell_index(self, frequency: u.Quantity) -> np.ndarray:
        """Cell of each frequency, or -1 where it is farther than the tolerance from every cell."""
        idx, _, _ = self._snap(np.log10(_as_hz(frequency, "frequency")))
        return idx

    def _snap(self, log_f: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(cell index or -1, |offset| in dex, beyond-range flag) for log10 frequencies."""
        c = self._log_nu
        pos = np.clip(np.searchsorted(c, log_f), 1, max(len(c) - 1, 1))
        if len(c) == 1:
            idx = np.zeros(log_f.shape, dtype=np.int64)
        else:
            left, right = c[pos - 1], c[pos]
            idx = np.where(np.abs(log_f - left) <= np.abs(right - log_f), pos - 1, pos).astype(np.int64)
        dist = np.abs(log_f - c[idx])
        ok = dist <= self.tolerance_dex * (1 + 1e-12)
        beyond = (log_f < c[0] - self.tolerance_dex) | (log_f > c[-1] + self.tolerance_dex)
        return np.where(ok, idx, -1), dist, beyond

    # ------------------------------------------------------------------ encoding
    def encode_points(self, frequency: np.ndarray, nufnu: np.ndarray, upper_limit: np.ndarray,
                      sed_index: np.ndarray, n_seds: int) -> tuple[np.ndarray, EncodingReport]:
        """Encode flat point arrays of many SEDs: the vectorised core of `encode`/`encode_many`.

        Parameters
        ----------
        frequency, nufnu : ndarray
            Hz and erg cm-2 s-1 (plain float arrays; callers convert units first).
        upper_limit : ndarray of bool
        sed_index : ndarray of int
            Which SED (0 .. n_seds-1) each point belongs to.
        n_seds : int

        Returns
        -------
        X : ndarray, shape (n_seds, L, C), float32 (``C = self.shape[1]``)
        report : `EncodingReport`
            With ``report.cells``, the grid cell of each point (-1: dropped).
        """
        frequency = np.asarray(frequency, dtype=np.float64)
        nufnu = np.asarray(nufnu, dtype=np.float64)
        upper_limit = np.asarray(upper_limit, dtype=bool)
        sed_index = np.asarray(sed_index, dtype=np.int64)
        if not (frequency.shape == nufnu.shape == upper_limit.shape == sed_index.shape):
            raise InputValueError("frequency, nufnu, upper_limit and sed_index must have the same shape")
        if sed_index.size and (sed_index.min() < 0 or sed_index.max() >= n_seds):
            raise InputValueError(f"sed_index must lie in 0..{n_seds - 1}")
        L = len(self)
        report = EncodingReport(n_seds=int(n_seds), n_points=int(frequency.size))
        dropped_mask = np.zeros(frequency.size, dtype=bool)

        def drop(mask: np.ndarray, reason: str) -> None:
            mask = mask & ~dropped_mask
            report.dropped[reason] += int(mask.sum())
            dropped_mask[:] |= mask

        drop(~np.isfinite(frequency) | (frequency <= 0), "nonfinite_frequency")
        drop(~np.isfinite(nufnu), "nonfinite_flux")
        with np.errstate(invalid="ignore"):
            drop(nufnu <= 0, "nonpositive_flux")
        valid_before_snap = ~dropped_mask
        with np.errstate(divide="ignore", invalid="ignore"):
            log_f = np.log10(np.where(valid_before_snap, frequency, 1.0))
            log_v = np.log10(np.where(valid_before_snap, nufnu, 1.0))
        cell, dist, beyond = self._snap(log_f)
        off = valid_before_snap & (cell < 0)
        drop(off & beyond, "beyond_range")
        drop(off & ~beyond, "between_cells")
        use = ~dropped_mask
        report.n_used = int(use.sum())
        report.n_snapped = int((use & (dist > _EXACT_DEX)).sum())
        report.max_snap_dex = float(dist[use].max()) if report.n_used else 0.0
        report.dropped_per_sed = np.bincount(sed_index[dropped_mask], minlength=n_seds).astype(np.int64)
        has_any = np.bincount(sed_index[valid_before_snap], minlength=n_seds) > 0
        report.empty = [int(i) for i in np.flatnonzero(~has_any)]
        report.cells = np.where(use, cell, -1)

        key = sed_index[use] * L + cell[use]
        lv, is_ul = log_v[use], upper_limit[use]
        det_max = np.full(n_seds * L, -np.inf)
        np.maximum.at(det_max, key[~is_ul], lv[~is_ul])
        ul_min = np.full(n_seds * L, np.inf)
        np.minimum.at(ul_min, key[is_ul], lv[is_ul])
        det_max = det_max.reshape(n_seds, L)
        ul_min = ul_min.reshape(n_seds, L)
        has_det = np.isfinite(det_max)
        only_ul = np.isfinite(ul_min) & ~has_det  # a detection beats a limit in the same cell
        present = has_det | only_ul
        logval = np.where(has_det, det_max, np.where(only_ul, ul_min, np.nan))
        reference = None
        if self.scaling.anchored:
            ref_det = det_max.max(axis=1)
            ref_ul = np.where(np.isfinite(ul_min), ul_min, -np.inf).max(axis=1)
            reference = np.where(np.isfinite(ref_det), ref_det, ref_ul)
        X = np.empty((n_seds, L, self.scaling.channels), dtype=np.float32)
        X[:, :, 0] = self.scaling.apply(logval, present, reference)
        X[:, :, 1] = only_ul
        if self.scaling.channels == 3:
            X[:, :, 2] = self.scaling.level(logval, present)
        return X, report

    def encode(self, sed: Table, *,
               return_report: bool = False) -> np.ndarray | tuple[np.ndarray, EncodingReport]:
        """Encode one SED as an ``(L, C)`` float32 array (see the module docstring for the rules).

        Raises
        ------
        InputValueError
            Missing or unit-less ``frequency``/``nufnu`` columns, units that do not convert, or an
            SED without any point with finite frequency and finite, positive nuFnu.
        """
        X, report = self.encode_many([sed], return_report=True, on_empty="raise")
        if report.n_used == 0:
            log.warning("no point of this SED falls on grid %s (%s)", self.version, report)
        elif report.n_dropped:
            log.debug("grid %s: %s", self.version, report)   # per-SED detail: DEBUG
        return (X[0], report) if return_report else X[0]

    def encode_many(self, seds: SEDCollection | Iterable[Table], *, return_report: bool = False,
                    on_empty: str = "raise") -> np.ndarray | tuple[np.ndarray, EncodingReport]:
        """Encode many SEDs at once: ``(N, L, C)`` float32.

        ``seds`` is an `~vo_blazar.sed.SEDCollection` (its flat arrays are used as they are) or a
        sequence of SED tables. ``on_empty``: ``"raise"`` (default) raises `InputValueError`
        naming the first SED without any usable point; ``"missing"`` encodes it as all-missing
        and lists it in ``report.empty``.
        """
        if on_empty not in ("raise", "missing"):
            raise InputValueError(f"on_empty must be 'raise' or 'missing', got {on_empty!r}")
        if isinstance(seds, Table):
            raise InputTypeError("encode_many takes a sequence of SED tables; use encode() for one SED")
        if not isinstance(seds, SEDCollection):
            seds = SEDCollection.from_seds(seds)
        X, report = self.encode_points(seds.frequency, seds.nufnu, seds.upper_limit, seds.owner, len(seds))
        if report.empty and on_empty == "raise":
            i = report.empty[0]
            raise InputValueError(
                f"SED #{i} has no usable point: every row lacks a finite frequency or a finite, positive "
                f"nufnu ({seds.lengths[i]} rows); nothing to encode")
        return (X, report) if return_report else X

    # ------------------------------------------------------------------ persistence
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description (the `save` format)."""
        return {
            "format": GRID_FILE_FORMAT,
            "name": self.name,
            "version": self.version,
            "description": self.description,
            "frequencies_hz": [float(f) for f in _hz(self._log_nu)],
            "labels": list(self.labels),
            "tolerance_dex": self.tolerance_dex,
            "scaling": self.scaling.to_dict(),
            "checksum": self.checksum,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "<dict>") -> "FrequencyGrid":
        """Inverse of `to_dict`; checks the format tag and the frequency checksum."""
        try:
            if data.get("format") != GRID_FILE_FORMAT:
                raise ModelError(f"{source}: not a vo_blazar grid file (format {data.get('format')!r}, "
                                 f"expected {GRID_FILE_FORMAT!r})")
            freqs = np.asarray(data["frequencies_hz"], dtype="<f8")
            grid = cls(freqs * u.Hz, tolerance_dex=data["tolerance_dex"], scaling=data["scaling"],
                       labels=data.get("labels"), name=data["name"], version=data["version"],
                       description=data.get("description", ""))
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, ModelError):
                raise
            raise ModelError(f"{source}: malformed grid file ({type(exc).__name__}: {exc})") from exc
        if grid.checksum != data.get("checksum"):
            raise ModelError(f"{source}: frequency checksum mismatch (file says {data.get('checksum')}, "
                             f"frequencies give {grid.checksum}); the grid file is corrupted or was edited")
        return grid

    def save(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write the grid as JSON."""
        path = Path(path)
        if path.exists() and not overwrite:
            raise InputValueError(f"{path} exists; pass overwrite=True to replace it")
        path.write_text(json.dumps(self.to_dict(), indent=1) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> "FrequencyGrid":
        """Read a grid saved by `save`; a missing, unreadable or corrupted file raises `ModelError`."""
        path = Path(path)
        from ..jsonfile import read_json
        data = read_json(path, "grid file")
        if not isinstance(data, dict):
            raise ModelError(f"grid file {path} does not hold a JSON object")
        return cls.from_dict(data, source=str(path))


def _catalogues_of(registry: Any) -> list:
    if registry is None:
        from .. import registry as _registry_pkg  # imported late: the registry package loads YAML
        for attr in ("load_registry", "default_registry"):
            loader = getattr(_registry_pkg, attr, None)
            if callable(loader):
                registry = loader()
                break
        else:
            raise InputValueError("no default registry is available; pass registry= explicitly")
    if hasattr(registry, "catalogues"):
        cats = registry.catalogues
        cats = cats.values() if hasattr(cats, "values") else cats
    elif hasattr(registry, "values") and callable(registry.values):
        cats = registry.values()
    else:
        cats = registry
    cats = list(cats)
    if not all(hasattr(c, "points") and hasattr(c, "name") for c in cats):
        raise InputTypeError("registry must yield Catalogue records (with .name and .points)")
    return cats


#: Folder of the shipped grid files (plain path: importlib.resources trips over editable installs).
GRIDS_DIR = data_path("grids")
_DEFAULT_GRIDS = {"gamma": "registry.json", "nogamma": "registry-nogamma.json"}


def default_grid(variant: str = "gamma") -> FrequencyGrid:
    """The shipped grid: ``"gamma"`` (all registry frequencies) or ``"nogamma"`` (log nu <= 20)."""
    if variant not in _DEFAULT_GRIDS:
        raise InputValueError(f"variant must be one of {sorted(_DEFAULT_GRIDS)}, got {variant!r}")
    return FrequencyGrid.load(GRIDS_DIR / _DEFAULT_GRIDS[variant])
