"""The fleet optimizer: which card types to hold, and which models' replicas run on them each
hour, for many workloads at once — a mixed-integer program solved with HiGHS (SciPy's ``milp``).

Sets: card types ``j`` (an offer: price ``p_j`` per GPU-hour, egress ``e_j`` USD per GB); periods
``t = 0 … T−1`` of ``h_t`` hours each (one repeating day of hourly periods); latency workloads
``i`` with demand ``d_{i,t}`` requests per hour; batch workloads ``b`` with work ``W_b`` requests
per cycle, to be done in periods ``t ≤ D_b``. A pair ``(i, j)`` exists only when a replica of
``i`` on ``j`` meets ``i``'s SLO (sized upstream by the serving model): it needs ``g_{ij}`` GPUs
and serves ``r_{ij}`` requests per hour. ``c = 730 / Σ_t h_t`` repeats the cycle to a month;
``γ_i`` is GB of egress per request.

Variables (all ``≥ 0``):
  ``n_j ∈ ℤ``          GPUs of card ``j`` held for the month (every hour of it)
  ``k_{i,j,t} ∈ ℤ``    replicas of latency workload ``i`` on ``j`` in period ``t``
  ``s_{i,j,t}``        requests per hour of ``i`` served on ``j`` in ``t`` (for the egress bill)
  ``y_{b,j,t}``        replicas of batch workload ``b`` on ``j`` in ``t`` (fractional: a share of
                       the period's hours)

Minimise the monthly bill, GPUs plus egress:

  ``Σ_j 730·p_j·n_j + c·Σ_{i,j,t} h_t·e_j·γ_i·s_{i,j,t} + c·Σ_{b,j,t} h_t·e_j·γ_b·r_{bj}·y_{b,j,t}``

subject to

  capacity  ``Σ_i g_{ij}·k_{i,j,t} + Σ_b g_{bj}·y_{b,j,t} ≤ n_j``       ∀ j,t  (batch fills troughs)
  serving   ``s_{i,j,t} ≤ r_{ij}·k_{i,j,t}``                             ∀ i,j,t
  demand    ``Σ_j s_{i,j,t} = d_{i,t}``                                  ∀ i,t
  batch     ``Σ_{j, t ≤ D_b} h_t·r_{bj}·y_{b,j,t} ≥ W_b``                ∀ b

GPU sharing (packings ``q``): a packing is a set of latency workloads whose weights fit side by side
on one GPU of card ``j_q`` with every member's SLO met while they take turns (sized upstream,
:mod:`flopfolio.api.fleet_packing`); one such GPU serves ``ρ_{i,q}`` requests per hour of each
member ``i``. Integer ``z_{q,t}`` counts those GPUs in period ``t``: it adds ``z_{q,t}`` to card
``j_q``'s capacity row and ``ρ_{i,q}·z_{q,t}`` to each member's demand (and egress) rows.

Tightening (exact: no integer plan is cut off). ``k_{i,j,t} ≤ ⌈d_{i,t}/r_{ij}⌉`` (more replicas on
one card than cover the hour alone are never needed), no variable for an hour without demand, and
for every distinct replica rate ``R`` of workload ``i`` the Chvátal–Gomory rounding of its demand
row, ``Σ_j ⌈r_{ij}/R⌉·k_{i,j,t} + Σ_q ⌈ρ_{i,q}/R⌉·z_{q,t} ≥ ⌈d_{i,t}/R⌉`` (e.g. "at least one
replica in every hour with demand", which the LP relaxation otherwise spreads as fractions).

HiGHS stops at ``mip_rel_gap`` (default 1%) or at ``time_limit`` (default 10 s), whichever comes
first; the plan carries the proven lower bound and gap, so a plan stopped by the clock says how far
from optimal it can at most be.

Replicas move between models from one hour to the next on the GPUs held (a weight load an hour,
not per request), so models whose peaks differ share one pool of cards. The naive plan it is
compared with (:func:`naive_plan`) gives each workload its own cheapest card that meets its SLO,
provisioned for its peak every hour, and each batch job its own cards for its window.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flopfolio.errors import InfeasiblePlanError, InvalidSpecError

HOURS_PER_MONTH = 730.0
DEFAULT_GAP = 0.01  # within 1% of optimal, as the procurement MILP
DEFAULT_TIME_LIMIT_S = 10.0  # then the best plan found, with its proven gap
_TOL = 1e-6  # requests per hour below which an hour has no demand
# Rounding replicas up forgives only float noise (3.0000000001 replicas is 3): a real sliver of
# demand, however small, still takes a replica, in the naive plan and the MILP alike.
_CEIL_SLACK = 1e-9


@dataclass(frozen=True, slots=True)
class FleetCard:
    """A card type the fleet may hold: one offer."""

    name: str  # e.g. "L4 (gcp on_demand)"
    usd_per_gpu_hour: float
    egress_usd_per_gb: float = 0.0
    gpus_per_node: int = 8

    def __post_init__(self) -> None:
        if not (math.isfinite(self.usd_per_gpu_hour) and self.usd_per_gpu_hour > 0):
            raise InvalidSpecError(
                f"card {self.name}: price {self.usd_per_gpu_hour!r} must be a positive number."
            )
        if not (math.isfinite(self.egress_usd_per_gb) and self.egress_usd_per_gb >= 0):
            raise InvalidSpecError(f"card {self.name}: egress price must be zero or more.")
        if self.gpus_per_node < 1:
            raise InvalidSpecError(f"card {self.name}: gpus_per_node must be at least 1.")


@dataclass(frozen=True, slots=True)
class FleetWorkload:
    """A latency workload (``demand_per_hour``) or a batch job (``batch_requests`` by
    ``deadline_period``, inclusive)."""

    name: str
    demand_per_hour: tuple[float, ...] = ()
    batch_requests: float = 0.0
    deadline_period: int | None = None
    egress_gb_per_request: float = 0.0

    @property
    def is_batch(self) -> bool:
        return self.deadline_period is not None

    def __post_init__(self) -> None:
        if self.is_batch:
            if not (math.isfinite(self.batch_requests) and self.batch_requests > 0):
                raise InvalidSpecError(f"workload {self.name}: batch requests must be positive.")
        elif any(not (math.isfinite(d) and d >= 0) for d in self.demand_per_hour):
            raise InvalidSpecError(f"workload {self.name}: demand must be zero or more per hour.")
        if not (math.isfinite(self.egress_gb_per_request) and self.egress_gb_per_request >= 0):
            raise InvalidSpecError(
                f"workload {self.name}: egress per request must be zero or more."
            )


@dataclass(frozen=True, slots=True)
class FleetRate:
    """One replica of ``workload`` on ``card`` that meets the workload's SLO."""

    workload: str
    card: str
    gpus_per_replica: int
    requests_per_replica_hour: float

    def __post_init__(self) -> None:
        if self.gpus_per_replica < 1 or not self.requests_per_replica_hour > 0:
            raise InvalidSpecError(
                f"{self.workload} on {self.card}: a replica needs at least 1 GPU and a positive rate."
            )


