"""An in-process client over the ASGI app, with an operator key and two member keys."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.service.conftest import bootstrap


@dataclass
class ApiClient:
    client: Any
    operator: str
    keys: dict[str, str] = field(default_factory=dict)

    def call(self, method: str, path: str, body: object, key: str | None) -> httpx.Response:
        headers = {} if key is None else {"X-API-Key": key}
        response: httpx.Response = self.client.request(method, path, json=body, headers=headers)
        return response


def make_app(db_url: str) -> ApiClient:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's TestClient warns about httpx versions
        from fastapi.testclient import TestClient

    from flopfolio.service.app import create_app

    operator = bootstrap(db_url)
    api = ApiClient(TestClient(create_app(db_url)), operator)
    api.call("POST", "/api/contracts", {"id": "c0", "provider": "p", "accelerator": "H100", "gpus": 64,
                                        "start_month": 0, "end_month": 12, "usd_per_gpu_hour": 2.0}, operator)  # fmt: skip
    for member in ("alpha", "beta"):
        api.call("POST", "/api/members", {"id": member, "name": member.title()}, operator)
        api.keys[member] = api.call(
            "POST", "/api/keys", {"role": "member", "member_id": member}, operator
        ).json()["key"]
    return api
