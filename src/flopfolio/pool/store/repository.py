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
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from flopfolio.errors import InvalidSpecError, UnknownModelError
from flopfolio.pool.domain import (
    Allocation,
    AllocationKind,
    BurstRequest,
    Contract,
    InferenceRequest,
    Member,
    TrainingRequest,
)
from flopfolio.pool.placement import Rejection, place_burst, place_inference, place_training
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


class Repository:
    def __init__(self, session: Session) -> None:
        self.session = session

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

    def submit(
        self, request: TrainingRequest | InferenceRequest | BurstRequest, actor: str
    ) -> tuple[list[Allocation], Rejection | None]:
        """Place and record a request; returns its allocations, or the rejection (also recorded)."""
        member = self.get_member(request.member_id)
        if isinstance(request, InferenceRequest):
            accelerators: Sequence[str] = (request.accelerator_id,)
            first, last = request.start_month, request.start_month + len(request.gpus_by_month)
        else:
            accelerators = request.accelerators
            first = (
                request.earliest_month
                if isinstance(request, TrainingRequest)
                else request.start_month
            )
            last = (
                request.deadline_month
                if isinstance(request, TrainingRequest)
                else request.start_month + request.duration_months
            )
        if not member.active_in(first) or (
            member.graduation_month is not None and last > member.graduation_month
        ):
            raise InvalidSpecError(
                f"member {member.id} is in the program from month {member.join_month} to "
                f"{member.graduation_month if member.graduation_month is not None else 'open end'}; "
                f"the request runs months {first}-{last}."
            )
        contracts = self._locked_contracts(accelerators)
        existing = self._allocations_on(contracts)
        if isinstance(request, TrainingRequest):
            placed: Allocation | list[Allocation] | Rejection = place_training(
                request, contracts, existing, new_id
            )
        elif isinstance(request, InferenceRequest):
            placed = place_inference(request, contracts, existing, new_id)
        else:
            placed = place_burst(request, contracts, existing, new_id)
        kind = {TrainingRequest: "training", InferenceRequest: "inference", BurstRequest: "burst"}[
            type(request)
        ]
        rejection: Rejection | None = None
        allocations: list[Allocation] = []
        if isinstance(placed, Rejection):
            rejection = placed
        elif isinstance(placed, list):
            allocations = placed
        else:
            allocations = [placed]
        self.session.add(RequestRow(
            id=request.id, member_id=request.member_id, kind=kind, spec_json=json.dumps(asdict(request)),
            status="rejected" if rejection else "accepted", reason=rejection.reason if rejection else "",
        ))  # fmt: skip
        self.session.flush()
        for a in allocations:
            self.session.add(AllocationRow(id=a.id, member_id=a.member_id, contract_id=a.contract_id,
                                           request_id=a.request_id, start_month=a.start_month,
                                           end_month=a.end_month, gpus=a.gpus, kind=a.kind.value))  # fmt: skip
        self.audit(actor, f"request.{kind}.{'rejected' if rejection else 'accepted'}",
                   {"request": asdict(request), "allocations": [asdict(a) for a in allocations],
                    "reason": rejection.reason if rejection else None}, request.member_id)  # fmt: skip
        return allocations, rejection

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
        self.session.query(LedgerRow).delete()
        for e in entries:
            self.session.add(
                LedgerRow(
                    member_id=e.member_id, month=e.month, kind=str(e.kind), usd=e.usd, memo=e.memo
                )
            )
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
    requests: Sequence[TrainingRequest | InferenceRequest | BurstRequest],
    allocations: Sequence[Allocation],
    rejections: Sequence[Rejection],
    actor: str,
) -> None:
    """Record a whole allocation run (``flopfolio pool demo``/``plan``) in the session: every
    request with its status, every allocation; one audit row for the run."""
    reasons = {r.request_id: r.reason for r in rejections}
    placed = {a.request_id for a in allocations}
    kinds = {TrainingRequest: "training", InferenceRequest: "inference", BurstRequest: "burst"}
    for request in requests:
        status = "accepted" if request.id in placed else "rejected"
        repo.session.add(RequestRow(id=request.id, member_id=request.member_id, kind=kinds[type(request)],
                                    spec_json=json.dumps(asdict(request)), status=status,
                                    reason=reasons.get(request.id, "")))  # fmt: skip
    repo.session.flush()
    repo.session.add_all(
        AllocationRow(id=a.id, member_id=a.member_id, contract_id=a.contract_id, request_id=a.request_id,
                      start_month=a.start_month, end_month=a.end_month, gpus=a.gpus, kind=a.kind.value)
        for a in allocations
    )  # fmt: skip
    repo.audit(actor, "program.allocate", {"requests": len(requests), "allocations": len(allocations),
                                            "rejections": len(rejections)})  # fmt: skip
