"""A schemathesis run over the API's OpenAPI schema, with an operator key: no input yields a 5xx."""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import schemathesis
from hypothesis import settings

from tests.service.conftest import bootstrap

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from flopfolio.service.app import create_app

_DB = f"sqlite:///{Path(tempfile.mkdtemp()) / 'pool.db'}"
_KEY = bootstrap(_DB)
APP = create_app(_DB)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=25, deadline=None)
def test_no_server_errors(case: schemathesis.Case) -> None:
    response = case.call(headers={"X-API-Key": _KEY})
    assert response.status_code < 500, (case.method, case.path, response.text[:300])
