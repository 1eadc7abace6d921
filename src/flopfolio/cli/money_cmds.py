"""Money commands: contract, plan, scale, threshold, tco."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flopfolio.cli.app import app, import_app  # noqa: F401
from flopfolio.cli.options import (
    CatalogOpt,
    GpuOpt,
    JsonOpt,
    PriceOpt,
    ProviderOpt,
    emit,
)


@app.command()
def contract(
    gpu: GpuOpt,
    gpus: Annotated[float, typer.Option("--gpus", help="GPUs contracted.")],
    price: PriceOpt = None,
    provider: ProviderOpt = None,
    months: Annotated[
        float | None,
        typer.Option("--months", help="Months of use (and of the contract, unless --term-months)."),
    ] = None,
    usage_months: Annotated[
        float | None,
        typer.Option("--usage-months", help="Months you need the GPUs (same as --months)."),
    ] = None,
    term_months: Annotated[
        float | None,
        typer.Option("--term-months", help="Committed term in months (pay for all of it)."),
    ] = None,
    block_days: Annotated[
        float | None,
        typer.Option("--block-days", help="A capacity block of this many days instead of a term."),
    ] = None,
    spot: Annotated[bool, typer.Option("--spot", help="Spot capacity (interruptible).")] = False,
    spot_overhead: Annotated[
        float, typer.Option("--spot-overhead", help="Work redone after interruptions.")
    ] = 0.10,
    upfront: Annotated[
        bool, typer.Option("--upfront", help="Pay the whole term in month 0.")
    ] = False,
    after: Annotated[
        str, typer.Option("--after", help="Leftover term: idle, inference or resell.")
    ] = "idle",
    inference_utilization: Annotated[
        float,
        typer.Option("--inference-utilization", help="Share of leftover hours inference uses."),
    ] = 0.6,
    resale_fraction: Annotated[
        float,
        typer.Option("--resale-fraction", help="Share of the price recovered when reselling."),
    ] = 0.5,
    next_gen_month: Annotated[
        float | None, typer.Option("--next-gen-month", help="Month a faster generation arrives.")
    ] = None,
    next_gen_speedup: Annotated[
        float,
        typer.Option("--next-gen-speedup", help="Its work per GPU-hour, relative (default 2.5)."),
    ] = 2.5,
    next_gen_price: Annotated[
        float | None,
        typer.Option("--next-gen-price", help="Its USD per GPU-hour (default: the same)."),
    ] = None,
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What a job costs under a contract, the multiplier when the term outlasts the need, and what
    a next generation strands."""
    from flopfolio.api.contract_quote import price_contract

    result = price_contract(
        gpu=gpu, gpus=gpus, price=price, provider=provider, usage_months=usage_months or months,
        term_months=term_months, block_days=block_days, spot=spot, spot_overhead=spot_overhead,
        upfront=upfront, after=after, inference_utilization=inference_utilization,
        resale_fraction=resale_fraction, next_gen_month=next_gen_month,
        next_gen_speedup=next_gen_speedup, next_gen_price=next_gen_price, catalog_dir=catalog,
    )  # fmt: skip
    emit(result, as_json, "render_contract")


