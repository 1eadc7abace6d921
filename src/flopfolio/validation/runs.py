"""``flopfolio validate``: predictions against published training runs and inference benchmarks.

Input files use exactly the columns of ``validation/data/published/training_runs.csv`` and
``inference_bench.csv``. ``error = predicted / reported - 1``.

* Training: the metric is chip-hours, predicted as the **expected run** (the utilization model's
  fastest configuration, plus failures, restarts and production overhead), or as the ideal run
  where the reported hours were computed from throughput (``basis`` steady state). Runs that
  report a utilization instead (or as well) get a second table: predicted MFU or HFU against
  theirs, for the recomputation the run used where the paper says. The fit uses both kinds of
  figure; ``leave_one_out`` refits the constants without each run and predicts its figures
  (with ``held_out_by="family"``, without every run of its model family).
* Inference: the metric is the row's ``metric`` column (``output_tokens_per_s`` or ``ttft_ms``),
  predicted by the serving model with its fitted constants; leave-one-out works the same way.

Baselines (docs/contributing.md): training, the napkin ``6·N·D`` at a fixed 40% of the dense bf16 peak
(fp16 where the chip has no bf16); inference, the plain roofline at 100% of peak FLOP/s and
bandwidth. Rows that cannot be judged are listed with the reason, never dropped silently.
"""

from __future__ import annotations

import csv
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from flopfolio.catalog.catalog import Catalog
from flopfolio.errors import CatalogError, unknown_choice
from flopfolio.perf.step_time import StepConstants
from flopfolio.validation.cases import family_of, training_case
from flopfolio.workload.flops import napkin_training_flops

# What a held-out prediction leaves out of the fit: the run itself, or every run of its model
# family (``cases.family_of``), which is the honest test for a family the fit has never seen.
HeldOutBy = Literal["run", "family"]
HELD_OUT_BY: tuple[HeldOutBy, ...] = ("run", "family")

BASELINE_MFU = 0.40


@dataclass(frozen=True, slots=True)
class ValidationRow:
    name: str
    predicted: float
    reported: float
    baseline: float
    leave_one_out: float | None = None  # predicted without this row in the fit
    basis: str = "whole run"  # or "steady state": hours computed from throughput
    recompute: str | None = None  # training: the run's, or "search" where the paper does not say
    assumed: tuple[str, ...] = ()  # what the row left empty and the model filled in

    @property
    def error(self) -> float:
        return self.predicted / self.reported - 1

    @property
    def baseline_error(self) -> float:
        return self.baseline / self.reported - 1


@dataclass(frozen=True, slots=True)
class UtilizationRow:
    name: str
    kind: str  # mfu or hfu
    predicted: float
    reported: float
    recompute: str  # the run's, or "search" where the paper does not say
    leave_one_out_error: float | None = None

    @property
    def error(self) -> float:
        return self.predicted / self.reported - 1


def _median_abs(values: list[float]) -> float | None:
    return statistics.median(abs(v) for v in values) if values else None


