"""The fitted utilization model: reproducible from the data, better than the napkin rule,
and not leaning on the rows of the hardware it predicts."""

import csv
import statistics
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from flopfolio.catalog.catalog import Catalog
from flopfolio.validation.cases import training_case
from flopfolio.validation.fit import (
    fit_constants,
    leave_one_out,
    predict_chip_hours,
    predict_utilization,
    prepare,
)
from flopfolio.validation.published import TRAINING_FIT_FILES
from flopfolio.validation.runs import validate_file
from flopfolio.workload.memory import Recompute
from tests.conftest import reference_file

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def prepared(catalog: Catalog) -> list:  # type: ignore[type-arg]
    rows = []
    for name in TRAINING_FIT_FILES:  # the shipped fit's pool: dense and MoE runs together
        with reference_file("calibration", name).open(newline="") as handle:
            rows += list(csv.DictReader(handle))
    cases = [training_case(row, catalog) for row in rows]
    return [p for p in (prepare(c) for c in cases if not isinstance(c, str)) if p is not None]


def test_shipped_constants_are_the_fit_of_the_data(catalog: Catalog, prepared: list) -> None:  # type: ignore[type-arg]
    refit = fit_constants(prepared)
    shipped = catalog.utilization
    assert refit.runs == shipped.runs
    assert refit.utilizations == 10  # every reported utilization in the set is fitted too
    for fitted, stored in zip(refit.constants.as_tuple(), shipped.values, strict=True):
        assert fitted == pytest.approx(stored, rel=0.02, abs=1e-6)
    assert refit.residual_log_sd == pytest.approx(shipped.residual_log_sd, rel=0.02)


def test_beats_the_napkin_baseline(catalog: Catalog) -> None:
    summary = validate_file(
        "training", reference_file("calibration", "training_runs.csv"), catalog
    ).to_dict()["summary"]
    assert summary["n"] >= 20
    assert summary["median_abs_error"] < summary["baseline_median_abs_error"]
    assert summary["max_abs_error"] < summary["baseline_max_abs_error"]
    # The acceptance of issue 3: median at most 15%, max at most 50% (measured: 8%, 35%).
    assert summary["median_abs_error"] <= 0.15
    assert summary["max_abs_error"] <= 0.50
    # Fitted with the chip-hours, the step model also matches what runs measure per step
    # (measured: 13%; fitted on chip-hours alone it was 24%, every high figure under-predicted).
    assert summary["utilization_median_abs_error"] <= 0.15


def test_runs_are_compared_with_the_setup_they_used(catalog: Catalog, prepared: list) -> None:  # type: ignore[type-arg]
    by_name = {p.case.name: p for p in prepared}
    # GLM-130B recomputed every layer (HFU/MFU = 4/3): its MFU is judged for full recomputation,
    # which is slower than the search's free choice, so the prediction is lower.
    glm = by_name["GLM-130B"]
    assert glm.case.recompute is Recompute.FULL
    free = prepare(replace(glm.case, recompute=None))
    assert free is not None
    k = fit_constants(prepared).constants
    assert predict_utilization(glm, k) < 0.9 * predict_utilization(free, k)
    # Pythia's GPU-hours were computed from iteration time: they are set beside the ideal run.
    pythia = by_name["Pythia 1B"]
    assert pythia.case.steady_state_hours
    whole = replace(pythia, case=replace(pythia.case, steady_state_hours=False))
    assert predict_chip_hours(pythia, k) < predict_chip_hours(whole, k)
    # Its training configs checkpoint every layer (checkpoint-activations, checkpoint-num-layers
    # 1): full recomputation, a third more matmul work than the search's free choice.
    assert pythia.case.recompute is Recompute.FULL
    unpinned = prepare(replace(pythia.case, recompute=None))
    assert unpinned is not None
    assert predict_chip_hours(pythia, k) > 1.2 * predict_chip_hours(unpinned, k)


def test_a_users_file_may_state_the_setup(catalog: Catalog) -> None:
    row = {"name": "mine", "params_total": "7e9", "tokens": "1e12", "reported_chip_hours": "1e5",
           "hardware": "H100-SXM5-80GB", "num_chips": "64", "recompute": "selective",
           "chip_hours_basis": "steady_state"}  # fmt: skip
    case = training_case(row, catalog)
    assert not isinstance(case, str)
    assert case.recompute is Recompute.SELECTIVE and case.steady_state_hours
    reason = training_case({**row, "recompute": "some"}, catalog)
    assert isinstance(reason, str)
    assert reason.startswith("Unknown recomputation 'some'.")
    assert reason.endswith("use one of none, selective, full.")


def test_leave_one_out_predicts_unseen_runs(prepared: list) -> None:  # type: ignore[type-arg]
    held_out = leave_one_out(prepared)
    assert len(held_out.chip_hours) == sum(1 for p in prepared if p.case.reported_chip_hours)
    assert len(held_out.utilization) == sum(1 for p in prepared if p.case.reported_utilization)
    # The acceptance of issue 3: at most 20% on runs the fit did not see (measured: 9%).
    assert statistics.median(abs(e) for e in held_out.chip_hours.values()) <= 0.20
    assert statistics.median(abs(e) for e in held_out.utilization.values()) <= 0.20  # 13%


def test_h100_predictions_do_not_depend_on_h100_rows(prepared: list) -> None:  # type: ignore[type-arg]
    h100 = [p for p in prepared if p.case.accelerator.id.startswith("H100")]
    others = [p for p in prepared if not p.case.accelerator.id.startswith("H100")]
    assert h100 and len(others) >= 15
    with_all, without = fit_constants(prepared).constants, fit_constants(others).constants
    for p in h100:
        if p.case.reported_chip_hours:
            a, b = predict_chip_hours(p, with_all), predict_chip_hours(p, without)
            assert b == pytest.approx(a, rel=0.05)  # measured: 0.5%
        if p.case.reported_utilization:
            assert predict_utilization(p, without) == pytest.approx(
                predict_utilization(p, with_all), rel=0.05
            )


def test_the_refit_script_writes_the_shipped_file(tmp_path: Path) -> None:
    out = tmp_path / "utilization_fit.csv"
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "refit_shipped.py"), str(tmp_path)],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr

    def values(path: Path) -> dict[str, tuple[str, str]]:
        with path.open(newline="") as handle:
            return {r["constant"]: (r["value"], r["source"]) for r in csv.DictReader(handle)}

    shipped = REPO / "src" / "flopfolio" / "catalog" / "data" / "utilization_fit.csv"
    assert values(out) == values(shipped)
