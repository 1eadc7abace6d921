"""Training time v1 and the first memory split."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flopfolio.catalog.catalog import Catalog
from flopfolio.errors import InvalidSpecError, UnsupportedPrecisionError
from flopfolio.perf.layout import choose_layout, training_memory
from flopfolio.perf.training import DEFAULT_MFU, RESTART_ALLOWANCE, estimate_training
from flopfolio.workload.memory import Recompute, Sharding
from flopfolio.workload.precision import Precision
from flopfolio.workload.transformer import TransformerSpec
from tests.strategies import param_counts, token_counts


def test_hours_by_hand(catalog: Catalog) -> None:
    a100 = catalog.accelerator("A100-SXM4-40GB")
    est = estimate_training(TransformerSpec.from_params(175e9), 300e9, a100, gpus=1024, mfu=0.5)
    # 6·175e9·300e9 = 3.15e23 FLOPs at 312e12 × 0.5 -> 560,897 GPU-hours; 22.8 days on 1,024.
    assert est.gpu_hours.central == pytest.approx(3.15e23 / (312e12 * 0.5) / 3600)
    assert est.wall_days.central == pytest.approx(est.gpu_hours.central / 1024 / 24)
    assert est.gpu_hours.low == pytest.approx(est.gpu_hours.central / 1.1)
    assert est.gpu_hours.high == pytest.approx(
        est.gpu_hours.central / 0.9 * (1 + RESTART_ALLOWANCE)
    )


def test_default_mfu_and_band(catalog: Catalog) -> None:
    est = estimate_training(
        TransformerSpec.from_params(7e9), 1e12, catalog.accelerator("H100"), gpus=64
    )
    assert est.mfu.central == DEFAULT_MFU
    assert est.gpu_hours.low < est.gpu_hours.central < est.gpu_hours.high


def test_precision_changes_the_peak(catalog: Catalog) -> None:
    h100 = catalog.accelerator("H100")
    spec = TransformerSpec.from_params(7e9)
    bf16 = estimate_training(spec, 1e12, h100, gpus=64, precision=Precision.BF16)
    fp8 = estimate_training(spec, 1e12, h100, gpus=64, precision=Precision.FP8)
    assert fp8.gpu_hours.central == pytest.approx(bf16.gpu_hours.central / 2, rel=0.01)
    with pytest.raises(UnsupportedPrecisionError):
        estimate_training(spec, 1e12, catalog.accelerator("A100"), precision=Precision.FP8)


def test_llama2_70b_memory_split(catalog: Catalog) -> None:
    spec = catalog.preset("llama-2-70b").spec
    layout = choose_layout(spec, Precision.BF16, 2048, 80, 8)
    assert layout.fits and layout.tensor_parallel == 8
    mem = layout.memory
    # bf16 weights and gradients split 8 ways: 68.98e9 × 2 B / 8 each; fp32 Adam over 2048 GPUs.
    assert mem.weights_gib == pytest.approx(68.98e9 * 2 / 8 / 2**30, rel=1e-3)
    assert mem.optimizer_gib == pytest.approx(68.98e9 * 12 / 2048 / 2**30, rel=1e-3)


def test_gpt3_needs_many_gpus(catalog: Catalog) -> None:
    # Seed 002: 175B parameters cannot be trained on one card.
    a100 = catalog.accelerator("A100-SXM4-40GB")
    spec = catalog.preset("gpt-3-175b").spec
    assert not choose_layout(spec, Precision.FP16, 1, 40, 8).fits
    est = estimate_training(spec, 300e9, a100)
    assert est.layout.fits and est.gpus >= 64 and est.gpus_chosen_automatically


def test_zero3_shards_everything() -> None:
    spec = TransformerSpec.from_params(10e9)
    one = training_memory(spec, Precision.BF16, 1, 1, Sharding.ZERO3, Recompute.FULL, 1, 2048)
    many = training_memory(spec, Precision.BF16, 64, 1, Sharding.ZERO3, Recompute.FULL, 1, 2048)
    assert many.weights_gib == pytest.approx(one.weights_gib / 64)
    assert many.optimizer_gib == pytest.approx(one.optimizer_gib / 64)


@pytest.mark.parametrize("bad", [{"gpus": 0}, {"gpus": -8}, {"mfu": 1.5}, {"mfu": 0.0}])
def test_rejects_nonphysical(catalog: Catalog, bad: dict[str, float]) -> None:
    with pytest.raises(InvalidSpecError):
        estimate_training(
            TransformerSpec.from_params(7e9), 1e12, catalog.accelerator("H100"), **bad
        )  # type: ignore[arg-type]


@given(param_counts, token_counts, st.floats(0.05, 1.0))
def test_more_tokens_more_hours(params: float, tokens: float, mfu: float) -> None:
    from flopfolio.catalog.catalog import load_catalog

    h100 = load_catalog(None).accelerator("H100")
    spec = TransformerSpec.from_params(params)
    one = estimate_training(spec, tokens, h100, gpus=8, mfu=mfu)
    two = estimate_training(spec, tokens * 2, h100, gpus=8, mfu=mfu)
    assert two.gpu_hours.central == pytest.approx(2 * one.gpu_hours.central)
    assert one.gpu_hours.low <= one.gpu_hours.central <= one.gpu_hours.high
