"""Pool scale: plan contracts from pooled demand, allocate, store and report 550 members over 36
months, on SQLite (a file) and on PostgreSQL (when ``PG_URL`` is set, e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/test``; a fresh database is made and dropped).

Run: python benchmarks/pool_scale.py
Not a test: the figures depend on the machine. The procurement optimizer's savings model is left
out: it is a MILP with its own time limit, not the program's plan, allocation or report.
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from pathlib import Path

from flopfolio import load_catalog
from flopfolio.pool.chargeback import chargeback
from flopfolio.pool.demo import demo_portfolio, plan_demo_contracts, resale_prices
from flopfolio.pool.engine import allocate
from flopfolio.pool.program import _repo, report_from_database, store_everything

MEMBERS, MONTHS = 550, 36


def run(url: str) -> None:
    portfolio = demo_portfolio(MEMBERS, MONTHS, seed=1)
    catalog = load_catalog(None)
    t0 = time.perf_counter()
    plan = plan_demo_contracts(portfolio, catalog, MONTHS)
    t1 = time.perf_counter()
    result = allocate(plan.contracts, portfolio.members, plan.training, portfolio.inference,
                      portfolio.bursts, MONTHS, existing=plan.allocations, batch=portfolio.batch)  # fmt: skip
    ledger = chargeback(plan.contracts, result.allocations, portfolio.members, MONTHS,
                        resale_usd_per_gpu_hour=resale_prices(catalog))  # fmt: skip
    t2 = time.perf_counter()
    repo, engine = _repo(url)
    requests = [*plan.training, *portfolio.inference, *portfolio.bursts, *portfolio.batch]
    store_everything(
        repo, portfolio.members, plan.contracts, requests, result, ledger, actor="bench"
    )
    repo.session.commit()
    repo.session.close()
    engine.dispose()
    t3 = time.perf_counter()
    report = report_from_database(url, catalog)
    t4 = time.perf_counter()
    t = report["totals"]
    without_batch = (t["used_gpu_hours"] + t["lent_gpu_hours"]) / t["contracted_gpu_hours"]
    print(f"{url.split(':', maxsplit=1)[0]}: {MEMBERS} members x {MONTHS} months, {len(plan.contracts):,} contracts, "
          f"{len(result.allocations):,} allocations, {len(ledger.entries):,} ledger rows; utilization "
          f"{report['utilization']:.1%} ({without_batch:.1%} without batch work), idle "
          f"{t['idle_gpu_hours'] / t['contracted_gpu_hours']:.2%}, resold "
          f"{t['resold_gpu_hours'] / t['contracted_gpu_hours']:.1%}; plan {t1 - t0:.2f} s, "
          f"allocate + chargeback {t2 - t1:.2f} s, store {t3 - t2:.2f} s, report {t4 - t3:.2f} s, "
          f"total {t4 - t0:.2f} s")  # fmt: skip


def main() -> None:
    run(f"sqlite:///{Path(tempfile.mkdtemp()) / 'pool.db'}")
    pg = os.environ.get("PG_URL")
    if not pg:
        print("postgresql: skipped (set PG_URL)")
        return
    import sqlalchemy as sa

    name = f"bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f"CREATE DATABASE {name}"))
    try:
        run(pg.rsplit("/", 1)[0] + "/" + name)
    finally:
        with admin.connect() as c:
            c.execute(sa.text(f"DROP DATABASE {name} WITH (FORCE)"))
        admin.dispose()


if __name__ == "__main__":
    main()
