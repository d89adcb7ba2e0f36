"""Building and writing model cards: the training side of `vo_blazar.model.card`.

`build_card` assembles a variant's card from its cross-validation result, `write_card` writes it
(the one writer of model cards and of the other measured JSON files: `to_json` is its NaN policy),
`render_rst` makes the docs page ``model_card.rst`` from the cards. Reading a card is
`vo_blazar.model.card.ModelCard`, which needs none of this.
"""
from __future__ import annotations

import json
import platform
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..model.calibration import PlattScaler
from ..model.card import CARD_FORMAT, REQUIRED_KEYS, ModelCard
from .evaluation import mean_std

if TYPE_CHECKING:   # cross_validation imports Keras/TensorFlow: rendering the docs page must not
    from .cross_validation import CVResult

__all__ = ["known_limits", "build_card", "write_card", "to_json", "render_rst", "sparsest_within_1sigma",
           "KNOWN_LIMITS", "LEVEL_LIMIT"]

KNOWN_LIMITS = [
    "Trained on SEDs built offline from the catalogue files in shared/data (5BZCAT, 3HSP, 4FGL-DR4 "
    "counterparts as blazars; SDSS DR7 quasars, type-1 AGN, Stripe 82X AGN, MUWCLASS AGN, Lusso 2020 "
    "quasars and z >= 3 DR16Q radio quasars as non-blazars), not on the paper's VOU-Blazars SEDs; "
    "an SED from the live VO has more bands than most training SEDs.",
    "Band coverage differs between the classes in the training data (apart from the z >= 3 radio quasars "
    "and a handful of others, only blazars have radio points, and almost only blazars gamma-ray points). "
    "Band-dropout augmentation "
    "reduces, but cannot remove, the network's use of coverage: read metrics_leakage_controlled "
    "(both classes restricted to the twelve shared IR-optical bands) for what the SED shape alone gives.",
    "The non-blazars are mostly optically selected, radio-quiet quasars; radio galaxies, Seyferts and "
    "non-AGN (stars, galaxies) are rare or absent, so p(blazar) for them is an extrapolation.",
    "The SDSS quasar optical fluxes are already corrected for Galactic extinction; residual "
    "photometric-system offsets tied to the label may remain.",
    "10 % of 5BZCAT and of the SDSS DR7 quasars are withheld by the project lead and never seen here.",
    "The fold spread (std of p over the ensemble) measures model variance, not data uncertainty.",
]


LEVEL_LIMIT = (
    "The network sees each SED's flux level next to its shape (the 'shape_level' scaling). The training "
    "catalogues are flux-limited in different ways (5BZCAT and 4FGL counterparts are bright in radio, the "
    "z >= 3 DR16Q quasars faint), so for an SED of one or two points the level decides much: a faint "
    "blazar or a bright radio quasar of a kind not in the training set can be misjudged.")


def known_limits(leak: dict[str, Any] | None, scaling_kind: str | None = None) -> list[str]:
    """The fixed limits, the one of the level channel, and the measured one on coverage-identical SEDs."""
    out = list(KNOWN_LIMITS)
    if scaling_kind == "shape_level":
        out.append(LEVEL_LIMIT)
    if leak:
        out.append(
            f"On SEDs with only the twelve shared IR-optical bands the ranking stays informative (ROC AUC "
            f"{leak['roc_auc']['mean']:.3f}) but p(blazar) runs low: at the shipped threshold "
            f"{100 * leak['accuracy_blazar']['mean']:.0f} % of such blazars and "
            f"{100 * leak['accuracy_nonblazar']['mean']:.0f} % of such non-blazars are classified correctly. "
            "A blazar seen only in IR and optical surveys is easily missed.")
    return out


def sparsest_within_1sigma(sparse: dict[str, Any], rest: dict[str, Any]) -> dict[str, bool]:
    """Per metric: is the sparsest 10 % no worse than the other 90 % by more than one standard deviation?

    One-sided on purpose: the paper's claim is that sparse SEDs do not degrade the classifier, and
    a sparse subset that scores *better* (e.g. one made of easy cases) is not a failure of it. The
    standard deviation is the larger of the two fold-to-fold spreads.
    """
    return {k: bool(sparse[k]["mean"] >= rest[k]["mean"] - max(sparse[k]["std"], rest[k]["std"]))
            for k in ("roc_auc", "accuracy_blazar", "accuracy_nonblazar")
            if np.isfinite(sparse[k]["mean"]) and np.isfinite(rest[k]["mean"])}


