"""``flopfolio compare`` (the Compare page's table) and ``flopfolio serve`` (the web app)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from flopfolio.cli.app import app
from flopfolio.cli.options import CatalogOpt, JsonOpt, ProviderOpt, print_json


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
    ] = "0.4",
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Accelerators side by side: memory, peak, cheapest price, USD per effective PFLOP-hour."""
    from flopfolio.catalog.catalog import load_catalog
    from flopfolio.compare import CompareFilter, compare_accelerators
    from flopfolio.units import parse_fraction

    where = CompareFilter(
        precision, term, provider, vendor, min_memory_gib, parse_fraction(mfu, "--mfu")
    )
    rows = compare_accelerators(load_catalog(catalog), where)
    if as_json:
        print_json({"accelerators": rows})
        return
    _render_compare(rows, where.mfu)


def _render_compare(rows: list[dict[str, Any]], mfu: float) -> None:
    from rich.table import Table

    from flopfolio.cli.render import console

    table = Table(
        title=f"Accelerators, cheapest effective PFLOP-hour first (at {mfu:.0%} utilization)",
        title_justify="left",
    )
    for column in (
        "accelerator",
        "memory GiB",
        "TB/s",
        "peak TFLOP/s",
        "$/GPU-h",
        "$/eff. PFLOP-h",
        "cheapest",
    ):
        table.add_column(
            column, justify="left" if column in ("accelerator", "cheapest") else "right"
        )
    for r in rows:
        price = r["usd_per_gpu_hour"]
        table.add_row(
            r["accelerator"], f"{r['memory_gib']:.0f}", f"{r['memory_bw_gb_per_s'] / 1e3:.2f}",
            f"{r['peak_tflops']:,.0f}", f"{price:.2f}" if price else "—",
            f"{r['usd_per_effective_pflop_hour']:.2f}" if price else "—",
            f"{r['provider']} {r['term']} ({r['as_of']})" if price else "no current offer",
        )  # fmt: skip
    console.print(table)


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", help="Worker processes.")] = 1,
    database_url: Annotated[
        str | None,
        typer.Option("--database-url", help="Pool database (default: SQLite in your data dir)."),
    ] = None,
) -> None:
    """Serve the web app — training, serving, compare, plan and the pool dashboard — and its API."""
    from flopfolio.cli.pool_cmds import run_server

    run_server(host, port, workers, database_url)
