"""The pool's engine (pure): allocation over a horizon, and reallocation when members join,
graduate or change plans. Pooled demand and the program's value are :mod:`flopfolio.pool.value`'s.

Months are whole months from the program's start; intervals are ``[start, end)`` (see
:mod:`flopfolio.pool.domain`). A member takes part in month ``t`` iff ``Member.active_in(t)``.

Allocation — :func:`allocate`, over months ``[0, horizon)``
  1. Guarantees: training runs by earliest deadline, then more GPUs, longer, id; each packed whole
     into one contract by the rule of :func:`placement.place_training` (earliest start that fits,
     then the contract with the least free capacity, ties by id), inside the member's membership
     (a run must end by its graduation). The per-contract used-GPU arrays replace re-scanning the
     allocations; the choices are the same.
  2. Inference, by start month, larger peak, id: :func:`placement.place_inference`'s rule (month
     by month, fullest contract first, all or nothing), only in months the member is active.
  3. Bursts borrow idle capacity, ``idle = contracted − allocated`` per contract and month. A
     member's nominal quota (Kueue's ``nominalQuota``) is its guaranteed + inference GPUs in that
     month; a burst is usage above it. Per month and accelerator the idle GPUs go to the members
     asking by weighted fair share — Kueue's share is ``borrowed / weight`` and the lowest share
     is served first, which is water-filling: member ``i`` ends with
     ``min(cap_i, max(b_i, λ·w_i))`` borrowed GPUs, ``b_i`` what it already borrows there,
     ``cap_i = b_i + min(request_i, borrowing_limit_i − b_i)``, ``λ`` the level that uses the idle
     GPUs up; levels are rounded down and the GPUs left are handed one at a time to the lowest
     ``(x_i + 1)/w_i`` (ties by member id). A burst naming several accelerators asks its first
     one, then its unmet rest asks the second, and so on. Within a member, its bursts are served
     by start month and id; GPUs come from the fullest contract first. A burst may be served in
     part (``unmet_gpu_months``); one served not at all is rejected.
  4. Batch (:class:`BatchRequest`) takes what is idle after the bursts, by the same weighted fair
     share and the same borrowing limits, as ``batch`` allocations; nothing is preempted for it,
     and being accepted last it is the first preempted when an owner reclaims its quota.
  Preemption (:func:`admit_guarantee`): a guarantee that fits nowhere in its window may take
  borrowed capacity — if and only if releasing the borrowed GPUs makes it fit. It then takes the
  earliest start that fits with borrowed GPUs counted as free, the contract with the least such
  capacity, and preempts whole borrowed allocations, the latest accepted first (acceptance order
  is the order of the allocation list), skipping any that overlap no month still short, until it
  fits. Inference reclaims borrowed capacity the same way. Guaranteed and inference allocations
  are never preempted.

Reallocation — :func:`reallocate`, for an event at month ``M``: nothing is placed before ``M``.
  ``Join``: the member's requests are placed. ``Graduate``: the member's allocations are cut at
  ``M`` (ending at ``M``; those starting at or after ``M`` are released) and the waiting requests
  are placed on what that frees — the capacity goes to the next cohort. ``ChangePlan``: the
  member's allocations from ``M`` on are released the same way and its new requests are placed.
  New and waiting requests are placed together by the allocation order above; rejected ones stay
  waiting.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING

from flopfolio.errors import InvalidSpecError, did_you_mean
from flopfolio.pool.domain import (
    LENT_KINDS,
    Allocation,
    AllocationKind,
    BatchRequest,
    BurstRequest,
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

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    IntArray = npt.NDArray[np.int64]


# --------------------------------------------------------------------------- requests and events


@dataclass(frozen=True, slots=True)
class Requests:
    """What members ask for, by kind."""

    training: tuple[TrainingRequest, ...] = ()
    inference: tuple[InferenceRequest, ...] = ()
    bursts: tuple[BurstRequest, ...] = ()
    batch: tuple[BatchRequest, ...] = ()

    def __add__(self, other: Requests) -> Requests:
        return Requests(
            self.training + other.training,
            self.inference + other.inference,
            self.bursts + other.bursts,
            self.batch + other.batch,
        )

    def only(self, keep: Callable[[str, str], bool]) -> Requests:
        """The requests for which ``keep(request_id, member_id)`` holds."""
        return Requests(
            tuple(r for r in self.training if keep(r.id, r.member_id)),
            tuple(r for r in self.inference if keep(r.id, r.member_id)),
            tuple(r for r in self.bursts if keep(r.id, r.member_id)),
            tuple(r for r in self.batch if keep(r.id, r.member_id)),
        )

    @property
    def member_ids(self) -> set[str]:
        ids = {r.member_id for r in self.training} | {r.member_id for r in self.inference}
        return ids | {r.member_id for r in self.bursts} | {r.member_id for r in self.batch}


@dataclass(frozen=True, slots=True)
class Join:
    member: Member
    requests: Requests = Requests()


@dataclass(frozen=True, slots=True)
class Graduate:
    member_id: str
    month: int


@dataclass(frozen=True, slots=True)
class ChangePlan:
    member_id: str
    month: int
    requests: Requests


Event = Join | Graduate | ChangePlan


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class AllocationResult:
    allocations: tuple[Allocation, ...]  # everything live: kept existing ones, then new ones
    rejections: tuple[Rejection, ...]
    preempted: tuple[Allocation, ...]  # borrowed allocations taken back for guarantees
    unmet_gpu_months: dict[str, int]  # bursts served in part: GPU-months not served
    contracted_gpus: tuple[int, ...]  # per month of the horizon
    allocated_gpus: tuple[int, ...]  # guaranteed + inference + borrowed + batch
    borrowed_gpus: tuple[int, ...]  # borrowed + batch (lent above quota)

    @property
    def utilization(self) -> tuple[float, ...]:
        return tuple(
            a / c if c else 0.0
            for a, c in zip(self.allocated_gpus, self.contracted_gpus, strict=True)
        )


@dataclass(frozen=True, slots=True)
class Reallocation:
    members: tuple[Member, ...]
    allocations: tuple[Allocation, ...]
    added: tuple[Allocation, ...]
    released: tuple[Allocation, ...]  # the event's member's allocations from its month on
    cut: tuple[tuple[Allocation, Allocation], ...]  # (before, after) — cut at the event's month
    preempted: tuple[Allocation, ...]
    rejections: tuple[Rejection, ...]
    waiting: Requests  # still not placed
    unmet_gpu_months: dict[str, int]


# --------------------------------------------------------------------------- occupancy


class _Ids:
    """Allocation ids ``<request id>/<n>``, never reusing one already taken."""

    def __init__(self, taken: Iterable[str]) -> None:
        self.taken = set(taken)
        self.next: dict[str, int] = {}

    def __call__(self, request_id: str) -> str:
        k = self.next.get(request_id, 0)
        while f"{request_id}/{k}" in self.taken:
            k += 1
        self.next[request_id] = k + 1
        self.taken.add(f"{request_id}/{k}")
        return f"{request_id}/{k}"


class _Occupancy:
    """Per-contract capacity, used and borrowed GPUs by month, in step with the live allocations
    (kept in acceptance order)."""

    def __init__(self, contracts: Sequence[Contract], allocations: Iterable[Allocation], months: int) -> None:  # fmt: skip
        import numpy as np

        allocations = list(allocations)
        self.contracts = sorted(contracts, key=lambda c: c.id)
        self.row = {c.id: i for i, c in enumerate(self.contracts)}
        if len(self.row) != len(self.contracts):
            raise InvalidSpecError(
                "contract ids must be unique. To fix: give each contract its own id."
            )
        end = max([months, *(c.end_month for c in contracts), *(a.end_month for a in allocations)])
        self.capacity: IntArray = np.zeros((len(self.contracts), end), dtype=np.int64)
        for i, c in enumerate(self.contracts):
            self.capacity[i, c.start_month : c.end_month] = c.gpus
        self.used: IntArray = np.zeros_like(self.capacity)
        self.borrowed: IntArray = np.zeros_like(self.capacity)
        self.rows: dict[str, list[int]] = defaultdict(list)
        for i, c in enumerate(self.contracts):
            self.rows[c.accelerator_id].append(i)
        self.live: dict[str, Allocation] = {}
        self.lent: dict[str, Allocation] = {}  # the borrowed ones
        for a in allocations:
            self.add(a)

    def row_of(self, a: Allocation) -> int:
        if a.contract_id not in self.row:
            raise InvalidSpecError(
                f"allocation {a.id!r} is on contract {a.contract_id!r}, which is not in the pool."
                f"{did_you_mean(a.contract_id, self.row)}"
            )
        return self.row[a.contract_id]

    def add(self, a: Allocation, *, counted: bool = False) -> None:
        if a.id in self.live:
            raise InvalidSpecError(
                f"allocation id {a.id!r} appears twice. To fix: keep ids unique."
            )
        r = self.row_of(a)
        if not counted:
            self.used[r, a.start_month : a.end_month] += a.gpus
            if a.kind in LENT_KINDS:
                self.borrowed[r, a.start_month : a.end_month] += a.gpus
        self.live[a.id] = a
        if a.kind in LENT_KINDS:
            self.lent[a.id] = a

    def remove(self, a: Allocation) -> None:
        r = self.row_of(a)
        self.used[r, a.start_month : a.end_month] -= a.gpus
        if a.kind in LENT_KINDS:
            self.borrowed[r, a.start_month : a.end_month] -= a.gpus
            del self.lent[a.id]
        del self.live[a.id]

    def preempt(self, rows: Sequence[int], want: Mapping[int, int]) -> list[Allocation]:
        """Release borrowed allocations on ``rows``, latest accepted first, until the free GPUs of
        those rows in each month ``m`` of ``want`` reach ``want[m]``."""

        def short() -> set[int]:
            return {
                m
                for m, w in want.items()
                if int((self.capacity[rows, m] - self.used[rows, m]).sum()) < w
            }

        missing, rowset, out = short(), set(rows), []
        for a in reversed(list(self.lent.values())):
            if not missing:
                break
            if self.row[a.contract_id] in rowset and any(
                a.start_month <= m < a.end_month for m in missing
            ):
                self.remove(a)
                out.append(a)
                missing = short()
        return out


# --------------------------------------------------------------------------- placement


def _first_fit(windows: IntArray, gpus: int) -> tuple[int, int] | None:
    """(start offset, row) of the earliest start where a row fits, the tightest such row."""
    import numpy as np

    ok = windows >= gpus
    starts = np.flatnonzero(ok.any(axis=0))
    if not starts.size:
        return None
    j = int(starts[0])
    return j, int(np.argmin(np.where(ok[:, j], windows[:, j], np.iinfo(np.int64).max)))


def _admit_training(
    occ: _Occupancy, request: TrainingRequest, lo: int, hi: int, new_id: Callable[[], str]
) -> tuple[Allocation | Rejection, list[Allocation]]:
    import numpy as np
    from numpy.lib.stride_tricks import sliding_window_view

    d, g = request.duration_months, request.gpus
    rows = [i for i, c in enumerate(occ.contracts) if c.accelerator_id in request.accelerators]
    if not rows or lo + d > hi:
        return Rejection(
            request.id, f"no contract of {', '.join(request.accelerators)} in the pool"
        ), []
    idx = np.array(rows)
    free = occ.capacity[idx, lo:hi] - occ.used[idx, lo:hi]
    windows = sliding_window_view(free, d, axis=1).min(axis=2)
    preempted: list[Allocation] = []
    hit = _first_fit(windows, g)
    if hit is None:
        released = sliding_window_view(free + occ.borrowed[idx, lo:hi], d, axis=1).min(axis=2)
        hit = _first_fit(released, g)
        if hit is None:
            return Rejection(
                request.id,
                f"no contract of {', '.join(request.accelerators)} has {g} free GPUs for {d} month(s) "
                f"between month {lo} and {hi}: the most free in one cluster is {int(windows.max())}",
            ), []
        start = lo + hit[0]
        preempted = occ.preempt([rows[hit[1]]], dict.fromkeys(range(start, start + d), g))
    start, row = lo + hit[0], rows[hit[1]]
    a = Allocation(new_id(), request.member_id, occ.contracts[row].id, start, start + d, g,
                   AllocationKind.GUARANTEED, request.id)  # fmt: skip
    occ.add(a)
    return a, preempted


def _segments(pieces: Iterable[tuple[int, int, int]]) -> list[tuple[int, int, int, int]]:
    """(row, month, gpus) month pieces -> (row, start, end, gpus), joining equal neighbours."""
    out: list[tuple[int, int, int, int]] = []
    for row, month, gpus in sorted(pieces):
        if out and out[-1][0] == row and out[-1][2] == month and out[-1][3] == gpus:
            out[-1] = (row, out[-1][1], month + 1, gpus)
        else:
            out.append((row, month, month + 1, gpus))
    return out


def _admit_inference(
    occ: _Occupancy, request: InferenceRequest, want: Mapping[int, int], new_id: Callable[[], str]
) -> tuple[list[Allocation] | Rejection, list[Allocation]]:
    import numpy as np

    acc, rows = request.accelerator_id, occ.rows.get(request.accelerator_id, [])
    months = sorted(m for m, w in want.items() if w > 0)
    if not months:
        return [], []
    if not rows:
        return Rejection(request.id, f"no contract of {acc} in the pool"), []
    grid = np.ix_(np.array(rows), np.array(months))
    free = (occ.capacity[grid] - occ.used[grid]).sum(axis=0)
    need = np.array([want[m] for m in months])
    preempted: list[Allocation] = []
    if (free < need).any():
        bad = np.flatnonzero(free + occ.borrowed[grid].sum(axis=0) < need)
        if bad.size:
            k = int(bad[0])
            return Rejection(
                request.id, f"month {months[k]}: {need[k]} {acc} GPUs requested, {free[k]} free"
            ), []
        preempted = occ.preempt(rows, {m: want[m] for m in months})
    pieces: list[tuple[int, int, int]] = []
    for m in months:
        remaining = want[m]
        for available, row in sorted(
            (int(occ.capacity[r, m] - occ.used[r, m]), r) for r in rows if occ.capacity[r, m]
        ):
            take = min(available, remaining)
            if take > 0:
                pieces.append((row, m, take))
                remaining -= take
            if remaining == 0:
                break
    placed = [
        Allocation(
            new_id(),
            request.member_id,
            occ.contracts[row].id,
            s,
            e,
            g,
            AllocationKind.INFERENCE,
            request.id,
        )
        for row, s, e, g in _segments(pieces)
    ]
    for a in placed:
        occ.add(a)
    return placed, preempted


def admit_guarantee(
    request: TrainingRequest,
    contracts: Sequence[Contract],
    allocations: Sequence[Allocation],
    new_id: Callable[[], str],
) -> tuple[Allocation | Rejection, tuple[Allocation, ...]]:
    """Place a training run in its own window, preempting borrowed allocations (latest accepted
    first) if and only if that makes it fit. Membership dates are :func:`allocate`'s concern."""
    occ = _Occupancy(contracts, allocations, request.deadline_month)
    outcome, preempted = _admit_training(
        occ, request, request.earliest_month, request.deadline_month, new_id
    )
    return outcome, tuple(preempted)


