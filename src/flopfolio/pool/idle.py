"""Where the pool's contracted GPU-hours go, month by month (pure), and what the idle ones cost.

Per contract ``c`` and month ``m`` (GPUs; ×730 for GPU-hours):

* ``used``  — held by right: guaranteed + inference allocations (the members' nominal quota);
* ``lent``  — borrowed inside the pool above quota (bursts, reclaimed on demand);
* ``batch`` — members' preemptible batch work on what borrowing left (reclaimed first);
* ``resold`` — sublet to the market: what is still free, in whole nodes of ``node_gpus``
  (``⌊free/n⌋·n``), on accelerators with a resale price, at that price
  (:func:`flopfolio.pool.demo.resale_prices` sources it from the catalog's spot offers);
* ``idle``  — the rest: ``contracted − used − lent − batch − resold`` ≥ 0.

Order of use: quota first, then borrowing, then batch (the engine's allocation order), then the
market. *Utilization* is the members' work over what is contracted, ``(used + lent + batch) /
contracted``; resold hours earn money but are not the members' work and are reported apart.
The *idle cost* is each contract's own price times its idle GPU-hours — what the program pays for
hours that did no work and earned nothing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from flopfolio.pool.domain import HOURS_PER_MONTH, Allocation, AllocationKind, Contract

KIND_FIELDS = {
    AllocationKind.GUARANTEED: "used",
    AllocationKind.INFERENCE: "used",
    AllocationKind.BORROWED: "lent",
    AllocationKind.BATCH: "batch",
}


def used_by_contract(
    contracts: Sequence[Contract], allocations: Iterable[Allocation], horizon_months: int
) -> dict[str, list[int]]:
    """GPUs allocated (every kind) per contract and month ``[0, horizon)``."""
    used = {c.id: [0] * horizon_months for c in contracts}
    for a in allocations:
        row = used[a.contract_id]
        for m in range(a.start_month, min(a.end_month, horizon_months)):
            row[m] += a.gpus
    return used


def sublet_gpus(free_gpus: int, node_gpus: int) -> int:
    """Free GPUs that can be sublet: whole nodes only."""
    return (max(0, free_gpus) // node_gpus) * node_gpus


@dataclass(frozen=True, slots=True)
class MonthUse:
    """One month of the program, in GPU-hours and USD."""

    month: int
    contracted_gpu_hours: float
    used_gpu_hours: float
    lent_gpu_hours: float
    batch_gpu_hours: float
    resold_gpu_hours: float
    idle_gpu_hours: float
    contract_cost_usd: float
    resale_usd: float
    idle_cost_usd: float

    @property
    def utilization(self) -> float:
        work = self.used_gpu_hours + self.lent_gpu_hours + self.batch_gpu_hours
        return work / self.contracted_gpu_hours if self.contracted_gpu_hours else 0.0

    def as_dict(self) -> dict[str, float]:
        h = HOURS_PER_MONTH
        return {
            "month": self.month,
            "contracted_gpu_hours": self.contracted_gpu_hours,
            "used_gpu_hours": self.used_gpu_hours,
            "lent_gpu_hours": self.lent_gpu_hours,
            "batch_gpu_hours": self.batch_gpu_hours,
            "resold_gpu_hours": self.resold_gpu_hours,
            "idle_gpu_hours": self.idle_gpu_hours,
            "utilization": self.utilization,
            "contract_cost_usd": self.contract_cost_usd,
            "resale_usd": self.resale_usd,
            "idle_cost_usd": self.idle_cost_usd,
            # the same in GPUs (GPU-months per month), as the report has always shown them
            "contracted_gpus": round(self.contracted_gpu_hours / h),
            "held_gpus": round(self.used_gpu_hours / h),
            "lent_gpus": round(self.lent_gpu_hours / h),
            "batch_gpus": round(self.batch_gpu_hours / h),
            "resold_gpus": round(self.resold_gpu_hours / h),
            "idle_gpus": round(self.idle_gpu_hours / h),
        }


def monthly_use(
    contracts: Sequence[Contract],
    allocations: Sequence[Allocation],
    horizon_months: int,
    resale_usd_per_gpu_hour: Mapping[str, float] | None = None,
    node_gpus: int = 8,
) -> list[MonthUse]:
    """Contracted, used, lent, batch, resold and idle GPU-hours per month, with the month's
    contract cost, resale revenue and idle cost (see the module docstring)."""
    h, horizon = HOURS_PER_MONTH, horizon_months
    by_kind = {f: [0] * horizon for f in ("used", "lent", "batch")}
    for a in allocations:
        row = by_kind[KIND_FIELDS[a.kind]]
        for m in range(a.start_month, min(a.end_month, horizon)):
            row[m] += a.gpus
    used = used_by_contract(contracts, allocations, horizon)
    prices = dict(resale_usd_per_gpu_hour or {})
    contracted = [0] * horizon
    resold = [0] * horizon
    cost = [0.0] * horizon
    resale = [0.0] * horizon
    idle_cost = [0.0] * horizon
    for c in contracts:
        price = prices.get(c.accelerator_id, 0.0)
        for m in range(c.start_month, min(c.end_month, horizon)):
            free = c.gpus - used[c.id][m]
            sold = sublet_gpus(free, node_gpus) if price > 0 else 0
            contracted[m] += c.gpus
            resold[m] += sold
            cost[m] += c.gpus * h * c.usd_per_gpu_hour
            resale[m] += sold * h * price
            idle_cost[m] += (free - sold) * h * c.usd_per_gpu_hour
    rows = []
    for m in range(horizon):
        work = by_kind["used"][m] + by_kind["lent"][m] + by_kind["batch"][m]
        rows.append(MonthUse(
            m, contracted[m] * h, by_kind["used"][m] * h, by_kind["lent"][m] * h,
            by_kind["batch"][m] * h, resold[m] * h, (contracted[m] - work - resold[m]) * h,
            cost[m], resale[m], idle_cost[m],
        ))  # fmt: skip
    return rows


def totals(rows: Sequence[MonthUse]) -> dict[str, float]:
    """The horizon's sums of :func:`monthly_use`'s rows, and its utilization."""
    keys = ("contracted_gpu_hours", "used_gpu_hours", "lent_gpu_hours", "batch_gpu_hours",
            "resold_gpu_hours", "idle_gpu_hours", "contract_cost_usd", "resale_usd",
            "idle_cost_usd")  # fmt: skip
    out = {k: math.fsum(getattr(r, k) for r in rows) for k in keys}
    work = out["used_gpu_hours"] + out["lent_gpu_hours"] + out["batch_gpu_hours"]
    out["utilization"] = work / out["contracted_gpu_hours"] if out["contracted_gpu_hours"] else 0.0
    return out
