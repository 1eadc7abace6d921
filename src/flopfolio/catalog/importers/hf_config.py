"""A Hugging Face ``config.json`` -> :class:`TransformerSpec`.

Reads the keys the common decoder families use (Llama, Mistral/Mixtral, Qwen2/Qwen2-MoE/Qwen3-MoE,
Gemma, GPT-NeoX, OPT, Falcon, GPT-2/GPT-J, DeepSeek-V3) and refuses a config that lacks the
essentials, naming the missing key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flopfolio.catalog.importers import read_json_object
from flopfolio.errors import CatalogError
from flopfolio.specs.transformer import FeedForward, MLAShape, TransformerSpec

_ALIASES: dict[str, tuple[str, ...]] = {
    "layers": ("num_hidden_layers", "n_layer", "num_layers", "n_layers"),
    "hidden": ("hidden_size", "n_embd", "d_model", "dim"),
    "heads": ("num_attention_heads", "n_head", "num_heads", "n_heads"),
    "vocab": ("vocab_size",),
}
# Families whose projections carry biases, and whose norms are LayerNorm with a bias.
_BIASED = ("gpt_neox", "opt", "gpt2", "gptj", "bloom", "phi", "gpt_bigcode", "starcoder2")
_MLP_FAMILIES = ("gpt_neox", "opt", "gpt2", "gptj", "bloom", "phi", "falcon", "gpt_bigcode", "mpt")


def _first(config: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if config.get(key) is not None:
            return config[key]
    return None


def spec_from_hf_config(config: dict[str, Any], name: str = "hf-config") -> TransformerSpec:
    text = config.get("text_config")
    if isinstance(text, dict):  # multimodal wrappers keep the language model here
        config = {**config, **text}
    values = {field: _first(config, keys) for field, keys in _ALIASES.items()}
    missing = [keys[0] for field, keys in _ALIASES.items() if values[field] is None]
    if missing:
        raise CatalogError(f"config.json lacks {', '.join(missing)}: cannot build a model shape.")
    model_type = str(config.get("model_type", "")).lower()
    hidden = int(values["hidden"])
    heads = int(values["heads"])
    kv_heads = _first(config, ("num_key_value_heads", "n_head_kv", "num_kv_heads"))
    if kv_heads is None and config.get("multi_query"):
        kv_heads = 1
    ffn = _first(config, ("intermediate_size", "ffn_dim", "n_inner", "ffn_hidden_size"))
    experts = int(_first(config, ("num_local_experts", "n_routed_experts", "num_experts")) or 0)
    mla = None
    if config.get("kv_lora_rank"):
        mla = MLAShape(
            q_lora_rank=int(config.get("q_lora_rank") or 0),
            kv_lora_rank=int(config["kv_lora_rank"]),
            qk_nope_head_dim=int(config["qk_nope_head_dim"]),
            qk_rope_head_dim=int(config["qk_rope_head_dim"]),
            v_head_dim=int(config["v_head_dim"]),
        )
    biased = model_type in _BIASED
    try:
        return TransformerSpec(
            name=name,
            layers=int(values["layers"]),
            hidden=hidden,
            heads=heads,
            kv_heads=int(kv_heads or heads),
            head_dim=int(config.get("head_dim") or 0),
            ffn_hidden=int(ffn or 4 * hidden),
            feed_forward=FeedForward.MLP if model_type in _MLP_FAMILIES else FeedForward.GATED,
            vocab=int(values["vocab"]),
            seq_len=int(
                _first(config, ("max_position_embeddings", "n_positions", "seq_length")) or 2048
            ),
            tied_embeddings=bool(config.get("tie_word_embeddings", model_type in ("opt", "gpt2"))),
            learned_positions=model_type in ("opt", "gpt2", "gpt_bigcode"),
            linear_bias=biased,
            qkv_bias=model_type.startswith("qwen2") and not biased,
            layernorm_bias=biased or model_type == "falcon",
            experts=experts,
            experts_active=int(
                _first(config, ("num_experts_per_tok", "num_experts_per_token")) or 0
            ),
            moe_ffn_hidden=int(config.get("moe_intermediate_size") or 0),
            shared_experts=int(config.get("n_shared_experts") or 0),
            dense_layers=int(config.get("first_k_dense_replace") or 0),
            mla=mla,
        )
    except (ValueError, TypeError) as exc:
        raise CatalogError(f"config.json gives an impossible shape: {exc}") from None


def spec_from_hf_config_file(path: Path | str) -> TransformerSpec:
    path = Path(path)
    config = read_json_object(path, "a Hugging Face config")
    return spec_from_hf_config(config, name=path.parent.name or path.stem)
