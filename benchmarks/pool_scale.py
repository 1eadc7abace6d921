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
from flopfolio.pool.demo import demo_portfolio, plan_demo_contracts
from flopfolio.pool.engine import allocate
from flopfolio.pool.program import _repo, report_from_database
from flopfolio.pool.store.repository import store_program

MEMBERS, MONTHS = 550, 36


def run(url: str) -> None:
    portfolio = demo_portfolio(MEMBERS, MONTHS, seed=1)
    t0 = time.perf_counter()
    plan = plan_demo_contracts(portfolio, load_catalog(None), MONTHS)
    t1 = time.perf_counter()
    result = allocate(plan.contracts, portfolio.members, portfolio.training, portfolio.inference,
                      portfolio.bursts, MONTHS, existing=plan.allocations)  # fmt: skip
    ledger = chargeback(plan.contracts, result.allocations, portfolio.members, MONTHS)
    t2 = time.perf_counter()
    repo, engine = _repo(url)
    for m in portfolio.members:
        repo.add_member(m, actor="bench")
    for c in plan.contracts:
        repo.add_contract(c, actor="bench")
    repo.session.flush()
    requests = [*portfolio.training, *portfolio.inference, *portfolio.bursts]
    store_program(repo, requests, result.allocations, result.rejections, actor="bench")
    repo.replace_ledger(ledger.entries, actor="bench")
    repo.session.commit()
    repo.session.close()
    engine.dispose()
    t3 = time.perf_counter()
    report = report_from_database(url)
    t4 = time.perf_counter()
    print(f"{url.split(':', maxsplit=1)[0]}: {MEMBERS} members x {MONTHS} months, {len(plan.contracts):,} contracts, "
          f"{len(result.allocations):,} allocations, utilization {report['utilization']:.1%}; "
          f"plan {t1 - t0:.2f} s, allocate + chargeback {t2 - t1:.2f} s, store {t3 - t2:.2f} s, "
          f"report {t4 - t3:.2f} s, total {t4 - t0:.2f} s")  # fmt: skip


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