@dataclass(frozen=True, slots=True)
class FleetPacking:
    """Latency workloads that share one GPU of ``card`` (weights resident together, SLOs met while
    they take turns): one such GPU serves ``requests_per_gpu_hour[i]`` of ``workloads[i]``;
    ``time_share[i]`` is the share of the GPU's time that member's steps take."""

    workloads: tuple[str, ...]
    card: str
    requests_per_gpu_hour: tuple[float, ...]
    time_share: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.workloads) < 2 or len(set(self.workloads)) != len(self.workloads):
            raise InvalidSpecError(
                "a packing shares one GPU between two or more distinct workloads."
            )
        if len(self.requests_per_gpu_hour) != len(self.workloads) or not all(
            r > 0 for r in self.requests_per_gpu_hour
        ):
            raise InvalidSpecError(f"packing {self.label}: every member needs a positive rate.")
        if len(self.time_share) != len(self.workloads) or sum(self.time_share) > 1 + 1e-9:
            raise InvalidSpecError(f"packing {self.label}: time shares must add up to at most 1.")

    @property
    def label(self) -> str:
        return " + ".join(self.workloads) + f" on {self.card}"

    def rate(self, workload: str) -> float:
        return self.requests_per_gpu_hour[self.workloads.index(workload)]


@dataclass(frozen=True, slots=True)
class FleetProblem:
    workloads: tuple[FleetWorkload, ...]
    cards: tuple[FleetCard, ...]
    rates: tuple[FleetRate, ...]
    period_hours: float = 1.0
    packings: tuple[FleetPacking, ...] = ()

    @property
    def periods(self) -> int:
        lengths = {len(w.demand_per_hour) for w in self.workloads if not w.is_batch}
        return max(lengths) if lengths else 24

    @property
    def cycles_per_month(self) -> float:
        return HOURS_PER_MONTH / (self.periods * self.period_hours)

    def rate(self, workload: str, card: str) -> FleetRate | None:
        return next((r for r in self.rates if r.workload == workload and r.card == card), None)

    def __post_init__(self) -> None:
        names = [w.name for w in self.workloads]
        if len(set(names)) != len(names):
            raise InvalidSpecError("workload names must be unique.")
        lengths = {len(w.demand_per_hour) for w in self.workloads if not w.is_batch}
        if len(lengths) > 1:
            raise InvalidSpecError(
                f"every demand curve needs the same number of periods, got {sorted(lengths)}."
            )
        for w in self.workloads:
            if not any(r.workload == w.name for r in self.rates):
                raise InfeasiblePlanError(
                    f"workload {w.name}: no card can serve it within its SLO."
                )
            if w.is_batch and any(w.name in q.workloads for q in self.packings):
                raise InvalidSpecError(f"workload {w.name}: a batch job is not packed with others.")
            if w.is_batch and not 0 <= (w.deadline_period or 0) < self.periods:
                raise InvalidSpecError(
                    f"workload {w.name}: deadline period {w.deadline_period} is outside 0…{self.periods - 1}."
                )
        known, card_names = set(names), {c.name for c in self.cards}
        for q in self.packings:
            if not set(q.workloads) <= known or q.card not in card_names:
                raise InvalidSpecError(
                    f"packing {q.label}: names a workload or card not in the fleet."
                )


