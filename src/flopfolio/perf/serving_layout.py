"""How a serving replica's GPUs split a model (:class:`ReplicaLayout`: tensor and pipeline
parallel, or attention data parallel for MoE), what each layout stores, and the time of its
collectives. The step that uses them is :mod:`flopfolio.perf.inference`'s."""

from __future__ import annotations

import math
from dataclasses import dataclass

from flopfolio.catalog.accelerators import Accelerator
from flopfolio.errors import InvalidSpecError
from flopfolio.perf.kernels import FALLBACK_INTRA_GB_PER_S, FALLBACK_SCALE_OUT_GB_PER_S
from flopfolio.specs.transformer import TransformerSpec


@dataclass(frozen=True, slots=True)
class ReplicaLayout:
    """How a replica's GPUs split the model: tensor parallel ``tensor`` inside a node, pipeline
    ``pipeline`` across nodes, or, for MoE, attention data parallel: ``attention_data`` ranks
    each keep the attention and dense weights whole and their own sequences' KV cache, and the
    routed experts spread over all of them (expert parallel, an all-to-all each way)."""

    tensor: int
    pipeline: int
    attention_data: int = 1

    @property
    def gpus(self) -> int:
        return self.tensor * self.pipeline * self.attention_data

    @property
    def attention_dp(self) -> bool:
        return self.attention_data > 1

    def describe(self) -> str:
        if self.attention_dp:
            return f"attention DP {self.attention_data} × EP {self.gpus}"
        return f"TP {self.tensor} × PP {self.pipeline}"

    @classmethod
    def for_gpus(
        cls, gpus: int, acc: Accelerator, spec: TransformerSpec, *, attention_dp: bool = False
    ) -> ReplicaLayout:
        """Tensor parallel inside a node (the largest power of two dividing the heads), pipeline
        across nodes; or attention data parallel over all ``gpus`` (MoE only)."""
        if attention_dp:
            if not (spec.has_shape and spec.experts):
                what = "is dense" if spec.has_shape else "has no shape"
                raise InvalidSpecError(
                    f"attention data parallelism needs a mixture-of-experts model with its "
                    f"shape; {spec.name} {what}. To fix: drop --attention-dp (a dense model "
                    "serves more replicas instead)."
                )
            return cls(1, 1, gpus)
        tensor = 1
        while (
            tensor * 2 <= min(gpus, acc.node_size)
            and gpus % (tensor * 2) == 0
            and (not spec.has_shape or spec.heads % (tensor * 2) == 0)
        ):
            tensor *= 2
        return cls(tensor, gpus // tensor)

    def stored_params(self, spec: TransformerSpec) -> float:
        """Parameters the replica holds: each attention-data-parallel rank keeps its own copy of
        everything but the routed experts."""
        return spec.params + (self.attention_data - 1) * spec.non_routed_params

    def rank_imbalance(self, sequences: float) -> float:
        """The busiest attention rank's share of the attention work over the mean: sequences are
        whole, so one prompt's prefill runs on one rank while the others wait."""
        ranks = self.attention_data
        if ranks == 1 or sequences <= 0:
            return 1.0
        return ranks * math.ceil(sequences / ranks - 1e-9) / max(sequences, 1.0)

    def kv_copies(self, spec: TransformerSpec) -> float:
        """How many times the KV cache is held (:func:`kv_replication` of the tensor ranks)."""
        return kv_replication(spec, self.tensor)


def ring_all_reduce_s(acc: Accelerator, volume: float, group: int) -> float:
    if group <= 1:
        return 0.0
    return (
        2.0
        * (group - 1)
        / group
        * volume
        / ((acc.intra_node_gb_per_s or FALLBACK_INTRA_GB_PER_S) * 1e9)
    )


def all_to_all_s(acc: Accelerator, per_gpu_bytes: float, layout: ReplicaLayout) -> float:
    """One all-to-all of ``per_gpu_bytes`` from each GPU spread evenly over the replica's: the
    share for peers inside the node over its link, under attention data parallelism across
    nodes the rest over the scale-out network at the same time (a tensor-parallel replica's
    experts sit inside its pipeline stages' nodes)."""
    gpus = layout.gpus
    intra = (acc.intra_node_gb_per_s or FALLBACK_INTRA_GB_PER_S) * 1e9
    local = min(gpus, acc.node_size) if layout.attention_dp else gpus
    inside_s = per_gpu_bytes * (local - 1) / gpus / intra
    if local == gpus:
        return inside_s
    scale_out = (acc.scale_out_gb_per_s or FALLBACK_SCALE_OUT_GB_PER_S) * 1e9
    return max(inside_s, per_gpu_bytes * (gpus - local) / gpus / scale_out)


def kv_replication(spec: TransformerSpec, tensor: int) -> float:
    """How many times the KV cache is held: with more tensor-parallel ranks than KV heads, each
    rank keeps a copy of the head it needs. MLA's latent is one head every query head reads, so
    each tensor-parallel rank holds all of it (the copies attention data parallelism avoids)."""
    if not spec.has_shape:
        return 1.0
    if spec.mla is not None:
        return float(tensor)
    return max(tensor, spec.kv_head_count) / spec.kv_head_count
