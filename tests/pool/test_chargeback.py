"""Chargeback: a hand-calculated ledger under both idle rules, and the identity
Σ charges − Σ credits + Σ subsidies = Σ contract costs for random pools."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flopfolio.errors import InvalidSpecError
from flopfolio.pool.chargeback import chargeback
from flopfolio.pool.domain import (
    HOURS_PER_MONTH,
    Allocation,
    AllocationKind,
    Contract,
    LedgerKind,
    Member,
)
from tests.pool.test_engine import H, Portfolio, portfolios, synthetic_portfolio

G, INF, B = AllocationKind.GUARANTEED, AllocationKind.INFERENCE, AllocationKind.BORROWED
h = HOURS_PER_MONTH

# Two 10-GPU contracts for months 0–1 at $2 and $3: $29,200 + $43,800 = $73,000 for 29,200
# GPU-hours, so the internal price is $2.50 per GPU-hour.
CONTRACTS = (
    Contract("cheap", "cloud", "H100", "east", 10, 0, 2, 2.0),
    Contract("dear", "cloud", "H100", "west", 10, 0, 2, 3.0, upfront=True),
)
MEMBERS = (Member("a", "A"), Member("b", "B"), Member("c", "C"))
ALLOCATIONS = (
    Allocation("ga", "a", "cheap", 0, 2, 10, G, "ta"),  # 14,600 quota hours
    Allocation("ib", "b", "dear", 0, 2, 5, INF, "ib"),  # 7,300 quota hours
    Allocation("bc", "c", "dear", 0, 1, 4, B, "bc"),  # 2,920 borrowed hours in month 0
)


def test_pro_rata_ledger_by_hand() -> None:
    ledger = chargeback(CONTRACTS, ALLOCATIONS, MEMBERS, 2)
    assert ledger.internal_usd_per_gpu_hour == pytest.approx(2.5)
    assert ledger.contract_cost_usd == pytest.approx(sum(c.cost_usd for c in CONTRACTS)) == 73_000
    # Each month: 14,600 h contracted, 10,950 h in quotas (a 2/3, b 1/3), 3,650 h outside them:
    # $9,125 of idle cost. In month 0, c borrows 2,920 h at half price: $3,650, credited back
    # to a and b by the same 2/3 : 1/3 shares.
    a, b, c = ledger.bills["a"], ledger.bills["b"], ledger.bills["c"]
    assert a.quota_usd == pytest.approx(14_600 * 2.5)
    assert a.idle_usd == pytest.approx(2 * 9_125 * 2 / 3)
    assert a.credit_usd == pytest.approx(3_650 * 2 / 3)
    assert b.quota_usd == pytest.approx(7_300 * 2.5)
    assert b.idle_usd == pytest.approx(2 * 9_125 / 3)
    assert b.credit_usd == pytest.approx(3_650 / 3)
    assert (c.borrowed_gpu_hours, c.idle_usd) == (4 * h, 0)
    assert c.borrowed_usd == pytest.approx(3_650)
    assert a.net_usd == pytest.approx(36_500 + 12_166.6667 - 2_433.3333)
    assert a.net_usd + b.net_usd + c.net_usd == pytest.approx(73_000)
    assert ledger.subsidy_usd == 0 and abs(ledger.imbalance_usd) < 1e-6
    assert ledger.unused_gpu_hours == pytest.approx(2 * 20 * h - 21_900 - 2_920)
    credits = [e for e in ledger.entries if e.kind is LedgerKind.CREDIT]
    assert {(e.month, e.member_id) for e in credits} == {(0, "a"), (0, "b")}


def test_sponsor_covers_idle_capacity() -> None:
    ledger = chargeback(CONTRACTS, ALLOCATIONS, MEMBERS, 2, idle_rule="sponsor")
    assert [ledger.bills[m].net_usd for m in "abc"] == pytest.approx([36_500, 18_250, 3_650])
    # 2 × $9,125 of idle capacity less c's $3,650.
    assert ledger.subsidy_usd == pytest.approx(14_600)
    assert ledger.credits_usd == 0 and abs(ledger.imbalance_usd) < 1e-6


def test_a_subsidy_share_is_paid_by_the_sponsor() -> None:
    full = chargeback(CONTRACTS, ALLOCATIONS, MEMBERS, 2)
    half = chargeback(CONTRACTS, ALLOCATIONS, MEMBERS, 2, subsidy_share=0.5)
    for m in "abc":
        assert half.bills[m].net_usd == pytest.approx(full.bills[m].net_usd / 2)
    assert half.subsidy_usd == pytest.approx(36_500)
    assert half.total_usd(LedgerKind.CHARGE, "a") == pytest.approx(full.total_usd(LedgerKind.CHARGE, "a") / 2)  # fmt: skip
    assert abs(half.imbalance_usd) < 1e-6


def test_contracts_past_the_horizon_are_charged_for_the_horizon() -> None:
    long = (Contract("long", "cloud", "H100", "east", 4, 0, 12, 2.0),)
    ledger = chargeback(long, (Allocation("x", "a", "long", 0, 12, 4, G, "t"),), MEMBERS, 6)
    assert ledger.contract_cost_usd == pytest.approx(4 * 6 * h * 2.0)
    assert ledger.bills["a"].net_usd == pytest.approx(ledger.contract_cost_usd)


def test_a_month_nobody_holds_quota_in_falls_back_to_the_horizons_shares() -> None:
    # Month 1 has no quota at all: its idle cost goes 1 : 3 like the horizon's quota hours.
    allocations = (
        Allocation("x", "a", "cheap", 0, 1, 2, G, "t"),
        Allocation("y", "b", "dear", 0, 1, 6, INF, "i"),
    )
    ledger = chargeback(CONTRACTS, allocations, MEMBERS, 2)
    month1 = {e.member_id: e.usd for e in ledger.entries if e.month == 1 and e.kind is LedgerKind.CHARGE}  # fmt: skip
    assert month1 == pytest.approx({"a": 20 * h * 2.5 / 4, "b": 20 * h * 2.5 * 3 / 4})
    assert abs(ledger.imbalance_usd) < 1e-6
    # No quota anywhere: the sponsor carries everything.
    empty = chargeback(CONTRACTS, (), MEMBERS, 2)
    assert empty.subsidy_usd == pytest.approx(73_000) and empty.charges_usd == 0


def test_bad_input_is_named() -> None:
    with pytest.raises(InvalidSpecError, match="Did you mean 'sponsor'"):
        chargeback(CONTRACTS, ALLOCATIONS, MEMBERS, 2, idle_rule="sponsr")
    with pytest.raises(InvalidSpecError, match="borrowed_discount"):
        chargeback(CONTRACTS, ALLOCATIONS, MEMBERS, 2, borrowed_discount=1.5)
    with pytest.raises(InvalidSpecError, match="not among the members"):
        chargeback(CONTRACTS, ALLOCATIONS, MEMBERS[:2], 2)
    overbooked = (*ALLOCATIONS, Allocation("z", "a", "dear", 0, 1, 9, G, "z"))
    with pytest.raises(InvalidSpecError, match="allocated but"):
        chargeback(CONTRACTS, overbooked, MEMBERS, 2)


@given(
    portfolios(),
    st.floats(0, 1),
    st.sampled_from(["pro_rata_guaranteed", "sponsor"]),
    st.sampled_from([0.0, 0.25, 1.0]),
    st.integers(1, H + 2),
    st.booleans(),
)
def test_the_ledger_balances(
    p: Portfolio, discount: float, rule: str, subsidy: float, horizon: int, resell: bool
) -> None:
    allocations = p.run().allocations
    # resale below every contract's price, so no member is ever paid more than its idle share
    low = min((c.usd_per_gpu_hour for c in p.contracts), default=1.0) / 2
    resale = {c.accelerator_id: low for c in p.contracts} if resell else None
    ledger = chargeback(p.contracts, allocations, p.members, horizon, borrowed_discount=discount,
                        idle_rule=rule, subsidy_share=subsidy, resale_usd_per_gpu_hour=resale)  # fmt: skip
    charges = sum(e.usd for e in ledger.entries if e.kind is LedgerKind.CHARGE)
    credits = sum(e.usd for e in ledger.entries if e.kind is LedgerKind.CREDIT)
    subsidies = sum(e.usd for e in ledger.entries if e.kind is LedgerKind.SUBSIDY)
    contracts = sum(e.usd for e in ledger.entries if e.kind is LedgerKind.CONTRACT)
    sold = sum(e.usd for e in ledger.entries if e.kind is LedgerKind.RESALE)
    assert abs(charges - credits + subsidies + sold - contracts) < 1e-6
    assert sold >= 0 and (resell or sold == 0)
    cost = sum(c.capacity_at(m) * h * c.usd_per_gpu_hour for c in p.contracts for m in range(horizon))  # fmt: skip
    assert contracts == pytest.approx(cost)
    sign = {
        LedgerKind.CHARGE: 1,
        LedgerKind.CREDIT: -1,
        LedgerKind.SUBSIDY: 1,
        LedgerKind.RESALE: 1,
    }
    price = ledger.usd_per_gpu_hour_by_accelerator
    for month in range(horizon):  # each month recovers each card's price × its contracted hours
        recovered = sum(sign.get(e.kind, 0) * e.usd for e in ledger.entries if e.month == month)
        due = sum(c.capacity_at(month) * h * price.get(c.accelerator_id, 0.0) for c in p.contracts)
        assert recovered == pytest.approx(due, abs=1e-6)
    assert all(e.usd >= -1e-9 for e in ledger.entries)
    assert all(bill.credit_usd <= bill.idle_usd + 1e-9 for bill in ledger.bills.values())
    assert all(bill.net_usd >= -1e-9 for bill in ledger.bills.values())


def test_a_200_member_ledger_balances() -> None:
    from flopfolio.pool.engine import allocate

    p = synthetic_portfolio(200)
    r = allocate(p.contracts, p.members, p.training, p.inference, p.bursts, 36)
    ledger = chargeback(p.contracts, r.allocations, p.members, 36)
    assert abs(ledger.imbalance_usd) < 1e-6 * max(1.0, ledger.contract_cost_usd / 1e6)
    assert ledger.borrowed_gpu_hours > 0 and ledger.credits_usd > 0
