"""32 concurrent clients × 200 allocation requests through the API, on SQLite and PostgreSQL:
never overbooked, every accepted request stored, every rejection answered with its reason."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import httpx

from flopfolio.pool.placement import never_overbooked
from flopfolio.pool.store.db import make_engine, session_factory
from flopfolio.pool.store.repository import Repository
from tests.service.conftest import Server

CLIENTS, REQUESTS = 32, 200


def setup_pool(base: str, operator: str) -> list[str]:
    head = {"X-API-Key": operator}
    with httpx.Client(base_url=base, headers=head, timeout=30) as c:
        for i, (acc, gpus) in enumerate([("H100", 256), ("H100", 128), ("A100-80GB", 192)]):
            c.post("/contracts", json={"id": f"c{i}", "provider": "p", "accelerator": acc, "cluster": f"k{i}",
                                       "gpus": gpus, "start_month": 0, "end_month": 24,
                                       "usd_per_gpu_hour": 2.0}).raise_for_status()  # fmt: skip
        keys = []
        for m in range(CLIENTS):
            c.post("/members", json={"id": f"m{m}", "name": f"Member {m}"}).raise_for_status()
            keys.append(
                c.post("/keys", json={"role": "member", "member_id": f"m{m}"}).json()["key"]
            )
    return keys


def client_burst(base: str, key: str, seed: int) -> list[tuple[int, dict[str, object]]]:
    rng = random.Random(seed)
    answers = []
    with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=120) as c:
        for _ in range(REQUESTS):
            start = rng.randrange(0, 20)
            if rng.random() < 0.6:
                body = {"accelerators": rng.choice([["H100"], ["A100-80GB"], ["H100", "A100-80GB"]]),
                        "gpus": rng.choice([8, 16, 32, 64]), "duration_months": rng.randint(1, 4),
                        "earliest_month": start, "deadline_month": start + 4}  # fmt: skip
                r = c.post("/requests/training", json=body)
            else:
                body = {"accelerators": ["H100"], "gpus": rng.choice([8, 16]), "start_month": start}
                r = c.post("/requests/burst", json=body)
            answers.append((r.status_code, r.json()))
    return answers


def test_no_overbooking_under_concurrency(server: tuple[Server, str]) -> None:
    srv, operator = server
    keys = setup_pool(srv.base, operator)
    with ThreadPoolExecutor(CLIENTS) as pool:
        results = [
            a
            for batch in pool.map(client_burst, [srv.base] * CLIENTS, keys, range(CLIENTS))
            for a in batch
        ]
    statuses = [s for s, _ in results]
    assert set(statuses) <= {201, 409}, sorted(set(statuses))
    accepted = [body for s, body in results if s == 201]
    rejected = [body for s, body in results if s == 409]
    assert accepted and rejected  # the pool fills up: both outcomes happen
    assert all(body["reason"] for body in rejected)

    engine = make_engine(srv.db_url, writer=False)
    session = session_factory(engine)()
    repo = Repository(session)
    stored = repo.all_allocations()
    contracts = repo.contracts()
    assert never_overbooked(contracts, stored)
    by_request = {a.request_id for a in stored}
    # A later training request may take back a burst's borrowed GPUs: that burst reads
    # "preempted" and its allocation is gone; every other accepted one is stored.
    preempted = {
        str(body["request_id"])
        for body in accepted
        if (row := repo.request_status(str(body["request_id"]))) and row.status == "preempted"
    }
    assert all(repo.request_status(i).kind == "burst" for i in preempted)  # type: ignore[union-attr]
    assert all(body["request_id"] in by_request | preempted for body in accepted)
    assert len(by_request) == len(accepted) - len(preempted)  # and nothing else is
    assert not by_request & {body["request_id"] for body in rejected}
    session.close()
    engine.dispose()
