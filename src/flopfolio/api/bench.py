"""``flopfolio bench``: measure the local accelerator with PyTorch (optional extra ``[bench]``).

Four measurements, each timed after warm-up with the device synchronised:

* **matmul**: an ``n×n`` by ``n×n`` product per precision, ``2·n³`` FLOPs per call → TFLOP/s, and
  as a share of the catalog's dense peak when the accelerator is named;
* **GEMM width sweep** (the first precision): ``tokens×w`` by ``w×w`` products, ``2·tokens·w²``
  FLOPs, for widths ``w`` like a layer's per-GPU width ``h/t``. With the accelerator named,
  :func:`fit_gemm_curve` fits the utilization model's ``ε(g) = ε_max·g/(g+g₀)`` to the shares of
  peak: the measured counterpart of the constants the model fits on published runs;
* **memory bandwidth**: copying a large buffer reads and writes it, ``2·bytes`` per copy → GB/s;
* **training step**: forward, backward and an AdamW step of a small decoder
  (``torch.nn.TransformerEncoderLayer`` with a causal mask); model FLOPs by flopfolio's own
  convention (:func:`~flopfolio.workload.flops.training_flops`) over the step time → MFU.

The results are saved with the calibration profile (``flopfolio calibrate`` uses the same file).
Sizes are parameters so the tests can run the whole path on a CPU in a second.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from flopfolio.catalog.accelerators import Accelerator
from flopfolio.catalog.catalog import Catalog
from flopfolio.errors import FlopfolioError, InvalidSpecError
from flopfolio.perf.step_time import StepConstants, width_scale
from flopfolio.specs.precision import Precision
from flopfolio.specs.transformer import FeedForward, TransformerSpec
from flopfolio.workload.flops import training_flops

_TORCH_DTYPES = {
    Precision.FP32: "float32",
    Precision.TF32: "float32",
    Precision.BF16: "bfloat16",
    Precision.FP16: "float16",
}


class TorchMissingError(FlopfolioError, ImportError):
    """PyTorch is not installed."""


@dataclass(frozen=True, slots=True)
class BenchSizes:
    matmul_n: int = 8192
    bandwidth_mib: int = 1024
    layers: int = 4
    hidden: int = 2048
    heads: int = 16
    seq_len: int = 2048
    batch: int = 4
    repeats: int = 10
    gemm_tokens: int = 8192
    gemm_widths: tuple[int, ...] = (256, 512, 1024, 2048, 4096, 8192)


@dataclass(frozen=True, slots=True)
class BenchResult:
    device: str
    matmul_tflops: dict[str, float]
    memory_gb_per_s: float
    step_seconds: float
    step_tflops: float
    step_mfu: float | None  # against the named accelerator's dense peak
    peak_share: dict[str, float]  # matmul TFLOP/s / catalog peak, when the accelerator is named
    gemm_tflops: dict[str, float]  # width -> TFLOP/s of a tokens×w by w×w product

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class GemmCurve:
    """``ε(g) = ε_max·g/(g+g₀)`` fitted to measured shares of peak, ``g`` in the model's units."""

    matmul_efficiency_max: float
    matmul_half_width: float
    points: int


def fit_gemm_curve(widths: list[float], shares: list[float]) -> GemmCurve:
    """Least squares on the shares of peak; ``widths`` already in the model's ``g``
    (:func:`~flopfolio.perf.step_time.width_scale`)."""
    import numpy as np
    from scipy.optimize import curve_fit

    if len(widths) < 2 or len(widths) != len(shares):
        raise InvalidSpecError("A GEMM curve needs at least two widths, each with its share.")

    def curve(g: Any, efficiency: float, half_width: float) -> Any:
        return efficiency * g / (g + half_width)

    try:
        (efficiency, half_width), _ = curve_fit(
            curve, np.array(widths), np.array(shares), p0=(max(shares), float(np.median(widths)) / 4),
            bounds=((0.0, 0.0), (1.0, 1e6)),
        )  # fmt: skip
    except RuntimeError:  # no convergence: the measurements do not follow the curve
        raise InvalidSpecError(
            "The GEMM sweep does not follow ε(g) = ε_max·g/(g+g₀) (no fit converged). "
            "To fix: run bench on the accelerator itself, with the default sizes."
        ) from None
    return GemmCurve(float(efficiency), float(half_width), len(widths))


def measured_gemm_curve(
    result: BenchResult, accelerator: Accelerator, precision: Precision
) -> GemmCurve:
    """The sweep of ``result`` as the model's ``ε(g)`` on ``accelerator`` at ``precision``."""
    scale = width_scale(accelerator, precision)
    peak = accelerator.peak(precision)
    widths = [float(w) * scale for w in result.gemm_tflops]
    shares = [tflops * 1e12 / peak for tflops in result.gemm_tflops.values()]
    return fit_gemm_curve(widths, shares)


def gemm_fit_report(
    result: BenchResult, accelerator: Accelerator, precision: Precision, fitted: StepConstants
) -> dict[str, Any]:
    """The measured ``ε(g)`` beside the constants ``fitted`` on published runs, or why the sweep
    gives none (the measurements are kept either way)."""
    try:
        curve = measured_gemm_curve(result, accelerator, precision)
    except InvalidSpecError as exc:
        return {"precision": precision.value, "error": str(exc)}
    return {
        "precision": precision.value,
        "matmul_efficiency_max": curve.matmul_efficiency_max,
        "matmul_half_width": curve.matmul_half_width,
        "points": curve.points,
        "shipped_matmul_efficiency_max": fitted.matmul_efficiency_max,
        "shipped_matmul_half_width": fitted.matmul_half_width,
    }


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise TorchMissingError(
            "flopfolio bench needs PyTorch. To fix: pip install 'flopfolio[bench]' (or torch)."
        ) from None
    return torch


