"""The ``vo-blazar`` command line: one package, one parser (`~vo_blazar.cli.commands`), one module
per group of verbs (`~vo_blazar.cli.sed`: sed, check-services; `~vo_blazar.cli.classify`: classify,
demo; `~vo_blazar.cli.candidates`; `~vo_blazar.cli.train`), the shared options defined once
(`~vo_blazar.cli.options`) and one rule for errors and exit statuses (`~vo_blazar.cli.errors`)."""
from importlib import import_module

__all__ = ["main", "build_parser"]


def __getattr__(name: str):
    # lazy, so that ``python -m vo_blazar.cli.train`` does not import its own module twice
    # (through commands) before running it
    if name in __all__:
        return getattr(import_module(".commands", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
