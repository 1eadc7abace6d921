"""The fleet result as the JSON the CLI, the REST API and the web page all print."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flopfolio.planning.fleet import HOURS_PER_MONTH, FleetPlan

if TYPE_CHECKING:
    from flopfolio.api.fleet_plan import FleetResult, MonthPlan


def _plan_dict(plan: FleetPlan, month: MonthPlan) -> dict[str, Any]:
    prices = {c.name: c.usd_per_gpu_hour for c in month.problem.cards}
    return {
        "usd_per_hour": plan.usd_per_hour,
        "usd_per_month": plan.usd_per_month,
        "gpu_usd_per_month": plan.gpu_usd_per_month,
        "egress_usd_per_month": plan.egress_usd_per_month,
        "cards": [
            {
                "card": card,
                "gpus": n,
                "usd_per_gpu_hour": prices[card],
                "usd_per_month": n * prices[card] * HOURS_PER_MONTH,
                "utilization": plan.utilization[card],
                "busy_gpus_by_hour": list(plan.used_gpus[card]),
            }
            for card, n in plan.held_gpus.items()
        ],
        "placement": [
            {
                "workload": a.workload,
                "card": a.card,
                "gpus_per_replica": a.gpus_per_replica,
                "replicas_peak": max(a.replicas),
                "replicas_min": min(a.replicas),
                "replicas_by_hour": list(a.replicas),
            }
            for a in plan.assignments
        ],
        "shared_gpus": [
            {
                "workloads": list(sg.workloads),
                "card": sg.card,
                "gpus_peak": max(sg.gpus),
                "gpus_by_hour": list(sg.gpus),
            }
            for sg in plan.shared
        ],
        "binding": list(plan.binding),
        "mip_gap": plan.mip_gap,
        "lower_bound_usd_per_month": plan.lower_bound_usd_per_month,
        "solver_status": plan.status,
    }


def _month_dict(result: FleetResult, month: MonthPlan) -> dict[str, Any]:
    from flopfolio.api.fleet_plan import fleet_nodes, fleet_spikes

    opt, naive = month.optimized, month.naive
    saving = naive.usd_per_month - opt.usd_per_month
    return {
        "month": month.month,
        "demand": [
            {
                "workload": w.name,
                "requests_per_day": w.batch_requests
                if w.is_batch
                else sum(w.demand_per_hour) * month.problem.period_hours,
                "peak_requests_per_hour": None if w.is_batch else max(w.demand_per_hour),
            }
            for w in month.problem.workloads
        ],
        "optimized": _plan_dict(opt, month),
        "naive": _plan_dict(naive, month),
        "saving_usd_per_month": saving,
        "saving_share": saving / naive.usd_per_month if naive.usd_per_month else 0.0,
        "blocked_cards": [{"card": c, "reason": r} for c, r in month.blocked],
        "sharing_options": [
            {
                "workloads": list(q.workloads),
                "card": q.card,
                "requests_per_gpu_hour": list(q.requests_per_gpu_hour),
                "time_share": list(q.time_share),
            }
            for q in month.problem.packings
        ],
        "shared_nodes": [
            {
                "card": n.card,
                "gpus_per_node": n.gpus,
                "replicas": [
                    {"workload": w, "replicas": k, "gpus_each": g} for w, k, g in n.replicas
                ],
            }
            for n in fleet_nodes(month)
            if len(n.replicas) > 1
        ],
        "spike": [
            {
                "workload": s.workload,
                "peak_hour": s.peak_period,
                "multiplier": s.multiplier,
                "spiked_requests_per_hour": s.peak_requests_per_hour,
                "headroom_requests_per_hour": s.headroom_requests_per_hour,
                "excess_requests_per_hour": s.excess_requests_per_hour,
                "autoscale_card": s.autoscale_card,
                "autoscale_replicas": s.autoscale_replicas,
                "autoscale_usd_per_hour": s.autoscale_usd_per_hour,
                "api_usd_per_hour": s.api_usd_per_hour,
                "cheaper": s.cheaper,
            }
            for s in fleet_spikes(result, month)
        ],
    }


def fleet_dict(result: FleetResult) -> dict[str, Any]:
    slo = {w.name: w.slo.model_dump(exclude_none=True) for w in result.spec.workloads}
    return {
        "workloads": [
            {
                "name": w.name,
                "model": w.model or w.image_model,
                "kind": "batch" if w.batch else ("image" if w.image_model else "latency"),
                "slo": slo[w.name],
                "egress_mb_per_request": w.egress_mb_per_request,
                "options": [
                    {
                        "card": p.card,
                        "gpus_per_replica": p.gpus_per_replica,
                        "requests_per_replica_hour": p.requests_per_replica_hour,
                        **p.latency,
                        "slo_met": True,
                    }
                    for p in result.pairs
                    if p.workload == w.name
                ],
                "excluded": [
                    {"card": c, "reason": r} for name, c, r in result.skipped if name == w.name
                ],
            }
            for w in result.spec.workloads
        ],
        "cards": [
            {
                "card": rc.card.name,
                "accelerator_id": rc.accelerator_id,
                "usd_per_gpu_hour": rc.card.usd_per_gpu_hour,
                "offer_source": rc.offer.source if rc.offer else "given in the fleet file",
                "offer_as_of": rc.offer.as_of.isoformat() if rc.offer else None,
                "availability": rc.terms.availability,
                "lead_time_weeks": rc.terms.lead_time_weeks,
                "egress_usd_per_gb": rc.terms.egress_usd_per_gb,
                "delivery": rc.terms.delivery,
                "gpus_per_node": rc.card.gpus_per_node,
                "terms_source": rc.terms.source,
            }
            for rc in result.cards
        ],
        "months": [_month_dict(result, m) for m in result.months],
        "notes": _notes(result),
    }


def _notes(result: FleetResult) -> list[str]:
    """What the plan assumed where the catalog says unknown."""
    egress_workloads = [w.name for w in result.spec.workloads if w.egress_mb_per_request > 0]
    unknown = [rc.card.name for rc in result.cards if not rc.egress_known]
    notes = []
    if egress_workloads and unknown:
        notes.append(
            f"egress price unknown for {', '.join(unknown)}: priced at $0/GB for "
            f"{', '.join(egress_workloads)}; give egress_usd_per_gb on the card to price it"
        )
    return notes
