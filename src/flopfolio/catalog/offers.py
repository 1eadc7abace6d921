"""Offers: what an accelerator-hour costs, by provider, region and term."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from flopfolio.catalog._rows import Row, parse_as_of
from flopfolio.catalog.offer_terms import UNKNOWN_TERMS, OfferTerms, row_has_terms, terms_from_row
from flopfolio.errors import CatalogError, UnknownProviderError, did_you_mean

_TERM_RE = re.compile(r"^(\d+)(mo|y)$")
TERMS_HELP = "on_demand, spot, or a commitment such as 1mo, 6mo, 1y, 3y"


def term_months(term: str) -> int:
    """Commitment length in months: 0 for on-demand and spot, 12 for ``1y``."""
    if term in ("on_demand", "spot"):
        return 0
    match = _TERM_RE.match(term)
    if not match:
        raise CatalogError(f"Unknown term {term!r}. To fix: use {TERMS_HELP}.")
    count, unit = int(match.group(1)), match.group(2)
    return count * (12 if unit == "y" else 1)


@dataclass(frozen=True, slots=True)
class Offer:
    """A price for one accelerator-hour."""

    provider: str
    accelerator_id: str
    region: str
    term: str
    usd_per_gpu_hour: float
    instance_type: str
    gpus_per_instance: int
    status: str  # current | historical
    source: str
    as_of: dt.date
    note: str = ""
    origin: str = "shipped"
    terms: OfferTerms = UNKNOWN_TERMS  # availability, lead time, egress, delivery, interconnect

    def __post_init__(self) -> None:
        term_months(self.term)  # validates
        if not 0 < self.usd_per_gpu_hour < 1000:
            raise CatalogError(
                f"Offer {self.provider}/{self.accelerator_id}: price {self.usd_per_gpu_hour} per "
                "GPU-hour is not plausible."
            )
        if self.status not in ("current", "historical"):
            raise CatalogError(f"Offer status must be current or historical, got {self.status!r}.")

    @property
    def key(self) -> tuple[str, str, str, str, str, str]:
        return (
            self.provider,
            self.accelerator_id,
            self.region,
            self.term,
            self.status,
            self.instance_type,
        )

    @property
    def commitment_months(self) -> int:
        return term_months(self.term)

    def describe(self) -> str:
        return (
            f"{self.provider} {self.region} {self.term} ${self.usd_per_gpu_hour:.2f}/GPU-h "
            f"({self.source}, as of {self.as_of.isoformat()})"
        )


def offer_from_row(row: Row, accelerator_id: str) -> Offer:
    price = row.number("usd_per_gpu_hour")
    if price is None or not row.text("provider"):
        raise CatalogError(f"{row.where}: provider and usd_per_gpu_hour are required.")
    try:
        return Offer(
            provider=row.text("provider").lower(),
            accelerator_id=accelerator_id,
            region=row.text("region") or "global",
            term=row.text("term") or "on_demand",
            usd_per_gpu_hour=price,
            instance_type=row.text("instance_type"),
            gpus_per_instance=row.integer("gpus_per_instance") or 1,
            status=row.text("status") or "current",
            source=row.text("source"),
            as_of=parse_as_of(row.text("as_of"), row.where),
            note=row.text("note"),
            origin=row.origin,
            terms=terms_from_row(row) if row_has_terms(row) else UNKNOWN_TERMS,
        )
    except CatalogError as exc:
        raise CatalogError(f"{row.where}: {exc}") from None


def require_provider(provider: str, offers: Iterable[Offer]) -> str:
    """``provider`` in lower case if some offer comes from it; else an error with close matches."""
    known = sorted({o.provider for o in offers})
    if provider.lower() not in known:
        raise UnknownProviderError(
            f"No offers from provider {provider!r}.{did_you_mean(provider, known)} "
            "To fix: run `flopfolio prices` for the providers in the catalog."
        )
    return provider.lower()
