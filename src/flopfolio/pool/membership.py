"""Who may use the pool when (pure): the checks the engine and the value model share — the
horizon, unique member ids, a request's member, and the months a training run may occupy (its own
window, the member's time in the program, the horizon)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flopfolio.errors import InvalidSpecError, did_you_mean
from flopfolio.pool.domain import Member, TrainingRequest


def check_horizon(horizon_months: int) -> None:
    if horizon_months < 1:
        raise InvalidSpecError(
            f"horizon_months must be at least 1, got {horizon_months}. To fix: pass a positive horizon."
        )


def members_by_id(members: Iterable[Member]) -> dict[str, Member]:
    out: dict[str, Member] = {}
    for m in members:
        if m.id in out:
            raise InvalidSpecError(
                f"member id {m.id!r} appears twice. To fix: give each its own id."
            )
        out[m.id] = m
    return out


def member_of(request_id: str, member_id: str, members: Mapping[str, Member]) -> Member:
    if member_id not in members:
        raise InvalidSpecError(
            f"request {request_id!r} names member {member_id!r}, who is not in the program."
            f"{did_you_mean(member_id, members)} To fix: add the member or correct the id."
        )
    return members[member_id]


def run_window(
    request: TrainingRequest, member: Member, horizon: int, floor: int = 0
) -> tuple[int, int]:
    """The months ``[lo, hi)`` a run may occupy: its own window, the member's time, the horizon."""
    lo = max(request.earliest_month, member.join_month, floor)
    hi = min(request.deadline_month, horizon)
    if member.graduation_month is not None:
        hi = min(hi, member.graduation_month)
    return lo, hi


def window_reason(request: TrainingRequest, member: Member, lo: int, hi: int, horizon: int) -> str:
    until = f" until month {member.graduation_month}" if member.graduation_month is not None else ""
    return (
        f"{request.duration_months} month(s) do not fit between month {lo} and {hi}: the run asks for "
        f"months {request.earliest_month}–{request.deadline_month}, member {member.id} is in the program "
        f"from month {member.join_month}{until}, and the horizon ends at month {horizon}"
    )
