"""The library's front door for estimates: names and strings in, explained results out.

``estimate_training_run`` and ``estimate_serving`` resolve the accelerator and model through the
catalog, call the pure models in ``perf``/``economics``, and return results that render to the
JSON contract in DESIGN.md (``to_dict``) and to a derivation (``explain``). The CLI and the web
service both call these, so they show the same numbers.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flopfolio.api.model_input import choose_model
from flopfolio.catalog.catalog import Catalog, load_catalog
from flopfolio.catalog.profiles import load_profile
from flopfolio.economics.pricing import PriceChoice, choose_price
from flopfolio.perf.batch_job import batch_job
from flopfolio.perf.goodput import EVAL_FRACTION, PROGRAM_FACTOR, PROGRAM_FACTOR_BAND
from flopfolio.perf.inference import constants_for, estimate_inference
from flopfolio.perf.step_time import StepConstants
from flopfolio.perf.training import estimate_training
from flopfolio.planning.uncertainty import RunUncertainty, simulate
from flopfolio.results.inference import InferenceResult
from flopfolio.results.training import TrainingResult
from flopfolio.specs.precision import Precision
from flopfolio.units import parse_count, parse_price
from flopfolio.workload.memory import Recompute


def _prepare(
    catalog: Catalog | None, gpu: str, precision: str | None
) -> tuple[Catalog, Any, Precision | None]:
    cat = catalog or load_catalog()
    return cat, cat.accelerator(gpu), Precision.parse(precision) if precision else None


def price_for(
    cat: Catalog, accelerator_id: str, price: str | float | None, provider: str | None
) -> PriceChoice | None:
    """The price a command uses: the user's ``--price``, else the catalog's offers (``provider``)."""
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
    global_batch_tokens: str | float | None = None,
    program_factor: float | None = None,
    recompute: str | None = None,
    use_profile: bool = True,
    catalog: Catalog | None = None,
) -> TrainingResult:
    """Estimate a training run from user-level inputs (see ``flopfolio train --help``)."""
    cat, acc, prec = _prepare(catalog, gpu, precision)
    choice = choose_model(cat, model, params=params, active_params=active_params, shape=shape)
    fitted = cat.utilization
    profile = load_profile().get(acc.id) if use_profile and mfu is None else None
    estimate = estimate_training(
        choice.spec, parse_count(tokens, "--tokens"), acc, StepConstants(*fitted.values),
        model_log_sd=fitted.residual_log_sd, gpus=gpus, precision=prec, mfu=mfu,
        mfu_scale=(profile.mfu_scale, f"{profile.setup}, {profile.date}") if profile else None,
        seq_len=(shape or {}).get("seq_len"),
        global_batch_tokens=parse_count(global_batch_tokens, "--global-batch-tokens") if global_batch_tokens else None,
        program_factor=program_factor or PROGRAM_FACTOR,
        recompute=Recompute.parse(recompute) if recompute else None,
    )  # fmt: skip
    price_choice = price_for(cat, acc.id, price, provider)
    band = (program_factor, program_factor) if program_factor else PROGRAM_FACTOR_BAND
    uncertainty = RunUncertainty(
        ideal_gpu_hours=estimate.ideal_gpu_hours,
        mfu=estimate.utilization.mfu,
        mfu_log_sd=estimate.utilization.log_sd,
        gpus=estimate.gpus,
        checkpoint_hours=estimate.goodput.checkpoint_hours,
        production_overhead=estimate.goodput.production_overhead,
        price_choices=[o.usd_per_gpu_hour for o in price_choice.offers]
        or [price_choice.usd_per_gpu_hour.central]
        if price_choice
        else [],
        program_factor=estimate.program_factor,
        program_factor_band=(band[0] * (1 + EVAL_FRACTION), band[1] * (1 + EVAL_FRACTION)),
    )
    return TrainingResult(choice, estimate, price_choice, simulate(uncertainty))


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
    activation_precision: str | None = None,
    kv_precision: str | None = None,
    batch: int | str | None = None,
    ttft_ms: float | None = None,
    tpot_ms: float | None = None,
    mfu: float | None = None,
    price: str | float | None = None,
    provider: str | None = None,
    requests: str | float | None = None,
    attention_dp: bool | None = None,
    catalog: Catalog | None = None,
) -> InferenceResult:
    """Estimate one serving replica from user-level inputs (see ``flopfolio infer --help``).
    ``mfu`` replaces the fitted compute efficiency; ``requests`` adds an offline batch job of that
    many requests (GPU-hours and cost); ``attention_dp`` picks an MoE model's layout, attention
    data parallel (True) or tensor parallel (False), None for the serving model's default."""
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
    fitted = constants_for(acc, cat.serving.values)
    if mfu is not None:
        fitted = dataclasses.replace(fitted, compute_efficiency=mfu)
    estimate = estimate_inference(
        choice.spec, acc, input_tokens=input_tokens, output_tokens=output_tokens, constants=fitted,
        gpus=gpus, precision=prec,
        activation_precision=Precision.parse(activation_precision) if activation_precision else None,
        kv_precision=Precision.parse(kv_precision) if kv_precision else None,
        batch=batch_n, batch_max=batch_max, ttft_ms=ttft_ms, tpot_ms=tpot_ms,
        log_sd=cat.serving.residual_log_sd, attention_dp=attention_dp,
    )  # fmt: skip
    job = batch_job(estimate, parse_count(requests, "--requests")) if requests is not None else None
    return InferenceResult(choice, estimate, price_for(cat, acc.id, price, provider), job)
