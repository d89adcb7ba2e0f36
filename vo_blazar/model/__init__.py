"""The shipped classifier at run time: fold ensembles (`~vo_blazar.model.ensemble`) with their model
cards (`~vo_blazar.model.card`), run on ONNX Runtime (`~vo_blazar.model.runtime`), calibrated
(`~vo_blazar.model.calibration`) and explained (`~vo_blazar.model.saliency`). No TensorFlow:
building and training networks is `vo_blazar.training` (the ``train`` extra).

>>> from vo_blazar.model import load_ensemble              # doctest: +SKIP
>>> ens = load_ensemble("gamma")                           # doctest: +SKIP
>>> mean, std = ens.predict(ens.grid.encode_many(seds))    # doctest: +SKIP
"""
from importlib import import_module

__all__ = ["Ensemble", "load_ensemble", "PlattScaler", "gradient_saliency"]

_WHERE = {"Ensemble": "ensemble", "load_ensemble": "ensemble", "PlattScaler": "calibration",
          "gradient_saliency": "saliency"}
#: names this package exported before training moved to `vo_blazar.training` (issue 13)
_MOVED = {"ModelConfig": "config", "TrainingConfig": "config", "PRESETS": "config", "preset": "config",
          "build_model": "network", "cross_validate": "cross_validation", "train_network": "cross_validation",
          "run_training": "command", "train_command": "cli", "add_arguments": "cli",
          "roc_threshold": "evaluation", "expected_calibration_error": "evaluation",
          "GradientBoostingBaseline": "baseline", "CoverageBaseline": "baseline", "band_dropout": "augmentation"}


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(import_module(f".{_WHERE[name]}", __name__), name)
    from .._moved import moved_attribute
    return moved_attribute(__name__, name, {k: "vo_blazar.cli.train" if v == "cli" else f"vo_blazar.training.{v}"
                                            for k, v in _MOVED.items()})
