"""The pool's commands on a database: initialise it, load the demo portfolio, report on the
program, export Kueue objects. The CLI calls these; they call the store and the pure engine."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flopfolio.catalog.catalog import Catalog, load_catalog
from flopfolio.pool.chargeback import Ledger, chargeback
from flopfolio.pool.contracting import AcceleratorPrices, PhaseIn
from flopfolio.pool.dashboard import member_timeline, program_timeline
from flopfolio.pool.demo import (
    catalog_offers,
    catalog_prices,
    demo_portfolio,
    plan_demo_contracts,
    resale_prices,
    standalone_prices,
)
from flopfolio.pool.domain import (
    HOURS_PER_MONTH,
    QUOTA_KINDS,
    Allocation,
    BurstRequest,
    Contract,
    InferenceRequest,
    Member,
    TrainingRequest,
)
from flopfolio.pool.engine import AllocationResult, allocate
from flopfolio.pool.idle import monthly_use, totals
from flopfolio.pool.kueue import export_kueue, to_yaml
from flopfolio.pool.savings import savings_vs_standalone, standalone_cost
from flopfolio.pool.store.db import make_engine, session_factory, upgrade
from flopfolio.pool.store.repository import (
    PoolRequest,
    Repository,
    request_from_spec,
    store_program,
)
from flopfolio.pool.value import ProgramValue, aggregate_demand, program_value

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
    repo, engine = _repo(url)  # first: a database that cannot open fails before any work
    cat = catalog or load_catalog()
    portfolio = demo_portfolio(members, months, seed)
    plan = plan_demo_contracts(portfolio, cat, months)
    contracts = plan.contracts
    result = allocate(
        contracts,
        portfolio.members,
        plan.training,
        portfolio.inference,
        portfolio.bursts,
        months,
        existing=plan.allocations,
        batch=portfolio.batch,
    )
    resale = resale_prices(cat)
    ledger = chargeback(contracts, result.allocations, portfolio.members, months,
                        resale_usd_per_gpu_hour=resale)  # fmt: skip
    value = program_value(
        portfolio.members, plan.training, portfolio.inference, catalog_offers(cat, standalone=True),
        months, sum(m.cash_usd for m in portfolio.members) * POOL_CASH_SHARE,
        time_limit=30,
    )  # fmt: skip
    requests: list[TrainingRequest | InferenceRequest | BurstRequest] = [
        *plan.training,
        *portfolio.inference,
        *portfolio.bursts,
        *portfolio.batch,
    ]
    store_everything(repo, portfolio.members, contracts, requests, result, ledger, actor="demo")
    repo.session.commit()
    repo.session.close()
    engine.dispose()
    report = program_report(contracts, portfolio.members, result.allocations, ledger,
                            resale=resale, training=plan.training, inference=portfolio.inference)  # fmt: skip
    report["program_value"] = value_dict(value)
    report["savings"] = savings_vs_standalone(
        ledger, standalone_cost(contracts, result.allocations, standalone_prices(cat))
    )
    report["reserved_gpu_months"] = plan.reserved_gpu_months
    report["on_demand_gpu_months"] = plan.on_demand_gpu_months
    report["cover"] = plan.cover
    report["phase_in"] = [phase_in_dict(p) for p in plan.phase_in]
    report["rejections"] = len(result.rejections)
    held_by_right = {r.id for r in plan.training} | {q.id for q in portfolio.inference}
    report["guarantee_rejections"] = sum(r.request_id in held_by_right for r in result.rejections)
    report["database"] = url or "default SQLite file (see `flopfolio pool init`)"
    return report


def store_everything(repo: Repository, members: Sequence[Member], contracts: Sequence[Contract],
                     requests: Sequence[PoolRequest], result: AllocationResult, ledger: Ledger,
                     actor: str) -> None:  # fmt: skip
    """A whole program in one transaction (the caller commits): bulk inserts, a few round trips."""
    repo.add_members(members, actor=actor)
    repo.add_contracts(contracts, actor=actor)
    store_program(repo, requests, result.allocations, result.rejections, actor=actor)
    repo.replace_ledger(ledger.entries, actor=actor)


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


def phase_in_dict(p: PhaseIn) -> dict[str, Any]:
    return {
        "request_id": p.request_id,
        "from_accelerator": p.from_accelerator,
        "from_gpus": p.from_gpus,
        "to_accelerator": p.to_accelerator,
        "to_gpus": p.to_gpus,
        "months": p.months,
        "saving_usd": p.saving_usd,
    }


def diversification(
    members: Sequence[Member],
    training: Sequence[TrainingRequest],
    inference: Sequence[InferenceRequest],
    months: int,
) -> list[dict[str, Any]]:
    """Per card: the pooled peak against the sum of the members' own peaks (:mod:`value`)."""
    if not months or not (training or inference):
        return []
    demand = aggregate_demand(members, training, inference, months)
    return [
        {
            "accelerator": acc,
            "pooled_peak_gpus": d.pooled_peak_gpus,
            "sum_of_member_peaks_gpus": d.sum_of_member_peaks_gpus,
            "diversification_share": d.diversification_share,
        }
        for acc, d in sorted(demand.by_accelerator.items())
    ]


