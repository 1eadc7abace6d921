"""Import commands: SkyPilot prices, LiteLLM prices, Hugging Face configs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from flopfolio.cli.app import app, import_app  # noqa: F401
from flopfolio.cli.options import (
    CatalogOpt,
    JsonOpt,
    emit,
    writable_catalog,
)


@import_app.command("skypilot")
def import_skypilot(
    path: Annotated[Path, typer.Argument(help="A SkyPilot catalog vms.csv (schema v8).")],
    cloud: Annotated[
        str | None,
        typer.Option("--cloud", help="Provider name (default: the parent folder's name)."),
    ] = None,
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Per-instance prices -> per-accelerator offers in your user catalog's offers.csv."""
    from flopfolio.catalog.catalog import load_catalog
    from flopfolio.catalog.importers.skypilot import import_skypilot_csv
    from flopfolio.catalog.user_catalog import write_offers

    target = writable_catalog(catalog)
    cat = load_catalog(target)
    result = import_skypilot_csv(path, cat.resolver.resolve_id, cloud=cloud)
    total = write_offers(target, result.offers)
    summary = {
        "imported": len(result.offers),
        "rejected": [{"where": r.where, "reason": r.reason} for r in result.rejected],
        "skipped_cpu_only": result.skipped_cpu_only,
        "written_to": str(target / "offers.csv"),
        "rows_in_file": total,
    }
    _report_import(summary, as_json)


@import_app.command("litellm")
def import_litellm(
    path: Annotated[Path, typer.Argument(help="LiteLLM model_prices_and_context_window.json.")],
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Hosted-API prices (chat models) -> your user catalog's api_prices.csv."""
    from flopfolio.catalog.importers.litellm import import_litellm_json
    from flopfolio.catalog.user_catalog import write_api_prices

    target = writable_catalog(catalog)
    result = import_litellm_json(path)
    total = write_api_prices(target, result.prices)
    summary = {
        "imported": len(result.prices),
        "rejected": [{"where": m, "reason": r} for m, r in result.rejected],
        "skipped_other_modes": result.skipped_other_modes,
        "written_to": str(target / "api_prices.csv"),
        "rows_in_file": total,
    }
    _report_import(summary, as_json)


@import_app.command("hf-config")
def import_hf_config(
    path: Annotated[Path, typer.Argument(help="A Hugging Face config.json.")],
    model_id: Annotated[str, typer.Option("--id", help="Preset name to save it under.")],
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A model shape from a Hugging Face config.json -> your user catalog's models.csv."""
    import datetime as dt

    from flopfolio.catalog.importers.hf_config import spec_from_hf_config_file
    from flopfolio.catalog.user_catalog import model_row, write_model

    target = writable_catalog(catalog)
    spec = spec_from_hf_config_file(path)
    row = model_row(
        model_id.lower(), spec, f"Hugging Face config.json ({path})", dt.date.today().isoformat()
    )
    write_model(target, row)
    summary = {"imported": 1, "id": model_id.lower(), "params": spec.params,
               "active_params": spec.active_params, "written_to": str(target / "models.csv")}  # fmt: skip
    _report_import(summary, as_json)


def _report_import(summary: dict[str, Any], as_json: bool) -> None:
    emit(summary, as_json, "render_import")
