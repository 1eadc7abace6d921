"""Savings vs standalone from the actual contracts, idle cost included (pure).

Pooled — what the ledger bills each member for its own demand: its quota charges plus its share
of the idle capacity (the chargeback's idle rule: pro rata to the quota held on that card that
month), less the credits its idle share earned (lent inside the pool, batch work, resale). Summed
over the members this is ``Σ contract costs − resale − borrowing and batch charges``: every hour
the pool pays for and nobody uses is in it. Borrowing and batch charges are left out because a
member alone would not have bought that work (it exists only because the pool had idle capacity).

Standalone — the same member buying alone exactly the GPUs it holds in the pool by right
(guaranteed + inference), card by card and month by month: perfect foresight and no idle hour at
all, which favours standalone. Alone, a startup rents at most ``cap_gpus`` GPUs of a card at the
cheapest on-demand price (what the pool pays too); above that it pays ``above_cap_usd_per_gpu_hour``
(:func:`flopfolio.pool.demo.standalone_prices`: the median current on-demand list price of the
card, what a small buyer is quoted once the cheapest marketplace capacity runs out):

  ``standalone_i = Σ_{card, month} 730 · (min(q, cap)·p_first + max(0, q − cap)·p_above)``

``saving = Σ standalone − Σ pooled``; ``saving_share = saving / Σ standalone``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flopfolio.pool.chargeback import Ledger
from flopfolio.pool.domain import HOURS_PER_MONTH, QUOTA_KINDS, Allocation, Contract


@dataclass(frozen=True, slots=True)
class StandalonePrice:
    accelerator_id: str
    cap_gpus: int
    first_usd_per_gpu_hour: float  # up to cap_gpus
    above_cap_usd_per_gpu_hour: float


def standalone_cost(
    contracts: Sequence[Contract],
    allocations: Sequence[Allocation],
    prices: Mapping[str, StandalonePrice],
) -> dict[str, float]:
    """Per member, what its quota GPUs would cost bought alone (see the module docstring)."""
    acc = {c.id: c.accelerator_id for c in contracts}
    held: dict[tuple[str, str, int], int] = defaultdict(int)
    for a in allocations:
        if a.kind in QUOTA_KINDS:
            for m in range(a.start_month, a.end_month):
                held[a.member_id, acc[a.contract_id], m] += a.gpus
    out: dict[str, float] = defaultdict(float)
    for (member_id, card, _), gpus in sorted(held.items()):
        p = prices[card]
        usd = min(gpus, p.cap_gpus) * p.first_usd_per_gpu_hour
        usd += max(0, gpus - p.cap_gpus) * p.above_cap_usd_per_gpu_hour
        out[member_id] += usd * HOURS_PER_MONTH
    return dict(out)


def savings_vs_standalone(ledger: Ledger, standalone: Mapping[str, float]) -> dict[str, Any]:
    """Standalone against the pooled bills for the same demand, idle cost included."""
    ids = sorted(standalone)
    bills = ledger.bills
    pooled = math.fsum(
        bills[m].quota_usd + bills[m].idle_usd - bills[m].credit_usd - bills[m].resale_credit_usd
        for m in ids
        if m in bills
    )
    alone = math.fsum(standalone.values())
    saving = alone - pooled
    return {
        "members": len(ids),
        "standalone_usd": alone,
        "pooled_usd": pooled,
        "pooled_quota_usd": math.fsum(bills[m].quota_usd for m in ids if m in bills),
        "pooled_idle_share_usd": math.fsum(bills[m].idle_usd for m in ids if m in bills),
        "pooled_credits_usd": math.fsum(
            bills[m].credit_usd + bills[m].resale_credit_usd for m in ids if m in bills
        ),
        "saving_usd": saving,
        "saving_share": saving / alone if alone else 0.0,
    }
