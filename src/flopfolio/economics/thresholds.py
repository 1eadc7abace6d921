"""Does a training run cross a regulatory compute threshold? Pure arithmetic over catalog rows.

The seed's case (001): a startup fine-tunes a model whose developer spent $95M training it, and
its own fine-tune costs $7M. Counted together, $102M, the lineage crosses a $100M line that
neither run crosses alone. Whether an instrument counts that way is in each row's ``basis``
(:mod:`flopfolio.catalog.thresholds`): SB 53 counts fine-tuning toward the model's total, SB 1047
gave fine-tunes a line of their own, most texts say nothing.

Rules of the arithmetic:

- A line is crossed when the run is *strictly greater* than it (the texts say "greater than" or
  "exceeds"; SB 1047's fine-tune FLOPs test says "equal to or greater", which differs only at
  exact equality; its row says so).
- Each criterion is three-valued: crossed (``True``), not crossed (``False``) or unknown
  (``None``: no figure given, or only a lower bound that stays below the line).
- ``combine='all'`` crosses when every criterion does (any ``False`` decides no); ``'any'`` when
  one does (any ``True`` decides yes). Otherwise the answer is ``None``: undecided.
- ``ratio`` is measured / line; a row's ratio is the binding one (the smallest for ``all``, the
  largest for ``any``).

When only a model's shape is known, :func:`flops_from_run` gives the napkin ``6·N·D`` (N the
*active* parameters): a rough figure, stated as such, not an accounting of the real run.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flopfolio.catalog.thresholds import Threshold
from flopfolio.errors import InvalidSpecError, did_you_mean
from flopfolio.units import check_positive
from flopfolio.workload.flops import napkin_training_flops

RECORD_KINDS = ("base", "fine-tune", "distillation")
NAPKIN_CONVENTION = "napkin 6·N·D (N = active parameters): an estimate, not the run's accounting"


@dataclass(frozen=True, slots=True)
class ComputeRecord:
    """One training run in a model's lineage. ``kind``: ``base`` (pre-training), ``fine-tune``
    (fine-tuning, RL and other modifications of an existing model) or ``distillation``."""

    name: str
    flops: float | None = None
    cost_usd: float | None = None
    kind: str = "base"

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidSpecError("A compute record needs a name.")
        if self.kind not in RECORD_KINDS:
            raise InvalidSpecError(
                f"Record {self.name!r}: kind {self.kind!r} is not one of "
                f"{', '.join(RECORD_KINDS)}.{did_you_mean(self.kind, RECORD_KINDS)}"
            )
        if self.flops is not None:
            check_positive(self.flops, f"{self.name} FLOPs")
        if self.cost_usd is not None:
            check_positive(self.cost_usd, f"{self.name} cost_usd", allow_zero=True)


@dataclass(frozen=True, slots=True)
class ComputeTotal:
    """Summed FLOPs and dollars. A sum is ``None`` when no run gave that figure, and a lower
    bound (``*_complete`` false) when some runs gave it and others did not."""

    flops: float | None
    cost_usd: float | None
    flops_complete: bool
    cost_complete: bool
    names: tuple[str, ...]


def _sum(records: Sequence[ComputeRecord]) -> ComputeTotal:
    flops = [r.flops for r in records if r.flops is not None]
    costs = [r.cost_usd for r in records if r.cost_usd is not None]
    return ComputeTotal(
        flops=math.fsum(flops) if flops or not records else None,
        cost_usd=math.fsum(costs) if costs or not records else None,
        flops_complete=len(flops) == len(records),
        cost_complete=len(costs) == len(records),
        names=tuple(r.name for r in records),
    )


def cumulative(records: Iterable[ComputeRecord]) -> ComputeTotal:
    """FLOPs and dollars of a whole lineage: a base model plus the fine-tunes applied to it."""
    runs = tuple(records)
    if not runs:
        raise InvalidSpecError("cumulative() needs at least one compute record.")
    return _sum(runs)


def flops_from_run(params: float, tokens: float, active_params: float | None = None) -> float:
    """Napkin training FLOPs ``6·N·D`` with ``N`` the active parameters (all of them when
    ``active_params`` is not given). See :data:`NAPKIN_CONVENTION`."""
    total = check_positive(params, "parameters")
    if active_params is None:
        return napkin_training_flops(total, tokens)
    active = check_positive(active_params, "active parameters")
    if active > total:
        raise InvalidSpecError(
            f"active parameters {active:g} exceed total parameters {total:g}. To fix: pass the "
            "per-token active count of a mixture-of-experts model as active_params."
        )
    return napkin_training_flops(active, tokens)


def _compact(value: float) -> str:
    mantissa, exponent = f"{value:.2e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


def _money(usd: float) -> str:
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if usd >= scale:
            return f"${usd / scale:.4g}{suffix}"
    return f"${usd:.4g}"


@dataclass(frozen=True, slots=True)
class CriterionCheck:
    """One line (FLOPs or dollars) against what the run measured."""

    criterion: str  # "flops" or "usd"
    line: float
    measured: float | None
    lower_bound: bool  # measured is a partial sum: some runs gave no figure
    crosses: bool | None

    @property
    def ratio(self) -> float | None:
        return None if self.measured is None else self.measured / self.line

    @property
    def label(self) -> str:
        """``'1e26 FLOPs'`` or ``'$100M'``."""
        return f"{_compact(self.line)} FLOPs" if self.criterion == "flops" else _money(self.line)

    def phrase(self) -> str:
        if self.ratio is None:
            unit = "FLOPs" if self.criterion == "flops" else "cost"
            return f"its {self.label} (no {unit} given)"
        bound = "at least " if self.lower_bound else ""
        return f"its {self.label} ({bound}{self.ratio:.3g}×)"


@dataclass(frozen=True, slots=True)
class ThresholdCheck:
    """A run against one :class:`Threshold`: each criterion, and whether the row is crossed."""

    threshold: Threshold
    criteria: tuple[CriterionCheck, ...]
    crosses: bool | None
    counted: str  # what was measured: "given totals", "whole lineage", "fine-tune runs only"

    @property
    def crossed_criteria(self) -> tuple[str, ...]:
        """The criteria whose line the run is over (``'flops'``, ``'usd'``)."""
        return tuple(c.criterion for c in self.criteria if c.crosses)

    @property
    def ratio(self) -> float | None:
        """The binding ratio: the smallest for ``all``, the largest for ``any``; ``None`` when a
        ratio that could bind is unknown."""
        ratios = [c.ratio for c in self.criteria]
        if self.threshold.combine == "any":
            known = [r for r in ratios if r is not None]
            return max(known) if known and (len(known) == len(ratios) or self.crosses) else None
        if any(r is None for r in ratios):
            return None
        return min(r for r in ratios if r is not None)

    def summary(self) -> str:
        """One line a user can read, e.g. ``California SB 1047 (2024), covered model (vetoed
        2024-09-29): crosses its $100M (1.02×) but not its 1e26 FLOPs (0.51×); both lines are
        required, so it is not crossed.``"""
        over = [c.phrase() for c in self.criteria if c.crosses is True]
        under = [c.phrase() for c in self.criteria if c.crosses is False]
        unknown = [c.phrase() for c in self.criteria if c.crosses is None]
        parts: list[str] = []
        if over:
            parts.append("crosses " + " and ".join(over))
        if under:
            parts.append(("but not " if over else "does not cross ") + " or ".join(under))
        clause = " ".join(parts)
        if unknown:
            clause += ("; " if clause else "") + "cannot tell for " + " and ".join(unknown)
        if len(self.criteria) > 1:
            rule = (
                "both lines are required"
                if self.threshold.combine == "all"
                else "either line suffices"
            )
            if self.crosses is None:
                verdict = "so it is undecided"
            else:
                verdict = "so it is crossed" if self.crosses else "so it is not crossed"
            clause += f"; {rule}, {verdict}"
        if self.threshold.basis in ("fine-tune", "distillation"):
            clause += f" (counting {self.counted})"
        return f"{self.threshold.instrument} ({self.threshold.status_text}): {clause}."


def _criterion(line: float, measured: float | None, lower_bound: bool) -> bool | None:
    if measured is None:
        return None
    if measured > line:
        return True
    return None if lower_bound else False


def _combine(how: str, results: list[bool | None]) -> bool | None:
    if how == "any":
        if any(r is True for r in results):
            return True
        return None if any(r is None for r in results) else False
    if any(r is False for r in results):
        return False
    return None if any(r is None for r in results) else True


def _check(threshold: Threshold, total: ComputeTotal, counted: str) -> ThresholdCheck:
    criteria = []
    for name, line, measured, complete in (
        ("flops", threshold.flops, total.flops, total.flops_complete),
        ("usd", threshold.usd, total.cost_usd, total.cost_complete),
    ):
        if line is None:
            continue
        lower = measured is not None and not complete
        criteria.append(
            CriterionCheck(name, line, measured, lower, _criterion(line, measured, lower))
        )
    crosses = _combine(threshold.combine, [c.crosses for c in criteria])
    return ThresholdCheck(threshold, tuple(criteria), crosses, counted)


def _total_or_none(value: float | None, what: str) -> float | None:
    return None if value is None else check_positive(value, what, allow_zero=True)


def check_thresholds(
    total_flops: float | None,
    total_usd: float | None,
    thresholds: Iterable[Threshold],
    *,
    include_inactive: bool = True,
) -> list[ThresholdCheck]:
    """Given totals (``None`` = unknown) against every threshold, in the thresholds' order.

    The same totals meet every row, whatever its ``basis``; :func:`check_records` applies each
    row's own rule for which runs count. ``include_inactive=False`` keeps only enacted and
    in-force rows."""
    total = ComputeTotal(
        flops=_total_or_none(total_flops, "total FLOPs"),
        cost_usd=_total_or_none(total_usd, "total cost_usd"),
        flops_complete=True,
        cost_complete=True,
        names=(),
    )
    return [
        _check(t, total, "the given totals") for t in thresholds if include_inactive or t.active
    ]


_COUNTED = {
    "cumulative": "the whole lineage",
    "unspecified": "the whole lineage",
    "fine-tune": "fine-tune runs only",
    "distillation": "distillation runs only",
}


def check_records(
    records: Iterable[ComputeRecord],
    thresholds: Iterable[Threshold],
    *,
    include_inactive: bool = True,
) -> list[ThresholdCheck]:
    """A lineage (a base model and the runs applied to it) against every threshold, each row
    counting the runs its ``basis`` names: everything for ``cumulative`` and ``unspecified``,
    only ``fine-tune`` runs for SB 1047's fine-tune line, only ``distillation`` runs for a
    distillation line (none of that kind: zero, so not crossed)."""
    runs = tuple(records)
    if not runs:
        raise InvalidSpecError("check_records() needs at least one compute record.")
    checks = []
    for threshold in thresholds:
        if not include_inactive and not threshold.active:
            continue
        kind = threshold.basis if threshold.basis in RECORD_KINDS else None
        counted = runs if kind is None else tuple(r for r in runs if r.kind == kind)
        checks.append(_check(threshold, _sum(counted), _COUNTED[threshold.basis]))
    return checks
