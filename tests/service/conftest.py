"""Databases and a real server for the service tests.

``db_url`` is parametrised over SQLite (a fresh file) and PostgreSQL (a fresh database on the
server at 127.0.0.1:5432). In CI (``CI=true``) PostgreSQL must be there; elsewhere its tests skip,
saying why, when none is reachable.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from flopfolio.service.live import stop_process, wait_until_up

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


def _postgres_available() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return None
    except Exception as exc:  # any failure to connect means: not available here
        return f"{type(exc).__name__}: {exc}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'pool.db'}"
        return
    problem = _postgres_available()
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must reach PostgreSQL at 127.0.0.1:5432 ({problem})")
        pytest.skip(f"no PostgreSQL at 127.0.0.1:5432 ({problem}); CI runs these")
    import psycopg

    name = f"flopfolio_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``uvicorn`` serving the pool API on a loopback port, as ``flopfolio pool serve`` does."""

    def __init__(self, db_url: str, workers: int = 2) -> None:
        self.db_url = db_url
        self.port = free_port()
        self.workers = workers
        self.process: subprocess.Popen[bytes] | None = None
        # The server's stderr goes to a file whose tracebacks the fixture prints at teardown:
        # pytest shows them only when a test failed, so a 500 in CI comes with its cause.
        self.log = Path(tempfile.mkstemp(prefix="flopfolio-server-", suffix=".log")[1])

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def start(self) -> None:
        env = {**os.environ, "DATABASE_URL": self.db_url}
        with self.log.open("ab") as log:
            self.process = self._spawn(env, log)
        if not wait_until_up(self.base.removesuffix("/api")):
            self.stop()
            raise RuntimeError("the server did not start")

    def _spawn(self, env: dict[str, str], log: IO[bytes]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "flopfolio.service.app:app_from_env",
             "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers),
             "--log-level", "warning"],
            env=env, stdout=subprocess.DEVNULL, stderr=log,
        )  # fmt: skip

    def tracebacks(self) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return text[text.find("Traceback") :] if "Traceback" in text else ""

    def kill(self) -> None:
        """SIGKILL the whole server (master and workers): no chance to clean up."""
        if self.process is not None:
            subprocess.run(["pkill", "-KILL", "-P", str(self.process.pid)], check=False)
            self.process.kill()
            self.process.wait(timeout=30)

    def stop(self) -> None:
        stop_process(self.process, self.kill)


def bootstrap(db_url: str) -> str:
    """Migrate the database and create an operator key (what ``flopfolio pool init`` does)."""
    from flopfolio.pool.store.db import make_engine, session_factory, upgrade
    from flopfolio.pool.store.repository import Repository

    engine = make_engine(db_url)
    upgrade(engine)
    session = session_factory(engine)()
    key = Repository(session).create_key("operator", None, "tests", actor="tests")
    session.commit()
    session.close()
    engine.dispose()
    return key


@pytest.fixture
def server(db_url: str) -> Iterator[tuple[Server, str]]:
    operator_key = bootstrap(db_url)
    srv = Server(db_url)
    srv.start()
    yield srv, operator_key
    srv.stop()
    sys.stdout.write(srv.tracebacks()[-20_000:])
    srv.log.unlink(missing_ok=True)
