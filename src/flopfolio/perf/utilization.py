"""The configuration search: the fastest parallel configuration that fits, its MFU and HFU, and the
Pareto sets (time against GPUs, time against memory head-room).

The search evaluates :mod:`flopfolio.perf.step_time` on the whole grid of
:mod:`flopfolio.perf.parallel` at once and keeps the configurations that fit memory.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from flopfolio.catalog.accelerators import Accelerator
from flopfolio.perf.parallel import (
    RECOMPUTE_ORDER,
    SHARDING_ORDER,
    USABLE_MEMORY_FRACTION,
    ConfigGrid,
    RunShape,
    enumerate_configs,
    fits,
)
from flopfolio.perf.step_time import (
    StepConstants,
    StepParts,
    hfu,
    mfu,
    step_parts,
    step_seconds,
    step_terms,
)
from flopfolio.units import GIB
from flopfolio.workload.memory import Recompute, Sharding

if TYPE_CHECKING:
    from flopfolio.perf.parallel import Array, Mask


@dataclass(frozen=True, slots=True)
class ParallelPlan:
    """One configuration, with what it costs in memory and time."""

    gpus: int
    tensor: int
    pipeline: int
    context: int
    data: int
    expert: int
    micro_batch: int
    micro_batches: int
    interleave: int
    sharding: Sharding
    recompute: Recompute
    memory_gib: float
    memory_headroom_gib: float
    fits: bool
    step_seconds: float
    global_batch_tokens: float
    mfu: float
    hfu: float
    # Seconds per step by term (matmul, communication, bubble, ...; perf/step_time.step_terms).
    step_breakdown: tuple[tuple[str, float], ...] = ()

    @property
    def tokens_per_second(self) -> float:
        return self.global_batch_tokens / self.step_seconds

    def describe(self) -> str:
        parts = [f"TP {self.tensor}", f"PP {self.pipeline}"]
        if self.interleave > 1:
            parts[-1] += f" (interleaved x{self.interleave})"
        if self.context > 1:
            parts.append(f"CP {self.context}")
        if self.expert > 1:
            parts.append(f"EP {self.expert}")
        parts.append(f"DP {self.data}")
        return (
            " × ".join(parts)
            + f", micro-batch {self.micro_batch} × {self.micro_batches}, {self.sharding.value}, "
            + f"{self.recompute.value} recompute"
        )


@dataclass(frozen=True, slots=True)
class SearchResult:
    best: ParallelPlan
    configurations: int
    fitting: int
    pareto_memory: tuple[ParallelPlan, ...]  # faster ones need less head-room: pick by margin


def _plan(
    run: RunShape,
    grid: ConfigGrid,
    parts: StepParts,
    seconds: Array,
    ok: Mask,
    i: int,
    seq: float,
    terms: dict[str, Array] | None = None,
) -> ParallelPlan:
    memory = float(grid.memory_bytes[i]) / GIB
    tokens = float(grid.d[i] * grid.m[i] * grid.b[i]) * seq
    return ParallelPlan(
        gpus=run.gpus,
        tensor=int(grid.t[i]),
        pipeline=int(grid.p[i]),
        context=int(grid.c[i]),
        data=int(grid.d[i]),
        expert=int(grid.e[i]),
        micro_batch=int(grid.b[i]),
        micro_batches=int(grid.m[i]),
        interleave=int(grid.v[i]),
        sharding=SHARDING_ORDER[int(grid.zero[i])],
        recompute=RECOMPUTE_ORDER[int(grid.recompute[i])],
        memory_gib=memory,
        memory_headroom_gib=run.memory_gib * USABLE_MEMORY_FRACTION - memory,
        fits=bool(ok[i]),
        step_seconds=float(seconds[i]),
        global_batch_tokens=tokens,
        mfu=float(mfu(parts, seconds)[i]),
        hfu=float(hfu(parts, seconds)[i]),
        step_breakdown=tuple((k, float(v[i])) for k, v in (terms or {}).items()),
    )


def search(run: RunShape, acc: Accelerator, constants: StepConstants) -> SearchResult | None:
    """The fastest configuration that fits (or the one needing least memory, with ``fits``
    false); ``None`` if the cluster admits no configuration at all."""
    import numpy as np

    grid = enumerate_configs(run)
    if len(grid) == 0:
        return None
    parts = step_parts(run, grid, acc)
    seconds = step_seconds(parts, constants)
    ok = fits(grid, run.memory_gib)
    seq = float(run.seq_len)
    # Time per token, since configurations may round the global batch differently.
    per_token = seconds / (grid.d * grid.m * grid.b * seq)
    if ok.any():
        best = int(np.argmin(np.where(ok, per_token, np.inf)))
    else:
        best = int(np.argmin(grid.memory_bytes))
    order = np.argsort(per_token)
    frontier: list[int] = []
    most_headroom = -np.inf
    for i in order[ok[order]]:
        headroom = -grid.memory_bytes[i]
        if headroom > most_headroom:
            frontier.append(int(i))
            most_headroom = headroom
    return SearchResult(
        best=_plan(run, grid, parts, seconds, ok, best, seq, step_terms(parts, constants)),
        configurations=len(grid),
        fitting=int(ok.sum()),
        pareto_memory=tuple(_plan(run, grid, parts, seconds, ok, i, seq) for i in frontier[:8]),
    )


@dataclass(frozen=True, slots=True)
class ClusterPoint:
    gpus: int
    wall_hours: float
    gpu_hours: float
    mfu: float


def pareto_gpus(
    run: RunShape, acc: Accelerator, constants: StepConstants, flops: float, sizes: list[int]
) -> list[ClusterPoint]:
    """Time against GPUs for a run of ``flops`` model FLOPs: each cluster size's fastest fitting
    configuration, keeping the sizes no other size beats on both wall-clock and GPU-hours."""
    peak = acc.peak(run.precision)
    points = []
    for size in sorted(set(sizes)):
        result = search(replace(run, gpus=size), acc, constants)
        if result is None or not result.best.fits:
            continue
        hours = flops / (size * peak * result.best.mfu) / 3600.0
        points.append(ClusterPoint(size, hours, hours * size, result.best.mfu))
    return [
        p for p in points
        if not any(o.wall_hours <= p.wall_hours and o.gpu_hours <= p.gpu_hours and o != p for o in points)
    ]  # fmt: skip
