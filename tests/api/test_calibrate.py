"""Calibration from the user's own numbers, and the profile that later estimates use."""

from pathlib import Path

import pytest

from flopfolio.api.calibrate import calibrate
from flopfolio.api.estimates import estimate_training_run
from flopfolio.catalog.catalog import Catalog
from flopfolio.catalog.profiles import load_profile
from flopfolio.errors import InvalidSpecError
from flopfolio.perf.calibration import read_training_log, tokens_per_second_per_gpu
from tests.cli.helpers import run_cli, run_json


def test_measured_mfu_by_hand(catalog: Catalog) -> None:
    result = calibrate(
        gpu="H100",
        gpus=64,
        model="llama-3-8b",
        tokens_per_s_per_gpu=9000,
        save=False,
        catalog=catalog,
    )
    d = result.to_dict()
    per_token = estimate_training_run(
        model="llama-3-8b", tokens=1e9, gpu="H100", gpus=64
    ).estimate.flops.per_token
    assert d["measured_mfu"] == pytest.approx(per_token * 9000 / 989e12)
    assert d["mfu_scale"] == pytest.approx(d["measured_mfu"] / d["predicted_mfu"])
    assert d["saved_to"] is None


def test_a_stack_that_recomputes_is_compared_with_that_setup(catalog: Catalog) -> None:
    def run(**kwargs: str) -> dict:  # type: ignore[type-arg]
        return calibrate(gpu="H100", gpus=64, model="llama-3-8b", tokens_per_s_per_gpu=7000,
                         save=False, catalog=catalog, **kwargs).to_dict()  # fmt: skip

    free, full = run(), run(recompute="full")
    # The same measurement; full recomputation predicts a lower MFU, so the stack scores higher.
    assert full["measured_mfu"] == pytest.approx(free["measured_mfu"])
    assert full["predicted_mfu"] < free["predicted_mfu"]
    assert full["mfu_scale"] > free["mfu_scale"]
    assert "full recompute" in full["predicted_configuration"]
    assert "full recompute" in full["setup"]
    # The prediction is train's for the same pinned setup.
    train = estimate_training_run(
        model="llama-3-8b", tokens=1e9, gpu="H100", gpus=64, recompute="full", use_profile=False
    )
    assert full["predicted_mfu"] == pytest.approx(train.estimate.plan.mfu)


def test_profile_is_saved_and_used(
    catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile = tmp_path / "calibration.json"
    monkeypatch.setenv("FLOPFOLIO_PROFILE", str(profile))
    before = estimate_training_run(model="llama-3-8b", tokens="1T", gpu="H100", gpus=64)
    calibrate(gpu="H100", gpus=64, model="llama-3-8b", tokens_per_s_per_gpu=9000, catalog=catalog)
    assert "H100-SXM5-80GB" in load_profile(profile)
    after = estimate_training_run(model="llama-3-8b", tokens="1T", gpu="H100", gpus=64)
    scale = load_profile(profile)["H100-SXM5-80GB"].mfu_scale
    assert after.estimate.utilization.mfu == pytest.approx(
        min(1.0, before.estimate.utilization.mfu * scale)
    )
    assert "calibration profile" in after.to_dict()["assumptions"]["mfu_source"]
    # Other accelerators are untouched, and --no-profile ignores it.
    assert (
        "calibration"
        not in estimate_training_run(
            model="llama-3-8b", tokens="1T", gpu="A100-80GB", gpus=64
        ).estimate.utilization.source
    )
    plain = estimate_training_run(
        model="llama-3-8b", tokens="1T", gpu="H100", gpus=64, use_profile=False
    )
    assert plain.estimate.utilization.mfu == pytest.approx(before.estimate.utilization.mfu)


def test_step_time_and_impossible_throughput(catalog: Catalog) -> None:
    assert tokens_per_second_per_gpu(
        step_seconds=2.0, global_batch_tokens=4e6, gpus=256
    ) == pytest.approx(7812.5)
    with pytest.raises(InvalidSpecError):
        tokens_per_second_per_gpu(step_seconds=2.0, gpus=256)
    with pytest.raises(InvalidSpecError) as err:
        calibrate(
            gpu="H100",
            gpus=64,
            model="llama-3-8b",
            tokens_per_s_per_gpu=1e6,
            save=False,
            catalog=catalog,
        )
    assert "impossible" in str(err.value)


def test_log_formats() -> None:
    megatron = "\n".join(
        f" iteration {i} | elapsed time per iteration (ms): {9000 if i < 2 else 5000.0}"
        for i in range(20)
    )
    reading = read_training_log(megatron)
    assert (
        reading.kind == "step_seconds"
        and reading.value == pytest.approx(5.0)
        and reading.readings == 20
    )
    simple = "step 1 tokens/s/gpu: 100\n" + "".join(
        f"step {i} tokens/s/gpu: 3120\n" for i in range(2, 12)
    )
    assert read_training_log(simple).value == pytest.approx(3120)
    with pytest.raises(InvalidSpecError):
        read_training_log("loss 2.3\nloss 2.2\n")


def test_calibrate_cli_with_a_log(tmp_path: Path) -> None:
    log = tmp_path / "train.log"
    log.write_text(
        "".join(f"it {i} | elapsed time per iteration (ms): 12000.0\n" for i in range(30))
    )
    profile = tmp_path / "p.json"
    d = run_json("calibrate", "--gpu", "A100-80GB", "--gpus", "128", "--model", "llama-2-7b", "--log", str(log),
                 "--global-batch-tokens", "4M", "--profile", str(profile))  # fmt: skip
    assert d["saved_to"] == str(profile) and profile.is_file()
    assert 0 < d["measured_mfu"] <= 1 and "log" in d["source"]
    done = run_cli(
        "calibrate",
        "--gpu",
        "A100-80GB",
        "--gpus",
        "128",
        "--model",
        "llama-2-7b",
        "--log",
        str(tmp_path / "none.log"),
    )
    assert done.returncode == 2 and "none.log" in done.stderr
