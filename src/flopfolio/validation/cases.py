"""Rows of the calibration CSVs turned into runs the models can predict.

Columns are those of ``validation/data/published/*.csv``; empty cells mean unknown. A training row
needs reported chip-hours, tokens and a parameter count to be judged; the rest has defaults
(:mod:`flopfolio.perf.defaults`), and every default used is named in the row's assumptions.

Two facts about a run decide what its figures can be compared with, and the schema has no
column for them, so they come from ``validation/data/run_setups.csv`` (by name, each with the
paper's evidence) or from optional ``recompute`` and ``chip_hours_basis`` columns a user's file
may add:

* ``recompute`` (none, selective, full): the recomputation the run used. A utilization is
  compared with the model's prediction *for that setup*: a run that recomputed every layer
  reports a lower MFU than the faster setup the search would pick for it;
* ``chip_hours_basis``: ``whole_run`` (the default: the calendar time of a production run, so
  failures and production overhead are in it) or ``steady_state`` (GPU-hours computed from
  measured throughput, or a timed benchmark with no downtime), which compares with the ideal run.
"""

from __future__ import annotations

import csv
import dataclasses
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from flopfolio.catalog.accelerators import Accelerator
from flopfolio.catalog.catalog import Catalog
from flopfolio.errors import FlopfolioError, InvalidSpecError
from flopfolio.perf.defaults import default_global_batch_tokens, default_gpus, default_seq_len
from flopfolio.specs.precision import Precision
from flopfolio.specs.transformer import FeedForward, TransformerSpec
from flopfolio.workload.memory import Recompute


def number(row: dict[str, str], column: str) -> float | None:
    raw = (row.get(column) or "").strip()
    try:
        return float(raw) if raw else None
    except ValueError:
        return None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9.]+", "-", text.lower()).strip("-")


# A model's size in its name ("7B", "1.1B", "17B-16E", "8x7B", "175B"): the family is what precedes it.
_SIZE = re.compile(r"^(\d+x)?\d+(\.\d+)?[bmt]$")


def family_of(row: dict[str, str]) -> str:
    """The model family a row belongs to, for holding whole families out of a fit: the words of
    its ``model`` column (else its ``name``) before the first size, benchmark tool prefixes
    dropped — "LLaMA-65B" and "LLaMA-7B" are ``llama``, "Llama 2 70B" is ``llama-2``,
    "TRT-LLM Llama 4 Scout B200 FP4" (model "Llama 4 Scout 17B-16E") is ``llama-4-scout``."""
    text = re.sub(r"\(.*?\)", " ", row.get("model") or row.get("name", ""))  # "(rate per ...)"
    words = _slug(text).split("-")
    if words[:2] == ["trt", "llm"]:
        words = words[2:]
    family: list[str] = []
    for word in words:
        if _SIZE.match(word):
            break
        family.append(word)
    return "-".join(family) or "unknown"


def preset_for_row(row: dict[str, str], catalog: Catalog) -> TransformerSpec | None:
    """The catalog preset a row names (its ``model`` column, else its ``name``: the longest preset
    id or name its words start with), if the preset's parameter count agrees with the row's within
    10%. It fills the shape a dense row's columns cannot hold (experts, shared experts, dense
    layers, MLA)."""
    total = number(row, "params_total")
    for text in (row.get("model", ""), row.get("name", "")):
        slug = _slug(text)
        if not slug:
            continue
        named = [
            (len(key), preset)
            for preset in catalog.presets.values()
            for key in {_slug(preset.id), _slug(preset.name)}
            if slug == key or slug.startswith(key + "-")
        ]
        if not named:
            continue
        preset = max(named, key=lambda hit: hit[0])[1]
        if total and abs(preset.spec.params / total - 1) > 0.10:
            return None
        return dataclasses.replace(preset.spec, name=row.get("name", preset.id))
    return None