def _timed(torch: Any, device: str, fn: Callable[[], object], repeats: int) -> float:
    """Median seconds per call, after two warm-up calls."""
    for _ in range(2):
        fn()
    times = []
    for _ in range(repeats):
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def _product(a: Any, b: Any) -> Callable[[], object]:
    return lambda: a @ b


def _step_spec(s: BenchSizes) -> TransformerSpec:
    return TransformerSpec(
        name="bench", layers=s.layers, hidden=s.hidden, heads=s.heads, ffn_hidden=4 * s.hidden,
        vocab=1, seq_len=s.seq_len, feed_forward=FeedForward.MLP, linear_bias=True, layernorm_bias=True,
        tied_embeddings=True,
    )  # fmt: skip


def run_bench(
    precisions: list[Precision],
    *,
    device: str | None = None,
    sizes: BenchSizes | None = None,
    peaks: dict[Precision, float] | None = None,
) -> BenchResult:
    """Measure matmul, bandwidth and a training step on ``device`` (default: CUDA if present)."""
    torch = _torch()
    s = sizes or BenchSizes()
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    unsupported = [p.value for p in precisions if p not in _TORCH_DTYPES]
    if unsupported:
        raise InvalidSpecError(
            f"bench measures fp32, tf32, bf16 and fp16; not {', '.join(unsupported)}."
        )
    matmul: dict[str, float] = {}
    for precision in precisions:
        torch.backends.cuda.matmul.allow_tf32 = precision is Precision.TF32
        dtype = getattr(torch, _TORCH_DTYPES[precision])
        a = torch.randn(s.matmul_n, s.matmul_n, device=device, dtype=dtype)
        b = torch.randn(s.matmul_n, s.matmul_n, device=device, dtype=dtype)
        seconds = _timed(torch, device, _product(a, b), s.repeats)
        matmul[precision.value] = 2.0 * s.matmul_n**3 / seconds / 1e12

    gemm: dict[str, float] = {}
    dtype = getattr(torch, _TORCH_DTYPES[precisions[0]])
    torch.backends.cuda.matmul.allow_tf32 = precisions[0] is Precision.TF32
    for width in s.gemm_widths:
        a = torch.randn(s.gemm_tokens, width, device=device, dtype=dtype)
        b = torch.randn(width, width, device=device, dtype=dtype)
        seconds = _timed(torch, device, _product(a, b), s.repeats)
        gemm[str(width)] = 2.0 * s.gemm_tokens * width**2 / seconds / 1e12

    buffer = torch.empty(s.bandwidth_mib * 2**20 // 4, device=device, dtype=torch.float32)
    target = torch.empty_like(buffer)

    def copy() -> None:
        target.copy_(buffer)

    copy_s = _timed(torch, device, copy, s.repeats)
    bandwidth = 2.0 * buffer.numel() * 4 / copy_s / 1e9

    step_precision = precisions[0]
    dtype = getattr(torch, _TORCH_DTYPES[step_precision])
    layers = torch.nn.Sequential(
        *[
            torch.nn.TransformerEncoderLayer(
                s.hidden, s.heads, 4 * s.hidden, dropout=0.0, batch_first=True
            )
            for _ in range(s.layers)
        ]
    ).to(device=device, dtype=dtype)
    optimizer = torch.optim.AdamW(layers.parameters(), lr=1e-4)
    x = torch.randn(s.batch, s.seq_len, s.hidden, device=device, dtype=dtype)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(
        s.seq_len, device=device, dtype=dtype
    )

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        out = x
        for layer in layers:
            out = layer(out, src_mask=mask, is_causal=True)
        out.float().pow(2).mean().backward()
        optimizer.step()

    step_s = _timed(torch, device, step, max(2, s.repeats // 2))
    flops = training_flops(_step_spec(s), float(s.batch * s.seq_len), s.seq_len).total
    step_tflops = flops / step_s / 1e12
    peak = (peaks or {}).get(step_precision)
    shares = {
        p.value: matmul[p.value] * 1e12 / peaks[p] for p in precisions if peaks and p in peaks
    }
    return BenchResult(
        device=str(torch.cuda.get_device_name() if device.startswith("cuda") else device),
        matmul_tflops=matmul,
        memory_gb_per_s=bandwidth,
        step_seconds=step_s,
        step_tflops=step_tflops,
        step_mfu=step_tflops * 1e12 / peak if peak else None,
        peak_share=shares,
        gemm_tflops=gemm,
    )


def time_layout_search(catalog: Catalog, repeats: int = 5) -> dict[str, Any]:
    """How long this machine takes to search every parallel layout of Llama 3.1 405B on 16,384
    H100s (Meta's run: sequence 8,192, 16M tokens per step): the median of ``repeats``, in ms."""
    import statistics

    from flopfolio.perf.parallel import RunShape
    from flopfolio.perf.utilization import search

    acc = catalog.accelerator("H100")
    spec = catalog.preset("llama-3.1-405b").spec
    run = RunShape(spec, Precision.BF16, 16_384, 8192, 2048 * 8192, acc.memory_gib, acc.node_size)
    constants = StepConstants(*catalog.utilization.values)
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = search(run, acc, constants)
        times.append(time.perf_counter() - start)
    if result is None:
        raise InvalidSpecError(
            "no parallel layout of llama-3.1-405b on 16,384 H100 (catalog edited?)"
        )
    return {
        "what": f"llama-3.1-405b on 16,384 x {acc.id}",
        "median_ms": statistics.median(times) * 1e3,
        "configurations": result.configurations,
        "best": result.best.describe(),
    }
