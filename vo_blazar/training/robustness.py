"""Cross-validated accuracy where band coverage says nothing about the class.

In the training catalogues coverage nearly gives the label away (radio almost only for blazars,
exactly the twelve IR-optical bands almost only for SDSS quasars). This module asks the shipped
fold models the questions a user meets in practice, each on SEDs the answering model never saw:

* every labelled source *as catalogued*, by the catalogue it was labelled from;
* the same sources *seen only by AllWISE and SDSS* (a blazar observed by IR and optical surveys
  only -- the SDSS quasars' own coverage);
* the same sources with *IR and optical points only*, from every catalogue (the blazars keep
  PanSTARRS and Gaia points that most non-blazar files of the snapshot do not carry: the
  contrast with the previous view measures how much that coverage difference still decides);
* the same sources *without radio and mm points* (log nu < 12 removed);
* the same sources *with radio and mm points only* (e.g. a radio-loud quasar with its NVSS point).

Each variant answers every view; the *routed* table answers each view as `vo_blazar.classify`
does (the gamma model when the view keeps a gamma-ray point, else the no-gamma model), which is
what a user gets. On the same-coverage subset (all twelve shared IR-optical bands, encoded with
those bands only) the module also reports the ROC AUC per blazar class and per non-blazar origin:
which sources the shape alone fails to separate. The command also refreshes the card entries
measured after training: the sparsest-10 % composition and the known limits built from these
tables.

Each source is predicted by the fold model whose test part held it, at that fold's threshold (as
in the cross-validation). The folds are re-derived from the model card's seed, and the per-fold
ROC AUC of the as-catalogued view is checked against the card before anything is reported.

Run ``python -m vo_blazar.training.robustness`` to add the tables to the shipped model cards (and
regenerate ``docs/model_card.rst`` with ``vo-blazar train --docs-only``).
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from astropy import units as u
from astropy.table import Table
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from .archive import encode_archive_points, load_archive, same_coverage
from ..bands import GAMMA_LOG_NU, POINT_BANDS, RADIO_MAX_LOG_NU
from ..exceptions import ModelError
from ..model.card import ALLWISE_SDSS_VIEW, CoverageRow, coverage_share, read_card
from ..model.ensemble import CARD_NAME, MODELS_DIR, VARIANTS, load_ensemble
from .card import known_limits, sparsest_within_1sigma, write_card
from .evaluation import auc_by_group, sparsest_mask

__all__ = ["VIEWS", "HARD_NEGATIVES", "coverage_robustness", "same_coverage_by_group", "one_class_cells",
           "coverage_pattern_counts", "population_table", "main"]

#: Upper edge of the optical band (log10 Hz; 3000 Angstrom), as in `vo_blazar.classify`'s band names.
IR_OPTICAL_MAX_LOG_NU = POINT_BANDS.upper_edge("optical")
#: Name of each view -> which points of a source it keeps (a function of the points table).
VIEWS = {
    "as catalogued": lambda pts, lognu: np.ones(len(pts), bool),
    ALLWISE_SDSS_VIEW: lambda pts, lognu: np.isin(np.asarray(pts["catalog"]).astype(str),
                                                  ["AllWISE", "SDSS"]),
    "IR + optical only": lambda pts, lognu: (lognu >= RADIO_MAX_LOG_NU) & (lognu < IR_OPTICAL_MAX_LOG_NU),
    "radio and mm removed": lambda pts, lognu: lognu >= RADIO_MAX_LOG_NU,
    "radio and mm only": lambda pts, lognu: lognu < RADIO_MAX_LOG_NU,
}
_AUC_TOLERANCE = 1e-4   # same weights, same inputs: only float summation order may differ


def _encode(grid, sources, points, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(X of every source, which sources have at least one point on the grid) for the kept points."""
    pts = points[keep]
    X, _, used = encode_archive_points(grid, pts, np.asarray(pts["source"]), len(sources))
    return X, used > 0


