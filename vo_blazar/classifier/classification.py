"""``classify`` / ``classify_sed``: SED Tables in, one result row per source out.

``classify(coord)`` = the pipeline's `~vo_blazar.sed.SEDCollection` (`~vo_blazar.pipeline.build_seds`)
+ `classify_sed`. The network variant follows the data unless forced: an SED with a gamma-ray
detection (log nu > 20) goes to the model trained with gamma rays, any other SED to the model
trained without them, and the row says which.
No probability is ever reported silently: a row whose SED has no usable point carries NaN and the
reason in ``warnings``; sparse or unusual SEDs carry a warning next to their probability.
"""
from __future__ import annotations

import threading
from datetime import datetime, timezone
from typing import Iterable, Sequence

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import MaskedColumn, Table

from .. import __version__
from ..exceptions import InputTypeError, InputValueError
from ..bands import WAVEBANDS
from ..grid.frequency_grid import GAMMA_LOG_NU
from ..pipeline import _build_seds, check_coordinates, check_radius
from ..sed.collection import SEDCollection
from .reliability import (MAX_RELIABLE_SPREAD, MIN_PATTERN_SEDS, MIN_POINTS,
                          MIN_RELIABLE_DETECTIONS, ir_optical_warning, one_class_warnings, sparse_warning,
                          waveband_coverage)
from .result import RESULT_COLUMNS, ClassificationResult

__all__ = ["classify", "classify_sed", "ClassificationResult", "get_ensemble", "GAMMA_LOG_NU",
           "MIN_POINTS", "MIN_RELIABLE_DETECTIONS", "MIN_PATTERN_SEDS", "MAX_RELIABLE_SPREAD",
           "RESULT_COLUMNS", "waveband_coverage"]





_ENSEMBLES: dict = {}
_ENSEMBLES_LOCK = threading.Lock()


def get_ensemble(variant: str):
    """The shipped fold ensemble of a variant, loaded once per process (ONNX Runtime, or Keras
    safe mode with the train extra); threads asking at the same time wait for the one load."""
    with _ENSEMBLES_LOCK:
        if variant not in _ENSEMBLES:
            from ..model.ensemble import load_ensemble
            _ENSEMBLES[variant] = load_ensemble(variant)
        return _ENSEMBLES[variant]


def _point_names(seds: SEDCollection, i: int, positions: np.ndarray) -> str:
    """"catalogue band" of SED ``i``'s rows at ``positions``, each name once; a user's plain
    frequency/nufnu table has neither column, so its points are named by frequency."""
    sed = seds[i]
    if "catalog" not in sed.colnames and "band" not in sed.colnames:
        freq = seds.frequency[seds.offsets[i]:seds.offsets[i + 1]]
        return ", ".join(dict.fromkeys(f"{f:.4g} Hz" for f in freq[positions]))
    n = len(sed)
    cats = np.asarray(sed["catalog"]) if "catalog" in sed.colnames else np.full(n, "")
    bands = np.asarray(sed["band"]) if "band" in sed.colnames else np.full(n, "")
    return ", ".join(dict.fromkeys(f"{c} {b}".strip() for c, b in zip(cats[positions], bands[positions])))


def _sed_position(meta: dict) -> tuple[float, float]:
    target = meta.get("target") if meta else None
    if not isinstance(target, SkyCoord):
        return np.nan, np.nan
    frame = target.frame if target.frame.name == "icrs" else target.icrs.frame
    data = frame.data
    if hasattr(data, "lon"):
        # the stored spherical angles: ``.ra`` would build a new representation per call (~0.5 ms,
        # more than the network's share of a large batch)
        lon, lat = data.lon, data.lat
        if lon.unit is u.deg and lat.unit is u.deg:
            return float(lon.value), float(lat.value)
        return float(lon.deg), float(lat.deg)
    return float(frame.spherical.lon.deg), float(frame.spherical.lat.deg)


def _model_provenance(ensemble) -> dict:
    """What identifies a model in a result's metadata: the card's training date and grid, the
    threshold, the number of folds and the runtime."""
    card = ensemble.card
    return {"trained": card.created, "grid_version": card.grid_version, "threshold": float(card.threshold),
            "n_folds": len(ensemble), "runtime": ensemble.runtime}


