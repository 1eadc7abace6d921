"""The published runs and benchmarks flopfolio is validated on, shipped with the package
(``validation/data/published/``, described in its README.md), so ``flopfolio validate training
--published`` works after ``pip install`` with nothing beside it."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from flopfolio.errors import CatalogError, did_you_mean, unknown_choice

# The file each kind is judged on when no name is given.
DEFAULT_PUBLISHED = {"training": "training_runs.csv", "inference": "inference_bench.csv"}
# The benchmarks the shipped serving fit (catalog/data/inference_fit.csv) is fitted on, together:
# dense models on Ampere and Hopper, MoE and FP4 on Hopper and Blackwell.
SERVING_FIT_FILES = ("inference_bench.csv", "inference_bench_moe_fp4.csv")
# The runs the shipped utilization fit (catalog/data/utilization_fit.csv) is fitted on, together:
# dense runs from V100 to H100, MoE runs, and MLPerf on TPU v5p and Gaudi2.
TRAINING_FIT_FILES = ("training_runs.csv", "training_runs_moe.csv")


def published_names() -> list[str]:
    folder = resources.files("flopfolio.validation").joinpath("data", "published")
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".csv"))


def published_path(kind: str, name: str | None = None) -> Path:
    """The shipped CSV ``name`` (default: the kind's main file) as a path on disk."""
    if kind not in DEFAULT_PUBLISHED:
        raise unknown_choice("validation kind", kind, DEFAULT_PUBLISHED)
    chosen = name or DEFAULT_PUBLISHED[kind]
    names = published_names()
    if chosen not in names:
        raise CatalogError(
            f"No published file {chosen!r}.{did_you_mean(chosen, names)} "
            f"To fix: use one of {', '.join(names)}."
        )
    return Path(str(resources.files("flopfolio.validation").joinpath("data", "published", chosen)))


def shipped_fit_paths(kind: str) -> list[Path]:
    """The published files the shipped constants of ``kind`` are fitted on."""
    names = SERVING_FIT_FILES if kind == "inference" else TRAINING_FIT_FILES
    return [published_path(kind, name) for name in names]
