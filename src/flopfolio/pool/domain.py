"""The pooled GPU program's domain: contracts, members, requests, allocations, usage and the ledger.

Time is counted in whole months from the program's start (month 0); an interval ``[start, end)``
includes ``start`` and excludes ``end``. Capacity is a step function: a contract supplies ``gpus``
accelerators in every month of ``[start_month, end_month)`` and none outside. Money is USD, at
:data:`HOURS_PER_MONTH` = 730 hours a month.

Allocation kinds (Kueue's vocabulary in brackets):

* ``guaranteed`` — a training run or an accepted reservation, within the member's nominal quota;
  never preempted once accepted;
* ``inference`` — a member's inference capacity, also within its nominal quota;
* ``borrowed`` — idle capacity lent beyond the member's quota (``borrowingLimit``); preempted,
  latest first, when an owner reclaims it;
* ``batch`` — idle capacity left after borrowing, put to members' preemptible batch work (offline
  inference, evaluations, synthetic data); served after every burst and preempted before any
  borrowed allocation (it is accepted later), priced as the market would pay for the same hours.

``borrowed`` and ``batch`` are *lent* kinds: usage above quota. Idle capacity left after both may
be sublet to the market (:mod:`flopfolio.pool.idle`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from flopfolio.errors import InvalidSpecError

HOURS_PER_MONTH = 730.0


class AllocationKind(StrEnum):
    GUARANTEED = "guaranteed"
    INFERENCE = "inference"
    BORROWED = "borrowed"
    BATCH = "batch"


QUOTA_KINDS = frozenset({AllocationKind.GUARANTEED, AllocationKind.INFERENCE})
LENT_KINDS = frozenset({AllocationKind.BORROWED, AllocationKind.BATCH})


def _interval(start: int, end: int, what: str) -> None:
    if not 0 <= start < end:
        raise InvalidSpecError(f"{what}: need 0 ≤ start ({start}) < end ({end}) in months.")


@dataclass(frozen=True, slots=True)
class Contract:
    """``gpus`` accelerators of one type in one cluster, for ``[start_month, end_month)``."""

    id: str
    provider: str
    accelerator_id: str
    cluster: str
    gpus: int
    start_month: int
    end_month: int
    usd_per_gpu_hour: float
    upfront: bool = False

    def __post_init__(self) -> None:
        _interval(self.start_month, self.end_month, f"contract {self.id}")
        if self.gpus <= 0 or self.usd_per_gpu_hour <= 0:
            raise InvalidSpecError(f"contract {self.id}: GPUs and price must be positive.")

    def capacity_at(self, month: int) -> int:
        return self.gpus if self.start_month <= month < self.end_month else 0

    @property
    def months(self) -> int:
        return self.end_month - self.start_month

    @property
    def cost_usd(self) -> float:
        return self.gpus * self.months * HOURS_PER_MONTH * self.usd_per_gpu_hour

    def monthly_cost_usd(self, month: int) -> float:
        """What the contract costs in ``month`` (all of it in its first month if paid upfront)."""
        if self.upfront:
            return self.cost_usd if month == self.start_month else 0.0
        return self.capacity_at(month) * HOURS_PER_MONTH * self.usd_per_gpu_hour


@dataclass(frozen=True, slots=True)
class Member:
    id: str
    name: str
    stage: str = "seed"
    cash_usd: float = 0.0
    weight: float = 1.0  # fair-share weight for idle capacity
    join_month: int = 0
    graduation_month: int | None = None  # leaves the program at the start of this month
    borrowing_limit: int | None = None  # GPUs above its quota it may borrow; None = unlimited

    def __post_init__(self) -> None:
        if self.weight <= 0:
            raise InvalidSpecError(f"member {self.id}: weight must be positive.")
        if self.graduation_month is not None and self.graduation_month <= self.join_month:
            raise InvalidSpecError(f"member {self.id}: graduates before it joins.")

    def active_in(self, month: int) -> bool:
        return self.join_month <= month and (
            self.graduation_month is None or month < self.graduation_month
        )


@dataclass(frozen=True, slots=True)
class TrainingRequest:
    """A run needing ``gpus`` accelerators of one of ``accelerators`` for ``duration_months``,
    starting no earlier than ``earliest_month`` and finishing by ``deadline_month`` (exclusive),
    all in one cluster."""

    id: str
    member_id: str
    accelerators: tuple[str, ...]
    gpus: int
    duration_months: int
    earliest_month: int
    deadline_month: int

    def __post_init__(self) -> None:
        if self.gpus <= 0 or self.duration_months <= 0 or not self.accelerators:
            raise InvalidSpecError(
                f"training request {self.id}: GPUs, duration and accelerators are required."
            )
        if self.earliest_month + self.duration_months > self.deadline_month:
            raise InvalidSpecError(
                f"training request {self.id}: {self.duration_months} months cannot fit between month "
                f"{self.earliest_month} and the deadline {self.deadline_month}."
            )


@dataclass(frozen=True, slots=True)
class InferenceRequest:
    """Inference capacity of one accelerator type: ``gpus_by_month[i]`` in month ``start_month + i``."""

    id: str
    member_id: str
    accelerator_id: str
    start_month: int
    gpus_by_month: tuple[int, ...]

    def __post_init__(self) -> None:
        if not self.gpus_by_month or any(g < 0 for g in self.gpus_by_month):
            raise InvalidSpecError(
                f"inference request {self.id}: needs non-negative GPUs per month."
            )

    def gpus_at(self, month: int) -> int:
        i = month - self.start_month
        return self.gpus_by_month[i] if 0 <= i < len(self.gpus_by_month) else 0

    @classmethod
    def growing(cls, id: str, member_id: str, accelerator_id: str, start_month: int, months: int,
                start_gpus: float, monthly_growth: float) -> InferenceRequest:  # fmt: skip
        gpus = tuple(max(0, round(start_gpus * (1 + monthly_growth) ** i)) for i in range(months))
        return cls(id, member_id, accelerator_id, start_month, gpus)


@dataclass(frozen=True, slots=True)
class BurstRequest:
    """Ad-hoc capacity beyond the member's quota, borrowed from idle capacity if any."""

    id: str
    member_id: str
    accelerators: tuple[str, ...]
    gpus: int
    start_month: int
    duration_months: int = 1


