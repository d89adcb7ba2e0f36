"""The package logger, a child of astropy's so that astropy's log settings apply."""
import logging

from astropy import log as _astropy_log

__all__ = ["log"]

log = _astropy_log.getChild("vo_blazar")


def _add_origin(record: logging.LogRecord) -> bool:
    # astropy's handler formats "[origin]", which only AstropyLogger records carry; getChild gives
    # a plain Logger, so without this every log call from vo_blazar raises AttributeError.
    if not hasattr(record, "origin"):
        record.origin = record.name
    return True


log.addFilter(_add_origin)
