"""Fine-tuning memory, LoRA parameter counts, FLOPs and distillation, against hand calculations
and published figures (each cited where it is used)."""

import pytest

from flopfolio.catalog.catalog import Catalog
from flopfolio.errors import InvalidSpecError
from flopfolio.specs.precision import Precision
from flopfolio.specs.transformer import FeedForward, TransformerSpec
from flopfolio.units import GIB
from flopfolio.workload.finetune import (
    NF4_BITS_PER_PARAM,
    FinetuneMethod,
    LoraConfig,
    LoraTarget,
    TeacherLogits,
    distillation_cost,
    finetune_flops,
    finetune_memory_gib,
    fits_on,
    linear_weight_params,
    logit_storage_bytes,
    lora_params,
)
from flopfolio.workload.flops import attention_flops_per_token_forward, inference_flops_per_token

QLORA, LORA, FULL = FinetuneMethod.QLORA, FinetuneMethod.LORA, FinetuneMethod.FULL


def gb(gib: float) -> float:
    """GiB -> decimal GB, for figures published in GB."""
    return gib * GIB / 1e9


# --- LoRA parameter counts ---------------------------------------------------------------------
def test_peft_llama2_7b_rank8_qv_figure(catalog: Catalog) -> None:
    # Hugging Face PEFT's print_trainable_parameters() for Llama-2-7b with r=8 on q_proj and
    # v_proj (PEFT's default targets for Llama): "trainable params: 4,194,304 || all params:
    # 6,742,609,920". By hand: 32 layers × 2 matrices × 8 × (4096 + 4096).
    spec = catalog.preset("llama-2-7b").spec
    lora = LoraConfig(rank=8, target=LoraTarget.QV)
    assert lora_params(spec, lora) == 32 * 2 * 8 * (4096 + 4096) == 4_194_304
    assert spec.params + lora_params(spec, lora) == 6_742_609_920


def test_gqa_widths_and_all_linear_by_hand(catalog: Catalog) -> None:
    # Llama 2 70B: h = 8192, 8 KV heads × 128 = 1024-wide k and v, FFN 28672, 80 layers.
    spec = catalog.preset("llama-2-70b").spec
    attention = (8192 + 8192) + 2 * (8192 + 1024) + (8192 + 8192)
    mlp = 3 * (8192 + 28672)
    assert (
        lora_params(spec, LoraConfig(rank=16, target=LoraTarget.ATTENTION)) == 80 * 16 * attention
    )
    assert lora_params(spec, LoraConfig(rank=16, target=LoraTarget.ALL_LINEAR)) == 80 * 16 * (
        attention + mlp
    )
    # A dense model has no experts: attention+mlp and all-linear are the same matrices.
    assert lora_params(spec, LoraConfig(target=LoraTarget.ALL_LINEAR)) == lora_params(
        spec, LoraConfig(target=LoraTarget.ATTENTION_MLP)
    )


def test_plain_mlp_has_two_matrices() -> None:
    spec = TransformerSpec(
        layers=2, hidden=64, heads=4, ffn_hidden=256, vocab=100, feed_forward=FeedForward.MLP
    )
    # Per layer: q, k, v, o at 64+64, then up 64+256 and down 256+64; rank 2.
    assert lora_params(spec, LoraConfig(rank=2)) == 2 * 2 * (4 * 128 + 2 * 320)


def test_routed_experts_only_with_all_linear() -> None:
    moe = TransformerSpec(
        layers=2, hidden=64, heads=4, vocab=100, experts=4, experts_active=2, moe_ffn_hidden=32
    )
    attention = 4 * (64 + 64)
    experts = 4 * 3 * (64 + 32)  # four gated experts of width 32
    router = 64 + 4
    assert lora_params(moe, LoraConfig(rank=1, target=LoraTarget.ATTENTION_MLP)) == 2 * attention
    assert lora_params(moe, LoraConfig(rank=1, target=LoraTarget.ALL_LINEAR)) == 2 * (
        attention + experts + router
    )
    # A token passes through 2 of the 4 experts: half the routed adapters are active.
    assert lora_params(
        moe, LoraConfig(rank=1, target=LoraTarget.ALL_LINEAR), active_only=True
    ) == 2 * (attention + experts / 2 + router)


