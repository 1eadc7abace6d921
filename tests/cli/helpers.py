"""Running the real ``flopfolio`` command, as a user would after the README's install step."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any


def flopfolio_command() -> list[str]:
    """The installed console script beside this interpreter, else ``python -m flopfolio``."""
    script = Path(sys.executable).with_name("flopfolio")
    if script.exists():
        return [str(script)]
    found = shutil.which("flopfolio")
    return [found] if found else [sys.executable, "-m", "flopfolio"]


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    # FLOPFOLIO_PROFILE comes from conftest: an empty profile per test session.
    full_env = {k: v for k, v in os.environ.items() if k != "FLOPFOLIO_CATALOG"}
    full_env.update(env or {})
    return subprocess.run(
        [*flopfolio_command(), *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
        check=False,
    )


def run_json(*args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    done = run_cli(*args, "--json", env=env)
    assert done.returncode == 0, done.stderr
    payload: dict[str, Any] = json.loads(done.stdout)
    return payload
