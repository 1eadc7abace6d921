"""Tables for `flopfolio finetune` and `flopfolio posttrain rl` (render.py is long enough)."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from flopfolio.cli.render import console


def _range(b: dict[str, float] | None, unit: str = "", money: bool = False) -> str:
    if b is None:
        return "—"
    if money:
        return f"${b['central']:,.0f}  (${b['low']:,.0f} – ${b['high']:,.0f})"
    return f"{b['central']:,.1f}{unit}  ({b['low']:,.1f} – {b['high']:,.1f})"


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def render_finetune(d: dict[str, Any]) -> None:
    fit, mem = d["fit"], d["memory_gib"]
    table = Table(
        title=f"Fine-tune ({d['method']}) — {d['model']} on {d['accelerator']}",
        title_justify="left", show_header=False,
    )  # fmt: skip
    table.add_column(style="bold")
    table.add_column()
    one = "fits on one GPU" if fit["one_card"] else "does not fit on one GPU"
    table.add_row("Fits", f"{one}; {fit['answer']}")
    table.add_row(
        "One GPU",
        f"{fit['one_gpu_gib']:.1f} GiB: 24 GB card {_yes(fit['one_24gb_card'])}, 80 GB card "
        f"{_yes(fit['one_80gb_card'])}, one node of {fit['node_size']} {_yes(fit['one_node'])}",
    )
    if fit["would_fit"]:
        table.add_row("Would fit", "; ".join(fit["would_fit"]))
    table.add_row(
        f"Memory / GPU ({d['gpus']})",
        f"{mem['total']:.1f} GiB = weights {mem['frozen_weights'] + mem['trainable_weights']:.1f} "
        f"+ grads {mem['gradients']:.1f} + optimizer {mem['optimizer']:.1f} + activations "
        f"{mem['activations']:.1f} + logits {mem['logits']:.1f} + other {mem['other']:.1f}",
    )
    table.add_row("Trains", f"{d['trainable_params']:.3g} parameters; {d['model_flops']:.3g} FLOPs")
    table.add_row("Wall-clock", _range(d["wall_hours"], " h"))
    table.add_row("GPU-hours", _range(d["gpu_hours"]))
    table.add_row("Cost", _range(d["cost_usd"], money=True))
    teacher = d.get("teacher")
    if teacher:
        table.add_row(
            "Teacher",
            f"{teacher['model']} ({teacher['logits']}): {_range(teacher['wall_hours'], ' h')}, "
            f"{_range(teacher['cost_usd'], money=True)}; logits {teacher['logit_storage_gb']:,.0f} GB",
        )
    table.add_row("Price", d["price_basis"])
    console.print(table)


def render_rl(d: dict[str, Any]) -> None:
    table = Table(
        title=f"RL run — {d['policy']} on {d['accelerator']}",
        title_justify="left",
    )
    for column in ("phase", "GPUs", "wall h", "GPU-hours", "cost", "share"):
        table.add_column(column, justify="left" if column == "phase" else "right")
    for name, p in d["phases"].items():
        table.add_row(
            name, f"{p['pool_gpus']:,}", f"{p['wall_hours']['central']:,.1f}",
            f"{p['gpu_hours']['central']:,.0f}", f"${p['cost_usd']['central']:,.0f}",
            f"{p['share']:.0%}",
        )  # fmt: skip
    console.print(table)
    console.print(
        f"{d['rollouts']:,.0f} rollouts ({d['samples_per_prompt']} per prompt) on "
        f"{'one pool' if d['colocated'] else 'two pools'}: {_range(d['wall_hours'], ' h')} wall-clock, {_range(d['cost_usd'], money=True)}; "
        f"rollouts are {d['rollout_share']:.0%} of the GPU-hours. Price: {d['price_basis']}",
        highlight=False,
    )


def render_synthetic(d: dict[str, Any]) -> None:
    api = (
        "no API to compare (give --api)" if d["api"] is None else f"{d['api']} ${d['api_usd']:,.0f}"
    )
    console.print(
        f"Synthetic data: {d['output_tokens']:,.0f} tokens with {d['model']} — self-hosted on "
        f"{d['replica_gpus']} × {d['accelerator']} (batch {d['replica_batch']}): "
        f"{_range(d['self_hosted_hours'], ' h')}, {_range(d['self_hosted_usd'], money=True)}; "
        f"API: {api}. Cheaper: {d['cheaper']}{'' if d['clear_cut'] else ' (within the band)'}. "
        f"Price: {d['price_basis']}",
        highlight=False,
    )
