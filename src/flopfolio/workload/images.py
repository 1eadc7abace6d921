"""Text-to-image serving and offline embedding jobs: FLOPs, seconds, GPU-hours, cost. Pure.

**FLOPs for one image** of ``W×H`` pixels with ``s`` sampling steps (2 FLOPs per multiply-add)::

    r      = W·H / base²                         latent tokens relative to the base resolution
    D(r)   = D₀ · ((1 − a)·r + a·r²)             one denoiser evaluation
    V(r)   = V₀ · r                              VAE decode
    FLOPs  = T + s · g · D(r) + V(r)

``D₀`` (``denoiser_gflops_per_step``), ``a`` (``attention_share``), ``V₀``, ``T`` (text encoders,
once per prompt) and ``g`` (``cfg_evaluations``: 2 with classifier-free guidance, 1 for
guidance-distilled models) come from ``catalog/data/image_models.csv``, where each figure's source
is given. Why the scaling holds: convolutions, projections and MLPs do the same work per latent
token, so they grow with ``r``; self-attention among latent tokens costs ``4·n²·d`` per layer, so
it grows with ``r²``. Doubling the side quadruples ``r``: the linear part ×4, attention ×16.
Checked against direct counts, the rule is within 2.5% for the UNets from 512 to 2048 px; for the
MMDiT/FLUX transformers the fixed work on text tokens is folded into the linear part, so it
under-counts well below the base resolution (−16% / −24% at 512 px) and over-counts by ≤5% at
2048 px (the rows' ``note``). The negative prompt's text encoding is not counted (one more ``T``
with CFG; under 1% of any image here, and servers cache it).

**Serving one image on one accelerator** with batch ``b`` (``b`` prompts at once, CFG branches
batched together as diffusers does)::

    rate     = peak(precision) · e                     e: compute efficiency
    t_step   = max(b·g·D(r) / rate,  W_den / BW)      compute, or the denoiser weights read once
    t_batch  = b·T / rate + s·t_step + b·V(r) / rate
    seconds per image = t_batch / b,   images per GPU-hour = 3600 / that

``W_den`` is the denoiser's weights at the chosen precision and ``BW`` the peak memory bandwidth:
the bandwidth term is a floor (a step cannot be faster than one read of the weights); for these
models at ``b ≥ 1`` and ≥ 512 px compute binds.

**Default efficiency** ``e = 0.40`` of the dense fp16/bf16 peak: with the FLOP counts above, SDXL
at 1024² on an A100-SXM4-80GB runs at 40.3% (diffusers tutorial "Accelerate inference of
text-to-image diffusion models": bf16 + SDPA, 30 steps, 3.31 s) and 37.1% (fal-ai/
stable-diffusion-benchmarks README: fp16, 50 steps, 5.933 s eager; 5.132 s = 42.9% compiled).
The band is ``e`` ×0.75 … ×1.25 (0.30–0.50), which holds both eager measurements. Small per-step
work is launch-bound, not compute-bound: SD 1.5 at 512², batch 1, on the same A100 ran at 16.7%
(fal-ai, 1.591 s for 50 steps), so this estimate is ~2.4× optimistic there; batch more images.

**Memory** ``fits`` when ``weights + activations ≤ 0.9 · memory_gib`` (the rest: CUDA context,
workspaces, fragmentation). Weights are ``weights_gib_fp16`` (all components, loaded at once)
scaled by the precision's bytes per value. Activations: the peak is the VAE decode, about
2.3 kB per output pixel per image in 16-bit — onnx-tool's minimum activation pool for the SD VAE
decoder is 1,140 MB in fp32 at 512×512 (ThanatosShinji/onnx-tool README, "Activation Memory
Compression"), i.e. ≈2.2–2.3 kB per pixel at 2 bytes. The decode is the usual peak (it is why
diffusers offers tiled and sliced VAE decoding); SDXL's VAE upcasts to fp32 by default, which
doubles that term.

**Embedding jobs** (offline, batched, forward only): ``2·N`` FLOPs per token, the napkin rule of
:mod:`flopfolio.workload.flops`; GPU-hours ``= 2·N·tokens / (peak · e) / 3600`` with ``e = 0.5``,
the prefill efficiency :mod:`flopfolio.perf.inference` uses (a large-batch forward pass over full
sequences is compute-bound like prefill). Attention over the sequence is left out: for a
BERT-large-sized encoder (L=24, d=1024, N=335M) at 512 tokens it adds ``4·L·s·d / 2N`` ≈ 7.5%.
"""

