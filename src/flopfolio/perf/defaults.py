"""What a run looks like when the user does not say: cluster size, global batch, sequence length."""

from __future__ import annotations

import math

from flopfolio.catalog.accelerators import Accelerator
from flopfolio.specs.precision import Precision
from flopfolio.specs.transformer import TransformerSpec
from flopfolio.workload.flops import napkin_training_flops

# Pre-training runs are usually sized to finish in about a month (LLaMA-65B: 21 days on 2,048;
# Llama 3 405B: ~54 days on 16,384; BLOOM: 118 days on 384).
TARGET_WALL_DAYS = 30.0
NAPKIN_MFU = 0.40
MAX_DEFAULT_GPUS = 16_384
# LLaMA and Llama 2 used 4M-token batches; GPT-3 175B 3.2M; smaller models use less.
LARGE_MODEL_BATCH_TOKENS = 4 * 2**20
SMALL_MODEL_BATCH_TOKENS = 2 * 2**20
SMALL_MODEL_PARAMS = 5e9
# Presets carry the longest context a model accepts; pre-training mostly runs shorter sequences.
TRAINING_SEQ_CAP = 8192


def default_global_batch_tokens(params: float) -> float:
    return float(
        LARGE_MODEL_BATCH_TOKENS if params >= SMALL_MODEL_PARAMS else SMALL_MODEL_BATCH_TOKENS
    )


def default_seq_len(spec: TransformerSpec) -> int:
    return min(spec.seq_len, TRAINING_SEQ_CAP)


def default_gpus(
    spec: TransformerSpec, tokens: float, acc: Accelerator, precision: Precision
) -> int:
    """The power of two nearest to finishing the napkin estimate in :data:`TARGET_WALL_DAYS`."""
    hours = (
        napkin_training_flops(spec.active_params, tokens)
        / (acc.peak(precision) * NAPKIN_MFU)
        / 3600
    )
    wanted = hours / (TARGET_WALL_DAYS * 24)
    return int(min(MAX_DEFAULT_GPUS, 2 ** max(0, round(math.log2(max(wanted, 1.0))))))
