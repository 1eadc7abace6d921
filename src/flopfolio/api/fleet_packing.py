"""Which latency workloads of a fleet can share one GPU: every pair of language-model workloads
whose replicas each fit on one GPU of the same card, sized by the serving model at batches 1, 2,
4 … up to the batch each uses alone, and judged by :mod:`flopfolio.planning.fleet_sharing`."""

from __future__ import annotations

from itertools import combinations
from typing import TYPE_CHECKING

from flopfolio.api.estimates import estimate_serving
from flopfolio.catalog.catalog import Catalog
from flopfolio.errors import InvalidSpecError
from flopfolio.perf.inference import USABLE_MEMORY_FRACTION
from flopfolio.planning.fleet import FleetPacking
from flopfolio.planning.fleet_sharing import AlonePoint, Slo, best_shared_point

if TYPE_CHECKING:
    from flopfolio.api.fleet_plan import PairEstimate, ResolvedCard, WorkloadIn


def _points(cat: Catalog, w: WorkloadIn, rc: ResolvedCard, largest: int) -> list[AlonePoint]:
    out, batch = [], 1
    while batch <= max(1, largest):
        try:
            est = estimate_serving(
                model=w.model, gpu=rc.accelerator_id, input_tokens=w.input_tokens,
                output_tokens=w.output_tokens, precision=w.precision, gpus=1, batch=batch,
                catalog=cat,
            ).estimate  # fmt: skip
        except InvalidSpecError:
            break
        if not est.fits:
            break
        out.append(AlonePoint(
            batch, est.memory_per_gpu_gib, est.central.ttft_s, est.central.tpot_s,
            est.central.output_tokens_per_s * 3600.0 / w.output_tokens,
        ))  # fmt: skip
        batch *= 2
    return out


def fleet_packings(
    cat: Catalog, workloads: list[WorkloadIn], cards: list[ResolvedCard], pairs: list[PairEstimate]
) -> list[FleetPacking]:
    """One packing per (pair of latency LLM workloads, card) that fits and meets both SLOs."""
    shareable = [w for w in workloads if w.model and w.batch is None and w.demand is not None]
    by_key = {(p.workload, p.card): p for p in pairs}
    out = []
    for rc in cards:
        usable = cat.accelerator(rc.accelerator_id).memory_gib * USABLE_MEMORY_FRACTION
        alone = {
            w.name: (w, by_key[w.name, rc.card.name])
            for w in shareable
            if (w.name, rc.card.name) in by_key
            and by_key[w.name, rc.card.name].gpus_per_replica == 1
        }
        points = {n: _points(cat, w, rc, p.batch) for n, (w, p) in alone.items()}
        for a, b in combinations(sorted(alone), 2):
            wa, pa = alone[a]
            wb, pb = alone[b]
            slo_a = Slo(_s(wa.slo.ttft_ms), _s(wa.slo.tpot_ms))
            slo_b = Slo(_s(wb.slo.ttft_ms), _s(wb.slo.tpot_ms))
            best = best_shared_point(
                points[a], points[b], slo_a, slo_b, usable,
                pa.requests_per_replica_hour, pb.requests_per_replica_hour,
            )  # fmt: skip
            if best is not None and best.requests_per_hour_a > 0 and best.requests_per_hour_b > 0:
                out.append(FleetPacking(
                    (a, b), rc.card.name, (best.requests_per_hour_a, best.requests_per_hour_b),
                    (best.share_a, 1.0 - best.share_a),
                ))  # fmt: skip
    return out


def _s(ms: float | None) -> float | None:
    return ms / 1e3 if ms is not None else None