# --------------------------------------------------------------------------- fair share


def water_fill(
    idle_gpus: int,
    weights: Sequence[float],
    borrowed_gpus: Sequence[int],
    wanted_gpus: Sequence[int],
    keys: Sequence[str] | None = None,
) -> tuple[int, ...]:
    """Extra GPUs per claimant: ``x_i = min(b_i + r_i, max(b_i, λ·w_i))`` with ``Σ(x_i − b_i)`` the
    idle GPUs (or every request, if fewer), levels rounded down and the rest handed one GPU at a
    time to the lowest ``(x_i + 1)/w_i``, ties by ``keys`` (default: position)."""
    import numpy as np

    n = len(weights)
    if idle_gpus <= 0 or n == 0:
        return (0,) * n
    w = np.asarray(weights, dtype=float)
    b = np.asarray(borrowed_gpus, dtype=np.int64)
    r = np.maximum(np.asarray(wanted_gpus, dtype=np.int64), 0)
    if int(r.sum()) <= idle_gpus:
        return tuple(int(x) for x in r)
    cap = b + r

    def taken(level: float) -> float:
        return float((np.minimum(cap, np.maximum(b, level * w)) - b).sum())

    lo, hi = 0.0, float((cap / w).max())
    for _ in range(200):
        mid = (lo + hi) / 2
        if mid in (lo, hi):
            break
        lo, hi = (mid, hi) if taken(mid) <= idle_gpus else (lo, mid)
    x = np.minimum(cap, np.maximum(b, np.floor(lo * w).astype(np.int64)))
    left = idle_gpus - int((x - b).sum())
    order = list(keys) if keys is not None else [f"{i:09d}" for i in range(n)]
    heap = [((int(x[i]) + 1) / w[i], order[i], i) for i in range(n) if x[i] < cap[i]]
    heapq.heapify(heap)
    while left > 0 and heap:
        _, key, i = heapq.heappop(heap)
        x[i] += 1
        left -= 1
        if x[i] < cap[i]:
            heapq.heappush(heap, ((int(x[i]) + 1) / w[i], key, i))
    return tuple(int(v) for v in x - b)


