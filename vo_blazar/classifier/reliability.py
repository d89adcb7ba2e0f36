"""When the model cannot know, and what it warns about: the rules behind the ``reliable``,
``reliability`` and ``warnings`` columns of `~vo_blazar.classifier.classify_sed`, each with the
measured figure from the model card that justifies it (docs/model_card.rst).
"""
from __future__ import annotations

import numpy as np

from ..bands import POINT_BANDS, WAVEBANDS
from ..model.card import ALLWISE_SDSS_VIEW

__all__ = ["MIN_POINTS", "MIN_RELIABLE_DETECTIONS", "MIN_PATTERN_SEDS", "MAX_RELIABLE_SPREAD",
           "ir_optical_warning", "sparse_warning", "one_class_warnings", "waveband_coverage"]

#: Fewer detected points than this and the row carries a "sparse" warning.
MIN_POINTS = 4
#: Fewer detections on the model grid than this and the row is not reliable (one point has no shape).
MIN_RELIABLE_DETECTIONS = 2
#: A coverage pattern (set of wavebands) seen for fewer training SEDs than this is not reliable.
MIN_PATTERN_SEDS = 10
#: Fold models that disagree more than this (standard deviation of their p_blazar) cannot know.
MAX_RELIABLE_SPREAD = 0.3


def ir_optical_warning(ensemble) -> str:
    """Warning for an SED seen only in IR and optical bands, with the model card's measured recall."""
    n, correct = ensemble.card.coverage_share(ALLWISE_SDSS_VIEW, label=1)
    measured = "" if not n else (
        f"; cross-validated, {100 * correct:.0f} % of {n} blazars "
        "seen only by AllWISE and SDSS were called blazars")
    return ("IR-optical bands only: the coverage of most training quasars, so only the SED shape decides "
            "(less reliable than with radio, X-ray or gamma-ray points" + measured + ")")


def sparse_warning(ensemble) -> str:
    """The measured suffix of the sparse-SED warning: the model card's sparsest-10 % figures."""
    card = ensemble.card
    cells = card.sparsest_max_points
    blazar = card.metrics_sparsest_10pct.get("accuracy_blazar")
    nonblazar = card.metrics_sparsest_10pct.get("accuracy_nonblazar")
    if cells is None or blazar is None or nonblazar is None or None in (blazar.mean, nonblazar.mean):
        return ""                                # a card without these figures (e.g. a test model)
    return (f"; cross-validated, among the sparsest 10 % of training SEDs (<= {cells} grid cells) "
            f"{100 * blazar.mean:.0f} % of the blazars and "
            f"{100 * nonblazar.mean:.0f} % of the non-blazars were classified "
            "correctly")


def one_class_warnings(ensemble, X: np.ndarray) -> list[str]:
    """Per encoded SED: its points in cells that only one class filled in training (model card)."""
    cells = ensemble.card.cells_one_class
    out = [""] * len(X)
    present = X[..., 0] > ensemble.grid.scaling.missing_value
    for label, name in (("blazar", "blazars"), ("nonblazar", "non-blazars")):
        idx = np.asarray(cells[label], dtype=int)
        if not idx.size:
            continue
        hit = present[:, idx]
        # one message per distinct combination of such cells (usually one), not one per SED
        patterns, which = np.unique(hit, axis=0, return_inverse=True)
        for k, pattern in enumerate(patterns):
            if not pattern.any():
                continue
            text = (f"points in {', '.join(ensemble.cell_names[j] for j in idx[pattern])}, filled only for "
                    f"training {name}: p_blazar may reflect that coverage")
            for i in np.flatnonzero(which.ravel() == k):
                out[i] = f"{out[i]}; {text}" if out[i] else text
    return out


def waveband_coverage(lognu: np.ndarray, owner: np.ndarray, n: int) -> tuple[np.ndarray, list[str]]:
    """Which wavebands each of ``n`` SEDs has points in (detections or upper limits).

    ``lognu`` are the log10 frequencies (Hz) of usable points and ``owner`` the SED each belongs
    to. Returns the ``(n, 7)`` presence matrix and one text per SED (e.g. ``"radio,ir,xray"``):
    the coverage pattern that `classify_sed` reports in ``bands`` and checks against the model
    card's training patterns.
    """
    band_of = POINT_BANDS.index(lognu)
    present = np.zeros((n, len(WAVEBANDS)), bool)
    present[owner, band_of] = True
    names = WAVEBANDS
    # one string per distinct coverage (a handful), not one join per SED
    code = present @ (1 << np.arange(len(names)))
    text = {c: ",".join(names[j] for j in range(len(names)) if c >> j & 1) for c in np.unique(code)}
    return present, [text[c] for c in code]
