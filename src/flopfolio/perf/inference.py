"""Inference v1: a roofline per phase.

* **Prefill** processes the whole prompt at once; it is compute-bound:
  ``ttft = max(FLOPs / (gpus·peak·e_c), weight bytes / (gpus·bw·e_b))``.
* **Decode** produces one token per sequence per step and must stream every weight and the KV
  cache from memory: ``tpot = max(b·FLOPs_per_token / (gpus·peak·e_c),
  (weights + b·context·kv_bytes) / (gpus·bw·e_b))``. A larger batch ``b`` shares the weight
  traffic and raises arithmetic intensity until compute binds.
* The KV cache caps the batch: ``weights + b·(s_in+s_out)·kv_bytes`` must fit in usable memory.

The efficiency factors ``e_c`` (share of peak FLOP/s reached by prefill and decode matmuls) and
``e_b`` (share of peak bandwidth reached by decode) are v1 defaults, not fitted: fitting them on
published benchmarks is the serving issue's work, and ``flopfolio validate inference`` reports how
far they are from measurements. The plain roofline (both at 1.0) is the validation baseline.
Tensor-parallel communication is not yet modelled. MoE decode streams only the experts its batch
is routed to (:meth:`TransformerSpec.weights_touched`), but all experts must be resident.
"""

from __future__ import annotations

from dataclasses import dataclass

from flopfolio.catalog.accelerators import Accelerator
from flopfolio.economics.band import Band
from flopfolio.errors import InvalidSpecError
from flopfolio.units import GIB, check_positive
from flopfolio.workload.flops import FlopCount, inference_flops_per_token
from flopfolio.workload.memory import kv_cache_bytes_per_token
from flopfolio.workload.precision import Precision
from flopfolio.workload.transformer import TransformerSpec

DEFAULT_COMPUTE_EFFICIENCY = 0.50
DEFAULT_BANDWIDTH_EFFICIENCY = 0.80
# The band: both efficiencies 25% lower / higher (capped at 1).
EFFICIENCY_RELATIVE_BAND = 0.25
USABLE_MEMORY_FRACTION = 0.90  # the rest: activations, CUDA graphs, fragmentation
MAX_BATCH = 1 << 16


@dataclass(frozen=True, slots=True)
class Efficiency:
    compute: float
    bandwidth: float


@dataclass(frozen=True, slots=True)
class InferencePoint:
    """Latency and throughput of one replica at one batch size."""

    ttft_s: float
    tpot_s: float
    output_tokens_per_s: float
    decode_bound: str  # "compute" or "memory"


@dataclass(frozen=True, slots=True)
class InferenceEstimate:
    spec: TransformerSpec
    accelerator: Accelerator
    precision: Precision
    gpus: int
    input_tokens: int
    output_tokens: int
    batch: int
    batch_is_max: bool
    max_batch: int
    flops_per_token: FlopCount
    flops_per_token_2n: float
    memory_per_gpu_gib: float
    weights_gib: float
    kv_cache_gib: float
    fits: bool
    efficiency: Efficiency
    central: InferencePoint
    slow: InferencePoint  # at the low efficiencies
    fast: InferencePoint  # at the high efficiencies
    gpus_chosen_automatically: bool

    @property
    def output_tokens_per_s(self) -> Band:
        return Band(
            self.slow.output_tokens_per_s,
            self.central.output_tokens_per_s,
            self.fast.output_tokens_per_s,
        )


def _point(
    spec: TransformerSpec,
    acc: Accelerator,
    precision: Precision,
    gpus: int,
    batch: int,
    s_in: int,
    s_out: int,
    eff: Efficiency,
) -> InferencePoint:
    flop_rate = gpus * acc.peak(precision) * eff.compute
    byte_rate = gpus * acc.memory_bw_gb_per_s * 1e9 * eff.bandwidth
    kv_per_token = kv_cache_bytes_per_token(spec, precision) if spec.has_shape else 0.0
    # Prefill: each prompt token attends to s_in/2 earlier tokens on average (causal).
    prefill_flops = batch * s_in * inference_flops_per_token(spec, s_in / 2).per_token
    prefill_bytes = spec.weights_touched(batch * s_in) * precision.bytes_per_value
    ttft = max(prefill_flops / flop_rate, prefill_bytes / byte_rate) if s_in else 0.0
    context = s_in + s_out / 2  # average context over the decode
    step_flops = batch * inference_flops_per_token(spec, context).per_token
    weight_bytes = spec.weights_touched(batch) * precision.bytes_per_value
    step_bytes = weight_bytes + batch * context * kv_per_token
    compute_time, memory_time = step_flops / flop_rate, step_bytes / byte_rate
    tpot = max(compute_time, memory_time)
    total = ttft + s_out * tpot
    return InferencePoint(
        ttft_s=ttft,
        tpot_s=tpot,
        output_tokens_per_s=batch * s_out / total if s_out else 0.0,
        decode_bound="compute" if compute_time >= memory_time else "memory",
    )


