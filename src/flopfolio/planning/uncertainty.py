"""Monte Carlo ranges for a training run: utilization, failures, price and the program factor.

Samples (NumPy, vectorized; a fixed seed so the same input gives the same range):

* utilization: ``mfu · exp(σ·z)``, ``z ~ N(0, 1)``, with ``σ`` the spread of the utilization
  model's errors on published runs (or ±10% for a user's measured ``--mfu``), capped at 1;
* failures: the published rate times ``exp(0.5·z)`` (a factor of ~2.7 either way at 2σ),
  giving the expected overhead of :mod:`flopfolio.perf.goodput` per sample, with the fitted
  production overhead on top;
* price: drawn from the current offers for the accelerator (or the user's price, exactly);
* program factor: uniform over its stated band.

Low and high are the 5th and 95th percentiles (a 90% interval); central values are the
deterministic estimate, not the sample median, so they agree with ``--explain``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flopfolio.perf.goodput import FAILURES_PER_GPU_HOUR, RESTART_HOURS, overhead_fraction
from flopfolio.specs.band import Band

LOW_PERCENTILE, HIGH_PERCENTILE = 5.0, 95.0
FAILURE_RATE_LOG_SD = 0.5
DEFAULT_SAMPLES = 20_000


@dataclass(frozen=True, slots=True)
class RunUncertainty:
    ideal_gpu_hours: float  # at the central utilization
    mfu: float
    mfu_log_sd: float
    gpus: int
    checkpoint_hours: float
    price_choices: Sequence[float]  # empty: no price known
    program_factor: float
    program_factor_band: tuple[float, float]
    production_overhead: float = 0.0


@dataclass(frozen=True, slots=True)
class RunBands:
    gpu_hours: Band  # expected run
    wall_days: Band
    cost_usd: Band | None
    program_gpu_hours: Band
    program_cost_usd: Band | None
    samples: int


def _band(central: float, samples: Any) -> Band:
    import numpy as np

    low, high = (float(x) for x in np.percentile(samples, [LOW_PERCENTILE, HIGH_PERCENTILE]))
    return Band(min(low, central), central, max(high, central))


def simulate(u: RunUncertainty, *, samples: int = DEFAULT_SAMPLES, seed: int = 0) -> RunBands:
    import numpy as np

    rng = np.random.default_rng(seed)
    mfu = np.minimum(1.0, u.mfu * np.exp(u.mfu_log_sd * rng.standard_normal(samples)))
    ideal = u.ideal_gpu_hours * u.mfu / mfu
    wall = ideal / u.gpus
    failures = FAILURES_PER_GPU_HOUR * np.exp(FAILURE_RATE_LOG_SD * rng.standard_normal(samples))
    production = 1.0 + u.production_overhead
    expected = (
        ideal
        * (1.0 + overhead_fraction(u.gpus, wall, u.checkpoint_hours, failures, RESTART_HOURS))
        * production
    )
    factor = rng.uniform(*u.program_factor_band, samples)

    central_wall = u.ideal_gpu_hours / u.gpus
    central_overhead = float(
        overhead_fraction(
            u.gpus, central_wall, u.checkpoint_hours, FAILURES_PER_GPU_HOUR, RESTART_HOURS
        )
    )
    central = u.ideal_gpu_hours * (1.0 + central_overhead) * production
    hours = _band(central, expected)
    program = _band(central * u.program_factor, expected * factor)
    cost = program_cost = None
    if len(u.price_choices):
        prices = np.asarray(u.price_choices, dtype=float)
        drawn = rng.choice(prices, samples)
        median_price = float(np.median(prices))
        cost = _band(central * median_price, expected * drawn)
        program_cost = _band(central * u.program_factor * median_price, expected * factor * drawn)
    return RunBands(
        gpu_hours=hours,
        wall_days=hours.scale(1.0 / u.gpus / 24.0),
        cost_usd=cost,
        program_gpu_hours=program,
        program_cost_usd=program_cost,
        samples=samples,
    )