def _out_of_fold(p_folds: np.ndarray, fold_of: np.ndarray) -> np.ndarray:
    """Each row's probability from the fold model that did not train on it (``p_folds``: (n_folds, N))."""
    return p_folds[fold_of, np.arange(p_folds.shape[1])]


@dataclass
class _Trained:
    """One variant's fold ensemble, the archive it was trained on, and each source's test fold."""

    variant: str
    ensemble: Any
    sources: Table
    points: Table
    lognu: np.ndarray       # log10 frequency (Hz) of every point
    X: np.ndarray           # every source as catalogued, on the ensemble's grid
    trained: np.ndarray     # sources with a point on the grid: the training rows
    fold_of: np.ndarray     # test fold of each source, -1 when it was not a training row

    @property
    def labels(self) -> np.ndarray:
        return np.asarray(self.sources["label"], int)


def _load(variant: str, directory: str | Path | None, archive: str | Path | None) -> _Trained:
    """Load a variant's ensemble and archive and re-derive the card's folds."""
    ensemble = load_ensemble(variant, directory=directory)
    card = ensemble.card
    sources, points = load_archive(archive)
    lognu = np.log10(points["frequency"].to_value(u.Hz))
    # the training rows: every source with a point on the grid, in archive order (load_training_arrays)
    X, trained = _encode(ensemble.grid, sources, points, VIEWS["as catalogued"](points, lognu))
    rows = np.flatnonzero(trained)
    skf = StratifiedKFold(n_splits=card.n_folds, shuffle=True, random_state=card.seed)
    fold_of = np.full(len(sources), -1)
    for k, (_, te) in enumerate(skf.split(np.zeros(rows.size), np.asarray(sources["label"], int)[rows])):
        fold_of[rows[te]] = k
    return _Trained(variant, ensemble, sources, points, lognu, X, trained, fold_of)


def coverage_robustness(variant: str = "gamma", *, directory: str | Path | None = None,
                        archive: str | Path | None = None) -> list[dict[str, Any]]:
    """Out-of-fold fraction classified as blazar, per view and label origin.

    Parameters
    ----------
    variant : {"gamma", "nogamma"}
    directory : path, optional
        Model folder (default: the shipped one of ``variant``).
    archive : path, optional
        The SED archive the models were trained on (default: the shipped one).

    Returns
    -------
    list of dict
        One row per (view, origin) with at least one source: ``view``, ``origin``, ``label``
        (1 blazar, 0 non-blazar), ``n``, ``classified_blazar`` (fraction), ``correct``
        (fraction) and ``mean_p``.

    Raises
    ------
    ModelError
        When the re-derived folds do not reproduce the card's per-fold ROC AUC (the archive or
        the models are not the ones the card describes).
    """
    return _coverage_rows(_load(variant, directory, archive))


