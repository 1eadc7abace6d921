"""The pool's engine: hand-calculated examples, and the invariants as properties — never
overbooked, guarantees honoured, membership respected, weighted fair share, borrowing limits."""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from dataclasses import dataclass, replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flopfolio.errors import InvalidSpecError
from flopfolio.planning.procurement import HOURS_PER_MONTH, Offer
from flopfolio.pool.domain import (
    Allocation,
    AllocationKind,
    BurstRequest,
    Contract,
    InferenceRequest,
    Member,
    TrainingRequest,
)
from flopfolio.pool.engine import (
    AllocationResult,
    ChangePlan,
    Graduate,
    Join,
    Requests,
    admit_guarantee,
    allocate,
    quota_gpus,
    reallocate,
    water_fill,
)
from flopfolio.pool.placement import Rejection, never_overbooked, place_inference, place_training
from flopfolio.pool.value import aggregate_demand, contracts_from_plan, program_value

G, INF, B = AllocationKind.GUARANTEED, AllocationKind.INFERENCE, AllocationKind.BORROWED
ACCS = ("H100", "A100")
H = 10  # months in the property tests


# --------------------------------------------------------------------------- shared strategies


@dataclass(frozen=True)
class Portfolio:
    contracts: tuple[Contract, ...]
    members: tuple[Member, ...]
    training: tuple[TrainingRequest, ...]
    inference: tuple[InferenceRequest, ...]
    bursts: tuple[BurstRequest, ...]

    def run(self, **kw: object) -> AllocationResult:
        return allocate(self.contracts, self.members, self.training, self.inference, self.bursts, H, **kw)  # type: ignore[arg-type]  # fmt: skip


@st.composite
def portfolios(
    draw: st.DrawFn, *, max_members: int = 5, everyone_always: bool = False
) -> Portfolio:
    """Small random pools: 1–4 contracts of two accelerators over 10 months, up to 5 members with
    any weights, join/graduation months and borrowing limits, and their requests."""
    contracts = []
    for i in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, 6))
        contracts.append(
            Contract(
                f"c{i}", "prov", draw(st.sampled_from(ACCS)), f"k{i}", draw(st.integers(1, 16)),
                start, draw(st.integers(start + 1, H)), draw(st.sampled_from([1.0, 2.5, 4.0])),
            )
        )  # fmt: skip
    members = []
    for i in range(draw(st.integers(1, max_members))):
        join = 0 if everyone_always else draw(st.integers(0, 4))
        graduation = None if everyone_always else draw(st.none() | st.integers(join + 1, H + 2))
        members.append(
            Member(
                f"m{i}", f"M{i}", cash_usd=draw(st.sampled_from([0.0, 1e5, 1e7])),
                weight=draw(st.sampled_from([0.5, 1.0, 2.0, 3.0])), join_month=join,
                graduation_month=graduation, borrowing_limit=draw(st.none() | st.integers(0, 8)),
            )
        )  # fmt: skip
    ids = st.sampled_from([m.id for m in members])
    accs = st.lists(st.sampled_from(ACCS), min_size=1, max_size=2, unique=True).map(tuple)
    training = []
    for i in range(draw(st.integers(0, 6))):
        d, e = draw(st.integers(1, 4)), draw(st.integers(0, H - 1))
        training.append(TrainingRequest(f"t{i}", draw(ids), draw(accs), draw(st.integers(1, 12)), d,
                                        e, draw(st.integers(e + d, e + d + 4))))  # fmt: skip
    inference = [
        InferenceRequest(
            f"i{i}",
            draw(ids),
            draw(st.sampled_from(ACCS)),
            draw(st.integers(0, H - 1)),
            tuple(draw(st.lists(st.integers(0, 6), min_size=1, max_size=6))),
        )
        for i in range(draw(st.integers(0, 5)))
    ]
    bursts = [
        BurstRequest(
            f"b{i}",
            draw(ids),
            draw(accs),
            draw(st.integers(1, 12)),
            draw(st.integers(0, H - 1)),
            draw(st.integers(1, 3)),
        )
        for i in range(draw(st.integers(0, 6)))
    ]
    return Portfolio(tuple(contracts), tuple(members), tuple(training), tuple(inference), tuple(bursts))  # fmt: skip


