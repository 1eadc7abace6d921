"""The charts plot the results' numbers: what a chart stacks adds up to the result's totals."""

from __future__ import annotations

from pathlib import Path

import pytest

from flopfolio.api.roadmap import plan_roadmap
from flopfolio.charts.page_figures import plan_figure, pool_figure, training_offers_figure
from flopfolio.pool.dashboard import program_timeline
from flopfolio.pool.domain import Allocation, AllocationKind, Contract

ROOT = Path(__file__).parents[2]


def test_plan_chart_stacks_the_commitments_of_each_month() -> None:
    plan = plan_roadmap(ROOT / "examples" / "roadmap.yaml")
    fig = plan_figure(plan)
    terms = [t for t in fig.data if "term" in t.name]
    assert terms, "the example buys at least one committed term"
    for m, month in enumerate(plan["months"]):
        stacked = sum(t.y[m] for t in terms)
        assert stacked == pytest.approx(sum(month["committed_gpus"].values()))
    on_demand = next(t for t in fig.data if t.name.startswith("on demand"))
    assert list(on_demand.y) == [m["on_demand_gpus"]["base"] for m in plan["months"]]


def test_pool_chart_stacks_members_to_the_allocated_total() -> None:
    contracts = [Contract("c", "p", "H100", "x", 40, 0, 4, 2.0)]
    allocations = [
        Allocation(
            f"a{i}", f"m{i}", "c", i % 3, i % 3 + 2, 1 + i, AllocationKind.GUARANTEED, f"r{i}"
        )
        for i in range(6)
    ]
    timeline = program_timeline(contracts, allocations, None, top=3)
    assert set(timeline["by_member"]) == {"m5", "m4", "m3", "others"}
    fig = pool_figure(timeline)
    members = [t for t in fig.data if t.name != "contracted"]
    for m in timeline["months"]:
        assert sum(t.y[m] for t in members) == timeline["allocated_gpus"][m]
    # By hand: month 0 holds m0 (1 GPU) and m3 (4 GPUs); 40 contracted.
    assert timeline["allocated_gpus"][0] == 5 and timeline["contracted_gpus"] == [40] * 4
    assert timeline["idle_gpu_months"] == 160 - sum(timeline["allocated_gpus"])


def test_offer_chart_labels_are_unique() -> None:
    offers = [{"provider": "runpod", "region": "global", "term": "on_demand", "cost_usd": c,
               "usd_per_gpu_hour": 1.0, "multiplier": 1.0} for c in (1.0, 2.0)]  # fmt: skip
    bar = training_offers_figure(offers, "H100").data[0]
    assert len(set(bar.y)) == 2