def _view_predictions(t: _Trained) -> dict[str, dict[str, np.ndarray]]:
    """Per view: the sources it can classify (``use``), their out-of-fold calibrated ``p`` and
    ``is_blazar`` at their fold's threshold, and whether the view keeps a gamma-ray point."""
    card = t.ensemble.card
    labels = t.labels
    thresholds = np.asarray(card.threshold_per_fold, float)
    src = np.asarray(t.points["source"])
    out = {}
    for view in VIEWS:
        keep = VIEWS[view](t.points, t.lognu)
        X, has = _encode(t.ensemble.grid, t.sources, t.points, keep) \
            if view != "as catalogued" else (t.X, t.trained)
        if view == ALLWISE_SDSS_VIEW:   # both surveys present, not just one of them
            cats = np.asarray(t.points["catalog"]).astype(str)
            for name in ("AllWISE", "SDSS"):
                has &= np.bincount(src[cats == name], minlength=len(t.sources)) > 0
        use = np.flatnonzero(has & (t.fold_of >= 0))
        p_raw_folds = t.ensemble.predict_folds(X[use], calibrated=False)
        p_cal_folds = t.ensemble.calibrate_folds(p_raw_folds)
        p = _out_of_fold(p_cal_folds, t.fold_of[use])
        if view == "as catalogued":
            # the card's per-fold AUC is of the raw outputs: calibration can saturate confident
            # predictions to ties at 1.0 and shift the AUC by more than float noise
            p_raw = _out_of_fold(p_raw_folds, t.fold_of[use])
            for k, fold in enumerate(card.per_fold):
                m = t.fold_of[use] == k
                auc = roc_auc_score(labels[use][m], p_raw[m])
                if abs(auc - fold.roc_auc) > _AUC_TOLERANCE:
                    raise ModelError(f"{t.variant} fold {k}: re-derived ROC AUC {auc:.5f} differs from "
                                     f"the card's {fold.roc_auc:.5f}; archive and models "
                                     "do not match the card")
        # classify routes by gamma-ray *detections*: a survey-limit upper limit does not send an SED
        # to the gamma model
        detected = ~np.asarray(t.points["upper_limit"], bool)
        has_gamma = np.bincount(src[keep & detected & (t.lognu > GAMMA_LOG_NU)], minlength=len(t.sources)) > 0
        # the spread of all folds (nine of which trained on the source: smaller than for a new one)
        out[view] = {"use": use, "p": p, "is_blazar": p >= thresholds[t.fold_of[use]],
                     "has_gamma": has_gamma, "spread": p_cal_folds.std(axis=0)}
    return out


def _rows(sources: Table, view: str, use: np.ndarray, p: np.ndarray, is_blazar: np.ndarray,
          extra: dict[str, np.ndarray] | None = None) -> list[dict[str, Any]]:
    """One row per label origin: how many of ``use`` were classified correctly."""
    labels = np.asarray(sources["label"], int)[use]
    origins = np.asarray(sources["origin"]).astype(str)[use]
    out = []
    for origin in dict.fromkeys(origins):
        m = origins == origin
        label = int(labels[m][0])
        frac = float(is_blazar[m].mean())
        row = {"view": view, "origin": origin, "label": label, "n": int(m.sum()),
               "classified_blazar": frac, "correct": frac if label else 1.0 - frac,
               "mean_p": float(p[m].mean())}
        row.update({k: int(v[m].sum()) for k, v in (extra or {}).items()})
        out.append(row)
    return out


def _coverage_rows(t: _Trained, predictions: dict[str, dict[str, np.ndarray]] | None = None
                   ) -> list[dict[str, Any]]:
    predictions = predictions or _view_predictions(t)
    return [row for view, v in predictions.items()
            for row in _rows(t.sources, view, v["use"], v["p"], v["is_blazar"])]


def _routed_rows(sources: Table, gamma: dict[str, dict[str, np.ndarray]],
                 nogamma: dict[str, dict[str, np.ndarray]]) -> list[dict[str, Any]]:
    """The views as `vo_blazar.classify` answers them, from each variant's `_view_predictions`: a
    source whose view keeps a gamma-ray point goes to the gamma model, any other to the no-gamma
    model, each prediction out of fold."""
    out = []
    for view in VIEWS:
        n_sources = len(sources)
        p = np.full(n_sources, np.nan)
        is_blazar = np.zeros(n_sources, bool)
        by_gamma = np.zeros(n_sources, bool)
        answered = np.zeros(n_sources, bool)
        for v, gamma_model in ((nogamma[view], False), (gamma[view], True)):
            route = v["has_gamma"][v["use"]] == gamma_model
            rows = v["use"][route]
            p[rows], is_blazar[rows] = v["p"][route], v["is_blazar"][route]
            by_gamma[rows], answered[rows] = gamma_model, True
        use = np.flatnonzero(answered)
        out += _rows(sources, view, use, p[use], is_blazar[use], {"n_gamma_model": by_gamma[use]})
    return out


