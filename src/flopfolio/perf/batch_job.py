"""Offline batch jobs: N requests through one replica at its throughput-maximising batch.

Generation (``s_out > 0``): ``time = N · s_out / throughput`` (continuous batching keeps the batch
full). Prefill only (``s_out = 0``: embeddings, classification, scoring): ``time = N · s_in /
prefill throughput`` at the batch. GPU-hours = GPUs per replica × time; the band follows the
estimate's slow and fast points. More replicas shorten the wall-clock, not the GPU-hours.
"""

from __future__ import annotations

from dataclasses import dataclass

from flopfolio.perf.inference import InferenceEstimate, InferencePoint
from flopfolio.specs.band import Band
from flopfolio.units import check_positive


@dataclass(frozen=True, slots=True)
class BatchJob:
    requests: float
    replica_hours: Band  # wall-clock on one replica
    gpu_hours: Band


def _seconds(point: InferencePoint, est: InferenceEstimate, requests: float) -> float:
    if est.output_tokens:
        return requests * est.output_tokens / point.output_tokens_per_s
    return requests * est.input_tokens / point.prefill_tokens_per_s


def batch_job(est: InferenceEstimate, requests: float) -> BatchJob:
    check_positive(requests, "--requests", upper=1e15)
    hours = Band(
        _seconds(est.fast, est, requests) / 3600.0,
        _seconds(est.central, est, requests) / 3600.0,
        _seconds(est.slow, est, requests) / 3600.0,
    )
    return BatchJob(requests, hours, hours.scale(est.gpus))
