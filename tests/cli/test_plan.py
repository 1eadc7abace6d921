"""flopfolio plan: the example roadmap end to end, and bad roadmaps."""

from pathlib import Path

import yaml

from tests.cli.helpers import run_cli, run_json
from tests.conftest import REPO

EXAMPLE = REPO / "examples" / "roadmap.yaml"


def test_example_roadmap() -> None:
    d = run_json("plan", str(EXAMPLE))
    assert d["expected_cost_usd"] > 0 and len(d["months"]) == 24
    assert d["committed_usd"] <= d["commitment_limit_usd"] + 1e-6
    assert d["committed_usd"] == sum(p["cost_usd"] for p in d["purchases"])
    # Training FLOPs come from the model presets: Llama 3 8B on 15T tokens is ~7e23 model FLOPs.
    assert 6e23 < d["assumptions"]["training_flops"]["base-8b"] < 9e23
    assert d["binding"]  # the example is built so that something binds
    done = run_cli("plan", str(EXAMPLE))
    assert done.returncode == 0 and "Commitments" in done.stdout and "Month by month" in done.stdout


def test_infeasible_and_misspelt(tmp_path: Path) -> None:
    data = yaml.safe_load(EXAMPLE.read_text())
    data["cash_usd"] = 1e5
    bad = tmp_path / "r.yaml"
    bad.write_text(yaml.safe_dump(data))
    done = run_cli("plan", str(bad))
    assert (
        done.returncode == 2
        and "risk limit" in done.stderr
        and len(done.stderr.strip().splitlines()) == 1
    )
    data = yaml.safe_load(EXAMPLE.read_text())
    data["horizon_month"] = data.pop("horizon_months")
    bad.write_text(yaml.safe_dump(data))
    done = run_cli("plan", str(bad))
    assert (
        done.returncode == 2 and "horizon_month" in done.stderr and "horizon_months" in done.stderr
    )


def test_a_fine_tune_is_a_roadmap_item(tmp_path: Path) -> None:
    data = yaml.safe_load(EXAMPLE.read_text())
    data["training"].append(
        {
            "name": "chat-lora",
            "model": "llama-3-70b",
            "tokens": 2e9,
            "method": "lora",
            "mfu": 0.35,
            "earliest_month": 12,
            "deadline_month": 13,
        }
    )
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump(data))
    d = run_json("plan", str(path))
    flops = d["assumptions"]["training_flops"]["chat-lora"]
    # LoRA: the frozen base's forward and activation backward, 4·N per token (N ≈ 70.6e9), plus
    # 6·N_lora for the adapters (<1% here) and the attention scores at 2,048 tokens (PaLM's
    # definition, ~9% for this shape): 4.41·N
    assert 4 * 70.6e9 * 2e9 < flops < 4.6 * 70.6e9 * 2e9
    work = d["assumptions"]["work_reference_gpu_months"]
    pretrain_equivalent = (
        6 * 70.6e9 * 2e9 / 0.4
    )  # the same tokens as pre-training at the roadmap's MFU
    assert work["chat-lora"] < work["base-8b"]
    assert flops / 0.35 < pretrain_equivalent


def test_a_lead_time_delays_an_offer(tmp_path: Path) -> None:
    # The example's negotiated H100 6-month reservation, quoted with a 12-week lead time
    # (12 x 12/52 = 2.77 months): no purchase of it may start before month 3.
    data = yaml.safe_load(EXAMPLE.read_text())
    data["offers"][0]["lead_time_weeks"] = 12
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump(data))
    d = run_json("plan", str(path))
    neocloud = [p for p in d["purchases"] if p["offer"] == "neocloud H100 6-month"]
    assert all(p["start_month"] >= 3 and p["offer_first_month"] == 3 for p in neocloud)
    before = run_json("plan", str(EXAMPLE))
    assert any(
        p["start_month"] < 3 for p in before["purchases"] if p["offer"] == "neocloud H100 6-month"
    )
