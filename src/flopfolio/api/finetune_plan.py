"""Front door for fine-tuning and post-training: names and strings in, a JSON-ready answer out.

``plan_finetune`` (full, LoRA, QLoRA, distillation) answers "does it fit on one 24 GB card, one
80 GB card, one node — and if not, what would", then hours and dollars on the fewest GPUs that hold
it. ``plan_rl`` reads an RL run file (``examples/rl-grpo.yaml``) and splits time and dollars into
rollout, scoring and update. The models are in :mod:`flopfolio.workload.finetune` and
:mod:`flopfolio.perf.posttrain`; this module only resolves names and shapes the answer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from flopfolio.api.estimates import price_for
from flopfolio.api.model_input import choose_model
from flopfolio.api.yaml_input import load_model
from flopfolio.catalog.catalog import Catalog, load_catalog
from flopfolio.errors import InfeasiblePlanError, InvalidSpecError, did_you_mean
from flopfolio.perf.inference import constants_for
from flopfolio.perf.posttrain import (
    DEFAULT_SEQ_LEN,
    FinetuneEstimate,
    RLEstimate,
    RLRun,
    estimate_finetune,
    estimate_rl,
    mfu_band,
    synthetic_data_cost,
)
from flopfolio.specs.band import Band
from flopfolio.units import parse_count
from flopfolio.workload.finetune import (
    FinetuneMethod,
    LoraConfig,
    LoraTarget,
    TeacherLogits,
    distillation_cost,
    finetune_memory_gib,
    fits_on,
)

METHODS = ("full", "lora", "qlora", "distill")
CARD_SIZES_GIB = (24.0, 80.0)
# Where "what would fit" looks besides the chosen card: the common 80 GB and 141 GB parts.
ALTERNATIVE_GPUS = ("H100-SXM5-80GB", "H200-SXM-141GB")


def _band(b: Band | None) -> dict[str, float] | None:
    return None if b is None else {"low": b.low, "central": b.central, "high": b.high}


def _method(method: str) -> FinetuneMethod:
    name = method.strip().lower()
    if name not in METHODS:
        raise InvalidSpecError(
            f"--method {method!r} is not one of {', '.join(METHODS)}. To fix: pick one of them."
        )
    return FinetuneMethod.FULL if name == "distill" else FinetuneMethod(name)


def _fit_questions(est: FinetuneEstimate, cat: Catalog) -> dict[str, Any]:
    """One card of 24 GB, one of 80 GB, one node of the chosen accelerator; and what would hold it."""
    spec, method, lora = est.spec, est.method, est.lora
    seq, mb, prec = est.memory.seq_len, est.memory.micro_batch, est.precision
    one_card = finetune_memory_gib(spec, method, lora=lora, seq_len=seq, micro_batch=mb,
                                   gpus=1, precision=prec)  # fmt: skip
    node = finetune_memory_gib(spec, method, lora=lora, seq_len=seq, micro_batch=mb,
                               gpus=est.accelerator.node_size, precision=prec)  # fmt: skip
    answer = fits_on(spec, method, est.accelerator, lora=lora, seq_len=seq, micro_batch=mb,
                     precision=prec)  # fmt: skip
    options = []
    if not one_card.fits(est.accelerator.memory_gib):
        for other in (m for m in FinetuneMethod if m is not method):
            memory = finetune_memory_gib(spec, other, lora=lora or LoraConfig(), seq_len=seq,
                                         micro_batch=mb, gpus=1, precision=prec)  # fmt: skip
            if memory.fits(est.accelerator.memory_gib):
                options.append(f"{other.value} on 1 × {est.accelerator.id} "
                               f"({memory.total_gib:.1f} GiB)")  # fmt: skip
        for other_gpu in ALTERNATIVE_GPUS:
            alt = cat.accelerator(other_gpu)
            if alt.id == est.accelerator.id:
                continue
            where = fits_on(spec, method, alt, lora=lora, seq_len=seq, micro_batch=mb,
                            precision=prec)  # fmt: skip
            if where.fewest_gpus is not None:
                options.append(f"{method.value} on {where.fewest_gpus} × {alt.id}")
    return {
        "one_gpu_gib": one_card.total_gib,
        "one_24gb_card": one_card.fits(CARD_SIZES_GIB[0]),
        "one_80gb_card": one_card.fits(CARD_SIZES_GIB[1]),
        "one_card": one_card.fits(est.accelerator.memory_gib),
        "one_node": node.fits(est.accelerator.memory_gib),
        "node_size": est.accelerator.node_size,
        "fewest_gpus": answer.fewest_gpus,
        "answer": answer.describe(),
        "would_fit": options,
    }


def plan_finetune(
    *,
    model: str | None,
    gpu: str,
    method: str,
    tokens: str | float,
    params: str | float | None = None,
    gpus: int | None = None,
    rank: int = 16,
    target: str = LoraTarget.ATTENTION_MLP.value,
    seq_len: int = DEFAULT_SEQ_LEN,
    micro_batch: int = 1,
    mfu: float | None = None,
    price: str | None = None,
    provider: str | None = None,
    teacher: str | None = None,
    epochs: int = 1,
    logits: str = TeacherLogits.STORED.value,
    catalog: Catalog | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """The JSON answer and the derivation lines of a fine-tune (see the module docstring)."""
    cat = catalog or load_catalog()
    acc = cat.accelerator(gpu)
    choice = choose_model(cat, model, params=params)
    ft_method = _method(method)
    n_tokens = parse_count(tokens, "--tokens")
    try:
        lora = LoraConfig(rank=rank, target=LoraTarget(target))
    except ValueError:
        raise InvalidSpecError(
            f"--target {target!r} is not a LoRA target. To fix: use one of "
            f"{', '.join(t.value for t in LoraTarget)}."
        ) from None
    price_choice = price_for(cat, acc.id, price, provider)
    usd = price_choice.usd_per_gpu_hour if price_choice else None
    try:
        est = estimate_finetune(
            choice.spec, acc, method=ft_method, tokens=n_tokens * epochs, gpus=gpus, lora=lora,
            mfu=mfu, seq_len=seq_len, micro_batch=micro_batch, usd_per_gpu_hour=usd,
        )  # fmt: skip
        fits_somewhere = True
    except InfeasiblePlanError:  # fits on no count of this GPU: still answer the fit questions
        est = estimate_finetune(
            choice.spec, acc, method=ft_method, tokens=n_tokens * epochs, gpus=1, lora=lora,
            mfu=mfu, seq_len=seq_len, micro_batch=micro_batch, usd_per_gpu_hour=usd,
        )  # fmt: skip
        fits_somewhere = False
    fit = _fit_questions(est, cat)
    mem = est.memory
    result: dict[str, Any] = {
        "model": choice.spec.name,
        "params": choice.spec.params,
        "accelerator": acc.id,
        "method": "distill" if method.strip().lower() == "distill" else est.method.value,
        "tokens": n_tokens,
        "epochs": epochs,
        "gpus": est.gpus,
        "fits": est.fits and fits_somewhere,  # on ``gpus`` of the accelerator
        "fits_one_gpu": fit["one_card"],
        "fit": fit,
        "memory_gib": {
            "total": mem.total_gib,
            "frozen_weights": mem.frozen_weights_gib,
            "trainable_weights": mem.trainable_weights_gib,
            "gradients": mem.gradients_gib,
            "optimizer": mem.optimizer_gib,
            "activations": mem.activations_gib,
            "logits": mem.logits_gib,
            "other": mem.sharding_buffer_gib + mem.framework_gib,
        },
        "trainable_params": mem.trainable_params,
        "model_flops": est.flops.model_flops,
        "flops_convention": est.flops.convention,
        "mfu": est.mfu,
        "wall_hours": _band(est.wall_hours) if est.fits else None,
        "gpu_hours": _band(est.gpu_hours) if est.fits else None,
        "cost_usd": _band(est.cost_usd) if est.fits else None,
        "price_basis": price_choice.basis if price_choice else "no price: give --price",
        "assumptions": list(est.assumptions),
    }
    lines = [*est.assumptions, fit["answer"]]
    if method.strip().lower() == "distill":
        _add_distillation(result, lines, cat, est, teacher, n_tokens, epochs, logits, usd)
    return result, lines


def _add_distillation(result: dict[str, Any], lines: list[str], cat: Catalog,
                      est: FinetuneEstimate, teacher: str | None, tokens: float, epochs: int,
                      logits: str, usd: Band | None) -> None:  # fmt: skip
    """Teacher forward passes priced at the student's GPUs and MFU (a stated simplification)."""
    if not teacher:
        raise InvalidSpecError(
            "--method distill needs --teacher. To fix: e.g. --teacher llama-3.1-70b."
        )
    teacher_spec = choose_model(cat, teacher).spec
    try:
        mode = TeacherLogits(logits)
    except ValueError:
        raise InvalidSpecError(
            f"--logits {logits!r} is not stored or on-the-fly. To fix: use one of them."
        ) from None
    cost = distillation_cost(est.spec, teacher_spec, tokens, epochs=epochs, logits=mode,
                             seq_len=est.memory.seq_len)  # fmt: skip
    rate = est.gpus * est.accelerator.peak(est.precision) * est.mfu
    teacher_hours = mfu_band(cost.teacher_flops / rate / 3600.0)
    result["teacher"] = {
        "model": teacher_spec.name,
        "logits": mode.value,
        "flops": cost.teacher_flops,
        "logit_storage_gb": cost.storage_bytes / 1e9,
        "wall_hours": _band(teacher_hours),
        "cost_usd": _band(teacher_hours.scale(est.gpus).times(usd)) if usd else None,
    }
    lines.extend(cost.assumptions)
    lines.append(f"teacher forwards {cost.teacher_flops:.3g} FLOPs at the student's "
                 f"{est.gpus} GPUs × MFU {est.mfu:g}: {teacher_hours.central:,.1f} h")  # fmt: skip


