"""``flopfolio scale``: from a FLOP or dollar budget to a compute-optimal model, with the spread
across published scaling laws as the band; optionally inference-aware sizing (Sardana et al.).

The central figure uses Besiroglu et al. 2024's refit of Chinchilla's parametric law (the printed
Hoffmann et al. Approach-3 constants put Chinchilla's own budget at 32B parameters, far from the
70B they trained; see ``economics/scaling.py``). The low/high band spans the Chinchilla-family
laws (printed, unrounded, refit); Kaplan et al. 2020 is reported beside them, outside the band,
because its frontier is known to favour far larger models.
"""

from __future__ import annotations

from typing import Any

from flopfolio.catalog.catalog import Catalog, load_catalog
from flopfolio.economics import scaling
from flopfolio.economics.pricing import choose_price
from flopfolio.errors import InvalidSpecError
from flopfolio.units import parse_count, parse_price

LAWS = {
    "besiroglu-2024": scaling.BESIROGLU_2024,
    "chinchilla-2022": scaling.CHINCHILLA_2022,
    "chinchilla-2022-unrounded": scaling.CHINCHILLA_2022_UNROUNDED,
}
CENTRAL_LAW = "besiroglu-2024"


def _point_dict(point: scaling.ScalingPoint) -> dict[str, Any]:
    return {
        "params": point.params,
        "tokens": point.tokens,
        "tokens_per_param": point.tokens_per_param,
        "loss_nats": point.loss_nats,
        "law": point.law,
        "data_warning": point.data_limit.warning if point.data_limit else None,
    }


def scale_budget(
    *,
    flops: str | float | None = None,
    usd: str | float | None = None,
    gpu: str | None = None,
    price: str | float | None = None,
    mfu: float = 0.4,
    available_tokens: str | float | None = None,
    target_loss: float | None = None,
    inference_tokens: str | float | None = None,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    budget_basis = "user --flops"
    if flops is None:
        if usd is None or gpu is None:
            raise InvalidSpecError("Give --flops, or --usd with --gpu (and optionally --price).")
        cat = catalog or load_catalog()
        acc = cat.accelerator(gpu)
        user_price = parse_price(price, "--price") if price is not None else None
        choice = choose_price(acc.id, cat.offers, price=user_price)
        if choice is None:
            raise InvalidSpecError(f"The catalog has no price for {acc.id}. To fix: pass --price.")
        peak = acc.peak(acc.default_training_precision())
        total = scaling.budget_flops(
            parse_count(usd, "--usd"), choice.usd_per_gpu_hour.central, peak, mfu
        )
        budget_basis = (
            f"${parse_count(usd, '--usd'):,.0f} at {choice.basis} on {acc.id}, MFU {mfu:g}"
        )
    else:
        total = parse_count(flops, "--flops")
    data = (
        parse_count(available_tokens, "--available-tokens")
        if available_tokens is not None
        else None
    )
    points = {
        name: scaling.compute_optimal(total, law, available_tokens=data)
        for name, law in LAWS.items()
    }
    central = points[CENTRAL_LAW]
    kaplan = scaling.compute_optimal(total, scaling.KAPLAN_2020)
    params = [p.params for p in points.values()]
    tokens = [p.tokens for p in points.values()]
    result: dict[str, Any] = {
        "flops": total,
        "budget_basis": budget_basis,
        "params": central.params,
        "params_low": min(params),
        "params_high": max(params),
        "tokens": central.tokens,
        "tokens_low": min(tokens),
        "tokens_high": max(tokens),
        "loss_nats": central.loss_nats,
        "law": CENTRAL_LAW,
        "data_warning": central.data_limit.warning if central.data_limit else None,
        "laws": {name: _point_dict(p) for name, p in points.items()},
        "kaplan_2020": _point_dict(kaplan),
        "inference_aware": None,
    }
    if target_loss is not None:
        plan = scaling.inference_aware_optimal(
            target_loss, parse_count(inference_tokens, "--inference-tokens") if inference_tokens else 0.0,
            LAWS[CENTRAL_LAW],
        )  # fmt: skip
        result["inference_aware"] = {
            "target_loss_nats": plan.target_loss_nats,
            "inference_tokens": plan.inference_tokens,
            "params": plan.optimal.params,
            "tokens": plan.optimal.tokens,
            "training_flops": plan.optimal.training_flops,
            "inference_flops": plan.optimal.inference_flops,
            "chinchilla_params": plan.chinchilla.params,
            "chinchilla_tokens": plan.chinchilla.tokens,
            "flops_saved": plan.flops_saved,
            "saving_fraction": plan.saving_fraction,
        }
    return result
