"""Capacity planning speed: a year of hourly demand (8,760 hours), 10 accelerator types, every policy.

Run: python benchmarks/capacity.py [--repeats N]
The serving estimates are computed once per accelerator (as `flopfolio capacity` does); the timed
part is the planning. Not a test: the figure depends on the machine.
"""

from __future__ import annotations

import argparse
import statistics
import time

from flopfolio.planning.capacity import PolicySettings, ReplicaPrices, plan_policies
from flopfolio.planning.demand import Spike, synthetic_demand

# (requests per replica-hour, on-demand, committed, spot) for ten replica kinds: illustrative rates.
REPLICAS = [(100_000 / k, 4.0 / k**0.5, 2.6 / k**0.5, 1.8 / k**0.5) for k in range(1, 11)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    demand = synthetic_demand(
        60_000, hours=8760, peak_to_mean=3.0, growth_per_week=0.01, spikes=[Spike(4000, 24, 10.0)]
    ).as_array()
    settings = PolicySettings()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for capacity, on_demand, committed, spot in REPLICAS:
            plan_policies(demand, capacity, ReplicaPrices(on_demand, committed, spot), settings)
        times.append(time.perf_counter() - start)
    print(
        f"8,760 hours x {len(REPLICAS)} accelerators x 5 policies: {statistics.median(times) * 1e3:.1f} ms (median of {repeats})"
    )


if __name__ == "__main__":
    main()