def _fold_brief(f) -> dict[str, Any]:
    from .cross_validation import METRIC_KEYS   # imports Keras: only building a card needs it

    return {"fold": f.fold, "n_train": f.n_train, "n_val": f.n_val, "n_test": f.n_test,
            "threshold": f.threshold, "platt": f.platt,
            "metrics": {k: f.metrics[k] for k in (*METRIC_KEYS, "confusion")},
            "metrics_calibrated_ece": f.metrics_calibrated["ece"],
            "metrics_sparsest_10pct": {k: f.metrics_sparsest[k] for k in (*METRIC_KEYS, "n", "max_points")},
            "metrics_leakage_controlled": (None if f.metrics_leakage_controlled is None else
                                           {k: f.metrics_leakage_controlled[k]
                                            for k in (*METRIC_KEYS, "n", "n_blazar")}),
            "baselines": {n: {w: {k: b[w][k] for k in METRIC_KEYS} for w in b}
                          for n, b in f.baselines.items()},
            "epochs_run": f.history["epochs_run"], "best_epoch": f.history.get("best_epoch"),
            "seconds_per_epoch": f.history["seconds_per_epoch"], "train_seconds": f.history["train_seconds"]}


def build_card(result: CVResult, *, grid, weights: list[dict[str, Any]], data_counts: dict[str, Any],
               preset: str | None = None, n_parameters: int | None = None, threads: int | None = None,
               extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Assemble the model card of one variant from its cross-validation result.

    Calibration is adopted (``calibration.method = "platt"``) when it lowers the mean test ECE; the
    card's ``threshold`` and ``metrics`` then refer to the calibrated output (a monotone map: ROC
    and PR AUC and the confusion matrices are unchanged, only the probability scale differs).
    """
    s_raw = result.summary("metrics")
    s_cal = result.summary("metrics_calibrated")
    use_platt = s_cal["ece"]["mean"] < s_raw["ece"]["mean"]
    metrics = dict(s_cal if use_platt else s_raw)
    thr_folds = [(PlattScaler(**f.platt)(np.array([f.threshold]))[0] if use_platt else f.threshold)
                 for f in result.folds]
    leak = result.summary("metrics_leakage_controlled")
    sparse = result.summary("metrics_sparsest")
    rest = result.summary("metrics_rest")
    within = sparsest_within_1sigma(sparse, rest)
    sal = result.saliency()
    sal_level = result.saliency("saliency_level")
    total = sal if sal_level is None else sal + sal_level
    top = np.argsort(total)[::-1][:10]
    labels = getattr(grid, "labels", [""] * len(sal))
    hist = [f.history for f in result.folds]
    card: dict[str, Any] = {
        "format": CARD_FORMAT,
        "variant": result.variant,
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "grid_size": int(result.model_config.grid_size),
        "grid_version": getattr(grid, "version", None),
        "grid_file": "grid.json",
        "scaling": grid.scaling.to_dict() if hasattr(grid, "scaling") else None,
        "preset": preset,
        "model_config": result.model_config.to_dict(),
        "n_parameters": n_parameters,
        "training": result.training.to_dict(),
        "threshold": float(np.mean(thr_folds)),
        "threshold_per_fold": [float(t) for t in thr_folds],
        "threshold_rule": ("ROC point closest to (0, 1) on each fold's validation split; "
                           "the ensemble uses the mean"),
        "calibration": {
            "method": "platt" if use_platt else "none",
            "per_fold": [f.platt for f in result.folds],
            "fitted_on": "each fold's validation split (never its test fold)",
            "ece_raw": s_raw["ece"], "ece_calibrated": s_cal["ece"],
        },
        "metrics": metrics,
        "metrics_raw": s_raw,
        "metrics_leakage_controlled": leak,
        "leakage_controlled_definition": "each fold's test sources that have all twelve shared IR-optical "
                                         "bands (SDSS ugriz, 2MASS JHK, WISE W1-W4), encoded with those "
                                         "bands only",
        "metrics_sparsest_10pct": sparse,
        "metrics_rest_90pct": rest,
        "sparsest_within_1sigma": within,
        "baseline_coverage_only_roc_auc": (result.baseline_summary("coverage_only")
                                           .get("roc_auc", {}).get("mean")),
        "baselines": {
            name: {"test": result.baseline_summary(name, "test"),
                   "leakage_controlled": result.baseline_summary(name, "leakage_controlled")}
            for name in ("gradient_boosting", "coverage_only", "coverage_only_training_inputs")},
        # the coverage-only baseline on the augmented views the network trains on: how much band
        # presence alone still tells after the coverage transplant (target <= 0.60)
        "baseline_coverage_only_training_inputs_roc_auc": (
            result.baseline_summary("coverage_only_training_inputs").get("roc_auc", {}).get("mean")),
        "saliency": {"log_nu": [float(x) for x in result.log_nu],
                     "mean_abs_gradient": [float(x) for x in sal],
                     "mean_abs_gradient_level": None if sal_level is None else [float(x) for x in sal_level],
                     # ranked by the sum over the flux channels; "saliency" is that sum
                     "top10": [{"log_nu": float(result.log_nu[i]), "label": labels[i],
                                "saliency": float(total[i]),
                                "shape": float(sal[i]),
                                "level": None if sal_level is None else float(sal_level[i])} for i in top]},
        "data": data_counts,
        "timing": {"seconds_per_epoch": mean_std([h["seconds_per_epoch"] for h in hist]),
                   "training_seds_per_second": mean_std([h["seds_per_second"] for h in hist]),
                   "epochs_run": mean_std([h["epochs_run"] for h in hist]),
                   "wall_seconds_cv": result.wall_seconds, "threads": threads,
                   "machine": f"{platform.machine()} CPU, {threads} threads, shared with other jobs"},
        "per_fold": [_fold_brief(f) for f in result.folds],
        "weights": weights,
        "known_limits": known_limits(leak, getattr(getattr(grid, "scaling", None), "kind", None)),
    }
    if extra:
        card.update(extra)
    return card



def _clean(o):
    """``o`` with NaN and infinities as None and NumPy scalars as Python numbers (JSON has neither)."""
    if isinstance(o, Mapping):
        return {k: _clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_clean(v) for v in o]
    if isinstance(o, (np.floating, float)):
        return None if not np.isfinite(o) else float(o)
    if isinstance(o, np.integer):
        return int(o)
    return o


def to_json(obj: Any) -> str:
    """The text of a model card (or another measured JSON file): one indent step per level, a
    final newline, and a figure that could not be measured (NaN, infinite) written as ``null``.

    The one NaN policy of the package's JSON output: JSON has no NaN, and a null reads back as
    "not measured" (`vo_blazar.model.card.MeanStd` gives None) where ``NaN`` would not even parse
    in most JSON readers.
    """
    return json.dumps(_clean(obj), indent=1) + "\n"


def write_card(card: Mapping[str, Any], path: str | Path, *, required: Iterable[str] = REQUIRED_KEYS) -> Path:
    """Write a card (a `~vo_blazar.model.card.ModelCard` or its JSON object) with `to_json`.

    Parameters
    ----------
    card : ModelCard or dict
    path : path
    required : sequence of str
        Entries the card must have (default: those of every card training writes).

    Raises
    ------
    ModelError
        The card lacks a required entry (nothing is written).
    """
    card = ModelCard(card, path)
    card.check(required)
    path = Path(path)
    path.write_text(to_json(card.raw), encoding="utf-8")
    return path


def _ms(d: dict | None, pct: bool = False) -> str:
    if not d or d.get("mean") is None:
        return "n/a"
    f = 100.0 if pct else 1.0
    return f"{d['mean'] * f:.{1 if pct else 3}f} ± {d['std'] * f:.{1 if pct else 3}f}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    sep = "  ".join("=" * w for w in widths)
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths))  # noqa: E731
    return "\n".join([sep, line(header), sep, *[line(r) for r in rows], sep])


def render_rst(cards: Sequence[Mapping[str, Any]], *, tradeoff: list[dict[str, Any]] | None = None,
               scaling_comparison: list[dict[str, Any]] | None = None,
               same_coverage_trained: dict[str, Any] | None = None,
               inference: list[dict[str, Any]] | None = None,
               preset_cards: Sequence[Mapping[str, Any]] | None = None, static: str = "_static/model") -> str:
    """The docs page ``model_card.rst`` from the cards (and the measured trade-off tables).

    ``preset_cards`` are the cards of earlier full runs with other presets, shown next to the
    shipped ones.
    """
    out = ["Model card", "==========", "",
           ".. This page is generated by ``python -m vo_blazar.training.command``; edit the generator, not "
           "this file.",
           "",
           "The shipped classifiers are fold ensembles of a Conv1D + bidirectional-LSTM network after "
           "Fraga et al. (four Conv1D(kernel 3, tanh) + MaxPool(2) blocks with growing filter counts, a "
           "bidirectional LSTM, dense layers, a sigmoid output), one per variant: ``gamma`` (the whole grid) "
           "and ``nogamma`` (log ν ≤ 20). ``classify`` reports the mean p(blazar) over the folds and "
           "their spread. All figures below are cross-validated: each number is measured on SEDs the fold's "
           "network never saw; the threshold and the calibration are chosen on the validation split of the "
           "training part, never on the test fold.", "",
           *(["Input: each SED on the grid's cells (the highest detection per cell), three channels per "
              "cell: its *shape* (log νFν relative to the SED's brightest detection, 6 dex mapped to "
              "[0.01, 1]), an upper-limit flag, and its *level* (log νFν on the fixed scale 10^-18 .. "
              "10^-8 erg cm⁻² s⁻¹ mapped to [0.01, 1]); empty cells are 0. See "
              ":mod:`vo_blazar.grid.scaling`.", ""]
             if (cards[0].get("scaling") or {}).get("kind") == "shape_level" else []),
           "Training against coverage leakage: in these catalogues band coverage alone nearly gives the "
           "label away (see *coverage only* below), so (0) every epoch each training SED is seen with only "
           "the grid cells that a random SED of the other class also fills (coverage transplant, "
           "probability ``coverage_transplant`` in the training settings; survey-limit upper limits, i.e. "
           "real non-detections of complete catalogues, stay with their flag), (1) whole wavebands of "
           "training SEDs are blanked at "
           "random each epoch, (2) some SEDs are cut to their IR + optical bands, (3) SEDs that have all "
           "twelve shared IR-optical bands and more (almost all blazars; the SDSS quasars have exactly those "
           "twelve) are also added reduced to the twelve, and randomly reduced so during training, and the "
           "validation set used for early stopping holds such reduced copies too, and (4) the z ≥ 3 DR16Q "
           "radio quasars are radio-bearing negatives in the data set.", ""]
    # overview table
    rows = []
    for c in cards:
        m, lk = c["metrics"], c["metrics_leakage_controlled"]
        gb = c["baselines"]["gradient_boosting"]
        rows.append([c["variant"], str(c["grid_size"]), f"{c['threshold']:.3f}", _ms(m["roc_auc"]),
                     _ms(m["pr_auc"]),
                     _ms(m["accuracy_blazar"], True), _ms(m["accuracy_nonblazar"], True), _ms(m["ece"]),
                     _ms(lk.get("roc_auc")), _ms(gb["test"].get("roc_auc")),
                     _ms(gb["leakage_controlled"].get("roc_auc")),
                     f"{c['baseline_coverage_only_roc_auc']:.3f}" if c.get("baseline_coverage_only_roc_auc")
                     else "n/a"])
    out += ["Summary", "-------", "",
            "Mean ± standard deviation over the folds. *same-cov.* is the leakage-controlled evaluation: "
            "the test sources that have all twelve shared IR-optical bands, encoded with those bands only, "
            "so band coverage cannot give the label away. *GBM* is scikit-learn's HistGradientBoosting on "
            "the same inputs; *coverage only* is the same learner given only which grid cells are "
            "filled.", "",
            _table(["variant", "L", "threshold", "ROC AUC", "PR AUC", "blazars %", "non-blazars %", "ECE",
                    "same-cov. AUC", "GBM AUC", "GBM same-cov.", "coverage only"], rows), "",
            "Paper (Fraga et al.): with gamma 95.4 ± 0.8 % blazars, 94.4 ± 0.9 % non-blazars; without "
            "gamma 94.0 ± 0.6 / 92.5 ± 0.7 %; ROC AUC ≈ 0.98, PR AUC > 0.97 (on a different, "
            "VOU-Blazars-built data set).", ""]
    cov = [c.get("baseline_coverage_only_training_inputs_roc_auc") for c in cards]
    if any(x is not None for x in cov):
        out += ["*Coverage only on the training inputs*: the same coverage-only learner fitted and scored on "
                "the augmented views the network is trained on (one epoch's draw, per fold): "
                + ", ".join(f"``{c['variant']}`` ROC AUC {x:.3f}"
                            for c, x in zip(cards, cov) if x is not None)
                + " (target ≤ 0.60: presence alone no longer tells the classes apart).", ""]
    pops = cards[0].get("populations_routed")
    if pops:
        rel = cards[0].get("reliability_routed") or {}
        auc = cards[0].get("hard_negative_roc_auc_routed")

        def pct(x):
            return "n/a" if x is None else f"{100 * x:.1f}"
        out += ["Labelled populations", "--------------------", "",
                "Every labelled population, out of fold, as ``classify`` answers it (routed by gamma-ray "
                "detections, each source by the fold model that never saw it, at that fold's threshold), "
                "with its two most common coverage patterns (the wavebands with points, detections or "
                "upper limits, as ``classify`` reports them in ``bands``). *reliable* counts the rows "
                "``classify`` would mark ``reliable = True``. ROC AUC blazars against the hard negatives "
                f"(2RXS/XMMSL2 x NVSS AGN, BAT AGN, SDSS radio galaxies, DustPedia, 4FGL non-blazars): "
                f"{'n/a' if auc is None else f'{auc:.3f}'}.", "",
                _table(["population", "label", "n", "correct %", "reliable", "correct % (reliable)",
                        "coverage"],
                       [[r["population"], str(r["label"]), str(r["n"]), pct(r["correct"]),
                         str(r["n_reliable"]), pct(r["correct_reliable"]), r["coverage"]] for r in pops]), ""]
        if rel:
            out += ["Reliable and unreliable rows (same routing, out of fold): ``reliable = False`` where "
                    "the SED has fewer than two detections on the grid, lies outside the training range, "
                    "shows a coverage pattern seen for fewer than ten training SEDs, or its fold models "
                    "disagree (standard deviation of their p_blazar above 0.3; measured here over all ten "
                    "folds, nine of which trained on the source, so fewer training sources are flagged "
                    "than new ones would be).", "",
                    _table(["rows", "n", "blazars", "blazars correct %", "non-blazars",
                            "non-blazars correct %"],
                           [[k, str(v["n"]), str(v["n_blazar"]), pct(v["accuracy_blazar"]),
                             str(v["n_nonblazar"]), pct(v["accuracy_nonblazar"])]
                            for k, v in rel.items()]), ""]
    routed = cards[0].get("coverage_robustness_routed")
    if routed:
        out += ["As ``classify`` answers", "-----------------------", "",
                "``classify`` sends an SED with a gamma-ray detection to the gamma model and any other SED "
                "to the no-gamma model. The same routing, out of fold (``python -m "
                "vo_blazar.training.robustness``): every labelled source, as catalogued and in reduced views "
                "of its photometry, answered by the fold model of the routed variant that never saw it, at "
                "that fold's threshold. *gamma model* counts the sources routed to it; *correct* is the "
                "fraction of blazars called blazars (label 1) or of non-blazars called non-blazars (label "
                "0). The per-variant tables further down ask each model about every view, including views "
                "``classify`` never sends to it.", "",
                _table(["view", "labelled from", "label", "n", "gamma model", "correct %"],
                       [[r["view"], r["origin"], str(r["label"]), str(r["n"]), str(r["n_gamma_model"]),
                         f"{100 * r['correct']:.1f}"] for r in routed]), ""]
    for c in cards:
        v = c["variant"]
        d = c["data"]
        cal = c["calibration"]
        title = f"Variant ``{v}``"
        out += [title, "-" * len(title), ""]
        out += [f"* grid: ``{c.get('grid_version')}`` ({c['grid_size']} cells), flux scaling "
                f"``{(c.get('scaling') or {}).get('kind')}``",
                f"* architecture: preset ``{c.get('preset')}``, {c.get('n_parameters')} parameters, "
                f"filters {c['model_config']['filters']}, LSTM {c['model_config']['lstm_units']} units per "
                f"direction, dense {c['model_config']['dense']}",
                f"* training: {c['training']['n_folds']}-fold stratified CV, Adam (lr "
                f"{c['model_config']['learning_rate']}), batch {c['training']['batch_size']}, ≤ "
                f"{c['training']['epochs']} epochs with early stopping (patience "
                f"{c['training']['patience']}, best weights restored), seed {c['training']['seed']}; band "
                f"dropout {c['training']['band_dropout']}, IR+optical-only "
                f"{c['training']['optical_ir_only']}, shared-bands-only {c['training'].get('shared_only')}, "
                f"shared-band copies {c['training'].get('shared_copies')}, coverage transplant "
                f"{c['training'].get('coverage_transplant', 0.0)}",
                f"* data: {d.get('n_total')} SEDs, {d.get('n_blazar')} blazars, {d.get('n_nonblazar')} "
                f"non-blazars; same-coverage subset {d.get('n_same_coverage', 'n/a')}",
                f"* threshold {c['threshold']:.3f} (per fold: "
                f"{', '.join(f'{t:.2f}' for t in c['threshold_per_fold'])})",
                f"* calibration: ``{cal['method']}`` — ECE raw {_ms(cal['ece_raw'])}, after Platt scaling "
                f"fitted on the validation split {_ms(cal['ece_calibrated'])}",
                f"* timing: {_ms(c['timing']['seconds_per_epoch'])} s/epoch, "
                f"{c['timing']['training_seds_per_second']['mean']:.0f} training SEDs/s, whole CV "
                f"{c['timing']['wall_seconds_cv'] / 60:.1f} min ({c['timing']['machine']})", ""]
        sp, rs = c["metrics_sparsest_10pct"], c["metrics_rest_90pct"]
        out += ["Sparsest 10 % of SEDs (fewest filled grid cells) against the rest:", "",
                _table(["subset", "ROC AUC", "blazars %", "non-blazars %"],
                       [["sparsest 10 %", _ms(sp["roc_auc"]), _ms(sp["accuracy_blazar"], True),
                         _ms(sp["accuracy_nonblazar"], True)],
                        ["other 90 %", _ms(rs["roc_auc"]), _ms(rs["accuracy_blazar"], True),
                         _ms(rs["accuracy_nonblazar"], True)]]), "",
                "No worse than the rest by more than 1σ: "
                + ", ".join(f"{k} {'yes' if ok else 'no'}" for k, ok in c["sparsest_within_1sigma"].items())
                + ".",
                ""]
        counts = c.get("sparsest_10pct_counts")
        if counts:
            mix = ", ".join(f"{n} {o}"
                            for o, n in sorted(counts["per_origin"].items(), key=lambda kv: -kv[1]))
            out += [f"The sparsest 10 % (at most {counts['max_points']} filled cells per SED) hold "
                    f"{counts['n']} SEDs over the folds, {counts['n_blazar']} of them blazars: {mix}. Their "
                    f"per-class figures rest on these counts.", ""]
        if c.get("coverage_robustness"):
            out += ["When coverage says nothing about the class (``python -m vo_blazar.training.robustness``): "
                    "every labelled source predicted by the fold model that did not train on it, at that "
                    "fold's threshold, as catalogued and in reduced views of the same photometry. *correct* "
                    "is the fraction of blazars called blazars (label 1) or of non-blazars called "
                    "non-blazars (label 0).", "",
                    _table(["view", "labelled from", "label", "n", "correct %", "mean p"],
                           [[r["view"], r["origin"], str(r["label"]), str(r["n"]),
                             f"{100 * r['correct']:.1f}", f"{r['mean_p']:.3f}"]
                            for r in c["coverage_robustness"]]), ""]
        if c.get("leakage_controlled_by_group"):
            out += ["Same-coverage subset by group (out of fold, pooled over the folds): each blazar class "
                    "against all non-blazars of the subset, all blazars against each non-blazar origin. "
                    "BL Lacs stand apart from the SDSS quasars in the twelve IR-optical bands; FSRQs, "
                    "quasars themselves, do not (the data report finds the same for every model family).", "",
                    _table(["group", "n", "ROC AUC"],
                           [[r["group"], str(r["n"]), f"{r['roc_auc']:.3f}"]
                            for r in c["leakage_controlled_by_group"]]),
                    ""]
        fold_rows = []
        for f in c["per_fold"]:
            m = f["metrics"]
            cm = m["confusion"]
            lk = f["metrics_leakage_controlled"] or {}
            fold_rows.append([str(f["fold"]), f"{m['roc_auc']:.4f}", f"{m['pr_auc']:.4f}",
                              f"{100 * m['accuracy_blazar']:.1f}", f"{100 * m['accuracy_nonblazar']:.1f}",
                              f"{cm[0][0]}/{cm[0][1]}/{cm[1][0]}/{cm[1][1]}",
                              f"{lk['roc_auc']:.4f}" if lk.get("roc_auc") is not None else "n/a",
                              str(f["epochs_run"])])
        out += ["Per fold (confusion matrix as TN/FP/FN/TP at the fold's threshold):", "",
                _table(["fold", "ROC AUC", "PR AUC", "blazars %", "non-blazars %", "confusion",
                        "same-cov. AUC", "epochs"], fold_rows), ""]
        top = c["saliency"]["top10"]
        with_level = top and top[0].get("level") is not None
        out += ["Gradient saliency (mean \\|∂p/∂x\\| over up to 1,000 test SEDs per fold; the paper's "
                "Table 4 and Fig. 9): the ten most influential grid cells"
                + (", ranked by the sum over the two flux channels: the SED's *shape* (channel 0) and its "
                   "*level* (channel 2)" if with_level else "")
                + ". It measures sensitivity to flux *values* in present cells; the use of band *presence* "
                "(the mask channel, a step function) has no gradient and does not show here.", "",
                _table(["rank", "log ν", "cell", "saliency"] + (["shape", "level"] if with_level else []),
                       [[str(i + 1), f"{t['log_nu']:.2f}", t["label"] or "-", f"{t['saliency']:.4f}"]
                        + ([f"{t['shape']:.4f}", f"{t['level']:.4f}"] if with_level else [])
                        for i, t in enumerate(top)]), ""]
        for kind, cap in (("roc", "ROC"), ("pr", "precision-recall"), ("reliability", "reliability diagram"),
                          ("saliency", "saliency per frequency")):
            out += [f".. figure:: {static}/{v}_{kind}.png", f"   :alt: {cap}, {v}", "",
                    f"   {cap[0].upper() + cap[1:]} ({v}).", ""]
    if same_coverage_trained:
        sc = same_coverage_trained
        rows = [[name.replace("_", " "), _ms(sc[key].get("roc_auc")), _ms(sc[key].get("pr_auc")),
                 _ms(sc[key].get("accuracy_blazar"), True), _ms(sc[key].get("accuracy_nonblazar"), True)]
                for name, key in (("network", "network"), ("gradient boosting", "gradient_boosting"),
                                  ("coverage only", "coverage_only")) if sc.get(key)]
        out += ["Trained on the shared bands only", "--------------------------------", "",
                f"A separate {sc['n_folds']}-fold cross-validation on the leakage-controlled set alone "
                f"({sc['n']} SEDs, {sc['n_blazar']} blazars; SDSS ugriz, 2MASS JHK, WISE W1-W4, every source "
                f"with all twelve): network (preset ``{sc['preset']}``, ``{sc['scaling']}`` scaling) and "
                f"gradient boosting on the same folds. This model is not shipped; it shows what the SED "
                "shape in these bands carries.", "",
                _table(["model", "ROC AUC", "PR AUC", "blazars %", "non-blazars %"], rows), ""]
    if scaling_comparison:
        out += ["Input scaling: absolute, shape, shape and level",
                "-----------------------------------------------", "",
                "Measured as the trade-off table below (same fold, network and epoch limit); *absolute* maps "
                "log νFν over fixed bounds to [0, 1], *shape* anchors each SED's brightest detection at 1 "
                "(no luminosity information), *shape_level* gives both as two channels (the shipped "
                "scaling). With the shape alone an SED of one or two points says nothing but which cells it "
                "fills: a 4FGL blazar's NVSS point and a faint z ≥ 3 quasar's NVSS point encode the same, "
                "which is why the shape-only models found only 15-35 % of the 4FGL blazars without gamma "
                "rays and a quarter of the blazars among the sparsest SEDs (their cards are in the "
                "comparison above). Inside the network each grid cell's present values are standardised with "
                "training-set statistics (a stock ``Normalization`` layer stored in the model file) and the "
                "presence mask is added as a channel; before that step the network reached only ROC AUC 0.73 "
                "(shape) and 0.59 (absolute) when trained and tested on the twelve shared bands, against "
                "0.87 for both after it.", "",
                _table(list(scaling_comparison[0].keys()),
                       [[str(v) for v in r.values()] for r in scaling_comparison]), ""]
    if tradeoff:
        out += ["Grid resolution and width: the measured trade-off",
                "-------------------------------------------------", "",
                "Measured with ``python benchmarks/bench_training.py --tradeoff --record``: one fold of a "
                "5-fold split of a stratified subsample (column *n*) of the gamma data set, at most 10 "
                "epochs with early stopping, ``shape_level`` scaling. *ROC AUC* is on that fold's test part, "
                "*same-cov. AUC* on its leakage-controlled members. Seconds per epoch for the full set are "
                "estimated from the measured training SEDs/s on this machine (2 CPU cores shared with other "
                "jobs, so figures vary with the load). ``registry`` is the grid of the registry's distinct "
                "frequencies (the paper's design), ``logbinNN`` a log-spaced grid of NN cells.",
                "",
                _table(list(tradeoff[0].keys()), [[str(v) for v in r.values()] for r in tradeoff]), "",
                "The finer log-binned grids cost more time without gain, so the shipped models use the "
                "registry grid. The ``paper`` preset (8.9 M parameters, 16 layers, as in Fraga et al.) is "
                "one option away (``--preset paper``) but was not trained here: at 36 MB per fold its "
                "ensembles would exceed the 50 MB budget, and on 2 CPU cores its 10-fold run would far "
                "exceed 30 minutes.", ""]
    if preset_cards:
        shipped = {c["variant"]: c for c in cards}
        rows = []
        for c in sorted([*cards, *preset_cards],
                        key=lambda c: (c["variant"], c["preset"], c is not shipped.get(c["variant"]))):
            m, t = c["metrics"], c["timing"]
            ref = shipped.get(c["variant"], c)["training"]
            changed = ", ".join(f"{k}={v}" for k, v in c["training"].items() if k in ref and v != ref[k])
            rows.append([c["variant"], c["preset"] + (" (shipped)" if c is shipped.get(c["variant"]) else ""),
                         changed or "-", c["scaling"]["kind"], str(c["grid_size"]), str(c["n_parameters"]),
                         f"{sum(w['bytes'] for w in c['weights']) / 1e6:.1f}",
                         f"{t['seconds_per_epoch']['mean']:.1f}", str(t["threads"]),
                         f"{t['wall_seconds_cv'] / 60:.1f}", _ms(m["roc_auc"]),
                         _ms(m["accuracy_blazar"], True), _ms(m["accuracy_nonblazar"], True),
                         _ms(c["metrics_sparsest_10pct"]["accuracy_blazar"], True),
                         _ms(c["metrics_leakage_controlled"].get("roc_auc"))])
        out += ["Full 10-fold runs compared", "--------------------------", "",
                "The same data and folds with other network widths, input scalings, grids (*L* cells; the "
                "earlier runs still had the PanSTARRS y cell) or training settings (*training* lists what "
                "differs from the shipped run), each "
                "figure cross-validated as above; *MB* is the whole ensemble on "
                "disk, *min* the wall time of the 10-fold run with the given TensorFlow threads on this "
                "2-core machine (shared with other jobs). Cards of runs that are not shipped are kept in "
                "``docs/_static/model/preset_cards/``. The shipped preset was chosen here: where the "
                "cross-validated figures agree within their fold-to-fold spread, the narrower network wins, "
                "because batch classification on two cores is bound by the network's arithmetic (see "
                ":doc:`performance`). Coverage-balanced sample weights (``--coverage-balance``) raised the "
                "share of blazars found among SEDs reduced to AllWISE + SDSS from 8 % to 20 % but cost "
                "accuracy everywhere else, so they are not used; leaving the PanSTARRS y cell out of the "
                "grid (filled for training blazars only) raised it to 58 %. Giving the network each SED's "
                "flux level next to its shape (``shape_level``, shipped since 2026-11) lifted the blazars "
                "found without gamma rays from 92.8 to 97.5 % (4FGL-only blazars from 35 to 81 %, blazars "
                "among the sparsest 10 % from 25 to 77 %) and every reduced view of the robustness table, "
                "for 0.6 points fewer non-blazars (type-1 AGN 78 to 67 %, bright and nearby: the level is a "
                "flux-limited catalogue's cue too). The level alone (``absolute``, two channels) reaches the "
                "same full-set figures (97.2 / 97.5 %) but loses what the shape carries: same-coverage "
                "ROC AUC 0.884 against 0.906, and 55 % against 62 % of the blazars seen only by "
                "AllWISE + SDSS.", "",
                _table(["variant", "preset", "training", "scaling", "L", "params", "MB", "s/epoch", "threads",
                        "min", "ROC AUC", "blazars %", "non-blazars %", "sparsest 10 %: blazars %",
                        "same-cov. AUC"], rows), ""]
    if inference:
        out += ["Inference speed", "---------------", "",
                "``python benchmarks/bench_inference.py --record``: the whole 10-fold ensemble on this "
                "machine (2 CPU cores shared with other jobs); single SEDs use a traced graph call, batches "
                "``Model.predict``.", "",
                _table(list(inference[0].keys()), [[str(v) for v in r.values()] for r in inference]), ""]
    # limits every card states once, then each variant's own (its measured figures differ)
    shared = [t for t in cards[0]["known_limits"] if all(t in c["known_limits"] for c in cards)]
    own = [f"* (``{c['variant']}`` model) {t}" for c in cards for t in c["known_limits"] if t not in shared]
    out += ["Known limits", "------------", ""] + [f"* {t}" for t in shared] + own + [""]
    return "\n".join(out)

