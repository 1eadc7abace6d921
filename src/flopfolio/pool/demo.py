"""A realistic synthetic portfolio for ``flopfolio pool demo`` and the benchmarks: startups joining
over the program's life at seed, Series A or B, most training a model or two, all serving, many
bursting, some graduating. Deterministic for a seed. The pool's offers come from the catalog
(cheapest current on-demand and commitment prices for H100, H200 and B200), each startup alone
limited to what it can rent on demand without a commitment (``STANDALONE_ON_DEMAND_CAP``).

Half the members that serve also keep a batch backlog on their serving card (offline inference,
evaluations, synthetic data: 8, 16 or 32 GPUs a month while they serve) that runs on idle capacity
only; it is drawn from its own random stream, so the rest of the portfolio is the same with or
without it.

Resale (:func:`resale_prices`): idle capacity is sublet as interruptible capacity, so its market
price is the catalog's cheapest current **spot** price for the card, less a marketplace's platform
fee of 10% (``RESALE_SHARE`` = 0.9 — Hyperbolic's GPU marketplace takes "a 10% platform fee from
the rental income", https://docs.hyperbolic.xyz/docs/gpu-marketplace-pricing, read 2026-12-07).
The catalog holds one current spot snapshot per offer, so the series is flat over the horizon."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace

from flopfolio.catalog.catalog import Catalog
from flopfolio.planning.procurement import Offer
from flopfolio.pool.contracting import (
    AcceleratorPrices,
    CardPeak,
    ContractPlan,
    PriceOption,
    plan_contracts,
)
from flopfolio.pool.domain import (
    BatchRequest,
    BurstRequest,
    Contract,
    InferenceRequest,
    Member,
    TrainingRequest,
)
from flopfolio.pool.savings import StandalonePrice

ACCELERATORS = ("H100-SXM5-80GB", "H200-SXM-141GB", "B200")
STAGES = (("seed", 2e6, 8e6), ("series-a", 10e6, 30e6), ("series-b", 30e6, 90e6))
STANDALONE_ON_DEMAND_CAP = 64  # GPUs one startup can rent on demand without a reservation
# What each member's inference turns out to be against its forecast: the low / base / high
# scenarios of the program's demand model (pool/value.py: 0.7, 1, 1.5 with 0.25 / 0.5 / 0.25).
REALIZED_FACTORS = (0.7, 1.0, 1.5)
REALIZED_WEIGHTS = (0.25, 0.5, 0.25)
RESALE_SHARE = 0.9  # of the cheapest current spot price: a marketplace keeps 10% (see above)
RESALE_SOURCE = (
    "cheapest current spot offer in the catalog x 0.9 (a 10% marketplace platform fee, "
    "https://docs.hyperbolic.xyz/docs/gpu-marketplace-pricing)"
)


@dataclass(frozen=True, slots=True)
class Portfolio:
    contracts: tuple[Contract, ...]
    members: tuple[Member, ...]
    training: tuple[TrainingRequest, ...]
    inference: tuple[InferenceRequest, ...]
    bursts: tuple[BurstRequest, ...]
    batch: tuple[BatchRequest, ...] = ()
    forecast: tuple[InferenceRequest, ...] = ()  # inference as forecast when contracts are signed


def demo_portfolio(n_members: int = 60, months: int = 24, seed: int = 7) -> Portfolio:
    rng = random.Random(seed)
    members, training, inference, bursts = [], [], [], []
    for i in range(n_members):
        stage, low, high = rng.choice(STAGES)
        join = rng.randrange(0, max(1, months // 2))
        graduation = join + rng.randint(9, 18) if rng.random() < 0.3 else None
        if graduation is not None and graduation >= months:
            graduation = None
        member = Member(
            f"startup-{i:03d}", f"Startup {i:03d}", stage, round(rng.uniform(low, high), -5),
            weight=2.0 if stage == "series-b" else 1.0, join_month=join, graduation_month=graduation,
            borrowing_limit=rng.choice([64, 128, 256]),
        )  # fmt: skip
        members.append(member)
        end = graduation if graduation is not None else months
        for j in range(rng.choice([0, 1, 1, 2])):
            duration = rng.randint(1, 3)
            earliest = join + rng.randint(0, 3)
            deadline = min(end, earliest + duration + rng.randint(1, 4))
            if earliest + duration <= deadline:
                gpus = rng.choice([16, 32, 64, 128, 256]) * (2 if stage == "series-b" else 1)
                accs = tuple(rng.sample(ACCELERATORS, rng.randint(1, 2)))
                training.append(
                    TrainingRequest(
                        f"{member.id}-train-{j}",
                        member.id,
                        accs,
                        gpus,
                        duration,
                        earliest,
                        deadline,
                    )
                )
        start = join + rng.randint(1, 4)
        if start < end:
            inference.append(InferenceRequest.growing(
                f"{member.id}-serve", member.id, rng.choice(ACCELERATORS), start, end - start,
                rng.uniform(2, 24), rng.uniform(0.0, 0.12),
            ))  # fmt: skip
        for j in range(rng.choice([0, 1, 2])):
            month = rng.randrange(join, end)
            bursts.append(
                BurstRequest(
                    f"{member.id}-burst-{j}",
                    member.id,
                    ACCELERATORS,
                    rng.choice([16, 32, 64]),
                    month,
                    1,
                )
            )
    batch = []
    stream = random.Random(f"batch-{seed}")
    for q in inference:
        gpus = stream.choice([8, 16, 32])
        if stream.random() < 0.5:
            batch.append(BatchRequest(f"{q.member_id}-batch", q.member_id, (q.accelerator_id,),
                                      gpus, q.start_month, len(q.gpus_by_month)))  # fmt: skip
    realized = []
    draws = random.Random(f"realized-{seed}")
    for q in inference:
        factor = draws.choices(REALIZED_FACTORS, REALIZED_WEIGHTS)[0]
        realized.append(replace(q, gpus_by_month=tuple(round(g * factor) for g in q.gpus_by_month)))
    return Portfolio((), tuple(members), tuple(training), tuple(realized), tuple(bursts),
                     tuple(batch), tuple(inference))  # fmt: skip


def catalog_offers(catalog: Catalog, *, standalone: bool) -> list[Offer]:
    """Procurement offers from the catalog for the demo's accelerators: the cheapest current
    on-demand price (capped per startup when ``standalone``) and each commitment length's cheapest."""
    offers = []
    for acc in ACCELERATORS:
        current = [
            o
            for o in catalog.offers
            if o.accelerator_id == acc and o.status == "current" and o.term != "spot"
        ]
        best: dict[int, float] = {}
        names: dict[int, str] = {}
        for o in current:
            if o.commitment_months not in best or o.usd_per_gpu_hour < best[o.commitment_months]:
                best[o.commitment_months] = o.usd_per_gpu_hour
                names[o.commitment_months] = f"{o.provider} {acc} {o.term}"
        for months, price in sorted(best.items()):
            cap = STANDALONE_ON_DEMAND_CAP if (standalone and months == 0) else None
            offers.append(Offer(names[months], acc, months, price, cap))
    return offers


