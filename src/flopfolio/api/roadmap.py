"""``flopfolio plan ROADMAP.yaml``: a company's roadmap (training runs, inference demand scenarios,
cash) turned into the procurement program of :mod:`flopfolio.planning.procurement`, with offers
from the catalog, and its solution rendered month by month.

Units: training work is measured in *reference GPU-months* (the first accelerator listed, at the
roadmap's MFU, 730 hours a month); another accelerator does ``peak_a / peak_ref`` of that per
GPU-month (dense bf16/fp16 peak). Inference demand is in reference GPUs; another accelerator serves
``bandwidth_a / bandwidth_ref`` as much (decode is bandwidth-bound). Offers per accelerator: the
cheapest current on-demand offer and, for each commitment length the catalog lists, its cheapest
current offer; a roadmap can add its own (a negotiated price, a cap on availability) and cap how
many GPUs it can rent on demand (``on_demand_max_gpus``: marketplaces list a low price, not a
2,000-GPU cluster).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from flopfolio.api.model_input import choose_model
from flopfolio.api.yaml_input import load_model, parse_model, read_yaml_text
from flopfolio.catalog.catalog import Catalog, load_catalog
from flopfolio.planning.procurement import (
    HOURS_PER_MONTH,
    Accelerator,
    Offer,
    Plan,
    Roadmap,
    Scenario,
    TrainingRun,
    optimize,
)
from flopfolio.units import parse_count
from flopfolio.workload.finetune import FinetuneMethod, finetune_flops
from flopfolio.workload.flops import training_flops


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TrainingIn(_Strict):
    name: str
    model: str | None = None
    params: float | str | None = None
    tokens: float | str
    earliest_month: int = 0
    deadline_month: int
    accelerators: list[str] | None = None  # default: all of the roadmap's
    # A fine-tune is a roadmap item too: its FLOPs are the fine-tune's (LoRA/QLoRA: 4·N + 6·N_lora).
    method: Literal["pretrain", "full", "lora", "qlora"] = "pretrain"
    mfu: float | None = Field(default=None, gt=0, le=1)  # default: the roadmap's


class ScenarioIn(_Strict):
    name: str
    probability: float
    start_gpus: float = 0.0
    monthly_growth: float = 0.0
    gpus_by_month: list[float] | None = None


class InferenceIn(_Strict):
    start_month: int = 0
    scenarios: list[ScenarioIn] = Field(min_length=1)


class OfferIn(_Strict):
    name: str
    accelerator: str
    term_months: int = 0
    usd_per_gpu_hour: float
    max_gpus: float | None = None
    lead_time_weeks: float | None = Field(default=None, ge=0)  # weeks until it can deliver


class RoadmapIn(_Strict):
    horizon_months: int
    cash_usd: float
    max_commitment_share: float = 0.5
    mfu: float = 0.4
    accelerators: list[str] = Field(min_length=1)
    training: list[TrainingIn] = Field(default_factory=list)
    inference: InferenceIn
    offers: list[OfferIn] = Field(default_factory=list)
    use_catalog_offers: bool = True
    # On-demand capacity is rarely there for a large cluster: cap what one accelerator type can rent.
    on_demand_max_gpus: float | None = None


def load_roadmap(path: Path | str) -> RoadmapIn:
    return load_model(RoadmapIn, path, "examples/roadmap.yaml")


def _first_month(months_until_available: float) -> int | None:
    """The first month (0-based) an offer can deliver: a 12-week lead time (2.77 months) is month
    3; ``None`` for a waitlist with no date."""
    if months_until_available == float("inf"):
        return None
    return math.ceil(months_until_available - 1e-9)


def _catalog_offers(catalog: Catalog, acc_id: str, on_demand_cap: float | None) -> list[Offer]:
    current = [
        o
        for o in catalog.offers
        if o.accelerator_id == acc_id and o.status == "current" and o.term != "spot"
        and _first_month(o.terms.months_until_available()) is not None
    ]  # fmt: skip
    best: dict[int, Any] = {}
    for o in current:
        months = o.commitment_months
        if months not in best or o.usd_per_gpu_hour < best[months].usd_per_gpu_hour:
            best[months] = o
    return [
        Offer(
            f"{o.provider} {acc_id} {o.term}",
            acc_id,
            months,
            o.usd_per_gpu_hour,
            None if months else on_demand_cap,
            _first_month(o.terms.months_until_available()) or 0,
        )
        for months, o in sorted(best.items())
    ]


def build_roadmap(spec: RoadmapIn, catalog: Catalog) -> tuple[Roadmap, dict[str, Any]]:
    """The program's inputs, and what was assumed in building them (for the output)."""
    accs = [catalog.accelerator(name) for name in spec.accelerators]
    ref = accs[0]
    precision = ref.default_training_precision()
    ref_peak, ref_bw = ref.peak(precision), ref.memory_bw_gb_per_s
    accelerators = tuple(
        Accelerator(
            a.id, a.peak(a.default_training_precision()) / ref_peak, a.memory_bw_gb_per_s / ref_bw
        )
        for a in accs
    )
    by_name = {name: a.id for name, a in zip(spec.accelerators, accs, strict=True)}
    offers: list[Offer] = []
    if spec.use_catalog_offers:
        for a in accs:
            offers += _catalog_offers(catalog, a.id, spec.on_demand_max_gpus)
    for o in spec.offers:
        offers.append(
            Offer(
                o.name,
                catalog.accelerator(o.accelerator).id,
                o.term_months,
                o.usd_per_gpu_hour,
                o.max_gpus,
                _first_month(o.lead_time_weeks * 12.0 / 52.0) or 0 if o.lead_time_weeks else 0,
            )
        )
    runs, flops_by_run = [], {}
    for t in spec.training:
        choice = choose_model(catalog, t.model, params=t.params)
        tokens = parse_count(t.tokens, f"training {t.name} tokens")
        if t.method == "pretrain":
            flops = training_flops(choice.spec, tokens).total
        else:
            flops = finetune_flops(choice.spec, FinetuneMethod(t.method), tokens).model_flops
        flops_by_run[t.name] = flops
        work = flops / (ref_peak * (t.mfu or spec.mfu) * HOURS_PER_MONTH * 3600.0)
        allowed = (
            tuple(catalog.accelerator(n).id for n in t.accelerators)
            if t.accelerators
            else tuple(by_name.values())
        )
        runs.append(TrainingRun(t.name, work, t.earliest_month, t.deadline_month, allowed))
    scenarios = []
    for s in spec.inference.scenarios:
        if s.gpus_by_month is not None:
            demand = tuple(s.gpus_by_month)
        else:
            demand = tuple(
                0.0
                if m < spec.inference.start_month
                else s.start_gpus * (1 + s.monthly_growth) ** (m - spec.inference.start_month)
                for m in range(spec.horizon_months)
            )
        scenarios.append(Scenario(s.name, s.probability, demand))
    roadmap = Roadmap(
        spec.horizon_months, accelerators, tuple(offers), tuple(runs), tuple(scenarios), spec.cash_usd,
        spec.max_commitment_share,
    )  # fmt: skip
    assumptions = {
        "reference_accelerator": ref.id,
        "mfu": spec.mfu,
        "training_flops": flops_by_run,
        "work_reference_gpu_months": {r.name: r.work_reference_gpu_months for r in runs},
        "speeds": {
            a.id: {"training": a.train_speed, "inference": a.inference_speed} for a in accelerators
        },
        "offers": [
            {
                "name": o.name,
                "accelerator": o.accelerator,
                "term_months": o.term_months,
                "usd_per_gpu_hour": o.usd_per_gpu_hour,
                "max_gpus": o.max_gpus,
            }
            for o in offers
        ],
    }
    return roadmap, assumptions


