"""Training time v1: ``time = FLOPs / (chips × peak at the precision × utilization)``.

Utilization is model FLOPs utilization (MFU, PaLM's definition; see ``workload/flops.py``). The
default, :data:`DEFAULT_MFU` = 0.40, sits in the seeds' "tens of percent with a little bit of work"
and near what published dense runs on A100/H100 report (LLaMA-65B ≈ 0.47, Llama 2 70B ≈ 0.43
derived from their GPU-hours; PaLM 0.46; Nemotron-4 0.41; Gopher 0.33). Its band, 0.30–0.50,
spans those runs. A user's ``--mfu`` is taken as measured, with a ±10% band.

The high end of the GPU-hours band also carries :data:`RESTART_ALLOWANCE` for failures, restarts
and checkpoint stalls; the goodput model that replaces this flat allowance is a later issue.
"""

from __future__ import annotations

from dataclasses import dataclass

from flopfolio.catalog.accelerators import Accelerator
from flopfolio.economics.band import Band
from flopfolio.errors import InvalidSpecError
from flopfolio.perf.layout import Layout, choose_layout, fewest_gpus_that_fit
from flopfolio.units import check_positive
from flopfolio.workload.flops import FlopCount, napkin_training_flops, training_flops
from flopfolio.workload.precision import Precision
from flopfolio.workload.transformer import TransformerSpec

DEFAULT_MFU = 0.40
DEFAULT_MFU_BAND = (0.30, 0.50)
USER_MFU_RELATIVE_BAND = 0.10
RESTART_ALLOWANCE = 0.10
# Presets carry the longest context a model accepts; pre-training mostly runs shorter sequences.
DEFAULT_TRAINING_SEQ_CAP = 8192


@dataclass(frozen=True, slots=True)
class TrainingEstimate:
    spec: TransformerSpec
    accelerator: Accelerator
    precision: Precision
    tokens: float
    flops: FlopCount
    flops_6nd: float
    mfu: Band  # low, central, high utilization used
    mfu_source: str
    gpu_hours: Band
    wall_days: Band
    layout: Layout
    gpus_chosen_automatically: bool

    @property
    def gpus(self) -> int:
        return self.layout.gpus


def mfu_band(mfu: float | None) -> tuple[Band, str]:
    if mfu is None:
        low, high = DEFAULT_MFU_BAND
        return Band(
            low, DEFAULT_MFU, high
        ), f"default {DEFAULT_MFU:.2f} (band {low:.2f}-{high:.2f})"
    if not 0 < mfu <= 1:
        raise InvalidSpecError(f"--mfu must be in (0, 1], got {mfu!r}. To fix: write e.g. 0.4.")
    low = mfu * (1 - USER_MFU_RELATIVE_BAND)
    high = min(1.0, mfu * (1 + USER_MFU_RELATIVE_BAND))
    return Band(low, mfu, high), f"user --mfu {mfu:g} (band ±{USER_MFU_RELATIVE_BAND:.0%})"


def estimate_training(
    spec: TransformerSpec,
    tokens: float,
    accelerator: Accelerator,
    *,
    gpus: int | None = None,
    precision: Precision | None = None,
    mfu: float | None = None,
    seq_len: int | None = None,
) -> TrainingEstimate:
    """GPU-hours, wall-clock days, FLOPs and memory per GPU for one training run."""
    check_positive(tokens, "tokens", upper=1e16)
    precision = precision or accelerator.default_training_precision()
    peak = accelerator.peak(precision)
    if seq_len is not None:
        check_positive(seq_len, "sequence length", upper=1e7)
    else:
        seq_len = min(spec.seq_len, DEFAULT_TRAINING_SEQ_CAP)
    automatic = gpus is None
    if gpus is None:
        gpus = fewest_gpus_that_fit(spec, precision, accelerator.memory_gib, accelerator.node_size)
    elif gpus < 1 or gpus > 1_000_000:
        raise InvalidSpecError(f"--gpus must be between 1 and 1,000,000, got {gpus}.")
    layout = choose_layout(
        spec, precision, gpus, accelerator.memory_gib, accelerator.node_size, seq_len=seq_len
    )
    flops = training_flops(spec, tokens, seq_len)
    utilization, mfu_source = mfu_band(mfu)
    ideal_hours = flops.total / peak / 3600.0
    gpu_hours = Band(
        low=ideal_hours / utilization.high,
        central=ideal_hours / utilization.central,
        high=ideal_hours / utilization.low * (1 + RESTART_ALLOWANCE),
    )
    return TrainingEstimate(
        spec=spec,
        accelerator=accelerator,
        precision=precision,
        tokens=tokens,
        flops=flops,
        flops_6nd=napkin_training_flops(spec.active_params, tokens),
        mfu=utilization,
        mfu_source=mfu_source,
        gpu_hours=gpu_hours,
        wall_days=gpu_hours.scale(1.0 / gpus / 24.0),
        layout=layout,
        gpus_chosen_automatically=automatic,
    )
