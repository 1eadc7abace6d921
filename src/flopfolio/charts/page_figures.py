"""The web pages' charts as Plotly figures (presentation only: every number arrives computed).
:mod:`flopfolio.charts.capacity_chart` holds the capacity chart the CLI also writes to a file."""

from __future__ import annotations

from typing import Any

LAYOUT = {"template": "plotly_white", "margin": {"l": 70, "r": 20, "t": 50, "b": 60}, "height": 420}
TERM_COLOURS = {"on_demand": "#1f77b4", "spot": "#9467bd"}


def as_json(fig: Any) -> dict[str, Any]:
    """A figure as plain JSON for ``Plotly.newPlot`` (data and layout)."""
    import json

    return json.loads(fig.to_json())  # type: ignore[no-any-return]


def training_offers_figure(offers: list[dict[str, Any]], accelerator: str, top: int = 15) -> Any:
    """The run's cost on each current offer, cheapest first; committed terms coloured apart."""
    import plotly.graph_objects as go

    rows = offers[:top]
    # Numbered: one provider may list two offers in the same region and term (two instance types).
    labels = [f"{i}. {o['provider']} {o['region']} {o['term']}" for i, o in enumerate(rows, 1)]
    colours = [TERM_COLOURS.get(o["term"], "#2ca02c") for o in rows]
    fig = go.Figure(go.Bar(
        x=[o["cost_usd"] for o in rows], y=labels, orientation="h", marker_color=colours,
        customdata=[[o["usd_per_gpu_hour"], o["multiplier"]] for o in rows],
        hovertemplate="%{y}<br>$%{x:,.0f}<br>$%{customdata[0]:.2f}/GPU-h, paid/used %{customdata[1]:.1f}×<extra></extra>",
    ))  # fmt: skip
    fig.update_layout(
        **LAYOUT, title=f"Expected run cost by offer — {accelerator} (cheapest {len(rows)})"
    )
    fig.update_layout(height=max(320, 28 * len(rows) + 120))
    fig.update_xaxes(title_text="USD", tickprefix="$", tickformat=",.3s")
    fig.update_yaxes(autorange="reversed")
    return fig


def break_even_figure(curve: list[dict[str, float]], api_model: str, accelerator: str) -> Any:
    """Monthly cost of the hosted API against self-hosting as volume grows."""
    import plotly.graph_objects as go

    x = [p["requests_per_month"] for p in curve]
    fig = go.Figure()
    fig.add_scatter(x=x, y=[p["api_monthly_usd"] for p in curve], name=f"{api_model} API",
                    line={"color": "#ff7f0e", "dash": "dash"})  # fmt: skip
    fig.add_scatter(x=x, y=[p["self_hosted_monthly_usd"] for p in curve],
                    name=f"self-hosted on {accelerator}", line={"color": "#1f77b4"})  # fmt: skip
    fig.update_layout(**LAYOUT, title="Hosted API or self-hosting: monthly cost as volume grows")
    fig.update_xaxes(title_text="requests per month", type="log")
    fig.update_yaxes(title_text="USD per month", type="log")
    return fig


def compare_figure(rows: list[dict[str, Any]], mfu: float) -> Any:
    """Price per effective PFLOP-hour by accelerator (priced rows only)."""
    import plotly.graph_objects as go

    priced = [r for r in rows if r["usd_per_effective_pflop_hour"] is not None]
    fig = go.Figure(go.Bar(
        x=[r["accelerator"] for r in priced], y=[r["usd_per_effective_pflop_hour"] for r in priced],
        marker_color="#1f77b4", hovertemplate="%{x}: $%{y:.2f} per PFLOP-hour<extra></extra>",
    ))  # fmt: skip
    fig.update_layout(**LAYOUT, title=f"USD per effective PFLOP-hour at {mfu:.0%} utilization")
    fig.update_yaxes(title_text="USD per PFLOP-hour")
    return fig


def plan_figure(plan: dict[str, Any]) -> Any:
    """GPUs committed each month, stacked by the term they were bought on, with on-demand above."""
    import plotly.graph_objects as go

    months = [m["month"] for m in plan["months"]]
    by_term: dict[str, list[float]] = {}
    for p in plan["purchases"]:
        row = by_term.setdefault(f"{p['term_months']}-month term", [0.0] * len(months))
        for t in range(p["start_month"], min(p["start_month"] + p["term_months"], len(months))):
            row[t] += p["gpus"]
    fig = go.Figure()
    for term, gpus in sorted(by_term.items(), key=lambda kv: int(kv[0].split("-")[0])):
        fig.add_bar(x=months, y=gpus, name=term)
    scenarios = list(plan["months"][0]["on_demand_gpus"]) if plan["months"] else []
    if scenarios:  # on demand differs by demand scenario: show the "base" one (else the first)
        shown = "base" if "base" in scenarios else scenarios[0]
        on_demand = [m["on_demand_gpus"][shown] for m in plan["months"]]
        fig.add_bar(
            x=months, y=on_demand, name=f"on demand ({shown} scenario)", marker_color="#bbbbbb"
        )
    fig.update_layout(
        **LAYOUT, barmode="stack", title="GPUs by month: commitments by term, then on demand"
    )
    fig.update_xaxes(title_text="month")
    fig.update_yaxes(title_text="GPUs")
    return fig


