"""``flopfolio tco``: rent or own an accelerator fleet — owned cost per GPU-hour by component,
annual cost of each, break-even utilization, and the annual spend above which owning a data
center pays (set against the seed's "more than $50 million per year").

Purchase prices come from ``catalog/data/hardware_prices.csv`` (or ``--purchase-price``); TDP from
the accelerator catalog; the rent from ``--rent`` or the catalog's cheapest current commitment of a
year or longer (owning competes with reserved capacity, not with on-demand).
"""

from __future__ import annotations

from typing import Any

from flopfolio.catalog.catalog import Catalog, load_catalog
from flopfolio.catalog.hardware_prices import load_hardware_prices
from flopfolio.economics.tco import (
    DEFAULT_PUE,
    DEFAULT_USD_PER_KWH,
    DEFAULT_UTILIZATION_OF_OWNED,
    SEED_DATA_CENTER_THRESHOLD_USD_PER_YEAR,
    OwnershipInputs,
    owned_cost_per_gpu_hour,
    rent_vs_own,
    scale_break_even,
)
from flopfolio.errors import InvalidSpecError
from flopfolio.units import parse_price


def total_cost_of_ownership(
    *,
    gpu: str,
    gpus: float = 1000,
    rent: str | float | None = None,
    purchase_price: float | None = None,
    utilization: float = DEFAULT_UTILIZATION_OF_OWNED,
    usd_per_kwh: float = DEFAULT_USD_PER_KWH,
    pue: float = DEFAULT_PUE,
    depreciation_years: float = 4.0,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    cat = catalog or load_catalog()
    acc = cat.accelerator(gpu)
    if acc.tdp_w is None:
        raise InvalidSpecError(
            f"{acc.id} has no published TDP, so its power cost is unknown. To fix: pick another accelerator."
        )
    prices = load_hardware_prices(cat.user_dir)
    hardware = prices.get(acc.id)
    if purchase_price is None and hardware is None:
        raise InvalidSpecError(
            f"No purchase price for {acc.id} in the catalog. To fix: pass --purchase-price (USD per GPU)."
        )
    inputs = OwnershipInputs(
        usd_per_accelerator=purchase_price
        if purchase_price is not None
        else hardware.usd_per_accelerator,  # type: ignore[union-attr]
        accelerator_tdp_w=acc.tdp_w,
        server_share_usd_per_gpu=hardware.server_share_usd_per_gpu if hardware else 0.0,
        server_overhead_w_per_gpu=hardware.server_overhead_w_per_gpu(acc.tdp_w)
        if hardware
        else 0.0,
        depreciation_years=depreciation_years,
        pue=pue,
        usd_per_kwh=usd_per_kwh,
    )
    if rent is not None:
        rent_price, rent_basis = parse_price(rent, "--rent"), "user --rent"
    else:
        committed = [
            o
            for o in cat.offers
            if o.accelerator_id == acc.id and o.status == "current" and o.commitment_months >= 12
        ]
        if not committed:
            raise InvalidSpecError(
                f"The catalog has no 1-year-or-longer offer for {acc.id}. To fix: pass --rent."
            )
        best = min(committed, key=lambda o: o.usd_per_gpu_hour)
        rent_price, rent_basis = (
            best.usd_per_gpu_hour,
            f"cheapest committed offer: {best.describe()}",
        )
    owned = owned_cost_per_gpu_hour(inputs)
    fleet = rent_vs_own(inputs, rent_price, gpus, utilization)
    scale = scale_break_even(inputs, rent_price, utilization)
    return {
        "accelerator": acc.id,
        "gpus": gpus,
        "purchase": {
            "usd_per_gpu": inputs.capex_usd_per_gpu,
            "source": hardware.source
            if hardware and purchase_price is None
            else "user --purchase-price",
            "as_of": hardware.as_of.isoformat() if hardware and purchase_price is None else None,
        },
        "owned_usd_per_gpu_hour": {
            "capex": owned.capex_usd_per_gpu_hour,
            "capital": owned.capital_usd_per_gpu_hour,
            "power": owned.power_usd_per_gpu_hour,
            "space_and_cooling": owned.space_and_cooling_usd_per_gpu_hour,
            "staff": owned.staff_usd_per_gpu_hour,
            "total": owned.total_usd_per_gpu_hour,
            "per_used_hour": owned.usd_per_used_gpu_hour(utilization),
        },
        "rent_usd_per_gpu_hour": rent_price,
        "rent_basis": rent_basis,
        "utilization_of_owned": utilization,
        "rent_annual_usd": fleet.rent_annual_usd,
        "own_annual_usd": fleet.own_annual_usd,
        "owning_is_cheaper": fleet.owning_is_cheaper,
        "break_even_utilization": fleet.break_even_utilization,
        "scale_break_even_annual_spend_usd": scale.break_even_annual_rent_usd,
        "scale_break_even_gpus": scale.break_even_gpus,
        "seed_rule_of_thumb_usd_per_year": SEED_DATA_CENTER_THRESHOLD_USD_PER_YEAR,
        "assumptions": {
            "depreciation_years": depreciation_years,
            "pue": pue,
            "usd_per_kwh": usd_per_kwh,
            "fixed_usd_per_year": scale.fixed_usd_per_year,
            "see": "economics/tco.py docstring for every default's source",
        },
    }
