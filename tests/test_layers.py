"""The house matches docs/architecture.md: every package sits in one layer, nothing below imports
from above (import-linter's layers contract in pyproject.toml), and no loose module sits beside the
layer packages."""

import tomllib
from pathlib import Path

import pytest

import flopfolio

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Path(flopfolio.__file__).parent
# Beside the layer packages: the public re-exports, `python -m flopfolio`, and the two modules
# every layer imports (the exception tree and the one parser of human quantities).
TOP_LEVEL_MODULES = {"__init__.py", "__main__.py", "errors.py", "units.py"}


def _layers() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = config["contracts"]
    return [name.strip() for layer in contract["layers"] for name in layer.split("|")]


def test_no_loose_modules() -> None:
    loose = {p.name for p in PACKAGE.glob("*.py")} - TOP_LEVEL_MODULES
    assert not loose, f"move {sorted(loose)} into the layer each belongs to"


def test_every_package_and_module_is_in_a_layer() -> None:
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__", "__main__"}
    assert set(_layers()) == packages | modules


def test_nothing_below_imports_from_above(capsys: pytest.CaptureFixture[str]) -> None:
    from importlinter.cli import lint_imports

    status = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True)
    printed = capsys.readouterr().out
    assert status == 0, printed[-4000:]
    assert "1 kept, 0 broken" in printed
