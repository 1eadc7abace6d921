"""Goodput: from the ideal run to the expected one (failures, restarts, checkpoints), and from one
run to the program (evaluations, ablations, test runs).

Failures. Llama 3 (Grattafiori et al. 2024, "The Llama 3 Herd of Models", §3.3.4 and Table 5)
reports 419 unexpected interruptions in a 54-day snapshot on 16,384 H100 GPUs: a rate of
``λ = 419 / (16,384 · 54 · 24) ≈ 1.97e-5`` failures per GPU-hour, and "higher than 90% effective
training time". A job on ``N`` GPUs then fails every ``M = 1 / (λ·N)`` hours.

Checkpoints and restarts (Young 1974, "A first order approximation to the optimum checkpoint
interval"): a checkpoint stops training for ``C`` hours, restarting takes ``R``; checkpointing
every ``τ = √(2·C·M)`` hours loses ``C/τ`` to checkpoints and, per failure, ``τ/2 + R`` of
recomputation and restart, so the expected run takes ``ideal · (1 + C/τ + (τ/2 + R)/M)``.
Checkpoints are asynchronous, as current stacks save them (PyTorch DCP ``async_save``, used by
torchtitan; Megatron-Core's async ``dist_checkpointing``; NVIDIA's resiliency extension): training
stops only while each GPU copies its shard of the state (16 B per parameter over the GPUs) to
host memory over PCIe, at least :data:`MIN_CHECKPOINT_S` for the coordination, and the write to
storage runs behind training (at 0.5 GB/s per GPU it ends well inside ``τ`` for any model that
fits its GPUs). ``R`` is :data:`RESTART_HOURS`.
All are assumptions, stated in results; at Llama 3's scale they give the >90% effective training
time it reports.

Production overhead. Published runs take longer than their steady-state throughput and this
failure model explain (data stalls, evaluation pauses, stragglers, hangs, slow restarts): the
utilization model's fit (:mod:`flopfolio.validation.fit`) measures that as one fraction on top,
``expected = ideal · (1 + failures) · (1 + production)``.

Program. The seeds: "you probably need more than one run ... a bunch of test runs". No published
ratio of experiment compute to final-run compute is general enough to cite as a constant, so the
program factor is an explicit assumption (:data:`PROGRAM_FACTOR`, band
:data:`PROGRAM_FACTOR_BAND`), with evaluations (:data:`EVAL_FRACTION`) on top; users override it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from flopfolio.units import check_positive

FAILURES_PER_GPU_HOUR = 419 / (16_384 * 54 * 24)
HOST_COPY_GB_PER_S_PER_GPU = 25.0  # device to pinned host memory: PCIe Gen4 x16, 32 GB/s peak
MIN_CHECKPOINT_S = 10.0  # the blocking part: barrier, snapshot orchestration
RESTART_HOURS = 10 / 60
EVAL_FRACTION = 0.02
PROGRAM_FACTOR = 1.5
PROGRAM_FACTOR_BAND = (1.2, 2.5)


@dataclass(frozen=True, slots=True)
class Goodput:
    cluster_mtbf_hours: float
    checkpoint_hours: float
    checkpoint_interval_hours: float
    expected_failures: float
    failure_overhead: float  # failures, restarts and checkpoints
    production_overhead: float  # fitted on published runs
    overhead_fraction: float  # expected / ideal - 1, both together

    @property
    def effective_fraction(self) -> float:
        """Share of wall-clock time that advances training (Llama 3 reports > 0.9)."""
        return 1.0 / (1.0 + self.overhead_fraction)


def checkpoint_hours(gpus: int, params: float) -> float:
    """Hours one checkpoint stops training: each GPU's shard of the state copied to host."""
    copy_s = params * 16.0 / (gpus * HOST_COPY_GB_PER_S_PER_GPU * 1e9)
    return max(MIN_CHECKPOINT_S, copy_s) / 3600.0


def overhead_fraction(
    gpus: Any,
    ideal_hours: Any,
    checkpoint: Any,
    failures_per_gpu_hour: Any,
    restart_hours: Any,
) -> Any:
    """Young's expected overhead; every argument may be a float or a NumPy array (Monte Carlo)."""
    import numpy as np

    mtbf = 1.0 / (failures_per_gpu_hour * gpus)
    interval = np.sqrt(2.0 * checkpoint * mtbf)
    # A run shorter than the interval takes no intermediate checkpoint: a failure restarts it.
    return np.where(
        interval < ideal_hours,
        checkpoint / interval + (interval / 2.0 + restart_hours) / mtbf,
        (ideal_hours / 2.0 + restart_hours) / mtbf,
    )


def goodput(
    gpus: int,
    ideal_hours: float,
    params: float,
    *,
    failures_per_gpu_hour: float = FAILURES_PER_GPU_HOUR,
    restart_hours: float = RESTART_HOURS,
    production_overhead: float = 0.0,
) -> Goodput:
    """Expected overhead of failures and checkpoints for a run of ``ideal_hours`` wall-clock,
    and of production on top."""
    check_positive(ideal_hours, "run length")
    check_positive(failures_per_gpu_hour, "failure rate")
    checkpoint = checkpoint_hours(gpus, params)
    mtbf = 1.0 / (failures_per_gpu_hour * gpus)
    failures = float(
        overhead_fraction(gpus, ideal_hours, checkpoint, failures_per_gpu_hour, restart_hours)
    )
    overhead = (1.0 + failures) * (1.0 + production_overhead) - 1.0
    return Goodput(
        cluster_mtbf_hours=mtbf,
        checkpoint_hours=checkpoint,
        checkpoint_interval_hours=min(math.sqrt(2.0 * checkpoint * mtbf), ideal_hours),
        expected_failures=ideal_hours * (1.0 + overhead) / mtbf,
        failure_overhead=failures,
        production_overhead=production_overhead,
        overhead_fraction=overhead,
    )