def same_coverage_by_group(variant: str = "gamma", *, directory: str | Path | None = None,
                           archive: str | Path | None = None) -> list[dict[str, Any]]:
    """Out-of-fold ROC AUC on the same-coverage subset, per blazar class and non-blazar origin.

    The subset of `vo_blazar.training.archive.same_coverage` (all twelve shared IR-optical bands,
    encoded with those bands only), every source predicted by the fold model that never saw it.
    Rows ``{"group", "n", "roc_auc"}``: all sources, each blazar class against all non-blazars,
    and all blazars against each non-blazar origin (`tools.data_report.auc_by_group`).
    """
    return _same_coverage_groups(_load(variant, directory, archive))


def _same_coverage_groups(t: _Trained) -> list[dict[str, Any]]:
    smask, pmask = same_coverage(t.sources, t.points)
    X, has = _encode(t.ensemble.grid, t.sources, t.points, pmask)
    use = np.flatnonzero(smask & has & (t.fold_of >= 0))
    p = _out_of_fold(t.ensemble.predict_folds(X[use], calibrated=False), t.fold_of[use])
    y = t.labels[use]
    groups = [("all", int(use.size), float(roc_auc_score(y, p)))]
    groups += auc_by_group(np.asarray(t.sources["class"]).astype(str)[use],
                           np.asarray(t.sources["origin"]).astype(str)[use], y, p)
    return [{"group": g, "n": n, "roc_auc": a} for g, n, a in groups]


def one_class_cells(variant: str = "gamma", *, directory: str | Path | None = None,
                    archive: str | Path | None = None) -> dict[str, list[int]]:
    """Grid cells that only one class ever fills in the training SEDs.

    Returns ``{"blazar": [...], "nonblazar": [...]}``.

    A point in such a cell is evidence of coverage, not of the SED's shape (e.g. PanSTARRS y:
    the non-blazar files carry no PanSTARRS photometry); `vo_blazar.classify` warns about it.
    """
    return _one_class_cells(_load(variant, directory, archive))


def _one_class_cells(t: _Trained) -> dict[str, list[int]]:
    present = t.X[t.trained][..., 0] > t.ensemble.grid.scaling.missing_value
    y = t.labels[t.trained]
    n_blazar, n_other = present[y == 1].sum(axis=0), present[y == 0].sum(axis=0)
    return {"blazar": np.flatnonzero((n_blazar > 0) & (n_other == 0)).tolist(),
            "nonblazar": np.flatnonzero((n_other > 0) & (n_blazar == 0)).tolist()}


def _gamma_nonblazar_limit(t: _Trained, catalogued: dict[str, np.ndarray]) -> str | None:
    """The known limit on non-blazars with gamma-ray points (gamma variant only), from the
    out-of-fold "as catalogued" predictions of `_view_predictions`."""
    if t.variant != "gamma":
        return None
    use = catalogued["use"]
    nonblazar = t.labels[use] == 0
    with_gamma = nonblazar & catalogued["has_gamma"][use]
    called = int(np.sum(catalogued["is_blazar"][with_gamma]))
    return (f"{int(with_gamma.sum())} of {int(nonblazar.sum())} training non-blazars have gamma-ray points "
            f"(quasars and AGN inside a 4FGL error ellipse, mostly by chance, or a 4FGL source's "
            f"associated counterpart); out of fold the gamma model calls {called} of them blazars. "
            f"A gamma-ray point weighs heavily: check that "
            f"the 4FGL source belongs to this object (one ellipse can hold several optical sources).")


def _sparsest_counts(t: _Trained) -> dict[str, Any]:
    """Who the cross-validation's sparsest 10 % are: the same per-fold selection as the training."""
    n_points = (t.X[..., 0] > t.ensemble.grid.scaling.missing_value).sum(axis=1)
    origins = np.asarray(t.sources["origin"]).astype(str)
    chosen = []
    for k in range(t.ensemble.card.n_folds):
        test = np.flatnonzero(t.fold_of == k)       # archive order, as the fold's test rows
        chosen.append(test[sparsest_mask(n_points[test], 0.1)])
    rows = np.concatenate(chosen)
    names, n = np.unique(origins[rows], return_counts=True)
    return {"n": int(rows.size), "n_blazar": int(t.labels[rows].sum()),
            "max_points": int(n_points[rows].max()),
            "per_origin": {o: int(k) for o, k in zip(names, n)}}