def spec_from_row(row: dict[str, str], catalog: Catalog | None = None) -> TransformerSpec:
    """The row's shape if complete (the FFN kind chosen to match the published count); else the
    catalog preset the row names (:func:`preset_for_row`); else the bare parameter count."""
    total = number(row, "params_total") or 0.0
    active = number(row, "params_active") or 0.0
    shape = {
        k: int(number(row, k) or 0)
        for k in ("layers", "hidden", "heads", "kv_heads", "ffn_hidden", "vocab")
    }
    complete = all(shape[k] for k in ("layers", "hidden", "heads", "ffn_hidden", "vocab"))
    if row.get("architecture", "dense") == "dense" and complete:
        seq = int(number(row, "seq_len") or 2048)
        candidates = [
            TransformerSpec(
                name=row.get("name", "row"),
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
    preset = preset_for_row(row, catalog) if catalog is not None else None
    if preset is not None:
        return preset
    return TransformerSpec.from_params(
        total, active if active < total else 0.0, name=row.get("name", "row")
    )


def precision_from_text(text: str, acc: Accelerator) -> Precision:
    """The precision a free-text column names (fp4/nvfp4, fp8, bf16, fp16, fp32), if the chip has
    it; else the chip's default training precision."""
    lowered = text.lower()
    for precision in (Precision.FP4, Precision.FP8, Precision.BF16, Precision.FP16, Precision.FP32):
        if precision.value in lowered and acc.supports(precision):
            return precision
    return acc.default_training_precision()


def kv_precision_from_text(text: str) -> Precision | None:
    """The KV-cache precision a free-text precision column names ("fp4, kv fp16"), if any."""
    found = re.search(r"\bkv(?:[ _-]?cache)?[ :]+(fp8|bf16|fp16|fp32)\b", text.lower())
    return Precision.parse(found.group(1)) if found else None


@dataclass(frozen=True, slots=True)
class TrainingCase:
    """A published run: what it trained on, and what was reported (chip-hours, utilization or
    both). Utilization reported as a fraction of peak with no stated convention counts as HFU."""

    name: str
    spec: TransformerSpec
    accelerator: Accelerator
    precision: Precision
    gpus: int
    seq_len: int
    global_batch_tokens: float
    tokens: float | None
    reported_chip_hours: float | None
    reported_utilization: float | None
    utilization_kind: str | None  # "mfu" or "hfu"
    defaults: tuple[str, ...] = field(default=())
    recompute: Recompute | None = None  # None: unknown, the search chooses
    steady_state_hours: bool = False  # chip-hours from throughput, not the calendar


def _utilization(row: dict[str, str]) -> tuple[float | None, str | None]:
    value = number(row, "reported_mfu")
    kind = (row.get("mfu_kind") or "").strip().lower()
    if not value:
        return None, None
    return value, "mfu" if kind == "mfu" else "hfu"


CHIP_HOURS_BASES = ("whole_run", "steady_state")


@cache
def run_setups() -> dict[str, dict[str, str]]:
    """The shipped setups of published runs, by name (see the module docstring)."""
    text = (
        resources.files("flopfolio.validation").joinpath("data/run_setups.csv").read_text("utf-8")
    )
    return {row["name"]: row for row in csv.DictReader(text.splitlines())}


def _setup(row: dict[str, str]) -> tuple[Recompute | None, bool] | str:
    """(recompute, steady-state hours) from the row's own columns, else the shipped setups."""
    shipped = run_setups().get(row.get("name", ""), {})
    recompute = (row.get("recompute") or shipped.get("recompute") or "").strip().lower()
    basis = (row.get("chip_hours_basis") or shipped.get("chip_hours_basis") or "whole_run").strip()
    if basis not in CHIP_HOURS_BASES:
        return f"chip_hours_basis {basis!r} is not one of {', '.join(CHIP_HOURS_BASES)}"
    try:
        return (Recompute.parse(recompute) if recompute else None), basis == "steady_state"
    except InvalidSpecError as exc:
        return str(exc)


def training_case(row: dict[str, str], catalog: Catalog) -> TrainingCase | str:
    """The run a row describes, or the reason it cannot be judged."""
    hours, tokens = number(row, "reported_chip_hours"), number(row, "tokens")
    utilization, kind = _utilization(row)
    if not number(row, "params_total"):
        return "no params_total"
    if not (hours and tokens) and not (utilization and number(row, "num_chips")):
        return "neither reported chip-hours with tokens, nor a utilization with its chip count"
    setup = _setup(row)
    if isinstance(setup, str):
        return setup
    try:
        acc = catalog.accelerator(row.get("hardware", ""))
        spec = spec_from_row(row, catalog)
        precision = precision_from_text(row.get("precision", ""), acc)
    except FlopfolioError as exc:
        return str(exc)
    defaults = []
    gpus = int(number(row, "num_chips") or 0)
    if not gpus:
        gpus = default_gpus(spec, tokens or 0.0, acc, precision)
        defaults.append(f"gpus {gpus} (sized for ~30 days)")
    batch = number(row, "global_batch_tokens")
    if not batch:
        batch = default_global_batch_tokens(spec.params)
        defaults.append(f"global batch {batch:.3g} tokens")
    seq = int(number(row, "seq_len") or 0)
    if not seq:
        seq = default_seq_len(spec) if spec.has_shape else 2048
        defaults.append(f"sequence {seq}")
    return TrainingCase(
        name=row.get("name", "?"), spec=spec, accelerator=acc, precision=precision, gpus=gpus,
        seq_len=seq, global_batch_tokens=batch, tokens=tokens,
        reported_chip_hours=hours if hours and tokens else None,
        reported_utilization=utilization, utilization_kind=kind, defaults=tuple(defaults),
        recompute=setup[0], steady_state_hours=setup[1],
    )  # fmt: skip
