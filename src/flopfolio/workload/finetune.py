"""Fine-tuning a trained model: full, LoRA and QLoRA; trainable parameters, memory, FLOPs, and
distillation from a teacher.

**LoRA** (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large Language Models", arXiv:2106.09685,
§4.1): a frozen weight ``W`` of ``d_in × d_out`` gets a trainable update ``B·A`` (``A``:
``d_in × r``, ``B``: ``r × d_out``), so each targeted matrix adds ``r·(d_in + d_out)`` trainable
parameters. The matrices come from the :class:`TransformerSpec` (per layer):

``q,v``
    ``W_q`` (``h → heads·d_head``) and ``W_v`` (``h → kv_heads·d_head``): the LoRA paper's choice
    (§7.1) and PEFT's default for Llama (``TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING``).
``attention``
    ``q, k, v, o`` with GQA widths; MLA (DeepSeek-V2/V3) uses its own ``q_a, q_b`` (or ``q``),
    ``kv_a, kv_b`` and ``o`` projections (``q,v`` then means the query and key/value paths).
``attention+mlp``
    plus the dense feed-forward (``gate, up, down`` when gated, ``up, down`` for a plain MLP) and
    the shared experts of an MoE; **routed experts and the router are not targeted**.
``all-linear``
    every linear layer but the output head (PEFT's ``"all-linear"``): adds each routed expert's
    feed-forward and the router. For a dense model it equals ``attention+mlp``.

A spec with no shape (``--params`` only) uses :func:`nominal_shape` for adapters and activations.

**QLoRA** (Dettmers et al. 2023, "QLoRA: Efficient Finetuning of Quantized LLMs",
arXiv:2305.14314, §3): frozen linear weights in 4-bit NormalFloat in blocks of 64, one fp32 absmax
per block (32/64 = 0.5 bit/param); *double quantization* stores those constants in 8 bits with one
fp32 constant per 256 of them: ``8/64 + 32/(64·256) = 0.127`` bit/param, so **4.127 bits per
quantized weight**. bitsandbytes quantizes every linear layer but the output head; embeddings, the
unembedding, norms and biases stay 16-bit. Its paged optimizer (which moves optimizer state to CPU
only under memory spikes) is **not** counted: optimizer state is taken to live on the GPU.

**Memory per GPU** (GiB):

* frozen weights: LoRA all weights at 2 B (bf16); QLoRA 4.127/8 B per linear weight + 2 B for the
  rest; full fine-tuning has none frozen;
* trainable state: full: :func:`~flopfolio.workload.memory.training_state_bytes` (bf16 mixed
  precision Adam, 2 + 2 + 12 = 16 B/param, ZeRO §3); adapters: weights and gradients in the
  adapter precision plus fp32 Adam moments, no fp32 master copy: **12 B/param with bf16
  adapters** (2 + 2 + 8: the QLoRA reference code casts LoRA layers to bf16 and uses 32-bit paged
  AdamW), 16 B/param with fp32 adapters (4 + 4 + 8);
* activations (Korthikanti et al. 2022 via :func:`activation_bytes_per_layer`, with FlashAttention,
  i.e. no ``s²`` term): gradient checkpointing (the default) keeps each layer's input,
  ``2·s·b·h`` bytes × ``L``, plus one layer's ``34·s·b·h`` while it is recomputed; without it,
  ``34·s·b·h`` × ``L``;
* logits: fine-tuning stacks (Hugging Face Trainer/PEFT/TRL, the QLoRA reference code) compute the
  loss unfused: bf16 logits, an fp32 copy for the cross-entropy and its fp32 gradient,
  ``(2 + 4 + 4)·s·b·V`` bytes (fused or chunked losses need less; pre-training in
  :mod:`flopfolio.perf.parallel` counts ``4·s·b·V``);
* on ``n > 1`` GPUs a simple FSDP full-shard / ZeRO-3: frozen and trainable state divided by
  ``n``, plus two layers' unsharded weights (the one computing and the one prefetched);
  activations are per GPU (each holds its own micro-batch);
* a framework allowance: 1 GiB on one GPU (CUDA context, cuBLAS workspace, fragmentation), 2 GiB on
  several (plus NCCL buffers, as :mod:`flopfolio.perf.parallel`).

A configuration fits when the total is at most 95% of the device memory (as
:mod:`flopfolio.perf.parallel`).

**FLOPs** (the conventions of :mod:`flopfolio.workload.flops`; ``N`` = matmul parameters active
per token, ``A`` = causal attention FLOPs of one forward):

* full: ``6·N + 3·A`` per token (model FLOPs);
* LoRA / QLoRA: the frozen base still runs its forward (``2·N + A``) and the activation-gradient
  half of the backward (``2·N + 2·A``) but computes no weight gradients for frozen weights (saves
  ``2·N``); the adapters add ``6·N_lora``: ``4·N + 3·A + 6·N_lora`` per token;
* hardware FLOPs add the forward that gradient checkpointing re-runs (``2·N + A``, + ``2·N_lora``);
* no shape: the napkin counts with ``N`` = active parameters (``6·N`` and ``4·N + 6·N_lora``).

QLoRA's dequantization is memory traffic, not FLOPs: it shows up as a lower utilization.

**Distillation**: the student trains as a full or LoRA fine-tune over ``tokens × epochs``; the
teacher runs one forward per token, ``2·N_teacher + A`` (model convention; ``2·N`` with no shape).
Its logits are either stored once (teacher FLOPs × 1; storage ``tokens × k × (2 B value + 4 B
index)`` for the top-``k``, default 64, or ``tokens × V × 2 B`` for the full vocabulary) or computed
on the fly every epoch (teacher FLOPs × epochs, no storage). Offline pipelines keep top-``k``
token-logit pairs because full distributions are too large to store (Arcee's DistillKit README,
"Offline Distillation").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from flopfolio.errors import InvalidSpecError
from flopfolio.specs.precision import Precision
from flopfolio.specs.transformer import FeedForward, TransformerSpec, nominal_shape
from flopfolio.units import GIB, check_positive
from flopfolio.workload.flops import attention_flops_per_token_forward, inference_flops_per_token
from flopfolio.workload.memory import Recompute, activation_bytes_per_layer, training_state_bytes

NF4_BITS_PER_PARAM = 4.0 + 8.0 / 64 + 32.0 / (64 * 256)  # QLoRA §3: 4.127 with double quantization
FROZEN_BYTES_PER_PARAM = 2.0  # bf16 frozen base (LoRA), and QLoRA's unquantized layers
ADAM_MOMENT_BYTES = 8.0  # fp32 first and second moments
FRAMEWORK_SINGLE_GIB = 1.0
FRAMEWORK_MULTI_GIB = 2.0
USABLE_MEMORY_FRACTION = 0.95
FSDP_LAYERS_IN_FLIGHT = 2
LOGIT_BYTES = 2.0 + 4.0 + 4.0  # bf16 logits, fp32 copy, fp32 gradient
TOP_K_VALUE_BYTES = 2.0
TOP_K_INDEX_BYTES = 4.0
DEFAULT_TOP_K = 64
MAX_GPUS = 4096
_ADAPTER_PRECISIONS = (Precision.BF16, Precision.FP16, Precision.FP32)


class FinetuneMethod(StrEnum):
    FULL = "full"
    LORA = "lora"
    QLORA = "qlora"

    @property
    def uses_adapters(self) -> bool:
        return self is not FinetuneMethod.FULL


class LoraTarget(StrEnum):
    QV = "q,v"
    ATTENTION = "attention"
    ATTENTION_MLP = "attention+mlp"
    ALL_LINEAR = "all-linear"


_GROUPS = {
    LoraTarget.QV: frozenset({"qv"}),
    LoraTarget.ATTENTION: frozenset({"qv", "attention"}),
    LoraTarget.ATTENTION_MLP: frozenset({"qv", "attention", "mlp"}),
    LoraTarget.ALL_LINEAR: frozenset({"qv", "attention", "mlp", "expert", "router"}),
}


@dataclass(frozen=True, slots=True)
class LoraConfig:
    """A LoRA adapter. ``alpha`` scales the update (``α/r``) and does not change the cost."""

    rank: int = 16
    target: LoraTarget = LoraTarget.ATTENTION_MLP
    alpha: float = 32.0
    adapter_precision: Precision = Precision.BF16

    def __post_init__(self) -> None:
        if (
            isinstance(self.rank, bool)
            or not isinstance(self.rank, int)
            or not 1 <= self.rank <= 65536
        ):
            raise InvalidSpecError(
                f"LoRA rank must be an integer in 1..65536, got {self.rank!r}. To fix: use e.g. 8, 16 or 64."
            )
        try:
            object.__setattr__(self, "target", LoraTarget(self.target))
        except ValueError:
            names = ", ".join(t.value for t in LoraTarget)
            raise InvalidSpecError(
                f"Unknown LoRA target {self.target!r}. To fix: use one of {names}."
            ) from None
        check_positive(self.alpha, "LoRA alpha", upper=1e6)
        if self.adapter_precision not in _ADAPTER_PRECISIONS:
            raise InvalidSpecError(
                f"Adapters in {self.adapter_precision.value} are not modelled. To fix: use bf16, "
                "fp16 or fp32."
            )

    @property
    def state_bytes_per_param(self) -> float:
        """Weights + gradients in the adapter precision + fp32 Adam moments (12 B for bf16)."""
        return 2.0 * self.adapter_precision.bytes_per_value + ADAM_MOMENT_BYTES


@dataclass(frozen=True, slots=True)
class LinearMatrix:
    """One kind of linear layer: its shape, how many there are, and which LoRA targets hold it."""

    name: str
    d_in: int
    d_out: int
    count: float  # instances in the whole model
    group: str  # qv | attention | mlp | expert | router
    active_share: float = 1.0  # fraction of instances a token passes through (routed experts)


def _shape(spec: TransformerSpec) -> TransformerSpec:
    return spec if spec.has_shape else nominal_shape(spec.params, spec.name)


def linear_matrices(spec: TransformerSpec) -> tuple[LinearMatrix, ...]:
    """Every linear layer of the decoder stack (not the output head), grouped as in the module
    docstring. Biases and norms are not linear weights."""
    s = _shape(spec)
    h, layers = s.hidden, float(s.layers)
    out: list[LinearMatrix] = []
    if s.mla is not None:
        m = s.mla
        qk_head = m.qk_nope_head_dim + m.qk_rope_head_dim
        if m.q_lora_rank:
            out.append(LinearMatrix("q_a", h, m.q_lora_rank, layers, "qv"))
            out.append(LinearMatrix("q_b", m.q_lora_rank, s.heads * qk_head, layers, "qv"))
        else:
            out.append(LinearMatrix("q", h, s.heads * qk_head, layers, "qv"))
        out.append(LinearMatrix("kv_a", h, m.kv_lora_rank + m.qk_rope_head_dim, layers, "qv"))
        kv_b_out = s.heads * (m.qk_nope_head_dim + m.v_head_dim)
        out.append(LinearMatrix("kv_b", m.kv_lora_rank, kv_b_out, layers, "qv"))
        out.append(LinearMatrix("o", s.heads * m.v_head_dim, h, layers, "attention"))
    else:
        q_width, kv_width = s.heads * s.head_size, s.kv_head_count * s.head_size
        out.append(LinearMatrix("q", h, q_width, layers, "qv"))
        out.append(LinearMatrix("k", h, kv_width, layers, "attention"))
        out.append(LinearMatrix("v", h, kv_width, layers, "qv"))
        out.append(LinearMatrix("o", q_width, h, layers, "attention"))

    def ffn(prefix: str, width: int, count: float, group: str, share: float = 1.0) -> None:
        if count <= 0:
            return
        names = ("gate", "up") if s.feed_forward is FeedForward.GATED else ("up",)
        for name in names:
            out.append(LinearMatrix(f"{prefix}{name}", h, width, count, group, share))
        out.append(LinearMatrix(f"{prefix}down", width, h, count, group, share))

    if not s.experts:
        ffn("", s.ffn_hidden, layers, "mlp")
    else:
        moe_layers = float(s.moe_layers)
        expert_width = s.moe_ffn_hidden or s.ffn_hidden
        ffn("", s.ffn_hidden, float(s.dense_layers), "mlp")
        ffn("shared_", expert_width, moe_layers * s.shared_experts, "mlp")
        share = s.experts_active / s.experts
        ffn("expert_", expert_width, moe_layers * s.experts, "expert", share)
        out.append(LinearMatrix("router", h, s.experts, moe_layers, "router"))
    return tuple(out)


def lora_matrices(spec: TransformerSpec, lora: LoraConfig) -> tuple[LinearMatrix, ...]:
    """The linear layers ``lora.target`` puts an adapter on."""
    groups = _GROUPS[lora.target]
    return tuple(m for m in linear_matrices(spec) if m.group in groups)


def lora_params(spec: TransformerSpec, lora: LoraConfig, *, active_only: bool = False) -> float:
    """Trainable LoRA parameters, ``Σ r·(d_in + d_out)`` over the targeted matrices; with
    ``active_only`` a routed expert's adapters count by the share of tokens routed to it."""
    return sum(
        m.count * (m.active_share if active_only else 1.0) * lora.rank * (m.d_in + m.d_out)
        for m in lora_matrices(spec, lora)
    )


