"""The pool's routes. Each parses, scopes (``auth.scope``), calls the repository, and returns JSON;
writes commit before answering, so a 2xx means the change is stored."""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query
from fastapi.responses import JSONResponse

from flopfolio.catalog.catalog import load_catalog
from flopfolio.pool.domain import (
    BatchRequest,
    BurstRequest,
    Contract,
    InferenceRequest,
    Member,
    TrainingRequest,
)
from flopfolio.pool.store.repository import Repository, new_id
from flopfolio.service.auth import CurrentPrincipal, Operator, Principal, scope
from flopfolio.service.deps import ReadRepo, WriteRepo
from flopfolio.service.schemas import (
    BurstCreate,
    ContractCreate,
    InferenceCreate,
    KeyCreate,
    MemberCreate,
    MemberPublic,
    Page,
    RequestResult,
    TrainingCreate,
)

router = APIRouter()
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
IdempotencyKey = Annotated[str | None, Header(max_length=200)]


def _accelerator(name: str) -> str:
    return load_catalog().resolver.resolve_id(name)


def plain(record: Any) -> dict[str, Any]:
    """A flat domain record as a dict. ``dataclasses.asdict`` deep-copies every field, which was
    most of a page read's CPU; these records hold only scalars."""
    return {f.name: getattr(record, f.name) for f in fields(record)}


def _page(items: list[dict[str, Any]], limit: int, offset: int) -> JSONResponse:
    """A page of plain rows, sent without re-validation (the routes declare ``Page`` for the schema)."""
    return JSONResponse(
        {"items": items, "next_offset": offset + limit if len(items) == limit else None}
    )


def _replay(repo: Repository, who: Principal, key: str | None) -> JSONResponse | None:
    if key is None:
        return None
    done = repo.idempotent(who.key_hash, key)
    return (
        None
        if done is None
        else JSONResponse(json.loads(done.response_json), status_code=done.status_code)
    )


def _answer(
    repo: Repository, who: Principal, key: str | None, status: int, body: dict[str, Any]
) -> JSONResponse:
    if key is not None:
        repo.remember(who.key_hash, key, status, body)
    repo.session.commit()
    return JSONResponse(body, status_code=status)


@router.get("/health", tags=["meta"])
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/me", tags=["meta"])
async def me(who: CurrentPrincipal) -> dict[str, Any]:
    return {"role": who.role, "member_id": who.member_id}


@router.post("/members", status_code=201, tags=["members"])
def create_member(body: MemberCreate, repo: WriteRepo, who: Operator,
                  idempotency_key: IdempotencyKey = None) -> JSONResponse:  # fmt: skip
    if (replayed := _replay(repo, who, idempotency_key)) is not None:
        return replayed
    member = repo.add_member(Member(**body.model_dump()), actor="operator")
    return _answer(repo, who, idempotency_key, 201, MemberPublic(**plain(member)).model_dump())


@router.get("/members", tags=["members"], response_model=Page)
async def list_members(
    repo: ReadRepo, who: Operator, limit: Limit = 100, offset: Offset = 0
) -> JSONResponse:
    del who
    return _page([plain(m) for m in repo.members(limit, offset)], limit, offset)


@router.get("/members/{member_id}", tags=["members"])
async def get_member(member_id: str, repo: ReadRepo, who: CurrentPrincipal) -> MemberPublic:
    return MemberPublic(**plain(repo.get_member(scope(who, member_id) or member_id)))


@router.post("/contracts", status_code=201, tags=["contracts"])
def create_contract(body: ContractCreate, repo: WriteRepo, who: Operator,
                    idempotency_key: IdempotencyKey = None) -> JSONResponse:  # fmt: skip
    if (replayed := _replay(repo, who, idempotency_key)) is not None:
        return replayed
    data = body.model_dump()
    data["accelerator_id"] = _accelerator(data.pop("accelerator"))
    contract = repo.add_contract(Contract(**data), actor="operator")
    return _answer(repo, who, idempotency_key, 201, plain(contract))


@router.get("/contracts", tags=["contracts"], response_model=Page)
async def list_contracts(
    repo: ReadRepo, who: Operator, limit: Limit = 100, offset: Offset = 0
) -> JSONResponse:
    del who
    return _page([plain(c) for c in repo.contracts(limit, offset)], limit, offset)


@router.post("/keys", status_code=201, tags=["keys"])
def create_key(body: KeyCreate, repo: WriteRepo, who: Operator) -> JSONResponse:
    if body.member_id is not None:
        repo.get_member(body.member_id)
    key = repo.create_key(body.role, body.member_id, body.label, actor="operator")
    repo.session.commit()
    del who
    return JSONResponse(
        {"key": key, "role": body.role, "member_id": body.member_id}, status_code=201
    )


def actor(who: Principal) -> str:
    return who.role if who.is_operator else f"member:{who.member_id}"


def _submit(repo: Repository, who: Principal, request: TrainingRequest | InferenceRequest | BurstRequest,
            idempotency_key: str | None, review: bool) -> JSONResponse:  # fmt: skip
    if review:
        repo.hold(request, actor=actor(who))
        held = RequestResult(request_id=request.id, status="pending")
        return _answer(repo, who, idempotency_key, 202, held.model_dump())
    allocations, rejection = repo.submit(request, actor=actor(who))
    result = RequestResult(
        request_id=request.id,
        status="rejected" if rejection else "accepted",
        reason=rejection.reason if rejection else None,
        allocations=[{**plain(a), "kind": a.kind.value} for a in allocations],  # type: ignore[misc]
    )
    return _answer(repo, who, idempotency_key, 409 if rejection else 201, result.model_dump())


