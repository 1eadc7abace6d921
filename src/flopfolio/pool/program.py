"""The pool's commands on a database: initialise it, load the demo portfolio, report on the
program, export Kueue objects. The CLI calls these; they call the store and the pure engine."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from flopfolio.catalog.catalog import Catalog, load_catalog
from flopfolio.pool.chargeback import Ledger, chargeback
from flopfolio.pool.dashboard import member_timeline, program_timeline
from flopfolio.pool.demo import catalog_offers, demo_portfolio, plan_demo_contracts
from flopfolio.pool.domain import (
    HOURS_PER_MONTH,
    Allocation,
    AllocationKind,
    BurstRequest,
    Contract,
    InferenceRequest,
    Member,
    TrainingRequest,
)
from flopfolio.pool.engine import allocate
from flopfolio.pool.kueue import export_kueue, to_yaml
from flopfolio.pool.store.db import make_engine, session_factory, upgrade
from flopfolio.pool.store.repository import Repository, request_from_spec, store_program
from flopfolio.pool.value import ProgramValue, program_value

# The pool's procurement budget in the savings model: a tenth of its members' cash (the fund's
# program backs commitments; it does not spend the startups' money).
POOL_CASH_SHARE = 0.1


def _repo(url: str | None) -> tuple[Repository, Any]:
    engine = make_engine(url)
    upgrade(engine)
    return Repository(session_factory(engine)()), engine


def init_database(url: str | None) -> dict[str, Any]:
    """Migrate the schema and issue an operator key (shown once)."""
    repo, engine = _repo(url)
    key = repo.create_key("operator", None, "created by flopfolio pool init", actor="cli")
    repo.session.commit()
    repo.session.close()
    result = {"database": engine.url.render_as_string(hide_password=True), "operator_key": key}
    engine.dispose()
    return result


def run_demo(url: str | None, members: int = 60, months: int = 24, seed: int = 7,
             catalog: Catalog | None = None) -> dict[str, Any]:  # fmt: skip
    """Create the synthetic portfolio in the database, allocate it, charge it back, and report."""
    cat = catalog or load_catalog()
    portfolio = demo_portfolio(members, months, seed)
    plan = plan_demo_contracts(portfolio, cat, months)
    contracts = plan.contracts
    result = allocate(
        contracts,
        portfolio.members,
        portfolio.training,
        portfolio.inference,
        portfolio.bursts,
        months,
        existing=plan.allocations,
    )
    ledger = chargeback(contracts, result.allocations, portfolio.members, months)
    value = program_value(
        portfolio.members, portfolio.training, portfolio.inference, catalog_offers(cat, standalone=True),
        months, sum(m.cash_usd for m in portfolio.members) * POOL_CASH_SHARE,
        time_limit=30,
    )  # fmt: skip
    repo, engine = _repo(url)
    for member in portfolio.members:
        repo.add_member(member, actor="demo")
    for contract in contracts:
        repo.add_contract(contract, actor="demo")
    repo.session.flush()
    requests: list[TrainingRequest | InferenceRequest | BurstRequest] = [
        *portfolio.training,
        *portfolio.inference,
        *portfolio.bursts,
    ]
    store_program(repo, requests, result.allocations, result.rejections, actor="demo")
    repo.replace_ledger(ledger.entries, actor="demo")
    repo.session.commit()
    repo.session.close()
    engine.dispose()
    report = program_report(contracts, portfolio.members, result.allocations, ledger)
    report["program_value"] = value_dict(value)
    report["reserved_gpu_months"] = plan.reserved_gpu_months
    report["on_demand_gpu_months"] = plan.on_demand_gpu_months
    report["cover"] = plan.cover
    report["rejections"] = len(result.rejections)
    report["database"] = url or "default SQLite file (see `flopfolio pool init`)"
    return report


def value_dict(value: ProgramValue) -> dict[str, Any]:
    return {
        "pooled_cost_usd": value.comparable_pooled_cost_usd,
        "standalone_cost_usd": value.standalone_cost_usd,
        "value_usd": value.value_usd,
        "value_share": value.value_share,
        "pooled_committed_usd": value.pooled_committed_usd,
        "standalone_committed_usd": value.standalone_committed_usd,
        "day_one_members": list(value.day_one_members),
        "why_not_alone": dict(list(value.infeasible_alone.items())[:5]),
    }


def program_report(contracts: Any, members: Any, allocations: Any, ledger: Any) -> dict[str, Any]:
    """Contracted and allocated GPU-months, utilization, and each member's allocations and bill."""
    months = max((c.end_month for c in contracts), default=0)
    contracted = sum(c.gpus * c.months for c in contracts)
    by_kind: dict[str, float] = defaultdict(float)
    by_member: dict[str, float] = defaultdict(float)
    for a in allocations:
        span = a.end_month - a.start_month
        by_kind[a.kind.value] += a.gpus * span
        if a.kind is not AllocationKind.BORROWED:
            by_member[a.member_id] += a.gpus * span
    allocated = sum(by_kind.values())
    monthly = monthly_use(contracts, allocations, months)
    bills = sorted(ledger.bills.values(), key=lambda b: -b.net_usd)
    return {
        "members": len(members),
        "months": months,
        "contracts": [
            {
                "id": c.id,
                "accelerator": c.accelerator_id,
                "gpus": c.gpus,
                "start_month": c.start_month,
                "end_month": c.end_month,
                "usd_per_gpu_hour": c.usd_per_gpu_hour,
                "cost_usd": c.cost_usd,
            }
            for c in contracts
        ],
        "contract_cost_usd": ledger.contract_cost_usd,
        "contracted_gpu_months": contracted,
        "allocated_gpu_months": dict(by_kind),
        "utilization": allocated / contracted if contracted else 0.0,
        "monthly": monthly,
        "idle_gpu_months": sum(row["idle_gpus"] for row in monthly),
        "idle_cost_usd": sum(row["idle_gpus"] for row in monthly)
        * HOURS_PER_MONTH
        * ledger.internal_usd_per_gpu_hour,
        "internal_usd_per_gpu_hour": ledger.internal_usd_per_gpu_hour,
        "ledger_imbalance_usd": ledger.imbalance_usd,
        "subsidy_usd": ledger.subsidy_usd,
        "top_members": [
            {
                "member": b.member_id,
                "gpu_months": by_member.get(b.member_id, 0.0),
                "net_usd": b.net_usd,
            }
            for b in bills[:10]
        ],
    }


