"""The offers table: providers, terms, the seeds' historical prices, sanity."""

import datetime as dt

import pytest

from flopfolio.catalog.catalog import Catalog
from flopfolio.catalog.offers import term_months
from flopfolio.errors import CatalogError, UnknownProviderError

HYPERSCALERS = {"aws", "gcp", "azure"}


def test_on_demand_and_spot_from_many_providers(catalog: Catalog) -> None:
    on_demand = {o.provider for o in catalog.find_offers(term="on_demand")}
    assert len(on_demand) >= 8
    assert on_demand >= HYPERSCALERS
    assert len({o.provider for o in catalog.find_offers(term="spot")}) >= 3


def test_h100_from_eight_providers(catalog: Catalog) -> None:
    assert len({o.provider for o in catalog.find_offers("H100", term="on_demand")}) >= 8


def test_published_commitments_are_cheaper_than_on_demand(catalog: Catalog) -> None:
    committed = [o for o in catalog.offers if o.commitment_months >= 12 and o.status == "current"]
    assert committed, "at least one published 1- or 3-year price"
    for offer in committed:
        same = [
            o for o in catalog.find_offers(offer.accelerator_id, provider=offer.provider, term="on_demand")
            if o.region == offer.region and o.instance_type == offer.instance_type
        ]  # fmt: skip
        for od in same:
            assert offer.usd_per_gpu_hour < od.usd_per_gpu_hour, offer


def test_seed_historical_prices(catalog: Catalog) -> None:
    history = [
        o for o in catalog.offers if o.status == "historical" and o.provider.startswith("seed")
    ]
    a100 = sorted(o.usd_per_gpu_hour for o in history if o.accelerator_id.startswith("A100"))
    # Seeds 000/002: "Renting an A100 costs you between ... $1 and $4".
    assert a100[0] == pytest.approx(1.0) and a100[-1] == pytest.approx(4.0)
    # Seed 001: "$5 per hour for an H100 in August 2023".
    h100 = [
        o
        for o in history
        if o.accelerator_id == "H100-SXM5-80GB" and o.as_of == dt.date(2023, 8, 1)
    ]
    assert h100 and h100[0].usd_per_gpu_hour == pytest.approx(5.0)
    # Historical rows stay out of default queries.
    assert all(o.status == "current" for o in catalog.find_offers("A100"))


def test_offer_sanity(catalog: Catalog) -> None:
    keys = [o.key for o in catalog.offers]
    assert len(keys) == len(set(keys))
    for o in catalog.offers:
        assert o.source and o.as_of <= dt.date.today()
        assert 0.05 <= o.usd_per_gpu_hour <= 100, o
        assert o.accelerator_id in catalog.accelerators


def test_seed_22_million_figure(catalog: Catalog) -> None:
    # Seed 001: 2,000 H100s for three months at $5/h, 730 h/month, "about $22 million".
    (h100_2023,) = [
        o for o in catalog.offers if o.status == "historical" and o.as_of == dt.date(2023, 8, 1)
    ]
    assert 2000 * 3 * 730 * h100_2023.usd_per_gpu_hour == pytest.approx(22e6, rel=0.01)


def test_terms() -> None:
    assert term_months("on_demand") == 0
    assert term_months("1y") == 12 and term_months("3y") == 36 and term_months("6mo") == 6
    with pytest.raises(CatalogError):
        term_months("forever")


def test_unknown_provider_suggests(catalog: Catalog) -> None:
    with pytest.raises(UnknownProviderError) as err:
        catalog.find_offers("H100", provider="lamda")
    assert "lambda" in str(err.value)


def test_offer_terms_attach_most_specific_row_first() -> None:
    from flopfolio.catalog.catalog import load_catalog

    cat = load_catalog()
    p5 = next(
        o
        for o in cat.find_offers("H100-SXM5-80GB", provider="aws")
        if o.instance_type == "p5.48xlarge"
    )
    # the p5.48xlarge row: 8 GPUs on NVSwitch, 3,200 Gb/s EFA / 8 GPUs / 8 bits = 50 GB/s per GPU
    assert (p5.terms.nvlink_domain, p5.terms.scale_out_gb_per_s_per_gpu) == (8, 50.0)
    assert p5.terms.egress_usd_per_gb == 0.09 and p5.terms.delivery == "vm"
    lambda_h100 = cat.find_offers("H100-SXM5-80GB", provider="lambda")[0]
    # no sourced row for Lambda: unknown, never a made-up zero
    assert lambda_h100.terms.egress_usd_per_gb is None
    assert lambda_h100.terms.availability == "unknown"
    assert lambda_h100.terms.months_until_available() == 0.0
    for terms in cat.offer_terms.values():
        assert terms.source and terms.as_of is not None


def test_lead_time_in_months() -> None:
    from flopfolio.catalog.offer_terms import OfferTerms

    assert OfferTerms(availability="waitlist", lead_time_weeks=13).months_until_available() == 3.0
    assert OfferTerms(availability="waitlist").months_until_available() == float("inf")
