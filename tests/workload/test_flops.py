"""FLOP counts against the seeds' worked numbers and hand calculations."""

import pytest

from flopfolio.specs.transformer import FeedForward, TransformerSpec
from flopfolio.workload.flops import (
    FlopConvention,
    inference_flops_per_token,
    napkin_inference_flops,
    napkin_training_flops,
    training_flops,
)

A100_PEAK = 312e12  # seed 002: "The A100 has a nominal performance of 312 TFLOPS"


def test_gpt3_training_flops_seed() -> None:
    # Seeds 000 and 002: "about 3.14*10^23 floating point operations" for 175B params, 300B tokens.
    assert napkin_training_flops(175e9, 300e9) == pytest.approx(3.14e23, rel=0.01)


def test_gpt3_inference_seed() -> None:
    # Seed 002: 1,024 tokens through 175B params is "approximately 350 trillion" FLOPs (2·n·p).
    flops = napkin_inference_flops(175e9, 1024)
    assert flops == pytest.approx(350e12, rel=0.03)
    # "350 TFLOPs/(3 GHz*1 FLOP) or 116,000 seconds, or 32 hours" on one CPU core.
    core_seconds = flops / 3e9
    assert core_seconds == pytest.approx(116_000, rel=0.04)
    assert core_seconds / 3600 == pytest.approx(32, rel=0.04)
    # "would reduce the inference for GPT-3 to about 1 second" on an A100 at 312 TFLOPS.
    assert flops / A100_PEAK == pytest.approx(1.0, rel=0.2)


def test_training_is_three_times_inference_per_token() -> None:
    # Seed 002: "Training ... takes about three times as long per token as doing inference."
    assert napkin_training_flops(1e9, 1) / napkin_inference_flops(1e9, 1) == 3


def gpt3() -> TransformerSpec:
    return TransformerSpec(
        name="gpt-3", layers=96, hidden=12288, heads=96, ffn_hidden=49152, vocab=50257,
        seq_len=2048, feed_forward=FeedForward.MLP, tied_embeddings=True,
        learned_positions=True, linear_bias=True, layernorm_bias=True,
    )  # fmt: skip


def test_model_flops_by_hand() -> None:
    spec = gpt3()
    count = training_flops(spec, 300e9)
    # Hand: matmul params = 12·L·h² (+ biases/norms ≈ 0.01%) + V·h unembedding;
    # attention (causal, halved) = 6·L·s·h per token.
    matmul = 96 * 12 * 12288**2 + 50257 * 12288
    attention = 6 * 96 * 2048 * 12288
    assert count.per_token == pytest.approx(6 * matmul + attention, rel=1e-3)
    assert count.convention is FlopConvention.MODEL
    # The detailed count sits a few percent from the napkin rule for GPT-3.
    assert count.total / napkin_training_flops(spec.params, 300e9) == pytest.approx(1.0, abs=0.03)


def test_shapeless_falls_back_to_napkin() -> None:
    count = training_flops(TransformerSpec.from_params(7e9), 1e12)
    assert count.convention is FlopConvention.NAPKIN
    assert count.total == pytest.approx(6 * 7e9 * 1e12)


def test_moe_uses_active_parameters() -> None:
    spec = TransformerSpec.from_params(46.7e9, 12.9e9)
    assert training_flops(spec, 1e9).per_token == pytest.approx(6 * 12.9e9)


def test_inference_attention_grows_with_context() -> None:
    spec = gpt3()
    short = inference_flops_per_token(spec, 128).per_token
    long = inference_flops_per_token(spec, 8192).per_token
    # Each extra context token costs 4·L·d_attn FLOPs (QKᵀ and AV, 2 FLOPs per MAC).
    assert long - short == pytest.approx(4 * 96 * 12288 * (8192 - 128))