@dataclass(frozen=True, slots=True)
class Assignment:
    """Replicas of one workload on one card type, period by period."""

    workload: str
    card: str
    replicas: tuple[float, ...]  # whole replicas; batch: replica-periods, possibly fractional
    gpus_per_replica: int


@dataclass(frozen=True, slots=True)
class SharedGpus:
    """GPUs of one card shared by a packing's workloads, period by period."""

    workloads: tuple[str, ...]
    card: str
    gpus: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class FleetPlan:
    held_gpus: dict[str, int]  # card → GPUs held
    assignments: tuple[Assignment, ...]
    gpu_usd_per_month: float
    egress_usd_per_month: float
    utilization: dict[str, float]  # card → GPU-hours of requests served / GPU-hours held
    used_gpus: dict[str, tuple[float, ...]]  # card → GPUs with a replica on them, each period
    binding: tuple[str, ...]
    mip_gap: float
    shared: tuple[SharedGpus, ...] = ()
    lower_bound_usd_per_month: float = 0.0  # proven: no plan costs less
    status: str = "optimal"  # "optimal" (within the gap asked) or "time_limit"
    solve_seconds: float = 0.0

    @property
    def usd_per_month(self) -> float:
        return self.gpu_usd_per_month + self.egress_usd_per_month

    @property
    def usd_per_hour(self) -> float:
        return self.usd_per_month / HOURS_PER_MONTH


def _cheapest_rate(problem: FleetProblem, w: FleetWorkload) -> FleetRate:
    """The card that serves ``w`` at the lowest GPU-plus-egress cost per request."""
    cards = {c.name: c for c in problem.cards}

    def per_request(r: FleetRate) -> float:
        card = cards[r.card]
        gpu = card.usd_per_gpu_hour * r.gpus_per_replica / r.requests_per_replica_hour
        return gpu + card.egress_usd_per_gb * w.egress_gb_per_request

    return min((r for r in problem.rates if r.workload == w.name), key=per_request)


