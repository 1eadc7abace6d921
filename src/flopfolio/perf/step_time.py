"""Time of one optimizer step for every configuration of a :class:`ConfigGrid`, and the MFU.

Per micro-batch, on one GPU (``tok = s·b`` tokens through ``L/p`` layers):

* matmuls: ``F_hw · tok / (t·p·c) / (peak · ε(g))`` where ``F_hw`` is hardware FLOPs per token
  (model FLOPs plus what recomputation re-runs) and ``ε(g) = ε_max · g / (g + g₀)``: a GEMM whose
  per-GPU width is small (a small model, or a wide tensor-parallel split) runs further from peak.
  The width is measured against the chip's ridge point:
  ``g = (h/t) · R₀ / (peak/bandwidth) · (2 B / operand bytes)``, so a chip with more FLOP/s per
  byte of bandwidth (H100 over A100) needs wider matrices to saturate; ``R₀`` =
  :data:`REFERENCE_RIDGE_FLOP_PER_BYTE`, about the A100's. An fp8 GEMM moves 1 byte per operand
  where bf16 moves 2, so its FLOP per byte doubles with its peak and it sits where a bf16 GEMM of
  the same shape does;
* memory-bound operations (norms, activations, dropout, residuals, softmax): ``κ · h · tok / (t·c)``
  bytes per layer over the memory bandwidth (``×4/3`` with full recomputation);
* tensor parallel: 4 all-reduce-sized collectives per layer (6 with full recomputation) of
  ``tok·h·2/c`` bytes, ring cost ``2(t-1)/t`` over the intra-node link, not overlapped; every
  ring pass also pays NCCL's latency, a base plus a hop per rank (:func:`ring_latency_seconds`),
  which is what collectives over thousands of ranks cost beyond their bytes;
* context parallel: K and V gathered around the ring, forward and backward;
* expert parallel (MoE): two all-to-alls forward and two backward of the routed tokens; and
  each routed expert's GEMMs on a roofline of their own, since an expert sees only its share
  of the tokens: reading and writing its weights can take longer than its FLOPs; the busiest
  expert-parallel rank, which even a balanced router loads above the mean, sets the pace of the
  all-to-all and the routed GEMMs; and the tokens are permuted into expert order and back
  (memory-bound; both in :mod:`flopfolio.perf.routing`);
* pipeline: point-to-point activations between stages, and the bubble ``(p-1)/(v·m)``; stages
  are cut by whole layers, not necessarily equal in number (``p`` need not divide ``L``), and
  the last one also computes the logits, so the slowest stage sets the pace (:func:`pace_layers`,
  the most even split, per-layer traffic counted on ``⌈L/p⌉`` layers). The
  point-to-point sends are asynchronous (Megatron's 1F1B posts them as non-blocking send/receive
  pairs, and its interleaved schedule overlaps them with the next chunk's compute; Narayanan et
  al. 2021 §4.1), so only what exceeds a micro-batch's compute is exposed;

and data parallelism over the link that spans the group. Without ZeRO-3 the gradients are
all-reduced once per step (2 model-sized transfers, ring cost ``(d-1)/d``), overlapping only the
last micro-batch's backward pass; with ZeRO-3 (FSDP) the weights are gathered again for every
micro-batch's forward and backward and the gradients reduce-scattered (3 transfers per
micro-batch, layer by layer, so 3 ring latencies per layer), overlapping that micro-batch's
compute; HSDP does the same inside its shard group and all-reduces the gradient shards across the
groups once per step, like the unsharded all-reduce. Only a share ``ω`` of the compute time can
hide communication: ``exposed = max(0, transfer − ω · compute)``. Then the optimizer update
(memory-bound, 16 B/param read and written).
``step = m·(micro-batch time + exposed ZeRO-3 + exposed p2p)·(1 + bubble) + exposed all-reduce
+ optimizer``.

MFU = model FLOPs of the step / (N · peak · step); HFU uses hardware FLOPs. ``ε_max`` and ``g₀``
are fitted (:class:`StepConstants`); ``κ`` and ``ω`` are set (:data:`ELEMENTWISE_BYTES_PER_HIDDEN`,
:data:`DP_OVERLAP`), because the published runs cannot tell their values apart; everything else
comes from the catalog. The same fit finds ``production_overhead``, which is not in the step: what
a whole production run loses beyond the steady-state steps and the failures
:mod:`flopfolio.perf.goodput` models.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flopfolio.catalog.accelerators import Accelerator
from flopfolio.perf.kernels import (
    FALLBACK_INTRA_GB_PER_S,
    FALLBACK_SCALE_OUT_GB_PER_S,
    GEMM_TILE_ROWS,
)
from flopfolio.perf.parallel import ConfigGrid, RunShape
from flopfolio.perf.routing import busiest_rank_factor, permutation_elements
from flopfolio.specs.precision import Precision
from flopfolio.workload.flops import attention_flops_per_token_forward, training_flops

if TYPE_CHECKING:
    from flopfolio.perf.parallel import Array

# Activations, gradients and gathered weights move (and are permuted) as bf16, whatever the
# GEMMs' precision: FP8 recipes quantize inside the GEMMs.
_WIRE_BYTES = Precision.BF16.bytes_per_value
# A100: 312 TFLOP/s over 2.0 TB/s ≈ 156 FLOP per byte.
REFERENCE_RIDGE_FLOP_PER_BYTE = 150.0
# NCCL's own cost model for a ring pass (src/graph/tuning.cc, ncclTopoTuneModel, Simple protocol,
# the one large messages use): a base latency, plus one hop latency per step of the ring, over
# NVLink inside a node and over the network between nodes. An all-gather or reduce-scatter over
# n ranks on k nodes takes n-1 steps, k-1 of them across the network.
NCCL_RING_BASE_S = 8.4e-6
NCCL_RING_HOP_NVLINK_S = 3.4e-6
NCCL_RING_HOP_NET_S = 9.6e-6
# κ, bytes moved per hidden element per token per layer by the memory-bound operations, counted
# for bf16 with Megatron's fused kernels. Forward 38: two layer norms (read, write: 4 each), two
# bias-dropout-residual adds (read two, write one, a 1-byte mask: 7 each), bias-GeLU on the 4h
# activation (16). Backward 46: layer norms (read input and gradient, write gradient: 6 each),
# GeLU (24), dropout-adds (5 each). Fitting κ instead changes the fit's loss by under 1% anywhere
# from 34 to 100: the published runs cannot measure it.
ELEMENTWISE_BYTES_PER_HIDDEN = 84.0
# ω, the share of compute time that can hide data-parallel traffic: most, not all, because NCCL's
# kernels take SMs and memory bandwidth from the compute they overlap. The published runs do not
# pin it: fitted, it ran to its lower bound on chip-hours alone and to its upper bound with the
# utilizations, and near 1 the search's best configuration for a big cluster becomes FSDP with its
# gathers hidden exactly behind compute, a knife-edge (Nemotron-4's prediction moved 15% when the
# H100 rows were left out of the fit).
DP_OVERLAP = 0.9


@dataclass(frozen=True, slots=True)
class StepConstants:
    """The utilization model's fitted constants (see the module docstring)."""

    matmul_efficiency_max: float  # ε_max
    matmul_half_width: float  # g₀, the per-GPU GEMM width at which ε = ε_max / 2
    elementwise_bytes_per_hidden: float  # κ
    dp_overlap: float  # ω
    # Whole run over steady state and failures, minus 1: data stalls, evaluation pauses,
    # stragglers, hangs. Not part of the step time.
    production_overhead: float = 0.0

    def as_tuple(self) -> tuple[float, float, float, float, float]:
        return (
            self.matmul_efficiency_max,
            self.matmul_half_width,
            self.elementwise_bytes_per_hidden,
            self.dp_overlap,
            self.production_overhead,
        )


