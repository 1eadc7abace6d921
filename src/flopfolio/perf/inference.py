"""Serving one replica: a roofline per step with continuous batching, quantization and
tensor / pipeline / expert parallelism.

A replica of ``G = t·p`` GPUs (tensor parallel ``t`` inside a node, pipeline ``p`` across;
MoE experts spread over all ``G``) holds the weights and a KV cache for ``b`` sequences. Under
continuous batching each **decode step** produces one token for each of the ``b`` sequences and
also prefills the prompts of the requests that replace finished ones, ``b·s_in/s_out`` tokens per
step on average (chunked prefill). One step takes

    τ = max(linear FLOPs / (G·peak·e_c·u), weight bytes / (G·bw·e_b))
      + max(attention FLOPs / (G·peak_attn·e_c), KV bytes / (G·bw·e_b))
      + communication + expert permutation + L·τ_L

The projections and MLPs (GEMMs that stream the weights) and attention (kernels that stream the
KV cache) run one after the other in a step, so each has its own roofline and the two add; a single
max over the summed work would let KV reads hide behind GEMMs, which no framework does.

* linear FLOPs: ``2 × matmul parameters`` per token, at the *compute* precision's dense peak; ``u``
  is the tile occupancy of the expert GEMMs: each of the ``E_hit = E·(1 − (1 − k/E)ⁿ)`` experts
  the step's ``n`` tokens reach receives ``m = n·k/E_hit`` rows and runs a GEMM padded to whole
  128-row tiles, ``u = m / (128·⌈m/128⌉)`` on its share;
* weight bytes: the weights the step touches (all of a dense model; for MoE only the experts hit,
  ``TransformerSpec.weights_touched``) at the *weight* precision;
* routed experts: their FLOPs and weight bytes run at ``e_x`` of the dense kernels' rate (grouped
  GEMMs of a few dozen rows per expert);
* attention FLOPs: scores and values at the tokens' context (``workload/flops.py``; MLA decodes
  absorbed, :func:`decode_attention_flops`), at FP8 when the GEMMs run in FP4 (attention has no
  FP4 kernels) and never narrower than the KV cache;
* KV bytes: ``b`` × context × KV bytes per token at the *KV* precision (GQA/MQA/MLA-aware), each KV
  head held once per tensor-parallel rank that needs it: with ``t`` above the KV-head count, heads
  are replicated (``max(t, kv_heads) / kv_heads``; MLA's one latent ``t`` times), as vLLM and
  TensorRT-LLM do;
* communication: two all-reduces per layer of the step's activations across ``t`` (ring,
  intra-node link), one point-to-point hop per pipeline boundary, and for MoE two all-to-alls per
  MoE layer across the replica;
* expert permutation: each MoE layer copies every token's hidden state into expert order, once
  per chosen expert, and gathers the outputs back (``2·n·h·(k + 1)`` bf16 elements read and
  written, :func:`~flopfolio.perf.routing.permutation_elements` as in training), at ``e_b``;
* MoE load: the routed GEMMs and the all-to-alls wait for the replica's most loaded GPU, which
  even a router balanced on average loads above the mean (:mod:`flopfolio.perf.routing`; 6% at
  1,000 tokens a step, top-1 of 16 experts on 4 GPUs);
* ``L·τ_L``: a fixed cost per layer per step (kernel launches and their tails, synchronisation):
  a 94-layer model pays three times a 32-layer one's.

Attention data parallelism (``attention_dp``, MoE only; :class:`ReplicaLayout`): each of the
``G`` ranks keeps the non-expert weights whole and the KV cache of its own sequences, the routed
experts split ``G`` ways. A step then streams ``G`` copies of the non-expert weights, runs no
all-reduce, and waits for the busiest rank's attention work (sequences are whole: one prompt
prefills on one rank). Timing the published GQA MoE benchmarks this way fits worse held out by
family than timing them as tensor parallel (docs/accuracy.md), so tensor parallel is their
default; an MLA model, whose latent every tensor rank must hold whole, gets the faster layout.

The engine's host is a floor under ``τ``: each step its Python loop samples a token for every
sequence it owns, appends it and checks for stop (:data:`HOST_SECONDS_PER_SEQUENCE`, 13.8 µs,
2.75× that on Grace, the CPU of GH200 and GB200; both sourced, not fitted). The overlap scheduler
does this while the GPU runs the previous step, so a step takes ``max(τ, host)``; a rank owns the
whole batch under tensor parallelism and ``1/G`` of it under the attention data parallelism
TensorRT-LLM's MoE benchmarks run on several GPUs. It binds for small models at thousands of
sequences: Qwen3-30B-A3B (3.3B active) at 4,096 sequences on one GB200 spends 157 ms a step on the
host against 51 ms on the GPU.

Time per output token is the step's time, ``max(τ, host)``; throughput is ``b`` over it, in output
tokens per second. Time to first token is one request's prefill on the replica (``s_in`` tokens,
compute- or weight-bound) plus ``L·τ_L``. ``e_c``, ``e_b``, ``τ_L`` and ``e_x`` are fitted on
published benchmarks (``flopfolio fit inference``; shipped in ``catalog/data/inference_fit.csv``),
with one (``e_c``, ``e_b``) pair per hardware generation: the cards with FP4 tensor cores
(Blackwell, CDNA 4) get their own where the benchmarks cover them (:func:`constants_for`), and one
``e_x`` for all; the plain roofline (1, 1, 0, 1, no host) is the validation baseline. A batch is at
most :data:`SCHEDULER_MAX_BATCH`.

Quantization: weights, activations (compute) and the KV cache each have a precision. Weight-only
formats the chip cannot compute in (int4, fp4 on pre-Blackwell) compute in bf16 (fp16 where the
chip has no bf16); the KV cache defaults to the compute precision, at most 16-bit and at least
8-bit (FP4 checkpoints such as NVIDIA ModelOpt's NVFP4 keep an FP8 KV cache).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from flopfolio.catalog.accelerators import Accelerator
from flopfolio.errors import InvalidSpecError
from flopfolio.perf.kernels import (
    FALLBACK_SCALE_OUT_GB_PER_S,
    GEMM_TILE_ROWS,
)
from flopfolio.perf.routing import busiest_rank_factor, permutation_elements
from flopfolio.perf.serving_layout import (
    ReplicaLayout,
    all_to_all_s,
    ring_all_reduce_s,
)
from flopfolio.specs.band import Band
from flopfolio.specs.precision import Precision
from flopfolio.specs.transformer import TransformerSpec
from flopfolio.units import GIB, check_positive
from flopfolio.workload.flops import (
    FlopCount,
    attention_flops_per_token_forward,
    inference_flops_per_token,
)
from flopfolio.workload.memory import kv_cache_bytes_per_token

USABLE_MEMORY_FRACTION = 0.90  # the rest: activations, CUDA graphs, fragmentation
MAX_BATCH = 1 << 16  # the largest --batch a user may ask for
# The most sequences a serving engine schedules at once, whatever the KV cache would hold:
# TensorRT-LLM's trtllm-bench caps max_batch_size at 4,096 (tensorrt_llm/bench/build/tuning.py,
# finetune_setting), the setting of every published benchmark here.
SCHEDULER_MAX_BATCH = 4096
NOMINAL_LAYERS = 32  # for the per-layer overhead of a model known only by its parameter count
# The host's work per sequence per step (sampling, appending the token, stop checks) in a Python
# engine loop. TensorRT-LLM PR 11983 (2026-03): on an L40S server, Llama-3.2-1B at batch 1,000,
# the PyTorch sampler's host overhead was 13.8 ms per step before that change. The overlap
# scheduler runs it while the GPU computes the previous step, so it bounds a step, not adds to it.
HOST_SECONDS_PER_SEQUENCE = 13.8e-6
# Grace (the CPU of NVIDIA's superchips, GH200 and GB200) runs the same Python 2.75x slower:
# NVIDIA/TransformerEngine issue 2053, a PyTorch Linear's CPU time 37.08 us on GB200 against
# 13.48 us on an H100 DGX's Xeon. (TensorRT-LLM PR 16564 sees 8.8 ms of sampler tail per step
# for 256 requests on GB200: 34 us each.)
GRACE_HOST_FACTOR = 37.08 / 13.48
EFFICIENCY_LOG_SD = (
    0.20  # band: ±20% (log) on the step time; replaced by the fit's spread when known
)
_WIDE_COMPUTE = (Precision.BF16, Precision.FP16, Precision.FP32)


@dataclass(frozen=True, slots=True)
class InferenceConstants:
    compute_efficiency: float  # e_c
    bandwidth_efficiency: float  # e_b
    layer_overhead_s: float  # τ_L, per layer per step
    expert_kernel_efficiency: float = 1.0  # e_x: routed experts' kernels relative to dense ones
    # Times the host's time per sequence (HOST_SECONDS_PER_SEQUENCE): 1 as sourced, the band's
    # spread either side of it, 0 for the plain roofline (no host).
    host_scale: float = 1.0

    def __post_init__(self) -> None:
        for what in ("compute_efficiency", "bandwidth_efficiency", "expert_kernel_efficiency"):
            value = getattr(self, what)
            if not 0 < value <= 1:
                raise InvalidSpecError(
                    f"{what.replace('_', ' ')} must be in (0, 1], got {value!r}."
                )
        if not 0 <= self.host_scale < 100:
            raise InvalidSpecError(f"host scale must be in [0, 100), got {self.host_scale!r}.")
        if not 0 <= self.layer_overhead_s < 0.01:
            raise InvalidSpecError(
                f"layer overhead must be in [0, 10) ms, got {self.layer_overhead_s!r} s."
            )

    def host_s_per_sequence(self, acc: Accelerator) -> float:
        """The host's seconds per sequence per step on ``acc``'s server, at this scale."""
        return host_seconds_per_sequence(acc) * self.host_scale

    def step_overhead_s(self, spec: TransformerSpec) -> float:
        return self.layer_overhead_s * (spec.layers if spec.has_shape else NOMINAL_LAYERS)

    @property
    def values(self) -> tuple[float, ...]:
        """As a fit's values tuple (one set for every generation; see :func:`constants_for`)."""
        e_c, e_b = self.compute_efficiency, self.bandwidth_efficiency
        return (e_c, e_b, self.layer_overhead_s, e_c, e_b, self.expert_kernel_efficiency)


