"""Requests held for the operator's approval, on SQLite and PostgreSQL through a real server: a
member's request waits as pending and places nothing; the operator approves it (placed as a
direct request would be) or declines it; a decided request cannot be decided again; the
dashboard shows each member only its own view."""

from __future__ import annotations

import httpx

from tests.service.conftest import Server

TRAINING = {"accelerators": ["H100"], "gpus": 16, "duration_months": 2, "earliest_month": 0,
            "deadline_month": 4, "review": True}  # fmt: skip


def _setup(base: str, operator: str) -> dict[str, str]:
    op = {"X-API-Key": operator}
    httpx.post(f"{base}/contracts", headers=op, json={
        "id": "c0", "provider": "p", "accelerator": "H100", "gpus": 32, "start_month": 0,
        "end_month": 12, "usd_per_gpu_hour": 2.0}).raise_for_status()  # fmt: skip
    keys = {}
    for member in ("alpha", "beta"):
        httpx.post(
            f"{base}/members", headers=op, json={"id": member, "name": member}
        ).raise_for_status()
        keys[member] = httpx.post(f"{base}/keys", headers=op,
                                  json={"role": "member", "member_id": member}).json()["key"]  # fmt: skip
    return keys


def test_approve_and_decline(server: tuple[Server, str]) -> None:
    srv, operator = server
    base, op = srv.base, {"X-API-Key": operator}
    keys = _setup(base, operator)
    alpha = {"X-API-Key": keys["alpha"]}
    held = httpx.post(f"{base}/requests/training", headers=alpha, json=TRAINING)
    assert held.status_code == 202 and held.json()["status"] == "pending"
    assert httpx.get(f"{base}/allocations", headers=op).json()["items"] == []
    pending = httpx.get(f"{base}/requests?status=pending", headers=op).json()["items"]
    assert [r["id"] for r in pending] == [held.json()["request_id"]]
    assert pending[0]["member_id"] == "alpha" and pending[0]["spec"]["gpus"] == 16
    # A member cannot approve its own request.
    request_id = held.json()["request_id"]
    assert httpx.post(f"{base}/requests/{request_id}/approve", headers=alpha).status_code == 403

    approved = httpx.post(f"{base}/requests/{request_id}/approve", headers=op)
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["status"] == "accepted" and sum(a["gpus"] for a in body["allocations"]) == 16
    again = httpx.post(f"{base}/requests/{request_id}/approve", headers=op)
    assert again.status_code == 422 and "accepted, not pending" in again.json()["detail"]

    # A second request larger than what is left is held, then declined: nothing placed.
    big = httpx.post(f"{base}/requests/training", headers={"X-API-Key": keys["beta"]},
                     json={**TRAINING, "gpus": 32})  # fmt: skip
    declined = httpx.post(f"{base}/requests/{big.json()['request_id']}/decline", headers=op,
                          json={"reason": "over the program's budget"})  # fmt: skip
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    assert declined.json()["reason"] == "over the program's budget"
    assert (
        httpx.get(f"{base}/requests?member_id=beta", headers=op).json()["items"][0]["status"]
        == "declined"
    )
    assert {
        a["member_id"] for a in httpx.get(f"{base}/allocations", headers=op).json()["items"]
    } == {"alpha"}
    assert httpx.post(f"{base}/requests/nope/approve", headers=op).status_code == 404


def test_approval_that_no_longer_fits_is_rejected(server: tuple[Server, str]) -> None:
    srv, operator = server
    base, op = srv.base, {"X-API-Key": operator}
    keys = _setup(base, operator)
    held = httpx.post(f"{base}/requests/training", headers={"X-API-Key": keys["beta"]},
                      json={**TRAINING, "gpus": 32}).json()  # fmt: skip
    # Capacity is taken directly before the operator gets to the held request.
    direct = {**TRAINING, "gpus": 32, "review": False, "duration_months": 4}
    assert (
        httpx.post(
            f"{base}/requests/training", headers={"X-API-Key": keys["alpha"]}, json=direct
        ).status_code
        == 201
    )
    late = httpx.post(f"{base}/requests/{held['request_id']}/approve?top_up=false", headers=op)
    assert late.status_code == 409 and late.json()["status"] == "rejected" and late.json()["reason"]
    assert [c["id"] for c in httpx.get(f"{base}/contracts", headers=op).json()["items"]] == ["c0"]


