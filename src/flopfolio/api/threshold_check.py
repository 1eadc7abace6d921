"""``flopfolio threshold``: does a model — a base run and the fine-tunes on top of it — cross a
regulatory compute threshold? FLOPs come from the user or, when not given, from a run description
(the napkin 6·N·D); dollars from the user. Each threshold row counts the runs its rules count."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flopfolio.catalog.catalog import Catalog, load_catalog
from flopfolio.catalog.thresholds import load_thresholds
from flopfolio.economics.thresholds import ComputeRecord, check_records, cumulative, flops_from_run
from flopfolio.errors import InvalidSpecError
from flopfolio.units import parse_count


def _flops(
    flops: str | float | None, params: str | float | None, tokens: str | float | None, what: str
) -> tuple[float | None, str | None]:
    if flops is not None:
        return parse_count(flops, f"--{what}-flops"), "given"
    if params is not None and tokens is not None:
        n, d = parse_count(params, f"--{what}-params"), parse_count(tokens, f"--{what}-tokens")
        return flops_from_run(n, d), f"6·N·D from {n:.3g} parameters × {d:.3g} tokens"
    return None, None


def _finetune_record(path: Path, index: int) -> ComputeRecord:
    """A fine-tune from a saved ``flopfolio finetune --json`` answer: its model FLOPs and cost."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        flops = float(data["model_flops"])
        cost = data.get("cost_usd")
        name = f"fine-tune {index}: {data['method']} {data['model']}"
        teacher = data.get("teacher")  # distillation: the teacher's forwards count too
        if teacher:
            flops += float(teacher["flops"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InvalidSpecError(
            f"--finetune-result {path}: not a `flopfolio finetune --json` answer ({exc}). "
            "To fix: save one with `flopfolio finetune ... --json > ft.json`."
        ) from None
    usd = float(cost["central"]) if isinstance(cost, dict) else None
    if teacher and usd is not None and isinstance(teacher.get("cost_usd"), dict):
        usd += float(teacher["cost_usd"]["central"])
    return ComputeRecord(name, flops, usd, "distillation" if teacher else "fine-tune")


def check_model(
    *,
    base_flops: str | float | None = None,
    base_cost_usd: str | float | None = None,
    base_params: str | float | None = None,
    base_tokens: str | float | None = None,
    finetune_flops: str | float | None = None,
    finetune_cost_usd: str | float | None = None,
    finetune_params: str | float | None = None,
    finetune_tokens: str | float | None = None,
    finetune_results: Sequence[Path] = (),
    active_only: bool = False,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    cat = catalog or load_catalog()
    records, basis = [], {}
    for kind, name, flops, cost, params, tokens in (
        ("base", "base model", base_flops, base_cost_usd, base_params, base_tokens),
        (
            "fine-tune",
            "fine-tune",
            finetune_flops,
            finetune_cost_usd,
            finetune_params,
            finetune_tokens,
        ),
    ):
        value, how = _flops(flops, params, tokens, "base" if kind == "base" else "finetune")
        usd = (
            parse_count(cost, f"--{'base' if kind == 'base' else 'finetune'}-cost-usd")
            if cost is not None
            else None
        )
        if value is not None or usd is not None:
            records.append(ComputeRecord(name, value, usd, kind))
            basis[name] = how
    for i, path in enumerate(finetune_results, start=1):
        record = _finetune_record(path, i)
        records.append(record)
        basis[record.name] = f"model FLOPs of {path.name}"
    if not records:
        raise InvalidSpecError(
            "Nothing to check. To fix: give --base-flops or --base-cost-usd (or --base-params and --base-tokens)."
        )
    total = cumulative(records)
    checks = check_records(records, load_thresholds(cat.user_dir), include_inactive=not active_only)
    rows: list[dict[str, Any]] = [
        {
            "id": c.threshold.id,
            "jurisdiction": c.threshold.jurisdiction,
            "instrument": c.threshold.instrument,
            "threshold_flops": c.threshold.flops,
            "threshold_usd": c.threshold.usd,
            "combine": c.threshold.combine,
            "counts": c.counted,
            "applies_to": c.threshold.applies_to,
            "status": c.threshold.status,
            "status_date": c.threshold.status_date.isoformat(),
            "active": c.threshold.active,
            "crosses": c.crosses,
            "crossed_criteria": list(c.crossed_criteria),
            "ratio": c.ratio,
            "summary": c.summary(),
            "source": c.threshold.source,
        }
        for c in checks
    ]
    return {
        "cumulative": {
            "flops": total.flops,
            "cost_usd": total.cost_usd,
            "flops_complete": total.flops_complete,
            "cost_complete": total.cost_complete,
            "runs": list(total.names),
            "flops_basis": basis,
        },
        "thresholds": rows,
        "crossed": [r["id"] for r in rows if r["crosses"]],
        "crossed_usd_criteria": [r["id"] for r in rows if "usd" in r["crossed_criteria"]],
    }