def _carve(
    occ: _Occupancy, rows: Sequence[int], spare: dict[int, int], month: int, gpus: int
) -> list[tuple[int, int, int]]:
    """Take ``gpus`` borrowed GPUs in ``month`` from ``rows`` in order (fullest first)."""
    out: list[tuple[int, int, int]] = []
    for row in rows:
        got = min(spare[row], gpus)
        if got:
            spare[row] -= got
            gpus -= got
            occ.used[row, month] += got
            occ.borrowed[row, month] += got
            out.append((row, month, got))
    return out


def _serve_bursts(
    occ: _Occupancy,
    bursts: Sequence[tuple[BurstRequest, Member]],
    floor: int,
    horizon: int,
    ids: _Ids,
    kind: AllocationKind = AllocationKind.BORROWED,
) -> tuple[list[Rejection], dict[str, int]]:
    import numpy as np

    level: dict[tuple[str, int, str], int] = defaultdict(int)  # lent by (member, month, acc)
    for a in occ.lent.values():
        if a.kind is not kind:
            continue
        acc = occ.contracts[occ.row[a.contract_id]].accelerator_id
        for m in range(max(a.start_month, floor), min(a.end_month, horizon)):
            level[a.member_id, m, acc] += a.gpus
    member_of = {b.id: m for b, m in bursts}
    by_month: dict[int, list[BurstRequest]] = defaultdict(list)
    asked: dict[str, int] = defaultdict(int)
    for b, member in bursts:
        for m in range(max(b.start_month, floor), min(b.start_month + b.duration_months, horizon)):
            if member.active_in(m):
                by_month[m].append(b)
                asked[b.id] += b.gpus
    pieces: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    served: dict[str, int] = defaultdict(int)
    for m in sorted(by_month):
        todo = sorted(by_month[m], key=lambda b: (b.start_month, b.id))
        unmet = {b.id: b.gpus for b in todo}
        for k in range(max(len(b.accelerators) for b in todo)):
            round_ = [b for b in todo if unmet[b.id] > 0 and len(b.accelerators) > k]
            for acc in sorted({b.accelerators[k] for b in round_}):
                rows = occ.rows.get(acc, [])
                free = occ.capacity[rows, m] - occ.used[rows, m] if rows else np.zeros(0, np.int64)
                idle = int(free.sum())
                if idle <= 0:
                    continue
                claims: dict[str, list[BurstRequest]] = defaultdict(list)
                for b in round_:
                    if b.accelerators[k] == acc:
                        claims[b.member_id].append(b)
                keys = sorted(claims)
                limits = [member_of[claims[key][0].id].borrowing_limit for key in keys]
                floors = [level[key, m, acc] for key in keys]
                wanted = [
                    min(
                        sum(unmet[b.id] for b in claims[key]),
                        math.inf if lim is None else max(0, lim - f),
                    )
                    for key, lim, f in zip(keys, limits, floors, strict=True)
                ]
                weights = [member_of[claims[key][0].id].weight for key in keys]
                gains = water_fill(idle, weights, floors, [int(x) for x in wanted], keys)
                order = sorted((int(free[i]), i) for i in range(len(rows)) if free[i] > 0)
                spare = {rows[i]: f for f, i in order}
                for key, gain in zip(keys, gains, strict=True):
                    level[key, m, acc] += gain
                    left = gain
                    for b in claims[key]:
                        take = min(unmet[b.id], left)
                        unmet[b.id] -= take
                        served[b.id] += take
                        left -= take
                        pieces[b.id] += _carve(occ, [rows[i] for _, i in order], spare, m, take)
    rejections: list[Rejection] = []
    unmet_months: dict[str, int] = {}
    for b, member in bursts:
        for row, s, e, g in _segments(pieces[b.id]):
            a = Allocation(ids(b.id), b.member_id, occ.contracts[row].id, s, e, g, kind, b.id)
            occ.add(a, counted=True)
        accs = ", ".join(b.accelerators)
        if not asked[b.id]:
            end = b.start_month + b.duration_months
            why = f"member {member.id} is not in the program in months {b.start_month}–{end}"
            rejections.append(Rejection(b.id, f"{why} within [{floor}, {horizon})"))
        elif not any(occ.rows.get(a) for a in b.accelerators):
            rejections.append(Rejection(b.id, f"no contract of {accs} in the pool"))
        elif not served[b.id]:
            limit = member.borrowing_limit
            why = f"weight {member.weight}, borrowing limit {'none' if limit is None else limit}"
            rejections.append(Rejection(b.id, f"no idle {accs} GPUs were left for it: idle "
                                              f"capacity goes by weighted fair share ({why})"))  # fmt: skip
        elif served[b.id] < asked[b.id]:
            unmet_months[b.id] = asked[b.id] - served[b.id]
    return rejections, unmet_months


