"""Package-wide settings, in astropy's configuration system.

Every value can be changed in ``~/.astropy/config/vo_blazar.cfg``, at run time
(``vo_blazar.conf.offline = True``) or temporarily (``with conf.set_temp("offline", True):``).
The environment variable ``VO_BLAZAR_OFFLINE=1`` forces the offline snapshot, which is what a
cluster node or a laptop on a plane needs without touching any file.
"""
from __future__ import annotations

import os

from astropy import config as _config

__all__ = ["Conf", "conf", "offline_mode"]


class Conf(_config.ConfigNamespace):
    """Configuration parameters for `vo_blazar`."""

    offline = _config.ConfigItem(
        False,
        "Answer cone searches from the embedded offline snapshot instead of the live VO.",
    )
    default_radius_arcsec = _config.ConfigItem(
        15.0, "Default cone-search radius in arcsec (catalogue entries may override it)."
    )
    timeout = _config.ConfigItem(
        30.0, "Seconds for each request attempt to a catalogue service, from connecting to the last "
              "byte of the answer (a wall-clock deadline, so a service that trickles data is cut off).")
    max_retries = _config.ConfigItem(
        3, "How many times a failed request is retried (HTTP 429/5xx, timeouts)."
    )
    backoff = _config.ConfigItem(
        1.0, "Base back-off in seconds; doubles after each retry unless the server sends Retry-After."
    )
    max_retry_after = _config.ConfigItem(
        60.0, "Longest Retry-After (seconds) that is honoured; a longer wait counts as a failure."
    )
    max_workers = _config.ConfigItem(8, "Concurrent catalogue queries.")
    vizier_tap_url = _config.ConfigItem(
        "https://tapvizier.cds.unistra.fr/TAPVizieR/tap",
        "TAP service that answers registry entries of kind 'vizier' (VizieR table ids).",
    )
    # CDS's current domain, astroquery's default too (astroquery/xmatch/__init__.py); the legacy
    # u-strasbg.fr name is at best a redirect
    xmatch_url = _config.ConfigItem(
        "https://cdsxmatch.cds.unistra.fr/xmatch/api/v1/sync",
        "CDS XMatch endpoint used for bulk access of entries with bulk = 'xmatch'.",
    )
    cache = _config.ConfigItem(True, "Keep VO answers in the on-disk cache.")
    sed_cache_size = _config.ConfigItem(
        1024,
        "Built SEDs kept in memory per process (0: none), keyed by position, radius, catalogues, "
        "registry version and access; an SED with a failed catalogue is never kept.",
    )
    cache_dir = _config.ConfigItem(
        "",
        "Cache folder. Empty means <astropy cache dir>/vo_blazar.",
    )


conf = Conf()


def offline_mode(offline: bool | None = None) -> bool:
    """Resolve the offline switch: explicit argument, then environment, then configuration."""
    if offline is not None:
        return bool(offline)
    env = os.environ.get("VO_BLAZAR_OFFLINE", "").strip().lower()
    if env in {"1", "true", "yes", "y", "on"}:
        return True
    if env in {"0", "false", "no", "n", "off"}:
        return False
    if env:   # silently live on a typo cost 30 s of failed queries without network
        from .exceptions import InputValueError
        raise InputValueError(f"VO_BLAZAR_OFFLINE={os.environ['VO_BLAZAR_OFFLINE']!r} is not understood; "
                              "use 1 or 0 (true/false, yes/no, on/off)")
    return bool(conf.offline)