def test_linear_weights_exclude_embeddings_and_norms(catalog: Catalog) -> None:
    spec = catalog.preset("llama-2-7b").spec
    per_layer = 4 * 4096**2 + 3 * 4096 * 11008
    assert linear_weight_params(spec) == 32 * per_layer == 6_476_005_376
    assert spec.params - linear_weight_params(spec) == 2 * 32000 * 4096 + 65 * 4096


# --- QLoRA memory against the QLoRA paper ------------------------------------------------------
def test_double_quantization_bits() -> None:
    # Dettmers et al. 2023 §3 (Double Quantization): 8/64 + 32/(64·256) = 0.127 bits per
    # parameter of quantization constants, on top of the 4-bit NF4 value.
    constant_bits = NF4_BITS_PER_PARAM - 4
    assert constant_bits == pytest.approx(0.127, abs=5e-4)


def test_qlora_frozen_weights_by_hand(catalog: Catalog) -> None:
    spec = catalog.preset("llama-2-7b").spec
    mem = finetune_memory_gib(spec, QLORA, seq_len=512)
    linear = 6_476_005_376
    expected = linear * NF4_BITS_PER_PARAM / 8 + (spec.params - linear) * 2
    assert mem.frozen_weights_gib * GIB == pytest.approx(expected)
    # LoRA keeps the same base in bf16.
    assert finetune_memory_gib(spec, LORA, seq_len=512).frozen_weights_gib * GIB == pytest.approx(
        spec.params * 2
    )


def test_qlora_paper_65b_on_one_48gb_gpu(catalog: Catalog) -> None:
    # Dettmers et al. 2023 (abstract): QLoRA "reduces memory usage enough to finetune a 65B
    # parameter model on a single 48GB GPU". Their setting (artidoro/qlora
    # scripts/finetune_guanaco_65b.sh and §4): LoRA r=64 on all linear layers, NF4 + double
    # quantization, gradient checkpointing; Figure 6 measures batch 1 at sequence length 512.
    spec = catalog.preset("llama-65b").spec
    a6000 = catalog.accelerator("RTX-A6000")  # 48 GB
    lora = LoraConfig(rank=64, target=LoraTarget.ALL_LINEAR)
    qlora = finetune_memory_gib(spec, QLORA, lora=lora, seq_len=512, micro_batch=1)
    assert qlora.total_gib < 48
    assert qlora.fits(a6000.memory_gib)
    assert fits_on(spec, QLORA, a6000, lora=lora, seq_len=512).one_gpu
    # ... while regular 16-bit fine-tuning needs "more than 780 GB of GPU memory" (§1).
    full = finetune_memory_gib(spec, FULL, seq_len=512)
    assert not full.fits(a6000.memory_gib)
    assert gb(full.total_gib) > 780


def test_adapter_state_bytes() -> None:
    # bf16 adapters (the QLoRA reference code) with fp32 Adam moments: 2 + 2 + 8 = 12 B/param;
    # fp32 adapters (PEFT's default dtype after prepare_model_for_kbit_training): 16 B/param.
    assert LoraConfig().state_bytes_per_param == 12
    assert LoraConfig(adapter_precision=Precision.FP32).state_bytes_per_param == 16


