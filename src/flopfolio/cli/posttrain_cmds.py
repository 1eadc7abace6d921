"""Fine-tuning and post-training commands: finetune (full, LoRA, QLoRA, distillation) and
posttrain rl."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flopfolio.cli.app import app
from flopfolio.cli.options import (
    CatalogOpt,
    ExplainOpt,
    GpuOpt,
    GpusOpt,
    JsonOpt,
    ModelOpt,
    ParamsOpt,
    PriceOpt,
    ProviderOpt,
    emit,
)

posttrain_app = typer.Typer(
    help="Post-training runs: reinforcement learning with rollouts, synthetic data."
)
app.add_typer(posttrain_app, name="posttrain")


@app.command()
def finetune(
    tokens: Annotated[
        str, typer.Option("--tokens", help="Fine-tuning tokens per epoch, e.g. 1e8.")
    ],
    gpu: GpuOpt,
    method: Annotated[
        str, typer.Option("--method", help="full, lora, qlora or distill (a full student).")
    ] = "lora",
    model: ModelOpt = None,
    params: ParamsOpt = None,
    gpus: GpusOpt = None,
    rank: Annotated[int, typer.Option("--rank", help="LoRA rank.")] = 16,
    target: Annotated[
        str,
        typer.Option(
            "--target", help="LoRA targets: q,v | attention | attention+mlp | all-linear."
        ),
    ] = "attention+mlp",
    seq_len: Annotated[int, typer.Option("--seq-len", help="Sequence length.")] = 2048,
    micro_batch: Annotated[
        int, typer.Option("--micro-batch", help="Sequences per GPU per step.")
    ] = 1,
    epochs: Annotated[int, typer.Option("--epochs", help="Passes over the tokens.")] = 1,
    teacher: Annotated[
        str | None, typer.Option("--teacher", help="Distillation: the teacher model preset.")
    ] = None,
    logits: Annotated[
        str, typer.Option("--logits", help="Distillation: stored (once, top-64) or on-the-fly.")
    ] = "stored",
    mfu: Annotated[
        float | None, typer.Option("--mfu", help="Model FLOPs utilization (default by method).")
    ] = None,
    price: PriceOpt = None,
    provider: ProviderOpt = None,
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
    explain: ExplainOpt = False,
) -> None:
    """Estimate a fine-tune: does it fit on one 24 GB card, one 80 GB card, one node (and if not,
    what would), then hours and dollars on the fewest GPUs that hold it."""
    from flopfolio.api.finetune_plan import plan_finetune
    from flopfolio.catalog.catalog import load_catalog

    result, lines = plan_finetune(
        model=model, gpu=gpu, method=method, tokens=tokens, params=params, gpus=gpus, rank=rank,
        target=target, seq_len=seq_len, micro_batch=micro_batch, mfu=mfu, price=price,
        provider=provider, teacher=teacher, epochs=epochs, logits=logits,
        catalog=load_catalog(catalog),
    )  # fmt: skip
    emit(result, as_json, "render_posttrain.render_finetune", lines if explain else None)


@posttrain_app.command("rl")
def posttrain_rl(
    run_file: Annotated[Path, typer.Argument(help="RL run YAML (see examples/rl-grpo.yaml).")],
    samples_per_prompt: Annotated[
        int | None,
        typer.Option("--samples-per-prompt", help="Override the file's samples per prompt."),
    ] = None,
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
    explain: ExplainOpt = False,
) -> None:
    """Estimate an RL run: rollout (serving model), scoring and update (training model) — time
    and dollars by phase, on one pool or two."""
    from flopfolio.api.finetune_plan import plan_rl
    from flopfolio.catalog.catalog import load_catalog

    result, lines, _ = plan_rl(
        run_file, samples_per_prompt=samples_per_prompt, catalog=load_catalog(catalog)
    )
    emit(result, as_json, "render_posttrain.render_rl", lines if explain else None)


@posttrain_app.command("synthetic")
def posttrain_synthetic(
    tokens: Annotated[str, typer.Option("--tokens", help="Output tokens to generate, e.g. 1e9.")],
    model: Annotated[str, typer.Option("--model", help="Generator model preset.")],
    gpu: GpuOpt,
    api: Annotated[
        str | None, typer.Option("--api", help="Hosted-API model to compare (api_prices.csv name).")
    ] = None,
    prompt_ratio: Annotated[
        float, typer.Option("--prompt-ratio", help="Prompt tokens sent per token generated.")
    ] = 1.0,
    price: PriceOpt = None,
    provider: ProviderOpt = None,
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
    explain: ExplainOpt = False,
) -> None:
    """Synthetic data: generating tokens self-hosted against a hosted API, and the cheaper one."""
    from flopfolio.api.finetune_plan import plan_synthetic
    from flopfolio.catalog.catalog import load_catalog

    result = plan_synthetic(
        tokens=tokens, model=model, gpu=gpu, api=api, prompt_ratio=prompt_ratio, price=price,
        provider=provider, catalog=load_catalog(catalog),
    )  # fmt: skip
    emit(
        result,
        as_json,
        "render_posttrain.render_synthetic",
        result["assumptions"] if explain else None,
    )
