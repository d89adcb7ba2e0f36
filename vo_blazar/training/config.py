"""Configurations of the classifier network and of its training, as small frozen dataclasses.

Both are plain data so that they round-trip through the JSON model card (no pickle): the
architecture of every shipped model is rebuilt from ``ModelConfig.to_dict()`` alone.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from ..exceptions import InputValueError

__all__ = ["ModelConfig", "TrainingConfig", "PRESETS", "preset"]


@dataclass(frozen=True)
class ModelConfig:
    """Architecture of the Conv1D + BiLSTM classifier (after Fraga et al.).

    Parameters
    ----------
    grid_size : int
        Number of frequency cells L of the input grid; the input is ``(L, channels)``.
    channels : int
        Input channels per cell: 2 (flux, upper-limit flag) or 3 (and the flux level of the
        ``"shape_level"`` scaling), the grid's ``shape[1]``.
    filters : tuple of int
        Filters of the four Conv1D blocks (growing, as in the paper).
    kernel_size : int
        Conv1D kernel width (3 in the paper).
    activation : str
        Activation of the convolutions ("tanh" in the paper).
    lstm_units : int
        Units of each direction of the bidirectional LSTM.
    dense : tuple of int
        Hidden dense layer sizes before the sigmoid output.
    dense_activation : str
        Activation of the hidden dense layers.
    dropout : float
        Dropout rate after each hidden dense layer.
    learning_rate : float
        Adam learning rate.
    standardize : bool
        Standardise each grid cell's present values with training-set statistics inside the
        network (stock ``Normalization`` layer; missing cells stay 0) and add the presence mask as
        extra channels. Without it, differences of a few tenths of a dex between SEDs are tiny input
        differences and the network barely learns shapes.
    """

    grid_size: int = 64
    channels: int = 2
    filters: tuple[int, ...] = (16, 32, 64, 128)
    kernel_size: int = 3
    activation: str = "tanh"
    lstm_units: int = 32
    dense: tuple[int, ...] = (64, 32)
    dense_activation: str = "relu"
    dropout: float = 0.2
    learning_rate: float = 1e-3
    standardize: bool = True

    def __post_init__(self):
        if int(self.grid_size) < 1:
            raise InputValueError(f"grid_size must be a positive integer, got {self.grid_size!r}")
        if not self.filters or any(int(f) < 1 for f in self.filters):
            raise InputValueError(f"filters must be positive integers, got {self.filters!r}")
        if int(self.channels) not in (2, 3):
            raise InputValueError(f"channels must be 2 or 3, got {self.channels!r}")
        if int(self.lstm_units) < 1:
            raise InputValueError(f"lstm_units must be positive, got {self.lstm_units!r}")
        if not 0.0 <= float(self.dropout) < 1.0:
            raise InputValueError(f"dropout must be in [0, 1), got {self.dropout!r}")
        if float(self.learning_rate) <= 0:
            raise InputValueError(f"learning_rate must be > 0, got {self.learning_rate!r}")
        # JSON gives lists back; keep tuples so the dataclass stays hashable and comparable
        object.__setattr__(self, "filters", tuple(int(f) for f in self.filters))
        object.__setattr__(self, "dense", tuple(int(d) for d in self.dense))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dictionary."""
        d = asdict(self)
        d["filters"] = list(self.filters)
        d["dense"] = list(self.dense)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ModelConfig":
        """Rebuild from `to_dict` output; unknown keys are an error (a card from another version)."""
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise InputValueError(f"unknown ModelConfig keys {sorted(unknown)}; "
                                  f"expected a subset of {sorted(known)}")
        return cls(**d)

    def with_grid(self, grid_size: int, channels: int | None = None) -> "ModelConfig":
        """The same architecture for another grid length (and number of channels per cell)."""
        return replace(self, grid_size=int(grid_size), channels=int(channels or self.channels))


