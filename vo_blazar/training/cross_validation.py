"""k-fold cross-validated training and evaluation of the classifier.

One call of `cross_validate` trains ``n_folds`` networks (stratified folds; inside each training
part a stratified validation split for early stopping, the ROC threshold and Platt calibration),
evaluates each on its unseen test fold, and runs the baselines on the same folds. The threshold
and the calibration are chosen on the *validation* split and then applied to the test fold, so
the test figures are honest (nothing is tuned on the data they are measured on).
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
from sklearn.model_selection import StratifiedKFold, train_test_split

from ..exceptions import InputValueError
from ..grid.frequency_grid import GAMMA_LOG_NU
from ..grid.scaling import SHAPE_KINDS, flux_channels
from ..logger import log
from .augmentation import (band_dropout, coverage_patterns, coverage_transplant, coverage_weights,
                           shared_view_copies)
from .baseline import CoverageBaseline, GradientBoostingBaseline
from .config import ModelConfig, TrainingConfig
from ..model.calibration import PlattScaler
from .evaluation import binary_metrics, mean_std, roc_threshold, sparsest_mask
from .network import build_model, input_statistics, set_seed
from ..model.saliency import gradient_saliency

__all__ = ["FoldResult", "CVResult", "train_network", "cross_validate", "check_arrays", "training_inputs",
           "gamma_negative_weights",
           "configure_threads", "save_for_shipping"]

METRIC_KEYS = ("roc_auc", "pr_auc", "accuracy_blazar", "accuracy_nonblazar", "ece")


def configure_threads(n: int | None = None) -> int:
    """Limit TensorFlow's thread pools (the machine is shared; call before any TF work).

    Returns the number of compute threads asked for (default: every core).
    """
    import tensorflow as tf

    n = int(n or os.cpu_count() or 1)
    try:
        tf.config.threading.set_intra_op_parallelism_threads(n)
        tf.config.threading.set_inter_op_parallelism_threads(max(1, min(2, n)))
    except RuntimeError:  # already initialised: keep the existing pools
        pass
    return n


def check_arrays(X, y, grid_size: int | None = None,
                 channels: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Validate the network input: X float (N, L, C) with C = 2 or 3, finite values, y in {0, 1}."""
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 3 or X.shape[2] not in (2, 3):
        raise InputValueError(f"X must have shape (N, L, 2 or 3) (flux, upper-limit flag[, level]), "
                              f"got {X.shape}")
    if grid_size is not None and X.shape[1] != grid_size:
        raise InputValueError(f"X has {X.shape[1]} grid cells but the model expects {grid_size}")
    if channels is not None and X.shape[2] != channels:
        raise InputValueError(f"X has {X.shape[2]} channels per cell but the model expects {channels} "
                              "(the grid's scaling and the model config disagree)")
    if y.shape != (X.shape[0],):
        raise InputValueError(f"y must have shape ({X.shape[0]},), got {y.shape}")
    if not np.isin(y, (0, 1)).all():
        raise InputValueError("y must hold 0 (non-blazar) or 1 (blazar)")
    X = X.astype(np.float32, copy=False)
    if not np.isfinite(X).all():
        raise InputValueError("X holds non-finite values; missing cells must be flagged numerically")
    return X, y.astype(np.int64)


def gamma_negative_weights(X, y, log_nu, weight: float, missing_value: float = 0.0) -> np.ndarray:
    """Sample weights: ``weight`` for non-blazars with a gamma-ray *detection*, 1 for the rest.

    Radio galaxies, Seyferts and starbursts seen by Fermi-LAT are a few dozen SEDs among thousands
    of gamma-ray blazars; unweighted, "a gamma-ray detection" alone decides and every one of them is
    called a blazar.
    """
    gamma = np.asarray(log_nu) > GAMMA_LOG_NU
    detected = (X[..., 0] > missing_value) & (X[..., 1] < 0.5)
    hit = (np.asarray(y) == 0) & detected[:, gamma].any(axis=1)
    return np.where(hit, float(weight), 1.0)


