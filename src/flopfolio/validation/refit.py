"""``flopfolio fit``: refit the utilization model on a training-runs file and optionally keep it."""

from __future__ import annotations

import datetime as dt
import statistics
from pathlib import Path
from typing import Any

from flopfolio.catalog.catalog import Catalog
from flopfolio.catalog.user_catalog import write_utilization_fit
from flopfolio.errors import InfeasiblePlanError
from flopfolio.validation.cases import training_case
from flopfolio.validation.fit import fit_constants, predict_chip_hours, prepare
from flopfolio.validation.runs import read_rows

MIN_RUNS = 4  # four constants


def refit(path: Path | str, catalog: Catalog, *, save_to: Path | None = None) -> dict[str, Any]:
    cases = [training_case(row, catalog) for row in read_rows(path)]
    prepared = [p for p in (prepare(c) for c in cases if not isinstance(c, str)) if p is not None]
    judged = [p for p in prepared if p.case.reported_chip_hours]
    if len(judged) < MIN_RUNS:
        raise InfeasiblePlanError(
            f"{path} has {len(judged)} run(s) with reported chip-hours that fit memory; the fit needs at "
            f"least {MIN_RUNS}. To fix: add runs (model shape, tokens, hardware, chips, chip-hours)."
        )
    result = fit_constants(prepared)
    k = result.constants
    errors = [
        abs(predict_chip_hours(p, k)[1] / (p.case.reported_chip_hours or 1.0) - 1) for p in judged
    ]
    constants = {
        "matmul_efficiency_max": k.matmul_efficiency_max,
        "matmul_half_width": k.matmul_half_width,
        "elementwise_bytes_per_hidden": k.elementwise_bytes_per_hidden,
        "dp_overlap": k.dp_overlap,
    }
    saved = None
    if save_to is not None:
        saved = save_to / "utilization_fit.csv"
        write_utilization_fit(
            saved,
            {**constants, "residual_log_sd": result.residual_log_sd, "runs": float(result.runs)},
            f"flopfolio fit on {Path(path).name} ({result.runs} runs)",
            dt.date.today().isoformat(),
        )
    return {
        "constants": constants,
        "runs": result.runs,
        "residual_log_sd": result.residual_log_sd,
        "median_abs_error": statistics.median(errors),
        "max_abs_error": max(errors),
        "saved_to": str(saved) if saved else None,
    }
