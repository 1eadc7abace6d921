"""``flopfolio compare`` (the Compare page's table) and ``flopfolio serve`` (the web app)."""

from __future__ import annotations

from typing import Annotated

import typer

from flopfolio.cli.app import app
from flopfolio.cli.options import CatalogOpt, JsonOpt, ProviderOpt, emit
from flopfolio.cli.pool_cmds import DbOpt
from flopfolio.economics.compare import DEFAULT_COMPARE_MFU


@app.command()
def compare(
    precision: Annotated[str, typer.Option("--precision", help="Peak rate to compare.")] = "bf16",
    term: Annotated[
        str, typer.Option("--term", help="on_demand, spot, committed (≥ 1 year) or any.")
    ] = "on_demand",
    provider: ProviderOpt = None,
    vendor: Annotated[str | None, typer.Option("--vendor", help="NVIDIA, AMD, Google, ...")] = None,
    min_memory_gib: Annotated[
        float, typer.Option("--min-memory-gib", help="Only accelerators with this much memory.")
    ] = 0.0,
    mfu: Annotated[
        str, typer.Option("--mfu", help="Utilization that makes a FLOP effective, e.g. 0.4.")
    ] = str(DEFAULT_COMPARE_MFU),
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Accelerators side by side: memory, peak, cheapest price, USD per effective PFLOP-hour."""
    from flopfolio.catalog.catalog import load_catalog
    from flopfolio.economics.compare import CompareFilter, compare_accelerators
    from flopfolio.units import parse_fraction

    where = CompareFilter(
        precision, term, provider, vendor, min_memory_gib, parse_fraction(mfu, "--mfu")
    )
    rows = compare_accelerators(load_catalog(catalog), where)
    emit({"accelerators": rows, "mfu": where.mfu}, as_json, "render_compare")


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", help="Worker processes.")] = 1,
    database_url: DbOpt = None,
) -> None:
    """Serve the web app — training, serving, compare, plan and the pool dashboard — and its API."""
    from flopfolio.cli.pool_cmds import run_server

    run_server(host, port, workers, database_url)
