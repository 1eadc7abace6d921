"""``flopfolio fit``: refit a model's constants on a calibration file and optionally keep them."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flopfolio.catalog.catalog import Catalog
from flopfolio.catalog.user_catalog import write_utilization_fit
from flopfolio.catalog.utilization import CONSTANT_COLUMNS, INFERENCE_COLUMNS
from flopfolio.errors import CatalogError, InfeasiblePlanError
from flopfolio.validation.runs import read_rows

MIN_ROWS = {"training": 4, "inference": 3}  # at least as many rows as constants


Paths = Path | str | Sequence[Path | str]


def _rows(paths: Paths) -> list[dict[str, str]]:
    many = [paths] if isinstance(paths, (str, Path)) else list(paths)
    return [row for path in many for row in read_rows(path)]


def _name(paths: Paths) -> str:
    many = [paths] if isinstance(paths, (str, Path)) else list(paths)
    return " + ".join(Path(p).name for p in many)


def _training(path: Paths, catalog: Catalog) -> tuple[dict[str, float], int, float, list[float]]:
    from flopfolio.validation.cases import training_case
    from flopfolio.validation.fit import fit_constants, predict_chip_hours, prepare

    cases = [training_case(row, catalog) for row in _rows(path)]
    prepared = [p for p in (prepare(c) for c in cases if not isinstance(c, str)) if p is not None]
    judged = [p for p in prepared if p.case.reported_chip_hours]
    _enough("training", path, len(judged))
    result = fit_constants(prepared)
    k = result.constants
    errors = [
        abs(predict_chip_hours(p, k) / (p.case.reported_chip_hours or 1.0) - 1) for p in judged
    ]
    constants = dict(zip(CONSTANT_COLUMNS, k.as_tuple(), strict=True))
    return constants, result.runs, result.residual_log_sd, errors


def _inference(path: Paths, catalog: Catalog) -> tuple[dict[str, float], int, float, list[float]]:
    from flopfolio.validation.inference_fit import bench_case, fit_serving_constants, predict

    cases = [c for c in (bench_case(row, catalog) for row in _rows(path)) if not isinstance(c, str)]
    _enough("inference", path, len(cases))
    result = fit_serving_constants(cases)
    errors = [abs(predict(c, result.values) / c.reported - 1) for c in cases]
    constants = dict(zip(INFERENCE_COLUMNS, result.values, strict=True))
    return constants, result.rows, result.residual_log_sd, errors


def _enough(kind: str, path: Paths, rows: int) -> None:
    if rows < MIN_ROWS[kind]:
        raise InfeasiblePlanError(
            f"{_name(path)} has {rows} {kind} row(s) that can be judged; the fit needs at least {MIN_ROWS[kind]}. "
            "To fix: add rows with the calibration schema's columns filled."
        )


def refit(
    kind: str,
    path: Paths,
    catalog: Catalog,
    *,
    save_to: Path | None = None,
    source: str | None = None,
) -> dict[str, Any]:
    """Refit ``kind``'s constants on ``path``; with ``save_to``, write them there as the catalog
    file, citing ``source`` (default: this fit and its file)."""
    fitters = {
        "training": (_training, "utilization_fit.csv"),
        "inference": (_inference, "inference_fit.csv"),
    }
    if kind not in fitters:
        raise CatalogError(f"Unknown fit kind {kind!r}. To fix: use training or inference.")
    fitter, filename = fitters[kind]
    constants, rows, spread, errors = fitter(path, catalog)
    saved = None
    if save_to is not None:
        saved = save_to / filename
        write_utilization_fit(
            saved,
            {**constants, "residual_log_sd": spread, "runs": float(rows)},
            source or f"flopfolio fit {kind} on {_name(path)} ({rows} rows)",
            dt.date.today().isoformat(),
        )
    return {
        "kind": kind,
        "constants": constants,
        "runs": rows,
        "residual_log_sd": spread,
        "median_abs_error": statistics.median(errors),
        "max_abs_error": max(errors),
        "saved_to": str(saved) if saved else None,
    }
