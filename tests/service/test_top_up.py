"""An approval's on-demand top-up is one transaction: the contract it buys, the allocation, the
request's status and the audit rows are stored together or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from flopfolio.pool.domain import Contract, Member, TrainingRequest
from flopfolio.pool.program import top_up_prices
from flopfolio.pool.store.db import make_engine, session_factory, upgrade
from flopfolio.pool.store.repository import Repository


def _one_contract(tmp_path: Path) -> tuple[Repository, object]:
    """A fresh store: member alpha and contract c0 (8 H100 for months 0-5)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'pool.db'}")
    upgrade(engine)
    repo = Repository(session_factory(engine)())
    repo.add_member(Member("alpha", "Alpha"), actor="test")
    repo.add_contract(Contract("c0", "p", "H100-SXM5-80GB", "x", 8, 0, 6, 2.0), actor="test")
    return repo, engine


def _pool(tmp_path: Path) -> tuple[Repository, object]:
    repo, engine = _one_contract(tmp_path)
    repo.submit(TrainingRequest("full", "alpha", ("H100-SXM5-80GB",), 8, 6, 0, 6), actor="test")
    repo.hold(TrainingRequest("late", "alpha", ("H100-SXM5-80GB",), 16, 2, 1, 4), actor="test")
    repo.session.commit()
    return repo, engine


def test_a_failed_top_up_stores_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo, engine = _pool(tmp_path)

    def boom(*_: object, **__: object) -> None:
        raise RuntimeError("the database went away mid-write")

    monkeypatch.setattr(repo, "_record", boom)  # fails after the contract row is added
    with pytest.raises(RuntimeError):
        repo.decide("late", True, "operator", top_up_prices=top_up_prices())
    repo.session.rollback()  # what the service's session does when a route raises
    assert [c.id for c in repo.contracts()] == ["c0"]
    assert repo.request_status("late").status == "pending"
    assert {a.request_id for a in repo.all_allocations()} == {"full"}
    monkeypatch.undo()
    row, allocations, rejection = repo.decide("late", True, "operator",
                                              top_up_prices=top_up_prices())  # fmt: skip
    repo.session.commit()
    assert rejection is None and row.status == "accepted"
    (bought,) = repo.bought
    assert (bought.gpus, bought.start_month, bought.end_month) == (16, 1, 3)
    assert [(a.contract_id, a.gpus) for a in allocations] == [(bought.id, 16)]
    assert {c.id for c in repo.contracts()} == {"c0", bought.id}
    repo.session.close()
    engine.dispose()  # type: ignore[attr-defined]


def test_without_a_price_the_request_is_rejected(tmp_path: Path) -> None:
    repo, engine = _pool(tmp_path)
    row, _, rejection = repo.decide("late", True, "operator", top_up_prices={})
    assert rejection is not None and row.status == "rejected" and repo.bought == []
    repo.session.close()
    engine.dispose()  # type: ignore[attr-defined]


def test_batch_work_is_lent_capacity(tmp_path: Path) -> None:
    """A batch request through the store takes idle GPUs as a ``batch`` allocation: lent, not
    quota (it gives the member no nominal quota)."""
    from flopfolio.pool.domain import AllocationKind, BatchRequest
    from flopfolio.pool.engine import quota_gpus
    from flopfolio.pool.store.repository import request_from_spec

    repo, engine = _pool(tmp_path)
    repo.add_contract(Contract("c1", "p", "H100-SXM5-80GB", "x", 8, 0, 6, 2.0), actor="test")
    (a,), rejection = repo.submit(BatchRequest("b", "alpha", ("H100-SXM5-80GB",), 4, 0, 2), "test")
    repo.session.commit()
    assert rejection is None and a.kind is AllocationKind.BATCH and a.contract_id == "c1"
    row = repo.request_status("b")
    assert row.kind == "batch" and isinstance(
        request_from_spec(row.kind, row.spec_json), BatchRequest
    )
    assert quota_gpus(repo.contracts(), repo.all_allocations(), "alpha", 0) == {"H100-SXM5-80GB": 8}
    repo.session.close()
    engine.dispose()  # type: ignore[attr-defined]


def test_an_inference_top_up_buys_only_the_shortfall(tmp_path: Path) -> None:
    from flopfolio.pool.domain import InferenceRequest

    repo, engine = _one_contract(tmp_path)
    repo.submit(TrainingRequest("half", "alpha", ("H100-SXM5-80GB",), 4, 6, 0, 6), actor="test")
    repo.hold(InferenceRequest("serve", "alpha", "H100-SXM5-80GB", 1, (12, 12)), actor="test")
    repo.session.commit()
    row, allocations, rejection = repo.decide("serve", True, "operator",
                                              top_up_prices=top_up_prices())  # fmt: skip
    repo.session.commit()
    assert rejection is None and row.status == "accepted"
    # 4 of the 12 GPUs are free on c0 in months 1-2; 8 are bought, in whole nodes.
    (bought,) = repo.bought
    assert (bought.gpus, bought.start_month, bought.end_month) == (8, 1, 3)
    for month in (1, 2):
        on = {a.contract_id: a.gpus_at(month) for a in allocations if a.gpus_at(month)}
        assert on == {"c0": 4, bought.id: 8}
    repo.session.close()
    engine.dispose()  # type: ignore[attr-defined]
