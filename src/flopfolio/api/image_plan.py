"""``flopfolio image``: which card for an image model — time, throughput, memory and the cost of
1,000 images on each accelerator asked for, cheapest first.

The per-image model is :mod:`flopfolio.workload.images`; the price is chosen as for training
(:mod:`flopfolio.economics.pricing`: the median of current on-demand offers, the band their range,
or the user's ``--price``). The cost band combines the efficiency band with the price band.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flopfolio.catalog.catalog import Catalog, load_catalog
from flopfolio.catalog.image_models import find_image_model, load_image_models
from flopfolio.economics.pricing import PriceChoice, choose_price
from flopfolio.errors import InvalidSpecError, UnsupportedPrecisionError
from flopfolio.specs.precision import Precision
from flopfolio.units import parse_count, parse_price
from flopfolio.workload.images import ImageServingEstimate, estimate_image_serving


@dataclass(frozen=True, slots=True)
class ImageRow:
    estimate: ImageServingEstimate
    price: PriceChoice | None

    def usd_per_thousand(self) -> tuple[float, float, float] | None:
        if self.price is None:
            return None
        band = self.price.usd_per_gpu_hour
        low = self.estimate.usd_per_thousand_images_band(band.low)[0]
        central = self.estimate.usd_per_thousand_images(band.central)
        high = self.estimate.usd_per_thousand_images_band(band.high)[2]
        return low, central, high

    def to_dict(self, images: float | None) -> dict[str, Any]:
        e, cost = self.estimate, self.usd_per_thousand()
        out: dict[str, Any] = {
            "accelerator": e.accelerator_id,
            "precision": e.precision.value,
            "seconds_per_image": e.seconds_per_image,
            "seconds_per_image_low": e.seconds_per_image_low,
            "seconds_per_image_high": e.seconds_per_image_high,
            "images_per_hour_per_gpu": e.images_per_hour_per_gpu,
            "step_bound": e.step_bound,
            "memory_needed_gib": e.memory_needed_gib,
            "fits": e.fits,
            "usd_per_thousand_images": cost[1] if cost else None,
            "usd_per_thousand_images_low": cost[0] if cost else None,
            "usd_per_thousand_images_high": cost[2] if cost else None,
            "price_basis": self.price.basis
            if self.price
            else "no offer in the catalog; pass --price",
        }
        if images is not None:
            out["job_gpu_hours"] = images * e.seconds_per_image / 3600.0
            out["job_cost_usd"] = images / 1000.0 * cost[1] if cost else None
        return out


@dataclass(frozen=True, slots=True)
class ImageComparison:
    model_id: str
    source: str
    width_px: int
    height_px: int
    steps: int
    flops_per_image: float
    rows: list[ImageRow]
    images: float | None
    skipped: list[tuple[str, str]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model_id,
            "model_source": self.source,
            "width_px": self.width_px,
            "height_px": self.height_px,
            "steps": self.steps,
            "flops_per_image": self.flops_per_image,
            "images": self.images,
            "accelerators": [row.to_dict(self.images) for row in self.rows],
            "skipped": [{"accelerator": a, "reason": r} for a, r in self.skipped],
        }


def _rank(row: ImageRow) -> tuple[bool, float]:
    cost = row.usd_per_thousand()
    return (not row.estimate.fits, cost[1] if cost else float("inf"))


def compare_image_serving(
    *,
    model: str,
    gpus: list[str],
    width_px: int = 1024,
    height_px: int = 1024,
    steps: int | None = None,
    batch: int = 1,
    precision: str | None = None,
    price: str | float | None = None,
    provider: str | None = None,
    images: str | float | None = None,
    catalog: Catalog | None = None,
) -> ImageComparison:
    cat = catalog or load_catalog()
    image_model = find_image_model(load_image_models(cat.user_dir), model)
    user_price = parse_price(price, "--price") if price is not None else None
    wanted = Precision.parse(precision) if precision else None
    rows, skipped = [], []
    for name in gpus:
        acc = cat.accelerator(name)
        try:
            estimate = estimate_image_serving(
                image_model, acc, width_px=width_px, height_px=height_px, steps=steps, batch=batch,
                precision=wanted,
            )  # fmt: skip
        except UnsupportedPrecisionError as exc:  # e.g. the A10G, whose rates are unpublished
            skipped.append((acc.id, str(exc)))
            continue
        offer_price = choose_price(acc.id, cat.offers, price=user_price, provider=provider)
        rows.append(ImageRow(estimate, offer_price))
    if not rows:
        raise InvalidSpecError(f"No accelerator could be estimated: {skipped[0][1]}")
    rows.sort(key=_rank)
    first = rows[0].estimate
    job = parse_count(images, "--images") if images is not None else None
    return ImageComparison(
        image_model.id, image_model.source, width_px, height_px, first.steps,
        first.flops_per_image, rows, job, skipped,
    )  # fmt: skip
