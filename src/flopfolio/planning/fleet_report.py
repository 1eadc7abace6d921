"""What a fleet plan means in practice: which models share a node, and what a demand spike does.

Nodes: at each card's busiest period its replicas are packed into nodes of ``gpus_per_node`` GPUs
(an NVLink domain or instance), largest replica first, first fit; a node holding replicas of more
than one model is one where those models' weights sit side by side.

Spike: workload ``i``'s demand is multiplied by ``m`` in its peak period ``t*``. The plan already
serves ``d_{i,t*}``; idle GPUs of the cards ``i`` can run (``n_j − busy_{j,t*}``, whole replicas of
``g_{ij}`` GPUs) absorb ``Σ_j ⌊idle_j / g_{ij}⌋·r_{ij}`` more requests per hour (headroom, taken
card by card, cheapest per request first). The rest, ``E = max(0, m·d − d − headroom)``, is
priced two ways for each hour it lasts: autoscaled replicas ``⌈E / r⌉·g·p`` on the cheapest card
(per request) that meets the SLO, and hosted-API overflow ``E × (price per request)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from flopfolio.planning.fleet import FleetPlan, FleetProblem, FleetRate

_TOL = 1e-6


@dataclass(frozen=True, slots=True)
class Node:
    card: str
    gpus: int
    replicas: tuple[tuple[str, int, int], ...]  # (workload, replicas, GPUs each)

    @property
    def models(self) -> tuple[str, ...]:
        return tuple(name for name, _, _ in self.replicas)


@dataclass(frozen=True, slots=True)
class SpikeCase:
    workload: str
    peak_period: int
    multiplier: float
    peak_requests_per_hour: float
    headroom_requests_per_hour: float
    excess_requests_per_hour: float
    autoscale_card: str | None
    autoscale_replicas: int
    autoscale_usd_per_hour: float
    api_usd_per_hour: float | None  # None: no hosted-API price given for this workload

    @property
    def cheaper(self) -> str:
        if self.excess_requests_per_hour <= _TOL:
            return "headroom"
        if (
            self.api_usd_per_hour is not None
            and self.api_usd_per_hour < self.autoscale_usd_per_hour
        ):
            return "api"
        return "autoscale"


def pack_nodes(problem: FleetProblem, plan: FleetPlan) -> list[Node]:
    """Replicas at each card's busiest period, packed first-fit into nodes."""
    cards = {c.name: c for c in problem.cards}
    nodes: list[Node] = []
    for card, used in plan.used_gpus.items():
        size = cards[card].gpus_per_node
        busiest = max(range(len(used)), key=lambda t: used[t])
        pieces = []
        for a in plan.assignments:
            if a.card == card:
                count = math.ceil(a.replicas[busiest] - _TOL)
                pieces += [(a.workload, a.gpus_per_replica)] * count
        pieces.sort(key=lambda p: -p[1])
        free: list[int] = []
        content: list[dict[str, int]] = []
        for name, g in pieces:
            need = math.ceil(g / size) if g > size else 1  # a replica wider than a node spans nodes
            if need > 1:
                free += [0] * need
                content += [{name: 1}] + [{} for _ in range(need - 1)]
                continue
            slot = next((i for i, f in enumerate(free) if f >= g), None)
            if slot is None:
                free.append(size)
                content.append({})
                slot = len(free) - 1
            free[slot] -= g
            content[slot][name] = content[slot].get(name, 0) + 1
        per_gpu = {a.workload: a.gpus_per_replica for a in plan.assignments if a.card == card}
        nodes += [
            Node(card, size, tuple((n, k, per_gpu[n]) for n, k in c.items())) for c in content if c
        ]
    return nodes


def _per_request(problem: FleetProblem, r: FleetRate) -> float:
    card = next(c for c in problem.cards if c.name == r.card)
    return card.usd_per_gpu_hour * r.gpus_per_replica / r.requests_per_replica_hour


def spike_response(
    problem: FleetProblem,
    plan: FleetPlan,
    multiplier: float,
    api_usd_per_request: dict[str, float],
) -> list[SpikeCase]:
    """Each latency workload alone spiking ``multiplier``-fold at its peak (module docstring)."""
    prices = {c.name: c.usd_per_gpu_hour for c in problem.cards}
    cases = []
    for w in problem.workloads:
        if w.is_batch:
            continue
        t = max(range(len(w.demand_per_hour)), key=lambda p: w.demand_per_hour[p])
        peak = w.demand_per_hour[t]
        rates = sorted(
            (r for r in problem.rates if r.workload == w.name),
            key=lambda r: _per_request(problem, r),
        )
        headroom = 0.0
        for r in rates:
            if r.card in plan.held_gpus:
                idle = plan.held_gpus[r.card] - plan.used_gpus[r.card][t]
                headroom += (
                    math.floor(idle / r.gpus_per_replica + _TOL) * r.requests_per_replica_hour
                )
        excess = max(0.0, (multiplier - 1.0) * peak - headroom)
        best = rates[0]
        replicas = math.ceil(excess / best.requests_per_replica_hour - _TOL) if excess > _TOL else 0
        api = api_usd_per_request.get(w.name)
        cases.append(SpikeCase(
            w.name, t, multiplier, peak * multiplier, headroom, excess,
            best.card if replicas else None, replicas,
            replicas * best.gpus_per_replica * prices[best.card],
            excess * api if api is not None else None,
        ))  # fmt: skip
    return cases
