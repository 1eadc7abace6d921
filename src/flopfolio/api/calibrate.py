"""``flopfolio calibrate``: fit the utilization to a run the user measured, and remember it.

The measured MFU (:mod:`flopfolio.perf.calibration`) is compared with what the utilization model
predicts for the same model, accelerator, GPU count, sequence, batch and (if given) recomputation:
a stack that recomputes every layer is slower per model FLOP, and compared with the search's free
choice it would read as a worse stack than it is. The ratio is saved in the
user's calibration profile (:mod:`flopfolio.catalog.profiles`) and scales later estimates on that
accelerator, which say so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flopfolio.api.model_input import choose_model
from flopfolio.catalog.catalog import Catalog, load_catalog
from flopfolio.catalog.profiles import ProfileEntry, save_entry
from flopfolio.perf.calibration import measured_mfu, tokens_per_second_per_gpu
from flopfolio.perf.step_time import StepConstants
from flopfolio.perf.training import estimate_training
from flopfolio.specs.precision import Precision
from flopfolio.units import parse_count
from flopfolio.workload.memory import Recompute


@dataclass(frozen=True, slots=True)
class CalibrationResult:
    entry: ProfileEntry
    tokens_per_s_per_gpu: float
    configuration: str
    saved_to: Path | None

    def to_dict(self) -> dict[str, Any]:
        e = self.entry
        return {
            "accelerator": e.accelerator_id,
            "measured_mfu": e.measured_mfu,
            "predicted_mfu": e.predicted_mfu,
            "mfu_scale": e.mfu_scale,
            "tokens_per_s_per_gpu": self.tokens_per_s_per_gpu,
            "setup": e.setup,
            "predicted_configuration": self.configuration,
            "source": e.source,
            "saved_to": str(self.saved_to) if self.saved_to else None,
        }


def calibrate(
    *,
    gpu: str,
    gpus: int,
    model: str | None = None,
    params: str | float | None = None,
    shape: dict[str, Any] | None = None,
    precision: str | None = None,
    tokens_per_s_per_gpu: float | None = None,
    step_seconds: float | None = None,
    global_batch_tokens: str | float | None = None,
    recompute: str | None = None,
    source: str = "",
    save: bool = True,
    profile: Path | None = None,
    catalog: Catalog | None = None,
) -> CalibrationResult:
    cat = catalog or load_catalog()
    acc = cat.accelerator(gpu)
    prec = Precision.parse(precision) if precision else acc.default_training_precision()
    choice = choose_model(cat, model, params=params, shape=shape)
    batch = (
        parse_count(global_batch_tokens, "--global-batch-tokens") if global_batch_tokens else None
    )
    throughput = tokens_per_second_per_gpu(
        tokens_per_s_per_gpu=tokens_per_s_per_gpu, step_seconds=step_seconds,
        global_batch_tokens=batch, gpus=gpus,
    )  # fmt: skip
    seq = (shape or {}).get("seq_len")
    pinned = Recompute.parse(recompute) if recompute else None
    predicted = estimate_training(
        choice.spec, 1e9, acc, StepConstants(*cat.utilization.values),
        model_log_sd=cat.utilization.residual_log_sd, gpus=gpus, precision=prec, seq_len=seq,
        global_batch_tokens=batch, recompute=pinned,
    )  # fmt: skip
    measured = measured_mfu(predicted.flops.per_token, throughput, acc.peak(prec))
    entry = ProfileEntry(
        accelerator_id=acc.id,
        measured_mfu=measured,
        predicted_mfu=predicted.plan.mfu,
        setup=f"{choice.description} on {gpus} × {acc.id} ({prec.value}"
        + (f", {pinned.value} recompute)" if pinned else ")"),
        source=source or f"{throughput:,.0f} tokens/s per GPU",
        date=dt.date.today().isoformat(),
    )
    saved = save_entry(entry, profile) if save else None
    return CalibrationResult(entry, throughput, predicted.plan.describe(), saved)
