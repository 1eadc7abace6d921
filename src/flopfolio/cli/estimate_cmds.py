"""Estimate commands: train, infer, image, capacity, and the catalog views."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flopfolio.cli.app import app, import_app  # noqa: F401
from flopfolio.cli.options import (
    ActiveOpt,
    CatalogOpt,
    ExplainOpt,
    FfnOpt,
    GpuOpt,
    GpusOpt,
    HeadsOpt,
    HiddenOpt,
    JsonOpt,
    KvHeadsOpt,
    LayersOpt,
    ModelOpt,
    ParamsOpt,
    PrecisionOpt,
    PriceOpt,
    ProviderOpt,
    RecomputeOpt,
    SeqOpt,
    VocabOpt,
    emit,
    shape,
)


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
    recompute: RecomputeOpt = None,
    no_profile: Annotated[
        bool, typer.Option("--no-profile", help="Ignore your calibration profile.")
    ] = False,
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
    explain: ExplainOpt = False,
) -> None:
    """Estimate a training run: the parallel configuration, MFU, and the ideal run, expected run
    (failures, restarts) and program (test runs, ablations) in GPU-hours, days and dollars."""
    from flopfolio.api.estimates import estimate_training_run
    from flopfolio.catalog.catalog import load_catalog
    from flopfolio.units import parse_fraction

    result = estimate_training_run(
        tokens=tokens, gpu=gpu, model=model, params=params, active_params=active_params,
        shape=shape(layers=layers, hidden=hidden, heads=heads, kv_heads=kv_heads,
                     ffn_hidden=ffn_hidden, vocab=vocab, seq_len=seq_len),
        gpus=gpus, precision=precision, mfu=parse_fraction(mfu, "--mfu") if mfu else None,
        price=price, provider=provider, global_batch_tokens=global_batch_tokens,
        program_factor=program_factor, recompute=recompute, use_profile=not no_profile,
        catalog=load_catalog(catalog),
    )  # fmt: skip
    emit(result.to_dict(), as_json, "render_training", result.explain() if explain else None)


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
    attention_dp: Annotated[
        bool | None,
        typer.Option(
            "--attention-dp/--tensor-parallel",
            help="MoE layout: attention data parallel over the GPUs with the experts spread across them, or tensor parallel (default: tensor parallel; for MLA models the faster that fits).",
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
    from flopfolio.api.estimates import estimate_serving
    from flopfolio.catalog.catalog import load_catalog
    from flopfolio.units import parse_fraction

    result = estimate_serving(
        gpu=gpu, input_tokens=input_tokens, output_tokens=output_tokens, model=model,
        params=params, active_params=active_params,
        shape=shape(layers=layers, hidden=hidden, heads=heads, kv_heads=kv_heads,
                     ffn_hidden=ffn_hidden, vocab=vocab),
        gpus=gpus, precision=precision, activation_precision=activation_precision,
        kv_precision=kv_precision, batch=batch, ttft_ms=ttft_ms, tpot_ms=tpot_ms, requests=requests,
        mfu=parse_fraction(mfu, "--mfu") if mfu else None, price=price, provider=provider,
        attention_dp=attention_dp, catalog=load_catalog(catalog),
    )  # fmt: skip
    emit(result.to_dict(), as_json, "render_inference", result.explain() if explain else None)


@app.command()
def gpus(catalog: CatalogOpt = None, as_json: JsonOpt = False) -> None:
    """The accelerator catalog: dense peaks per precision, memory, bandwidth, with sources."""
    from flopfolio.catalog import CATALOG_VERSION
    from flopfolio.catalog.catalog import load_catalog
    from flopfolio.catalog.views import accelerator_dicts

    rows = accelerator_dicts(load_catalog(catalog))
    emit({"catalog_version": CATALOG_VERSION, "accelerators": rows}, as_json, "render_gpus")


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
    payload = {"offers": rows, "providers": sorted({r["provider"] for r in rows})}
    emit(payload, as_json, "render_prices")


@app.command()
def models(catalog: CatalogOpt = None, as_json: JsonOpt = False) -> None:
    """Model presets with their published shapes and sources."""
    from flopfolio.catalog.catalog import load_catalog
    from flopfolio.catalog.views import preset_dicts

    rows = preset_dicts(load_catalog(catalog))
    emit({"models": rows}, as_json, "render_models")


@app.command()
def validate(
    kind: Annotated[str, typer.Argument(help="training or inference")],
    path: Annotated[
        str | None,
        typer.Argument(
            help="CSV with the calibration schema; with --published, the name of a shipped file."
        ),
    ] = None,
    published: Annotated[
        bool,
        typer.Option(
            "--published",
            help="Judge the published runs shipped with flopfolio (training_runs.csv, "
            "inference_bench.csv, or the file named: training_runs_moe.csv, "
            "inference_bench_moe_fp4.csv).",
        ),
    ] = False,
    loo: Annotated[
        bool, typer.Option("--loo", help="Also refit without each row and predict it.")
    ] = False,
    cv: Annotated[
        str | None,
        typer.Option(
            "--cv",
            help="Held-out figures: 'run' (as --loo) or 'family' (refit without the row's whole "
            "model family, then predict it).",
        ),
    ] = None,
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Compare predictions with published runs: per-row error and the napkin baseline."""
    from flopfolio.catalog.catalog import load_catalog
    from flopfolio.errors import InvalidSpecError
    from flopfolio.validation.published import published_path
    from flopfolio.validation.runs import validate_file

    if published:
        source: Path = published_path(kind, path)
    elif path is None:
        raise InvalidSpecError(
            "No file to validate. To fix: pass a CSV with the calibration schema, or --published."
        )
    else:
        source = Path(path)
    report = validate_file(
        kind,
        source,
        load_catalog(catalog),
        leave_one_out=loo or cv is not None,
        held_out_by=cv or "run",  # type: ignore[arg-type]  # checked by validate_file
    ).to_dict()
    emit(report, as_json, "render_validation")


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
    from flopfolio.api.capacity_plan import load_workload, plan_capacity
    from flopfolio.catalog.catalog import load_catalog

    result = plan_capacity(
        load_workload(workload), base=workload.parent, catalog=load_catalog(catalog)
    )
    payload = result.to_dict()
    if plot is not None:
        from flopfolio.charts.capacity_chart import capacity_figure, write_figure

        payload["plot"] = str(write_figure(capacity_figure(result), plot))
    emit(payload, as_json, "render_capacity")


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
    from flopfolio.api.image_plan import compare_image_serving
    from flopfolio.catalog.catalog import load_catalog

    result = compare_image_serving(
        model=model, gpus=gpu, width_px=width, height_px=height, steps=steps, batch=batch,
        precision=precision, price=price, provider=provider, images=images, catalog=load_catalog(catalog),
    ).to_dict()  # fmt: skip
    emit(result, as_json, "render_images")