def train_network(config: ModelConfig, X_train, y_train, X_val, y_val, *, training: TrainingConfig,
                  log_nu: np.ndarray, scaling_kind: str = "absolute", missing_value: float = 0.0,
                  floor: float = 0.01, shared_cells: np.ndarray | None = None, seed: int | None = None,
                  verbose: bool = False):
    """Train one network with band-dropout augmentation and early stopping on validation loss.

    With ``shared_cells`` (the leakage-controlled bands), the training set gains
    ``training.shared_copies`` shared-band views of the SEDs that have those bands and more, and
    the validation set gains one such view each, so the stopping epoch also reflects how well the
    network separates the classes when coverage is identical.

    Returns
    -------
    model : keras.Model
        With the weights of the best validation epoch restored.
    history : dict
        ``loss``, ``val_loss`` per epoch, ``best_epoch``, ``seconds_per_epoch``, ``seds_per_second``.
    """
    seed = training.seed if seed is None else seed
    shape = scaling_kind in SHAPE_KINDS
    if shared_cells is not None and training.shared_copies:
        Xc, yc = shared_view_copies(X_train, np.asarray(y_train), np.asarray(shared_cells, bool),
                                    copies=training.shared_copies, missing_value=missing_value,
                                    shape_scaling=shape, floor=floor)
        X_train = np.concatenate([X_train, Xc])
        y_train = np.concatenate([np.asarray(y_train), yc])
        # early stopping must also see the shared-band view, which is learned more slowly than coverage
        Xv, yv = shared_view_copies(X_val, np.asarray(y_val), np.asarray(shared_cells, bool), copies=1,
                                    missing_value=missing_value, shape_scaling=shape, floor=floor)
        X_val = np.concatenate([X_val, Xv])
        y_val = np.concatenate([np.asarray(y_val), yv])
    model = build_model(config, seed=seed, input_stats=input_statistics(X_train, missing_value))
    rng = np.random.default_rng(seed)
    weights = None
    if training.coverage_balance:
        weights = coverage_weights(coverage_patterns(X_train, log_nu, missing_value), y_train)
    if training.gamma_negative_weight != 1.0:
        weights = (np.ones(len(y_train)) if weights is None else weights) * gamma_negative_weights(
            X_train, y_train, log_nu, training.gamma_negative_weight, missing_value)
    yf_train = np.asarray(y_train, dtype=np.float32)
    yf_val = np.asarray(y_val, dtype=np.float32)
    hist: dict[str, Any] = {"loss": [], "val_loss": [], "epoch_seconds": []}
    best, best_w, wait = np.inf, model.get_weights(), 0
    for epoch in range(training.epochs):
        t0 = time.perf_counter()
        Xa = training_inputs(X_train, y_train, log_nu, training, scaling_kind, missing_value, floor, rng,
                             shared_cells=shared_cells)
        h = model.fit(Xa, yf_train, batch_size=training.batch_size, epochs=1, shuffle=True,
                      sample_weight=weights, verbose=0)
        val_loss = float(model.evaluate(X_val, yf_val, batch_size=1024, verbose=0))
        hist["epoch_seconds"].append(time.perf_counter() - t0)
        hist["loss"].append(float(h.history["loss"][-1]))
        hist["val_loss"].append(val_loss)
        if verbose:
            log.info(f"  epoch {epoch + 1}: loss {hist['loss'][-1]:.4f} val_loss {val_loss:.4f} "
                     f"({hist['epoch_seconds'][-1]:.1f} s)")
        if val_loss < best - 1e-4:
            best, best_w, wait = val_loss, model.get_weights(), 0
            hist["best_epoch"] = epoch + 1
        else:
            wait += 1
            if wait >= training.patience:
                break
    model.set_weights(best_w)
    sec = float(np.mean(hist["epoch_seconds"]))
    hist["seconds_per_epoch"] = sec
    hist["seds_per_second"] = float(len(X_train) / sec)
    hist["epochs_run"] = len(hist["loss"])
    return model, hist


