"""The fleet optimizer: which card types to hold, and which models' replicas run on them each
hour, for many workloads at once — a mixed-integer program solved with HiGHS (``highspy``).

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
from optimal it can at most be. HiGHS runs in a thread of its own; if it has not finished after
1 s (or a tenth of the time limit), the primal heuristic of
:mod:`flopfolio.planning.fleet_heuristic` (a cover-pattern LP to choose the cards, then hour by
hour MIPs and a local search on the GPUs held) starts beside it and hands it every better plan it
finds as a user solution: HiGHS' own heuristics find good plans late on large fleets, while its
bound is there within seconds. The plan returned is the cheaper of HiGHS' incumbent and the
heuristic's, with HiGHS' bound. (A fleet HiGHS solves alone within that second gets the same plan
every run: no heuristic races it.)

Modules: the inputs and the plan (:mod:`~flopfolio.planning.fleet_problem`), the naive plan
(:mod:`~flopfolio.planning.fleet_naive`), the program (:mod:`~flopfolio.planning.fleet_milp`), the
heuristic (:mod:`~flopfolio.planning.fleet_heuristic`, guided by
:mod:`~flopfolio.planning.fleet_patterns`), the binding constraints in words and the load
(:mod:`~flopfolio.planning.fleet_binding`).

Replicas move between models from one hour to the next on the GPUs held (a weight load an hour,
not per request), so models whose peaks differ share one pool of cards. The naive plan it is
compared with (:func:`naive_plan`) gives each workload its own cheapest card that meets its SLO,
provisioned for its peak every hour, and each batch job its own cards for its window.
"""

from __future__ import annotations

import time
from dataclasses import replace

from flopfolio.errors import InfeasiblePlanError
from flopfolio.planning.fleet_binding import binding, served_load
from flopfolio.planning.fleet_heuristic import FleetHeuristic, HeuristicPlan
from flopfolio.planning.fleet_milp import FleetModel, MilpSolve, build_model, start_vector
from flopfolio.planning.fleet_naive import naive_plan
from flopfolio.planning.fleet_problem import (
    DEFAULT_GAP,
    DEFAULT_TIME_LIMIT_S,
    HOURS_PER_MONTH,
    TOL,
    Assignment,
    FleetCard,
    FleetPacking,
    FleetPlan,
    FleetProblem,
    FleetRate,
    FleetWorkload,
    SharedGpus,
)

_HIGHS_ALONE_S = 1.0  # HiGHS alone first: a fleet it solves in this time needs no heuristic

__all__ = [
    "DEFAULT_GAP", "DEFAULT_TIME_LIMIT_S", "HOURS_PER_MONTH", "Assignment", "FleetCard",
    "FleetPacking", "FleetPlan", "FleetProblem", "FleetRate", "FleetWorkload", "SharedGpus",
    "naive_plan", "optimize_fleet",
]  # fmt: skip


def optimize_fleet(
    problem: FleetProblem, *, gap: float = DEFAULT_GAP, time_limit: float = DEFAULT_TIME_LIMIT_S
) -> FleetPlan:
    """Solve the fleet problem; raise :class:`InfeasiblePlanError` when no plan is found."""
    start = time.perf_counter()
    margin = min(0.5, 0.05 * time_limit)  # for the last solves to end and the plan to be read
    m = build_model(problem)
    solve = MilpSolve(m, gap, time_limit - margin - (time.perf_counter() - start))
    found: list[tuple[float, list[float], HeuristicPlan]] = []

    def publish(plan: HeuristicPlan) -> None:
        x = start_vector(problem, m, plan.held, plan.replicas, plan.batch)
        if m.feasible(x) and (not found or m.objective(x) < found[-1][0]):
            found.append((m.objective(x), x, plan))
            solve.offer(x)

    solve.start()
    if not solve.wait(min(_HIGHS_ALONE_S, 0.1 * time_limit)):  # small fleets: HiGHS alone, no race
        FleetHeuristic(
            problem, deadline=start + time_limit - margin, stop=lambda: not solve.running(),
            publish=publish,
        ).run()  # fmt: skip
    out = solve.result()
    seconds = time.perf_counter() - start
    heuristic = found[-1] if found else None
    if out.x is not None and (heuristic is None or out.objective <= heuristic[0] + 1e-6):
        xs, objective, within = list(out.x), out.objective, out.within_gap
    elif heuristic is not None:
        xs, objective = heuristic[1], heuristic[0]
        within = objective <= 0 or (objective - out.bound) / objective <= gap + 1e-12
    else:
        raise InfeasiblePlanError(
            f"The fleet solver stopped without a plan ({out.message}). To fix: allow more time "
            "(time_limit) or list fewer card types."
        )
    plan = _plan(problem, m, [round(v, 9) for v in xs], objective, out.bound, within, seconds)
    if heuristic is None:
        return plan
    return replace(plan, heuristic_usd_per_month=heuristic[0],
                   heuristic_seconds=heuristic[2].seconds)  # fmt: skip


def _plan(problem: FleetProblem, m: FleetModel, xs: list[float], objective: float, bound: float,
          within_gap: bool, seconds: float) -> FleetPlan:  # fmt: skip
    """The plan that solution ``xs`` of ``m`` describes."""
    cards = {c.name: c for c in problem.cards}
    held = {c: round(xs[col]) for c, col in m.n.items() if xs[col] >= 0.5}
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
            if max(reps) > TOL:
                assignments.append(Assignment(w.name, card, reps, r.gpus_per_replica))
                for t, x in enumerate(reps):
                    used[card][t] += x * r.gpus_per_replica
    shared = []
    for qi, q in enumerate(problem.packings):
        gpus = tuple(
            float(round(xs[m.z[qi, t]])) if (qi, t) in m.z else 0.0 for t in range(problem.periods)
        )
        if max(gpus, default=0.0) > TOL:
            shared.append(SharedGpus(q.workloads, q.card, gpus))
            for t, x in enumerate(gpus):
                used[q.card][t] += x
    gpu_cost = sum(HOURS_PER_MONTH * cards[c].usd_per_gpu_hour * n for c, n in held.items())
    load = served_load(problem, assignments, shared, held)
    utilization = {c: load[c] / (n * problem.periods) for c, n in held.items()}
    proven_gap = max(0.0, (objective - bound) / objective) if objective > 0 else 0.0
    return FleetPlan(
        held_gpus=held, assignments=tuple(assignments), gpu_usd_per_month=gpu_cost,
        egress_usd_per_month=sum(m.cost[col] * xs[col] for col in [*m.s.values(), *m.y.values()]),
        utilization=utilization,
        used_gpus={c: tuple(v) for c, v in used.items()},
        binding=tuple(binding(problem, used, held, assignments)),
        mip_gap=proven_gap, shared=tuple(shared), lower_bound_usd_per_month=min(bound, objective),
        status="optimal" if within_gap else "time_limit", solve_seconds=seconds,
    )  # fmt: skip