PLAIN_ROOFLINE = InferenceConstants(1.0, 1.0, 0.0, host_scale=0.0)


def fp4_generation(acc: Accelerator) -> bool:
    """Cards with FP4 tensor cores (B200, GB200, B300, MI355X...): the generation whose FP4 GEMMs,
    grouped MoE kernels and software are younger, with their own fitted efficiencies."""
    return acc.supports(Precision.FP4)


def constants_for(acc: Accelerator, values: tuple[float, ...]) -> InferenceConstants:
    """The fitted constants for ``acc``'s generation: ``values`` is the shipped fit's
    (e_c, e_b, τ_L[, e_c FP4 generation, e_b FP4 generation[, e_x]])."""
    e_c, e_b, tau = values[:3]
    if len(values) >= 5 and fp4_generation(acc):
        e_c, e_b = values[3], values[4]
    expert = values[5] if len(values) >= 6 else 1.0
    return InferenceConstants(e_c, e_b, tau, expert)


@dataclass(frozen=True, slots=True)
class ServingPrecision:
    weights: Precision
    compute: Precision
    kv: Precision

    @classmethod
    def resolve(
        cls,
        acc: Accelerator,
        weights: Precision | None = None,
        compute: Precision | None = None,
        kv: Precision | None = None,
    ) -> ServingPrecision:
        """Fill in what the user left out: see the module docstring."""
        default = acc.default_training_precision()
        w = weights or default
        if compute is None:
            compute = w if (acc.supports(w) and w is not Precision.INT4) else default
        acc.peak(compute)  # raises with the chip's precisions
        if compute in (Precision.INT8, Precision.INT4):
            raise InvalidSpecError(
                f"Compute in {compute.value} is not modelled. To fix: quantize weights with "
                f"--precision {compute.value} and compute in bf16 or fp8 (--activation-precision)."
            )
        if kv is None:
            kv = compute if compute.bytes_per_value <= 2 else Precision.BF16
            if kv is Precision.FP4:
                kv = Precision.FP8 if acc.supports(Precision.FP8) else Precision.BF16
        return cls(w, compute, kv)

    def attention(self, acc: Accelerator) -> Precision:
        """The precision attention's matmuls run in: FP4 has no attention kernels, so FP8; and
        never narrower than the KV cache they read (a bf16 cache runs bf16 attention)."""
        rate = self.compute
        if rate is Precision.FP4 and acc.supports(Precision.FP8):
            rate = Precision.FP8
        return self.kv if self.kv.bytes_per_value > rate.bytes_per_value else rate

    def describe(self) -> str:
        return f"weights {self.weights.value}, compute {self.compute.value}, KV {self.kv.value}"