@dataclass
class FoldResult:
    """Everything measured on one cross-validation fold."""

    fold: int
    n_train: int
    n_val: int
    n_test: int
    threshold: float
    platt: dict[str, float]
    metrics: dict[str, Any]
    metrics_calibrated: dict[str, Any]
    metrics_sparsest: dict[str, Any]
    metrics_rest: dict[str, Any]
    metrics_leakage_controlled: dict[str, Any] | None
    baselines: dict[str, dict[str, Any]]
    saliency: list[float]
    history: dict[str, Any]
    model_path: str | None = None
    saliency_level: list[float] | None = None   # the level channel's, with the "shape_level" scaling

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class CVResult:
    """Folds of one cross-validated run plus out-of-fold predictions."""

    variant: str
    model_config: ModelConfig
    training: TrainingConfig
    log_nu: np.ndarray
    folds: list[FoldResult] = field(default_factory=list)
    oof: np.ndarray | None = None          # out-of-fold p_blazar, raw
    oof_calibrated: np.ndarray | None = None
    y: np.ndarray | None = None
    wall_seconds: float = 0.0

    def summary(self, which: str = "metrics") -> dict[str, dict[str, float]]:
        """Mean and std over folds of `METRIC_KEYS` from the per-fold dicts named ``which``."""
        rows = [getattr(f, which) for f in self.folds if getattr(f, which)]
        return {k: mean_std([r[k] for r in rows]) for k in METRIC_KEYS} if rows else {}

    def baseline_summary(self, name: str, which: str = "test") -> dict[str, dict[str, float]]:
        rows = [f.baselines[name][which] for f in self.folds if which in f.baselines.get(name, {})]
        return {k: mean_std([r[k] for r in rows]) for k in METRIC_KEYS} if rows else {}

    def threshold(self) -> float:
        """Mean of the per-fold validation thresholds (what the shipped ensemble uses)."""
        return float(np.mean([f.threshold for f in self.folds]))

    def saliency(self, which: str = "saliency") -> np.ndarray | None:
        """Fold mean of the per-cell saliency of the flux channel (``"saliency_level"``: the level)."""
        values = [getattr(f, which) for f in self.folds]
        return np.mean(values, axis=0) if values and values[0] is not None else None


def _predict(model, X: np.ndarray) -> np.ndarray:
    return model.predict(X, batch_size=2048, verbose=0).ravel()


def save_for_shipping(model, path: str | os.PathLike) -> Path:
    """Save the weights in an uncompiled copy (no optimizer state) as a native ``.keras`` file.

    ``keras.models.clone_model`` keeps the optimizer (tripling the file); rebuilding from the
    layer config does not.
    """
    import keras

    clean = keras.Model.from_config(model.get_config())
    clean.set_weights(model.get_weights())
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean.save(path)
    return path


def training_inputs(X, y, log_nu, training: TrainingConfig, scaling_kind: str, missing_value: float,
                    floor: float, rng: np.random.Generator, *,
                    shared_cells: np.ndarray | None = None) -> np.ndarray:
    """One epoch's augmented view of ``X``: what `train_network` fits the network on.

    Band dropout (with the shared-bands-only reduction when ``shared_cells`` is given), then the
    coverage transplant, drawing from ``rng`` in that order.
    """
    shape = scaling_kind in SHAPE_KINDS
    Xa = X
    if (training.band_dropout or training.optical_ir_only
            or (shared_cells is not None and training.shared_only)):
        Xa = band_dropout(X, log_nu, rng, p_band=training.band_dropout, p_optical_ir=training.optical_ir_only,
                          missing_value=missing_value, shape_scaling=shape, floor=floor,
                          shared_cells=shared_cells, p_shared=training.shared_only)
    if training.coverage_transplant:
        Xa, _ = coverage_transplant(Xa, y, rng, p=training.coverage_transplant, missing_value=missing_value,
                                    shape_scaling=shape, floor=floor)
    return Xa


def _coverage_on_training_inputs(X_tr, y_tr, X_te, y_te, log_nu, training, scaling_kind, missing_value,
                                 floor, seed) -> dict[str, Any]:
    """The coverage-only baseline fitted and scored on augmented views (the network's inputs):
    how much band presence alone still says about the label after the augmentation."""
    rng = np.random.default_rng(seed + 7919)
    Xa_tr = training_inputs(X_tr, y_tr, log_nu, training, scaling_kind, missing_value, floor, rng)
    Xa_te = training_inputs(X_te, y_te, log_nu, training, scaling_kind, missing_value, floor, rng)
    b = CoverageBaseline(seed=seed, missing_value=missing_value).fit(Xa_tr, y_tr)
    p_tr = b.predict_proba(Xa_tr)
    return {"test": binary_metrics(y_te, b.predict_proba(Xa_te), roc_threshold(y_tr, p_tr))}


