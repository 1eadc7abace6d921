"""The training model over every published run it ships with, one model family held out at a
time (issue 17's judge: grouped cross-validated median |error| on chip-hours ≤ 15%)."""

import statistics
from pathlib import Path

from flopfolio.catalog.catalog import Catalog
from flopfolio.validation.published import shipped_fit_paths
from flopfolio.validation.runs import read_rows, validate_training

ROOT = Path(__file__).parents[2]


def test_every_training_row_one_family_held_out(catalog: Catalog) -> None:
    rows = [row for path in shipped_fit_paths("training") for row in read_rows(path)]
    report = validate_training(rows, catalog, leave_one_out=True, held_out_by="family").to_dict()
    judged = report["rows"]
    assert len(judged) == 29 and [s["name"] for s in report["skipped"]] == ["GPT-3 175B"]
    in_sample = statistics.median(abs(r["error"]) for r in judged)
    held_out = [abs(r["leave_one_out_error"]) for r in judged]
    # Measured: 10% in sample, 12% held out; the README and docs/accuracy.md quote these.
    assert in_sample <= 0.12 and statistics.median(held_out) <= 0.15
    unseen, seen = f"{statistics.median(held_out):.0%}", f"{in_sample:.0%}"
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert f"off by a median {unseen} (in sample {seen})" in readme
    accuracy = " ".join((ROOT / "docs" / "accuracy.md").read_text(encoding="utf-8").split())
    assert f"median {unseen}, in sample {seen}" in accuracy
    assert statistics.median(held_out) >= in_sample  # a family unseen is no easier than seen
    # The one row beyond 2×, with its reason in docs/accuracy.md: Llama 3.2 3B (distilled).
    beyond = {r["name"] for r in judged if not 0.5 <= 1 + r["leave_one_out_error"] <= 2.0}
    assert beyond == {"Llama 3.2 3B"}
    (distilled,) = [r for r in judged if r["name"] == "Llama 3.2 3B"]
    assert f"Llama 3.2 3B, {1 / (1 + distilled['error']):.1f}× under" in readme


def test_runs_never_fitted_are_judged_out_of_sample(catalog: Catalog) -> None:
    """training_runs_holdout.csv: published runs no fit uses, so the shipped constants' error on
    them is out of sample; the README and docs/accuracy.md quote it with its worst rows."""
    from flopfolio.validation.published import TRAINING_FIT_FILES, published_path

    assert "training_runs_holdout.csv" not in TRAINING_FIT_FILES
    fitted = {row["name"] for path in shipped_fit_paths("training") for row in read_rows(path)}
    rows = read_rows(published_path("training", "training_runs_holdout.csv"))
    assert all(row["source"] and row["split"] == "holdout" for row in rows)
    assert not {row["name"] for row in rows} & fitted
    report = validate_training(rows, catalog).to_dict()
    errors = {r["name"]: r["error"] for r in report["rows"]}
    assert len(errors) == 6 and not report["skipped"]
    median = statistics.median(abs(e) for e in errors.values())
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    accuracy = " ".join((ROOT / "docs" / "accuracy.md").read_text(encoding="utf-8").split())
    assert (
        f"the median is {median:.0%} and the worst row is Llama 3.1 8B, {-errors['Llama 3.1 8B']:.0%} under"
        in readme
    )
    assert f"never fitted (`training_runs_holdout.csv`, median {median:.0%})" in accuracy
    for name in (
        "Llama 3.1 8B",
        "Llama 3.1 405B",
        "Falcon-180B",
        "StarCoderBase 15.5B",
        "SmolLM3 3B",
    ):
        sign = f"{errors[name]:+.0%}".replace("-", "−")
        assert f"{name}, {sign}" in accuracy or f"{name} ({sign}" in accuracy, name