@app.command()
def plan(
    roadmap: Annotated[Path, typer.Argument(help="Roadmap YAML (see examples/roadmap.yaml).")],
    gap: Annotated[
        float, typer.Option("--gap", help="Accept a plan within this share of optimal.")
    ] = 0.01,
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Optimise procurement for a roadmap: offers × terms × start months × quantities (MILP)."""
    from flopfolio.api.roadmap import plan_roadmap
    from flopfolio.catalog.catalog import load_catalog

    result = plan_roadmap(roadmap, catalog=load_catalog(catalog), gap=gap)
    emit(result, as_json, "render_plan")


@app.command()
def scale(
    flops: Annotated[
        str | None, typer.Option("--flops", help="Training compute budget in FLOPs, e.g. 5.76e23.")
    ] = None,
    usd: Annotated[
        str | None, typer.Option("--usd", help="Or a dollar budget (with --gpu).")
    ] = None,
    gpu: Annotated[
        str | None, typer.Option("--gpu", help="Accelerator for a dollar budget.")
    ] = None,
    price: PriceOpt = None,
    mfu: Annotated[float, typer.Option("--mfu", help="Utilization for a dollar budget.")] = 0.4,
    available_tokens: Annotated[
        str | None,
        typer.Option("--available-tokens", help="Training data you have (warns if short)."),
    ] = None,
    target_loss: Annotated[
        float | None,
        typer.Option("--target-loss", help="Inference-aware sizing for this loss (nats)."),
    ] = None,
    inference_tokens: Annotated[
        str | None, typer.Option("--inference-tokens", help="Lifetime tokens the model will serve.")
    ] = None,
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Compute-optimal parameters and tokens for a budget (Chinchilla-family laws), and
    inference-aware sizing."""
    from flopfolio.api.budget_sizing import scale_budget
    from flopfolio.catalog.catalog import load_catalog

    result = scale_budget(
        flops=flops, usd=usd, gpu=gpu, price=price, mfu=mfu, available_tokens=available_tokens,
        target_loss=target_loss, inference_tokens=inference_tokens, catalog=load_catalog(catalog),
    )  # fmt: skip
    emit(result, as_json, "render_scale")


@app.command()
def threshold(
    base_flops: Annotated[
        str | None, typer.Option("--base-flops", help="Base model training FLOPs.")
    ] = None,
    base_cost_usd: Annotated[
        str | None, typer.Option("--base-cost-usd", help="Base model training cost.")
    ] = None,
    base_params: Annotated[
        str | None, typer.Option("--base-params", help="Or: base parameters (with --base-tokens).")
    ] = None,
    base_tokens: Annotated[
        str | None, typer.Option("--base-tokens", help="Base training tokens.")
    ] = None,
    finetune_flops: Annotated[
        str | None, typer.Option("--finetune-flops", help="Fine-tune FLOPs.")
    ] = None,
    finetune_cost_usd: Annotated[
        str | None, typer.Option("--finetune-cost-usd", help="Fine-tune cost.")
    ] = None,
    finetune_params: Annotated[
        str | None,
        typer.Option("--finetune-params", help="Or: parameters trained (with --finetune-tokens)."),
    ] = None,
    finetune_tokens: Annotated[
        str | None, typer.Option("--finetune-tokens", help="Fine-tune tokens.")
    ] = None,
    finetune_result: Annotated[
        list[Path] | None,
        typer.Option(
            "--finetune-result",
            help="A `flopfolio finetune --json` output file; repeat for several fine-tunes.",
        ),
    ] = None,
    active_only: Annotated[
        bool, typer.Option("--active-only", help="Only thresholds in force or enacted.")
    ] = False,
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Which regulatory compute thresholds a model (base + fine-tunes) crosses, in FLOPs and dollars."""
    from flopfolio.api.threshold_check import check_model
    from flopfolio.catalog.catalog import load_catalog

    result = check_model(
        base_flops=base_flops, base_cost_usd=base_cost_usd, base_params=base_params, base_tokens=base_tokens,
        finetune_flops=finetune_flops, finetune_cost_usd=finetune_cost_usd, finetune_params=finetune_params,
        finetune_tokens=finetune_tokens, finetune_results=finetune_result or [],
        active_only=active_only, catalog=load_catalog(catalog),
    )  # fmt: skip
    emit(result, as_json, "render_threshold")


@app.command()
def tco(
    gpu: GpuOpt,
    gpus: Annotated[float, typer.Option("--gpus", help="Fleet size.")] = 1000,
    rent: Annotated[
        str | None,
        typer.Option("--rent", help="Rental price per GPU-hour (default: cheapest ≥1-year offer)."),
    ] = None,
    purchase_price: Annotated[
        float | None, typer.Option("--purchase-price", help="USD per GPU (default: catalog).")
    ] = None,
    utilization: Annotated[
        float, typer.Option("--utilization", help="Share of hours the owned GPUs are used.")
    ] = 0.8,
    usd_per_kwh: Annotated[float, typer.Option("--usd-per-kwh", help="Electricity price.")] = 0.10,
    pue: Annotated[
        float, typer.Option("--pue", help="Data-centre power usage effectiveness.")
    ] = 1.3,
    depreciation_years: Annotated[
        float, typer.Option("--depreciation-years", help="Useful life.")
    ] = 4.0,
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Rent or own: owned cost per GPU-hour (capex, power, space, staff), break-even utilization,
    and the spend above which owning a data center pays."""
    from flopfolio.api.rent_or_own import total_cost_of_ownership
    from flopfolio.catalog.catalog import load_catalog

    result = total_cost_of_ownership(
        gpu=gpu, gpus=gpus, rent=rent, purchase_price=purchase_price, utilization=utilization,
        usd_per_kwh=usd_per_kwh, pue=pue, depreciation_years=depreciation_years, catalog=load_catalog(catalog),
    )  # fmt: skip
    emit(result, as_json, "render_tco")
