"""The public API is what ``__all__`` says, and every name in it exists."""

import flopfolio


def test_all_names_exist() -> None:
    for name in flopfolio.__all__:
        assert hasattr(flopfolio, name), name


def test_exported_members() -> None:
    public = {name for name in dir(flopfolio) if not name.startswith("_")}
    subpackages = {"catalog", "economics", "errors", "estimates", "model_input", "perf", "planning",
                   "pool", "units", "validation", "workload", "service", "cli", "results", "calibrate"}  # fmt: skip
    assert public - subpackages == set(flopfolio.__all__) - {"__version__"}


def test_docstring_example() -> None:
    result = flopfolio.estimate_training_run(
        params="175B", tokens="300B", gpu="A100-SXM4-40GB", mfu=1.0, price=2.0
    )
    assert round(result.to_dict()["ideal"]["cost_usd"], -4) == 560000.0
