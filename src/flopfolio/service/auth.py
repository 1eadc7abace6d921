"""Who is calling: an API key (``X-API-Key``) resolved to a role, and tenant scoping in one place.

Operators see and change everything; a member key sees only its own member's requests,
allocations and invoices. Routes never check ownership themselves: they ask :func:`scope` which
member id they may touch.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, HTTPException

from flopfolio.service.deps import ReadRepo


@dataclass(frozen=True, slots=True)
class Principal:
    role: str  # operator | member
    member_id: str | None
    key_hash: str

    @property
    def is_operator(self) -> bool:
        return self.role == "operator"


# Keys are immutable once issued, so a process may remember the ones it has seen (a hot read path
# then costs one query, not two). Unknown keys are never remembered.
_KNOWN: dict[str, tuple[float, Principal]] = {}
_KNOWN_SECONDS = 60.0


async def principal(repo: ReadRepo, x_api_key: Annotated[str | None, Header()] = None) -> Principal:
    if not x_api_key:
        raise HTTPException(status_code=401, detail="missing X-API-Key header")
    now = time.monotonic()
    known = _KNOWN.get(x_api_key)
    if known is not None and now - known[0] < _KNOWN_SECONDS:
        return known[1]
    row = repo.principal(x_api_key)
    if row is None:
        raise HTTPException(status_code=401, detail="unknown API key")
    who = Principal(row.role, row.member_id, row.key_hash)
    if len(_KNOWN) > 10_000:
        _KNOWN.clear()
    _KNOWN[x_api_key] = (now, who)
    return who


CurrentPrincipal = Annotated[Principal, Depends(principal)]


async def require_operator(who: CurrentPrincipal) -> Principal:
    if not who.is_operator:
        raise HTTPException(status_code=403, detail="operator key required")
    return who


Operator = Annotated[Principal, Depends(require_operator)]


def scope(who: Principal, member_id: str | None) -> str | None:
    """The member id a caller may act on: a member key only its own (asking for another is 403);
    an operator anything (``None``: all members)."""
    if who.is_operator:
        return member_id
    if member_id is not None and member_id != who.member_id:
        raise HTTPException(status_code=403, detail="this key belongs to another member")
    return who.member_id
