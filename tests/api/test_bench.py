"""flopfolio bench on the CPU with tiny sizes: the whole path runs; the numbers mean little here."""

import os
from pathlib import Path

import pytest

from flopfolio.api.bench import (
    BenchResult,
    BenchSizes,
    fit_gemm_curve,
    gemm_fit_report,
    measured_gemm_curve,
    run_bench,
)
from flopfolio.catalog.catalog import Catalog
from flopfolio.catalog.profiles import load_benchmarks
from flopfolio.errors import InvalidSpecError
from flopfolio.perf.step_time import StepConstants
from flopfolio.specs.precision import Precision
from flopfolio.workload.flops import training_flops
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
    matmul_n=128, bandwidth_mib=4, layers=1, hidden=64, heads=4, seq_len=32, batch=2, repeats=3,
    gemm_tokens=64, gemm_widths=(16, 32),
)  # fmt: skip


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
    assert set(result.gemm_tflops) == {"16", "32"} and all(
        v > 0 for v in result.gemm_tflops.values()
    )


def test_gemm_curve_recovers_known_constants() -> None:
    # Shares of peak made by hand from ε_max 0.8, g₀ 500 at six widths: the fit gives them back.
    widths = [125.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0]
    shares = [0.8 * g / (g + 500.0) for g in widths]
    curve = fit_gemm_curve(widths, shares)
    assert curve.matmul_efficiency_max == pytest.approx(0.8, rel=1e-4)
    assert curve.matmul_half_width == pytest.approx(500.0, rel=1e-3)
    assert curve.points == 6
    with pytest.raises(InvalidSpecError):
        fit_gemm_curve([1000.0], [0.5])


def test_a_sweep_is_read_in_the_models_widths(catalog: Catalog) -> None:
    # On an A100 in bf16 the model's g is the width itself scaled by 150 / (312e12 / 2.039e12).
    acc = catalog.accelerator("A100-80GB")
    scale = 150.0 / (312e12 / 2.039e12)
    tflops = {str(w): 312.0 * 0.7 * (w * scale) / (w * scale + 300.0) for w in (256, 1024, 4096)}
    result = BenchResult("cuda", {}, 1.0, 1.0, 1.0, None, {}, tflops)
    curve = measured_gemm_curve(result, acc, Precision.BF16)
    assert curve.matmul_efficiency_max == pytest.approx(0.7, rel=1e-3)
    assert curve.matmul_half_width == pytest.approx(300.0, rel=1e-2)
    # The report sets it beside the constants fitted on published runs, or says why there is none.
    fitted = StepConstants(0.5, 0.0, 84.0, 0.9, 0.1)
    report = gemm_fit_report(result, acc, Precision.BF16, fitted)
    assert report["matmul_efficiency_max"] == pytest.approx(0.7, rel=1e-3)
    assert report["shipped_matmul_efficiency_max"] == 0.5 and report["points"] == 3
    one_width = BenchResult("cuda", {}, 1.0, 1.0, 1.0, None, {}, {"1024": 100.0})
    assert "at least two widths" in gemm_fit_report(one_width, acc, Precision.BF16, fitted)["error"]


def test_step_flops_convention() -> None:
    # The step's FLOPs are flopfolio's model FLOPs for an encoder layer of width 64: 12h² weights
    # per layer (+ biases) and causal attention, times 6 per token... checked by hand here.
    from flopfolio.api.bench import _step_spec

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
    # A named accelerator gets the sweep read as the model's ε(g), or the reason it cannot be.
    fit = d["gemm_fit"]
    assert fit["precision"] == "fp32"
    assert "error" in fit or 0 < fit["matmul_efficiency_max"] <= 1
    # Issue 17's speed figure: the 16,384-GPU layout search, timed on this CPU (not asserted).
    search = d["layout_search"]
    assert search["what"].startswith("llama-3.1-405b on 16,384")
    assert search["configurations"] > 1000 and search["median_ms"] > 0 and "PP" in search["best"]
