"""Transformer shapes and the parameter count that follows from them.

A :class:`TransformerSpec` is either a full shape (layers, hidden size, heads, ...) or, when only
the parameter count is known (``--params 175e9``), a bare count: every formula that needs the shape
says so and falls back to the napkin rule, and results record which one was used.

Parameter counting (decoder-only): input embedding ``V·h`` (+ learned positions ``s·h``), the
unembedding ``V·h`` unless tied, and per layer: attention projections, the feed-forward block
(``3·h·f`` gated / ``2·h·f`` plain), biases where the architecture has them, and norms. MoE layers
hold ``E`` experts of ``3·h·f_e`` plus a router ``h·E`` and optional shared experts; the first
``dense_layers`` layers of some MoE models (DeepSeek-V3) are dense. MLA attention (DeepSeek-V3)
uses low-rank query and key/value projections.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from flopfolio.errors import InvalidSpecError
from flopfolio.units import check_positive


class Attention(StrEnum):
    MHA = "mha"
    GQA = "gqa"
    MQA = "mqa"
    MLA = "mla"


class FeedForward(StrEnum):
    GATED = "gated"  # SwiGLU / GeGLU: three matrices
    MLP = "mlp"  # two matrices with an activation between


@dataclass(frozen=True, slots=True)
class MLAShape:
    """Multi-head latent attention (DeepSeek-V2/V3) projection ranks."""

    q_lora_rank: int
    kv_lora_rank: int
    qk_nope_head_dim: int
    qk_rope_head_dim: int
    v_head_dim: int


@dataclass(frozen=True, slots=True)
class TransformerSpec:
    """A decoder-only transformer. ``params_override`` holds a bare count when no shape is known."""

    name: str = "custom"
    layers: int = 0
    hidden: int = 0
    heads: int = 0
    kv_heads: int = 0
    ffn_hidden: int = 0
    vocab: int = 0
    seq_len: int = 2048
    head_dim: int = 0  # 0 = hidden // heads
    feed_forward: FeedForward = FeedForward.GATED
    tied_embeddings: bool = False
    learned_positions: bool = False
    linear_bias: bool = False  # biases on every projection (GPT-3, OPT, BLOOM)
    qkv_bias: bool = False  # biases on q/k/v only (Qwen)
    layernorm_bias: bool = False  # LayerNorm (scale+shift) rather than RMSNorm (scale only)
    experts: int = 0
    experts_active: int = 0
    moe_ffn_hidden: int = 0
    shared_experts: int = 0
    dense_layers: int = 0  # leading layers that are dense in an MoE model
    mla: MLAShape | None = None
    params_override: float = 0.0
    active_params_override: float = 0.0
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.params_override:
            check_positive(self.params_override, "parameter count", upper=1e16)
            if self.active_params_override and self.active_params_override > self.params_override:
                raise InvalidSpecError(
                    f"active parameters {self.active_params_override:g} exceed total "
                    f"{self.params_override:g}. To fix: --active-params must be at most --params."
                )
            return
        for what in ("layers", "hidden", "heads", "vocab", "seq_len"):
            value = getattr(self, what)
            if not isinstance(value, int) or value <= 0:
                raise InvalidSpecError(f"{what} must be a positive integer, got {value!r}.")
        kv = self.kv_heads or self.heads
        if self.mla is None and self.heads % kv:
            raise InvalidSpecError(f"heads ({self.heads}) must be a multiple of kv_heads ({kv}).")
        if self.experts and not 0 < self.experts_active <= self.experts:
            raise InvalidSpecError(
                f"experts_active must be in 1..{self.experts}, got {self.experts_active}."
            )
        if not self.experts and self.ffn_hidden <= 0:
            raise InvalidSpecError(
                f"ffn_hidden must be a positive integer, got {self.ffn_hidden!r}."
            )

    # --- shape helpers -------------------------------------------------------------------------
    @property
    def has_shape(self) -> bool:
        return not self.params_override

    @property
    def is_moe(self) -> bool:
        return self.experts > 0 or (
            bool(self.active_params_override) and self.active_params_override < self.params_override
        )

    @property
    def head_size(self) -> int:
        return self.head_dim or self.hidden // self.heads

    @property
    def kv_head_count(self) -> int:
        return self.kv_heads or self.heads

    @property
    def attention(self) -> Attention:
        if self.mla is not None:
            return Attention.MLA
        if self.kv_head_count == self.heads:
            return Attention.MHA
        return Attention.MQA if self.kv_head_count == 1 else Attention.GQA

    @property
    def attn_width(self) -> int:
        """Width of the attention's query/output space (heads x head size)."""
        if self.mla is not None:
            return self.heads * self.mla.v_head_dim
        return self.heads * self.head_size

    @property
    def moe_layers(self) -> int:
        return self.layers - self.dense_layers if self.experts else 0

    # --- parameter counts ----------------------------------------------------------------------
    def attention_params_per_layer(self) -> float:
        h = self.hidden
        if self.mla is not None:
            m = self.mla
            qk_head = m.qk_nope_head_dim + m.qk_rope_head_dim
            q = h * m.q_lora_rank + m.q_lora_rank + m.q_lora_rank * self.heads * qk_head
            kv_down = h * (m.kv_lora_rank + m.qk_rope_head_dim) + m.kv_lora_rank
            kv_up = m.kv_lora_rank * self.heads * (m.qk_nope_head_dim + m.v_head_dim)
            out = self.heads * m.v_head_dim * h
            return float(q + kv_down + kv_up + out)
        q_width = self.heads * self.head_size
        kv_width = self.kv_head_count * self.head_size
        weights = h * q_width + 2 * h * kv_width + q_width * h
        bias = 0
        if self.linear_bias:
            bias = q_width + 2 * kv_width + h
        elif self.qkv_bias:
            bias = q_width + 2 * kv_width
        return float(weights + bias)

    def _ffn_params(self, ffn_hidden: int) -> float:
        h = self.hidden
        matrices = 3 if self.feed_forward is FeedForward.GATED else 2
        bias = (ffn_hidden + h) if self.linear_bias else 0
        return float(matrices * h * ffn_hidden + bias)

    def _norm_params_per_layer(self) -> float:
        return float(2 * self.hidden * (2 if self.layernorm_bias else 1))

    def embedding_params(self) -> float:
        """Input embedding (+ learned positions) + the unembedding unless tied."""
        if not self.has_shape:
            return 0.0
        emb = self.vocab * self.hidden
        pos = self.seq_len * self.hidden if self.learned_positions else 0
        head = 0 if self.tied_embeddings else self.vocab * self.hidden
        return float(emb + pos + head)

    def expert_params(self) -> float:
        return self._ffn_params(self.moe_ffn_hidden or self.ffn_hidden)

    def _layer_params(self, *, active_only: bool) -> float:
        attn = self.attention_params_per_layer() + self._norm_params_per_layer()
        if not self.experts:
            return self.layers * (attn + self._ffn_params(self.ffn_hidden))
        routed = self.experts_active if active_only else self.experts
        moe_ffn = (routed + self.shared_experts) * self.expert_params() + self.hidden * self.experts
        dense_ffn = self._ffn_params(self.ffn_hidden) if self.dense_layers else 0.0
        return self.layers * attn + self.moe_layers * moe_ffn + self.dense_layers * dense_ffn

    @property
    def params(self) -> float:
        """Total parameters (every expert counted)."""
        if not self.has_shape:
            return self.params_override
        final_norm = self.hidden * (2 if self.layernorm_bias else 1)
        return self._layer_params(active_only=False) + self.embedding_params() + final_norm

    @property
    def active_params(self) -> float:
        """Parameters touched per token (MoE: only the routed experts; equals ``params`` if dense)."""
        if not self.has_shape:
            return self.active_params_override or self.params_override
        if not self.experts:
            return self.params
        final_norm = self.hidden * (2 if self.layernorm_bias else 1)
        return self._layer_params(active_only=True) + self.embedding_params() + final_norm

    @property
    def matmul_params_active(self) -> float:
        """Active parameters that take part in a matrix multiply per token: everything but the
        input embedding lookup and positions, norms and biases (the unembedding is a matmul)."""
        if not self.has_shape:
            return self.active_params
        return self.active_params - self.embedding_params() + self.vocab * self.hidden

    def weights_touched(self, tokens_in_flight: float) -> float:
        """Parameters read from memory in one forward step over ``tokens_in_flight`` tokens.

        Dense models read every weight but the input-embedding table. An MoE layer reads only the experts its tokens are routed
        to: with ``k`` of ``E`` experts per token and uniform routing, the expected share touched
        by ``n`` tokens is ``1 - (1 - k/E)^n`` (Mixtral at batch 1 reads 2 of 8 experts per layer).
        """
        if not self.has_shape:
            return self.params
        # The input embedding is a lookup: only the looked-up rows are read (unless the table is
        # tied to the unembedding, which reads it whole).
        lookup = 0.0 if self.tied_embeddings else float(self.vocab * self.hidden)
        if self.learned_positions:
            lookup += self.seq_len * self.hidden
        if not self.experts:
            return self.params - lookup
        return (
            self.params
            - lookup
            - self.routed_params
            + self.routed_weights_touched(tokens_in_flight)
        )

    @property
    def routed_params(self) -> float:
        """Parameters of every routed expert, hit or not (0 if dense): what expert parallelism
        shards."""
        if not (self.has_shape and self.experts):
            return 0.0
        return self.moe_layers * self.experts * self.expert_params()

    @property
    def non_routed_params(self) -> float:
        """Everything but the routed experts (attention, shared experts, dense layers,
        embeddings): what each attention-data-parallel rank holds whole."""
        return self.params - self.routed_params

    def routed_weights_touched(self, tokens_in_flight: float) -> float:
        """The routed experts' parameters a step over ``tokens_in_flight`` tokens reads (the
        share of :meth:`weights_touched` that grouped expert kernels stream); 0 if dense."""
        if not (self.has_shape and self.experts):
            return 0.0
        return self.moe_layers * self.expert_params() * self.experts_hit(tokens_in_flight)

    def experts_hit(self, tokens: float) -> float:
        """Expected distinct experts per MoE layer that ``tokens`` tokens route to, uniformly:
        ``E·(1 − (1 − k/E)ⁿ)`` (0 if dense)."""
        if not self.experts:
            return 0.0
        missed = (1.0 - self.experts_active / self.experts) ** max(tokens, 1.0)
        return self.experts * (1.0 - float(missed))

    @classmethod
    def from_params(
        cls, params: float, active_params: float = 0.0, name: str = "custom"
    ) -> TransformerSpec:
        return cls(name=name, params_override=params, active_params_override=active_params)


