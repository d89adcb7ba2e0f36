"""Where the files that ship inside the package live (``vo_blazar/data/``).

One definition for every reader: the snapshot, the name table, the grids, the models, the labels
and the training archive. Plain paths next to the package, not importlib.resources: its
MultiplexedPath (editable installs, data folders without ``__init__``) cannot open files, and
the data are always installed unzipped.
"""
from pathlib import Path

__all__ = ["DATA_DIR", "data_path"]

DATA_DIR = Path(__file__).resolve().parent / "data"


def data_path(*parts: str) -> Path:
    """``vo_blazar/data/<parts...>``, e.g. ``data_path("labels", "sources.ecsv")``."""
    return DATA_DIR.joinpath(*parts)