def monthly_use(contracts: Any, allocations: Any, months: int) -> list[dict[str, Any]]:
    """Per month: GPUs contracted, held by members (guaranteed + inference), lent inside the
    pool (borrowed), idle (contracted less both), and utilization = (held + lent) / contracted."""
    rows = []
    for m in range(months):
        k = sum(c.capacity_at(m) for c in contracts)
        held = sum(a.gpus_at(m) for a in allocations if a.kind is not AllocationKind.BORROWED)
        lent = sum(a.gpus_at(m) for a in allocations if a.kind is AllocationKind.BORROWED)
        rows.append({"month": m, "contracted_gpus": k, "held_gpus": held, "lent_gpus": lent,
                     "idle_gpus": k - held - lent, "utilization": (held + lent) / k if k else 0.0})  # fmt: skip
    return rows


def report_from_database(url: str | None) -> dict[str, Any]:
    repo, engine = _repo(url)
    s = _stored(repo)
    repo.session.close()
    engine.dispose()
    if s.ledger is None:
        return {"members": len(s.members), "contracts": [], "note": "no contracts yet"}
    return program_report(s.contracts, s.members, s.allocations, s.ledger)


def kueue_yaml(url: str | None, month: int) -> str:
    repo, engine = _repo(url)
    text = to_yaml(
        export_kueue(
            repo.contracts(limit=1_000_000),
            repo.members(limit=100_000),
            repo.all_allocations(),
            month,
        )
    )
    repo.session.close()
    engine.dispose()
    return text


def allocate_one(url: str | None, member_id: str, accelerators: list[str], gpus: int, months: int,
                 earliest: int, deadline: int | None, burst: bool) -> dict[str, Any]:  # fmt: skip
    """One request through the repository's transactional placement (what the API does)."""
    from dataclasses import asdict

    from flopfolio.pool.store.repository import new_id

    cat = load_catalog()
    ids = tuple(cat.resolver.resolve_id(a) for a in accelerators)
    request: TrainingRequest | BurstRequest
    if burst:
        request = BurstRequest(new_id(), member_id, ids, gpus, earliest, months)
    else:
        request = TrainingRequest(
            new_id(), member_id, ids, gpus, months, earliest, deadline or earliest + months
        )
    repo, engine = _repo(url)
    allocations, rejection = repo.submit(request, actor="cli")
    repo.session.commit()
    repo.session.close()
    engine.dispose()
    return {
        "request_id": request.id,
        "status": "rejected" if rejection else "accepted",
        "reason": rejection.reason if rejection else None,
        "allocations": [{**asdict(a), "kind": a.kind.value} for a in allocations],
    }


@dataclass(frozen=True, slots=True)
class _Stored:
    """What the database holds, read once, with the ledger charged back over it."""

    contracts: list[Contract]
    members: list[Member]
    allocations: list[Allocation]
    months: int
    ledger: Ledger | None  # None without contracts


def _stored(repo: Repository) -> _Stored:
    contracts, allocations = repo.contracts(limit=1_000_000), repo.all_allocations()
    members = repo.members(limit=100_000)
    months = max((c.end_month for c in contracts), default=0)
    ledger = chargeback(contracts, allocations, members, months) if contracts else None
    return _Stored(contracts, members, allocations, months, ledger)


def program_dashboard(repo: Repository) -> dict[str, Any]:
    """The operator's view: contracted against allocated GPUs by member and month, utilization,
    idle cost, and the pending requests."""
    s = _stored(repo)
    return {
        **program_timeline(s.contracts, s.allocations, s.ledger),
        "contracts": len(s.contracts),
        "members": len(s.members),
        "pending_requests": len(repo.requests(status="pending", limit=10_000)),
    }


def member_dashboard(repo: Repository, member_id: str) -> dict[str, Any]:
    """One member's view: its GPUs by month and kind, and its bill — nobody else's."""
    repo.get_member(member_id)
    s = _stored(repo)
    return member_timeline(member_id, s.allocations, s.ledger, s.months)


def program_savings(
    repo: Repository, catalog: Catalog | None = None, time_limit: float = 30.0
) -> dict[str, Any]:
    """The savings report: the accepted requests bought by the pool against each member buying
    alone (the procurement optimizer; seconds, not milliseconds)."""
    cat = catalog or load_catalog()
    members = repo.members(limit=100_000)
    months = max((c.end_month for c in repo.contracts(limit=1_000_000)), default=0)
    accepted = [
        request_from_spec(r.kind, r.spec_json)
        for r in repo.requests(status="accepted", limit=1_000_000)
    ]
    training = [r for r in accepted if isinstance(r, TrainingRequest)]
    inference = [r for r in accepted if isinstance(r, InferenceRequest)]
    if not months or not (training or inference):
        return {"note": "no contracts or no accepted training or inference requests yet"}
    value = program_value(
        members, training, inference, catalog_offers(cat, standalone=True), months,
        sum(m.cash_usd for m in members) * POOL_CASH_SHARE, time_limit=time_limit,
    )  # fmt: skip
    return value_dict(value)
