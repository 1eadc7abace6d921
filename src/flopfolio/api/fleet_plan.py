"""``flopfolio fleet``: many workloads, many card types — the placement that costs least, next to
the naive plan, with what a 10x spike does.

The YAML (see ``examples/fleet.yaml``) lists the workloads (a chat or embedding model with its
tokens, an image model with its size, or a batch job with a deadline; each with a latency SLO
and a demand curve by hour) and the cards to choose from (an accelerator and a provider: the
catalog's cheapest current offer of that term, or a price you give). For every (workload, card)
pair the serving model (:mod:`flopfolio.perf.inference`, :mod:`flopfolio.workload.images`) sizes
one replica under the SLO; the optimizer (:mod:`flopfolio.planning.fleet`) places them.

Month by month (``months``; demand growing ``growth_per_month``, or per workload a ``monthly``
curve of mean requests per hour or a ``growth_per_week``: :mod:`flopfolio.planning.fleet_months`), a card whose offer has a lead
time or a waitlist is left out of the months before it arrives (lead weeks × 12/52 months).
Egress is priced per workload from ``egress_mb_per_request`` and the offer's egress price.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from flopfolio.api.estimates import estimate_serving
from flopfolio.api.fleet_packing import fleet_packings
from flopfolio.api.yaml_input import parse_model, read_yaml
from flopfolio.catalog.catalog import Catalog, load_catalog
from flopfolio.catalog.image_models import find_image_model, load_image_models
from flopfolio.catalog.offer_terms import OfferTerms
from flopfolio.catalog.offers import Offer
from flopfolio.errors import (
    FlopfolioError,
    InfeasiblePlanError,
    InvalidSpecError,
    UnknownModelError,
    UnsupportedPrecisionError,
    did_you_mean,
)
from flopfolio.planning.demand import synthetic_demand
from flopfolio.planning.fleet import (
    FleetCard,
    FleetPlan,
    FleetProblem,
    FleetRate,
    FleetWorkload,
    naive_plan,
    optimize_fleet,
)
from flopfolio.planning.fleet_months import month_factor
from flopfolio.planning.fleet_report import pack_nodes, spike_response
from flopfolio.specs.precision import Precision
from flopfolio.workload.images import estimate_image_serving

EXAMPLE = "examples/fleet.yaml"
MB_PER_GB = 1000.0


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SloIn(_Strict):
    ttft_ms: float | None = Field(default=None, gt=0)
    tpot_ms: float | None = Field(default=None, gt=0)
    seconds_per_image: float | None = Field(default=None, gt=0)


class DemandIn(_Strict):
    mean_requests_per_hour: float | None = Field(default=None, gt=0)
    peak_to_mean: float = Field(default=2.0, ge=1, lt=24)
    peak_hour: int = Field(default=14, ge=0, le=23)
    hourly: list[float] | None = None  # 24 measured values instead of the synthetic day
    monthly: list[float] | None = None  # mean requests per hour in month 1, 2, … (a curve)
    growth_per_week: float | None = Field(default=None, ge=0, le=10)  # e.g. 0.5 = 50%/week


class BatchIn(_Strict):
    requests: float = Field(gt=0)  # per day
    deadline_hour: int = Field(ge=0, le=23)  # done by the end of this clock hour (day starts 00:00)


class WorkloadIn(_Strict):
    name: str
    model: str | None = None
    image_model: str | None = None
    precision: str | None = None
    attention_dp: bool | None = None  # MoE layout; None: perf/inference.py's default
    input_tokens: int = Field(default=1000, ge=1)
    output_tokens: int = Field(default=200, ge=1)
    width_px: int = Field(default=1024, ge=64)
    height_px: int = Field(default=1024, ge=64)
    steps: int | None = Field(default=None, ge=1)
    slo: SloIn = SloIn()
    demand: DemandIn | None = None
    batch: BatchIn | None = None
    egress_mb_per_request: float = Field(default=0.0, ge=0)
    api_model: str | None = None  # hosted API to price spike overflow with


class CardIn(_Strict):
    gpu: str
    provider: str | None = None
    term: str = "on_demand"
    price: float | None = Field(default=None, gt=0)  # USD per GPU-hour, instead of the catalog's
    availability: str | None = None  # overrides the offer's: in_stock | waitlist
    lead_time_weeks: float | None = Field(default=None, ge=0)
    egress_usd_per_gb: float | None = Field(default=None, ge=0)
    source: str | None = None  # where the overrides come from (a quote, a sales e-mail)


class FleetIn(_Strict):
    workloads: list[WorkloadIn] = Field(min_length=1)
    cards: list[CardIn] = Field(min_length=1)
    months: int = Field(default=1, ge=1, le=36)
    growth_per_month: float = Field(default=0.0, ge=0, le=10)
    spike_multiplier: float = Field(default=10.0, ge=1)
    gap: float = Field(default=0.01, gt=0, lt=1)
    time_limit_s: float = Field(default=10.0, gt=0, le=600)
    share_gpus: bool = True  # let two latency models share one GPU's memory where they fit


@dataclass(frozen=True, slots=True)
class PairEstimate:
    workload: str
    card: str
    gpus_per_replica: int
    requests_per_replica_hour: float
    latency: dict[str, float]  # what one replica achieves: ttft_ms, tpot_ms or seconds_per_image
    batch: int = 1  # the batch one replica runs under the SLO (language models)


@dataclass(frozen=True, slots=True)
class ResolvedCard:
    card: FleetCard
    accelerator_id: str
    offer: Offer | None
    terms: OfferTerms
    egress_known: bool


@dataclass(frozen=True, slots=True)
class MonthPlan:
    month: int
    problem: FleetProblem
    optimized: FleetPlan
    naive: FleetPlan
    blocked: list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class FleetResult:
    spec: FleetIn
    cards: list[ResolvedCard]
    pairs: list[PairEstimate]
    skipped: list[tuple[str, str, str]]  # workload, card, why
    months: list[MonthPlan]
    api_usd_per_request: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from flopfolio.api.fleet_view import fleet_dict

        return fleet_dict(self)


def load_fleet(path: Path | str) -> FleetIn:
    return parse_fleet(read_yaml(path), str(path))


def parse_fleet(data: Any, where: str = "fleet") -> FleetIn:
    return parse_model(FleetIn, data, where, EXAMPLE)


def _where(i: int, w: WorkloadIn) -> str:
    return f"workloads[{i}] ({w.name})"


def _resolve_card(cat: Catalog, i: int, c: CardIn) -> ResolvedCard:
    try:
        acc = cat.accelerator(c.gpu)
        offers = [] if c.price else cat.find_offers(acc.id, provider=c.provider, term=c.term)
    except FlopfolioError as exc:
        raise type(exc)(f"cards[{i}]: {exc}") from None
    if c.price is None and not offers:
        raise InvalidSpecError(
            f"cards[{i}]: no current {c.term} offer for {acc.id}"
            f"{' from ' + c.provider if c.provider else ''}. To fix: run `flopfolio prices {acc.id}` "
            "for the offers there are, or give price: (USD per GPU-hour)."
        )
    offer = offers[0] if offers else None
    terms = offer.terms if offer else OfferTerms()
    if (
        c.availability is not None
        or c.lead_time_weeks is not None
        or c.egress_usd_per_gb is not None
    ):
        try:
            terms = replace(
                terms,
                availability=c.availability or terms.availability,
                lead_time_weeks=c.lead_time_weeks
                if c.lead_time_weeks is not None
                else terms.lead_time_weeks,
                egress_usd_per_gb=c.egress_usd_per_gb
                if c.egress_usd_per_gb is not None
                else terms.egress_usd_per_gb,
                source=c.source or "given in the fleet file",
            )
        except FlopfolioError as exc:
            raise InvalidSpecError(f"cards[{i}]: {exc} To fix: see {EXAMPLE}.") from None
    price = c.price if c.price is not None else offer.usd_per_gpu_hour  # type: ignore[union-attr]
    label = f"{acc.id} ({offer.provider} {offer.term})" if offer else f"{acc.id} (${price:g}/h)"
    node = (
        terms.nvlink_domain
        or (offer.gpus_per_instance if offer and offer.gpus_per_instance > 1 else acc.node_size)
        or 1
    )
    egress = terms.egress_usd_per_gb
    card = FleetCard(label, price, egress or 0.0, node)
    return ResolvedCard(card, acc.id, offer, terms, egress is not None)


def _check_months(i: int, w: WorkloadIn, months: int) -> None:
    d = w.demand
    if d is None or d.monthly is None:
        return
    where = f"{_where(i, w)}.demand.monthly"
    if d.growth_per_week is not None:
        raise InvalidSpecError(
            f"{_where(i, w)}.demand: give monthly: (a curve) or growth_per_week:, not both. "
            f"To fix: see {EXAMPLE}."
        )
    if d.mean_requests_per_hour is not None:
        raise InvalidSpecError(
            f"{where}: the curve's first month is the mean; drop mean_requests_per_hour. "
            f"To fix: see {EXAMPLE}."
        )
    if len(d.monthly) < months or any(not x > 0 for x in d.monthly):
        raise InvalidSpecError(
            f"{where}: needs {months} positive values (months: {months}), got {d.monthly}. "
            f"To fix: give one mean requests-per-hour per month planned."
        )


def _factor(spec: FleetIn, w: WorkloadIn, month: int) -> float:
    d = w.demand
    return month_factor(
        month, growth_per_month=spec.growth_per_month,
        growth_per_week=d.growth_per_week if d else None, monthly=d.monthly if d else None,
    )  # fmt: skip


def _demand(i: int, w: WorkloadIn) -> tuple[float, ...]:
    if w.demand is None:
        raise InvalidSpecError(
            f"{_where(i, w)}: needs demand: (mean_requests_per_hour or hourly) or batch: "
            f"(requests, deadline_hour). To fix: see {EXAMPLE}."
        )
    if w.demand.hourly is not None:
        if len(w.demand.hourly) != 24 or any(d < 0 for d in w.demand.hourly):
            raise InvalidSpecError(
                f"{_where(i, w)}.demand.hourly: needs 24 values of zero or more, one per clock hour. "
                f"To fix: see {EXAMPLE}."
            )
        hourly = tuple(float(d) for d in w.demand.hourly)
        if w.demand.monthly and sum(hourly) > 0:  # the day's shape at month 1's mean
            scale = w.demand.monthly[0] * 24 / sum(hourly)
            hourly = tuple(d * scale for d in hourly)
        return hourly
    mean = w.demand.mean_requests_per_hour or (w.demand.monthly[0] if w.demand.monthly else None)
    if mean is None:
        raise InvalidSpecError(
            f"{_where(i, w)}.demand: needs mean_requests_per_hour, monthly or hourly. "
            f"To fix: see {EXAMPLE}."
        )
    day = synthetic_demand(
        mean, hours=24, peak_to_mean=w.demand.peak_to_mean,
        weekend_factor=1.0, peak_hour=w.demand.peak_hour,
    )  # fmt: skip
    return tuple(float(x) for x in day.requests_per_hour)


def _pair(cat: Catalog, i: int, w: WorkloadIn, rc: ResolvedCard) -> PairEstimate | str:
    """One replica of ``w`` on ``rc`` under the SLO, or why there is none."""
    if w.image_model:
        image = find_image_model(load_image_models(cat.user_dir), w.image_model)
        try:
            est = estimate_image_serving(
                image, cat.accelerator(rc.accelerator_id), width_px=w.width_px, height_px=w.height_px,
                steps=w.steps, precision=Precision.parse(w.precision) if w.precision else None,
            )  # fmt: skip
        except UnsupportedPrecisionError as exc:
            return str(exc)
        if not est.fits:
            return f"does not fit ({est.memory_needed_gib:.1f} GiB needed)"
        limit = w.slo.seconds_per_image
        if limit is not None and est.seconds_per_image > limit:
            return f"{est.seconds_per_image:.2f} s per image > SLO {limit:g} s"
        return PairEstimate(
            w.name, rc.card.name, 1, est.images_per_hour_per_gpu,
            {"seconds_per_image": est.seconds_per_image},
        )  # fmt: skip
    limits = w.batch is None and (w.slo.ttft_ms or w.slo.tpot_ms)
    try:
        serving = estimate_serving(
            model=w.model, gpu=rc.accelerator_id, input_tokens=w.input_tokens,
            output_tokens=w.output_tokens, precision=w.precision,
            ttft_ms=w.slo.ttft_ms if limits else None, tpot_ms=w.slo.tpot_ms if limits else None,
            batch=None if limits else "max", attention_dp=w.attention_dp, catalog=cat,
        )  # fmt: skip
    except UnknownModelError:
        raise
    except (
        InvalidSpecError
    ) as exc:  # the SLO cannot be met, or the card has no rate at that precision
        return str(exc).split(" To fix:")[0]
    llm = serving.estimate
    if not llm.fits:
        return f"does not fit on {llm.gpus} GPU(s) ({llm.memory_per_gpu_gib:.1f} GiB per GPU)"
    rate = llm.central.output_tokens_per_s * 3600.0 / w.output_tokens
    return PairEstimate(
        w.name, rc.card.name, llm.gpus, rate,
        {"ttft_ms": llm.central.ttft_s * 1e3, "tpot_ms": llm.central.tpot_s * 1e3}, llm.batch,
    )  # fmt: skip


def _check_workload(cat: Catalog, i: int, w: WorkloadIn) -> None:
    if bool(w.model) == bool(w.image_model):
        raise InvalidSpecError(
            f"{_where(i, w)}: give exactly one of model: (a language model preset) or image_model:. "
            f"To fix: see {EXAMPLE}."
        )
    if w.batch is not None and w.demand is not None:
        raise InvalidSpecError(
            f"{_where(i, w)}: give demand: (served as it arrives) or batch: (by a deadline), not both."
        )
    try:
        if w.model:
            cat.preset(w.model)
        else:
            find_image_model(load_image_models(cat.user_dir), w.image_model or "")
    except UnknownModelError as exc:
        field_name = "model" if w.model else "image_model"
        raise UnknownModelError(f"{_where(i, w)}.{field_name}: {exc}") from None


def _api_prices(cat: Catalog, spec: FleetIn) -> dict[str, float]:
    out = {}
    for i, w in enumerate(spec.workloads):
        if w.api_model:
            prices = cat.api_prices
            if w.api_model not in prices:
                raise UnknownModelError(
                    f"{_where(i, w)}.api_model: no hosted-API price for {w.api_model!r}."
                    f"{did_you_mean(w.api_model, prices)} To fix: use a model name from LiteLLM's price file."
                )
            out[w.name] = prices[w.api_model].cost_usd(w.input_tokens, w.output_tokens)
    return out


def _no_card_error(i: int, w: WorkloadIn, reasons: list[tuple[str, str]]) -> InfeasiblePlanError:
    why = "; ".join(f"{card}: {r}" for card, r in reasons)
    if all("does not fit" in r for _, r in reasons):
        return InfeasiblePlanError(
            f"{_where(i, w)}: no card fits the model ({why}). To fix: add a card with more memory "
            "or use a lower precision."
        )
    return InfeasiblePlanError(
        f"{_where(i, w)}.slo: no card meets it ({why}). To fix: relax the SLO or add a faster card."
    )


def plan_fleet(spec: FleetIn, *, catalog: Catalog | None = None) -> FleetResult:
    cat = catalog or load_catalog()
    for i, w in enumerate(spec.workloads):
        _check_workload(cat, i, w)
        _check_months(i, w, spec.months)
    names = [w.name for w in spec.workloads]
    if len(set(names)) != len(names):
        raise InvalidSpecError("workloads: names must be unique. To fix: rename the duplicates.")
    cards = [_resolve_card(cat, i, c) for i, c in enumerate(spec.cards)]
    if len({rc.card.name for rc in cards}) != len(cards):
        raise InvalidSpecError(
            "cards: the same offer is listed twice. To fix: remove the duplicate."
        )
    api = _api_prices(cat, spec)
    pairs, skipped = [], []
    base: list[FleetWorkload] = []
    for i, w in enumerate(spec.workloads):
        reasons = []
        for rc in cards:
            got = _pair(cat, i, w, rc)
            if isinstance(got, str):
                reasons.append((rc.card.name, got))
                skipped.append((w.name, rc.card.name, got))
            else:
                pairs.append(got)
        if not any(p.workload == w.name for p in pairs):
            raise _no_card_error(i, w, reasons)
        egress = w.egress_mb_per_request / MB_PER_GB
        if w.batch is not None:
            base.append(FleetWorkload(w.name, (), w.batch.requests, w.batch.deadline_hour, egress))
        else:
            base.append(FleetWorkload(w.name, _demand(i, w), egress_gb_per_request=egress))
    packings = fleet_packings(cat, spec.workloads, cards, pairs) if spec.share_gpus else []
    months = []
    for m in range(1, spec.months + 1):
        ready = [rc for rc in cards if rc.terms.months_until_available() <= m - 1]
        blocked = [(rc.card.name, _blocked_reason(rc.terms)) for rc in cards if rc not in ready]
        workloads = tuple(
            _grown(w, _factor(spec, w_in, m)) for w, w_in in zip(base, spec.workloads, strict=True)
        )
        rates = tuple(
            FleetRate(p.workload, p.card, p.gpus_per_replica, p.requests_per_replica_hour)
            for p in pairs if any(rc.card.name == p.card for rc in ready)
        )  # fmt: skip
        for i, w in enumerate(spec.workloads):
            if not any(r.workload == w.name for r in rates):
                raise InfeasiblePlanError(
                    f"{_where(i, w)}: in month {m} no available card can serve it "
                    f"({'; '.join(f'{c}: {r}' for c, r in blocked)}). To fix: add a card in stock."
                )
        ready_names = {rc.card.name for rc in ready}
        shared = tuple(q for q in packings if q.card in ready_names)
        problem = FleetProblem(workloads, tuple(rc.card for rc in ready), rates, packings=shared)
        optimized = optimize_fleet(problem, gap=spec.gap, time_limit=spec.time_limit_s)
        months.append(MonthPlan(m, problem, optimized, naive_plan(problem), blocked))
    return FleetResult(spec, cards, pairs, skipped, months, api)


def _blocked_reason(terms: OfferTerms) -> str:
    if terms.lead_time_weeks is not None:
        return f"{terms.lead_time_weeks:g}-week lead time"
    return "waitlist with no stated lead time"


def _grown(w: FleetWorkload, growth: float) -> FleetWorkload:
    if w.is_batch:
        return replace(w, batch_requests=w.batch_requests * growth)
    return replace(w, demand_per_hour=tuple(d * growth for d in w.demand_per_hour))


def fleet_spikes(result: FleetResult, month: MonthPlan) -> list[Any]:
    return spike_response(
        month.problem, month.optimized, result.spec.spike_multiplier, result.api_usd_per_request
    )


def fleet_nodes(month: MonthPlan) -> list[Any]:
    return pack_nodes(month.problem, month.optimized)


def fleet_from_file(path: Path | str, *, catalog: Catalog | None = None) -> FleetResult:
    return plan_fleet(load_fleet(path), catalog=catalog)
