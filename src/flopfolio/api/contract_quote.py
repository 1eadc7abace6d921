"""``flopfolio contract``: resolve the accelerator and price, cost the contract, render the JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flopfolio.catalog.catalog import load_catalog
from flopfolio.economics.contracts import (
    AfterUse,
    ContractSpec,
    capacity_block_months,
    contract_cost,
)
from flopfolio.economics.pricing import choose_price
from flopfolio.errors import InvalidSpecError
from flopfolio.units import parse_price


def price_contract(
    *,
    gpu: str,
    gpus: float,
    usage_months: float | None,
    price: str | float | None = None,
    provider: str | None = None,
    term_months: float | None = None,
    block_days: float | None = None,
    spot: bool = False,
    spot_overhead: float = 0.10,
    upfront: bool = False,
    after: str = "idle",
    inference_utilization: float = 0.6,
    resale_fraction: float = 0.5,
    next_gen_month: float | None = None,
    next_gen_speedup: float = 2.5,
    next_gen_price: float | None = None,
    catalog_dir: Path | None = None,
) -> dict[str, Any]:
    if usage_months is None:
        raise InvalidSpecError(
            "How long do you need the GPUs? To fix: pass --months (or --usage-months)."
        )
    if term_months is not None and block_days is not None:
        raise InvalidSpecError("Give --term-months or --block-days, not both.")
    try:
        after_use = AfterUse(after)
    except ValueError:
        raise InvalidSpecError(f"--after {after!r}: use idle, inference or resell.") from None
    catalog = load_catalog(catalog_dir)
    acc = catalog.accelerator(gpu)
    user_price = parse_price(price, "--price") if price is not None else None
    choice = choose_price(acc.id, catalog.offers, price=user_price, provider=provider)
    if choice is None:
        raise InvalidSpecError(f"The catalog has no price for {acc.id}. To fix: pass --price.")
    term = capacity_block_months(block_days) if block_days is not None else term_months
    spec = ContractSpec(
        gpus=gpus, usd_per_gpu_hour=choice.usd_per_gpu_hour.central, usage_months=usage_months,
        term_months=term, spot=spot, spot_overhead=spot_overhead, upfront=upfront, after_use=after_use,
        inference_utilization=inference_utilization, resale_fraction=resale_fraction,
        next_gen_month=next_gen_month, next_gen_speedup=next_gen_speedup,
        next_gen_usd_per_gpu_hour=next_gen_price,
    )  # fmt: skip
    cost = contract_cost(spec)
    if spot:
        terms = f"spot for {usage_months:g} months (+{spot_overhead:.0%} redone work)"
    elif term is None:
        terms = f"pay as you go for {usage_months:g} months"
    else:
        kind = (
            f"{block_days:g}-day capacity block"
            if block_days is not None
            else f"{term:g}-month term"
        )
        terms = f"{kind}, {'upfront' if upfront else 'monthly'}; used {usage_months:g} months"
    return {
        "accelerator": acc.id,
        "gpus": gpus,
        "usd_per_gpu_hour": spec.usd_per_gpu_hour,
        "price_basis": choice.basis,
        "terms": terms,
        "total_usd": cost.total_usd,
        "usage_cost_usd": cost.usage_cost_usd,
        "effective_cost_multiplier": cost.effective_cost_multiplier,
        "paid_months": cost.paid_months,
        "after": after_use.value,
        "leftover_gpu_hours": cost.leftover_gpu_hours,
        "recovered_usd": cost.recovered_usd,
        "net_usd": cost.net_usd,
        "net_multiplier": cost.net_multiplier,
        "cash_by_month": list(cost.cash_by_month),
        "next_generation": None
        if next_gen_month is None
        else {
            "month": next_gen_month,
            "speedup": next_gen_speedup,
            "usd_per_gpu_hour": next_gen_price or spec.usd_per_gpu_hour,
            "stranded_usd": cost.stranded_usd,
            "switch_pays_from_month": cost.switch_pays_from_month,
        },
        "assumptions": {"hours_per_month": 730, "source": "seed 001: 'about 730 hours in a month'"},
    }
