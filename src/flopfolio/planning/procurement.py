"""The procurement optimizer: which offers, terms, start months and quantities to buy for a
company's roadmap — a mixed-integer program solved with HiGHS (SciPy's ``milp``).

Sets: months ``t = 0 … H−1``; accelerators ``a``; committed offers ``o`` (accelerator ``a(o)``,
term ``L_o`` months, price ``p_o`` per GPU-hour, optional cap ``x̄_o`` GPUs); start months ``s``;
training runs ``r`` (work ``W_r`` in reference GPU-months, window ``[e_r, d_r]``, allowed
accelerators ``A_r``); inference scenarios ``ω`` (probability ``π_ω``, demand ``D_{t,ω}`` in
reference GPUs). ``σ_a`` converts a GPU-month of ``a`` into reference GPU-months (``σ^train`` by
dense peak, ``σ^inf`` by memory bandwidth: decode is bandwidth-bound). ``q_a`` is ``a``'s on-demand
price, ``h = 730`` hours a month.

Variables (all ``≥ 0``):
  ``x_{o,s} ∈ ℤ``   GPUs committed on offer ``o`` from month ``s`` for ``L_o`` months
  ``u_{r,a,t}``     GPUs of ``a`` training run ``r`` in month ``t`` (``a ∈ A_r``, ``e_r ≤ t ≤ d_r``)
  ``v_{a,t,ω}``     GPUs of ``a`` serving inference in month ``t`` of scenario ``ω``
  ``y_{a,t,ω}``     on-demand GPUs of ``a`` rented in month ``t`` of scenario ``ω``

Minimise the committed cost plus the expected on-demand cost

  ``Σ_{o,s} h·L_o·p_o·x_{o,s} + Σ_ω π_ω Σ_{a,t} h·q_a·y_{a,t,ω}``

subject to

  capacity   ``Σ_r u_{r,a,t} + v_{a,t,ω} ≤ Σ_{o: a(o)=a} Σ_{s ≤ t < s+L_o} x_{o,s} + y_{a,t,ω}``  ∀ a,t,ω
  inference  ``Σ_a σ^inf_a·v_{a,t,ω} ≥ D_{t,ω}``                                                 ∀ t,ω
  training   ``Σ_{a,t} σ^train_a·u_{r,a,t} ≥ W_r``                                                ∀ r
  risk       ``Σ_{o,s} h·L_o·p_o·x_{o,s} ≤ κ·cash``  (commitments at most a share of cash)
  caps       ``Σ_{s ≤ t < s+L_o} x_{o,s} ≤ x̄_o`` ∀ o,t;  ``y_{a,t,ω} ≤ ȳ_a``
  delivery   ``x_{o,s}`` exists only for ``s ≥ e_o``, the first month offer ``o`` can deliver
             (``⌈lead weeks × 12/52⌉``; a waitlist without a date: never), and ``y_{a,t,ω}`` is
             priced by the cheapest on-demand offer delivering by month ``t`` (none: no rental)

Training is decided before the scenario is known (``u`` has no ``ω``); inference and rentals
adapt to it. The same committed GPUs serve training and then inference, so capacity moves from one
to the other as runs finish. Commitments that run past the horizon are paid in full. If the program
is infeasible the constraint families are relaxed one at a time to name the one that cannot be met
(:class:`~flopfolio.errors.InfeasiblePlanError`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flopfolio.errors import InfeasiblePlanError, InvalidSpecError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]

HOURS_PER_MONTH = 730.0
DEFAULT_GAP = 0.01


@dataclass(frozen=True, slots=True)
class Offer:
    name: str
    accelerator: str
    term_months: int  # 0: on-demand, month by month
    usd_per_gpu_hour: float
    max_gpus: float | None = None
    earliest_month: int = 0  # the first month it can deliver (a lead time or waitlist: later)


@dataclass(frozen=True, slots=True)
class Accelerator:
    id: str
    train_speed: float  # reference GPU-months of training work per GPU-month
    inference_speed: float  # reference GPUs of inference per GPU


@dataclass(frozen=True, slots=True)
class TrainingRun:
    name: str
    work_reference_gpu_months: float
    earliest_month: int
    deadline_month: int  # inclusive: the run must be done by the end of this month
    accelerators: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    probability: float
    demand_reference_gpus: tuple[float, ...]  # one per month


@dataclass(frozen=True, slots=True)
class Roadmap:
    horizon_months: int
    accelerators: tuple[Accelerator, ...]
    offers: tuple[Offer, ...]
    training: tuple[TrainingRun, ...]
    scenarios: tuple[Scenario, ...]
    cash_usd: float
    max_commitment_share: float = 0.5

    def __post_init__(self) -> None:
        if not 1 <= self.horizon_months <= 120:
            raise InvalidSpecError(f"horizon_months must be 1-120, got {self.horizon_months}.")
        if abs(sum(s.probability for s in self.scenarios) - 1.0) > 1e-6 or not self.scenarios:
            raise InvalidSpecError(
                "scenario probabilities must sum to 1. To fix: adjust the probabilities."
            )
        for s in self.scenarios:
            if len(s.demand_reference_gpus) != self.horizon_months:
                raise InvalidSpecError(
                    f"scenario {s.name!r} has {len(s.demand_reference_gpus)} months of demand, not {self.horizon_months}."
                )
        known = {a.id for a in self.accelerators}
        for r in self.training:
            if not 0 <= r.earliest_month <= r.deadline_month < self.horizon_months:
                raise InvalidSpecError(
                    f"training run {r.name!r}: need 0 ≤ earliest ({r.earliest_month}) ≤ deadline "
                    f"({r.deadline_month}) < horizon ({self.horizon_months})."
                )
            if not set(r.accelerators) & known:
                raise InvalidSpecError(
                    f"training run {r.name!r} allows none of the roadmap's accelerators."
                )
        for o in self.offers:
            if o.accelerator not in known:
                raise InvalidSpecError(
                    f"offer {o.name!r} is for {o.accelerator}, not in the roadmap's accelerators."
                )
        if self.cash_usd <= 0 or not 0 <= self.max_commitment_share <= 1:
            raise InvalidSpecError("cash_usd must be positive and max_commitment_share in [0, 1].")


@dataclass(frozen=True, slots=True)
class Purchase:
    offer: Offer
    start_month: int
    gpus: int

    @property
    def cost_usd(self) -> float:
        return self.gpus * self.offer.term_months * HOURS_PER_MONTH * self.offer.usd_per_gpu_hour


@dataclass(frozen=True, slots=True)
class Plan:
    purchases: tuple[Purchase, ...]
    expected_cost_usd: float
    committed_usd: float
    commitment_limit_usd: float
    expected_on_demand_usd: float
    committed_gpus: dict[str, tuple[float, ...]]  # by accelerator, per month
    on_demand_gpus: dict[str, dict[str, tuple[float, ...]]]  # scenario -> accelerator -> per month
    training_gpus: dict[str, dict[str, tuple[float, ...]]]  # run -> accelerator -> per month
    inference_gpus: dict[str, dict[str, tuple[float, ...]]]  # scenario -> accelerator -> per month
    utilization: dict[str, tuple[float, ...]]  # scenario -> committed GPUs in use, per month
    binding: tuple[str, ...]
    mip_gap: float
    status: str = field(default="optimal")


class _Builder:
    """Column and row bookkeeping for the sparse constraint matrix."""

    def __init__(self) -> None:
        self.cost: list[float] = []
        self.upper: list[float] = []
        self.integer: list[int] = []
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []
        self.lower_rhs: list[float] = []
        self.upper_rhs: list[float] = []

    def var(self, cost: float, upper: float = float("inf"), integer: bool = False) -> int:
        self.cost.append(cost)
        self.upper.append(upper)
        self.integer.append(1 if integer else 0)
        return len(self.cost) - 1

    def row(self, entries: Sequence[tuple[int, float]], low: float, high: float) -> int:
        index = len(self.lower_rhs)
        for col, val in entries:
            self.rows.append(index)
            self.cols.append(col)
            self.vals.append(val)
        self.lower_rhs.append(low)
        self.upper_rhs.append(high)
        return index


@dataclass
class _Model:
    builder: _Builder
    x: dict[tuple[int, int], int]  # (offer index, start) -> column
    u: dict[tuple[int, str, int], int]  # (run index, accelerator, month) -> column
    v: dict[tuple[str, int, int], int]  # (accelerator, month, scenario) -> column
    y: dict[tuple[str, int, int], int]
    risk_row: int | None


def _on_demand_price(roadmap: Roadmap, accelerator: str, month: int | None = None) -> Offer | None:
    """The cheapest on-demand offer of ``accelerator`` (delivering by ``month`` when given)."""
    offers = [
        o for o in roadmap.offers
        if o.accelerator == accelerator and o.term_months == 0
        and (month is None or o.earliest_month <= month)
    ]  # fmt: skip
    return min(offers, key=lambda o: o.usd_per_gpu_hour) if offers else None


def _build(roadmap: Roadmap, *, risk: bool = True, caps: bool = True) -> _Model:
    b = _Builder()
    horizon, big = roadmap.horizon_months, float("inf")
    committed = [(i, o) for i, o in enumerate(roadmap.offers) if o.term_months > 0]
    x: dict[tuple[int, int], int] = {}
    for i, o in committed:
        for s in range(o.earliest_month, horizon):  # no start before the offer can deliver
            x[i, s] = b.var(HOURS_PER_MONTH * o.term_months * o.usd_per_gpu_hour, integer=True)
    y: dict[tuple[str, int, int], int] = {}
    v: dict[tuple[str, int, int], int] = {}
    for acc in roadmap.accelerators:
        for w, scenario in enumerate(roadmap.scenarios):
            for t in range(horizon):
                od = _on_demand_price(roadmap, acc.id, t)
                if od is not None:
                    cap = od.max_gpus if (caps and od.max_gpus is not None) else big
                    y[acc.id, t, w] = b.var(
                        scenario.probability * HOURS_PER_MONTH * od.usd_per_gpu_hour, cap
                    )
                v[acc.id, t, w] = b.var(0.0)
    u: dict[tuple[int, str, int], int] = {}
    for r, run in enumerate(roadmap.training):
        for acc in roadmap.accelerators:
            if acc.id in run.accelerators:
                for t in range(run.earliest_month, run.deadline_month + 1):
                    u[r, acc.id, t] = b.var(0.0)
    speeds = {a.id: a for a in roadmap.accelerators}
    training_at: dict[tuple[str, int], list[int]] = {}
    for (_, a, m), col in u.items():
        training_at.setdefault((a, m), []).append(col)
    committed_at: dict[tuple[str, int], list[int]] = {}
    for (i, s), col in x.items():
        o = roadmap.offers[i]
        for t in range(s, min(horizon, s + o.term_months)):
            committed_at.setdefault((o.accelerator, t), []).append(col)
    for acc in roadmap.accelerators:
        for w in range(len(roadmap.scenarios)):
            for t in range(horizon):
                entries = [(col, 1.0) for col in training_at.get((acc.id, t), [])]
                entries.append((v[acc.id, t, w], 1.0))
                if (acc.id, t, w) in y:
                    entries.append((y[acc.id, t, w], -1.0))
                entries += [(col, -1.0) for col in committed_at.get((acc.id, t), [])]
                b.row(entries, -big, 0.0)
    for w, scenario in enumerate(roadmap.scenarios):
        for t in range(horizon):
            entries = [(v[a.id, t, w], a.inference_speed) for a in roadmap.accelerators]
            b.row(entries, scenario.demand_reference_gpus[t], big)
    for r, run in enumerate(roadmap.training):
        entries = [(col, speeds[a].train_speed) for (rr, a, _), col in u.items() if rr == r]
        b.row(entries, run.work_reference_gpu_months, big)
    if caps:
        for i, o in committed:
            if o.max_gpus is not None:
                for t in range(horizon):
                    entries = [(x[i, s], 1.0) for s in range(o.earliest_month, horizon)
                               if s <= t < s + o.term_months]  # fmt: skip
                    b.row(entries, 0.0, o.max_gpus)
    risk_row = None
    if risk:
        entries = [(col, b.cost[col]) for col in x.values()]
        risk_row = (
            b.row(entries, 0.0, roadmap.max_commitment_share * roadmap.cash_usd)
            if entries
            else None
        )
    return _Model(b, x, u, v, y, risk_row)


def _solve(model: _Model, gap: float, time_limit: float) -> Any:
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_array

    b = model.builder
    shape = (len(b.lower_rhs), len(b.cost))
    matrix = csr_array((b.vals, (b.rows, b.cols)), shape=shape)
    constraints = (
        [LinearConstraint(matrix, np.array(b.lower_rhs), np.array(b.upper_rhs))]
        if b.lower_rhs
        else []
    )
    return milp(
        c=np.array(b.cost),
        constraints=constraints,
        integrality=np.array(b.integer),
        bounds=Bounds(np.zeros(len(b.cost)), np.array(b.upper)),
        options={"mip_rel_gap": gap, "time_limit": time_limit, "disp": False},
    )


def _diagnose(roadmap: Roadmap, gap: float, time_limit: float) -> str:
    if _solve(_build(roadmap, risk=False), gap, time_limit).success:
        return (
            f"the risk limit: commitments may be at most {roadmap.max_commitment_share:.0%} of cash "
            f"(${roadmap.max_commitment_share * roadmap.cash_usd:,.0f}), and on-demand capacity (its offers "
            "and their max_gpus) cannot cover the rest. To fix: raise max_commitment_share or cash, move "
            "deadlines, or allow more on-demand GPUs."
        )
    if _solve(_build(roadmap, risk=False, caps=False), gap, time_limit).success:
        return (
            "offer availability (max_gpus): the capped offers cannot supply the GPUs the training "
            "deadlines and inference demand need. To fix: raise max_gpus, add offers or move deadlines."
        )
    starved = [
        r.name
        for r in roadmap.training
        if not any(
            _on_demand_price(roadmap, a) or any(o.accelerator == a for o in roadmap.offers)
            for a in r.accelerators
        )
    ]
    if starved:
        return f"training run(s) {', '.join(starved)}: no offer for any allowed accelerator. To fix: add offers."
    return "inference demand: no accelerator with an offer can serve it. To fix: add offers."


def optimize(roadmap: Roadmap, *, gap: float = DEFAULT_GAP, time_limit: float = 60.0) -> Plan:
    """Solve the roadmap; raise :class:`InfeasiblePlanError` naming the constraint that fails."""
    import numpy as np

    model = _build(roadmap)
    result = _solve(model, gap, time_limit)
    if result.status == 2 or (not result.success and result.x is None):  # infeasible
        raise InfeasiblePlanError(
            f"No plan meets the roadmap. The constraint that cannot be met: {_diagnose(roadmap, gap, time_limit)}"
        )
    if result.x is None:
        raise InfeasiblePlanError(
            f"The solver stopped without a plan ({result.message}). To fix: allow more time."
        )
    xs = np.round(result.x, 6)
    horizon = roadmap.horizon_months
    b = model.builder
    purchases = tuple(
        Purchase(roadmap.offers[i], s, round(float(xs[col])))
        for (i, s), col in model.x.items()
        if xs[col] >= 0.5
    )
    committed_usd = sum(p.cost_usd for p in purchases)
    committed_gpus = {a.id: [0.0] * horizon for a in roadmap.accelerators}
    for p in purchases:
        for t in range(p.start_month, min(horizon, p.start_month + p.offer.term_months)):
            committed_gpus[p.offer.accelerator][t] += p.gpus
    on_demand: dict[str, dict[str, tuple[float, ...]]] = {}
    inference: dict[str, dict[str, tuple[float, ...]]] = {}
    utilization: dict[str, tuple[float, ...]] = {}
    training = {
        run.name: {a.id: tuple(float(xs[model.u[r, a.id, t]]) if (r, a.id, t) in model.u else 0.0 for t in range(horizon))
                   for a in roadmap.accelerators if a.id in run.accelerators}
        for r, run in enumerate(roadmap.training)
    }  # fmt: skip
    expected_od = 0.0
    for w, scenario in enumerate(roadmap.scenarios):
        on_demand[scenario.name] = {
            a.id: tuple(
                float(xs[model.y[a.id, t, w]]) if (a.id, t, w) in model.y else 0.0
                for t in range(horizon)
            )
            for a in roadmap.accelerators
        }
        inference[scenario.name] = {
            a.id: tuple(float(xs[model.v[a.id, t, w]]) for t in range(horizon))
            for a in roadmap.accelerators
        }
        used = []
        for t in range(horizon):
            total = sum(committed_gpus[a.id][t] for a in roadmap.accelerators)
            busy = sum(
                min(committed_gpus[a.id][t], inference[scenario.name][a.id][t]
                    + sum(training[run][a.id][t] for run in training if a.id in training[run]))
                for a in roadmap.accelerators
            )  # fmt: skip
            used.append(busy / total if total else 0.0)
        utilization[scenario.name] = tuple(used)
        expected_od += sum(b.cost[col] * xs[col] for (a, t, ww), col in model.y.items() if ww == w)
    limit = roadmap.max_commitment_share * roadmap.cash_usd
    binding = []
    if committed_usd >= 0.99 * limit and limit > 0:
        binding.append(f"risk limit: ${committed_usd:,.0f} committed of ${limit:,.0f} allowed")
    for run in roadmap.training:
        last = sum(training[run.name][a][run.deadline_month] for a in training[run.name])
        if last > 1e-6:
            binding.append(f"deadline of {run.name!r}: it still runs in month {run.deadline_month}")
    for o in roadmap.offers:
        if o.max_gpus is not None:
            peak = (
                max(committed_gpus[o.accelerator])
                if o.term_months
                else max(max(on_demand[s.name][o.accelerator]) for s in roadmap.scenarios)
            )
            if peak >= o.max_gpus - 1e-6:
                binding.append(f"availability of {o.name}: {o.max_gpus:,.0f} GPUs")
    gap_reached = float(getattr(result, "mip_gap", 0.0) or 0.0)
    return Plan(
        purchases=purchases,
        expected_cost_usd=float(result.fun),
        committed_usd=committed_usd,
        commitment_limit_usd=limit,
        expected_on_demand_usd=expected_od,
        committed_gpus={k: tuple(v) for k, v in committed_gpus.items()},
        on_demand_gpus=on_demand,
        training_gpus=training,
        inference_gpus=inference,
        utilization=utilization,
        binding=tuple(binding),
        mip_gap=gap_reached,
    )
