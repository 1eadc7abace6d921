"""Fitting the utilization model's constants on published training runs.

For each run the configuration grid and its memory are fixed by the run (model, chips, batch),
so they are computed once; only the step time depends on the constants
``θ = (ε_max, g₀, κ, ω)`` of :class:`~flopfolio.perf.step_time.StepConstants`. A run's predicted
chip-hours are those of its fastest fitting configuration, times the goodput overhead of
:mod:`flopfolio.perf.goodput` (published hours include failures and restarts); its predicted
utilization is that configuration's MFU or HFU, whichever the authors reported.

``θ`` minimises ``Σ ρ(log(predicted / reported chip-hours))`` with a robust loss (SciPy's
``least_squares``, ``soft_l1``), within physical bounds. Reported utilizations are *not* fitted:
they are held out and checked, a test of the model on figures it never saw. (Fitting them too was
tried; it made chip-hours worse without bringing the utilizations closer: the spread in this set
comes from software and downtime the physics cannot see.) Leave-one-out refits without each run
in turn and predicts it, which is how well the model does on a run it has not seen.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flopfolio.perf.goodput import goodput
from flopfolio.perf.parallel import RunShape, enumerate_configs, fits
from flopfolio.perf.step_time import StepConstants, StepParts, hfu, mfu, step_parts, step_seconds
from flopfolio.validation.cases import TrainingCase

if TYPE_CHECKING:
    from flopfolio.perf.parallel import Array

INITIAL = StepConstants(0.8, 300.0, 40.0, 0.7)
LOWER = (0.3, 0.0, 0.0, 0.0)
UPPER = (1.0, 5000.0, 1000.0, 1.0)


@dataclass(frozen=True, slots=True)
class PreparedCase:
    case: TrainingCase
    parts: StepParts
    tokens_per_step: Array


def prepare(case: TrainingCase) -> PreparedCase | None:
    """The run's fitting configurations and their time components; None if none fits."""
    run = RunShape(
        case.spec, case.precision, case.gpus, case.seq_len, case.global_batch_tokens,
        case.accelerator.memory_gib, case.accelerator.node_size,
    )  # fmt: skip
    grid = enumerate_configs(run)
    ok = fits(grid, run.memory_gib)
    if not ok.any():
        return None
    parts = step_parts(run, grid, case.accelerator)
    keep = {name: getattr(parts, name)[ok] for name in StepParts.__slots__ if name != "peak"}
    tokens = (grid.d * grid.m * grid.b * case.seq_len)[ok]
    return PreparedCase(case, StepParts(**keep, peak=parts.peak), tokens)


def _best(prepared: PreparedCase, constants: StepConstants) -> tuple[float, int]:
    """(seconds per token, index) of the fastest fitting configuration."""
    per_token = step_seconds(prepared.parts, constants) / prepared.tokens_per_step
    best = int(per_token.argmin())
    return float(per_token[best]), best


def predict_chip_hours(prepared: PreparedCase, constants: StepConstants) -> tuple[float, float]:
    """(ideal, expected) chip-hours of the run with these constants."""
    case = prepared.case
    if case.tokens is None:
        raise ValueError(f"{case.name} has no token count")
    seconds_per_token, _ = _best(prepared, constants)
    wall_hours = case.tokens * seconds_per_token / 3600.0
    ideal = wall_hours * case.gpus
    overhead = goodput(case.gpus, wall_hours, case.spec.params).overhead_fraction
    return ideal, ideal * (1.0 + overhead)


def predict_utilization(prepared: PreparedCase, constants: StepConstants) -> float:
    """The MFU or HFU (as the run reported it) of the fastest fitting configuration."""
    _, best = _best(prepared, constants)
    seconds = step_seconds(prepared.parts, constants)
    use = hfu if prepared.case.utilization_kind == "hfu" else mfu
    return float(use(prepared.parts, seconds)[best])


def residuals(prepared: Sequence[PreparedCase], constants: StepConstants) -> list[float]:
    """log(predicted / reported) of the chip-hours of every run that reports them."""
    return [
        math.log(predict_chip_hours(p, constants)[1] / p.case.reported_chip_hours)
        for p in prepared
        if p.case.reported_chip_hours
    ]


@dataclass(frozen=True, slots=True)
class FitResult:
    constants: StepConstants
    runs: int
    residual_log_sd: float  # spread of log(predicted / reported chip-hours) at the optimum


def fit_constants(prepared: Sequence[PreparedCase]) -> FitResult:
    import numpy as np
    from scipy.optimize import least_squares

    def objective(theta: Array) -> Array:
        return np.array(residuals(prepared, StepConstants(*map(float, theta))))

    solution = least_squares(
        objective, np.array(INITIAL.as_tuple()), bounds=(LOWER, UPPER), loss="soft_l1", f_scale=0.2
    )
    constants = StepConstants(*map(float, solution.x))
    spread = float(np.std(residuals(prepared, constants)))
    return FitResult(constants, sum(1 for p in prepared if p.case.reported_chip_hours), spread)


def leave_one_out(prepared: Sequence[PreparedCase]) -> dict[str, float]:
    """Predicted / reported - 1 of each run's chip-hours, from constants fitted without the run."""
    errors = {}
    for i, held_out in enumerate(prepared):
        if not held_out.case.reported_chip_hours:
            continue
        rest = [p for j, p in enumerate(prepared) if j != i]
        constants = fit_constants(rest).constants
        predicted = predict_chip_hours(held_out, constants)[1]
        errors[held_out.case.name] = predicted / held_out.case.reported_chip_hours - 1
    return errors
