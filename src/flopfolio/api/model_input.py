"""Turning what a user gives (a preset name, a config.json path, or a bare parameter count with
optional shape flags) into one :class:`TransformerSpec`."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

from flopfolio.catalog.catalog import Catalog
from flopfolio.errors import InvalidSpecError
from flopfolio.results.common import ModelChoice
from flopfolio.specs.transformer import FeedForward, TransformerSpec
from flopfolio.units import parse_count

SHAPE_FIELDS = {f.name for f in fields(TransformerSpec)} - {
    "name", "params_override", "active_params_override", "extra", "mla",
}  # fmt: skip


def choose_model(
    catalog: Catalog,
    model: str | None = None,
    *,
    params: str | float | None = None,
    active_params: str | float | None = None,
    shape: dict[str, Any] | None = None,
) -> ModelChoice:
    """A preset (``--model llama-2-70b``), a Hugging Face ``config.json`` path, or ``--params``
    with optional shape flags (a full shape when layers/hidden/heads/vocab are all given)."""
    shape = {k: v for k, v in (shape or {}).items() if v not in (None, 0, "")}
    # The sequence length is the run's, not the model's: it goes with a preset too.
    if model and (params is not None or set(shape) - {"seq_len"}):
        raise InvalidSpecError("Give either --model or --params/shape flags, not both.")
    if model:
        path = Path(model)
        if path.suffix == ".json" and path.is_file():
            from flopfolio.catalog.importers.hf_config import spec_from_hf_config_file

            spec = spec_from_hf_config_file(path)
            return ModelChoice(spec, f"Hugging Face config {path}", source=str(path))
        preset = catalog.preset(model)
        source = f"{preset.source} (as of {preset.as_of.isoformat()})"
        return ModelChoice(preset.spec, f"preset {preset.id}", source, preset.is_image_model)
    if params is None and not shape:
        raise InvalidSpecError(
            "No model given. To fix: pass --model PRESET or --params N (e.g. 7B)."
        )
    unknown = set(shape) - SHAPE_FIELDS
    if unknown:
        raise InvalidSpecError(f"Unknown shape field(s): {', '.join(sorted(unknown))}.")
    if {"layers", "hidden", "heads", "vocab"} <= set(shape):
        if "feed_forward" in shape:
            shape["feed_forward"] = FeedForward(shape["feed_forward"])
        shape.setdefault("ffn_hidden", 4 * int(shape["hidden"]))
        spec = TransformerSpec(name="custom", **shape)
        if params is not None:
            stated = parse_count(params, "--params")
            if abs(spec.params / stated - 1) > 0.10:
                raise InvalidSpecError(
                    f"--params {stated:g} disagrees with the shape flags ({spec.params:g} from the "
                    "shape). To fix: drop --params or correct the shape."
                )
        return ModelChoice(spec, f"custom shape ({spec.params / 1e9:.2f}B parameters from shape)")
    if params is None:
        raise InvalidSpecError(
            "Shape flags need all of --layers, --hidden, --heads and --vocab, or --params. "
            "To fix: add the missing ones or pass --params."
        )
    total = parse_count(params, "--params")
    active = parse_count(active_params, "--active-params") if active_params is not None else 0.0
    seq = int(shape.get("seq_len", 2048))
    spec = TransformerSpec(
        name="custom", params_override=total, active_params_override=active, seq_len=seq
    )
    kind = f", {active / 1e9:.3g}B active" if active else ""
    return ModelChoice(spec, f"{total / 1e9:.4g}B parameters{kind} (no shape: napkin FLOPs)")
