"""Calibration from the user's own numbers: a measured throughput becomes a measured MFU, and its
ratio to the model's prediction for the same setup becomes the profile's scale.

``MFU = model FLOPs per token × tokens/s per GPU / dense peak``. Throughput can be given directly,
as a step time with its global batch, or as a training log: lines that report tokens per second
per GPU (``tokens/s/gpu: 3120``, ``tokens_per_sec_per_gpu=3120``) or Megatron's ``elapsed time per
iteration (ms): 5123.4``. The first :data:`WARMUP_SHARE` of the readings is dropped (compilation,
warm-up) and the median of the rest is used.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass

from flopfolio.errors import InvalidSpecError
from flopfolio.units import check_positive

WARMUP_SHARE = 0.1
_TOKENS_PER_GPU = re.compile(
    r"(?:tokens?[ _/-]*(?:per[ _-]*)?(?:s|sec|second)[ _/-]*(?:per[ _-]*)?gpu|tok/s/gpu)\s*[:=]\s*([0-9.eE+]+)",
    re.IGNORECASE,
)
_MEGATRON_STEP_MS = re.compile(r"elapsed time per iteration \(ms\):\s*([0-9.eE+]+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class LogReading:
    kind: str  # "tokens_per_s_per_gpu" or "step_seconds"
    value: float
    readings: int


def read_training_log(text: str) -> LogReading:
    """The steady-state throughput a log reports; raises if it reports none we can read."""
    for kind, pattern, scale in (
        ("tokens_per_s_per_gpu", _TOKENS_PER_GPU, 1.0),
        ("step_seconds", _MEGATRON_STEP_MS, 1e-3),
    ):
        values = [float(m.group(1)) * scale for m in pattern.finditer(text)]
        if values:
            steady = values[int(len(values) * WARMUP_SHARE) :] or values
            return LogReading(kind, statistics.median(steady), len(values))
    raise InvalidSpecError(
        "The log reports no throughput flopfolio can read. To fix: pass --tokens-per-s-per-gpu or "
        "--step-time, or use lines like 'tokens/s/gpu: 3120' or Megatron's 'elapsed time per iteration (ms)'."
    )


def tokens_per_second_per_gpu(
    *,
    tokens_per_s_per_gpu: float | None = None,
    step_seconds: float | None = None,
    global_batch_tokens: float | None = None,
    gpus: int,
) -> float:
    if tokens_per_s_per_gpu is not None:
        return check_positive(tokens_per_s_per_gpu, "tokens per second per GPU", upper=1e8)
    if step_seconds is not None:
        if global_batch_tokens is None:
            raise InvalidSpecError(
                "--step-time needs --global-batch-tokens (tokens per optimizer step)."
            )
        check_positive(step_seconds, "step time", upper=1e6)
        return check_positive(global_batch_tokens, "global batch tokens") / step_seconds / gpus
    raise InvalidSpecError("Give a throughput: --tokens-per-s-per-gpu, --step-time or --log.")


def measured_mfu(
    model_flops_per_token: float, tokens_per_s_per_gpu: float, peak_flop_per_s: float
) -> float:
    mfu = model_flops_per_token * tokens_per_s_per_gpu / peak_flop_per_s
    if not 0 < mfu <= 1:
        raise InvalidSpecError(
            f"That throughput means an MFU of {mfu:.2f}, which is impossible (must be in (0, 1]). "
            "To fix: check the throughput is per GPU, and the model, precision and GPU count."
        )
    return mfu
