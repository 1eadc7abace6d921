"""Memory formulas against the seeds and Korthikanti et al. 2022."""

import pytest

from flopfolio.specs.precision import Precision
from flopfolio.specs.transformer import TransformerSpec
from flopfolio.units import GIB
from flopfolio.workload.memory import (
    Recompute,
    activation_bytes_per_layer,
    kv_cache_bytes_per_token,
    training_state_bytes,
    weights_gib,
)


def test_seed_fp32_weights_and_training_state() -> None:
    # Seed 002: "the 175 billion weights would take up 700GB" in fp32 ...
    assert weights_gib(175e9, Precision.FP32) * GIB == pytest.approx(700e9)
    # ... and training "would need to keep over a terabyte of data in memory" (4 B + 8 B/param).
    state = training_state_bytes(Precision.FP32)
    assert state.weights + state.optimizer == 12
    assert 175e9 * (state.weights + state.optimizer) > 1e12


def test_mixed_precision_adam_is_16_bytes() -> None:
    # ZeRO (Rajbhandari et al. 2020) §3: 2 + 2 + 12 = 16 bytes per parameter.
    assert training_state_bytes(Precision.BF16).total == 16


def test_seed_consumer_card_rule() -> None:
    # Seed 002: "a typical high-end consumer GPU with 12GB of memory could barely be used to train
    # a 4-billion-parameter model" with 8 extra bytes per 16-bit parameter: (2 + 8)·4e9 ≈ 40 GB
    # is far above 12 GB; even the 2-byte weights alone (8 GB) nearly fill it.
    assert weights_gib(4e9, Precision.FP16) * GIB == pytest.approx(8e9)


GPT3_SPEC = TransformerSpec(
    name="gpt-3", layers=96, hidden=12288, heads=96, ffn_hidden=49152, vocab=50257, seq_len=2048
)


def test_korthikanti_activation_memory() -> None:
    # Korthikanti et al. 2022, Table 2: per layer s·b·h·(34 + 5as/h) without parallelism,
    # /t with tensor + sequence parallel, 34·sbh/t with selective recompute, 2·sbh with full.
    s, b, h, a, t = 2048, 1, 12288, 96, 8
    assert activation_bytes_per_layer(GPT3_SPEC, b, s, 1, Recompute.NONE) == s * b * h * (
        34 + 5 * a * s / h
    )
    assert activation_bytes_per_layer(GPT3_SPEC, b, s, t, Recompute.NONE) == pytest.approx(
        s * b * h / t * (34 + 5 * a * s / h)
    )
    assert activation_bytes_per_layer(GPT3_SPEC, b, s, t, Recompute.SELECTIVE) == 34 * s * b * h / t
    assert activation_bytes_per_layer(GPT3_SPEC, b, s, t, Recompute.FULL) == 2 * s * b * h / t


def test_kv_cache_gqa() -> None:
    # Llama-2-70B: 80 layers, 8 KV heads of 128 -> 2·80·8·128·2 B = 327,680 B per token in bf16.
    spec = TransformerSpec(
        name="l2-70b", layers=80, hidden=8192, heads=64, kv_heads=8, ffn_hidden=28672, vocab=32000
    )
    assert kv_cache_bytes_per_token(spec, Precision.BF16) == 327_680
    mha = TransformerSpec(
        name="mha", layers=80, hidden=8192, heads=64, ffn_hidden=28672, vocab=32000
    )
    assert kv_cache_bytes_per_token(mha, Precision.BF16) == 8 * 327_680
