"""Step time: collective costs by hand, and the shape of the utilization model."""

from dataclasses import replace

import numpy as np
import pytest

from flopfolio.catalog.catalog import Catalog
from flopfolio.perf.parallel import RunShape, enumerate_configs
from flopfolio.perf.step_time import (
    StepConstants,
    mfu,
    ring_latency_seconds,
    ring_seconds,
    step_parts,
    step_seconds,
)
from flopfolio.specs.precision import Precision


def test_ring_inside_a_node(catalog: Catalog) -> None:
    acc = catalog.accelerator("H100")  # NVLink 450 GB/s one way, 8 per node
    one = np.array([1.0])
    seconds = ring_seconds(acc, np.array([8e9]), np.array([8.0]), one)
    # Plus NCCL's ring latency: 8.4 µs base and 7 NVLink hops of 3.4 µs.
    assert seconds[0] == pytest.approx(8e9 * 7 / 8 / 450e9 + 8.4e-6 + 7 * 3.4e-6)


def test_ring_across_nodes_is_hierarchical(catalog: Catalog) -> None:
    acc = catalog.accelerator("H100")  # 50 GB/s scale-out per GPU
    seconds = ring_seconds(acc, np.array([8e9]), np.array([64.0]), np.array([1.0]))
    # 8 GPUs per node share the volume over NVLink, then each carries 1/8 of it across 8 nodes.
    # Latency: 63 steps, 7 of them across the network (NCCL's tuning model).
    latency = 8.4e-6 + 56 * 3.4e-6 + 7 * 9.6e-6
    by_hand = 8e9 * 7 / 8 / 450e9 + 8e9 / 8 * 7 / 8 / 50e9 + latency
    assert seconds[0] == pytest.approx(by_hand)
    # With a stride of 8 (tensor parallel inside the node) every member is on another node.
    strided = ring_seconds(acc, np.array([8e9]), np.array([64.0]), np.array([8.0]))
    assert strided[0] == pytest.approx(8e9 * 63 / 64 / 50e9 + 8.4e-6 + 63 * 9.6e-6)


def test_ring_latency_grows_with_the_ranks(catalog: Catalog) -> None:
    acc = catalog.accelerator("H100")
    ranks = np.array([1.0, 8.0, 2048.0])
    latency = ring_latency_seconds(acc, ranks, np.ones(3))
    # 2,048 ranks on 256 nodes: 8.4 + 1,792 × 3.4 + 255 × 9.6 µs = 8.55 ms per pass, against
    # 32 µs inside one node: what FSDP's per-layer gathers over thousands of ranks pay.
    assert latency[0] == 0.0
    assert latency[1] == pytest.approx(8.4e-6 + 7 * 3.4e-6)
    assert latency[2] == pytest.approx(8.4e-6 + 1792 * 3.4e-6 + 255 * 9.6e-6)


def parts_for(catalog: Catalog):  # type: ignore[no-untyped-def]
    spec = catalog.preset("llama-2-13b").spec
    acc = catalog.accelerator("A100-80GB")
    run = RunShape(spec, Precision.BF16, 256, 4096, 4 * 2**20, 80, 8)
    return step_parts(run, enumerate_configs(run), acc)


def test_utilization_never_exceeds_the_matmul_ceiling(catalog: Catalog) -> None:
    parts = parts_for(catalog)
    k = StepConstants(0.7, 300.0, 50.0, 0.5)
    assert np.all(mfu(parts, step_seconds(parts, k)) <= 0.7 + 1e-9)


def test_constants_move_time_the_right_way(catalog: Catalog) -> None:
    parts = parts_for(catalog)
    base = StepConstants(0.5, 300.0, 50.0, 0.5)
    t0 = step_seconds(parts, base)
    assert np.all(step_seconds(parts, StepConstants(0.6, 300.0, 50.0, 0.5)) < t0)  # faster GEMMs
    assert np.all(step_seconds(parts, StepConstants(0.5, 600.0, 50.0, 0.5)) > t0)  # less saturated
    assert np.all(
        step_seconds(parts, StepConstants(0.5, 300.0, 100.0, 0.5)) > t0
    )  # more memory-bound
    assert np.all(step_seconds(parts, StepConstants(0.5, 300.0, 50.0, 1.0)) <= t0)  # more overlap


def test_newer_hardware_needs_wider_matrices(catalog: Catalog) -> None:
    # The H100 has ~1.9x the A100's FLOP per byte of bandwidth, so the same GEMM sits further
    # from its ridge point: the model predicts a lower MFU for the same run, as measured runs show.
    spec = catalog.preset("llama-2-13b").spec
    k = StepConstants(*catalog.utilization.values)
    results = {}
    for gpu in ("A100-80GB", "H100"):
        acc = catalog.accelerator(gpu)
        run = RunShape(spec, Precision.BF16, 256, 4096, 4 * 2**20, 80, 8)
        parts = step_parts(run, enumerate_configs(run), acc)
        results[gpu] = float(mfu(parts, step_seconds(parts, k)).max())
    assert results["H100"] < results["A100-80GB"]


def test_fp8_gemms_sit_where_bf16_ones_do(catalog: Catalog) -> None:
    # An fp8 operand is 1 byte: the GEMM's FLOP per byte doubles with the peak, so the width
    # measured against the chip's ridge point is the same as in bf16.
    spec = catalog.preset("llama-2-13b").spec
    acc = catalog.accelerator("H100")
    widths = {}
    for precision in (Precision.BF16, Precision.FP8):
        run = RunShape(spec, precision, 256, 4096, 4 * 2**20, 80, 8)
        widths[precision] = step_parts(run, enumerate_configs(run), acc).width
    # (The datasheet's fp8 peak, 1,979, is not quite twice its bf16 one, 989.)
    np.testing.assert_allclose(widths[Precision.FP8], widths[Precision.BF16], rtol=1e-3)
    # By hand, t = 1: h · R₀ / (989e12 / 3.35e12 B/s).
    assert widths[Precision.BF16].max() == pytest.approx(5120 * 150 / (989 / 3.35), rel=1e-3)


def test_pipeline_sends_hide_behind_compute(catalog: Catalog) -> None:
    parts = parts_for(catalog)
    k = StepConstants(0.5, 300.0, 50.0, 0.5)
    zero = step_seconds(replace(parts, p2p=np.zeros_like(parts.p2p)), k)
    # A send shorter than a micro-batch's compute costs nothing ...
    small = step_seconds(replace(parts, p2p=parts.ideal_matmul), k)
    np.testing.assert_allclose(small, zero)
    # ... and what exceeds it is paid on every micro-batch, bubble included.
    compute = parts.ideal_matmul / (0.5 * parts.width / (parts.width + 300.0)) + (
        50.0 * parts.elementwise_per_kappa
    )
    large = step_seconds(replace(parts, p2p=compute + 1.0), k)
    np.testing.assert_allclose(large - zero, parts.micro_batches * (1.0 + parts.bubble))
