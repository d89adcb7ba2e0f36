"""Building the embedded offline snapshot: ``python -m tools.snapshot.build --shared ../shared/data``."""
