"""Idle capacity put to work and priced, by hand: where each contracted GPU-hour went (used,
lent, batch, resold in whole nodes, idle), the ledger with resale credited back, batch work served
after bursts and reclaimed first, savings vs standalone with the idle share in, next-generation
phase-in by price per useful FLOP, and inference top-ups sized to the shortfall only."""

from __future__ import annotations

import pytest

from flopfolio.pool.chargeback import chargeback
from flopfolio.pool.contracting import (
    AcceleratorPrices,
    CardPeak,
    PriceOption,
    phase_in,
    plan_contracts,
    unmet_guarantees,
)
from flopfolio.pool.domain import (
    Allocation,
    AllocationKind,
    BatchRequest,
    BurstRequest,
    Contract,
    InferenceRequest,
    LedgerKind,
    Member,
    TrainingRequest,
)
from flopfolio.pool.engine import admit_guarantee, allocate
from flopfolio.pool.idle import monthly_use, totals
from flopfolio.pool.savings import StandalonePrice, savings_vs_standalone, standalone_cost

G, B, BATCH = AllocationKind.GUARANTEED, AllocationKind.BORROWED, AllocationKind.BATCH
H100 = "H100-SXM5-80GB"


def test_where_the_contracted_hours_went_by_hand() -> None:
    contracts = (
        Contract("a", "p", H100, "x", 16, 0, 2, 2.0),  # $2/GPU-h, months 0-1
        Contract("b", "p", H100, "x", 16, 1, 2, 3.0),  # $3/GPU-h, month 1 only
    )
    allocations = (
        Allocation("g", "m1", "a", 0, 2, 10, G, "t"),
        Allocation("l", "m2", "a", 0, 1, 3, B, "u"),
        Allocation("x", "m3", "b", 1, 2, 2, BATCH, "v"),
    )
    rows = monthly_use(contracts, allocations, 2, {H100: 1.0})
    # Month 0: 16 contracted on a; 10 used + 3 lent; 3 free, less than a node: idle at $2.
    m0 = rows[0]
    assert (m0.used_gpu_hours, m0.lent_gpu_hours, m0.resold_gpu_hours, m0.idle_gpu_hours) == (
        7_300, 2_190, 0, 2_190)  # fmt: skip
    assert m0.idle_cost_usd == pytest.approx(3 * 730 * 2.0)
    assert m0.utilization == pytest.approx(13 / 16)
    # Month 1: a has 6 free (idle at $2); b has 14 free: one 8-GPU node sold at $1, 6 idle at $3.
    m1 = rows[1]
    assert m1.contracted_gpu_hours == 32 * 730 and m1.batch_gpu_hours == 2 * 730
    assert m1.resold_gpu_hours == 8 * 730 and m1.resale_usd == pytest.approx(8 * 730 * 1.0)
    assert m1.idle_gpu_hours == 12 * 730
    assert m1.idle_cost_usd == pytest.approx(6 * 730 * 2.0 + 6 * 730 * 3.0)
    assert m1.contract_cost_usd == pytest.approx(16 * 730 * 2.0 + 16 * 730 * 3.0)
    t = totals(rows)
    assert t["utilization"] == pytest.approx((13 + 12) / 48)
    for r in rows:  # the parts add up to what is contracted
        d = r.as_dict()
        parts = ("used", "lent", "batch", "resold", "idle")
        assert sum(d[f"{p}_gpu_hours"] for p in parts) == d["contracted_gpu_hours"]


# One 16-GPU contract for one month at $2/GPU-h (11,680 GPU-hours, $23,360); a holds 4 GPUs by
# right, b borrows 2; 10 GPUs are free: one 8-GPU node resold at $1/GPU-h, 2 GPUs stay idle.
ONE = (Contract("c", "p", H100, "x", 16, 0, 1, 2.0),)
HELD = (Allocation("ga", "a", "c", 0, 1, 4, G, "ta"), Allocation("bb", "b", "c", 0, 1, 2, B, "bb"))
MEMBERS = (Member("a", "A"), Member("b", "B"))


def test_resale_is_credited_back_by_hand() -> None:
    ledger = chargeback(ONE, HELD, MEMBERS, 1, resale_usd_per_gpu_hour={H100: 1.0})
    a, b = ledger.bills["a"], ledger.bills["b"]
    assert a.quota_usd == pytest.approx(4 * 730 * 2.0)  # 5,840
    assert a.idle_usd == pytest.approx(12 * 730 * 2.0)  # everything outside quotas: 17,520
    assert b.borrowed_usd == pytest.approx(2 * 730 * 1.0)  # half price: 1,460, credited to a
    assert a.credit_usd == pytest.approx(1_460)
    assert ledger.resale_usd == pytest.approx(8 * 730 * 1.0) == a.resale_credit_usd  # 5,840
    assert a.net_usd == pytest.approx(5_840 + 17_520 - 1_460 - 5_840)
    assert a.net_usd + b.net_usd == pytest.approx(23_360 - 5_840)  # the members pay less resale
    assert ledger.resold_gpu_hours == 8 * 730 and ledger.unsold_idle_gpu_hours == 2 * 730
    assert abs(ledger.imbalance_usd) < 1e-6
    assert ledger.total_usd(LedgerKind.RESALE) == pytest.approx(5_840)
    # under the sponsor rule the resale lowers the sponsor's subsidy instead
    sponsor = chargeback(ONE, HELD, MEMBERS, 1, idle_rule="sponsor",
                         resale_usd_per_gpu_hour={H100: 1.0})  # fmt: skip
    assert sponsor.subsidy_usd == pytest.approx(17_520 - 1_460 - 5_840)
    assert abs(sponsor.imbalance_usd) < 1e-6


