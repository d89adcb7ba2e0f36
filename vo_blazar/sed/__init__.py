"""The SED Table and everything that makes, reads and writes it."""
from .builder import build_sed, build_seds
from .io import read_sed, to_spectrum, write_sed
from .table import NUFNU_UNIT, SED_COLUMNS, as_sed, empty_sed, make_sed, stack_seds, validate_sed
from .vou import read_vou_sed

__all__ = ["build_sed", "build_seds", "read_sed", "write_sed", "to_spectrum", "read_vou_sed",
           "NUFNU_UNIT", "SED_COLUMNS", "as_sed", "empty_sed", "make_sed", "stack_seds", "validate_sed"]
