"""Kueue export: the objects a Kueue cluster accepts, with the pool's quotas — one queue pair per
member, one flavor per accelerator, quotas that add up to the contracts."""

from __future__ import annotations

import re
from typing import Any

import yaml

from flopfolio.pool.domain import Allocation, AllocationKind, Contract, Member
from flopfolio.pool.kueue import (
    ACCELERATOR_LABEL,
    API_VERSION,
    GPU_RESOURCE,
    IDLE_QUEUE,
    export_kueue,
    to_yaml,
)

CONTRACTS = [Contract("c1", "lambda", "H100-SXM5-80GB", "us-east", 64, 0, 12, 2.0),
             Contract("c3", "nebius", "H100-SXM5-80GB", "eu-north", 16, 2, 12, 2.1),
             Contract("c2", "aws", "A100-SXM4-80GB", "us-west", 32, 0, 6, 1.5)]  # fmt: skip
MEMBERS = [
    Member("acme", "Acme", borrowing_limit=16, weight=2.0),
    Member("Beta_Labs", "Beta"),
    Member("gone", "Gone", join_month=0, graduation_month=2),
]
ALLOCATIONS = [
    Allocation("a1", "acme", "c1", 0, 6, 32, AllocationKind.GUARANTEED, "r1"),
    Allocation("a2", "Beta_Labs", "c1", 2, 4, 8, AllocationKind.INFERENCE, "r2"),
    Allocation("a4", "Beta_Labs", "c3", 2, 4, 4, AllocationKind.GUARANTEED, "r4"),
    Allocation("a3", "Beta_Labs", "c2", 3, 4, 4, AllocationKind.BORROWED, "r3"),
    Allocation("a5", "gone", "c2", 0, 2, 8, AllocationKind.GUARANTEED, "r5"),
]
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")

# The fields this export writes, as kueue.x-k8s.io/v1beta2 defines them (kubernetes-sigs/kueue
# apis/kueue/v1beta2: clusterqueue_types.go, localqueue_types.go, resourceflavor_types.go). A
# dict is an object and the fields it may hold; a list is a list of such objects; a type is a
# leaf. Anything else the export writes is a field Kueue would reject.
_QUOTA = {"name": str, "nominalQuota": int, "borrowingLimit": int, "lendingLimit": int}
SCHEMA: dict[str, dict[str, Any]] = {
    "ResourceFlavor": {"nodeLabels": dict},
    "ClusterQueue": {
        "cohortName": str,
        "namespaceSelector": dict,
        "queueingStrategy": str,
        "resourceGroups": [
            {"coveredResources": list, "flavors": [{"name": str, "resources": [_QUOTA]}]}
        ],
        "preemption": {
            "reclaimWithinCohort": str,
            "borrowWithinCohort": {"policy": str, "maxPriorityThreshold": int},
            "withinClusterQueue": str,
        },
        "fairSharing": {"weight": float},
    },
    "LocalQueue": {"clusterQueue": str},
}
ENUMS = {
    "queueingStrategy": {"StrictFIFO", "BestEffortFIFO"},
    "reclaimWithinCohort": {"Never", "LowerPriority", "Any"},
    "withinClusterQueue": {"Never", "LowerPriority", "LowerOrNewerEqualPriority"},
    "policy": {"Never", "LowerPriority"},
}


def _check(value: Any, schema: Any, where: str) -> None:
    if isinstance(schema, dict):
        assert isinstance(value, dict), where
        for key, item in value.items():
            assert key in schema, f"{where}.{key} is not a Kueue v1beta2 field"
            _check(item, schema[key], f"{where}.{key}")
            if key in ENUMS and isinstance(item, str):
                assert item in ENUMS[key], f"{where}.{key}={item}"
    elif isinstance(schema, list):
        assert isinstance(value, list) and value, where
        for i, item in enumerate(value):
            _check(item, schema[0], f"{where}[{i}]")
    elif schema is float:
        assert isinstance(value, int | float) and value > 0, where
    else:
        assert isinstance(value, schema), where
        if schema is int:
            assert value >= 0, where  # quotas and limits are non-negative quantities


def _queues(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o["spec"] for o in objects if o["kind"] == "ClusterQueue"}


def _quotas(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["name"]: f["resources"][0] for f in spec["resourceGroups"][0]["flavors"]}