def test_each_card_pays_its_own_contracts() -> None:
    contracts = (*ONE, Contract("d", "p", "B200", "x", 8, 0, 1, 5.0))
    held = (*HELD, Allocation("gb", "b", "d", 0, 1, 8, G, "tb"))
    ledger = chargeback(contracts, held, MEMBERS, 1)
    assert ledger.usd_per_gpu_hour_by_accelerator == {H100: 2.0, "B200": 5.0}
    assert ledger.bills["b"].quota_usd == pytest.approx(8 * 730 * 5.0)
    assert ledger.bills["a"].idle_usd == pytest.approx(12 * 730 * 2.0)  # H100 idle: a's alone
    assert abs(ledger.imbalance_usd) < 1e-6


def test_savings_vs_standalone_include_the_idle_share() -> None:
    ledger = chargeback(ONE, HELD, MEMBERS, 1, resale_usd_per_gpu_hour={H100: 1.0})
    # Alone, a rents 2 GPUs at $1.50 and the other 2 above the cap at $4: (3 + 8) x 730 = $8,030.
    alone = standalone_cost(ONE, HELD, {H100: StandalonePrice(H100, 2, 1.5, 4.0)})
    assert alone == {"a": pytest.approx(8_030)}  # b only borrows: nothing bought alone
    s = savings_vs_standalone(ledger, alone)
    assert s["pooled_usd"] == pytest.approx(5_840 + 17_520 - 1_460 - 5_840)  # idle share in
    assert s["saving_usd"] == pytest.approx(8_030 - 16_060)  # a pool this idle costs more


def test_batch_runs_after_bursts_and_is_reclaimed_first() -> None:
    contract = (Contract("c", "p", H100, "x", 16, 0, 1, 2.0),)
    members = (Member("a", "A"), Member("b", "B"), Member("c", "C"))
    result = allocate(
        contract, members, [TrainingRequest("t", "a", (H100,), 8, 1, 0, 1)], [],
        [BurstRequest("u", "b", (H100,), 4, 0)], 1,
        batch=[BatchRequest("v", "c", (H100,), 8, 0)],
    )  # fmt: skip
    kinds = {a.request_id: (a.kind, a.gpus) for a in result.allocations}
    assert kinds == {"t": (G, 8), "u": (B, 4), "v": (BATCH, 4)}  # batch gets what bursts left
    assert result.unmet_gpu_months == {"v": 4}
    outcome, preempted = admit_guarantee(
        TrainingRequest("late", "a", (H100,), 4, 1, 0, 1), contract, result.allocations,
        lambda: "late/0",
    )  # fmt: skip
    assert isinstance(outcome, Allocation) and [a.request_id for a in preempted] == ["v"]


PRICES = {
    "H100": AcceleratorPrices("H100", PriceOption("m", "x", 0, 1.87)),
    "H200": AcceleratorPrices("H200", PriceOption("m", "x", 0, 2.65)),
    "B200": AcceleratorPrices("B200", PriceOption("m", "x", 0, 4.705)),
}
PEAKS = {
    "H100": CardPeak("H100", 989e12, 2022),
    "H200": CardPeak("H200", 989e12, 2024),
    "B200": CardPeak("B200", 2250e12, 2024),
}


def test_phase_in_by_price_per_useful_flop() -> None:
    runs = [
        TrainingRequest("h200", "m", ("H200", "B200"), 64, 2, 0, 4),
        TrainingRequest("h100", "m", ("H100", "B200"), 64, 2, 0, 4),
        TrainingRequest("b200", "m", ("B200", "H100"), 64, 2, 0, 4),
    ]
    out, moves = phase_in(runs, PRICES, PEAKS)
    # 64 H200 = 64 x 989 TFLOP/s = 28.1 B200s -> 32 (whole nodes) at $4.705 = $150.56/h, below
    # 64 x $2.65 = $169.60/h: moved, saving $19.04/h x 730 h x 2 months.
    (move,) = moves
    assert (move.request_id, move.to_accelerator, move.to_gpus) == ("h200", "B200", 32)
    assert move.saving_usd == pytest.approx((64 * 2.65 - 32 * 4.705) * 730 * 2)
    assert out[0].accelerators == ("B200",) and out[0].gpus == 32
    # H100 at $1.87 is cheaper per FLOP than B200 (32 x $4.705 > 64 x $1.87): stays. B200 -> H100
    # is not a newer generation: never moved back.
    assert out[1] == runs[1] and out[2] == runs[2]


def test_inference_top_up_is_the_shortfall_only() -> None:
    members = [Member("m", "M")]
    serve = [InferenceRequest("q", "m", "H100", 0, (12, 12, 12, 12))]
    plan = plan_contracts(members, [], serve, 4, PRICES)
    # Pooled demand 12 GPUs for 4 months: one whole 8-GPU node is busy every month -> reserved
    # [0, 4); the 4 GPUs left each month are rented on demand in one whole node.
    reserved = [c for c in plan.contracts if c.id in plan.reserved_ids]
    on_demand = [c for c in plan.contracts if c.id not in plan.reserved_ids]
    assert [(c.gpus, c.start_month, c.end_month) for c in reserved] == [(8, 0, 4)]
    assert [(c.gpus, c.start_month, c.end_month) for c in on_demand] == [(8, 0, 4)]
    held = sorted((a.contract_id in plan.reserved_ids, a.gpus) for a in plan.allocations)
    assert held == [(False, 4), (True, 8)]
    assert unmet_guarantees(members, [], serve, plan.allocations, 4) == {}
