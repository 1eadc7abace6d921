"""The pool dashboard's endpoints: the program over time, one member's view, the savings report,
and the queue of requests held for the operator's approval. Scoping is :func:`auth.scope`'s, as
everywhere: a member key reads only its own member."""

from __future__ import annotations

import json
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from flopfolio.charts.page_figures import as_json, member_figure, pool_figure, pool_use_figure
from flopfolio.pool.program import (
    member_dashboard,
    program_dashboard,
    program_savings,
    top_up_prices,
)
from flopfolio.service.auth import CurrentPrincipal, Operator, scope
from flopfolio.service.deps import ReadRepo, WriteRepo
from flopfolio.service.pool_routes import Limit, Offset, actor, plain
from flopfolio.service.schemas import AllocationPublic, Decision, RequestResult

router = APIRouter(tags=["dashboard"])


@router.get("/dashboard")
def dashboard(
    repo: ReadRepo, who: CurrentPrincipal, member_id: str | None = None
) -> dict[str, Any]:
    """The operator's program view, or — for a member key, or an operator naming ``member_id`` —
    one member's GPUs by month and bill."""
    chosen = scope(who, member_id)
    if chosen is None:
        view = program_dashboard(repo)
        return {"view": "program", **view, "chart": as_json(pool_figure(view)),
                "use_chart": as_json(pool_use_figure(view["use"]))}  # fmt: skip
    view = member_dashboard(repo, chosen)
    return {"view": "member", **view, "chart": as_json(member_figure(view))}


@router.get("/savings")
def savings(repo: ReadRepo, who: Operator) -> dict[str, Any]:
    """Pooled procurement of the accepted requests against each member buying alone (a MILP:
    seconds)."""
    del who
    return program_savings(repo)


@router.get("/requests", tags=["requests"])
async def list_requests(
    repo: ReadRepo,
    who: CurrentPrincipal,
    member_id: str | None = None,
    status: Literal["pending", "accepted", "rejected", "declined"] | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> JSONResponse:
    rows = repo.requests(scope(who, member_id), status, limit, offset)
    items = [
        {"id": r.id, "member_id": r.member_id, "kind": r.kind, "status": r.status,
         "reason": r.reason, "spec": json.loads(r.spec_json),
         "created_at": r.created_at.isoformat() if r.created_at else None}
        for r in rows
    ]  # fmt: skip
    return JSONResponse(
        {"items": items, "next_offset": offset + limit if len(items) == limit else None}
    )


def _decide(repo: Any, who: Any, request_id: str, approve: bool, reason: str,
            top_up: bool = False) -> JSONResponse:  # fmt: skip
    prices = top_up_prices() if approve and top_up else None
    row, allocations, rejection = repo.decide(request_id, approve, actor(who), reason, prices)
    result = RequestResult(
        request_id=row.id, status=row.status, reason=row.reason or None,
        allocations=[AllocationPublic(**{**plain(a), "kind": a.kind.value}) for a in allocations],
        contracts_bought=[plain(c) for c in repo.bought] if approve else [],
    )  # fmt: skip
    repo.session.commit()
    return JSONResponse(result.model_dump(), status_code=409 if rejection else 200)


@router.post("/requests/{request_id}/approve", tags=["requests"])
def approve(request_id: str, repo: WriteRepo, who: Operator, top_up: bool = True) -> JSONResponse:
    """Place a pending request now (200 accepted). A training or inference request the pool's
    capacity cannot hold is placed on on-demand capacity bought for it at the catalog's cheapest
    on-demand price (``contracts_bought``), all in one transaction; with ``top_up=false``, or when
    nothing can be bought, it is rejected (409)."""
    return _decide(repo, who, request_id, True, "", top_up)


@router.post("/requests/{request_id}/decline", tags=["requests"])
def decline(
    request_id: str, repo: WriteRepo, who: Operator, body: Decision | None = None
) -> JSONResponse:
    return _decide(repo, who, request_id, False, body.reason if body else "")