def _member_for(who: Principal, member_id: str | None) -> str:
    chosen = scope(who, member_id)
    if chosen is None:
        raise HTTPException(status_code=422, detail="member_id is required with an operator key")
    return chosen


@router.post(
    "/requests/training",
    status_code=201,
    tags=["requests"],
    responses={202: {"model": RequestResult}, 409: {"model": RequestResult}},
)
def request_training(body: TrainingCreate, repo: WriteRepo, who: CurrentPrincipal,
                     idempotency_key: IdempotencyKey = None) -> JSONResponse:  # fmt: skip
    if (replayed := _replay(repo, who, idempotency_key)) is not None:
        return replayed
    request = TrainingRequest(
        new_id(), _member_for(who, body.member_id), tuple(_accelerator(a) for a in body.accelerators),
        body.gpus, body.duration_months, body.earliest_month, body.deadline_month,
    )  # fmt: skip
    return _submit(repo, who, request, idempotency_key, body.review)


@router.post(
    "/requests/inference",
    status_code=201,
    tags=["requests"],
    responses={202: {"model": RequestResult}, 409: {"model": RequestResult}},
)
def request_inference(body: InferenceCreate, repo: WriteRepo, who: CurrentPrincipal,
                      idempotency_key: IdempotencyKey = None) -> JSONResponse:  # fmt: skip
    if (replayed := _replay(repo, who, idempotency_key)) is not None:
        return replayed
    request = InferenceRequest(
        new_id(), _member_for(who, body.member_id), _accelerator(body.accelerator), body.start_month,
        tuple(body.gpus_by_month),
    )  # fmt: skip
    return _submit(repo, who, request, idempotency_key, body.review)


@router.post(
    "/requests/burst",
    status_code=201,
    tags=["requests"],
    responses={202: {"model": RequestResult}, 409: {"model": RequestResult}},
)
def request_burst(body: BurstCreate, repo: WriteRepo, who: CurrentPrincipal,
                  idempotency_key: IdempotencyKey = None) -> JSONResponse:  # fmt: skip
    return _above_quota(BurstRequest, body, repo, who, idempotency_key)


@router.post(
    "/requests/batch",
    status_code=201,
    tags=["requests"],
    responses={202: {"model": RequestResult}, 409: {"model": RequestResult}},
)
def request_batch(body: BurstCreate, repo: WriteRepo, who: CurrentPrincipal,
                  idempotency_key: IdempotencyKey = None) -> JSONResponse:  # fmt: skip
    """Preemptible batch work on idle capacity only (reclaimed first when an owner needs it)."""
    return _above_quota(BatchRequest, body, repo, who, idempotency_key)


def _above_quota(kind: type[BurstRequest], body: BurstCreate, repo: Repository, who: Principal,
                 idempotency_key: str | None) -> JSONResponse:  # fmt: skip
    if (replayed := _replay(repo, who, idempotency_key)) is not None:
        return replayed
    request = kind(
        new_id(), _member_for(who, body.member_id), tuple(_accelerator(a) for a in body.accelerators),
        body.gpus, body.start_month, body.duration_months,
    )  # fmt: skip
    return _submit(repo, who, request, idempotency_key, body.review)


@router.get("/requests/{request_id}", tags=["requests"])
async def get_request(request_id: str, repo: ReadRepo, who: CurrentPrincipal) -> dict[str, Any]:
    row = repo.request_status(request_id)
    if row is None or (not who.is_operator and row.member_id != who.member_id):
        raise HTTPException(
            status_code=404, detail="no such request"
        )  # another member's: not found
    return {"id": row.id, "member_id": row.member_id, "kind": row.kind, "status": row.status,
            "reason": row.reason, "spec": json.loads(row.spec_json)}  # fmt: skip


@router.get("/allocations", tags=["allocations"], response_model=Page)
async def list_allocations(repo: ReadRepo, who: CurrentPrincipal, member_id: str | None = None,
                     limit: Limit = 100, offset: Offset = 0) -> JSONResponse:  # fmt: skip
    rows = repo.allocations(scope(who, member_id), limit, offset)
    return _page([{**plain(a), "kind": a.kind.value} for a in rows], limit, offset)


@router.get("/invoices", tags=["ledger"], response_model=Page)
async def invoices(repo: ReadRepo, who: CurrentPrincipal, member_id: str | None = None,
             limit: Limit = 100, offset: Offset = 0) -> JSONResponse:  # fmt: skip
    rows = repo.ledger(scope(who, member_id), limit, offset)
    items = [
        {"member_id": r.member_id, "month": r.month, "kind": r.kind, "usd": r.usd, "memo": r.memo}
        for r in rows
    ]
    return _page(items, limit, offset)


@router.get("/audit", tags=["audit"], response_model=Page)
async def audit(
    repo: ReadRepo,
    who: Operator,
    member_id: str | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> JSONResponse:
    del who
    rows = repo.audit_log(limit, offset, member_id)
    items = [{"id": r.id, "at": r.at.isoformat() if r.at else None, "actor": r.actor, "member_id": r.member_id,
              "action": r.action, "detail": json.loads(r.detail)} for r in rows]  # fmt: skip
    return _page(items, limit, offset)
