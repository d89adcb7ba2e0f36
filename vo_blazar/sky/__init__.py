"""Positions on the sky: what the user typed (names, coordinates, position columns), and which
catalogue rows are the counterparts of a target."""
from .target import find_position_columns, parse_target, resolve_name

__all__ = ["parse_target", "resolve_name", "find_position_columns"]
