"""vo_blazar: is the source at this position a blazar?

Multi-frequency SEDs from Virtual Observatory catalogues (or the embedded offline snapshot) and a
Conv1D + BiLSTM classifier after Fraga et al.

Data flow: registry -> access -> photometry -> sed -> grid -> model -> classify; cli, crossmatch,
samp, regions and plotting sit at the edges.
"""
from .config import conf
from .classifier import classify, classify_sed  # noqa: E402

__version__ = "0.1.0"
__all__ = ["conf", "__version__", "build_sed", "build_seds", "classify", "classify_sed", "classify_batch",
           "resolve_name", "candidates", "read_vou_sed"]


def __getattr__(name):
    # Lazy: `import vo_blazar` stays fast; TensorFlow loads only when a model is first used.
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
