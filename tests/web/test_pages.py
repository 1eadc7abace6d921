"""Each page driven in headless Chromium as a person would: fill the form, submit (by keyboard
where it matters), and see the CLI's number for the same input and a rendered chart; errors show
in place; the member view never shows another member's data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from flopfolio.service.live import LiveApp
from tests.cli.helpers import run_json

ROOT = Path(__file__).parents[2]


def _open(page: Any, live: LiveApp, path: str) -> None:
    page.goto(live.url + path)
    page.wait_for_selector("body[data-ready]")


def _value(page: Any, output_id: str) -> float:
    return float(page.locator(f"#{output_id}").get_attribute("data-value"))


def _chart_drawn(page: Any, chart_id: str) -> None:
    page.wait_for_selector(f"#{chart_id} .main-svg")
    assert page.locator(f"#{chart_id} .main-svg").count() >= 1


def test_every_page_has_a_title_and_navigation(page: Any, live: LiveApp) -> None:
    for path, title in [("/", "Plan, price and pool AI compute"), ("/train", "Training estimate"),
                        ("/serve", "Serving capacity"), ("/compare", "Compare accelerators and offers"),
                        ("/plan", "Procurement plan"), ("/fleet", "Serving fleet"),
                        ("/pool", "Pool dashboard")]:  # fmt: skip
        _open(page, live, path)
        assert page.title() == f"{title} — flopfolio"
        assert page.locator("h1").inner_text() == title
        assert page.locator('nav a[aria-current="page"]').count() == 1
    # Offline: the chart library comes from the app itself, not a CDN.
    assert page.evaluate("typeof Plotly") == "object"
    assert all(
        s.startswith(live.url)
        for s in page.eval_on_selector_all("script[src]", "els => els.map(e => e.src)")
    )


def test_training_page_matches_the_cli(page: Any, live: LiveApp) -> None:
    _open(page, live, "/train")
    page.get_by_label("Model preset").select_option("llama-2-7b")
    page.get_by_label("Training tokens").fill("1T")
    page.locator("#gpu").select_option("H100-SXM5-80GB")
    page.get_by_label("Recomputation").select_option("full")
    gpus = page.get_by_role("spinbutton", name="GPUs", exact=True)
    gpus.fill("256")
    gpus.press("Enter")  # submit from the keyboard
    _chart_drawn(page, "offers-chart")
    cli = run_json(
        "train",
        "--model",
        "llama-2-7b",
        "--tokens",
        "1T",
        "--gpu",
        "H100-SXM5-80GB",
        "--gpus",
        "256",
        "--recompute",
        "full",
    )
    assert "full recompute" in page.locator("#parallel").inner_text()
    assert _value(page, "gpu-hours") == cli["gpu_hours"]
    assert _value(page, "cost") == cli["cost_usd"]
    assert _value(page, "wall-days") == cli["wall_days"]
    assert _value(page, "memory") == cli["memory_per_gpu_gib"]
    assert page.locator("#gpu-hours").inner_text() == f"{round(cli['gpu_hours']):,}"
    assert (
        page.locator("#cost-band").inner_text()
        == f"${round(cli['cost_usd_low']):,} – ${round(cli['cost_usd_high']):,}"
    )
    page.get_by_text("How this was computed").click()
    assert "MFU" in page.locator("#explain").inner_text()


def test_training_page_shows_errors_in_place(page: Any, live: LiveApp) -> None:
    _open(page, live, "/train")
    page.get_by_label("Model preset").select_option("")
    page.get_by_label("Parameters (if no preset)").fill("seven billion")
    page.get_by_role("button", name="Estimate").click()
    error = page.locator("#error")
    error.wait_for(state="visible")
    assert "seven billion" in error.inner_text()
    assert page.locator("#results").is_hidden()
    assert page.get_by_role("button", name="Estimate").is_enabled()


def test_serving_page_matches_the_cli(page: Any, live: LiveApp, tmp_path: Path) -> None:
    _open(page, live, "/serve")
    page.get_by_label("Model preset").select_option("llama-3.1-8b")
    page.get_by_label("Mean requests / hour").fill("20000")
    page.get_by_label("Accelerators (comma-separated)").fill("H100, L40S")
    page.get_by_role("button", name="Plan capacity").click()
    _chart_drawn(page, "capacity-chart")
    _chart_drawn(page, "break-even-chart")
    workload = {
        "model": "llama-3.1-8b", "precision": "fp8",
        "requests": [{"share": 1, "input_tokens": 1460, "output_tokens": 355}],
        "latency": {"tpot_ms": 40},
        "demand": {"mean_requests_per_hour": 20000, "hours": 720, "peak_to_mean": 3,
                   "weekend_factor": 0.6, "growth_per_week": 0},
        "accelerators": ["H100", "L40S"], "api_model": "gpt-4o-mini",
    }  # fmt: skip
    path = tmp_path / "workload.yaml"
    path.write_text(__import__("yaml").safe_dump(workload))
    cli = run_json("capacity", str(path))
    assert _value(page, "monthly") == cli["cheapest"]["monthly_cost_usd"]
    assert page.locator("#cheapest").inner_text() == cli["cheapest"]["accelerator"]
    assert _value(page, "api-monthly") == cli["hosted_api"]["monthly_cost_usd"]
    assert (
        _value(page, "break-even")
        == cli["hosted_api"]["break_even_requests_per_month"][cli["cheapest"]["accelerator"]]
    )
    assert page.locator("#policies tbody tr").count() == sum(
        len(a["policies"]) - 1 for a in cli["accelerators"]
    )


def test_compare_page_filters(page: Any, live: LiveApp) -> None:
    _open(page, live, "/compare")
    _chart_drawn(page, "compare-chart")
    page.get_by_label("Minimum memory (GiB)").fill("100")
    page.get_by_label("Term").select_option("spot")  # a change refreshes the table
    page.wait_for_function(
        "document.querySelector('#compare-form').getAttribute('aria-busy') === null"
    )
    cli = run_json("compare", "--term", "spot", "--min-memory-gib", "100")
    assert _value(page, "count") == len(cli["accelerators"])
    names = page.locator("#accelerators tbody tr td:first-child").all_inner_texts()
    assert names == [r["accelerator"] for r in cli["accelerators"]]
    first = cli["accelerators"][0]
    assert (
        page.locator("#accelerators tbody tr").first.locator("td").nth(6).inner_text()
        == f"${first['usd_per_effective_pflop_hour']:.2f}"
    )
    # An accelerator's offers, side by side: what `flopfolio prices` lists for the same filter.
    page.get_by_role("button", name=f"Offers for {first['accelerator']}").click()
    page.locator("#offers-section").wait_for(state="visible")
    prices = run_json("prices", first["accelerator"], "--term", "spot")["offers"]
    shown = page.locator("#offers tbody tr td:nth-child(4)").all_inner_texts()
    assert shown == [f"${o['usd_per_gpu_hour']:.2f}" for o in prices]


def test_plan_page_matches_the_cli(page: Any, live: LiveApp) -> None:
    _open(page, live, "/plan")
    assert (
        page.get_by_label("Roadmap YAML").input_value()
        == (ROOT / "examples" / "roadmap.yaml").read_text()
    )
    page.get_by_role("button", name="Optimise the plan").click()
    _chart_drawn(page, "plan-chart")
    cli = run_json("plan", str(ROOT / "examples" / "roadmap.yaml"))
    assert _value(page, "expected-cost") == cli["expected_cost_usd"]
    assert _value(page, "committed") == cli["committed_usd"]
    assert page.locator("#binding li").all_inner_texts() == cli["binding"]
    # A typo in the YAML is reported in place, naming the key.
    page.get_by_label("Roadmap YAML").fill("horizon_month: 12\n")
    page.get_by_role("button", name="Optimise the plan").click()
    page.locator("#error").wait_for(state="visible")
    assert "horizon_month" in page.locator("#error").inner_text()


def test_fleet_page_matches_the_cli(page: Any, live: LiveApp) -> None:
    example = ROOT / "examples" / "fleet.yaml"
    _open(page, live, "/fleet")
    assert page.get_by_label("Fleet YAML").input_value() == example.read_text()
    page.get_by_role("button", name="Place the fleet").click()
    _chart_drawn(page, "fleet-chart")
    cli = run_json("fleet", str(example))
    month = cli["months"][0]
    assert _value(page, "usd-month") == month["optimized"]["usd_per_month"]
    assert _value(page, "usd-hour") == month["optimized"]["usd_per_hour"]
    assert _value(page, "naive-month") == month["naive"]["usd_per_month"]
    assert _value(page, "usd-month") < _value(page, "naive-month")
    rows = page.locator("#cards tbody tr")
    assert rows.count() == len(month["optimized"]["cards"])
    first = month["optimized"]["cards"][0]
    assert rows.first.locator("td").nth(4).inner_text() == f"{100 * first['utilization']:.1f}%"
    assert page.locator("#shared li").count() == len(month["optimized"]["shared_gpus"])
    # the chart: one bar trace per placement and shared GPU, and the GPUs held
    traces = page.evaluate("document.getElementById('fleet-chart').data.length")
    assert (
        traces == len(month["optimized"]["placement"]) + len(month["optimized"]["shared_gpus"]) + 1
    )
    # another month from the selector
    page.get_by_label("Month").select_option("3")
    page.wait_for_function(
        f"document.getElementById('usd-month').dataset.value === '{cli['months'][3]['optimized']['usd_per_month']}'"
    )
    # an unknown model is reported in place, naming the field
    page.get_by_label("Fleet YAML").fill(example.read_text().replace("llama-3.1-70b", "llama-9.9b"))
    page.get_by_role("button", name="Place the fleet").click()
    page.locator("#error").wait_for(state="visible")
    assert "workloads[0] (chat).model" in page.locator("#error").inner_text()
    assert page.locator("#results").is_hidden()


def _sign_in(page: Any, live: LiveApp, key: str) -> None:
    _open(page, live, "/pool")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Open the dashboard").click()


def test_operator_dashboard(page: Any, live: LiveApp) -> None:
    _sign_in(page, live, live.operator_key)
    _chart_drawn(page, "pool-chart")
    # Where the contracted GPU-hours went: one stacked bar per part, the contracted line on top.
    _chart_drawn(page, "use-chart")
    names = page.evaluate("document.getElementById('use-chart').data.map(t => t.name)")
    assert names == ["used (guaranteed + inference)", "lent inside the pool", "batch work",
                     "resold to the market", "idle", "contracted"]  # fmt: skip
    bars = page.evaluate("document.getElementById('use-chart').data.map(t => t.y)")
    for month, contracted in enumerate(bars[-1]):  # the parts add up to what is contracted
        assert sum(part[month] for part in bars[:-1]) == pytest.approx(contracted)
    api = httpx.get(
        f"{live.url}/api/dashboard", headers={"X-API-Key": live.operator_key}, timeout=60
    ).json()
    report = run_json("pool", "report", "--database-url", live.database_url)
    assert _value(page, "utilization") == api["utilization"]
    # The CLI's report sums GPU-months its own way (program_report): the same utilization.
    assert abs(_value(page, "utilization") - report["utilization"]) < 1e-12
    assert abs(_value(page, "contract-cost") - report["contract_cost_usd"]) < 1e-6
    assert abs(_value(page, "internal-price") - report["internal_usd_per_gpu_hour"]) < 1e-9
    # Idle: contracted GPU-hours nobody used and the market did not buy, at their contracts' prices.
    assert _value(page, "idle-cost") == pytest.approx(report["idle_cost_usd"])
    assert _value(page, "resale") == pytest.approx(report["resale_usd"])
    # Savings vs standalone from the contracts, the idle share included: the CLI's figures.
    assert _value(page, "alone-cost") == pytest.approx(report["savings"]["standalone_usd"])
    assert _value(page, "pooled-bills") == pytest.approx(report["savings"]["pooled_usd"])
    assert _value(page, "truth-saving") == pytest.approx(report["savings"]["saving_usd"])
    assert "idle share" in page.locator("#pooled-note").inner_text()
    assert [r["idle_gpu_hours"] for r in api["use"]] == [
        r["idle_gpu_hours"] for r in report["monthly"]
    ]
    page.get_by_role("button", name="Compute the savings report").click()
    page.locator("#savings").wait_for(state="visible")
    savings = httpx.get(
        f"{live.url}/api/savings", headers={"X-API-Key": live.operator_key}, timeout=120
    ).json()
    assert _value(page, "value") == savings["value_usd"] > 0
    assert _value(page, "value") == pytest.approx(
        _value(page, "standalone-cost") - _value(page, "pooled-cost")
    )


def test_member_view_and_approval(page: Any, live: LiveApp) -> None:
    _sign_in(page, live, live.member_key)
    _chart_drawn(page, "member-chart")
    own = live.member_id
    for table in ("allocations", "invoices"):
        members = set(page.locator(f"#{table} tbody tr td:first-child").all_inner_texts())
        assert members == {own}, (table, members)
    others = [
        m["id"]
        for m in httpx.get(
            f"{live.url}/api/members", headers={"X-API-Key": live.operator_key}, timeout=30
        ).json()["items"]
        if m["id"] != own
    ]
    text = page.locator("main").inner_text()
    assert not [m for m in others if m in text]
    # Asking for another member's view from this page's key is refused.
    status = page.evaluate(
        f"fetch('/api/dashboard?member_id={others[0]}', {{headers: {{'X-API-Key': sessionStorage.getItem('flopfolio-key')}}}}).then(r => r.status)"
    )
    assert status == 403
    # The member asks for capacity; it waits for the operator, who approves it on the dashboard.
    # The demo's contracts follow pooled demand closely: no H100 contract has 64 GPUs free in
    # months 6-8, so approval buys on-demand capacity for it (a top-up).
    op = {"X-API-Key": live.operator_key}
    contracts = httpx.get(f"{live.url}/api/contracts?limit=1000", headers=op, timeout=30).json()[
        "items"
    ]
    allocations = httpx.get(
        f"{live.url}/api/allocations?limit=1000", headers=op, timeout=30
    ).json()["items"]
    h100 = [c for c in contracts if c["accelerator_id"] == "H100-SXM5-80GB"]
    for c in h100:
        held = [sum(a["gpus"] for a in allocations if a["contract_id"] == c["id"]
                    and a["kind"] in ("guaranteed", "inference") and a["start_month"] <= m < a["end_month"])
                for m in (6, 7)]  # fmt: skip
        assert (
            min(
                c["gpus"] * (c["start_month"] <= m < c["end_month"]) - g
                for m, g in zip((6, 7), held, strict=True)
            )
            < 64
        )
    page.get_by_label("Accelerators (comma-separated)").fill("H100")
    page.get_by_role("spinbutton", name="GPUs", exact=True).fill("64")
    page.get_by_label("Earliest month").fill("6")
    page.get_by_label("Deadline month").fill("8")
    page.get_by_role("button", name="Send for approval").click()
    page.wait_for_selector("#request-status:has-text('pending'), #request-error:visible")
    assert page.locator("#request-error").is_hidden(), page.locator("#request-error").inner_text()
    page.get_by_role("button", name="Sign out").click()
    _sign_in(page, live, live.operator_key)
    _chart_drawn(page, "pool-chart")
    row = page.locator("#pending tbody tr", has_text=own)
    row.get_by_role("button", name="Approve").focus()
    page.keyboard.press("Enter")  # keyboard-usable
    page.wait_for_function("document.getElementById('decision').textContent.startsWith('Request ')")
    decision = page.locator("#decision").inner_text()
    assert "accepted" in decision and "bought 1 on-demand contract" in decision, decision
    assert page.locator("#pending tbody tr", has_text=own).count() == 0
    after = httpx.get(f"{live.url}/api/contracts?limit=1000", headers=op, timeout=30).json()[
        "items"
    ]
    (bought,) = [c for c in after if c["id"] not in {c["id"] for c in contracts}]
    assert (bought["accelerator_id"], bought["gpus"], bought["start_month"], bought["end_month"]) == (
        "H100-SXM5-80GB", 64, 6, 8)  # fmt: skip


def test_serving_page_takes_a_pasted_workload_yaml(page: Any, live: LiveApp) -> None:
    example = ROOT / "examples" / "chat-app.yaml"
    _open(page, live, "/serve")
    page.get_by_text("Or paste a workload YAML").click()
    page.locator("#workload-yaml").fill(example.read_text())
    page.get_by_role("button", name="Plan capacity").click()
    _chart_drawn(page, "capacity-chart")
    cli = run_json("capacity", str(example))
    assert _value(page, "monthly") == cli["cheapest"]["monthly_cost_usd"]


def test_screenshot_script_writes_every_page(browser: Any, tmp_path: Path) -> None:
    """docs/screenshots.py, as docs/web.md tells a reviewer to run it (``browser``: skip rule)."""
    import subprocess
    import sys

    del browser
    done = subprocess.run([sys.executable, str(ROOT / "docs" / "screenshots.py"), str(tmp_path)],
                          capture_output=True, text=True, timeout=600, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    names = {p.stem for p in tmp_path.glob("*.png")}
    assert names == {"index", "train", "serve", "compare", "plan", "pool-operator", "pool-member"}
    assert all(p.stat().st_size > 20_000 for p in tmp_path.glob("*.png"))