def _limit(rows: list[dict[str, Any]]) -> str:
    """The known limit that the routed robustness table measures, in one sentence."""
    typed = [CoverageRow.from_json(r) for r in rows]
    n_b, b = coverage_share(typed, ALLWISE_SDSS_VIEW, 1)
    n_q, q = coverage_share(typed, ALLWISE_SDSS_VIEW, 0)
    n_r, r = coverage_share(typed, "radio and mm only", 0)
    n_i, i = coverage_share(typed, "IR + optical only", 1)
    return (f"Out of fold, as classify answers (gamma model when a gamma-ray point is present, else the "
            f"no-gamma model), blazars seen only by AllWISE and SDSS: {100 * b:.0f} % of {n_b} are called "
            f"blazars (non-blazars with that coverage: {100 * q:.0f} % of {n_q} correct); with all "
            f"their IR and optical points {100 * i:.0f} % of {n_i} blazars are found. Radio-bearing "
            f"non-blazars: {100 * r:.0f} % of {n_r} seen in radio/mm only are "
            f"called non-blazars. Without radio, X-ray or gamma-ray points the SED shape alone decides, and "
            f"it separates the classes far less well than coverage does.")


def _weak_samples_limit(routed: list[dict[str, Any]], min_sources: int = 50,
                        below: float = 0.9) -> str | None:
    """The known limit naming the labelled samples that `classify` gets wrong most often (as catalogued)."""
    weak = [r for r in routed
            if r["view"] == "as catalogued" and r["n"] >= min_sources and r["correct"] < below]
    if not weak:
        return None
    names = "; ".join(f"{r['origin']} ({'blazars' if r['label'] else 'non-blazars'}): "
                      f"{100 * r['correct']:.0f} % of {r['n']} correct" for r in weak)
    return (f"As classify answers, out of fold and as catalogued, these labelled samples fare worst: "
            f"{names}. "
            "Sources like them (e.g. Seyfert-like type-1 AGN, whose host galaxy and modest luminosity "
            "resemble a host-dominated BL Lac in the IR-optical bands) deserve a second look.")


#: Hard-negative populations (issue 14): the sources a blazar search meets that are not blazars.
HARD_NEGATIVES = ("RASS_NVSS", "BAT105_AGN", "MOLNAR_GALAXIES", "DUSTPEDIA", "4FGL_NONBLAZAR")


def _population(origin: str, cls: str) -> str:
    """The reporting group of a labelled source: its list, split by type where the list has types."""
    if origin == "BAT105_AGN":
        kind = cls.removeprefix("BAT ")
        if kind.startswith("LINER"):
            return "BAT105 LINER"
        if kind.startswith("Starburst"):
            return "BAT105 starburst"
        return "BAT105 Seyfert 2" if kind.startswith(("Sy2", "Sy1.9")) else "BAT105 Seyfert 1"
    if origin == "RASS_NVSS":
        return f"2RXS/XMMSL2 x NVSS {cls}"
    if origin == "MOLNAR_GALAXIES":
        return f"SDSS radio galaxies, {cls.split(', ', 1)[-1]}"
    if origin == "4FGL_NONBLAZAR":
        return cls
    return origin


def coverage_pattern_counts(t: _Trained) -> dict[str, int]:
    """Training SEDs per coverage pattern (`vo_blazar.classifier.classification.waveband_coverage` of all their
    points, as `classify_sed` reports it): the model card's ``coverage_patterns``."""
    from ..classifier.classification import waveband_coverage

    _, bands = waveband_coverage(t.lognu, np.asarray(t.points["source"]), len(t.sources))
    names, n = np.unique(np.asarray(bands)[t.trained], return_counts=True)
    return {str(b): int(k) for b, k in zip(names, n)}


