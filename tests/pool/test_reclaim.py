"""An owner's request takes back lent capacity: batch work first, then borrowed, the latest
accepted first, the fewest allocations that make it fit (pool/placement.place_reclaiming), and
the store does it in the same transaction as the placement."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

from flopfolio.pool.domain import (
    Allocation,
    AllocationKind,
    BatchRequest,
    BurstRequest,
    Contract,
    InferenceRequest,
    Member,
    TrainingRequest,
)
from flopfolio.pool.placement import Rejection, never_overbooked, place_reclaiming
from flopfolio.pool.store.db import make_engine, session_factory, upgrade
from flopfolio.pool.store.repository import Repository

H100 = "H100-SXM5-80GB"
CONTRACT = Contract("c0", "p", H100, "x", 16, 0, 6, 2.0)


def _ids() -> Callable[[], str]:
    counter = itertools.count()
    return lambda: f"new{next(counter)}"


def _alloc(id_: str, kind: AllocationKind, gpus: int, member: str = "beta") -> Allocation:
    return Allocation(id_, member, "c0", 0, 6, gpus, kind, f"r-{id_}")


def test_the_shortest_prefix_of_the_order_is_preempted() -> None:
    held = _alloc("own", AllocationKind.GUARANTEED, 8, "alpha")
    batch, borrowed = (
        _alloc("batch", AllocationKind.BATCH, 4),
        _alloc("lent", AllocationKind.BORROWED, 4),
    )
    existing = [held, borrowed, batch]  # the contract is full: 8 + 4 + 4 of 16
    request = TrainingRequest("t", "alpha", (H100,), 4, 3, 0, 6)
    result = place_reclaiming(request, [CONTRACT], existing, _ids(), [batch, borrowed])
    assert not isinstance(result, Rejection)
    placed, preempted = result
    assert preempted == [batch]  # 4 GPUs were enough: the borrowed run keeps its GPUs
    assert never_overbooked([CONTRACT], [held, borrowed, *placed])
    # Eight GPUs need both; nine cannot fit even then (16 - 8 guaranteed).
    eight = TrainingRequest("t8", "alpha", (H100,), 8, 3, 0, 6)
    result = place_reclaiming(eight, [CONTRACT], existing, _ids(), [batch, borrowed])
    assert not isinstance(result, Rejection)
    _, gone = result
    assert gone == [batch, borrowed]
    nine = TrainingRequest("t9", "alpha", (H100,), 9, 3, 0, 6)
    assert isinstance(
        place_reclaiming(nine, [CONTRACT], existing, _ids(), [batch, borrowed]), Rejection
    )


def test_guarantees_are_never_preempted() -> None:
    existing = [_alloc("g", AllocationKind.GUARANTEED, 8), _alloc("i", AllocationKind.INFERENCE, 8)]
    request = InferenceRequest("inf", "alpha", H100, 0, (4, 4))
    result = place_reclaiming(request, [CONTRACT], existing, _ids(), existing)
    assert isinstance(result, Rejection)


def test_the_store_reclaims_in_one_transaction(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'pool.db'}")
    upgrade(engine)
    repo = Repository(session_factory(engine)())
    for member in ("alpha", "beta"):
        repo.add_member(Member(member, member.title()), actor="test")
    repo.add_contract(CONTRACT, actor="test")
    repo.submit(TrainingRequest("own", "alpha", (H100,), 8, 6, 0, 6), actor="test")
    (borrowed,), _ = repo.submit(BurstRequest("burst", "beta", (H100,), 4, 0, 6), actor="test")
    (batch,), _ = repo.submit(BatchRequest("batch", "beta", (H100,), 4, 0, 6), actor="test")
    repo.session.commit()
    assert {borrowed.kind, batch.kind} == {AllocationKind.BORROWED, AllocationKind.BATCH}
    # Alpha's inference needs 4 GPUs in a full contract: beta's batch work gives them back.
    placed, rejection = repo.submit(InferenceRequest("inf", "alpha", H100, 0, (4, 4)), "test")
    repo.session.commit()
    assert rejection is None and sum(a.gpus for a in placed) == 4
    batch_row, burst_row = repo.request_status("batch"), repo.request_status("burst")
    assert batch_row is not None and burst_row is not None
    assert batch_row.status == "preempted" and "inf" in batch_row.reason
    assert burst_row.status == "accepted"
    left = repo.all_allocations()
    assert batch.id not in {a.id for a in left}
    assert never_overbooked(repo.contracts(), left)
    repo.session.close()
    engine.dispose()
