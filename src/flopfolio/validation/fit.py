"""Fitting the utilization model's constants on published training runs.

For each run the configuration grid and its memory are fixed by the run (model, chips, batch,
and the recomputation it used where the paper says: :mod:`flopfolio.validation.cases`), so they
are computed once; only the step time depends on the constants
``θ = (ε_max, g₀, production)`` of :class:`~flopfolio.perf.step_time.StepConstants` (``κ`` and
``ω`` are set, not fitted: :mod:`flopfolio.perf.step_time` says why).

Two kinds of figure are fitted together, each as ``log(predicted / reported)``:

* a reported utilization (MFU or HFU, as the authors counted) is a steady-state figure: it is
  compared with the fastest fitting configuration's, and depends on the step constants only;
* reported chip-hours of a whole run are compared with the expected run (the fastest
  configuration's time, plus the failures of :mod:`flopfolio.perf.goodput`, plus the production
  overhead); chip-hours computed from throughput are compared with the ideal run.

The split is what lets the step constants match what runs measure per step while the whole-run
hours keep their downtime: fitted on chip-hours alone, ``ε_max`` absorbed the production losses
and every reported utilization came out about 20% low. ``θ`` minimises ``Σ ρ(residual)`` with a
robust loss (SciPy's ``least_squares``, ``soft_l1``) within physical bounds, from a few starting
points (the loss has local minima); a constant the data drives to a bound is reported at it. Leave-one-out refits without each run in turn and predicts
its figures, which is how well the model does on a run it has not seen.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flopfolio.perf.goodput import goodput
from flopfolio.perf.parallel import RunShape, enumerate_configs, fits
from flopfolio.perf.step_time import (
    DP_OVERLAP,
    ELEMENTWISE_BYTES_PER_HIDDEN,
    StepConstants,
    StepParts,
    hfu,
    mfu,
    step_parts,
    step_seconds,
)
from flopfolio.validation.cases import TrainingCase

if TYPE_CHECKING:
    from flopfolio.perf.parallel import Array

# θ = (ε_max, g₀, production): starting points, and the physical bounds.
STARTS = ((0.8, 300.0, 0.1), (0.6, 100.0, 0.05), (0.9, 1000.0, 0.2), (0.7, 50.0, 0.1))
LOWER = (0.3, 0.0, 0.0)
UPPER = (1.0, 5000.0, 1.0)


@dataclass(frozen=True, slots=True)
class PreparedCase:
    case: TrainingCase
    parts: StepParts
    tokens_per_step: Array


def prepare(case: TrainingCase) -> PreparedCase | None:
    """The run's fitting configurations (with its recomputation, where known) and their time
    components; None if none fits."""
    run = RunShape(
        case.spec, case.precision, case.gpus, case.seq_len, case.global_batch_tokens,
        case.accelerator.memory_gib, case.accelerator.node_size, case.recompute,
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


def predict_chip_hours(prepared: PreparedCase, constants: StepConstants) -> float:
    """The chip-hours to set beside the reported ones: the expected run's, or the ideal run's
    where the reported hours were computed from throughput."""
    case = prepared.case
    if case.tokens is None:
        raise ValueError(f"{case.name} has no token count")
    seconds_per_token, _ = _best(prepared, constants)
    wall_hours = case.tokens * seconds_per_token / 3600.0
    ideal = wall_hours * case.gpus
    if case.steady_state_hours:
        return ideal
    g = goodput(
        case.gpus, wall_hours, case.spec.params, production_overhead=constants.production_overhead
    )
    return ideal * (1.0 + g.overhead_fraction)


def predict_utilization(prepared: PreparedCase, constants: StepConstants) -> float:
    """The MFU or HFU (as the run reported it) of the fastest fitting configuration."""
    _, best = _best(prepared, constants)
    seconds = step_seconds(prepared.parts, constants)
    use = hfu if prepared.case.utilization_kind == "hfu" else mfu
    return float(use(prepared.parts, seconds)[best])


def chip_hour_residuals(prepared: Sequence[PreparedCase], constants: StepConstants) -> list[float]:
    """log(predicted / reported) of the chip-hours of every run that reports them."""
    return [
        math.log(predict_chip_hours(p, constants) / p.case.reported_chip_hours)
        for p in prepared
        if p.case.reported_chip_hours
    ]


def utilization_residuals(
    prepared: Sequence[PreparedCase], constants: StepConstants
) -> list[float]:
    """log(predicted / reported) of the utilization of every run that reports one."""
    return [
        math.log(predict_utilization(p, constants) / p.case.reported_utilization)
        for p in prepared
        if p.case.reported_utilization and p.case.utilization_kind
    ]


@dataclass(frozen=True, slots=True)
class FitResult:
    constants: StepConstants
    runs: int  # runs whose chip-hours were fitted
    utilizations: int  # runs whose reported utilization was fitted
    residual_log_sd: float  # spread of log(predicted / reported chip-hours) at the optimum


def _constants(theta: Array | Sequence[float]) -> StepConstants:
    efficiency, half_width, production = (float(x) for x in theta)
    return StepConstants(
        efficiency, half_width, ELEMENTWISE_BYTES_PER_HIDDEN, DP_OVERLAP, production
    )


def fit_constants(prepared: Sequence[PreparedCase]) -> FitResult:
    import numpy as np
    from scipy.optimize import least_squares

    def objective(theta: Array) -> Array:
        k = _constants(theta)
        return np.array(chip_hour_residuals(prepared, k) + utilization_residuals(prepared, k))

    solutions = [
        least_squares(
            objective, np.array(start), bounds=(LOWER, UPPER), loss="soft_l1", f_scale=0.2
        )
        for start in STARTS
    ]
    best = min(solutions, key=lambda solution: float(solution.cost))
    # Within 1e-9 of a bound is the bound (the solver stops a hair inside it).
    at_bounds = np.where(
        best.x - LOWER < 1e-9, LOWER, np.where(UPPER - best.x < 1e-9, UPPER, best.x)
    )
    constants = _constants(at_bounds)
    return FitResult(
        constants,
        runs=sum(1 for p in prepared if p.case.reported_chip_hours),
        utilizations=len(utilization_residuals(prepared, constants)),
        residual_log_sd=float(np.std(chip_hour_residuals(prepared, constants))),
    )


@dataclass(frozen=True, slots=True)
class HeldOut:
    """Predicted / reported - 1 of each run's figures, from constants fitted without the run."""

    chip_hours: dict[str, float]
    utilization: dict[str, float]


