"""Capacity plans: replicas hour by hour for a demand profile, and what each policy costs.

Inputs: demand ``λ_t`` (requests in hour ``t``), one replica's capacity ``c`` (requests per hour
it serves within the latency target, from the serving model), a target utilization ``u`` (head-room
for queueing), and prices per replica-hour. Replicas needed: ``n_t = ⌈λ_t / (c·u)⌉``.

Policies, each billed per replica-hour (GPU-hour price × GPUs per replica):

* **peak**: ``max_t n_t`` replicas all the time, at the committed price (the seeds: "you have to
  provision for peak capacity ... you still pay for Saturday at midnight");
* **autoscale**: ``a_t = max(min_replicas, n_{t-k}, …, n_t)`` replicas on demand, where ``k`` is
  the scale-down cool-down in hours; each replica started also pays its spin-up time;
* **baseline + on-demand** (and **baseline + spot**): ``B`` committed replicas plus ``max(0, a_t − B)``
  autoscaled burst. ``B`` minimises ``B·T·r + p·Σ_t max(0, a_t − B)`` — the burst price ``p``
  exceeds the committed ``r``, so it pays to commit to ``B`` while more than ``T·r/p`` hours need
  more than ``B``: ``B`` is the ``(1 − r/p)`` quantile of ``a_t``. Spot burst replicas cost
  :data:`SPOT_OVERHEAD` more for re-provisioning after interruptions (an assumption).

Also **ideal**: exactly ``λ_t/(c·u)`` replicas (fractional, no spin-up) at the on-demand price,
the floor no real policy reaches. Reported per policy: total and monthly cost (730 h), GPU-hours,
utilization (served demand over capacity) and idle cost (the unused share of spend).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flopfolio.errors import InvalidSpecError
from flopfolio.units import check_positive

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]

HOURS_PER_MONTH = 730.0
SPOT_OVERHEAD = 0.10


@dataclass(frozen=True, slots=True)
class PolicySettings:
    target_utilization: float = 0.8
    spinup_minutes: float = 10.0
    min_replicas: int = 1
    cooldown_hours: int = 1

    def __post_init__(self) -> None:
        if not 0 < self.target_utilization <= 1:
            raise InvalidSpecError(
                f"target utilization must be in (0, 1], got {self.target_utilization!r}."
            )
        check_positive(self.spinup_minutes, "spin-up minutes", allow_zero=True, upper=24 * 60)
        if self.min_replicas < 0 or self.cooldown_hours < 0:
            raise InvalidSpecError("min_replicas and cooldown_hours must be zero or more.")


@dataclass(frozen=True, slots=True)
class ReplicaPrices:
    """USD per replica-hour; ``None`` where the catalog has no such offer."""

    on_demand: float
    committed: float | None
    spot: float | None


@dataclass(frozen=True, slots=True)
class PolicyCost:
    name: str
    replicas: tuple[float, ...]  # replicas running each hour
    committed_replicas: float
    cost_usd: float
    monthly_cost_usd: float
    replica_hours: float
    utilization: float
    idle_cost_usd: float
    note: str = ""


def replicas_needed(
    demand: FloatArray, requests_per_replica_hour: float, target_utilization: float
) -> FloatArray:
    """``⌈λ_t / (c·u)⌉`` (fractional before the ceiling is :func:`ideal_replicas`)."""
    import numpy as np

    result: FloatArray = np.ceil(
        ideal_replicas(demand, requests_per_replica_hour, target_utilization) - 1e-9
    )
    return result


def ideal_replicas(
    demand: FloatArray, requests_per_replica_hour: float, target_utilization: float
) -> FloatArray:
    check_positive(requests_per_replica_hour, "requests per replica-hour")
    result: FloatArray = demand / (requests_per_replica_hour * target_utilization)
    return result


def autoscaled(needed: FloatArray, settings: PolicySettings) -> FloatArray:
    """Replicas under autoscaling: the cool-down's rolling maximum, never below the minimum."""
    import numpy as np

    running = needed.copy()
    for lag in range(1, settings.cooldown_hours + 1):  # a handful of hours: a short loop
        running[lag:] = np.maximum(running[lag:], needed[:-lag])
    result: FloatArray = np.maximum(running, settings.min_replicas)
    return result


