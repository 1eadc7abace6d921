"""Fitting the serving model's constants (``e_c``, ``e_b``, ``τ₀`` of
:class:`~flopfolio.perf.inference.InferenceConstants`) on published inference benchmarks.

Each benchmark row fixes the model, hardware, chips, precision, batch and lengths; the constants
minimise ``Σ ρ(log(predicted / reported))`` over the rows' metrics (output tokens per second or
time to first token) with SciPy's ``least_squares`` (``soft_l1``) within physical bounds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flopfolio.catalog.catalog import Catalog
from flopfolio.errors import FlopfolioError
from flopfolio.perf.inference import InferenceConstants, estimate_inference
from flopfolio.validation.cases import number, precision_from_text, spec_from_row

INITIAL = (0.5, 0.8, 0.002)
LOWER = (0.05, 0.05, 0.0)
UPPER = (1.0, 1.0, 0.05)
METRICS = ("output_tokens_per_s", "ttft_ms")


@dataclass(frozen=True, slots=True)
class BenchCase:
    name: str
    metric: str
    reported: float
    arguments: dict[str, Any]  # for estimate_inference, constants excepted


def bench_case(row: dict[str, str], catalog: Catalog) -> BenchCase | str:
    metric, value = row.get("metric", ""), number(row, "value")
    if metric not in METRICS or not value:
        return f"metric {metric!r} with value {row.get('value')!r} is not judged"
    try:
        acc = catalog.accelerator(row.get("hardware", ""))
        batch_text = (row.get("batch") or "1").strip().lower()
        arguments: dict[str, Any] = {
            "spec": spec_from_row(row, catalog),
            "accelerator": acc,
            "input_tokens": int(number(row, "input_len") or 0),
            "output_tokens": int(number(row, "output_len") or 0),
            "gpus": int(number(row, "num_chips") or 1),
            "precision": precision_from_text(row.get("precision", ""), acc),
            "batch": None if batch_text == "max" else int(float(batch_text)),
            "batch_max": batch_text == "max",
        }
    except (FlopfolioError, ValueError) as exc:
        return str(exc)
    return BenchCase(row.get("name", "?"), metric, value, arguments)


def predict(case: BenchCase, constants: InferenceConstants) -> float:
    est = estimate_inference(constants=constants, **case.arguments)
    if case.metric == "ttft_ms":
        return est.central.ttft_s * 1e3
    return est.central.output_tokens_per_s


def residuals(cases: Sequence[BenchCase], constants: InferenceConstants) -> list[float]:
    return [math.log(predict(c, constants) / c.reported) for c in cases]


@dataclass(frozen=True, slots=True)
class InferenceFit:
    constants: InferenceConstants
    rows: int
    residual_log_sd: float


def fit_serving_constants(cases: Sequence[BenchCase]) -> InferenceFit:
    import numpy as np
    from scipy.optimize import least_squares

    def objective(theta: Any) -> Any:
        return np.array(residuals(cases, InferenceConstants(*map(float, theta))))

    solution = least_squares(
        objective, np.array(INITIAL), bounds=(LOWER, UPPER), loss="soft_l1", f_scale=0.2
    )
    constants = InferenceConstants(*map(float, solution.x))
    return InferenceFit(constants, len(cases), float(np.std(residuals(cases, constants))))
