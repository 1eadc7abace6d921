"""Which price an estimate uses, and the band around it.

* ``--price X``: the user's price, exactly (a point band: the user knows what they pay).
* ``--provider P``: that provider's current on-demand offers for the accelerator; central is the
  median across its regions, the band their min and max.
* neither: every provider's current on-demand offers; central is the median, the band runs from
  the cheapest to the dearest. Spot and commitments are priced separately (``flopfolio prices``).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from flopfolio.catalog.offers import Offer, require_provider
from flopfolio.errors import UnknownProviderError
from flopfolio.specs.band import Band
from flopfolio.units import check_positive


@dataclass(frozen=True, slots=True)
class PriceChoice:
    usd_per_gpu_hour: Band
    basis: str  # how the price was chosen, for --explain
    offers: tuple[Offer, ...]  # the offers it came from (empty for a user price)


def choose_price(
    accelerator_id: str,
    offers: Sequence[Offer],
    *,
    price: float | None = None,
    provider: str | None = None,
) -> PriceChoice | None:
    """The price band for ``accelerator_id``; ``None`` if the catalog has no offer for it."""
    if price is not None:
        check_positive(price, "--price", upper=1e4)
        return PriceChoice(Band.point(price), f"user --price ${price:g}/GPU-h", ())
    if provider is not None:
        provider = require_provider(provider, offers)
    pool = [
        o
        for o in offers
        if o.accelerator_id == accelerator_id and o.term == "on_demand" and o.status == "current"
        and (provider is None or o.provider == provider.lower())
    ]  # fmt: skip
    if not pool:
        if provider is not None:
            raise UnknownProviderError(
                f"Provider {provider!r} has no current on-demand offer for {accelerator_id}. "
                f"To fix: run `flopfolio prices {accelerator_id}` or pass --price."
            )
        return None
    prices = sorted(o.usd_per_gpu_hour for o in pool)
    central = statistics.median(prices)
    who = f"{provider}'s" if provider else f"{len({o.provider for o in pool})} providers'"
    basis = (
        f"median of {who} {len(pool)} current on-demand offers "
        f"(${prices[0]:.2f}-${prices[-1]:.2f}/GPU-h)"
    )
    return PriceChoice(Band(prices[0], central, prices[-1]), basis, tuple(pool))
