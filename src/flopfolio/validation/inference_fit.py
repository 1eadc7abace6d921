"""Fitting the serving model's constants (``e_c``, ``e_b``, ``τ_L``, ``e_x`` of
:class:`~flopfolio.perf.inference.InferenceConstants`) on published inference benchmarks.

Each benchmark row fixes the model, hardware, chips, precision, batch and lengths; the constants
minimise ``Σ ρ(log(predicted / reported))`` over the rows' metrics (output tokens per second or
time to first token) with SciPy's ``least_squares`` (``soft_l1``) within physical bounds.

One (``e_c``, ``e_b``) pair per hardware generation: the cards with FP4 tensor cores get their own
pair when at least :data:`MIN_GENERATION_ROWS` rows run on them, else they share the others'; the
per-layer overhead ``τ_L`` is shared, and so is ``e_x``, the efficiency of the routed experts'
grouped kernels relative to dense ones (fitted when MoE rows are in the set). The fit's values
are the tuple
:func:`~flopfolio.perf.inference.constants_for` reads.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flopfolio.catalog.catalog import Catalog
from flopfolio.errors import FlopfolioError
from flopfolio.perf.inference import (
    InferenceConstants,
    constants_for,
    estimate_inference,
    fp4_generation,
)
from flopfolio.validation.cases import (
    kv_precision_from_text,
    number,
    precision_from_text,
    spec_from_row,
)

# e_c, e_b, τ_L, e_c and e_b of the FP4 generation, e_x (one for every generation)
INITIAL = (0.5, 0.8, 5e-5, 0.5, 0.8, 0.8)
LOWER = (0.05, 0.05, 0.0, 0.05, 0.05, 0.05)
UPPER = (1.0, 1.0, 1e-3, 1.0, 1.0, 1.0)
MIN_GENERATION_ROWS = 4
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
            "kv_precision": kv_precision_from_text(row.get("precision", "")),
            "batch": None if batch_text == "max" else int(float(batch_text)),
            "batch_max": batch_text == "max",
        }
    except (FlopfolioError, ValueError) as exc:
        return str(exc)
    return BenchCase(row.get("name", "?"), metric, value, arguments)


def predict(case: BenchCase, values: tuple[float, ...]) -> float:
    """The row's metric under the fit ``values`` (see :func:`constants_for`)."""
    return predict_with(case, constants_for(case.arguments["accelerator"], values))


def predict_with(case: BenchCase, constants: InferenceConstants) -> float:
    """The row's metric under ``constants`` (the plain roofline's, for one)."""
    est = estimate_inference(constants=constants, **case.arguments)
    if case.metric == "ttft_ms":
        return est.central.ttft_s * 1e3
    return est.central.output_tokens_per_s


def residuals(cases: Sequence[BenchCase], values: tuple[float, ...]) -> list[float]:
    return [math.log(predict(c, values) / c.reported) for c in cases]


@dataclass(frozen=True, slots=True)
class InferenceFit:
    values: tuple[float, ...]  # e_c, e_b, τ_L, e_c and e_b of the FP4 generation, e_x
    rows: int
    residual_log_sd: float
    generation_rows: int  # rows on FP4-generation cards; below the minimum they share e_c, e_b


def fit_serving_constants(cases: Sequence[BenchCase]) -> InferenceFit:
    import numpy as np
    from scipy.optimize import least_squares

    newer = sum(fp4_generation(c.arguments["accelerator"]) for c in cases)
    own_pair = newer >= MIN_GENERATION_ROWS

    moe = any(c.arguments["spec"].experts for c in cases)
    # Without the FP4 generation's own pair, theta leaves it out and the pair is the others';
    # without MoE rows nothing measures e_x, which stays 1 (the dense kernels' rate).
    fitted = [0, 1, 2] + ([3, 4] if own_pair else []) + ([5] if moe else [])

    def values_of(theta: Any) -> tuple[float, ...]:
        v = dict(zip(fitted, map(float, theta), strict=True))
        v.setdefault(3, v[0])
        v.setdefault(4, v[1])
        v.setdefault(5, 1.0)
        return tuple(v[i] for i in range(6))

    solution = least_squares(
        lambda theta: np.array(residuals(cases, values_of(theta))),
        np.array([INITIAL[i] for i in fitted]),
        bounds=([LOWER[i] for i in fitted], [UPPER[i] for i in fitted]),
        loss="soft_l1",
        f_scale=0.2,
    )
    values = values_of(solution.x)
    spread = float(np.std(residuals(cases, values)))
    return InferenceFit(values, len(cases), spread, newer)