# --------------------------------------------------------------------------- (c) allocation


def _guarantee_order(r: TrainingRequest) -> tuple[int, int, int, str]:
    """Earliest deadline first, then more GPUs, then longer, then id."""
    return r.deadline_month, -r.gpus, -r.duration_months, r.id


def _run(
    contracts: Sequence[Contract],
    members: Mapping[str, Member],
    requests: Requests,
    horizon: int,
    existing: Sequence[Allocation],
    floor: int,
    retired_ids: Iterable[str] = (),
) -> AllocationResult:
    check_horizon(horizon)
    occ = _Occupancy(contracts, existing, horizon)
    ids = _Ids([*occ.live, *retired_ids])
    rejections: list[Rejection] = []
    preempted: list[Allocation] = []
    held = {a.request_id for a in existing}  # requests already placed are not placed again
    for r in sorted(requests.training, key=_guarantee_order):
        member = member_of(r.id, r.member_id, members)
        if r.id in held:
            continue
        held.add(r.id)
        lo, hi = run_window(r, member, horizon, floor)
        if lo + r.duration_months > hi:
            rejections.append(Rejection(r.id, window_reason(r, member, lo, hi, horizon)))
            continue
        outcome, lost = _admit_training(occ, r, lo, hi, partial(ids, r.id))
        preempted += lost
        if isinstance(outcome, Rejection):
            rejections.append(outcome)
    for q in sorted(requests.inference, key=lambda q: (q.start_month, -max(q.gpus_by_month), q.id)):
        member = member_of(q.id, q.member_id, members)
        if q.id in held:
            continue
        held.add(q.id)
        months = range(
            max(q.start_month, floor), min(q.start_month + len(q.gpus_by_month), horizon)
        )
        want = {m: q.gpus_at(m) for m in months if member.active_in(m) and q.gpus_at(m) > 0}
        if not want and any(q.gpus_by_month):
            why = f"no month of it falls while member {member.id} is in the program"
            rejections.append(Rejection(q.id, f"{why}, within months [{floor}, {horizon})"))
            continue
        result, lost = _admit_inference(occ, q, want, partial(ids, q.id))
        preempted += lost
        if isinstance(result, Rejection):
            rejections.append(result)
    live_requests = {a.request_id for a in occ.live.values()}
    bursts = [
        (b, member_of(b.id, b.member_id, members))
        for b in requests.bursts
        if b.id not in live_requests
    ]
    lost_bursts, unmet = _serve_bursts(occ, bursts, floor, horizon, ids)
    batch = [
        (b, member_of(b.id, b.member_id, members))
        for b in requests.batch
        if b.id not in live_requests
    ]
    lost_batch, unmet_batch = _serve_bursts(occ, batch, floor, horizon, ids, AllocationKind.BATCH)
    rejections += lost_bursts + lost_batch
    unmet.update(unmet_batch)
    return AllocationResult(
        allocations=tuple(occ.live.values()),
        rejections=tuple(rejections),
        preempted=tuple(preempted),
        unmet_gpu_months=unmet,
        contracted_gpus=tuple(int(x) for x in occ.capacity[:, :horizon].sum(axis=0)),
        allocated_gpus=tuple(int(x) for x in occ.used[:, :horizon].sum(axis=0)),
        borrowed_gpus=tuple(int(x) for x in occ.borrowed[:, :horizon].sum(axis=0)),
    )


