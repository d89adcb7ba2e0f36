"""The model card: the JSON file next to a model's weights, read as one typed, validated record.

`ModelCard` is what the runtime reads (the ensemble, the classifier's reliability rules): the
threshold, the calibration, the weight files, and the figures measured in cross-validation that
the warnings quote, each as a typed attribute. It imports no TensorFlow, Keras or scikit-learn.
Building, writing and rendering cards is training work: `vo_blazar.training.card` (the old names
``build_card``, ``write_card``, ``render_rst``, ... are still answered here, with a deprecation
warning).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..exceptions import ModelError
from ..jsonfile import read_json
from .calibration import PlattScaler

__all__ = ["ModelCard", "MeanStd", "WeightFile", "FoldSummary", "CoverageRow", "read_card",
           "coverage_share", "REQUIRED_KEYS", "ENSEMBLE_KEYS", "CARD_FORMAT", "ALLWISE_SDSS_VIEW"]

CARD_FORMAT = "vo_blazar-model-card-1"
#: Entries every card written by training has (`read_card` checks them).
REQUIRED_KEYS = ("variant", "grid_size", "threshold", "metrics", "metrics_leakage_controlled",
                 "baseline_coverage_only_roc_auc", "data", "known_limits")
#: Entries a model folder's card needs to be loaded as an ensemble (`ModelCard.check_ensemble`).
ENSEMBLE_KEYS = ("weights", "model_config", "threshold")
#: The robustness view of sources seen only by AllWISE and SDSS (the SDSS quasars' own coverage):
#: a row name in the card's ``coverage_robustness`` and the figure the classifier's IR-optical
#: warning quotes.
ALLWISE_SDSS_VIEW = "AllWISE + SDSS only"

_TRAINING_NAMES = {"build_card", "write_card", "render_rst", "known_limits", "sparsest_within_1sigma",
                   "KNOWN_LIMITS", "LEVEL_LIMIT"}


def __getattr__(name: str):
    # the writing side moved to the training package (issue 13); importing it here on demand keeps
    # reading a card free of it
    from .._moved import moved_attribute
    return moved_attribute(__name__, name, {n: "vo_blazar.training.card" for n in _TRAINING_NAMES})


@dataclass(frozen=True)
class MeanStd:
    """A cross-validated figure: mean and standard deviation over the folds (None: not measured)."""

    mean: float | None
    std: float | None

    @classmethod
    def from_json(cls, entry: Mapping[str, Any]) -> MeanStd:
        return cls(_float_or_none(entry.get("mean")), _float_or_none(entry.get("std")))


@dataclass(frozen=True)
class WeightFile:
    """One fold's weight file as the card lists it."""

    file: str
    sha256: str | None = None
    bytes: int | None = None


@dataclass(frozen=True)
class FoldSummary:
    """What the runtime reads of one fold's entry in the card's ``per_fold`` list."""

    fold: int | None
    threshold: float | None
    roc_auc: float | None              # of the fold's raw outputs on its test part
    sparsest_max_points: int | None    # grid cells of the sparsest 10 % of its test SEDs (at most)


@dataclass(frozen=True)
class CoverageRow:
    """One row of the card's ``coverage_robustness`` table (out-of-fold, per view and label origin)."""

    view: str
    origin: str
    label: int
    n: int
    correct: float
    classified_blazar: float | None = None
    mean_p: float | None = None

    @classmethod
    def from_json(cls, row: Mapping[str, Any]) -> CoverageRow:
        return cls(view=str(row["view"]), origin=str(row["origin"]), label=int(row["label"]), n=int(row["n"]),
                   correct=float(row["correct"]),
                   classified_blazar=_float_or_none(row.get("classified_blazar")),
                   mean_p=_float_or_none(row.get("mean_p")))


