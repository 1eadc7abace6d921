"""A seeded synthetic fleet in realistic ranges, the one builder both ``benchmarks/fleet_scale.py``
(50 workloads × 10 cards × 24 hours) and the tests (a small one) use.

A replica serves 200-20,000 requests an hour per GPU on 1, 2, 4 or 8 GPUs at $0.40-$8/GPU-hour;
each workload can run on 3 to all of the cards; demand follows a daily bump
``exp(2·(cos(2π(t − peak)/T) − 1))`` scaled to a mean of 500-50,000 requests an hour, peaking at
a random hour; every fifth workload is a batch job of 6 × its mean, due by a random period.
"""

from __future__ import annotations

import math

from flopfolio.planning.fleet import FleetCard, FleetProblem, FleetRate, FleetWorkload


def synthetic_fleet(
    seed: int, workloads: int = 50, cards: int = 10, periods: int = 24
) -> FleetProblem:
    import numpy as np

    rng = np.random.default_rng(seed)
    card_list = tuple(
        FleetCard(
            f"card{j}", float(rng.uniform(0.4, 8.0)), float(rng.choice([0.0, 0.01, 0.05, 0.09]))
        )
        for j in range(cards)
    )
    items, rates = [], []
    for i in range(workloads):
        name = f"w{i}"
        peak = int(rng.integers(0, periods))
        mean = float(rng.uniform(500, 50_000))
        if i % 5 == 4:
            items.append(
                FleetWorkload(name, (), mean * 6, int(rng.integers(min(4, periods - 1), periods)))
            )
        else:
            shape = [
                math.exp(2 * (math.cos(2 * math.pi * (t - peak) / periods) - 1))
                for t in range(periods)
            ]
            scale = mean * periods / sum(shape)
            items.append(FleetWorkload(name, tuple(scale * s for s in shape)))
        for j in rng.choice(cards, size=int(rng.integers(min(3, cards), cards + 1)), replace=False):
            gpus = int(rng.choice([1, 1, 2, 4, 8]))
            rates.append(FleetRate(name, f"card{j}", gpus, float(rng.uniform(200, 20_000)) * gpus))
    return FleetProblem(tuple(items), card_list, tuple(rates))
