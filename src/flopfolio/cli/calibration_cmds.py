"""Calibration commands: calibrate, fit, bench."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flopfolio.cli.app import app, import_app  # noqa: F401
from flopfolio.cli.options import (
    CatalogOpt,
    GpuOpt,
    JsonOpt,
    ModelOpt,
    ParamsOpt,
    PrecisionOpt,
    RecomputeOpt,
    SeqOpt,
    emit,
    shape,
    writable_catalog,
)


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
    recompute: RecomputeOpt = None,
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
    from flopfolio.api.calibrate import calibrate as run_calibration
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
        gpu=gpu, gpus=gpus, model=model, params=params, shape=shape(seq_len=seq_len),
        precision=precision, tokens_per_s_per_gpu=tokens_per_s_per_gpu, step_seconds=step_time,
        global_batch_tokens=global_batch_tokens, recompute=recompute, source=source,
        save=not dry_run, profile=profile, catalog=load_catalog(catalog),
    )  # fmt: skip
    payload = result.to_dict()
    emit(payload, as_json, "render_calibration")


@app.command()
def fit(
    kind: Annotated[str, typer.Argument(help="training or inference")],
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Runs or benchmarks CSVs (the calibration schema), fitted together."),
    ] = None,
    published: Annotated[
        bool,
        typer.Option(
            "--published",
            help="Fit on the published files the shipped constants come from (no paths needed).",
        ),
    ] = False,
    save: Annotated[
        bool, typer.Option("--save", help="Write the constants to your user catalog.")
    ] = False,
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Refit a model's constants on published (or your own) runs or benchmarks."""
    from flopfolio.catalog.catalog import load_catalog
    from flopfolio.errors import InvalidSpecError
    from flopfolio.validation.published import shipped_fit_paths
    from flopfolio.validation.refit import refit

    if published == bool(paths):
        raise InvalidSpecError(
            "Give the CSVs to fit or --published, one of the two. "
            "To fix: e.g. `flopfolio fit inference --published`."
        )
    sources = shipped_fit_paths(kind) if published else list(paths or [])
    target = writable_catalog(catalog) if save else None
    payload = refit(kind, sources, load_catalog(catalog), save_to=target)
    emit(payload, as_json, "render_fit")


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
    from flopfolio.api.bench import BenchSizes, gemm_fit_report, run_bench, time_layout_search
    from flopfolio.catalog.catalog import load_catalog
    from flopfolio.catalog.profiles import save_benchmark
    from flopfolio.perf.step_time import StepConstants
    from flopfolio.specs.precision import Precision

    cat = load_catalog(catalog)
    acc = cat.accelerator(gpu) if gpu else None
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
            gemm_tokens=64,
            gemm_widths=(16, 32, 64),
        )
        if small
        else None
    )
    measured = run_bench(wanted, device=device, sizes=sizes, peaks=peaks)
    result = measured.to_dict()
    if acc and acc.supports(wanted[0]):
        fitted = StepConstants(*cat.utilization.values)
        result["gemm_fit"] = gemm_fit_report(measured, acc, wanted[0], fitted)
    result["saved_to"] = str(save_benchmark(acc.id if acc else result["device"], result, profile))
    result["layout_search"] = time_layout_search(cat)  # flopfolio's own speed, on this CPU
    emit(result, as_json, "render_bench")
