"""How one grid cell's log nuFnu becomes a number in [0, 1]: a fixed rule per SED.

Every rule depends on the SED being encoded and on fixed constants only, never on other SEDs
(no data-set statistics), so an SED's encoding is the same in training and in ``classify``.

Encoding of a cell (channel 0):

* ``missing_value`` (0.0) -- no point of the SED falls in the cell;
* ``floor + (1 - floor) * t`` with ``t`` in [0, 1] -- a detection or an upper limit, so every
  present cell is >= ``floor`` (0.01 by default) and can never be mistaken for a missing one.

``t`` is given by the scaling kind:

``"absolute"``
    ``t = (log10 nuFnu - log_min) / (log_max - log_min)``, clipped to [0, 1]; nuFnu in
    erg cm-2 s-1, default bounds -18 .. -8 (1 mJy at 1.4 GHz is 1.4e-17; 3C 279 in a flare
    reaches ~1e-9).
``"shape"``
    ``t = 1 + (log10 nuFnu - ref) / range_dex``, clipped to [0, 1], where ``ref`` is the highest
    detected log nuFnu of this SED (the highest upper limit when the SED has no detection); the
    SED's peak maps to 1 and everything ``range_dex`` (default 6) below it to ``floor``. Removes
    the distance/luminosity information and keeps only the shape.
``"shape_level"``
    Channel 0 as ``"shape"``, plus a third channel holding the ``"absolute"`` value of every
    present cell (``missing_value`` elsewhere): the shape and the flux level side by side. With
    the shape alone an SED of one or two points carries nothing but which cells it fills (an NVSS
    point of a bright blazar and of a faint z > 3 quasar encode the same); the level tells them apart.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ..exceptions import InputValueError

__all__ = ["FluxScaling", "SCALING_KINDS", "SHAPE_KINDS", "flux_channels"]

SCALING_KINDS = ("absolute", "shape", "shape_level")
#: Kinds whose channel 0 is anchored at each SED's brightest detection (re-anchored when cells are blanked).
SHAPE_KINDS = ("shape", "shape_level")


def flux_channels(n_channels: int) -> tuple[int, ...]:
    """The flux channels of an encoded cell with ``n_channels`` channels: 0, and 2 when present
    (channel 1 is the upper-limit flag)."""
    return (0, *range(2, n_channels))


@dataclass(frozen=True)
class FluxScaling:
    """A fixed rule mapping log10 nuFnu (erg cm-2 s-1) of one SED to channel-0 values.

    Parameters
    ----------
    kind : {"absolute", "shape", "shape_level"}
        See the module docstring.
    log_min, log_max : float
        Bounds of the ``"absolute"`` scaling, log10 of erg cm-2 s-1.
    range_dex : float
        Dynamic range of the ``"shape"`` scaling below the SED's maximum, in dex.
    floor : float
        Value given to the faintest present cell; present cells lie in [floor, 1].
    missing_value : float
        Value of a cell without any point.
    """

    kind: str = "absolute"
    log_min: float = -18.0
    log_max: float = -8.0
    range_dex: float = 6.0
    floor: float = 0.01
    missing_value: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in SCALING_KINDS:
            raise InputValueError(f"unknown flux scaling {self.kind!r}; expected one of {SCALING_KINDS}")
        if not self.log_max > self.log_min:
            raise InputValueError(f"log_max ({self.log_max}) must exceed log_min ({self.log_min})")
        if not self.range_dex > 0:
            raise InputValueError(f"range_dex must be positive, got {self.range_dex}")
        if not 0.0 < self.floor < 1.0:
            raise InputValueError(f"floor must lie in (0, 1), got {self.floor}")
        if not self.missing_value < self.floor:
            # keeps 'missing' numerically apart from the faintest present cell
            raise InputValueError(
                f"missing_value ({self.missing_value}) must be below floor ({self.floor})")

    @property
    def channels(self) -> int:
        """Channels of an encoded cell: flux, upper-limit flag (and the level for ``"shape_level"``)."""
        return 3 if self.kind == "shape_level" else 2

    @property
    def anchored(self) -> bool:
        """Channel 0 is relative to each SED's brightest detection (a ``SHAPE_KINDS`` kind)."""
        return self.kind in SHAPE_KINDS

    def apply(self, log_values: np.ndarray, present: np.ndarray,
              reference: np.ndarray | None = None) -> np.ndarray:
        """Channel 0: scale an (N, L) array of log10 nuFnu; cells where ``present`` is False get
        ``missing_value``.

        ``reference`` (N,) is the per-SED log10 nuFnu that maps to 1 under the anchored kinds.
        """
        if not self.anchored:
            return self.level(log_values, present)
        if reference is None:
            raise InputValueError(f"the {self.kind!r} scaling needs the per-SED reference (its maximum)")
        return self._squash(1.0 + (log_values - reference[:, None]) / self.range_dex, present)

    def level(self, log_values: np.ndarray, present: np.ndarray) -> np.ndarray:
        """The ``"absolute"`` rule (channel 0 of that kind, channel 2 of ``"shape_level"``)."""
        return self._squash((log_values - self.log_min) / (self.log_max - self.log_min), present)

    def _squash(self, t: np.ndarray, present: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            scaled = self.floor + (1.0 - self.floor) * np.clip(t, 0.0, 1.0)
        return np.where(present, scaled, self.missing_value)

    def invert(self, values: np.ndarray, reference: np.ndarray | None = None) -> np.ndarray:
        """log10 nuFnu from channel-0 values (NaN for missing cells; clipped cells stay clipped)."""
        values = np.asarray(values, dtype=float)
        t = (values - self.floor) / (1.0 - self.floor)
        if not self.anchored:
            out = self.log_min + t * (self.log_max - self.log_min)
        else:
            if reference is None:
                raise InputValueError(f"the {self.kind!r} scaling needs the per-SED reference to invert")
            out = np.asarray(reference, dtype=float)[..., None] + (t - 1.0) * self.range_dex
        return np.where(values > self.missing_value, out, np.nan)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready description."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "FluxScaling":
        """Inverse of `to_dict`; unknown keys are an error (a file from a newer version)."""
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise InputValueError(f"unknown flux-scaling field(s) {sorted(unknown)}")
        return cls(**data)
