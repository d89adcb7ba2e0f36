"""Inference runtimes of a fold ensemble: ONNX Runtime (the default, no TensorFlow) or Keras.

Training stays Keras 3 on TensorFlow. For inference every shipped model folder also holds

* ``ensemble.onnx`` -- all folds as one ONNX graph, input ``(N, L, C)`` float32, output ``(N, n_folds)``
  (each fold's raw sigmoid output), written by ``python -m vo_blazar.training.export``;
* ``onnx_manifest.json`` -- the SHA-256 of that file (checked before loading, a mismatch is refused),
  the SHA-256 of the ``fold_XX.keras`` files it was exported from (an export older than the model
  card's weights is stale), its input and output names and the grid cells that the folds' training
  data filled (from the ``standardise`` layers, used by `Ensemble.unusual_cells`).

ONNX Runtime is a ~30 MB wheel that loads the ten folds in a few hundredths of a second and runs
them faster than the traced TensorFlow graph on a CPU (docs/performance.rst); it is imported only
when a model is first loaded.
"""
from __future__ import annotations

import hashlib
import importlib.util
import threading
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..exceptions import ModelError
from ..jsonfile import read_json
from .card import ModelCard

__all__ = ["OnnxFolds", "KerasFolds", "load_onnx_folds", "read_manifest", "session_options",
           "onnxruntime_available", "keras_available", "INTRA_OP_THREADS", "MANIFEST_NAME", "MANIFEST_FORMAT", "ONNX_NAME", "RUNTIMES",
           "EXPORT_COMMAND", "StaleExportError"]

MANIFEST_NAME = "onnx_manifest.json"
MANIFEST_FORMAT = "vo_blazar-onnx-export-1"
ONNX_NAME = "ensemble.onnx"
RUNTIMES = ("auto", "onnx", "keras")
EXPORT_COMMAND = "python -m vo_blazar.training.export"
#: Step of the central differences of `OnnxFolds.saliency`. Present cells are >= the scaling floor
#: (0.01), so x - h stays present and the network's presence mask (ReLU of 1000 x, capped at 1)
#: stays saturated. Measured against the Keras gradient on archive SEDs: 1e-3 is off by up to 9 %
#: (curvature of tanh), 3e-5 by 0.5 %, still far above float32 rounding of p (~1e-7).
_FD_STEP = 3e-5


class StaleExportError(ModelError):
    """The ONNX export was made from other fold files than the model card lists."""


def _installed(name: str) -> bool:
    try:        # without importing it (TensorFlow takes seconds)
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):   # a finder that refuses it, a half-removed package
        return False


def onnxruntime_available() -> bool:
    return _installed("onnxruntime")


def keras_available() -> bool:
    """TensorFlow and Keras (the ``train`` extra) installed."""
    return _installed("keras") and _installed("tensorflow")


def read_manifest(directory: str | Path) -> dict[str, Any] | None:
    """The export manifest of a model folder, None when the folder has none."""
    path = Path(directory) / MANIFEST_NAME
    if not path.is_file():
        return None
    manifest = read_json(path, "ONNX export manifest")
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        raise ModelError(f"ONNX export manifest {path} is not a {MANIFEST_FORMAT} file")
    for key in ("file", "sha256", "input_name", "n_folds", "input_shape", "source_weights", "seen_cells"):
        if key not in manifest:
            raise ModelError(f"ONNX export manifest {path} lacks required entry {key!r}")
    return manifest


def _check_fresh(manifest: dict[str, Any], card: ModelCard, path: Path) -> None:
    """The export must come from exactly the fold files the model card lists."""
    exported = [(w["file"], w["sha256"]) for w in manifest["source_weights"]]
    listed = [(w.file, w.sha256) for w in card.weights]
    if exported != listed:
        raise StaleExportError(f"ONNX export {path} was made from other fold files than the model card "
                               f"lists (re-export after training: {EXPORT_COMMAND})")


