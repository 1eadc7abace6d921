"""Accelerators: vendor specs per precision, and the resolver from what users type to an ID."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flopfolio.catalog._rows import Row, parse_as_of
from flopfolio.errors import (
    CatalogError,
    UnknownAcceleratorError,
    UnsupportedPrecisionError,
    close_matches,
)
from flopfolio.specs.precision import Precision

_RATE_COLUMNS = {
    Precision.FP32: "fp32_tflops",
    Precision.TF32: "tf32_tflops",
    Precision.BF16: "bf16_tflops",
    Precision.FP16: "fp16_tflops",
    Precision.FP8: "fp8_tflops",
    Precision.FP4: "fp4_tflops",
    Precision.INT8: "int8_tops",
}


@dataclass(frozen=True, slots=True)
class Accelerator:
    """One accelerator's published figures. Rates are dense peaks in FLOP/s (or OP/s for int8)."""

    id: str
    name: str
    vendor: str
    form_factor: str
    memory_gib: float
    memory_bw_gb_per_s: float
    peak_flop_per_s: tuple[tuple[Precision, float], ...]
    tdp_w: float | None
    intra_node_gb_per_s: float | None
    scale_out_gb_per_s: float | None
    node_size: int
    release_year: int | None
    source: str
    as_of: dt.date
    origin: str = "shipped"

    def peak(self, precision: Precision) -> float:
        """Dense peak FLOP/s at ``precision``; INT4 uses the INT8 rate (weights-only quantization
        computes in a wider type). Raises if the vendor publishes no rate for it."""
        lookup = Precision.INT8 if precision is Precision.INT4 else precision
        for p, rate in self.peak_flop_per_s:
            if p is lookup:
                return rate
        have = ", ".join(p.value for p, _ in self.peak_flop_per_s) or "none"
        raise UnsupportedPrecisionError(
            f"{self.id} has no published {precision.value} rate (it has: {have}). "
            f"To fix: choose --precision from {have}."
        )

    def supports(self, precision: Precision) -> bool:
        lookup = Precision.INT8 if precision is Precision.INT4 else precision
        return any(p is lookup for p, _ in self.peak_flop_per_s)

    @property
    def precisions(self) -> tuple[Precision, ...]:
        return tuple(p for p, _ in self.peak_flop_per_s)

    def default_training_precision(self) -> Precision:
        """bf16 where the chip has it, else fp16, else the widest it has (V100 and T4: fp16)."""
        for candidate in (Precision.BF16, Precision.FP16, Precision.TF32, Precision.FP32):
            if self.supports(candidate):
                return candidate
        raise UnsupportedPrecisionError(f"{self.id} publishes no floating-point rate.")


def accelerator_from_row(row: Row) -> Accelerator:
    rates = []
    for precision, column in _RATE_COLUMNS.items():
        tflops = row.number(column)
        if tflops is not None:
            if tflops <= 0:
                raise CatalogError(f"{row.where}: {column} must be positive, got {tflops}.")
            rates.append((precision, tflops * 1e12))
    memory = row.number("memory_gib")
    bandwidth = row.number("memory_bw_gb_per_s")
    if not row.text("id") or memory is None or bandwidth is None:
        raise CatalogError(f"{row.where}: id, memory_gib and memory_bw_gb_per_s are required.")
    year = row.number("release_year")
    return Accelerator(
        id=row.text("id"),
        name=row.text("name") or row.text("id"),
        vendor=row.text("vendor"),
        form_factor=row.text("form_factor"),
        memory_gib=memory,
        memory_bw_gb_per_s=bandwidth,
        peak_flop_per_s=tuple(rates),
        tdp_w=row.number("tdp_w"),
        intra_node_gb_per_s=row.number("intra_node_gb_per_s"),
        scale_out_gb_per_s=row.number("scale_out_gb_per_s"),
        node_size=row.integer("node_size") or 1,
        release_year=int(year) if year else None,
        source=row.text("source"),
        as_of=parse_as_of(row.text("as_of"), row.where),
        origin=row.origin,
    )


_NOISE_WORDS = ("nvidia", "tesla", "amd", "instinct", "google", "intel", "habana", "aws", "cloud")


def normalize_name(text: str) -> str:
    """Lower case, vendor words dropped, only letters and digits: ``'NVIDIA H100 80GB'`` -> ``'h10080gb'``."""
    lowered = text.lower()
    for word in _NOISE_WORDS:
        lowered = lowered.replace(word, " ")
    lowered = re.sub(r"\bper chip\b", " ", lowered)
    return re.sub(r"[^a-z0-9]", "", lowered)


class AcceleratorResolver:
    """Maps user spellings to canonical IDs: exact ID, alias, then the text before or inside
    parentheses (``'H100-SXM (H100-80GB)'``); otherwise fails with close matches."""

    def __init__(self, accelerators: dict[str, Accelerator], aliases: dict[str, str]) -> None:
        self._by_id = accelerators
        self._index: dict[str, str] = {}
        self._spelling: dict[str, str] = {}  # normalised key -> a spelling to suggest
        for alias, target in aliases.items():
            if target not in accelerators:
                raise CatalogError(f"Alias {alias!r} points at unknown accelerator {target!r}.")
            self._index[normalize_name(alias)] = target
            self._spelling[normalize_name(alias)] = alias
        for acc_id in accelerators:  # IDs win over aliases
            self._index[normalize_name(acc_id)] = acc_id
            self._spelling[normalize_name(acc_id)] = acc_id

    def _lookup(self, text: str) -> str | None:
        key = normalize_name(text)
        if key in self._index:
            return self._index[key]
        # Memory written as "80G" or "80GB" or bare "80" should all match.
        for variant in (re.sub(r"(\d+)g$", r"\1gb", key), re.sub(r"(\d+)gb$", r"\1g", key)):
            if variant in self._index:
                return self._index[variant]
        return None

    def resolve_id(self, text: str) -> str:
        candidates = [text]
        if "(" in text:
            outer = re.sub(r"\(.*?\)", " ", text)
            inner = re.findall(r"\((.*?)\)", text)
            candidates += [outer, *inner]
        # "B300 / Blackwell Ultra": either side of a spaced slash may be the name.
        candidates += [part for c in list(candidates) for part in re.split(r"\s+/\s+", c)]
        for candidate in candidates:
            if candidate.strip() and (hit := self._lookup(candidate)):
                return hit
        raise UnknownAcceleratorError(self._unknown_message(text))

    def resolve(self, text: str) -> Accelerator:
        return self._by_id[self.resolve_id(text)]

    def _unknown_message(self, text: str) -> str:
        key = normalize_name(text)
        shown: dict[str, str] = {}  # one suggestion per canonical ID
        for hit in close_matches(key, self._index, n=8):
            shown.setdefault(self._index[hit], self._spelling[hit])
        labels = [s if s == i else f"{s} ({i})" for i, s in list(shown.items())[:3]]
        hint = f" Did you mean {' or '.join(labels)}?" if labels else ""
        return (
            f"Unknown accelerator {text!r}.{hint} "
            "To fix: run `flopfolio gpus` for the catalog's names, or add a row to your user catalog."
        )
