"""Writing imported rows into a user catalog directory (same file names and schemas as shipped).

Rows are merged by key: an imported row replaces an earlier one with the same key, everything else
is kept. Files are written to a temporary name and renamed, so a failed import leaves the old file.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import fields
from pathlib import Path

from flopfolio.catalog.api_prices import ApiPrice
from flopfolio.catalog.offers import Offer
from flopfolio.catalog.utilization import FIT_COLUMNS
from flopfolio.specs.transformer import TransformerSpec

OFFER_COLUMNS = (
    "provider", "accelerator_id", "region", "term", "usd_per_gpu_hour", "instance_type",
    "gpus_per_instance", "status", "source", "as_of", "note",
)  # fmt: skip
OFFER_KEY = ("provider", "accelerator_id", "region", "term", "status", "instance_type")
API_COLUMNS = (
    "model", "provider", "usd_per_million_input_tokens", "usd_per_million_output_tokens",
    "max_input_tokens", "source", "as_of",
)  # fmt: skip
MODEL_COLUMNS = (
    "id", "name", "family", "architecture", "params_published", "active_params_published",
    "layers", "hidden", "heads", "kv_heads", "head_dim", "ffn_hidden", "feed_forward", "vocab",
    "seq_len", "tied_embeddings", "learned_positions", "linear_bias", "qkv_bias", "layernorm_bias",
    "experts", "experts_active", "moe_ffn_hidden", "shared_experts", "dense_layers", "q_lora_rank",
    "kv_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim", "source", "as_of", "note",
)  # fmt: skip


def merge_rows(
    path: Path, columns: Sequence[str], key: Sequence[str], new_rows: Iterable[dict[str, str]]
) -> int:
    """Merge ``new_rows`` into the CSV at ``path`` by ``key``; returns the number of rows written."""
    merged: dict[tuple[str, ...], dict[str, str]] = {}
    if path.is_file():
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                merged[tuple(row.get(k, "") for k in key)] = row
    for row in new_rows:
        merged[tuple(row.get(k, "") for k in key)] = row
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
            writer.writeheader()
            writer.writerows(merged.values())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(merged)


def offer_row(offer: Offer) -> dict[str, str]:
    return {
        "provider": offer.provider, "accelerator_id": offer.accelerator_id, "region": offer.region,
        "term": offer.term, "usd_per_gpu_hour": f"{offer.usd_per_gpu_hour:g}",
        "instance_type": offer.instance_type, "gpus_per_instance": str(offer.gpus_per_instance),
        "status": offer.status, "source": offer.source, "as_of": offer.as_of.isoformat(),
        "note": offer.note,
    }  # fmt: skip


def api_price_row(price: ApiPrice) -> dict[str, str]:
    return {
        "model": price.model, "provider": price.provider,
        "usd_per_million_input_tokens": f"{price.usd_per_million_input_tokens:g}",
        "usd_per_million_output_tokens": f"{price.usd_per_million_output_tokens:g}",
        "max_input_tokens": str(price.max_input_tokens or ""), "source": price.source,
        "as_of": price.as_of.isoformat(),
    }  # fmt: skip


def model_row(model_id: str, spec: TransformerSpec, source: str, as_of: str) -> dict[str, str]:
    """A models.csv row for a spec (e.g. one read from a Hugging Face config.json)."""
    row = {
        "id": model_id,
        "name": model_id,
        "family": "",
        "source": source,
        "as_of": as_of,
        "note": "",
    }
    row["architecture"] = "moe" if spec.experts else "dense"
    row["params_published"] = f"{spec.params:.6g}"
    row["active_params_published"] = f"{spec.active_params:.6g}" if spec.experts else ""
    for f in fields(spec):
        value = getattr(spec, f.name)
        if f.name in MODEL_COLUMNS and f.name not in row:
            row[f.name] = str(value).lower() if isinstance(value, bool) else str(value)
    if spec.mla is not None:
        for f in fields(spec.mla):
            row[f.name] = str(getattr(spec.mla, f.name))
    return row


def write_offers(user_dir: Path, offers: Iterable[Offer]) -> int:
    return merge_rows(user_dir / "offers.csv", OFFER_COLUMNS, OFFER_KEY, map(offer_row, offers))


def write_api_prices(user_dir: Path, prices: Iterable[ApiPrice]) -> int:
    return merge_rows(
        user_dir / "api_prices.csv", API_COLUMNS, ("model",), map(api_price_row, prices)
    )


def write_model(user_dir: Path, row: dict[str, str]) -> int:
    return merge_rows(user_dir / "models.csv", MODEL_COLUMNS, ("id",), [row])


def write_utilization_fit(path: Path, values: dict[str, float], source: str, as_of: str) -> int:
    """Write fitted constants (name -> value) as ``utilization_fit.csv`` at ``path``."""
    rows = [
        {"constant": name, "value": f"{value:.6g}", "source": source, "as_of": as_of}
        for name, value in values.items()
    ]
    return merge_rows(path, FIT_COLUMNS, ("constant",), rows)
