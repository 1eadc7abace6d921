"""Rich tables for people. Only formatting lives here: every number arrives computed."""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console
from rich.table import Table

# In a pipe rich would wrap at 80 columns; a fixed width keeps tables readable and output stable.
console = Console(width=None if sys.stdout.isatty() else 110)


def _money(value: float | None) -> str:
    return "—" if value is None else f"${value:,.0f}"


def _range(low: float | None, mid: float | None, high: float | None, fmt: str = "{:,.0f}") -> str:
    if mid is None or low is None or high is None:
        return "—"
    return f"{fmt.format(mid)}  ({fmt.format(low)} – {fmt.format(high)})"


def render_training(d: dict[str, Any]) -> None:
    a = d["assumptions"]
    table = Table(
        title=f"Training estimate — {a['model']}", show_header=False, title_justify="left"
    )
    table.add_column(style="bold")
    table.add_column()
    table.add_row("Accelerator", f"{d['gpus']} × {a['accelerator']['id']} ({a['precision']})")
    table.add_row("FLOPs", f"{d['flops']:.3e}  (6ND: {d['flops_6nd']:.3e})")
    table.add_row("MFU", f"{d['mfu']:.2f}  — {a['mfu_source']}")
    table.add_row("GPU-hours", _range(d["gpu_hours_low"], d["gpu_hours"], d["gpu_hours_high"]))
    table.add_row(
        "Wall-clock days",
        _range(d["wall_days_low"], d["wall_days"], d["wall_days_high"], "{:,.1f}"),
    )
    price = a["price"]
    table.add_row("Price / GPU-hour", price["basis"])
    table.add_row("Cost", _range(d["cost_usd_low"], d["cost_usd"], d["cost_usd_high"], "${:,.0f}"))
    fits = "[green]fits[/green]" if d["fits"] else "[red]does not fit[/red]"
    table.add_row(
        "Memory / GPU",
        f"{d['memory_per_gpu_gib']:.1f} GiB of {a['accelerator']['memory_gib']:g} — {fits}",
    )
    layout = a["layout"]
    table.add_row(
        "Layout",
        f"TP {layout['tensor_parallel']} × DP {layout['data_parallel']}, {layout['sharding']}, "
        f"{layout['recompute']} recompute, seq {layout['seq_len']}",
    )
    console.print(table)


