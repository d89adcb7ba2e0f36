"""The embedded offline snapshot: local, catalogue-shaped slices of the registry's catalogues built
from the project's real data files, and an offline name table.

The files live in ``vo_blazar/data/snapshot/`` (see its PROVENANCE.md) and are served by
`vo_blazar.access.snapshot.SnapshotAccess`; maintainers rebuild them with
``python -m vo_blazar.snapshot.build --shared ../shared/data``.
"""
from ..exceptions import NameResolutionError
from .names import known_names, normalise_name, resolve_name

__all__ = ["resolve_name", "known_names", "normalise_name", "NameResolutionError"]
