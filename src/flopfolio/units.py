"""One parser for the human quantities users type: ``70B``, ``15T``, ``80GB``, ``$2.50/h``.

Everything inside flopfolio is in base units (a plain count, FLOP/s, GiB, USD); this module is the
only place that turns text into those numbers, and it rejects non-physical values with a reason.
"""

from __future__ import annotations

import math
import re

from flopfolio.errors import InvalidSpecError

_COUNT_SUFFIX = {"": 1.0, "K": 1e3, "M": 1e6, "B": 1e9, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18}
_BYTES_SUFFIX = {
    "B": 1.0,
    "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12,
    "KIB": 2.0**10, "MIB": 2.0**20, "GIB": 2.0**30, "TIB": 2.0**40,
}  # fmt: skip
GIB = 2.0**30

_NUMBER = r"([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)"
_COUNT_RE = re.compile(rf"^{_NUMBER}\s*([KMBGTPE]?)$", re.IGNORECASE)
_BYTES_RE = re.compile(rf"^{_NUMBER}\s*([KMGT]I?B|B)$", re.IGNORECASE)
_PRICE_RE = re.compile(
    rf"^\$?\s*{_NUMBER}\s*(?:(?:usd)?\s*/\s*(?:h|hr|hour|gpu-?h(?:our)?))?$", re.I
)

# Far above anything physical, far below float overflow: a typo guard, not a model limit.
MAX_COUNT = 1e30


def check_positive(
    value: float, what: str, *, allow_zero: bool = False, upper: float = MAX_COUNT
) -> float:
    """Return ``value`` if finite, positive (or zero when allowed) and below ``upper``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidSpecError(f"{what} must be a number, got {value!r}.")
    if math.isnan(value) or math.isinf(value):
        raise InvalidSpecError(f"{what} must be a finite number, got {value!r}.")
    if value < 0 or (value == 0 and not allow_zero):
        bound = "zero or more" if allow_zero else "greater than zero"
        raise InvalidSpecError(f"{what} must be {bound}, got {value!r}.")
    if value > upper:
        raise InvalidSpecError(f"{what} = {value:g} is implausibly large (limit {upper:g}).")
    return float(value)


def parse_count(text: str | float | int, what: str = "value") -> float:
    """``'70B'`` -> 7e10, ``'1.5e12'`` -> 1.5e12, ``'15T'`` -> 1.5e13. Rejects non-physical values."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        return check_positive(float(text), what)
    match = _COUNT_RE.match(str(text).strip().replace("_", "").replace(",", ""))
    if not match:
        raise InvalidSpecError(
            f"{what} {text!r} is not a number. To fix: write e.g. 7e9, 70B or 15T."
        )
    number, suffix = float(match.group(1)), match.group(2).upper()
    return check_positive(number * _COUNT_SUFFIX[suffix], what)


def parse_bytes_gib(text: str | float | int, what: str = "memory") -> float:
    """``'80GB'`` -> GiB. A bare number is taken as GiB already."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        return check_positive(float(text), what)
    raw = str(text).strip().replace(" ", "")
    match = _BYTES_RE.match(raw)
    if match:
        size = float(match.group(1)) * _BYTES_SUFFIX[match.group(2).upper()]
        return check_positive(size / GIB, what)
    try:
        return check_positive(float(raw), what)
    except ValueError:
        raise InvalidSpecError(
            f"{what} {text!r} is not a size. To fix: write e.g. 80GB or 24GiB."
        ) from None


def parse_price(text: str | float | int, what: str = "price") -> float:
    """``'$2.50/h'``, ``'2.5'`` -> USD per accelerator-hour."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        return check_positive(float(text), what, upper=1e4)
    match = _PRICE_RE.match(str(text).strip())
    if not match:
        raise InvalidSpecError(
            f"{what} {text!r} is not a price. To fix: write e.g. 2.5 or '$2.50/h'."
        )
    return check_positive(float(match.group(1)), what, upper=1e4)


def parse_fraction(text: str | float, what: str) -> float:
    """A utilization-like value in (0, 1]; ``'45%'`` is accepted."""
    raw = str(text).strip()
    try:
        value = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError:
        raise InvalidSpecError(
            f"{what} {text!r} is not a number. To fix: write e.g. 0.4 or 40%."
        ) from None
    if math.isnan(value) or not 0 < value <= 1:
        raise InvalidSpecError(
            f"{what} must be in (0, 1], got {text!r}. To fix: write e.g. 0.4 or 40%."
        )
    return value
