"""The Conv1D + bidirectional-LSTM network of Fraga et al., built from a `ModelConfig`.

Only stock Keras layers are used (no ``Lambda``, no custom objects), so that every saved model
loads with ``keras.models.load_model(path, safe_mode=True)``.
"""
from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

from ..grid.scaling import flux_channels  # noqa: E402
from .config import ModelConfig  # noqa: E402

import numpy as np  # noqa: E402

__all__ = ["build_model", "set_seed", "count_layers", "input_statistics"]


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and the backend (Keras' own helper) for reproducible runs."""
    keras.utils.set_random_seed(int(seed))


def input_statistics(X: np.ndarray, missing_value: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Per-cell mean and variance of the *present* values of the flux channels (0 and 2, if any).

    Returns ``(mean, variance)``, each ``(L, C)`` float32; cells never present get mean 0,
    variance 1, and channel 1 gets mean 0, variance 1 (the upper-limit flag stays 0/1).
    """
    X = np.asarray(X)
    L, C = X.shape[1], X.shape[2]
    m = np.zeros((L, C), np.float32)
    v = np.ones((L, C), np.float32)
    for c in flux_channels(C):
        flux = X[..., c].astype(np.float64)
        present = flux > missing_value
        n = present.sum(axis=0)
        s1 = np.where(present, flux, 0).sum(axis=0)
        s2 = np.where(present, flux ** 2, 0).sum(axis=0)
        mean = np.where(n > 0, s1 / np.maximum(n, 1), 0.0)
        var = np.where(n > 1, s2 / np.maximum(n, 1) - mean ** 2, 1.0)
        m[:, c], v[:, c] = mean, np.where(var > 1e-6, var, 1.0)
    return m, v


def input_range(X: np.ndarray, missing_value: float = 0.0) -> dict[str, list]:
    """Per-cell lowest and highest *present* value of the flux channels, as model-card JSON.

    ``{"low": (L, C) nested list, "high": ...}``, None where a cell was never present and for the
    upper-limit flag. `Ensemble.unusual_cells` flags values outside this range: extrapolation
    beyond every training SED, which a z-score of a bounded value cannot tell from a rare value.
    """
    X = np.asarray(X, dtype=np.float64)
    L, C = X.shape[1], X.shape[2]
    low = np.full((L, C), np.nan)
    high = np.full((L, C), np.nan)
    for c in flux_channels(C):
        present = X[..., c] > missing_value
        seen = present.any(axis=0)
        low[seen, c] = np.where(present, X[..., c], np.inf).min(axis=0)[seen]
        high[seen, c] = np.where(present, X[..., c], -np.inf).max(axis=0)[seen]
    as_json = lambda a: [[None if np.isnan(v) else float(v) for v in row] for row in a]  # noqa: E731
    return {"low": as_json(low), "high": as_json(high)}


def build_model(config: ModelConfig, *, seed: int | None = None, compile: bool = True,
                input_stats: tuple[np.ndarray, np.ndarray] | None = None) -> keras.Model:
    """Build (and compile) the classifier.

    Four blocks of ``Conv1D(kernel, activation) + MaxPooling1D(2)`` with growing filter counts,
    a bidirectional LSTM, hidden dense layers each followed by dropout, and a one-unit sigmoid output.
    Pooling uses ``padding="same"`` so that grids shorter than 16 cells still work.

    Parameters
    ----------
    config : ModelConfig
        The architecture.
    seed : int, optional
        If given, seeds all generators first, so the initial weights are reproducible.
    compile : bool
        Compile with Adam and binary cross-entropy.
    input_stats : (mean, variance), optional
        Per-cell statistics from `input_statistics` (used when ``config.standardize``); default
        the identity (mean 0, variance 1). They are stored in the model file.

    Returns
    -------
    keras.Model
        Input ``(None, grid_size, channels)``, output ``(None, 1)`` probabilities in [0, 1].
    """
    if seed is not None:
        set_seed(seed)
    inp = keras.Input(shape=(config.grid_size, config.channels), name="sed_grid")
    x = inp
    if config.standardize:
        if input_stats is None:
            input_stats = (np.zeros((config.grid_size, config.channels), np.float32),
                           np.ones((config.grid_size, config.channels), np.float32))
        mean, var = (np.asarray(a, np.float32) for a in input_stats)
        # presence mask from stock layers: present cells are >= the scaling floor (0.01), missing 0
        present = keras.layers.ReLU(max_value=1.0, name="present")(
            keras.layers.Rescaling(1e3, name="x1000")(inp))
        z = keras.layers.Normalization(axis=(1, 2), mean=mean, variance=var, name="standardise")(inp)
        z = keras.layers.Multiply(name="zero_missing")([z, present])
        x = keras.layers.Concatenate(name="with_mask")([z, present])
    for i, f in enumerate(config.filters):
        x = keras.layers.Conv1D(f, config.kernel_size, padding="same", activation=config.activation,
                                name=f"conv{i + 1}")(x)
        x = keras.layers.MaxPooling1D(2, padding="same", name=f"pool{i + 1}")(x)
    x = keras.layers.Bidirectional(keras.layers.LSTM(config.lstm_units), name="bilstm")(x)
    for j, d in enumerate(config.dense):
        x = keras.layers.Dense(d, activation=config.dense_activation, name=f"dense{j + 1}")(x)
        if config.dropout:
            x = keras.layers.Dropout(config.dropout, name=f"drop{j + 1}")(x)
    out = keras.layers.Dense(1, activation="sigmoid", name="p_blazar")(x)
    model = keras.Model(inp, out, name="conv_bilstm")
    if compile:
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=config.learning_rate),
                      loss="binary_crossentropy")
    return model


#: Input-preprocessing layers (standardisation and presence mask), not part of the paper's stack.
PREPROCESSING_LAYERS = frozenset({"x1000", "present", "standardise", "zero_missing", "with_mask"})


def count_layers(model: keras.Model) -> int:
    """Number of layers as the paper counts them: no input layer, no input preprocessing."""
    return sum(1 for layer in model.layers
               if not isinstance(layer, keras.layers.InputLayer) and layer.name not in PREPROCESSING_LAYERS)
