"""The repository: every read and write of the pool's data, each write one transaction.

Allocation requests are the critical path. Inside one transaction the repository locks the
contracts the request could use (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's transactions
already hold the database write lock from ``BEGIN IMMEDIATE``), reads the allocations on them,
places the request with the pure :mod:`flopfolio.pool.placement` functions, and writes the request,
its allocations and an audit row together — or nothing, if anything fails. Two concurrent
requests therefore never see the same free GPUs.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from flopfolio.errors import InvalidSpecError, UnknownModelError
from flopfolio.pool.contracting import AcceleratorPrices, top_up
from flopfolio.pool.domain import (
    LENT_KINDS,
    Allocation,
    AllocationKind,
    BatchRequest,
    BurstRequest,
    Contract,
    InferenceRequest,
    Member,
    TrainingRequest,
)
from flopfolio.pool.placement import Rejection, place_burst, place_reclaiming
from flopfolio.pool.store.tables import (
    AllocationRow,
    ApiKeyRow,
    AuditRow,
    ContractRow,
    IdempotencyRow,
    LedgerRow,
    MemberRow,
    RequestRow,
)


def new_id() -> str:
    return uuid.uuid4().hex


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def member_from_row(row: MemberRow) -> Member:
    return Member(row.id, row.name, row.stage, row.cash_usd, row.weight, row.join_month, row.graduation_month,
                  row.borrowing_limit)  # fmt: skip


def contract_from_row(row: ContractRow) -> Contract:
    return Contract(row.id, row.provider, row.accelerator_id, row.cluster, row.gpus, row.start_month,
                    row.end_month, row.usd_per_gpu_hour, row.upfront)  # fmt: skip


def allocation_from_row(row: AllocationRow) -> Allocation:
    return Allocation(row.id, row.member_id, row.contract_id, row.start_month, row.end_month, row.gpus,
                      AllocationKind(row.kind), row.request_id)  # fmt: skip


PoolRequest = TrainingRequest | InferenceRequest | BurstRequest
REQUEST_KINDS: dict[type, str] = {
    TrainingRequest: "training",
    InferenceRequest: "inference",
    BurstRequest: "burst",
    BatchRequest: "batch",
}


def request_from_spec(kind: str, spec_json: str) -> PoolRequest:
    """A stored request (``RequestRow.spec_json``) back as its domain object."""
    data = json.loads(spec_json)
    if kind == "inference":
        return InferenceRequest(**{**data, "gpus_by_month": tuple(data["gpus_by_month"])})
    data["accelerators"] = tuple(data["accelerators"])
    if kind == "training":
        return TrainingRequest(**data)
    return BatchRequest(**data) if kind == "batch" else BurstRequest(**data)


def _request_months(request: PoolRequest) -> tuple[int, int]:
    if isinstance(request, InferenceRequest):
        return request.start_month, request.start_month + len(request.gpus_by_month)
    if isinstance(request, TrainingRequest):
        return request.earliest_month, request.deadline_month
    return request.start_month, request.start_month + request.duration_months


def _check_window(member: Member, request: PoolRequest) -> None:
    first, last = _request_months(request)
    if not member.active_in(first) or (
        member.graduation_month is not None and last > member.graduation_month
    ):
        raise InvalidSpecError(
            f"member {member.id} is in the program from month {member.join_month} to "
            f"{member.graduation_month if member.graduation_month is not None else 'open end'}; "
            f"the request runs months {first}-{last}."
        )


class Repository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.bought: list[Contract] = []  # contracts the last approval bought (on-demand top-up)

    # --- audit ------------------------------------------------------------------------------
    def audit(
        self, actor: str, action: str, detail: dict[str, Any], member_id: str | None = None
    ) -> None:
        self.session.add(
            AuditRow(
                actor=actor,
                action=action,
                member_id=member_id,
                detail=json.dumps(detail, default=str),
            )
        )

    def audit_log(self, limit: int, offset: int, member_id: str | None = None) -> list[AuditRow]:
        query = select(AuditRow).order_by(AuditRow.id).limit(limit).offset(offset)
        if member_id is not None:
            query = query.where(AuditRow.member_id == member_id)
        return list(self.session.scalars(query))

    # --- members and contracts -------------------------------------------------------------------
    def add_member(self, member: Member, actor: str) -> Member:
        if self.session.get(MemberRow, member.id) is not None:
            raise InvalidSpecError(f"member {member.id!r} already exists.")
        self.session.add(MemberRow(**asdict(member)))
        self.audit(actor, "member.create", asdict(member), member.id)
        return member

    def add_members(self, members: Sequence[Member], actor: str) -> None:
        """Many new members in one statement (``executemany``) and one audit row."""
        if members:
            self.session.execute(insert(MemberRow), [asdict(m) for m in members])
            self.audit(actor, "member.create_many", {"members": len(members)})

    def add_contracts(self, contracts: Sequence[Contract], actor: str) -> None:
        """Many new contracts in one statement and one audit row."""
        if contracts:
            self.session.execute(insert(ContractRow), [asdict(c) for c in contracts])
            self.audit(actor, "contract.create_many", {"contracts": len(contracts)})

    def get_member(self, member_id: str) -> Member:
        row = self.session.get(MemberRow, member_id)
        if row is None:
            raise UnknownModelError(f"No member {member_id!r}.")
        return member_from_row(row)

    def members(self, limit: int = 100, offset: int = 0) -> list[Member]:
        rows = self.session.scalars(
            select(MemberRow).order_by(MemberRow.id).limit(limit).offset(offset)
        )
        return [member_from_row(r) for r in rows]

    def add_contract(self, contract: Contract, actor: str) -> Contract:
        if self.session.get(ContractRow, contract.id) is not None:
            raise InvalidSpecError(f"contract {contract.id!r} already exists.")
        self.session.add(ContractRow(**asdict(contract)))
        self.audit(actor, "contract.create", asdict(contract))
        return contract

    def contracts(self, limit: int = 1000, offset: int = 0) -> list[Contract]:
        rows = self.session.scalars(
            select(ContractRow).order_by(ContractRow.id).limit(limit).offset(offset)
        )
        return [contract_from_row(r) for r in rows]

    # --- allocation -----------------------------------------------------------------------------
    def _locked_contracts(self, accelerators: Sequence[str]) -> list[Contract]:
        query = (
            select(ContractRow)
            .where(ContractRow.accelerator_id.in_(accelerators))
            .order_by(ContractRow.id)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        return [contract_from_row(r) for r in self.session.scalars(query)]

    def _allocations_on(self, contracts: Sequence[Contract]) -> list[Allocation]:
        ids = [c.id for c in contracts]
        if not ids:
            return []
        rows = self.session.scalars(select(AllocationRow).where(AllocationRow.contract_id.in_(ids)))
        return [allocation_from_row(r) for r in rows]

    def submit(self, request: PoolRequest, actor: str) -> tuple[list[Allocation], Rejection | None]:
        """Place and record a request; returns its allocations, or the rejection (also recorded)."""
        allocations, rejection = self._place(request)
        self.session.add(RequestRow(
            id=request.id, member_id=request.member_id, kind=REQUEST_KINDS[type(request)],
            spec_json=json.dumps(asdict(request)), status="rejected" if rejection else "accepted",
            reason=rejection.reason if rejection else "",
        ))  # fmt: skip
        self.session.flush()
        self._record(request, allocations, rejection, actor)
        return allocations, rejection

    def hold(self, request: PoolRequest, actor: str) -> None:
        """Record a request for the operator to approve or decline; nothing is placed yet."""
        _check_window(self.get_member(request.member_id), request)
        kind = REQUEST_KINDS[type(request)]
        self.session.add(RequestRow(id=request.id, member_id=request.member_id, kind=kind,
                                    spec_json=json.dumps(asdict(request)), status="pending", reason=""))  # fmt: skip
        self.audit(
            actor, f"request.{kind}.pending", {"request": asdict(request)}, request.member_id
        )

    def decide(
        self,
        request_id: str,
        approve: bool,
        actor: str,
        reason: str = "",
        top_up_prices: Mapping[str, AcceleratorPrices] | None = None,
    ) -> tuple[RequestRow, list[Allocation], Rejection | None]:
        """Approve a pending request (place it now, as :meth:`submit` would) or decline it.

        With ``top_up_prices``, a guaranteed (training) or inference request that the pool's
        capacity cannot place is placed on on-demand capacity bought for it
        (:func:`contracting.top_up`): the new contracts, the allocations, the request's status and
        the audit rows are written in this one transaction — all of them or, if anything fails,
        none (the caller commits). :attr:`bought` lists the contracts bought."""
        query = select(RequestRow).where(RequestRow.id == request_id)
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        row = self.session.scalar(query)
        if row is None:
            raise UnknownModelError(
                f"no request {request_id!r}. To fix: list them with GET /api/requests."
            )
        if row.status != "pending":
            raise InvalidSpecError(
                f"request {request_id} is {row.status}, not pending: only pending requests can be "
                "approved or declined."
            )
        if not approve:
            row.status, row.reason = "declined", reason or "declined by the operator"
            self.audit(actor, f"request.{row.kind}.declined", {"reason": row.reason}, row.member_id)
            return row, [], None
        request = request_from_spec(row.kind, row.spec_json)
        allocations, rejection = self._place(request)
        self.bought = []
        if rejection and top_up_prices and isinstance(request, TrainingRequest | InferenceRequest):
            horizon = max(
                [_request_months(request)[1], *(c.end_month for c in self.contracts(1_000_000))]
            )
            member = self.get_member(request.member_id)
            held = (
                self._locked_contracts((request.accelerator_id,))
                if isinstance(request, InferenceRequest)
                else []
            )
            bought = top_up(request, member, top_up_prices, horizon,
                            lambda acc: f"{acc.lower()}-od-{new_id()[:12]}",
                            held, self._allocations_on(held))  # fmt: skip
            if bought is not None:
                self.bought, allocations = bought
                for c in self.bought:
                    self.session.add(ContractRow(**asdict(c)))
                    self.audit(actor, "contract.top_up", {**asdict(c), "request_id": request.id},
                               request.member_id)  # fmt: skip
                self.session.flush()
                rejection = None
        row.status = "rejected" if rejection else "accepted"
        row.reason = rejection.reason if rejection else ""
        self._record(request, allocations, rejection, actor)
        return row, allocations, rejection

    def requests(
        self,
        member_id: str | None = None,
        status: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[RequestRow]:
        query = select(RequestRow).order_by(RequestRow.created_at.desc(), RequestRow.id)
        if member_id is not None:
            query = query.where(RequestRow.member_id == member_id)
        if status is not None:
            query = query.where(RequestRow.status == status)
        return list(self.session.scalars(query.limit(limit).offset(offset)))

    def _place(self, request: PoolRequest) -> tuple[list[Allocation], Rejection | None]:
        _check_window(self.get_member(request.member_id), request)
        accelerators = (
            (request.accelerator_id,)
            if isinstance(request, InferenceRequest)
            else request.accelerators
        )
        contracts = self._locked_contracts(accelerators)
        existing = self._allocations_on(contracts)
        if isinstance(request, TrainingRequest | InferenceRequest):
            # An owner's request takes back what the pool lent out of its capacity.
            reclaimed = place_reclaiming(
                request, contracts, existing, new_id, self._preemption_order(existing)
            )
            if isinstance(reclaimed, Rejection):
                return [], reclaimed
            placed, preempted = reclaimed
            self._preempt(preempted, request)
            return placed, None
        burst = place_burst(request, contracts, existing, new_id)
        if isinstance(burst, Rejection):
            return [], burst
        return [burst], None

    def _preemption_order(self, allocations: Sequence[Allocation]) -> list[Allocation]:
        """Lent allocations, batch work before borrowed, the latest accepted first."""
        lent = [a for a in allocations if a.kind in LENT_KINDS]
        ids = {a.request_id for a in lent}
        rows = select(RequestRow.id, RequestRow.created_at).where(RequestRow.id.in_(ids))
        created = {i: str(at) for i, at in self.session.execute(rows).all()} if ids else {}
        latest_first = sorted(
            lent, key=lambda a: (created.get(a.request_id, ""), a.id), reverse=True
        )
        return sorted(latest_first, key=lambda a: a.kind != AllocationKind.BATCH)

    def _preempt(self, preempted: Sequence[Allocation], by: PoolRequest) -> None:
        """Remove preempted allocations and say so on their requests, in this transaction."""
        for a in preempted:
            row = self.session.get(AllocationRow, a.id)
            if row is not None:
                self.session.delete(row)
            owner = self.session.get(RequestRow, a.request_id)
            if owner is not None:
                owner.status = "preempted"
                owner.reason = f"capacity reclaimed for {by.member_id}'s request {by.id}"
            self.audit("pool", "allocation.preempted",
                       {"allocation": asdict(a), "by_request": by.id}, a.member_id)  # fmt: skip
        if preempted:
            self.session.flush()

    def _record(self, request: PoolRequest, allocations: list[Allocation],
                rejection: Rejection | None, actor: str) -> None:  # fmt: skip
        for a in allocations:
            self.session.add(AllocationRow(id=a.id, member_id=a.member_id, contract_id=a.contract_id,
                                           request_id=a.request_id, start_month=a.start_month,
                                           end_month=a.end_month, gpus=a.gpus, kind=a.kind.value))  # fmt: skip
        kind = REQUEST_KINDS[type(request)]
        self.audit(actor, f"request.{kind}.{'rejected' if rejection else 'accepted'}",
                   {"request": asdict(request), "allocations": [asdict(a) for a in allocations],
                    "reason": rejection.reason if rejection else None}, request.member_id)  # fmt: skip

    def allocations(
        self, member_id: str | None = None, limit: int = 1000, offset: int = 0
    ) -> list[Allocation]:
        query = (
            select(AllocationRow)
            .order_by(AllocationRow.start_month, AllocationRow.id)
            .limit(limit)
            .offset(offset)
        )
        if member_id is not None:
            query = query.where(AllocationRow.member_id == member_id)
        return [allocation_from_row(r) for r in self.session.scalars(query)]

    def all_allocations(self) -> list[Allocation]:
        return [allocation_from_row(r) for r in self.session.scalars(select(AllocationRow))]

    def request_status(self, request_id: str) -> RequestRow | None:
        return self.session.get(RequestRow, request_id)

    # --- ledger ---------------------------------------------------------------------------------
    def replace_ledger(self, entries: Sequence[Any], actor: str) -> None:
        self.session.execute(delete(LedgerRow))
        if entries:
            rows = [{"member_id": e.member_id, "month": e.month, "kind": str(e.kind), "usd": e.usd,
                     "memo": e.memo} for e in entries]  # fmt: skip
            self.session.execute(insert(LedgerRow), rows)
        self.audit(actor, "ledger.recompute", {"entries": len(entries)})

    def ledger(
        self, member_id: str | None = None, limit: int = 1000, offset: int = 0
    ) -> list[LedgerRow]:
        query = (
            select(LedgerRow).order_by(LedgerRow.month, LedgerRow.id).limit(limit).offset(offset)
        )
        if member_id is not None:
            query = query.where(LedgerRow.member_id == member_id)
        return list(self.session.scalars(query))

    # --- keys and idempotency -------------------------------------------------------------------
    def create_key(self, role: str, member_id: str | None, label: str, actor: str) -> str:
        if role not in ("operator", "member") or (role == "member") != (member_id is not None):
            raise InvalidSpecError(
                "a member key needs a member; an operator key must not have one."
            )
        key = "ffp_" + secrets.token_urlsafe(24)
        self.session.add(
            ApiKeyRow(key_hash=hash_key(key), role=role, member_id=member_id, label=label)
        )
        self.audit(actor, "key.create", {"role": role, "label": label}, member_id)
        return key

    def principal(self, key: str) -> ApiKeyRow | None:
        return self.session.get(ApiKeyRow, hash_key(key))

    def idempotent(self, principal: str, key: str) -> IdempotencyRow | None:
        return self.session.scalar(select(IdempotencyRow).where(IdempotencyRow.principal == principal,
                                                                IdempotencyRow.key == key))  # fmt: skip

    def remember(self, principal: str, key: str, status_code: int, response: Any) -> None:
        self.session.add(IdempotencyRow(principal=principal, key=key, status_code=status_code,
                                        response_json=json.dumps(response, default=str)))  # fmt: skip


def store_program(
    repo: Repository,
    requests: Sequence[PoolRequest],
    allocations: Sequence[Allocation],
    rejections: Sequence[Rejection],
    actor: str,
) -> None:
    """Record a whole allocation run (``flopfolio pool demo``/``plan``) in the session: every
    request with its status, every allocation; one audit row for the run."""
    reasons = {r.request_id: r.reason for r in rejections}
    placed = {a.request_id for a in allocations}
    rows = [
        {"id": r.id, "member_id": r.member_id, "kind": REQUEST_KINDS[type(r)],
         "spec_json": json.dumps(asdict(r)), "reason": reasons.get(r.id, ""),
         "status": "accepted" if r.id in placed else "rejected"}
        for r in requests
    ]  # fmt: skip
    if rows:  # bulk inserts (executemany): one round trip per statement batch, not per row
        repo.session.execute(insert(RequestRow), rows)
    if allocations:
        repo.session.execute(insert(AllocationRow), [
            {"id": a.id, "member_id": a.member_id, "contract_id": a.contract_id,
             "request_id": a.request_id, "start_month": a.start_month, "end_month": a.end_month,
             "gpus": a.gpus, "kind": a.kind.value}
            for a in allocations
        ])  # fmt: skip
    repo.audit(actor, "program.allocate", {"requests": len(requests), "allocations": len(allocations),
                                            "rejections": len(rejections)})  # fmt: skip
