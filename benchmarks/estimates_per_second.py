"""Library throughput: training and inference estimates per second, catalog already loaded.

Run: python benchmarks/estimates_per_second.py [--seconds S]
Not a test: the figure depends on the machine.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from flopfolio import estimate_inference, estimate_training, estimate_training_run, load_catalog
from flopfolio.perf.step_time import StepConstants


def rate(fn: Callable[[], object], seconds: float) -> float:
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        fn()
        count += 1
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0)
    seconds = parser.parse_args().seconds
    catalog = load_catalog(None)
    spec = catalog.preset("llama-2-70b").spec
    a100, h100 = catalog.accelerator("A100-80GB"), catalog.accelerator("H100")
    start = time.perf_counter()
    fresh = type(catalog)(None)
    _ = fresh.accelerators, fresh.offers, fresh.presets, fresh.resolver
    load_ms = (time.perf_counter() - start) * 1e3

    k, sd = StepConstants(*catalog.utilization.values), catalog.utilization.residual_log_sd
    cases: dict[str, Callable[[], object]] = {
        "training model, --gpus given": lambda: estimate_training(
            spec, 2e12, a100, k, model_log_sd=sd, gpus=2048
        ),
        "training model, cluster sized": lambda: estimate_training(
            spec, 2e12, a100, k, model_log_sd=sd
        ),
        "full `train` (prices, Monte Carlo)": lambda: estimate_training_run(
            model="llama-2-70b", tokens=2e12, gpu="A100-80GB", gpus=2048, catalog=catalog
        ),
        "inference, batch 1": lambda: estimate_inference(
            spec, h100, input_tokens=1000, output_tokens=1000
        ),
        "inference, batch max": lambda: estimate_inference(
            spec, h100, input_tokens=1000, output_tokens=1000, gpus=4, batch_max=True
        ),
    }
    print(f"catalog load (accelerators, offers, presets): {load_ms:.1f} ms")
    for label, fn in cases.items():
        print(f"{label:<32} {rate(fn, seconds):>10,.0f} estimates/s")


if __name__ == "__main__":
    main()