NOMINAL_ASPECT_RATIO = 128  # hidden / layers: GPT-3 175B has 12288 / 96
NOMINAL_HEAD_DIM = 128
NOMINAL_VOCAB = 32_000


def nominal_shape(params: float, name: str = "nominal") -> TransformerSpec:
    """A plausible dense shape with about ``params`` parameters, for when only the count is known:
    ``12·L·h²`` in the layers with ``h ≈ 128·L`` (GPT-3's aspect ratio), an MLP of ``4h`` and a
    32k vocabulary. Used for memory and parallelism only; FLOPs stay the napkin count."""
    layers = max(2, round((params / (12 * NOMINAL_ASPECT_RATIO**2)) ** (1 / 3)))
    core = params
    for _ in range(3):  # leave room for the two embedding tables
        width = (core / (12 * layers)) ** 0.5
        step = NOMINAL_HEAD_DIM * (8 if width >= 4096 else 1)  # 8-way-divisible heads when large
        hidden = max(NOMINAL_HEAD_DIM, round(width / step) * step)
        core = max(params * 0.5, params - 2 * NOMINAL_VOCAB * hidden)
    return TransformerSpec(
        name=name,
        layers=layers,
        hidden=hidden,
        heads=hidden // NOMINAL_HEAD_DIM,
        ffn_hidden=4 * hidden,
        feed_forward=FeedForward.MLP,
        vocab=NOMINAL_VOCAB,
    )
