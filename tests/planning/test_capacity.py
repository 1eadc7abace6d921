"""Capacity policies: the seeds' peak-provisioning point, spikes, and monotonicity."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flopfolio.planning.capacity import (
    HOURS_PER_MONTH,
    PolicySettings,
    ReplicaPrices,
    autoscaled,
    plan_policies,
)
from flopfolio.planning.demand import Spike, synthetic_demand

PRICES = ReplicaPrices(on_demand=4.0, committed=2.5, spot=1.5)


def costs(demand: np.ndarray, prices: ReplicaPrices = PRICES, **kw: float) -> dict[str, object]:
    return {p.name: p for p in plan_policies(demand, 1000.0, prices, PolicySettings(**kw))}  # type: ignore[arg-type]


def test_peak_costs_three_times_ideal_at_peak_to_mean_three() -> None:
    # Seeds: "you have to provision for peak capacity": with a daily peak-to-mean of 3, holding
    # peak capacity all day takes 3x the capacity an ideal autoscaler would.
    demand = synthetic_demand(
        200_000, hours=24 * 28, peak_to_mean=3.0, weekend_factor=1.0
    ).as_array()
    same_price = ReplicaPrices(4.0, 4.0, None)
    plans = costs(demand, same_price)
    assert plans["peak"].cost_usd / plans["ideal"].cost_usd == pytest.approx(3.0, rel=0.02)  # type: ignore[attr-defined]
    assert plans["peak"].utilization == pytest.approx(1 / 3, rel=0.02)  # type: ignore[attr-defined]


def test_a_ten_times_spike_under_each_policy() -> None:
    calm = synthetic_demand(50_000, hours=24 * 28, peak_to_mean=3.0)
    spiky = synthetic_demand(50_000, hours=24 * 28, peak_to_mean=3.0, spikes=[Spike(300, 24, 10.0)])
    before, after = costs(calm.as_array()), costs(spiky.as_array())
    extra = {name: after[name].cost_usd - before[name].cost_usd for name in before}  # type: ignore[attr-defined]
    # Peak provisioning pays for the spike all month; autoscaling only for the day it lasts.
    assert extra["peak"] > 5 * extra["autoscale"] > 0
    spike_day = spiky.as_array()[300:324].sum() - calm.as_array()[300:324].sum()
    assert extra["ideal"] == pytest.approx(spike_day / (1000 * 0.8) * 4.0)


def test_baseline_is_the_price_ratio_quantile() -> None:
    demand = synthetic_demand(400_000, hours=24 * 28, peak_to_mean=3.0).as_array()
    plans = costs(demand)
    auto = np.array(plans["autoscale"].replicas)  # type: ignore[attr-defined]
    base = plans["baseline + on-demand"].committed_replicas  # type: ignore[attr-defined]
    # Committing pays while more than T·r/p hours need more than the baseline.
    assert (auto > base).mean() <= 2.5 / 4.0 + 1e-9
    assert (auto >= base).mean() >= 2.5 / 4.0 - 1e-9
    assert plans["baseline + on-demand"].cost_usd <= plans["autoscale"].cost_usd  # type: ignore[attr-defined]
    assert plans["baseline + on-demand"].cost_usd <= plans["peak"].cost_usd  # type: ignore[attr-defined]


def test_autoscale_cooldown_and_minimum() -> None:
    needed = np.array([0.0, 5.0, 0.0, 0.0, 2.0])
    assert autoscaled(needed, PolicySettings(cooldown_hours=1, min_replicas=1)).tolist() == [
        1,
        5,
        5,
        1,
        2,
    ]
    assert (
        autoscaled(needed, PolicySettings(cooldown_hours=0, min_replicas=0)).tolist()
        == needed.tolist()
    )


def test_monthly_normalisation() -> None:
    demand = np.full(24 * 10, 800.0)  # exactly one replica at 80% of 1,000 requests/h
    plans = costs(demand, spinup_minutes=0.0)
    assert plans["autoscale"].cost_usd == pytest.approx(24 * 10 * 4.0)  # type: ignore[attr-defined]
    assert plans["autoscale"].monthly_cost_usd == pytest.approx(HOURS_PER_MONTH * 4.0)  # type: ignore[attr-defined]


demands = st.lists(st.floats(0, 1e6, allow_nan=False), min_size=24, max_size=200).map(np.array)


@settings(max_examples=40)
@given(demands, st.floats(1.0, 3.0))
def test_more_demand_never_costs_less(demand: np.ndarray, factor: float) -> None:
    low, high = costs(demand), costs(demand * factor)
    for name in low:
        assert high[name].cost_usd >= low[name].cost_usd - 1e-6  # type: ignore[attr-defined]


@settings(max_examples=40)
@given(demands, st.floats(0, 60), st.floats(0, 60))
def test_longer_spin_up_never_costs_less(demand: np.ndarray, a: float, b: float) -> None:
    short, long = sorted((a, b))
    fast, slow = costs(demand, spinup_minutes=short), costs(demand, spinup_minutes=long)
    for name in fast:
        assert slow[name].cost_usd >= fast[name].cost_usd - 1e-6  # type: ignore[attr-defined]