@dataclass(frozen=True, slots=True)
class InferencePoint:
    """Latency and throughput of one replica at one batch size."""

    ttft_s: float
    tpot_s: float
    output_tokens_per_s: float
    decode_bound: str  # "compute", "memory", "communication" or "host"
    prefill_tokens_per_s: float  # prompt tokens per second when prefilling a whole batch at once


@dataclass(frozen=True, slots=True)
class InferenceEstimate:
    spec: TransformerSpec
    accelerator: Accelerator
    precision: ServingPrecision
    layout: ReplicaLayout
    input_tokens: int
    output_tokens: int
    batch: int
    batch_rule: str
    max_batch: int
    flops_per_token: FlopCount
    flops_per_token_2n: float
    memory_per_gpu_gib: float
    weights_gib: float
    kv_cache_gib: float
    fits: bool
    constants: InferenceConstants
    central: InferencePoint
    slow: InferencePoint
    fast: InferencePoint
    gpus_chosen_automatically: bool

    @property
    def gpus(self) -> int:
        return self.layout.gpus

    @property
    def output_tokens_per_s(self) -> Band:
        return Band(
            self.slow.output_tokens_per_s,
            self.central.output_tokens_per_s,
            self.fast.output_tokens_per_s,
        )


def expert_tile_occupancy(spec: TransformerSpec, new_tokens: float) -> float:
    """Share of the expert GEMMs' padded tiles holding real rows: the ``n·k`` rows of a step go to
    the ``E·(1 − (1 − k/E)ⁿ)`` experts hit (an expert no token picks runs no GEMM), and each hit
    expert's GEMM runs on whole :data:`GEMM_TILE_ROWS` tiles."""
    if new_tokens <= 0:
        return 1.0
    rows = new_tokens * spec.experts_active / spec.experts_hit(new_tokens)
    return float(rows / (math.ceil(rows / GEMM_TILE_ROWS) * GEMM_TILE_ROWS))


