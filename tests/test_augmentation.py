"""Coverage transplant: presence stops predicting the label (synthetic encoded SEDs, tests only)."""
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from vo_blazar.exceptions import InputValueError
from vo_blazar.training.augmentation import coverage_transplant


def _synthetic(n=4000, L=12, seed=0):
    """Class 1 fills cells 0-8, class 0 cells 4-11 (each cell with prob. 0.8): coverage alone gives
    the label away, as in the labelled catalogues."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.4).astype(int)
    present = np.zeros((n, L), bool)
    present[y == 1, :9] = rng.random(((y == 1).sum(), 9)) < 0.8
    present[y == 0, 4:] = rng.random(((y == 0).sum(), 8)) < 0.8
    X = np.zeros((n, L, 3), np.float32)
    X[..., 0] = np.where(present, rng.uniform(0.1, 1.0, (n, L)), 0.0)
    X[..., 2] = np.where(present, rng.uniform(0.1, 1.0, (n, L)), 0.0)
    X[..., 1] = np.where(present & (rng.random((n, L)) < 0.1), 1.0, 0.0)   # some upper limits
    return X, y


def _coverage_auc(X, y):
    presence = (X[..., 0] > 0).astype(float)
    half = len(y) // 2
    clf = LogisticRegression(max_iter=500).fit(presence[:half], y[:half])
    return roc_auc_score(y[half:], clf.predict_proba(presence[half:])[:, 1])


def test_presence_no_longer_predicts_the_label():
    X, y = _synthetic()
    assert _coverage_auc(X, y) > 0.95
    Xt, done = coverage_transplant(X, y, np.random.default_rng(1), p=1.0)
    assert done.mean() > 0.95
    assert _coverage_auc(Xt, y) < 0.6


def test_transplant_only_removes_cells_and_keeps_values_and_flags():
    X, y = _synthetic(n=500)
    Xt, done = coverage_transplant(X, y, np.random.default_rng(2), p=0.5)
    before, after = X[..., 0] > 0, Xt[..., 0] > 0
    assert not (after & ~before).any()                        # never adds a cell
    assert np.array_equal(Xt[after], X[after])                # kept cells unchanged (no re-anchoring)
    assert (Xt[~after] == 0).all()                            # removed cells empty in every channel
    assert np.array_equal(Xt[~done], X[~done])                # SEDs not picked are untouched
    assert 0.4 < done.mean() < 0.6


def test_shape_scaling_reanchors_the_brightest_detection():
    X, y = _synthetic(n=300)
    Xt, done = coverage_transplant(X, y, np.random.default_rng(3), p=1.0, shape_scaling=True, floor=0.01)
    det = (Xt[..., 0] > 0) & (Xt[..., 1] < 0.5)
    top = np.where(det, Xt[..., 0], -np.inf).max(axis=1)
    assert np.allclose(top[done & det.any(axis=1)], 1.0, atol=1e-6)


def test_one_class_only_or_bad_probability():
    X, y = _synthetic(n=50)
    same, done = coverage_transplant(X, np.ones_like(y), np.random.default_rng(0), p=1.0)
    assert not done.any() and np.array_equal(same, X)
    with pytest.raises(InputValueError, match="probability"):
        coverage_transplant(X, y, np.random.default_rng(0), p=1.5)