# --- RL run files -------------------------------------------------------------------------------
class _RLFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    policy: str
    gpu: str
    gpus: int = Field(ge=1)
    prompts: float = Field(gt=0)
    samples_per_prompt: int = Field(ge=1)
    prompt_tokens: int = Field(ge=1)
    response_tokens: int = Field(ge=1)
    reward_model: str | None = None
    critic: str | None = None
    epochs: int = Field(default=1, ge=1)
    ppo_epochs: int = Field(default=1, ge=1)
    reference_kl: bool = True
    method: str = "full"
    colocated: bool = True
    rollout_gpus: int | None = Field(default=None, ge=1)
    price: str | None = None
    provider: str | None = None


def load_rl_file(path: Path) -> _RLFile:
    return load_model(_RLFile, path, "examples/rl-grpo.yaml")


def plan_rl(
    path: Path, *, samples_per_prompt: int | None = None, catalog: Catalog | None = None
) -> tuple[dict[str, Any], list[str], RLEstimate]:
    """An RL run file → JSON answer, derivation lines and the estimate itself."""
    cat = catalog or load_catalog()
    spec = load_rl_file(path)
    acc = cat.accelerator(spec.gpu)
    price_choice = price_for(cat, acc.id, spec.price, spec.provider)
    if price_choice is None:
        raise InvalidSpecError(
            f"{path}: no price for {acc.id}. To fix: add `price: 2.5` to the file."
        )
    run = RLRun(
        policy=choose_model(cat, spec.policy).spec,
        prompts=spec.prompts,
        samples_per_prompt=samples_per_prompt or spec.samples_per_prompt,
        prompt_tokens=spec.prompt_tokens,
        response_tokens=spec.response_tokens,
        reward_model=choose_model(cat, spec.reward_model).spec if spec.reward_model else None,
        critic=choose_model(cat, spec.critic).spec if spec.critic else None,
        epochs=spec.epochs,
        ppo_epochs=spec.ppo_epochs,
        reference_kl=spec.reference_kl,
        method=_method(spec.method),
    )
    est = estimate_rl(
        run, acc, constants_for(acc, cat.serving.values), gpus=spec.gpus,
        usd_per_gpu_hour=price_choice.usd_per_gpu_hour, colocated=spec.colocated,
        rollout_gpus=spec.rollout_gpus,
    )  # fmt: skip
    busy = sum(p.gpu_hours.central for p in est.phases) or 1.0
    phases = {
        p.name: {
            "tokens": p.tokens,
            "flops": p.flops,
            "pool_gpus": p.pool_gpus,
            "wall_hours": _band(p.wall_hours),
            "gpu_hours": _band(p.gpu_hours),
            "cost_usd": _band(p.cost_usd),
            "share": p.gpu_hours.central / busy,
        }
        for p in est.phases
    }
    result = {
        "policy": run.policy.name,
        "accelerator": acc.id,
        "rollouts": run.rollouts,
        "samples_per_prompt": run.samples_per_prompt,
        "colocated": est.colocated,
        "phases": phases,
        "rollout_share": est.rollout_share,
        "update_fits": est.update_fits,
        "wall_hours": _band(est.wall_hours),
        "cost_usd": _band(est.cost_usd),
        "price_basis": price_choice.basis,
        "assumptions": list(est.assumptions),
    }
    return result, list(est.assumptions), est


