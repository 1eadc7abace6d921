"""``flopfolio validate``: predictions against published training runs and inference benchmarks.

Input files use exactly the columns of ``shared/data/calibration/training_runs.csv`` and
``inference_bench.csv``. The training metric is chip-hours, the inference metric is the row's
``metric`` column (``output_tokens_per_s`` or ``ttft_ms``). ``error = predicted / reported - 1``.

Baselines (DESIGN.md): training, the napkin ``6·N·D`` at a fixed 40% of the dense bf16 peak
(fp16 where the chip has no bf16); inference, the plain roofline at 100% of peak FLOP/s and
bandwidth. Rows that cannot be judged (no reported figure, no tokens, unknown hardware) are
skipped and listed with the reason, never dropped silently.
"""

from __future__ import annotations

import csv
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flopfolio.catalog.accelerators import Accelerator
from flopfolio.catalog.catalog import Catalog
from flopfolio.errors import CatalogError, FlopfolioError
from flopfolio.perf.inference import estimate_inference
from flopfolio.perf.training import estimate_training
from flopfolio.workload.flops import napkin_training_flops
from flopfolio.workload.precision import Precision
from flopfolio.workload.transformer import FeedForward, TransformerSpec

BASELINE_MFU = 0.40


@dataclass(frozen=True, slots=True)
class ValidationRow:
    name: str
    predicted: float
    reported: float
    baseline: float

    @property
    def error(self) -> float:
        return self.predicted / self.reported - 1

    @property
    def baseline_error(self) -> float:
        return self.baseline / self.reported - 1


@dataclass
class ValidationReport:
    kind: str
    rows: list[ValidationRow] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        errors = [abs(r.error) for r in self.rows]
        baseline = [abs(r.baseline_error) for r in self.rows]
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
                }
                for r in self.rows
            ],
            "skipped": [{"name": n, "reason": why} for n, why in self.skipped],
            "summary": {
                "n": len(self.rows),
                "skipped": len(self.skipped),
                "median_abs_error": statistics.median(errors) if errors else None,
                "max_abs_error": max(errors) if errors else None,
                "baseline_median_abs_error": statistics.median(baseline) if baseline else None,
            },
        }


def _num(row: dict[str, str], column: str) -> float | None:
    raw = (row.get(column) or "").strip()
    try:
        return float(raw) if raw else None
    except ValueError:
        return None


def _spec(row: dict[str, str], params_column: str) -> TransformerSpec:
    """The row's shape if complete (the FFN kind chosen to match the published count), else the
    bare parameter count."""
    total = _num(row, params_column) or 0.0
    active = _num(row, "params_active") or 0.0
    shape = {
        k: int(_num(row, k) or 0)
        for k in ("layers", "hidden", "heads", "kv_heads", "ffn_hidden", "vocab")
    }
    if row.get("architecture", "dense") == "dense" and all(
        shape[k] for k in ("layers", "hidden", "heads", "ffn_hidden", "vocab")
    ):
        seq = int(_num(row, "seq_len") or 2048)
        candidates = [
            TransformerSpec(
                name=row["name"],
                layers=shape["layers"],
                hidden=shape["hidden"],
                heads=shape["heads"],
                kv_heads=shape["kv_heads"],
                ffn_hidden=shape["ffn_hidden"],
                vocab=shape["vocab"],
                seq_len=seq,
                feed_forward=ff,
            )
            for ff in (FeedForward.GATED, FeedForward.MLP)
        ]
        best = min(candidates, key=lambda s: abs(s.params / total - 1) if total else 0)
        if not total or abs(best.params / total - 1) < 0.10:
            return best
    return TransformerSpec.from_params(total, active if active < total else 0.0, name=row["name"])


def _precision(text: str, supported: tuple[Precision, ...]) -> Precision | None:
    lowered = text.lower()
    for precision in (Precision.FP8, Precision.BF16, Precision.FP16, Precision.FP32):
        if precision.value in lowered and precision in supported:
            return precision
    return None