def linear_weight_params(spec: TransformerSpec) -> float:
    """Weights in linear layers (what bitsandbytes quantizes for QLoRA)."""
    if not spec.has_shape:  # a nominal shape's split, scaled to the real count
        shape = nominal_shape(spec.params, spec.name)
        return spec.params * linear_weight_params(shape) / shape.params
    return sum(m.count * m.d_in * m.d_out for m in linear_matrices(spec))


# --- memory ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class FinetuneMemory:
    """Memory per GPU of a fine-tune, by part (GiB)."""

    method: FinetuneMethod
    gpus: int
    seq_len: int
    micro_batch: int
    checkpointing: bool
    trainable_params: float
    state_bytes_per_trainable_param: float
    frozen_weights_gib: float
    trainable_weights_gib: float
    gradients_gib: float
    optimizer_gib: float
    activations_gib: float
    logits_gib: float
    sharding_buffer_gib: float
    framework_gib: float

    @property
    def total_gib(self) -> float:
        return (
            self.frozen_weights_gib + self.trainable_weights_gib + self.gradients_gib
            + self.optimizer_gib + self.activations_gib + self.logits_gib
            + self.sharding_buffer_gib + self.framework_gib
        )  # fmt: skip

    def fits(self, memory_gib: float) -> bool:
        """Whether the total fits in ``memory_gib`` (95% usable)."""
        return self.total_gib <= memory_gib * USABLE_MEMORY_FRACTION


