"""FLOP counts, with the convention each number uses stated here once.

Conventions (a multiply-add is 2 FLOPs):

``napkin``
    Training ``6·N·D`` and inference ``2·N`` per token, ``N`` the *active* parameter count
    (every parameter, embeddings included, as the seeds and Chinchilla count them).
``model`` (PaLM's definition, used for MFU)
    Forward + backward of the matmuls and of attention. Matmuls: ``2·N_mm`` per token forward
    (``N_mm`` = active parameters that enter a matmul: all but the embedding lookup, positions,
    norms and biases; the unembedding counts). Attention: ``QKᵀ`` and ``AV`` cost ``4·s·d_attn``
    per token per layer forward for the full ``s×s`` product; with a causal mask only half of it
    is needed, so we count ``2·s·d_attn`` (**causal, halved**). Backward = 2 × forward, so
    training is ``6·N_mm + 6·L·s·d_attn`` per token.
``hardware``
    Model FLOPs plus what activation recomputation re-runs (one more forward of what it recomputes).
    Utilization against it is HFU.

When a spec has no shape (only ``--params``), ``model`` falls back to ``napkin`` and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from flopfolio.specs.transformer import TransformerSpec
from flopfolio.units import check_positive


class FlopConvention(StrEnum):
    NAPKIN = "napkin 6ND / 2N"
    MODEL = "model FLOPs (PaLM MFU definition; causal attention counted as half of s^2)"


@dataclass(frozen=True, slots=True)
class FlopCount:
    total: float
    per_token: float
    convention: FlopConvention


def napkin_training_flops(params: float, tokens: float) -> float:
    """``6·N·D``: forward (2) plus backward (4) FLOPs per parameter per token."""
    return 6.0 * check_positive(params, "parameters") * check_positive(tokens, "tokens")


def napkin_inference_flops(params: float, tokens: float = 1.0) -> float:
    """``2·N`` per token processed (the seeds' ``2·n·p`` for ``n`` tokens)."""
    return 2.0 * check_positive(params, "parameters") * check_positive(tokens, "tokens")


def attention_flops_per_token_forward(spec: TransformerSpec, context: float) -> float:
    """Causal attention score and value FLOPs for one token at average ``context`` length."""
    if not spec.has_shape:
        return 0.0
    if spec.mla is not None:
        m = spec.mla
        width = spec.heads * (m.qk_nope_head_dim + m.qk_rope_head_dim + m.v_head_dim) / 2
    else:
        width = spec.attn_width
    # QKᵀ and AV: 2 matmuls × 2 FLOPs × context × width; causal average context is half the window.
    return 4.0 * spec.layers * context * width


def training_flops(spec: TransformerSpec, tokens: float, seq_len: int | None = None) -> FlopCount:
    """Model FLOPs to train on ``tokens`` tokens at sequence length ``seq_len``."""
    check_positive(tokens, "tokens")
    if not spec.has_shape:
        per_token = 6.0 * spec.active_params
        return FlopCount(per_token * tokens, per_token, FlopConvention.NAPKIN)
    s = seq_len or spec.seq_len
    # Causal: a token attends to (on average) s/2 earlier positions.
    per_token = 6.0 * spec.matmul_params_active + 3.0 * attention_flops_per_token_forward(
        spec, s / 2
    )
    return FlopCount(per_token * tokens, per_token, FlopConvention.MODEL)


def inference_flops_per_token(spec: TransformerSpec, context: float) -> FlopCount:
    """Forward FLOPs for one token that attends to ``context`` earlier tokens."""
    if not spec.has_shape:
        per_token = 2.0 * spec.active_params
        return FlopCount(per_token, per_token, FlopConvention.NAPKIN)
    per_token = 2.0 * spec.matmul_params_active + attention_flops_per_token_forward(spec, context)
    return FlopCount(per_token, per_token, FlopConvention.MODEL)