def test_every_object_passes_the_v1beta2_schema() -> None:
    for month in range(8):
        for o in export_kueue(CONTRACTS, MEMBERS, ALLOCATIONS, month=month):
            assert o["apiVersion"] == API_VERSION and set(o) == {
                "apiVersion",
                "kind",
                "metadata",
                "spec",
            }
            name = o["metadata"]["name"]
            assert DNS_LABEL.match(name) and len(name) <= 63, name
            _check(o["spec"], SCHEMA[o["kind"]], f"{o['kind']}/{name}")


def test_one_queue_pair_per_member_and_one_flavor_per_accelerator() -> None:
    objects = export_kueue(CONTRACTS, MEMBERS, ALLOCATIONS, month=3)
    flavors = [o for o in objects if o["kind"] == "ResourceFlavor"]
    # Two H100 contracts make one flavor, named for the card (not "h100-...-h100-...-pool").
    assert [f["metadata"]["name"] for f in flavors] == ["a100-sxm4-80gb", "h100-sxm5-80gb"]
    assert flavors[1]["spec"]["nodeLabels"] == {ACCELERATOR_LABEL: "h100-sxm5-80gb"}
    queues = _queues(objects)
    assert set(queues) == {"member-acme", "member-beta-labs", "member-gone", IDLE_QUEUE}
    locals_ = {o["metadata"]["namespace"]: o["spec"] for o in objects if o["kind"] == "LocalQueue"}
    assert locals_ == {
        "acme": {"clusterQueue": "member-acme"},
        "beta-labs": {"clusterQueue": "member-beta-labs"},
        "gone": {"clusterQueue": "member-gone"},
    }
    assert {spec["cohortName"] for spec in queues.values()} == {"flopfolio-pool"}


def test_quotas_are_the_guarantees_and_add_up_to_the_contracts() -> None:
    queues = _queues(export_kueue(CONTRACTS, MEMBERS, ALLOCATIONS, month=3))
    acme, beta = _quotas(queues["member-acme"]), _quotas(queues["member-beta-labs"])
    assert acme["h100-sxm5-80gb"] == {
        "name": GPU_RESOURCE,
        "nominalQuota": 32,
        "borrowingLimit": 16,
    }
    assert queues["member-acme"]["fairSharing"] == {"weight": 2.0}
    # Beta: 8 inference GPUs on c1 plus 4 guaranteed on c3, one H100 quota; its borrowed A100s are
    # not quota, and with no limit of its own it may borrow without one.
    assert beta["h100-sxm5-80gb"] == {"name": GPU_RESOURCE, "nominalQuota": 12}
    assert beta["a100-sxm4-80gb"] == {"name": GPU_RESOURCE, "nominalQuota": 0}
    # "gone" graduated at month 2: a queue with nothing to run on and nothing to borrow.
    assert all(
        q == {"name": GPU_RESOURCE, "nominalQuota": 0, "borrowingLimit": 0}
        for q in _quotas(queues["member-gone"]).values()
    )
    idle = _quotas(queues[IDLE_QUEUE])
    assert idle["h100-sxm5-80gb"]["nominalQuota"] == 64 + 16 - 32 - 12
    assert idle["a100-sxm4-80gb"]["nominalQuota"] == 32
    for flavor, contracted in (("h100-sxm5-80gb", 80), ("a100-sxm4-80gb", 32)):
        total = sum(_quotas(spec)[flavor]["nominalQuota"] for spec in queues.values())
        assert total == contracted, flavor


def test_idle_quota_is_lendable_and_reclaimable() -> None:
    queues = _queues(export_kueue(CONTRACTS, MEMBERS, ALLOCATIONS, month=3))
    for name, spec in queues.items():
        assert spec["preemption"]["reclaimWithinCohort"] == "Any", name
        assert spec["preemption"]["borrowWithinCohort"]["policy"] == "LowerPriority", name
        assert all("lendingLimit" not in q for q in _quotas(spec).values()), name
    assert all(q["borrowingLimit"] == 0 for q in _quotas(queues[IDLE_QUEUE]).values())


def test_yaml_round_trip() -> None:
    objects = export_kueue(CONTRACTS, MEMBERS, ALLOCATIONS, month=0)
    assert list(yaml.safe_load_all(to_yaml(objects))) == objects


def test_batch_work_is_not_quota() -> None:
    """Batch work runs on lent capacity: like borrowing, it adds nothing to a member's
    nominalQuota, and the idle queue still holds what no quota does."""
    batch = Allocation("b1", "acme", "c1", 0, 6, 16, AllocationKind.BATCH, "rb")
    plain_export = export_kueue(CONTRACTS, MEMBERS, ALLOCATIONS, 3)
    with_batch = export_kueue(CONTRACTS, MEMBERS, [*ALLOCATIONS, batch], 3)
    assert with_batch == plain_export