def size_contracts(
    portfolio: Portfolio, catalog: Catalog, months: int, share_of_peak: float = 0.7
) -> tuple[Contract, ...]:
    """The program's contracts: per accelerator, one reservation for the whole horizon sized to
    ``share_of_peak`` of the pooled base demand's peak (rounded to 8-GPU nodes), at the catalog's
    cheapest commitment of a year or longer (its on-demand price if it lists none)."""
    from flopfolio.pool.value import aggregate_demand

    demand = aggregate_demand(portfolio.members, portfolio.training, portfolio.inference, months)
    contracts = []
    for acc, by_month in sorted(demand.by_accelerator.items()):
        peak = max(by_month.base_gpus) if by_month.base_gpus else 0.0
        gpus = max(8, round(peak * share_of_peak / 8.0) * 8)
        current = [o for o in catalog.offers if o.accelerator_id == acc and o.status == "current"]
        committed = [o for o in current if o.commitment_months >= 12]
        best = min(
            committed or [o for o in current if o.term == "on_demand"],
            key=lambda o: o.usd_per_gpu_hour,
        )
        contracts.append(Contract(f"{acc.lower()}-pool", best.provider, acc, f"{best.provider}-{best.region}",
                                  gpus, 0, months, best.usd_per_gpu_hour))  # fmt: skip
    return tuple(contracts)


