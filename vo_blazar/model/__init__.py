"""The Conv1D + BiLSTM blazar classifier (after Fraga et al.): network, cross-validated training,
evaluation, baselines, and the shipped fold ensembles with their model cards.

>>> from vo_blazar.model import load_ensemble              # doctest: +SKIP
>>> ens = load_ensemble("gamma")                           # doctest: +SKIP
>>> mean, std = ens.predict(ens.grid.encode_many(seds))    # doctest: +SKIP

Keras/TensorFlow (the ``train`` extra) are imported only when a network is built, trained or loaded
with ``runtime="keras"``; the shipped ensembles run on ONNX Runtime (`vo_blazar.model.runtime`).
"""
import os
from importlib import import_module

# TensorFlow's C++ start-up chatter (CPU feature notes) means nothing to a user; errors still show.
# setdefault: a user who set the variable keeps their choice.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__all__ = ["ModelConfig", "TrainingConfig", "PRESETS", "preset", "build_model", "cross_validate",
           "train_network", "Ensemble", "load_ensemble", "run_training", "train_command", "add_arguments",
           "roc_threshold", "expected_calibration_error", "PlattScaler", "gradient_saliency",
           "GradientBoostingBaseline", "CoverageBaseline", "band_dropout"]

_WHERE = {"ModelConfig": "config", "TrainingConfig": "config", "PRESETS": "config", "preset": "config",
          "build_model": "network", "cross_validate": "training", "train_network": "training",
          "Ensemble": "ensemble", "load_ensemble": "ensemble", "run_training": "train_cli",
          "train_command": "train_cli", "add_arguments": "train_cli", "roc_threshold": "evaluation",
          "expected_calibration_error": "evaluation", "PlattScaler": "evaluation",
          "gradient_saliency": "saliency", "GradientBoostingBaseline": "baseline",
          "CoverageBaseline": "baseline", "band_dropout": "augmentation"}


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
