"""Database sessions for requests: a writer session per write (one transaction, committed when
the route returns, rolled back if it raises) and a reader session for reads."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Request

from flopfolio.pool.store.repository import Repository


@contextmanager
def _session(request: Request, which: str) -> Iterator[Repository]:
    factory = getattr(request.app.state, which)
    session = factory()
    try:
        yield Repository(session)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def write_repo(request: Request) -> Iterator[Repository]:
    with _session(request, "writer") as repo:
        yield repo


async def read_repo(request: Request) -> AsyncIterator[Repository]:
    # Reads run on the event loop, not the thread pool: a page read is a millisecond of indexed
    # SQL, and the thread hand-offs a sync dependency chain costs were most of a request's time.
    with _session(request, "reader") as repo:
        yield repo


WriteRepo = Annotated[Repository, Depends(write_repo)]
ReadRepo = Annotated[Repository, Depends(read_repo)]
