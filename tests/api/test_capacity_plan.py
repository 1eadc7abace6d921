"""The capacity plan's break-even chart data (api/capacity_plan.py)."""

from pathlib import Path

from flopfolio.api.capacity_plan import break_even_curve, load_workload, plan_capacity

EXAMPLE = Path(__file__).parents[2] / "examples" / "chat-app.yaml"


def test_break_even_chart_always_spans_the_crossing() -> None:
    workload = load_workload(EXAMPLE)
    for volume in (1.0, 1e-4, 1e3):  # the crossing inside, far above and far below 1/30-30×
        demand = workload.demand.model_copy(
            update={"mean_requests_per_hour": workload.demand.mean_requests_per_hour * volume}
        )
        scaled = workload.model_copy(update={"demand": demand})
        result = plan_capacity(scaled, base=EXAMPLE.parent)
        assert result.best is not None
        crossing = result.break_even_requests_per_month[result.best.accelerator_id]
        assert crossing is not None
        curve = break_even_curve(result)
        volumes = [p["requests_per_month"] for p in curve]
        assert len(curve) == 15 and volumes == sorted(volumes)
        assert volumes[0] < crossing < volumes[-1], volume
        # The API is dearer above the crossing and cheaper below it.
        assert curve[0]["api_monthly_usd"] < curve[0]["self_hosted_monthly_usd"]
        assert curve[-1]["api_monthly_usd"] > curve[-1]["self_hosted_monthly_usd"]
