"""Hypothesis strategies shared by the property tests."""

from __future__ import annotations

from hypothesis import strategies as st

from flopfolio.specs.transformer import FeedForward, TransformerSpec


@st.composite
def transformer_specs(draw: st.DrawFn) -> TransformerSpec:
    """Plausible dense decoder shapes, from tiny to frontier-sized."""
    kv_heads = draw(st.sampled_from([1, 2, 4, 8, 16]))
    groups = draw(st.integers(1, 8))
    heads = kv_heads * groups
    head_dim = draw(st.sampled_from([64, 80, 128]))
    hidden = heads * head_dim
    return TransformerSpec(
        name="generated",
        layers=draw(st.integers(2, 128)),
        hidden=hidden,
        heads=heads,
        kv_heads=kv_heads,
        ffn_hidden=draw(st.integers(2, 5)) * hidden,
        feed_forward=draw(st.sampled_from(list(FeedForward))),
        vocab=draw(st.sampled_from([32000, 50257, 128256])),
        seq_len=draw(st.sampled_from([1024, 2048, 4096, 8192])),
    )


param_counts = st.floats(min_value=1e7, max_value=2e12, allow_nan=False)
token_counts = st.floats(min_value=1e6, max_value=3e13, allow_nan=False)
