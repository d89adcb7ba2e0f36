"""Evaluation of a binary classifier's probabilities: ROC/PR, the paper's threshold, per-class
accuracies, calibration (reliability diagram, ECE, Platt scaling) and the sparsest-SED test.

Everything works on plain NumPy arrays so it serves the network and the baselines alike.
"""
from __future__ import annotations

import numpy as np

from ..exceptions import InputValueError
from ..model.calibration import check_scores as _check

__all__ = [
    "roc_threshold",
    "confusion_at",
    "binary_metrics",
    "expected_calibration_error",
    "reliability_curve",
    "sparsest_mask",
    "mean_std",
    "auc_by_group",
]


def roc_threshold(y_true, p) -> float:
    """The threshold at the ROC point closest to (FPR, TPR) = (0, 1), as in Fraga et al.

    Parameters
    ----------
    y_true : array of {0, 1}
    p : array of float
        Predicted probabilities of class 1.

    Returns
    -------
    float
        Predict class 1 when ``p >= threshold``.
    """
    y, p = _check(y_true, p)
    if y.min() == y.max():
        raise InputValueError("both classes are needed to choose a ROC threshold")
    from sklearn.metrics import roc_curve   # here: classify never imports this module, but keep sklearn off import anyway

    fpr, tpr, thr = roc_curve(y, p)
    d = np.hypot(fpr, 1.0 - tpr)
    i = int(np.argmin(d))
    # roc_curve's first threshold is +inf (nothing predicted positive); never return it
    chosen = float(min(thr[i], 1.0))
    # the vertex is itself a score, often shared by many identical SEDs (e.g. survey limits only):
    # at exactly that value a 1e-7 difference between runtimes (Keras vs ONNX) flips the whole
    # group, so return the midpoint to the next lower score: the same decisions on these data,
    # and a margin against float noise
    below = p[p < chosen]
    if below.size:
        chosen = 0.5 * (chosen + float(below.max()))
    return chosen


def confusion_at(y_true, p, threshold: float) -> np.ndarray:
    """Confusion matrix ``[[TN, FP], [FN, TP]]`` for ``p >= threshold``."""
    y, p = _check(y_true, p)
    pred = (p >= threshold).astype(int)
    cm = np.zeros((2, 2), dtype=int)
    for t in (0, 1):
        for q in (0, 1):
            cm[t, q] = int(np.sum((y == t) & (pred == q)))
    return cm


def expected_calibration_error(y_true, p, n_bins: int = 10) -> float:
    """Expected calibration error over equal-width probability bins.

    ``ECE = sum_b (n_b / N) |mean(y)_b - mean(p)_b|``.
    """
    rc = reliability_curve(y_true, p, n_bins)
    n = rc["count"]
    ece = 0.0
    for b in np.flatnonzero(n):
        ece += n[b] / n.sum() * abs(rc["fraction_positive"][b] - rc["mean_predicted"][b])
    return float(ece)


def reliability_curve(y_true, p, n_bins: int = 10) -> dict[str, np.ndarray]:
    """Per-bin mean prediction, observed fraction of class 1, and count (empty bins are NaN)."""
    y, p = _check(y_true, p)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    idx = np.clip(np.digitize(p, edges[1:-1], right=False), 0, n_bins - 1)
    mean_p = np.full(n_bins, np.nan)
    frac = np.full(n_bins, np.nan)
    count = np.zeros(n_bins, dtype=int)
    for b in range(n_bins):
        m = idx == b
        count[b] = int(m.sum())
        if count[b]:
            mean_p[b] = p[m].mean()
            frac[b] = y[m].mean()
    return {"edges": edges, "mean_predicted": mean_p, "fraction_positive": frac, "count": count}


def binary_metrics(y_true, p, threshold: float) -> dict[str, float]:
    """ROC AUC, PR AUC (average precision), per-class accuracies, ECE and the confusion matrix."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    y, p = _check(y_true, p)
    cm = confusion_at(y, p, threshold)
    both = y.min() != y.max()
    out = {
        "n": int(y.size),
        "n_blazar": int(y.sum()),
        "roc_auc": float(roc_auc_score(y, p)) if both else float("nan"),
        "pr_auc": float(average_precision_score(y, p)) if both else float("nan"),
        "accuracy_blazar": float(cm[1, 1] / cm[1].sum()) if cm[1].sum() else float("nan"),
        "accuracy_nonblazar": float(cm[0, 0] / cm[0].sum()) if cm[0].sum() else float("nan"),
        "ece": expected_calibration_error(y, p),
        "threshold": float(threshold),
        "confusion": cm.tolist(),
    }
    return out


def sparsest_mask(n_points: np.ndarray, fraction: float = 0.1) -> np.ndarray:
    """Boolean mask of the ``fraction`` of SEDs with the fewest filled grid cells.

    Ties at the cut are broken by position (stable sort), so the subset has exactly
    ``ceil(fraction * N)`` members.
    """
    n_points = np.asarray(n_points)
    k = int(np.ceil(fraction * n_points.size))
    order = np.argsort(n_points, kind="stable")
    m = np.zeros(n_points.size, dtype=bool)
    m[order[:k]] = True
    return m


def mean_std(values) -> dict[str, float]:
    """``{"mean": .., "std": ..}`` over folds, ignoring NaN (sample std, ddof=1)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return {"mean": float("nan"), "std": float("nan")}
    return {"mean": float(v.mean()), "std": float(v.std(ddof=1)) if v.size > 1 else 0.0}


def auc_by_group(classes: np.ndarray, origins: np.ndarray, y: np.ndarray, p: np.ndarray,
                 min_sources: int = 10) -> list[tuple[str, int, float]]:
    """ROC AUC per blazar class (against all non-blazars) and per non-blazar origin (against all blazars).

    Rows ``(group, sources in the group, AUC)``; groups under ``min_sources`` are left out.
    """
    rows = []
    neg, pos = y == 0, y == 1
    for cls in sorted(set(classes[pos])):
        sel = pos & (classes == cls)
        if sel.sum() >= min_sources:
            rows.append((f"blazars {cls} vs all non-blazars", int(sel.sum()),
                         _group_auc(p[sel | neg], y[sel | neg])))
    for origin in dict.fromkeys(origins[neg]):
        sel = neg & (origins == origin)
        if sel.sum() >= min_sources:
            rows.append((f"all blazars vs non-blazars from {origin}", int(sel.sum()),
                         _group_auc(p[sel | pos], y[sel | pos])))
    return rows


def _group_auc(score: np.ndarray, y: np.ndarray) -> float:
    """ROC AUC, NaN when one class is absent."""
    from sklearn.metrics import roc_auc_score
    if len(np.unique(y)) < 2:
        return float("nan")
    return float(roc_auc_score(y, score))
