"""Probability calibration that the shipped models carry: Platt scaling, two numbers per fold in
the JSON model card (no pickle). Fitted during training (`vo_blazar.training`), applied at
inference (`vo_blazar.model.ensemble`); NumPy only.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..exceptions import InputValueError

__all__ = ["PlattScaler", "check_scores"]


def check_scores(y_true, p) -> tuple[np.ndarray, np.ndarray]:
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
        y, p = check_scores(y_true, p)
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
