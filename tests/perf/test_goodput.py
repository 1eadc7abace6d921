"""Failures, restarts and checkpoints against the Llama 3 report."""

import math

import pytest

from flopfolio.perf.goodput import FAILURES_PER_GPU_HOUR, goodput


def test_failure_rate_is_llama3s() -> None:
    # Llama 3 §3.3.4: 419 unexpected interruptions in 54 days on 16,384 GPUs.
    assert pytest.approx(419) == FAILURES_PER_GPU_HOUR * 16_384 * 54 * 24


def test_llama3_scale_effective_training_time() -> None:
    # Llama 3 reports "higher than 90% effective training time" at 16,384 H100; the model, with
    # its stated restart and asynchronous-checkpoint assumptions, agrees (91%).
    g = goodput(16_384, 54 * 24, 405e9)
    assert 0.90 < g.effective_fraction <= 0.95
    assert g.expected_failures == pytest.approx(419, rel=0.25)


def test_young_interval_by_hand() -> None:
    g = goodput(2048, 30 * 24, 70e9)
    mtbf = 1 / (FAILURES_PER_GPU_HOUR * 2048)
    assert g.cluster_mtbf_hours == pytest.approx(mtbf)
    # Blocking: the 10 s floor (each GPU's 0.55 GB shard copies to host in 0.02 s).
    assert g.checkpoint_hours == pytest.approx(10 / 3600)
    assert g.checkpoint_interval_hours == pytest.approx(math.sqrt(2 * g.checkpoint_hours * mtbf))
    by_hand = (
        g.checkpoint_hours / g.checkpoint_interval_hours
        + (g.checkpoint_interval_hours / 2 + 10 / 60) / mtbf
    )
    assert g.overhead_fraction == pytest.approx(by_hand)
    assert g.failure_overhead == pytest.approx(by_hand)
    # Production overhead multiplies on top: 1.1 × (1 + failures) − 1.
    with_production = goodput(2048, 30 * 24, 70e9, production_overhead=0.1)
    assert with_production.overhead_fraction == pytest.approx(1.1 * (1 + by_hand) - 1)
    assert with_production.production_overhead == 0.1


def test_bigger_clusters_lose_more() -> None:
    small, big = goodput(256, 500, 7e9), goodput(16_384, 500, 7e9)
    assert big.overhead_fraction > small.overhead_fraction > 0