def busiest_gpu_factor(spec: TransformerSpec, new_tokens: float, gpus: int) -> float:
    """The routed rows of the replica's most loaded GPU over the mean (experts spread evenly over
    its ``gpus``; :mod:`flopfolio.perf.routing`): the MoE layer waits for that GPU."""
    if not spec.experts or gpus <= 1 or new_tokens <= 0:
        return 1.0
    return float(busiest_rank_factor(new_tokens, spec.experts, spec.experts_active, gpus))


def _linear_compute_s(
    spec: TransformerSpec,
    new_tokens: float,
    per_second: float,
    gpus: int,
    expert_efficiency: float,
    rank_imbalance: float = 1.0,
) -> float:
    """The projections' and MLPs' FLOPs at ``per_second``, the experts' share at their tiles'
    occupancy, at the pace of the busiest GPU and at the grouped kernels' relative efficiency;
    the rest at the pace of the busiest attention rank (``rank_imbalance``)."""
    flops = new_tokens * 2.0 * spec.matmul_params_active
    if not (spec.has_shape and spec.experts):
        return flops / per_second
    expert_share = (
        spec.moe_layers * spec.experts_active * spec.expert_params() / spec.matmul_params_active
    )
    occupancy = expert_tile_occupancy(spec, new_tokens)
    busiest = busiest_gpu_factor(spec, new_tokens, gpus)
    routed = expert_share * busiest / occupancy / expert_efficiency
    return flops * ((1.0 - expert_share) * rank_imbalance + routed) / per_second


