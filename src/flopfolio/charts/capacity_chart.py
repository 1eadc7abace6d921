"""Charts (Plotly, imported only when a chart is asked for). Presentation only: every number
arrives computed. HTML files embed plotly.js, so they open offline; PNG needs Kaleido and a
Chromium it can find."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flopfolio.api.capacity_plan import CapacityResult
from flopfolio.errors import InvalidSpecError

POLICY_COLOURS = {
    "peak": "#d62728",
    "autoscale": "#1f77b4",
    "baseline + on-demand": "#2ca02c",
    "baseline + spot": "#9467bd",
}


def capacity_figure(result: CapacityResult) -> Any:
    """Demand against each policy's capacity on the cheapest accelerator, and monthly cost by
    accelerator and policy."""
    from plotly.subplots import make_subplots

    best = result.best
    fig = make_subplots(
        rows=2, cols=1, vertical_spacing=0.14, row_heights=[0.62, 0.38],
        subplot_titles=(
            f"Demand and capacity — {result.workload.model} on {best.accelerator_id if best else '—'}",
            "Monthly cost by accelerator and policy (USD)",
        ),
    )  # fmt: skip
    hours = list(range(result.demand.hours))
    fig.add_scatter(x=hours, y=list(result.demand.requests_per_hour), name="demand (requests/h)",
                    line={"color": "#333", "width": 1.5}, row=1, col=1)  # fmt: skip
    if best is not None:
        for policy in best.policies:
            if policy.name == "ideal":
                continue
            capacity = [r * best.requests_per_replica_hour for r in policy.replicas]
            fig.add_scatter(
                x=hours, y=capacity, name=f"{policy.name} capacity", line_shape="hv",
                line={"color": POLICY_COLOURS.get(policy.name), "width": 1.2}, row=1, col=1,
            )  # fmt: skip
    for name, colour in POLICY_COLOURS.items():
        xs, ys = [], []
        for plan in result.plans:
            for policy in plan.policies:
                if policy.name == name:
                    xs.append(plan.accelerator_id)
                    ys.append(policy.monthly_cost_usd)
        if xs:
            fig.add_bar(x=xs, y=ys, name=f"{name} ($/month)", marker_color=colour, row=2, col=1)
    if result.api is not None and result.api_cost_usd is not None:
        monthly = result.api_cost_usd * 730.0 / result.demand.hours
        fig.add_hline(y=monthly, line_dash="dash", line_color="#ff7f0e", row=2, col=1,
                      annotation_text=f"{result.api.model} API ${monthly:,.0f}/month")  # fmt: skip
    fig.update_xaxes(title_text="hour", row=1, col=1)
    fig.update_yaxes(title_text="requests per hour", row=1, col=1)
    fig.update_yaxes(title_text="USD per month", type="log", row=2, col=1)
    fig.update_layout(barmode="group", height=820, width=1200, template="plotly_white",
                      legend={"orientation": "h", "y": -0.08})  # fmt: skip
    return fig


def write_figure(fig: Any, path: Path) -> Path:
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        fig.write_html(path, include_plotlyjs=True, full_html=True)
        return path
    if suffix == ".png":
        try:
            fig.write_image(path)
        except Exception as exc:  # Kaleido missing, or no browser for it: say what to do
            raise InvalidSpecError(
                f"Could not write {path} ({type(exc).__name__}: {exc}). To fix: write an .html chart, or "
                "pip install kaleido and install Chromium (Debian: apt-get install chromium)."
            ) from None
        return path
    raise InvalidSpecError(
        f"--plot {path}: unknown chart format {suffix!r}. To fix: use .html or .png."
    )