def render_inference(d: dict[str, Any]) -> None:
    a = d["assumptions"]
    table = Table(title=f"Serving estimate — {a['model']}", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    table.add_row("Accelerator", f"{d['gpus']} × {a['accelerator']['id']} ({a['precision']})")
    table.add_row(
        "FLOPs / token", f"{d['flops_per_token']:.3e}  (2N: {d['flops_per_token_2n']:.3e})"
    )
    table.add_row("Batch", f"{d['batch']}  (max {d['max_batch']})")
    table.add_row(
        "TTFT (batch at once)",
        _range(d["ttft_ms_low"], d["ttft_ms"], d["ttft_ms_high"], "{:,.1f} ms"),
    )
    table.add_row(
        "Time / output token",
        _range(d["tpot_ms_low"], d["tpot_ms"], d["tpot_ms_high"], "{:,.2f} ms"),
    )
    table.add_row(
        "Output tokens / s",
        _range(
            d["output_tokens_per_s_low"], d["output_tokens_per_s"], d["output_tokens_per_s_high"]
        ),
    )
    fits = "[green]fits[/green]" if d["fits"] else "[red]does not fit[/red]"
    table.add_row("Memory / GPU", f"{d['memory_per_gpu_gib']:.1f} GiB — {fits}")
    table.add_row(
        "$ / 1M output tokens",
        _range(
            d["usd_per_million_output_tokens_low"], d["usd_per_million_output_tokens"],
            d["usd_per_million_output_tokens_high"], "${:,.3f}",
        ),
    )  # fmt: skip
    table.add_row("Price basis", a["price"]["basis"])
    console.print(table)


def render_explain(lines: list[str]) -> None:
    console.print("[bold]Derivation[/bold]")
    for line in lines:
        console.print(f"  {line}", highlight=False, markup=False)


def _rate(tflops: float | None) -> str:
    return "—" if tflops is None else f"{tflops:,.0f}"


def render_gpus(rows: list[dict[str, Any]]) -> None:
    table = Table(title=f"Accelerators ({len(rows)})", title_justify="left")
    for column in ("id", "vendor", "GiB", "GB/s", "bf16/fp16", "fp8", "fp4", "TDP W", "as of"):
        table.add_column(column, justify="right" if column not in ("id", "vendor") else "left")
    for r in rows:
        peaks = r["peak_tflops"]
        table.add_row(
            r["id"], r["vendor"], f"{r['memory_gib']:g}", f"{r['memory_bw_gb_per_s']:,.0f}",
            _rate(peaks.get("bf16") or peaks.get("fp16")),
            _rate(peaks.get("fp8")),
            _rate(peaks.get("fp4")),
            f"{r['tdp_w']:,.0f}" if r["tdp_w"] else "—", r["as_of"],
        )  # fmt: skip
    console.print(table)
    console.print(
        "Dense peak TFLOP/s (bf16, or fp16 where the chip has no bf16). Sources: `flopfolio gpus --json`."
    )


def render_prices(rows: list[dict[str, Any]]) -> None:
    table = Table(title=f"Offers ({len(rows)}), cheapest first", title_justify="left")
    for column in ("accelerator", "provider", "region", "term", "$/GPU-h", "instance", "as of"):
        table.add_column(column, justify="right" if column == "$/GPU-h" else "left")
    for r in rows:
        table.add_row(
            r["accelerator_id"], r["provider"], r["region"], r["term"], f"{r['usd_per_gpu_hour']:.2f}",
            r["instance_type"], r["as_of"] + (" (hist.)" if r["status"] == "historical" else ""),
        )  # fmt: skip
    console.print(table)


def render_models(rows: list[dict[str, Any]]) -> None:
    table = Table(title=f"Model presets ({len(rows)})", title_justify="left")
    for column in ("id", "architecture", "params", "active", "attention", "layers", "hidden"):
        table.add_column(column)
    for r in rows:
        active = r["active_params_published"]
        table.add_row(
            r["id"], r["architecture"], f"{r['params_published'] / 1e9:,.2f}B",
            f"{active / 1e9:,.2f}B" if active else "—", r["attention"] or "—",
            str(r["layers"] or "—"), str(r["hidden"] or "—"),
        )  # fmt: skip
    console.print(table)


def render_validation(report: dict[str, Any]) -> None:
    table = Table(title=f"Validation: {report['kind']}", title_justify="left")
    for column in ("name", "predicted", "reported", "error", "baseline error"):
        table.add_column(column, justify="left" if column == "name" else "right")
    for r in report["rows"]:
        table.add_row(
            r["name"],
            f"{r['predicted']:,.4g}",
            f"{r['reported']:,.4g}",
            f"{r['error']:+.0%}",
            f"{r['baseline_error']:+.0%}",
        )
    console.print(table)
    s = report["summary"]
    if s["n"]:
        console.print(
            f"n={s['n']}  median |error| {s['median_abs_error']:.0%}  max {s['max_abs_error']:.0%}  "
            f"baseline median |error| {s['baseline_median_abs_error']:.0%}"
        )
    for skipped in report["skipped"]:
        console.print(
            f"[yellow]skipped[/yellow] {skipped['name']}: {skipped['reason']}", highlight=False
        )


def render_import(summary: dict[str, Any]) -> None:
    console.print(f"Imported {summary['imported']} row(s) into {summary['written_to']}")
    for rejected in summary.get("rejected", []):
        console.print(
            f"[yellow]rejected[/yellow] {rejected['where']}: {rejected['reason']}", highlight=False
        )
