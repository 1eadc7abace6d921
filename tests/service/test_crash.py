"""Killing the server in the middle of a burst of writes loses no accepted write and leaves no
half-written request."""

from __future__ import annotations

import threading
import time

import httpx

from flopfolio.pool.placement import never_overbooked
from flopfolio.pool.store.db import make_engine, session_factory
from flopfolio.pool.store.repository import Repository
from tests.service.conftest import Server
from tests.service.test_concurrency import setup_pool


def test_kill_mid_burst(server: tuple[Server, str]) -> None:
    srv, operator = server
    keys = setup_pool(srv.base, operator)[:8]
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer(key: str, seed: int) -> None:
        i = 0
        with httpx.Client(base_url=srv.base, headers={"X-API-Key": key}, timeout=10) as c:
            while not stop.is_set():
                i += 1
                body = {"accelerators": ["H100"], "gpus": 1 + (seed + i) % 4, "duration_months": 1,
                        "earliest_month": (seed + i) % 20, "deadline_month": (seed + i) % 20 + 2}  # fmt: skip
                try:
                    r = c.post("/requests/training", json=body)
                except httpx.HTTPError:
                    return  # the server died mid-request: that write was never acknowledged
                if r.status_code == 201:
                    with lock:
                        acknowledged.append(r.json()["request_id"])

    threads = [threading.Thread(target=writer, args=(k, n)) for n, k in enumerate(keys)]
    for t in threads:
        t.start()
    time.sleep(2.0)
    srv.kill()  # SIGKILL, mid-burst
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert len(acknowledged) > 10

    engine = make_engine(srv.db_url, writer=False)
    session = session_factory(engine)()
    repo = Repository(session)
    stored = repo.all_allocations()
    stored_requests = {a.request_id for a in stored}
    assert set(acknowledged) <= stored_requests  # nothing acknowledged was lost
    for request_id in stored_requests:  # and every stored request is whole
        row = repo.request_status(request_id)
        assert row is not None and row.status == "accepted"
    assert never_overbooked(repo.contracts(), stored)
    session.close()
    engine.dispose()
    srv.start()  # it comes back on the same data
    assert httpx.get(f"{srv.base}/health").status_code == 200
