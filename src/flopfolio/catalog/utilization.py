"""Fitted model constants, shipped as data like every other figure: the training utilization
model's (``utilization_fit.csv``) and the serving model's (``inference_fit.csv``)."""

from __future__ import annotations

from dataclasses import dataclass

from flopfolio.catalog._rows import Row
from flopfolio.errors import CatalogError

CONSTANT_COLUMNS = (
    "matmul_efficiency_max",
    "matmul_half_width",
    "elementwise_bytes_per_hidden",
    "dp_overlap",
    "production_overhead",
)
INFERENCE_COLUMNS = (
    "compute_efficiency",
    "bandwidth_efficiency",
    "layer_overhead_s",
    "fp4_generation_compute_efficiency",
    "fp4_generation_bandwidth_efficiency",
    "expert_kernel_efficiency",
)
# Constants added after a user's fit may have been saved: a file without them reads as this value
# (the model as it was before the constant existed).
OPTIONAL_DEFAULTS = {"expert_kernel_efficiency": 1.0}
FIT_COLUMNS = ("constant", "value", "source", "as_of")


@dataclass(frozen=True, slots=True)
class FittedConstants:
    """Values in the order of the model's constant names (e.g. :data:`CONSTANT_COLUMNS`)."""

    values: tuple[float, ...]
    residual_log_sd: float  # spread of log(predicted / reported) on the fitting set
    runs: int
    source: str
    as_of: str
    origin: str


def constants_from_rows(
    rows: list[Row], names: tuple[str, ...] = CONSTANT_COLUMNS
) -> FittedConstants:
    values: dict[str, float] = {}
    for row in rows:
        value = row.number("value")
        if value is None:
            raise CatalogError(f"{row.where}: constant {row.text('constant')!r} has no value.")
        values[row.text("constant")] = value
    for name, default in OPTIONAL_DEFAULTS.items():
        if name in names:
            values.setdefault(name, default)
    missing = [c for c in (*names, "residual_log_sd", "runs") if c not in values]
    if missing or not rows:
        raise CatalogError(f"fitted constants lack {', '.join(missing) or 'rows'}.")
    last = rows[-1]
    return FittedConstants(
        values=tuple(values[name] for name in names),
        residual_log_sd=values["residual_log_sd"],
        runs=int(values["runs"]),
        source=last.text("source"),
        as_of=last.text("as_of"),
        origin=last.origin,
    )