@dataclass(frozen=True)
class TrainingConfig:
    """How the k-fold cross-validated training runs.

    Parameters
    ----------
    n_folds : int
        Folds of the stratified cross-validation (10 as in the paper).
    val_fraction : float
        Fraction of each training part held out (stratified) for early stopping, calibration
        and the threshold choice.
    epochs : int
        Maximum epochs (the paper trains 20).
    batch_size : int
        Mini-batch size (128 as in the paper).
    patience : int
        Early-stopping patience on the validation loss; the best epoch's weights are restored.
    seed : int
        Seed of folds, initialisation, shuffling and augmentation.
    band_dropout : float
        Probability that each present waveband of a training SED is blanked (per epoch).
    optical_ir_only : float
        Probability that a training SED is reduced to its infrared-optical bands only, the
        coverage that both classes share.
    shared_only : float
        Probability that a training SED with every leakage-controlled (shared) band is reduced to
        exactly those bands.
    shared_copies : int
        Extra copies of the training SEDs that have every shared band and more, reduced to the
        shared bands (coverage-balanced sampling: blazars in the quasars' coverage pattern).
    coverage_balance : bool
        Weight training SEDs so that, within each band-coverage pattern, both classes weigh
        the same (patterns seen for one class only keep weight 1).
    coverage_transplant : float
        Probability that a training SED is seen, in an epoch, with only the grid cells that a
        random SED of the other class also fills (`vo_blazar.training.augmentation.coverage_transplant`):
        band presence that comes from which list a source was taken from stops deciding the label.
    gamma_negative_weight : float
        Sample weight of the non-blazars with a gamma-ray detection (radio galaxies, Seyferts and
        starbursts seen by Fermi-LAT, a few dozen against thousands of gamma-ray blazars).
    """

    n_folds: int = 10
    val_fraction: float = 0.1
    epochs: int = 20
    batch_size: int = 128
    patience: int = 4
    seed: int = 20240601
    band_dropout: float = 0.15
    optical_ir_only: float = 0.2
    shared_only: float = 0.3
    shared_copies: int = 2
    coverage_balance: bool = False
    coverage_transplant: float = 1.0
    gamma_negative_weight: float = 5.0

    def __post_init__(self):
        if int(self.n_folds) < 2:
            raise InputValueError(f"n_folds must be >= 2, got {self.n_folds!r}")
        if not 0.0 < float(self.val_fraction) < 0.5:
            raise InputValueError(f"val_fraction must be in (0, 0.5), got {self.val_fraction!r}")
        for name in ("band_dropout", "optical_ir_only", "shared_only"):
            v = float(getattr(self, name))
            if not 0.0 <= v < 1.0:
                raise InputValueError(f"{name} must be in [0, 1), got {v!r}")
        if not float(self.gamma_negative_weight) > 0:
            raise InputValueError(f"gamma_negative_weight must be > 0, got {self.gamma_negative_weight!r}")
        if not 0.0 <= float(self.coverage_transplant) <= 1.0:
            raise InputValueError(f"coverage_transplant must be in [0, 1], got {self.coverage_transplant!r}")
        if int(self.epochs) < 1 or int(self.batch_size) < 1:
            raise InputValueError("epochs and batch_size must be positive integers")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dictionary."""
        return asdict(self)


#: Named architectures. ``paper`` reproduces the size of Fraga et al. (16 layers, ~9 M
#: parameters); ``cpu`` is the measured CPU-friendly width that the shipped models use.
PRESETS: dict[str, ModelConfig] = {
    "paper": ModelConfig(filters=(64, 128, 256, 512), lstm_units=672, dense=(1024, 512, 256),
                         dropout=0.3),
    "cpu": ModelConfig(filters=(16, 32, 64, 128), lstm_units=32, dense=(64, 32), dropout=0.2),
    "wide": ModelConfig(filters=(32, 64, 128, 256), lstm_units=64, dense=(128, 64), dropout=0.2),
    "tiny": ModelConfig(filters=(4, 8, 8, 16), lstm_units=8, dense=(8,), dropout=0.0,
                        learning_rate=3e-3),
}


def preset(name: str, grid_size: int | None = None, channels: int | None = None) -> ModelConfig:
    """A named architecture, optionally for a given grid length and number of channels.

    Raises
    ------
    InputValueError
        If ``name`` is not one of `PRESETS`.
    """
    try:
        cfg = PRESETS[name]
    except KeyError:
        raise InputValueError(f"unknown model preset {name!r}; expected one of {sorted(PRESETS)}") from None
    if grid_size is None and channels is None:
        return cfg
    return cfg.with_grid(cfg.grid_size if grid_size is None else grid_size, channels)
