"""The utilization model's fitted constants, shipped as data like every other figure."""

from __future__ import annotations

from dataclasses import dataclass

from flopfolio.catalog._rows import Row
from flopfolio.errors import CatalogError

CONSTANT_COLUMNS = (
    "matmul_efficiency_max",
    "matmul_half_width",
    "elementwise_bytes_per_hidden",
    "dp_overlap",
)
FIT_COLUMNS = ("constant", "value", "source", "as_of")


@dataclass(frozen=True, slots=True)
class FittedConstants:
    """Values in the order of :data:`CONSTANT_COLUMNS` (``perf.step_time.StepConstants``)."""

    values: tuple[float, float, float, float]
    residual_log_sd: float  # spread of log(predicted / reported) on the fitting set
    runs: int
    source: str
    as_of: str
    origin: str


def constants_from_rows(rows: list[Row]) -> FittedConstants:
    values: dict[str, float] = {}
    for row in rows:
        value = row.number("value")
        if value is None:
            raise CatalogError(f"{row.where}: constant {row.text('constant')!r} has no value.")
        values[row.text("constant")] = value
    missing = [c for c in (*CONSTANT_COLUMNS, "residual_log_sd", "runs") if c not in values]
    if missing:
        raise CatalogError(f"utilization_fit.csv lacks {', '.join(missing)}.")
    last = rows[-1]
    return FittedConstants(
        values=(
            values["matmul_efficiency_max"],
            values["matmul_half_width"],
            values["elementwise_bytes_per_hidden"],
            values["dp_overlap"],
        ),
        residual_log_sd=values["residual_log_sd"],
        runs=int(values["runs"]),
        source=last.text("source"),
        as_of=last.text("as_of"),
        origin=last.origin,
    )
