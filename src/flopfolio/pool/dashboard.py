"""What the pool's dashboard shows (pure): contracted GPUs against allocations month by month, by
member, and one member's own view. Every figure is a sum over the stored contracts, allocations
and the chargeback ledger — nothing here is estimated.

``use`` is :func:`flopfolio.pool.idle.monthly_use` month by month (contracted, used, lent, batch,
resold and idle GPU-hours); ``idle_cost_usd`` is each contract's price times its GPU-hours that
nobody used and the market did not buy: the money the program pays for capacity that did no work.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from flopfolio.economics.contracts import HOURS_PER_MONTH
from flopfolio.pool.chargeback import Ledger
from flopfolio.pool.domain import Allocation, Contract
from flopfolio.pool.idle import monthly_use, totals

OTHERS = "others"


def _horizon(contracts: Sequence[Contract], allocations: Sequence[Allocation]) -> int:
    ends = [c.end_month for c in contracts] + [a.end_month for a in allocations]
    return max(ends, default=0)


def _by_month(allocations: Sequence[Allocation], key: Any, months: int) -> dict[str, list[int]]:
    series: dict[str, list[int]] = defaultdict(lambda: [0] * months)
    for a in allocations:
        row = series[key(a)]
        for m in range(a.start_month, min(a.end_month, months)):
            row[m] += a.gpus
    return dict(series)


def program_timeline(
    contracts: Sequence[Contract], allocations: Sequence[Allocation], ledger: Ledger | None,
    top: int = 12, resale: Mapping[str, float] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Contracted GPUs per month and allocated GPUs per month for the ``top`` members by
    GPU-months (the rest summed as ``others``), where the contracted hours went, utilization and
    idle cost."""
    months = _horizon(contracts, allocations)
    rows = monthly_use(contracts, allocations, months, resale)
    total = totals(rows)
    contracted = [round(r.contracted_gpu_hours / HOURS_PER_MONTH) for r in rows]
    by_member = _by_month(allocations, lambda a: a.member_id, months)
    ranked = sorted(by_member, key=lambda k: -sum(by_member[k]))
    shown = {k: by_member[k] for k in ranked[:top]}
    rest = ranked[top:]
    if rest:
        shown[OTHERS] = [sum(by_member[k][m] for k in rest) for m in range(months)]
    allocated = [sum(row[m] for row in by_member.values()) for m in range(months)]
    return {
        "months": list(range(months)),
        "contracted_gpus": contracted,
        "allocated_gpus": allocated,
        "by_member": shown,
        "use": [r.as_dict() for r in rows],
        "utilization": total["utilization"],
        "idle_gpu_months": round(total["idle_gpu_hours"] / HOURS_PER_MONTH),
        "resold_gpu_months": round(total["resold_gpu_hours"] / HOURS_PER_MONTH),
        "idle_cost_usd": total["idle_cost_usd"],
        "resale_usd": total["resale_usd"],
        "internal_usd_per_gpu_hour": ledger.internal_usd_per_gpu_hour if ledger else 0.0,
        "contract_cost_usd": ledger.contract_cost_usd if ledger else 0.0,
    }


def member_timeline(
    member_id: str, allocations: Sequence[Allocation], ledger: Ledger | None, months: int
) -> dict[str, Any]:
    """One member's GPUs per month by allocation kind, and its bill; other members' rows are
    never read here (callers pass only this member's allocations, and the bill is looked up)."""
    own = [a for a in allocations if a.member_id == member_id]
    bill = ledger.bills.get(member_id) if ledger else None
    return {
        "member_id": member_id,
        "months": list(range(months)),
        "gpus_by_kind": _by_month(own, lambda a: a.kind.value, months),
        "gpu_months": sum(a.gpus * (a.end_month - a.start_month) for a in own),
        "bill": None
        if bill is None
        else {
            "quota_usd": bill.quota_usd,
            "borrowed_usd": bill.borrowed_usd,
            "idle_usd": bill.idle_usd,
            "credit_usd": bill.credit_usd,
            "subsidy_usd": bill.subsidy_usd,
            "net_usd": bill.net_usd,
        },
    }
