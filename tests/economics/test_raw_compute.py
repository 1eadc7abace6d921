"""The seeds' inference cost figures."""

import pytest

from flopfolio.catalog.catalog import Catalog
from flopfolio.economics.raw_compute import raw_inference_cost_usd
from flopfolio.specs.precision import Precision


def a100_2023_prices(catalog: Catalog) -> list[float]:
    return sorted(
        o.usd_per_gpu_hour
        for o in catalog.offers
        if o.provider.startswith("seed") and o.accelerator_id.startswith("A100")
    )


def test_gpt3_thousand_tokens_costs_fractions_of_a_cent(catalog: Catalog) -> None:
    # Seed 002: "A GPT-3 inference ... for 1,000 tokens" costs "between $0.0002 and $0.0014" of raw
    # compute at full utilization; A100 rental "between $1 and $4" (seed 000), 312 TFLOPS peak.
    peak = catalog.accelerator("A100").peak(Precision.FP16)
    low, high = a100_2023_prices(catalog)
    cheapest = raw_inference_cost_usd(175e9, 1000, peak, low)
    dearest = raw_inference_cost_usd(175e9, 1000, peak, high)
    assert 0.0002 <= cheapest < dearest <= 0.0014
    assert cheapest == pytest.approx(2 * 175e9 * 1000 / 312e12 * 1.0 / 3600)


def test_hundred_requests_a_day_cost_dollars_a_year(catalog: Catalog) -> None:
    # Seed 002: "A user generating 100 inference requests a day would cost in the order of dollars
    # per year."
    peak = catalog.accelerator("A100").peak(Precision.FP16)
    for price in a100_2023_prices(catalog):
        yearly = 100 * 365 * raw_inference_cost_usd(175e9, 1000, peak, price)
        assert 1.0 <= yearly < 100.0