def allocate(
    contracts: Sequence[Contract],
    members: Sequence[Member],
    training: Sequence[TrainingRequest],
    inference: Sequence[InferenceRequest],
    bursts: Sequence[BurstRequest],
    horizon_months: int,
    *,
    existing: Sequence[Allocation] = (),
    batch: Sequence[BatchRequest] = (),
) -> AllocationResult:
    """Guarantees, then inference, then bursts and then batch work by weighted fair share (see
    the module docstring). ``existing`` allocations stay (borrowed and batch ones may be
    preempted); requests that already hold an allocation are not placed again."""
    requests = Requests(tuple(training), tuple(inference), tuple(bursts), tuple(batch))
    return _run(contracts, members_by_id(members), requests, horizon_months, existing, 0)


def quota_gpus(
    contracts: Sequence[Contract], allocations: Iterable[Allocation], member_id: str, month: int
) -> dict[str, int]:
    """A member's nominal quota in ``month`` by accelerator: its guaranteed + inference GPUs."""
    acc = {c.id: c.accelerator_id for c in contracts}
    out: dict[str, int] = defaultdict(int)
    for a in allocations:
        if a.member_id == member_id and a.kind not in LENT_KINDS and a.gpus_at(month):
            out[acc[a.contract_id]] += a.gpus
    return dict(out)