def leave_one_out(
    prepared: Sequence[PreparedCase],
    groups: Sequence[str] | None = None,
    *,
    judged: set[str] | None = None,
) -> HeldOut:
    """Each run predicted by constants fitted without it — or, given ``groups`` (one key per
    run, e.g. its model family), without every run of its group. A group that is the whole set
    has nothing to fit on and is left out. With ``judged``, only those runs are predicted (the
    others only help fit)."""
    keys = list(groups) if groups is not None else [p.case.name for p in prepared]
    wanted = [
        k for p, k in zip(prepared, keys, strict=True) if judged is None or p.case.name in judged
    ]
    held_out = HeldOut({}, {})
    for key in dict.fromkeys(wanted):
        rest = [p for p, k in zip(prepared, keys, strict=True) if k != key]
        if not rest:
            continue
        constants = fit_constants(rest).constants
        for unseen, k in zip(prepared, keys, strict=True):
            case = unseen.case
            if k != key or (judged is not None and case.name not in judged):
                continue
            if case.reported_chip_hours:
                predicted = predict_chip_hours(unseen, constants)
                held_out.chip_hours[case.name] = predicted / case.reported_chip_hours - 1
            if case.reported_utilization and case.utilization_kind:
                predicted = predict_utilization(unseen, constants)
                held_out.utilization[case.name] = predicted / case.reported_utilization - 1
    return held_out