def coverage_share(rows: Iterable[CoverageRow], view: str, label: int) -> tuple[int, float]:
    """Sources of ``label`` in ``view`` and the fraction of them classified correctly (NaN for none)."""
    sel = [r for r in rows if r.view == view and r.label == label]
    n = sum(r.n for r in sel)
    return n, (sum(r.n * r.correct for r in sel) / n if n else float("nan"))


def _float_or_none(value: Any) -> float | None:
    return None if value is None else float(value)


class ModelCard(MutableMapping):
    """A model card: the parsed ``model_card.json`` with typed attributes for what the runtime reads.

    Parameters
    ----------
    entries : mapping
        The card's JSON object (kept as it is, not copied: writing it back gives the same file).
    path : path, optional
        Where it was read from; every error about the card names it.

    Notes
    -----
    The attributes are read from ``raw`` when asked, so they always describe the card as it is.
    Item access (``card["threshold"]``) reads and edits ``raw`` directly: it is kept for code written
    when the card was a plain dict. The package's own code reads attributes and makes changed cards
    with `updated`.
    """

    def __init__(self, entries: Mapping[str, Any], path: str | Path | None = None):
        if isinstance(entries, ModelCard):
            path = path if path is not None else entries.path
            entries = entries.raw
        if not isinstance(entries, Mapping):
            raise ModelError(f"{self._where(path)} must hold a JSON object, got {type(entries).__name__}")
        self.raw: dict[str, Any] = entries if isinstance(entries, dict) else dict(entries)
        self.path = None if path is None else Path(path)

    # -- reading and checking --------------------------------------------------------------------
    @classmethod
    def read(cls, path: str | Path, *, required: Iterable[str] = REQUIRED_KEYS) -> ModelCard:
        """Read a card; a missing or malformed file, or a missing ``required`` entry, raises `ModelError`."""
        card = cls(read_json(path, "model card"), path)
        card.check(required)
        return card

    @staticmethod
    def _where(path: Path | str | None) -> str:
        return "model card" if path is None else f"model card {path}"

    @property
    def where(self) -> str:
        """"model card <path>" (or "model card" for one built in memory), for error messages."""
        return self._where(self.path)

    def check(self, required: Iterable[str] = REQUIRED_KEYS) -> ModelCard:
        """Raise `ModelError` naming the card and the entries it lacks; return the card."""
        missing = [k for k in required if k not in self.raw]
        if missing:
            raise ModelError(f"{self.where} lacks required keys {missing}")
        return self

    def check_ensemble(self) -> ModelCard:
        """Check what loading an ensemble reads, naming the card and the field.

        A hand-edited or truncated card must not end in a bare ValueError or a count mismatch that
        names no file: the threshold is a number in [0, 1], ``weights`` lists the fold files, the
        model configuration has a grid size, and a Platt calibration has one entry per fold.
        """
        for key in ENSEMBLE_KEYS:
            if key not in self.raw:
                raise ModelError(f"{self.where} lacks required entry {key!r}")
        self.threshold
        weights = self.raw["weights"]
        if not isinstance(weights, list) or not weights or not all(isinstance(w, Mapping) and "file" in w
                                                                   for w in weights):
            raise ModelError(f"{self.where}: 'weights' must list the fold files "
                             "({'file': ..., 'sha256': ...} per fold)")
        try:
            int(self.raw["model_config"]["grid_size"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"{self.where}: 'model_config' must give the network's 'grid_size' "
                             f"({type(exc).__name__}: {exc})") from exc
        per_fold = self._calibration.get("per_fold")
        if self.calibration_method == "platt" and (not isinstance(per_fold, list)
                                                   or len(per_fold) != len(weights)):
            n = len(per_fold) if isinstance(per_fold, list) else 0
            raise ModelError(f"{self.where} lists {len(weights)} fold weight files but {n} "
                             "calibrations: the card does not describe one ensemble")
        return self

    def updated(self, **entries: Any) -> ModelCard:
        """A new card with ``entries`` replaced (in place in the key order) or added (at the end)."""
        return ModelCard({**self.raw, **entries}, self.path)

    # -- the mapping interface (the card as it was: a dict) ----------------------------------------
    def __getitem__(self, key: str) -> Any:
        return self.raw[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.raw[key] = value

    def __delitem__(self, key: str) -> None:
        del self.raw[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)

    def __repr__(self) -> str:
        threshold = self.raw.get("threshold")
        where = f", {self.path}" if self.path else ""
        return f"<ModelCard {self.variant!r}, threshold {threshold!r}{where}>"

    # -- what the runtime reads --------------------------------------------------------------------
    @property
    def format(self) -> str | None:
        return self.raw.get("format")

    @property
    def variant(self) -> str:
        """``"gamma"`` or ``"nogamma"`` for the shipped models ("?" when the card does not say)."""
        return str(self.raw.get("variant", "?"))

    @property
    def threshold(self) -> float:
        """Predict "blazar" at ``p >= threshold`` (on the calibrated scale when the card is calibrated)."""
        if "threshold" not in self.raw:
            raise ModelError(f"{self.where} lacks required entry 'threshold'")
        t = self.raw["threshold"]
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0 <= t <= 1:
            raise ModelError(f"{self.where}: threshold must be a number in [0, 1], got {t!r}")
        return float(t)

    @property
    def threshold_per_fold(self) -> tuple[float, ...]:
        """Each fold's threshold (on the card's scale); the ensemble uses their mean, `threshold`."""
        return tuple(float(t) for t in self.raw.get("threshold_per_fold") or ())

    @property
    def created(self) -> str | None:
        """When the card was written (ISO 8601, UTC), i.e. when the models were trained."""
        value = self.raw.get("created")
        return None if value is None else str(value)

    @property
    def grid_version(self) -> str | None:
        """Version string of the frequency grid the folds were trained on."""
        value = self.raw.get("grid_version")
        return None if value is None else str(value)

    @property
    def grid_size(self) -> int | None:
        """Cells of the grid the folds were trained on."""
        n = self.raw.get("grid_size")
        return None if n is None else int(n)

    @property
    def grid_file(self) -> str:
        """The grid's file name in the model folder."""
        return str(self.raw.get("grid_file", "grid.json"))

    @property
    def model_config(self) -> Mapping[str, Any]:
        """The network's `~vo_blazar.training.ModelConfig` as stored (a mapping; empty when absent)."""
        return self.raw.get("model_config") or {}

    @property
    def scaling_kind(self) -> str | None:
        """The input scaling the folds were trained with (``"shape_level"`` for the shipped ones)."""
        return (self.raw.get("scaling") or {}).get("kind")

    @property
    def training(self) -> Mapping[str, Any]:
        """The `~vo_blazar.training.TrainingConfig` as stored (a mapping; empty when absent)."""
        return self.raw.get("training") or {}

    @property
    def n_folds(self) -> int:
        """Cross-validation folds (one network each)."""
        return int(self.training.get("n_folds", len(self.raw.get("weights") or ())))

    @property
    def seed(self) -> int | None:
        """The cross-validation's seed (the folds are re-derived from it)."""
        s = self.training.get("seed")
        return None if s is None else int(s)

    @property
    def _calibration(self) -> Mapping[str, Any]:
        return self.raw.get("calibration") or {}

    @property
    def calibration_method(self) -> str:
        """``"platt"`` when each fold's output is Platt-scaled, else ``"none"``."""
        return str(self._calibration.get("method", "none"))

    @property
    def platt_per_fold(self) -> tuple[PlattScaler, ...]:
        """Each fold's Platt scaler, in fold order (empty unless `calibration_method` is ``"platt"``)."""
        if self.calibration_method != "platt":
            return ()
        per_fold = self._calibration.get("per_fold") or ()
        return tuple(PlattScaler(float(c["a"]), float(c["b"])) for c in per_fold)

    @property
    def weights(self) -> tuple[WeightFile, ...]:
        """The fold weight files, in fold order."""
        return tuple(WeightFile(str(w["file"]), w.get("sha256"), w.get("bytes"))
                     for w in self.raw.get("weights") or ())

    @property
    def per_fold(self) -> tuple[FoldSummary, ...]:
        """What the runtime reads of each fold's cross-validation entry."""
        out = []
        for f in self.raw.get("per_fold") or ():
            sparse = f.get("metrics_sparsest_10pct") or {}
            out.append(FoldSummary(fold=f.get("fold"), threshold=_float_or_none(f.get("threshold")),
                                   roc_auc=_float_or_none((f.get("metrics") or {}).get("roc_auc")),
                                   sparsest_max_points=(None if sparse.get("max_points") is None
                                                        else int(sparse["max_points"]))))
        return tuple(out)

    def _figures(self, key: str) -> dict[str, MeanStd]:
        return {k: MeanStd.from_json(v) for k, v in (self.raw.get(key) or {}).items()
                if isinstance(v, Mapping) and "mean" in v}

    @property
    def metrics(self) -> dict[str, MeanStd]:
        """Cross-validated test metrics (``roc_auc``, ``accuracy_blazar``, ...) on the card's scale."""
        return self._figures("metrics")

    @property
    def metrics_sparsest_10pct(self) -> dict[str, MeanStd]:
        """The same metrics on each fold's sparsest 10 % of test SEDs (empty when not measured)."""
        return self._figures("metrics_sparsest_10pct")

    @property
    def metrics_leakage_controlled(self) -> dict[str, MeanStd]:
        """The same metrics on the twelve shared IR-optical bands only (empty when not measured)."""
        return self._figures("metrics_leakage_controlled")

    @property
    def sparsest_max_points(self) -> int | None:
        """The most grid cells an SED among any fold's sparsest 10 % has (None when not measured)."""
        cells = [f.sparsest_max_points for f in self.per_fold]
        return None if not cells or None in cells else max(cells)

    @property
    def coverage_patterns(self) -> dict[str, int] | None:
        """Training SEDs per coverage pattern (`vo_blazar.bands.POINT_BANDS` names); None: not measured."""
        patterns = self.raw.get("coverage_patterns")
        return None if patterns is None else {str(k): int(v) for k, v in patterns.items()}

    @property
    def coverage_robustness(self) -> tuple[CoverageRow, ...]:
        """The out-of-fold robustness table per view and label origin (empty when not measured)."""
        return tuple(CoverageRow.from_json(r) for r in self.raw.get("coverage_robustness") or ())

    def coverage_share(self, view: str, label: int) -> tuple[int, float]:
        """`coverage_share` of this card's `coverage_robustness` rows."""
        return coverage_share(self.coverage_robustness, view, label)

    @property
    def cells_one_class(self) -> dict[str, tuple[int, ...]]:
        """Grid cells only one class filled in training: ``{"blazar": (...), "nonblazar": (...)}``."""
        cells = self.raw.get("cells_one_class") or {}
        return {label: tuple(int(j) for j in cells.get(label) or ()) for label in ("blazar", "nonblazar")}

    @property
    def input_range(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Per cell and channel the lowest and highest training value, ``(low, high)`` of shape
        ``(L, C)`` (NaN where no training SED had a value); None when the card does not carry it."""
        limits = self.raw.get("input_range")
        if not limits:
            return None
        return np.array(limits["low"], dtype=float), np.array(limits["high"], dtype=float)   # None -> nan

    @property
    def known_limits(self) -> tuple[str, ...]:
        """The card's known limits, in order."""
        return tuple(self.raw.get("known_limits") or ())


def read_card(path: str | Path) -> ModelCard:
    """Read a model card; a missing or malformed file, or a missing required entry, raises
    `ModelError` naming it (see `ModelCard.read`)."""
    return ModelCard.read(path)