# --- LoRA / QLoRA memory for Llama 2 7B, 13B, 70B against published figures ----------------------
def test_torchtune_llama2_7b_lora_and_qlora(catalog: Catalog) -> None:
    # torchtune "Finetuning Llama2 with QLoRA" tutorial (docs/source/tutorials/qlora_finetune.rst):
    # Llama2-7B, batch 2 of Alpaca, activation checkpointing, rank 8: LoRA peak memory reserved in
    # training 15.57 GB (torchtune logs GiB), and QLoRA "reduces peak memory by ... about 40%
    # during model training". Alpaca batches are short; we take 1,024 tokens as the longest.
    spec = catalog.preset("llama-2-7b").spec
    lora = LoraConfig(rank=8)
    args = {"lora": lora, "seq_len": 1024, "micro_batch": 2}
    lora_mem = finetune_memory_gib(spec, LORA, **args)  # type: ignore[arg-type]
    qlora_mem = finetune_memory_gib(spec, QLORA, **args)  # type: ignore[arg-type]
    assert lora_mem.total_gib == pytest.approx(15.57, rel=0.15)
    assert 1 - qlora_mem.total_gib / lora_mem.total_gib >= 0.40
    assert qlora_mem.total_gib < 9.29  # the tutorial's QLoRA peak (which includes loading)


# LLaMA-Factory README, "Hardware Requirement" (*estimated*), LoRA (16-bit) and QLoRA (4-bit) at
# its defaults (rank 8 on all linear layers, cutoff_len 2048, batch 1). The 13B column is from the
# 2024 README (later versions relabel it 14B with the same figures). Tolerance ±20%.
LLAMA_FACTORY = [
    ("llama-2-7b", LORA, 16),  # 7B LoRA 16 GB
    ("llama-2-7b", QLORA, 6),  # 7B QLoRA-4 6 GB
    ("llama-2-13b", LORA, 32),  # 13B LoRA 32 GB
    ("llama-2-13b", QLORA, 12),  # 13B QLoRA-4 12 GB
    ("llama-2-70b", LORA, 160),  # 70B LoRA 160 GB
    ("llama-2-70b", QLORA, 48),  # 70B QLoRA-4 48 GB
]


@pytest.mark.parametrize(("preset", "method", "published_gb"), LLAMA_FACTORY)
def test_llama_factory_hardware_table(
    catalog: Catalog, preset: str, method: FinetuneMethod, published_gb: float
) -> None:
    mem = finetune_memory_gib(
        catalog.preset(preset).spec, method, lora=LoraConfig(rank=8, target=LoraTarget.ALL_LINEAR),
        seq_len=2048,
    )  # fmt: skip
    assert gb(mem.total_gib) == pytest.approx(published_gb, rel=0.20)


def test_axolotl_llama2_qlora_fits_a_24gb_card(catalog: Catalog) -> None:
    # axolotl examples/llama-2/README.md: "The 7b variant fits on any 24GB VRAM GPU" with
    # qlora.yml (sequence_len 4096 packed and padded, micro_batch_size 2, lora_r 32 on all linear
    # layers, gradient checkpointing), and "the 13b variant will fit" with micro_batch_size 1.
    rtx4090 = catalog.accelerator("RTX-4090")
    lora = LoraConfig(rank=32, target=LoraTarget.ALL_LINEAR)
    for preset, micro_batch in (("llama-2-7b", 2), ("llama-2-13b", 1)):
        spec = catalog.preset(preset).spec
        answer = fits_on(spec, QLORA, rtx4090, lora=lora, seq_len=4096, micro_batch=micro_batch)
        assert answer.one_gpu, preset
    # The 13B as a bf16 LoRA does not: its frozen weights alone are 26 GB.
    spec = catalog.preset("llama-2-13b").spec
    assert not fits_on(spec, LORA, rtx4090, lora=lora, seq_len=4096).one_gpu


def test_ms_swift_llama2_70b_qlora_on_two_3090s(catalog: Catalog) -> None:
    # ms-swift examples/pytorch/llm/scripts/llama2_70b_chat/qlora_mp/sft.sh: "2 * 3090,
    # 2 * 23GB GPU memory" for Llama-2-70b-chat QLoRA, max_length 2048, lora_rank 8 on q_proj and
    # v_proj, gradient checkpointing, batch 1. Our two-way sharding: within ±20% of 23 GiB.
    spec = catalog.preset("llama-2-70b").spec
    mem = finetune_memory_gib(
        spec, QLORA, lora=LoraConfig(rank=8, target=LoraTarget.QV), seq_len=2048, gpus=2
    )
    assert mem.total_gib == pytest.approx(23, rel=0.20)


