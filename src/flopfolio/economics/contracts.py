"""What a job costs under a contract: on-demand, spot, committed terms, capacity blocks — and what
a commitment that outlasts the need strands.

All money in USD, time in months of :data:`HOURS_PER_MONTH` = 730 hours (the seed's "about 730
hours in a month"). A job uses ``g`` GPUs for ``u`` months at ``p`` per GPU-hour.

* **On-demand**: ``g·p·730·u``.
* **Spot**: ``g·p·730·u·(1 + o)``, ``o`` the interruption overhead (work redone after preemption).
* **Committed term** of ``T ≥ u`` months: ``g·p·730·T`` — the whole term is paid whether used or
  not; the *effective multiplier* is ``T/u`` at the same hourly price (the seed: two months of need
  on a two-year reservation "is 12 times as high"). A **capacity block** is the same with ``T`` in
  days. Upfront payment puts the whole sum in month 0; monthly spreads it over the term.
* **After the job**: the ``T − u`` leftover months can be left idle, used for inference (worth what
  that inference would otherwise cost: ``g·730·(T−u)·p_inf·utilization``) or resold at a fraction of
  the price; the recovered value lowers the net cost.
* **Next generation**: a faster accelerator (``s×`` the work per GPU-hour) arrives at month ``M`` at
  ``p_new`` per GPU-hour. From then on the old GPUs' work is worth ``p_new/s`` per GPU-hour on the
  market, so each committed GPU-hour after ``M`` strands ``max(0, p − p_new/s)``; switching (for new
  work) pays from ``M`` on if ``p_new/s < p``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from flopfolio.errors import InvalidSpecError
from flopfolio.units import check_positive

HOURS_PER_MONTH = 730.0
DAYS_PER_MONTH = HOURS_PER_MONTH / 24.0
DEFAULT_SPOT_OVERHEAD = 0.10
MAX_MONTHS = 600.0  # 50 years: past this an input is a typo, not a contract


class AfterUse(StrEnum):
    IDLE = "idle"
    INFERENCE = "inference"
    RESELL = "resell"


@dataclass(frozen=True, slots=True)
class ContractSpec:
    gpus: float
    usd_per_gpu_hour: float
    usage_months: float
    term_months: float | None = None  # None: pay only for use (on-demand or spot)
    spot: bool = False
    spot_overhead: float = DEFAULT_SPOT_OVERHEAD
    upfront: bool = False
    after_use: AfterUse = AfterUse.IDLE
    inference_usd_per_gpu_hour: float | None = None  # what leftover hours displace (default: p)
    inference_utilization: float = 0.6
    resale_fraction: float = 0.5
    next_gen_month: float | None = None
    next_gen_speedup: float = 2.5  # the seeds: Blackwell "two and a half times more horsepower"
    next_gen_usd_per_gpu_hour: float | None = None

    def __post_init__(self) -> None:
        check_positive(self.gpus, "--gpus", upper=1e7)
        check_positive(self.usd_per_gpu_hour, "--price", upper=1e4)
        check_positive(self.usage_months, "usage months", upper=MAX_MONTHS)
        if self.term_months is not None:
            check_positive(self.term_months, "term months", upper=MAX_MONTHS)
            if self.term_months < self.usage_months:
                raise InvalidSpecError(
                    f"The term ({self.term_months:g} months) is shorter than the use ({self.usage_months:g}). "
                    "To fix: lengthen --term-months or shorten --usage-months."
                )
            if self.spot:
                raise InvalidSpecError(
                    "Spot capacity has no term. To fix: drop --spot or --term-months."
                )
        for value, what in (
            (self.inference_utilization, "inference utilization"),
            (self.resale_fraction, "resale fraction"),
        ):
            if not 0 <= value <= 1:
                raise InvalidSpecError(f"{what} must be in [0, 1], got {value!r}.")
        check_positive(self.spot_overhead, "spot overhead", allow_zero=True, upper=10)
        check_positive(self.next_gen_speedup, "next-generation speedup", upper=100)


@dataclass(frozen=True, slots=True)
class ContractCost:
    total_usd: float  # what the contract costs
    usage_cost_usd: float  # the hours actually needed, at the same hourly price
    effective_cost_multiplier: float  # total / usage cost
    paid_months: float
    leftover_gpu_hours: float
    recovered_usd: float  # value of leftover hours used for inference or resold
    net_usd: float
    net_multiplier: float
    cash_by_month: tuple[float, ...]
    stranded_usd: float  # committed hours after the next generation, above its market price
    switch_pays_from_month: float | None


def contract_cost(spec: ContractSpec) -> ContractCost:
    g, p, u = spec.gpus, spec.usd_per_gpu_hour, spec.usage_months
    usage_cost = g * p * HOURS_PER_MONTH * u
    if spec.spot:
        total, paid = usage_cost * (1 + spec.spot_overhead), u
    elif spec.term_months is None:
        total, paid = usage_cost, u
    else:
        total, paid = g * p * HOURS_PER_MONTH * spec.term_months, spec.term_months
    leftover = g * HOURS_PER_MONTH * (paid - u) if spec.term_months is not None else 0.0
    recovered = 0.0
    if spec.after_use is AfterUse.INFERENCE:
        recovered = leftover * (spec.inference_usd_per_gpu_hour or p) * spec.inference_utilization
    elif spec.after_use is AfterUse.RESELL:
        recovered = leftover * p * spec.resale_fraction
    whole_months = max(1, int(-(-paid // 1)))
    cash = (
        (total,) + (0.0,) * (whole_months - 1)
        if spec.upfront
        else (total / whole_months,) * whole_months
    )
    stranded, switch_from = 0.0, None
    if spec.next_gen_month is not None:
        check_positive(
            spec.next_gen_month, "next-generation month", allow_zero=True, upper=MAX_MONTHS
        )
        new_price = spec.next_gen_usd_per_gpu_hour or p
        market = new_price / spec.next_gen_speedup  # the old GPUs' work at new-generation prices
        if market < p:
            switch_from = spec.next_gen_month
            if spec.term_months is not None:
                months_after = max(0.0, spec.term_months - spec.next_gen_month)
                stranded = g * HOURS_PER_MONTH * months_after * (p - market)
    return ContractCost(
        total_usd=total,
        usage_cost_usd=usage_cost,
        effective_cost_multiplier=total / usage_cost,
        paid_months=paid,
        leftover_gpu_hours=leftover,
        recovered_usd=recovered,
        net_usd=total - recovered,
        net_multiplier=(total - recovered) / usage_cost,
        cash_by_month=cash,
        stranded_usd=stranded,
        switch_pays_from_month=switch_from,
    )


def capacity_block_months(days: float) -> float:
    """A capacity block of ``days`` (e.g. AWS EC2 Capacity Blocks, 1-182 days) as a term in months."""
    return check_positive(days, "block days", upper=3650) / DAYS_PER_MONTH