def _fd_saliency(predict, X: np.ndarray, channels: Sequence[int], missing_value: float) -> np.ndarray:
    """Mean over SEDs and folds of |d p_fold / d X[n, l, c]| by central differences.

    Missing cells get 0, as the autodiff gradient does there (the presence mask's ReLU has zero
    gradient at 0; a finite step would switch the cell on).
    """
    X = np.asarray(X, dtype=np.float32)
    N, L, _ = X.shape
    out = np.zeros((L, len(channels)))
    for n in range(N):
        cells = [(l, k, c) for k, c in enumerate(channels) for l in range(L) if X[n, l, c] > missing_value]
        if not cells:
            continue
        batch = np.repeat(X[n][None], 2 * len(cells), axis=0)
        for i, (l, _, c) in enumerate(cells):
            batch[2 * i, l, c] += _FD_STEP
            batch[2 * i + 1, l, c] -= _FD_STEP
        # the step as float32 holds it (x + h is rounded to the input's precision)
        step = np.array([batch[2 * i, l, c] - batch[2 * i + 1, l, c] for i, (l, _, c) in enumerate(cells)],
                        dtype=np.float64)
        p = np.asarray(predict(batch), dtype=np.float64)             # (2 * cells, n_folds)
        grad = np.abs(p[0::2] - p[1::2]) / step[:, None]             # (cells, n_folds)
        for i, (l, k, _) in enumerate(cells):
            out[l, k] += grad[i].mean()
    return out / max(N, 1)


class OnnxFolds:
    """All folds of one ensemble as one ONNX graph, run with ONNX Runtime (thread-safe).

    Parameters
    ----------
    session : onnxruntime.InferenceSession
    manifest : dict
        The export manifest (input name, fold count, seen cells).
    path : Path
        The ONNX file (for messages).
    """

    name = "onnx"
    #: Rows per call: ONNX Runtime's CPU kernels run fastest on a few hundred SEDs at a time
    #: (cache-sized blocks; 256 and 512 beat 2048 by ~20 % on archive SEDs).
    batch_size = 256

    def __init__(self, session, manifest: dict[str, Any], path: Path):
        self._session = session
        self._input = manifest["input_name"]
        self.n_folds = int(manifest["n_folds"])
        self._seen = np.asarray(manifest["seen_cells"], dtype=bool)
        self.path = Path(path)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        """Raw per-fold outputs, shape ``(N, n_folds)``."""
        return self._session.run(None, {self._input: np.ascontiguousarray(X, dtype=np.float32)})[0]

    def seen_cells(self) -> np.ndarray:
        return self._seen

    def saliency(self, X: np.ndarray, channels: Sequence[int], missing_value: float) -> np.ndarray:
        """Mean over folds of the per-fold mean ``|dp / dX|`` (central differences), shape (L, channels)."""
        return _fd_saliency(self, X, channels, missing_value)


