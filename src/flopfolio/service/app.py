"""The FastAPI application: ``create_app(database_url)``; ``flopfolio serve`` and ``flopfolio pool
serve`` run it. The pool's API, the calculators' API and the web pages in one app."""

from __future__ import annotations

from fastapi import FastAPI

from flopfolio.pool.store.db import make_engine, session_factory, upgrade
from flopfolio.service import calc_routes, dashboard_routes, errors, pages, pool_routes


def create_app(database_url: str | None = None, *, migrate: bool = True) -> FastAPI:
    writer = make_engine(database_url, writer=True)
    reader = make_engine(database_url, writer=False)
    if migrate:
        upgrade(writer)
    app = FastAPI(
        title="flopfolio",
        version="0.1.0",
        description="Calculators (training, serving, compare, plan) and a pooled GPU capacity "
        "program: members, contracts, guaranteed allocations, approvals, chargeback.",
    )
    app.state.writer = session_factory(writer)
    app.state.reader = session_factory(reader)
    errors.install(app)
    app.include_router(pool_routes.router, prefix="/api")
    app.include_router(dashboard_routes.router, prefix="/api")
    app.include_router(calc_routes.router, prefix="/api")
    app.include_router(pages.router)
    return app


def app_from_env() -> FastAPI:
    """For ``uvicorn --factory flopfolio.service.app:app_from_env`` (reads ``DATABASE_URL``)."""
    return create_app()
