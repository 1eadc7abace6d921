"""``flopfolio fleet``: many models on many card types, placed by a MILP, beside the naive plan."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flopfolio.cli.app import app
from flopfolio.cli.options import CatalogOpt, JsonOpt, emit


@app.command()
def fleet(
    spec: Annotated[Path, typer.Argument(help="Fleet YAML (see examples/fleet.yaml).")],
    catalog: CatalogOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Place many models on many card types: replicas per hour, batch in the troughs, naive plan beside it."""
    from flopfolio.api.fleet_plan import fleet_from_file
    from flopfolio.catalog.catalog import load_catalog

    emit(
        fleet_from_file(spec, catalog=load_catalog(catalog)).to_dict(),
        as_json,
        "render_fleet.render_fleet",
    )
