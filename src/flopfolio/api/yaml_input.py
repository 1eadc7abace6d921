"""Reading a user's YAML file (a workload, a roadmap, an RL run) into a pydantic model, with one
line naming the bad field and the example to copy when it does not validate."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from flopfolio.errors import CatalogError, InvalidSpecError, did_you_mean

M = TypeVar("M", bound=BaseModel)


def read_yaml(path: Path | str) -> Any:
    path = Path(path)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogError(f"Cannot read {path}: {exc.strerror}.") from None
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path} is not valid YAML: {exc}.") from None


def read_yaml_text(text: str, where: str) -> Any:
    """YAML typed or uploaded by a user (the web pages), read like a file's."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidSpecError(
            f"{where} is not valid YAML: {' '.join(str(exc).split())}."
        ) from None


def load_model(model: type[M], path: Path | str, example: str) -> M:
    """``model`` validated from the YAML at ``path``; a misspelt key gets a suggestion."""
    return parse_model(model, read_yaml(path), str(path), example)


def parse_model(model: type[M], data: Any, where: str, example: str) -> M:
    """``model`` validated from already-read YAML ``data``; errors name ``where``."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        first = errors[0]
        field = ".".join(str(p) for p in first["loc"]) or "(file)"
        hint = (
            did_you_mean(str(first["loc"][-1]), model.model_fields)
            if first["type"] == "extra_forbidden"
            else ""
        )
        raise InvalidSpecError(
            f"{where}: {field}: {first['msg']}.{hint} To fix: see {example}."
        ) from None