def _row_setup(
    row: dict[str, str], catalog: Catalog
) -> tuple[Accelerator, TransformerSpec, Precision]:
    """The row's accelerator, model and precision (the chip's default when the text names none)."""
    acc = catalog.accelerator(row.get("hardware", ""))
    precision = (
        _precision(row.get("precision", ""), acc.precisions) or acc.default_training_precision()
    )
    return acc, _spec(row, "params_total"), precision


def read_rows(path: Path | str) -> list[dict[str, str]]:
    try:
        with Path(path).open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))
    except OSError as exc:
        raise CatalogError(f"Cannot read {path}: {exc.strerror}.") from None


def validate_training(rows: list[dict[str, str]], catalog: Catalog) -> ValidationReport:
    report = ValidationReport("training")
    for row in rows:
        name = row.get("name", "?")
        reported, tokens = _num(row, "reported_chip_hours"), _num(row, "tokens")
        missing = [c for c in ("reported_chip_hours", "tokens", "params_total") if not _num(row, c)]
        if missing or not reported or not tokens:
            report.skipped.append((name, f"no {' or '.join(missing)} to judge against"))
            continue
        try:
            acc, spec, precision = _row_setup(row, catalog)
            chips = int(_num(row, "num_chips") or 0) or None
            estimate = estimate_training(spec, tokens, acc, gpus=chips, precision=precision)
        except FlopfolioError as exc:
            report.skipped.append((name, str(exc)))
            continue
        bf16 = acc.default_training_precision()
        baseline = (
            napkin_training_flops(spec.active_params, tokens)
            / (acc.peak(bf16) * BASELINE_MFU)
            / 3600
        )
        report.rows.append(ValidationRow(name, estimate.gpu_hours.central, reported, baseline))
    return report


def validate_inference(rows: list[dict[str, str]], catalog: Catalog) -> ValidationReport:
    report = ValidationReport("inference")
    for row in rows:
        name = row.get("name", "?")
        metric, value = row.get("metric", ""), _num(row, "value")
        if metric not in ("output_tokens_per_s", "ttft_ms") or not value:
            report.skipped.append(
                (name, f"metric {metric!r} with value {row.get('value')!r} is not judged")
            )
            continue
        try:
            acc, spec, precision = _row_setup(row, catalog)
            batch_text = (row.get("batch") or "1").strip().lower()
            batch_max = batch_text == "max"
            batch = None if batch_max else int(float(batch_text))
            common: dict[str, Any] = {
                "input_tokens": int(_num(row, "input_len") or 0),
                "output_tokens": int(_num(row, "output_len") or 0),
                "gpus": int(_num(row, "num_chips") or 1),
                "precision": precision, "batch": batch, "batch_max": batch_max,
            }  # fmt: skip
            est = estimate_inference(spec, acc, **common)
            roof = estimate_inference(
                spec, acc, compute_efficiency=1.0, bandwidth_efficiency=1.0, **common
            )
        except (FlopfolioError, ValueError) as exc:
            report.skipped.append((name, str(exc)))
            continue
        if metric == "ttft_ms":
            predicted, baseline = est.central.ttft_s * 1e3, roof.central.ttft_s * 1e3
        else:
            predicted, baseline = est.central.output_tokens_per_s, roof.central.output_tokens_per_s
        report.rows.append(ValidationRow(name, predicted, value, baseline))
    return report


def validate_file(kind: str, path: Path | str, catalog: Catalog) -> ValidationReport:
    validators = {"training": validate_training, "inference": validate_inference}
    if kind not in validators:
        raise CatalogError(f"Unknown validation kind {kind!r}. To fix: use training or inference.")
    return validators[kind](read_rows(path), catalog)


__all__ = ["ValidationReport", "ValidationRow", "validate_file"]