def plan_dict(plan: Plan, roadmap: Roadmap, assumptions: dict[str, Any]) -> dict[str, Any]:
    months = roadmap.horizon_months
    monthly = []
    for t in range(months):
        monthly.append({
            "month": t,
            "committed_gpus": {a: plan.committed_gpus[a][t] for a in plan.committed_gpus},
            "training_gpus": {run: sum(by_acc[a][t] for a in by_acc) for run, by_acc in plan.training_gpus.items()},
            "on_demand_gpus": {s: sum(v[t] for v in by_acc.values()) for s, by_acc in plan.on_demand_gpus.items()},
            "inference_gpus": {s: sum(v[t] for v in by_acc.values()) for s, by_acc in plan.inference_gpus.items()},
            "committed_utilization": {s: plan.utilization[s][t] for s in plan.utilization},
        })  # fmt: skip
    return {
        "expected_cost_usd": plan.expected_cost_usd,
        "committed_usd": plan.committed_usd,
        "commitment_limit_usd": plan.commitment_limit_usd,
        "cash_usd": roadmap.cash_usd,
        "expected_on_demand_usd": plan.expected_on_demand_usd,
        "purchases": [
            {
                "offer": p.offer.name,
                "accelerator": p.offer.accelerator,
                "term_months": p.offer.term_months,
                "start_month": p.start_month,
                "offer_first_month": p.offer.earliest_month,
                "gpus": p.gpus,
                "usd_per_gpu_hour": p.offer.usd_per_gpu_hour,
                "cost_usd": p.cost_usd,
            }
            for p in sorted(plan.purchases, key=lambda p: (p.start_month, p.offer.name))
        ],
        "months": monthly,
        "binding": list(plan.binding),
        "mip_gap": plan.mip_gap,
        "assumptions": assumptions,
    }


def plan_roadmap(
    path: Path | str, *, catalog: Catalog | None = None, gap: float = 0.01
) -> dict[str, Any]:
    return _plan(load_roadmap(path), catalog, gap)


def plan_roadmap_text(
    text: str, *, catalog: Catalog | None = None, gap: float = 0.01
) -> dict[str, Any]:
    """The same plan for roadmap YAML typed or uploaded on the web page."""
    data = read_yaml_text(text, "roadmap")
    return _plan(parse_model(RoadmapIn, data, "roadmap", "examples/roadmap.yaml"), catalog, gap)


def _plan(spec: RoadmapIn, catalog: Catalog | None, gap: float) -> dict[str, Any]:
    cat = catalog or load_catalog()
    roadmap, assumptions = build_roadmap(spec, cat)
    return plan_dict(optimize(roadmap, gap=gap), roadmap, assumptions)
