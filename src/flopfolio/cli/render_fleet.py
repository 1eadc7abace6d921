"""Rich rendering of ``flopfolio fleet``: month by month, optimized against naive."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from flopfolio.cli.render import console


def _month(m: dict[str, Any]) -> None:
    opt, naive = m["optimized"], m["naive"]
    console.print(
        f"Month {m['month']}: optimized ${opt['usd_per_month']:,.0f}/month (${opt['usd_per_hour']:,.2f}/h, "
        f"egress ${opt['egress_usd_per_month']:,.0f}) vs naive ${naive['usd_per_month']:,.0f}/month: "
        f"saves ${m['saving_usd_per_month']:,.0f} ({m['saving_share']:.0%})"
    )
    for b in m["blocked_cards"]:
        console.print(f"  not available this month: {b['card']} ({b['reason']})")
    cards = Table(title_justify="left")
    for column in ("card", "GPUs", "$/GPU-h", "$/month", "utilization", "naive GPUs"):
        cards.add_column(column, justify="left" if column == "card" else "right")
    naive_gpus = {c["card"]: c["gpus"] for c in naive["cards"]}
    for c in opt["cards"]:
        cards.add_row(c["card"], str(c["gpus"]), f"{c['usd_per_gpu_hour']:.2f}", f"{c['usd_per_month']:,.0f}",
                      f"{c['utilization']:.0%}", str(naive_gpus.get(c["card"], 0)))  # fmt: skip
    for card, n in naive_gpus.items():
        if not any(c["card"] == card for c in opt["cards"]):
            cards.add_row(card, "0", "", "", "", str(n))
    console.print(cards)
    place = Table(title_justify="left")
    for column in ("workload", "card", "GPUs/replica", "replicas min-max"):
        place.add_column(column, justify="left" if column in ("workload", "card") else "right")
    for a in opt["placement"]:
        place.add_row(a["workload"], a["card"], str(a["gpus_per_replica"]),
                      f"{a['replicas_min']:.4g}-{a['replicas_peak']:.4g}")  # fmt: skip
    console.print(place)
    console.print(
        f"  solver: {opt['solver_status']}, proven within {opt['mip_gap']:.2%} of optimal "
        f"(no plan costs less than ${opt['lower_bound_usd_per_month']:,.0f}/month)"
    )
    for g in opt["shared_gpus"]:
        console.print(
            f"  share one GPU of {g['card']} (weights resident): {' + '.join(g['workloads'])}, "
            f"up to {g['gpus_peak']:.0f} such GPUs"
        )
    for b in opt["binding"]:
        console.print(f"  binding: {b}")
    for n in m["shared_nodes"]:
        parts = ", ".join(f"{r['workload']} x{r['replicas']}" for r in n["replicas"])
        console.print(f"  shares a {n['gpus_per_node']}-GPU node of {n['card']}: {parts}")
    for s in m["spike"]:
        api = (
            f", hosted API ${s['api_usd_per_hour']:,.2f}/h"
            if s["api_usd_per_hour"] is not None
            else ""
        )
        console.print(
            f"  {s['multiplier']:g}x spike in {s['workload']} at {s['peak_hour']:02d}:00: headroom "
            f"{s['headroom_requests_per_hour']:,.0f} req/h, excess {s['excess_requests_per_hour']:,.0f} "
            f"req/h; autoscale ${s['autoscale_usd_per_hour']:,.2f}/h{api} -> {s['cheaper']}"
        )


def render_fleet(payload: dict[str, Any]) -> None:
    slo = Table(title="Workloads: the cheapest card meeting each SLO", title_justify="left")
    for column in ("workload", "kind", "model", "SLO", "cards that meet it"):
        slo.add_column(column)
    for w in payload["workloads"]:
        target = ", ".join(f"{k} {v:g}" for k, v in w["slo"].items()) or "deadline"
        slo.add_row(w["name"], w["kind"], w["model"], target, str(len(w["options"])))
    console.print(slo)
    for m in payload["months"]:
        _month(m)
    for note in payload["notes"]:
        console.print(f"note: {note}")
