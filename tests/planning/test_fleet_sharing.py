"""Two models on one GPU, checked by hand."""

from __future__ import annotations

import pytest

from flopfolio.planning.fleet_sharing import AlonePoint, Slo, best_shared_point


def test_best_pair_by_hand() -> None:
    # a: 10 ms a step, 1,000 req/h alone at batch 4 (20 GiB); b: 30 ms, 3,000 req/h (30 GiB).
    # Together 40 ms a token: within a's 50 ms SLO. a gets 10/40 of the time = 250 req/h, b 30/40
    # = 2,250 req/h; replica equivalents 250/1000 + 2250/3000 = 1.0. 50 GiB fits in 72 GiB.
    a = [AlonePoint(4, 20.0, 0.2, 0.010, 1000.0)]
    b = [AlonePoint(8, 30.0, 0.3, 0.030, 3000.0)]
    got = best_shared_point(a, b, Slo(1.0, 0.050), Slo(None, None), 72.0, 1000.0, 3000.0)
    assert got is not None
    assert got.share_a == pytest.approx(0.25)
    assert got.requests_per_hour_a == pytest.approx(250.0)
    assert got.requests_per_hour_b == pytest.approx(2250.0)
    assert got.replica_equivalents == pytest.approx(1.0)


def test_no_pair_when_memory_or_slo_fails() -> None:
    a = [AlonePoint(4, 50.0, 0.2, 0.010, 1000.0)]
    b = [AlonePoint(8, 30.0, 0.3, 0.030, 3000.0)]
    # 80 GiB > 72 GiB usable
    assert best_shared_point(a, b, Slo(), Slo(), 72.0, 1000.0, 3000.0) is None
    # 40 ms a token breaks a 35 ms SLO
    assert best_shared_point(a, b, Slo(None, 0.035), Slo(), 100.0, 1000.0, 3000.0) is None
    # a's first token (200 ms) waits one step of b (30 ms): 230 ms > 220 ms
    assert best_shared_point(a, b, Slo(0.220, None), Slo(), 100.0, 1000.0, 3000.0) is None
