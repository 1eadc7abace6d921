"""Inference roofline v1."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flopfolio.catalog.catalog import Catalog, load_catalog
from flopfolio.errors import InvalidSpecError
from flopfolio.perf.inference import estimate_inference
from flopfolio.workload.precision import Precision
from flopfolio.workload.transformer import TransformerSpec


def test_decode_is_bandwidth_bound_at_batch_one(catalog: Catalog) -> None:
    spec = catalog.preset("llama-2-70b").spec
    h200 = catalog.accelerator("H200")
    est = estimate_inference(
        spec, h200, input_tokens=128, output_tokens=128, precision=Precision.FP8
    )
    assert est.central.decode_bound == "memory"
    # Batch 1: every step streams the fp8 weights (~69 GB) at 4.8 TB/s × 0.8 -> ≈ 18 ms.
    weights = spec.params - 32000 * 8192  # fp8: 1 byte each; the input embedding is a lookup
    kv = (128 + 64) * 2 * 80 * 8 * 128
    assert est.central.tpot_s == pytest.approx((weights + kv) / (4.8e12 * 0.8), rel=1e-6)


def test_batch_raises_throughput_until_compute_binds(catalog: Catalog) -> None:
    spec = catalog.preset("llama-3.1-8b").spec
    h100 = catalog.accelerator("H100")
    tps = [
        estimate_inference(
            spec, h100, input_tokens=512, output_tokens=512, batch=b
        ).central.output_tokens_per_s
        for b in (1, 8, 64)
    ]
    assert tps[0] < tps[1] < tps[2]
    big = estimate_inference(spec, h100, input_tokens=64, output_tokens=64, batch=4096)
    assert big.central.decode_bound == "compute"


def test_kv_cache_caps_the_batch(catalog: Catalog) -> None:
    spec = catalog.preset("llama-2-70b").spec  # 327,680 B of KV per token in bf16
    h100 = catalog.accelerator("H100")
    est = estimate_inference(
        spec, h100, input_tokens=2048, output_tokens=2048, gpus=4, batch_max=True
    )
    free = 4 * 80 * 2**30 * 0.9 - spec.params * 2
    assert est.max_batch == int(free // (4096 * 327_680))
    assert est.batch == est.max_batch and est.fits


def test_too_big_for_the_card(catalog: Catalog) -> None:
    spec = catalog.preset("llama-2-70b").spec
    est = estimate_inference(
        spec, catalog.accelerator("RTX-4090"), input_tokens=10, output_tokens=10, gpus=1
    )
    assert not est.fits and est.max_batch == 0


def test_automatic_gpu_count_holds_the_weights(catalog: Catalog) -> None:
    spec = TransformerSpec.from_params(175e9)
    est = estimate_inference(
        spec, catalog.accelerator("A100-SXM4-40GB"), input_tokens=1024, output_tokens=1024
    )
    # 350 GB of fp16 weights need 16 × 40 GB cards (8 would hold 320 GB at most).
    assert est.gpus == 16 and est.fits


@pytest.mark.parametrize(
    "bad",
    [{"input_tokens": -1}, {"input_tokens": 0, "output_tokens": 0}, {"gpus": 0}, {"batch": 0}],
)
def test_rejects_nonphysical(catalog: Catalog, bad: dict[str, int]) -> None:
    args = {"input_tokens": 10, "output_tokens": 10, **bad}
    with pytest.raises(InvalidSpecError):
        estimate_inference(catalog.preset("llama-3.1-8b").spec, catalog.accelerator("H100"), **args)  # type: ignore[arg-type]


@given(st.integers(1, 512), st.integers(1, 4096), st.integers(1, 4096))
def test_latency_properties(batch: int, s_in: int, s_out: int) -> None:
    catalog = load_catalog(None)
    spec = catalog.preset("llama-3.1-8b").spec
    h100 = catalog.accelerator("H100")
    est = estimate_inference(spec, h100, input_tokens=s_in, output_tokens=s_out, batch=batch)
    assert est.fast.tpot_s <= est.central.tpot_s <= est.slow.tpot_s
    assert est.fast.ttft_s <= est.central.ttft_s <= est.slow.ttft_s
    # Throughput can never exceed the compute roofline.
    assert (
        est.central.output_tokens_per_s <= h100.peak(est.precision) / est.flops_per_token_2n * 1.2
    )


def test_moe_reads_only_routed_experts_at_small_batch(catalog: Catalog) -> None:
    spec = catalog.preset("mixtral-8x7b").spec
    lookup = 32000 * 4096  # the input embedding is looked up, not streamed
    # Batch 1: 2 of 8 experts per layer -> the 12.9B active parameters are read.
    assert spec.weights_touched(1) == pytest.approx(spec.active_params - lookup, rel=0.01)
    # Large batches touch every expert.
    assert spec.weights_touched(4096) == pytest.approx(spec.params - lookup, rel=1e-6)
    h100 = catalog.accelerator("H100")
    one = estimate_inference(spec, h100, input_tokens=16, output_tokens=256, gpus=2)
    assert one.central.decode_bound == "memory"
    assert one.central.tpot_s == pytest.approx(
        ((spec.active_params - lookup) * 2 + 144 * 2 * 32 * 8 * 128 * 2) / (2 * 3.35e12 * 0.8),
        rel=0.02,
    )
