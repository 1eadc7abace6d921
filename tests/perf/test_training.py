"""A training run end to end: configuration, utilization, ideal / expected / program."""

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flopfolio.catalog.catalog import Catalog, load_catalog
from flopfolio.errors import InvalidSpecError, UnsupportedPrecisionError
from flopfolio.perf.goodput import EVAL_FRACTION, PROGRAM_FACTOR
from flopfolio.perf.step_time import StepConstants
from flopfolio.perf.training import estimate_training
from flopfolio.specs.precision import Precision
from flopfolio.specs.transformer import TransformerSpec
from flopfolio.workload.memory import Recompute
from tests.strategies import param_counts, token_counts


def constants(catalog: Catalog) -> StepConstants:
    return StepConstants(*catalog.utilization.values)


def run(catalog: Catalog, spec: TransformerSpec, tokens: float, gpu: str, **kwargs: object):  # type: ignore[no-untyped-def]
    return estimate_training(
        spec,
        tokens,
        catalog.accelerator(gpu),
        constants(catalog),
        model_log_sd=0.2,
        **kwargs,  # type: ignore[arg-type]
    )


def test_user_mfu_gives_the_napkin_hours(catalog: Catalog) -> None:
    est = run(
        catalog, TransformerSpec.from_params(175e9), 300e9, "A100-SXM4-40GB", gpus=1024, mfu=0.5
    )
    # 6·175e9·300e9 = 3.15e23 FLOPs at 312e12 × 0.5 -> 560,897 GPU-hours.
    assert est.ideal_gpu_hours == pytest.approx(3.15e23 / (312e12 * 0.5) / 3600)
    assert est.ideal_wall_hours == pytest.approx(est.ideal_gpu_hours / 1024)
    production = catalog.utilization.values[4]  # the fitted production overhead
    assert 0 < production == est.goodput.production_overhead
    assert est.expected_gpu_hours == pytest.approx(
        est.ideal_gpu_hours * (1 + est.goodput.failure_overhead) * (1 + production)
    )
    assert est.program_gpu_hours == pytest.approx(
        est.expected_gpu_hours * PROGRAM_FACTOR * (1 + EVAL_FRACTION)
    )
    assert est.plan.fits and not est.spec.has_shape and est.shape_used.has_shape


def test_model_mfu_is_the_plans(catalog: Catalog) -> None:
    est = run(catalog, catalog.preset("llama-2-70b").spec, 2e12, "A100-80GB", gpus=2048)
    assert est.utilization.mfu == est.plan.mfu
    assert 0.2 < est.utilization.mfu < 0.6
    assert est.utilization.hfu >= est.utilization.mfu
    # Ideal hours follow from the model FLOPs and that MFU.
    assert est.ideal_gpu_hours == pytest.approx(
        est.flops.total / (312e12 * est.utilization.mfu) / 3600
    )


def test_precision_changes_the_peak(catalog: Catalog) -> None:
    spec = TransformerSpec.from_params(7e9)
    bf16 = run(catalog, spec, 1e12, "H100", gpus=64, mfu=0.4, precision=Precision.BF16)
    fp8 = run(catalog, spec, 1e12, "H100", gpus=64, mfu=0.4, precision=Precision.FP8)
    assert fp8.ideal_gpu_hours == pytest.approx(bf16.ideal_gpu_hours / 2, rel=0.01)
    with pytest.raises(UnsupportedPrecisionError):
        run(catalog, spec, 1e12, "A100", precision=Precision.FP8)


def test_default_cluster_grows_until_it_fits(catalog: Catalog) -> None:
    # Seed 002: 175B parameters cannot be trained on one card; the default cluster must hold it.
    est = run(catalog, catalog.preset("gpt-3-175b").spec, 300e9, "A100-SXM4-40GB")
    assert est.plan.fits and est.gpus >= 64 and est.gpus_chosen_automatically


def test_profile_scale_is_applied_and_said(catalog: Catalog) -> None:
    spec = catalog.preset("llama-3-8b").spec
    plain = run(catalog, spec, 1e12, "H100", gpus=64)
    scaled = run(catalog, spec, 1e12, "H100", gpus=64, mfu_scale=(1.2, "my run"))
    assert scaled.utilization.mfu == pytest.approx(min(1.0, plain.utilization.mfu * 1.2))
    assert "calibration profile" in scaled.utilization.source


@pytest.mark.parametrize(
    "bad", [{"gpus": 0}, {"gpus": -8}, {"mfu": 1.5}, {"mfu": 0.0}, {"program_factor": 0.5}]
)
def test_rejects_nonphysical(catalog: Catalog, bad: dict[str, float]) -> None:
    with pytest.raises(InvalidSpecError):
        run(catalog, catalog.preset("llama-2-7b").spec, 1e12, "H100", **bad)


@settings(max_examples=15)
@given(param_counts, token_counts, st.floats(0.05, 1.0))
def test_more_tokens_more_hours(params: float, tokens: float, mfu: float) -> None:
    catalog = load_catalog(None)
    spec = TransformerSpec.from_params(params)
    one = run(catalog, spec, tokens, "H100", gpus=256, mfu=mfu)
    two = run(catalog, spec, tokens * 2, "H100", gpus=256, mfu=mfu)
    assert two.ideal_gpu_hours == pytest.approx(2 * one.ideal_gpu_hours)
    assert two.expected_gpu_hours >= 2 * one.expected_gpu_hours * 0.999


def test_time_against_gpus_frontier(catalog: Catalog) -> None:
    est = run(catalog, catalog.preset("llama-2-70b").spec, 2e12, "A100-80GB", gpus=2048)
    points = est.cluster_frontier
    assert [p.gpus for p in points] == sorted(p.gpus for p in points)
    assert 2048 in [p.gpus for p in points]
    # More GPUs: shorter runs, never fewer GPU-hours (communication and bubbles grow).
    for small, big in itertools.pairwise(points):
        assert big.wall_hours < small.wall_hours and big.gpu_hours >= small.gpu_hours
    # The chosen cluster's point is the ideal run itself: the same FLOPs at the same MFU.
    (chosen,) = (p for p in points if p.gpus == 2048)
    assert chosen.gpu_hours == pytest.approx(est.ideal_gpu_hours)
    assert chosen.wall_hours == pytest.approx(est.ideal_wall_hours)


def test_a_pinned_recomputation_is_planned(catalog: Catalog) -> None:
    spec = catalog.preset("llama-2-70b").spec
    free = run(catalog, spec, 2e12, "A100-80GB", gpus=2048)
    full = run(catalog, spec, 2e12, "A100-80GB", gpus=2048, recompute=Recompute.FULL)
    assert full.plan.recompute is Recompute.FULL
    # Recomputing every layer re-runs the forward pass, a third of the model FLOPs, and the
    # search's free choice is the fastest, so pinning can only lengthen the run.
    assert full.utilization.hfu == pytest.approx(full.utilization.mfu * 4 / 3)
    assert full.ideal_gpu_hours >= free.ideal_gpu_hours
