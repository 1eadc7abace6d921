"""The pool's contracts from pooled demand: the reservation stack by hand, prices by term, and the
demo judged from what is stored — every guarantee met in every month, utilization >= 85%."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from flopfolio.errors import InvalidSpecError
from flopfolio.pool.contracting import (
    AcceleratorPrices,
    PriceOption,
    reservation_layers,
    unmet_guarantees,
)
from flopfolio.pool.demo import demo_portfolio
from flopfolio.pool.program import report_from_database, run_demo
from flopfolio.pool.store.db import make_engine, session_factory
from flopfolio.pool.store.repository import Repository


def test_layers_by_hand() -> None:
    # node 1 (GPUs 1-8) busy in months 0-3: [0, 4); node 2 (9-16) busy in months 1-2: [1, 3)
    assert reservation_layers([8, 16, 16, 8], cover=1.0) == [(0, 4, 8), (1, 3, 8)]
    # a dip: nodes 1 and 2 busy in 2 of 3 months — 67% of their term
    assert reservation_layers([16, 0, 16], cover=0.9) == []
    assert reservation_layers([16, 0, 16], cover=0.6) == [(0, 3, 16)]
    # 12 GPUs is one whole node busy; the half node is not reserved
    assert reservation_layers([12, 12], cover=1.0) == [(0, 2, 8)]


def test_bad_cover_is_named() -> None:
    with pytest.raises(InvalidSpecError, match="cover must be in"):
        reservation_layers([8], cover=1.5)


def test_term_price_takes_only_commitments_that_fit() -> None:
    prices = AcceleratorPrices(
        "H100", PriceOption("od", "x", 0, 3.0),
        (PriceOption("1y", "x", 12, 2.5), PriceOption("3y", "x", 36, 2.0)),
    )  # fmt: skip
    assert prices.for_term(6).usd_per_gpu_hour == 3.0  # nothing shorter than 6 months
    assert prices.for_term(24).usd_per_gpu_hour == 2.5  # the 1-year term, renewed
    assert prices.for_term(36).usd_per_gpu_hour == 2.0


def test_demo_meets_every_guarantee_and_keeps_its_contracts_busy(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'pool.db'}"
    demo = run_demo(url, members=60, months=24)
    engine = make_engine(url)
    repo = Repository(session_factory(engine)())
    allocations = repo.all_allocations()
    contracts = repo.contracts()
    repo.session.close()
    engine.dispose()
    p = demo_portfolio(60, 24, 7)
    # the runs as planned: phase-in moved some to a newer card (same work, fewer GPUs)
    moved = {m["request_id"]: m for m in demo["phase_in"]}
    training = [
        replace(r, accelerators=(moved[r.id]["to_accelerator"],), gpus=moved[r.id]["to_gpus"])
        if r.id in moved
        else r
        for r in p.training
    ]
    assert unmet_guarantees(p.members, training, p.inference, allocations, 24) == {}
    held = sum(a.gpus * (a.end_month - a.start_month) for a in allocations)
    contracted = sum(c.gpus * c.months for c in contracts)
    assert held / contracted >= 0.85
    report = report_from_database(url)
    assert report["utilization"] == pytest.approx(held / contracted)
    assert demo["reserved_gpu_months"] + demo["on_demand_gpu_months"] == contracted
    # no month holds more than it contracts, and the monthly rows add up to the totals
    parts = ("held_gpus", "lent_gpus", "batch_gpus", "resold_gpus", "idle_gpus")
    for row in report["monthly"]:
        assert sum(row[k] for k in parts) == row["contracted_gpus"]
        assert min(row[k] for k in parts) >= 0
    resold = sum(r["resold_gpus"] for r in report["monthly"])
    assert sum(r["idle_gpus"] for r in report["monthly"]) == contracted - held - resold
    # savings vs standalone are from the stored contracts and include the idle share
    s = demo["savings"]
    assert s["pooled_usd"] == pytest.approx(
        s["pooled_quota_usd"] + s["pooled_idle_share_usd"] - s["pooled_credits_usd"]
    )
    assert s["pooled_idle_share_usd"] > 0 and s["saving_usd"] == pytest.approx(
        s["standalone_usd"] - s["pooled_usd"]
    )
