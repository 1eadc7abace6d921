"""Hosted-API prices: USD per million input and output tokens for chat models."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flopfolio.catalog._rows import Row, parse_as_of
from flopfolio.errors import CatalogError


@dataclass(frozen=True, slots=True)
class ApiPrice:
    model: str
    provider: str
    usd_per_million_input_tokens: float
    usd_per_million_output_tokens: float
    max_input_tokens: int | None
    source: str
    as_of: dt.date
    origin: str = "shipped"

    def __post_init__(self) -> None:
        for what in ("usd_per_million_input_tokens", "usd_per_million_output_tokens"):
            value = getattr(self, what)
            if not 0 <= value < 10_000:
                raise CatalogError(f"API price {self.model}: {what} = {value} is not plausible.")

    def cost_usd(self, input_tokens: float, output_tokens: float) -> float:
        return (
            input_tokens * self.usd_per_million_input_tokens
            + output_tokens * self.usd_per_million_output_tokens
        ) / 1e6


def api_price_from_row(row: Row) -> ApiPrice:
    inp, out = (
        row.number("usd_per_million_input_tokens"),
        row.number("usd_per_million_output_tokens"),
    )
    if not row.text("model") or inp is None or out is None:
        raise CatalogError(f"{row.where}: model and both token prices are required.")
    max_in = row.number("max_input_tokens")
    return ApiPrice(
        model=row.text("model"),
        provider=row.text("provider"),
        usd_per_million_input_tokens=inp,
        usd_per_million_output_tokens=out,
        max_input_tokens=int(max_in) if max_in else None,
        source=row.text("source"),
        as_of=parse_as_of(row.text("as_of"), row.where),
        origin=row.origin,
    )
