"""flopfolio tco and threshold, end to end."""

import pytest

from tests.cli.helpers import run_cli, run_json


def test_tco_breakdown_adds_up() -> None:
    d = run_json("tco", "--gpu", "H100", "--gpus", "2000", "--rent", "3.0")
    owned = d["owned_usd_per_gpu_hour"]
    parts = (
        owned["capex"]
        + owned["capital"]
        + owned["power"]
        + owned["space_and_cooling"]
        + owned["staff"]
    )
    assert owned["total"] == pytest.approx(parts)
    assert owned["per_used_hour"] == pytest.approx(owned["total"] / 0.8)
    assert d["rent_annual_usd"] == pytest.approx(2000 * 8760 * 0.8 * 3.0)
    assert d["break_even_utilization"] == pytest.approx(owned["total"] / 3.0)
    # Where the model puts the seed's "more than $50 million per year": well below it (docs say why).
    assert 0 < d["scale_break_even_annual_spend_usd"] < d["seed_rule_of_thumb_usd_per_year"]
    assert run_cli("tco", "--gpu", "H100").returncode == 0


def test_tco_needs_a_purchase_price() -> None:
    done = run_cli("tco", "--gpu", "TPU-V4", "--rent", "2")
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1


def test_seed_threshold_case() -> None:
    # Seed 001: "the prior model developer spent $95 million ... you're spending $7 million to
    # fine-tune it ... now you're subject to that 100 million threshold".
    d = run_json("threshold", "--base-cost-usd", "95e6", "--finetune-cost-usd", "7e6")
    assert d["cumulative"]["cost_usd"] == pytest.approx(102e6)
    crossed = set(d["crossed_usd_criteria"])
    assert crossed and all(
        r["threshold_usd"] == 100e6 for r in d["thresholds"] if r["id"] in crossed
    )
    done = run_cli("threshold", "--base-cost-usd", "95e6", "--finetune-cost-usd", "7e6")
    assert done.returncode == 0 and "SB 1047" in done.stdout


def test_threshold_from_a_run_description() -> None:
    d = run_json("threshold", "--base-params", "405B", "--base-tokens", "15.6T", "--active-only")
    assert d["cumulative"]["flops"] == pytest.approx(6 * 405e9 * 15.6e12)
    assert "eu-ai-act-art51-2" in d["crossed"]
    assert all(r["active"] for r in d["thresholds"])
    assert run_cli("threshold").returncode == 2