def catalog_prices(
    catalog: Catalog, accelerators: Sequence[str] | None = ACCELERATORS
) -> dict[str, AcceleratorPrices]:
    """Per accelerator (default: the demo's; ``None``: every card the catalog sells on demand):
    the cheapest current on-demand offer and, per commitment length, the cheapest commitment
    (spot is not capacity the pool can guarantee)."""
    if accelerators is None:
        accelerators = sorted({o.accelerator_id for o in catalog.offers
                               if o.status == "current" and o.term == "on_demand"})  # fmt: skip
    out = {}
    for acc in accelerators:
        current = [o for o in catalog.offers if o.accelerator_id == acc and o.status == "current"]
        on_demand = min(
            (o for o in current if o.term == "on_demand"),
            key=lambda o: o.usd_per_gpu_hour,
            default=None,
        )
        if on_demand is None:
            continue
        commitments = [o for o in current if o.commitment_months > 0]
        out[acc] = AcceleratorPrices(
            acc,
            PriceOption(on_demand.provider, on_demand.region, 0, on_demand.usd_per_gpu_hour),
            tuple(
                PriceOption(o.provider, o.region, o.commitment_months, o.usd_per_gpu_hour)
                for o in commitments
            ),
        )
    return out


def plan_demo_contracts(
    portfolio: Portfolio, catalog: Catalog, months: int, cover: float = 0.9
) -> ContractPlan:
    """The demo pool's contracts from its pooled demand (:func:`contracting.plan_contracts`)."""
    return plan_contracts(portfolio.members, portfolio.training, portfolio.inference, months,
                          catalog_prices(catalog), cover=cover, peaks=card_peaks(catalog),
                          forecast=portfolio.forecast or None)  # fmt: skip


def card_peaks(catalog: Catalog) -> dict[str, CardPeak]:
    """The demo cards' dense BF16 peaks and release years, for next-generation phase-in."""
    from flopfolio.specs.precision import Precision

    out = {}
    for acc in ACCELERATORS:
        card = catalog.accelerators[acc]
        peak = dict(card.peak_flop_per_s).get(Precision.BF16)
        if peak and card.release_year:
            out[acc] = CardPeak(acc, peak, card.release_year)
    return out


def resale_prices(catalog: Catalog) -> dict[str, float]:
    """USD per GPU-hour the market pays the pool for sublet idle capacity, per demo accelerator:
    ``RESALE_SHARE`` × the cheapest current spot offer (none: the card is not resold)."""
    out = {}
    for acc in ACCELERATORS:
        spot = [o.usd_per_gpu_hour for o in catalog.offers
                if o.accelerator_id == acc and o.status == "current" and o.term == "spot"]  # fmt: skip
        if spot:
            out[acc] = RESALE_SHARE * min(spot)
    return out


def standalone_prices(catalog: Catalog) -> dict[str, StandalonePrice]:
    """What one startup alone pays per demo card: the cheapest current on-demand price for up to
    ``STANDALONE_ON_DEMAND_CAP`` GPUs, the median current on-demand price above that."""
    import statistics

    out = {}
    for acc in ACCELERATORS:
        od = [o.usd_per_gpu_hour for o in catalog.offers
              if o.accelerator_id == acc and o.status == "current" and o.term == "on_demand"]  # fmt: skip
        out[acc] = StandalonePrice(acc, STANDALONE_ON_DEMAND_CAP, min(od), statistics.median(od))
    return out
