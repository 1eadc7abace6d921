"""A fleet plan in words and in load: the constraints that bind (a card's pool full at given hours,
a batch job still running in its last allowed hour) and the GPU-periods of requests actually
served on each card (for the utilization the plan reports)."""

from __future__ import annotations

from collections.abc import Sequence

from flopfolio.planning.fleet_problem import TOL, Assignment, FleetProblem, SharedGpus


def hours_text(periods: Sequence[int]) -> str:
    return ", ".join(f"{t:02d}:00" for t in periods[:6]) + (" …" if len(periods) > 6 else "")


def binding(problem: FleetProblem, used: dict[str, list[float]], held: dict[str, int],
            assignments: Sequence[Assignment]) -> list[str]:  # fmt: skip
    """The constraints that hold with equality, in words."""
    out = []
    for card, n in held.items():
        full = [t for t, u in enumerate(used[card]) if n and u >= n - TOL]
        if full:
            out.append(f"capacity of {card}: all {n} GPUs busy at {hours_text(full)}")
    for w in problem.workloads:
        if not w.is_batch:
            continue
        last = w.deadline_period or 0
        if any(a.workload == w.name and a.replicas[last] > TOL for a in assignments):
            out.append(
                f"deadline of batch {w.name}: it still runs in its last allowed hour ({last:02d}:00)"
            )
    return out


def served_load(problem: FleetProblem, assignments: Sequence[Assignment],
                shared: Sequence[SharedGpus], held: dict[str, int]) -> dict[str, float]:  # fmt: skip
    """GPU-periods of requests actually served: each hour's demand split over the workload's
    capacity (own replicas and shared GPUs) in proportion; a shared GPU is busy for each member's
    time share times the part of that member's capacity the demand fills; a batch replica is busy
    for the share of the period it runs."""
    load = {c: 0.0 for c in held}
    packings = {(q.workloads, q.card): q for q in problem.packings}
    for w in problem.workloads:
        if w.is_batch:
            for a in assignments:
                if a.workload == w.name and a.card in load:
                    load[a.card] += sum(a.replicas) * a.gpus_per_replica
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
