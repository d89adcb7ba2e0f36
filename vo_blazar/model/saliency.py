"""Gradient saliency per grid frequency: mean |d p / d input| (the paper's Table 4 and Fig. 9)."""
from __future__ import annotations

import numpy as np

__all__ = ["gradient_saliency"]


def gradient_saliency(model, X: np.ndarray, *, batch_size: int = 512,
                      channel: int | tuple[int, ...] = 0) -> np.ndarray:
    """Mean absolute gradient of the output probability with respect to each input cell.

    Parameters
    ----------
    model : keras.Model
        A model with a ``(None, L, C)`` input and a ``(None, 1)`` output.
    X : ndarray, shape (N, L, C)
    batch_size : int
    channel : int or tuple of int
        Input channel(s) to report (0 = flux or its shape, 2 = the flux level of ``"shape_level"``).

    Returns
    -------
    ndarray, shape (L,) or (L, len(channel))
        ``mean_n |d p_n / d X[n, l, channel]|`` (one column per channel when a tuple is given).
    """
    import tensorflow as tf

    total = np.zeros((X.shape[1], *np.shape(channel)), dtype=np.float64)
    for start in range(0, X.shape[0], batch_size):
        xb = tf.convert_to_tensor(X[start:start + batch_size], dtype=tf.float32)
        with tf.GradientTape() as tape:
            tape.watch(xb)
            p = model(xb, training=False)
        g = tape.gradient(p, xb).numpy()
        total += np.abs(g[..., list(np.atleast_1d(channel))]).sum(axis=0).reshape(total.shape)
    return total / max(X.shape[0], 1)
