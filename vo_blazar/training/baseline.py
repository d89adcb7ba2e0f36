"""Simpler models on the same inputs, to show what the network adds.

* `GradientBoostingBaseline` -- scikit-learn's HistGradientBoostingClassifier on the flattened
  ``(L, C)`` grid (every channel: flux, upper-limit flag and, with ``"shape_level"``, the level);
* `CoverageBaseline` -- the same learner given only the presence mask (which grid cells hold a
  point): how far band coverage alone predicts the label.

These are evaluated inside the cross-validation; they are never shipped, so nothing is serialised.
"""
from __future__ import annotations

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

from ..grid.scaling import flux_channels

__all__ = ["GradientBoostingBaseline", "CoverageBaseline", "presence_mask"]


def presence_mask(X: np.ndarray, missing_value: float = 0.0) -> np.ndarray:
    """(N, L) 0/1 array: which grid cells hold a point."""
    return (np.asarray(X)[..., 0] > missing_value).astype(np.float32)


class GradientBoostingBaseline:
    """Histogram gradient boosting on the flattened grid (all channels).

    Missing cells are given to the learner as NaN so it can route them explicitly.
    """

    features = "grid"

    def __init__(self, *, seed: int = 0, max_iter: int = 300, missing_value: float = 0.0):
        self.missing_value = missing_value
        self.clf = HistGradientBoostingClassifier(max_iter=max_iter, learning_rate=0.1,
                                                  early_stopping=True, validation_fraction=0.1,
                                                  n_iter_no_change=20, random_state=seed)

    def _features(self, X: np.ndarray) -> np.ndarray:
        present = X[..., 0] > self.missing_value
        flux = [np.where(present, X[..., c], np.nan) for c in flux_channels(X.shape[2])]
        return np.concatenate([*flux, X[..., 1]], axis=1)

    def fit(self, X: np.ndarray, y: np.ndarray) -> "GradientBoostingBaseline":
        F = self._features(X)
        # all-missing or constant columns carry nothing (and all-NaN ones break sklearn's binning)
        finite = np.isfinite(F)
        lo = np.where(finite, F, np.inf).min(axis=0)
        hi = np.where(finite, F, -np.inf).max(axis=0)
        self._keep = finite.any(axis=0) & ((hi > lo) | ~finite.all(axis=0))
        if not self._keep.any():
            self._keep[:] = True
        self.clf.fit(F[:, self._keep], np.asarray(y).astype(int))
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return self.clf.predict_proba(self._features(X)[:, self._keep])[:, 1]


class CoverageBaseline(GradientBoostingBaseline):
    """Gradient boosting on the presence mask only: no flux values at all."""

    features = "coverage"

    def _features(self, X: np.ndarray) -> np.ndarray:
        return presence_mask(X, self.missing_value)
