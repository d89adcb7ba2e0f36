"""The declarative catalogue registry: which catalogues exist, how to reach them, and how their
columns become SED points.  The list itself is ``catalogues.yaml`` in this package; adding a
catalogue is adding an entry there (see docs/registry.rst)."""
from .catalogue import CONVERSIONS, WAVEBANDS, AccessSpec, Catalogue, PointSpec, UpperLimitRule
from .loader import Registry, get_catalogue, load_registry

__all__ = ["Catalogue", "PointSpec", "AccessSpec", "UpperLimitRule", "Registry", "load_registry",
           "get_catalogue", "CONVERSIONS", "WAVEBANDS"]
