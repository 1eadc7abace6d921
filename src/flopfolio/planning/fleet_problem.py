"""The fleet problem and its plan: card types, workloads, the replicas that meet each workload's
SLO, GPU-sharing packings (the inputs of :mod:`flopfolio.planning.fleet`), and the plan it returns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from flopfolio.errors import InfeasiblePlanError, InvalidSpecError

HOURS_PER_MONTH = 730.0
DEFAULT_GAP = 0.01  # within 1% of optimal, as the procurement MILP
DEFAULT_TIME_LIMIT_S = 10.0  # then the best plan found, with its proven gap
TOL = 1e-6  # requests per hour below which an hour has no demand
# Rounding replicas up forgives only float noise (3.0000000001 replicas is 3): a real sliver of
# demand, however small, still takes a replica, in the naive plan and the MILP alike.
CEIL_SLACK = 1e-9


def ceil_replicas(x: float) -> int:
    """Whole replicas for ``x`` replicas' worth of work, forgiving float noise only."""
    return math.ceil(x - CEIL_SLACK)


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
    heuristic_usd_per_month: float | None = (
        None  # the primal heuristic's best plan, if it found one
    )
    heuristic_seconds: float = 0.0  # when it found that plan, since the heuristic started

    @property
    def usd_per_month(self) -> float:
        return self.gpu_usd_per_month + self.egress_usd_per_month

    @property
    def usd_per_hour(self) -> float:
        return self.usd_per_month / HOURS_PER_MONTH
