"""vo_blazar: is the source at this position a blazar?

Multi-frequency SEDs from Virtual Observatory catalogues (or the embedded offline snapshot) and a
Conv1D + BiLSTM classifier after Fraga et al.
"""
from .config import conf

__version__ = "0.1.0"
__all__ = ["conf", "__version__"]
