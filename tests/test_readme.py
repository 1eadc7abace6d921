"""Every README example is real: the shown output is what the command prints today."""

import re
import subprocess
import sys

import pytest

from tests.cli.helpers import run_cli
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_readme_console_examples_show_current_output() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "docs" / "readme_examples.py"), "--check"],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_setup_command_runs_the_main_job() -> None:
    (setup,) = [line for line in README.splitlines() if line.startswith("python3 -m venv")]
    main_job = setup.split("&& ")[-1].split()
    assert main_job[0] == "flopfolio"
    done = run_cli(*main_job[1:])
    assert done.returncode == 0, done.stderr
    assert "Expected run" in done.stdout


def test_readme_test_command_is_what_ci_runs() -> None:
    ci = (REPO / ".ci" / "run").read_text()
    assert "python -m pytest" in README and "\npython -m pytest\n" in ci


def test_readme_python_snippet_runs() -> None:
    (snippet,) = re.findall(r"```python\n(.*?)```", README, re.DOTALL)
    done = subprocess.run(
        [sys.executable, "-c", snippet], capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr


def test_examples_run() -> None:
    for script in sorted((REPO / "examples").glob("*.py")):
        done = subprocess.run(
            [sys.executable, str(script)], capture_output=True, text=True, check=False, timeout=120
        )
        assert done.returncode == 0, (script, done.stderr)
        assert done.stdout.strip()


def test_readme_accuracy_table_matches_validate() -> None:
    from flopfolio.catalog.catalog import load_catalog
    from flopfolio.validation.runs import validate_file
    from tests.conftest import reference_file

    for label, kind, filename in (("training chip-hours", "training", "training_runs.csv"),
                                  ("inference", "inference", "inference_bench.csv"),
                                  ("MoE training", "training", "training_runs_moe.csv"),
                                  ("MoE/FP4 inference", "inference", "inference_bench_moe_fp4.csv"),
                                  ):  # fmt: skip
        (row,) = [line for line in README.splitlines() if line.startswith(f"| {label}")]
        cells = [c.strip() for c in row.strip("|").split("|")]
        summary = validate_file(
            kind, reference_file("calibration", filename), load_catalog(None)
        ).to_dict()["summary"]
        assert cells[1].split()[0] == str(summary["n"])
        assert cells[2] == f"{summary['median_abs_error']:.0%}"
        assert cells[3] == f"{summary['max_abs_error']:.0%}"
        assert cells[4] == f"{summary['baseline_median_abs_error']:.0%}"
        held_out = {
            by: validate_file(
                kind,
                reference_file("calibration", filename),
                load_catalog(None),
                leave_one_out=True,
                held_out_by=by,
            ).to_dict()["summary"]
            for by in ("run", "family")
        }
        assert cells[5] == f"{held_out['run']['leave_one_out_median_abs_error']:.0%}"
        assert cells[6] == f"{held_out['family']['leave_one_out_median_abs_error']:.0%}"
        if filename == "training_runs.csv":
            (row,) = [line for line in README.splitlines() if line.startswith("| training util")]
            cells = [c.strip() for c in row.strip("|").split("|")]
            assert cells[1] == str(summary["utilization_n"])
            assert cells[2] == f"{summary['utilization_median_abs_error']:.0%}"
            assert cells[3] == f"{summary['utilization_max_abs_error']:.0%}"
            for column, by in ((5, "run"), (6, "family")):
                unseen = held_out[by]["utilization_leave_one_out_median_abs_error"]
                assert cells[column] == f"{unseen:.0%}", by


@pytest.mark.parametrize(
    ("kind", "filename", "label"),
    [("training", "training_runs_holdout.csv", "| held-out training"),
     ("inference", "inference_bench_holdout.csv", "| held-out inference"),
     ("inference", "inference_bench_mla_holdout.csv", "| held-out MLA inference")],
)  # fmt: skip
def test_readme_and_accuracy_md_rows_for_rows_never_fitted_match_validate(
    kind: str, filename: str, label: str
) -> None:
    """The holdout files are judged by the shipped constants alone (no fit uses them), so both
    tables give their in-sample cells and a dash for the held-out ones."""
    from flopfolio.catalog.catalog import load_catalog
    from flopfolio.validation.published import published_path
    from flopfolio.validation.runs import validate_file

    path = published_path(kind, filename)
    summary = validate_file(kind, path, load_catalog(None)).to_dict()["summary"]
    (row,) = [line for line in README.splitlines() if line.startswith(label)]
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1:5] == [
        str(summary["n"]),
        f"{summary['median_abs_error']:.0%}",
        f"{summary['max_abs_error']:.0%}",
        f"{summary['baseline_median_abs_error']:.0%}",
    ]
    assert cells[5:] == ["—", "—"]
    text = (REPO / "docs" / "accuracy.md").read_text(encoding="utf-8")
    (row,) = [line for line in text.splitlines() if line.startswith(f"| `{filename}")]
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1:] == [
        str(summary["n"]),
        f"{summary['median_abs_error']:.0%} / {summary['max_abs_error']:.0%}",
        "—",
        "—",
    ]


def test_accuracy_md_in_and_out_of_sample_table_matches_validate() -> None:
    from flopfolio.catalog.catalog import load_catalog
    from flopfolio.validation.published import published_path
    from flopfolio.validation.runs import validate_file

    text = (REPO / "docs" / "accuracy.md").read_text(encoding="utf-8")
    files = (("training", "training_runs.csv"), ("inference", "inference_bench.csv"),
             ("training", "training_runs_moe.csv"), ("inference", "inference_bench_moe_fp4.csv"))  # fmt: skip
    for kind, filename in files:
        (row,) = [line for line in text.splitlines() if line.startswith(f"| `{filename}`")]
        cells = [c.strip() for c in row.strip("|").split("|")]
        path = published_path(kind, filename)
        shipped = validate_file(kind, path, load_catalog(None)).to_dict()["summary"]
        assert cells[1] == str(shipped["n"])
        assert cells[2] == f"{shipped['median_abs_error']:.0%} / {shipped['max_abs_error']:.0%}"
        for column, by in ((3, "run"), (4, "family")):
            s = validate_file(
                kind, path, load_catalog(None), leave_one_out=True, held_out_by=by
            ).to_dict()["summary"]
            assert s["held_out_by"] == by
            expected = f"{s['leave_one_out_median_abs_error']:.0%} / {s['leave_one_out_max_abs_error']:.0%}"
            assert cells[column] == expected, (filename, by)