# --------------------------------------------------------------------------- (d) reallocation


def _cut(
    allocations: Sequence[Allocation], member_id: str, month: int
) -> tuple[list[Allocation], list[Allocation], list[tuple[Allocation, Allocation]]]:
    kept: list[Allocation] = []
    released: list[Allocation] = []
    cut: list[tuple[Allocation, Allocation]] = []
    for a in allocations:
        if a.member_id != member_id or a.end_month <= month:
            kept.append(a)
        elif a.start_month >= month:
            released.append(a)
        else:
            shorter = replace(a, end_month=month)
            kept.append(shorter)
            cut.append((a, shorter))
    return kept, released, cut


def _own(requests: Requests, member_id: str) -> None:
    others = requests.member_ids - {member_id}
    if others:
        raise InvalidSpecError(
            f"the event is for member {member_id!r} but carries requests of {sorted(others)}. "
            "To fix: send each member's requests with its own event."
        )


def reallocate(
    contracts: Sequence[Contract],
    members: Sequence[Member],
    allocations: Sequence[Allocation],
    event: Event,
    horizon_months: int,
    *,
    waiting: Requests = Requests(),
) -> Reallocation:
    """Apply one event and place what it brings plus the waiting requests (see the module
    docstring)."""
    by_id = members_by_id(members)
    kept: list[Allocation] = list(allocations)
    released: list[Allocation] = []
    cut: list[tuple[Allocation, Allocation]] = []
    notes: list[Rejection] = []
    if isinstance(event, Join):
        if event.member.id in by_id:
            raise InvalidSpecError(f"member {event.member.id!r} is already in the program.")
        _own(event.requests, event.member.id)
        by_id[event.member.id] = event.member
        month, new, queue = event.member.join_month, event.requests, waiting
    elif isinstance(event, Graduate | ChangePlan):
        member = member_of(f"event for {event.member_id}", event.member_id, by_id)
        month = event.month
        kept, released, cut = _cut(allocations, member.id, month)
        queue = waiting.only(lambda _, owner: owner != member.id)
        if isinstance(event, Graduate):
            if member.graduation_month is not None and member.graduation_month < month:
                raise InvalidSpecError(
                    f"member {member.id!r} already graduated in month {member.graduation_month}; "
                    f"it cannot graduate again in month {month}."
                )
            by_id[member.id] = replace(member, graduation_month=month)
            new = Requests()
            gone = waiting.only(lambda _, owner: owner == member.id)
            gone_ids = [r.id for r in gone.training] + [r.id for r in gone.inference]
            notes = [
                Rejection(i, f"member {member.id} graduated in month {month}")
                for i in [*gone_ids, *(r.id for r in gone.bursts)]
            ]
        else:
            _own(event.requests, member.id)
            new = event.requests
    else:
        raise InvalidSpecError(f"unknown event {event!r}: expected Join, Graduate or ChangePlan.")
    retired = [a.id for a in released]
    result = _run(contracts, by_id, queue + new, horizon_months, kept, month, retired)
    before = {a.id for a in kept}
    rejected = {r.request_id for r in result.rejections}
    return Reallocation(
        members=tuple(by_id.values()),
        allocations=result.allocations,
        added=tuple(a for a in result.allocations if a.id not in before),
        released=tuple(released),
        cut=tuple(cut),
        preempted=result.preempted,
        rejections=(*notes, *result.rejections),
        waiting=(queue + new).only(lambda rid, _: rid in rejected),
        unmet_gpu_months=result.unmet_gpu_months,
    )
