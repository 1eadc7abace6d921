"""Pool commands: init, demo, serve, plan, allocate, report, export-kueue."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flopfolio.cli.app import pool_app
from flopfolio.cli.options import JsonOpt, emit, print_json

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL (default: $DATABASE_URL, else a SQLite file in your data dir).",
    ),
]


PlotOpt = Annotated[
    Path | None,
    typer.Option(
        "--plot",
        help="Also write the monthly contracted/used/lent/batch/resold/idle chart (.html or .png).",
    ),
]


SummaryOpt = Annotated[
    bool, typer.Option("--summary", help="The headline figures only, without the tables.")
]


def _plot(report: dict[str, object], path: Path | None) -> None:
    if path is None or not report.get("monthly"):
        return
    from flopfolio.charts.capacity_chart import write_figure
    from flopfolio.charts.page_figures import pool_use_figure

    write_figure(pool_use_figure(report["monthly"]), path)  # type: ignore[arg-type]
    typer.echo(f"wrote {path}", err=True)


@pool_app.command("init")
def pool_init(database_url: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Create (or migrate) the pool's database and issue an operator API key."""
    from flopfolio.pool.program import init_database

    result = init_database(database_url)
    if as_json:
        print_json(result)
        return
    typer.echo(f"Database ready: {result['database']}")
    typer.echo(f"Operator key (shown once; send it as X-API-Key): {result['operator_key']}")


@pool_app.command("demo")
def pool_demo(
    members: Annotated[
        int, typer.Option("--members", help="Startups in the synthetic portfolio.")
    ] = 60,
    months: Annotated[int, typer.Option("--months", help="Program horizon in months.")] = 24,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the portfolio.")] = 7,
    database_url: DbOpt = None,
    plot: PlotOpt = None,
    summary: SummaryOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Load a realistic synthetic portfolio into the database, allocate it, and print the program report."""
    from flopfolio.pool.program import run_demo

    report = run_demo(database_url, members, months, seed)
    emit(report, as_json, "render_pool_summary" if summary else "render_pool_report")
    _plot(report, plot)


@pool_app.command("report")
def pool_report(
    database_url: DbOpt = None,
    plot: PlotOpt = None,
    summary: SummaryOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """The program report from the database: contracts, where the contracted hours went month by
    month, utilization, idle cost, savings vs standalone, bills."""
    from flopfolio.pool.program import report_from_database

    report = report_from_database(database_url)
    emit(report, as_json, "render_pool_summary" if summary else "render_pool_report")
    _plot(report, plot)


@pool_app.command("plan")
def pool_plan(
    roadmap: Annotated[
        Path, typer.Argument(help="The pool's roadmap YAML (see examples/roadmap.yaml).")
    ],
    as_json: JsonOpt = False,
) -> None:
    """Plan the pool's contracts for its aggregated roadmap (the procurement optimizer)."""
    from flopfolio.cli.money_cmds import plan

    plan(roadmap, gap=0.01, catalog=None, as_json=as_json)


@pool_app.command("allocate")
def pool_allocate(
    member: Annotated[str, typer.Option("--member", help="Member id.")],
    gpu: Annotated[
        list[str], typer.Option("--gpu", help="Acceptable accelerator; repeat for several.")
    ],
    gpus: Annotated[int, typer.Option("--gpus", help="GPUs needed.")],
    months: Annotated[int, typer.Option("--months", help="Duration in months.")] = 1,
    earliest: Annotated[int, typer.Option("--earliest", help="Earliest start month.")] = 0,
    deadline: Annotated[
        int | None,
        typer.Option("--deadline", help="Must finish by this month (default: earliest + months)."),
    ] = None,
    burst: Annotated[
        bool, typer.Option("--burst", help="Borrow idle capacity instead of a guarantee.")
    ] = False,
    database_url: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Place one request now, as the API would (transactional; never overbooks)."""
    from flopfolio.pool.program import allocate_one

    result = allocate_one(database_url, member, gpu, gpus, months, earliest, deadline, burst)
    if as_json:
        print_json(result)
        return
    if result["status"] == "accepted":
        for a in result["allocations"]:
            typer.echo(
                f"accepted: {a['gpus']} GPUs on {a['contract_id']}, months {a['start_month']}-{a['end_month']} ({a['kind']})"
            )
    else:
        typer.echo(f"rejected: {result['reason']}")


@pool_app.command("serve")
def pool_serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", help="Worker processes.")] = 2,
    database_url: DbOpt = None,
) -> None:
    """Serve the pool's API (OpenAPI schema at /docs) and the web app, dashboard included."""
    run_server(host, port, workers, database_url)


def run_server(host: str, port: int, workers: int, database_url: str | None) -> None:
    import os

    import uvicorn

    from flopfolio.pool.store.db import make_engine, upgrade

    if database_url:
        os.environ["DATABASE_URL"] = database_url
    engine = make_engine(database_url)  # a database that cannot open is one line, not a traceback
    upgrade(engine)  # each worker's app migrates again: a no-op by then
    engine.dispose()
    typer.echo(f"flopfolio web app on http://{host}:{port}/ (API docs at /docs)", err=True)
    uvicorn.run(
        "flopfolio.service.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
    )


@pool_app.command("export-kueue")
def pool_export_kueue(
    month: Annotated[
        int, typer.Option("--month", help="The month whose allocations to enforce.")
    ] = 0,
    output: Annotated[
        Path | None, typer.Option("--output", help="Write the YAML here (default: stdout).")
    ] = None,
    database_url: DbOpt = None,
) -> None:
    """Kueue objects (ResourceFlavors, ClusterQueues, LocalQueues) enforcing a month's allocations."""
    from flopfolio.pool.program import kueue_yaml

    text = kueue_yaml(database_url, month)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}")
