"""A first split of a training run across GPUs: tensor parallel inside a node, data parallel
across, ZeRO sharding of the training state, activation recomputation.

The full parallelism model (pipeline, sequence/context, expert parallel, communication) belongs to
a later module; this one answers "does it fit, and with what memory per GPU" the way a practitioner
would first configure the run: the least intrusive option that fits, in this order of preference:
selective recomputation before full; ZeRO-1 (the distributed optimizer every modern trainer uses)
before ZeRO-3/FSDP; the smallest tensor-parallel degree.
"""

from __future__ import annotations

from dataclasses import dataclass

from flopfolio.units import GIB
from flopfolio.workload.memory import (
    Recompute,
    Sharding,
    activation_bytes_per_layer,
    training_state_bytes,
)
from flopfolio.workload.precision import Precision
from flopfolio.workload.transformer import TransformerSpec

# CUDA context, communication buffers and allocator fragmentation: a flat allowance per GPU.
FRAMEWORK_OVERHEAD_GIB = 2.0
# Usable share of device memory before the allocator fails in practice.
USABLE_MEMORY_FRACTION = 0.95


@dataclass(frozen=True, slots=True)
class MemoryBreakdown:
    weights_gib: float
    gradients_gib: float
    optimizer_gib: float
    activations_gib: float
    overhead_gib: float

    @property
    def total_gib(self) -> float:
        return (
            self.weights_gib + self.gradients_gib + self.optimizer_gib
            + self.activations_gib + self.overhead_gib
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Layout:
    gpus: int
    tensor_parallel: int
    data_parallel: int
    sharding: Sharding
    recompute: Recompute
    micro_batch: int
    seq_len: int
    memory: MemoryBreakdown
    fits: bool


def training_memory(
    spec: TransformerSpec,
    precision: Precision,
    gpus: int,
    tensor_parallel: int,
    sharding: Sharding,
    recompute: Recompute,
    micro_batch: int,
    seq_len: int,
) -> MemoryBreakdown:
    """Memory per GPU for one configuration."""
    t = tensor_parallel
    d = max(1, gpus // t)
    state = training_state_bytes(precision)
    params_per_gpu = spec.params / t
    weights = params_per_gpu * state.weights / (d if sharding is Sharding.ZERO3 else 1)
    grads = (
        params_per_gpu
        * state.gradients
        / (d if sharding in (Sharding.ZERO2, Sharding.ZERO3) else 1)
    )
    optim = params_per_gpu * state.optimizer / (d if sharding is not Sharding.NONE else 1)
    if spec.has_shape:
        per_layer = activation_bytes_per_layer(spec, micro_batch, seq_len, t, recompute)
        # + the logits in fp32 for the loss (s·b·V·4 bytes, split across t)
        activations = spec.layers * per_layer + 4.0 * seq_len * micro_batch * spec.vocab / t
    else:
        # Without a shape, assume the activations of a typical transformer of that size:
        # ~ 2% of the bf16 weights per sequence (order of magnitude only; say so).
        activations = 0.02 * 2.0 * spec.params / t * micro_batch
    return MemoryBreakdown(
        weights_gib=weights / GIB,
        gradients_gib=grads / GIB,
        optimizer_gib=optim / GIB,
        activations_gib=activations / GIB,
        overhead_gib=FRAMEWORK_OVERHEAD_GIB,
    )


def _tensor_parallel_options(spec: TransformerSpec, gpus: int, node_size: int) -> list[int]:
    options = []
    t = 1
    while t <= min(gpus, max(node_size, 1)):
        if gpus % t == 0 and (not spec.has_shape or spec.heads % t == 0):
            options.append(t)
        t *= 2
    return options or [1]


def choose_layout(
    spec: TransformerSpec,
    precision: Precision,
    gpus: int,
    memory_gib: float,
    node_size: int,
    micro_batch: int = 1,
    seq_len: int | None = None,
) -> Layout:
    """The preferred configuration that fits; if none does, the one that needs the least memory."""
    seq = seq_len or spec.seq_len
    usable = memory_gib * USABLE_MEMORY_FRACTION
    best: Layout | None = None
    for recompute in (Recompute.SELECTIVE, Recompute.FULL):
        for sharding in (Sharding.ZERO1, Sharding.ZERO3):
            for t in _tensor_parallel_options(spec, gpus, node_size):
                mem = training_memory(
                    spec, precision, gpus, t, sharding, recompute, micro_batch, seq
                )
                layout = Layout(
                    gpus,
                    t,
                    gpus // t,
                    sharding,
                    recompute,
                    micro_batch,
                    seq,
                    mem,
                    mem.total_gib <= usable,
                )
                if layout.fits:
                    return layout
                if best is None or mem.total_gib < best.memory.total_gib:
                    best = layout
    if best is None:  # unreachable: the loops run at least once
        raise RuntimeError("no layout was evaluated")
    return best


def fewest_gpus_that_fit(
    spec: TransformerSpec,
    precision: Precision,
    memory_gib: float,
    node_size: int,
    limit: int = 1 << 17,
) -> int:
    """Smallest power-of-two GPU count whose preferred layout fits (``limit`` if none does)."""
    gpus = 1
    while gpus < limit:
        if choose_layout(spec, precision, gpus, memory_gib, node_size).fits:
            return gpus
        gpus *= 2
    return limit