def plan_synthetic(
    *,
    tokens: str | float,
    model: str,
    gpu: str,
    api: str | None = None,
    prompt_ratio: float = 1.0,
    price: str | None = None,
    provider: str | None = None,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    """Generate ``tokens`` output tokens with ``model`` on ``gpu`` against a hosted API's price."""
    cat = catalog or load_catalog()
    acc = cat.accelerator(gpu)
    n_tokens = parse_count(tokens, "--tokens")
    price_choice = price_for(cat, acc.id, price, provider)
    if price_choice is None:
        raise InvalidSpecError(f"No price for {acc.id}. To fix: give --price.")
    api_row = None
    if api is not None:
        prices = cat.api_prices
        api_row = prices.get(api)
        if api_row is None:
            raise InvalidSpecError(
                f"No hosted-API price for --api {api!r}.{did_you_mean(api, prices)} To fix: use a "
                "model name from the catalog's api_prices.csv."
            )
    cost = synthetic_data_cost(
        n_tokens, choose_model(cat, model).spec, acc, constants_for(acc, cat.serving.values),
        price_choice.usd_per_gpu_hour,
        None if api_row is None else (api_row.usd_per_million_input_tokens,
                                      api_row.usd_per_million_output_tokens),
        prompt_ratio,
    )  # fmt: skip
    return {
        "model": model,
        "accelerator": acc.id,
        "output_tokens": cost.output_tokens,
        "input_tokens": cost.input_tokens,
        "replica_gpus": cost.replica_gpus,
        "replica_batch": cost.replica_batch,
        "self_hosted_hours": _band(cost.self_hosted_hours),
        "self_hosted_gpu_hours": _band(cost.self_hosted_gpu_hours),
        "self_hosted_usd": _band(cost.self_hosted_usd),
        "api": None if api_row is None else f"{api_row.provider} {api_row.model}",
        "api_usd": cost.api_usd,
        "cheaper": cost.cheaper,
        "clear_cut": cost.clear_cut,
        "price_basis": price_choice.basis,
        "assumptions": [
            f"self-hosted: one replica of {cost.replica_gpus} × {acc.id} at its throughput-maximizing "
            f"batch ({cost.replica_batch}), 512 output tokens and {prompt_ratio:g}× as many prompt "
            "tokens per request; GPU-hours × price, ±band from the serving model and the price range",
            "API: input tokens × $/M input + output tokens × $/M output, the catalog's list price"
            if api_row is not None
            else "API: none given (--api)",
        ],
    }
