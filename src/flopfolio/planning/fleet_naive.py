"""The naive fleet plan the optimizer is compared with: each workload alone on its own cheapest
card, provisioned for its peak every hour."""

from __future__ import annotations

from flopfolio.planning.fleet_problem import (
    HOURS_PER_MONTH,
    Assignment,
    FleetPlan,
    FleetProblem,
    FleetRate,
    FleetWorkload,
    ceil_replicas,
)


def cheapest_rate(problem: FleetProblem, w: FleetWorkload) -> FleetRate:
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
        r = cheapest_rate(problem, w)
        if w.is_batch:
            window_hours = ((w.deadline_period or 0) + 1) * problem.period_hours
            replicas = ceil_replicas(
                w.batch_requests / (r.requests_per_replica_hour * window_hours)
            )
            served_per_cycle = w.batch_requests
        else:
            replicas = ceil_replicas(max(w.demand_per_hour) / r.requests_per_replica_hour)
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