def classify_sed(sed_or_seds, *, gamma: bool | None = None,
                 ensembles: dict | None = None) -> ClassificationResult:
    """Classify SED Tables made anywhere (this package, a VOU-Blazars file, a user's table).

    Parameters
    ----------
    sed_or_seds : `~vo_blazar.sed.SEDCollection`, `~astropy.table.Table` or sequence of Tables
        Each SED needs ``frequency`` and ``nufnu`` with units (see `vo_blazar.sed.as_sed`); a
        collection is used as it is, a table or a sequence is wrapped in one first.
    gamma : bool, optional
        Force the model with (True) or without (False) gamma rays; by default each SED goes to
        the gamma model when it has a gamma-ray detection (log nu > 20), else to the no-gamma model.
    ensembles : dict, optional
        ``{"gamma": Ensemble, "nogamma": Ensemble}`` to use instead of the shipped models.

    Returns
    -------
    result : `ClassificationResult`
        One row per SED: ``ra``, ``dec`` (from ``meta["target"]`` when known), ``p_blazar``
        (fold-ensemble mean), ``p_blazar_std``, ``is_blazar`` (at the model's threshold),
        ``threshold``, ``model``, ``n_points``, ``n_upper_limits``, ``bands``, ``warnings``;
        ``result.seds`` is the `~vo_blazar.sed.SEDCollection` (it follows the rows when the
        result is sliced). ``meta`` records what answered: ``models`` (per variant used: training
        date, grid version, threshold, folds, runtime), ``vo_blazar_version`` and ``classified``
        (UTC); these are written with the table.
    """
    if isinstance(sed_or_seds, SEDCollection):
        seds = sed_or_seds
    elif isinstance(sed_or_seds, Table):
        seds = SEDCollection.from_seds([sed_or_seds])
    elif isinstance(sed_or_seds, Iterable) and not isinstance(sed_or_seds, (str, bytes)):
        seds = SEDCollection.from_seds(sed_or_seds)
    else:
        raise InputTypeError(f"expected an SED Table or a sequence of them, got {type(sed_or_seds).__name__}")
    if not len(seds):
        raise InputValueError("expected at least one SED, got an empty sequence")
    n = len(seds)
    ensembles = ensembles or {}

    # The collection's flat point arrays (plain floats in Hz and erg/cm2/s, made once): per-SED
    # Quantity arithmetic would cost more than the network itself on large batches.
    freq, flux, ul, owner = seds.frequency, seds.nufnu, seds.upper_limit, seds.owner
    start, stop = seds.offsets[:-1], seds.offsets[1:]   # each SED's rows in the flat arrays
    with np.errstate(invalid="ignore", divide="ignore"):
        good = np.isfinite(freq) & (freq > 0) & np.isfinite(flux) & (flux > 0)
        lognu = np.where(good, np.log10(np.where(good, freq, 1.0)), np.nan)
    detected = good & ~ul
    n_points = np.bincount(owner[detected], minlength=n)
    n_ul = np.bincount(owner[good & ul], minlength=n)
    gamma_det = np.bincount(owner[detected & (lognu > GAMMA_LOG_NU)], minlength=n) > 0
    has_gamma = np.bincount(owner[good & (lognu > GAMMA_LOG_NU)], minlength=n) > 0
    present, bands = waveband_coverage(lognu[good], owner[good], n)
    ir_optical = [WAVEBANDS.index("ir"), WAVEBANDS.index("optical")]
    ir_optical_only = present[:, ir_optical].any(axis=1) & ~np.delete(present, ir_optical, axis=1).any(axis=1)
    if gamma is None:
        variant = np.where(gamma_det, "gamma", "nogamma").astype("U8")
    else:
        variant = np.full(n, "gamma" if gamma else "nogamma", dtype="U8")

    p = np.full(n, np.nan)
    p_std = np.full(n, np.nan)
    threshold = np.full(n, np.nan)
    warnings_: list[list[str]] = [[] for _ in range(n)]
    unreliable_: list[list[str]] = [[] for _ in range(n)]   # why the model cannot know
    for i, meta in enumerate(seds.meta):
        for cat, reason in ((meta or {}).get("failures") or {}).items():
            warnings_[i].append(f"catalogue {cat} failed ({str(reason).split(':')[0]})")
        if n_points[i] + n_ul[i] == 0:
            warnings_[i].append("no usable photometry (no point with finite, positive flux): not classified")
        elif n_points[i] == 0:
            warnings_[i].append("only upper limits: not classified")

    used: dict[str, dict] = {}   # the models that gave a probability, for the result's provenance
    for name in ("gamma", "nogamma"):
        rows = np.flatnonzero((n_points > 0) & (variant == name))
        if rows.size == 0:
            continue
        ensemble = ensembles.get(name) or get_ensemble(name)
        used[name] = _model_provenance(ensemble)
        local = np.full(n, -1, np.int64)
        local[rows] = np.arange(rows.size)
        take = local[owner] >= 0
        X, report = ensemble.grid.encode_points(freq[take], flux[take], ul[take], local[owner[take]],
                                                rows.size)
        # usable points on no grid cell (e.g. PanSTARRS y, left out of the shipped grids), named
        # below; the encoder's own snapping (report.cells) says which, the points are not snapped twice
        off_grid = np.zeros(freq.size, bool)
        off_grid[take] = good[take] & (report.cells < 0)
        if name == "nogamma":
            # gamma-ray points (detections or survey limits) lie beyond the no-gamma model by design:
            # not "off the grid", and said separately where the model choice was forced
            off_grid &= ~(lognu > GAMMA_LOG_NU)
        n_off_grid = np.bincount(owner[off_grid], minlength=n)
        # what the network really sees: points on a grid cell (report.empty counts points before
        # snapping, so an SED of off-grid points alone got a probability from an all-empty input)
        on_grid = take & good & ~off_grid
        n_on_grid = np.bincount(owner[on_grid], minlength=n)
        n_on_grid_detected = np.bincount(owner[on_grid & ~ul], minlength=n)
        mean, std = ensemble.predict(X)
        unusual = ensemble.unusual_cells(X)
        one_class = one_class_warnings(ensemble, X)
        ir_optical_note = ir_optical_warning(ensemble)   # the same text for every such row
        patterns = ensemble.card.coverage_patterns   # {bands text: training SEDs}; None: unknown
        sparse_note = sparse_warning(ensemble)
        empty = set(report.empty)
        for k, i in enumerate(rows):
            if k in empty or n_on_grid_detected[i] == 0:
                warnings_[i].append("no point falls on the model's frequency grid: not classified"
                                    if k in empty or n_on_grid[i] == 0 else
                                    "only upper limits on the model's frequency grid: not classified")
                if n_off_grid[i]:
                    mine = np.flatnonzero(off_grid[start[i]:stop[i]])
                    warnings_[i].append(f"{n_off_grid[i]} point(s) off the model grid "
                                        f"({_point_names(seds, i, mine)})")
                continue
            p[i], p_std[i], threshold[i] = mean[k], std[k], ensemble.threshold
            if n_on_grid_detected[i] < MIN_RELIABLE_DETECTIONS:
                unreliable_[i].append(f"{n_on_grid_detected[i]} detection on the model grid")
            if unusual[k]:
                unreliable_[i].append(f"outside the training range ({unusual[k]})")
            if std[k] > MAX_RELIABLE_SPREAD:
                unreliable_[i].append(f"the fold models disagree (spread {std[k]:.2f})")
            seen = patterns.get(bands[i], 0) if patterns is not None else None
            if seen is not None and seen < MIN_PATTERN_SEDS:
                unreliable_[i].append(f"coverage {bands[i]!r} seen for {seen} training SEDs only")
            if n_points[i] < MIN_POINTS:
                warnings_[i].append(f"sparse SED ({n_points[i]} detections): low confidence{sparse_note}")
            dropped = int(report.dropped_per_sed[k])
            if n_off_grid[i]:
                mine = np.flatnonzero(off_grid[start[i]:stop[i]])
                warnings_[i].append(f"{n_off_grid[i]} point(s) off the model grid were ignored "
                                    f"({_point_names(seds, i, mine)})")
            if dropped > n_off_grid[i]:
                warnings_[i].append(f"{dropped - n_off_grid[i]} point(s) without a finite, positive frequency "
                                    "and flux were ignored")
            if name == "nogamma" and gamma is False and has_gamma[i]:
                warnings_[i].append("gamma-ray points ignored (no-gamma model forced)")
            if ir_optical_only[i]:
                warnings_[i].append(ir_optical_note)
            if one_class[k]:
                warnings_[i].append(one_class[k])

    is_blazar = np.where(np.isfinite(p), p >= np.nan_to_num(threshold, nan=np.inf), False)
    for i in np.flatnonzero(~np.isfinite(p)):
        unreliable_[i].insert(0, "not classified")
    reliable = np.array([not r for r in unreliable_], bool)
    ra, dec = np.array([_sed_position(m) for m in seds.meta]).T
    result = ClassificationResult(
        {"ra": ra * u.deg, "dec": dec * u.deg, "p_blazar": p, "p_blazar_std": p_std, "is_blazar": is_blazar,
         "reliable": reliable, "reliability": np.array(["; ".join(r) for r in unreliable_], dtype=object),
         "threshold": threshold, "model": variant, "n_points": n_points, "n_upper_limits": n_ul,
         "bands": np.array(bands, dtype="U64"),
         "warnings": np.array(["; ".join(w) for w in warnings_], dtype=object)})
    result.meta["seds"] = seds  # set after construction: Table(meta=...) would deep-copy every SED
    # what answered, kept when the table is written (ECSV/VOTable/FITS carry it as metadata)
    result.meta["vo_blazar_version"] = __version__
    result.meta["classified"] = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    result.meta["models"] = used
    result["warnings"] = result["warnings"].astype(str)
    result["reliability"] = result["reliability"].astype(str)
    # a label the model cannot stand behind is no label: masked, with the reason in ``reliability``
    result["is_blazar"] = MaskedColumn(is_blazar, mask=~reliable, name="is_blazar")
    result["is_blazar"].description = "p_blazar >= threshold; masked where reliable is False"
    result["reliable"].description = ("False where the model cannot know: not classified, fewer than "
                                      f"{MIN_RELIABLE_DETECTIONS} detections on its grid, an SED outside the "
                                      "training range, a coverage pattern (almost) absent from training, "
                                      f"or fold models that disagree (spread > {MAX_RELIABLE_SPREAD})")
    result["p_blazar"].description = "fold-ensemble mean probability of being a blazar"
    result["p_blazar_std"].description = "standard deviation of p_blazar over the fold models"
    result["model"].description = "network variant: gamma (trained with gamma rays) or nogamma"
    return result