def test_approval_into_a_full_month_buys_on_demand_capacity(server: tuple[Server, str]) -> None:
    from flopfolio import load_catalog

    srv, operator = server
    base, op = srv.base, {"X-API-Key": operator}
    keys = _setup(base, operator)
    full = {**TRAINING, "gpus": 32, "review": False, "duration_months": 4}
    assert httpx.post(f"{base}/requests/training", headers={"X-API-Key": keys["alpha"]},
                      json=full).status_code == 201  # fmt: skip
    held = httpx.post(f"{base}/requests/training", headers={"X-API-Key": keys["beta"]},
                      json={**TRAINING, "gpus": 24}).json()  # fmt: skip
    approved = httpx.post(f"{base}/requests/{held['request_id']}/approve", headers=op)
    assert approved.status_code == 200, approved.text
    body = approved.json()
    (bought,) = body["contracts_bought"]
    # By hand: 24 H100 GPUs for months 0-2 (the earliest window), at the catalog's cheapest
    # current on-demand H100 price.
    cheapest = min(o.usd_per_gpu_hour for o in load_catalog(None).offers
                   if o.accelerator_id == "H100-SXM5-80GB" and o.status == "current"
                   and o.term == "on_demand")  # fmt: skip
    assert (bought["gpus"], bought["start_month"], bought["end_month"]) == (24, 0, 2)
    assert bought["usd_per_gpu_hour"] == cheapest
    assert body["status"] == "accepted"
    assert [(a["contract_id"], a["gpus"], a["start_month"], a["end_month"]) for a in body["allocations"]] == [
        (bought["id"], 24, 0, 2)
    ]  # fmt: skip
    stored = {c["id"] for c in httpx.get(f"{base}/contracts", headers=op).json()["items"]}
    assert stored == {"c0", bought["id"]}
    status = httpx.get(f"{base}/requests/{held['request_id']}", headers=op).json()["status"]
    assert status == "accepted"
    actions = [
        r["action"] for r in httpx.get(f"{base}/audit?limit=1000", headers=op).json()["items"]
    ]
    assert "contract.top_up" in actions


def test_dashboard_views(server: tuple[Server, str]) -> None:
    srv, operator = server
    base, op = srv.base, {"X-API-Key": operator}
    keys = _setup(base, operator)
    for member in ("alpha", "beta"):
        httpx.post(f"{base}/requests/training", headers={"X-API-Key": keys[member]},
                   json={**TRAINING, "review": False, "gpus": 8}).raise_for_status()  # fmt: skip
    program = httpx.get(f"{base}/dashboard", headers=op).json()
    assert program["view"] == "program" and program["contracted_gpus"][0] == 32
    assert program["allocated_gpus"][:2] == [16, 16] and set(program["by_member"]) == {
        "alpha",
        "beta",
    }
    # 32 GPUs for 12 months, 16 used for 2: 352 free GPU-months, all in whole 8-GPU nodes, so all
    # sublet to the market; nothing stays idle.
    assert program["idle_gpu_months"] == 0 and program["idle_cost_usd"] == 0
    assert program["resold_gpu_months"] == 32 * 12 - 16 * 2
    assert abs(program["utilization"] - 32 / 384) < 1e-12
    assert [r["resold_gpus"] for r in program["use"]] == [16, 16] + [32] * 10
    assert "data" in program["use_chart"]
    own = httpx.get(f"{base}/dashboard", headers={"X-API-Key": keys["alpha"]}).json()
    assert own["view"] == "member" and own["member_id"] == "alpha" and own["gpu_months"] == 16
    assert "beta" not in str(own)
    assert (
        httpx.get(
            f"{base}/dashboard?member_id=beta", headers={"X-API-Key": keys["alpha"]}
        ).status_code
        == 403
    )
