"""The pool's contracts sized to its members' pooled demand (pure): a reservation stack whose
layers start when demand grows, the rest rented on demand for exactly the runs that need it.

Demand — :func:`scheduled_demand`: the engine's own schedule of the requests on unlimited
capacity, GPUs per accelerator and month, each run at its earliest start. It is what the
members' forecasts add up to. ``D_t`` below is the *steady* part, inference, which runs every
month; training runs are one to three months long and come in spikes (the demo's B200 pooled
demand goes 256 → 1,517 → 409 GPUs), so reserving for them would strand capacity between spikes.

Reservation stack — :func:`reservation_layers`, per accelerator, in whole nodes of ``n`` GPUs
  Node layer ``k`` (GPUs ``(k−1)·n`` to ``k·n``) is busy in month ``t`` iff ``D_t ≥ k·n``. It is
  reserved from its first busy month to its last (``[s_k, e_k)``) if and only if it is busy in at
  least ``cover`` of those months — the stated service level: every reserved node is one pooled
  demand fills in at least ``cover`` of its term (0.9 by default). Layers are nested: the bottom
  ones run longest, higher ones start later (demand grows) and may end earlier, so the stack is
  staggered in start date and term. Neighbouring layers with the same term are one contract.

On-demand top-ups — :func:`plan_contracts`
  The engine allocates every training run and inference request on the stack (training first: a
  run takes reserved capacity where a whole contract has room in its window; inference all or
  nothing). An inference request the engine rejects is then placed in part on the stack's free
  GPUs, month by month, fullest contract first (:func:`_fill_inference`), and only its shortfall
  is rented on demand; a run that does not fit gets an on-demand contract for its earliest window.
  Top-up contracts are whole nodes of ``n`` GPUs (on-demand capacity is rented by the instance),
  inference one per stretch of equal shortfall; the GPUs a node holds beyond the request are idle
  capacity the engine lends. So every member's guaranteed and inference capacity is met in every
  month. A request that the unlimited schedule rejects too (its window misses its member's time
  in the program) stays rejected, with the engine's reason. Bursts and batch work are not planned
  for: they use what is idle. With ``forecast``, the stack is sized from the forecast inference
  and the requests placed are what the members then run. :func:`top_up` is the same rule for one
  live request (an approval that buys capacity).

Next-generation phase-in — :func:`phase_in`, before anything is scheduled
  A training run of ``g`` GPUs of its first-listed card ``a`` for ``d`` months is ``g·P_a`` of
  useful FLOP/s (``P`` = the catalog's dense BF16 peak) for ``d`` months. For each other card
  ``b`` the run accepts that is a newer generation (a higher dense peak, released no earlier), the
  same work takes ``g_b = ⌈g·P_a/P_b / n⌉·n`` GPUs (whole nodes) for the same months. The run is
  moved to the ``b`` with the lowest ``g_b·price_b`` if that is below ``g·price_a`` — i.e. when the
  new card's price per useful FLOP wins even after rounding to nodes (prices: on demand, the
  top-up price). The moved run asks for ``b`` alone; every move is reported (:class:`PhaseIn`).

Prices — :class:`AcceleratorPrices`: a reserved layer of ``L`` months pays the cheapest current
price among the on-demand offers and the commitments of at most ``L`` months (a shorter
commitment renewed); a top-up pays the cheapest on-demand price.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from flopfolio.errors import InvalidSpecError
from flopfolio.pool.domain import (
    HOURS_PER_MONTH,
    QUOTA_KINDS,
    Allocation,
    AllocationKind,
    Contract,
    InferenceRequest,
    Member,
    TrainingRequest,
)
from flopfolio.pool.engine import allocate

UNLIMITED_GPUS = 10**9


@dataclass(frozen=True, slots=True)
class PriceOption:
    provider: str
    region: str
    commitment_months: int  # 0: on demand
    usd_per_gpu_hour: float


@dataclass(frozen=True, slots=True)
class AcceleratorPrices:
    accelerator_id: str
    on_demand: PriceOption
    commitments: tuple[PriceOption, ...] = ()

    def for_term(self, months: int) -> PriceOption:
        """The cheapest option a contract of ``months`` can take."""
        fits = [o for o in self.commitments if o.commitment_months <= months]
        return min(
            [self.on_demand, *fits], key=lambda o: (o.usd_per_gpu_hour, -o.commitment_months)
        )


@dataclass(frozen=True, slots=True)
class CardPeak:
    """What phase-in needs of a card: its dense BF16 peak and release year (the catalog's)."""

    accelerator_id: str
    dense_flop_per_s: float
    release_year: int


@dataclass(frozen=True, slots=True)
class PhaseIn:
    """A run moved to a newer card whose price per useful FLOP wins."""

    request_id: str
    from_accelerator: str
    from_gpus: int
    to_accelerator: str
    to_gpus: int
    months: int
    saving_usd: float


@dataclass(frozen=True, slots=True)
class ContractPlan:
    contracts: tuple[Contract, ...]
    reserved_ids: tuple[str, ...]  # the stack; the others are on-demand top-ups
    demand_gpus: dict[str, tuple[int, ...]]  # scheduled demand per accelerator and month
    cover: float
    allocations: tuple[Allocation, ...]  # the guarantees and inference, placed
    training: tuple[TrainingRequest, ...] = ()  # the runs as planned (after phase-in)
    phase_in: tuple[PhaseIn, ...] = ()

    @property
    def reserved_gpu_months(self) -> int:
        keep = set(self.reserved_ids)
        return sum(c.gpus * c.months for c in self.contracts if c.id in keep)

    @property
    def on_demand_gpu_months(self) -> int:
        keep = set(self.reserved_ids)
        return sum(c.gpus * c.months for c in self.contracts if c.id not in keep)


def phase_in(
    training: Sequence[TrainingRequest],
    prices: Mapping[str, AcceleratorPrices],
    peaks: Mapping[str, CardPeak],
    node_gpus: int = 8,
) -> tuple[list[TrainingRequest], list[PhaseIn]]:
    """The runs with newer cards phased in where their price per useful FLOP wins (see the
    module docstring), and the moves made."""
    import math

    out: list[TrainingRequest] = []
    moves: list[PhaseIn] = []
    for r in training:
        first = r.accelerators[0]
        if first not in peaks or first not in prices:
            out.append(r)
            continue
        base = peaks[first]
        cost = r.gpus * prices[first].on_demand.usd_per_gpu_hour
        best: tuple[float, str, int] | None = None
        for acc in r.accelerators[1:]:
            card = peaks.get(acc)
            if card is None or acc not in prices:
                continue
            if (
                card.dense_flop_per_s <= base.dense_flop_per_s
                or card.release_year < base.release_year
            ):
                continue
            gpus = (
                math.ceil(r.gpus * base.dense_flop_per_s / card.dense_flop_per_s / node_gpus)
                * node_gpus
            )
            new = gpus * prices[acc].on_demand.usd_per_gpu_hour
            if new < cost - 1e-9 and (best is None or new < best[0]):
                best = (new, acc, gpus)
        if best is None:
            out.append(r)
            continue
        new_cost, acc, gpus = best
        out.append(replace(r, accelerators=(acc,), gpus=gpus))
        saving = (cost - new_cost) * r.duration_months * HOURS_PER_MONTH
        moves.append(PhaseIn(r.id, first, r.gpus, acc, gpus, r.duration_months, saving))
    return out, moves


def scheduled_demand(
    members: Sequence[Member],
    training: Sequence[TrainingRequest],
    inference: Sequence[InferenceRequest],
    horizon_months: int,
    accelerators: Sequence[str],
) -> tuple[dict[str, tuple[int, ...]], set[str]]:
    """GPUs per accelerator and month with every request placed at its earliest start on
    unlimited capacity, and the ids of requests rejected even so (outside their member's time)."""
    big = [
        Contract(f"unlimited-{acc}", "none", acc, "none", UNLIMITED_GPUS, 0, horizon_months, 1.0)
        for acc in accelerators
    ]
    result = allocate(big, members, training, inference, (), horizon_months)
    demand = {acc: [0] * horizon_months for acc in accelerators}
    for a in result.allocations:
        row = demand[a.contract_id.removeprefix("unlimited-")]
        for m in range(a.start_month, a.end_month):
            row[m] += a.gpus
    return {k: tuple(v) for k, v in demand.items()}, {r.request_id for r in result.rejections}


def reservation_layers(
    demand_gpus: Sequence[int], cover: float, node_gpus: int = 8
) -> list[tuple[int, int, int]]:
    """``(start, end, gpus)`` reserved blocks for one accelerator (see the module docstring)."""
    if not 0 < cover <= 1:
        raise InvalidSpecError(
            f"cover must be in (0, 1], got {cover}. To fix: pass a share, e.g. 0.9 for 90%."
        )
    if node_gpus < 1:
        raise InvalidSpecError(f"node_gpus must be at least 1, got {node_gpus}.")
    blocks: list[tuple[int, int, int]] = []
    top = max(demand_gpus, default=0) // node_gpus
    for k in range(1, top + 1):
        busy = [t for t, d in enumerate(demand_gpus) if d >= k * node_gpus]
        start, end = busy[0], busy[-1] + 1
        if len(busy) < cover * (end - start):
            continue
        if blocks and blocks[-1][:2] == (start, end):
            blocks[-1] = (start, end, blocks[-1][2] + node_gpus)
        else:
            blocks.append((start, end, node_gpus))
    return blocks


def _stack(demand: Mapping[str, Sequence[int]], prices: Mapping[str, AcceleratorPrices],
           cover: float, node_gpus: int) -> list[Contract]:  # fmt: skip
    out = []
    for acc in sorted(demand):
        for i, (start, end, gpus) in enumerate(reservation_layers(demand[acc], cover, node_gpus)):
            o = prices[acc].for_term(end - start)
            out.append(Contract(f"{acc.lower()}-res-{i:02d}", o.provider, acc,
                                f"{o.provider}-{o.region}", gpus, start, end, o.usd_per_gpu_hour))  # fmt: skip
    return out


def _top_ups(
    rejected: Sequence[TrainingRequest | InferenceRequest],
    members: Mapping[str, Member],
    prices: Mapping[str, AcceleratorPrices],
    horizon: int,
    node_gpus: int = 8,
) -> tuple[list[Contract], list[Allocation]]:
    """An on-demand contract for each rejected request at its earliest window (inference: one per
    stretch of equal GPUs), in whole nodes (on-demand capacity is rented by the instance), and
    the request's allocation on it; the GPUs a node holds beyond the request are idle capacity
    the engine lends."""
    contracts: list[Contract] = []
    allocations: list[Allocation] = []

    def add(r: TrainingRequest | InferenceRequest, acc: str, gpus: int, start: int, end: int,
            kind: AllocationKind) -> None:  # fmt: skip
        o, n = prices[acc].on_demand, len(contracts)
        nodes = -(-gpus // node_gpus) * node_gpus
        c = Contract(f"{acc.lower()}-od-{n:04d}", o.provider, acc, f"{o.provider}-{o.region}",
                     nodes, start, end, o.usd_per_gpu_hour)  # fmt: skip
        contracts.append(c)
        allocations.append(Allocation(f"{r.id}/od-{n:04d}", r.member_id, c.id, start, end, gpus, kind, r.id))  # fmt: skip

    for r in rejected:
        member = members[r.member_id]
        if isinstance(r, TrainingRequest):
            start = max(r.earliest_month, member.join_month)
            add(r, r.accelerators[0], r.gpus, start, start + r.duration_months, AllocationKind.GUARANTEED)  # fmt: skip
            continue
        run: tuple[int, int] | None = None  # (start, gpus) of the current stretch
        for m in range(r.start_month, min(r.start_month + len(r.gpus_by_month), horizon) + 1):
            g = r.gpus_at(m) if m < horizon and member.active_in(m) else 0
            if run and run[1] != g:
                add(r, r.accelerator_id, run[1], run[0], m, AllocationKind.INFERENCE)
                run = None
            if g and run is None:
                run = (m, g)
    return contracts, allocations


def _fill_inference(
    rejected: Sequence[InferenceRequest],
    stack: Sequence[Contract],
    allocations: Sequence[Allocation],
    members: Mapping[str, Member],
    horizon: int,
) -> tuple[list[Allocation], list[InferenceRequest]]:
    """Inference the engine rejected (all or nothing) placed in part on the stack's free GPUs,
    month by month, fullest contract first; returns those allocations and, per request, the
    shortfall left for on-demand top-ups (the same id, GPUs per month = what did not fit)."""
    from flopfolio.pool.idle import used_by_contract

    used = used_by_contract(stack, allocations, horizon)
    by_acc: dict[str, list[Contract]] = {}
    for c in sorted(stack, key=lambda c: c.id):
        by_acc.setdefault(c.accelerator_id, []).append(c)
    placed: list[Allocation] = []
    short: list[InferenceRequest] = []
    order = sorted(rejected, key=lambda q: (q.start_month, -max(q.gpus_by_month), q.id))
    for q in order:
        member, pieces = members[q.member_id], []
        left: list[int] = []
        for i in range(len(q.gpus_by_month)):
            m = q.start_month + i
            want = q.gpus_at(m) if m < horizon and member.active_in(m) else 0
            free = sorted(
                (c.capacity_at(m) - used[c.id][m], c.id, c)
                for c in by_acc.get(q.accelerator_id, [])
                if c.capacity_at(m) > used[c.id][m]
            )
            for room, _, c in free:
                take = min(room, want)
                if take:
                    used[c.id][m] += take
                    pieces.append((c.id, m, take))
                    want -= take
            left.append(want)
        merged: list[list[Any]] = []
        for cid, m, g in sorted(pieces):
            if merged and merged[-1][0] == cid and merged[-1][2] == m and merged[-1][3] == g:
                merged[-1][2] = m + 1
            else:
                merged.append([cid, m, m + 1, g])
        placed += [Allocation(f"{q.id}/fill-{k}", q.member_id, cid, start, end, g,
                              AllocationKind.INFERENCE, q.id)
                   for k, (cid, start, end, g) in enumerate(merged)]  # fmt: skip
        if any(left):
            short.append(
                InferenceRequest(q.id, q.member_id, q.accelerator_id, q.start_month, tuple(left))
            )
    return placed, short


def top_up(
    request: TrainingRequest | InferenceRequest,
    member: Member,
    prices: Mapping[str, AcceleratorPrices],
    horizon_months: int,
    contract_id: Callable[[str], str],
    held: Sequence[Contract] = (),
    allocations: Sequence[Allocation] = (),
) -> tuple[list[Contract], list[Allocation]] | None:
    """On-demand contracts sized to one live request that the pool's capacity cannot place, and
    the request's allocations on them — the planner's top-up rule (:func:`_top_ups`: its earliest
    window; inference one contract per stretch of equal GPUs), at the card's cheapest on-demand
    price. Inference first takes what the pool's ``held`` contracts have free month by month
    (given their ``allocations``), as the planner does (:func:`_fill_inference`), and buys only
    the shortfall. ``contract_id(accelerator)`` names each new contract. ``None`` if the card has
    no price or the request has no month inside its member's time in the program."""
    acc = (
        request.accelerators[0] if isinstance(request, TrainingRequest) else request.accelerator_id
    )
    if acc not in prices:
        return None
    filled: list[Allocation] = []
    if isinstance(request, InferenceRequest) and held:
        horizon = max(horizon_months, *(c.end_month for c in held))
        filled, short = _fill_inference([request], held, allocations, {member.id: member}, horizon)
        if not short:
            return [], filled
        request = short[0]
    contracts, bought = _top_ups([request], {member.id: member}, prices, horizon_months)
    if not contracts:
        return None
    names = {c.id: contract_id(c.accelerator_id) for c in contracts}
    return (
        [replace(c, id=names[c.id]) for c in contracts],
        [*filled, *(replace(a, contract_id=names[a.contract_id]) for a in bought)],
    )


def plan_contracts(
    members: Sequence[Member],
    training: Sequence[TrainingRequest],
    inference: Sequence[InferenceRequest],
    horizon_months: int,
    prices: Mapping[str, AcceleratorPrices],
    *,
    cover: float = 0.9,
    node_gpus: int = 8,
    peaks: Mapping[str, CardPeak] | None = None,
    forecast: Sequence[InferenceRequest] | None = None,
) -> ContractPlan:
    """The reservation stack from pooled demand plus the on-demand top-ups that let every
    placeable guarantee and inference request fit (see the module docstring); with ``peaks``,
    newer cards are phased in first (:func:`phase_in`). With ``forecast``, the stack is reserved
    for the forecast inference (what is known when contracts are signed) and ``inference`` is
    what the members then run: the stack holds what it can of it, on demand the rest."""
    moves: list[PhaseIn] = []
    if peaks:
        phased, moves = phase_in(training, prices, peaks, node_gpus)
        training = phased
    accs = sorted(
        {a for r in training for a in r.accelerators} | {q.accelerator_id for q in inference}
    )
    missing = [a for a in accs if a not in prices]
    if missing:
        raise InvalidSpecError(
            f"no prices for {', '.join(missing)}. To fix: give every requested accelerator a price."
        )
    demand, never = scheduled_demand(members, training, inference, horizon_months, accs)
    steady, _ = scheduled_demand(
        members, (), inference if forecast is None else forecast, horizon_months, accs
    )
    stack = _stack(steady, prices, cover, node_gpus)
    result = allocate(stack, members, training, inference, (), horizon_months)
    requests: dict[str, TrainingRequest | InferenceRequest] = {r.id: r for r in training}
    requests.update({q.id: q for q in inference})
    rejected = [requests[r.request_id] for r in result.rejections if r.request_id not in never]
    by_id = {m.id: m for m in members}
    filled, short = _fill_inference(
        [q for q in rejected if isinstance(q, InferenceRequest)], stack, result.allocations,
        by_id, horizon_months,
    )  # fmt: skip
    runs = [r for r in rejected if isinstance(r, TrainingRequest)]
    top_ups, placed = _top_ups([*runs, *short], by_id, prices, horizon_months, node_gpus)
    return ContractPlan((*stack, *top_ups), tuple(c.id for c in stack), demand, cover,
                        (*result.allocations, *filled, *placed), tuple(training), tuple(moves))  # fmt: skip


def unmet_guarantees(
    members: Sequence[Member],
    training: Sequence[TrainingRequest],
    inference: Sequence[InferenceRequest],
    allocations: Sequence[Allocation],
    horizon_months: int,
) -> dict[str, int]:
    """Per request id, the GPU-months a member asked for (within its time in the program) that its
    guaranteed or inference allocations do not cover; an empty dict means every guarantee is met
    in every month."""
    held: dict[str, dict[int, int]] = {}
    for a in allocations:
        if a.kind in QUOTA_KINDS:
            row = held.setdefault(a.request_id, {})
            for m in range(a.start_month, a.end_month):
                row[m] = row.get(m, 0) + a.gpus
    by_id = {m.id: m for m in members}
    short: dict[str, int] = {}
    for q in inference:
        member, got = by_id[q.member_id], held.get(q.id, {})
        gap = sum(
            max(0, q.gpus_at(m) - got.get(m, 0))
            for m in range(horizon_months)
            if member.active_in(m)
        )
        if gap:
            short[q.id] = gap
    for r in training:
        got = held.get(r.id, {})
        months = [m for m, g in got.items() if g >= r.gpus]
        if len(months) < r.duration_months:
            short[r.id] = r.gpus * (r.duration_months - len(months))
    return short