def naive_plan(problem: FleetProblem) -> FleetPlan:
    """Each latency workload on its own cheapest card, replicas for its peak in every period; each
    batch job on its own cheapest card, enough whole replicas to finish within its window."""
    cards = {c.name: c for c in problem.cards}
    held: dict[str, int] = {}
    assignments, egress = [], 0.0
    load = {c.name: [0.0] * problem.periods for c in problem.cards}
    for w in problem.workloads:
        r = _cheapest_rate(problem, w)
        if w.is_batch:
            window_hours = ((w.deadline_period or 0) + 1) * problem.period_hours
            replicas = _ceil(w.batch_requests / (r.requests_per_replica_hour * window_hours))
            served_per_cycle = w.batch_requests
        else:
            replicas = _ceil(max(w.demand_per_hour) / r.requests_per_replica_hour)
            served_per_cycle = sum(w.demand_per_hour) * problem.period_hours
        held[r.card] = held.get(r.card, 0) + replicas * r.gpus_per_replica
        for t in range(problem.periods):  # the load: GPUs' worth of requests actually served
            if w.is_batch:
                share = w.batch_requests / window_hours if t <= (w.deadline_period or 0) else 0.0
            else:
                share = w.demand_per_hour[t]
            load[r.card][t] += share / r.requests_per_replica_hour * r.gpus_per_replica
        assignments.append(
            Assignment(w.name, r.card, (float(replicas),) * problem.periods, r.gpus_per_replica)
        )
        egress += (
            served_per_cycle * problem.cycles_per_month * w.egress_gb_per_request
            * cards[r.card].egress_usd_per_gb
        )  # fmt: skip
    gpu_cost = sum(HOURS_PER_MONTH * cards[c].usd_per_gpu_hour * n for c, n in held.items())
    return FleetPlan(
        held_gpus=held, assignments=tuple(assignments), gpu_usd_per_month=gpu_cost,
        egress_usd_per_month=egress,
        utilization={c: sum(load[c]) / (n * problem.periods) if n else 0.0 for c, n in held.items()},
        used_gpus={c: (float(n),) * problem.periods for c, n in held.items()}, binding=(), mip_gap=0.0,
        status="naive",
    )  # fmt: skip


@dataclass
class _Model:
    cost: list[float]
    integer: list[int]
    upper: list[float]
    rows: list[tuple[list[tuple[int, float]], float, float]]
    n: dict[str, int]
    k: dict[tuple[str, str, int], int]
    s: dict[tuple[str, str, int], int]
    y: dict[tuple[str, str, int], int]
    z: dict[tuple[int, int], int]  # (packing index, period) → column

    def var(self, cost: float, integer: bool, upper: float = math.inf) -> int:
        self.cost.append(cost)
        self.integer.append(1 if integer else 0)
        self.upper.append(upper)
        return len(self.cost) - 1


def _ceil(x: float) -> int:
    return math.ceil(x - _CEIL_SLACK)


