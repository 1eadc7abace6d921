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


def test_a_workload_can_serve_its_moe_model_attention_data_parallel() -> None:
    """`attention_dp: true` in the workload reaches the serving estimate (REST and the web use
    the same workload): the plan's replica runs the layout `infer --attention-dp` prices."""
    from flopfolio.api.capacity_plan import parse_workload
    from flopfolio.api.estimates import estimate_serving

    base = {
        "model": "llama-4-scout-17b-16e",
        "precision": "fp8",
        "requests": [{"share": 1.0, "input_tokens": 1000, "output_tokens": 1000}],
        "demand": {"mean_requests_per_hour": 5000, "hours": 48},
        "accelerators": ["H100"],
    }
    tp = plan_capacity(parse_workload(base)).plans[0]
    dp = plan_capacity(parse_workload({**base, "attention_dp": True})).plans[0]
    alone = estimate_serving(
        model="llama-4-scout-17b-16e", gpu="H100", input_tokens=1000, output_tokens=1000,
        precision="fp8", batch="max", attention_dp=True,
    ).estimate  # fmt: skip
    assert dp.gpus_per_replica == tp.gpus_per_replica == alone.gpus == 2
    assert dp.batch == alone.batch < tp.batch  # each rank's copy of the dense weights
    assert dp.tpot_ms == alone.central.tpot_s * 1e3 != tp.tpot_ms
