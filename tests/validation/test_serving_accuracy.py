"""The serving model against the published benchmarks it ships with: the targets of the MoE/FP4
work (median |error| <= 20%, every row within 2x) and no regression on the dense file."""

import statistics

import pytest

from flopfolio.catalog.catalog import Catalog
from flopfolio.perf.inference import constants_for, estimate_inference
from flopfolio.specs.precision import Precision
from flopfolio.validation.cases import family_of
from flopfolio.validation.inference_fit import bench_case, fit_serving_constants, predict
from flopfolio.validation.published import published_path, shipped_fit_paths
from flopfolio.validation.runs import read_rows, validate_file
from tests.cli.helpers import run_json
from tests.conftest import REPO as ROOT


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
    # The documented command (docs/serving-model.md) reproduces the shipped file.
    fit = run_json("fit", "inference", "--published")
    assert fit["runs"] == catalog.serving.runs == 32
    fitted = list(fit["constants"].values())
    for value, shipped in zip(fitted, catalog.serving.values, strict=True):
        assert value == pytest.approx(shipped, rel=0.02)
    assert all(0 < v <= 1 for i, v in enumerate(fitted) if i != 2)


def test_a_held_out_family_is_really_held_out(catalog: Catalog) -> None:
    rows = [row for path in shipped_fit_paths("inference") for row in read_rows(path)]
    cases = {r["name"]: bench_case(r, catalog) for r in rows}
    scout = [c for r in rows if family_of(r) == "llama-4-scout" for c in [cases[r["name"]]]]
    rest = [c for r in rows if family_of(r) != "llama-4-scout" for c in [cases[r["name"]]]]
    assert len(scout) == 12 and len(rest) == 20
    held_out = fit_serving_constants([c for c in rest if not isinstance(c, str)])
    assert held_out.rows == 20

    def median_error(values: tuple[float, ...]) -> float:
        return statistics.median(
            abs(predict(c, values) / c.reported - 1) for c in scout if not isinstance(c, str)
        )

    # Fitted without Scout, Scout is predicted worse than by the fit that saw it: no leak.
    assert median_error(held_out.values) > median_error(catalog.serving.values) + 0.02


def test_benchmarks_never_fitted_are_judged_out_of_sample(catalog: Catalog) -> None:
    """inference_bench_holdout.csv: TensorRT-LLM cells no fit uses (no cell of the fitted files
    repeated), judged with the shipped constants; docs/accuracy.md quotes its figures."""
    from flopfolio.validation.published import SERVING_FIT_FILES

    assert "inference_bench_holdout.csv" not in SERVING_FIT_FILES

    def cell(row: dict[str, str]) -> tuple[str, ...]:
        keys = ("hardware", "num_chips", "precision", "input_len", "output_len", "value")
        return tuple(row[k] for k in keys)

    fitted = {cell(row) for path in shipped_fit_paths("inference") for row in read_rows(path)}
    rows = read_rows(published_path("inference", "inference_bench_holdout.csv"))
    assert all(row["source"] and row["split"] == "holdout" for row in rows)
    assert not {cell(row) for row in rows} & fitted
    report = validate_file(
        "inference", published_path("inference", "inference_bench_holdout.csv"), catalog
    ).to_dict()
    assert report["summary"]["n"] == len(rows) == 186 and not report["skipped"]
    beyond = {
        r["name"].removeprefix("TRT-LLM ")
        for r in report["rows"]
        if not 0.5 <= r["predicted"] / r["reported"] <= 2.0
    }
    assert beyond == set()  # the two GB200 rows beyond 2x came within it with the host floor
    accuracy = " ".join((ROOT / "docs" / "accuracy.md").read_text(encoding="utf-8").split())
    median = report["summary"]["median_abs_error"]
    assert f"**median {median:.0%}, max {report['summary']['max_abs_error']:.0%}; no row" in (
        accuracy
    )


def test_a_fit_without_moe_rows_leaves_the_expert_efficiency_at_one(catalog: Catalog) -> None:
    rows = read_rows(published_path("inference", "inference_bench.csv"))
    cases = [c for c in (bench_case(r, catalog) for r in rows) if not isinstance(c, str)]
    assert fit_serving_constants(cases).values[5] == 1.0


def test_mla_benchmarks_never_fitted_run_attention_data_parallel(catalog: Catalog) -> None:
    """inference_bench_mla_holdout.csv: NVIDIA's DeepSeek-R1 max-throughput runs, attention DP on
    8 GPUs, never fitted. The default layout for an MLA model is the one they ran (under TP every
    rank would hold the whole latent and the H200 run would not fit), the cache is the one the
    precision column names, and every row is within 2× (docs/accuracy.md gives the figures)."""
    from flopfolio.validation.published import SERVING_FIT_FILES

    name = "inference_bench_mla_holdout.csv"
    assert name not in SERVING_FIT_FILES
    rows = read_rows(published_path("inference", name))
    assert all(row["source"] and row["split"] == "holdout" for row in rows)
    cases = [bench_case(row, catalog) for row in rows]
    assert not any(isinstance(c, str) for c in cases)
    kv = [c.arguments["kv_precision"] for c in cases if not isinstance(c, str)]
    assert kv == [Precision.BF16, Precision.FP16, Precision.FP8]
    for case in cases:
        assert not isinstance(case, str)
        shipped = constants_for(case.arguments["accelerator"], catalog.serving.values)
        est = estimate_inference(constants=shipped, **case.arguments)
        assert est.layout.attention_dp and est.fits
    report = validate_file("inference", published_path("inference", name), catalog).to_dict()
    assert report["summary"]["n"] == 3 and not report["skipped"]
    assert all(0.5 <= r["predicted"] / r["reported"] <= 2.0 for r in report["rows"])
    accuracy = (ROOT / "docs" / "accuracy.md").read_text(encoding="utf-8")
    for r in report["rows"]:  # the table's row: predicted, published, error
        cells = f"| {r['predicted']:,.0f} | {r['reported']:,.0f} | {r['error']:+.0%} |"
        assert cells in accuracy, cells