@dataclass
class ValidationReport:
    kind: str
    rows: list[ValidationRow] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    utilization: list[UtilizationRow] = field(default_factory=list)
    held_out_by: HeldOutBy | None = None  # what the leave-one-out figures held out

    def to_dict(self) -> dict[str, Any]:
        errors = [r.error for r in self.rows]
        loo = [r.leave_one_out / r.reported - 1 for r in self.rows if r.leave_one_out is not None]
        summary: dict[str, Any] = {
            "n": len(self.rows),
            "skipped": len(self.skipped),
            "median_abs_error": _median_abs(errors),
            "max_abs_error": max((abs(e) for e in errors), default=None),
            "baseline_median_abs_error": _median_abs([r.baseline_error for r in self.rows]),
            "baseline_max_abs_error": max((abs(r.baseline_error) for r in self.rows), default=None),
        }
        if self.held_out_by is not None:
            summary["held_out_by"] = self.held_out_by
        if loo:
            summary["leave_one_out_median_abs_error"] = _median_abs(loo)
            summary["leave_one_out_max_abs_error"] = max(abs(e) for e in loo)
        if self.utilization:
            summary["utilization_n"] = len(self.utilization)
            summary["utilization_median_abs_error"] = _median_abs(
                [u.error for u in self.utilization]
            )
            summary["utilization_max_abs_error"] = max(abs(u.error) for u in self.utilization)
            held_out = [
                u.leave_one_out_error for u in self.utilization if u.leave_one_out_error is not None
            ]
            if held_out:
                summary["utilization_leave_one_out_median_abs_error"] = _median_abs(held_out)
        return {
            "kind": self.kind,
            "rows": [
                {
                    "name": r.name,
                    "predicted": r.predicted,
                    "reported": r.reported,
                    "error": r.error,
                    "baseline": r.baseline,
                    "baseline_error": r.baseline_error,
                    "leave_one_out": r.leave_one_out,
                    "leave_one_out_error": None
                    if r.leave_one_out is None
                    else r.leave_one_out / r.reported - 1,
                    "basis": r.basis,
                    "recompute": r.recompute,
                    "assumed": list(r.assumed),
                }
                for r in self.rows
            ],
            "utilization": [
                {
                    "name": u.name,
                    "kind": u.kind,
                    "predicted": u.predicted,
                    "reported": u.reported,
                    "error": u.error,
                    "recompute": u.recompute,
                    "leave_one_out_error": u.leave_one_out_error,
                }
                for u in self.utilization
            ],
            "skipped": [{"name": n, "reason": why} for n, why in self.skipped],
            "summary": summary,
        }


def read_rows(path: Path | str) -> list[dict[str, str]]:
    try:
        with Path(path).open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))
    except OSError as exc:
        raise CatalogError(f"Cannot read {path}: {exc.strerror}.") from None


def validate_training(
    rows: list[dict[str, str]],
    catalog: Catalog,
    *,
    leave_one_out: bool = False,
    held_out_by: HeldOutBy = "run",
) -> ValidationReport:
    from flopfolio.validation import fit

    report = ValidationReport("training", held_out_by=held_out_by if leave_one_out else None)
    constants = StepConstants(*catalog.utilization.values)
    prepared, families = _prepared_runs(rows, catalog, report.skipped)
    held_out = fit.HeldOut({}, {})
    if leave_one_out:
        # Held out from the shipped fit's own pool (every published run) plus this file's rows.
        names = {p.case.name for p in prepared}
        extra, extra_families = _prepared_runs(_shipped_rows("training", names), catalog, [])
        pool = prepared + extra
        keys = families + extra_families if held_out_by == "family" else None
        held_out = fit.leave_one_out(pool, keys, judged=names)
    for p in prepared:
        case = p.case
        recompute = case.recompute.value if case.recompute else "search"
        if case.reported_chip_hours and case.tokens:
            peak16 = case.accelerator.peak(case.accelerator.default_training_precision())
            baseline = (
                napkin_training_flops(case.spec.active_params, case.tokens)
                / (peak16 * BASELINE_MFU)
                / 3600
            )
            loo = held_out.chip_hours.get(case.name)
            report.rows.append(
                ValidationRow(
                    case.name,
                    fit.predict_chip_hours(p, constants),
                    case.reported_chip_hours,
                    baseline,
                    None if loo is None else (1 + loo) * case.reported_chip_hours,
                    "steady state" if case.steady_state_hours else "whole run",
                    recompute,
                    case.defaults,
                )
            )
        if case.reported_utilization and case.utilization_kind:
            predicted = fit.predict_utilization(p, constants)
            report.utilization.append(
                UtilizationRow(
                    case.name,
                    case.utilization_kind,
                    predicted,
                    case.reported_utilization,
                    recompute,
                    held_out.utilization.get(case.name),
                )
            )
    return report


