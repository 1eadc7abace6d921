"""Accelerators side by side: memory, bandwidth, peak, the cheapest current price, and the price of
an *effective* PFLOP-hour (a PFLOP-hour of useful work at a stated utilization).

``usd_per_effective_pflop_hour = usd_per_gpu_hour / (peak_pflop_per_s · mfu)``: one accelerator-hour
delivers ``peak · mfu · 3600`` FLOPs, a PFLOP-hour is ``1e15 · 3600`` of them. The utilization is
the caller's (default 0.40, the seeds' "tens of percent with a little bit of work"), the same for
every row so the comparison is of hardware and price, not of software.
``flopfolio compare`` and the web page's Compare tab both print these rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flopfolio.catalog.catalog import Catalog
from flopfolio.catalog.offers import Offer
from flopfolio.errors import InvalidSpecError
from flopfolio.specs.precision import Precision

DEFAULT_COMPARE_MFU = 0.40
MIN_MFU = 0.01  # below 1% no training stack runs; it also keeps the division finite
TERM_GROUPS = ("on_demand", "spot", "committed", "any")


@dataclass(frozen=True, slots=True)
class CompareFilter:
    precision: str = "bf16"
    term: str = "on_demand"  # on_demand | spot | committed (≥ 12 months) | any
    provider: str | None = None
    vendor: str | None = None
    min_memory_gib: float = 0.0
    mfu: float = DEFAULT_COMPARE_MFU

    def __post_init__(self) -> None:
        if self.term not in TERM_GROUPS:
            raise InvalidSpecError(
                f"term {self.term!r} is not one of {', '.join(TERM_GROUPS)}. To fix: pick one of those."
            )
        if isinstance(self.mfu, bool) or not MIN_MFU <= self.mfu <= 1:
            raise InvalidSpecError(
                f"mfu must be in [{MIN_MFU}, 1], got {self.mfu!r}. To fix: e.g. 0.4."
            )
        if not 0 <= self.min_memory_gib < 10_000:
            raise InvalidSpecError(
                f"minimum memory {self.min_memory_gib!r} GiB is not plausible. To fix: e.g. 80."
            )


def _in_group(offer: Offer, term: str) -> bool:
    if term == "any":
        return True
    if term == "committed":
        return offer.commitment_months >= 12
    return offer.term == term


def compare_accelerators(catalog: Catalog, where: CompareFilter) -> list[dict[str, Any]]:
    """One row per accelerator that passes the filter, cheapest effective PFLOP-hour first; rows
    with no current offer in the term group come last with ``None`` prices."""
    precision = Precision.parse(where.precision)
    rows = []
    for acc in catalog.accelerators.values():
        if where.vendor and acc.vendor.lower() != where.vendor.lower():
            continue
        if acc.memory_gib < where.min_memory_gib or not acc.supports(precision):
            continue
        offers = [
            o
            for o in catalog.offers
            if o.accelerator_id == acc.id
            and o.status == "current"
            and _in_group(o, where.term)
            and (where.provider is None or o.provider == where.provider)
        ]
        if where.provider and not offers:
            continue
        cheapest = min(offers, key=lambda o: o.usd_per_gpu_hour) if offers else None
        peak_pflops = acc.peak(precision) / 1e15
        price = cheapest.usd_per_gpu_hour if cheapest else None
        rows.append({
            "accelerator": acc.id,
            "vendor": acc.vendor,
            "memory_gib": acc.memory_gib,
            "memory_bw_gb_per_s": acc.memory_bw_gb_per_s,
            "peak_tflops": peak_pflops * 1e3,
            "precision": precision.value,
            "offers": len(offers),
            "usd_per_gpu_hour": price,
            "provider": cheapest.provider if cheapest else None,
            "term": cheapest.term if cheapest else None,
            "usd_per_effective_pflop_hour": price / (peak_pflops * where.mfu) if price else None,
            "usd_per_gib_hour": price / acc.memory_gib if price else None,
            "source": cheapest.source if cheapest else None,
            "as_of": cheapest.as_of.isoformat() if cheapest else None,
        })  # fmt: skip
    rows.sort(
        key=lambda r: (
            r["usd_per_effective_pflop_hour"] is None,
            r["usd_per_effective_pflop_hour"] or 0.0,
        )
    )
    return rows