def _max_batch(
    spec: TransformerSpec, acc: Accelerator, precision: Precision, gpus: int, seq: int
) -> int:
    usable = gpus * acc.memory_gib * GIB * USABLE_MEMORY_FRACTION
    free = usable - spec.params * precision.bytes_per_value
    if free <= 0:
        return 0
    if not spec.has_shape:
        return MAX_BATCH
    per_sequence = seq * kv_cache_bytes_per_token(spec, precision)
    return int(min(MAX_BATCH, free // per_sequence))


def fewest_gpus_for_weights(spec: TransformerSpec, acc: Accelerator, precision: Precision) -> int:
    """Smallest power of two whose memory holds the weights with room for a KV cache."""
    gpus = 1
    while _max_batch(spec, acc, precision, gpus, 1) < 1 and gpus < 4096:
        gpus *= 2
    return gpus


def estimate_inference(
    spec: TransformerSpec,
    accelerator: Accelerator,
    *,
    input_tokens: int,
    output_tokens: int,
    gpus: int | None = None,
    precision: Precision | None = None,
    batch: int | None = None,
    batch_max: bool = False,
    compute_efficiency: float | None = None,
    bandwidth_efficiency: float | None = None,
) -> InferenceEstimate:
    """TTFT, time per output token, throughput and memory for one replica."""
    check_positive(input_tokens, "input tokens", allow_zero=True, upper=1e7)
    check_positive(output_tokens, "output tokens", allow_zero=True, upper=1e7)
    if input_tokens + output_tokens == 0:
        raise InvalidSpecError(
            "input and output tokens are both zero. To fix: give at least one token."
        )
    precision = precision or accelerator.default_training_precision()
    accelerator.peak(precision)  # fails early with the chip's precisions
    automatic = gpus is None
    if gpus is None:
        gpus = fewest_gpus_for_weights(spec, accelerator, precision)
    if gpus < 1 or gpus > 100_000:
        raise InvalidSpecError(f"--gpus must be between 1 and 100,000, got {gpus}.")
    seq = input_tokens + output_tokens
    max_batch = _max_batch(spec, accelerator, precision, gpus, seq)
    if batch_max:
        chosen = max(1, max_batch)
    else:
        chosen = 1 if batch is None else int(check_positive(batch, "batch", upper=MAX_BATCH))
    eff = Efficiency(
        compute=compute_efficiency or DEFAULT_COMPUTE_EFFICIENCY,
        bandwidth=bandwidth_efficiency or DEFAULT_BANDWIDTH_EFFICIENCY,
    )
    for value, what in (
        (eff.compute, "compute efficiency"),
        (eff.bandwidth, "bandwidth efficiency"),
    ):
        if not 0 < value <= 1:
            raise InvalidSpecError(f"{what} must be in (0, 1], got {value!r}.")
    low = Efficiency(
        eff.compute * (1 - EFFICIENCY_RELATIVE_BAND), eff.bandwidth * (1 - EFFICIENCY_RELATIVE_BAND)
    )
    high = Efficiency(
        min(1.0, eff.compute * (1 + EFFICIENCY_RELATIVE_BAND)),
        min(1.0, eff.bandwidth * (1 + EFFICIENCY_RELATIVE_BAND)),
    )
    weights = spec.params * precision.bytes_per_value / GIB
    kv = chosen * seq * kv_cache_bytes_per_token(spec, precision) / GIB if spec.has_shape else 0.0
    memory_per_gpu = (weights + kv) / gpus
    args = (spec, accelerator, precision, gpus, chosen, input_tokens, output_tokens)
    return InferenceEstimate(
        spec=spec,
        accelerator=accelerator,
        precision=precision,
        gpus=gpus,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        batch=chosen,
        batch_is_max=batch_max,
        max_batch=max_batch,
        flops_per_token=inference_flops_per_token(spec, input_tokens + output_tokens / 2),
        flops_per_token_2n=2.0 * spec.active_params,
        memory_per_gpu_gib=memory_per_gpu,
        weights_gib=weights,
        kv_cache_gib=kv,
        fits=memory_per_gpu <= accelerator.memory_gib * USABLE_MEMORY_FRACTION,
        efficiency=eff,
        central=_point(*args, eff),
        slow=_point(*args, low),
        fast=_point(*args, high),
        gpus_chosen_automatically=automatic,
    )
