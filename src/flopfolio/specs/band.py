"""A central value with a low/high band: every estimate in flopfolio is one of these."""

from __future__ import annotations

from dataclasses import dataclass

from flopfolio.errors import InvalidSpecError


@dataclass(frozen=True, slots=True)
class Band:
    low: float
    central: float
    high: float

    def __post_init__(self) -> None:
        if not self.low <= self.central <= self.high:
            raise InvalidSpecError(
                f"band out of order: {self.low} <= {self.central} <= {self.high}"
            )

    def scale(self, factor: float) -> Band:
        return Band(self.low * factor, self.central * factor, self.high * factor)

    def times(self, other: Band) -> Band:
        """Product of two non-negative bands (lows together, highs together)."""
        return Band(self.low * other.low, self.central * other.central, self.high * other.high)

    @classmethod
    def point(cls, value: float) -> Band:
        return cls(value, value, value)
