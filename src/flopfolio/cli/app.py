"""The Typer applications the command modules register on."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="flopfolio",
    help="Plan, price and pool AI compute: FLOPs, memory, time, GPU-hours and dollars, with sources.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
import_app = typer.Typer(help="Import price catalogs and model configs into your user catalog.")
app.add_typer(import_app, name="import")
pool_app = typer.Typer(help="The pooled GPU program: database, demo, service, allocation, reports.")
app.add_typer(pool_app, name="pool")
