"""Offline batch jobs: hand calculations from the replica's throughput."""

import pytest

from flopfolio.catalog.catalog import Catalog
from flopfolio.errors import InvalidSpecError
from flopfolio.perf.batch_job import batch_job
from flopfolio.perf.inference import InferenceConstants, estimate_inference
from tests.cli.helpers import run_json

K = InferenceConstants(0.5, 0.8, 0.001)


def test_generation_job(catalog: Catalog) -> None:
    est = estimate_inference(
        catalog.preset("llama-3.1-8b").spec, catalog.accelerator("A100-80GB"),
        input_tokens=2000, output_tokens=300, batch_max=True, constants=K, gpus=2,
    )  # fmt: skip
    job = batch_job(est, 1e6)
    hours = 1e6 * 300 / est.central.output_tokens_per_s / 3600
    assert job.replica_hours.central == pytest.approx(hours)
    assert job.gpu_hours.central == pytest.approx(2 * hours)
    assert job.gpu_hours.low < job.gpu_hours.central < job.gpu_hours.high


def test_embedding_job_is_prefill_only(catalog: Catalog) -> None:
    est = estimate_inference(
        catalog.preset("llama-3.1-8b").spec, catalog.accelerator("H100"),
        input_tokens=512, output_tokens=0, batch=256, constants=K,
    )  # fmt: skip
    job = batch_job(est, 1e7)
    assert job.replica_hours.central == pytest.approx(
        1e7 * 512 / est.central.prefill_tokens_per_s / 3600
    )
    # Prefilling 256 prompts at once is compute-bound: 2·N FLOPs per token at half the peak, roughly.
    per_token = est.flops_per_token.per_token
    assert est.central.prefill_tokens_per_s < 989e12 * 0.5 / per_token * 1.05
    with pytest.raises(InvalidSpecError):
        batch_job(est, 0)


def test_cli_job_and_cost() -> None:
    d = run_json("infer", "--model", "llama-3.1-8b", "--gpu", "L4", "--input-tokens", "2000",
                 "--output-tokens", "300", "--batch", "max", "--requests", "1M", "--price", "0.8")  # fmt: skip
    job = d["job"]
    assert job["requests"] == 1e6
    assert job["cost_usd"] == pytest.approx(job["gpu_hours"] * 0.8)
