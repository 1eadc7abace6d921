"""Pieces every result renders the same way."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flopfolio.catalog.accelerators import Accelerator
from flopfolio.economics.pricing import PriceChoice
from flopfolio.specs.transformer import TransformerSpec


@dataclass(frozen=True, slots=True)
class ModelChoice:
    """The model a result is about, as the user named it (made by
    :func:`flopfolio.api.model_input.choose_model`)."""

    spec: TransformerSpec
    description: str  # e.g. "preset llama-2-70b (Touvron et al. 2023, as of 2023-07-18)"
    source: str = ""
    image_model: bool = False


def price_dict(choice: PriceChoice | None) -> dict[str, Any]:
    if choice is None:
        return {
            "usd_per_gpu_hour": None,
            "basis": "no price: the catalog has no offer; pass --price",
        }
    band = choice.usd_per_gpu_hour
    sources = sorted({f"{o.provider}: {o.source} ({o.as_of.isoformat()})" for o in choice.offers})
    return {
        "usd_per_gpu_hour": band.central,
        "usd_per_gpu_hour_low": band.low,
        "usd_per_gpu_hour_high": band.high,
        "basis": choice.basis,
        "sources": sources,
    }


def accelerator_dict(est_accelerator: Accelerator) -> dict[str, Any]:
    return {
        "id": est_accelerator.id,
        "memory_gib": est_accelerator.memory_gib,
        "source": est_accelerator.source,
        "as_of": est_accelerator.as_of.isoformat(),
    }
