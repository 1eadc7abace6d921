"""Enforcing the pool on a real scheduler: one month of the program as Kueue objects.

* one ``ResourceFlavor`` per accelerator type under contract that month (name: the accelerator,
  node label ``flopfolio.io/accelerator``), however many contracts supply it;
* one ``ClusterQueue`` per member of the program, all in the pool's cohort: its nominal quota per
  flavor is the member's guaranteed and inference GPUs that month (borrowed GPUs are not quota);
  its borrowing limit is the member's (none = unlimited); its whole quota is lendable while idle
  (no lending limit) and reclaimed on demand (``reclaimWithinCohort: Any``); a borrowing workload
  may preempt lower-priority borrowed work (``borrowWithinCohort: LowerPriority``); its fair-share
  weight is the member's. A member not in the program that month keeps its queue with no quota
  and no borrowing, so its jobs wait instead of failing;
* a ``pool-idle`` ClusterQueue holding the contracted GPUs nobody was allocated, lendable in full
  and borrowing nothing: the idle capacity members borrow by fair share;
* one ``LocalQueue`` (``gpus``) per member namespace, pointing at the member's ClusterQueue.

So the nominal quotas of a flavor add up to the GPUs contracted for that accelerator that month.
Field names and types follow Kueue's ``kueue.x-k8s.io/v1beta2`` API (``apis/kueue/v1beta2`` in
kubernetes-sigs/kueue: ``cohortName``, ``resourceGroups``, ``preemption``, ``fairSharing``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from flopfolio.pool.domain import QUOTA_KINDS, Allocation, Contract, Member

API_VERSION = "kueue.x-k8s.io/v1beta2"
GPU_RESOURCE = "nvidia.com/gpu"
IDLE_QUEUE = "pool-idle"
LOCAL_QUEUE = "gpus"
ACCELERATOR_LABEL = "flopfolio.io/accelerator"

# A quota on one flavor: (nominal GPUs, borrowing limit or None for unlimited).
Quota = tuple[int, int | None]


def k8s_name(text: str) -> str:
    """A DNS-1123 label: lower case letters, digits and dashes, at most 63 characters."""
    name = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")
    return name[:63].rstrip("-") or "x"


def member_queue(member_id: str) -> str:
    return k8s_name(f"member-{member_id}")


def _flavor(accelerator_id: str) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": "ResourceFlavor",
        "metadata": {"name": k8s_name(accelerator_id)},
        "spec": {"nodeLabels": {ACCELERATOR_LABEL: k8s_name(accelerator_id)}},
    }


def _cluster_queue(
    name: str, cohort: str, quotas: dict[str, Quota], weight: float = 1.0
) -> dict[str, Any]:
    flavors = []
    for flavor, (nominal, borrowing) in sorted(quotas.items()):
        resource: dict[str, Any] = {"name": GPU_RESOURCE, "nominalQuota": nominal}
        if borrowing is not None:
            resource["borrowingLimit"] = borrowing
        flavors.append({"name": flavor, "resources": [resource]})
    return {
        "apiVersion": API_VERSION,
        "kind": "ClusterQueue",
        "metadata": {"name": name},
        "spec": {
            "cohortName": cohort,
            "namespaceSelector": {},
            "queueingStrategy": "BestEffortFIFO",
            "resourceGroups": [{"coveredResources": [GPU_RESOURCE], "flavors": flavors}],
            "preemption": {
                "reclaimWithinCohort": "Any",
                "borrowWithinCohort": {"policy": "LowerPriority"},
                "withinClusterQueue": "LowerPriority",
            },
            "fairSharing": {"weight": weight},
        },
    }


def _local_queue(member_id: str) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": "LocalQueue",
        "metadata": {"name": LOCAL_QUEUE, "namespace": k8s_name(member_id)},
        "spec": {"clusterQueue": member_queue(member_id)},
    }


def export_kueue(
    contracts: Sequence[Contract],
    members: Sequence[Member],
    allocations: Sequence[Allocation],
    month: int,
    *,
    cohort: str = "flopfolio-pool",
) -> list[dict[str, Any]]:
    """Kueue objects enforcing ``month``'s allocations, one queue pair per member."""
    active = [c for c in contracts if c.capacity_at(month)]
    flavor_of = {c.id: k8s_name(c.accelerator_id) for c in active}
    contracted: dict[str, int] = {}
    for c in active:
        contracted[flavor_of[c.id]] = contracted.get(flavor_of[c.id], 0) + c.capacity_at(month)
    objects: list[dict[str, Any]] = [
        _flavor(a) for a in sorted({c.accelerator_id for c in active}, key=k8s_name)
    ]
    allocated = dict.fromkeys(contracted, 0)
    for member in members:
        in_program = member.active_in(month)
        nominal = dict.fromkeys(contracted, 0)
        for a in allocations:
            if (
                in_program
                and a.member_id == member.id
                and a.contract_id in flavor_of
                and a.kind in QUOTA_KINDS
            ):
                nominal[flavor_of[a.contract_id]] += a.gpus_at(month)
                allocated[flavor_of[a.contract_id]] += a.gpus_at(month)
        borrowing = member.borrowing_limit if in_program else 0
        quotas: dict[str, Quota] = {f: (n, borrowing) for f, n in nominal.items()}
        objects.append(_cluster_queue(member_queue(member.id), cohort, quotas, member.weight))
        objects.append(_local_queue(member.id))
    idle: dict[str, Quota] = {f: (max(0, contracted[f] - allocated[f]), 0) for f in contracted}
    objects.append(_cluster_queue(IDLE_QUEUE, cohort, idle))
    return objects


def to_yaml(objects: Sequence[dict[str, Any]]) -> str:
    import yaml

    return "---\n".join(yaml.safe_dump(o, sort_keys=False) for o in objects)
