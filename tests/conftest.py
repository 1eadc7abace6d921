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
TEST_DATA = REPO / "tests" / "data"


def reference_file(*parts: str) -> Path:
    """Reference data kept in the repository: ``calibration/NAME.csv`` is the published set shipped
    in the package (validation/data/published); anything else is a test fixture in tests/data
    (vendor accelerator specs, SkyPilot price samples, LiteLLM's price file)."""
    if parts and parts[0] == "calibration":
        from flopfolio.validation.published import published_path

        return published_path("training", *parts[1:])
    path = TEST_DATA.joinpath(*parts)
    assert path.exists(), f"{path} is missing from the repository"
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
