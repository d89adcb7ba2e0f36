"""Band-dropout augmentation: blank whole wavebands of training SEDs so that which bands are
present cannot decide the class on its own.

The label leaks through coverage in the available catalogues (e.g. only blazars have radio and
gamma points, apart from the z >= 3 radio quasars), so during training each present waveband of an
SED is blanked with probability ``band_dropout``, and with probability ``optical_ir_only`` an SED is
reduced to its infrared + optical cells, the coverage both classes share. Works on encoded
``(N, L, C)`` arrays (channel 0 flux, 1 upper-limit flag, 2 the flux level of the
``"shape_level"`` scaling) so it costs one vectorised pass per epoch.
"""
from __future__ import annotations

import numpy as np

from ..bands import CELL_BANDS, WAVEBANDS
from ..exceptions import InputValueError

__all__ = ["WAVEBAND_EDGES", "waveband_index", "band_dropout", "coverage_transplant", "restrict_to_cells",
           "shared_view_copies", "coverage_patterns", "coverage_weights"]

#: Lower edges in log10(nu / Hz) of radio, mm, IR, optical, UV, X-ray, gamma: the grid-cell bands
#: of `vo_blazar.bands.CELL_BANDS` (where they are chosen and why they differ from the bands that
#: `vo_blazar.classify_sed` names), with ``-inf`` for radio.
WAVEBAND_EDGES = (-np.inf, *CELL_BANDS.edges)
WAVEBAND_NAMES = WAVEBANDS


def waveband_index(log_nu) -> np.ndarray:
    """Index into ``WAVEBAND_NAMES`` for each log10 frequency (Hz) of the grid cells."""
    log_nu = np.asarray(log_nu, dtype=float)
    if not np.isfinite(log_nu).all():
        raise InputValueError("grid frequencies must be finite")
    return CELL_BANDS.index(log_nu)


def _blank(X: np.ndarray, cells: np.ndarray, missing: float) -> None:
    """Empty the ``cells`` (boolean, X's leading shape) in every channel, in place."""
    X[cells] = missing
    X[..., 1][cells] = 0.0


def _renormalise_shape(X: np.ndarray, floor: float, missing: float) -> None:
    """Shift each SED so its brightest remaining detection maps to 1 again (channel 0 of the
    anchored scalings; the level channel is absolute and stays as it is)."""
    flux, ul = X[..., 0], X[..., 1]
    present = flux > missing
    det = present & (ul < 0.5)
    top_det = np.where(det, flux, -np.inf).max(axis=1)
    top_any = np.where(present, flux, -np.inf).max(axis=1)
    top = np.where(np.isfinite(top_det), top_det, top_any)
    ok = np.isfinite(top) & (top < 1.0)
    if not ok.any():
        return
    t = (flux[ok] - floor) / (1.0 - floor)
    shift = (1.0 - (top[ok] - floor) / (1.0 - floor))[:, None]
    new = floor + (1.0 - floor) * np.clip(t + shift, 0.0, 1.0)
    flux[ok] = np.where(present[ok], new, missing)


