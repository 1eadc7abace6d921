"""The ``flopfolio`` command line: parse, call one library function, render.

Library errors are caught once, in :func:`run`: a user's mistake prints one red line on stderr
and exits with status 2, never a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from flopfolio.errors import FlopfolioError

app = typer.Typer(
    name="flopfolio",
    help="Plan, price and pool AI compute: FLOPs, memory, time, GPU-hours and dollars, with sources.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
import_app = typer.Typer(help="Import price catalogs and model configs into your user catalog.")
app.add_typer(import_app, name="import")

CatalogOpt = Annotated[
    Path | None,
    typer.Option(
        "--catalog",
        help="User catalog directory (default: $FLOPFOLIO_CATALOG).",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object and nothing else.")]
ExplainOpt = Annotated[bool, typer.Option("--explain", help="Print the derivation step by step.")]
ModelOpt = Annotated[
    str | None,
    typer.Option("--model", help="Preset name (see `flopfolio models`) or a config.json path."),
]
ParamsOpt = Annotated[
    str | None, typer.Option("--params", help="Total parameters, e.g. 7e9 or 70B.")
]
ActiveOpt = Annotated[
    str | None, typer.Option("--active-params", help="Active parameters per token (MoE).")
]
GpuOpt = Annotated[
    str, typer.Option("--gpu", help="Accelerator, any common spelling (H100, A100-80GB, TPUv4).")
]
GpusOpt = Annotated[
    int | None,
    typer.Option("--gpus", help="Number of accelerators (default: the fewest that fit)."),
]
PrecisionOpt = Annotated[
    str | None, typer.Option("--precision", help="bf16, fp16, fp8, fp4, int8, int4, fp32, tf32.")
]
PriceOpt = Annotated[
    str | None, typer.Option("--price", help="USD per accelerator-hour, e.g. 2.5 or '$2.50/h'.")
]
ProviderOpt = Annotated[
    str | None, typer.Option("--provider", help="Price from this provider's offers.")
]
LayersOpt = Annotated[int | None, typer.Option("--layers", help="Shape: transformer layers.")]
HiddenOpt = Annotated[int | None, typer.Option("--hidden", help="Shape: hidden size.")]
HeadsOpt = Annotated[int | None, typer.Option("--heads", help="Shape: attention heads.")]
KvHeadsOpt = Annotated[
    int | None, typer.Option("--kv-heads", help="Shape: key/value heads (GQA/MQA).")
]
FfnOpt = Annotated[int | None, typer.Option("--ffn-hidden", help="Shape: feed-forward width.")]
VocabOpt = Annotated[int | None, typer.Option("--vocab", help="Shape: vocabulary size.")]
SeqOpt = Annotated[int | None, typer.Option("--seq-len", help="Sequence length (training).")]


def _shape(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _print_json(payload: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, default=str) + "\n")


@app.command()
def train(
    tokens: Annotated[str, typer.Option("--tokens", help="Training tokens, e.g. 2e12 or 2T.")],
    gpu: GpuOpt,
    model: ModelOpt = None,
    params: ParamsOpt = None,
    active_params: ActiveOpt = None,
    gpus: GpusOpt = None,
    precision: PrecisionOpt = None,
    mfu: Annotated[
        str | None, typer.Option("--mfu", help="Model FLOPs utilization, e.g. 0.4 or 40%.")
    ] = None,
    price: PriceOpt = None,
    provider: ProviderOpt = None,
    layers: LayersOpt = None,
    hidden: HiddenOpt = None,
    heads: HeadsOpt = None,
    kv_heads: KvHeadsOpt = None,
    ffn_hidden: FfnOpt = None,
    vocab: VocabOpt = None,
    seq_len: SeqOpt = None,
    global_batch_tokens: Annotated[
        str | None,
        typer.Option(
            "--global-batch-tokens",
            help="Tokens per optimizer step (default 4M, 2M under 5B params).",
        ),
    ] = None,
    program_factor: Annotated[
        float | None,
        typer.Option(
            "--program-factor",
            help="Program compute / final-run compute (default 1.5, band 1.2-2.5).",
        ),
    ] = None,
    no_profile: Annotated[
        bool, typer.Option("--no-profile", help="Ignore your calibration profile.")
    ] = False,
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
    explain: ExplainOpt = False,
) -> None:
    """Estimate a training run: the parallel configuration, MFU, and the ideal run, expected run
    (failures, restarts) and program (test runs, ablations) in GPU-hours, days and dollars."""
    from flopfolio.catalog.catalog import load_catalog
    from flopfolio.estimates import estimate_training_run
    from flopfolio.units import parse_fraction

    result = estimate_training_run(
        tokens=tokens, gpu=gpu, model=model, params=params, active_params=active_params,
        shape=_shape(layers=layers, hidden=hidden, heads=heads, kv_heads=kv_heads,
                     ffn_hidden=ffn_hidden, vocab=vocab, seq_len=seq_len),
        gpus=gpus, precision=precision, mfu=parse_fraction(mfu, "--mfu") if mfu else None,
        price=price, provider=provider, global_batch_tokens=global_batch_tokens,
        program_factor=program_factor, use_profile=not no_profile, catalog=load_catalog(catalog),
    )  # fmt: skip
    if as_json:
        _print_json(result.to_dict())
        return
    from flopfolio.cli.render import render_explain, render_training

    render_training(result.to_dict())
    if explain:
        render_explain(result.explain())


@app.command()
def infer(
    gpu: GpuOpt,
    input_tokens: Annotated[int, typer.Option("--input-tokens", help="Prompt tokens per request.")],
    output_tokens: Annotated[
        int, typer.Option("--output-tokens", help="Generated tokens per request.")
    ],
    model: ModelOpt = None,
    params: ParamsOpt = None,
    active_params: ActiveOpt = None,
    gpus: GpusOpt = None,
    precision: PrecisionOpt = None,
    batch: Annotated[
        str | None, typer.Option("--batch", help="Concurrent sequences, or 'max'.")
    ] = None,
    ttft_ms: Annotated[
        float | None, typer.Option("--ttft-ms", help="Latency limit: time to first token.")
    ] = None,
    tpot_ms: Annotated[
        float | None, typer.Option("--tpot-ms", help="Latency limit: time per output token.")
    ] = None,
    activation_precision: Annotated[
        str | None,
        typer.Option(
            "--activation-precision",
            help="Compute precision (default: the weights', or bf16 for weight-only formats).",
        ),
    ] = None,
    kv_precision: Annotated[
        str | None,
        typer.Option(
            "--kv-precision",
            help="KV-cache precision (default: the compute precision, at most 16-bit).",
        ),
    ] = None,
    mfu: Annotated[
        str | None, typer.Option("--mfu", help="Share of peak FLOP/s reached (default: fitted).")
    ] = None,
    requests: Annotated[
        str | None,
        typer.Option(
            "--requests",
            help="Offline batch job of this many requests (e.g. 10M) at the chosen batch; --output-tokens 0 for embeddings.",
        ),
    ] = None,
    price: PriceOpt = None,
    provider: ProviderOpt = None,
    layers: LayersOpt = None,
    hidden: HiddenOpt = None,
    heads: HeadsOpt = None,
    kv_heads: KvHeadsOpt = None,
    ffn_hidden: FfnOpt = None,
    vocab: VocabOpt = None,
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
    explain: ExplainOpt = False,
) -> None:
    """Estimate one serving replica: TTFT, time per token, throughput, memory, $ per 1M tokens."""
    from flopfolio.catalog.catalog import load_catalog
    from flopfolio.estimates import estimate_serving
    from flopfolio.units import parse_fraction

    result = estimate_serving(
        gpu=gpu, input_tokens=input_tokens, output_tokens=output_tokens, model=model,
        params=params, active_params=active_params,
        shape=_shape(layers=layers, hidden=hidden, heads=heads, kv_heads=kv_heads,
                     ffn_hidden=ffn_hidden, vocab=vocab),
        gpus=gpus, precision=precision, activation_precision=activation_precision,
        kv_precision=kv_precision, batch=batch, ttft_ms=ttft_ms, tpot_ms=tpot_ms, requests=requests,
        mfu=parse_fraction(mfu, "--mfu") if mfu else None, price=price, provider=provider,
        catalog=load_catalog(catalog),
    )  # fmt: skip
    if as_json:
        _print_json(result.to_dict())
        return
    from flopfolio.cli.render import render_explain, render_inference

    render_inference(result.to_dict())
    if explain:
        render_explain(result.explain())


@app.command()
def gpus(catalog: CatalogOpt = None, as_json: JsonOpt = False) -> None:
    """The accelerator catalog: dense peaks per precision, memory, bandwidth, with sources."""
    from flopfolio.catalog import CATALOG_VERSION
    from flopfolio.catalog.catalog import load_catalog
    from flopfolio.catalog.views import accelerator_dicts

    rows = accelerator_dicts(load_catalog(catalog))
    if as_json:
        _print_json({"catalog_version": CATALOG_VERSION, "accelerators": rows})
        return
    from flopfolio.cli.render import render_gpus

    render_gpus(rows)


@app.command()
def prices(
    gpu: Annotated[
        str | None, typer.Argument(help="Accelerator (any spelling); all if omitted.")
    ] = None,
    provider: ProviderOpt = None,
    term: Annotated[str | None, typer.Option("--term", help="on_demand, spot, 1y, 3y, ...")] = None,
    history: Annotated[
        bool, typer.Option("--history", help="Include historical (dated) prices.")
    ] = False,
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Offers: provider, region, term and USD per accelerator-hour, cheapest first."""
    from flopfolio.catalog.catalog import load_catalog
    from flopfolio.catalog.views import offer_dicts

    cat = load_catalog(catalog)
    offers = cat.find_offers(gpu, provider=provider, term=term, include_historical=history)
    rows = offer_dicts(offers)
    if as_json:
        _print_json({"offers": rows, "providers": sorted({r["provider"] for r in rows})})
        return
    from flopfolio.cli.render import render_prices

    render_prices(rows)