def _build(problem: FleetProblem) -> _Model:
    """The program of the module docstring, tightened as it says."""
    m = _Model([], [], [], [], {}, {}, {}, {}, {})
    cards = {c.name: c for c in problem.cards}
    c_month, h = problem.cycles_per_month, problem.period_hours
    for option in problem.cards:
        m.n[option.name] = m.var(HOURS_PER_MONTH * option.usd_per_gpu_hour, True)
    on_card: dict[tuple[str, int], list[tuple[int, float]]] = {}
    for w in problem.workloads:
        pairs = [r for r in problem.rates if r.workload == w.name]
        egress = {
            c: c_month * h * cards[c].egress_usd_per_gb * w.egress_gb_per_request for c in cards
        }
        if w.is_batch:
            work = []
            for r in pairs:
                for t in range((w.deadline_period or 0) + 1):
                    col = m.var(egress[r.card] * r.requests_per_replica_hour, False)
                    m.y[w.name, r.card, t] = col
                    on_card.setdefault((r.card, t), []).append((col, r.gpus_per_replica))
                    work.append((col, h * r.requests_per_replica_hour))
            m.rows.append((work, w.batch_requests, math.inf))
            continue
        shared = [(qi, q) for qi, q in enumerate(problem.packings) if w.name in q.workloads]
        for t, demand in enumerate(w.demand_per_hour):
            if demand <= _TOL:
                continue
            # (column, requests per hour it serves, card) for every way to serve this hour
            serve: list[tuple[int, float, str]] = []
            for r in pairs:
                k = m.var(0.0, True, _ceil(demand / r.requests_per_replica_hour))
                m.k[w.name, r.card, t] = k
                on_card.setdefault((r.card, t), []).append((k, r.gpus_per_replica))
                serve.append((k, r.requests_per_replica_hour, r.card))
            for qi, q in shared:
                if (qi, t) not in m.z:
                    m.z[qi, t] = m.var(0.0, True)
                    on_card.setdefault((q.card, t), []).append((m.z[qi, t], 1.0))
                serve.append((m.z[qi, t], q.rate(w.name), q.card))
            served: list[tuple[int, float]] = []
            by_card: dict[str, list[tuple[int, float]]] = {}
            for col, rate, card in serve:
                by_card.setdefault(card, []).append((col, rate))
            for card, entries in by_card.items():
                if egress[card] <= 0:  # no per-request bill: the capacity covers demand directly
                    served += entries
                    continue
                s_col = m.var(egress[card], False)
                m.s[w.name, card, t] = s_col
                m.rows.append(([(s_col, 1.0), *((c, -r) for c, r in entries)], -math.inf, 0.0))
                served.append((s_col, 1.0))
            m.rows.append((served, demand, math.inf))
            for rate in sorted({rate for _, rate, _ in serve}):  # Chvátal–Gomory roundings
                m.rows.append(
                    ([(col, float(_ceil(r / rate))) for col, r, _ in serve], _ceil(demand / rate),
                     math.inf)
                )  # fmt: skip
    for (card, _t), entries in on_card.items():
        m.rows.append(([*entries, (m.n[card], -1.0)], -math.inf, 0.0))
    return m


def _solve(m: _Model, gap: float, time_limit: float) -> Any:
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_array

    rows, cols, vals, lower, upper = [], [], [], [], []
    for i, (entries, lo, hi) in enumerate(m.rows):
        for col, val in entries:
            rows.append(i)
            cols.append(col)
            vals.append(val)
        lower.append(lo)
        upper.append(hi)
    matrix = csr_array((vals, (rows, cols)), shape=(len(m.rows), len(m.cost)))
    return milp(
        c=np.array(m.cost),
        constraints=[LinearConstraint(matrix, np.array(lower), np.array(upper))],
        integrality=np.array(m.integer),
        bounds=Bounds(np.zeros(len(m.cost)), np.array(m.upper)),
        options={"mip_rel_gap": gap, "time_limit": time_limit, "disp": False},
    )


def _hours_text(periods: Sequence[int]) -> str:
    return ", ".join(f"{t:02d}:00" for t in periods[:6]) + (" …" if len(periods) > 6 else "")


def _binding(problem: FleetProblem, plan_used: dict[str, list[float]], held: dict[str, int],
             m: _Model, xs: Any) -> list[str]:  # fmt: skip
    """The constraints that hold with equality, in words."""
    out = []
    for card, n in held.items():
        full = [t for t, u in enumerate(plan_used[card]) if n and u >= n - _TOL]
        if full:
            out.append(f"capacity of {card}: all {n} GPUs busy at {_hours_text(full)}")
    for w in problem.workloads:
        if not w.is_batch:
            continue
        last = w.deadline_period or 0
        if any(
            xs[col] > _TOL for (name, _c, t), col in m.y.items() if name == w.name and t == last
        ):
            out.append(
                f"deadline of batch {w.name}: it still runs in its last allowed hour ({last:02d}:00)"
            )
    return out