def decode_attention_flops(spec: TransformerSpec, context: float) -> float:
    """Score and value FLOPs of one decoded token attending to ``context`` cached positions.
    MLA decodes absorbed, as FlashMLA and TensorRT-LLM's generation kernels run it: each head
    scores against the cached latent and rope key (``kv_lora_rank + rope`` wide) and reads its
    values out of the latent (``kv_lora_rank``), 3.4× the FLOPs of the expanded heads a prefill
    (and the model-FLOPs convention, ``workload/flops.py``) counts for DeepSeek-V3."""
    if spec.has_shape and spec.mla is not None:
        m = spec.mla
        return 2.0 * spec.layers * context * spec.heads * (2 * m.kv_lora_rank + m.qk_rope_head_dim)
    return attention_flops_per_token_forward(spec, context)


def host_seconds_per_sequence(acc: Accelerator) -> float:
    """The engine's host time per sequence per step on ``acc``'s server (module constants)."""
    grace = acc.vendor == "NVIDIA" and acc.form_factor == "superchip"
    return HOST_SECONDS_PER_SEQUENCE * (GRACE_HOST_FACTOR if grace else 1.0)


def _step(
    spec: TransformerSpec,
    acc: Accelerator,
    prec: ServingPrecision,
    layout: ReplicaLayout,
    k: InferenceConstants,
    *,
    new_tokens: float,
    attention_flops: float,
    cached_sequences: float,
    cached_context: float,
    sequences: float,
) -> tuple[float, str]:
    """Seconds for one forward pass over ``new_tokens`` tokens of ``sequences`` sequences, and
    what bounds it."""
    gpus = layout.gpus
    bandwidth = gpus * acc.memory_bw_gb_per_s * 1e9 * k.bandwidth_efficiency
    imbalance = layout.rank_imbalance(sequences)
    linear_compute_s = _linear_compute_s(
        spec,
        new_tokens,
        gpus * acc.peak(prec.compute) * k.compute_efficiency,
        gpus,
        k.expert_kernel_efficiency,
        imbalance,
    )
    # The routed experts' weights stream through grouped kernels at e_x of the dense rate.
    # Under attention data parallelism each rank reads its own copy of the rest.
    routed = spec.routed_weights_touched(new_tokens)
    weight_params = (spec.weights_touched(new_tokens) - routed) * layout.attention_data + (
        routed / k.expert_kernel_efficiency
    )
    weights_s = weight_params * prec.weights.bytes_per_value / bandwidth
    attention_s = kv_s = 0.0
    if spec.has_shape:
        attention_s = (
            imbalance
            * attention_flops
            / (gpus * acc.peak(prec.attention(acc)) * k.compute_efficiency)
        )
        kv_bytes = (
            cached_sequences
            * cached_context
            * kv_cache_bytes_per_token(spec, prec.kv)
            * layout.kv_copies(spec)
        )
        kv_s = imbalance * kv_bytes / bandwidth
    comm_s = 0.0
    if spec.has_shape:
        activations = new_tokens * spec.hidden * prec.compute.bytes_per_value
        comm_s += (
            2 * spec.layers * ring_all_reduce_s(acc, activations, layout.tensor) / layout.pipeline
        )
        if layout.pipeline > 1:
            hop = (acc.scale_out_gb_per_s or FALLBACK_SCALE_OUT_GB_PER_S) * 1e9
            comm_s += (layout.pipeline - 1) * activations / layout.tensor / hop
        if spec.experts and gpus > 1:
            dispatched = (
                new_tokens * spec.experts_active * spec.hidden * prec.compute.bytes_per_value / gpus
            )
            busiest = dispatched * busiest_gpu_factor(spec, new_tokens, gpus)
            comm_s += 2 * spec.moe_layers * all_to_all_s(acc, busiest, layout)
    permute_s = 0.0
    if spec.has_shape and spec.experts:
        # Tokens copied into expert order and gathered back (bf16 hidden states): memory-bound
        # kernels between the GEMMs, counted as in training (perf/routing.py).
        elements = permutation_elements(
            new_tokens, spec.hidden, spec.experts_active, backward=False
        )
        permute_s = float(elements) * Precision.BF16.bytes_per_value * spec.moe_layers / bandwidth
    compute_s = linear_compute_s + attention_s
    memory_s = weights_s + kv_s + permute_s
    bound = max((compute_s, "compute"), (memory_s, "memory"), (comm_s, "communication"))[1]
    step_s = max(linear_compute_s, weights_s) + max(attention_s, kv_s) + comm_s + permute_s
    step_s += k.step_overhead_s(spec)
    # Each rank's engine loop samples the sequences it owns: under attention data parallelism
    # 1 / ranks of them, under dense tensor parallelism the whole batch. An MoE replica is given
    # its ranks' split under either layout, as TensorRT-LLM's MoE benchmarks schedule it: timed
    # as tensor parallel, that is the fitted default (docs/accuracy.md, "attention DP").
    owners = gpus if spec.experts else 1
    host_s = sequences / owners * k.host_s_per_sequence(acc)
    if host_s > step_s:
        return host_s, "host"
    return step_s, bound