@dataclass(frozen=True, slots=True)
class StepParts:
    """Seconds per configuration, before the fitted constants are applied where they enter.

    ``ideal_matmul`` is matmul time at 100% of peak; ``width`` the per-GPU GEMM width;
    ``elementwise_per_kappa`` the memory-bound time per unit of κ; ``expert_gemm_extra`` what
    small expert GEMMs take beyond their FLOPs, padded tiles or memory (MoE);
    ``expert_imbalance`` the routed GEMM work the busiest expert-parallel rank does beyond the mean
    (at peak); ``expert_permute`` the memory traffic of putting tokens in expert order and back
    (:mod:`flopfolio.perf.routing`); ``comm`` the exposed
    per-micro-batch communication (tensor, context, expert parallel); ``p2p`` the pipeline's
    point-to-point transfer per micro-batch, hidden behind compute where it can be; ``dp_micro``
    the ZeRO-3 transfer per micro-batch; ``dp_step`` the once-per-step gradient all-reduce;
    ``optimizer`` the update.
    """

    ideal_matmul: Array
    width: Array
    elementwise_per_kappa: Array
    expert_gemm_extra: Array
    expert_imbalance: Array
    expert_permute: Array
    comm: Array
    p2p: Array
    bubble: Array
    micro_batches: Array
    dp_micro: Array
    dp_step: Array
    optimizer: Array
    model_flops_per_step_per_gpu: Array
    hardware_flops_per_step_per_gpu: Array
    peak: float


