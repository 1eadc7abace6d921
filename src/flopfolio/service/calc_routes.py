"""The calculators' JSON endpoints behind the web pages. Each calls the same front door as the CLI
command named in its docstring, with the same arguments, so the page and the CLI print the same
numbers; the charts are built from those results.

These are CPU work (a search, a simulation, a MILP), so they are plain ``def`` routes: FastAPI
runs them in its thread pool and the event loop keeps answering reads.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from flopfolio.catalog.catalog import load_catalog
from flopfolio.charts.page_figures import (
    as_json,
    break_even_figure,
    compare_figure,
    fleet_figure,
    plan_figure,
    training_offers_figure,
)
from flopfolio.economics.compare import (
    DEFAULT_COMPARE_MFU,
    MIN_MFU,
    CompareFilter,
    compare_accelerators,
)
from flopfolio.workload.memory import Recompute

router = APIRouter(tags=["calculators"])


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TrainBody(_Body):
    """``flopfolio train``'s flags, by the same names."""

    tokens: str = Field(examples=["2T"])
    gpu: str = Field(examples=["A100-80GB"])
    model: str | None = Field(None, examples=["llama-2-70b"])
    params: str | None = None
    active_params: str | None = None
    gpus: int | None = Field(None, ge=1, le=1_000_000)
    precision: str | None = None
    mfu: float | None = Field(None, ge=0.01, le=1)
    price: str | None = None
    provider: str | None = None
    layers: int | None = Field(None, ge=1, le=10_000)
    hidden: int | None = Field(None, ge=1, le=1_000_000)
    heads: int | None = Field(None, ge=1, le=100_000)
    kv_heads: int | None = Field(None, ge=1, le=100_000)
    ffn_hidden: int | None = Field(None, ge=1, le=10_000_000)
    vocab: int | None = Field(None, ge=1, le=10_000_000)
    seq_len: int | None = Field(None, ge=1, le=10_000_000)
    recompute: Recompute | None = None
    global_batch_tokens: str | None = Field(None, examples=["4M"])
    program_factor: float | None = Field(None, ge=1, le=20)

    def shape(self) -> dict[str, int]:
        """The shape fields that were given (as the CLI's shape flags)."""
        names = ("layers", "hidden", "heads", "kv_heads", "ffn_hidden", "vocab", "seq_len")
        return {n: v for n in names if (v := getattr(self, n)) is not None}


class ServeBody(_Body):
    """The workload of ``flopfolio capacity`` (see examples/chat-app.yaml): as JSON in
    ``workload``, or as the YAML text itself in ``yaml``."""

    workload: dict[str, Any] | None = None
    yaml: str | None = Field(None, max_length=200_000)


class FleetBody(_Body):
    """The fleet of ``flopfolio fleet`` (see examples/fleet.yaml): as YAML text in ``yaml`` or as
    JSON in ``fleet``."""

    yaml: str | None = Field(None, max_length=200_000)
    fleet: dict[str, Any] | None = None


class PlanBody(_Body):
    """The roadmap YAML of ``flopfolio plan``, as text."""

    yaml: str = Field(max_length=200_000)
    gap: float = Field(0.01, gt=0, lt=1)


@router.get("/calc/options")
async def options() -> dict[str, Any]:
    """What the forms offer: model presets, accelerators, providers, hosted-API models."""
    cat = load_catalog()
    return {
        "models": sorted(cat.presets),
        "accelerators": sorted(cat.accelerators),
        "providers": sorted({o.provider for o in cat.offers}),
        "api_models": sorted(cat.api_prices),
    }


@router.post("/calc/train")
def train(body: TrainBody) -> dict[str, Any]:
    """``flopfolio train --json``, the run's cost on every current offer, and the derivation."""
    from flopfolio.api.estimates import estimate_training_run
    from flopfolio.economics.offer_ranking import rank_training_offers

    cat = load_catalog()
    result = estimate_training_run(
        tokens=body.tokens, gpu=body.gpu, model=body.model, params=body.params,
        active_params=body.active_params, shape=body.shape(), gpus=body.gpus, precision=body.precision,
        mfu=body.mfu, price=body.price, provider=body.provider, recompute=body.recompute,
        global_batch_tokens=body.global_batch_tokens, program_factor=body.program_factor,
        catalog=cat,
    )  # fmt: skip
    estimate = result.to_dict()
    accelerator = estimate["assumptions"]["accelerator"]["id"]
    offers = rank_training_offers(
        cat, accelerator, estimate["gpus"], estimate["expected"]["wall_days"]
    )
    return {
        "estimate": estimate,
        "explain": result.explain(),
        "offers": offers,
        "chart": as_json(training_offers_figure(offers, accelerator)),
    }


