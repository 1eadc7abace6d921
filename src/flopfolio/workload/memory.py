"""Memory: weights, training state, activations and the KV cache, in GiB.

Training state per parameter with mixed precision and Adam (Rajbhandari et al. 2020, ZeRO §3):
weights in the compute precision (2 B for bf16), gradients (2 B), and fp32 master weights,
momentum and variance (4 + 4 + 4 B) = 16 B/param. In pure fp32 the seeds' count applies:
4 B weights + 8 B for the two Adam moments = 12 B/param (+4 B gradients = 16 B).

Activations per layer follow Korthikanti et al. 2022 ("Reducing Activation Recomputation in Large
Transformer Models", eq. 2 and §4): ``s·b·h·(34 + 5·a·s/h)`` bytes with 16-bit activations, divided
by the tensor-parallel degree ``t`` when sequence parallelism is on; selective recomputation drops
the ``5·a·s/h`` attention term (as do FlashAttention kernels); full recomputation keeps only each
layer's input, ``2·s·b·h`` bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from flopfolio.errors import InvalidSpecError, unknown_choice
from flopfolio.specs.precision import Precision
from flopfolio.specs.transformer import TransformerSpec
from flopfolio.units import GIB


class Recompute(StrEnum):
    NONE = "none"
    SELECTIVE = "selective"
    FULL = "full"

    @classmethod
    def parse(cls, text: str) -> Recompute:
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise unknown_choice("recomputation", text, (r.value for r in cls)) from None


class Sharding(StrEnum):
    """How data-parallel replicas share training state (ZeRO stages; FSDP full-shard = ZeRO-3)."""

    NONE = "none"
    ZERO1 = "zero1"  # optimizer states
    ZERO2 = "zero2"  # + gradients
    ZERO3 = "zero3"  # + weights
    # ZeRO-3 inside a shard group, replicated across the groups (FSDP's hybrid shard, HSDP):
    # the gathers stay within the group, the gradients all-reduce across groups once per step.
    HSDP = "hsdp"


@dataclass(frozen=True, slots=True)
class TrainingStateBytes:
    """Bytes per parameter for each part of the training state."""

    weights: float
    gradients: float
    optimizer: float  # fp32 master copy (if any) + Adam moments

    @property
    def total(self) -> float:
        return self.weights + self.gradients + self.optimizer


def training_state_bytes(precision: Precision) -> TrainingStateBytes:
    """Adam with mixed precision (fp32 master weights) or in plain fp32."""
    if precision in (Precision.FP32, Precision.TF32):
        return TrainingStateBytes(weights=4.0, gradients=4.0, optimizer=8.0)
    if precision in (Precision.INT8, Precision.INT4):
        raise InvalidSpecError(
            f"Training in {precision.value} is not modelled. To fix: use bf16, fp16, fp8 or fp32."
        )
    # fp8 training (Transformer Engine) keeps bf16 weights and gradients and fp32 master/Adam.
    return TrainingStateBytes(weights=2.0, gradients=2.0, optimizer=12.0)


def weights_gib(params: float, precision: Precision) -> float:
    return params * precision.bytes_per_value / GIB


def activation_bytes_per_layer(
    spec: TransformerSpec,
    micro_batch: int,
    seq_len: int,
    tensor_parallel: int,
    recompute: Recompute,
) -> float:
    """Korthikanti et al. 2022 activation memory for one layer on one GPU (sequence parallel)."""
    s, b, h, t = seq_len, micro_batch, spec.hidden, tensor_parallel
    if recompute is Recompute.FULL:
        return 2.0 * s * b * h / t
    per_layer = 34.0 * s * b * h / t
    if recompute is Recompute.NONE:
        per_layer += 5.0 * spec.heads * s * s * b / t
    return per_layer


def kv_cache_bytes_per_token(spec: TransformerSpec, precision: Precision) -> float:
    """K and V for every layer: ``2·L·kv_heads·head_dim`` values (GQA/MQA-aware; MLA caches the
    compressed latent plus the rope key, ``L·(kv_lora_rank + qk_rope_head_dim)``)."""
    if not spec.has_shape:
        raise InvalidSpecError(
            "The KV cache needs the model's shape. To fix: use --model PRESET or give --layers, "
            "--hidden, --heads and --kv-heads."
        )
    if spec.mla is not None:
        values = spec.layers * (spec.mla.kv_lora_rank + spec.mla.qk_rope_head_dim)
    else:
        values = 2 * spec.layers * spec.kv_head_count * spec.head_size
    return values * precision.bytes_per_value
