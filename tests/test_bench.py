"""flopfolio bench on the CPU with tiny sizes: the whole path runs; the numbers mean little here."""

import os
from pathlib import Path

import pytest

from flopfolio.bench import BenchSizes, run_bench
from flopfolio.catalog.profiles import load_benchmarks
from flopfolio.workload.flops import training_flops
from flopfolio.workload.precision import Precision
from tests.cli.helpers import run_json

try:
    import torch  # noqa: F401

    HAVE_TORCH = True
except ImportError:
    HAVE_TORCH = False

needs_torch = pytest.mark.skipif(
    not HAVE_TORCH and os.environ.get("CI") != "true",
    reason="PyTorch is not installed (pip install torch); CI installs it and runs these",
)
TINY = BenchSizes(
    matmul_n=128, bandwidth_mib=4, layers=1, hidden=64, heads=4, seq_len=32, batch=2, repeats=3
)


@needs_torch
def test_bench_measures_on_cpu() -> None:
    result = run_bench([Precision.FP32], device="cpu", sizes=TINY, peaks={Precision.FP32: 1e12})
    assert result.device == "cpu"
    assert (
        result.matmul_tflops["fp32"] > 0 and result.memory_gb_per_s > 0 and result.step_seconds > 0
    )
    # Shares and MFU are the measured rates over the peak given.
    assert result.peak_share["fp32"] == pytest.approx(result.matmul_tflops["fp32"] * 1e12 / 1e12)
    assert result.step_mfu == pytest.approx(result.step_tflops * 1e12 / 1e12)


def test_step_flops_convention() -> None:
    # The step's FLOPs are flopfolio's model FLOPs for an encoder layer of width 64: 12h² weights
    # per layer (+ biases) and causal attention, times 6 per token... checked by hand here.
    from flopfolio.bench import _step_spec

    spec = _step_spec(TINY)
    per_token = training_flops(spec, 1.0, 32).per_token
    h, s = 64, 32
    assert per_token == pytest.approx(6 * (12 * h * h + 9 * h + 1 * h) + 6 * s * h, rel=0.02)


@needs_torch
def test_bench_cli_saves_to_the_profile(tmp_path: Path) -> None:
    profile = tmp_path / "p.json"
    d = run_json("bench", "--gpu", "A100-80GB", "--precision", "fp32", "--small", "--device", "cpu",
                 "--profile", str(profile))  # fmt: skip
    assert d["saved_to"] == str(profile)
    assert "A100-SXM4-80GB" in load_benchmarks(profile)