class KerasFolds:
    """The fold models (Keras) as one fused model with one traced call; needs the train extra."""

    name = "keras"
    batch_size = 4096

    def __init__(self, models: list, variant: str = "?"):
        self.models = list(models)
        self.n_folds = len(self.models)
        self._variant = variant
        self._lock = threading.Lock()
        self._call = None

    def _fused(self):
        """All folds as one Keras model (one output column per fold) and its traced call.

        One graph for the whole ensemble instead of one per fold: ~3x faster batched, and a
        single traced call for a handful of SEDs instead of ``predict``'s per-call set-up.
        """
        with self._lock:       # threads sharing an ensemble trace it once
            if self._call is None:
                import keras
                import tensorflow as tf

                shape = tuple(self.models[0].input_shape[1:])
                inp = keras.Input(shape=shape, name="sed_grid")
                outs = []
                for i, m in enumerate(self.models):
                    m.name = f"fold_{i:02d}"   # nested models need unique names
                    outs.append(m(inp))
                out = keras.layers.Concatenate(name="folds")(outs) if len(outs) > 1 else outs[0]
                self.fused_model = keras.Model(inp, out, name=f"ensemble_{self._variant}")
                spec = tf.TensorSpec((None, *shape), tf.float32)
                # a (None, L, C) signature serves every batch size: no re-tracing for odd last batches
                self._call = tf.function(lambda x: self.fused_model(x, training=False),
                                         input_signature=[spec])
        return self._call

    def __call__(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(self._fused()(X), dtype=float).reshape(len(X), self.n_folds)

    def seen_cells(self) -> np.ndarray:
        # network.input_statistics gives never-present cells mean 0 (present values are >= the floor)
        C = self.models[0].input_shape[-1]
        return np.mean([np.asarray(m.get_layer("standardise").mean, float).reshape(-1, C)[:, 0]
                        for m in self.models], axis=0) > 0

    def saliency(self, X: np.ndarray, channels: Sequence[int], missing_value: float) -> np.ndarray:
        """Mean over folds of `~vo_blazar.model.saliency.gradient_saliency`, shape (L, channels)."""
        from .saliency import gradient_saliency
        return np.mean([gradient_saliency(m, X, channel=tuple(channels)) for m in self.models], axis=0)


#: Threads of each ONNX Runtime session (set before the first model load to change it). One: on the
#: 2-core machine the whole of ``classify_sed`` then costs 1.5 s of CPU per 10,000 archive SEDs,
#: against 1.9 s with two threads that do not spin and 3.0 s with ONNX Runtime's default (spinning
#: threads that starve everything else on a shared machine); the other core stays free for the
#: catalogue threads, Dask workers or the user's own work.
INTRA_OP_THREADS = 1


def session_options():
    """ONNX Runtime options of every ensemble session (also those of the export's check)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3      # errors only: its optimiser notes mean nothing to a user
    options.intra_op_num_threads = INTRA_OP_THREADS
    options.inter_op_num_threads = 1
    # denormal floats as zero, as TensorFlow does on CPUs: the LSTM's tiny activations otherwise
    # run through the processor's slow path (up to 2x slower on archive SEDs, measured)
    options.add_session_config_entry("session.set_denormal_as_zero", "1")
    return options


def load_onnx_folds(directory: str | Path, card: ModelCard, manifest: dict[str, Any],
                    grid_shape: tuple[int, ...]) -> OnnxFolds:
    """Check and load a folder's ONNX export.

    Raises
    ------
    ModelError
        The file is missing, its SHA-256 disagrees with the manifest, ONNX Runtime cannot load it,
        or its input does not fit the grid (the message names the file).
    StaleExportError
        The export comes from other fold files than the model card lists.
    """
    directory = Path(directory)
    path = directory / manifest["file"]
    _check_fresh(manifest, card, path)
    if not path.is_file():
        raise ModelError(f"exported model file {path} does not exist (write it with {EXPORT_COMMAND})")
    data = path.read_bytes()   # read once: hashed, then handed to ONNX Runtime from memory
    if hashlib.sha256(data).hexdigest() != manifest["sha256"]:
        raise ModelError(f"exported model file {path} is corrupted: its SHA-256 does not match "
                         f"{directory / MANIFEST_NAME}")
    if tuple(manifest["input_shape"]) != tuple(grid_shape):
        raise ModelError(f"exported model file {path} expects input {tuple(manifest['input_shape'])}, "
                         f"grid gives {tuple(grid_shape)}")
    if int(manifest["n_folds"]) != len(card.weights) or len(manifest["seen_cells"]) != grid_shape[0]:
        raise ModelError(f"ONNX export manifest {directory / MANIFEST_NAME} disagrees with the model card "
                         f"({manifest['n_folds']} folds, {len(manifest['seen_cells'])} cells)")
    import onnxruntime as ort

    try:
        session = ort.InferenceSession(data, session_options(), providers=["CPUExecutionProvider"])
    except Exception as exc:   # onnxruntime raises its own Fail/InvalidGraph/... for a damaged file
        raise ModelError(f"exported model file {path} cannot be loaded by ONNX Runtime "
                         f"({type(exc).__name__}: {exc})") from exc
    names = [i.name for i in session.get_inputs()]
    if names != [manifest["input_name"]]:
        raise ModelError(f"exported model file {path} has inputs {names}, manifest says "
                         f"{manifest['input_name']!r}")
    return OnnxFolds(session, manifest, path)
