"""Parameter counts from shape against published counts."""

import pytest
from hypothesis import given

from flopfolio.catalog.catalog import Catalog
from flopfolio.errors import InvalidSpecError
from flopfolio.specs.transformer import Attention, MLAShape, TransformerSpec
from tests.strategies import transformer_specs


def test_every_preset_shape_matches_its_published_count(catalog: Catalog) -> None:
    checked = 0
    for preset in catalog.presets.values():
        if not preset.spec.has_shape:
            continue
        assert preset.spec.params == pytest.approx(preset.params_published, rel=0.02), preset.id
        if preset.active_params_published:
            assert preset.spec.active_params == pytest.approx(
                preset.active_params_published, rel=0.02
            )
        checked += 1
    assert checked >= 25


def test_llama2_70b_by_hand() -> None:
    spec = TransformerSpec(
        name="l2", layers=80, hidden=8192, heads=64, kv_heads=8, ffn_hidden=28672, vocab=32000
    )
    attn = 8192 * 8192 * 2 + 2 * 8192 * 1024
    ffn = 3 * 8192 * 28672
    by_hand = 80 * (attn + ffn + 2 * 8192) + 2 * 32000 * 8192 + 8192
    assert spec.params == by_hand
    assert spec.attention is Attention.GQA


def test_deepseek_v3_mla_moe() -> None:
    # DeepSeek-V3 technical report: 671B total, 37B activated (main model, no MTP module).
    spec = TransformerSpec(
        name="dsv3", layers=61, hidden=7168, heads=128, ffn_hidden=18432, moe_ffn_hidden=2048,
        vocab=129280, experts=256, experts_active=8, shared_experts=1, dense_layers=3,
        mla=MLAShape(1536, 512, 128, 64, 128),
    )  # fmt: skip
    assert spec.params == pytest.approx(671e9, rel=0.01)
    assert spec.active_params == pytest.approx(37e9, rel=0.02)
    assert spec.attention is Attention.MLA


@pytest.mark.parametrize(
    "kwargs",
    [
        {"layers": 0},  # no layers
        {"heads": 5, "kv_heads": 2},  # heads not a multiple of kv heads
        {"experts": 8, "experts_active": 9},  # more active experts than experts
        {"vocab": -1},  # negative
    ],
)
def test_bad_shapes_are_rejected(kwargs: dict[str, int]) -> None:
    base = {"layers": 2, "hidden": 64, "heads": 4, "ffn_hidden": 256, "vocab": 100}
    with pytest.raises(InvalidSpecError):
        TransformerSpec(name="bad", **{**base, **kwargs})


def test_active_cannot_exceed_total() -> None:
    with pytest.raises(InvalidSpecError):
        TransformerSpec.from_params(7e9, 8e9)


@given(transformer_specs())
def test_param_count_properties(spec: TransformerSpec) -> None:
    # Positive, at least the attention+FFN matmuls, and the matmul count is below the total.
    assert spec.params > spec.layers * spec.hidden * spec.hidden
    assert spec.matmul_params_active <= spec.params
    assert spec.active_params == spec.params  # dense