def pool_figure(timeline: dict[str, Any]) -> Any:
    """Allocated GPUs by member (stacked) against contracted capacity, month by month."""
    import plotly.graph_objects as go

    months = timeline["months"]
    fig = go.Figure()
    for member, gpus in timeline["by_member"].items():
        fig.add_scatter(x=months, y=gpus, name=member, stackgroup="members", mode="none",
                        line_shape="hv")  # fmt: skip
    fig.add_scatter(x=months, y=timeline["contracted_gpus"], name="contracted", line_shape="hv",
                    line={"color": "#000", "width": 2})  # fmt: skip
    fig.update_layout(
        **{**LAYOUT, "height": 480}, title="Contracted capacity and allocations by member"
    )
    fig.update_xaxes(title_text="month")
    fig.update_yaxes(title_text="GPUs")
    return fig


def member_figure(timeline: dict[str, Any]) -> Any:
    """One member's GPUs by month, stacked by allocation kind."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for kind, gpus in sorted(timeline["gpus_by_kind"].items()):
        fig.add_bar(x=timeline["months"], y=gpus, name=kind)
    fig.update_layout(**LAYOUT, barmode="stack", title=f"{timeline['member_id']}: GPUs by month")
    fig.update_xaxes(title_text="month")
    fig.update_yaxes(title_text="GPUs")
    return fig


USE_PARTS = (  # key in a monthly row, legend, colour
    ("used_gpu_hours", "used (guaranteed + inference)", "#1f77b4"),
    ("lent_gpu_hours", "lent inside the pool", "#2ca02c"),
    ("batch_gpu_hours", "batch work", "#9467bd"),
    ("resold_gpu_hours", "resold to the market", "#ff7f0e"),
    ("idle_gpu_hours", "idle", "#d62728"),
)


def pool_use_figure(use: list[dict[str, Any]]) -> Any:
    """Where the contracted GPU-hours went each month: used, lent, batch, resold and idle,
    stacked (they add up to what is contracted), with the contracted line on top."""
    import plotly.graph_objects as go

    months = [r["month"] for r in use]
    fig = go.Figure()
    for key, name, colour in USE_PARTS:
        fig.add_bar(x=months, y=[r[key] for r in use], name=name, marker_color=colour)
    fig.add_scatter(x=months, y=[r["contracted_gpu_hours"] for r in use], name="contracted",
                    mode="lines", line_shape="hvh", line={"color": "#000", "width": 2})  # fmt: skip
    fig.update_layout(
        **{**LAYOUT, "height": 460}, barmode="stack",
        title="Contracted GPU-hours by month: used, lent, batch, resold, idle",
    )  # fmt: skip
    fig.update_xaxes(title_text="month")
    fig.update_yaxes(title_text="GPU-hours")
    return fig


def fleet_figure(month: dict[str, Any]) -> Any:
    """One month of a fleet plan: GPUs busy each hour, stacked by workload and card (batch jobs
    hatched, filling the troughs; shared GPUs as their own layer), under the GPUs held."""
    import plotly.graph_objects as go

    plan = month["optimized"]
    hours = len(plan["cards"][0]["busy_gpus_by_hour"]) if plan["cards"] else 24
    x = [f"{t:02d}:00" for t in range(hours)]
    batch = {d["workload"] for d in month["demand"] if d["peak_requests_per_hour"] is None}
    fig = go.Figure()
    for a in plan["placement"]:
        gpus = [r * a["gpus_per_replica"] for r in a["replicas_by_hour"]]
        is_batch = a["workload"] in batch
        fig.add_bar(
            x=x, y=gpus, name=f"{'batch: ' if is_batch else ''}{a['workload']} on {a['card']}",
            marker_pattern_shape="/" if is_batch else "",
            hovertemplate="%{x}: %{y:.2f} GPUs<extra>%{fullData.name}</extra>",
        )  # fmt: skip
    for g in plan["shared_gpus"]:
        fig.add_bar(x=x, y=g["gpus_by_hour"], name=f"shared: {' + '.join(g['workloads'])} on {g['card']}",
                    marker_pattern_shape="x")  # fmt: skip
    held = sum(c["gpus"] for c in plan["cards"])
    fig.add_scatter(x=x, y=[held] * hours, name=f"GPUs held ({held})", mode="lines",
                    line={"color": "#000", "width": 2, "dash": "dash"})  # fmt: skip
    fig.update_layout(
        **{**LAYOUT, "height": 480}, barmode="stack",
        title=f"Month {month['month']}: GPUs busy by hour, stacked by workload and card",
    )  # fmt: skip
    fig.update_xaxes(title_text="hour of the day")
    fig.update_yaxes(title_text="GPUs")
    return fig