@dataclass(frozen=True, slots=True)
class BatchRequest(BurstRequest):
    """Preemptible batch work that runs on idle capacity only, after every burst; served in part
    or not at all, and reclaimed first."""


@dataclass(frozen=True, slots=True)
class Allocation:
    id: str
    member_id: str
    contract_id: str
    start_month: int
    end_month: int
    gpus: int
    kind: AllocationKind
    request_id: str

    def __post_init__(self) -> None:
        _interval(self.start_month, self.end_month, f"allocation {self.id}")
        if self.gpus <= 0:
            raise InvalidSpecError(f"allocation {self.id}: GPUs must be positive.")

    def gpus_at(self, month: int) -> int:
        return self.gpus if self.start_month <= month < self.end_month else 0

    @property
    def gpu_hours(self) -> float:
        return self.gpus * (self.end_month - self.start_month) * HOURS_PER_MONTH


@dataclass(frozen=True, slots=True)
class Usage:
    member_id: str
    contract_id: str
    month: int
    gpu_hours: float


class LedgerKind(StrEnum):
    CONTRACT = "contract"  # the program pays a provider
    CHARGE = "charge"  # a member pays the program
    CREDIT = "credit"  # the program pays a member back (e.g. for lending its quota)
    SUBSIDY = "subsidy"  # the sponsor covers the difference
    RESALE = "resale"  # the market pays the program for idle capacity sublet to it


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    month: int
    kind: LedgerKind
    usd: float
    member_id: str | None  # None: the program itself (contracts, subsidy)
    memo: str = ""
