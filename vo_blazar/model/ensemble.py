"""The shipped fold ensembles: loading them and predicting mean and spread.

A shipped model is a folder ``vo_blazar/data/models/<variant>/`` holding

* ``fold_XX.keras`` -- one native Keras file per cross-validation fold (stock layers only; loaded in
  Keras safe mode when the ``train`` extra is installed);
* ``ensemble.onnx`` + ``onnx_manifest.json`` -- the same folds exported for ONNX Runtime, the
  default inference runtime, which needs no TensorFlow (see `vo_blazar.model.runtime`);
* ``grid.json`` -- the `~vo_blazar.grid.FrequencyGrid` the folds were trained on;
* ``model_card.json`` -- architecture, threshold, calibration, metrics, data counts, limits and the
  SHA-256 of every weight file (checked before loading, so a corrupted file is named, not guessed).
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

from ..exceptions import InputValueError, ModelError
from ..grid.scaling import flux_channels
from ..logger import log
from .card import ModelCard
from .runtime import (EXPORT_COMMAND, MANIFEST_NAME, RUNTIMES, KerasFolds, StaleExportError, keras_available,
                      load_onnx_folds, onnxruntime_available, read_manifest)
from ..package_data import data_path

__all__ = ["Ensemble", "load_ensemble", "MODELS_DIR", "VARIANTS", "sha256_of"]

#: Folder of the shipped models (a plain path, like the grids: editable installs confuse
#: importlib.resources.files for data folders without __init__).
MODELS_DIR = data_path("models")
VARIANTS = ("gamma", "nogamma")
CARD_NAME = "model_card.json"
GRID_NAME = "grid.json"
_RANGE_TOLERANCE = 1e-6   # float32 encoding of a training SED's own value


def sha256_of(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _load_keras(path: Path, expected_sha256: str | None):
    import keras

    if not path.is_file():
        raise ModelError(f"model weight file {path} does not exist")
    if expected_sha256 is not None and sha256_of(path) != expected_sha256:
        raise ModelError(f"model weight file {path} is corrupted: its SHA-256 does not match the model card")
    try:
        return keras.models.load_model(path, safe_mode=True, compile=False)
    except Exception as exc:  # Keras raises ValueError/OSError/zipfile errors for a damaged file
        raise ModelError(f"model weight file {path} cannot be loaded by Keras "
                         f"({type(exc).__name__}: {exc})") from exc


class Ensemble:
    """The fold models of one variant, their grid and their model card.

    Parameters
    ----------
    models : list of keras.Model, or `~vo_blazar.model.runtime.OnnxFolds`
        One Keras model per fold, or all folds exported for ONNX Runtime.
    grid : FrequencyGrid
        The grid every model was trained on.
    card : ModelCard or dict
        The model card (threshold, calibration, metrics, ...); a dict is read as a `ModelCard`.

    Attributes
    ----------
    card : ModelCard
        The model card.
    threshold : float
        Predict "blazar" when the ensemble mean ``p >= threshold`` (the mean of the per-fold ROC
        points closest to (0, 1), chosen on validation data; on the calibrated scale if the card
        says the output is calibrated).
    runtime : {"onnx", "keras"}
        What runs the network.
    """

    def __init__(self, models, grid, card: ModelCard | Mapping[str, Any]):
        card = card if isinstance(card, ModelCard) else ModelCard(card)
        if isinstance(models, (list, tuple)):
            if not models:
                raise ModelError("an ensemble needs at least one model")
            self._folds = KerasFolds(models, card.variant)
        else:
            self._folds = models
        self.grid = grid
        self.card = card
        self.variant = card.variant
        self.threshold = card.threshold
        self._platt = None
        if card.calibration_method == "platt":
            self._platt = list(card.platt_per_fold)
            if len(self._platt) != len(self):
                raise ModelError(f"model card lists {len(self._platt)} calibrations "
                                 f"for {len(self)} folds")

    def __len__(self) -> int:
        return self._folds.n_folds

    @property
    def runtime(self) -> str:
        return self._folds.name

    @property
    def models(self) -> list:
        """The Keras fold models (Keras runtime only)."""
        if self.runtime != "keras":
            raise ModelError(f"the {self.variant!r} ensemble runs on ONNX Runtime and has no Keras models; "
                             "load it with runtime='keras' (needs pip install 'vo_blazar[train]')")
        return self._folds.models

    def saliency(self, X: np.ndarray, channels: tuple[int, ...] = (0,)) -> np.ndarray:
        """Mean ``|dp / d input|`` over SEDs and folds, shape ``(L, len(channels))`` (raw outputs).

        Keras: the autodiff gradient (`~vo_blazar.model.saliency.gradient_saliency`); ONNX Runtime:
        central differences on present cells (missing cells 0, as the gradient gives there).
        """
        X = np.asarray(X, dtype=np.float32)
        return self._folds.saliency(X[None] if X.ndim == 2 else X, tuple(channels),
                                    self.grid.scaling.missing_value)

    @property
    def cell_names(self) -> list[str]:
        """Short name of each grid cell: its first catalogue band ("W1"), else its log frequency."""
        return [lab.split("|")[0].split(":")[-1] or f"log nu {lnu:.2f}"
                for lab, lnu in zip(self.grid.labels, self.grid.log_frequencies)]

    def unusual_cells(self, X: np.ndarray) -> list[str]:
        """Why each encoded SED lies outside what the folds were trained on ("" when it does not).

        Two checks: a point in a cell that no training SED had (the per-cell statistics stored in
        the models' ``standardise`` layers), and a flux value below or above every training SED's
        value in its cell (the card's ``input_range``; models whose card lacks it get the first
        check only). Every training SED passes both by construction, so a warning means
        extrapolation, not merely a rare value.
        """
        X = np.asarray(X)
        C = self.grid.shape[1]
        if getattr(self, "_seen", None) is None:
            self._seen = self._folds.seen_cells()
        present = X[..., 0] > self.grid.scaling.missing_value
        new = present & ~self._seen
        outside = []                     # (channel name, below (N, L), above (N, L))
        limits = self.card.input_range
        if limits is not None:
            low, high = limits
            for c in flux_channels(C):
                name = "level" if c == 2 else ("shape" if self.grid.scaling.anchored else "flux")
                with np.errstate(invalid="ignore"):
                    below = present & (X[..., c] < low[:, c] - _RANGE_TOLERANCE)
                    above = present & (X[..., c] > high[:, c] + _RANGE_TOLERANCE)
                outside.append((name, below, above))
        labels = self.cell_names
        flagged = new.any(axis=1)
        for _, below, above in outside:
            flagged |= below.any(axis=1) | above.any(axis=1)
        out = [""] * X.shape[0]
        for i in np.flatnonzero(flagged):   # the rare rows only
            reasons = []
            if new[i].any():
                reasons.append("points in band(s) no training SED had: "
                               + ", ".join(labels[j] for j in np.flatnonzero(new[i])))
            for name, below, above in outside:
                for side, mask in (("below", below), ("above", above)):
                    if mask[i].any():
                        cells = ", ".join(labels[j] for j in np.flatnonzero(mask[i]))
                        reasons.append(f"{name} {side} every training SED in {cells}")
            out[i] = "; ".join(reasons)
        return out

    def __repr__(self) -> str:
        return (f"<Ensemble {self.variant!r}: {len(self)} folds on {self.runtime}, "
                f"grid {getattr(self.grid, 'version', '?')}, threshold {self.threshold:.3f}>")

    @property
    def calibrated(self) -> bool:
        return self._platt is not None

    def predict_folds(self, X: np.ndarray, *, batch_size: int | None = None,
                      calibrated: bool = True) -> np.ndarray:
        """Per-fold probabilities, shape (n_folds, N): calibrated if the card says so, unless
        ``calibrated=False`` asks for the networks' raw outputs (what the card's per-fold metrics use).
        ``batch_size`` defaults to what suits the runtime (4096 for Keras, 256 for ONNX Runtime)."""
        X = np.asarray(X, dtype=np.float32)
        if X.ndim == 2:
            X = X[None]
        if X.ndim != 3 or X.shape[1:] != self.grid.shape:
            raise InputValueError(f"input must have shape (N, {', '.join(map(str, self.grid.shape))}) "
                                  f"for grid {self.grid.version}, got {X.shape}")
        if not np.isfinite(X).all():
            raise InputValueError("input holds non-finite values")
        step = int(batch_size or self._folds.batch_size)
        parts = [np.asarray(self._folds(X[i:i + step]), dtype=float) for i in range(0, X.shape[0], step)]
        p = np.concatenate(parts) if parts else np.zeros((0, len(self)))
        out = p.reshape(X.shape[0], len(self)).T.copy()
        return self.calibrate_folds(out) if calibrated else out

    def calibrate_folds(self, p_folds: np.ndarray) -> np.ndarray:
        """Raw per-fold outputs ``(n_folds, N)`` on the card's calibrated scale (unchanged without one)."""
        out = np.asarray(p_folds, dtype=float)
        if self._platt is not None:
            out = np.stack([scaler(row) for scaler, row in zip(self._platt, out)])   # each fold's own scaler
        return out

    def predict(self, X: np.ndarray, *, batch_size: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation of p(blazar) over the folds.

        Parameters
        ----------
        X : ndarray, shape (N, L, C) or (L, C) (``grid.shape``)
            Encoded with ``self.grid``.

        Returns
        -------
        mean, std : ndarray, shape (N,)
        """
        p = self.predict_folds(X, batch_size=batch_size)
        return p.mean(axis=0), p.std(axis=0)

    def predict_seds(self, seds: Iterable) -> tuple[np.ndarray, np.ndarray]:
        """Encode SED tables with the ensemble's grid and predict (mean, std)."""
        X = self.grid.encode_many(list(seds))
        return self.predict(X)

    def classify(self, X: np.ndarray) -> np.ndarray:
        """Boolean "is a blazar" at the card's threshold."""
        return self.predict(X)[0] >= self.threshold


def load_ensemble(variant: str = "gamma", *, directory: str | os.PathLike | None = None,
                  runtime: str = "auto") -> Ensemble:
    """Load a shipped (or user-trained) fold ensemble.

    Parameters
    ----------
    variant : {"gamma", "nogamma"}
        Which shipped model; ignored for the folder name when ``directory`` is given.
    directory : path, optional
        A model folder (``model_card.json``, ``grid.json``, ``fold_XX.keras``, optionally
        ``ensemble.onnx`` + ``onnx_manifest.json``); default the shipped ``vo_blazar/data/models/<variant>``.
    runtime : {"auto", "onnx", "keras"}
        ``"auto"``: ONNX Runtime when the folder has an export and onnxruntime is installed, else
        Keras (the ``train`` extra); an export older than the card's fold files falls back to
        Keras with a warning when Keras is installed.

    Raises
    ------
    ModelError
        A missing or corrupted card, grid, weight or exported file (the message names the file),
        or no runtime that can run this folder.
    """
    from ..grid import FrequencyGrid

    if runtime not in RUNTIMES:
        raise InputValueError(f"runtime must be one of {RUNTIMES}, got {runtime!r}")
    if directory is None:
        if variant not in VARIANTS:
            raise InputValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
        directory = MODELS_DIR / variant
    directory = Path(directory)
    card = ModelCard.read(directory / CARD_NAME, required=()).check_ensemble()
    grid = FrequencyGrid.load(directory / card.grid_file)
    grid_size = int(card.model_config["grid_size"])
    if len(grid) != grid_size:
        raise ModelError(f"{directory}: grid has {len(grid)} cells but the model card says {grid_size}")
    folds = _onnx_or_none(directory, card, grid.shape, runtime)
    if folds is not None:
        log.debug(f"loaded the {folds.n_folds}-fold ONNX export {folds.path}")
        return Ensemble(folds, grid, card)
    models = []
    for entry in card.weights:
        path = directory / entry.file
        m = _load_keras(path, entry.sha256)
        if tuple(m.input_shape[1:]) != grid.shape:
            raise ModelError(f"model weight file {path} expects input {m.input_shape[1:]}, "
                             f"grid gives {grid.shape}")
        models.append(m)
    log.debug(f"loaded {len(models)} Keras fold models from {directory}")
    return Ensemble(models, grid, card)


def _onnx_or_none(directory: Path, card: ModelCard, grid_shape: tuple[int, ...], runtime: str):
    """The folder's ONNX folds, or None where Keras should run them (see `load_ensemble`)."""
    if runtime == "keras":
        if not keras_available():
            raise ModelError("runtime='keras' needs TensorFlow and Keras: pip install 'vo_blazar[train]'")
        return None
    manifest = read_manifest(directory)
    have_keras = keras_available()
    if manifest is None:
        if runtime == "onnx" or not have_keras:
            raise ModelError(f"model folder {directory} has no ONNX export ({directory / MANIFEST_NAME})"
                             + ("" if have_keras else " and TensorFlow/Keras are not installed")
                             + f": export it with {EXPORT_COMMAND} (needs pip install 'vo_blazar[train]')")
        return None
    if not onnxruntime_available():
        if runtime == "onnx" or not have_keras:
            raise ModelError("the ONNX export needs ONNX Runtime: pip install onnxruntime")
        return None
    try:
        return load_onnx_folds(directory, card, manifest, grid_shape)
    except StaleExportError as exc:
        if runtime == "onnx" or not have_keras:
            raise
        log.warning(f"{exc}; using the Keras fold files instead")
        return None


def __getattr__(name: str):
    from .._moved import moved_attribute
    return moved_attribute(__name__, name, {"compact_models": "vo_blazar.training.export"})