def synthetic_portfolio(n_members: int, months: int = 36, seed: int = 0) -> Portfolio:
    """A program of ``n_members`` startups joining over ``months``: most train, all serve, many
    burst; about one 128–1024-GPU contract of H100, H200 or B200 per 15 members."""
    rng = random.Random(seed)
    kinds = ("H100", "H200", "B200")
    contracts = []
    for k in range(max(3, n_members // 15)):
        start = rng.choice([0, 0, 0, 6, 12])
        end = min(months, start + rng.choice([12, 24, 36]))
        contracts.append(Contract(f"c{k}", "cloud", kinds[k % 3], f"cluster{k}",
                                  rng.choice([128, 256, 512, 1024]), start, end, rng.uniform(1.5, 3.5)))  # fmt: skip
    members, training, inference, bursts = [], [], [], []
    for i in range(n_members):
        join = rng.randrange(0, months - 1)
        graduation = join + rng.randint(6, 30) if rng.random() < 0.4 else None
        member = Member(f"m{i}", f"Startup {i}", weight=rng.choice([1.0, 1.0, 2.0]), join_month=join,
                        graduation_month=graduation, borrowing_limit=rng.choice([None, 64, 256]))  # fmt: skip
        members.append(member)
        for j in range(rng.choice([0, 1, 1, 2])):
            d = rng.randint(1, 4)
            e = join + rng.randint(0, 6)
            training.append(TrainingRequest(f"m{i}t{j}", member.id, tuple(rng.sample(kinds, rng.randint(1, 2))),
                                            rng.choice([8, 16, 32, 64, 128, 256]), d, e, e + d + rng.randint(0, 6)))  # fmt: skip
        inference.append(InferenceRequest.growing(f"m{i}i", member.id, rng.choice(kinds), join + rng.randint(0, 6),
                                                  rng.randint(6, 24), rng.uniform(1, 16), rng.uniform(0, 0.1)))  # fmt: skip
        for j in range(rng.choice([0, 1, 2, 3])):
            bursts.append(BurstRequest(f"m{i}b{j}", member.id, tuple(rng.sample(kinds, rng.randint(1, 2))),
                                       rng.choice([16, 64, 256]), join + rng.randint(0, 12), rng.randint(1, 6)))  # fmt: skip
    return Portfolio(tuple(contracts), tuple(members), tuple(training), tuple(inference), tuple(bursts))  # fmt: skip


def months_of(a: Allocation) -> range:
    return range(a.start_month, a.end_month)


def quota_kept(before: tuple[Allocation, ...], after: tuple[Allocation, ...]) -> bool:
    """Every guaranteed and inference allocation of ``before`` is in ``after``, unchanged."""
    now = set(after)
    return all(a in now for a in before if a.kind is not B)


def within_membership(members: tuple[Member, ...], allocations: tuple[Allocation, ...]) -> bool:
    by_id = {m.id: m for m in members}
    return all(by_id[a.member_id].active_in(m) for a in allocations for m in months_of(a))


def borrowed_by(
    p: Portfolio, allocations: tuple[Allocation, ...]
) -> dict[tuple[str, int, str], int]:
    acc = {c.id: c.accelerator_id for c in p.contracts}
    out: dict[tuple[str, int, str], int] = defaultdict(int)
    for a in allocations:
        if a.kind is B:
            for m in months_of(a):
                out[a.member_id, m, acc[a.contract_id]] += a.gpus
    return out


# --------------------------------------------------------------------------- hand-calculated examples

TWO = (
    Contract("c1", "cloud", "H100", "east", 16, 0, 6, 2.0),
    Contract("c2", "cloud", "H100", "west", 8, 0, 6, 3.0),
)
THREE = (
    Member("a", "A"),
    Member("b", "B", borrowing_limit=2),
    Member("c", "C", weight=3.0),
)


def test_two_contracts_three_members_by_hand() -> None:
    training = (
        TrainingRequest("ta", "a", ("H100",), 12, 3, 0, 6),
        TrainingRequest("tb", "b", ("H100",), 8, 2, 0, 4),
    )
    inference = (InferenceRequest("ic", "c", "H100", 0, (4,) * 6),)
    bursts = tuple(BurstRequest(f"b{m.id}", m.id, ("H100",), 20, 4) for m in THREE)
    r = allocate(TWO, THREE, training, inference, bursts, 6)
    got = {(a.request_id, a.contract_id, a.start_month, a.end_month, a.gpus, a.kind) for a in r.allocations}  # fmt: skip
    assert got == {
        # tb's deadline (4) comes first; at month 0 both contracts fit 8, c2 (8 free) is tighter.
        ("tb", "c2", 0, 2, 8, G),
        # ta: c2 is full until month 2, so c1 at month 0.
        ("ta", "c1", 0, 3, 12, G),
        # months 0–2: c1 has 4 free, c2 0 (then 8) → the fullest with room is c1; months 3–5: c2
        # (8 free) is fuller than c1 (16 free).
        ("ic", "c1", 0, 3, 4, INF),
        ("ic", "c2", 3, 6, 4, INF),
        # month 4: idle = 16 + 4 = 20. b may borrow 2; a (w=1) and c (w=3) share the rest:
        # λ + 3λ + 2 = 20 → λ = 4.5 → a 4, c 13, one left → lowest (x+1)/w: c (14/3 < 5/1).
        # The fullest contract first: c2's 4 go to a (first by id), c1 gives b 2 and c 14.
        ("ba", "c2", 4, 5, 4, B),
        ("bb", "c1", 4, 5, 2, B),
        ("bc", "c1", 4, 5, 14, B),
    }
    assert r.rejections == ()
    assert r.unmet_gpu_months == {"ba": 16, "bb": 18, "bc": 6}
    # contracted 24 a month; allocated: 24, 24, 16 (ta + ic), 4, 24, 4.
    assert r.utilization == pytest.approx((1, 1, 16 / 24, 4 / 24, 1, 4 / 24))
    assert r.borrowed_gpus == (0, 0, 0, 0, 20, 0)
    assert quota_gpus(TWO, r.allocations, "c", 4) == {"H100": 4}
    assert never_overbooked(TWO, r.allocations)


def test_runs_must_end_before_graduation_and_start_after_joining() -> None:
    members = (Member("late", "L", join_month=2), Member("leaving", "G", graduation_month=3))
    training = (
        TrainingRequest("early", "late", ("H100",), 4, 2, 0, 3),  # joins at 2: months 2–3 > 3
        TrainingRequest("long", "leaving", ("H100",), 4, 3, 1, 6),  # would end at 4 > 3
        TrainingRequest("ok", "leaving", ("H100",), 4, 3, 0, 6),  # months 0–2
    )
    inference = (InferenceRequest("inf", "late", "H100", 0, (2, 2, 2, 2)),)  # only months 2, 3
    r = allocate(TWO, members, training, inference, (), 6)
    rejected = {x.request_id for x in r.rejections}
    assert rejected == {"early", "long"}
    assert "graduation" not in str(r.rejections) and "until month 3" in str(r.rejections)
    placed = {a.request_id: a for a in r.allocations}
    assert (placed["ok"].start_month, placed["ok"].end_month) == (0, 3)
    assert (placed["inf"].start_month, placed["inf"].end_month) == (2, 4)


def test_an_unknown_member_or_contract_is_named() -> None:
    with pytest.raises(InvalidSpecError, match=r"'cc'.*Did you mean 'c'"):
        allocate(TWO, THREE, (TrainingRequest("t", "cc", ("H100",), 1, 1, 0, 1),), (), (), 6)
    stray = Allocation("x", "a", "c9", 0, 1, 1, G, "t")
    with pytest.raises(InvalidSpecError, match="c9"):
        allocate(TWO, THREE, (), (), (), 6, existing=(stray,))
    with pytest.raises(InvalidSpecError, match="twice"):
        allocate(TWO, (*THREE, Member("a", "again")), (), (), (), 6)


def test_admit_guarantee_preempts_the_latest_borrowed_first() -> None:
    pool = (Contract("c", "cloud", "H100", "east", 8, 0, 4, 2.0),)
    lent = (
        Allocation("old", "x", "c", 0, 4, 3, B, "b1"),
        Allocation("mid", "y", "c", 0, 2, 2, B, "b2"),
        Allocation("new", "z", "c", 2, 4, 1, B, "b3"),
    )
    ids = iter(f"n{i}" for i in itertools.count())
    # 4 GPUs in months 0–1 fit beside old (3) + mid (2): 3 free — no. Released: mid is the latest
    # overlapping months 0–1 (new does not overlap them); 5 free then: enough.
    run = TrainingRequest("run", "a", ("H100",), 4, 2, 0, 2)
    placed, preempted = admit_guarantee(run, pool, lent, lambda: next(ids))
    assert isinstance(placed, Allocation) and (placed.start_month, placed.gpus) == (0, 4)
    assert [a.id for a in preempted] == ["mid"]
    # Months 0–1 have 3 free, months 2–3 have 4: a later start fits, nothing is preempted.
    loose = TrainingRequest("loose", "a", ("H100",), 4, 1, 0, 4)
    placed, preempted = admit_guarantee(loose, pool, lent, lambda: next(ids))
    assert isinstance(placed, Allocation) and placed.start_month == 2 and preempted == ()
    # More than the contract holds: rejected, nothing preempted.
    huge = TrainingRequest("huge", "a", ("H100",), 9, 1, 0, 4)
    placed, preempted = admit_guarantee(huge, pool, lent, lambda: next(ids))
    assert isinstance(placed, Rejection) and preempted == ()


def test_allocate_takes_borrowed_capacity_back_for_a_new_guarantee() -> None:
    first = allocate(TWO, THREE, (), (), (BurstRequest("burst", "a", ("H100",), 24, 0, 2),), 6)
    assert first.borrowed_gpus[:2] == (24, 24)
    run = TrainingRequest("run", "c", ("H100",), 16, 2, 0, 2)
    second = allocate(TWO, THREE, (run,), (), (), 6, existing=first.allocations)
    assert [a.request_id for a in second.preempted] == ["burst"]
    assert {a.request_id for a in second.allocations} == {"run", "burst"}  # burst kept elsewhere
    assert never_overbooked(TWO, second.allocations)


def test_graduation_hands_capacity_to_the_next_cohort() -> None:
    pool = (Contract("c", "cloud", "H100", "east", 16, 0, 12, 2.0),)
    alumni = (Member("old", "Old"),)
    r = allocate(
        pool, alumni, (TrainingRequest("big", "old", ("H100",), 16, 10, 0, 12),), (), (), 12
    )
    newcomer = Member("new", "New", join_month=4)
    wanted = TrainingRequest("first-run", "new", ("H100",), 8, 3, 4, 10)
    joined = reallocate(pool, alumni, r.allocations, Join(newcomer, Requests((wanted,))), 12)
    assert [x.request_id for x in joined.rejections] == ["first-run"]
    assert joined.waiting.training == (wanted,)
    done = reallocate(pool, joined.members, joined.allocations, Graduate("old", 5), 12,
                      waiting=joined.waiting)  # fmt: skip
    assert [(b.end_month, a.end_month) for b, a in done.cut] == [(10, 5)]
    assert [(a.request_id, a.start_month, a.end_month) for a in done.added] == [("first-run", 5, 8)]
    assert done.waiting == Requests()
    assert {m.id: m.graduation_month for m in done.members} == {"old": 5, "new": None}
    assert never_overbooked(pool, done.allocations)


def test_a_changed_plan_releases_the_future_and_places_the_new() -> None:
    pool = (Contract("c", "cloud", "H100", "east", 16, 0, 12, 2.0),)
    members = (Member("a", "A"), Member("b", "B"))
    before = allocate(pool, members, (TrainingRequest("old", "a", ("H100",), 8, 6, 0, 12),),
                      (InferenceRequest("serve", "b", "H100", 0, (4,) * 12),), (), 12)  # fmt: skip
    new = Requests(inference=(InferenceRequest("serve2", "a", "H100", 3, (12,) * 4),))
    after = reallocate(pool, members, before.allocations, ChangePlan("a", 3, new), 12)
    assert [(b.end_month, a.end_month) for b, a in after.cut] == [(6, 3)]
    assert [(a.request_id, a.start_month, a.end_month, a.gpus) for a in after.added] == [("serve2", 3, 7, 12)]  # fmt: skip
    assert quota_kept(tuple(a for a in before.allocations if a.member_id == "b"), after.allocations)
    with pytest.raises(InvalidSpecError, match="carries requests of"):
        reallocate(pool, members, before.allocations, ChangePlan("b", 3, new), 12)


def test_water_fill_by_hand() -> None:
    assert water_fill(8, [1, 2, 1], [0, 0, 0], [100, 100, 100]) == (2, 4, 2)
    # 7 left for weights 2 and 1: λ = 7/3 → 4 and 2; the last GPU to the lowest (x+1)/w: 5/2 < 3/1.
    assert water_fill(8, [1, 2, 1], [0, 0, 0], [1, 100, 100]) == (1, 5, 2)
    assert water_fill(10, [1, 1], [4, 0], [100, 100]) == (3, 7)  # levels 7 and 7
    assert water_fill(3, [1, 1, 1], [0, 0, 0], [5, 5, 5], ["z", "y", "x"]) == (1, 1, 1)
    assert water_fill(2, [1, 1, 1], [0, 0, 0], [5, 5, 5], ["z", "y", "x"]) == (0, 1, 1)
    assert water_fill(50, [1, 1], [0, 0], [3, 4]) == (3, 4)
    assert water_fill(0, [1], [0], [3]) == (0,)


def test_aggregate_demand_by_hand() -> None:
    members = (Member("a", "A"), Member("b", "B"), Member("gone", "G", graduation_month=1))
    training = (
        TrainingRequest("ta", "a", ("H100", "A100"), 8, 2, 0, 6),  # first accelerator: H100
        TrainingRequest("tb", "b", ("H100",), 8, 2, 2, 6),
        TrainingRequest("tg", "gone", ("H100",), 8, 2, 0, 6),  # leaves before it can end
    )
    inference = (InferenceRequest("ia", "a", "H100", 0, (4, 4, 4, 4)),)
    d = aggregate_demand(members, training, inference, 6)
    h100 = d.by_accelerator["H100"]
    assert h100.training_gpus == (8, 8, 8, 8, 0, 0)
    assert h100.base_gpus == (12, 12, 12, 12, 0, 0)
    assert h100.low_gpus == pytest.approx((10.8,) * 4 + (0, 0))
    assert h100.high_gpus == pytest.approx((14,) * 4 + (0, 0))
    # a peaks at 12 (months 0–1), b at 8; the pool at 12: 8 GPUs (40%) of diversification.
    assert (h100.sum_of_member_peaks_gpus, h100.pooled_peak_gpus) == (20, 12)
    assert h100.diversification_gpus == 8 and h100.diversification_share == pytest.approx(0.4)
    assert [r.request_id for r in d.dropped] == ["tg"]
    with pytest.raises(InvalidSpecError, match="low"):
        aggregate_demand(members, training, inference, 6, low=1.2)


OFFERS = (Offer("h100 od", "H100", 0, 4.0, 8), Offer("h100 1y", "H100", 12, 2.2))


@pytest.mark.parametrize("small_cash", [1e5, 0.0])  # too little to commit; nothing at all
def test_program_value_pools_cheaper_and_serves_a_member_that_cannot_commit(small_cash: float) -> None:  # fmt: skip
    members = (
        Member("big", "Big", cash_usd=20e6),
        Member("mid", "Mid", cash_usd=5e6),
        Member("small", "Small", cash_usd=small_cash),
    )
    training = (
        TrainingRequest("tb", "big", ("H100",), 32, 3, 0, 6),
        TrainingRequest("tm", "mid", ("H100",), 16, 2, 2, 8),
        # 48 GPU-months by month 4: on demand gives at most 8 × 4 = 32, so small must commit
        # ≥ 4 GPUs for a year (4 × $2.2 × 730 × 12 = $77,088) — more than half of $100k.
        TrainingRequest("ts", "small", ("H100",), 24, 2, 0, 4),
    )
    inference = (
        InferenceRequest("ib", "big", "H100", 6, (8,) * 6),
        InferenceRequest("im", "mid", "H100", 8, (4,) * 4),
    )
    v = program_value(members, training, inference, OFFERS, 12, 50e6, gap=0.0)
    assert v.day_one_members == ("small",)
    assert "risk limit" in v.infeasible_alone["small"]
    # mid alone, by hand: 5 GPUs for a year ($96,360) cover 30 of its 32 GPU-months of training
    # and the base and low inference; 2 GPU-months on demand ($5,840) and the high scenario's
    # 1 GPU × 4 months at probability 0.25 ($2,920) make $105,120.
    year = 2.2 * HOURS_PER_MONTH * 12
    on_demand = 4.0 * HOURS_PER_MONTH
    assert v.standalone_cost_by_member["mid"] == pytest.approx(5 * year + 2 * on_demand + on_demand)
    assert v.comparable_pooled_cost_usd <= v.standalone_cost_usd + 1e-6
    assert v.value_usd == pytest.approx(v.standalone_cost_usd - v.comparable_pooled_cost_usd)
    assert v.value_usd > 0  # one pooled commitment instead of two half-used ones
    assert v.pooled_cost_usd >= v.comparable_pooled_cost_usd  # serving small too costs more
    assert v.pooled_committed_usd > 0 and v.standalone_committed_usd > 0
    contracts = contracts_from_plan(v.pooled_plan)
    assert sum(c.cost_usd for c in contracts) == pytest.approx(v.pooled_plan.committed_usd)
    # The pooled contracts give small its run on day one.
    r = allocate(contracts, members, training[2:], (), (), 12)
    assert r.rejections == () and r.allocations[0].start_month == 0


def test_program_value_without_infeasible_members_compares_the_same_pool() -> None:
    members = (Member("x", "X", cash_usd=1e7), Member("y", "Y", cash_usd=1e7))
    inference = (
        InferenceRequest("ix", "x", "H100", 0, (6,) * 12),
        InferenceRequest("iy", "y", "H100", 0, (6,) * 12),
    )
    v = program_value(members, (), inference, OFFERS, 12, 1e7, gap=0.0)
    assert v.day_one_members == () and v.comparable_pooled_cost_usd == v.pooled_cost_usd
    assert v.pooled_cost_usd <= v.standalone_cost_usd + 1e-6


# --------------------------------------------------------------------------- properties


@given(portfolios())
def test_never_overbooked_and_within_membership(p: Portfolio) -> None:
    r = p.run()
    assert never_overbooked(p.contracts, r.allocations)
    assert within_membership(p.members, r.allocations)
    assert all(a.end_month <= H for a in r.allocations)
    assert r.allocated_gpus == tuple(sum(a.gpus_at(m) for a in r.allocations) for m in range(H))
    placed = {a.request_id for a in r.allocations}
    rejected = {x.request_id for x in r.rejections}
    assert not placed & rejected


@given(portfolios())
def test_borrowing_limits_are_respected(p: Portfolio) -> None:
    r = p.run()
    limit = {m.id: m.borrowing_limit for m in p.members}
    for (member, _, _), gpus in borrowed_by(p, r.allocations).items():
        cap = limit[member]
        assert cap is None or gpus <= cap


@given(portfolios(), st.randoms(use_true_random=False))
def test_guarantees_survive_later_allocations(p: Portfolio, rnd: random.Random) -> None:
    def split(xs: tuple[object, ...]) -> tuple[list[object], list[object]]:
        first = [x for x in xs if rnd.random() < 0.5]
        return first, [x for x in xs if x not in first]

    (t1, t2), (i1, i2), (b1, b2) = split(p.training), split(p.inference), split(p.bursts)
    first = allocate(p.contracts, p.members, t1, i1, b1, H)  # type: ignore[arg-type]
    second = allocate(p.contracts, p.members, t2, i2, b2, H, existing=first.allocations)  # type: ignore[arg-type]  # fmt: skip
    assert quota_kept(first.allocations, second.allocations)
    assert all(a.kind is B and a in first.allocations for a in second.preempted)
    assert never_overbooked(p.contracts, second.allocations)
    # Placing again changes nothing: requests holding allocations are not placed twice.
    again = allocate(p.contracts, p.members, t1, i1, b1, H, existing=first.allocations)  # type: ignore[arg-type]  # fmt: skip
    assert again.allocations == first.allocations


@given(portfolios(), st.integers(1, 12), st.integers(1, 3), st.integers(0, 6), st.integers(0, 3))
def test_admit_guarantee_preempts_if_and_only_if_that_makes_it_fit(
    p: Portfolio, gpus: int, duration: int, earliest: int, slack: int
) -> None:
    state = p.run().allocations
    run = TrainingRequest("new", p.members[0].id, ("H100",), gpus, duration, earliest,
                          earliest + duration + slack)  # fmt: skip
    counter = itertools.count()
    outcome, preempted = admit_guarantee(run, p.contracts, state, lambda: f"n{next(counter)}")
    plain = place_training(run, p.contracts, state, lambda: "plain")
    if isinstance(plain, Allocation):  # fits as it is: the same place, nothing preempted
        assert isinstance(outcome, Allocation) and preempted == ()
        assert (outcome.contract_id, outcome.start_month) == (plain.contract_id, plain.start_month)
    else:
        unborrowed = [a for a in state if a.kind is not B]
        fits_released = isinstance(place_training(run, p.contracts, unborrowed, lambda: "x"), Allocation)  # fmt: skip
        assert isinstance(outcome, Allocation) == fits_released
        assert bool(preempted) == fits_released
    assert all(a.kind is B for a in preempted)
    kept = [a for a in state if a not in preempted]
    if isinstance(outcome, Allocation):
        assert never_overbooked(p.contracts, [*kept, outcome])


@given(portfolios(everyone_always=True))
def test_guarantees_follow_the_placement_rules(p: Portfolio) -> None:
    """The array-based engine picks what placement.place_training and place_inference pick."""
    r = allocate(p.contracts, p.members, p.training, p.inference, (), 30)
    expected: list[Allocation] = []
    ids = (f"x{i}" for i in itertools.count())
    for t in sorted(
        p.training, key=lambda t: (t.deadline_month, -t.gpus, -t.duration_months, t.id)
    ):
        out = place_training(t, p.contracts, expected, lambda: next(ids))
        if isinstance(out, Allocation):
            expected.append(out)
    for q in sorted(p.inference, key=lambda q: (q.start_month, -max(q.gpus_by_month), q.id)):
        if any(q.gpus_by_month):
            out2 = place_inference(q, p.contracts, expected, lambda: next(ids))
            if not isinstance(out2, Rejection):
                expected += out2

    def key(a: Allocation) -> tuple[object, ...]:
        return a.request_id, a.contract_id, a.start_month, a.end_month, a.gpus, a.kind

    assert sorted(map(key, r.allocations)) == sorted(map(key, expected))


@given(st.integers(1, 60), st.integers(2, 6), st.integers(0, 40), st.integers(1, 3))
def test_equal_weights_and_unlimited_requests_borrow_within_one_gpu(
    capacity: int, n: int, guaranteed: int, months: int
) -> None:
    pool = (
        Contract("c1", "cloud", "H100", "east", capacity, 0, 4, 2.0),
        Contract("c2", "cloud", "H100", "west", capacity // 2 + 1, 0, 4, 2.0),
    )
    members = tuple(Member(f"m{i}", f"M{i}") for i in range(n))
    owner = Member("owner", "Owner")
    training = (TrainingRequest("t", "owner", ("H100",), min(guaranteed, capacity) or 1, 2, 0, 4),)
    bursts = tuple(BurstRequest(f"b{i}", f"m{i}", ("H100",), 10_000, 0, months) for i in range(n))
    r = allocate(pool, (*members, owner), training, (), bursts, 4)
    got = borrowed_by(Portfolio(pool, members, (), (), ()), r.allocations)
    for m in range(months):
        shares = [got.get((f"m{i}", m, "H100"), 0) for i in range(n)]
        assert max(shares) - min(shares) <= 1
        assert sum(shares) == r.contracted_gpus[m] - (r.allocated_gpus[m] - r.borrowed_gpus[m])


@given(
    st.integers(0, 200),
    st.lists(
        st.tuples(st.sampled_from([0.5, 1.0, 2.0, 3.0]), st.integers(0, 60)), min_size=1, max_size=8
    ),
)
def test_water_fill_is_work_conserving_and_envy_free(idle: int, claims: list[tuple[float, int]]) -> None:  # fmt: skip
    weights = [w for w, _ in claims]
    wanted = [r for _, r in claims]
    x = water_fill(idle, weights, [0] * len(claims), wanted)
    assert sum(x) == min(idle, sum(wanted))
    assert all(0 <= xi <= ri for xi, ri in zip(x, wanted, strict=True))
    for i, (wi, ri) in enumerate(claims):
        if x[i] < ri:  # i wanted more: nobody holds more than one GPU above i's level
            assert all(x[j] / weights[j] <= (x[i] + 1) / wi + 1e-9 for j in range(len(claims)))


@st.composite
def events(draw: st.DrawFn, p: Portfolio) -> list[Join | Graduate | ChangePlan]:
    out: list[Join | Graduate | ChangePlan] = []
    for k in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["join", "graduate", "change"]))
        member = draw(st.sampled_from(p.members))
        month = draw(st.integers(member.join_month + 1, H))
        if kind == "join":
            new = Member(f"new{k}", "N", join_month=draw(st.integers(0, H - 1)))
            run = TrainingRequest(f"n{k}", new.id, ("H100",), draw(st.integers(1, 8)), 2,
                                  new.join_month, H + 2)  # fmt: skip
            out.append(Join(new, Requests((run,))))
        elif kind == "graduate":
            out.append(Graduate(member.id, month))
        else:
            serve = InferenceRequest(
                f"c{k}", member.id, "H100", month, (draw(st.integers(1, 8)),) * 2
            )
            out.append(ChangePlan(member.id, month, Requests(inference=(serve,))))
    return out


@given(st.data())
def test_reallocation_keeps_guarantees_and_never_overbooks(data: st.DataObject) -> None:
    p = data.draw(portfolios())
    r = p.run()
    members, allocations, waiting = p.members, r.allocations, Requests()
    for event in data.draw(events(p)):
        if not isinstance(event, Join):
            current = {m.id: m for m in members}[event.member_id]
            graduated = (
                current.graduation_month is not None and current.graduation_month < event.month
            )
            if isinstance(event, Graduate) and graduated:
                with pytest.raises(InvalidSpecError, match="already graduated"):
                    reallocate(p.contracts, members, allocations, event, H)
                continue
        out = reallocate(p.contracts, members, allocations, event, H, waiting=waiting)
        if isinstance(event, Join):
            assert quota_kept(allocations, out.allocations)
        else:
            mine = tuple(a for a in allocations if a.member_id == event.member_id)
            assert quota_kept(tuple(a for a in allocations if a not in mine), out.allocations)
            for a in mine:  # cut exactly at the event's month, never earlier
                if a.start_month < event.month:
                    cut = a if a.end_month <= event.month else replace(a, end_month=event.month)
                    assert cut in out.allocations
            assert all(a.start_month >= event.month for a in out.added)
        assert all(a.kind is B for a in out.preempted)
        assert never_overbooked(p.contracts, out.allocations)
        assert within_membership(out.members, out.allocations)
        members, allocations, waiting = out.members, out.allocations, out.waiting


def test_a_200_member_program_over_36_months() -> None:
    n = 200
    p = synthetic_portfolio(n)
    r = allocate(p.contracts, p.members, p.training, p.inference, p.bursts, 36)
    assert never_overbooked(p.contracts, r.allocations)
    assert within_membership(p.members, r.allocations)
    assert len(r.allocations) > n and max(r.utilization) > 0.5
    limit = {m.id: m.borrowing_limit for m in p.members}
    assert all(limit[m] is None or g <= limit[m] for (m, _, _), g in borrowed_by(p, r.allocations).items())  # type: ignore[operator]  # fmt: skip
