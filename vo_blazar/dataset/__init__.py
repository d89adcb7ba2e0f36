"""The labelled data set: source list with labels, the SED archive and the data report.

Submodules: `~vo_blazar.dataset.labels` (source list), `~vo_blazar.dataset.archive` (SED archive,
`load_training_arrays`, `same_coverage`), `~vo_blazar.dataset.report` (the data report page).
They are imported on first use, so ``python -m vo_blazar.dataset.<module>`` runs cleanly.
"""
from importlib import import_module

__all__ = ["MATCH_RADIUS", "build_labels", "load_sources", "load_removed",
           "build_archive", "load_archive", "load_training_arrays", "same_coverage", "SHARED_BANDS"]

_WHERE = {"MATCH_RADIUS": "labels", "build_labels": "labels", "load_sources": "labels",
          "load_removed": "labels",
          "build_archive": "archive", "load_archive": "archive", "load_training_arrays": "archive",
          "same_coverage": "archive", "SHARED_BANDS": "archive"}


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
