"""A user's mistake: one line on stderr naming the bad value, non-zero exit, no traceback."""

import pytest

from tests.cli.helpers import run_cli

BASE = ["train", "--params", "7e9", "--tokens", "1e12", "--gpu", "H100"]


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (
            ["train", "--params", "-7e9", "--tokens", "1e12", "--gpu", "H100"],
            "--params",
        ),  # negative
        (["train", "--params", "0", "--tokens", "1e12", "--gpu", "H100"], "--params"),  # zero
        (["train", "--params", "nan", "--tokens", "1e12", "--gpu", "H100"], "--params"),  # NaN
        (["train", "--params", "7e9", "--tokens", "1e40", "--gpu", "H100"], "--tokens"),  # absurd
        ([*BASE, "--precision", "fp7"], "fp7"),  # unknown precision
        (
            ["train", "--params", "7e9", "--tokens", "1e12", "--gpu", "A100", "--precision", "fp8"],
            "fp8",
        ),  # chip lacks it
        ([*BASE, "--mfu", "1.7"], "--mfu"),  # utilization above 1
        ([*BASE, "--recompute", "fulll"], "fulll"),  # unknown recomputation
        ([*BASE, "--gpus", "0"], "--gpus"),  # no GPUs
        ([*BASE, "--price", "-1"], "--price"),  # negative price
        ([*BASE, "--provider", "lamda"], "lambda"),  # misspelt provider: suggests the right one
        (
            ["train", "--model", "lama-2-70b", "--tokens", "1e12", "--gpu", "H100"],
            "llama-2-70b",
        ),  # preset typo
        (
            [
                "infer",
                "--params",
                "7e9",
                "--gpu",
                "H100",
                "--input-tokens",
                "10",
                "--output-tokens",
                "10",
                "--batch",
                "lots",
            ],
            "lots",
        ),
        (["prices", "H10O"], "H100"),  # typo in prices
        (["validate", "training", "/nonexistent.csv"], "/nonexistent.csv"),  # missing file
        (["validate", "speed", "/nonexistent.csv"], "speed"),  # unknown kind
        (["validate", "training"], "--published"),  # no file: says how to give one
        (["validate", "speed", "--published"], "speed"),  # unknown kind with the shipped set
        (
            ["validate", "training", "--published", "training_runs_mo.csv"],
            "training_runs_moe.csv",
        ),  # misspelt shipped file: suggests the right one
        (["validate", "training", "--published", "--cv", "famly"], "famly"),  # unknown hold-out
    ],
)
def test_one_line_error(args: list[str], named: str) -> None:
    done = run_cli(*args)
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert named in lines[0]
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_json_output_is_one_object_and_nothing_else() -> None:
    import json

    done = run_cli(*BASE, "--json")
    assert done.returncode == 0
    json.loads(done.stdout)  # raises if anything else was printed
    assert done.stderr == ""
