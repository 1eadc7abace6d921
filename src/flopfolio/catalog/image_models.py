"""Image-model presets: per-step denoiser FLOPs and the other per-image costs, with their sources.

One row of ``catalog/data/image_models.csv`` per image model in ``models.csv``. Every figure is at
the row's base resolution for one image:

``denoiser_gflops_per_step``
    One denoiser evaluation (UNet or transformer), batch 1. Classifier-free guidance (CFG) evaluates
    it ``cfg_evaluations`` times a step: 2 for models sampled with CFG by default (SD 1.5, SDXL,
    SD3), 1 for guidance-distilled models (FLUX.1 [dev]).
``attention_share``
    The part of that evaluation that is self-attention among latent tokens (``4·n²·d`` per layer,
    ``n`` latent tokens): it grows with the square of the token count, the rest linearly.
``vae_decode_gflops``, ``text_encoder_gflops``
    The VAE decode of one image and the text encoders for one prompt.
``weights_gib_fp16``, ``denoiser_weights_gib_fp16``
    Every component a pipeline loads (denoiser, text encoders, VAE), and the denoiser alone (what
    each step reads from memory), at 2 bytes per parameter.

FLOPs count 2 per multiply-add over matmuls, convolutions and attention, as
:mod:`flopfolio.workload.flops` does. The CSV keeps GFLOPs; :class:`ImageModel` holds FLOPs.
Where no single figure is published the row says how it was derived (``source``/``note``).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

from flopfolio.catalog._rows import Row, all_rows, parse_as_of
from flopfolio.errors import CatalogError, InvalidSpecError, UnknownModelError, did_you_mean

IMAGE_MODELS_FILE = "image_models.csv"
_GIGA = 1e9


@dataclass(frozen=True, slots=True)
class ImageModel:
    """Per-image costs of one text-to-image model at its base resolution (FLOPs, GiB)."""

    id: str
    denoiser_flops_per_step: float  # one evaluation, one image, base resolution
    cfg_evaluations: int
    base_resolution_px: int
    latent_downsample: int
    attention_share: float
    default_steps: int
    vae_decode_flops: float
    text_encoder_flops: float
    weights_gib_fp16: float
    denoiser_weights_gib_fp16: float
    source: str
    as_of: dt.date
    note: str = ""
    origin: str = "shipped"

    def __post_init__(self) -> None:
        for what, value in (
            ("denoiser_gflops_per_step", self.denoiser_flops_per_step),
            ("vae_decode_gflops", self.vae_decode_flops),
            ("weights_gib_fp16", self.weights_gib_fp16),
            ("denoiser_weights_gib_fp16", self.denoiser_weights_gib_fp16),
        ):
            if not (math.isfinite(value) and value > 0):
                raise InvalidSpecError(f"{what} must be a positive number, got {value!r}.")
        if not (math.isfinite(self.text_encoder_flops) and self.text_encoder_flops >= 0):
            raise InvalidSpecError(
                f"text_encoder_gflops must be zero or more, got {self.text_encoder_flops!r}."
            )
        if self.cfg_evaluations not in (1, 2):
            raise InvalidSpecError(
                f"cfg_evaluations must be 1 (guidance-distilled) or 2 (classifier-free guidance), "
                f"got {self.cfg_evaluations!r}."
            )
        if not 0 <= self.attention_share < 1:
            raise InvalidSpecError(
                f"attention_share must be in [0, 1), got {self.attention_share!r}."
            )
        for what, count in (
            ("base_resolution_px", self.base_resolution_px),
            ("latent_downsample", self.latent_downsample),
            ("default_steps", self.default_steps),
        ):
            if count < 1:
                raise InvalidSpecError(f"{what} must be a positive integer, got {count!r}.")
        if self.base_resolution_px % self.latent_downsample:
            raise InvalidSpecError(
                f"base_resolution_px {self.base_resolution_px} is not a multiple of "
                f"latent_downsample {self.latent_downsample}."
            )
        if self.denoiser_weights_gib_fp16 > self.weights_gib_fp16:
            raise InvalidSpecError(
                f"denoiser_weights_gib_fp16 {self.denoiser_weights_gib_fp16} exceeds "
                f"weights_gib_fp16 {self.weights_gib_fp16} (all components)."
            )

    @property
    def base_pixels(self) -> int:
        return self.base_resolution_px**2

    @property
    def base_latent_tokens(self) -> int:
        """Latent positions at the base resolution, ``(base / downsample)²``."""
        return (self.base_resolution_px // self.latent_downsample) ** 2


def _required(row: Row, column: str) -> float:
    value = row.number(column)
    if value is None:
        raise CatalogError(f"{row.where}: column {column!r} is required.")
    return value


def _whole(row: Row, column: str) -> int:
    value = _required(row, column)
    if not value.is_integer():
        raise CatalogError(f"{row.where}: column {column!r} must be a whole number, got {value}.")
    return int(value)


def image_model_from_row(row: Row) -> ImageModel:
    """One validated :class:`ImageModel`; a bad row raises :class:`CatalogError` naming file:line."""
    model_id = row.text("model_id").lower()
    if not model_id:
        raise CatalogError(f"{row.where}: model_id is required.")
    try:
        return ImageModel(
            id=model_id,
            denoiser_flops_per_step=_required(row, "denoiser_gflops_per_step") * _GIGA,
            cfg_evaluations=_whole(row, "cfg_evaluations"),
            base_resolution_px=_whole(row, "base_resolution_px"),
            latent_downsample=_whole(row, "latent_downsample"),
            attention_share=_required(row, "attention_share"),
            default_steps=_whole(row, "default_steps"),
            vae_decode_flops=_required(row, "vae_decode_gflops") * _GIGA,
            text_encoder_flops=_required(row, "text_encoder_gflops") * _GIGA,
            weights_gib_fp16=_required(row, "weights_gib_fp16"),
            denoiser_weights_gib_fp16=_required(row, "denoiser_weights_gib_fp16"),
            source=row.text("source"),
            as_of=parse_as_of(row.text("as_of"), row.where),
            note=row.text("note"),
            origin=row.origin,
        )
    except InvalidSpecError as exc:
        raise CatalogError(
            f"{row.where}: {exc} To fix: correct the row in {IMAGE_MODELS_FILE}."
        ) from None


def load_image_models(user_dir: Path | None = None) -> dict[str, ImageModel]:
    """Image models by id: the shipped rows, then ``user_dir/image_models.csv`` overriding by id."""
    table: dict[str, ImageModel] = {}
    for row in all_rows(IMAGE_MODELS_FILE, user_dir):
        model = image_model_from_row(row)
        if model.id in table and row.origin == "shipped":
            raise CatalogError(
                f"{row.where}: duplicate model_id {model.id!r} in {IMAGE_MODELS_FILE}."
            )
        table[model.id] = model
    return table


def find_image_model(models: dict[str, ImageModel], name: str) -> ImageModel:
    """The model a user means by ``name`` (case-insensitive id), or a clear error."""
    key = name.strip().lower()
    if key in models:
        return models[key]
    raise UnknownModelError(
        f"Unknown image model {name!r}.{did_you_mean(name, models)} "
        f"To fix: use one of {', '.join(sorted(models))}, or add a row to {IMAGE_MODELS_FILE} "
        "in your user catalog."
    )