def _startups(replicas: FloatArray) -> float:
    """Replica starts: every increase from one hour to the next (the first hour starts all)."""
    import numpy as np

    return float(replicas[0] + np.clip(np.diff(replicas), 0, None).sum())


def _cost(
    name: str,
    replicas: FloatArray,
    committed: float,
    spend: float,
    demand_replicas: FloatArray,
    hours: int,
    note: str = "",
) -> PolicyCost:
    import numpy as np

    capacity = float(np.sum(replicas))
    utilization = (
        float(np.sum(np.minimum(demand_replicas, replicas))) / capacity if capacity else 0.0
    )
    return PolicyCost(
        name=name,
        replicas=tuple(float(x) for x in replicas),
        committed_replicas=committed,
        cost_usd=spend,
        monthly_cost_usd=spend * HOURS_PER_MONTH / hours,
        replica_hours=capacity,
        utilization=utilization,
        idle_cost_usd=spend * (1.0 - utilization),
        note=note,
    )


def _baseline(burst: FloatArray, committed_price: float, burst_price: float) -> float:
    """The committed count minimising ``B·T·r + p·Σ max(0, a_t − B)``: the (1 − r/p) quantile."""
    import numpy as np

    if committed_price >= burst_price:  # bursting is never dearer: commit to nothing
        return 0.0
    return float(np.quantile(burst, 1.0 - committed_price / burst_price, method="higher"))


def plan_policies(
    demand: FloatArray,
    requests_per_replica_hour: float,
    prices: ReplicaPrices,
    settings: PolicySettings,
) -> list[PolicyCost]:
    """Every policy's replicas and cost for this demand on one kind of replica."""
    import numpy as np

    hours = int(demand.shape[0])
    if hours == 0 or not np.all(np.isfinite(demand)) or np.any(demand < 0):
        raise InvalidSpecError(
            "demand must be a non-empty series of non-negative requests per hour."
        )
    check_positive(prices.on_demand, "on-demand price", upper=1e5)
    exact = ideal_replicas(demand, requests_per_replica_hour, settings.target_utilization)
    needed = np.ceil(exact - 1e-9)
    spin = settings.spinup_minutes / 60.0
    auto = autoscaled(needed, settings)
    committed_price = prices.committed if prices.committed is not None else prices.on_demand
    peak_note = (
        "" if prices.committed is not None else "no published commitment price: on-demand rate"
    )
    results = [
        _cost("ideal", exact, 0.0, float(exact.sum()) * prices.on_demand, exact, hours, "fractional replicas, no spin-up"),
        _cost("peak", np.full(hours, needed.max()), float(needed.max()), float(needed.max()) * hours * committed_price,
              exact, hours, peak_note),
        _cost("autoscale", auto, 0.0, (float(auto.sum()) + _startups(auto) * spin) * prices.on_demand, exact, hours),
    ]  # fmt: skip
    bursts = [("baseline + on-demand", prices.on_demand, "")]
    if prices.spot is not None:
        bursts.append(
            (
                "baseline + spot",
                prices.spot * (1 + SPOT_OVERHEAD),
                f"spot +{SPOT_OVERHEAD:.0%} for interruptions",
            )
        )
    for name, burst_price, note in bursts:
        if prices.committed is None:
            continue
        base = _baseline(auto, prices.committed, burst_price)
        burst = np.clip(auto - base, 0, None)
        spend = (
            base * hours * prices.committed
            + (float(burst.sum()) + _startups(burst) * spin) * burst_price
        )
        results.append(_cost(name, auto, base, spend, exact, hours, note))
    return results
