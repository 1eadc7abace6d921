"""Every parallel training configuration of a run, as NumPy arrays, with its memory per GPU.

A configuration splits ``N`` GPUs as ``N = t · p · c · d``: tensor parallel ``t`` (Megatron, with
sequence parallelism, inside a node), pipeline parallel ``p`` (1F1B, optionally interleaved with
``v`` model chunks per GPU), context parallel ``c`` (ring attention over the sequence) and data
parallel ``d``; MoE models add expert parallel ``e`` (experts spread over ``e`` of the ``d``
replicas). Each replica runs ``m`` micro-batches of ``b`` sequences per optimizer step, so the
global batch is ``d · m · b`` sequences. Training state may be sharded across the data-parallel
group (ZeRO-1/2/3, FSDP = ZeRO-3), or across groups of 8 to 512 of its ranks and replicated over
the groups (HSDP, FSDP's hybrid shard), and activations recomputed (none, selective, full).

Memory per GPU is taken on the first pipeline stage, the fullest:

* state: ``Ψ_gpu · (2 + 2 + 12)`` bytes for bf16 Adam (``workload/memory.py``), each part divided by
  ``d`` when its ZeRO stage shards it; ``Ψ_gpu`` = the weights of the fullest stage's
  ``⌈L/p⌉`` layers (stages may be uneven: ``p`` need not divide ``L``), ``/t``, with
  routed experts also ``/e``, and the embedding table (``/t``); under ZeRO-3 also the gathered
  full weights of two layers (computing and prefetched) and one layer's full gradients;
* activations: Korthikanti et al. 2022 per layer (``workload/memory.py``), divided by ``t·c``,
  times ``⌈L/p⌉`` layers, times the micro-batches in flight on the first stage under 1F1B,
  ``min(p, m)``, times ``1 + (p-1)/(p·v)`` for the interleaved schedule (their §4.2.3);
* fp32 logits for the loss, ``4·s·b·V/(t·c)``, and a flat framework allowance.

Everything is computed for the whole grid at once (no Python loop over configurations), which is
what makes searching 16,384 GPUs take milliseconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flopfolio.specs.precision import Precision
from flopfolio.specs.transformer import TransformerSpec
from flopfolio.units import GIB
from flopfolio.workload.memory import Recompute, Sharding, training_state_bytes

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Array = npt.NDArray[np.float64]
    Mask = npt.NDArray[np.bool_]

FRAMEWORK_OVERHEAD_GIB = 2.0  # CUDA context, NCCL buffers, allocator fragmentation
USABLE_MEMORY_FRACTION = 0.95
MICRO_BATCHES = (1, 2, 4, 8)
INTERLEAVE = (1, 2, 4)
RECOMPUTE_ORDER = (Recompute.NONE, Recompute.SELECTIVE, Recompute.FULL)
SHARDING_ORDER = (Sharding.NONE, Sharding.ZERO1, Sharding.ZERO2, Sharding.ZERO3, Sharding.HSDP)
HSDP = SHARDING_ORDER.index(Sharding.HSDP)
# Context parallelism only pays for long sequences.
CONTEXT_PARALLEL_MIN_SEQ = 8192


@dataclass(frozen=True, slots=True)
class RunShape:
    """What is fixed for a run: the model, the precision and the cluster."""

    spec: TransformerSpec
    precision: Precision
    gpus: int
    seq_len: int
    global_batch_tokens: float
    memory_gib: float
    node_size: int
    # The recomputation the run uses; None lets the search choose.
    recompute: Recompute | None = None


@dataclass(frozen=True, slots=True)
class ConfigGrid:
    """Parallel configurations (one per array element) and their memory per GPU in bytes."""

    t: Array
    p: Array
    c: Array
    d: Array
    e: Array
    b: Array  # micro-batch, sequences
    m: Array  # micro-batches per replica per step
    v: Array  # interleaved chunks per GPU
    zero: Array  # index into SHARDING_ORDER
    shard: Array  # data-parallel ranks the sharded state is split over (d, or HSDP's group)
    recompute: Array  # index into RECOMPUTE_ORDER
    stage_layers: Array  # layers on the fullest pipeline stage, ceil(L / p)
    params_per_gpu: Array  # weights held (before ZeRO sharding)
    state_bytes: Array
    activation_bytes: Array
    logits_bytes: Array

    @property
    def memory_bytes(self) -> Array:
        return (
            self.state_bytes
            + self.activation_bytes
            + self.logits_bytes
            + FRAMEWORK_OVERHEAD_GIB * GIB
        )

    def __len__(self) -> int:
        return int(self.t.shape[0])


def _divisors(n: int) -> list[int]:
    return [k for k in range(1, n + 1) if n % k == 0]


def _powers_of_two(limit: int) -> list[int]:
    return [1 << i for i in range(int(math.log2(max(limit, 1))) + 1)]


def layer_params(spec: TransformerSpec) -> tuple[float, float]:
    """Parameters per layer as (dense part, routed experts), averaged over the layers."""
    if not spec.has_shape:
        raise ValueError("the parallelism model needs a model shape")
    total_layers = spec.params - spec.embedding_params()
    if not spec.experts:
        return total_layers / spec.layers, 0.0
    routed = spec.routed_params
    return (total_layers - routed) / spec.layers, routed / spec.layers


def _with_hybrid_shards(columns: tuple[Array, ...]) -> tuple[Array, ...]:
    """The columns with, for every ZeRO-3 row, HSDP copies sharded over each power-of-two group
    of 8 or more ranks smaller than its data-parallel degree ``d`` (columns: t, p, c, e, b, v,
    zero, rc, d, m, stage, shard)."""
    import numpy as np

    zero, d = columns[6], columns[8]
    copies = []
    for group in (8, 16, 32, 64, 128, 256, 512):
        rows = (
            (zero == SHARDING_ORDER.index(Sharding.ZERO3)) & (d > group) & (np.mod(d, group) == 0)
        )
        if rows.any():
            picked = [x[rows].copy() for x in columns]
            picked[6][:] = HSDP
            picked[11][:] = group
            copies.append(picked)
    return tuple(np.concatenate([x, *(c[i] for c in copies)]) for i, x in enumerate(columns))


def enumerate_configs(run: RunShape) -> ConfigGrid:
    """Every configuration whose degrees divide the cluster and the model, with its memory."""
    import numpy as np

    spec, n = run.spec, run.gpus
    recompute_choices = (
        [RECOMPUTE_ORDER.index(run.recompute)]
        if run.recompute is not None
        else range(len(RECOMPUTE_ORDER))
    )
    # KV heads fewer than t are replicated (MQA/GQA), so only the query heads must divide.
    t_opts = [t for t in _powers_of_two(min(run.node_size, n)) if spec.heads % t == 0]
    c_opts = _powers_of_two(8) if run.seq_len >= CONTEXT_PARALLEL_MIN_SEQ else [1]
    # Stages need not hold equal layer counts (Megatron's uneven first/last stages, torchtitan's
    # free split; Llama 3 405B ran 126 layers on 16 stages), so any degree up to the layer count.
    p_opts = [p for p in _divisors(n) if p <= spec.layers]
    e_opts = [e for e in _divisors(spec.experts) if n % e == 0] if spec.experts else [1]
    grid = (
        np.array(
            np.meshgrid(
                t_opts,
                p_opts,
                c_opts,
                e_opts,
                MICRO_BATCHES,
                INTERLEAVE,
                range(HSDP),  # HSDP rows are ZeRO-3 rows with smaller shard groups, added below
                recompute_choices,
                indexing="ij",
            )
        )
        .reshape(8, -1)
        .astype(np.float64)
    )
    t, p, c, e, b, v, zero, rc = grid
    d = n / (t * p * c)
    stage = np.ceil(spec.layers / p)  # layers on the fullest stage
    seqs_per_step = run.global_batch_tokens / run.seq_len
    m = np.ceil(seqs_per_step / (np.maximum(d, 1) * b))
    keep = (
        (np.mod(n, t * p * c) == 0)
        & (np.mod(d, e) == 0)
        & ((v == 1) | ((p > 1) & (np.mod(stage, v) == 0)))
        & ((d > 1) | (zero == 0))  # sharding over one replica is the same as none
        & ((p == 1) | (zero <= 1))  # ZeRO-2/3 do not combine with pipelining (DeepSpeed, Megatron)
        & (d * b <= seqs_per_step)  # the global batch must cover one micro-batch per replica
    )
    t, p, c, e, b, v, zero, rc, d, m, stage = (
        x[keep] for x in (t, p, c, e, b, v, zero, rc, d, m, stage)
    )
    shard = d.copy()
    t, p, c, e, b, v, zero, rc, d, m, stage, shard = _with_hybrid_shards(
        (t, p, c, e, b, v, zero, rc, d, m, stage, shard)
    )

    dense_layer, routed_layer = layer_params(spec)
    embed = spec.vocab * spec.hidden
    params_gpu = stage * (dense_layer / t + routed_layer / (t * e)) + embed / t
    state = training_state_bytes(run.precision)
    state_bytes = params_gpu * (
        state.weights / np.where(zero >= 3, shard, 1)
        + state.gradients / np.where(zero >= 2, shard, 1)
        + state.optimizer / np.where(zero >= 1, shard, 1)
    )
    # ZeRO-3 (FSDP) gathers one layer at a time, but holds two layers' full weights (the one
    # computing and the one prefetched) and one layer's full gradients before reduce-scatter.
    gathered_layer = dense_layer / t + routed_layer / (t * e)
    state_bytes += np.where(
        zero >= 3, gathered_layer * (2.0 * state.weights + state.gradients), 0.0
    )
    s, h = float(run.seq_len), float(spec.hidden)
    per_layer = np.where(
        rc == 2,
        2.0 * s * b * h,
        34.0 * s * b * h + np.where(rc == 0, 5.0 * spec.heads * s * s * b, 0.0),
    ) / (t * c)
    in_flight = np.minimum(p, m) * np.where(v > 1, 1.0 + (p - 1) / (p * v), 1.0)
    activations = per_layer * stage * in_flight
    logits = 4.0 * s * b * spec.vocab / (t * c)
    return ConfigGrid(
        t, p, c, d, e, b, m, v, zero, shard, rc, stage, params_gpu, state_bytes, activations,
        logits,
    )  # fmt: skip


def fits(grid: ConfigGrid, memory_gib: float) -> Mask:
    """Boolean mask of the configurations that fit in the device's usable memory."""
    result: Mask = grid.memory_bytes <= memory_gib * USABLE_MEMORY_FRACTION * GIB
    return result
