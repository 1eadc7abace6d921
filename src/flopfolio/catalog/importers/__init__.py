"""Importers: other tools' catalogs and configs into flopfolio's schemas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flopfolio.errors import CatalogError


def read_json_object(path: Path, what: str) -> dict[str, Any]:
    """A JSON file that must hold one object; errors name the file and what was expected."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogError(f"Cannot read {path}: {exc.strerror}.") from None
    except json.JSONDecodeError as exc:
        raise CatalogError(f"{path} is not valid JSON: {exc.msg} (line {exc.lineno}).") from None
    if not isinstance(data, dict):
        raise CatalogError(f"{path} is not {what} (expected a JSON object).")
    return data
