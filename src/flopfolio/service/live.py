"""A web app running in a child process on a loopback port, with a small demo pool in a fresh
SQLite file: what the browser tests and the screenshot script drive. Not used by the service."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")


def wait_until_up(base_url: str, seconds: float = 60.0) -> bool:
    """Poll ``{base_url}/api/health`` until it answers 200 or ``seconds`` pass."""
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/api/health", timeout=1).status_code == 200:
                return True
        except httpx.HTTPError:
            time.sleep(0.2)
    return False


def stop_process(
    process: subprocess.Popen[bytes] | None, kill: Callable[[], None] | None = None
) -> None:
    """Terminate a server process and wait for it; past 30 s, ``kill()`` it (or SIGKILL it)."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        (kill or process.kill)()


def find_chromium() -> str | None:
    """Debian's Chromium (``apt-get install chromium``), or ``FLOPFOLIO_CHROMIUM``."""
    explicit = os.environ.get("FLOPFOLIO_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).exists() else None
    return next((c for c in CHROMIUM_CANDIDATES if Path(c).exists()), None)


@dataclass
class LiveApp:
    """``start()`` seeds the demo pool (``members`` startups, ``months`` months), issues an
    operator key and one member key, and serves the app; ``stop()`` ends it."""

    members: int = 12
    months: int = 12
    directory: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="flopfolio-web-")))
    port: int = 0
    operator_key: str = ""
    member_id: str = ""
    member_key: str = ""
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.directory / 'pool.db'}"

    def start(self) -> LiveApp:
        from flopfolio.pool.program import run_demo
        from flopfolio.pool.store.db import make_engine, session_factory
        from flopfolio.pool.store.repository import Repository

        report = run_demo(self.database_url, members=self.members, months=self.months)
        engine = make_engine(self.database_url)
        session = session_factory(engine)()
        repo = Repository(session)
        self.member_id = str(report["top_members"][0]["member"])
        self.operator_key = repo.create_key("operator", None, "web tests", actor="tests")
        self.member_key = repo.create_key("member", self.member_id, "web tests", actor="tests")
        session.commit()
        session.close()
        engine.dispose()
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        env = {**os.environ, "DATABASE_URL": self.database_url}
        with (self.directory / "server.log").open("ab") as log:  # the child keeps its own handle
            self.process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "--factory", "flopfolio.service.app:app_from_env",
                 "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"],
                env=env, stdout=subprocess.DEVNULL, stderr=log,
            )  # fmt: skip
        self._wait()
        return self

    def _wait(self) -> None:
        if not wait_until_up(self.url):
            self.stop()
            raise RuntimeError(f"the web app did not start; see {self.directory / 'server.log'}")

    def log(self) -> str:
        path = self.directory / "server.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def stop(self) -> None:
        stop_process(self.process)
