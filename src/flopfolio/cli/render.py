"""Rich tables for people. Only formatting lives here: every number arrives computed."""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console
from rich.table import Table

# In a pipe rich would wrap at 80 columns; a fixed width keeps tables readable and output stable.
console = Console(width=None if sys.stdout.isatty() else 120)


def _short(text: str, limit: int = 90) -> str:
    """A long source shortened for a table; the full text is in --json."""
    return text if len(text) <= limit else text[: limit - 1] + "… (full source: --json)"


def _money(value: float | None) -> str:
    return "—" if value is None else f"${value:,.0f}"


def _range(low: float | None, mid: float | None, high: float | None, fmt: str = "{:,.0f}") -> str:
    if mid is None or low is None or high is None:
        return "—"
    return f"{fmt.format(mid)}  ({fmt.format(low)} – {fmt.format(high)})"


def render_training(d: dict[str, Any]) -> None:
    a, par = d["assumptions"], d["parallel"]
    table = Table(
        title=f"Training estimate — {a['model']}", show_header=False, title_justify="left"
    )
    table.add_column(style="bold")
    table.add_column()
    table.add_row("Accelerator", f"{d['gpus']} × {a['accelerator']['id']} ({a['precision']})")
    table.add_row("FLOPs", f"{d['flops']:.3e}  (6ND: {d['flops_6nd']:.3e})")
    table.add_row("Parallelism", par["description"])
    table.add_row("MFU / HFU", f"{d['mfu']:.3f} / {d['hfu']:.3f}  — {a['mfu_source']}")
    fits = "[green]fits[/green]" if d["fits"] else "[red]does not fit[/red]"
    table.add_row(
        "Memory / GPU",
        f"{d['memory_per_gpu_gib']:.1f} GiB of {a['accelerator']['memory_gib']:g} — {fits}",
    )
    ideal, expected, program = d["ideal"], d["expected"], d["program"]
    table.add_row(
        "Ideal run",
        f"{ideal['gpu_hours']:,.0f} GPU-h, {ideal['wall_days']:,.1f} days, {_money(ideal['cost_usd'])}",
    )
    table.add_row(
        "Expected run",
        _range(expected["gpu_hours_low"], expected["gpu_hours"], expected["gpu_hours_high"])
        + " GPU-h",
    )
    table.add_row(
        "  wall-clock",
        _range(d["wall_days_low"], d["wall_days"], d["wall_days_high"], "{:,.1f}") + " days",
    )
    table.add_row(
        "  cost", _range(d["cost_usd_low"], d["cost_usd"], d["cost_usd_high"], "${:,.0f}")
    )
    table.add_row(
        "Program",
        _range(program["gpu_hours_low"], program["gpu_hours"], program["gpu_hours_high"])
        + " GPU-h",
    )
    table.add_row(
        "  cost",
        _range(program["cost_usd_low"], program["cost_usd"], program["cost_usd_high"], "${:,.0f}"),
    )
    table.add_row("Price / GPU-hour", a["price"]["basis"])
    console.print(table)
    console.print(f"Ranges: {a['range']}.", highlight=False)


