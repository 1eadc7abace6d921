"""Request and response bodies of the pool API (Create / Public model families)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MemberCreate(_Body):
    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=200)
    stage: str = "seed"
    cash_usd: float = Field(default=0.0, ge=0)
    weight: float = Field(default=1.0, gt=0, le=1000)
    join_month: int = Field(default=0, ge=0, le=1200)
    graduation_month: int | None = Field(default=None, ge=1, le=1200)
    borrowing_limit: int | None = Field(default=None, ge=0, le=10_000_000)


class MemberPublic(MemberCreate):
    model_config = ConfigDict(extra="ignore")


class ContractCreate(_Body):
    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    provider: str = Field(min_length=1, max_length=64)
    accelerator: str = Field(min_length=1, max_length=64)
    cluster: str = Field(default="default", min_length=1, max_length=64)
    gpus: int = Field(gt=0, le=10_000_000)
    start_month: int = Field(ge=0, le=1200)
    end_month: int = Field(gt=0, le=1200)
    usd_per_gpu_hour: float = Field(gt=0, le=10_000)
    upfront: bool = False


class _RequestBody(_Body):
    member_id: str | None = Field(default=None, max_length=64)
    review: bool = Field(
        default=False,
        description="Hold the request for the operator to approve (202, status pending) "
        "instead of placing it now.",
    )


class TrainingCreate(_RequestBody):
    accelerators: list[str] = Field(min_length=1, max_length=16)
    gpus: int = Field(gt=0, le=1_000_000)
    duration_months: int = Field(gt=0, le=120)
    earliest_month: int = Field(ge=0, le=1200)
    deadline_month: int = Field(gt=0, le=1320)


class InferenceCreate(_RequestBody):
    accelerator: str = Field(min_length=1, max_length=64)
    start_month: int = Field(ge=0, le=1200)
    gpus_by_month: list[int] = Field(min_length=1, max_length=240)


class BurstCreate(_RequestBody):
    accelerators: list[str] = Field(min_length=1, max_length=16)
    gpus: int = Field(gt=0, le=1_000_000)
    start_month: int = Field(ge=0, le=1200)
    duration_months: int = Field(default=1, gt=0, le=120)


class AllocationPublic(BaseModel):
    id: str
    member_id: str
    contract_id: str
    start_month: int
    end_month: int
    gpus: int
    kind: str
    request_id: str


class RequestResult(BaseModel):
    request_id: str
    status: str  # accepted | rejected | pending (held for approval) | preempted (lent, taken back)
    reason: str | None = None
    allocations: list[AllocationPublic] = Field(default_factory=list)
    contracts_bought: list[dict[str, Any]] = Field(
        default_factory=list, description="On-demand contracts an approval bought (top-up)."
    )


class KeyCreate(_Body):
    role: str = Field(pattern=r"^(operator|member)$")
    member_id: str | None = Field(default=None, max_length=64)
    label: str = Field(default="", max_length=200)


class Page(BaseModel):
    items: list[dict[str, object]]
    next_offset: int | None


class Decision(_Body):
    reason: str = Field(default="", max_length=500)
