"""Solve seconds of the fleet MILP at 50 workloads x 10 card types x 24 hourly periods.

    PYTHONPATH=src python benchmarks/fleet_scale.py [--seed N]

Rates and prices are drawn at random (seeded) in realistic ranges: a replica serves 200-20,000
requests an hour on 1, 2, 4 or 8 GPUs at $0.40-$8/GPU-hour; each workload can run on 3-10 of the
cards; demands follow daily bumps peaking at different hours; every fifth workload is a batch job.
Prints the solve time, the optimized and naive monthly cost and the MIP gap.
"""

from __future__ import annotations

import argparse
import math
import time

from flopfolio.planning.fleet import (
    FleetCard,
    FleetProblem,
    FleetRate,
    FleetWorkload,
    naive_plan,
    optimize_fleet,
)


def build(seed: int, workloads: int = 50, cards: int = 10, periods: int = 24) -> FleetProblem:
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
            items.append(FleetWorkload(name, (), mean * 6, int(rng.integers(4, periods))))
        else:
            shape = [
                math.exp(2 * (math.cos(2 * math.pi * (t - peak) / periods) - 1))
                for t in range(periods)
            ]
            scale = mean * periods / sum(shape)
            items.append(FleetWorkload(name, tuple(scale * s for s in shape)))
        for j in rng.choice(cards, size=int(rng.integers(3, cards + 1)), replace=False):
            gpus = int(rng.choice([1, 1, 2, 4, 8]))
            rates.append(FleetRate(name, f"card{j}", gpus, float(rng.uniform(200, 20_000)) * gpus))
    return FleetProblem(tuple(items), card_list, tuple(rates))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args()
    problem = build(args.seed)
    start = time.perf_counter()
    plan = optimize_fleet(problem)
    seconds = time.perf_counter() - start
    naive = naive_plan(problem)
    print(f"fleet MILP 50 workloads x 10 cards x 24 periods (seed {args.seed}): {seconds:.2f} s")
    print(f"optimized ${plan.usd_per_month:,.0f}/month, naive ${naive.usd_per_month:,.0f}/month, "
          f"MIP gap {plan.mip_gap:.2e}")  # fmt: skip


if __name__ == "__main__":
    main()
