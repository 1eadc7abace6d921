"""Post-training: fine-tune time and cost, RL phases, synthetic data against the hosted API."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flopfolio.catalog.catalog import Catalog, load_catalog
from flopfolio.errors import InfeasiblePlanError, InvalidSpecError
from flopfolio.perf.batch_job import batch_job
from flopfolio.perf.inference import InferenceConstants, estimate_inference
from flopfolio.perf.posttrain import (
    DEFAULT_MFU,
    RLRun,
    estimate_finetune,
    estimate_rl,
    synthetic_data_cost,
)
from flopfolio.specs.band import Band
from flopfolio.workload.finetune import FinetuneMethod, LoraConfig, finetune_flops
from flopfolio.workload.flops import inference_flops_per_token

K = InferenceConstants(0.5, 0.8, 0.002)
H100_BF16 = 989e12  # dense bf16 peak, catalog row H100-SXM5-80GB


# --- fine-tuning -------------------------------------------------------------------------------
def test_finetune_hours_by_hand(catalog: Catalog) -> None:
    spec = catalog.preset("llama-3.1-8b").spec
    est = estimate_finetune(
        spec, catalog.accelerator("H100"), method=FinetuneMethod.LORA, tokens=5e8, gpus=2,
        mfu=0.3, usd_per_gpu_hour=2.0,
    )  # fmt: skip
    flops = finetune_flops(spec, FinetuneMethod.LORA, 5e8, LoraConfig(), seq_len=2048)
    hours = flops.model_flops / (2 * H100_BF16 * 0.3) / 3600
    assert est.flops.model_flops == pytest.approx(flops.model_flops)
    assert est.wall_hours.central == pytest.approx(hours)
    # ±25% band on the hours.
    assert est.wall_hours.low == pytest.approx(0.75 * hours)
    assert est.wall_hours.high == pytest.approx(1.25 * hours)
    assert est.gpu_hours.central == pytest.approx(2 * hours)
    assert est.cost_usd is not None
    assert est.cost_usd.central == pytest.approx(2 * hours * 2.0)
    assert est.fits and not est.gpus_chosen_automatically


def test_default_mfu_by_method(catalog: Catalog) -> None:
    spec = catalog.preset("llama-2-7b").spec
    h100 = catalog.accelerator("H100")
    assert DEFAULT_MFU[FinetuneMethod.LORA] == 0.35
    for method in FinetuneMethod:
        est = estimate_finetune(spec, h100, method=method, tokens=1e8)
        assert est.mfu == DEFAULT_MFU[method]
        assert "assumption" in est.mfu_source
    # At one MFU, LoRA saves the frozen weights' gradients: fewer hours than a full fine-tune.
    full = estimate_finetune(spec, h100, method=FinetuneMethod.FULL, tokens=1e8, gpus=2, mfu=0.4)
    lora = estimate_finetune(spec, h100, method=FinetuneMethod.LORA, tokens=1e8, gpus=2, mfu=0.4)
    ratio = full.wall_hours.central / lora.wall_hours.central
    assert ratio == pytest.approx(full.flops.model_flops / lora.flops.model_flops)
    assert 1.3 < ratio < 1.5  # (6N + 3A) / (4N + 3A + 6N_lora) for a 7B at 2k context


def test_finetune_picks_the_fewest_gpus(catalog: Catalog) -> None:
    spec = catalog.preset("llama-3.1-8b").spec
    full = estimate_finetune(
        spec, catalog.accelerator("H100"), method=FinetuneMethod.FULL, tokens=1e8
    )
    assert full.gpus == 2 and full.gpus_chosen_automatically and full.fits
    qlora = estimate_finetune(
        spec, catalog.accelerator("RTX-4090"), method=FinetuneMethod.QLORA, tokens=1e8
    )
    assert qlora.gpus == 1 and qlora.fits
    # Asking for too few GPUs is reported, not hidden.
    one = estimate_finetune(
        spec, catalog.accelerator("H100"), method=FinetuneMethod.FULL, tokens=1e8, gpus=1
    )
    assert not one.fits


def test_finetune_errors(catalog: Catalog) -> None:
    spec = catalog.preset("llama-3.1-8b").spec
    with pytest.raises(InfeasiblePlanError, match="To fix"):
        estimate_finetune(
            spec, catalog.accelerator("RTX-4090"), method=FinetuneMethod.QLORA, tokens=1e8,
            seq_len=1_000_000,
        )  # fmt: skip
    with pytest.raises(InvalidSpecError, match="To fix"):
        estimate_finetune(
            spec, catalog.accelerator("H100"), method=FinetuneMethod.LORA, tokens=1e8, mfu=1.5
        )


# --- RL ----------------------------------------------------------------------------------------
def rl_run(catalog: Catalog, samples: int = 8, **kwargs: object) -> RLRun:
    policy = catalog.preset("llama-3.1-8b").spec
    return RLRun(
        policy=policy, prompts=2000, samples_per_prompt=samples, prompt_tokens=256,
        response_tokens=1024, reward_model=policy, **kwargs,  # type: ignore[arg-type]
    )  # fmt: skip


def test_rl_phases_by_hand(catalog: Catalog) -> None:
    run = rl_run(catalog, epochs=2, ppo_epochs=2)
    h100 = catalog.accelerator("H100")
    est = estimate_rl(run, h100, K, gpus=8, usd_per_gpu_hour=3.0, mfu=0.4)
    assert run.rollouts == 2000 * 2 * 8
    assert run.generated_tokens == run.rollouts * 1024
    assert run.update_tokens == run.rollouts * (256 + 1024) * 2
    # Rollout: every generation through the serving model at its largest batch, over replicas.
    serve = estimate_inference(
        run.policy, h100, input_tokens=256, output_tokens=1024, constants=K, batch_max=True
    )
    replicas = 8 // serve.gpus
    rollout_hours = run.generated_tokens / serve.central.output_tokens_per_s / 3600 / replicas
    assert est.rollout_replicas == replicas and est.rollout_batch == serve.batch
    assert est.rollout.wall_hours.central == pytest.approx(rollout_hours)
    assert est.rollout.wall_hours == batch_job(serve, run.rollouts).replica_hours.scale(
        1 / replicas
    )
    # Scoring: reward model + reference policy forward (2N each) over prompt + response.
    per_token = 2 * inference_flops_per_token(run.policy, 640).per_token
    assert est.scoring.flops == pytest.approx(run.sequence_tokens * per_token)
    assert est.scoring.wall_hours.central == pytest.approx(
        est.scoring.flops / (8 * H100_BF16 * 0.4) / 3600
    )
    # Update: a full fine-tune (6N + attention) on every sample, ppo_epochs times.
    update = finetune_flops(run.policy, FinetuneMethod.FULL, run.update_tokens, seq_len=1280)
    assert est.update.flops == pytest.approx(update.model_flops)
    assert est.update.wall_hours.central == pytest.approx(
        update.model_flops / (8 * H100_BF16 * 0.4) / 3600
    )
    # The split is reported and adds up.
    assert [p.name for p in est.phases] == ["rollout", "scoring", "update"]
    assert 0 < est.rollout_share < 1
    assert est.rollout.cost_usd.central == pytest.approx(rollout_hours * 8 * 3.0)


def test_colocated_is_a_sum_separate_pools_a_max(catalog: Catalog) -> None:
    run = rl_run(catalog)
    h100 = catalog.accelerator("H100")
    same = estimate_rl(run, h100, K, gpus=8, usd_per_gpu_hour=3.0)
    split = estimate_rl(run, h100, K, gpus=8, usd_per_gpu_hour=3.0, colocated=False)
    for band in ("low", "central", "high"):
        phases = [getattr(p.wall_hours, band) for p in same.phases]
        assert getattr(same.wall_hours, band) == pytest.approx(sum(phases))
        rollout, scoring, update = (getattr(p.wall_hours, band) for p in split.phases)
        assert getattr(split.wall_hours, band) == pytest.approx(max(rollout, scoring + update))
    assert split.wall_hours.central < same.wall_hours.central
    # One pool of 8 for the sum; two pools of 8 for the max.
    assert same.reserved_gpu_hours.central == pytest.approx(8 * same.wall_hours.central)
    assert split.reserved_gpu_hours.central == pytest.approx(16 * split.wall_hours.central)
    assert same.cost_usd.central == pytest.approx(3.0 * same.reserved_gpu_hours.central)
    assert same.cost_usd.central == pytest.approx(sum(p.cost_usd.central for p in same.phases))


@given(st.integers(1, 64), st.integers(1, 64), st.booleans())
def test_more_samples_never_cost_less(a: int, b: int, colocated: bool) -> None:
    catalog = load_catalog(None)
    low, high = sorted((a, b))
    h100 = catalog.accelerator("H100")
    cheap, dear = (
        estimate_rl(rl_run(catalog, n), h100, K, gpus=8, usd_per_gpu_hour=2.0, colocated=colocated)
        for n in (low, high)
    )
    for band in ("low", "central", "high"):
        assert getattr(cheap.cost_usd, band) <= getattr(dear.cost_usd, band)
        assert getattr(cheap.wall_hours, band) <= getattr(dear.wall_hours, band)


def test_rl_toggles_and_lora(catalog: Catalog) -> None:
    h100 = catalog.accelerator("H100")
    base = estimate_rl(rl_run(catalog), h100, K, gpus=8, usd_per_gpu_hour=2.0)
    no_kl = estimate_rl(rl_run(catalog, reference_kl=False), h100, K, gpus=8, usd_per_gpu_hour=2.0)
    assert no_kl.scoring.flops == pytest.approx(base.scoring.flops / 2)
    lora = estimate_rl(
        rl_run(catalog, method=FinetuneMethod.LORA), h100, K, gpus=8, usd_per_gpu_hour=2.0
    )
    assert lora.update.flops < base.update.flops
    assert lora.update_memory.total_gib < base.update_memory.total_gib


def test_rl_pool_too_small(catalog: Catalog) -> None:
    run = RLRun(
        policy=catalog.preset("llama-2-70b").spec, prompts=10, samples_per_prompt=4,
        prompt_tokens=128, response_tokens=128,
    )  # fmt: skip
    with pytest.raises(InfeasiblePlanError, match="To fix"):
        estimate_rl(run, catalog.accelerator("RTX-4090"), K, gpus=1, usd_per_gpu_hour=1.0)
    with pytest.raises(InvalidSpecError):
        RLRun(policy=run.policy, prompts=10, samples_per_prompt=0, prompt_tokens=1,
              response_tokens=1)  # fmt: skip


# --- synthetic data ----------------------------------------------------------------------------
def test_synthetic_data_against_an_api(catalog: Catalog) -> None:
    spec = catalog.preset("llama-3.1-8b").spec
    h100 = catalog.accelerator("H100")
    pricey = synthetic_data_cost(1e9, spec, h100, K, 2.5, (1.0, 3.0), 2.0)
    # API by hand: 2e9 prompt tokens × $1/M + 1e9 output tokens × $3/M = $5,000.
    assert pricey.api_usd == pytest.approx(5000.0)
    assert pricey.input_tokens == 2e9
    serve = estimate_inference(
        spec, h100, input_tokens=1024, output_tokens=512, constants=K, batch_max=True
    )
    gpu_hours = 1e9 / serve.central.output_tokens_per_s / 3600 * serve.gpus
    assert pricey.self_hosted_gpu_hours.central == pytest.approx(gpu_hours)
    assert pricey.self_hosted_usd.central == pytest.approx(gpu_hours * 2.5)
    assert pricey.cheaper == "self-hosted" and pricey.clear_cut
    nearly_free = synthetic_data_cost(1e9, spec, h100, K, 2.5, (0.001, 0.001), 2.0)
    assert nearly_free.cheaper == "api"
    alone = synthetic_data_cost(1e9, spec, h100, K, Band(2.0, 2.5, 3.0), None)
    assert alone.api_usd is None and alone.cheaper.startswith("self-hosted")
    assert alone.self_hosted_usd.low < alone.self_hosted_usd.high
