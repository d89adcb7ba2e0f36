"""Classifying many candidate positions, in one process or on a Dask cluster.

The positions are split into chunks; each chunk is one call of the classifier (SED building +
classification), so a chunk is the unit of work a Dask worker receives. With ``client=None`` the
chunks run one after another here. The classifier must be importable on the workers (a
module-level function such as `vo_blazar.classify`); the package and its shipped data must be
installed on every worker, and workers started with ``VO_BLAZAR_OFFLINE=1`` answer from the
snapshot without touching the network.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import Table, vstack

from ..exceptions import InputValueError
from ..logger import log

__all__ = ["classify_positions", "DEFAULT_CHUNK_SIZE", "REQUIRED_COLUMNS"]

#: Positions per classifier call / Dask task.
DEFAULT_CHUNK_SIZE = 500

#: Columns a classifier result must have (the `vo_blazar.classify` contract).
REQUIRED_COLUMNS = ("p_blazar", "p_blazar_std")


def _run_chunk(classifier: Callable, ra: np.ndarray, dec: np.ndarray, kwargs: dict) -> Table:
    # plain arrays travel to the workers; the SkyCoord is rebuilt there
    coords = SkyCoord(ra * u.deg, dec * u.deg, frame="icrs")
    out = Table(classifier(coords, **kwargs))
    if len(out) != len(coords):
        raise InputValueError(f"the classifier returned {len(out)} rows for {len(coords)} positions; "
                              "it must return one row per position, in order")
    missing = [c for c in REQUIRED_COLUMNS if c not in out.colnames]
    if missing:
        raise InputValueError(f"the classifier result lacks columns {missing}; it has {out.colnames}")
    if "warnings" in out.colnames:  # lists/objects in a column do not stack; one string per row
        out["warnings"] = np.array([_warn_str(w) for w in out["warnings"]], dtype=str)
    return out


def _warn_str(w) -> str:
    if isinstance(w, (list, tuple, np.ndarray)):
        return "; ".join(str(x) for x in w if str(x))
    return "" if w is None or (isinstance(w, float) and np.isnan(w)) else str(w)


def classify_positions(coords: SkyCoord, classifier: Callable, *, client=None,
                       chunk_size: int | None = None, **kwargs) -> Table:
    """Classify ``coords`` chunk by chunk, here or on a Dask cluster.

    Parameters
    ----------
    coords : `~astropy.coordinates.SkyCoord`
        Positions (any frame; sent as ICRS degrees).
    classifier : callable
        ``classifier(coords: SkyCoord, **kwargs) -> Table`` with one row per position and at least
        ``p_blazar`` and ``p_blazar_std`` (the signature of `vo_blazar.classify`).
    client : `distributed.Client`, optional
        A Dask client. Chunks are submitted with ``client.map`` and gathered in order.
    chunk_size : int, optional
        Positions per task (default `DEFAULT_CHUNK_SIZE`).
    **kwargs
        Passed to the classifier (``radius``, ``gamma``, ``offline``).

    Returns
    -------
    `~astropy.table.Table`
        The classifier rows, in the order of ``coords``.
    """
    chunk_size = DEFAULT_CHUNK_SIZE if chunk_size is None else int(chunk_size)
    if chunk_size < 1:
        raise InputValueError(f"chunk_size must be >= 1, got {chunk_size}")
    coords = coords.reshape(-1) if coords.isscalar else coords
    if len(coords) == 0:
        raise InputValueError("no positions to classify")
    icrs = coords.icrs
    ra, dec = icrs.ra.deg, icrs.dec.deg
    bounds = list(range(0, len(coords), chunk_size))
    chunks = [(ra[s:s + chunk_size], dec[s:s + chunk_size]) for s in bounds]
    if client is None:
        parts = [_run_chunk(classifier, r, d, kwargs) for r, d in chunks]
    else:
        log.info(f"classifying {len(coords)} positions in {len(chunks)} Dask tasks")
        futures = client.map(_run_chunk, [classifier] * len(chunks), [c[0] for c in chunks],
                             [c[1] for c in chunks], [kwargs] * len(chunks), pure=False)
        parts = client.gather(futures)
    return vstack(parts, metadata_conflicts="silent") if len(parts) > 1 else parts[0]
