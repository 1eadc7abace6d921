"""The result of a training estimate: the JSON contract of DESIGN.md and the derivation.

``gpu_hours``, ``wall_days`` and ``cost_usd`` (with ``_low``/``_high``) are the **expected run**;
``ideal``, ``expected`` and ``program`` carry all three figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flopfolio.economics.pricing import PriceChoice
from flopfolio.perf.goodput import FAILURES_PER_GPU_HOUR, RESTART_HOURS
from flopfolio.perf.training import TrainingEstimate
from flopfolio.planning.uncertainty import HIGH_PERCENTILE, LOW_PERCENTILE, RunBands
from flopfolio.results.common import ModelChoice, accelerator_dict, price_dict
from flopfolio.specs.band import Band
from flopfolio.workload.memory import training_state_bytes


def _band(prefix: str, band: Band | None) -> dict[str, float | None]:
    if band is None:
        return {prefix: None, f"{prefix}_low": None, f"{prefix}_high": None}
    return {prefix: band.central, f"{prefix}_low": band.low, f"{prefix}_high": band.high}


@dataclass(frozen=True, slots=True)
class TrainingResult:
    model: ModelChoice
    estimate: TrainingEstimate
    price: PriceChoice | None
    bands: RunBands

    @property
    def ideal_cost_usd(self) -> float | None:
        if self.price is None:
            return None
        return self.estimate.ideal_gpu_hours * self.price.usd_per_gpu_hour.central

    def to_dict(self) -> dict[str, Any]:
        e, b, plan = self.estimate, self.bands, self.estimate.plan
        state = training_state_bytes(e.precision)
        return {
            "flops": e.flops.total,
            "flops_6nd": e.flops_6nd,
            "flops_convention": e.flops.convention.value,
            **_band("gpu_hours", b.gpu_hours),
            **_band("wall_days", b.wall_days),
            **_band("cost_usd", b.cost_usd),
            "mfu": e.utilization.mfu,
            "hfu": e.utilization.hfu,
            "gpus": e.gpus,
            "memory_per_gpu_gib": plan.memory_gib,
            "fits": plan.fits,
            "ideal": {
                "gpu_hours": e.ideal_gpu_hours,
                "wall_days": e.ideal_wall_hours / 24.0,
                "cost_usd": self.ideal_cost_usd,
            },
            "expected": {
                **_band("gpu_hours", b.gpu_hours),
                **_band("wall_days", b.wall_days),
                **_band("cost_usd", b.cost_usd),
            },
            "program": {
                **_band("gpu_hours", b.program_gpu_hours),
                **_band("cost_usd", b.program_cost_usd),
            },
            "parallel": {
                "description": plan.describe(),
                "tensor": plan.tensor,
                "pipeline": plan.pipeline,
                "interleave": plan.interleave,
                "context": plan.context,
                "expert": plan.expert,
                "data": plan.data,
                "micro_batch": plan.micro_batch,
                "micro_batches": plan.micro_batches,
                "global_batch_tokens": plan.global_batch_tokens,
                "sharding": plan.sharding.value,
                "recompute": plan.recompute.value,
                "step_seconds": plan.step_seconds,
                "step_breakdown_seconds": dict(plan.step_breakdown),
                "memory_headroom_gib": plan.memory_headroom_gib,
                "configurations_searched": e.search.configurations,
                "configurations_fitting": e.search.fitting,
            },
            "pareto": {
                "gpus": [
                    {
                        "gpus": p.gpus,
                        "wall_days": p.wall_hours / 24.0,
                        "gpu_hours": p.gpu_hours,
                        "mfu": p.mfu,
                    }
                    for p in e.cluster_frontier
                ],
                "memory_headroom": [
                    {
                        "description": p.describe(),
                        "step_seconds": p.step_seconds,
                        "memory_headroom_gib": p.memory_headroom_gib,
                    }
                    for p in e.search.pareto_memory
                ],
            },
            "assumptions": {
                "model": self.model.description,
                "model_source": self.model.source,
                "shape": "as given"
                if e.spec.has_shape
                else f"nominal {e.shape_used.layers} layers × {e.shape_used.hidden} (only a parameter count was given)",
                "params": e.spec.params,
                "active_params": e.spec.active_params,
                "tokens": e.tokens,
                "accelerator": accelerator_dict(e.accelerator),
                "precision": e.precision.value,
                "peak_flop_per_s": e.accelerator.peak(e.precision),
                "mfu_source": e.utilization.source,
                "mfu_convention": "MFU: model FLOPs (flops) / (gpus × dense peak × ideal time); HFU adds recomputation",
                "gpus_chosen": "sized for ~30 days, grown until the model fits (pass --gpus)"
                if e.gpus_chosen_automatically
                else "user --gpus",
                "training_state_bytes_per_param": state.total,
                "goodput": {
                    "failures_per_gpu_hour": FAILURES_PER_GPU_HOUR,
                    "failure_source": "Llama 3 (Grattafiori et al. 2024) §3.3.4: 419 unexpected interruptions in 54 days on 16,384 H100",
                    "cluster_mtbf_hours": e.goodput.cluster_mtbf_hours,
                    "checkpoint_minutes": e.goodput.checkpoint_hours * 60.0,
                    "checkpointing": "asynchronous: training stops for the copy to host memory",
                    "checkpoint_interval_hours": e.goodput.checkpoint_interval_hours,
                    "restart_minutes": RESTART_HOURS * 60.0,
                    "expected_failures": e.goodput.expected_failures,
                    "failure_overhead_fraction": e.goodput.failure_overhead,
                    "production_overhead_fraction": e.goodput.production_overhead,
                    "production_overhead_source": "utilization model fit: published runs' whole-run hours against their steady-state throughput",
                    "overhead_fraction": e.goodput.overhead_fraction,
                },
                "program_factor": e.program_factor,
                "range": f"{LOW_PERCENTILE:g}th-{HIGH_PERCENTILE:g}th percentile of {b.samples:,} Monte Carlo samples (utilization, failure rate, price, program factor)",
                "utilization_log_sd": e.utilization.log_sd,
                "price": price_dict(self.price),
            },
        }

    def explain(self) -> list[str]:
        e, b, plan = self.estimate, self.bands, self.estimate.plan
        peak = e.accelerator.peak(e.precision)
        source = f" [{self.model.source}]" if self.model.source else ""
        lines = [
            f"Model: {self.model.description}{source}",
            f"  parameters {e.spec.params:.4g} (active {e.spec.active_params:.4g})"
            + (
                ""
                if e.spec.has_shape
                else f"; nominal shape {e.shape_used.layers} × {e.shape_used.hidden} for memory and parallelism"
            ),
            f"FLOPs: {e.flops.convention.value}",
            f"  {e.flops.per_token:.4g} FLOPs/token × {e.tokens:.4g} tokens = {e.flops.total:.4g}"
            f"  (napkin 6ND = {e.flops_6nd:.4g})",
            f"Accelerator: {e.gpus} × {e.accelerator.id}, {e.precision.value} dense peak {peak / 1e12:.4g} TFLOP/s"
            f"  [{e.accelerator.source[:120]}…; {e.accelerator.as_of.isoformat()}]",
            f"Parallel configuration (fastest of {e.search.fitting:,} that fit, of {e.search.configurations:,}):",
            f"  {plan.describe()}; {plan.memory_gib:.1f} GiB per GPU of {e.accelerator.memory_gib:g}"
            f" ({'fits' if plan.fits else 'DOES NOT FIT'}); step {plan.step_seconds:.2f} s for {plan.global_batch_tokens:,.0f} tokens",
            *_breakdown_lines(plan.step_breakdown, plan.step_seconds),
            f"Utilization: MFU {e.utilization.mfu:.3f}, HFU {e.utilization.hfu:.3f} — {e.utilization.source}",
            f"1. Ideal run = FLOPs / (peak × MFU) = {e.flops.total:.4g} / ({peak:.4g} × {e.utilization.mfu:.3f}) / 3600"
            f" = {e.ideal_gpu_hours:,.0f} GPU-hours, {e.ideal_wall_hours / 24:,.1f} days",
            f"2. Expected run: cluster MTBF {e.goodput.cluster_mtbf_hours:,.1f} h, checkpoint every"
            f" {e.goodput.checkpoint_interval_hours:,.2f} h, ~{e.goodput.expected_failures:,.0f} failures"
            f" +{e.goodput.failure_overhead:.1%}; production overhead (fitted on published runs)"
            f" +{e.goodput.production_overhead:.1%}: {e.expected_gpu_hours:,.0f} GPU-hours"
            f" ({b.gpu_hours.low:,.0f}-{b.gpu_hours.high:,.0f}), {b.wall_days.central:,.1f} days",
            f"3. Program (evaluations, test runs, ablations) × {e.program_factor:.2f} = {e.program_gpu_hours:,.0f}"
            f" GPU-hours ({b.program_gpu_hours.low:,.0f}-{b.program_gpu_hours.high:,.0f})",
        ]
        if self.price is None or b.cost_usd is None or b.program_cost_usd is None:
            lines.append("Cost: no offer in the catalog for this accelerator; pass --price.")
        else:
            lines += [
                f"Price: {self.price.basis}",
                f"Cost: ideal ${self.ideal_cost_usd or 0:,.0f}; expected ${b.cost_usd.central:,.0f}"
                f" (${b.cost_usd.low:,.0f}-${b.cost_usd.high:,.0f}); program ${b.program_cost_usd.central:,.0f}"
                f" (${b.program_cost_usd.low:,.0f}-${b.program_cost_usd.high:,.0f})",
            ]
        lines.append(
            f"Ranges: {LOW_PERCENTILE:g}th-{HIGH_PERCENTILE:g}th percentiles of {b.samples:,} Monte Carlo samples"
        )
        return lines


def _breakdown_lines(terms: tuple[tuple[str, float], ...], step_s: float) -> list[str]:
    """The step's time by term, largest first, the ones under 0.5% left out."""
    shown = sorted(((v, k) for k, v in terms if step_s > 0 and v / step_s >= 0.005), reverse=True)
    if not shown:
        return []
    parts = [f"{k.replace('_', ' ')} {v:.3g} s ({v / step_s:.0%})" for v, k in shown]
    return ["  step by term: " + ", ".join(parts)]
