"""flopfolio capacity: the example workload, the chart, the hosted-API comparison, bad input."""

from pathlib import Path

import pytest
import yaml

from tests.cli.helpers import run_cli, run_json
from tests.conftest import REPO

EXAMPLE = REPO / "examples" / "chat-app.yaml"


def test_example_compares_policies_and_accelerators(tmp_path: Path) -> None:
    chart = tmp_path / "chat.html"
    d = run_json("capacity", str(EXAMPLE), "--plot", str(chart))
    assert d["accelerators"] and d["cheapest"]["monthly_cost_usd"] > 0
    for plan in d["accelerators"]:
        names = {p["name"] for p in plan["policies"]}
        assert {"ideal", "peak", "autoscale"} <= names
        by = {p["name"]: p for p in plan["policies"]}
        assert by["ideal"]["monthly_cost_usd"] <= by["autoscale"]["monthly_cost_usd"]
        # The example has a 10x launch-day spike: every policy reports what it cost.
        assert all(
            p["spike_cost_usd"] is not None and p["spike_cost_usd"] >= 0 for p in plan["policies"]
        )
    api = d["hosted_api"]
    assert api["model"] == "gpt-4o-mini" and api["monthly_cost_usd"] > 0
    # The API bill is requests × mean tokens × the snapshot's prices ($0.15 / $0.60 per 1M).
    demand = d["demand"]
    per_request = (demand["mean_input_tokens"] * 0.15 + demand["mean_output_tokens"] * 0.60) / 1e6
    assert api["monthly_cost_usd"] == pytest.approx(
        per_request * demand["total_requests"] * 730 / d["hours"], rel=1e-6
    )
    html = chart.read_text()
    assert chart.stat().st_size > 1_000_000 and "plotly" in html and "Demand and capacity" in html


def test_table_output() -> None:
    done = run_cli("capacity", str(EXAMPLE))
    assert done.returncode == 0, done.stderr
    for text in ("Monthly cost by policy", "autoscale", "Cheapest:", "break-even"):
        assert text in done.stdout


def test_bad_workloads(tmp_path: Path) -> None:
    data = yaml.safe_load(EXAMPLE.read_text())
    data["demand"]["peak_to_mean"] = 0.5
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    done = run_cli("capacity", str(bad))
    assert (
        done.returncode == 2
        and "peak_to_mean" in done.stderr
        and len(done.stderr.strip().splitlines()) == 1
    )
    data = yaml.safe_load(EXAMPLE.read_text())
    data["acelerators"] = data.pop("accelerators")
    bad.write_text(yaml.safe_dump(data))
    done = run_cli("capacity", str(bad))
    assert done.returncode == 2 and "acelerators" in done.stderr
    done = run_cli("capacity", str(EXAMPLE), "--plot", str(tmp_path / "chart.svg"))
    assert done.returncode == 2 and ".svg" in done.stderr


def test_demand_from_csv(tmp_path: Path) -> None:
    csv = tmp_path / "demand.csv"
    csv.write_text(
        "hour,requests\n" + "".join(f"{h},{1000 + 500 * (h % 24 > 8)}\n" for h in range(72))
    )
    data = yaml.safe_load(EXAMPLE.read_text())
    data["demand"] = {"csv": "demand.csv"}  # relative to the workload file
    data["accelerators"] = ["H100"]
    workload = tmp_path / "w.yaml"
    workload.write_text(yaml.safe_dump(data))
    d = run_json("capacity", str(workload))
    assert d["hours"] == 72 and d["demand"]["peak_requests_per_hour"] == 1500


@pytest.mark.parametrize(
    ("terms", "taken"),
    [
        (",,", True),  # no stated terms: available now
        ("waitlist,12,", False),  # a 12-week lead time: it cannot serve month one
        ("in_stock,0,", True),
    ],
)
def test_a_card_with_a_lead_time_cannot_serve_month_one(
    tmp_path: Path, terms: str, taken: bool
) -> None:
    # A user's (fictional) offer far cheaper than any L40S in the catalog, with its terms.
    (tmp_path / "offers.csv").write_text(
        "provider,accelerator_id,region,term,usd_per_gpu_hour,instance_type,gpus_per_instance,"
        "status,source,as_of,note,availability,lead_time_weeks,egress_usd_per_gb\n"
        f"quotecloud,L40S,home,on_demand,0.05,x,1,current,a test quote,2026-10-01,,{terms}\n"
    )
    d = run_json("capacity", str(EXAMPLE), env={"FLOPFOLIO_CATALOG": str(tmp_path)})
    l40s = next(a for a in d["accelerators"] if a["accelerator"] == "L40S")
    assert (l40s["offers"]["on_demand"]["provider"] == "quotecloud") is taken
