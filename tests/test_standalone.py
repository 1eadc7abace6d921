"""The repository stands alone: nothing in it points outside it, and its documents' links resolve.
(`.ci/run` proves the rest: it clones the repository into an empty folder and runs the README's
test command there.)"""

import re
import subprocess

import pytest

from tests.conftest import REPO

OUTSIDE = "../" + "shared"  # spelled in two parts so this file does not name it


def _tracked() -> list[str]:
    try:
        done = subprocess.run(
            ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: the tracked files cannot be listed")
    return done.stdout.splitlines()


def test_no_file_names_a_folder_beside_the_repository() -> None:
    naming = []
    for name in _tracked():
        path = REPO / name
        if path.is_file() and OUTSIDE in path.read_bytes().decode("utf-8", "replace"):
            naming.append(name)
    assert not naming, f"these files name {OUTSIDE}: {naming}"


def test_document_links_resolve_inside_the_repository() -> None:
    broken = []
    for name in _tracked():
        if not name.endswith(".md"):
            continue
        page = REPO / name
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target):
                continue  # a URL, not a path
            resolved = (page.parent / target).resolve()
            if not resolved.exists() or REPO.resolve() not in resolved.parents:
                broken.append(f"{name} -> {target}")
    assert not broken, broken
