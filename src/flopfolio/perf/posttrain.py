"""Post-training: fine-tuning time, reinforcement learning (rollouts + updates), synthetic data.

**Fine-tuning** (:func:`estimate_finetune`): ``hours = FLOPs / (GPUs × dense peak × MFU)`` with the
model FLOPs of :func:`~flopfolio.workload.finetune.finetune_flops` (full ``6·N``; LoRA/QLoRA
``4·N + 6·N_lora``) and the memory of :func:`~flopfolio.workload.finetune.finetune_memory_gib`.
Without ``gpus`` the fewest GPUs that hold the run are used (:func:`fits_on`). Default MFU (an
assumption, replace it with ``mfu=`` when measured):

* full 0.40: the napkin rule of DESIGN.md's validation baseline;
* LoRA 0.35: the adapters are rank-``r`` matmuls (``s·b × h`` by ``h × r``) far too thin to fill
  tensor cores, each with its own kernel launches, and the frozen weights' skipped weight-gradient
  matmuls were the most efficient part of the backward;
* QLoRA 0.25: every frozen matmul first dequantizes its NF4 weight to bf16 (forward, recompute and
  backward), memory traffic that counts no FLOPs.

The band is ±25% on the hours (the uncertainty of the MFU; a stated band, not a fit).

**RL** (:func:`estimate_rl`; PPO/GRPO-style, one sample = prompt + response):

* rollout: ``prompts × epochs × samples`` generations through the serving model
  (:func:`~flopfolio.perf.inference.estimate_inference` with the largest batch the KV cache allows,
  the caller's :class:`InferenceConstants`), ``time = generated tokens / throughput``
  (:func:`~flopfolio.perf.batch_job.batch_job`), spread over as many replicas as the pool holds;
* scoring: forward passes over every sample's prompt + response: the reward model (``2·N_rm`` per
  token), the frozen reference policy for the KL penalty (``2·N``, toggle) and the critic if any
  (PPO); at the update MFU on the training pool;
* update: the policy trains on every sample ``ppo_epochs`` times, ``6·N`` per token (or the LoRA
  count), plus the critic's ``6·N_c`` when there is one.

``colocated=True``: one pool of ``gpus`` runs the phases one after another (wall = sum).
``colocated=False``: rollouts run on their own pool of ``rollout_gpus`` while the training pool
scores and updates, one step behind (off-policy by one step, as asynchronous RL systems do): wall =
max of the two, and both pools are paid for the whole wall time. Everything scales linearly with
the number of samples, so more samples per prompt never cost less.

**Synthetic data** (:func:`synthetic_data_cost`): generating ``tokens`` output tokens self-hosted
(one replica at its throughput-maximizing batch, GPU-hours × price) against a hosted API
(``input tokens × $/M in + output tokens × $/M out``), with ``prompt_tokens_per_output_token``
prompt tokens sent per token generated.
"""

from __future__ import annotations

from dataclasses import dataclass

from flopfolio.catalog.accelerators import Accelerator
from flopfolio.errors import InfeasiblePlanError, InvalidSpecError
from flopfolio.perf.batch_job import batch_job
from flopfolio.perf.inference import InferenceConstants, estimate_inference
from flopfolio.specs.band import Band
from flopfolio.specs.precision import Precision
from flopfolio.specs.transformer import TransformerSpec
from flopfolio.units import check_positive
from flopfolio.workload.finetune import (
    FinetuneFlops,
    FinetuneMemory,
    FinetuneMethod,
    LoraConfig,
    finetune_flops,
    finetune_memory_gib,
    fits_on,
)
from flopfolio.workload.flops import inference_flops_per_token

DEFAULT_MFU = {FinetuneMethod.FULL: 0.40, FinetuneMethod.LORA: 0.35, FinetuneMethod.QLORA: 0.25}
MFU_BAND = 0.25  # ± on the hours
DEFAULT_SEQ_LEN = 2048


def mfu_band(central: float) -> Band:
    return Band(central * (1.0 - MFU_BAND), central, central * (1.0 + MFU_BAND))


