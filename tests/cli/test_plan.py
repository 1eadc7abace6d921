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
