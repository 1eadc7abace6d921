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

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

from flopfolio.errors import InvalidSpecError

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


class DatabaseUnavailableError(InvalidSpecError):
    """The pool's database cannot be opened (a folder that does not exist, no server)."""


def unavailable(url: str, exc: Exception) -> DatabaseUnavailableError:
    """One line naming the database, why it did not open, and what to do."""
    shown = make_url(url).render_as_string(hide_password=True)
    why = (
        str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        if str(exc).strip()
        else type(exc).__name__
    )
    if shown.startswith("sqlite"):
        path = make_url(url).database or ""
        folder = Path(path).parent if path and path != ":memory:" else None
        fix = (
            f"create the folder {folder} or point --database-url (or DATABASE_URL) at a file in a "
            "folder you can write, e.g. sqlite:///pool.db"
            if folder is not None and not folder.is_dir()
            else "point --database-url (or DATABASE_URL) at a SQLite file you can write, e.g. "
            "sqlite:///pool.db"
        )
    else:
        fix = "start the database server, or correct --database-url (or DATABASE_URL)"
    return DatabaseUnavailableError(f"Cannot open the pool database {shown}: {why}. To fix: {fix}.")


def upgrade(engine: Engine) -> None:
    """Bring the schema to the latest migration; a database that cannot be opened is one
    :class:`DatabaseUnavailableError` naming it and the fix."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy.exc import OperationalError

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    try:
        connection = engine.connect()
    except OperationalError as exc:
        raise unavailable(engine.url.render_as_string(hide_password=False), exc) from None
    with connection, connection.begin():
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
