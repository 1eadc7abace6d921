"""The calculators' API returns what the CLI prints for the same input (the pages show these
numbers), and bad input is a JSON 4xx naming it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from flopfolio.service.live import LiveApp, wait_until_up
from tests.cli.helpers import run_json

ROOT = Path(__file__).parents[2]


def _post(live: LiveApp, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(f"{live.url}/api/calc/{path}", json=body, timeout=120)
    assert response.status_code == 200, response.text
    payload: dict[str, Any] = response.json()
    return payload


def test_train_matches_the_cli(live: LiveApp) -> None:
    api = _post(
        live, "train", {"model": "llama-2-70b", "tokens": "2T", "gpu": "A100-80GB", "gpus": 2048}
    )
    cli = run_json(
        "train", "--model", "llama-2-70b", "--tokens", "2T", "--gpu", "A100-80GB", "--gpus", "2048"
    )
    assert api["estimate"] == cli
    # The offers: the expected run's cost on each, cheapest first; a 1-year term for a run of
    # about 47 days pays 12 months (the seeds' "long reservations multiply a short job's cost").
    offers = api["offers"]
    assert [o["cost_usd"] for o in offers] == sorted(o["cost_usd"] for o in offers)
    hours = cli["gpus"] * cli["expected"]["wall_days"] * 24
    on_demand = next(o for o in offers if o["term"] == "on_demand")
    assert (
        abs(on_demand["cost_usd"] - hours * on_demand["usd_per_gpu_hour"])
        < 1e-6 * on_demand["cost_usd"]
    )
    spot = next(o for o in offers if o["term"] == "spot")  # 10% of the work redone
    assert spot["cost_usd"] == pytest.approx(hours * spot["usd_per_gpu_hour"] * 1.1)
    yearly = next(o for o in offers if o["term"] == "1y")
    assert yearly["paid_months"] == 12
    assert abs(yearly["cost_usd"] - cli["gpus"] * 730 * 12 * yearly["usd_per_gpu_hour"]) < 1e-3
    assert api["chart"]["data"][0]["type"] == "bar" and api["explain"]


def test_a_run_too_long_to_rent_still_gets_its_estimate(live: LiveApp) -> None:
    body = {"model": "llama-2-70b", "tokens": "2T", "gpu": "RTX-4090", "gpus": 8}
    api = _post(live, "train", body)
    assert api["estimate"]["wall_days"] > 600 * 30 and api["offers"] == []


def test_serve_matches_the_cli(live: LiveApp) -> None:
    example = ROOT / "examples" / "chat-app.yaml"
    api = _post(live, "serve", {"workload": yaml.safe_load(example.read_text())})
    assert api["capacity"] == run_json("capacity", str(example))
    # The break-even chart crosses where the CLI says self-hosting starts to pay.
    curve = api["break_even"]
    cheapest = api["capacity"]["cheapest"]["accelerator"]
    crossing = api["capacity"]["hosted_api"]["break_even_requests_per_month"][cheapest]
    below = [p for p in curve if p["requests_per_month"] < crossing * 0.9]
    above = [p for p in curve if p["requests_per_month"] > crossing * 1.1]
    assert below and above
    assert all(p["api_monthly_usd"] < p["self_hosted_monthly_usd"] for p in below)
    assert all(p["api_monthly_usd"] > p["self_hosted_monthly_usd"] for p in above)


def test_serve_takes_the_yaml_itself_and_reads_no_server_file(live: LiveApp) -> None:
    example = ROOT / "examples" / "chat-app.yaml"
    api = _post(live, "serve", {"yaml": example.read_text()})
    assert api["capacity"] == run_json("capacity", str(example))
    secret = httpx.post(f"{live.url}/api/calc/serve", timeout=60, json={"yaml": example.read_text().replace(
        "  mean_requests_per_hour: 60000\n", "  csv: /etc/passwd\n")})  # fmt: skip
    assert secret.status_code == 422 and "does not read" in secret.json()["detail"]
    both = httpx.post(
        f"{live.url}/api/calc/serve", json={"yaml": "x: 1", "workload": {}}, timeout=60
    )
    assert both.status_code == 422


def test_compare_matches_the_cli(live: LiveApp) -> None:
    response = httpx.get(
        f"{live.url}/api/calc/compare", params={"term": "committed", "mfu": 0.5}, timeout=60
    )
    cli = run_json("compare", "--term", "committed", "--mfu", "0.5")
    assert response.json()["accelerators"] == cli["accelerators"]
    h100 = next(r for r in cli["accelerators"] if r["accelerator"] == "H100-SXM5-80GB")
    # By hand: $/GPU-h over (peak PFLOP/s × 0.5).
    assert (
        abs(
            h100["usd_per_effective_pflop_hour"]
            - h100["usd_per_gpu_hour"] / (h100["peak_tflops"] / 1e3 * 0.5)
        )
        < 1e-9
    )


def test_plan_matches_the_cli(live: LiveApp) -> None:
    example = ROOT / "examples" / "roadmap.yaml"
    api = _post(live, "plan", {"yaml": example.read_text()})
    assert api["plan"] == run_json("plan", str(example))
    # The page loads the packaged copy of the example: keep it identical to examples/.
    shipped = httpx.get(f"{live.url}/static/roadmap-example.yaml", timeout=30).text
    assert shipped == example.read_text()


def test_bad_input_is_a_json_4xx(live: LiveApp) -> None:
    unknown = httpx.post(
        f"{live.url}/api/calc/train",
        json={"model": "llama-2-70", "tokens": "2T", "gpu": "H100"},
        timeout=60,
    )
    assert unknown.status_code == 404 and "llama-2-70b" in unknown.json()["detail"]
    broken = httpx.post(
        f"{live.url}/api/calc/plan", json={"yaml": "horizon_months: [1"}, timeout=60
    )
    assert broken.status_code == 422 and "not valid YAML" in broken.json()["detail"]
    misspelt = httpx.post(
        f"{live.url}/api/calc/plan", json={"yaml": "horizon_month: 12"}, timeout=60
    )
    assert misspelt.status_code == 422 and "horizon_month" in misspelt.json()["detail"]
    workload = httpx.post(
        f"{live.url}/api/calc/serve", json={"workload": {"model": "llama-3.1-8b"}}, timeout=60
    )
    assert workload.status_code == 422 and "requests" in workload.json()["detail"]
    assert httpx.get(f"{live.url}/static/../app.py", timeout=30).status_code == 404


def test_a_custom_shape_matches_the_cli(live: LiveApp) -> None:
    shape = {
        "layers": 32,
        "hidden": 4096,
        "heads": 32,
        "ffn_hidden": 11008,
        "vocab": 32000,
        "seq_len": 4096,
    }
    api = _post(
        live, "train", {"params": "6.74B", "tokens": "1T", "gpu": "H100", "gpus": 64, **shape}
    )
    flags = [f"--{k.replace('_', '-')}={v}" for k, v in shape.items()]
    cli = run_json(
        "train", "--params", "7B", "--tokens", "1T", "--gpu", "H100", "--gpus", "64", *flags
    )
    assert api["estimate"] == cli


def test_flopfolio_serve_serves_the_pages_and_the_chart_library(tmp_path: Path) -> None:
    """The README's command itself: ``flopfolio serve`` on a port, pages and plotly.js offline."""
    import socket
    import subprocess

    from tests.cli.helpers import flopfolio_command

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    db = f"sqlite:///{tmp_path / 'pool.db'}"
    process = subprocess.Popen([*flopfolio_command(), "serve", "--port", str(port), "--database-url", db],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        assert wait_until_up(base), "flopfolio serve did not start"
        home = httpx.get(f"{base}/", timeout=30)
        assert (
            home.status_code == 200
            and "<title>Plan, price and pool AI compute — flopfolio</title>" in home.text
        )
        plotly = httpx.get(f"{base}/static/plotly.min.js", timeout=30)
        assert plotly.status_code == 200 and len(plotly.content) > 1_000_000
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_pinned_recomputation_matches_the_cli(live: LiveApp) -> None:
    args = {"model": "llama-3-8b", "tokens": "1T", "gpu": "H100", "gpus": 64}
    api = _post(live, "train", {**args, "recompute": "full"})
    cli = run_json("train", *(f"--{k}={v}" for k, v in args.items()), "--recompute", "full")
    assert api["estimate"] == cli and cli["parallel"]["recompute"] == "full"
    # The batch and the program factor too, by the CLI's names.
    extra = {"global_batch_tokens": "2M", "program_factor": 2.0}
    api = _post(live, "train", {**args, **extra})
    cli = run_json("train", *(f"--{k.replace('_', '-')}={v}" for k, v in {**args, **extra}.items()))
    assert api["estimate"] == cli
    assert cli["parallel"]["global_batch_tokens"] == pytest.approx(2 * 2**20, rel=0.05)
    bad = httpx.post(f"{live.url}/api/calc/train", json={**args, "recompute": "ful"}, timeout=60)
    assert bad.status_code == 422 and "recompute" in bad.text


def test_fleet_matches_the_cli(live: LiveApp) -> None:
    example = ROOT / "examples" / "fleet.yaml"
    api = _post(live, "fleet", {"yaml": example.read_text()})
    cli = run_json("fleet", str(example))
    assert api["fleet"] == cli
    # as JSON too, the same plan; one chart a month, stacked bars under the GPUs held
    assert _post(live, "fleet", {"fleet": yaml.safe_load(example.read_text())})["fleet"] == cli
    assert len(api["charts"]) == len(cli["months"])
    chart = api["charts"][0]
    assert chart["layout"]["barmode"] == "stack"
    held = sum(c["gpus"] for c in cli["months"][0]["optimized"]["cards"])
    assert chart["data"][-1]["y"] == [held] * 24
    shipped = httpx.get(f"{live.url}/static/fleet-example.yaml", timeout=30).text
    assert shipped == example.read_text()


@pytest.mark.parametrize(
    ("change", "status", "named"),
    [
        ("model: llama-3.1-70b", "model: llama-9.9b", 404),  # unknown model
        (
            "slo: {ttft_ms: 2000, tpot_ms: 60}",
            "slo: {ttft_ms: 1, tpot_ms: 1}",
            409,
        ),  # impossible SLO
        ("months: 4 ", "months: four ", 422),  # a bad field type
    ],
)
def test_fleet_bad_yaml_is_a_json_4xx_naming_the_field(
    live: LiveApp, change: str, status: str, named: int
) -> None:
    text = (ROOT / "examples" / "fleet.yaml").read_text().replace(change, status, 1)
    response = httpx.post(f"{live.url}/api/calc/fleet", json={"yaml": text}, timeout=120)
    assert response.status_code == named, response.text
    detail = response.json()["detail"]
    expected = {404: "workloads[0] (chat).model", 409: "workloads[0] (chat).slo", 422: "months"}
    assert expected[named] in detail


def test_fleet_web_solves_are_capped(live: LiveApp) -> None:
    # A solve holds a server thread: the web calculator takes at most 60 s, the CLI up to 600 s.
    text = "time_limit_s: 300\n" + (ROOT / "examples" / "fleet.yaml").read_text()
    response = httpx.post(f"{live.url}/api/calc/fleet", json={"yaml": text}, timeout=120)
    assert response.status_code == 422 and "time_limit_s 300" in response.json()["detail"]
