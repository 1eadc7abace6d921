"""MoE routing: the busiest expert-parallel rank's load and the permutation traffic."""

import math
from statistics import NormalDist

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flopfolio.perf.routing import busiest_rank_factor, permutation_elements


def test_one_rank_has_no_imbalance() -> None:
    assert float(busiest_rank_factor(4096, 160, 6, 1)) == 1.0


def test_deepseek_v2_layout_by_hand() -> None:
    # 8 EP ranks, 160 experts, top-6, 8 x 4,096 tokens: per token a rank gets a hypergeometric
    # count, mean 6/8, variance 6·(1/8)·(7/8)·154/159; over T tokens μ = 24,576, σ² = T·that.
    tokens = 8 * 4096
    mean = tokens * 6 / 8
    sigma = math.sqrt(tokens * 6 * (1 / 8) * (7 / 8) * 154 / 159)
    z8 = NormalDist().inv_cdf(7.625 / 8.25)  # Blom: 1.434
    expected = 1 + z8 * math.sqrt(8 / 7) * sigma / mean
    assert float(busiest_rank_factor(tokens, 160, 6, 8)) == pytest.approx(expected)
    assert expected == pytest.approx(1.0090, abs=1e-4)  # under 1%: a balanced router's floor


def test_two_ranks_match_the_exact_half_normal() -> None:
    # With two ranks the busier one carries μ + |L - μ|, whose mean is μ + σ·√(2/π) exactly.
    tokens, experts, active = 512, 16, 2
    mean = tokens * active / 2
    sigma = math.sqrt(tokens * active * 0.25 * (experts - active) / (experts - 1))
    exact = 1 + sigma * math.sqrt(2 / math.pi) / mean
    assert float(busiest_rank_factor(tokens, experts, active, 2)) == pytest.approx(exact, rel=0.01)


@settings(max_examples=15, deadline=None)
@given(
    ranks=st.sampled_from([2, 4, 8]),
    active=st.integers(1, 4),
    tokens=st.sampled_from([256, 1024]),
)
def test_matches_simulated_uniform_routing(ranks: int, active: int, tokens: int) -> None:
    experts = 16
    rng = np.random.default_rng(ranks * 100 + active * 10 + tokens)
    trials = 400
    choice = np.argsort(rng.random((trials, tokens, experts)), axis=2)[:, :, :active]
    rank = choice // (experts // ranks)
    loads = np.stack([(rank == r).sum(axis=(1, 2)) for r in range(ranks)], axis=1)
    simulated = float(np.mean(loads.max(axis=1)) / (tokens * active / ranks))
    predicted = float(busiest_rank_factor(tokens, experts, active, ranks))
    assert predicted - 1 == pytest.approx(simulated - 1, rel=0.15, abs=0.004)


def test_permutation_by_hand() -> None:
    # 10 tokens, hidden 4, top-2: forward reads 10·4 and writes 10·2·4, then reads 10·2·4 and
    # writes 10·4 (240 elements); the backward as much again.
    assert float(permutation_elements(10, 4, 2)) == 480
    # Serving moves the tokens forward only: half.
    assert float(permutation_elements(10, 4, 2, backward=False)) == 240
