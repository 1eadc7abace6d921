"""Kueue export: the objects a Kueue cluster accepts, with the pool's quotas."""

from __future__ import annotations

import re

import yaml

from flopfolio.pool.domain import Allocation, AllocationKind, Contract, Member
from flopfolio.pool.kueue import API_VERSION, GPU_RESOURCE, IDLE_QUEUE, export_kueue, to_yaml

CONTRACTS = [Contract("c1", "lambda", "H100-SXM5-80GB", "us-east", 64, 0, 12, 2.0),
             Contract("c2", "aws", "A100-SXM4-80GB", "us-west", 32, 0, 6, 1.5)]  # fmt: skip
MEMBERS = [
    Member("acme", "Acme", borrowing_limit=16),
    Member("Beta_Labs", "Beta"),
    Member("gone", "Gone", join_month=0, graduation_month=2),
]
ALLOCATIONS = [
    Allocation("a1", "acme", "c1", 0, 6, 32, AllocationKind.GUARANTEED, "r1"),
    Allocation("a2", "Beta_Labs", "c1", 2, 4, 8, AllocationKind.INFERENCE, "r2"),
    Allocation("a3", "Beta_Labs", "c2", 3, 4, 4, AllocationKind.BORROWED, "r3"),
]
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def test_structure_and_quotas() -> None:
    objects = export_kueue(CONTRACTS, MEMBERS, ALLOCATIONS, month=3)
    kinds = [o["kind"] for o in objects]
    assert (
        kinds.count("ResourceFlavor") == 2 and kinds.count("LocalQueue") == 2
    )  # "gone" has graduated
    assert kinds.count("ClusterQueue") == 3  # two members and the idle pool
    for o in objects:
        assert o["apiVersion"] == API_VERSION
        assert DNS_LABEL.match(o["metadata"]["name"]) and len(o["metadata"]["name"]) <= 63
    queues = {o["metadata"]["name"]: o for o in objects if o["kind"] == "ClusterQueue"}
    acme = queues["member-acme"]["spec"]
    assert acme["cohort"] == "flopfolio-pool" and acme["namespaceSelector"] == {}
    group = acme["resourceGroups"][0]
    assert group["coveredResources"] == [GPU_RESOURCE]
    quotas = {f["name"]: f["resources"][0] for f in group["flavors"]}
    h100 = quotas["h100-sxm5-80gb-c1"]
    assert h100 == {"name": GPU_RESOURCE, "nominalQuota": 32, "borrowingLimit": 16}
    assert all(isinstance(r["nominalQuota"], int) for r in quotas.values())
    # The idle queue holds what nobody was allocated (borrowed GPUs are not quota): 64 - 32 - 8.
    idle = {
        f["name"]: f["resources"][0]
        for f in queues[IDLE_QUEUE]["spec"]["resourceGroups"][0]["flavors"]
    }
    assert (
        idle["h100-sxm5-80gb-c1"]["nominalQuota"] == 24
        and idle["a100-sxm4-80gb-c2"]["nominalQuota"] == 32
    )
    local = next(
        o
        for o in objects
        if o["kind"] == "LocalQueue" and o["metadata"]["namespace"] == "beta-labs"
    )
    assert local["spec"] == {"clusterQueue": "member-beta-labs"}
    flavor = next(o for o in objects if o["kind"] == "ResourceFlavor")
    assert set(flavor["spec"]["nodeLabels"]) == {
        "flopfolio.io/accelerator",
        "flopfolio.io/contract",
        "flopfolio.io/cluster",
    }


def test_yaml_round_trip() -> None:
    objects = export_kueue(CONTRACTS, MEMBERS, ALLOCATIONS, month=0)
    assert list(yaml.safe_load_all(to_yaml(objects))) == objects
