"""Serving demand: what requests look like (a mix) and how many arrive each hour (a profile).

A :class:`RequestMix` is a set of request classes ``k`` with shares ``p_k`` (``Σ p_k = 1``) and
token counts ``in_k``, ``out_k``; its means are ``E[in] = Σ p_k·in_k`` and ``E[out] = Σ p_k·out_k``.

A :class:`DemandProfile` is ``λ_t``, the requests arriving in hour ``t = 0 … T-1`` (hour ``t``
covers ``[t, t+1)`` from the start), with the weekday (0 = Monday) and clock hour of ``t = 0``.

:func:`synthetic_demand` builds

    λ_t = S · d(c_t) · w(t) · (1 + g)^(t / 168) · Π_{spikes covering t} m_j

* ``c_t = (start_hour + t) mod 24`` is the clock hour, and the daily shape is a von Mises
  (exponentiated cosine) bump peaking at ``peak_hour``:
  ``d(c) = exp(κ · (cos(2π·(c − peak_hour)/24) − 1))``, so ``d(peak_hour) = 1``. Its hourly
  peak-to-mean ``R(κ) = 24 / Σ_{h=0}^{23} exp(κ·(cos(2πh/24) − 1))`` rises strictly from 1 at
  ``κ = 0`` (flat) towards 24 (a whole day in one hour) as ``κ → ∞``; ``κ`` is solved by bisection
  so that ``R(κ) = peak_to_mean``. Any ratio in ``[1, 24)`` is reachable.
* ``w(t) = weekend_factor`` on Saturdays and Sundays (weekday ``(start_weekday +
  ⌊(start_hour + t)/24⌋) mod 7 ∈ {5, 6}``), else 1.
* Growth compounds smoothly hour by hour: ``g = 0.5`` is +50% per week (168 hours).
* A :class:`Spike` ``j`` multiplies hours ``start_hour_j … start_hour_j + hours_j − 1`` (counted
  from the start of the profile) by ``m_j``; overlapping spikes multiply.
* ``S`` makes the mean of ``S · d(c_t) · w(t)`` (no growth, no spikes) over the first 168 hours
  (all hours if the profile is shorter) equal ``mean_requests_per_hour``.

So ``mean_requests_per_hour`` is the first week's mean *before* growth and spikes, and
``peak_to_mean`` is the base day's: a profile of whole days with ``weekend_factor = 1``, no growth
and no spikes has ``mean == mean_requests_per_hour`` and ``peak_to_mean`` equal to the argument.

:func:`read_demand_csv` reads a measured profile: a ``requests`` (or ``requests_per_hour``) column
and an optional ``hour`` column of consecutive integers or consecutive ISO-8601 hourly timestamps.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from flopfolio.errors import CatalogError, InvalidSpecError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]

HOURS_PER_DAY = 24
HOURS_PER_WEEK = 168
WEEKEND = (5, 6)  # Saturday, Sunday (Monday = 0)
MAX_PEAK_TO_MEAN = 24.0  # exclusive: all of a day's requests in one hour
MAX_HOURS = 24 * 366 * 10  # ten years: a typo guard
MAX_TOKENS_PER_REQUEST = 100_000_000  # a typo guard, far beyond any context window
SHARE_TOLERANCE = 1e-6
REQUESTS_COLUMNS = ("requests", "requests_per_hour")
HOUR_COLUMNS = ("hour", "timestamp", "time")

# cos(2π·h/24) for the hour offset h from the peak; shared by the solver and the shape.
_COS_OFFSET = tuple(math.cos(2.0 * math.pi * h / HOURS_PER_DAY) for h in range(HOURS_PER_DAY))


def _int_in(value: object, what: str, low: int, high: int, fix: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidSpecError(f"{what} must be a whole number, got {value!r}. To fix: {fix}")
    if not low <= int(value) <= high:
        raise InvalidSpecError(
            f"{what} must be between {low} and {high}, got {value!r}. To fix: {fix}"
        )
    return int(value)


def _finite(value: object, what: str, fix: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidSpecError(f"{what} must be a number, got {value!r}. To fix: {fix}")
    number = float(value)
    if not math.isfinite(number):
        raise InvalidSpecError(f"{what} must be finite, got {value!r}. To fix: {fix}")
    return number


def _positive(value: object, what: str, fix: str) -> float:
    number = _finite(value, what, fix)
    if number <= 0:
        raise InvalidSpecError(f"{what} must be greater than zero, got {value!r}. To fix: {fix}")
    return number


@dataclass(frozen=True, slots=True)
class RequestClass:
    """One kind of request: its share of all requests and its prompt and completion lengths."""

    share: float  # fraction of requests, in (0, 1]
    input_tokens: int
    output_tokens: int

    def __post_init__(self) -> None:
        fix = "give each class a share in (0, 1] and whole, non-negative token counts."
        share = _positive(self.share, "request class share", fix)
        if share > 1.0 + SHARE_TOLERANCE:
            raise InvalidSpecError(
                f"request class share must be at most 1, got {share!r}. To fix: {fix}"
            )
        for what in ("input_tokens", "output_tokens"):
            _int_in(getattr(self, what), f"request class {what}", 0, MAX_TOKENS_PER_REQUEST, fix)
        if self.input_tokens + self.output_tokens == 0:
            raise InvalidSpecError(
                "request class has 0 input and 0 output tokens. "
                "To fix: give at least one token per request."
            )
        object.__setattr__(self, "share", share)
        object.__setattr__(self, "input_tokens", int(self.input_tokens))
        object.__setattr__(self, "output_tokens", int(self.output_tokens))


@dataclass(frozen=True, slots=True)
class RequestMix:
    """Request classes whose shares sum to 1."""

    classes: tuple[RequestClass, ...]

    def __post_init__(self) -> None:
        classes = tuple(self.classes)
        if not classes:
            raise InvalidSpecError(
                "request mix has no classes. To fix: use RequestMix.single(input, output)."
            )
        for item in classes:
            if not isinstance(item, RequestClass):
                raise InvalidSpecError(
                    f"request mix entry {item!r} is not a RequestClass. "
                    "To fix: use RequestMix.of((share, input_tokens, output_tokens), ...)."
                )
        total = math.fsum(c.share for c in classes)
        if abs(total - 1.0) > SHARE_TOLERANCE:
            raise InvalidSpecError(
                f"request class shares sum to {total:.9g}, not 1. "
                "To fix: make the shares fractions of all requests that add up to 1."
            )
        object.__setattr__(self, "classes", classes)

    @classmethod
    def single(cls, input_tokens: int, output_tokens: int) -> RequestMix:
        """Every request has the same lengths."""
        return cls((RequestClass(1.0, input_tokens, output_tokens),))

    @classmethod
    def of(cls, triples: Iterable[tuple[float, int, int]]) -> RequestMix:
        """From ``(share, input_tokens, output_tokens)`` triples."""
        return cls(tuple(RequestClass(s, i, o) for s, i, o in triples))

    @property
    def mean_input_tokens(self) -> float:
        return math.fsum(c.share * c.input_tokens for c in self.classes)

    @property
    def mean_output_tokens(self) -> float:
        return math.fsum(c.share * c.output_tokens for c in self.classes)


@dataclass(frozen=True, slots=True)
class DemandProfile:
    """Requests arriving in each of consecutive hours, starting at a weekday and clock hour."""

    requests_per_hour: tuple[float, ...]
    start_weekday: int = 0  # 0 = Monday … 6 = Sunday
    start_hour: int = 0  # clock hour of the first value, 0-23

    def __post_init__(self) -> None:
        try:
            values = tuple(map(float, self.requests_per_hour))
        except (TypeError, ValueError):
            raise InvalidSpecError(
                f"demand profile requests_per_hour {self.requests_per_hour!r:.80} are not all "
                "numbers. To fix: give one request count per hour."
            ) from None
        if not values:
            raise InvalidSpecError(
                "demand profile has no hours. To fix: give at least one hour of requests."
            )
        if not all(map(math.isfinite, values)) or min(values) < 0:
            bad = next(v for v in values if not math.isfinite(v) or v < 0)
            raise InvalidSpecError(
                f"demand profile has requests_per_hour {bad!r}. "
                "To fix: give finite, non-negative request counts."
            )
        if max(values) == 0:
            raise InvalidSpecError(
                "demand profile is zero in every hour. To fix: give at least one request."
            )
        object.__setattr__(self, "requests_per_hour", values)
        fix = "weekdays count 0 = Monday to 6 = Sunday and clock hours 0 to 23."
        object.__setattr__(
            self, "start_weekday", _int_in(self.start_weekday, "start_weekday", 0, 6, fix)
        )
        object.__setattr__(self, "start_hour", _int_in(self.start_hour, "start_hour", 0, 23, fix))

    @property
    def hours(self) -> int:
        return len(self.requests_per_hour)

    @property
    def total_requests(self) -> float:
        return math.fsum(self.requests_per_hour)

    @property
    def mean(self) -> float:
        """Mean requests per hour over the whole profile."""
        return self.total_requests / self.hours

    @property
    def peak(self) -> float:
        """Requests in the busiest hour."""
        return max(self.requests_per_hour)

    @property
    def peak_to_mean(self) -> float:
        return self.peak / self.mean

    def as_array(self) -> FloatArray:
        """A fresh float64 array of requests per hour."""
        import numpy as np

        return np.array(self.requests_per_hour, dtype=np.float64)

    def scaled(self, factor: float) -> DemandProfile:
        """The same shape with every hour multiplied by ``factor``."""
        factor = _positive(factor, "demand scale factor", "scale by a positive number.")
        return DemandProfile(
            tuple(v * factor for v in self.requests_per_hour), self.start_weekday, self.start_hour
        )


@dataclass(frozen=True, slots=True)
class Spike:
    """Demand multiplied by ``multiplier`` for ``hours`` hours from hour ``start_hour`` of the
    profile (counted from its first hour, not a clock hour)."""

    start_hour: int
    hours: int
    multiplier: float

    def __post_init__(self) -> None:
        fix = "write e.g. Spike(start_hour=48, hours=24, multiplier=10) for a 10x day."
        start = _int_in(self.start_hour, "spike start_hour", 0, MAX_HOURS, fix)
        object.__setattr__(self, "start_hour", start)
        object.__setattr__(self, "hours", _int_in(self.hours, "spike hours", 1, MAX_HOURS, fix))
        object.__setattr__(self, "multiplier", _positive(self.multiplier, "spike multiplier", fix))


def _daily_ratio(kappa: float) -> float:
    """Hourly peak-to-mean ``R(κ)`` of the daily shape."""
    return HOURS_PER_DAY / math.fsum(math.exp(kappa * (c - 1.0)) for c in _COS_OFFSET)


def _concentration(peak_to_mean: float) -> float:
    """``κ`` with ``R(κ) = peak_to_mean`` (``R`` is strictly increasing, so bisect)."""
    if peak_to_mean == 1.0:
        return 0.0
    low, high = 0.0, 1.0
    while _daily_ratio(high) < peak_to_mean:
        low, high = high, 2.0 * high
    for _ in range(200):
        middle = 0.5 * (low + high)
        if middle in (low, high):
            break
        if _daily_ratio(middle) < peak_to_mean:
            low = middle
        else:
            high = middle
    return min((low, high), key=lambda k: abs(_daily_ratio(k) - peak_to_mean))


def daily_shape(peak_to_mean: float, peak_hour: int = 14) -> tuple[float, ...]:
    """The 24 hourly values ``d(c)`` of the base day, ``d(peak_hour) = 1``."""
    ratio = _finite(peak_to_mean, "peak_to_mean", "use 1 for flat demand, 3 for a typical day.")
    if not 1.0 <= ratio < MAX_PEAK_TO_MEAN:
        raise InvalidSpecError(
            f"peak_to_mean = {peak_to_mean!r} cannot be reached by an hourly daily shape: it must "
            f"be at least 1 (flat) and below {MAX_PEAK_TO_MEAN:g} (a whole day in one hour). "
            "To fix: use e.g. 3."
        )
    peak = _int_in(peak_hour, "peak_hour", 0, 23, "give the busiest clock hour, 0-23.")
    kappa = _concentration(ratio)
    return tuple(
        math.exp(kappa * (_COS_OFFSET[(c - peak) % HOURS_PER_DAY] - 1.0))
        for c in range(HOURS_PER_DAY)
    )


def synthetic_demand(
    mean_requests_per_hour: float,
    *,
    hours: int = 24 * 30,
    peak_to_mean: float = 3.0,
    weekend_factor: float = 0.6,
    growth_per_week: float = 0.0,
    spikes: Sequence[Spike] = (),
    start_weekday: int = 0,
    start_hour: int = 0,
    peak_hour: int = 14,
) -> DemandProfile:
    """A daily-cycle profile with weekends, growth and spikes (formulas in the module docstring).

    ``mean_requests_per_hour`` is the mean over the first week (all hours if shorter) before
    growth and spikes; ``peak_to_mean`` is the base day's hourly peak over its mean.
    """
    import numpy as np

    mean = _positive(
        mean_requests_per_hour, "mean_requests_per_hour", "give the average hourly requests."
    )
    length = _int_in(hours, "hours", 1, MAX_HOURS, "give the profile length, e.g. 24*30.")
    weekend = _positive(
        weekend_factor, "weekend_factor", "use 1 for no weekend effect, 0.6 for 40% less."
    )
    growth = _finite(growth_per_week, "growth_per_week", "use 0.5 for +50% per week.")
    if growth <= -1.0:
        raise InvalidSpecError(
            f"growth_per_week must be above -1 (demand vanishing), got {growth_per_week!r}. "
            "To fix: use e.g. -0.1 for a 10% weekly decline."
        )
    fix = "weekdays count 0 = Monday to 6 = Sunday and clock hours 0 to 23."
    weekday0 = _int_in(start_weekday, "start_weekday", 0, 6, fix)
    hour0 = _int_in(start_hour, "start_hour", 0, 23, fix)
    shape = np.array(daily_shape(peak_to_mean, peak_hour))

    absolute = hour0 + np.arange(length)
    weekday = (weekday0 + absolute // HOURS_PER_DAY) % 7
    base = shape[absolute % HOURS_PER_DAY] * np.where(weekday >= WEEKEND[0], weekend, 1.0)
    scale = mean / float(base[: min(length, HOURS_PER_WEEK)].mean())
    values = scale * base
    if growth != 0.0:
        with np.errstate(over="ignore"):  # an overflow is reported below, with its cause
            values *= np.exp(math.log1p(growth) / HOURS_PER_WEEK * np.arange(length))
    for spike in spikes:
        if not isinstance(spike, Spike):
            raise InvalidSpecError(
                f"spike {spike!r} is not a Spike. To fix: use Spike(start_hour, hours, multiplier)."
            )
        if spike.start_hour >= length:
            raise InvalidSpecError(
                f"spike starts at hour {spike.start_hour} but the profile has {length} hours. "
                "To fix: start it earlier or lengthen the profile."
            )
        values[spike.start_hour : spike.start_hour + spike.hours] *= spike.multiplier
    if not np.isfinite(values).all():
        raise InvalidSpecError(
            f"growth_per_week = {growth_per_week!r} over {length} hours overflows. "
            "To fix: use a smaller growth rate or a shorter profile."
        )
    return DemandProfile(tuple(values.tolist()), weekday0, hour0)


def _parse_hour(raw: str, where: str) -> int | dt.datetime:
    try:
        return int(raw)
    except ValueError:
        pass
    try:
        stamp = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise CatalogError(
            f"{where}: hour {raw!r} is neither an integer nor an ISO-8601 timestamp. "
            "To fix: write e.g. 0, 1, 2 ... or 2024-05-06T14:00."
        ) from None
    if (stamp.minute, stamp.second, stamp.microsecond) != (0, 0, 0):
        raise CatalogError(
            f"{where}: timestamp {raw!r} is not on the hour. To fix: one row per whole hour."
        )
    return stamp


def _check_consecutive(previous: int | dt.datetime, current: int | dt.datetime, where: str) -> None:
    if isinstance(previous, dt.datetime) and isinstance(current, dt.datetime):
        try:
            step_ok = current - previous == dt.timedelta(hours=1)
        except TypeError:
            raise CatalogError(
                f"{where}: timestamp {current.isoformat()} mixes UTC offsets with naive times. "
                "To fix: give every timestamp an offset, or none."
            ) from None
    elif isinstance(previous, int) and isinstance(current, int):
        step_ok = current == previous + 1
    else:
        raise CatalogError(
            f"{where}: hour {current!s} mixes integer hours with timestamps. "
            "To fix: use one kind for the whole column."
        )
    if not step_ok:
        raise CatalogError(
            f"{where}: hour {current!s} does not follow {previous!s} by one hour. "
            "To fix: give one row per consecutive hour, without gaps or repeats."
        )


def read_demand_csv(path: Path | str) -> DemandProfile:
    """A measured profile from a CSV file: one row per consecutive hour.

    Columns (header required, names case-insensitive): ``requests`` or ``requests_per_hour``
    (requests in that hour); optionally ``hour`` (or ``timestamp``/``time``): consecutive integers,
    or consecutive ISO-8601 hourly timestamps, in which case the first sets ``start_weekday`` and
    ``start_hour``. Without timestamps the profile starts on Monday at 00:00.
    """
    path = Path(path)
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise CatalogError(f"Cannot read demand file {path}: {exc.strerror}.") from None
    values: list[float] = []
    first_hour: int | dt.datetime | None = None
    with handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise CatalogError(
                f"{path} is empty. To fix: write a header 'hour,requests' and one row per hour."
            )
        names = [name.strip().lower() for name in header]
        requests_col = next((names.index(c) for c in REQUESTS_COLUMNS if c in names), None)
        hour_col = next((names.index(c) for c in HOUR_COLUMNS if c in names), None)
        if requests_col is None:
            raise CatalogError(
                f"{path}:1: no 'requests' column (found {', '.join(names) or 'none'}). "
                "To fix: name the column of hourly request counts 'requests'."
            )
        previous: int | dt.datetime | None = None
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            where = f"{path}:{reader.line_num}"
            raw = row[requests_col].strip() if requests_col < len(row) else ""
            try:
                value = float(raw)
            except ValueError:
                value = math.nan
            if not math.isfinite(value) or value < 0:
                raise CatalogError(
                    f"{where}: requests {raw!r} is not a non-negative number. "
                    "To fix: write the count of requests in that hour, e.g. 1200."
                )
            if hour_col is not None:
                hour_raw = row[hour_col].strip() if hour_col < len(row) else ""
                current = _parse_hour(hour_raw, where)
                if previous is None:
                    first_hour = current
                else:
                    _check_consecutive(previous, current, where)
                previous = current
            values.append(value)
    if not values:
        raise CatalogError(f"{path} has a header but no rows. To fix: add one row per hour.")
    if max(values) == 0:
        raise CatalogError(f"{path}: every requests value is zero. To fix: check the column.")
    if isinstance(first_hour, dt.datetime):
        return DemandProfile(tuple(values), first_hour.weekday(), first_hour.hour)
    return DemandProfile(tuple(values))
