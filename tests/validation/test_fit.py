"""The fitted utilization model: reproducible from the data, better than the napkin rule,
and not leaning on the rows of the hardware it predicts."""

import csv
import statistics

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
from flopfolio.validation.runs import validate_file
from tests.conftest import shared_file


@pytest.fixture(scope="module")
def prepared(catalog: Catalog) -> list:  # type: ignore[type-arg]
    with shared_file("calibration", "training_runs.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    cases = [training_case(row, catalog) for row in rows]
    return [p for p in (prepare(c) for c in cases if not isinstance(c, str)) if p is not None]


def test_shipped_constants_are_the_fit_of_the_data(catalog: Catalog, prepared: list) -> None:  # type: ignore[type-arg]
    refit = fit_constants(prepared)
    shipped = catalog.utilization
    assert refit.runs == shipped.runs
    for fitted, stored in zip(refit.constants.as_tuple()[:3], shipped.values[:3], strict=True):
        assert fitted == pytest.approx(stored, rel=0.02)
    assert refit.residual_log_sd == pytest.approx(shipped.residual_log_sd, rel=0.02)


def test_beats_the_napkin_baseline(catalog: Catalog) -> None:
    summary = validate_file(
        "training", shared_file("calibration", "training_runs.csv"), catalog
    ).to_dict()["summary"]
    assert summary["n"] >= 20
    assert summary["median_abs_error"] < summary["baseline_median_abs_error"]
    assert summary["max_abs_error"] < summary["baseline_max_abs_error"]
    # The acceptance of issue 3: median at most 15%, max at most 50% (measured: 15%, 42%).
    assert summary["median_abs_error"] <= 0.15
    assert summary["max_abs_error"] <= 0.50


def test_leave_one_out_predicts_unseen_runs(prepared: list) -> None:  # type: ignore[type-arg]
    errors = leave_one_out(prepared)
    assert len(errors) == sum(1 for p in prepared if p.case.reported_chip_hours)
    # The acceptance of issue 3: at most 20% on runs the fit did not see (measured: 19%).
    assert statistics.median(abs(e) for e in errors.values()) <= 0.20


def test_h100_predictions_do_not_depend_on_h100_rows(prepared: list) -> None:  # type: ignore[type-arg]
    h100 = [p for p in prepared if p.case.accelerator.id.startswith("H100")]
    others = [p for p in prepared if not p.case.accelerator.id.startswith("H100")]
    assert h100 and len(others) >= 15
    with_all, without = fit_constants(prepared).constants, fit_constants(others).constants
    for p in h100:
        if p.case.reported_chip_hours:
            a, b = predict_chip_hours(p, with_all)[1], predict_chip_hours(p, without)[1]
            assert b == pytest.approx(a, rel=0.05)  # measured: 2%
        if p.case.reported_utilization:
            assert predict_utilization(p, without) == pytest.approx(
                predict_utilization(p, with_all), rel=0.05
            )
