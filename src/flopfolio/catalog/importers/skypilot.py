"""SkyPilot price catalog (schema v8 ``vms.csv``) -> per-accelerator-hour offers.

SkyPilot prices whole instances; an offer here is the price of one accelerator-hour, so the
instance price is divided by its accelerator count. On GCP the catalog lists the host VM (CPU and
memory) and the attached accelerators as separate rows: the two are summed, and a host row with no
accelerator row beside it is rejected (its price alone would understate the cost). Rows with a
missing, zero or negative price (SkyPilot's placeholders) are rejected with the reason; CPU-only
rows are counted and skipped.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flopfolio.catalog.offers import Offer
from flopfolio.errors import CatalogError, UnknownAcceleratorError

# GCP machine families that come with accelerators: prefix -> (accelerator name, count or None
# to read the count from the "-<n>g" suffix).
_GCP_HOSTS: tuple[tuple[str, str, int | None], ...] = (
    ("a2-highgpu-", "A100", None),
    ("a2-megagpu-", "A100", None),
    ("a2-ultragpu-", "A100-80GB", None),
    ("a3-highgpu-", "H100", None),
    ("a3-edgegpu-", "H100", None),
    ("a3-megagpu-", "H100", None),
    ("a3-ultragpu-", "H200", None),
    ("a4-highgpu-", "B200", None),
)
_G2_L4_COUNT = {"g2-standard-4": 1, "g2-standard-8": 1, "g2-standard-12": 1, "g2-standard-16": 1,
                "g2-standard-24": 2, "g2-standard-32": 1, "g2-standard-48": 4, "g2-standard-96": 8}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Rejected:
    where: str
    reason: str


@dataclass
class SkyPilotImport:
    offers: list[Offer] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    skipped_cpu_only: int = 0


def _price(raw: str | None) -> float | None:
    """A usable price, or None for SkyPilot's missing/placeholder values."""
    try:
        value = float(raw) if raw not in (None, "") else None
    except ValueError:
        return None
    return value if value is not None and value > 0 else None


def _gcp_host_accelerator(instance_type: str) -> tuple[str, int] | None:
    if instance_type in _G2_L4_COUNT:
        return "L4", _G2_L4_COUNT[instance_type]
    for prefix, name, count in _GCP_HOSTS:
        if instance_type.startswith(prefix):
            match = re.search(r"-(\d+)g$", instance_type)
            return name, count or (int(match.group(1)) if match else 1)
    return None


def import_skypilot_csv(
    path: Path | str,
    resolve: Callable[[str], str],
    *,
    cloud: str | None = None,
    as_of: dt.date | None = None,
) -> SkyPilotImport:
    """Offers from one ``vms.csv``. ``resolve`` maps an accelerator name to a catalog ID."""
    path = Path(path)
    provider = (cloud or path.parent.name).lower()
    date = as_of or dt.date.today()
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise CatalogError(f"Cannot read {path}: {exc.strerror}.") from None
    if rows and not {"InstanceType", "AcceleratorName", "Price"} <= set(rows[0]):
        raise CatalogError(
            f"{path} is not a SkyPilot vms.csv (needs InstanceType, AcceleratorName, Price)."
        )
    result = SkyPilotImport()
    source = f"SkyPilot catalog v8 {provider}/vms.csv ({path.name})"
    best: dict[tuple[str, ...], Offer] = {}

    def add(
        where: str,
        instance: str,
        accel_name: str,
        count: float,
        region: str,
        price: float | None,
        spot: float | None,
    ) -> None:
        try:
            acc_id = resolve(accel_name)
        except UnknownAcceleratorError:
            result.rejected.append(
                Rejected(where, f"accelerator {accel_name!r} is not in the catalog")
            )
            return
        if count <= 0:
            result.rejected.append(Rejected(where, f"accelerator count {count!r} is not positive"))
            return
        if price is None:
            result.rejected.append(Rejected(where, "missing or placeholder on-demand price"))
        for term, value in (("on_demand", price), ("spot", spot)):
            if value is None:
                continue
            offer = Offer(
                provider=provider, accelerator_id=acc_id, region=region or "global", term=term,
                usd_per_gpu_hour=round(value / count, 6), instance_type=instance,
                gpus_per_instance=int(count), status="current",
                source=f"{source} instance {instance or accel_name}", as_of=date,
                origin=f"skypilot:{path}",
            )  # fmt: skip
            if offer.key not in best or offer.usd_per_gpu_hour < best[offer.key].usd_per_gpu_hour:
                best[offer.key] = offer

    if provider == "gcp":
        _import_gcp(rows, path, add, result)
    else:
        for line, row in enumerate(rows, start=2):
            name = (row.get("AcceleratorName") or "").strip()
            if not name:
                result.skipped_cpu_only += 1
                continue
            count = float(row.get("AcceleratorCount") or 0)
            add(f"{path}:{line}", row["InstanceType"], name, count, row.get("Region", ""),
                _price(row.get("Price")), _price(row.get("SpotPrice")))  # fmt: skip
    result.offers = sorted(best.values(), key=lambda o: o.key)
    return result


def _import_gcp(
    rows: list[dict[str, str]], path: Path, add: Callable[..., None], result: SkyPilotImport
) -> None:
    """Pair each accelerator-bearing host row with the accelerator row of the same zone."""
    accel_prices: dict[tuple[str, str], tuple[float | None, float | None]] = {}
    for row in rows:
        if not (row.get("InstanceType") or "").strip() and row.get("AcceleratorName"):
            key = (row["AcceleratorName"], row.get("AvailabilityZone") or row.get("Region", ""))
            count = float(row.get("AcceleratorCount") or 1)
            price, spot = _price(row.get("Price")), _price(row.get("SpotPrice"))
            accel_prices[key] = (price / count if price else None, spot / count if spot else None)
    for line, row in enumerate(rows, start=2):
        where = f"{path}:{line}"
        instance = (row.get("InstanceType") or "").strip()
        if not instance:
            continue  # accelerator rows are consumed through their hosts
        attached = _gcp_host_accelerator(instance)
        if attached is None:
            result.skipped_cpu_only += 1
            continue
        name, count = attached
        zone = row.get("AvailabilityZone") or row.get("Region", "")
        per_gpu = accel_prices.get((name, zone))
        if per_gpu is None:
            result.rejected.append(Rejected(
                where, f"GCP host row {instance} in {zone} has no {name} accelerator row to add; "
                "its price covers only CPU and memory",
            ))  # fmt: skip
            continue
        host, host_spot = _price(row.get("Price")), _price(row.get("SpotPrice"))
        on_demand = host + count * per_gpu[0] if host and per_gpu[0] else None
        spot = host_spot + count * per_gpu[1] if host_spot and per_gpu[1] else None
        add(where, instance, name, count, row.get("Region", ""), on_demand, spot)
