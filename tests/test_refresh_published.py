"""scripts/refresh_published.py: the reference-data folder's files land where the package and the
tests read them; unchanged files are left alone; a folder that is not one says so."""

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import REPO, TEST_DATA


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "refresh_published", REPO / "scripts" / "refresh_published.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _reference_folder(tmp_path: Path) -> Path:
    source = tmp_path / "reference"
    published = REPO / "src" / "flopfolio" / "validation" / "data" / "published"
    (source / "calibration").mkdir(parents=True)
    # The reference folder's calibration files; flopfolio's own held-out rows are not among them.
    for csv in published.glob("*.csv"):
        if not csv.name.endswith("_holdout.csv"):
            shutil.copyfile(csv, source / "calibration" / csv.name)
    shutil.copyfile(TEST_DATA / "accelerators.csv", source / "accelerators.csv")
    for folder in ("skypilot-samples", "hosted-api-prices"):
        shutil.copytree(TEST_DATA / folder, source / folder)
    return source


def test_refresh_copies_new_and_changed_files_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = _script()
    source = _reference_folder(tmp_path)
    published, fixtures = tmp_path / "published", tmp_path / "fixtures"
    assert script.main(source, published, fixtures) == 0
    added = capsys.readouterr().out.splitlines()
    assert len(added) == 4 + 1 + sum(
        1 for p in (source / "skypilot-samples").rglob("*") if p.is_file()
    ) + sum(1 for p in (source / "hosted-api-prices").rglob("*") if p.is_file())
    assert (published / "training_runs_moe.csv").read_bytes() == (
        source / "calibration" / "training_runs_moe.csv"
    ).read_bytes()
    assert (fixtures / "skypilot-samples" / "lambda" / "vms.csv").is_file()
    # A second run changes nothing; an edited row is copied again, alone.
    assert script.main(source, published, fixtures) == 0
    assert capsys.readouterr().out == ""
    edited = source / "calibration" / "inference_bench.csv"
    edited.write_text(edited.read_text() + "\n")
    assert script.main(source, published, fixtures) == 0
    assert capsys.readouterr().out.split() == ["updated", str(published / "inference_bench.csv")]


def test_the_default_targets_are_where_the_package_and_tests_read() -> None:
    from flopfolio.validation.published import published_path

    script = _script()
    assert script.PUBLISHED.resolve() == published_path("training").parent.resolve()
    assert script.FIXTURES.resolve() == TEST_DATA.resolve()


def test_a_folder_without_calibration_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _script().main(tmp_path) == 2
    assert "has no calibration/ folder" in capsys.readouterr().out