def _add(a: Band, b: Band) -> Band:
    return Band(a.low + b.low, a.central + b.central, a.high + b.high)


def _max(a: Band, b: Band) -> Band:
    return Band(max(a.low, b.low), max(a.central, b.central), max(a.high, b.high))


def _price(usd_per_gpu_hour: float | Band) -> Band:
    if isinstance(usd_per_gpu_hour, Band):
        return usd_per_gpu_hour
    return Band.point(check_positive(usd_per_gpu_hour, "price (USD per GPU-hour)", upper=1e4))


def _mfu(mfu: float | None, method: FinetuneMethod) -> tuple[float, str]:
    if mfu is None:
        return DEFAULT_MFU[method], f"default MFU for a {method.value} fine-tune (assumption)"
    if isinstance(mfu, bool) or not isinstance(mfu, int | float) or not 0 < mfu <= 1:
        raise InvalidSpecError(f"mfu must be in (0, 1], got {mfu!r}. To fix: write e.g. 0.35.")
    return float(mfu), f"user mfu {mfu:g}"


# --- fine-tuning -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class FinetuneEstimate:
    spec: TransformerSpec
    accelerator: Accelerator
    method: FinetuneMethod
    lora: LoraConfig | None
    precision: Precision
    tokens: float
    gpus: int
    gpus_chosen_automatically: bool
    flops: FinetuneFlops
    mfu: float
    mfu_source: str
    memory: FinetuneMemory
    fits: bool
    wall_hours: Band
    gpu_hours: Band
    cost_usd: Band | None
    assumptions: tuple[str, ...]


def estimate_finetune(
    spec: TransformerSpec,
    accelerator: Accelerator,
    *,
    method: FinetuneMethod,
    tokens: float,
    gpus: int | None = None,
    lora: LoraConfig | None = None,
    mfu: float | None = None,
    seq_len: int = DEFAULT_SEQ_LEN,
    micro_batch: int = 1,
    checkpointing: bool = True,
    precision: Precision | None = None,
    usd_per_gpu_hour: float | Band | None = None,
) -> FinetuneEstimate:
    """Time, GPU-hours, memory and (with a price) cost of a fine-tune; see the module docstring."""
    method = FinetuneMethod(method)
    check_positive(tokens, "tokens", upper=1e16)
    precision = precision or accelerator.default_training_precision()
    peak = accelerator.peak(precision)
    used_mfu, mfu_source = _mfu(mfu, method)
    lora_used = (lora or LoraConfig()) if method.uses_adapters else None
    automatic = gpus is None
    if gpus is None:
        answer = fits_on(
            spec, method, accelerator, lora=lora_used, seq_len=seq_len, micro_batch=micro_batch,
            checkpointing=checkpointing, precision=precision,
        )  # fmt: skip
        if answer.fewest_gpus is None:
            raise InfeasiblePlanError(
                f"{answer.describe()} To fix: use QLoRA, a shorter sequence or micro-batch, "
                "gradient checkpointing, or an accelerator with more memory."
            )
        gpus, memory = answer.fewest_gpus, answer.memory
    else:
        memory = finetune_memory_gib(
            spec, method, lora=lora_used, seq_len=seq_len, micro_batch=micro_batch, gpus=gpus,
            checkpointing=checkpointing, precision=precision,
        )  # fmt: skip
    flops = finetune_flops(spec, method, tokens, lora_used, checkpointing, seq_len=seq_len)
    hours = mfu_band(flops.model_flops / (gpus * peak * used_mfu) / 3600.0)
    gpu_hours = hours.scale(gpus)
    cost = gpu_hours.times(_price(usd_per_gpu_hour)) if usd_per_gpu_hour is not None else None
    assumptions = (
        f"{method.value} fine-tune on {gpus} × {accelerator.id} at {precision.value} "
        f"({peak / 1e12:g} TFLOP/s dense peak)",
        f"MFU {used_mfu:g}: {mfu_source}; hours ±{MFU_BAND:.0%}",
        f"FLOPs: {flops.convention}",
        f"sequence {seq_len:,} × micro-batch {micro_batch}, gradient checkpointing "
        f"{'on' if checkpointing else 'off'}; FSDP full-shard when GPUs > 1",
    )
    return FinetuneEstimate(
        spec=spec,
        accelerator=accelerator,
        method=method,
        lora=lora_used,
        precision=precision,
        tokens=float(tokens),
        gpus=gpus,
        gpus_chosen_automatically=automatic,
        flops=flops,
        mfu=used_mfu,
        mfu_source=mfu_source,
        memory=memory,
        fits=memory.fits(accelerator.memory_gib),
        wall_hours=hours,
        gpu_hours=gpu_hours,
        cost_usd=cost,
        assumptions=assumptions,
    )