@router.post("/calc/serve")
def serve(body: ServeBody) -> dict[str, Any]:
    """``flopfolio capacity --json`` for the workload, with its capacity and break-even charts."""
    from flopfolio.api.capacity_plan import break_even_curve, parse_workload, plan_capacity
    from flopfolio.api.yaml_input import read_yaml_text
    from flopfolio.charts.capacity_chart import capacity_figure
    from flopfolio.errors import InvalidSpecError

    if (body.workload is None) == (body.yaml is None):
        raise InvalidSpecError(
            "give the workload as JSON (workload) or as YAML text (yaml), not both or neither."
        )
    data = body.workload if body.yaml is None else read_yaml_text(body.yaml, "workload")
    workload = parse_workload(data)
    if workload.demand.csv:  # the server's files are not the user's: no paths from a web form
        raise InvalidSpecError(
            "demand.csv names a file on the server, which the web app does not read. To fix: give "
            "mean_requests_per_hour and the profile, or run `flopfolio capacity` with your CSV."
        )
    result = plan_capacity(workload, catalog=load_catalog())
    best = result.best
    curve = break_even_curve(result)
    return {
        "capacity": result.to_dict(),
        "break_even": curve,
        "chart": as_json(capacity_figure(result)),
        "break_even_chart": as_json(break_even_figure(curve, result.api.model, best.accelerator_id))
        if curve and result.api and best
        else None,
    }


@router.get("/calc/compare")
def compare(
    precision: str = "bf16",
    term: Literal["on_demand", "spot", "committed", "any"] = "on_demand",
    provider: str | None = None,
    vendor: str | None = None,
    min_memory_gib: float = Query(0.0, ge=0, lt=10_000),
    mfu: float = Query(DEFAULT_COMPARE_MFU, ge=MIN_MFU, le=1),
) -> dict[str, Any]:
    """``flopfolio compare --json``: accelerators side by side, cheapest effective PFLOP-hour first."""
    where = CompareFilter(precision, term, provider or None, vendor or None, min_memory_gib, mfu)
    rows = compare_accelerators(load_catalog(), where)
    return {"accelerators": rows, "mfu": mfu, "chart": as_json(compare_figure(rows, mfu))}


@router.get("/calc/offers")
def offers(
    accelerator: str, term: str | None = None, provider: str | None = None
) -> dict[str, Any]:
    """``flopfolio prices ACCELERATOR --json``: one accelerator's current offers, cheapest first."""
    from flopfolio.catalog.views import offer_dicts

    rows = offer_dicts(
        load_catalog().find_offers(accelerator, provider=provider or None, term=term or None)
    )
    return {"offers": rows, "providers": sorted({r["provider"] for r in rows})}


@router.post("/calc/plan")
def plan(body: PlanBody) -> dict[str, Any]:
    """``flopfolio plan --json`` for a roadmap typed or uploaded on the page."""
    from flopfolio.api.roadmap import plan_roadmap_text

    result = plan_roadmap_text(body.yaml, catalog=load_catalog(), gap=body.gap)
    return {"plan": result, "chart": as_json(plan_figure(result))}


WEB_FLEET_TIME_LIMIT_S = 60.0


@router.post("/calc/fleet")
def fleet(body: FleetBody) -> dict[str, Any]:
    """``flopfolio fleet --json`` for a fleet typed or pasted on the page, with a chart a month."""
    from flopfolio.api.fleet_plan import parse_fleet, plan_fleet
    from flopfolio.api.yaml_input import read_yaml_text
    from flopfolio.errors import InvalidSpecError

    if (body.fleet is None) == (body.yaml is None):
        raise InvalidSpecError(
            "give the fleet as YAML text (yaml) or as JSON (fleet), not both or neither."
        )
    data = body.fleet if body.yaml is None else read_yaml_text(body.yaml, "fleet")
    spec = parse_fleet(data, "fleet")
    if spec.time_limit_s > WEB_FLEET_TIME_LIMIT_S:
        # Each solve holds one of the server's threads: longer solves belong to the CLI.
        raise InvalidSpecError(
            f"time_limit_s {spec.time_limit_s:g} is over the web calculator's "
            f"{WEB_FLEET_TIME_LIMIT_S:g} s. To fix: lower it, or run `flopfolio fleet FILE`."
        )
    result = plan_fleet(spec, catalog=load_catalog()).to_dict()
    return {"fleet": result, "charts": [as_json(fleet_figure(m)) for m in result["months"]]}
