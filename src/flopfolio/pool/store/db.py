"""Opening the database: SQLite by default, PostgreSQL when ``DATABASE_URL`` says so; schema
changes go through Alembic (``upgrade`` runs the migrations shipped in the package).

SQLite serialises writers; each transaction starts with ``BEGIN IMMEDIATE`` so that reading the
allocations and writing a new one happen under the write lock (two requests cannot both see the
same free GPUs). PostgreSQL transactions lock the contracts they allocate on (``SELECT … FOR
UPDATE``, in the repository)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

DATABASE_URL_ENV = "DATABASE_URL"


def default_url() -> str:
    if os.environ.get(DATABASE_URL_ENV):
        return normalise_url(os.environ[DATABASE_URL_ENV])
    import platformdirs

    folder = Path(platformdirs.user_data_dir("flopfolio"))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'pool.db'}"


def normalise_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 here (SQLAlchemy's default driver is psycopg2)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str | None = None, *, writer: bool = True) -> Engine:
    """An engine; for SQLite, ``writer`` engines take the write lock at BEGIN (``BEGIN
    IMMEDIATE``) and reader engines do not, so reads run beside a write under WAL."""
    url = normalise_url(url) if url else default_url()
    if url.startswith("sqlite"):
        # Room for every thread of the server's pool (40) to hold a connection while it waits for
        # the write lock; with SQLAlchemy's default 5 + 10 the 16th waiter gets a pool timeout.
        in_memory = url in ("sqlite://", "sqlite:///:memory:")  # one shared connection, no pool
        sizes = {} if in_memory else {"pool_size": 20, "max_overflow": 30}
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 60}, **sizes
        )

        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=60000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")

        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def upgrade(engine: Engine) -> None:
    """Bring the schema to the latest migration."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
