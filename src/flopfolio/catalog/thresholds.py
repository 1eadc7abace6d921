"""Regulatory compute thresholds: the lines laws and orders draw in training FLOPs and dollars.

One row of ``catalog/data/thresholds.csv`` per line an instrument draws:

``id``
    Unique key, e.g. ``eu-ai-act-art51-2``; a user catalog row with the same id replaces it.
``jurisdiction``, ``instrument``, ``applies_to``
    Where, which law, order or rule (short enough to print), and what kind of model the line is for.
``threshold_flops``
    The training-compute line in operations ("integer or floating-point operations", as the texts
    say; flopfolio's FLOP counts are the same unit). Empty when the row draws no FLOPs line.
``threshold_usd``
    The training-compute *cost* line in USD (the texts price compute at cloud market rates). Empty
    when none. Revenue tests (SB 53's $500M "large frontier developer") are not training costs and
    live in ``note`` only.
``combine``
    ``flops`` or ``usd`` (one criterion), ``all`` (every line must be exceeded: SB 1047 needs both
    its FLOPs and its dollars) or ``any`` (one suffices).
``basis``
    Whose compute counts: ``cumulative`` (the original run plus later fine-tuning and other
    modifications: SB 53), ``fine-tune`` (only the fine-tuning run: SB 1047's fine-tune line),
    ``distillation`` (only the distilled model's own run), ``unspecified`` (the text does not say;
    :mod:`flopfolio.economics.thresholds` then counts the whole lineage, the conservative reading).
``status``, ``status_date``
    ``enacted``, ``in_force``, ``revoked``, ``vetoed``, ``proposed`` or ``superseded``, and the
    date that status began (signed, in force from, revoked, vetoed, replaced).
``source``, ``as_of``, ``note``
    The citation, the date the row was read, and the text's own words plus what the row leaves out.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

from flopfolio.catalog._rows import Row, all_rows, parse_as_of
from flopfolio.errors import CatalogError, InvalidSpecError, did_you_mean

THRESHOLDS_FILE = "thresholds.csv"
STATUSES = ("enacted", "in_force", "revoked", "vetoed", "proposed", "superseded")
ACTIVE_STATUSES = frozenset({"enacted", "in_force"})
COMBINES = ("flops", "usd", "all", "any")
BASES = ("cumulative", "fine-tune", "distillation", "unspecified")


def _choice(value: str, allowed: tuple[str, ...], what: str) -> None:
    if value not in allowed:
        raise InvalidSpecError(
            f"{what} {value!r} is not one of {', '.join(allowed)}.{did_you_mean(value, allowed)}"
        )


@dataclass(frozen=True, slots=True)
class Threshold:
    """One compute line drawn by one instrument (FLOPs in operations, money in USD)."""

    id: str
    jurisdiction: str
    instrument: str
    flops: float | None
    usd: float | None
    combine: str
    basis: str
    applies_to: str
    status: str
    status_date: dt.date
    source: str
    as_of: dt.date
    note: str = ""
    origin: str = "shipped"

    def __post_init__(self) -> None:
        for what in ("id", "jurisdiction", "instrument", "applies_to", "source"):
            if not getattr(self, what).strip():
                raise InvalidSpecError(f"threshold {self.id!r}: {what} is required.")
        _choice(self.status, STATUSES, "status")
        _choice(self.combine, COMBINES, "combine")
        _choice(self.basis, BASES, "basis")
        for what, value in (("threshold_flops", self.flops), ("threshold_usd", self.usd)):
            if value is not None and not (math.isfinite(value) and value > 0):
                raise InvalidSpecError(f"{what} must be a positive number, got {value!r}.")
        needed = {"flops": ("flops",), "usd": ("usd",)}.get(self.combine, ("flops", "usd"))
        for criterion in ("flops", "usd"):
            given = getattr(self, criterion) is not None
            if criterion in needed and not given:
                raise InvalidSpecError(
                    f"combine {self.combine!r} needs threshold_{criterion}, which is empty."
                )
            if criterion not in needed and given:
                raise InvalidSpecError(
                    f"threshold_{criterion} is given but combine is {self.combine!r}, which "
                    "ignores it. To fix: use combine 'all' or 'any', or empty the cell."
                )
        if self.status_date > self.as_of:
            raise InvalidSpecError(
                f"status_date {self.status_date} is after as_of {self.as_of}: a row cannot "
                "report a status that had not begun when it was read."
            )

    @property
    def active(self) -> bool:
        """Law now or signed into law (``enacted``/``in_force``), as opposed to history."""
        return self.status in ACTIVE_STATUSES

    @property
    def criteria(self) -> tuple[str, ...]:
        """The criteria this row tests: ``("flops",)``, ``("usd",)`` or ``("flops", "usd")``."""
        return tuple(c for c in ("flops", "usd") if getattr(self, c) is not None)

    @property
    def status_text(self) -> str:
        """``'vetoed 2024-09-29'``, ``'in force since 2026-01-01'``."""
        if self.status == "in_force":
            return f"in force since {self.status_date}"
        return f"{self.status} {self.status_date}"


def _date(row: Row, column: str) -> dt.date:
    raw = row.text(column)
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise CatalogError(
            f"{row.where}: {column} {raw!r} is not an ISO date (YYYY-MM-DD)."
        ) from None


def threshold_from_row(row: Row) -> Threshold:
    """One validated :class:`Threshold`; a bad row raises :class:`CatalogError` naming file:line."""
    if not row.text("id"):
        raise CatalogError(f"{row.where}: id is required.")
    try:
        return Threshold(
            id=row.text("id"),
            jurisdiction=row.text("jurisdiction"),
            instrument=row.text("instrument"),
            flops=row.number("threshold_flops"),
            usd=row.number("threshold_usd"),
            combine=row.text("combine").lower(),
            basis=row.text("basis").lower(),
            applies_to=row.text("applies_to"),
            status=row.text("status").lower(),
            status_date=_date(row, "status_date"),
            source=row.text("source"),
            as_of=parse_as_of(row.text("as_of"), row.where),
            note=row.text("note"),
            origin=row.origin,
        )
    except InvalidSpecError as exc:
        raise CatalogError(
            f"{row.where}: {exc} To fix: correct the row in {THRESHOLDS_FILE}."
        ) from None


def load_thresholds(user_dir: Path | None = None) -> list[Threshold]:
    """Thresholds in file order: the shipped rows, then ``user_dir/thresholds.csv`` (a user row
    with a shipped id replaces that row in place; new ids are appended)."""
    table: dict[str, Threshold] = {}
    for row in all_rows(THRESHOLDS_FILE, user_dir):
        threshold = threshold_from_row(row)
        if threshold.id in table and row.origin == "shipped":
            raise CatalogError(f"{row.where}: duplicate id {threshold.id!r} in {THRESHOLDS_FILE}.")
        table[threshold.id] = threshold
    return list(table.values())