def test_answer_ai_fsdp_qlora_70b_on_four_a100_40gb(catalog: Catalog) -> None:
    # AnswerDotAI/fsdp_qlora README, "Example: Llama 70B 4-A100 40GB Training": FSDP + QLoRA,
    # batch 2, context 512, gradient checkpointing.
    spec = catalog.preset("llama-2-70b").spec
    mem = finetune_memory_gib(spec, QLORA, seq_len=512, micro_batch=2, gpus=4)
    assert mem.fits(catalog.accelerator("A100-40GB").memory_gib)


def test_llama31_8b_qlora_on_a_4090_full_needs_two_80gb(catalog: Catalog) -> None:
    spec = catalog.preset("llama-3.1-8b").spec
    rtx4090 = catalog.accelerator("RTX-4090")
    qlora = fits_on(spec, QLORA, rtx4090)
    assert qlora.one_gpu and qlora.fewest_gpus == 1
    full = fits_on(spec, FULL, rtx4090)
    assert not full.one_gpu
    # Full bf16 fine-tune: 16 B × 8,030,261,248 = 119.7 GiB of state, more than one 80 GB card
    # (76 GiB usable); halved over two it fits.
    assert 16 * spec.params / GIB > 0.95 * 80
    for name in ("H100", "A100-80GB"):
        answer = fits_on(spec, FULL, catalog.accelerator(name))
        assert answer.fewest_gpus == 2 and answer.one_node, name
        assert "2 ×" in answer.describe()


def test_sharding_divides_state_not_activations(catalog: Catalog) -> None:
    spec = catalog.preset("llama-2-13b").spec
    one = finetune_memory_gib(spec, FULL, seq_len=2048, gpus=1)
    four = finetune_memory_gib(spec, FULL, seq_len=2048, gpus=4)
    assert four.optimizer_gib == pytest.approx(one.optimizer_gib / 4)
    assert four.trainable_weights_gib == pytest.approx(one.trainable_weights_gib / 4)
    assert four.activations_gib == one.activations_gib
    # FSDP holds two layers' unsharded bf16 weights.
    assert four.sharding_buffer_gib * GIB == pytest.approx(2 * spec.params * 2 / 40)
    assert one.sharding_buffer_gib == 0


def test_activations_with_and_without_checkpointing() -> None:
    spec = TransformerSpec(layers=10, hidden=1024, heads=8, ffn_hidden=4096, vocab=1000)
    s, b, h = 512, 2, 1024
    on = finetune_memory_gib(spec, LORA, seq_len=s, micro_batch=b)
    off = finetune_memory_gib(spec, LORA, seq_len=s, micro_batch=b, checkpointing=False)
    # Each layer's input (2·s·b·h) kept, one layer recomputed (34·s·b·h, Korthikanti et al.
    # 2022 with FlashAttention); without checkpointing every layer keeps 34·s·b·h.
    assert on.activations_gib * GIB == 10 * 2 * s * b * h + 34 * s * b * h
    assert off.activations_gib * GIB == 10 * 34 * s * b * h
    assert on.logits_gib * GIB == (2 + 4 + 4) * s * b * 1000  # bf16 + fp32 + fp32 grad


# --- FLOPs -------------------------------------------------------------------------------------
def test_flops_conventions_by_hand(catalog: Catalog) -> None:
    spec = catalog.preset("llama-2-7b").spec
    n, s = spec.matmul_params_active, 2048
    attn = attention_flops_per_token_forward(spec, s / 2)
    lora = LoraConfig(rank=16)
    n_lora = lora_params(spec, lora)
    full = finetune_flops(spec, FULL, 1e9, checkpointing=False, seq_len=s)
    assert full.model_flops_per_token == pytest.approx(6 * n + 3 * attn)
    assert full.hardware_flops == full.model_flops
    adapters = finetune_flops(spec, LORA, 1e9, lora, checkpointing=True, seq_len=s)
    assert adapters.model_flops_per_token == pytest.approx(4 * n + 3 * attn + 6 * n_lora)
    assert adapters.hardware_flops_per_token == pytest.approx(
        adapters.model_flops_per_token + 2 * n + attn + 2 * n_lora
    )
    assert adapters.model_flops == pytest.approx(1e9 * adapters.model_flops_per_token)
    # QLoRA computes what LoRA computes (dequantization is not FLOPs).
    assert finetune_flops(spec, QLORA, 1e9, lora, seq_len=s).model_flops == adapters.model_flops


