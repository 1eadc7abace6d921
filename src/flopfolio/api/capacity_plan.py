"""``flopfolio capacity``: a workload and a demand curve in, policies and accelerators compared.

The workload (a YAML file, see ``examples/chat-app.yaml``, or the same fields from the CLI) names
the model, the request mix, the latency target, the demand (parameters or a CSV of requests per
hour), the accelerators to compare and, optionally, a hosted API to compare with. For every
accelerator the serving model sizes one replica under the latency target; the catalog's cheapest
current on-demand, committed (1 year or longer) and spot offers price it; the planner
(:mod:`flopfolio.planning.capacity`) costs each policy. The hosted-API bill is requests × mean
tokens × the API's prices; break-even is the monthly volume (the same demand shape, scaled) at
which the cheapest self-hosted policy costs the same as the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from flopfolio.api.estimates import estimate_serving
from flopfolio.api.yaml_input import read_yaml
from flopfolio.catalog.api_prices import ApiPrice
from flopfolio.catalog.catalog import Catalog, load_catalog
from flopfolio.catalog.offers import Offer
from flopfolio.errors import InvalidSpecError, UnknownModelError, did_you_mean
from flopfolio.planning.capacity import (
    HOURS_PER_MONTH,
    PolicyCost,
    PolicySettings,
    ReplicaPrices,
    plan_policies,
)
from flopfolio.planning.demand import (
    DemandProfile,
    RequestMix,
    Spike,
    read_demand_csv,
    synthetic_demand,
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RequestClassIn(_Strict):
    share: float = 1.0
    input_tokens: int
    output_tokens: int


class SpikeIn(_Strict):
    start_hour: int
    hours: int = 24
    multiplier: float = 10.0


class DemandIn(_Strict):
    csv: str | None = None
    mean_requests_per_hour: float | None = None
    hours: int = 24 * 30
    peak_to_mean: float = 3.0
    weekend_factor: float = 0.6
    growth_per_week: float = 0.0
    spikes: list[SpikeIn] = Field(default_factory=list)


class LatencyIn(_Strict):
    ttft_ms: float | None = None
    tpot_ms: float | None = None


class PolicyIn(_Strict):
    target_utilization: float = 0.8
    spinup_minutes: float = 10.0
    min_replicas: int = 1
    cooldown_hours: int = 1


class WorkloadIn(_Strict):
    """The YAML schema of a capacity workload."""

    model: str
    precision: str | None = None
    attention_dp: bool | None = None  # MoE layout; None: perf/inference.py's default
    requests: list[RequestClassIn]
    latency: LatencyIn = LatencyIn()
    demand: DemandIn
    accelerators: list[str] = Field(min_length=1)
    policy: PolicyIn = PolicyIn()
    api_model: str | None = None


@dataclass(frozen=True, slots=True)
class AcceleratorPlan:
    accelerator_id: str
    gpus_per_replica: int
    batch: int
    requests_per_replica_hour: float
    ttft_ms: float
    tpot_ms: float
    offers: dict[str, Offer | None]  # on_demand, committed, spot
    policies: list[PolicyCost]
    spike_cost_usd: dict[str, float]  # per policy: cost with the spikes minus without
    note: str = ""

    @property
    def cheapest(self) -> PolicyCost:
        return min((p for p in self.policies if p.name != "ideal"), key=lambda p: p.cost_usd)


@dataclass(frozen=True, slots=True)
class CapacityResult:
    workload: WorkloadIn
    demand: DemandProfile
    mix: RequestMix
    plans: list[AcceleratorPlan]
    skipped: list[tuple[str, str]]
    api: ApiPrice | None
    api_cost_usd: float | None
    break_even_requests_per_month: dict[str, float | None]

    @property
    def best(self) -> AcceleratorPlan | None:
        return min(self.plans, key=lambda p: p.cheapest.cost_usd) if self.plans else None

    def to_dict(self) -> dict[str, Any]:
        months = self.demand.hours / HOURS_PER_MONTH
        best = self.best
        return {
            "model": self.workload.model,
            "hours": self.demand.hours,
            "demand": {
                "mean_requests_per_hour": self.demand.mean,
                "peak_requests_per_hour": self.demand.peak,
                "peak_to_mean": self.demand.peak_to_mean,
                "total_requests": self.demand.total_requests,
                "mean_input_tokens": self.mix.mean_input_tokens,
                "mean_output_tokens": self.mix.mean_output_tokens,
            },
            "accelerators": [_plan_dict(p) for p in self.plans],
            "skipped": [{"accelerator": a, "reason": r} for a, r in self.skipped],
            "cheapest": None
            if best is None
            else {
                "accelerator": best.accelerator_id,
                "policy": best.cheapest.name,
                "monthly_cost_usd": best.cheapest.monthly_cost_usd,
                "provider": (best.offers["on_demand"] or best.offers["committed"]).provider  # type: ignore[union-attr]
                if (best.offers["on_demand"] or best.offers["committed"])
                else None,
            },
            "hosted_api": None
            if self.api is None or self.api_cost_usd is None
            else {
                "model": self.api.model,
                "provider": self.api.provider,
                "monthly_cost_usd": self.api_cost_usd / months,
                "usd_per_million_input_tokens": self.api.usd_per_million_input_tokens,
                "usd_per_million_output_tokens": self.api.usd_per_million_output_tokens,
                "source": self.api.source,
                "as_of": self.api.as_of.isoformat(),
                "break_even_requests_per_month": self.break_even_requests_per_month,
            },
        }


def _offer_dict(offer: Offer | None) -> dict[str, Any] | None:
    if offer is None:
        return None
    return {
        "provider": offer.provider,
        "region": offer.region,
        "term": offer.term,
        "usd_per_gpu_hour": offer.usd_per_gpu_hour,
        "source": offer.source,
        "as_of": offer.as_of.isoformat(),
    }


def _plan_dict(plan: AcceleratorPlan) -> dict[str, Any]:
    return {
        "accelerator": plan.accelerator_id,
        "gpus_per_replica": plan.gpus_per_replica,
        "batch": plan.batch,
        "requests_per_replica_hour": plan.requests_per_replica_hour,
        "ttft_ms": plan.ttft_ms,
        "tpot_ms": plan.tpot_ms,
        "offers": {k: _offer_dict(v) for k, v in plan.offers.items()},
        "policies": [
            {
                "name": p.name,
                "monthly_cost_usd": p.monthly_cost_usd,
                "cost_usd": p.cost_usd,
                "gpu_hours": p.replica_hours * plan.gpus_per_replica,
                "utilization": p.utilization,
                "idle_cost_usd": p.idle_cost_usd,
                "peak_replicas": max(p.replicas),
                "committed_replicas": p.committed_replicas,
                "spike_cost_usd": plan.spike_cost_usd.get(p.name),
                "note": p.note,
            }
            for p in plan.policies
        ],
        "cheapest_policy": plan.cheapest.name,
        "note": plan.note,
    }


def load_workload(path: Path | str) -> WorkloadIn:
    return parse_workload(read_yaml(path), str(path))


def parse_workload(data: Any, where: str = "workload") -> WorkloadIn:
    try:
        return WorkloadIn.model_validate(data)
    except ValidationError as exc:
        # A misspelt key also makes the right one "missing": name the misspelling first.
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        first = errors[0]
        field = ".".join(str(p) for p in first["loc"])
        hint = ""
        if first["type"] == "extra_forbidden":
            hint = did_you_mean(str(first["loc"][-1]), _fields_at(first["loc"][:-1]))
        raise InvalidSpecError(
            f"{where}: {field}: {first['msg']}.{hint} To fix: see examples/chat-app.yaml."
        ) from None


def _fields_at(location: tuple[int | str, ...]) -> list[str]:
    """Field names of the (nested) model at ``location`` in a workload, for suggestions."""
    model: Any = WorkloadIn
    for part in location:
        if isinstance(part, int) or part not in getattr(model, "model_fields", {}):
            continue
        annotation = model.model_fields[part].annotation
        model = getattr(annotation, "__args__", (annotation,))[0]
    return list(getattr(model, "model_fields", {}))


def build_demand(
    spec: DemandIn, base: Path | None = None
) -> tuple[DemandProfile, DemandProfile | None]:
    """The profile, and the same without its spikes (None when it has none)."""
    if spec.csv:
        path = Path(spec.csv)
        return read_demand_csv(path if path.is_absolute() or base is None else base / path), None
    if spec.mean_requests_per_hour is None:
        raise InvalidSpecError(
            "demand needs mean_requests_per_hour or csv. To fix: add one of them."
        )
    common = {
        "hours": spec.hours, "peak_to_mean": spec.peak_to_mean, "weekend_factor": spec.weekend_factor,
        "growth_per_week": spec.growth_per_week,
    }  # fmt: skip
    spikes = [Spike(s.start_hour, s.hours, s.multiplier) for s in spec.spikes]
    profile = synthetic_demand(spec.mean_requests_per_hour, spikes=spikes, **common)  # type: ignore[arg-type]
    plain = synthetic_demand(spec.mean_requests_per_hour, **common) if spikes else None  # type: ignore[arg-type]
    return profile, plain


def _cheapest(offers: list[Offer]) -> Offer | None:
    return min(offers, key=lambda o: o.usd_per_gpu_hour) if offers else None


def _api_price(catalog: Catalog, model: str) -> ApiPrice:
    prices = catalog.api_prices
    if model in prices:
        return prices[model]
    raise UnknownModelError(
        f"No hosted-API price for {model!r}.{did_you_mean(model, prices)} To fix: use a model name "
        "from LiteLLM's price file, or import a newer one with `flopfolio import litellm`."
    )


def _scaled_cost(
    demand: DemandProfile, plan: AcceleratorPlan, settings: PolicySettings, scale: float
) -> float:
    prices = _replica_prices(plan.offers, plan.gpus_per_replica)
    if prices is None:  # plans only exist for priced accelerators
        raise RuntimeError(f"{plan.accelerator_id} has a plan but no price")
    costs = plan_policies(
        demand.as_array() * scale, plan.requests_per_replica_hour, prices, settings
    )
    return min(p.cost_usd for p in costs if p.name != "ideal")


def _replica_prices(offers: dict[str, Offer | None], gpus: int) -> ReplicaPrices | None:
    on_demand = offers["on_demand"]
    if on_demand is None:
        return None
    committed, spot = offers["committed"], offers["spot"]
    return ReplicaPrices(
        on_demand.usd_per_gpu_hour * gpus,
        committed.usd_per_gpu_hour * gpus if committed else None,
        spot.usd_per_gpu_hour * gpus if spot else None,
    )


def break_even(
    demand: DemandProfile,
    plan: AcceleratorPlan,
    settings: PolicySettings,
    api_cost_per_request: float,
) -> float | None:
    """Requests per month at which self-hosting (the cheapest policy) costs what the API does:
    the demand's shape is scaled until the API bill crosses the self-hosted cost (bisection on
    the scale; the self-hosted cost has a floor of ``min_replicas``, so below it the API wins)."""
    months = demand.hours / HOURS_PER_MONTH

    def gap(scale: float) -> float:
        return (
            _scaled_cost(demand, plan, settings, scale)
            - demand.total_requests * scale * api_cost_per_request
        )

    low, high = 1e-6, 1e6
    if gap(high) > 0:  # the API stays cheaper at any volume
        return None
    if gap(low) <= 0:
        return demand.total_requests * low / months
    for _ in range(60):
        mid = (low * high) ** 0.5
        low, high = (mid, high) if gap(mid) > 0 else (low, mid)
    return demand.total_requests * high / months


def break_even_curve(result: CapacityResult, points: int = 15) -> list[dict[str, float]]:
    """Monthly cost of the hosted API against self-hosting (the cheapest accelerator's cheapest
    policy) as the demand's shape is scaled from 1/30 to 30 times its volume, log-spaced, and
    further where the break-even lies outside that span (to 3 times beyond it), so the chart
    always shows the crossing: the break-even chart's data. Empty without an API price or a
    plan."""
    best = result.best
    if result.api is None or best is None or points < 2:
        return []
    settings = PolicySettings(**result.workload.policy.model_dump())
    per_request = result.api.cost_usd(result.mix.mean_input_tokens, result.mix.mean_output_tokens)
    months = result.demand.hours / HOURS_PER_MONTH
    low, high = 1.0 / 30.0, 30.0
    crossing = break_even(result.demand, best, settings, per_request)
    if crossing:
        at = crossing * months / result.demand.total_requests  # the crossing as a scale
        low, high = min(low, at / 3.0), max(high, at * 3.0)
    curve = []
    for i in range(points):
        scale = low * (high / low) ** (i / (points - 1))
        requests = result.demand.total_requests * scale
        curve.append({
            "requests_per_month": requests / months,
            "api_monthly_usd": requests * per_request / months,
            "self_hosted_monthly_usd": _scaled_cost(result.demand, best, settings, scale) / months,
        })  # fmt: skip
    return curve


def plan_capacity(
    workload: WorkloadIn, *, base: Path | None = None, catalog: Catalog | None = None
) -> CapacityResult:
    cat = catalog or load_catalog()
    mix = RequestMix.of((r.share, r.input_tokens, r.output_tokens) for r in workload.requests)
    demand, without_spikes = build_demand(workload.demand, base)
    settings = PolicySettings(**workload.policy.model_dump())
    api = _api_price(cat, workload.api_model) if workload.api_model else None
    s_in, s_out = round(mix.mean_input_tokens), max(1, round(mix.mean_output_tokens))
    plans, skipped = [], []
    for name in workload.accelerators:
        acc = cat.accelerator(name)
        try:
            serving = estimate_serving(
                model=workload.model, gpu=acc.id, input_tokens=s_in, output_tokens=s_out,
                precision=workload.precision, ttft_ms=workload.latency.ttft_ms,
                tpot_ms=workload.latency.tpot_ms, batch=None if (workload.latency.ttft_ms or workload.latency.tpot_ms) else "max",
                attention_dp=workload.attention_dp, catalog=cat,
            )  # fmt: skip
        except InvalidSpecError as exc:
            skipped.append((acc.id, str(exc)))
            continue
        est = serving.estimate
        if not est.fits:
            skipped.append((acc.id, f"the model does not fit on {est.gpus} × {acc.id}"))
            continue
        # A card on a waitlist or with a lead time cannot serve this month: its offers are left out.
        current = [
            o for o in cat.offers
            if o.accelerator_id == acc.id and o.status == "current"
            and o.terms.months_until_available() <= 0
        ]  # fmt: skip
        offers = {
            "on_demand": _cheapest([o for o in current if o.term == "on_demand"]),
            "committed": _cheapest([o for o in current if o.commitment_months >= 12]),
            "spot": _cheapest([o for o in current if o.term == "spot"]),
        }
        prices = _replica_prices(offers, est.gpus)
        if prices is None:
            skipped.append((acc.id, "no current on-demand offer in the catalog"))
            continue
        capacity = est.central.output_tokens_per_s * 3600.0 / mix.mean_output_tokens
        policies = plan_policies(demand.as_array(), capacity, prices, settings)
        spike_cost: dict[str, float] = {}
        if without_spikes is not None:
            calm = {
                p.name: p.cost_usd
                for p in plan_policies(without_spikes.as_array(), capacity, prices, settings)
            }
            spike_cost = {p.name: p.cost_usd - calm[p.name] for p in policies}
        plans.append(AcceleratorPlan(
            acc.id, est.gpus, est.batch, capacity, est.central.ttft_s * 1e3, est.central.tpot_s * 1e3,
            offers, policies, spike_cost, est.batch_rule,
        ))  # fmt: skip
    api_cost = None
    breaks: dict[str, float | None] = {}
    if api is not None:
        per_request = api.cost_usd(mix.mean_input_tokens, mix.mean_output_tokens)
        api_cost = per_request * demand.total_requests
        breaks = {p.accelerator_id: break_even(demand, p, settings, per_request) for p in plans}
    return CapacityResult(workload, demand, mix, plans, skipped, api, api_cost, breaks)
