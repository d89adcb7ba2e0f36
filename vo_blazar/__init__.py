"""vo_blazar: is the source at this position a blazar?

Multi-frequency SEDs from Virtual Observatory catalogues (or the embedded offline snapshot) and a
Conv1D + BiLSTM classifier after Fraga et al.

Data flow: registry -> access -> photometry -> sed -> grid -> model -> classify; cli, crossmatch,
samp, regions and plotting sit at the edges.
"""
from importlib import import_module

from .config import conf

__version__ = "0.1.0"
__all__ = ["conf", "__version__", "build_sed", "build_seds", "classify", "classify_sed", "classify_batch",
           "resolve_name", "candidates", "read_vou_sed"]


#: Subpackages reachable as attributes (``vo_blazar.model.card``) without importing them all up front.
_SUBMODULES = ("access", "batch", "classifier", "crossmatch", "dataset", "grid", "model", "photometry",
               "plotting", "regions", "registry", "samp", "sed", "snapshot", "target")


def __getattr__(name):
    # Lazy (as astropy and pyvo do): `import vo_blazar` loads the configuration only; astropy
    # coordinates, pyvo and the inference runtime load when a function that needs them is first used.
    if name in ("classify", "classify_sed"):
        from . import classifier
        return getattr(classifier, name)
    if name in _SUBMODULES:
        return import_module(f".{name}", __name__)
    if name in ("build_sed", "build_seds", "read_vou_sed"):
        from . import sed
        return getattr(sed, name)
    if name == "classify_batch":
        from .batch import classify_batch
        return classify_batch
    if name == "resolve_name":
        from .target import resolve_name
        return resolve_name
    if name == "candidates":
        from .crossmatch import candidates
        return candidates
    raise AttributeError(f"module 'vo_blazar' has no attribute {name!r}")
