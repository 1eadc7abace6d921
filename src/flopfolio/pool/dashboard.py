"""What the pool's dashboard shows (pure): contracted GPUs against allocations month by month, by
member, and one member's own view. Every figure is a sum over the stored contracts, allocations
and the chargeback ledger — nothing here is estimated.

``idle_cost_usd`` is the internal price times the contracted GPU-hours nobody used (neither held
as quota nor borrowed): the money the program pays for capacity that did no work.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from flopfolio.economics.contracts import HOURS_PER_MONTH
from flopfolio.pool.chargeback import Ledger
from flopfolio.pool.domain import Allocation, Contract

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
    top: int = 12,
) -> dict[str, Any]:  # fmt: skip
    """Contracted GPUs per month and allocated GPUs per month for the ``top`` members by
    GPU-months (the rest summed as ``others``), with utilization and idle cost."""
    months = _horizon(contracts, allocations)
    contracted = [
        sum(c.gpus for c in contracts if c.start_month <= m < c.end_month) for m in range(months)
    ]
    by_member = _by_month(allocations, lambda a: a.member_id, months)
    ranked = sorted(by_member, key=lambda k: -sum(by_member[k]))
    shown = {k: by_member[k] for k in ranked[:top]}
    rest = ranked[top:]
    if rest:
        shown[OTHERS] = [sum(by_member[k][m] for k in rest) for m in range(months)]
    allocated = [sum(row[m] for row in by_member.values()) for m in range(months)]
    idle_gpu_months = sum(max(0, c - a) for c, a in zip(contracted, allocated, strict=True))
    price = ledger.internal_usd_per_gpu_hour if ledger else 0.0
    total_contracted = sum(contracted)
    return {
        "months": list(range(months)),
        "contracted_gpus": contracted,
        "allocated_gpus": allocated,
        "by_member": shown,
        "utilization": sum(allocated) / total_contracted if total_contracted else 0.0,
        "idle_gpu_months": idle_gpu_months,
        "idle_cost_usd": idle_gpu_months * HOURS_PER_MONTH * price,
        "internal_usd_per_gpu_hour": price,
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