def _reliability(t: _Trained, patterns: dict[str, int], view: dict[str, np.ndarray]
                 ) -> tuple[np.ndarray, list[str]]:
    """Per source, as `vo_blazar.classify_sed` decides it: reliable?, and its coverage pattern.

    ``view`` is the "as catalogued" entry of `_view_predictions` (the fold spread of its sources).
    """
    from ..classifier.classification import MAX_RELIABLE_SPREAD, MIN_PATTERN_SEDS, MIN_RELIABLE_DETECTIONS, waveband_coverage

    src = np.asarray(t.points["source"])
    _, bands = waveband_coverage(t.lognu, src, len(t.sources))
    on_grid = t.ensemble.grid.cell_index(t.points["frequency"]) >= 0
    det = on_grid & ~np.asarray(t.points["upper_limit"], bool)
    n_det = np.bincount(src[det], minlength=len(t.sources))
    unusual = np.array([bool(x) for x in t.ensemble.unusual_cells(t.X)])
    seen = np.array([patterns.get(b, 0) for b in bands])
    spread = np.zeros(len(t.sources))
    spread[view["use"]] = view["spread"]
    return ((n_det >= MIN_RELIABLE_DETECTIONS) & ~unusual & (seen >= MIN_PATTERN_SEDS)
            & (spread <= MAX_RELIABLE_SPREAD)), bands


