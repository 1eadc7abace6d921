"""The catalog: accelerators, offers, model presets and API prices, shipped plus the user's.

Files are read on first use. A user catalog directory (``--catalog DIR`` or ``$FLOPFOLIO_CATALOG``)
adds rows and overrides shipped ones with the same key; every object keeps its ``origin``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TypeVar

from flopfolio.catalog._rows import Row, all_rows, user_catalog_dir
from flopfolio.catalog.accelerators import Accelerator, AcceleratorResolver, accelerator_from_row
from flopfolio.catalog.api_prices import ApiPrice, api_price_from_row
from flopfolio.catalog.models import ModelPreset, preset_from_row
from flopfolio.catalog.offer_terms import OFFER_TERMS_FILE, OfferTerms, match_terms, terms_from_row
from flopfolio.catalog.offers import Offer, offer_from_row, require_provider, term_months
from flopfolio.catalog.utilization import (
    CONSTANT_COLUMNS,
    INFERENCE_COLUMNS,
    FittedConstants,
    constants_from_rows,
)
from flopfolio.errors import (
    CatalogError,
    UnknownAcceleratorError,
    UnknownModelError,
    did_you_mean,
)

T = TypeVar("T")


def _model_key(text: str) -> str:
    return re.sub(r"[^a-z0-9.]", "", text.lower())


class Catalog:
    """Read-only view of every catalog table. Use :func:`load_catalog` to get a cached one."""

    def __init__(self, user_dir: Path | None = None) -> None:
        self.user_dir = user_dir

    # --- accelerators ---------------------------------------------------------------------------
    def _table(
        self, filename: str, parse: Callable[[Row], T], key: Callable[[T], str]
    ) -> dict[str, T]:
        """Rows by key; a user row replaces a shipped one, a shipped duplicate is an error."""
        table: dict[str, T] = {}
        for row in all_rows(filename, self.user_dir):
            item = parse(row)
            if key(item) in table and row.origin == "shipped":
                raise CatalogError(f"{row.where}: duplicate key {key(item)!r} in {filename}.")
            table[key(item)] = item
        return table

    @cached_property
    def accelerators(self) -> dict[str, Accelerator]:
        return self._table("accelerators.csv", accelerator_from_row, lambda a: a.id)

    @cached_property
    def resolver(self) -> AcceleratorResolver:
        rows = all_rows("accelerator_aliases.csv", self.user_dir)
        aliases = {row.text("alias"): row.text("accelerator_id") for row in rows}
        return AcceleratorResolver(self.accelerators, aliases)

    def accelerator(self, name: str) -> Accelerator:
        """The accelerator a user means by ``name`` (any common spelling)."""
        return self.resolver.resolve(name)

    # --- offers ---------------------------------------------------------------------------------
    @cached_property
    def offers(self) -> tuple[Offer, ...]:
        table: dict[tuple[str, ...], Offer] = {}
        for row in all_rows("offers.csv", self.user_dir):
            try:
                acc_id = self.resolver.resolve_id(row.text("accelerator_id"))
            except UnknownAcceleratorError as exc:
                raise CatalogError(f"{row.where}: {exc}") from None
            offer = offer_from_row(row, acc_id)
            if not offer.terms.known:
                found = match_terms(self.offer_terms, offer.provider, acc_id, offer.instance_type)
                offer = dataclasses.replace(offer, terms=found)
            if offer.key in table and offer.origin == "shipped":
                raise CatalogError(f"{row.where}: duplicate offer {offer.key}.")
            table[offer.key] = offer
        return tuple(table.values())

    @cached_property
    def offer_terms(self) -> dict[tuple[str, str, str], OfferTerms]:
        """Availability, egress, delivery and interconnect rows by (provider, accelerator, instance)."""
        table: dict[tuple[str, str, str], OfferTerms] = {}
        for row in all_rows(OFFER_TERMS_FILE, self.user_dir):
            acc = row.text("accelerator_id")
            try:
                acc_id = self.resolver.resolve_id(acc) if acc else ""
            except UnknownAcceleratorError as exc:
                raise CatalogError(f"{row.where}: {exc}") from None
            key = (row.text("provider").lower(), acc_id, row.text("instance_type"))
            if key in table and row.origin == "shipped":
                raise CatalogError(f"{row.where}: duplicate offer terms {key}.")
            table[key] = terms_from_row(row)
        return table

    @property
    def providers(self) -> list[str]:
        return sorted({o.provider for o in self.offers})

    def find_offers(
        self,
        accelerator: str | None = None,
        *,
        provider: str | None = None,
        term: str | None = None,
        include_historical: bool = False,
    ) -> list[Offer]:
        """Offers matching every given filter, cheapest first."""
        acc_id = self.resolver.resolve_id(accelerator) if accelerator else None
        if provider is not None:
            require_provider(provider, self.offers)
        if term is not None:
            term_months(term)
        hits = [
            o
            for o in self.offers
            if (acc_id is None or o.accelerator_id == acc_id)
            and (provider is None or o.provider == provider.lower())
            and (term is None or o.term == term)
            and (include_historical or o.status == "current")
        ]
        return sorted(hits, key=lambda o: (o.usd_per_gpu_hour, o.provider, o.region))

    # --- model presets --------------------------------------------------------------------------
    @cached_property
    def presets(self) -> dict[str, ModelPreset]:
        return self._table("models.csv", preset_from_row, lambda p: p.id)

    def preset(self, name: str) -> ModelPreset:
        key = _model_key(name)
        for preset in self.presets.values():
            if _model_key(preset.id) == key or _model_key(preset.name) == key:
                return preset
        raise UnknownModelError(
            f"Unknown model preset {name!r}.{did_you_mean(name, self.presets)} "
            "To fix: run `flopfolio models` for the presets, or give --params (and shape flags)."
        )

    # --- the utilization model ---------------------------------------------------------------
    def _fitted(self, filename: str, names: tuple[str, ...]) -> FittedConstants:
        """The user's fitted constants if their catalog has the file, else the shipped ones."""
        rows = list(all_rows(filename, self.user_dir))
        user = [r for r in rows if r.origin != "shipped"]
        return constants_from_rows(user or rows, names)

    @cached_property
    def utilization(self) -> FittedConstants:
        """The training utilization model's constants (``utilization_fit.csv``)."""
        return self._fitted("utilization_fit.csv", CONSTANT_COLUMNS)

    @cached_property
    def serving(self) -> FittedConstants:
        """The serving model's constants (``inference_fit.csv``)."""
        return self._fitted("inference_fit.csv", INFERENCE_COLUMNS)

    # --- hosted APIs ----------------------------------------------------------------------------
    @cached_property
    def api_prices(self) -> dict[str, ApiPrice]:
        return self._table("api_prices.csv", api_price_from_row, lambda p: p.model)


@lru_cache(maxsize=8)
def _cached(user_dir: Path | None) -> Catalog:
    return Catalog(user_dir)


def load_catalog(user_dir: Path | str | None = None) -> Catalog:
    """The catalog, shipped rows plus those in ``user_dir`` (or ``$FLOPFOLIO_CATALOG``)."""
    return _cached(user_catalog_dir(user_dir))