def _check_run(seq_len: int, micro_batch: int, gpus: int) -> None:
    for value, what, upper in (
        (seq_len, "sequence length", 1 << 22),
        (micro_batch, "micro-batch", 1 << 16),
        (gpus, "GPUs", MAX_GPUS),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= upper:
            raise InvalidSpecError(
                f"{what} must be an integer in 1..{upper:,}, got {value!r}. "
                f"To fix: give a whole number such as 1, 2048 or 8."
            )


def _activation_bytes(spec: TransformerSpec, seq_len: int, micro_batch: int, checkpointing: bool) -> float:  # fmt: skip
    s = _shape(spec)
    full_layer = activation_bytes_per_layer(s, micro_batch, seq_len, 1, Recompute.SELECTIVE)
    if not checkpointing:
        return s.layers * full_layer
    kept = activation_bytes_per_layer(s, micro_batch, seq_len, 1, Recompute.FULL)
    return s.layers * kept + full_layer


def finetune_memory_gib(
    spec: TransformerSpec,
    method: FinetuneMethod,
    *,
    lora: LoraConfig | None = None,
    seq_len: int,
    micro_batch: int = 1,
    gpus: int = 1,
    checkpointing: bool = True,
    precision: Precision = Precision.BF16,
) -> FinetuneMemory:
    """Memory per GPU to fine-tune ``spec`` (see the module docstring for every term)."""
    method = FinetuneMethod(method)
    _check_run(seq_len, micro_batch, gpus)
    lora = lora or LoraConfig()
    params = spec.params
    if method is FinetuneMethod.FULL:
        state = training_state_bytes(precision)
        trainable = params
        frozen_bytes = 0.0
        weights_b, grads_b, optim_b = state.weights, state.gradients, state.optimizer
    else:
        trainable = lora_params(spec, lora)
        adapter = lora.adapter_precision.bytes_per_value
        weights_b, grads_b, optim_b = adapter, adapter, ADAM_MOMENT_BYTES
        if method is FinetuneMethod.QLORA:
            linear = linear_weight_params(spec)
            frozen_bytes = (
                linear * NF4_BITS_PER_PARAM / 8 + (params - linear) * FROZEN_BYTES_PER_PARAM
            )
        else:
            frozen_bytes = params * FROZEN_BYTES_PER_PARAM
    shard = float(gpus)
    s = _shape(spec)
    buffer = 0.0
    if gpus > 1:
        layer_weights = (frozen_bytes + trainable * weights_b) / s.layers
        buffer = FSDP_LAYERS_IN_FLIGHT * layer_weights
    logits = LOGIT_BYTES * seq_len * micro_batch * s.vocab
    return FinetuneMemory(
        method=method,
        gpus=gpus,
        seq_len=seq_len,
        micro_batch=micro_batch,
        checkpointing=checkpointing,
        trainable_params=trainable,
        state_bytes_per_trainable_param=weights_b + grads_b + optim_b,
        frozen_weights_gib=frozen_bytes / shard / GIB,
        trainable_weights_gib=trainable * weights_b / shard / GIB,
        gradients_gib=trainable * grads_b / shard / GIB,
        optimizer_gib=trainable * optim_b / shard / GIB,
        activations_gib=_activation_bytes(spec, seq_len, micro_batch, checkpointing) / GIB,
        logits_gib=logits / GIB,
        sharding_buffer_gib=buffer / GIB,
        framework_gib=FRAMEWORK_MULTI_GIB if gpus > 1 else FRAMEWORK_SINGLE_GIB,
    )


class MemoryDevice(Protocol):
    """What :func:`fits_on` needs of an accelerator (``catalog.accelerators.Accelerator`` has it)."""

    @property
    def id(self) -> str: ...
    @property
    def memory_gib(self) -> float: ...
    @property
    def node_size(self) -> int: ...


@dataclass(frozen=True, slots=True)
class FitAnswer:
    """The fewest GPUs (a power of two) of one accelerator that hold a fine-tune."""

    accelerator_id: str
    memory_gib: float
    node_size: int
    method: FinetuneMethod
    fewest_gpus: int | None  # None: not even ``MAX_GPUS`` hold it
    memory: FinetuneMemory  # at ``fewest_gpus``, or on one GPU when nothing fits
    tried: tuple[int, ...]

    @property
    def one_gpu(self) -> bool:
        return self.fewest_gpus == 1

    @property
    def one_node(self) -> bool:
        return self.fewest_gpus is not None and self.fewest_gpus <= self.node_size

    def describe(self) -> str:
        if self.fewest_gpus is None:
            return (
                f"{self.method.value} fine-tune does not fit on up to {self.tried[-1]:,} × "
                f"{self.accelerator_id}."
            )
        where = (
            "one card" if self.one_gpu else "one node" if self.one_node else "more than one node"
        )
        return (
            f"{self.method.value} fine-tune fits on {self.fewest_gpus} × {self.accelerator_id} "
            f"({where}): {self.memory.total_gib:.1f} of {self.memory_gib:g} GiB per GPU."
        )


def fits_on(
    spec: TransformerSpec,
    method: FinetuneMethod,
    accelerator: MemoryDevice,
    *,
    lora: LoraConfig | None = None,
    seq_len: int = 2048,
    micro_batch: int = 1,
    checkpointing: bool = True,
    precision: Precision = Precision.BF16,
    max_gpus: int = MAX_GPUS,
) -> FitAnswer:
    """Try 1, 2, 4, 8, ... GPUs of ``accelerator`` and report the first count that fits."""
    tried: list[int] = []
    first: FinetuneMemory | None = None
    gpus = 1
    while gpus <= max_gpus:
        memory = finetune_memory_gib(
            spec, method, lora=lora, seq_len=seq_len, micro_batch=micro_batch, gpus=gpus,
            checkpointing=checkpointing, precision=precision,
        )  # fmt: skip
        first = first or memory
        tried.append(gpus)
        if memory.fits(accelerator.memory_gib):
            return FitAnswer(
                accelerator.id, accelerator.memory_gib, accelerator.node_size,
                FinetuneMethod(method), gpus, memory, tuple(tried),
            )  # fmt: skip
        gpus *= 2
    if first is None:
        raise InvalidSpecError(f"max_gpus must be at least 1, got {max_gpus!r}.")
    return FitAnswer(
        accelerator.id, accelerator.memory_gib, accelerator.node_size, FinetuneMethod(method),
        None, first, tuple(tried),
    )  # fmt: skip


# --- FLOPs -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class FinetuneFlops:
    method: FinetuneMethod
    tokens: float
    model_flops_per_token: float
    hardware_flops_per_token: float
    lora_params_active: float
    convention: str

    @property
    def model_flops(self) -> float:
        return self.model_flops_per_token * self.tokens

    @property
    def hardware_flops(self) -> float:
        return self.hardware_flops_per_token * self.tokens


def finetune_flops(
    spec: TransformerSpec,
    method: FinetuneMethod,
    tokens: float,
    lora: LoraConfig | None = None,
    checkpointing: bool = True,
    *,
    seq_len: int | None = None,
) -> FinetuneFlops:
    """Model and hardware FLOPs to fine-tune on ``tokens`` tokens (module docstring)."""
    method = FinetuneMethod(method)
    check_positive(tokens, "tokens", upper=1e16)
    n_lora = (
        lora_params(spec, lora or LoraConfig(), active_only=True) if method.uses_adapters else 0.0
    )
    if spec.has_shape:
        n = spec.matmul_params_active
        attn = attention_flops_per_token_forward(spec, (seq_len or spec.seq_len) / 2)
        convention = "model FLOPs (PaLM MFU definition; causal attention counted as half of s^2)"
    else:
        n, attn = spec.active_params, 0.0
        convention = "napkin (6N full, 4N + 6N_lora adapters; no shape)"
    if method is FinetuneMethod.FULL:
        model = 6.0 * n + 3.0 * attn
    else:
        convention += "; frozen base: no weight gradients (4N + 6N_lora)"
        model = 4.0 * n + 3.0 * attn + 6.0 * n_lora
    recompute = (2.0 * n + attn + 2.0 * n_lora) if checkpointing else 0.0
    return FinetuneFlops(method, float(tokens), model, model + recompute, n_lora, convention)


# --- distillation ------------------------------------------------------------------------------
class TeacherLogits(StrEnum):
    STORED = "stored"  # one teacher pass, logits written to storage and reread every epoch
    ON_THE_FLY = "on-the-fly"  # the teacher runs beside the student every epoch


@dataclass(frozen=True, slots=True)
class DistillationCost:
    student: FinetuneFlops  # over tokens × epochs
    teacher_flops_per_token: float
    teacher_passes: int
    tokens: float
    epochs: int
    logits: TeacherLogits
    top_k: int | None
    storage_bytes: float
    assumptions: tuple[str, ...] = field(default=())

    @property
    def teacher_flops(self) -> float:
        return self.teacher_flops_per_token * self.tokens * self.teacher_passes

    @property
    def total_model_flops(self) -> float:
        return self.student.model_flops + self.teacher_flops

    @property
    def total_hardware_flops(self) -> float:
        return self.student.hardware_flops + self.teacher_flops


def logit_storage_bytes(tokens: float, *, top_k: int | None, vocab: int) -> float:
    """``tokens × k × (2 B value + 4 B index)``, or ``tokens × V × 2 B`` for the full vocabulary."""
    if top_k is None:
        return tokens * vocab * TOP_K_VALUE_BYTES
    return tokens * top_k * (TOP_K_VALUE_BYTES + TOP_K_INDEX_BYTES)


def distillation_cost(
    student: TransformerSpec,
    teacher: TransformerSpec,
    tokens: float,
    *,
    epochs: int = 1,
    method: FinetuneMethod = FinetuneMethod.FULL,
    lora: LoraConfig | None = None,
    logits: TeacherLogits = TeacherLogits.STORED,
    top_k: int | None = DEFAULT_TOP_K,
    checkpointing: bool = True,
    seq_len: int = 2048,
) -> DistillationCost:
    """Student training + teacher forwards, with stored or on-the-fly logits (module docstring)."""
    check_positive(tokens, "tokens", upper=1e16)
    if isinstance(epochs, bool) or not isinstance(epochs, int) or not 1 <= epochs <= 1000:
        raise InvalidSpecError(f"epochs must be an integer in 1..1000, got {epochs!r}.")
    logits = TeacherLogits(logits)
    if top_k is not None and (isinstance(top_k, bool) or not 1 <= top_k <= 1 << 20):
        raise InvalidSpecError(
            f"top_k must be a positive integer, got {top_k!r}. To fix: use e.g. 64, or None for "
            "the full vocabulary."
        )
    if student.has_shape and teacher.has_shape and student.vocab != teacher.vocab:
        raise InvalidSpecError(
            f"Logit distillation needs one tokenizer, but the student's vocabulary is "
            f"{student.vocab:,} and the teacher's {teacher.vocab:,}. To fix: pick a teacher of the "
            "same family, or distil on generated text (synthetic data) instead."
        )
    if logits is TeacherLogits.STORED and top_k is None and not teacher.has_shape:
        raise InvalidSpecError(
            "Storing full-vocabulary logits needs the teacher's vocabulary. To fix: give top_k, "
            "or the teacher's shape (a --model preset)."
        )
    student_flops = finetune_flops(
        student, method, tokens * epochs, lora, checkpointing, seq_len=seq_len
    )
    teacher_per_token = inference_flops_per_token(teacher, seq_len / 2).per_token
    stored = logits is TeacherLogits.STORED
    storage = logit_storage_bytes(tokens, top_k=top_k, vocab=teacher.vocab) if stored else 0.0
    where = (
        f"teacher logits stored once ({'top-' + str(top_k) if top_k else 'full vocabulary'})"
        if stored
        else f"teacher run on the fly every epoch ({epochs}×)"
    )
    return DistillationCost(
        student=student_flops,
        teacher_flops_per_token=teacher_per_token,
        teacher_passes=1 if stored else epochs,
        tokens=float(tokens),
        epochs=epochs,
        logits=logits,
        top_k=top_k,
        storage_bytes=storage,
        assumptions=(where, f"student: {FinetuneMethod(method).value} fine-tune"),
    )
