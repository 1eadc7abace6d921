"""The fleet MILP against hand-solved cases, the naive plan, and properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flopfolio.errors import InfeasiblePlanError
from flopfolio.planning.fleet import (
    FleetCard,
    FleetPacking,
    FleetProblem,
    FleetRate,
    FleetWorkload,
    naive_plan,
    optimize_fleet,
)
from flopfolio.planning.fleet_report import spike_response
from flopfolio.planning.fleet_synthetic import synthetic_fleet


def _two_peaks() -> FleetProblem:
    # a peaks in hour 0, b in hour 1; a replica of either serves 100 req/h on one $1 GPU of A.
    # The batch job needs 100 requests at 50/h = 2 replica-hours by the end of hour 1.
    # B ($3/h) serves a at 400 req/h: cheaper per request (0.0075 vs 0.01), so naive picks it.
    return FleetProblem(
        workloads=(
            FleetWorkload("a", (200.0, 0.0)),
            FleetWorkload("b", (0.0, 200.0)),
            FleetWorkload("job", batch_requests=100.0, deadline_period=1),
        ),
        cards=(FleetCard("A", 1.0), FleetCard("B", 3.0)),
        rates=(
            FleetRate("a", "A", 1, 100.0),
            FleetRate("b", "A", 1, 100.0),
            FleetRate("job", "A", 1, 50.0),
            FleetRate("a", "B", 1, 400.0),
        ),
    )


def test_hand_solved_optimum() -> None:
    # By hand: each hour needs 2 GPUs for a or b plus 1 for the job (2 replica-hours over 2 hours)
    # = 3 GPUs of A, 3 x $1 x 730 h = $2,190. Using B for a (2 A + 1 B) costs $3,650.
    plan = optimize_fleet(_two_peaks())
    assert plan.held_gpus == {"A": 3}
    assert plan.usd_per_month == pytest.approx(2190.0)
    assert plan.utilization["A"] == pytest.approx(1.0)
    assert any("capacity of A" in b for b in plan.binding)
    assert any("deadline of batch job" in b for b in plan.binding)


def test_naive_plan_by_hand() -> None:
    # a on B: ceil(200/400) = 1 GPU of B; b on A: 2 GPUs; job: ceil(100/(50 x 2 h)) = 1 GPU of A.
    # (3 x $1 + 1 x $3) x 730 = $4,380.
    naive = naive_plan(_two_peaks())
    assert naive.held_gpus == {"B": 1, "A": 3}
    assert naive.usd_per_month == pytest.approx(4380.0)


def test_egress_is_priced_per_request() -> None:
    # 10 images/h for 24 h, 2 MB each, $0.05/GB: 240 x 0.002 GB x 0.05 = $0.024 a day,
    # x 730/24 days = $0.73 a month; the GPU: 1 x $1 x 730.
    problem = FleetProblem(
        workloads=(FleetWorkload("img", (10.0,) * 24, egress_gb_per_request=0.002),),
        cards=(FleetCard("A", 1.0, egress_usd_per_gb=0.05),),
        rates=(FleetRate("img", "A", 1, 100.0),),
    )
    plan = optimize_fleet(problem)
    assert plan.egress_usd_per_month == pytest.approx(240 * 0.002 * 0.05 * 730 / 24)
    assert plan.gpu_usd_per_month == pytest.approx(730.0)
    assert naive_plan(problem).egress_usd_per_month == pytest.approx(plan.egress_usd_per_month)


def test_egress_moves_images_to_the_cheaper_total() -> None:
    # Card A: $1/h, $0.10/GB; card B: $1.05/h, free egress. 1,000 images/h x 0.01 GB: egress on A
    # is $1/h, so B ($1.05/h in all) wins although its GPU is dearer.
    problem = FleetProblem(
        workloads=(FleetWorkload("img", (1000.0,) * 24, egress_gb_per_request=0.01),),
        cards=(FleetCard("A", 1.0, egress_usd_per_gb=0.10), FleetCard("B", 1.05)),
        rates=(FleetRate("img", "A", 1, 1000.0), FleetRate("img", "B", 1, 1000.0)),
    )
    assert optimize_fleet(problem).held_gpus == {"B": 1}


def test_spike_headroom_and_overflow() -> None:
    # One replica (100 req/h) holds 50 req/h at peak; a 10x spike asks 500: 50 served, idle = 0
    # GPUs, excess 450 -> 5 more $1 replicas ($5/h) or 450 x $0.02 = $9/h on the API.
    problem = FleetProblem(
        workloads=(FleetWorkload("a", (50.0, 10.0)),),
        cards=(FleetCard("A", 1.0),),
        rates=(FleetRate("a", "A", 1, 100.0),),
    )
    plan = optimize_fleet(problem)
    (case,) = spike_response(problem, plan, 10.0, {"a": 0.02})
    assert case.excess_requests_per_hour == pytest.approx(450.0)
    assert case.autoscale_replicas == 5
    assert case.autoscale_usd_per_hour == pytest.approx(5.0)
    assert case.api_usd_per_hour == pytest.approx(9.0)
    assert case.cheaper == "autoscale"


def test_workload_without_a_card_is_refused() -> None:
    with pytest.raises(InfeasiblePlanError, match="workload b: no card"):
        FleetProblem(
            workloads=(FleetWorkload("a", (1.0,)), FleetWorkload("b", (1.0,))),
            cards=(FleetCard("A", 1.0),),
            rates=(FleetRate("a", "A", 1, 10.0),),
        )


demands = st.lists(st.floats(0, 500), min_size=3, max_size=3)


@settings(max_examples=25, deadline=None)
@given(demands, demands, st.floats(10, 300))
def test_never_dearer_than_naive_and_capacity_holds(
    a: list[float], b: list[float], rate: float
) -> None:
    problem = FleetProblem(
        workloads=(FleetWorkload("a", tuple(a)), FleetWorkload("b", tuple(b))),
        cards=(FleetCard("A", 1.0), FleetCard("B", 1.7)),
        rates=(
            FleetRate("a", "A", 1, rate),
            FleetRate("b", "A", 2, rate * 1.5),
            FleetRate("a", "B", 1, rate * 2),
            FleetRate("b", "B", 1, rate),
        ),
    )
    plan = optimize_fleet(problem, gap=1e-9)
    assert plan.usd_per_month <= naive_plan(problem).usd_per_month + 1e-6
    for card, used in plan.used_gpus.items():
        assert max(used) <= plan.held_gpus[card] + 1e-6
    for w, demand in (("a", a), ("b", b)):
        for t, d in enumerate(demand):
            served = sum(
                x.replicas[t] * problem.rate(w, x.card).requests_per_replica_hour  # type: ignore[union-attr]
                for x in plan.assignments
                if x.workload == w
            )
            assert served >= d - 1e-6


def test_packing_shares_one_gpu_by_hand() -> None:
    # a and b each need 50 req/h every hour; alone a replica serves 100/h on one $1 GPU, so apart
    # they take 2 GPUs ($1,460). Packed, one GPU serves 60/h of each (both resident, taking
    # turns): 1 GPU, $730, and the plan says a and b share it.
    problem = FleetProblem(
        workloads=(FleetWorkload("a", (50.0, 50.0)), FleetWorkload("b", (50.0, 50.0))),
        cards=(FleetCard("A", 1.0),),
        rates=(FleetRate("a", "A", 1, 100.0), FleetRate("b", "A", 1, 100.0)),
        packings=(FleetPacking(("a", "b"), "A", (60.0, 60.0), (0.5, 0.5)),),
    )
    plan = optimize_fleet(problem)
    assert plan.held_gpus == {"A": 1}
    assert plan.usd_per_month == pytest.approx(730.0)
    assert [(s.workloads, s.gpus) for s in plan.shared] == [(("a", "b"), (1.0, 1.0))]
    # busy: a fills 50/60 of its capacity for half the time, b the same: 5/6 of the GPU
    assert plan.utilization["A"] == pytest.approx(50 / 60)
    assert naive_plan(problem).usd_per_month == pytest.approx(1460.0)


def test_the_cuts_keep_the_optimum() -> None:
    # Demand 150 with replicas of 100 (A, $1) and 250 (B, $3): the cheapest integer cover is two A
    # replicas ($2/h) although the LP would take 1.5 of A ($1.50/h). The rounding rows must not
    # cut off that plan: 2 GPUs of A, $1,460.
    problem = FleetProblem(
        workloads=(FleetWorkload("a", (150.0,)),),
        cards=(FleetCard("A", 1.0), FleetCard("B", 3.0)),
        rates=(FleetRate("a", "A", 1, 100.0), FleetRate("a", "B", 1, 250.0)),
    )
    plan = optimize_fleet(problem, gap=1e-9)
    assert plan.held_gpus == {"A": 2}
    assert plan.status == "optimal"
    assert plan.lower_bound_usd_per_month == pytest.approx(1460.0, rel=1e-6)


def test_synthetic_fleet_small_is_feasible_and_beats_naive() -> None:
    # The benchmark's builder at a size a test can solve to optimality: every hour's demand
    # served, capacity never exceeded, and no dearer than the naive plan.
    problem = synthetic_fleet(3, workloads=6, cards=3, periods=6)
    plan = optimize_fleet(problem, gap=1e-6, time_limit=60)
    assert plan.status == "optimal"
    assert plan.usd_per_month <= naive_plan(problem).usd_per_month + 1e-6
    assert plan.lower_bound_usd_per_month <= plan.usd_per_month + 1e-6
    for card, used in plan.used_gpus.items():
        assert max(used) <= plan.held_gpus[card] + 1e-6
    for w in problem.workloads:
        for t, d in enumerate(w.demand_per_hour):
            served = sum(
                x.replicas[t] * problem.rate(w.name, x.card).requests_per_replica_hour  # type: ignore[union-attr]
                for x in plan.assignments
                if x.workload == w.name
            )
            assert served >= d - 1e-6
