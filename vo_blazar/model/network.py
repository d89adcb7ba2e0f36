"""The Conv1D + bidirectional-LSTM network of Fraga et al., built from a `ModelConfig`.

Only stock Keras layers are used (no ``Lambda``, no custom objects), so that every saved model
loads with ``keras.models.load_model(path, safe_mode=True)``.
"""
from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

from .config import ModelConfig  # noqa: E402

__all__ = ["build_model", "set_seed", "count_layers"]


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and the backend (Keras' own helper) for reproducible runs."""
    keras.utils.set_random_seed(int(seed))


def build_model(config: ModelConfig, *, seed: int | None = None, compile: bool = True) -> keras.Model:
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

    Returns
    -------
    keras.Model
        Input ``(None, grid_size, channels)``, output ``(None, 1)`` probabilities in [0, 1].
    """
    if seed is not None:
        set_seed(seed)
    inp = keras.Input(shape=(config.grid_size, config.channels), name="sed_grid")
    x = inp
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


def count_layers(model: keras.Model) -> int:
    """Number of layers, not counting the input layer (the paper's count)."""
    return sum(1 for layer in model.layers if not isinstance(layer, keras.layers.InputLayer))