def band_dropout(X: np.ndarray, log_nu: np.ndarray, rng: np.random.Generator, *, p_band: float = 0.15,
                 p_optical_ir: float = 0.2, missing_value: float = 0.0, shape_scaling: bool = False,
                 floor: float = 0.01, shared_cells: np.ndarray | None = None,
                 p_shared: float = 0.0) -> np.ndarray:
    """Return an augmented copy of ``X`` with whole wavebands blanked.

    Parameters
    ----------
    X : ndarray, shape (N, L, C)
        Encoded SEDs (channel 0 scaled flux with ``missing_value`` for empty cells, channel 1
        upper-limit flag, optional channel 2 flux level).
    log_nu : ndarray, shape (L,)
        log10 frequency (Hz) of each grid cell.
    rng : numpy.random.Generator
    p_band : float
        Probability that each waveband is blanked (at least one present band is always kept).
    p_optical_ir : float
        Probability that an SED keeps only its IR and optical cells (if it has any).
    missing_value : float
        Channel-0 value of an empty cell.
    shape_scaling : bool
        Inputs use an anchored scaling ('shape', 'shape_level'): re-anchor the brightest remaining
        detection at 1.
    floor : float
        The scaling's value of the faintest present cell.
    shared_cells : ndarray of bool, shape (L,), optional
        The cells both classes share (the leakage-controlled bands).
    p_shared : float
        Probability that an SED with a detection in every shared cell is reduced to exactly those.
    """
    X = np.array(X, dtype=np.float32, copy=True)
    if X.ndim != 3 or X.shape[2] not in (2, 3) or X.shape[1] != np.size(log_nu):
        raise InputValueError(f"X must have shape (N, {np.size(log_nu)}, 2 or 3), got {X.shape}")
    band = waveband_index(log_nu)
    n_band = len(WAVEBAND_NAMES)
    onehot = np.zeros((np.size(log_nu), n_band), dtype=bool)
    onehot[np.arange(band.size), band] = True
    present_cells = X[..., 0] > missing_value
    present_band = (present_cells[:, :, None] & onehot[None]).any(axis=1)  # (N, B)

    drop = rng.random(present_band.shape) < p_band
    # restrict to the shared IR + optical coverage for some SEDs that have it
    oi = np.isin(np.arange(n_band), (2, 3))
    has_oi = present_band[:, oi].any(axis=1)
    restrict = (rng.random(X.shape[0]) < p_optical_ir) & has_oi
    drop[restrict] = ~oi
    # never blank every present band of an SED: then keep the SED unchanged
    keeps = (present_band & ~drop).any(axis=1)
    drop[~keeps] = False
    cell_drop = drop[:, band] & present_cells  # (N, L)
    if shared_cells is not None and p_shared > 0:
        shared_cells = np.asarray(shared_cells, bool)
        pick = _eligible(X, shared_cells, missing_value) & (rng.random(X.shape[0]) < p_shared)
        cell_drop[pick] = present_cells[pick] & ~shared_cells[None]
    if cell_drop.any():
        _blank(X, cell_drop, missing_value)
        if shape_scaling:
            _renormalise_shape(X, floor, missing_value)
    return X


def coverage_transplant(X: np.ndarray, y: np.ndarray, rng: np.random.Generator, *, p: float,
                        missing_value: float = 0.0, shape_scaling: bool = False,
                        floor: float = 0.01) -> tuple[np.ndarray, np.ndarray]:
    """Return a copy of ``X`` in which a fraction ``p`` of the SEDs keep only the grid cells that a
    randomly drawn SED of the *other* class also fills.

    In the labelled catalogues which cells an SED fills says which list it came from, not what the
    source is. Under the transplant an SED is seen with the intersection of its own coverage and
    a coverage of the other class; the intersection of independent draws from the two classes'
    coverage distributions has the same distribution whichever class the SED belongs to, so
    presence alone stops predicting the label (measured: the coverage-only baseline on these
    inputs). Upper limits (real non-detections) stay where the donor fills the cell too, with their
    flag, so a non-detection can still inform. An SED whose intersection would be empty is kept
    unchanged.

    Returns
    -------
    X_new : ndarray, shape (N, L, C)
    transplanted : ndarray of bool, shape (N,)
        Which SEDs were reduced.
    """
    X = np.array(X, dtype=np.float32, copy=True)
    y = np.asarray(y).astype(int)
    n = X.shape[0]
    done = np.zeros(n, bool)
    if not 0.0 <= p <= 1.0:
        raise InputValueError(f"coverage transplant probability must be in [0, 1], got {p!r}")
    present = X[..., 0] > missing_value
    pools = [np.flatnonzero(y == k) for k in (0, 1)]
    if p == 0 or not (pools[0].size and pools[1].size):
        return X, done
    pick = rng.random(n) < p
    donors = np.empty(n, np.int64)
    for k in (0, 1):
        mine = np.flatnonzero(y == k)
        donors[mine] = pools[1 - k][rng.integers(0, pools[1 - k].size, mine.size)]
    keep = present & present[donors]
    ok = pick & keep.any(axis=1)
    drop = present & ~keep & ok[:, None]
    if drop.any():
        _blank(X, drop, missing_value)
        if shape_scaling:
            _renormalise_shape(X, floor, missing_value)
    done[ok] = True
    return X, done