def width_scale(acc: Accelerator, precision: Precision) -> float:
    """From a GEMM's per-GPU width in elements to the width ``g`` that ``ε(g)`` takes: scaled by
    the chip's ridge point against :data:`REFERENCE_RIDGE_FLOP_PER_BYTE`, and by operand size."""
    ridge = acc.peak(precision) / (acc.memory_bw_gb_per_s * 1e9)
    return REFERENCE_RIDGE_FLOP_PER_BYTE / ridge * (2.0 / precision.bytes_per_value)


def ring_seconds(acc: Accelerator, volume: Array, group: Array, stride: Array) -> Array:
    """One ring pass (all-gather or reduce-scatter; an all-reduce is two) of ``volume`` bytes per
    GPU over a group of ``group`` GPUs whose members sit ``stride`` ranks apart.

    Hierarchical, as NCCL does it: the ``g`` members inside a node exchange over the intra-node
    link, ``(g-1)/g`` of the volume; each then carries ``1/g`` of it across the ``n`` nodes over its
    own scale-out link, ``(n-1)/n`` of that. A group inside one node never touches the network.
    Plus the pass's latency (:func:`ring_latency_seconds`).
    """
    import numpy as np

    inside = (acc.intra_node_gb_per_s or FALLBACK_INTRA_GB_PER_S) * 1e9
    outside = (acc.scale_out_gb_per_s or FALLBACK_SCALE_OUT_GB_PER_S) * 1e9
    in_node = np.clip(acc.node_size // np.maximum(stride, 1), 1, group)
    nodes = group / in_node
    result: Array = (
        volume * (in_node - 1) / in_node / inside
        + volume / in_node * (nodes - 1) / nodes / outside
        + ring_latency_seconds(acc, group, stride)
    )
    return result


def ring_latency_seconds(acc: Accelerator, group: Array, stride: Array) -> Array:
    """The latency of one ring pass over ``group`` ranks ``stride`` apart, as NCCL models it: a
    base, ``group - nodes`` NVLink hops and ``nodes - 1`` network hops. It grows with the ranks,
    which is what a collective over thousands of GPUs pays beyond its bytes."""
    import numpy as np

    in_node = np.clip(acc.node_size // np.maximum(stride, 1), 1, group)
    nodes = group / in_node
    result: Array = np.where(
        group > 1,
        NCCL_RING_BASE_S
        + (group - nodes) * NCCL_RING_HOP_NVLINK_S
        + (nodes - 1) * NCCL_RING_HOP_NET_S,
        0.0,
    )
    return result


def _link(acc: Accelerator, span: Array) -> Array:
    """Bytes/s between two GPUs ``span`` ranks apart: intra-node if within a node."""
    import numpy as np

    inside = (acc.intra_node_gb_per_s or FALLBACK_INTRA_GB_PER_S) * 1e9
    outside = (acc.scale_out_gb_per_s or FALLBACK_SCALE_OUT_GB_PER_S) * 1e9
    result: Array = np.where(span < acc.node_size, inside, outside)
    return result


def pace_layers(layers: int, p: Array, logits_in_layers: Array) -> Array:
    """Work of the slowest pipeline stage, in layers, when ``layers`` whole layers and the logits
    (``logits_in_layers`` layers' worth) are split over ``p`` stages as evenly as whole layers
    allow: the last stage, which computes the logits, takes ``k`` layers and the other ``p-1``
    stages share the rest, with ``k`` chosen to minimise the slowest stage (Llama 3 405B's 126
    layers on 16 stages: one layer fewer on the last). ``p = 1`` is every layer plus the logits.
    """
    import numpy as np

    p_arr, lam = np.broadcast_arrays(np.asarray(p, float), np.asarray(logits_in_layers, float))
    result = np.empty(p_arr.shape)
    k = np.arange(layers + 1, dtype=float)
    for key in set(zip(p_arr.ravel().tolist(), lam.ravel().tolist(), strict=True)):
        stages, logits = key
        if stages <= 1:
            value = layers + logits
        else:
            rest = np.ceil((layers - k[: layers - int(stages) + 2]) / (stages - 1))
            value = float(np.min(np.maximum(k[: layers - int(stages) + 2] + logits, rest)))
        result[(p_arr == stages) & (lam == logits)] = value
    return result


def _expert_gemm_stall(run: RunShape, grid: ConfigGrid, acc: Accelerator) -> Array:
    """Seconds per MoE layer per micro-batch that the routed experts' GEMMs take beyond their
    FLOPs at peak: each expert sees only ``M = e·s·b·k / (c·E)`` tokens (the ``e``
    expert-parallel ranks' tokens, ``k`` of ``E`` experts each), so either its rows pad the last
    :data:`GEMM_TILE_ROWS`-row tile, or reading its weights (forward, and the backward's input
    gradient) and writing its weight gradient outlasts its ``6·M·Ψ_e`` FLOPs (a roofline per
    expert GEMM), whichever costs more. DeepSeek-V2's 160 experts of width 1,536 on 4,096-token
    sequences see about 150 tokens each per EP rank: two ranks give 307 rows on 384."""
    import numpy as np

    spec = run.spec
    t, c, e = grid.t, grid.c, grid.e
    tokens = e * run.seq_len * grid.b * spec.experts_active / (c * spec.experts)
    weights = spec.expert_params() / t
    value_bytes = run.precision.bytes_per_value
    peak = acc.peak(run.precision)
    flops_s = 6.0 * tokens * weights / peak
    bytes_s = (3.0 * weights * value_bytes + 6.0 * tokens * spec.hidden * value_bytes) / (
        acc.memory_bw_gb_per_s * 1e9
    )
    # The grouped GEMM runs each expert's rows on whole tiles: the last one is padded.
    padded = np.ceil(tokens / GEMM_TILE_ROWS) * GEMM_TILE_ROWS
    padding_s = 6.0 * (padded - tokens) * weights / peak
    local_experts = spec.experts / e
    result: Array = local_experts * np.maximum(padding_s, bytes_s - flops_s)
    return result


def step_parts(run: RunShape, grid: ConfigGrid, acc: Accelerator) -> StepParts:
    import numpy as np

    spec, s = run.spec, float(run.seq_len)
    t, p, c, d, e, b, m, v, rc = (
        grid.t,
        grid.p,
        grid.c,
        grid.d,
        grid.e,
        grid.b,
        grid.m,
        grid.v,
        grid.recompute,
    )
    peak = acc.peak(run.precision)
    h = float(spec.hidden)
    tok = s * b

    model_per_token = training_flops(spec, 1.0, run.seq_len).per_token
    attention_fwd = attention_flops_per_token_forward(spec, s / 2)
    forward = model_per_token / 3.0
    hw_per_token = model_per_token + np.where(
        rc == 2, forward, np.where(rc == 1, attention_fwd, 0.0)
    )
    # The last pipeline stage also computes the logits (2·V·h per token, ×3 with the backward);
    # stages are cut by whole layers, so the slowest stage sets the pace (see pace_layers).
    logits = 6.0 * spec.vocab * h
    per_layer = (hw_per_token - logits) / spec.layers
    pace = pace_layers(spec.layers, p, logits / per_layer)
    ideal_matmul = pace * per_layer * tok / (t * c) / peak
    layers_gpu = grid.stage_layers

    recompute_factor = np.where(rc == 2, 4.0 / 3.0, 1.0)
    elementwise = h * tok / (t * c) * layers_gpu * recompute_factor / (acc.memory_bw_gb_per_s * 1e9)

    one = np.ones_like(t)
    bytes_act = tok * h * _WIRE_BYTES / c
    # Each collective is an all-gather + reduce-scatter pair (sequence parallel): two ring passes.
    tp_collectives = np.where(rc == 2, 6.0, 4.0)
    tp = tp_collectives * 2.0 * ring_seconds(acc, bytes_act, t, one) * layers_gpu

    kv_width = (
        (spec.mla.kv_lora_rank + spec.mla.qk_rope_head_dim)
        if spec.mla
        else 2 * spec.kv_head_count * spec.head_size
    )
    cp_bytes = (c - 1) / c * tok / c * kv_width * _WIRE_BYTES * 3.0
    cp = np.where(c > 1, cp_bytes / _link(acc, t * c), 0.0) * layers_gpu

    if spec.experts:
        k_active = spec.experts_active
        routed = tok / (t * c) * k_active * h * _WIRE_BYTES
        moe_layers_gpu = layers_gpu * spec.moe_layers / spec.layers
        # The busiest expert-parallel rank sets the pace of the all-to-all and the expert GEMMs.
        busiest = busiest_rank_factor(e * tok / c, spec.experts, k_active, e)
        ep = (
            np.where(e > 1, 4.0 * routed * (e - 1) / e / _link(acc, t * e), 0.0)
            * busiest
            * moe_layers_gpu
        )
        routed_matmul = 6.0 * k_active * spec.expert_params() * recompute_factor * tok / (t * c)
        imbalance = (busiest - 1.0) * routed_matmul / peak * moe_layers_gpu
        expert_stall = _expert_gemm_stall(run, grid, acc) * moe_layers_gpu
        permute = (
            permutation_elements(tok / (t * c), h, k_active)
            * _WIRE_BYTES
            * recompute_factor
            / (acc.memory_bw_gb_per_s * 1e9)
            * moe_layers_gpu
        )
    else:
        ep = imbalance = expert_stall = permute = np.zeros_like(t)

    # Stages sit t·c·d ranks apart (Megatron's tp-cp-dp-pp order): usually on other nodes.
    pp = np.where(p > 1, 2.0 * v * tok * h * _WIRE_BYTES / (t * c) / _link(acc, t * c * d), 0.0)
    bubble = (p - 1) / (v * m)

    model_transfer = ring_seconds(acc, grid.params_per_gpu * _WIRE_BYTES, d, t * c)
    zero3 = grid.zero >= 3
    # ZeRO-3 and HSDP gather over their shard group (HSDP's is smaller than d); HSDP then
    # all-reduces each rank's gradient shard across the d / shard replicas once per step.
    shard = grid.shard
    shard_transfer = ring_seconds(acc, grid.params_per_gpu * _WIRE_BYTES, shard, t * c)
    replicas = d / shard
    hsdp_allreduce = np.where(
        replicas > 1,
        2.0 * ring_seconds(acc, grid.params_per_gpu * _WIRE_BYTES / shard, replicas, t * c * shard),
        0.0,
    )
    optimizer = (
        grid.params_per_gpu
        / np.where(grid.zero >= 1, shard, 1.0)
        * 16.0
        * 2.0
        / (acc.memory_bw_gb_per_s * 1e9)
    )

    tokens_per_step_gpu = tok * m / (t * p * c)
    return StepParts(
        ideal_matmul=ideal_matmul,
        width=h / t * width_scale(acc, run.precision),
        elementwise_per_kappa=elementwise,
        expert_gemm_extra=expert_stall,
        expert_imbalance=imbalance,
        expert_permute=permute,
        comm=tp + cp + ep,
        p2p=pp,
        bubble=bubble,
        micro_batches=m,
        # ZeRO-3 gathers and reduce-scatters layer by layer: three passes per layer, each paying
        # the ring's latency (the bytes are the model's either way).
        dp_micro=np.where(
            zero3,
            3.0 * shard_transfer
            + 3.0 * (layers_gpu - 1.0) * ring_latency_seconds(acc, shard, t * c),
            0.0,
        ),
        dp_step=np.where(zero3, hsdp_allreduce, 2.0 * model_transfer),
        optimizer=optimizer,
        model_flops_per_step_per_gpu=model_per_token * tokens_per_step_gpu,
        hardware_flops_per_step_per_gpu=hw_per_token * tokens_per_step_gpu,
        peak=peak,
    )


def step_terms(parts: StepParts, k: StepConstants) -> dict[str, Array]:
    """Seconds per optimizer step, term by term, for every configuration; they add up to
    :func:`step_seconds`. The pipeline bubble is its own term (idle time of every other term)."""
    import numpy as np

    efficiency = k.matmul_efficiency_max * parts.width / (parts.width + k.matmul_half_width)
    matmul = parts.ideal_matmul / efficiency
    elementwise = k.elementwise_bytes_per_hidden * parts.elementwise_per_kappa
    imbalance = parts.expert_imbalance / efficiency
    compute = matmul + parts.expert_gemm_extra + imbalance + parts.expert_permute + elementwise
    zero3_exposed = np.maximum(0.0, parts.dp_micro - k.dp_overlap * compute)
    # Non-blocking sends on their own stream: the activation travels while the next one computes.
    p2p_exposed = np.maximum(0.0, parts.p2p - compute)
    micro = compute + parts.comm + zero3_exposed + p2p_exposed
    m = parts.micro_batches
    # The all-reduce can only hide behind the last micro-batch's backward pass (2/3 of its compute).
    allreduce_exposed = np.maximum(0.0, parts.dp_step - k.dp_overlap * compute * 2.0 / 3.0)
    return {
        "matmul": m * matmul,
        "expert_gemm_extra": m * parts.expert_gemm_extra,
        "expert_imbalance": m * imbalance,
        "expert_permute": m * parts.expert_permute,
        "elementwise": m * elementwise,
        "tensor_context_expert_comm": m * parts.comm,
        "pipeline_p2p_exposed": m * p2p_exposed,
        "pipeline_bubble": m * micro * parts.bubble,
        "data_parallel_exposed": m * zero3_exposed + allreduce_exposed,
        "optimizer": parts.optimizer,
    }


def step_seconds(parts: StepParts, k: StepConstants) -> Array:
    """Seconds per optimizer step for every configuration (the sum of :func:`step_terms`)."""
    result: Array = sum(step_terms(parts, k).values())  # type: ignore[assignment]
    return result


def mfu(parts: StepParts, seconds: Array) -> Array:
    result: Array = parts.model_flops_per_step_per_gpu / (parts.peak * seconds)
    return result


def hfu(parts: StepParts, seconds: Array) -> Array:
    result: Array = parts.hardware_flops_per_step_per_gpu / (parts.peak * seconds)
    return result
