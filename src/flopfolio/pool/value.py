"""The pool's demand and value (pure): what the portfolio asks for, pooled, and what pooling
saves against every member buying alone. Months and windows as in :mod:`flopfolio.pool.engine`.

Demand — :func:`aggregate_demand`
  A training request of ``g`` GPUs for ``d`` months counts ``g`` GPUs of its *first* accelerator in
  each month of its earliest feasible window ``[lo, lo + d)``, ``lo = max(earliest, join)``; the
  window must end by ``min(deadline, graduation, horizon)``, otherwise the run is dropped (and
  named). Inference counts ``gpus_at(t)`` of its accelerator in the months its member is active.
  Per accelerator and month: ``base = training + inference``, ``low = training + low·inference``,
  ``high = training + high·inference`` — a run is a plan, inference a forecast, so only the
  forecast is banded. Diversification: ``Σ_i max_t base_{i,t}`` (every member holding its own
  peak) against ``max_t Σ_i base_{i,t}`` (the pool holding the peak of the sum).

Value — :func:`program_value`
  The same demand becomes procurement roadmaps (:mod:`flopfolio.planning.procurement`): a request
  of ``g`` GPUs × ``d`` months is a run of ``W = g·d·σ`` reference GPU-months, ``σ`` the speed of
  its first accelerator (``speeds``, default 1.0 for training and inference alike), window
  ``[lo, hi − 1]`` (the roadmap's deadline is inclusive); inference is ``gpus·σ`` reference GPUs.
  Scenarios: inference × ``low`` / 1 / ``high`` with probabilities 0.25 / 0.5 / 0.25. The pool
  solves one roadmap for everybody with the program's cash as its risk limit and ``pool_offers``
  (default: the members' offers with every ``max_gpus`` multiplied by the number of members with
  demand — one buyer's allowance per member). Each member solves its own roadmap with its own
  cash (cash ≤ 0: no commitments at all). A member whose roadmap is infeasible alone is a *day-one*
  member: the pool serves it, it could not buy alone. ``value_usd = Σ standalone − pooled`` over
  the members who *can* buy alone (the pool re-solved for just them), so the two sides buy the
  same demand. Pooled ≤ standalone holds whenever the pool's offers are at least as good and its
  risk limit covers the members' commitments together: their plans combined are then a pool plan.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from flopfolio.errors import InfeasiblePlanError, InvalidSpecError
from flopfolio.planning.procurement import (
    DEFAULT_GAP,
    Accelerator,
    Offer,
    Plan,
    Roadmap,
    Scenario,
    TrainingRun,
    optimize,
)
from flopfolio.pool.domain import (
    Contract,
    InferenceRequest,
    Member,
    TrainingRequest,
)
from flopfolio.pool.membership import (
    check_horizon,
    member_of,
    members_by_id,
    run_window,
    window_reason,
)
from flopfolio.pool.placement import Rejection

SCENARIO_PROBABILITIES = (0.25, 0.5, 0.25)  # low, base, high inference


@dataclass(frozen=True, slots=True)
class AcceleratorDemand:
    accelerator_id: str
    training_gpus: tuple[int, ...]  # per month
    inference_gpus: tuple[int, ...]
    low_gpus: tuple[float, ...]
    base_gpus: tuple[float, ...]
    high_gpus: tuple[float, ...]
    sum_of_member_peaks_gpus: int
    pooled_peak_gpus: int

    @property
    def diversification_gpus(self) -> int:
        return self.sum_of_member_peaks_gpus - self.pooled_peak_gpus

    @property
    def diversification_share(self) -> float:
        peaks = self.sum_of_member_peaks_gpus
        return self.diversification_gpus / peaks if peaks else 0.0


@dataclass(frozen=True, slots=True)
class PooledDemand:
    horizon_months: int
    low: float
    high: float
    by_accelerator: dict[str, AcceleratorDemand]
    dropped: tuple[Rejection, ...]  # runs that cannot fit the member's time in the horizon


@dataclass(frozen=True, slots=True)
class ProgramValue:
    pooled_cost_usd: float  # the pool buying for every member (expected cost)
    pooled_committed_usd: float
    pooled_committed_gpu_months: float
    comparable_pooled_cost_usd: float  # the pool buying for the members who can buy alone
    standalone_cost_usd: float  # Σ over the members who can buy alone
    standalone_committed_usd: float
    standalone_committed_gpu_months: float
    standalone_cost_by_member: dict[str, float]
    day_one_members: tuple[str, ...]  # cannot buy alone, served in the pool
    infeasible_alone: dict[str, str]  # member -> why its own roadmap fails
    pooled_plan: Plan
    standalone_plans: dict[str, Plan]
    dropped: tuple[Rejection, ...]

    @property
    def value_usd(self) -> float:
        return self.standalone_cost_usd - self.comparable_pooled_cost_usd

    @property
    def value_share(self) -> float:
        return self.value_usd / self.standalone_cost_usd if self.standalone_cost_usd else 0.0


# --------------------------------------------------------------------------- (a) demand


def aggregate_demand(
    members: Sequence[Member],
    training: Sequence[TrainingRequest],
    inference: Sequence[InferenceRequest],
    horizon_months: int,
    *,
    low: float = 0.7,
    high: float = 1.5,
) -> PooledDemand:
    """Pooled demand per accelerator and month with its band and diversification benefit."""
    check_horizon(horizon_months)
    if not 0 <= low <= 1 <= high:
        raise InvalidSpecError(
            f"need 0 ≤ low ({low}) ≤ 1 ≤ high ({high}). To fix: scale factors around the base forecast."
        )
    by_id = members_by_id(members)
    horizon = horizon_months
    train: dict[str, list[int]] = {}
    infer: dict[str, list[int]] = {}
    own: dict[tuple[str, str], list[int]] = {}  # (member, accelerator) -> base GPUs per month
    dropped: list[Rejection] = []

    def add(table: dict[str, list[int]], member_id: str, acc: str, month: int, gpus: int) -> None:
        table.setdefault(acc, [0] * horizon)[month] += gpus
        own.setdefault((member_id, acc), [0] * horizon)[month] += gpus

    for r in training:
        member = member_of(r.id, r.member_id, by_id)
        lo, hi = run_window(r, member, horizon)
        if lo + r.duration_months > hi:
            dropped.append(Rejection(r.id, window_reason(r, member, lo, hi, horizon)))
            continue
        for t in range(lo, lo + r.duration_months):
            add(train, member.id, r.accelerators[0], t, r.gpus)
    for q in inference:
        member = member_of(q.id, q.member_id, by_id)
        for t in range(max(0, q.start_month), min(horizon, q.start_month + len(q.gpus_by_month))):
            if member.active_in(t) and q.gpus_at(t):
                add(infer, member.id, q.accelerator_id, t, q.gpus_at(t))
    out: dict[str, AcceleratorDemand] = {}
    for acc in sorted(train.keys() | infer.keys()):
        tr = train.get(acc, [0] * horizon)
        inf = infer.get(acc, [0] * horizon)
        base = [a + b for a, b in zip(tr, inf, strict=True)]
        peaks = sum(max(row) for (_, a), row in own.items() if a == acc)
        out[acc] = AcceleratorDemand(
            acc,
            tuple(tr),
            tuple(inf),
            tuple(a + low * b for a, b in zip(tr, inf, strict=True)),
            tuple(float(x) for x in base),
            tuple(a + high * b for a, b in zip(tr, inf, strict=True)),
            peaks,
            max(base),
        )
    return PooledDemand(horizon, low, high, out, tuple(dropped))


# --------------------------------------------------------------------------- (b) program value


def _roadmap(
    horizon: int,
    accelerators: tuple[Accelerator, ...],
    offers: tuple[Offer, ...],
    runs: Sequence[TrainingRun],
    inference: Sequence[float],
    low: float,
    high: float,
    cash_usd: float,
    share: float,
) -> Roadmap:
    scenarios = tuple(
        Scenario(name, p, tuple(scale * x for x in inference))
        for name, p, scale in zip(
            ("low", "base", "high"), SCENARIO_PROBABILITIES, (low, 1.0, high), strict=True
        )
    )
    if cash_usd <= 0:  # nothing to commit with: on-demand only
        cash_usd, share = 1.0, 0.0
    return Roadmap(horizon, accelerators, offers, tuple(runs), scenarios, cash_usd, share)


def _committed_gpu_months(plan: Plan) -> float:
    return float(sum(p.gpus * p.offer.term_months for p in plan.purchases))


def program_value(
    members: Sequence[Member],
    training: Sequence[TrainingRequest],
    inference: Sequence[InferenceRequest],
    offers: Sequence[Offer],
    horizon_months: int,
    cash_usd: float,
    *,
    pool_offers: Sequence[Offer] | None = None,
    speeds: Mapping[str, float] | None = None,
    low: float = 0.7,
    high: float = 1.5,
    max_commitment_share: float = 0.5,
    gap: float = DEFAULT_GAP,
    time_limit: float = 60.0,
) -> ProgramValue:
    """Pooled procurement against every member buying alone; see the module docstring."""
    check_horizon(horizon_months)
    by_id = members_by_id(members)
    speed = dict(speeds or {})
    if any(not s > 0 for s in speed.values()):
        raise InvalidSpecError(
            f"speeds must be positive, got {speed}. To fix: use 1.0 for the reference."
        )
    demand = aggregate_demand(members, training, inference, horizon_months, low=low, high=high)
    dropped = {r.request_id for r in demand.dropped}
    runs: dict[str, list[TrainingRun]] = defaultdict(list)
    serve: dict[str, list[float]] = defaultdict(lambda: [0.0] * horizon_months)
    for r in training:
        if r.id in dropped:
            continue
        member = by_id[r.member_id]
        lo, hi = run_window(r, member, horizon_months)
        work = r.gpus * r.duration_months * speed.get(r.accelerators[0], 1.0)
        runs[member.id].append(TrainingRun(r.id, work, lo, hi - 1, r.accelerators))
    for q in inference:
        member = by_id[q.member_id]
        for t in range(horizon_months):
            if member.active_in(t) and q.gpus_at(t):
                serve[member.id][t] += q.gpus_at(t) * speed.get(q.accelerator_id, 1.0)
    buyers = sorted(m for m in by_id if runs.get(m) or any(serve.get(m, ())))
    names = {o.accelerator for o in offers} | {o.accelerator for o in pool_offers or ()}
    names |= {a for r in training for a in r.accelerators} | {q.accelerator_id for q in inference}
    accs = tuple(Accelerator(a, speed.get(a, 1.0), speed.get(a, 1.0)) for a in sorted(names))
    n = max(1, len(buyers))
    pooled_offers = tuple(
        pool_offers
        if pool_offers is not None
        else (replace(o, max_gpus=None if o.max_gpus is None else o.max_gpus * n) for o in offers)
    )

    def pooled(ids: Sequence[str]) -> Plan:
        demand_t = [sum(serve[m][t] for m in ids if m in serve) for t in range(horizon_months)]
        road = _roadmap(horizon_months, accs, pooled_offers, [r for m in ids for r in runs.get(m, [])],
                        demand_t, low, high, cash_usd, max_commitment_share)  # fmt: skip
        try:
            return optimize(road, gap=gap, time_limit=time_limit)
        except InfeasiblePlanError as err:
            raise InfeasiblePlanError(
                f"The pooled program cannot serve its members: {err}"
            ) from err

    alone: dict[str, Plan] = {}
    infeasible: dict[str, str] = {}
    for m in buyers:
        road = _roadmap(horizon_months, accs, tuple(offers), runs.get(m, []), serve.get(m, [0.0] * horizon_months),
                        low, high, by_id[m].cash_usd, max_commitment_share)  # fmt: skip
        try:
            alone[m] = optimize(road, gap=gap, time_limit=time_limit)
        except InfeasiblePlanError as err:
            infeasible[m] = str(err)
    everyone = pooled(buyers)
    if not infeasible:
        comparable = everyone.expected_cost_usd
    else:
        comparable = pooled(sorted(alone)).expected_cost_usd if alone else 0.0
    return ProgramValue(
        pooled_cost_usd=everyone.expected_cost_usd,
        pooled_committed_usd=everyone.committed_usd,
        pooled_committed_gpu_months=_committed_gpu_months(everyone),
        comparable_pooled_cost_usd=comparable,
        standalone_cost_usd=math.fsum(p.expected_cost_usd for p in alone.values()),
        standalone_committed_usd=math.fsum(p.committed_usd for p in alone.values()),
        standalone_committed_gpu_months=sum(_committed_gpu_months(p) for p in alone.values()),
        standalone_cost_by_member={m: p.expected_cost_usd for m, p in alone.items()},
        day_one_members=tuple(sorted(infeasible)),
        infeasible_alone=infeasible,
        pooled_plan=everyone,
        standalone_plans=alone,
        dropped=demand.dropped,
    )


def contracts_from_plan(plan: Plan, *, cluster: str = "pool") -> tuple[Contract, ...]:
    """The plan's committed purchases as pool contracts (provider = the offer's name)."""
    return tuple(
        Contract(
            f"{p.offer.name}@{p.start_month}",
            p.offer.name,
            p.offer.accelerator,
            cluster,
            p.gpus,
            p.start_month,
            p.start_month + p.offer.term_months,
            p.offer.usd_per_gpu_hour,
        )
        for p in plan.purchases
        if p.gpus > 0 and p.offer.term_months > 0
    )
