"""vo_blazar: is the source at this position a blazar?

Multi-frequency SEDs from Virtual Observatory catalogues (or the embedded offline snapshot) and a
Conv1D + BiLSTM classifier after Fraga et al.

Data flow (docs/architecture.rst): registry -> access -> photometry -> pipeline (SEDs) -> grid ->
model -> classifier; sky (positions, matching) and sed (the data model) serve every stage; cli,
crossmatch and interop (SAMP, regions, plots) sit at the edges; training only with the ``train``
extra.
"""
from importlib import import_module

from . import _moved
from .config import conf

__version__ = "0.1.0"
__all__ = ["conf", "__version__", "build_sed", "build_seds", "classify", "classify_sed", "classify_batch",
           "resolve_name", "candidates", "read_vou_sed"]

_moved.install()

#: Subpackages reachable as attributes (``vo_blazar.model.card``) without importing them all up front.
_SUBMODULES = ("access", "bands", "classifier", "cli", "crossmatch", "grid", "interop", "labels", "model",
               "photometry", "pipeline", "registry", "sed", "sky", "training")
#: Top-level functions and the module that defines each.
_FUNCTIONS = {"classify": "classifier", "classify_sed": "classifier", "classify_batch": "classifier",
              "build_sed": "pipeline", "build_seds": "pipeline", "read_vou_sed": "sed",
              "resolve_name": "sky", "candidates": "crossmatch"}


def __getattr__(name):
    # Lazy (as astropy and pyvo do): `import vo_blazar` loads the configuration only; astropy
    # coordinates, pyvo and the inference runtime load when a function that needs them is first used.
    if name in _FUNCTIONS:
        return getattr(import_module(f".{_FUNCTIONS[name]}", __name__), name)
    if name in _SUBMODULES or f"{__name__}.{name}" in _moved.MOVED:
        return import_module(f".{name}", __name__)
    raise AttributeError(f"module 'vo_blazar' has no attribute {name!r}")