def _prepared_runs(
    rows: list[dict[str, str]], catalog: Catalog, skipped: list[tuple[str, str]]
) -> tuple[list[Any], list[str]]:
    """The rows the training model can take, prepared for the fit, with their families; the
    others are added to ``skipped`` with the reason."""
    from flopfolio.validation import fit

    prepared, families = [], []
    for row in rows:
        case = training_case(row, catalog)
        if isinstance(case, str):
            skipped.append((row.get("name", "?"), case))
            continue
        try:
            ready = fit.prepare(case)
        except ValueError as exc:  # a row the model cannot take: reported, the rest still judged
            skipped.append((case.name, f"the training model cannot take it: {exc}"))
            continue
        if ready is None:
            skipped.append(
                (case.name, f"no parallel configuration fits {case.gpus} × {case.accelerator.id}")
            )
            continue
        prepared.append(ready)
        families.append(family_of(row))
    return prepared, families


def validate_inference(
    rows: list[dict[str, str]],
    catalog: Catalog,
    *,
    leave_one_out: bool = False,
    held_out_by: HeldOutBy = "run",
) -> ValidationReport:
    from flopfolio.perf.inference import PLAIN_ROOFLINE
    from flopfolio.validation.inference_fit import (
        bench_case,
        fit_serving_constants,
        predict,
        predict_with,
    )

    report = ValidationReport("inference", held_out_by=held_out_by if leave_one_out else None)
    fitted = catalog.serving.values
    cases, groups = [], []
    for row in rows:
        case = bench_case(row, catalog)
        if isinstance(case, str):
            report.skipped.append((row.get("name", "?"), case))
        else:
            cases.append(case)
            groups.append(_group(row, held_out_by, len(cases)))
    # Held out from the shipped fit's own pool (every published benchmark) plus this file's rows.
    pool = list(zip(cases, groups, strict=True))
    if leave_one_out:
        pool += _serving_fit_pool({c.name for c in cases}, catalog, held_out_by)
    for case, group in zip(cases, groups, strict=True):
        loo = None
        rest = [c for c, g in pool if g != group]
        if leave_one_out and rest:
            loo = predict(case, fit_serving_constants(rest).values)
        report.rows.append(
            ValidationRow(
                case.name,
                predict(case, fitted),
                case.reported,
                predict_with(case, PLAIN_ROOFLINE),
                loo,
            )
        )
    return report


def _group(row: dict[str, str], held_out_by: HeldOutBy, index: int) -> str:
    return family_of(row) if held_out_by == "family" else f"{row.get('name', '?')} #{index}"


def _serving_fit_pool(
    exclude: set[str], catalog: Catalog, held_out_by: HeldOutBy
) -> list[tuple[Any, str]]:
    """The published benchmarks the shipped serving fit uses, less the rows being judged."""
    from flopfolio.validation.inference_fit import bench_case

    pool: list[tuple[Any, str]] = []
    for row in _shipped_rows("inference", exclude):
        case = bench_case(row, catalog)
        if not isinstance(case, str):
            pool.append((case, _group(row, held_out_by, -1)))
    return pool


def _shipped_rows(kind: str, exclude: set[str]) -> list[dict[str, str]]:
    """The rows of the published files the shipped constants of ``kind`` are fitted on, less
    those named in ``exclude`` (the rows being judged, held out on their own)."""
    from flopfolio.validation.published import shipped_fit_paths

    return [
        row
        for path in shipped_fit_paths(kind)
        for row in read_rows(path)
        if row.get("name", "?") not in exclude
    ]


def validate_file(
    kind: str,
    path: Path | str,
    catalog: Catalog,
    *,
    leave_one_out: bool = False,
    held_out_by: HeldOutBy = "run",
) -> ValidationReport:
    if held_out_by not in HELD_OUT_BY:
        raise unknown_choice("hold-out grouping", held_out_by, HELD_OUT_BY)
    if kind == "training":
        return validate_training(
            read_rows(path), catalog, leave_one_out=leave_one_out, held_out_by=held_out_by
        )
    if kind == "inference":
        return validate_inference(
            read_rows(path), catalog, leave_one_out=leave_one_out, held_out_by=held_out_by
        )
    raise CatalogError(f"Unknown validation kind {kind!r}. To fix: use training or inference.")
