"""LiteLLM's ``model_prices_and_context_window.json`` -> hosted-API prices (chat models)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from flopfolio.catalog.api_prices import ApiPrice
from flopfolio.catalog.importers import read_json_object


@dataclass
class LiteLLMImport:
    prices: list[ApiPrice] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (model, reason)
    skipped_other_modes: int = 0


def import_litellm_json(path: Path | str, *, as_of: dt.date | None = None) -> LiteLLMImport:
    """Chat models with both token prices; others are counted (non-chat) or rejected (no price)."""
    path = Path(path)
    data = read_json_object(path, "a LiteLLM price map")
    date = as_of or dt.date.today()
    result = LiteLLMImport()
    for model, entry in data.items():
        if model == "sample_spec" or not isinstance(entry, dict):
            continue
        if entry.get("mode") != "chat":
            result.skipped_other_modes += 1
            continue
        inp, out = entry.get("input_cost_per_token"), entry.get("output_cost_per_token")
        if not isinstance(inp, int | float) or not isinstance(out, int | float):
            result.rejected.append((model, "no numeric input/output price per token"))
            continue
        if inp < 0 or out < 0 or inp > 1e-2 or out > 1e-2:
            result.rejected.append((model, f"implausible price per token ({inp}, {out})"))
            continue
        max_in = entry.get("max_input_tokens")
        result.prices.append(ApiPrice(
            model=model,
            provider=str(entry.get("litellm_provider", "")),
            usd_per_million_input_tokens=round(inp * 1e6, 6),
            usd_per_million_output_tokens=round(out * 1e6, 6),
            max_input_tokens=int(max_in) if isinstance(max_in, int | float) else None,
            source=f"LiteLLM model_prices_and_context_window.json ({path.name}, MIT licence)",
            as_of=date,
            origin=f"litellm:{path}",
        ))  # fmt: skip
    return result