def program_report(contracts: Sequence[Contract], members: Sequence[Member],
                   allocations: Sequence[Allocation], ledger: Ledger, *,
                   resale: Mapping[str, float] | None = None,
                   training: Sequence[TrainingRequest] = (),
                   inference: Sequence[InferenceRequest] = ()) -> dict[str, Any]:  # fmt: skip
    """Contracted, used, lent, batch, resold and idle GPU-hours (in total and per month),
    utilization, the idle cost, the diversification of demand, and each member's bill."""
    months = max((c.end_month for c in contracts), default=0)
    by_kind: dict[str, float] = defaultdict(float)
    by_member: dict[str, float] = defaultdict(float)
    for a in allocations:
        span = a.end_month - a.start_month
        by_kind[a.kind.value] += a.gpus * span
        if a.kind in QUOTA_KINDS:
            by_member[a.member_id] += a.gpus * span
    rows = monthly_use(contracts, allocations, months, resale)
    total = totals(rows)
    h = HOURS_PER_MONTH
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
        "contracted_gpu_months": round(total["contracted_gpu_hours"] / h),
        "allocated_gpu_months": dict(by_kind),
        "utilization": total["utilization"],
        "totals": total,
        "monthly": [r.as_dict() for r in rows],
        "resold_gpu_months": round(total["resold_gpu_hours"] / h),
        "resale_usd": ledger.resale_usd,
        "resale_usd_per_gpu_hour": dict(resale or {}),
        "idle_gpu_months": round(total["idle_gpu_hours"] / h),
        "idle_cost_usd": total["idle_cost_usd"],
        "idle_rule": ledger.idle_rule,
        "net_cost_usd": ledger.contract_cost_usd - ledger.resale_usd,
        "diversification": diversification(members, training, inference, months),
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


def report_from_database(url: str | None, catalog: Catalog | None = None) -> dict[str, Any]:
    """The program report from what is stored (contracts, allocations, accepted requests), the
    ledger charged back over it, and the savings vs standalone from the same allocations."""
    cat = catalog or load_catalog()
    repo, engine = _repo(url)
    s = _stored(repo, cat)
    accepted = [
        request_from_spec(r.kind, r.spec_json)
        for r in repo.requests(status="accepted", limit=10_000_000)
    ]
    repo.session.close()
    engine.dispose()
    if s.ledger is None:
        return {"members": len(s.members), "contracts": [], "note": "no contracts yet"}
    report = program_report(
        s.contracts, s.members, s.allocations, s.ledger, resale=resale_prices(cat),
        training=[r for r in accepted if isinstance(r, TrainingRequest)],
        inference=[r for r in accepted if isinstance(r, InferenceRequest)],
    )  # fmt: skip
    report["savings"] = savings_vs_standalone(
        s.ledger, standalone_cost(s.contracts, s.allocations, standalone_prices(cat))
    )
    return report


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
    resale: dict[str, float]  # USD per GPU-hour the market pays, per accelerator


def _stored(repo: Repository, catalog: Catalog | None = None) -> _Stored:
    contracts, allocations = repo.contracts(limit=1_000_000), repo.all_allocations()
    members = repo.members(limit=100_000)
    months = max((c.end_month for c in contracts), default=0)
    resale = resale_prices(catalog or load_catalog())
    ledger = (
        chargeback(contracts, allocations, members, months, resale_usd_per_gpu_hour=resale)
        if contracts
        else None
    )
    return _Stored(contracts, members, allocations, months, ledger, resale)


def program_dashboard(repo: Repository) -> dict[str, Any]:
    """The operator's view: contracted against allocated GPUs by member and month, utilization,
    idle cost, and the pending requests."""
    s = _stored(repo)
    savings = (
        savings_vs_standalone(
            s.ledger, standalone_cost(s.contracts, s.allocations, standalone_prices(load_catalog()))
        )
        if s.ledger is not None
        else None
    )
    return {
        **program_timeline(s.contracts, s.allocations, s.ledger, resale=s.resale),
        "savings": savings,
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


def top_up_prices(catalog: Catalog | None = None) -> dict[str, AcceleratorPrices]:
    """What an approval's on-demand top-up pays: every card's cheapest current on-demand offer."""
    return catalog_prices(catalog or load_catalog(), None)
