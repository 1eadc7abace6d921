"""Keys and tenancy on every route: no key or a wrong key is 401; a member key never reads or
changes another member's data; operator-only routes refuse member keys."""

from __future__ import annotations

import pytest

from tests.service.api import ApiClient, make_app

ROUTES = [
    ("GET", "/api/me", None),
    ("GET", "/api/members", None),
    ("GET", "/api/members/beta", None),
    ("POST", "/api/members", {"id": "x", "name": "X"}),
    ("GET", "/api/contracts", None),
    ("POST", "/api/contracts", {"id": "cx", "provider": "p", "accelerator": "H100", "gpus": 8,
                                "start_month": 0, "end_month": 2, "usd_per_gpu_hour": 2.0}),
    ("POST", "/api/keys", {"role": "member", "member_id": "beta"}),
    ("POST", "/api/requests/training", {"member_id": "beta", "accelerators": ["H100"], "gpus": 8,
                                        "duration_months": 1, "earliest_month": 0, "deadline_month": 2}),
    ("POST", "/api/requests/inference", {"member_id": "beta", "accelerator": "H100", "start_month": 0,
                                         "gpus_by_month": [1]}),
    ("POST", "/api/requests/burst", {"member_id": "beta", "accelerators": ["H100"], "gpus": 1, "start_month": 0}),
    ("POST", "/api/requests/batch", {"member_id": "beta", "accelerators": ["H100"], "gpus": 1, "start_month": 0}),
    ("GET", "/api/allocations?member_id=beta", None),
    ("GET", "/api/invoices?member_id=beta", None),
    ("GET", "/api/audit", None),
    ("GET", "/api/dashboard?member_id=beta", None),
    ("GET", "/api/requests?member_id=beta", None),
    ("POST", "/api/requests/any-id/approve", None),
    ("POST", "/api/requests/any-id/decline", None),
    ("GET", "/api/savings", None),
]  # fmt: skip
OPERATOR_ONLY = {"/api/members", "/api/contracts", "/api/keys", "/api/audit", "/api/savings",
                 "/api/requests/any-id/approve", "/api/requests/any-id/decline"}  # fmt: skip


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> ApiClient:
    return make_app(f"sqlite:///{tmp_path_factory.mktemp('auth') / 'pool.db'}")


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_no_key_or_a_wrong_key_is_401(api: ApiClient, method: str, path: str, body: object) -> None:
    if path == "/api/health":
        return
    assert api.call(method, path, body, key=None).status_code == 401
    assert api.call(method, path, body, key="ffp_wrong").status_code == 401


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_a_member_never_touches_another_members_data(
    api: ApiClient, method: str, path: str, body: object
) -> None:
    response = api.call(method, path, body, key=api.keys["alpha"])
    if path.split("?", maxsplit=1)[0] in OPERATOR_ONLY:
        assert response.status_code == 403
    elif path == "/api/me":
        assert response.json() == {"role": "member", "member_id": "alpha"}
    else:  # every route naming member beta refuses alpha's key
        assert response.status_code == 403, (path, response.status_code)


def test_members_see_only_their_own(api: ApiClient) -> None:
    own = api.call("POST", "/api/requests/training", {"accelerators": ["H100"], "gpus": 8, "duration_months": 1,
                                                      "earliest_month": 0, "deadline_month": 3}, key=api.keys["beta"])  # fmt: skip
    assert own.status_code == 201
    request_id = own.json()["request_id"]
    assert (
        api.call("GET", f"/api/requests/{request_id}", None, key=api.keys["alpha"]).status_code
        == 404
    )
    assert (
        api.call("GET", f"/api/requests/{request_id}", None, key=api.keys["beta"]).status_code
        == 200
    )
    mine = api.call("GET", "/api/allocations", None, key=api.keys["alpha"]).json()["items"]
    assert all(a["member_id"] == "alpha" for a in mine)
    everything = api.call("GET", "/api/allocations", None, key=api.operator).json()["items"]
    assert {a["member_id"] for a in everything} >= {"beta"}
    # The operator's audit log records the change with its actor.
    audit = api.call("GET", "/api/audit?member_id=beta", None, key=api.operator).json()["items"]
    assert any(
        a["action"] == "request.training.accepted" and a["actor"] == "member:beta" for a in audit
    )


def test_errors_are_json_4xx(api: ApiClient) -> None:
    bad = api.call("POST", "/api/contracts", {"id": "cz", "provider": "p", "accelerator": "H10O", "gpus": 8,
                                              "start_month": 0, "end_month": 2, "usd_per_gpu_hour": 2.0},
                   key=api.operator)  # fmt: skip
    assert bad.status_code == 404 and "H10O" in bad.json()["detail"]
    dup = api.call("POST", "/api/members", {"id": "alpha", "name": "again"}, key=api.operator)
    assert dup.status_code == 422 and "already exists" in dup.json()["detail"]
    page = api.call("GET", "/api/members?limit=1", None, key=api.operator).json()
    assert len(page["items"]) == 1 and page["next_offset"] == 1
