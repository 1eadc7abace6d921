"""The serving model against the published benchmarks it ships with: the targets of the MoE/FP4
work (median |error| <= 20%, every row within 2x) and no regression on the dense file."""

import statistics

import pytest

from flopfolio.catalog.catalog import Catalog
from flopfolio.validation.inference_fit import bench_case, fit_serving_constants, predict
from flopfolio.validation.published import SERVING_FIT_FILES, published_path
from flopfolio.validation.runs import read_rows, validate_file


def _ratios(catalog: Catalog, name: str) -> list[float]:
    report = validate_file("inference", published_path("inference", name), catalog).to_dict()
    assert report["summary"]["skipped"] == 0
    return [r["predicted"] / r["reported"] for r in report["rows"]]


def test_moe_fp4_rows_meet_the_target(catalog: Catalog) -> None:
    ratios = _ratios(catalog, "inference_bench_moe_fp4.csv")
    assert statistics.median(abs(r - 1) for r in ratios) <= 0.20
    assert all(0.5 <= r <= 2.0 for r in ratios)


def test_dense_rows_are_no_worse_than_before_fp4(catalog: Catalog) -> None:
    ratios = _ratios(catalog, "inference_bench.csv")
    # 14% median, 56% max before the MoE/FP4 mechanics.
    assert statistics.median(abs(r - 1) for r in ratios) <= 0.14
    assert max(abs(r - 1) for r in ratios) <= 0.56


def test_shipped_constants_are_the_fit_of_the_published_pool(catalog: Catalog) -> None:
    rows = [
        row for name in SERVING_FIT_FILES for row in read_rows(published_path("inference", name))
    ]
    cases = [c for c in (bench_case(r, catalog) for r in rows) if not isinstance(c, str)]
    fit = fit_serving_constants(cases)
    assert fit.rows == catalog.serving.runs == 32
    assert fit.generation_rows == 14  # B200 and GB200 rows: their own pair
    for fitted, shipped in zip(fit.values, catalog.serving.values, strict=True):
        assert fitted == pytest.approx(shipped, rel=0.02)
    assert all(0 < v <= 1 for i, v in enumerate(fit.values) if i != 2)
    # Holding out a row changes its prediction: the held-out figures are real refits.
    rest = fit_serving_constants(cases[1:])
    assert predict(cases[0], rest.values) != pytest.approx(predict(cases[0], fit.values), rel=1e-4)
