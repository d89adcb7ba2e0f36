"""Training the classifier (the ``train`` extra: Keras 3 on TensorFlow, scikit-learn, h5py).

The data flow of ``vo-blazar train``: the SED archive (`~vo_blazar.training.archive`) -> grid
encoding -> per-epoch augmentation (`~vo_blazar.training.augmentation`) -> the Conv1D + BiLSTM
network (`~vo_blazar.training.network`) in 10-fold cross-validation
(`~vo_blazar.training.cross_validation`) -> evaluation (`~vo_blazar.training.evaluation`),
baselines, robustness tables -> the model card and the ONNX export (`~vo_blazar.training.export`).
Nothing here runs at inference; `vo_blazar.model` never imports this package.
"""
import os
from importlib import import_module

# TensorFlow's C++ start-up chatter (CPU feature notes) means nothing to a user; errors still show.
# setdefault: a user who set the variable keeps their choice.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__all__ = ["ModelConfig", "TrainingConfig", "PRESETS", "preset", "build_model", "cross_validate",
           "train_network", "run_training", "roc_threshold", "expected_calibration_error",
           "GradientBoostingBaseline", "CoverageBaseline", "band_dropout"]

_WHERE = {"ModelConfig": "config", "TrainingConfig": "config", "PRESETS": "config", "preset": "config",
          "build_model": "network", "cross_validate": "cross_validation", "train_network": "cross_validation",
          "run_training": "command", "roc_threshold": "evaluation",
          "expected_calibration_error": "evaluation", "GradientBoostingBaseline": "baseline",
          "CoverageBaseline": "baseline", "band_dropout": "augmentation"}


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
