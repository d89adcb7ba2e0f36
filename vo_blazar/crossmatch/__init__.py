"""X-ray x radio blazar candidate search.

`candidates` matches an X-ray and a radio source list using each source's positional error,
drops known blazars (5BZCAT, 3HSP, 4FGL-DR4 associations), classifies the survivors (in one
process or on Dask with ``client=``) and returns a table ranked by p_blazar. Regions (a cone, a
polygon, a 4FGL 95 % error ellipse by name) restrict the search.
"""
from .candidates import DEFAULT_XRAY_BAND, NU_RADIO, NU_XRAY, alpha_rx, candidates
from .distributed import classify_positions
from .known import DEFAULT_KNOWN_RADIUS, KnownBlazars
from .match import DEFAULT_FLOOR, DEFAULT_K, match_positions
from .region import ConeRegion, EllipseRegion, PolygonRegion, Region, as_region, fermi_ellipse
from .sources import DEFAULT_ERRORS, SourceList, find_position_columns

__all__ = [
    "candidates", "alpha_rx", "match_positions", "classify_positions", "KnownBlazars",
    "Region", "ConeRegion", "PolygonRegion", "EllipseRegion", "as_region", "fermi_ellipse",
    "SourceList", "find_position_columns", "DEFAULT_ERRORS", "DEFAULT_K", "DEFAULT_FLOOR",
    "DEFAULT_KNOWN_RADIUS", "NU_RADIO", "NU_XRAY", "DEFAULT_XRAY_BAND",
]
