"""Model presets: published shapes turned into :class:`TransformerSpec`, with their sources."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flopfolio.catalog._rows import Row, parse_as_of
from flopfolio.errors import CatalogError
from flopfolio.specs.transformer import FeedForward, MLAShape, TransformerSpec

TRANSFORMER_ARCHITECTURES = ("dense", "moe")
IMAGE_ARCHITECTURES = ("diffusion_unet", "diffusion_transformer")


@dataclass(frozen=True, slots=True)
class ModelPreset:
    id: str
    name: str
    family: str
    architecture: str
    params_published: float
    active_params_published: float | None
    spec: TransformerSpec
    source: str
    as_of: dt.date
    note: str = ""
    origin: str = "shipped"

    @property
    def is_image_model(self) -> bool:
        return self.architecture in IMAGE_ARCHITECTURES


def _spec_from_row(
    row: Row, model_id: str, architecture: str, params: float, active: float | None
) -> TransformerSpec:
    if architecture in IMAGE_ARCHITECTURES:
        return TransformerSpec.from_params(params, active or 0.0, name=model_id)
    mla = None
    if row.integer("kv_lora_rank"):
        mla = MLAShape(
            q_lora_rank=row.integer("q_lora_rank"),
            kv_lora_rank=row.integer("kv_lora_rank"),
            qk_nope_head_dim=row.integer("qk_nope_head_dim"),
            qk_rope_head_dim=row.integer("qk_rope_head_dim"),
            v_head_dim=row.integer("v_head_dim"),
        )
    try:
        feed_forward = FeedForward(row.text("feed_forward") or "gated")
    except ValueError:
        raise CatalogError(f"{row.where}: feed_forward must be gated or mlp.") from None
    return TransformerSpec(
        name=model_id,
        layers=row.integer("layers"),
        hidden=row.integer("hidden"),
        heads=row.integer("heads"),
        kv_heads=row.integer("kv_heads"),
        head_dim=row.integer("head_dim"),
        ffn_hidden=row.integer("ffn_hidden"),
        feed_forward=feed_forward,
        vocab=row.integer("vocab"),
        seq_len=row.integer("seq_len") or 2048,
        tied_embeddings=row.flag("tied_embeddings"),
        learned_positions=row.flag("learned_positions"),
        linear_bias=row.flag("linear_bias"),
        qkv_bias=row.flag("qkv_bias"),
        layernorm_bias=row.flag("layernorm_bias"),
        experts=row.integer("experts"),
        experts_active=row.integer("experts_active"),
        moe_ffn_hidden=row.integer("moe_ffn_hidden"),
        shared_experts=row.integer("shared_experts"),
        dense_layers=row.integer("dense_layers"),
        mla=mla,
    )


def preset_from_row(row: Row) -> ModelPreset:
    model_id = row.text("id").lower()
    architecture = row.text("architecture") or "dense"
    if architecture not in TRANSFORMER_ARCHITECTURES + IMAGE_ARCHITECTURES:
        raise CatalogError(f"{row.where}: unknown architecture {architecture!r}.")
    params = row.number("params_published")
    if not model_id or params is None:
        raise CatalogError(f"{row.where}: id and params_published are required.")
    active = row.number("active_params_published")
    try:
        spec = _spec_from_row(row, model_id, architecture, params, active)
    except ValueError as exc:
        raise CatalogError(f"{row.where}: {exc}") from None
    return ModelPreset(
        id=model_id,
        name=row.text("name") or model_id,
        family=row.text("family"),
        architecture=architecture,
        params_published=params,
        active_params_published=active,
        spec=spec,
        source=row.text("source"),
        as_of=parse_as_of(row.text("as_of"), row.where),
        note=row.text("note"),
        origin=row.origin,
    )