def serving_point(
    spec: TransformerSpec,
    acc: Accelerator,
    prec: ServingPrecision,
    layout: ReplicaLayout,
    k: InferenceConstants,
    batch: int,
    s_in: int,
    s_out: int,
) -> InferencePoint:
    ttft = prefill_rate = 0.0
    prompt = attention_flops_per_token_forward(spec, s_in / 2) * s_in  # one prompt's prefill
    if s_in:
        ttft, _ = _step(
            spec, acc, prec, layout, k, new_tokens=s_in, attention_flops=prompt,
            cached_sequences=0, cached_context=0, sequences=1,
        )  # fmt: skip
        whole_batch, _ = _step(
            spec, acc, prec, layout, k, new_tokens=batch * s_in, attention_flops=batch * prompt,
            cached_sequences=0, cached_context=0, sequences=batch,
        )  # fmt: skip
        prefill_rate = batch * s_in / whole_batch
    if not s_out:
        return InferencePoint(ttft, 0.0, 0.0, "compute", prefill_rate)
    context = s_in + s_out / 2
    prefill_share = s_in / s_out  # prompt tokens per generated token, prefilled alongside decode
    # Decode tokens attend to the mean context; batch / s_out prompts are prefilled a step.
    attention = batch * (decode_attention_flops(spec, context) + prompt / s_out)
    # Every sequence samples a token each step, and batch / s_out of them finish their prompt.
    tpot, bound = _step(
        spec, acc, prec, layout, k, new_tokens=batch * (1 + prefill_share),
        attention_flops=attention, cached_sequences=batch, cached_context=context,
        sequences=batch * (1 + 1 / s_out),
    )  # fmt: skip
    return InferencePoint(ttft, tpot, batch / tpot, bound, prefill_rate)


