"""Placing one request on the pool's contracts, given what is already allocated (pure).

The rule that makes the program safe: an allocation is placed only where, in every month of its
interval, the contract's capacity minus everything already allocated on it is at least its GPUs —
so at no instant is more allocated than contracted. The store runs these functions inside one
transaction holding the contracts' locks, so concurrent requests cannot both take the same GPUs.

Training runs are packed whole into one contract (one cluster): the earliest start that fits,
and among contracts that fit, the one with the least free capacity left (best fit, keeping large
blocks free for large runs). Inference may spread over several contracts, month by month.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from flopfolio.pool.domain import (
    LENT_KINDS,
    Allocation,
    AllocationKind,
    BatchRequest,
    BurstRequest,
    Contract,
    InferenceRequest,
    TrainingRequest,
)


@dataclass(frozen=True, slots=True)
class Rejection:
    request_id: str
    reason: str


def used_gpus(contract_id: str, allocations: Iterable[Allocation], month: int) -> int:
    return sum(a.gpus_at(month) for a in allocations if a.contract_id == contract_id)


def free_gpus(contract: Contract, allocations: Sequence[Allocation], start: int, end: int) -> int:
    """GPUs free on ``contract`` in every month of ``[start, end)``."""
    mine = [a for a in allocations if a.contract_id == contract.id]
    return min(contract.capacity_at(m) - sum(a.gpus_at(m) for a in mine) for m in range(start, end))


def place_training(
    request: TrainingRequest,
    contracts: Sequence[Contract],
    allocations: Sequence[Allocation],
    new_id: Callable[[], str],
    kind: AllocationKind = AllocationKind.GUARANTEED,
) -> Allocation | Rejection:
    candidates = [c for c in contracts if c.accelerator_id in request.accelerators]
    most = 0
    for start in range(
        request.earliest_month, request.deadline_month - request.duration_months + 1
    ):
        end = start + request.duration_months
        fitting = []
        for contract in candidates:
            free = free_gpus(contract, allocations, start, end)
            most = max(most, free)
            if free >= request.gpus:
                fitting.append((free, contract.id, contract))
        if fitting:
            _, _, contract = min(fitting)
            return Allocation(
                new_id(), request.member_id, contract.id, start, end, request.gpus, kind, request.id
            )
    return Rejection(
        request.id,
        f"no contract of {', '.join(request.accelerators)} has {request.gpus} free GPUs for "
        f"{request.duration_months} month(s) between month {request.earliest_month} and "
        f"{request.deadline_month}: the most free in one cluster is {most}",
    )


def place_inference(
    request: InferenceRequest,
    contracts: Sequence[Contract],
    allocations: Sequence[Allocation],
    new_id: Callable[[], str],
) -> list[Allocation] | Rejection:
    """Month by month, filling the fullest contracts first; all or nothing."""
    placed: list[Allocation] = []
    pool = [c for c in contracts if c.accelerator_id == request.accelerator_id]
    for offset, wanted in enumerate(request.gpus_by_month):
        month = request.start_month + offset
        remaining = wanted
        free = sorted(
            (
                (free_gpus(c, [*allocations, *placed], month, month + 1), c.id, c)
                for c in pool
                if c.capacity_at(month)
            ),
        )
        for available, _, contract in free:
            take = min(available, remaining)
            if take > 0:
                placed.append(Allocation(new_id(), request.member_id, contract.id, month, month + 1, take,
                                         AllocationKind.INFERENCE, request.id))  # fmt: skip
                remaining -= take
            if remaining == 0:
                break
        if remaining > 0:
            return Rejection(
                request.id,
                f"month {month}: {wanted} {request.accelerator_id} GPUs requested, {wanted - remaining} free",
            )
    return _merge(placed)


def place_burst(
    request: BurstRequest,
    contracts: Sequence[Contract],
    allocations: Sequence[Allocation],
    new_id: Callable[[], str],
) -> Allocation | Rejection:
    training = TrainingRequest(
        request.id, request.member_id, request.accelerators, request.gpus, request.duration_months,
        request.start_month, request.start_month + request.duration_months,
    )  # fmt: skip
    kind = AllocationKind.BATCH if isinstance(request, BatchRequest) else AllocationKind.BORROWED
    return place_training(training, contracts, allocations, new_id, kind)


def place_reclaiming(
    request: TrainingRequest | InferenceRequest,
    contracts: Sequence[Contract],
    allocations: Sequence[Allocation],
    new_id: Callable[[], str],
    preemption_order: Sequence[Allocation],
) -> tuple[list[Allocation], list[Allocation]] | Rejection:
    """Place an owner's request (a guarantee or inference), taking back lent capacity if it does
    not fit: whole borrowed or batch allocations on its contracts are preempted in
    ``preemption_order`` (the caller's: batch before borrowed, the latest accepted first), the
    shortest prefix of that order that lets it fit. Returns (placed, preempted), or the rejection
    of the request on the pool as it is when even preempting all of them is not enough."""

    def place(rest: Sequence[Allocation]) -> list[Allocation] | Rejection:
        placed = (
            place_training(request, contracts, rest, new_id)
            if isinstance(request, TrainingRequest)
            else place_inference(request, contracts, rest, new_id)
        )
        return [placed] if isinstance(placed, Allocation) else placed

    first = place(allocations)
    if not isinstance(first, Rejection):
        return first, []
    ids = {c.id for c in contracts}
    lent = [a for a in preemption_order if a.kind in LENT_KINDS and a.contract_id in ids]

    def without(k: int) -> list[Allocation] | Rejection:
        gone = {a.id for a in lent[:k]}
        return place([a for a in allocations if a.id not in gone])

    # Preempting more never makes placing harder: search the shortest prefix that suffices.
    if not lent or isinstance(without(len(lent)), Rejection):
        return first
    low, high = 0, len(lent)
    while high - low > 1:
        middle = (low + high) // 2
        if isinstance(without(middle), Rejection):
            low = middle
        else:
            high = middle
    placed = without(high)
    assert not isinstance(placed, Rejection)  # high is a prefix that fits, by the search
    return placed, lent[:high]


def _merge(allocations: list[Allocation]) -> list[Allocation]:
    """Join month-long pieces on the same contract with the same GPUs into one interval."""
    merged: list[Allocation] = []
    for a in sorted(allocations, key=lambda a: (a.contract_id, a.start_month)):
        last = merged[-1] if merged else None
        if (
            last
            and last.contract_id == a.contract_id
            and last.end_month == a.start_month
            and last.gpus == a.gpus
        ):
            merged[-1] = Allocation(last.id, last.member_id, last.contract_id, last.start_month, a.end_month,
                                    last.gpus, last.kind, last.request_id)  # fmt: skip
        else:
            merged.append(a)
    return merged


def never_overbooked(contracts: Sequence[Contract], allocations: Sequence[Allocation]) -> bool:
    """The program's first invariant: at no month is a contract allocated beyond its capacity."""
    horizon = max((c.end_month for c in contracts), default=0)
    return all(
        used_gpus(c.id, allocations, m) <= c.capacity_at(m)
        for c in contracts
        for m in range(horizon)
    ) and all(a.contract_id in {c.id for c in contracts} for a in allocations)