def test_napkin_flops_without_a_shape() -> None:
    bare = TransformerSpec.from_params(7e9)
    full = finetune_flops(bare, FULL, 1e6, checkpointing=False)
    assert full.model_flops == 6 * 7e9 * 1e6
    lora = finetune_flops(bare, LORA, 1e6, checkpointing=False)
    assert lora.model_flops_per_token == pytest.approx(4 * 7e9 + 6 * lora.lora_params_active)
    assert 0 < lora.lora_params_active < 0.01 * 7e9
    assert "napkin" in lora.convention


# --- distillation ------------------------------------------------------------------------------
def test_teacher_cost_scales_with_epochs_only_on_the_fly(catalog: Catalog) -> None:
    student = catalog.preset("llama-2-7b").spec
    teacher = catalog.preset("llama-2-70b").spec
    per_token = inference_flops_per_token(teacher, 1024).per_token
    stored = [distillation_cost(student, teacher, 1e9, epochs=e) for e in (1, 3)]
    live = [
        distillation_cost(student, teacher, 1e9, epochs=e, logits=TeacherLogits.ON_THE_FLY)
        for e in (1, 3)
    ]
    assert stored[0].teacher_flops == stored[1].teacher_flops == pytest.approx(per_token * 1e9)
    assert live[1].teacher_flops == pytest.approx(3 * live[0].teacher_flops)
    assert live[0].teacher_flops == pytest.approx(stored[0].teacher_flops)
    # The student trains on tokens × epochs either way.
    assert stored[1].student.model_flops == pytest.approx(3 * stored[0].student.model_flops)
    assert live[1].storage_bytes == 0
    assert stored[1].total_model_flops < live[1].total_model_flops


def test_logit_storage_by_hand(catalog: Catalog) -> None:
    student = catalog.preset("llama-2-7b").spec
    teacher = catalog.preset("llama-2-13b").spec
    # Top-64: 1e9 tokens × 64 × (2 B value + 4 B index) = 384 GB, whatever the epochs.
    assert distillation_cost(student, teacher, 1e9, epochs=4).storage_bytes == 1e9 * 64 * 6
    assert logit_storage_bytes(1e9, top_k=64, vocab=32000) == 3.84e11
    # The full vocabulary: 1e9 × 32,000 × 2 B = 64 TB.
    full = distillation_cost(student, teacher, 1e9, top_k=None)
    assert full.storage_bytes == 1e9 * 32000 * 2 == 6.4e13


def test_distillation_errors(catalog: Catalog) -> None:
    student = catalog.preset("llama-2-7b").spec
    other_tokenizer = catalog.preset("llama-3.1-8b").spec
    with pytest.raises(InvalidSpecError, match="To fix"):
        distillation_cost(student, other_tokenizer, 1e9)
    with pytest.raises(InvalidSpecError, match="To fix"):
        distillation_cost(student, TransformerSpec.from_params(7e10), 1e9, top_k=None)
    with pytest.raises(InvalidSpecError):
        distillation_cost(student, student, 1e9, epochs=0)


def test_bad_lora_configs() -> None:
    with pytest.raises(InvalidSpecError, match="To fix"):
        LoraConfig(rank=0)
    with pytest.raises(InvalidSpecError, match="To fix"):
        LoraConfig(target="everything")  # type: ignore[arg-type]
    with pytest.raises(InvalidSpecError, match="To fix"):
        LoraConfig(adapter_precision=Precision.INT4)
    with pytest.raises(InvalidSpecError, match="To fix"):
        finetune_memory_gib(TransformerSpec.from_params(1e9), LORA, seq_len=0)