def _load(problem: FleetProblem, assignments: Sequence[Assignment],
          shared: Sequence[SharedGpus], held: dict[str, int]) -> dict[str, float]:  # fmt: skip
    """GPU-periods of requests actually served: each hour's demand split over the workload's
    capacity (own replicas and shared GPUs) in proportion; a shared GPU is busy for each member's
    time share times the part of that member's capacity the demand fills."""
    load = {c: 0.0 for c in held}
    packings = {(q.workloads, q.card): q for q in problem.packings}
    for w in problem.workloads:
        if w.is_batch:
            continue
        for t, demand in enumerate(w.demand_per_hour):
            caps: list[tuple[str, float, float]] = []  # card, capacity, GPU-periods if full
            for a in assignments:
                if a.workload == w.name and a.replicas[t] > 0:
                    r = problem.rate(w.name, a.card)
                    rate = r.requests_per_replica_hour if r else 0.0
                    caps.append((a.card, a.replicas[t] * rate, a.replicas[t] * a.gpus_per_replica))
            for sg in shared:
                if w.name in sg.workloads and sg.gpus[t] > 0:
                    q = packings[sg.workloads, sg.card]
                    share = q.time_share[q.workloads.index(w.name)]
                    caps.append((sg.card, sg.gpus[t] * q.rate(w.name), sg.gpus[t] * share))
            total = sum(c for _, c, _ in caps)
            for card, _cap, busy in caps:
                if total > 0:
                    load[card] += min(1.0, demand / total) * busy
    return load


def optimize_fleet(
    problem: FleetProblem, *, gap: float = DEFAULT_GAP, time_limit: float = DEFAULT_TIME_LIMIT_S
) -> FleetPlan:
    """Solve the fleet problem; raise :class:`InfeasiblePlanError` when the solver finds no plan."""
    import time

    import numpy as np

    start = time.perf_counter()
    m = _build(problem)
    result = _solve(m, gap, time_limit)
    seconds = time.perf_counter() - start
    if result.x is None:
        raise InfeasiblePlanError(
            f"The fleet solver stopped without a plan ({result.message}). To fix: allow more time "
            "(time_limit) or list fewer card types."
        )
    xs = np.round(result.x, 9)
    cards = {c.name: c for c in problem.cards}
    held = {c: round(float(xs[col])) for c, col in m.n.items() if xs[col] >= 0.5}
    used = {c: [0.0] * problem.periods for c in held}
    assignments = []
    for w in problem.workloads:
        for card in held:
            r = problem.rate(w.name, card)
            if r is None:
                continue
            table = m.y if w.is_batch else m.k
            reps = tuple(
                float(xs[table[w.name, card, t]]) if (w.name, card, t) in table else 0.0
                for t in range(problem.periods)
            )
            if not w.is_batch:
                reps = tuple(float(round(x)) for x in reps)
            if max(reps) > _TOL:
                assignments.append(Assignment(w.name, card, reps, r.gpus_per_replica))
                for t, x in enumerate(reps):
                    used[card][t] += x * r.gpus_per_replica
    shared = []
    for qi, q in enumerate(problem.packings):
        gpus = tuple(
            float(round(xs[m.z[qi, t]])) if (qi, t) in m.z else 0.0 for t in range(problem.periods)
        )
        if max(gpus, default=0.0) > _TOL:
            shared.append(SharedGpus(q.workloads, q.card, gpus))
            for t, x in enumerate(gpus):
                used[q.card][t] += x
    gpu_cost = sum(HOURS_PER_MONTH * cards[c].usd_per_gpu_hour * n for c, n in held.items())
    load = _load(problem, assignments, shared, held)
    for (name, card, _t), col in m.y.items():
        r = problem.rate(name, card)
        if card in held and r is not None:
            load[card] += float(xs[col]) * r.gpus_per_replica
    utilization = {c: load[c] / (n * problem.periods) for c, n in held.items()}
    objective = float(result.fun)
    bound = float(getattr(result, "mip_dual_bound", objective) or objective)
    proven_gap = max(0.0, (objective - bound) / objective) if objective > 0 else 0.0
    return FleetPlan(
        held_gpus=held, assignments=tuple(assignments), gpu_usd_per_month=gpu_cost,
        egress_usd_per_month=sum(m.cost[col] * float(xs[col]) for col in [*m.s.values(), *m.y.values()]),
        utilization=utilization,
        used_gpus={c: tuple(v) for c, v in used.items()},
        binding=tuple(_binding(problem, used, held, m, xs)),
        mip_gap=proven_gap, shared=tuple(shared), lower_bound_usd_per_month=min(bound, objective),
        status="optimal" if result.status == 0 else "time_limit", solve_seconds=seconds,
    )  # fmt: skip
