"""Enforcing the pool on a real scheduler: the month's allocations as Kueue objects.

For one month, every contract becomes a ``ResourceFlavor`` (node labels naming its accelerator,
contract and cluster); every member a ``ClusterQueue`` in the program's cohort whose nominal quota
per flavor is its guaranteed and inference GPUs that month, with a borrowing limit (the member's,
or none) and a lending limit of its unused quota; plus a ``pool-idle`` ClusterQueue holding the
contracted GPUs nobody was allocated, lendable in full — the idle capacity members borrow by fair
share. One ``LocalQueue`` per member points at its ClusterQueue from the member's namespace.
Field names and types follow Kueue's ``kueue.x-k8s.io/v1beta1`` API.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from flopfolio.pool.domain import Allocation, AllocationKind, Contract, Member

API_VERSION = "kueue.x-k8s.io/v1beta1"
GPU_RESOURCE = "nvidia.com/gpu"
IDLE_QUEUE = "pool-idle"


def k8s_name(text: str) -> str:
    """A DNS-1123 label: lower case letters, digits and dashes, at most 63 characters."""
    name = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")
    return name[:63].rstrip("-") or "x"


def _flavor(contract: Contract) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": "ResourceFlavor",
        "metadata": {"name": k8s_name(f"{contract.accelerator_id}-{contract.id}")},
        "spec": {"nodeLabels": {
            "flopfolio.io/accelerator": k8s_name(contract.accelerator_id),
            "flopfolio.io/contract": k8s_name(contract.id),
            "flopfolio.io/cluster": k8s_name(contract.cluster),
        }},
    }  # fmt: skip


def _cluster_queue(
    name: str, cohort: str, quotas: dict[str, tuple[int, int | None, int | None]]
) -> dict[str, Any]:
    flavors = []
    for flavor, (nominal, borrowing, lending) in sorted(quotas.items()):
        resource: dict[str, Any] = {"name": GPU_RESOURCE, "nominalQuota": nominal}
        if borrowing is not None:
            resource["borrowingLimit"] = borrowing
        if lending is not None:
            resource["lendingLimit"] = lending
        flavors.append({"name": flavor, "resources": [resource]})
    return {
        "apiVersion": API_VERSION,
        "kind": "ClusterQueue",
        "metadata": {"name": name},
        "spec": {
            "cohort": cohort,
            "namespaceSelector": {},
            "queueingStrategy": "BestEffortFIFO",
            "resourceGroups": [{"coveredResources": [GPU_RESOURCE], "flavors": flavors}],
            "preemption": {
                "reclaimWithinCohort": "Any",
                "borrowWithinCohort": {"policy": "Never"},
                "withinClusterQueue": "LowerPriority",
            },
        },
    }


def export_kueue(
    contracts: Sequence[Contract],
    members: Sequence[Member],
    allocations: Sequence[Allocation],
    month: int,
    *,
    cohort: str = "flopfolio-pool",
) -> list[dict[str, Any]]:
    """Kueue objects enforcing ``month``'s allocations."""
    active = [c for c in contracts if c.capacity_at(month)]
    flavor_of = {c.id: _flavor(c)["metadata"]["name"] for c in active}
    objects: list[dict[str, Any]] = [_flavor(c) for c in active]
    allocated: dict[str, int] = {c.id: 0 for c in active}
    for member in members:
        if not member.active_in(month):
            continue
        quotas: dict[str, tuple[int, int | None, int | None]] = {}
        for a in allocations:
            if (
                a.member_id == member.id
                and a.contract_id in flavor_of
                and a.gpus_at(month)
                and a.kind is not AllocationKind.BORROWED
            ):
                nominal, _, _ = quotas.get(flavor_of[a.contract_id], (0, None, None))
                quotas[flavor_of[a.contract_id]] = (
                    nominal + a.gpus_at(month),
                    member.borrowing_limit,
                    None,
                )
                allocated[a.contract_id] += a.gpus_at(month)
        for c in active:  # every member may borrow on every flavor, even with no quota there
            quotas.setdefault(flavor_of[c.id], (0, member.borrowing_limit, None))
        name = k8s_name(f"member-{member.id}")
        objects.append(_cluster_queue(name, cohort, quotas))
        objects.append({
            "apiVersion": API_VERSION,
            "kind": "LocalQueue",
            "metadata": {"name": "gpus", "namespace": k8s_name(member.id)},
            "spec": {"clusterQueue": name},
        })  # fmt: skip
    idle: dict[str, tuple[int, int | None, int | None]] = {
        flavor_of[c.id]: (max(0, c.gpus - allocated[c.id]), 0, None) for c in active
    }
    objects.append(_cluster_queue(IDLE_QUEUE, cohort, idle))
    return objects


def to_yaml(objects: Sequence[dict[str, Any]]) -> str:
    import yaml

    return "---\n".join(yaml.safe_dump(o, sort_keys=False) for o in objects)
