"""The FastAPI application: ``create_app(database_url)``; ``flopfolio pool serve`` runs it."""

from __future__ import annotations

from fastapi import FastAPI

from flopfolio.pool.store.db import make_engine, session_factory, upgrade
from flopfolio.service import errors
from flopfolio.service.pool_routes import router


def create_app(database_url: str | None = None, *, migrate: bool = True) -> FastAPI:
    writer = make_engine(database_url, writer=True)
    reader = make_engine(database_url, writer=False)
    if migrate:
        upgrade(writer)
    app = FastAPI(
        title="flopfolio pool",
        version="0.1.0",
        description="A pooled GPU capacity program: members, contracts, guaranteed allocations, chargeback.",
    )
    app.state.writer = session_factory(writer)
    app.state.reader = session_factory(reader)
    errors.install(app)
    app.include_router(router, prefix="/api")
    return app


def app_from_env() -> FastAPI:
    """For ``uvicorn --factory flopfolio.service.app:app_from_env`` (reads ``DATABASE_URL``)."""
    return create_app()
