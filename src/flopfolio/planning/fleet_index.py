"""The fleet problem by number rather than name, for the heuristic: cards ``0 … J−1`` with their
monthly price per GPU, and for each workload its options (card, GPUs per replica, requests per
replica-hour)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flopfolio.planning.fleet_problem import HOURS_PER_MONTH, FleetProblem, FleetWorkload


@dataclass(frozen=True, slots=True)
class Option:
    card: int
    gpus: int
    rate: float  # requests per replica-hour


@dataclass(frozen=True, slots=True)
class FleetIndex:
    problem: FleetProblem
    cards: tuple[str, ...]
    price: tuple[float, ...]  # USD per GPU held for the month
    latency: tuple[tuple[FleetWorkload, tuple[Option, ...]], ...]
    batch: tuple[tuple[FleetWorkload, tuple[Option, ...]], ...]

    @classmethod
    def of(cls, problem: FleetProblem) -> FleetIndex:
        card = {c.name: j for j, c in enumerate(problem.cards)}
        latency: list[tuple[FleetWorkload, tuple[Option, ...]]] = []
        batch: list[tuple[FleetWorkload, tuple[Option, ...]]] = []
        for w in problem.workloads:
            options = tuple(
                Option(card[r.card], r.gpus_per_replica, r.requests_per_replica_hour)
                for r in problem.rates
                if r.workload == w.name
            )
            (batch if w.is_batch else latency).append((w, options))
        return cls(
            problem, tuple(card), tuple(HOURS_PER_MONTH * c.usd_per_gpu_hour for c in problem.cards),
            tuple(latency), tuple(batch),
        )  # fmt: skip

    @property
    def periods(self) -> int:
        return self.problem.periods

    def gpus(self, options: Sequence[Option], counts: Sequence[int]) -> list[int]:
        """GPUs per card that ``counts`` replicas of ``options`` take."""
        use = [0] * len(self.cards)
        for option, k in zip(options, counts, strict=True):
            use[option.card] += k * option.gpus
        return use

    def cost(self, held: Sequence[int]) -> float:
        return sum(p * n for p, n in zip(self.price, held, strict=True))
