"""Configuration search and Monte Carlo speed (issue: search 16,384 GPUs < 1 s; 100,000 samples < 1 s).

Run: python benchmarks/search_and_montecarlo.py [--repeats N]
Prints the median wall time of each. Not a test: the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from flopfolio import load_catalog
from flopfolio.perf.parallel import RunShape
from flopfolio.perf.step_time import StepConstants
from flopfolio.perf.utilization import search
from flopfolio.planning.uncertainty import RunUncertainty, simulate
from flopfolio.specs.precision import Precision


def timed(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    catalog = load_catalog(None)
    constants = StepConstants(*catalog.utilization.values)
    cases = [
        ("llama-3.1-405b", "H100", 16_384, 8192, 16 * 2**20),
        ("deepseek-v3", "H800", 16_384, 4096, 15 * 2**20),
        ("llama-2-70b", "A100-80GB", 2048, 4096, 4 * 2**20),
    ]
    print(f"{'configuration search':<44} {'configs':>8} {'fit':>6} {'median ms':>10}")
    for model, gpu, gpus, seq, batch in cases:
        acc = catalog.accelerator(gpu)
        run = RunShape(
            catalog.preset(model).spec,
            Precision.BF16,
            gpus,
            seq,
            batch,
            acc.memory_gib,
            acc.node_size,
        )
        result = search(run, acc, constants)
        assert result is not None
        ms = timed(lambda run=run, acc=acc: search(run, acc, constants), repeats)
        label = f"{model} on {gpus:,} x {acc.id}"
        print(f"{label:<44} {result.configurations:>8,} {result.fitting:>6,} {ms:>10.1f}")
    uncertainty = RunUncertainty(2e6, 0.4, 0.2, 2048, 1 / 60, [1.5, 2.0, 3.0, 4.5], 1.5, (1.2, 2.5))
    for samples in (20_000, 100_000):
        ms = timed(lambda samples=samples: simulate(uncertainty, samples=samples), repeats)
        print(f"{f'Monte Carlo, {samples:,} samples':<44} {'':>8} {'':>6} {ms:>10.1f}")


if __name__ == "__main__":
    main()