def population_table(gamma: tuple[_Trained, dict], nogamma: tuple[_Trained, dict], *,
                     patterns: dict[str, dict[str, int]] | None = None) -> dict[str, Any]:
    """Every labelled population, out of fold and as `vo_blazar.classify` answers (routed by gamma-ray
    detections), with its coverage pattern and the accuracy on reliable and unreliable rows.

    ``patterns`` gives each variant's training coverage patterns (default: the card's, else counted
    from the archive).

    Returns ``{"populations": [...], "reliability": {...}, "hard_negative_roc_auc": float}``.
    """
    tg, pg = gamma
    tn, pn = nogamma
    sources = tg.sources
    n = len(sources)
    p = np.full(n, np.nan)
    is_blazar = np.zeros(n, bool)
    reliable = np.zeros(n, bool)
    answered = np.zeros(n, bool)
    bands: list[str] = [""] * n
    for t, v, gamma_model in ((tn, pn["as catalogued"], False), (tg, pg["as catalogued"], True)):
        known = (patterns or {}).get(t.variant) or t.ensemble.card.coverage_patterns
        ok, b = _reliability(t, known or coverage_pattern_counts(t), v)
        route = v["has_gamma"][v["use"]] == gamma_model
        rows = v["use"][route]
        p[rows], is_blazar[rows], reliable[rows], answered[rows] = v["p"][route], v["is_blazar"][route], \
            ok[rows], True
        for r in rows:
            bands[r] = b[r]
    labels = np.asarray(sources["label"], int)
    origins = np.asarray(sources["origin"]).astype(str)
    groups = np.array([_population(o, c) for o, c in zip(origins, np.asarray(sources["class"]).astype(str))])
    correct = is_blazar == (labels == 1)
    out = []
    for g in dict.fromkeys(groups[answered]):
        m = answered & (groups == g)
        pats, counts = np.unique(np.asarray(bands, dtype=object)[m].astype(str), return_counts=True)
        top = np.argsort(-counts)[:2]
        out.append({"population": str(g), "origin": str(origins[m][0]), "label": int(labels[m][0]),
                    "n": int(m.sum()), "correct": float(correct[m].mean()),
                    "n_reliable": int(reliable[m].sum()),
                    "correct_reliable": float(correct[m & reliable].mean()) if (m & reliable).any() else None,
                    "coverage": "; ".join(f"{pats[k]} ({100 * counts[k] / m.sum():.0f} %)" for k in top)})

    def accuracy(mask: np.ndarray) -> dict[str, Any]:
        b, o = mask & (labels == 1), mask & (labels == 0)
        return {"n": int(mask.sum()), "n_blazar": int(b.sum()), "n_nonblazar": int(o.sum()),
                "accuracy_blazar": float(correct[b].mean()) if b.any() else None,
                "accuracy_nonblazar": float(correct[o].mean()) if o.any() else None}

    hard = answered & ((labels == 1) | np.isin(origins, HARD_NEGATIVES))
    auc = float(roc_auc_score(labels[hard], p[hard])) if 0 < labels[hard].sum() < hard.sum() else None
    return {"populations": out,
            "reliability": {"reliable": accuracy(answered & reliable),
                            "unreliable": accuracy(answered & ~reliable)},
            "hard_negative_roc_auc": auc}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vo_blazar.training.robustness",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=None, help="model folder root (default: the shipped models)")
    parser.add_argument("--archive", default=None, help="SED archive (default: the shipped one)")
    args = parser.parse_args(argv)
    root = Path(args.models) if args.models else MODELS_DIR
    loaded = {}
    for variant in VARIANTS:
        trained = _load(variant, root / variant, args.archive)
        loaded[variant] = (trained, _view_predictions(trained))
    routed = _routed_rows(loaded["gamma"][0].sources, loaded["gamma"][1], loaded["nogamma"][1])
    # classify's reliability check reads these, so the population table uses them too
    patterns = {variant: coverage_pattern_counts(trained) for variant, (trained, _) in loaded.items()}
    populations = population_table(loaded["gamma"], loaded["nogamma"], patterns=patterns)
    for variant, (trained, predictions) in loaded.items():
        rows = _coverage_rows(trained, predictions)
        card_path = root / variant / CARD_NAME
        card = read_card(card_path)
        gamma_limit = _gamma_nonblazar_limit(trained, predictions["as catalogued"])
        card = card.updated(
            coverage_robustness=rows,
            coverage_robustness_routed=routed,
            coverage_patterns=patterns[variant],
            populations_routed=populations["populations"],
            reliability_routed=populations["reliability"],
            hard_negative_roc_auc_routed=populations["hard_negative_roc_auc"],
            cells_one_class=_one_class_cells(trained),
            leakage_controlled_by_group=_same_coverage_groups(trained),
            sparsest_10pct_counts=_sparsest_counts(trained),
            sparsest_within_1sigma=sparsest_within_1sigma(card.raw["metrics_sparsest_10pct"],
                                                          card.raw["metrics_rest_90pct"]),
            # rebuilt from the card's own figures, so a rerun never duplicates or keeps a stale sentence
            known_limits=(known_limits(card.raw.get("metrics_leakage_controlled"), card.scaling_kind)
                          + [_limit(routed)]
                          + [text for text in (_weak_samples_limit(routed), gamma_limit) if text]))
        write_card(card, card_path)
        for r in rows:
            print(f"{variant:8s} {r['view']:22s} {r['origin']:15s} n={r['n']:5d} "
                  f"correct {100 * r['correct']:5.1f} %")
        for r in card.raw["leakage_controlled_by_group"]:
            print(f"{variant:8s} same coverage: {r['group']:55s} n={r['n']:5d} ROC AUC {r['roc_auc']:.3f}")
    for r in populations["populations"]:
        print(f"population {r['population']:45s} n={r['n']:5d} correct {100 * r['correct']:5.1f} % "
              f"(reliable {r['n_reliable']}) {r['coverage']}")
    print("reliability", populations["reliability"])
    print("hard-negative ROC AUC", populations["hard_negative_roc_auc"])
    for r in routed:
        print(f"routed   {r['view']:22s} {r['origin']:15s} n={r['n']:5d} "
              f"(gamma model {r['n_gamma_model']:5d}) "
              f"correct {100 * r['correct']:5.1f} %")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
