"""Shared fixtures. The Hypothesis profile is fixed here so CI does not flake on timing."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from flopfolio.catalog.catalog import Catalog, load_catalog

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ci")

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SHARED_DATA = SHARED / "data"


def shared_file(*parts: str) -> Path:
    """A file in ../shared (reference data beside the repository); skips if it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference data {path} is not beside this checkout")
    return path


@pytest.fixture(autouse=True)
def _no_user_catalog(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Tests see the shipped catalog and an empty calibration profile, whatever the developer's
    environment holds."""
    monkeypatch.delenv("FLOPFOLIO_CATALOG", raising=False)
    monkeypatch.setenv(
        "FLOPFOLIO_PROFILE", str(tmp_path_factory.mktemp("profile") / "calibration.json")
    )


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(None)