from __future__ import annotations

from dataclasses import dataclass

from flopfolio.catalog.accelerators import Accelerator
from flopfolio.catalog.image_models import ImageModel
from flopfolio.errors import InvalidSpecError
from flopfolio.specs.precision import Precision
from flopfolio.units import GIB, check_positive

DEFAULT_IMAGE_COMPUTE_EFFICIENCY = 0.40
DEFAULT_EMBEDDING_EFFICIENCY = 0.50
EFFICIENCY_RELATIVE_BAND = 0.25  # the band: efficiency 25% lower / higher (capped at 1)
USABLE_MEMORY_FRACTION = 0.90
ACTIVATION_BYTES_PER_PIXEL = 2300.0  # per image in flight, 16-bit (VAE decode peak; see above)
MAX_SIDE_PX = 16_384
MAX_STEPS = 10_000
MAX_BATCH = 4_096


def _whole(value: int, what: str, upper: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidSpecError(f"{what} must be a whole number, got {value!r}.")
    if not 1 <= value <= upper:
        raise InvalidSpecError(
            f"{what} must be between 1 and {upper:,}, got {value!r}. To fix: pass a positive {what}."
        )
    return value


def _side(model: ImageModel, value: int, what: str) -> int:
    _whole(value, what, MAX_SIDE_PX)
    if value % model.latent_downsample:
        down = value // model.latent_downsample * model.latent_downsample
        raise InvalidSpecError(
            f"{what} {value} is not a multiple of {model.latent_downsample}, the VAE's downsampling "
            f"for {model.id}. To fix: use {down or model.latent_downsample} or "
            f"{down + model.latent_downsample}."
        )
    return value


def _efficiency(value: float, what: str) -> float:
    check_positive(value, what)
    if value > 1:
        raise InvalidSpecError(f"{what} must be in (0, 1], got {value!r}. To fix: write e.g. 0.4.")
    return float(value)


def _steps(model: ImageModel, steps: int | None) -> int:
    return model.default_steps if steps is None else _whole(steps, "steps", MAX_STEPS)


def resolution_ratio(model: ImageModel, *, width_px: int, height_px: int) -> float:
    """``r = W·H / base²``: latent tokens relative to the model's base resolution."""
    width = _side(model, width_px, "width_px")
    height = _side(model, height_px, "height_px")
    return width * height / model.base_pixels


def denoiser_flops_per_evaluation(model: ImageModel, *, width_px: int, height_px: int) -> float:
    """``D(r) = D₀·((1 − a)·r + a·r²)``: one denoiser evaluation for one image."""
    r = resolution_ratio(model, width_px=width_px, height_px=height_px)
    a = model.attention_share
    return model.denoiser_flops_per_step * ((1 - a) * r + a * r * r)


def vae_decode_flops(model: ImageModel, *, width_px: int, height_px: int) -> float:
    """``V(r) = V₀·r``: the VAE decode of one image, proportional to its pixels."""
    return model.vae_decode_flops * resolution_ratio(model, width_px=width_px, height_px=height_px)


def image_flops(
    model: ImageModel, *, width_px: int, height_px: int, steps: int | None = None
) -> float:
    """Total FLOPs for one image: ``T + s·g·D(r) + V(r)`` (see the module docstring)."""
    s = _steps(model, steps)
    denoise = denoiser_flops_per_evaluation(model, width_px=width_px, height_px=height_px)
    decode = vae_decode_flops(model, width_px=width_px, height_px=height_px)
    return model.text_encoder_flops + s * model.cfg_evaluations * denoise + decode


@dataclass(frozen=True, slots=True)
class ImageServingEstimate:
    """Time, throughput, memory and cost of one image model on one accelerator (per GPU)."""

    model_id: str
    accelerator_id: str
    precision: Precision
    width_px: int
    height_px: int
    steps: int
    batch: int
    cfg_evaluations: int
    compute_efficiency: float
    flops_per_image: float
    step_compute_s: float  # one step for the whole batch, compute-bound
    step_memory_floor_s: float  # one read of the denoiser weights at peak bandwidth
    step_bound: str  # "compute" or "memory"
    seconds_per_image: float
    seconds_per_image_low: float  # at the high efficiency
    seconds_per_image_high: float  # at the low efficiency
    weights_gib: float
    activations_gib: float
    usable_memory_gib: float
    fits: bool

    @property
    def images_per_hour_per_gpu(self) -> float:
        return 3600.0 / self.seconds_per_image

    @property
    def images_per_hour_per_gpu_low(self) -> float:
        return 3600.0 / self.seconds_per_image_high

    @property
    def images_per_hour_per_gpu_high(self) -> float:
        return 3600.0 / self.seconds_per_image_low

    @property
    def memory_needed_gib(self) -> float:
        return self.weights_gib + self.activations_gib

    def usd_per_thousand_images(self, usd_per_gpu_hour: float) -> float:
        """Cost of 1,000 images at ``usd_per_gpu_hour`` (central efficiency)."""
        price = check_positive(usd_per_gpu_hour, "usd_per_gpu_hour", upper=1e4)
        return price * 1000.0 / self.images_per_hour_per_gpu

    def usd_per_thousand_images_band(self, usd_per_gpu_hour: float) -> tuple[float, float, float]:
        """``(low, central, high)`` cost of 1,000 images across the efficiency band."""
        price = check_positive(usd_per_gpu_hour, "usd_per_gpu_hour", upper=1e4)
        per_image_hours = (
            self.seconds_per_image_low / 3600.0,
            self.seconds_per_image / 3600.0,
            self.seconds_per_image_high / 3600.0,
        )
        low, central, high = (price * 1000.0 * h for h in per_image_hours)
        return low, central, high


def default_image_precision(accelerator: Accelerator) -> Precision:
    """fp16 where the chip publishes a rate for it, else bf16 (fails if neither)."""
    if accelerator.supports(Precision.FP16):
        return Precision.FP16
    accelerator.peak(Precision.BF16)
    return Precision.BF16


def _seconds_per_image(
    model: ImageModel,
    accelerator: Accelerator,
    precision: Precision,
    *,
    denoise_flops: float,
    decode_flops: float,
    steps: int,
    batch: int,
    efficiency: float,
) -> tuple[float, float, float]:
    """(seconds per image, step compute seconds, step memory-floor seconds)."""
    rate = accelerator.peak(precision) * efficiency
    byte_rate = accelerator.memory_bw_gb_per_s * 1e9
    denoiser_bytes = model.denoiser_weights_gib_fp16 * GIB * precision.bytes_per_value / 2.0
    step_compute = batch * model.cfg_evaluations * denoise_flops / rate
    step_memory = denoiser_bytes / byte_rate
    per_batch = (
        batch * model.text_encoder_flops / rate
        + steps * max(step_compute, step_memory)
        + batch * decode_flops / rate
    )
    return per_batch / batch, step_compute, step_memory


def estimate_image_serving(
    model: ImageModel,
    accelerator: Accelerator,
    *,
    width_px: int,
    height_px: int,
    steps: int | None = None,
    batch: int = 1,
    precision: Precision | None = None,
    compute_efficiency: float = DEFAULT_IMAGE_COMPUTE_EFFICIENCY,
) -> ImageServingEstimate:
    """Seconds per image, images per GPU-hour and whether it fits (module docstring)."""
    s = _steps(model, steps)
    b = _whole(batch, "batch", MAX_BATCH)
    eff = _efficiency(compute_efficiency, "compute efficiency")
    precision = precision or default_image_precision(accelerator)
    accelerator.peak(precision)  # fails early, naming the precisions the chip has
    denoise = denoiser_flops_per_evaluation(model, width_px=width_px, height_px=height_px)
    decode = vae_decode_flops(model, width_px=width_px, height_px=height_px)

    def at(efficiency: float) -> tuple[float, float, float]:
        return _seconds_per_image(
            model,
            accelerator,
            precision,
            denoise_flops=denoise,
            decode_flops=decode,
            steps=s,
            batch=b,
            efficiency=efficiency,
        )

    central, step_compute, step_memory = at(eff)
    fast = at(min(1.0, eff * (1 + EFFICIENCY_RELATIVE_BAND)))[0]
    slow = at(eff * (1 - EFFICIENCY_RELATIVE_BAND))[0]
    weights = model.weights_gib_fp16 * precision.bytes_per_value / 2.0
    activations = b * width_px * height_px * ACTIVATION_BYTES_PER_PIXEL / GIB
    usable = accelerator.memory_gib * USABLE_MEMORY_FRACTION
    return ImageServingEstimate(
        model_id=model.id,
        accelerator_id=accelerator.id,
        precision=precision,
        width_px=width_px,
        height_px=height_px,
        steps=s,
        batch=b,
        cfg_evaluations=model.cfg_evaluations,
        compute_efficiency=eff,
        flops_per_image=image_flops(model, width_px=width_px, height_px=height_px, steps=s),
        step_compute_s=step_compute,
        step_memory_floor_s=step_memory,
        step_bound="compute" if step_compute >= step_memory else "memory",
        seconds_per_image=central,
        seconds_per_image_low=fast,
        seconds_per_image_high=slow,
        weights_gib=weights,
        activations_gib=activations,
        usable_memory_gib=usable,
        fits=weights + activations <= usable,
    )


# --- offline embedding jobs -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EmbeddingJobEstimate:
    """GPU-hours (with a band) for embedding ``tokens`` tokens with an ``params``-parameter model."""

    params: float
    tokens: float
    accelerator_id: str
    precision: Precision
    efficiency: float
    flops: float
    gpu_hours: float
    gpu_hours_low: float  # at the high efficiency
    gpu_hours_high: float  # at the low efficiency

    def cost_usd(self, usd_per_gpu_hour: float) -> float:
        """Cost of the job at ``usd_per_gpu_hour`` (central)."""
        return check_positive(usd_per_gpu_hour, "usd_per_gpu_hour", upper=1e4) * self.gpu_hours


def embedding_flops_per_token(params: float) -> float:
    """``2·N``: forward pass only, one multiply-add per parameter per token."""
    return 2.0 * check_positive(params, "parameters")


def estimate_embedding_job(
    params: float,
    tokens: float,
    accelerator: Accelerator,
    *,
    precision: Precision,
    efficiency: float = DEFAULT_EMBEDDING_EFFICIENCY,
) -> EmbeddingJobEstimate:
    """GPU-hours of a compute-bound batch embedding job: ``2·N·tokens / (peak·e) / 3600``."""
    per_token = embedding_flops_per_token(params)
    count = check_positive(tokens, "tokens")
    eff = _efficiency(efficiency, "efficiency")
    peak = accelerator.peak(precision)
    flops = per_token * count

    def hours(e: float) -> float:
        return flops / (peak * e) / 3600.0

    return EmbeddingJobEstimate(
        params=float(params),
        tokens=count,
        accelerator_id=accelerator.id,
        precision=precision,
        efficiency=eff,
        flops=flops,
        gpu_hours=hours(eff),
        gpu_hours_low=hours(min(1.0, eff * (1 + EFFICIENCY_RELATIVE_BAND))),
        gpu_hours_high=hours(eff * (1 - EFFICIENCY_RELATIVE_BAND)),
    )
