"""The serving model: per-step roofline with continuous batching, quantization, parallelism."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flopfolio.catalog.catalog import Catalog, load_catalog
from flopfolio.errors import InvalidSpecError, UnsupportedPrecisionError
from flopfolio.perf.inference import (
    PLAIN_ROOFLINE,
    InferenceConstants,
    ServingPrecision,
    estimate_inference,
)
from flopfolio.specs.precision import Precision
from flopfolio.specs.transformer import TransformerSpec

K = InferenceConstants(0.5, 0.8, 0.0)


def test_decode_at_batch_one_streams_the_weights(catalog: Catalog) -> None:
    spec = catalog.preset("llama-2-70b").spec
    est = estimate_inference(
        spec, catalog.accelerator("H200"), input_tokens=128, output_tokens=128,
        precision=Precision.FP8, constants=K,
    )  # fmt: skip
    assert est.central.decode_bound == "memory"
    # Batch 1 with continuous batching: each step reads the fp8 weights (the embedding table is a
    # lookup) and the KV cache at the mean context, 128 + 64 tokens × 2·80·8·128 values × 1 B.
    weights = (spec.params - 32000 * 8192) * 1.0
    kv = (128 + 64) * 2 * 80 * 8 * 128
    assert est.central.tpot_s == pytest.approx((weights + kv) / (4.8e12 * 0.8), rel=0.01)
    assert est.central.output_tokens_per_s == pytest.approx(1 / est.central.tpot_s)


def test_step_overhead_adds_to_every_step(catalog: Catalog) -> None:
    spec = catalog.preset("llama-3.1-8b").spec
    args = {"input_tokens": 128, "output_tokens": 128, "batch": 4}
    plain = estimate_inference(spec, catalog.accelerator("H100"), constants=K, **args)  # type: ignore[arg-type]
    slow = estimate_inference(
        spec, catalog.accelerator("H100"), constants=InferenceConstants(0.5, 0.8, 0.003), **args
    )  # type: ignore[arg-type]
    assert slow.central.tpot_s == pytest.approx(plain.central.tpot_s + 0.003)
    assert slow.central.ttft_s == pytest.approx(plain.central.ttft_s + 0.003)


def test_batch_raises_throughput_until_compute_binds(catalog: Catalog) -> None:
    spec = catalog.preset("llama-3.1-8b").spec
    h100 = catalog.accelerator("H100")
    tps = [
        estimate_inference(
            spec, h100, input_tokens=512, output_tokens=512, batch=b, constants=K
        ).central.output_tokens_per_s
        for b in (1, 8, 64)
    ]
    assert tps[0] < tps[1] < tps[2]
    big = estimate_inference(spec, h100, input_tokens=64, output_tokens=64, batch=4096, constants=K)
    assert big.central.decode_bound == "compute"


def test_kv_cache_caps_the_batch(catalog: Catalog) -> None:
    spec = catalog.preset("llama-2-70b").spec  # 327,680 B of KV per token in bf16
    est = estimate_inference(
        spec, catalog.accelerator("H100"), input_tokens=2048, output_tokens=2048, gpus=4,
        batch_max=True, constants=K,
    )  # fmt: skip
    free = 4 * 80 * 2**30 * 0.9 - spec.params * 2
    assert est.max_batch == int(free // (4096 * 327_680))
    assert est.batch == est.max_batch and est.fits
    assert est.layout.tensor == 4 and est.layout.pipeline == 1


def test_quantization(catalog: Catalog) -> None:
    spec = catalog.preset("llama-2-70b").spec
    h100, a100 = catalog.accelerator("H100"), catalog.accelerator("A100-80GB")
    # int4 weights compute in bf16 (W4A16); the KV cache stays 16-bit.
    w4 = ServingPrecision.resolve(a100, Precision.INT4)
    assert (w4.weights, w4.compute, w4.kv) == (Precision.INT4, Precision.BF16, Precision.BF16)
    # fp8 on Hopper computes in fp8 with an fp8 KV cache.
    fp8 = ServingPrecision.resolve(h100, Precision.FP8)
    assert (fp8.compute, fp8.kv) == (Precision.FP8, Precision.FP8)
    # Half the bytes: int4 weights double the largest batch's headroom and halve batch-1 decode.
    bf16 = estimate_inference(spec, h100, input_tokens=16, output_tokens=256, gpus=2, constants=K)
    int4 = estimate_inference(
        spec,
        h100,
        input_tokens=16,
        output_tokens=256,
        gpus=2,
        precision=Precision.INT4,
        constants=K,
    )
    assert int4.weights_gib == pytest.approx(bf16.weights_gib / 4)
    assert int4.central.tpot_s < bf16.central.tpot_s / 3
    with pytest.raises(UnsupportedPrecisionError):
        ServingPrecision.resolve(a100, Precision.FP8, Precision.FP8)


def test_latency_limits_pick_the_largest_batch_that_meets_them(catalog: Catalog) -> None:
    spec = catalog.preset("llama-3.1-8b").spec
    h100 = catalog.accelerator("H100")
    est = estimate_inference(
        spec, h100, input_tokens=1000, output_tokens=1000, tpot_ms=20, constants=K
    )
    assert est.central.tpot_s <= 0.020
    above = estimate_inference(
        spec, h100, input_tokens=1000, output_tokens=1000, batch=est.batch + 1, constants=K
    )
    assert above.central.tpot_s > 0.020 or est.batch == est.max_batch
    with pytest.raises(InvalidSpecError) as err:
        estimate_inference(
            spec, h100, input_tokens=1000, output_tokens=1000, tpot_ms=0.01, constants=K
        )
    assert "latency limits" in str(err.value)


def test_too_big_for_the_card(catalog: Catalog) -> None:
    spec = catalog.preset("llama-2-70b").spec
    est = estimate_inference(
        spec,
        catalog.accelerator("RTX-4090"),
        input_tokens=10,
        output_tokens=10,
        gpus=1,
        constants=K,
    )
    assert not est.fits and est.max_batch == 0


def test_automatic_gpu_count_holds_the_weights(catalog: Catalog) -> None:
    spec = TransformerSpec.from_params(175e9)
    est = estimate_inference(
        spec,
        catalog.accelerator("A100-SXM4-40GB"),
        input_tokens=1024,
        output_tokens=1024,
        constants=K,
    )
    # 350 GB of fp16 weights need 16 × 40 GB cards (8 would hold 320 GB at most): 8-way TP × 2 stages.
    assert est.gpus == 16 and est.fits and (est.layout.tensor, est.layout.pipeline) == (8, 2)


def test_moe_reads_only_routed_experts_at_small_batch(catalog: Catalog) -> None:
    spec = catalog.preset("mixtral-8x7b").spec
    lookup = 32000 * 4096  # the input embedding is looked up, not streamed
    assert spec.weights_touched(1) == pytest.approx(spec.active_params - lookup, rel=0.01)
    assert spec.weights_touched(4096) == pytest.approx(spec.params - lookup, rel=1e-6)


@pytest.mark.parametrize(
    "bad",
    [{"input_tokens": -1}, {"input_tokens": 0, "output_tokens": 0}, {"gpus": 0}, {"batch": 0}],
)
def test_rejects_nonphysical(catalog: Catalog, bad: dict[str, int]) -> None:
    args = {"input_tokens": 10, "output_tokens": 10, **bad}
    with pytest.raises(InvalidSpecError):
        estimate_inference(
            catalog.preset("llama-3.1-8b").spec, catalog.accelerator("H100"), constants=K, **args
        )  # type: ignore[arg-type]


@settings(max_examples=25)
@given(st.integers(1, 512), st.integers(1, 4096), st.integers(1, 4096))
def test_latency_properties(batch: int, s_in: int, s_out: int) -> None:
    catalog = load_catalog(None)
    spec = catalog.preset("llama-3.1-8b").spec
    h100 = catalog.accelerator("H100")
    k = InferenceConstants(*catalog.serving.values)
    est = estimate_inference(
        spec, h100, input_tokens=s_in, output_tokens=s_out, batch=batch, constants=k
    )
    assert est.fast.tpot_s <= est.central.tpot_s <= est.slow.tpot_s
    assert est.fast.ttft_s <= est.central.ttft_s <= est.slow.ttft_s
    # The plain roofline is an upper bound on throughput.
    roof = estimate_inference(
        spec, h100, input_tokens=s_in, output_tokens=s_out, batch=batch, constants=PLAIN_ROOFLINE
    )
    assert est.central.output_tokens_per_s <= roof.central.output_tokens_per_s