# --- reinforcement learning --------------------------------------------------------------------
def _whole(value: int, what: str, upper: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= upper:
        raise InvalidSpecError(f"{what} must be an integer in 1..{upper:,}, got {value!r}.")
    return value


@dataclass(frozen=True, slots=True)
class RLRun:
    """An RL post-training run: ``prompts`` distinct prompts, each sampled ``samples_per_prompt``
    times per epoch; every sample is used ``ppo_epochs`` times by the update."""

    policy: TransformerSpec
    prompts: float
    samples_per_prompt: int
    prompt_tokens: int
    response_tokens: int
    reward_model: TransformerSpec | None = None
    critic: TransformerSpec | None = None
    epochs: int = 1
    ppo_epochs: int = 1
    reference_kl: bool = True
    method: FinetuneMethod = FinetuneMethod.FULL
    lora: LoraConfig | None = None

    def __post_init__(self) -> None:
        check_positive(self.prompts, "prompts", upper=1e12)
        _whole(self.samples_per_prompt, "samples per prompt", 1 << 16)
        _whole(self.prompt_tokens, "prompt tokens", 1 << 22)
        _whole(self.response_tokens, "response tokens", 1 << 22)
        _whole(self.epochs, "epochs", 10_000)
        _whole(self.ppo_epochs, "PPO epochs", 100)
        object.__setattr__(self, "method", FinetuneMethod(self.method))

    @property
    def rollouts(self) -> float:
        return self.prompts * self.epochs * self.samples_per_prompt

    @property
    def generated_tokens(self) -> float:
        return self.rollouts * self.response_tokens

    @property
    def sequence_tokens(self) -> float:
        """Prompt + response tokens over every sample (what scoring reads once)."""
        return self.rollouts * (self.prompt_tokens + self.response_tokens)

    @property
    def update_tokens(self) -> float:
        return self.sequence_tokens * self.ppo_epochs


@dataclass(frozen=True, slots=True)
class RLPhase:
    name: str
    tokens: float  # generated (rollout), read (scoring) or trained on (update)
    flops: float  # model FLOPs
    pool_gpus: int
    wall_hours: Band
    cost_usd: Band  # the pool's GPU-hours during the phase × price

    @property
    def gpu_hours(self) -> Band:
        return self.wall_hours.scale(self.pool_gpus)


@dataclass(frozen=True, slots=True)
class RLEstimate:
    run: RLRun
    accelerator: Accelerator
    colocated: bool
    training_gpus: int
    rollout_gpus: int
    rollout: RLPhase
    scoring: RLPhase
    update: RLPhase
    rollout_replica_gpus: int
    rollout_replicas: int
    rollout_batch: int
    mfu: float
    update_memory: FinetuneMemory
    update_fits: bool
    wall_hours: Band
    reserved_gpu_hours: Band  # every pool for the whole wall time (idle time included)
    cost_usd: Band
    assumptions: tuple[str, ...]

    @property
    def phases(self) -> tuple[RLPhase, RLPhase, RLPhase]:
        return (self.rollout, self.scoring, self.update)

    @property
    def rollout_share(self) -> float:
        """Rollout GPU-hours over all phases' GPU-hours (central values)."""
        busy = sum(p.gpu_hours.central for p in self.phases)
        return self.rollout.gpu_hours.central / busy if busy else 0.0


def _forward_flops_per_token(spec: TransformerSpec, context: float) -> float:
    return inference_flops_per_token(spec, context).per_token


def estimate_rl(
    run: RLRun,
    accelerator: Accelerator,
    constants: InferenceConstants,
    *,
    gpus: int,
    usd_per_gpu_hour: float | Band,
    colocated: bool = True,
    rollout_gpus: int | None = None,
    mfu: float | None = None,
    checkpointing: bool = True,
    precision: Precision | None = None,
    rollout_precision: Precision | None = None,
) -> RLEstimate:
    """Time and dollars of an RL run by phase, on one pool or two (module docstring)."""
    _whole(gpus, "GPUs", 1 << 20)
    rollout_pool = gpus
    if not colocated:
        rollout_pool = _whole(
            gpus if rollout_gpus is None else rollout_gpus, "rollout GPUs", 1 << 20
        )
    price = _price(usd_per_gpu_hour)
    precision = precision or accelerator.default_training_precision()
    peak = accelerator.peak(precision)
    used_mfu, mfu_source = _mfu(mfu, run.method)

    est = estimate_inference(
        run.policy, accelerator, input_tokens=run.prompt_tokens, output_tokens=run.response_tokens,
        constants=constants, batch_max=True, precision=rollout_precision,
    )  # fmt: skip
    replicas = rollout_pool // est.gpus
    if replicas < 1:
        raise InfeasiblePlanError(
            f"The rollout pool of {rollout_pool} × {accelerator.id} cannot hold one serving replica "
            f"of {run.policy.name} ({est.gpus} GPUs). To fix: give the rollout pool at least "
            f"{est.gpus} GPUs, or serve the policy at lower precision."
        )
    job = batch_job(est, run.rollouts)
    rollout_wall = job.replica_hours.scale(1.0 / replicas)
    rollout_flops = run.sequence_tokens * est.flops_per_token.per_token
    rollout = RLPhase(
        "rollout", run.generated_tokens, rollout_flops, rollout_pool, rollout_wall,
        rollout_wall.scale(rollout_pool).times(price),
    )  # fmt: skip

    context = (run.prompt_tokens + run.response_tokens) / 2
    per_token = 0.0
    if run.reward_model is not None:
        per_token += _forward_flops_per_token(run.reward_model, context)
    if run.reference_kl:
        per_token += _forward_flops_per_token(run.policy, context)
    if run.critic is not None:
        per_token += _forward_flops_per_token(run.critic, context)
    scoring_flops = run.sequence_tokens * per_token
    scoring_wall = mfu_band(scoring_flops / (gpus * peak * used_mfu) / 3600.0)
    scoring = RLPhase(
        "scoring", run.sequence_tokens, scoring_flops, gpus, scoring_wall,
        scoring_wall.scale(gpus).times(price),
    )  # fmt: skip

    seq = run.prompt_tokens + run.response_tokens
    lora_used = (run.lora or LoraConfig()) if run.method.uses_adapters else None
    update_flops = finetune_flops(
        run.policy, run.method, run.update_tokens, lora_used, checkpointing, seq_len=seq
    ).model_flops
    if run.critic is not None:
        update_flops += finetune_flops(
            run.critic, FinetuneMethod.FULL, run.update_tokens, None, checkpointing, seq_len=seq
        ).model_flops
    update_wall = mfu_band(update_flops / (gpus * peak * used_mfu) / 3600.0)
    update = RLPhase(
        "update", run.update_tokens, update_flops, gpus, update_wall,
        update_wall.scale(gpus).times(price),
    )  # fmt: skip

    training_wall = _add(scoring_wall, update_wall)
    if colocated:
        wall = _add(rollout_wall, training_wall)
        reserved = wall.scale(gpus)
    else:
        wall = _max(rollout_wall, training_wall)
        reserved = wall.scale(gpus + rollout_pool)
    memory = finetune_memory_gib(
        run.policy, run.method, lora=lora_used, seq_len=seq, gpus=gpus,
        checkpointing=checkpointing, precision=precision,
    )  # fmt: skip
    assumptions = (
        f"rollout: {replicas} replica(s) of {est.gpus} × {accelerator.id} at batch {est.batch} "
        f"({est.batch_rule})",
        f"scoring and update at MFU {used_mfu:g} ({mfu_source}); hours ±{MFU_BAND:.0%}",
        "colocated: phases run one after another on one pool"
        if colocated
        else "separate pools: rollouts overlap scoring + update (one step off-policy); both "
        "pools paid for the whole run",
    )
    return RLEstimate(
        run=run,
        accelerator=accelerator,
        colocated=colocated,
        training_gpus=gpus,
        rollout_gpus=rollout_pool,
        rollout=rollout,
        scoring=scoring,
        update=update,
        rollout_replica_gpus=est.gpus,
        rollout_replicas=replicas,
        rollout_batch=est.batch,
        mfu=used_mfu,
        update_memory=memory,
        update_fits=memory.fits(accelerator.memory_gib),
        wall_hours=wall,
        reserved_gpu_hours=reserved,
        cost_usd=reserved.times(price),
        assumptions=assumptions,
    )


# --- synthetic data ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SyntheticDataCost:
    output_tokens: float
    input_tokens: float
    replica_gpus: int
    replica_batch: int
    self_hosted_hours: Band  # wall-clock on one replica
    self_hosted_gpu_hours: Band
    self_hosted_usd: Band
    api_usd: float | None
    cheaper: str  # "self-hosted", "api", or "self-hosted (no API price to compare)"
    clear_cut: bool  # the whole self-hosted band is on the same side of the API price


def synthetic_data_cost(
    tokens: float,
    spec: TransformerSpec,
    accelerator: Accelerator,
    constants: InferenceConstants,
    usd_per_gpu_hour: float | Band,
    api_price: tuple[float, float] | None,
    prompt_tokens_per_output_token: float = 1.0,
    *,
    output_tokens_per_request: int = 512,
    gpus: int | None = None,
    precision: Precision | None = None,
) -> SyntheticDataCost:
    """Generate ``tokens`` output tokens self-hosted or through an API (module docstring).
    ``api_price`` is (USD per million input tokens, USD per million output tokens)."""
    check_positive(tokens, "tokens to generate", upper=1e16)
    ratio = check_positive(
        prompt_tokens_per_output_token, "prompt tokens per output token", allow_zero=True, upper=1e4
    )
    _whole(output_tokens_per_request, "output tokens per request", 1 << 20)
    price = _price(usd_per_gpu_hour)
    input_per_request = round(ratio * output_tokens_per_request)
    est = estimate_inference(
        spec, accelerator, input_tokens=input_per_request,
        output_tokens=output_tokens_per_request, constants=constants, gpus=gpus,
        precision=precision, batch_max=True,
    )  # fmt: skip
    job = batch_job(est, tokens / output_tokens_per_request)
    self_usd = job.gpu_hours.times(price)
    input_tokens = tokens * ratio
    api_usd: float | None = None
    if api_price is None:
        cheaper, clear = "self-hosted (no API price to compare)", True
    else:
        usd_in, usd_out = api_price
        check_positive(usd_in, "API price per million input tokens", allow_zero=True, upper=1e4)
        check_positive(usd_out, "API price per million output tokens", allow_zero=True, upper=1e4)
        api_usd = (input_tokens * usd_in + tokens * usd_out) / 1e6
        cheaper = "self-hosted" if self_usd.central <= api_usd else "api"
        clear = self_usd.high <= api_usd or self_usd.low > api_usd
    return SyntheticDataCost(
        output_tokens=float(tokens),
        input_tokens=input_tokens,
        replica_gpus=est.gpus,
        replica_batch=est.batch,
        self_hosted_hours=job.replica_hours,
        self_hosted_gpu_hours=job.gpu_hours,
        self_hosted_usd=self_usd,
        api_usd=api_usd,
        cheaper=cheaper,
        clear_cut=clear,
    )
