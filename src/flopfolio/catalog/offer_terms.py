"""What decides a purchase beyond the price: availability, lead time, egress, delivery model and
interconnect, per provider (and optionally per accelerator and instance type).

Rows of ``catalog/data/offer_terms.csv`` (or the same columns on a user's ``offers.csv`` row)
attach to offers; the most specific row wins (provider + accelerator + instance type, then
provider + accelerator, then the provider alone). An empty cell is *unknown*, never zero: a shipped
offer with no sourced figure says ``unknown``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flopfolio.catalog._rows import Row, parse_as_of
from flopfolio.errors import CatalogError

OFFER_TERMS_FILE = "offer_terms.csv"
AVAILABILITY = ("in_stock", "waitlist", "unknown")
DELIVERY = ("vm", "container", "batch", "bare_metal", "unknown")
TERM_COLUMNS = (
    "availability", "lead_time_weeks", "egress_usd_per_gb", "delivery", "nvlink_domain",
    "scale_out_gb_per_s_per_gpu",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class OfferTerms:
    availability: str = "unknown"
    lead_time_weeks: float | None = None
    egress_usd_per_gb: float | None = None
    delivery: str = "unknown"
    nvlink_domain: int | None = None
    scale_out_gb_per_s_per_gpu: float | None = None
    source: str = ""
    as_of: dt.date | None = None

    def __post_init__(self) -> None:
        if self.availability not in AVAILABILITY:
            raise CatalogError(
                f"availability must be one of {', '.join(AVAILABILITY)}, got {self.availability!r}."
            )
        if self.delivery not in DELIVERY:
            raise CatalogError(
                f"delivery must be one of {', '.join(DELIVERY)}, got {self.delivery!r}."
            )
        for what, value in (
            ("lead_time_weeks", self.lead_time_weeks),
            ("egress_usd_per_gb", self.egress_usd_per_gb),
            ("scale_out_gb_per_s_per_gpu", self.scale_out_gb_per_s_per_gpu),
        ):
            if value is not None and not 0 <= value < 1e4:
                raise CatalogError(f"{what} must be zero or more, got {value!r}.")
        if self.nvlink_domain is not None and self.nvlink_domain < 1:
            raise CatalogError(f"nvlink_domain must be at least 1, got {self.nvlink_domain!r}.")

    @property
    def known(self) -> bool:
        return self != OfferTerms()

    def months_until_available(self) -> float:
        """Months from now until the card can serve: 0 in stock (or unknown but not waitlisted);
        the lead time over 52/12 weeks a month; infinite for a waitlist with no stated lead time."""
        if self.lead_time_weeks is not None:
            return self.lead_time_weeks * 12.0 / 52.0
        return float("inf") if self.availability == "waitlist" else 0.0


UNKNOWN_TERMS = OfferTerms()


def _optional_int(row: Row, column: str) -> int | None:
    value = row.number(column)
    return int(value) if value is not None else None


def terms_from_row(row: Row) -> OfferTerms:
    """The term columns of ``row`` (an offer_terms.csv or offers.csv row); empty cells unknown."""
    try:
        return OfferTerms(
            availability=row.text("availability").lower() or "unknown",
            lead_time_weeks=row.number("lead_time_weeks"),
            egress_usd_per_gb=row.number("egress_usd_per_gb"),
            delivery=row.text("delivery").lower() or "unknown",
            nvlink_domain=_optional_int(row, "nvlink_domain"),
            scale_out_gb_per_s_per_gpu=row.number("scale_out_gb_per_s_per_gpu"),
            source=row.text("source"),
            as_of=parse_as_of(row.text("as_of"), row.where) if row.text("as_of") else None,
        )
    except CatalogError as exc:
        raise CatalogError(f"{row.where}: {exc}") from None


def row_has_terms(row: Row) -> bool:
    return any(row.text(c) for c in TERM_COLUMNS)


def match_terms(
    table: dict[tuple[str, str, str], OfferTerms], provider: str, accelerator_id: str, instance: str
) -> OfferTerms:
    """The most specific terms row for an offer; all-unknown terms when none matches."""
    for key in (
        (provider, accelerator_id, instance),
        (provider, accelerator_id, ""),
        (provider, "", ""),
    ):
        if key in table:
            return table[key]
    return OfferTerms()