def cross_validate(X, y, *, log_nu, model_config: ModelConfig, training: TrainingConfig | None = None,
                   variant: str = "gamma", scaling_kind: str = "absolute", missing_value: float = 0.0,
                   floor: float = 0.01, same_coverage: dict[str, np.ndarray] | None = None,
                   out_dir: str | os.PathLike | None = None, baselines: bool = True,
                   saliency_samples: int = 1000, folds: list[int] | None = None,
                   progress: Callable[[str], None] | None = None) -> CVResult:
    """Stratified k-fold cross-validation of the network and the baselines.

    Parameters
    ----------
    X : ndarray, shape (N, L, C)
        Encoded SEDs (channel 0 scaled flux, ``missing_value`` in empty cells; channel 1 upper-limit
        flag; with the ``"shape_level"`` scaling channel 2 the flux level).
    y : ndarray, shape (N,)
        1 = blazar, 0 = non-blazar.
    log_nu : ndarray, shape (L,)
        log10 frequency (Hz) of the grid cells (for the band-dropout augmentation).
    model_config, training : ModelConfig, TrainingConfig
    variant : str
        Name recorded with the results ("gamma" / "nogamma").
    scaling_kind : {"absolute", "shape", "shape_level"}
        How the flux was scaled (the augmentation re-anchors channel 0 of the anchored kinds).
    same_coverage : dict, optional
        The leakage-controlled evaluation set: ``{"X": (M, L, C), "rows": (M,) row indices into X}``:
        the same sources restricted to the bands both classes share. Each fold's network and
        baselines are evaluated on the members of its test fold.
    out_dir : path, optional
        Where fold models are written as ``fold_XX.keras``.
    baselines : bool
        Also run the gradient-boosting and coverage-only baselines on the same folds.
    saliency_samples : int
        Test SEDs per fold used for the gradient saliency.
    folds : list of int, optional
        Run only these folds (quick measurements); default all.
    """
    training = training or TrainingConfig()
    X, y = check_arrays(X, y, model_config.grid_size, model_config.channels)
    log_nu = np.asarray(log_nu, dtype=float)
    if log_nu.shape != (X.shape[1],):
        raise InputValueError(f"log_nu must have one value per grid cell ({X.shape[1]}), got {log_nu.shape}")
    say = progress or log.info
    t_all = time.perf_counter()
    result = CVResult(variant=variant, model_config=model_config, training=training, log_nu=log_nu,
                      oof=np.full(len(y), np.nan), oof_calibrated=np.full(len(y), np.nan), y=y)
    skf = StratifiedKFold(n_splits=training.n_folds, shuffle=True, random_state=training.seed)
    n_points = (X[..., 0] > missing_value).sum(axis=1)
    sc_fold_of_row = None
    if same_coverage is not None:
        sc_rows = np.asarray(same_coverage["rows"])
        sc_X = np.asarray(same_coverage["X"], dtype=np.float32)
        if sc_X.shape[0] != sc_rows.size or sc_X.shape[1:] != X.shape[1:]:
            raise InputValueError("same_coverage X must be (M, L, C) like X, with one row index per SED")
        sc_fold_of_row = {int(r): i for i, r in enumerate(sc_rows)}
        # the cells of the shared bands: every same-coverage SED fills exactly these
        shared_cells = (sc_X[..., 0] > missing_value).any(axis=0)
    else:
        shared_cells = None
    for k, (tr, te) in enumerate(skf.split(np.zeros(len(y)), y)):
        if folds is not None and k not in folds:
            continue
        seed = training.seed + k
        set_seed(seed)
        tr_i, va_i = train_test_split(tr, test_size=training.val_fraction, stratify=y[tr], random_state=seed)
        t0 = time.perf_counter()
        model, hist = train_network(model_config, X[tr_i], y[tr_i], X[va_i], y[va_i], training=training,
                                    log_nu=log_nu, scaling_kind=scaling_kind, missing_value=missing_value,
                                    floor=floor, shared_cells=shared_cells, seed=seed)
        hist["train_seconds"] = time.perf_counter() - t0
        p_val = _predict(model, X[va_i])
        p_te = _predict(model, X[te])
        thr = roc_threshold(y[va_i], p_val)
        platt = PlattScaler().fit(y[va_i], p_val)
        thr_cal = float(platt(np.array([thr]))[0])  # monotone map: same decisions after calibration
        m = binary_metrics(y[te], p_te, thr)
        p_te_cal = platt(p_te)
        m_cal = binary_metrics(y[te], p_te_cal, thr_cal)
        sparse = sparsest_mask(n_points[te], 0.1)
        m_sparse = binary_metrics(y[te][sparse], p_te[sparse], thr)
        m_rest = binary_metrics(y[te][~sparse], p_te[~sparse], thr)
        m_sparse["max_points"] = int(n_points[te][sparse].max())
        m_sparse["n_blazar"] = int(np.asarray(y)[te][sparse].sum())
        result.oof[te] = p_te
        result.oof_calibrated[te] = p_te_cal
        # the test fold's same-coverage members, when they hold both classes (else no leakage figures)
        sc_te = None
        m_leak = None
        if sc_fold_of_row is not None:
            sc_te = np.array([sc_fold_of_row[int(r)] for r in te if int(r) in sc_fold_of_row], dtype=int)
            if not (sc_te.size and 0 < y[sc_rows[sc_te]].sum() < sc_te.size):
                sc_te = None
        if sc_te is not None:
            m_leak = binary_metrics(y[sc_rows[sc_te]], _predict(model, sc_X[sc_te]), thr)
        sal = gradient_saliency(model, X[te][:saliency_samples], channel=flux_channels(X.shape[2]))
        base: dict[str, dict[str, Any]] = {}
        if baselines:
            for name, cls in (("gradient_boosting", GradientBoostingBaseline),
                              ("coverage_only", CoverageBaseline)):
                b = cls(seed=seed, missing_value=missing_value).fit(X[tr], y[tr])
                pb_val = b.predict_proba(X[va_i])
                # refit-free threshold: chosen on the validation rows (seen in training, so slightly
                # optimistic); both classes are there, or the network's roc_threshold above would have
                # raised
                tb = roc_threshold(y[va_i], pb_val)
                base[name] = {"test": binary_metrics(y[te], b.predict_proba(X[te]), tb)}
                if sc_te is not None:
                    base[name]["leakage_controlled"] = binary_metrics(
                        y[sc_rows[sc_te]], b.predict_proba(sc_X[sc_te]), tb)
        if baselines:
            base["coverage_only_training_inputs"] = _coverage_on_training_inputs(
                X[tr], y[tr], X[te], y[te], log_nu, training, scaling_kind, missing_value, floor, seed)
        path = None
        if out_dir is not None:
            path = str(save_for_shipping(model, Path(out_dir) / f"fold_{k:02d}.keras"))
        fr = FoldResult(fold=k, n_train=len(tr_i), n_val=len(va_i), n_test=len(te), threshold=thr,
                        platt=platt.to_dict(), metrics=m, metrics_calibrated=m_cal, metrics_sparsest=m_sparse,
                        metrics_rest=m_rest, metrics_leakage_controlled=m_leak, baselines=base,
                        saliency=sal[:, 0].tolist(),
                        saliency_level=sal[:, 1].tolist() if sal.shape[1] > 1 else None,
                        history=hist, model_path=path)
        result.folds.append(fr)
        leak = f", same-coverage AUC {m_leak['roc_auc']:.4f}" if m_leak else ""
        gb = f", GBM AUC {base['gradient_boosting']['test']['roc_auc']:.4f}" if base else ""
        say(f"[{variant}] fold {k + 1}/{training.n_folds}: ROC AUC {m['roc_auc']:.4f}, "
            f"acc blazar {m['accuracy_blazar']:.3f} non-blazar {m['accuracy_nonblazar']:.3f}{leak}{gb}; "
            f"{hist['epochs_run']} epochs, {hist['seconds_per_epoch']:.1f} s/epoch")
        import keras
        keras.backend.clear_session()
    result.wall_seconds = time.perf_counter() - t_all
    return result
