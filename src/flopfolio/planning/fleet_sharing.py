"""Two latency models on one GPU: weights resident side by side, decode steps taken in turn.

For each member ``i`` at a batch ``b_i`` the serving model gives (alone on the GPU) the memory it
needs ``M_i``, its time to first token ``F_i``, its time per output token ``τ_i`` (one decode
step) and its requests per hour ``R_i``. Sharing one GPU:

  memory   ``M_a + M_b ≤ usable memory``            (both sets of weights and KV caches resident)
  latency  ``τ_a + τ_b ≤ tpot SLO`` of each member  (a token of ``a`` waits for a step of ``b``)
           ``F_a + τ_b ≤ ttft SLO`` of ``a`` (and the same for ``b``)
  rate     ``φ_a = τ_a / (τ_a + τ_b)`` of the GPU's time goes to ``a``, which then serves
           ``φ_a·R_a`` requests per hour (and ``b``, ``φ_b·R_b``)

Among the batch pairs that satisfy all of it, the one serving the most replica-equivalents
``φ_a·R_a/R*_a + φ_b·R_b/R*_b`` (``R*``: the best rate alone under the SLO) is the packing
offered to the optimizer, which then decides whether sharing beats separate replicas.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AlonePoint:
    """One model alone on one GPU at one batch size."""

    batch: int
    memory_gib: float
    ttft_s: float
    tpot_s: float
    requests_per_hour: float


@dataclass(frozen=True, slots=True)
class Slo:
    ttft_s: float | None = None
    tpot_s: float | None = None


@dataclass(frozen=True, slots=True)
class SharedPoint:
    a: AlonePoint
    b: AlonePoint
    share_a: float
    requests_per_hour_a: float
    requests_per_hour_b: float
    replica_equivalents: float


def _meets(own: AlonePoint, other: AlonePoint, slo: Slo) -> bool:
    step = own.tpot_s + other.tpot_s
    if slo.tpot_s is not None and step > slo.tpot_s:
        return False
    return slo.ttft_s is None or own.ttft_s + other.tpot_s <= slo.ttft_s


def best_shared_point(
    a: Sequence[AlonePoint], b: Sequence[AlonePoint], slo_a: Slo, slo_b: Slo,
    usable_memory_gib: float, best_alone_a: float, best_alone_b: float,
) -> SharedPoint | None:  # fmt: skip
    """The best batch pair for ``a`` and ``b`` sharing one GPU (module docstring), or ``None``."""
    best: SharedPoint | None = None
    for pa in a:
        for pb in b:
            if pa.memory_gib + pb.memory_gib > usable_memory_gib:
                continue
            if not (_meets(pa, pb, slo_a) and _meets(pb, pa, slo_b)):
                continue
            total = pa.tpot_s + pb.tpot_s
            if total <= 0:
                continue
            share = pa.tpot_s / total
            ra, rb = share * pa.requests_per_hour, (1 - share) * pb.requests_per_hour
            value = ra / best_alone_a + rb / best_alone_b
            if best is None or value > best.replica_equivalents:
                best = SharedPoint(pa, pb, share, ra, rb, value)
    return best
