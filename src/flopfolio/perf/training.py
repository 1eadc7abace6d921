"""A training run end to end: the parallel configuration, utilization, and three figures.

1. **Ideal run**: model FLOPs / (GPUs × dense peak at the precision × MFU), with the MFU of the
   fastest configuration that fits memory (:mod:`flopfolio.perf.utilization`), scaled by a user
   calibration profile if one exists for the accelerator, or the user's ``--mfu``.
2. **Expected run**: the ideal run plus failures, restarts and checkpoints, and the production
   overhead the utilization model's fit measured on published runs (:mod:`flopfolio.perf.goodput`).
3. **Program**: the expected run plus evaluations and the test runs and ablations around it.

Ranges come from :mod:`flopfolio.planning.uncertainty`. When only a parameter count is known,
the parallelism and memory use a nominal shape (:func:`~flopfolio.specs.transformer.nominal_shape`)
and the FLOPs stay the napkin count.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from flopfolio.catalog.accelerators import Accelerator
from flopfolio.errors import InvalidSpecError
from flopfolio.perf.defaults import default_global_batch_tokens, default_gpus, default_seq_len
from flopfolio.perf.goodput import EVAL_FRACTION, PROGRAM_FACTOR, Goodput, goodput
from flopfolio.perf.parallel import RunShape
from flopfolio.perf.step_time import StepConstants
from flopfolio.perf.utilization import ClusterPoint, ParallelPlan, SearchResult, pareto_gpus, search
from flopfolio.specs.precision import Precision
from flopfolio.specs.transformer import TransformerSpec, nominal_shape
from flopfolio.units import check_positive
from flopfolio.workload.flops import FlopCount, napkin_training_flops, training_flops
from flopfolio.workload.memory import Recompute

USER_MFU_LOG_SD = 0.10  # a measured --mfu: about ±10%
PROFILE_MFU_LOG_SD = 0.05  # a calibration profile fitted on the user's own runs
MAX_GPUS = 1 << 20


@dataclass(frozen=True, slots=True)
class Utilization:
    """The MFU an estimate uses, where it came from, and how uncertain it is."""

    mfu: float
    hfu: float
    source: str
    log_sd: float


@dataclass(frozen=True, slots=True)
class TrainingEstimate:
    spec: TransformerSpec
    shape_used: TransformerSpec  # the spec, or a nominal shape when only a count was given
    accelerator: Accelerator
    precision: Precision
    tokens: float
    flops: FlopCount
    flops_6nd: float
    gpus: int
    gpus_chosen_automatically: bool
    search: SearchResult
    utilization: Utilization
    ideal_gpu_hours: float
    goodput: Goodput
    program_factor: float
    cluster_frontier: tuple[ClusterPoint, ...]  # time against GPUs, N/8 to 4N

    @property
    def plan(self) -> ParallelPlan:
        return self.search.best

    @property
    def ideal_wall_hours(self) -> float:
        return self.ideal_gpu_hours / self.gpus

    @property
    def expected_gpu_hours(self) -> float:
        return self.ideal_gpu_hours * (1.0 + self.goodput.overhead_fraction)

    @property
    def program_gpu_hours(self) -> float:
        return self.expected_gpu_hours * self.program_factor


def _search(run: RunShape, acc: Accelerator, constants: StepConstants) -> SearchResult:
    result = search(run, acc, constants)
    if result is None:
        raise InvalidSpecError(
            f"No parallel configuration splits {run.gpus} GPUs for this model (the GPU count must "
            "factor into tensor × pipeline × data parallel degrees). To fix: use a power of two."
        )
    return result


def estimate_training(
    spec: TransformerSpec,
    tokens: float,
    accelerator: Accelerator,
    constants: StepConstants,
    *,
    model_log_sd: float,
    gpus: int | None = None,
    precision: Precision | None = None,
    mfu: float | None = None,
    mfu_scale: tuple[float, str] | None = None,
    seq_len: int | None = None,
    global_batch_tokens: float | None = None,
    program_factor: float = PROGRAM_FACTOR,
    recompute: Recompute | None = None,
) -> TrainingEstimate:
    """Plan and time a training run. ``mfu`` (measured) overrides the model; ``mfu_scale`` is a
    calibration profile's (factor, description) applied to the model's MFU; ``recompute`` pins
    the activation recomputation (None: the search chooses)."""
    check_positive(tokens, "tokens", upper=1e16)
    precision = precision or accelerator.default_training_precision()
    peak = accelerator.peak(precision)
    if mfu is not None and not 0 < mfu <= 1:
        raise InvalidSpecError(f"--mfu must be in (0, 1], got {mfu!r}. To fix: write e.g. 0.4.")
    if not 1.0 <= program_factor <= 20.0:
        raise InvalidSpecError(
            f"--program-factor must be between 1 (one run, no experiments) and 20, got {program_factor:g}."
        )
    shape = spec if spec.has_shape else nominal_shape(spec.params, spec.name)
    seq = (
        int(check_positive(seq_len, "sequence length", upper=1e7))
        if seq_len
        else default_seq_len(shape)
    )
    batch = global_batch_tokens or default_global_batch_tokens(spec.params)
    automatic = gpus is None
    if gpus is None:
        gpus = default_gpus(spec, tokens, accelerator, precision)
    run = RunShape(
        shape, precision, gpus, seq, batch, accelerator.memory_gib, accelerator.node_size,
        recompute,
    )  # fmt: skip
    if automatic:
        result = _search(run, accelerator, constants)
        while not result.best.fits and run.gpus < MAX_GPUS:  # too small to hold the model: grow
            run = replace(run, gpus=run.gpus * 2)
            result = _search(run, accelerator, constants)
    else:
        if not 1 <= run.gpus <= MAX_GPUS:
            raise InvalidSpecError(f"--gpus must be between 1 and {MAX_GPUS:,}, got {gpus}.")
        result = _search(run, accelerator, constants)
    gpus = run.gpus

    plan = result.best
    if mfu is not None:
        utilization = Utilization(
            mfu, mfu * plan.hfu / plan.mfu, f"user --mfu {mfu:g}", USER_MFU_LOG_SD
        )
    elif mfu_scale is not None:
        factor, where = mfu_scale
        scaled = min(1.0, plan.mfu * factor)
        utilization = Utilization(
            scaled, min(1.0, plan.hfu * factor),
            f"model {plan.mfu:.3f} × {factor:.3f} from calibration profile ({where})", PROFILE_MFU_LOG_SD,
        )  # fmt: skip
    else:
        utilization = Utilization(
            plan.mfu, plan.hfu, "utilization model (fitted on published runs)", model_log_sd
        )
    flops = training_flops(spec, tokens, seq)
    ideal_gpu_hours = flops.total / (peak * utilization.mfu) / 3600.0
    sizes = [
        gpus * 2**k // 8 for k in range(6) if gpus * 2**k // 8 >= 1 and gpus * 2**k // 8 <= MAX_GPUS
    ]
    frontier = pareto_gpus(
        run,
        accelerator,
        constants,
        flops.total,
        sizes,
    )
    return TrainingEstimate(
        spec=spec,
        shape_used=shape,
        accelerator=accelerator,
        precision=precision,
        tokens=tokens,
        flops=flops,
        flops_6nd=napkin_training_flops(spec.active_params, tokens),
        gpus=gpus,
        gpus_chosen_automatically=automatic,
        search=result,
        utilization=utilization,
        ideal_gpu_hours=ideal_gpu_hours,
        goodput=goodput(
            gpus,
            ideal_gpu_hours / gpus,
            spec.params,
            production_overhead=constants.production_overhead,
        ),
        program_factor=program_factor * (1.0 + EVAL_FRACTION),
        cluster_frontier=tuple(frontier),
    )