def render_inference(d: dict[str, Any]) -> None:
    a = d["assumptions"]
    table = Table(title=f"Serving estimate — {a['model']}", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    table.add_row(
        "Accelerator",
        f"{d['gpus']} × {a['accelerator']['id']} ({a['layout']}; {a['precision']})",
    )
    table.add_row(
        "FLOPs / token", f"{d['flops_per_token']:.3e}  (2N: {d['flops_per_token_2n']:.3e})"
    )
    table.add_row("Batch", f"{d['batch']} — {a['batch_rule']} (memory allows {d['max_batch']})")
    table.add_row(
        "TTFT",
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
    job = d.get("job")
    if job:
        table.add_row(
            f"Batch job: {job['requests']:,.0f} requests",
            _range(job["gpu_hours_low"], job["gpu_hours"], job["gpu_hours_high"], "{:,.1f}")
            + " GPU-h; "
            + _range(job["cost_usd_low"], job["cost_usd"], job["cost_usd_high"], "${:,.2f}"),
        )
    console.print(table)


def render_explain(lines: list[str]) -> None:
    console.print("[bold]Derivation[/bold]")
    for line in lines:
        console.print(f"  {line}", highlight=False, markup=False)


def _rate(tflops: float | None) -> str:
    return "—" if tflops is None else f"{tflops:,.0f}"


def render_gpus(payload: dict[str, Any]) -> None:
    rows = payload["accelerators"]
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


def render_prices(payload: dict[str, Any]) -> None:
    rows = payload["offers"]
    table = Table(title=f"Offers ({len(rows)}), cheapest first", title_justify="left")
    columns = ("accelerator", "provider", "region", "term", "$/GPU-h", "instance", "as of",
               "stock", "lead wk", "egress $/GB", "delivery")  # fmt: skip
    for column in columns:  # stock: in_stock / waitlist / unknown; lead wk: weeks until delivery
        table.add_column(
            column, justify="right" if column in ("$/GPU-h", "lead wk", "egress $/GB") else "left",
            no_wrap=column in ("stock", "lead wk", "egress $/GB", "delivery"),
        )  # fmt: skip
    for r in rows:
        lead, egress = r.get("lead_time_weeks"), r.get("egress_usd_per_gb")
        table.add_row(
            r["accelerator_id"], r["provider"], r["region"], r["term"], f"{r['usd_per_gpu_hour']:.2f}",
            r["instance_type"], r["as_of"] + (" (hist.)" if r["status"] == "historical" else ""),
            r.get("availability") or "unknown", "unknown" if lead is None else f"{lead:g}",
            "unknown" if egress is None else f"{egress:.2f}", r.get("delivery") or "unknown",
        )  # fmt: skip
    console.print(table)


def render_models(payload: dict[str, Any]) -> None:
    rows = payload["models"]
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
    loo = any(r["leave_one_out"] is not None for r in report["rows"])
    held_out = (
        "leave-one-family-out"
        if report["summary"].get("held_out_by") == "family"
        else "leave-one-out"
    )
    table = Table(title=f"Validation: {report['kind']}", title_justify="left")
    training = report["kind"] == "training"
    setup = ["basis", "recompute"] if training else []
    columns = (
        ["name", *setup]
        + ["predicted", "reported", "error", "baseline error"]
        + ([f"{held_out} error"] if loo else [])
    )
    for column in columns:
        table.add_column(column, justify="left" if column in ("name", *setup) else "right")
    for r in report["rows"]:
        cells = [
            r["name"],
            *(r[column] for column in setup),
            f"{r['predicted']:,.4g}",
            f"{r['reported']:,.4g}",
            f"{r['error']:+.0%}",
            f"{r['baseline_error']:+.0%}",
        ]
        if loo:
            cells.append(
                "—" if r["leave_one_out_error"] is None else f"{r['leave_one_out_error']:+.0%}"
            )
        table.add_row(*cells)
    console.print(table)
    s = report["summary"]
    if s["n"]:
        line = (
            f"n={s['n']}  median |error| {s['median_abs_error']:.0%}  max {s['max_abs_error']:.0%}  "
            f"baseline median {s['baseline_median_abs_error']:.0%}  max {s['baseline_max_abs_error']:.0%}"
        )
        if "leave_one_out_median_abs_error" in s:
            line += f"  {held_out} median {s['leave_one_out_median_abs_error']:.0%}  max {s['leave_one_out_max_abs_error']:.0%}"
        console.print(line, highlight=False)
    if report["utilization"]:
        util = Table(title="Reported utilization", title_justify="left")
        left = ("name", "kind", "recompute")
        for column in (*left, "predicted", "reported", "error") + (
            (f"{held_out} error",) if loo else ()
        ):
            util.add_column(column, justify="left" if column in left else "right")
        for u in report["utilization"]:
            unseen = u["leave_one_out_error"]
            util.add_row(
                u["name"],
                u["kind"],
                u["recompute"],
                f"{u['predicted']:.3f}",
                f"{u['reported']:.3f}",
                f"{u['error']:+.0%}",
                *(("—" if unseen is None else f"{unseen:+.0%}",) if loo else ()),
            )
        console.print(util)
        if "utilization_median_abs_error" in s:
            line = f"utilization median |error| {s['utilization_median_abs_error']:.0%}"
            if "utilization_leave_one_out_median_abs_error" in s:
                line += (
                    f"  leave-one-out median {s['utilization_leave_one_out_median_abs_error']:.0%}"
                )
            console.print(line, highlight=False)
    for r in report["rows"]:
        if r.get("assumed"):
            console.print(f"assumed {r['name']}: {', '.join(r['assumed'])}", highlight=False)
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


def render_calibration(d: dict[str, Any]) -> None:
    console.print(
        f"{d['accelerator']}: measured MFU {d['measured_mfu']:.3f} vs predicted {d['predicted_mfu']:.3f}"
        f" -> scale {d['mfu_scale']:.3f} ({d['tokens_per_s_per_gpu']:,.0f} tokens/s per GPU; {d['setup']})",
        highlight=False,
    )
    console.print(f"Predicted configuration: {d['predicted_configuration']}", highlight=False)
    console.print(
        f"Saved to {d['saved_to']}" if d["saved_to"] else "Not saved (--dry-run).", highlight=False
    )


def render_fit(d: dict[str, Any]) -> None:
    table = Table(
        title=f"{d['kind'].capitalize()} model refit on {d['runs']} rows", title_justify="left"
    )
    table.add_column("constant")
    table.add_column("value", justify="right")
    for name, value in d["constants"].items():
        table.add_row(name, f"{value:.4g}")
    console.print(table)
    console.print(
        f"median |error| {d['median_abs_error']:.0%}, max {d['max_abs_error']:.0%}; spread (log sd) "
        f"{d['residual_log_sd']:.3f}" + (f"; saved to {d['saved_to']}" if d["saved_to"] else ""),
        highlight=False,
    )


def render_bench(d: dict[str, Any]) -> None:
    table = Table(title=f"Measured on {d['device']}", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    for precision, tflops in d["matmul_tflops"].items():
        share = d["peak_share"].get(precision)
        table.add_row(
            f"matmul {precision}",
            f"{tflops:,.1f} TFLOP/s" + (f" ({share:.0%} of peak)" if share else ""),
        )
    table.add_row(
        "GEMM width sweep",
        ", ".join(f"w={w}: {tflops:,.1f}" for w, tflops in d["gemm_tflops"].items()) + " TFLOP/s",
    )
    fit = d.get("gemm_fit")
    if fit and "error" in fit:
        table.add_row(f"ε(g) fitted ({fit['precision']})", fit["error"])
    elif fit:
        table.add_row(
            f"ε(g) fitted ({fit['precision']})",
            f"ε_max {fit['matmul_efficiency_max']:.3f}, g₀ {fit['matmul_half_width']:,.0f} "
            f"(the model's, fitted on published runs: ε_max {fit['shipped_matmul_efficiency_max']:.3f}, "
            f"g₀ {fit['shipped_matmul_half_width']:,.0f})",
        )
    table.add_row("memory bandwidth", f"{d['memory_gb_per_s']:,.0f} GB/s")
    search = d.get("layout_search")
    if search:
        table.add_row(
            "layout search (CPU)",
            f"{search['what']}: {search['median_ms']:,.0f} ms over "
            f"{search['configurations']:,} layouts",
        )
    mfu = d["step_mfu"]
    table.add_row(
        "training step",
        f"{d['step_seconds'] * 1e3:,.1f} ms, {d['step_tflops']:,.2f} TFLOP/s"
        + (f", MFU {mfu:.2f}" if mfu else ""),
    )
    console.print(table)
    console.print(f"Saved to {d['saved_to']}", highlight=False)


def render_capacity(d: dict[str, Any]) -> None:
    demand = d["demand"]
    console.print(
        f"[bold]{d['model']}[/bold]: {d['hours']:,} hours, mean {demand['mean_requests_per_hour']:,.0f} requests/h, "
        f"peak {demand['peak_requests_per_hour']:,.0f} (peak-to-mean {demand['peak_to_mean']:.1f}); "
        f"{demand['mean_input_tokens']:,.0f} in / {demand['mean_output_tokens']:,.0f} out tokens per request"
    )
    table = Table(title="Monthly cost by policy (USD; 730 h)", title_justify="left")
    for column in (
        "accelerator",
        "replica",
        "req/h per replica",
        "policy",
        "$/month",
        "util.",
        "idle $",
        "spike $",
    ):
        table.add_column(
            column, justify="left" if column in ("accelerator", "policy", "replica") else "right"
        )
    for plan in d["accelerators"]:
        first = True
        for p in plan["policies"]:
            star = " *" if p["name"] == plan["cheapest_policy"] else ""
            table.add_row(
                plan["accelerator"] if first else "",
                f"{plan['gpus_per_replica']} GPU, batch {plan['batch']}" if first else "",
                f"{plan['requests_per_replica_hour']:,.0f}" if first else "",
                p["name"] + star, f"{p['monthly_cost_usd']:,.0f}", f"{p['utilization']:.0%}",
                f"{p['idle_cost_usd']:,.0f}", "—" if p["spike_cost_usd"] is None else f"{p['spike_cost_usd']:,.0f}",
            )  # fmt: skip
            first = False
        table.add_section()
    console.print(table)
    best = d["cheapest"]
    if best:
        console.print(
            f"Cheapest: {best['accelerator']} with {best['policy']} at ${best['monthly_cost_usd']:,.0f}/month"
            + (f" (on-demand from {best['provider']})" if best["provider"] else ""),
            highlight=False,
        )
    api = d["hosted_api"]
    if api:
        console.print(
            f"Hosted API {api['model']} ({api['provider']}): ${api['monthly_cost_usd']:,.0f}/month "
            f"(${api['usd_per_million_input_tokens']:g} / ${api['usd_per_million_output_tokens']:g} per 1M tokens in/out, "
            f"as of {api['as_of']})",
            highlight=False,
        )
        for acc, volume in api["break_even_requests_per_month"].items():
            text = (
                "the API is cheaper at any volume"
                if volume is None
                else f"self-hosting wins above {volume:,.0f} requests/month"
            )
            console.print(f"  break-even on {acc}: {text}", highlight=False)
    for skipped in d["skipped"]:
        console.print(
            f"[yellow]skipped[/yellow] {skipped['accelerator']}: {skipped['reason']}",
            highlight=False,
        )
    if d.get("plot"):
        console.print(f"Chart: {d['plot']}", highlight=False)


def render_images(d: dict[str, Any]) -> None:
    title = (
        f"{d['model']} at {d['width_px']}×{d['height_px']}, {d['steps']} steps: "
        f"{d['flops_per_image'] / 1e12:,.1f} TFLOPs per image — cheapest first"
    )
    table = Table(title=title, title_justify="left")
    columns = [
        "accelerator",
        "s / image",
        "images / h / GPU",
        "memory GiB",
        "fits",
        "$ / 1,000 images",
    ]
    if d["images"] is not None:
        columns += ["job GPU-h", "job $"]
    for column in columns:
        table.add_column(column, justify="left" if column == "accelerator" else "right")
    for r in d["accelerators"]:
        cells = [
            r["accelerator"], f"{r['seconds_per_image']:,.2f}", f"{r['images_per_hour_per_gpu']:,.0f}",
            f"{r['memory_needed_gib']:,.1f}", "yes" if r["fits"] else "[red]no[/red]",
            _range(r["usd_per_thousand_images_low"], r["usd_per_thousand_images"],
                   r["usd_per_thousand_images_high"], "${:,.2f}"),
        ]  # fmt: skip
        if d["images"] is not None:
            cells += [f"{r['job_gpu_hours']:,.1f}", _money(r["job_cost_usd"])]
        table.add_row(*cells)
    console.print(table)
    for skipped in d["skipped"]:
        console.print(
            f"[yellow]skipped[/yellow] {skipped['accelerator']}: {skipped['reason']}",
            highlight=False,
        )


def render_contract(d: dict[str, Any]) -> None:
    table = Table(
        title=f"Contract — {d['gpus']:,.0f} × {d['accelerator']}",
        show_header=False,
        title_justify="left",
    )
    table.add_column(style="bold")
    table.add_column()
    table.add_row("Price", f"${d['usd_per_gpu_hour']:,.2f}/GPU-h — {d['price_basis']}")
    table.add_row("Terms", d["terms"])
    table.add_row("Total", f"${d['total_usd']:,.0f} over {d['paid_months']:g} months")
    table.add_row(
        "Hours you need",
        f"${d['usage_cost_usd']:,.0f} — multiplier {d['effective_cost_multiplier']:.2f}×",
    )
    if d["recovered_usd"]:
        table.add_row(
            "Recovered",
            f"${d['recovered_usd']:,.0f} ({d['after']}) → net ${d['net_usd']:,.0f}, {d['net_multiplier']:.2f}×",
        )
    if d["next_generation"]:
        ng = d["next_generation"]
        switch = (
            "never (it is not cheaper per unit of work)"
            if ng["switch_pays_from_month"] is None
            else f"from month {ng['switch_pays_from_month']:g}"
        )
        table.add_row(
            "Next generation",
            f"strands ${ng['stranded_usd']:,.0f}; switching new work pays {switch}",
        )
    console.print(table)


def render_plan(d: dict[str, Any]) -> None:
    console.print(
        f"Expected cost ${d['expected_cost_usd']:,.0f}: committed ${d['committed_usd']:,.0f} "
        f"(limit ${d['commitment_limit_usd']:,.0f} of ${d['cash_usd']:,.0f} cash) + expected on-demand "
        f"${d['expected_on_demand_usd']:,.0f}",
        highlight=False,
    )
    buys = Table(title="Commitments", title_justify="left")
    for column in ("start month", "offer", "term", "GPUs", "$/GPU-h", "cost"):
        buys.add_column(column, justify="left" if column == "offer" else "right")
    for p in d["purchases"]:
        buys.add_row(str(p["start_month"]), p["offer"], f"{p['term_months']} mo", f"{p['gpus']:,}",
                     f"{p['usd_per_gpu_hour']:.2f}", f"${p['cost_usd']:,.0f}")  # fmt: skip
    if not d["purchases"]:
        buys.add_row("—", "none: on-demand covers everything", "", "", "", "")
    console.print(buys)
    months = Table(
        title="Month by month (GPUs; on-demand and inference in the base or first scenario)",
        title_justify="left",
    )
    scenario = "base" if d["months"] and "base" in d["months"][0]["on_demand_gpus"] else None
    for column in ("month", "committed", "training", "inference", "on-demand", "committed in use"):
        months.add_column(column, justify="right")
    for m in d["months"]:
        name = scenario or next(iter(m["on_demand_gpus"]), "")
        months.add_row(
            str(m["month"]), f"{sum(m['committed_gpus'].values()):,.0f}", f"{sum(m['training_gpus'].values()):,.0f}",
            f"{m['inference_gpus'].get(name, 0):,.0f}", f"{m['on_demand_gpus'].get(name, 0):,.0f}",
            f"{m['committed_utilization'].get(name, 0):.0%}",
        )  # fmt: skip
    console.print(months)
    for line in d["binding"]:
        console.print(f"binds: {line}", highlight=False)


def render_scale(d: dict[str, Any]) -> None:
    table = Table(
        title=f"Compute-optimal for {d['flops']:.3g} FLOPs ({d['budget_basis']})",
        title_justify="left",
    )
    for column in ("law", "parameters", "tokens", "tokens / param", "loss (nats)"):
        table.add_column(column, justify="left" if column == "law" else "right")
    for name, p in {**d["laws"], "kaplan-2020 (outside the band)": d["kaplan_2020"]}.items():
        star = " *" if name == d["law"] else ""
        table.add_row(name + star, f"{p['params'] / 1e9:,.1f}B", f"{p['tokens'] / 1e12:,.2f}T",
                      f"{p['tokens_per_param']:,.1f}", f"{p['loss_nats']:.3f}")  # fmt: skip
    console.print(table)
    console.print(
        f"Central (*): {d['params'] / 1e9:,.1f}B parameters ({d['params_low'] / 1e9:,.1f}-{d['params_high'] / 1e9:,.1f}B) "
        f"on {d['tokens'] / 1e12:,.2f}T tokens ({d['tokens_low'] / 1e12:,.2f}-{d['tokens_high'] / 1e12:,.2f}T)",
        highlight=False,
    )
    if d["data_warning"]:
        console.print(f"[yellow]data:[/yellow] {d['data_warning']}", highlight=False)
    plan = d["inference_aware"]
    if plan:
        console.print(
            f"Inference-aware (loss {plan['target_loss_nats']:g}, {plan['inference_tokens']:.3g} tokens served): "
            f"{plan['params'] / 1e9:,.1f}B on {plan['tokens'] / 1e12:,.2f}T instead of "
            f"{plan['chinchilla_params'] / 1e9:,.1f}B on {plan['chinchilla_tokens'] / 1e12:,.2f}T, "
            f"saving {plan['saving_fraction']:.0%} of lifetime FLOPs",
            highlight=False,
        )


def render_threshold(d: dict[str, Any]) -> None:
    total = d["cumulative"]
    flops = "unknown" if total["flops"] is None else f"{total['flops']:.3g} FLOPs"
    cost = "unknown" if total["cost_usd"] is None else f"${total['cost_usd']:,.0f}"
    console.print(f"Cumulative ({', '.join(total['runs'])}): {flops}, {cost}", highlight=False)
    for r in d["thresholds"]:
        mark = {
            True: "[red]CROSSES[/red]",
            False: "[green]below[/green]",
            None: "[yellow]unknown[/yellow]",
        }[r["crosses"]]
        console.print(f"{mark}  {r['summary']}  [dim]({r['applies_to']})[/dim]")


def render_tco(d: dict[str, Any]) -> None:
    owned = d["owned_usd_per_gpu_hour"]
    table = Table(
        title=f"Rent or own {d['gpus']:,.0f} × {d['accelerator']}",
        show_header=False,
        title_justify="left",
    )
    table.add_column(style="bold")
    table.add_column()
    table.add_row(
        "Purchase",
        f"${d['purchase']['usd_per_gpu']:,.0f} per GPU incl. server share — {d['purchase']['source']}",
    )
    table.add_row(
        "Owned $/GPU-h",
        f"{owned['total']:.3f} = capex {owned['capex']:.3f} + capital {owned['capital']:.3f} + power {owned['power']:.3f}"
        f" + space {owned['space_and_cooling']:.3f} + staff {owned['staff']:.3f}; {owned['per_used_hour']:.3f} per used hour",
    )
    table.add_row("Rent $/GPU-h", f"{d['rent_usd_per_gpu_hour']:.3f} — {_short(d['rent_basis'])}")
    table.add_row("Annual", f"rent ${d['rent_annual_usd']:,.0f} vs own ${d['own_annual_usd']:,.0f}"
                  + (" — owning is cheaper" if d["owning_is_cheaper"] else " — renting is cheaper"))  # fmt: skip
    table.add_row("Break-even utilization", f"{d['break_even_utilization']:.0%} of hours")
    spend = d["scale_break_even_annual_spend_usd"]
    table.add_row(
        "Owning a data center pays above",
        "never at this rent" if spend is None
        else f"${spend:,.0f}/year of rental spend (~{d['scale_break_even_gpus']:,.0f} GPUs); the seed's rule of thumb: "
        f"${d['seed_rule_of_thumb_usd_per_year']:,.0f}",
    )  # fmt: skip
    console.print(table)


def render_pool_report(d: dict[str, Any]) -> None:
    rejected = d.get("guarantee_rejections")
    met = f", {rejected} guarantee or inference requests rejected" if rejected is not None else ""
    console.print(
        f"[bold]Pooled GPU program[/bold]: {d['members']} members, {d.get('months', 0)} months, "
        f"utilization {d.get('utilization', 0):.2%} of contracted GPU-hours{met}",
        highlight=False,
    )
    contracts = Table(title="Contracts", title_justify="left")
    for column in ("contract", "accelerator", "GPUs", "$/GPU-h", "cost"):
        contracts.add_column(
            column, justify="left" if column in ("contract", "accelerator") else "right"
        )
    rows = d.get("contracts", [])
    if len(rows) > 12:  # a reservation stack and its top-ups: one row per accelerator and kind
        groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for c in rows:
            kind = "reserved" if "-res-" in c["id"] else "on demand"
            groups.setdefault((c["accelerator"], kind), []).append(c)
        rows = [
            {
                "id": f"{len(cs)} {kind}",
                "accelerator": acc,
                "gpus": max(c["gpus"] for c in cs),
                "usd_per_gpu_hour": min(c["usd_per_gpu_hour"] for c in cs),
                "cost_usd": sum(c["cost_usd"] for c in cs),
            }
            for (acc, kind), cs in sorted(groups.items())
        ]
    for c in rows:
        contracts.add_row(
            c["id"],
            c["accelerator"],
            f"{c['gpus']:,}",
            f"{c['usd_per_gpu_hour']:.2f}",
            f"${c['cost_usd']:,.0f}",
        )
    console.print(contracts)
    if d.get("monthly"):
        _render_pool_months(d)
    for line in _pool_lines(d):
        console.print(line, highlight=False)
    top = Table(title="Largest members", title_justify="left")
    for column in ("member", "GPU-months", "net bill"):
        top.add_column(column, justify="left" if column == "member" else "right")
    for m in d.get("top_members", []):
        top.add_row(m["member"], f"{m['gpu_months']:,.0f}", f"${m['net_usd']:,.0f}")
    console.print(top)


def render_pool_summary(d: dict[str, Any]) -> None:
    """The report's headline and its sentences, without the tables."""
    console.print(
        f"[bold]Pooled GPU program[/bold]: {d['members']} members, {d.get('months', 0)} months, "
        f"utilization {d.get('utilization', 0):.2%} of contracted GPU-hours",
        highlight=False,
    )
    if "totals" in d:
        t, h = d["totals"], 730.0
        console.print(
            "GPU-months contracted {:,.0f}: used {:,.0f}, lent {:,.0f}, batch {:,.0f}, resold {:,.0f}, "
            "idle {:,.0f}".format(*(t[f"{k}_gpu_hours"] / h for k in
                                   ("contracted", "used", "lent", "batch", "resold", "idle"))),
            highlight=False,
        )  # fmt: skip
    for line in _pool_lines(d):
        console.print(line, highlight=False)


def _render_pool_months(d: dict[str, Any]) -> None:
    table = Table(title="Contracted GPU-hours, month by month", title_justify="left")
    parts = ("contracted", "used", "lent", "batch", "resold", "idle")
    for column in ("month", *parts, "util.", "idle $"):
        table.add_column(column, justify="right")
    for r in d["monthly"]:
        table.add_row(
            str(r["month"]), *(f"{r[f'{p}_gpu_hours']:,.0f}" for p in parts),
            f"{r['utilization']:.0%}", f"${r['idle_cost_usd']:,.0f}",
        )  # fmt: skip
    t = d["totals"]
    table.add_row("all", *(f"{t[f'{p}_gpu_hours']:,.0f}" for p in parts),
                  f"{t['utilization']:.0%}", f"${t['idle_cost_usd']:,.0f}", style="bold")  # fmt: skip
    console.print(table)


def _pool_lines(d: dict[str, Any]) -> list[str]:
    lines = []
    if "totals" in d:
        prices = ", ".join(
            f"{acc} ${p:.2f}" for acc, p in sorted(d["resale_usd_per_gpu_hour"].items())
        )
        lines.append(
            f"Idle capacity: lent inside the pool first, then batch work, then resold in whole nodes "
            f"({prices} per GPU-h: 0.9 x the catalog's cheapest spot price) for ${d['resale_usd']:,.0f}, "
            f"credited to members pro rata to quota; {d['idle_gpu_months']:,} GPU-month(s) stay idle, "
            f"costing ${d['idle_cost_usd']:,.0f} at their contracts' prices and billed pro rata to quota"
        )
    if "reserved_gpu_months" in d:
        lines.append(
            f"Contracted GPU-months: reserved {d['reserved_gpu_months']:,} (nodes pooled demand fills in "
            f">= {d['cover']:.0%} of their term), on demand {d['on_demand_gpu_months']:,}"
        )
    if d.get("diversification"):
        peaks = "; ".join(
            f"{x['accelerator']} {x['pooled_peak_gpus']:,} vs {x['sum_of_member_peaks_gpus']:,}"
            for x in d["diversification"]
        )
        lines.append(f"Pooled peak vs the sum of members' peaks (GPUs): {peaks}")
    moves = d.get("phase_in")
    if moves:
        pairs = sorted({(m["from_accelerator"], m["to_accelerator"]) for m in moves})
        lines.append(
            f"Next-generation phase-in: {len(moves)} runs moved {', '.join(f'{a} -> {b}' for a, b in pairs)} "
            f"(price per useful FLOP wins: same work, {sum(m['from_gpus'] for m in moves):,} -> "
            f"{sum(m['to_gpus'] for m in moves):,} GPUs), saving ${sum(m['saving_usd'] for m in moves):,.0f}"
        )
    s = d.get("savings")
    if s:
        lines.append(
            f"Savings vs standalone ({s['members']} members, idle cost included): alone "
            f"${s['standalone_usd']:,.0f}; pooled ${s['pooled_usd']:,.0f} = quota "
            f"${s['pooled_quota_usd']:,.0f} + idle share ${s['pooled_idle_share_usd']:,.0f} - credits "
            f"${s['pooled_credits_usd']:,.0f} -- the program saves ${s['saving_usd']:,.0f} "
            f"({s['saving_share']:.0%})"
        )
    value = d.get("program_value")
    if value:
        lines.append(
            f"Procurement optimizer (not these contracts; members who can buy alone): pooled "
            f"${value['pooled_cost_usd']:,.0f} vs ${value['standalone_cost_usd']:,.0f} alone "
            f"({value['value_share']:.0%}); {len(value['day_one_members'])} members could not buy "
            "their capacity alone"
        )
    if "ledger_imbalance_usd" in d:
        lines.append(
            f"Ledger: contracts ${d['contract_cost_usd']:,.0f} = charges - credits + subsidies + resale, "
            f"to ${abs(d['ledger_imbalance_usd']):,.2f}"
        )
    return lines


def render_compare(payload: dict[str, Any]) -> None:
    rows, mfu = payload["accelerators"], payload["mfu"]
    table = Table(
        title=f"Accelerators, cheapest effective PFLOP-hour first (at {mfu:.0%} utilization)",
        title_justify="left",
    )
    left = ("accelerator", "cheapest")
    for column in ("accelerator", "memory GiB", "TB/s", "peak TFLOP/s", "$/GPU-h", "$/eff. PFLOP-h",
                   "cheapest"):  # fmt: skip
        table.add_column(column, justify="left" if column in left else "right")
    for r in rows:
        price = r["usd_per_gpu_hour"]
        table.add_row(
            r["accelerator"], f"{r['memory_gib']:.0f}", f"{r['memory_bw_gb_per_s'] / 1e3:.2f}",
            f"{r['peak_tflops']:,.0f}", f"{price:.2f}" if price else "—",
            f"{r['usd_per_effective_pflop_hour']:.2f}" if price else "—",
            f"{r['provider']} {r['term']} ({r['as_of']})" if price else "no current offer",
        )  # fmt: skip
    console.print(table)
