"""Run every ``$ flopfolio ...`` example in README.md and docs/*.md; refresh the output shown.

    python docs/readme_examples.py          # rewrite the files with real output
    python docs/readme_examples.py --check  # exit 1 if any file shows stale output

Examples live in ```console blocks: the first line is ``$ <command>``, the rest is its output
(stdout then stderr, as a terminal shows them in a pipe). The test suite runs ``--check``.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
BLOCK = re.compile(r"```console\n\$ (?P<cmd>[^\n]+)\n(?P<out>.*?)```", re.DOTALL)


def flopfolio() -> list[str]:
    script = Path(sys.executable).with_name("flopfolio")
    return [str(script)] if script.exists() else [sys.executable, "-m", "flopfolio"]


def run(command: str) -> str:
    args = shlex.split(command)
    if args[0] != "flopfolio":
        raise SystemExit(f"README example does not start with flopfolio: {command}")
    env = {k: v for k, v in os.environ.items() if k not in ("FLOPFOLIO_CATALOG", "COLUMNS")}
    done = subprocess.run(
        [*flopfolio(), *args[1:]],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    text = done.stdout + done.stderr
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def render(text: str) -> str:
    return BLOCK.sub(lambda m: f"```console\n$ {m['cmd']}\n{run(m['cmd'])}```", text)


def main() -> int:
    stale = []
    for document in DOCUMENTS:
        current = document.read_text(encoding="utf-8")
        fresh = render(current)
        if fresh != current:
            stale.append(document.name)
            if "--check" not in sys.argv:
                document.write_text(fresh, encoding="utf-8")
    if stale and "--check" in sys.argv:
        print(
            f"stale examples in {', '.join(stale)}: run python docs/readme_examples.py",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
