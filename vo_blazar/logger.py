"""The package logger, a child of astropy's so that astropy's log settings apply."""
from astropy import log as _astropy_log

__all__ = ["log"]

log = _astropy_log.getChild("vo_blazar")