def max_batch(
    spec: TransformerSpec, acc: Accelerator, prec: ServingPrecision, layout: ReplicaLayout, seq: int
) -> int:
    usable = layout.gpus * acc.memory_gib * GIB * USABLE_MEMORY_FRACTION
    free = usable - layout.stored_params(spec) * prec.weights.bytes_per_value
    if free <= 0:
        return 0
    if not spec.has_shape:
        return SCHEDULER_MAX_BATCH
    per_sequence = seq * kv_cache_bytes_per_token(spec, prec.kv) * layout.kv_copies(spec)
    return int(min(SCHEDULER_MAX_BATCH, free // per_sequence))


def fewest_gpus_for_weights(
    spec: TransformerSpec, acc: Accelerator, prec: ServingPrecision, *, attention_dp: bool = False
) -> int:
    """Smallest power of two whose memory holds the weights (each attention-DP rank's copy of the
    non-expert ones included) with room for a KV cache."""
    gpus = 1
    while gpus < 4096:
        layout = ReplicaLayout.for_gpus(gpus, acc, spec, attention_dp=attention_dp)
        if max_batch(spec, acc, prec, layout, 1) >= 1:
            break
        gpus *= 2
    return gpus


def _best_under_limits(
    point: Callable[[int], InferencePoint],
    largest: int,
    ttft_s: float | None,
    tpot_s: float | None,
) -> int:
    """The largest batch (throughput rises with batch) whose latency meets the limits; 0 if none."""

    def ok(b: int) -> bool:
        p = point(b)
        return (ttft_s is None or p.ttft_s <= ttft_s) and (tpot_s is None or p.tpot_s <= tpot_s)

    if largest < 1 or not ok(1):
        return 0
    low, high = 1, largest
    while low < high:  # latency grows with batch: binary search the boundary
        mid = (low + high + 1) // 2
        if ok(mid):
            low = mid
        else:
            high = mid - 1
    return low


def estimate_inference(
    spec: TransformerSpec,
    accelerator: Accelerator,
    *,
    input_tokens: int,
    output_tokens: int,
    constants: InferenceConstants,
    gpus: int | None = None,
    precision: Precision | None = None,
    activation_precision: Precision | None = None,
    kv_precision: Precision | None = None,
    batch: int | None = None,
    batch_max: bool = False,
    ttft_ms: float | None = None,
    tpot_ms: float | None = None,
    log_sd: float = EFFICIENCY_LOG_SD,
    attention_dp: bool | None = None,
) -> InferenceEstimate:
    """TTFT, time per output token, throughput and memory for one replica.

    ``attention_dp`` True or False picks an MoE model's layout; None (the default) serves it
    tensor parallel, except an MLA model (DeepSeek-V2/V3, Kimi K2) on several GPUs, which gets
    whichever of the two fits and gives more output tokens per second."""
    check_positive(input_tokens, "input tokens", allow_zero=True, upper=1e7)
    check_positive(output_tokens, "output tokens", allow_zero=True, upper=1e7)
    if input_tokens + output_tokens == 0:
        raise InvalidSpecError(
            "input and output tokens are both zero. To fix: give at least one token."
        )
    prec = ServingPrecision.resolve(accelerator, precision, activation_precision, kv_precision)
    automatic = gpus is None
    if gpus is None:
        gpus = fewest_gpus_for_weights(spec, accelerator, prec, attention_dp=bool(attention_dp))
    if not 1 <= gpus <= 100_000:
        raise InvalidSpecError(f"--gpus must be between 1 and 100,000, got {gpus}.")
    assert gpus is not None

    def on(layout: ReplicaLayout) -> InferenceEstimate:
        seq = input_tokens + output_tokens
        largest = max_batch(spec, accelerator, prec, layout, seq)

        def point(b: int, k: InferenceConstants = constants) -> InferencePoint:
            return serving_point(spec, accelerator, prec, layout, k, b, input_tokens, output_tokens)

        limits = ttft_ms is not None or tpot_ms is not None
        if limits:
            for value, what in ((ttft_ms, "--ttft-ms"), (tpot_ms, "--tpot-ms")):
                if value is not None:
                    check_positive(value, what, upper=1e7)
            chosen = _best_under_limits(
                point,
                largest,
                None if ttft_ms is None else ttft_ms / 1e3,
                None if tpot_ms is None else tpot_ms / 1e3,
            )
            if chosen == 0:
                single = point(1)
                raise InvalidSpecError(
                    f"No batch meets the latency limits on {gpus} × {accelerator.id}: batch 1 gives TTFT "
                    f"{single.ttft_s * 1e3:.1f} ms and {single.tpot_s * 1e3:.2f} ms per token. To fix: relax "
                    "--ttft-ms/--tpot-ms, add --gpus, or use a faster accelerator or lower precision."
                )
            rule = "largest batch meeting " + " and ".join(
                f"{name} ≤ {value:g} ms"
                for name, value in (("TTFT", ttft_ms), ("TPOT", tpot_ms))
                if value is not None
            )
        elif batch_max:
            chosen, rule = (
                max(1, largest),
                "largest batch the KV cache allows (maximises throughput)",
            )
        else:
            chosen = 1 if batch is None else int(check_positive(batch, "batch", upper=MAX_BATCH))
            rule = (
                "user --batch"
                if batch is not None
                else "batch 1 (pass --batch N, max, or latency limits)"
            )
        weights = layout.stored_params(spec) * prec.weights.bytes_per_value / GIB
        kv = (
            chosen * seq * kv_cache_bytes_per_token(spec, prec.kv) * layout.kv_copies(spec) / GIB
            if spec.has_shape
            else 0.0
        )
        memory_per_gpu = (weights + kv) / gpus
        spread = math.exp(1.645 * log_sd)  # 90% interval on the step time
        slow = InferenceConstants(
            constants.compute_efficiency / spread,
            constants.bandwidth_efficiency / spread,
            constants.layer_overhead_s * spread,
            constants.expert_kernel_efficiency,
            constants.host_scale * spread,
        )
        fast = InferenceConstants(
            min(1.0, constants.compute_efficiency * spread),
            min(1.0, constants.bandwidth_efficiency * spread),
            constants.layer_overhead_s / spread,
            constants.expert_kernel_efficiency,
            constants.host_scale / spread,
        )
        return InferenceEstimate(
            spec=spec,
            accelerator=accelerator,
            precision=prec,
            layout=layout,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            batch=chosen,
            batch_rule=rule,
            max_batch=largest,
            flops_per_token=inference_flops_per_token(spec, input_tokens + output_tokens / 2),
            flops_per_token_2n=2.0 * spec.active_params,
            memory_per_gpu_gib=memory_per_gpu,
            weights_gib=weights,
            kv_cache_gib=kv,
            fits=memory_per_gpu <= accelerator.memory_gib * USABLE_MEMORY_FRACTION,
            constants=constants,
            central=point(chosen),
            slow=point(chosen, slow),
            fast=point(chosen, fast),
            gpus_chosen_automatically=automatic,
        )

    if attention_dp is not None:
        return on(ReplicaLayout.for_gpus(gpus, accelerator, spec, attention_dp=attention_dp))
    tensor = ReplicaLayout.for_gpus(gpus, accelerator, spec)
    if not (spec.has_shape and spec.mla is not None and spec.experts and gpus > 1):
        return on(tensor)
    # MLA's latent cannot be split by head, so every tensor rank would hold all of it: serve
    # it the faster of the two layouts that fit (attention DP at load, tensor parallel alone).
    estimates: list[InferenceEstimate] = []
    for layout in (tensor, ReplicaLayout.for_gpus(gpus, accelerator, spec, attention_dp=True)):
        try:
            estimates.append(on(layout))
        except InvalidSpecError:  # no batch meets the latency limits on this layout
            if layout is not tensor and not estimates:
                raise
    return max(estimates, key=lambda e: (e.fits, e.central.output_tokens_per_s))
