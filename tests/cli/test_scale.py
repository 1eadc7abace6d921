"""flopfolio scale: Chinchilla's own budget, dollar budgets, data limits, inference-aware sizing."""

import pytest

from tests.cli.helpers import run_json


def test_chinchilla_budget() -> None:
    # Hoffmann et al. 2022 trained Chinchilla, 70B parameters on 1.4T tokens, with 5.76e23 FLOPs.
    d = run_json("scale", "--flops", "5.76e23")
    assert d["params"] == pytest.approx(70e9, rel=0.25)
    assert d["tokens"] == pytest.approx(1.4e12, rel=0.25)
    assert d["params_low"] <= d["params"] <= d["params_high"]
    assert 6 * d["params"] * d["tokens"] == pytest.approx(5.76e23, rel=1e-6)


def test_dollar_budget_and_data_warning() -> None:
    d = run_json(
        "scale", "--usd", "10M", "--gpu", "H100", "--price", "2", "--available-tokens", "1e12"
    )
    # $10M at $2/GPU-h on an H100 (989 TFLOP/s bf16) at 40% MFU.
    assert d["flops"] == pytest.approx(10e6 / 2 * 3600 * 989e12 * 0.4)
    assert d["data_warning"] and "epoch" in d["data_warning"]


def test_inference_aware_prefers_smaller_models() -> None:
    d = run_json("scale", "--flops", "1e23", "--target-loss", "2.1", "--inference-tokens", "1e13")
    plan = d["inference_aware"]
    assert plan["params"] < plan["chinchilla_params"] and plan["tokens"] > plan["chinchilla_tokens"]
    assert 0 < plan["saving_fraction"] < 1
