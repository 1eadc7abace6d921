"""Solve seconds of the fleet MILP at 50 workloads x 10 card types x 24 hourly periods.

    PYTHONPATH=src python benchmarks/fleet_scale.py [--seeds 19 1 2 3 4 5 6 7 8] [--gap 0.01] [--time-limit 10]

The fleet comes from :func:`flopfolio.planning.fleet_synthetic.synthetic_fleet` (the builder the
tests use too; its docstring gives the ranges). For each seed it prints the wall-clock seconds
(building the model and solving), how HiGHS stopped (within the gap asked, or at the time limit),
the optimized and naive monthly cost, the proven lower bound and gap, that gap in GPUs of the
dearest card held (a gap below one GPU cannot be closed by holding one GPU fewer), and the primal
heuristic's best plan (:mod:`flopfolio.planning.fleet_heuristic`) with when it found it. Nine
seeds by default (about 90 s), so that one fleet that happens to solve well does not stand for all.
"""

from __future__ import annotations

import argparse
import time

from flopfolio.planning.fleet import DEFAULT_GAP, DEFAULT_TIME_LIMIT_S, naive_plan, optimize_fleet
from flopfolio.planning.fleet_synthetic import synthetic_fleet


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[19, *range(1, 9)])
    parser.add_argument("--gap", type=float, default=DEFAULT_GAP)
    parser.add_argument("--time-limit", type=float, default=DEFAULT_TIME_LIMIT_S)
    args = parser.parse_args()
    for seed in args.seeds:
        problem = synthetic_fleet(seed)
        start = time.perf_counter()
        plan = optimize_fleet(problem, gap=args.gap, time_limit=args.time_limit)
        seconds = time.perf_counter() - start
        naive = naive_plan(problem)
        prices = {c.name: c.usd_per_gpu_hour * 730 for c in problem.cards}
        dearest = max(prices[c] for c in plan.held_gpus)
        slack = plan.usd_per_month - plan.lower_bound_usd_per_month
        print(
            f"seed {seed}: 50 workloads x 10 cards x 24 periods: {seconds:.2f} s ({plan.status}, "
            f"mip_rel_gap asked {args.gap:g}, limit {args.time_limit:g} s); optimized "
            f"${plan.usd_per_month:,.0f}/month, naive ${naive.usd_per_month:,.0f}/month; lower "
            f"bound ${plan.lower_bound_usd_per_month:,.0f}: proven gap {plan.mip_gap:.2%} = "
            f"{slack / dearest:.2f} GPU-months of the dearest card held; heuristic "
            + (
                f"${plan.heuristic_usd_per_month:,.0f}/month at {plan.heuristic_seconds:.2f} s"
                if plan.heuristic_usd_per_month is not None
                else "found no plan"
            )
        )


if __name__ == "__main__":
    main()
