"""Module paths of the layout before the redesign (issue 13), kept importable with a warning.

``import vo_blazar.sed.builder`` (or ``from vo_blazar.batch import classify_batch``) still works:
the old name is answered by a small stand-in module that forwards every attribute to the module's
new home and warns once with an `~astropy.utils.exceptions.AstropyDeprecationWarning` naming it.
The maintainer builders left the installed package for ``tools/`` in the source tree; importing
them by their old names raises an ImportError that says which command replaced them.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
import warnings

__all__ = ["MOVED", "MOVED_TO_TOOLS", "install", "moved_attribute"]

#: old module -> new module
MOVED = {
    "vo_blazar.sed.builder": "vo_blazar.pipeline",
    "vo_blazar.sed.survey_limits": "vo_blazar.photometry.survey_limits",
    "vo_blazar.target": "vo_blazar.sky.target",
    "vo_blazar.snapshot": "vo_blazar.access.names",
    "vo_blazar.snapshot.names": "vo_blazar.access.names",
    "vo_blazar.dataset": "vo_blazar.training.archive",
    "vo_blazar.dataset.archive": "vo_blazar.training.archive",
    "vo_blazar.model.train_cli": "vo_blazar.training.command",
    "vo_blazar.model.config": "vo_blazar.training.config",
    "vo_blazar.model.network": "vo_blazar.training.network",
    "vo_blazar.model.training": "vo_blazar.training.cross_validation",
    "vo_blazar.model.augmentation": "vo_blazar.training.augmentation",
    "vo_blazar.model.baseline": "vo_blazar.training.baseline",
    "vo_blazar.model.evaluation": "vo_blazar.training.evaluation",
    "vo_blazar.model.figures": "vo_blazar.training.figures",
    "vo_blazar.model.robustness": "vo_blazar.training.robustness",
    "vo_blazar.model.export": "vo_blazar.training.export",
    "vo_blazar.batch": "vo_blazar.classifier.batch",
    "vo_blazar.samp": "vo_blazar.interop.samp",
    "vo_blazar.regions": "vo_blazar.interop.regions",
    "vo_blazar.plotting": "vo_blazar.interop.plotting",
    "vo_blazar.display": "vo_blazar.cli.display",
    "vo_blazar.classify_cli": "vo_blazar.cli.classify",
    "vo_blazar.crossmatch.cli": "vo_blazar.cli.candidates",
}
#: old maintainer module -> the command that replaced it (run from a source checkout)
MOVED_TO_TOOLS = {
    "vo_blazar.snapshot.build": "python -m tools.snapshot.build --shared ../shared/data",
    "vo_blazar.snapshot.added_files": "python -m tools.snapshot.build --shared ../shared/data",
    "vo_blazar.dataset.labels": "python -m tools.labels --shared ../shared/data",
    "vo_blazar.dataset.sources": "python -m tools.labels --shared ../shared/data",
    "vo_blazar.dataset.report": "python -m tools.data_report",
    "vo_blazar.grid.build": "python -m tools.grids",
}
#: old modules that were packages (a stand-in needs ``__path__`` for their children to import)
_PACKAGES = {"vo_blazar.snapshot", "vo_blazar.dataset"}


class _Forward(types.ModuleType):
    """Stand-in for an old module path: attributes come from the new module."""

    def __init__(self, old: str, new: str):
        super().__init__(old, f"Moved to {new}.")
        self.__new_name = new

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(importlib.import_module(self.__new_name), name)

    def __dir__(self):
        return dir(importlib.import_module(self.__new_name))


class _Loader(importlib.abc.Loader):
    def create_module(self, spec):
        from astropy.utils.exceptions import AstropyDeprecationWarning

        old = spec.name
        if old in MOVED_TO_TOOLS:
            raise ImportError(f"{old} is a maintainer builder and no longer part of the installed "
                              f"package; from a source checkout run: {MOVED_TO_TOOLS[old]}", name=old)
        warnings.warn(f"{old} is deprecated: it moved to {MOVED[old]}", AstropyDeprecationWarning,
                      stacklevel=2)
        module = _Forward(old, MOVED[old])
        if old in _PACKAGES:
            module.__path__ = []
        return module

    def exec_module(self, module):
        pass


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname in MOVED or fullname in MOVED_TO_TOOLS:
            return importlib.machinery.ModuleSpec(fullname, _Loader(), is_package=fullname in _PACKAGES)
        return None


def install() -> None:
    """Answer the old module paths (after the regular finders, so a real module always wins)."""
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.append(_Finder())


def moved_attribute(package: str, name: str, moved: dict[str, str]):
    """A package's ``__getattr__`` for names that moved to another module (``moved``: name ->
    new module): warn once, as for moved modules, and return the object from its new home."""
    from astropy.utils.exceptions import AstropyDeprecationWarning

    if name not in moved:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    warnings.warn(f"{package}.{name} is deprecated: use {moved[name]}.{name}", AstropyDeprecationWarning,
                  stacklevel=3)
    return getattr(importlib.import_module(moved[name]), name)
