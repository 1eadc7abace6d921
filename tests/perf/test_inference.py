"""The serving model: per-step roofline with continuous batching, quantization, parallelism."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flopfolio.catalog.catalog import Catalog, load_catalog
from flopfolio.errors import InvalidSpecError, UnsupportedPrecisionError
from flopfolio.perf.inference import (
    PLAIN_ROOFLINE,
    InferenceConstants,
    InferenceEstimate,
    ServingPrecision,
    constants_for,
    estimate_inference,
    expert_tile_occupancy,
    host_seconds_per_sequence,
)
from flopfolio.perf.serving_layout import ReplicaLayout, kv_replication
from flopfolio.specs.precision import Precision
from flopfolio.specs.transformer import TransformerSpec
from flopfolio.workload.memory import kv_cache_bytes_per_token

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


def test_layer_overhead_adds_to_every_step(catalog: Catalog) -> None:
    spec = catalog.preset("llama-3.1-8b").spec  # 32 layers
    args = {"input_tokens": 128, "output_tokens": 128, "batch": 4}
    plain = estimate_inference(spec, catalog.accelerator("H100"), constants=K, **args)  # type: ignore[arg-type]
    slow = estimate_inference(
        spec, catalog.accelerator("H100"), constants=InferenceConstants(0.5, 0.8, 1e-4), **args
    )  # type: ignore[arg-type]
    assert slow.central.tpot_s == pytest.approx(plain.central.tpot_s + 32 * 1e-4)
    assert slow.central.ttft_s == pytest.approx(plain.central.ttft_s + 32 * 1e-4)


def test_gemms_and_attention_are_rooflines_that_add(catalog: Catalog) -> None:
    """At batch 256 the GEMMs are compute-bound and attention is bound by the KV reads: the step
    is the sum of the two, not one max over the summed work."""
    spec = catalog.preset("llama-3.1-8b").spec
    h100 = catalog.accelerator("H100")  # 1,979 TFLOP/s fp8 dense, 3.35 TB/s
    est = estimate_inference(
        spec, h100, input_tokens=0, output_tokens=2048, batch=256, precision=Precision.FP8,
        constants=K,
    )  # fmt: skip
    gemm_s = 256 * 2 * spec.matmul_params_active / (1979e12 * 0.5)
    weights_s = (spec.params - 128256 * 4096) / (3.35e12 * 0.8)
    # KV: 256 sequences × 1,024 tokens of mean context × 2·32·8·128 fp8 values.
    kv_s = 256 * 1024 * (2 * 32 * 8 * 128) / (3.35e12 * 0.8)
    attention_s = 256 * 4 * 32 * 1024 / 2 * 4096 / (1979e12 * 0.5)
    assert gemm_s > weights_s and kv_s > attention_s
    assert est.central.tpot_s == pytest.approx(gemm_s + kv_s, rel=0.01)
    assert est.central.tpot_s > max(gemm_s + attention_s, weights_s + kv_s) * 1.1


def test_kv_heads_are_replicated_past_the_tensor_parallel_degree(catalog: Catalog) -> None:
    spec = catalog.preset("qwen3-235b-a22b").spec  # 4 KV heads
    assert kv_replication(spec, 8) == 2.0 and kv_replication(spec, 4) == 1.0
    b200 = catalog.accelerator("B200")
    est = estimate_inference(
        spec, b200, input_tokens=1000, output_tokens=1000, gpus=8, batch_max=True,
        precision=Precision.FP4, constants=K,
    )  # fmt: skip
    per_sequence = 2000 * kv_cache_bytes_per_token(spec, Precision.FP8) * 2
    free = 8 * 180 * 2**30 * 0.9 - spec.params * 0.5625
    assert est.layout.tensor == 8
    assert est.max_batch == int(free // per_sequence)
    assert est.kv_cache_gib == pytest.approx(est.batch * per_sequence / 2**30)


def test_attention_data_parallel_holds_the_dense_weights_per_rank(catalog: Catalog) -> None:
    """Qwen3-235B on 8 B200 at FP4, attention DP: each rank keeps the attention and dense
    weights whole and its own sequences' KV cache (no head copies), the experts split 8 ways."""
    spec = catalog.preset("qwen3-235b-a22b").spec  # 4 KV heads: TP 8 would hold the KV twice
    b200 = catalog.accelerator("B200")
    est = estimate_inference(
        spec, b200, input_tokens=1000, output_tokens=1000, gpus=8, batch_max=True,
        precision=Precision.FP4, constants=K, attention_dp=True,
    )  # fmt: skip
    assert est.layout.describe() == "attention DP 8 × EP 8"
    assert (est.layout.tensor, est.layout.pipeline, est.layout.attention_data) == (1, 1, 8)
    dense = spec.params - spec.routed_params
    stored = spec.routed_params + 8 * dense
    assert est.weights_gib == pytest.approx(stored * 0.5625 / 2**30)
    per_sequence = 2000 * kv_cache_bytes_per_token(spec, Precision.FP8)  # once, not twice
    assert est.max_batch == min(
        4096, int((8 * 180 * 2**30 * 0.9 - stored * 0.5625) // per_sequence)
    )
    assert est.kv_cache_gib == pytest.approx(est.batch * per_sequence / 2**30)


def test_attention_data_parallel_reads_each_ranks_weights_and_skips_the_all_reduce(
    catalog: Catalog,
) -> None:
    """Decode at batch 1 is bound by the weights: under attention DP every rank streams its own
    copy of the non-expert weights, and no tensor-parallel all-reduce runs. The step's other
    terms are the same under both layouts (the same all-to-all), so the difference is those two."""
    spec = catalog.preset("qwen3-235b-a22b").spec
    h100 = catalog.accelerator("H100")  # 3.35 TB/s, NVLink 450 GB/s each way
    args = {"input_tokens": 0, "output_tokens": 1, "gpus": 8, "batch": 1}
    k = InferenceConstants(1.0, 1.0, 0.0, host_scale=0.0)
    tp = estimate_inference(spec, h100, precision=Precision.FP8, constants=k, **args)  # type: ignore[arg-type]
    dp = estimate_inference(
        spec, h100, precision=Precision.FP8, constants=k, attention_dp=True, **args
    )  # type: ignore[arg-type]
    assert tp.central.decode_bound == dp.central.decode_bound == "memory"
    dense = spec.weights_touched(1) - spec.routed_weights_touched(1)  # params, 1 B each at FP8
    extra_weights_s = 7 * dense / (8 * 3.35e12)
    # Two ring all-reduces per layer of one token's 4,096 fp8 values across 8 GPUs.
    all_reduce_s = 2 * 94 * 2 * 7 / 8 * 4096 / 450e9
    assert dp.central.tpot_s - tp.central.tpot_s == pytest.approx(
        extra_weights_s - all_reduce_s, rel=0.01
    )


def test_attention_data_parallel_prefills_one_prompt_on_one_rank(catalog: Catalog) -> None:
    """A lone prompt's attention and dense GEMMs run on one of the 8 ranks: its prefill is
    slower than under tensor parallelism, which spreads them over all 8."""
    spec = catalog.preset("qwen3-235b-a22b").spec
    args = {"input_tokens": 8000, "output_tokens": 1, "gpus": 8, "batch": 64}
    b200 = catalog.accelerator("B200")
    tp = estimate_inference(spec, b200, precision=Precision.FP8, constants=K, **args)  # type: ignore[arg-type]
    dp = estimate_inference(
        spec, b200, precision=Precision.FP8, constants=K, attention_dp=True, **args
    )  # type: ignore[arg-type]
    assert dp.central.ttft_s > 2 * tp.central.ttft_s
    assert dp.layout.rank_imbalance(1) == 8 and dp.layout.rank_imbalance(64) == 1
    assert dp.layout.rank_imbalance(12) == pytest.approx(8 * 2 / 12)


def test_attention_data_parallel_is_for_moe_models(catalog: Catalog) -> None:
    spec = catalog.preset("llama-3.1-8b").spec
    with pytest.raises(InvalidSpecError, match=r"llama-3\.1-8b is dense.*drop --attention-dp"):
        estimate_inference(
            spec, catalog.accelerator("H100"), input_tokens=10, output_tokens=10, gpus=2,
            constants=K, attention_dp=True,
        )  # fmt: skip


def test_expert_gemms_run_on_whole_tiles(catalog: Catalog) -> None:
    spec = catalog.preset("qwen3-235b-a22b").spec  # 128 experts, top-8
    # 10 rows per expert: at 160 tokens all but 0.003 of the 128 experts are hit.
    assert expert_tile_occupancy(spec, 160) == pytest.approx(10 / 128, rel=1e-3)
    assert expert_tile_occupancy(spec, 2048) == pytest.approx(1.0)  # 128 rows: one full tile
    assert expert_tile_occupancy(spec, 2080) == pytest.approx(130 / 256)


def test_fp4_weights_activations_and_kv(catalog: Catalog) -> None:
    b200, h100 = catalog.accelerator("B200"), catalog.accelerator("H100")
    assert Precision.FP4.bytes_per_value == 0.5625  # NVFP4: 4 bits + an 8-bit scale per 16
    assert Precision.parse("NVFP4") is Precision.FP4 and Precision.parse("mxfp4") is Precision.FP4
    # Blackwell computes in FP4; the KV cache stays FP8 and attention runs in FP8.
    fp4 = ServingPrecision.resolve(b200, Precision.FP4)
    assert (fp4.weights, fp4.compute, fp4.kv) == (Precision.FP4, Precision.FP4, Precision.FP8)
    assert fp4.attention(b200) is Precision.FP8
    assert b200.peak(Precision.FP4) == 9000e12
    # Hopper has no FP4 tensor cores: FP4 weights are dequantized into bf16 math...
    weight_only = ServingPrecision.resolve(h100, Precision.FP4)
    assert (weight_only.compute, weight_only.kv) == (Precision.BF16, Precision.BF16)
    # ...and asking it to compute in FP4 is an error that names what it has.
    with pytest.raises(UnsupportedPrecisionError, match="no published fp4 rate"):
        ServingPrecision.resolve(h100, Precision.FP4, Precision.FP4)
    # Llama 3.1 405B fits on 4 B200s in FP4 (228 GiB of weights), not in bf16.
    spec = catalog.preset("llama-3.1-405b").spec
    est = estimate_inference(
        spec, b200, input_tokens=1000, output_tokens=1000, gpus=4, batch_max=True,
        precision=Precision.FP4, constants=K,
    )  # fmt: skip
    assert est.weights_gib == pytest.approx(spec.params * 0.5625 / 2**30)
    assert est.fits and est.batch > 100


def test_each_generation_gets_its_fitted_pair(catalog: Catalog) -> None:
    values = (0.5, 0.6, 1e-4, 0.2, 0.4)
    assert constants_for(catalog.accelerator("H100"), values) == InferenceConstants(0.5, 0.6, 1e-4)
    assert constants_for(catalog.accelerator("B200"), values) == InferenceConstants(0.2, 0.4, 1e-4)
    assert constants_for(catalog.accelerator("MI355X"), values).compute_efficiency == 0.2
    assert constants_for(catalog.accelerator("A100-80GB"), values[:3]).compute_efficiency == 0.5
    assert (
        constants_for(catalog.accelerator("B200"), (*values, 0.4)).expert_kernel_efficiency == 0.4
    )
    assert constants_for(catalog.accelerator("H100"), values).expert_kernel_efficiency == 1.0


def test_routed_experts_stream_at_their_kernels_efficiency(catalog: Catalog) -> None:
    """Scout at batch 1 in fp8 on 4 H200, held memory-bound (e_b 0.1): halving e_x adds the
    routed experts' touched bytes once more to the step, and nothing else (hand calculation)."""
    spec = catalog.preset("llama-4-scout-17b-16e").spec

    def tpot(expert_efficiency: float) -> float:
        k = InferenceConstants(1.0, 0.1, 0.0, expert_efficiency)
        est = estimate_inference(
            spec, catalog.accelerator("H200"), constants=k, input_tokens=0, output_tokens=1,
            gpus=4, precision=Precision.FP8,
        )  # fmt: skip
        assert est.central.decode_bound == "memory"
        return est.central.tpot_s

    # One token a step, top-1 of 16 experts: one expert per MoE layer is read.
    routed = spec.routed_weights_touched(1)
    assert routed == pytest.approx(spec.moe_layers * spec.expert_params())
    assert tpot(0.5) - tpot(1.0) == pytest.approx(routed * 1.0 / (4 * 4.8e12 * 0.1), rel=1e-6)
    assert catalog.preset("llama-3.1-8b").spec.routed_weights_touched(64) == 0.0


def test_moe_steps_pay_for_permuting_tokens_into_expert_order(catalog: Catalog) -> None:
    """Scout at batch 1 in FP4 on one B200, held memory-bound (e_b 0.1): the step streams the
    weights it touches, its KV cache and the permutation's bf16 copies, 2·h·(k + 1) elements per
    MoE layer for one token, and nothing else (hand calculation)."""
    spec = catalog.preset("llama-4-scout-17b-16e").spec
    acc = catalog.accelerator("B200")
    est = estimate_inference(
        spec, acc, constants=InferenceConstants(1.0, 0.1, 0.0, 1.0), input_tokens=0,
        output_tokens=1, gpus=1, precision=Precision.FP4,
    )  # fmt: skip
    assert est.central.decode_bound == "memory"
    bandwidth = acc.memory_bw_gb_per_s * 1e9 * 0.1
    weights = spec.weights_touched(1) * Precision.FP4.bytes_per_value
    kv = 0.5 * kv_cache_bytes_per_token(spec, Precision.FP8)  # half a token of context on average
    permutation = 2 * spec.hidden * (1 + 1) * 2.0 * spec.moe_layers  # top-1, bf16
    assert permutation == 2 * 5120 * 2 * 2 * 48
    # The routed experts the weights_touched above subtracts before adding back the one hit.
    assert spec.routed_params == 48 * 16 * 3 * 5120 * 8192
    assert est.central.tpot_s == pytest.approx((weights + kv + permutation) / bandwidth, rel=1e-9)


def test_the_host_is_a_floor_under_a_step_of_many_sequences(catalog: Catalog) -> None:
    """Qwen3-30B-A3B (3.3B active) at 4,096 sequences of 128/128 on GPUs at their full peak: the
    host samples 4,096 · (1 + 1/128) sequences a step (every decode, and the prompts that finish)
    at 13.8 µs each, 2.75× that on Grace (GB200); the GPU's step is shorter (hand calculation)."""
    fast = InferenceConstants(1.0, 1.0, 0.0, 1.0)
    grace = 13.8e-6 * 37.08 / 13.48
    assert host_seconds_per_sequence(catalog.accelerator("B200")) == 13.8e-6
    assert host_seconds_per_sequence(catalog.accelerator("GB200")) == pytest.approx(grace)

    def decode(
        gpus: int, constants: InferenceConstants, model: str = "qwen3-30b-a3b"
    ) -> InferenceEstimate:
        return estimate_inference(
            catalog.preset(model).spec, catalog.accelerator("GB200"), input_tokens=128,
            output_tokens=128, batch=4096, gpus=gpus, precision=Precision.FP4, constants=constants,
        )  # fmt: skip

    one = decode(1, fast)
    assert one.central.decode_bound == "host"
    assert one.central.tpot_s == pytest.approx(4096 * (1 + 1 / 128) * grace, rel=1e-9)
    # The range spreads the host's time as it spreads the step's (90%: e^(1.645 * 0.2)).
    spread = math.exp(1.645 * 0.2)
    assert one.slow.tpot_s == pytest.approx(one.central.tpot_s * spread, rel=1e-9)
    assert one.fast.tpot_s == pytest.approx(one.central.tpot_s / spread, rel=1e-9)
    # Attention data parallelism: each of a MoE replica's ranks samples its own quarter.
    assert decode(4, fast).central.tpot_s == pytest.approx(one.central.tpot_s / 4, rel=1e-9)
    # Tensor parallelism for a dense model: every rank handles the whole batch.
    dense = decode(4, fast, "llama-3.1-8b").central
    assert dense.decode_bound == "host"
    assert dense.tpot_s == pytest.approx(one.central.tpot_s, rel=1e-9)
    # The plain roofline, the validation baseline, has no host.
    plain = decode(1, PLAIN_ROOFLINE).central
    assert plain.decode_bound != "host" and plain.tpot_s < one.central.tpot_s / 2


def test_expert_tiles_count_only_the_experts_hit(catalog: Catalog) -> None:
    # Scout at one token a step: one of 16 experts runs, on one row of a 128-row tile.
    spec = catalog.preset("llama-4-scout-17b-16e").spec
    assert expert_tile_occupancy(spec, 1) == pytest.approx(1 / 128)


def test_the_scheduler_caps_the_batch_where_memory_would_allow_more(catalog: Catalog) -> None:
    # Llama 3.1 8B in fp8 on a B200 at 128/128: ~150 GB of KV room, 16 kB a token, far more
    # than trtllm-bench's 4,096 sequences.
    est = estimate_inference(
        catalog.preset("llama-3.1-8b").spec, catalog.accelerator("B200"), input_tokens=128,
        output_tokens=128, precision=Precision.FP8, batch_max=True, constants=K,
    )  # fmt: skip
    assert est.batch == est.max_batch == 4096


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
    k = constants_for(h100, catalog.serving.values)
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


@pytest.mark.parametrize(
    ("preset", "total", "active"),
    [
        ("gpt-oss-120b", 116.8e9, 5.7e9),  # model card: 5.1B active without the embedding tables
        ("gpt-oss-20b", 20.9e9, 4.2e9),  # model card: 3.6B likewise
        ("kimi-k2", 1.03e12, 32.9e9),  # paper: 1.04T total, 32B activated
    ],
)
def test_newer_moe_presets_count_their_parameters(
    catalog: Catalog, preset: str, total: float, active: float
) -> None:
    spec = catalog.preset(preset).spec
    assert spec.params == pytest.approx(total, rel=0.01)
    assert spec.active_params == pytest.approx(active, rel=0.01)


def test_mla_caches_the_latent_for_kimi_k2(catalog: Catalog) -> None:
    spec = catalog.preset("kimi-k2").spec
    # 61 layers × (kv_lora_rank 512 + rope 64) values, bf16.
    assert kv_cache_bytes_per_token(spec, Precision.BF16) == 61 * (512 + 64) * 2


def test_moe_waits_for_the_busiest_gpu(catalog: Catalog) -> None:
    # Scout, top-1 of 16 experts over 4 GPUs, 1,000 tokens a step: a GPU's rows are a sum of
    # Bernoulli(1/4) draws, μ = 250, σ² = 1000·(1/4)·(3/4) = 187.5; the busiest of 4 (Blom's
    # z = 1.029, ×√(4/3) for loads that sum to 1,000) carries 1 + 1.188·13.69/250 ≈ 1.066 × μ.
    from flopfolio.perf.inference import busiest_gpu_factor

    scout = catalog.preset("llama-4-scout-17b-16e").spec
    assert busiest_gpu_factor(scout, 1000, 4) == pytest.approx(1.0664, abs=2e-4)
    assert busiest_gpu_factor(scout, 1000, 1) == 1.0
    assert busiest_gpu_factor(catalog.preset("llama-3.1-8b").spec, 1000, 8) == 1.0
    # More tokens per step even the load out.
    assert busiest_gpu_factor(scout, 16_000, 4) < busiest_gpu_factor(scout, 1000, 4)


def test_mla_latent_is_held_by_every_tensor_rank_but_once_under_attention_dp(
    catalog: Catalog,
) -> None:
    """DeepSeek-V3 on 8 H200 at FP8: under TP 8 each rank keeps the whole latent of every
    sequence (61 layers × 576 values); attention DP keeps each sequence's once, on its rank."""
    spec = catalog.preset("deepseek-v3").spec
    h200 = catalog.accelerator("H200")
    assert kv_replication(spec, 8) == 8.0 and kv_replication(spec, 1) == 1.0
    args = {"input_tokens": 1000, "output_tokens": 1000, "gpus": 8, "batch_max": True}
    tp = estimate_inference(
        spec, h200, precision=Precision.FP8, constants=K, attention_dp=False, **args
    )  # type: ignore[arg-type]
    dp = estimate_inference(
        spec, h200, precision=Precision.FP8, constants=K, attention_dp=True, **args
    )  # type: ignore[arg-type]
    per_sequence = 2000 * 61 * (512 + 64) * 1.0
    usable = 8 * 141 * 2**30 * 0.9
    assert tp.max_batch == int((usable - spec.params) // (8 * per_sequence))
    stored = spec.routed_params + 8 * (spec.params - spec.routed_params)
    assert dp.max_batch == min(4096, int((usable - stored) // per_sequence))
    assert dp.max_batch > 4 * tp.max_batch
    # Left to the default, the MLA model takes the layout that serves more: attention DP at
    # the largest batch, tensor parallel for one sequence (a lone decode on one rank is slower).
    auto = estimate_inference(spec, h200, precision=Precision.FP8, constants=K, **args)  # type: ignore[arg-type]
    assert auto.layout == dp.layout
    alone = {"input_tokens": 1000, "output_tokens": 1000, "gpus": 8, "batch": 1}
    assert estimate_inference(spec, h200, precision=Precision.FP8, constants=K, **alone).layout == (  # type: ignore[arg-type]
        tp.layout
    )
    # A GQA MoE model stays tensor parallel unless asked.
    scout = catalog.preset("llama-4-scout-17b-16e").spec
    assert estimate_inference(scout, h200, precision=Precision.FP8, constants=K, **args).layout == (  # type: ignore[arg-type]
        ReplicaLayout(8, 1)
    )


def test_mla_decodes_absorbed(catalog: Catalog) -> None:
    """DeepSeek-V3 decode: 128 heads score against the 512 + 64 latent and read 512-wide values,
    2·61·128·(2·512 + 64) FLOPs per cached position, 3.4× the expanded heads' (128 + 64 + 128)."""
    from flopfolio.perf.inference import decode_attention_flops
    from flopfolio.workload.flops import attention_flops_per_token_forward

    spec = catalog.preset("deepseek-v3").spec
    assert decode_attention_flops(spec, 1000) == 2 * 61 * 1000 * 128 * (2 * 512 + 64)
    expanded = attention_flops_per_token_forward(spec, 1000)
    assert expanded == 2 * 61 * 1000 * 128 * (128 + 64 + 128)
    llama = catalog.preset("llama-3.1-8b").spec
    assert decode_attention_flops(llama, 1000) == attention_flops_per_token_forward(llama, 1000)


def test_attention_runs_at_least_as_wide_as_its_kv_cache(catalog: Catalog) -> None:
    b200 = catalog.accelerator("B200")
    fp4 = ServingPrecision.resolve(b200, Precision.FP4)
    assert fp4.kv is Precision.FP8 and fp4.attention(b200) is Precision.FP8
    wide = ServingPrecision.resolve(b200, Precision.FP4, kv=Precision.BF16)
    assert wide.attention(b200) is Precision.BF16


def test_attention_dp_sizes_the_replica_for_its_copies(catalog: Catalog) -> None:
    """Mixtral 8x22B in bf16 on H100: 4 GPUs hold it tensor parallel, but 4 attention-DP ranks
    each holding the attention weights and the rest do not fit, so `--attention-dp` without
    --gpus sizes the replica at 8."""
    spec = catalog.preset("mixtral-8x22b").spec
    h100 = catalog.accelerator("H100")
    args = {"input_tokens": 1000, "output_tokens": 1000, "batch_max": True}
    tp = estimate_inference(spec, h100, precision=Precision.BF16, constants=K, **args)  # type: ignore[arg-type]
    dp = estimate_inference(
        spec, h100, precision=Precision.BF16, constants=K, attention_dp=True, **args
    )  # type: ignore[arg-type]
    assert (tp.gpus, dp.gpus) == (4, 8) and tp.fits and dp.fits
    stored = spec.routed_params + 4 * (spec.params - spec.routed_params)
    assert stored * 2 > 4 * 80 * 2**30 * 0.9 > spec.params * 2


def test_attention_dp_all_to_all_crosses_the_scale_out_network_past_a_node(
    catalog: Catalog,
) -> None:
    """16 H100 attention DP (nodes of 8): of what each GPU sends, 7/16 goes over NVLink
    (450 GB/s) and 8/16 over InfiniBand (50 GB/s) at the same time; the slower bounds it. A TP
    replica keeps its experts inside its nodes: all over NVLink."""
    from flopfolio.perf.serving_layout import all_to_all_s

    h100 = catalog.accelerator("H100")
    wide = ReplicaLayout(1, 1, 16)
    assert all_to_all_s(h100, 1e9, wide) == pytest.approx(1e9 * 8 / 16 / 50e9)
    assert all_to_all_s(h100, 1e9, ReplicaLayout(1, 1, 8)) == pytest.approx(1e9 * 7 / 8 / 450e9)
    assert all_to_all_s(h100, 1e9, ReplicaLayout(8, 2)) == pytest.approx(1e9 * 15 / 16 / 450e9)
