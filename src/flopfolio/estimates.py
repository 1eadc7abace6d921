"""The library's front door for estimates: names and strings in, explained results out.

``estimate_training_run`` and ``estimate_serving`` resolve the accelerator and model through the
catalog, call the pure models in ``perf``/``economics``, and return results that render to the
JSON contract in DESIGN.md (``to_dict``) and to a derivation (``explain``). The CLI and the web
service both call these, so they show the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flopfolio.catalog.catalog import Catalog, load_catalog
from flopfolio.economics.band import Band
from flopfolio.economics.pricing import PriceChoice, choose_price
from flopfolio.model_input import ModelChoice, choose_model
from flopfolio.perf.inference import InferenceEstimate, estimate_inference
from flopfolio.perf.training import TrainingEstimate, estimate_training
from flopfolio.units import parse_count, parse_price
from flopfolio.workload.memory import training_state_bytes
from flopfolio.workload.precision import Precision


def _price_dict(choice: PriceChoice | None) -> dict[str, Any]:
    if choice is None:
        return {
            "usd_per_gpu_hour": None,
            "basis": "no price: the catalog has no offer; pass --price",
        }
    band = choice.usd_per_gpu_hour
    sources = sorted({f"{o.provider}: {o.source} ({o.as_of.isoformat()})" for o in choice.offers})
    return {
        "usd_per_gpu_hour": band.central,
        "usd_per_gpu_hour_low": band.low,
        "usd_per_gpu_hour_high": band.high,
        "basis": choice.basis,
        "sources": sources,
    }


def _accelerator_dict(est_accelerator: Any) -> dict[str, Any]:
    return {
        "id": est_accelerator.id,
        "memory_gib": est_accelerator.memory_gib,
        "source": est_accelerator.source,
        "as_of": est_accelerator.as_of.isoformat(),
    }


@dataclass(frozen=True, slots=True)
class TrainingResult:
    model: ModelChoice
    estimate: TrainingEstimate
    price: PriceChoice | None

    @property
    def cost_usd(self) -> Band | None:
        if self.price is None:
            return None
        return self.estimate.gpu_hours.times(self.price.usd_per_gpu_hour)

    def to_dict(self) -> dict[str, Any]:
        e, cost = self.estimate, self.cost_usd
        layout, mem = e.layout, e.layout.memory
        state = training_state_bytes(e.precision)
        return {
            "flops": e.flops.total,
            "flops_6nd": e.flops_6nd,
            "flops_convention": e.flops.convention.value,
            "gpu_hours": e.gpu_hours.central,
            "gpu_hours_low": e.gpu_hours.low,
            "gpu_hours_high": e.gpu_hours.high,
            "wall_days": e.wall_days.central,
            "wall_days_low": e.wall_days.low,
            "wall_days_high": e.wall_days.high,
            "mfu": e.mfu.central,
            "mfu_low": e.mfu.low,
            "mfu_high": e.mfu.high,
            "gpus": e.gpus,
            "cost_usd": cost.central if cost else None,
            "cost_usd_low": cost.low if cost else None,
            "cost_usd_high": cost.high if cost else None,
            "memory_per_gpu_gib": mem.total_gib,
            "fits": layout.fits,
            "assumptions": {
                "model": self.model.description,
                "model_source": self.model.source,
                "params": e.spec.params,
                "active_params": e.spec.active_params,
                "tokens": e.tokens,
                "accelerator": _accelerator_dict(e.accelerator),
                "precision": e.precision.value,
                "peak_flop_per_s": e.accelerator.peak(e.precision),
                "mfu_source": e.mfu_source,
                "mfu_convention": "MFU: model FLOPs (flops) / (gpus x dense peak x time)",
                "gpus_chosen": "fewest that fit (pass --gpus)"
                if e.gpus_chosen_automatically
                else "user --gpus",
                "layout": {
                    "tensor_parallel": layout.tensor_parallel,
                    "data_parallel": layout.data_parallel,
                    "sharding": layout.sharding.value,
                    "recompute": layout.recompute.value,
                    "micro_batch": layout.micro_batch,
                    "seq_len": layout.seq_len,
                },
                "memory_gib": {
                    "weights": mem.weights_gib,
                    "gradients": mem.gradients_gib,
                    "optimizer": mem.optimizer_gib,
                    "activations": mem.activations_gib,
                    "overhead": mem.overhead_gib,
                },
                "training_state_bytes_per_param": state.total,
                "high_includes_restart_allowance": 0.10,
                "price": _price_dict(self.price),
            },
        }

    def explain(self) -> list[str]:
        e, d = self.estimate, self.to_dict()
        peak = e.accelerator.peak(e.precision)
        lines = [
            f"Model: {self.model.description}"
            + (f" [{self.model.source}]" if self.model.source else ""),
            f"  parameters {e.spec.params:.4g} (active {e.spec.active_params:.4g})",
            f"FLOPs: {e.flops.convention.value}",
            f"  {e.flops.per_token:.4g} FLOPs/token x {e.tokens:.4g} tokens = {e.flops.total:.4g}"
            f"  (napkin 6ND = {e.flops_6nd:.4g})",
            f"Accelerator: {e.accelerator.id}, {e.precision.value} dense peak {peak / 1e12:.4g} TFLOP/s"
            f"  [{e.accelerator.source}; {e.accelerator.as_of.isoformat()}]",
            f"Utilization (MFU): {e.mfu_source}",
            f"GPU-hours = FLOPs / (peak x MFU) / 3600 = {e.flops.total:.4g} / ({peak:.4g} x "
            f"{e.mfu.central:.2f}) / 3600 = {e.gpu_hours.central:,.0f}",
            f"  band {e.gpu_hours.low:,.0f} (MFU {e.mfu.high:.2f}) .. {e.gpu_hours.high:,.0f} "
            f"(MFU {e.mfu.low:.2f}, +10% restarts)",
            f"Wall-clock on {e.gpus} GPUs: {e.wall_days.central:,.1f} days "
            f"({e.wall_days.low:,.1f}-{e.wall_days.high:,.1f})",
            f"Memory per GPU: {d['memory_per_gpu_gib']:.1f} GiB of {e.accelerator.memory_gib:g} "
            f"({'fits' if e.layout.fits else 'DOES NOT FIT'}); layout {d['assumptions']['layout']}",
        ]
        if self.price is None:
            lines.append("Cost: no offer in the catalog for this accelerator; pass --price.")
        elif (cost := self.cost_usd) is not None:
            lines.append(f"Price: {self.price.basis}")
            lines.append(
                f"Cost = GPU-hours x price = ${cost.central:,.0f} (${cost.low:,.0f}-${cost.high:,.0f})"
            )
        return lines


@dataclass(frozen=True, slots=True)
class InferenceResult:
    model: ModelChoice
    estimate: InferenceEstimate
    price: PriceChoice | None

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
            "assumptions": {
                "model": self.model.description,
                "model_source": self.model.source,
                "params": e.spec.params,
                "active_params": e.spec.active_params,
                "accelerator": _accelerator_dict(e.accelerator),
                "precision": e.precision.value,
                "input_tokens": e.input_tokens,
                "output_tokens": e.output_tokens,
                "batch_rule": "largest batch the KV cache allows"
                if e.batch_is_max
                else "user --batch (default 1)",
                "gpus_chosen": "fewest that hold the weights"
                if e.gpus_chosen_automatically
                else "user --gpus",
                "compute_efficiency": e.efficiency.compute,
                "bandwidth_efficiency": e.efficiency.bandwidth,
                "decode_bound": e.central.decode_bound,
                "weights_gib": e.weights_gib,
                "kv_cache_gib": e.kv_cache_gib,
                "model_basis": "roofline v1: prefill compute-bound, decode bandwidth-bound; no TP communication",
                "price": _price_dict(self.price),
            },
        }

    def explain(self) -> list[str]:
        e, d = self.estimate, self.to_dict()
        return [
            f"Model: {self.model.description}"
            + (f" [{self.model.source}]" if self.model.source else ""),
            f"FLOPs per token: {e.flops_per_token.per_token:.4g} ({e.flops_per_token.convention.value});"
            f" napkin 2N = {e.flops_per_token_2n:.4g}",
            f"Accelerator: {e.gpus} x {e.accelerator.id}, {e.precision.value}; "
            f"efficiency compute {e.efficiency.compute:.2f}, bandwidth {e.efficiency.bandwidth:.2f}",
            f"Memory: weights {e.weights_gib:.1f} GiB + KV cache {e.kv_cache_gib:.1f} GiB "
            f"= {e.memory_per_gpu_gib:.1f} GiB per GPU ({'fits' if e.fits else 'DOES NOT FIT'})",
            f"Batch {e.batch} (max the KV cache allows: {e.max_batch})",
            f"Prefill (TTFT): {d['ttft_ms']:.1f} ms; decode (TPOT): {d['tpot_ms']:.2f} ms, "
            f"{e.central.decode_bound}-bound",
            f"Throughput: {d['output_tokens_per_s']:,.0f} output tokens/s "
            f"({d['output_tokens_per_s_low']:,.0f}-{d['output_tokens_per_s_high']:,.0f})",
            "Price: " + (self.price.basis if self.price else "none in catalog; pass --price"),
        ]


def _prepare(
    catalog: Catalog | None, gpu: str, precision: str | None
) -> tuple[Catalog, Any, Precision | None]:
    cat = catalog or load_catalog()
    return cat, cat.accelerator(gpu), Precision.parse(precision) if precision else None


def _price(
    cat: Catalog, accelerator_id: str, price: str | float | None, provider: str | None
) -> PriceChoice | None:
    user_price = parse_price(price, "--price") if price is not None else None
    return choose_price(accelerator_id, cat.offers, price=user_price, provider=provider)


def estimate_training_run(
    *,
    tokens: str | float,
    gpu: str,
    model: str | None = None,
    params: str | float | None = None,
    active_params: str | float | None = None,
    shape: dict[str, Any] | None = None,
    gpus: int | None = None,
    precision: str | None = None,
    mfu: float | None = None,
    price: str | float | None = None,
    provider: str | None = None,
    catalog: Catalog | None = None,
) -> TrainingResult:
    """Estimate a training run from user-level inputs (see ``flopfolio train --help``)."""
    cat, acc, prec = _prepare(catalog, gpu, precision)
    choice = choose_model(cat, model, params=params, active_params=active_params, shape=shape)
    seq_len = (shape or {}).get("seq_len")
    estimate = estimate_training(
        choice.spec, parse_count(tokens, "--tokens"), acc,
        gpus=gpus, precision=prec, mfu=mfu, seq_len=seq_len,
    )  # fmt: skip
    return TrainingResult(choice, estimate, _price(cat, acc.id, price, provider))


def estimate_serving(
    *,
    gpu: str,
    input_tokens: int,
    output_tokens: int,
    model: str | None = None,
    params: str | float | None = None,
    active_params: str | float | None = None,
    shape: dict[str, Any] | None = None,
    gpus: int | None = None,
    precision: str | None = None,
    batch: int | str | None = None,
    mfu: float | None = None,
    price: str | float | None = None,
    provider: str | None = None,
    catalog: Catalog | None = None,
) -> InferenceResult:
    """Estimate one serving replica from user-level inputs (see ``flopfolio infer --help``)."""
    from flopfolio.errors import InvalidSpecError

    cat, acc, prec = _prepare(catalog, gpu, precision)
    choice = choose_model(cat, model, params=params, active_params=active_params, shape=shape)
    batch_max = isinstance(batch, str) and batch.strip().lower() == "max"
    batch_n: int | None = None
    if batch is not None and not batch_max:
        try:
            batch_n = int(batch)
        except ValueError:
            raise InvalidSpecError(
                f"--batch {batch!r} is not a number. To fix: write e.g. 8 or max."
            ) from None
    estimate = estimate_inference(
        choice.spec, acc, input_tokens=input_tokens, output_tokens=output_tokens, gpus=gpus,
        precision=prec, batch=batch_n, batch_max=batch_max, compute_efficiency=mfu,
    )  # fmt: skip
    return InferenceResult(choice, estimate, _price(cat, acc.id, price, provider))
