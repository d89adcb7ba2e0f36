"""The ``vo-blazar`` command line: one package, one parser, one module per group of verbs."""
from .commands import build_parser, main

__all__ = ["main", "build_parser"]
