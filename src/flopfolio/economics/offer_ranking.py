"""What a training run costs on each current offer for its accelerator, cheapest first.

A run of ``g`` GPUs for ``u`` months costs, per :func:`flopfolio.economics.contracts.contract_cost`:
on demand ``g·p·730·u``; on spot the same times ``1 + overhead`` (work redone after preemption);
on a committed term of ``T`` months the whole term, renewed until it covers the run —
``⌈u/T⌉·T`` months paid — so a 1-year reservation for a 2-month run costs six times its hours
(the seeds' warning about long reservations for short jobs). ``multiplier`` is that paid/used ratio.
"""

from __future__ import annotations

import math
from typing import Any

from flopfolio.catalog.catalog import Catalog
from flopfolio.economics.contracts import DAYS_PER_MONTH, MAX_MONTHS, ContractSpec, contract_cost
from flopfolio.units import check_positive


def rank_training_offers(
    catalog: Catalog, accelerator_id: str, gpus: int, wall_days: float
) -> list[dict[str, Any]]:
    check_positive(wall_days, "wall-clock days", upper=1e9)
    usage_months = wall_days / DAYS_PER_MONTH
    if usage_months > MAX_MONTHS:  # nobody rents for that long; the estimate itself says so
        return []
    rows: list[dict[str, Any]] = []
    for offer in catalog.offers:
        if offer.accelerator_id != accelerator_id or offer.status != "current":
            continue
        term = offer.commitment_months
        paid_term = math.ceil(usage_months / term) * term if term else None
        cost = contract_cost(ContractSpec(
            gpus=gpus, usd_per_gpu_hour=offer.usd_per_gpu_hour, usage_months=usage_months,
            term_months=paid_term, spot=offer.term == "spot",
        ))  # fmt: skip
        rows.append({
            "provider": offer.provider,
            "region": offer.region,
            "term": offer.term,
            "usd_per_gpu_hour": offer.usd_per_gpu_hour,
            "cost_usd": cost.total_usd,
            "paid_months": cost.paid_months,
            "multiplier": cost.effective_cost_multiplier,
            "source": offer.source,
            "as_of": offer.as_of.isoformat(),
        })  # fmt: skip
    rows.sort(key=lambda r: r["cost_usd"])
    return rows
