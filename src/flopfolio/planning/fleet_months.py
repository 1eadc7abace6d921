"""Demand month by month: the factor that scales a workload's typical day in month ``m`` (1-based).

  a curve       ``monthly = [μ_1, μ_2, …]`` (mean requests per hour in each month): ``μ_m / μ_1``
  weekly growth ``g_w`` (e.g. 0.5 for 50%/week): ``(1 + g_w)^((m − 1)·52/12)`` (weeks per month)
  monthly growth ``g`` (the fleet's ``growth_per_month``): ``(1 + g)^(m − 1)``

A workload's own curve or weekly growth replaces the fleet-wide monthly growth for it.
"""

from __future__ import annotations

from collections.abc import Sequence

WEEKS_PER_MONTH = 52.0 / 12.0


def month_factor(
    month: int,
    *,
    growth_per_month: float = 0.0,
    growth_per_week: float | None = None,
    monthly: Sequence[float] | None = None,
) -> float:
    if monthly:
        return monthly[month - 1] / monthly[0]
    if growth_per_week is not None:
        return float((1.0 + growth_per_week) ** ((month - 1) * WEEKS_PER_MONTH))
    return float((1.0 + growth_per_month) ** (month - 1))