def _eligible(X: np.ndarray, cells: np.ndarray, missing_value: float) -> np.ndarray:
    """SEDs with a detection (not an upper limit) in every one of ``cells``."""
    det = (X[..., 0] > missing_value) & (X[..., 1] < 0.5)
    return det[:, cells].all(axis=1)


def restrict_to_cells(X: np.ndarray, cells: np.ndarray, which: np.ndarray | None = None, *,
                      missing_value: float = 0.0, shape_scaling: bool = False,
                      floor: float = 0.01) -> np.ndarray:
    """Blank every cell outside the boolean mask ``cells`` for the SEDs selected by ``which`` (in place).

    This is the encoding of the leakage-controlled evaluation (only the bands both classes share),
    applied to training SEDs so that "exactly these bands present" stops meaning "non-blazar".
    """
    which = np.ones(X.shape[0], bool) if which is None else np.asarray(which, bool)
    if not which.any():
        return X
    sub = X[which]
    _blank(sub, np.broadcast_to(~cells, sub.shape[:2]), missing_value)
    if shape_scaling:
        _renormalise_shape(sub, floor, missing_value)
    X[which] = sub
    return X


def shared_view_copies(X: np.ndarray, y: np.ndarray, cells: np.ndarray, *, copies: int = 1,
                       missing_value: float = 0.0, shape_scaling: bool = False,
                       floor: float = 0.01) -> tuple[np.ndarray, np.ndarray]:
    """Extra training SEDs: the SEDs that have all ``cells`` *and more*, reduced to ``cells``.

    In the catalogues here such SEDs are almost all blazars (the SDSS quasars have exactly the
    twelve shared bands), so the copies put blazars into the quasars' coverage pattern.
    """
    ok = _eligible(X, cells, missing_value) & ((X[..., 0] > missing_value) & ~cells[None]).any(axis=1)
    if copies < 1 or not ok.any():
        return X[:0].copy(), y[:0].copy()
    Xc = restrict_to_cells(np.array(X[ok], copy=True), cells, missing_value=missing_value,
                           shape_scaling=shape_scaling, floor=floor)
    return np.concatenate([Xc] * copies), np.concatenate([y[ok]] * copies)


def coverage_patterns(X: np.ndarray, log_nu: np.ndarray, missing_value: float = 0.0) -> np.ndarray:
    """Integer code of which wavebands each SED has (bit b set = waveband b present)."""
    band = waveband_index(log_nu)
    present = X[..., 0] > missing_value
    code = np.zeros(X.shape[0], dtype=np.int64)
    for b in np.unique(band):
        code |= present[:, band == b].any(axis=1).astype(np.int64) << int(b)
    return code


def coverage_weights(patterns: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Sample weights equalising the two classes within each coverage pattern.

    In a pattern seen for both classes each class gets half the pattern's total weight; a pattern
    seen for one class only keeps weight 1 per SED. Weights are rescaled to mean 1.
    """
    y = np.asarray(y).astype(int)
    w = np.ones(y.size, dtype=float)
    for code in np.unique(patterns):
        m = patterns == code
        n1 = int(y[m].sum())
        n0 = int(m.sum()) - n1
        if n0 and n1:
            w[m & (y == 1)] = m.sum() / (2.0 * n1)
            w[m & (y == 0)] = m.sum() / (2.0 * n0)
    return w / w.mean()
