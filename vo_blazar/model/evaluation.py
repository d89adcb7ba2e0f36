"""Evaluation of a binary classifier's probabilities: ROC/PR, the paper's threshold, per-class
accuracies, calibration (reliability diagram, ECE, Platt scaling) and the sparsest-SED test.

Everything works on plain NumPy arrays so it serves the network and the baselines alike.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..exceptions import InputValueError

__all__ = [
    "roc_threshold",
    "confusion_at",
    "binary_metrics",
    "expected_calibration_error",
    "reliability_curve",
    "PlattScaler",
    "sparsest_mask",
    "mean_std",
]


def _check(y_true, p) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y_true).astype(int).ravel()
    p = np.asarray(p, dtype=float).ravel()
    if y.shape != p.shape:
        raise InputValueError(f"labels and probabilities differ in length: {y.size} vs {p.size}")
    if y.size == 0:
        raise InputValueError("no samples to evaluate")
    if not np.isin(y, (0, 1)).all():
        raise InputValueError("labels must be 0 (non-blazar) or 1 (blazar)")
    if not np.isfinite(p).all():
        raise InputValueError("probabilities must be finite")
    return y, p


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
    from sklearn.metrics import roc_curve   # here: classify needs only PlattScaler, not sklearn

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


@dataclass
class PlattScaler:
    """Platt scaling ``p' = sigmoid(a * logit(p) + b)``, fitted by Newton's method.

    Two numbers, stored in the JSON model card (no pickle). ``a = 1, b = 0`` is the identity.
    """

    a: float = 1.0
    b: float = 0.0

    @staticmethod
    def _logit(p: np.ndarray) -> np.ndarray:
        p = np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)
        return np.log(p / (1 - p))

    def fit(self, y_true, p, n_iter: int = 50, l2: float = 1e-3) -> "PlattScaler":
        """Fit on held-out (validation) predictions; returns self."""
        y, p = _check(y_true, p)
        # Platt's smoothed targets avoid infinite slopes on separable data
        n1, n0 = y.sum(), y.size - y.sum()
        t = np.where(y == 1, (n1 + 1) / (n1 + 2), 1 / (n0 + 2))
        z = self._logit(p)
        X = np.column_stack([z, np.ones_like(z)])

        def loss(w):
            s = X @ w
            # log(1 + exp(s)) - t s, written stably
            return float(np.sum(np.logaddexp(0.0, s) - t * s) + 0.5 * l2 * w @ w)

        w = np.array([1.0, 0.0])
        f = loss(w)
        for _ in range(n_iter):
            q = 0.5 * (1.0 + np.tanh(0.5 * (X @ w)))  # sigmoid without overflow
            g = X.T @ (q - t) + l2 * w
            H = (X * (q * (1 - q))[:, None]).T @ X + l2 * np.eye(2)
            step = np.linalg.solve(H, g)
            # damped Newton: halve the step until the loss decreases (plain Newton can overshoot)
            lam = 1.0
            while lam > 1e-6 and loss(w - lam * step) > f:
                lam *= 0.5
            w = w - lam * step
            f_new = loss(w)
            if abs(f - f_new) < 1e-10 * max(1.0, abs(f)):
                break
            f = f_new
        self.a, self.b = float(w[0]), float(w[1])
        return self

    def __call__(self, p) -> np.ndarray:
        z = self._logit(p)
        return 0.5 * (1.0 + np.tanh(0.5 * (self.a * z + self.b)))

    def to_dict(self) -> dict[str, float]:
        return {"a": self.a, "b": self.b}


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
