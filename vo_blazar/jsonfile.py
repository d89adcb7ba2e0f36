"""Reading the package's JSON files (grids, model cards) with errors that name the file."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .exceptions import ModelError

__all__ = ["read_json"]


def read_json(path: str | Path, what: str) -> Any:
    """Parse ``path`` as JSON; a missing or unreadable file raises `ModelError` naming it as ``what``."""
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelError(f"{what} {path} does not exist") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{what} {path} cannot be read as JSON: {exc}") from exc