@app.command()
def models(catalog: CatalogOpt = None, as_json: JsonOpt = False) -> None:
    """Model presets with their published shapes and sources."""
    from flopfolio.catalog.catalog import load_catalog
    from flopfolio.catalog.views import preset_dicts

    rows = preset_dicts(load_catalog(catalog))
    if as_json:
        _print_json({"models": rows})
        return
    from flopfolio.cli.render import render_models

    render_models(rows)


@app.command()
def validate(
    kind: Annotated[str, typer.Argument(help="training or inference")],
    path: Annotated[Path, typer.Argument(help="CSV with the calibration schema.")],
    loo: Annotated[
        bool, typer.Option("--loo", help="Training: also refit without each run and predict it.")
    ] = False,
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Compare predictions with published runs: per-row error and the napkin baseline."""
    from flopfolio.catalog.catalog import load_catalog
    from flopfolio.validation.runs import validate_file

    report = validate_file(kind, path, load_catalog(catalog), leave_one_out=loo).to_dict()
    if as_json:
        _print_json(report)
        return
    from flopfolio.cli.render import render_validation

    render_validation(report)


@app.command()
def capacity(
    workload: Annotated[Path, typer.Argument(help="Workload YAML (see examples/chat-app.yaml).")],
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write a chart: FILE.html (offline) or FILE.png.")
    ] = None,
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Plan serving capacity for a demand curve: policies, accelerators and a hosted API compared."""
    from flopfolio.capacity_plan import load_workload, plan_capacity
    from flopfolio.catalog.catalog import load_catalog

    result = plan_capacity(
        load_workload(workload), base=workload.parent, catalog=load_catalog(catalog)
    )
    payload = result.to_dict()
    if plot is not None:
        from flopfolio.charts import capacity_figure, write_figure

        payload["plot"] = str(write_figure(capacity_figure(result), plot))
    if as_json:
        _print_json(payload)
        return
    from flopfolio.cli.render import render_capacity

    render_capacity(payload)


@app.command()
def image(
    model: Annotated[
        str,
        typer.Option(
            "--model", help="Image model preset (stable-diffusion-xl-base, flux.1-dev, ...)."
        ),
    ],
    gpu: Annotated[
        list[str], typer.Option("--gpu", help="Accelerator; repeat to compare several.")
    ],
    width: Annotated[int, typer.Option("--width", help="Image width in pixels.")] = 1024,
    height: Annotated[int, typer.Option("--height", help="Image height in pixels.")] = 1024,
    steps: Annotated[
        int | None, typer.Option("--steps", help="Denoising steps (default: the model's).")
    ] = None,
    batch: Annotated[int, typer.Option("--batch", help="Images generated together.")] = 1,
    precision: PrecisionOpt = None,
    price: PriceOpt = None,
    provider: ProviderOpt = None,
    images: Annotated[
        str | None, typer.Option("--images", help="A batch job of this many images (e.g. 1M).")
    ] = None,
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Which card for an image model: seconds per image, images per hour, memory, $ per 1,000 images."""
    from flopfolio.catalog.catalog import load_catalog
    from flopfolio.image_plan import compare_image_serving

    result = compare_image_serving(
        model=model, gpus=gpu, width_px=width, height_px=height, steps=steps, batch=batch,
        precision=precision, price=price, provider=provider, images=images, catalog=load_catalog(catalog),
    ).to_dict()  # fmt: skip
    if as_json:
        _print_json(result)
        return
    from flopfolio.cli.render import render_images

    render_images(result)


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
    from flopfolio.contracts import price_contract

    result = price_contract(
        gpu=gpu, gpus=gpus, price=price, provider=provider, usage_months=usage_months or months,
        term_months=term_months, block_days=block_days, spot=spot, spot_overhead=spot_overhead,
        upfront=upfront, after=after, inference_utilization=inference_utilization,
        resale_fraction=resale_fraction, next_gen_month=next_gen_month,
        next_gen_speedup=next_gen_speedup, next_gen_price=next_gen_price, catalog_dir=catalog,
    )  # fmt: skip
    if as_json:
        _print_json(result)
        return
    from flopfolio.cli.render import render_contract

    render_contract(result)


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
    from flopfolio.catalog.catalog import load_catalog
    from flopfolio.roadmap import plan_roadmap

    result = plan_roadmap(roadmap, catalog=load_catalog(catalog), gap=gap)
    if as_json:
        _print_json(result)
        return
    from flopfolio.cli.render import render_plan

    render_plan(result)


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
    from flopfolio.catalog.catalog import load_catalog
    from flopfolio.scale import scale_budget

    result = scale_budget(
        flops=flops, usd=usd, gpu=gpu, price=price, mfu=mfu, available_tokens=available_tokens,
        target_loss=target_loss, inference_tokens=inference_tokens, catalog=load_catalog(catalog),
    )  # fmt: skip
    if as_json:
        _print_json(result)
        return
    from flopfolio.cli.render import render_scale

    render_scale(result)


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
    active_only: Annotated[
        bool, typer.Option("--active-only", help="Only thresholds in force or enacted.")
    ] = False,
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Which regulatory compute thresholds a model (base + fine-tunes) crosses, in FLOPs and dollars."""
    from flopfolio.catalog.catalog import load_catalog
    from flopfolio.threshold import check_model

    result = check_model(
        base_flops=base_flops, base_cost_usd=base_cost_usd, base_params=base_params, base_tokens=base_tokens,
        finetune_flops=finetune_flops, finetune_cost_usd=finetune_cost_usd, finetune_params=finetune_params,
        finetune_tokens=finetune_tokens, active_only=active_only, catalog=load_catalog(catalog),
    )  # fmt: skip
    if as_json:
        _print_json(result)
        return
    from flopfolio.cli.render import render_threshold

    render_threshold(result)


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
    from flopfolio.catalog.catalog import load_catalog
    from flopfolio.tco import total_cost_of_ownership

    result = total_cost_of_ownership(
        gpu=gpu, gpus=gpus, rent=rent, purchase_price=purchase_price, utilization=utilization,
        usd_per_kwh=usd_per_kwh, pue=pue, depreciation_years=depreciation_years, catalog=load_catalog(catalog),
    )  # fmt: skip
    if as_json:
        _print_json(result)
        return
    from flopfolio.cli.render import render_tco

    render_tco(result)


@app.command()
def calibrate(
    gpu: GpuOpt,
    gpus: Annotated[int, typer.Option("--gpus", help="GPUs the measured run used.")],
    model: ModelOpt = None,
    params: ParamsOpt = None,
    precision: PrecisionOpt = None,
    tokens_per_s_per_gpu: Annotated[
        float | None,
        typer.Option("--tokens-per-s-per-gpu", help="Measured training throughput per GPU."),
    ] = None,
    step_time: Annotated[
        float | None, typer.Option("--step-time", help="Measured seconds per optimizer step.")
    ] = None,
    global_batch_tokens: Annotated[
        str | None, typer.Option("--global-batch-tokens", help="Tokens per optimizer step.")
    ] = None,
    log: Annotated[
        Path | None, typer.Option("--log", help="A training log to read the throughput from.")
    ] = None,
    seq_len: SeqOpt = None,
    profile: Annotated[
        Path | None,
        typer.Option(
            "--profile", help="Profile file (default: $FLOPFOLIO_PROFILE or your config dir)."
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report, but do not save to the profile.")
    ] = False,
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Fit the utilization to a run you measured and save it in your calibration profile."""
    from flopfolio.calibrate import calibrate as run_calibration
    from flopfolio.catalog.catalog import load_catalog
    from flopfolio.errors import InvalidSpecError
    from flopfolio.perf.calibration import read_training_log

    source = ""
    if log is not None:
        try:
            reading = read_training_log(log.read_text(encoding="utf-8", errors="replace"))
        except OSError as exc:
            raise InvalidSpecError(f"Cannot read --log {log}: {exc.strerror}.") from None
        source = f"log {log} ({reading.readings} readings, median after warm-up)"
        if reading.kind == "tokens_per_s_per_gpu":
            tokens_per_s_per_gpu = reading.value
        else:
            step_time = reading.value
    result = run_calibration(
        gpu=gpu, gpus=gpus, model=model, params=params, shape=_shape(seq_len=seq_len),
        precision=precision, tokens_per_s_per_gpu=tokens_per_s_per_gpu, step_seconds=step_time,
        global_batch_tokens=global_batch_tokens, source=source, save=not dry_run, profile=profile,
        catalog=load_catalog(catalog),
    )  # fmt: skip
    payload = result.to_dict()
    if as_json:
        _print_json(payload)
        return
    from flopfolio.cli.render import render_calibration

    render_calibration(payload)


@app.command()
def fit(
    kind: Annotated[str, typer.Argument(help="training or inference")],
    path: Annotated[Path, typer.Argument(help="Runs or benchmarks CSV (the calibration schema).")],
    save: Annotated[
        bool, typer.Option("--save", help="Write the constants to your user catalog.")
    ] = False,
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Refit a model's constants on published (or your own) runs or benchmarks."""
    from flopfolio.catalog.catalog import load_catalog
    from flopfolio.validation.refit import refit

    target = _writable_catalog(catalog) if save else None
    payload = refit(kind, path, load_catalog(catalog), save_to=target)
    if as_json:
        _print_json(payload)
        return
    from flopfolio.cli.render import render_fit

    render_fit(payload)


@app.command()
def bench(
    gpu: Annotated[
        str | None,
        typer.Option("--gpu", help="Catalog accelerator this is, to report shares of its peak."),
    ] = None,
    precision: Annotated[
        list[str] | None,
        typer.Option("--precision", help="Repeat for several (fp32, tf32, bf16, fp16)."),
    ] = None,
    device: Annotated[
        str | None,
        typer.Option("--device", help="torch device (default: cuda if present, else cpu)."),
    ] = None,
    small: Annotated[
        bool, typer.Option("--small", help="Tiny sizes: checks the path, measures nothing useful.")
    ] = False,
    profile: Annotated[
        Path | None, typer.Option("--profile", help="Profile file to store the result in.")
    ] = None,
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Measure this machine's accelerator: matmul TFLOP/s, memory bandwidth, a training step's MFU."""
    from flopfolio.bench import BenchSizes, run_bench
    from flopfolio.catalog.catalog import load_catalog
    from flopfolio.catalog.profiles import save_benchmark
    from flopfolio.workload.precision import Precision

    acc = load_catalog(catalog).accelerator(gpu) if gpu else None
    wanted = [Precision.parse(p) for p in precision or []] or [
        acc.default_training_precision() if acc else Precision.FP32
    ]
    peaks = {p: acc.peak(p) for p in wanted if acc.supports(p)} if acc else None
    sizes = (
        BenchSizes(
            matmul_n=256,
            bandwidth_mib=8,
            layers=1,
            hidden=64,
            heads=4,
            seq_len=32,
            batch=2,
            repeats=3,
        )
        if small
        else None
    )
    result = run_bench(wanted, device=device, sizes=sizes, peaks=peaks).to_dict()
    result["saved_to"] = str(save_benchmark(acc.id if acc else result["device"], result, profile))
    if as_json:
        _print_json(result)
        return
    from flopfolio.cli.render import render_bench

    render_bench(result)


@import_app.command("skypilot")
def import_skypilot(
    path: Annotated[Path, typer.Argument(help="A SkyPilot catalog vms.csv (schema v8).")],
    cloud: Annotated[
        str | None,
        typer.Option("--cloud", help="Provider name (default: the parent folder's name)."),
    ] = None,
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Per-instance prices -> per-accelerator offers in your user catalog's offers.csv."""
    from flopfolio.catalog.catalog import load_catalog
    from flopfolio.catalog.importers.skypilot import import_skypilot_csv
    from flopfolio.catalog.user_catalog import write_offers

    target = _writable_catalog(catalog)
    cat = load_catalog(target)
    result = import_skypilot_csv(path, cat.resolver.resolve_id, cloud=cloud)
    total = write_offers(target, result.offers)
    summary = {
        "imported": len(result.offers),
        "rejected": [{"where": r.where, "reason": r.reason} for r in result.rejected],
        "skipped_cpu_only": result.skipped_cpu_only,
        "written_to": str(target / "offers.csv"),
        "rows_in_file": total,
    }
    _report_import(summary, as_json)


@import_app.command("litellm")
def import_litellm(
    path: Annotated[Path, typer.Argument(help="LiteLLM model_prices_and_context_window.json.")],
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Hosted-API prices (chat models) -> your user catalog's api_prices.csv."""
    from flopfolio.catalog.importers.litellm import import_litellm_json
    from flopfolio.catalog.user_catalog import write_api_prices

    target = _writable_catalog(catalog)
    result = import_litellm_json(path)
    total = write_api_prices(target, result.prices)
    summary = {
        "imported": len(result.prices),
        "rejected": [{"where": m, "reason": r} for m, r in result.rejected],
        "skipped_other_modes": result.skipped_other_modes,
        "written_to": str(target / "api_prices.csv"),
        "rows_in_file": total,
    }
    _report_import(summary, as_json)


@import_app.command("hf-config")
def import_hf_config(
    path: Annotated[Path, typer.Argument(help="A Hugging Face config.json.")],
    model_id: Annotated[str, typer.Option("--id", help="Preset name to save it under.")],
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A model shape from a Hugging Face config.json -> your user catalog's models.csv."""
    import datetime as dt

    from flopfolio.catalog.importers.hf_config import spec_from_hf_config_file
    from flopfolio.catalog.user_catalog import model_row, write_model

    target = _writable_catalog(catalog)
    spec = spec_from_hf_config_file(path)
    row = model_row(
        model_id.lower(), spec, f"Hugging Face config.json ({path})", dt.date.today().isoformat()
    )
    write_model(target, row)
    summary = {"imported": 1, "id": model_id.lower(), "params": spec.params,
               "active_params": spec.active_params, "written_to": str(target / "models.csv")}  # fmt: skip
    _report_import(summary, as_json)


def _writable_catalog(explicit: Path | None) -> Path:
    import os

    from flopfolio.catalog._rows import USER_CATALOG_ENV

    chosen = explicit or (
        Path(os.environ[USER_CATALOG_ENV]) if os.environ.get(USER_CATALOG_ENV) else None
    )
    if chosen is None:
        import platformdirs

        chosen = Path(platformdirs.user_data_dir("flopfolio")) / "catalog"
    chosen.mkdir(parents=True, exist_ok=True)
    return chosen


def _report_import(summary: dict[str, Any], as_json: bool) -> None:
    if as_json:
        _print_json(summary)
        return
    from flopfolio.cli.render import render_import

    render_import(summary)


def run() -> None:
    """Console entry point: library errors become one red line and exit status 2."""
    try:
        app()
    except FlopfolioError as exc:
        message = " ".join(str(exc).split())
        sys.stderr.write(
            f"\x1b[31merror: {message}\x1b[0m\n" if sys.stderr.isatty() else f"error: {message}\n"
        )
        raise SystemExit(2) from None
