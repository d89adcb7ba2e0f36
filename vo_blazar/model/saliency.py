"""Gradient saliency per grid frequency: mean |d p / d input| (the paper's Table 4 and Fig. 9)."""
from __future__ import annotations

import numpy as np

__all__ = ["gradient_saliency"]


def gradient_saliency(model, X: np.ndarray, *, batch_size: int = 512, channel: int = 0) -> np.ndarray:
    """Mean absolute gradient of the output probability with respect to each input cell.

    Parameters
    ----------
    model : keras.Model
        A model with a ``(None, L, C)`` input and a ``(None, 1)`` output.
    X : ndarray, shape (N, L, C)
    batch_size : int
    channel : int
        Input channel to report (0 = flux).

    Returns
    -------
    ndarray, shape (L,)
        ``mean_n |d p_n / d X[n, l, channel]|``.
    """
    import tensorflow as tf

    total = np.zeros(X.shape[1], dtype=np.float64)
    for start in range(0, X.shape[0], batch_size):
        xb = tf.convert_to_tensor(X[start:start + batch_size], dtype=tf.float32)
        with tf.GradientTape() as tape:
            tape.watch(xb)
            p = model(xb, training=False)
        g = tape.gradient(p, xb).numpy()
        total += np.abs(g[..., channel]).sum(axis=0)
    return total / max(X.shape[0], 1)
