"""The SED data model, the bottom layer every stage consumes: the SED Table (`~vo_blazar.sed.table`),
many SEDs as one stacked table (`~vo_blazar.sed.collection.SEDCollection`), their readers and
writers (`~vo_blazar.sed.io`, `~vo_blazar.sed.vou`). It imports no service client: SEDs are *built*
by `vo_blazar.pipeline`."""
from .collection import SEDCollection
from .io import read_sed, to_spectrum, write_sed
from .table import NUFNU_UNIT, SED_COLUMNS, as_sed, empty_sed, make_sed, stack_seds, validate_sed
from .vou import read_vou_sed

__all__ = ["SEDCollection", "read_sed", "write_sed", "to_spectrum", "read_vou_sed",
           "NUFNU_UNIT", "SED_COLUMNS", "as_sed", "empty_sed", "make_sed", "stack_seds", "validate_sed"]


def __getattr__(name):
    from .._moved import moved_attribute
    return moved_attribute(__name__, name, {"build_sed": "vo_blazar.pipeline", "build_seds": "vo_blazar.pipeline"})
