"""An MoE model at FP4 gives the same numbers, with ranges, from the Python API, the CLI and the
REST calculator (issue 16: the surfaces must not disagree on the models people buy now)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import yaml

import flopfolio
from flopfolio.service.live import LiveApp
from tests.cli.helpers import run_json

SCOUT_ON_B200 = {
    "model": "llama-4-scout-17b-16e",
    "gpu": "B200",
    "precision": "fp4",
    "input_tokens": 1000,
    "output_tokens": 1000,
    "batch": "max",
}


def test_python_api_and_cli_agree_on_scout_fp4_with_ranges() -> None:
    api = flopfolio.estimate_serving(**SCOUT_ON_B200).to_dict()  # type: ignore[arg-type]
    cli = run_json(
        "infer", "--model", "llama-4-scout-17b-16e", "--gpu", "B200", "--precision", "fp4",
        "--input-tokens", "1000", "--output-tokens", "1000", "--batch", "max",
    )  # fmt: skip
    assert api == cli
    assert cli["assumptions"]["weight_precision"] == "fp4"
    low, mid, high = (cli[f"output_tokens_per_s{s}"] for s in ("_low", "", "_high"))
    assert low < mid < high
    # FP4 on a card with FP4 tensor cores: the published 10,591 tok/s is inside the band.
    assert low < 10_591 < high


def _capacity_from_rest_and_cli(
    live: LiveApp, tmp_path: Path, workload: dict[str, Any]
) -> dict[str, Any]:
    """The capacity plan of ``workload`` from the REST calculator and from the CLI, which must
    be the same; returned as the CLI's JSON."""
    response = httpx.post(f"{live.url}/api/calc/serve", json={"workload": workload}, timeout=120)
    assert response.status_code == 200, response.text
    path = tmp_path / "workload.yaml"
    path.write_text(yaml.safe_dump(workload))
    cli: dict[str, Any] = run_json("capacity", str(path))
    assert response.json()["capacity"] == cli
    return cli


def test_rest_calculator_serves_an_moe_fp4_workload_as_the_cli_does(
    live: LiveApp, tmp_path: Path
) -> None:
    workload = {
        "model": "llama-4-scout-17b-16e",
        "precision": "fp4",
        "requests": [{"share": 1.0, "input_tokens": 1000, "output_tokens": 1000}],
        "latency": {"tpot_ms": 60},
        "demand": {"mean_requests_per_hour": 20000, "hours": 168, "peak_to_mean": 2},
        "accelerators": ["B200", "H200"],
    }
    cli = _capacity_from_rest_and_cli(live, tmp_path, workload)
    b200 = next(r for r in cli["accelerators"] if r["accelerator"] == "B200")
    # 109B weights at NVFP4 (0.5625 B) are 61 GB: one 180 GB card holds a replica (bf16 needs two).
    assert b200["gpus_per_replica"] == 1 and b200["tpot_ms"] <= 60


def test_rest_and_cli_serve_an_mla_model_attention_data_parallel(
    live: LiveApp, tmp_path: Path
) -> None:
    """DeepSeek-R1 at FP8 on H200: the REST calculator and the CLI give the same plan, and the
    replica runs the layout the serving model picks for MLA at load (attention DP: under tensor
    parallelism each of 8 ranks would hold every sequence's latent)."""
    workload = {
        "model": "deepseek-r1",
        "precision": "fp8",
        "requests": [{"share": 1.0, "input_tokens": 1024, "output_tokens": 2048}],
        "latency": {"tpot_ms": 150},
        "demand": {"mean_requests_per_hour": 20000, "hours": 48, "peak_to_mean": 2},
        "accelerators": ["H200"],
    }
    cli = _capacity_from_rest_and_cli(live, tmp_path, workload)
    (h200,) = cli["accelerators"]
    alone = flopfolio.estimate_serving(
        model="deepseek-r1", gpu="H200", precision="fp8", input_tokens=1024, output_tokens=2048,
        tpot_ms=150,
    ).estimate  # fmt: skip
    assert alone.layout.attention_dp and h200["gpus_per_replica"] == alone.gpus == 8
    assert h200["batch"] == alone.batch and h200["tpot_ms"] <= 150
