"""The result of a serving estimate, as the JSON contract and as a derivation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flopfolio.economics.pricing import PriceChoice
from flopfolio.perf.batch_job import BatchJob
from flopfolio.perf.inference import InferenceEstimate
from flopfolio.results.common import ModelChoice, accelerator_dict, price_dict
from flopfolio.specs.band import Band
from flopfolio.units import GIB


@dataclass(frozen=True, slots=True)
class InferenceResult:
    model: ModelChoice
    estimate: InferenceEstimate
    price: PriceChoice | None
    job: BatchJob | None = None

    def job_dict(self) -> dict[str, Any] | None:
        if self.job is None:
            return None
        hours, gpu_hours = self.job.replica_hours, self.job.gpu_hours
        cost = gpu_hours.times(self.price.usd_per_gpu_hour) if self.price else None
        return {
            "requests": self.job.requests,
            "replica_hours": hours.central,
            "replica_hours_low": hours.low,
            "replica_hours_high": hours.high,
            "gpu_hours": gpu_hours.central,
            "gpu_hours_low": gpu_hours.low,
            "gpu_hours_high": gpu_hours.high,
            "cost_usd": cost.central if cost else None,
            "cost_usd_low": cost.low if cost else None,
            "cost_usd_high": cost.high if cost else None,
        }

    @property
    def usd_per_million_output_tokens(self) -> Band | None:
        e = self.estimate
        if self.price is None or e.output_tokens == 0:
            return None
        tps = e.output_tokens_per_s
        per_hour = self.price.usd_per_gpu_hour.scale(e.gpus * 1e6 / 3600.0)
        # cheapest: low price at the fastest throughput; dearest: high price at the slowest.
        return Band(
            per_hour.low / tps.high, per_hour.central / tps.central, per_hour.high / tps.low
        )

    def to_dict(self) -> dict[str, Any]:
        e, usd = self.estimate, self.usd_per_million_output_tokens
        tps = e.output_tokens_per_s
        return {
            "flops_per_token": e.flops_per_token.per_token,
            "flops_per_token_2n": e.flops_per_token_2n,
            "flops_convention": e.flops_per_token.convention.value,
            "batch": e.batch,
            "max_batch": e.max_batch,
            "gpus": e.gpus,
            "ttft_ms": e.central.ttft_s * 1e3,
            "ttft_ms_low": e.fast.ttft_s * 1e3,
            "ttft_ms_high": e.slow.ttft_s * 1e3,
            "tpot_ms": e.central.tpot_s * 1e3,
            "tpot_ms_low": e.fast.tpot_s * 1e3,
            "tpot_ms_high": e.slow.tpot_s * 1e3,
            "output_tokens_per_s": tps.central,
            "output_tokens_per_s_low": tps.low,
            "output_tokens_per_s_high": tps.high,
            "memory_per_gpu_gib": e.memory_per_gpu_gib,
            "fits": e.fits,
            "usd_per_million_output_tokens": usd.central if usd else None,
            "usd_per_million_output_tokens_low": usd.low if usd else None,
            "usd_per_million_output_tokens_high": usd.high if usd else None,
            "prefill_tokens_per_s": e.central.prefill_tokens_per_s,
            "job": self.job_dict(),
            "assumptions": {
                "model": self.model.description,
                "model_source": self.model.source,
                "params": e.spec.params,
                "active_params": e.spec.active_params,
                "accelerator": accelerator_dict(e.accelerator),
                "precision": e.precision.describe(),
                "weight_precision": e.precision.weights.value,
                "activation_precision": e.precision.compute.value,
                "kv_precision": e.precision.kv.value,
                "tensor_parallel": e.layout.tensor,
                "pipeline_parallel": e.layout.pipeline,
                "attention_data_parallel": e.layout.attention_data,
                "layout": e.layout.describe(),
                "input_tokens": e.input_tokens,
                "output_tokens": e.output_tokens,
                "batch_rule": e.batch_rule,
                "gpus_chosen": "fewest that hold the weights"
                if e.gpus_chosen_automatically
                else "user --gpus",
                "compute_efficiency": e.constants.compute_efficiency,
                "bandwidth_efficiency": e.constants.bandwidth_efficiency,
                "step_overhead_ms": e.constants.step_overhead_s(e.spec) * 1e3,
                "decode_bound": e.central.decode_bound,
                "weights_gib": e.weights_gib,
                "kv_cache_gib": e.kv_cache_gib,
                "model_basis": "continuous batching; GEMM and attention rooflines per step with fitted efficiencies per hardware generation and a per-layer overhead, TP/PP/EP communication or attention data parallelism; MoE: the experts a step hits, their tiles, the busiest GPU and the tokens' permutation into expert order; the engine's host time per sequence as a floor under each step",
                "price": price_dict(self.price),
            },
        }

    def explain(self) -> list[str]:
        e, d = self.estimate, self.to_dict()
        layout = []
        if e.layout.attention_dp:
            rest = e.spec.non_routed_params * e.precision.weights.bytes_per_value
            layout = [
                f"Layout: attention data parallel: each of the {e.gpus} GPUs keeps the "
                f"non-expert weights ({rest / GIB:.1f} GiB) and the KV cache of its own sequences, "
                f"the routed experts split {e.gpus} ways; no tensor-parallel all-reduce"
            ]
        return [
            f"Model: {self.model.description}"
            + (f" [{self.model.source}]" if self.model.source else ""),
            f"FLOPs per token: {e.flops_per_token.per_token:.4g} ({e.flops_per_token.convention.value});"
            f" napkin 2N = {e.flops_per_token_2n:.4g}",
            f"Accelerator: {e.gpus} x {e.accelerator.id} ({e.layout.describe()}), "
            f"{e.precision.describe()}",
            *layout,
            f"Step model: continuous batching; compute at {e.constants.compute_efficiency:.2f} of peak, "
            f"memory at {e.constants.bandwidth_efficiency:.2f} of bandwidth, {e.constants.step_overhead_s(e.spec) * 1e3:.2f} ms "
            "per step (fitted on published benchmarks, per layer)"
            + (
                f"; the host's {e.constants.host_s_per_sequence(e.accelerator) * 1e6:.1f} µs per "
                "sequence a step is a floor (sourced)"
                if e.constants.host_scale
                else ""
            ),
            f"Memory: weights {e.weights_gib:.1f} GiB + KV cache {e.kv_cache_gib:.1f} GiB "
            f"= {e.memory_per_gpu_gib:.1f} GiB per GPU ({'fits' if e.fits else 'DOES NOT FIT'})",
            f"Batch {e.batch}: {e.batch_rule} (the KV cache allows {e.max_batch})",
            f"TTFT (one prompt's prefill): {d['ttft_ms']:.1f} ms; time per output token: {d['tpot_ms']:.2f} ms, "
            f"{e.central.decode_bound}-bound",
            f"Throughput: {d['output_tokens_per_s']:,.0f} output tokens/s "
            f"({d['output_tokens_per_s_low']:,.0f}-{d['output_tokens_per_s_high']:,.0f})",
            "Price: " + (self.price.basis if self.price else "none in catalog; pass --price"),
        ]