def classify(coord: SkyCoord, *, radius: u.Quantity | None = None, gamma: bool | None = None,
             offline: bool | None = None, catalogs: Sequence[str] | None = None,
             cache: bool = True) -> ClassificationResult:
    """Is the source at ``coord`` a blazar?

    Parameters
    ----------
    coord : `~astropy.coordinates.SkyCoord`
        One position or an array of positions, in any frame.
    radius : `~astropy.units.Quantity`, optional
        Cone radius for the SED (default 15 arcsec).
    gamma : bool, optional
        Force the model with/without gamma rays (default: follow the data, see `classify_sed`).
    offline : bool, optional
        Build the SEDs from the embedded offline snapshot.
    catalogs : list of str, optional
        Registry catalogues to query (default all).
    cache : bool
        Use the caches: VO answers on disk, SEDs already built in this session in memory.

    Returns
    -------
    result : `ClassificationResult`
        One row per position, in input order (see `classify_sed`); ``result.seds[i]`` is the SED.
        ``meta`` adds ``radius``, ``offline`` and the ``registry_version`` the SEDs were built with.

    Examples
    --------
    >>> from astropy.coordinates import SkyCoord
    >>> import vo_blazar
    >>> vo_blazar.classify(SkyCoord(77.35818, 5.69315, unit="deg"), offline=True)  # doctest: +SKIP
    """
    flat = check_coordinates(coord, scalar=False).reshape((-1,))   # ICRS, one row per position
    # the pipeline's SEDCollection as it is (one stacked table, validated arguments): never split
    # into n tables and joined again
    seds = _build_seds(flat, check_radius(radius), catalogs=catalogs, offline=offline, cache=cache)
    result = classify_sed(seds, gamma=gamma)
    # report the position as given (ICRS), even where the SED has no target in meta
    result["ra"] = flat.ra.deg * u.deg
    result["dec"] = flat.dec.deg * u.deg
    result.meta["radius"] = seds.meta[0]["radius"]
    result.meta["offline"] = seds.meta[0]["offline"]
    result.meta["registry_version"] = seds.meta[0].get("registry_version")
    return result
