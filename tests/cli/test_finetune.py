"""flopfolio finetune and posttrain rl: the issue's must-reproduce answers, hand checks, errors."""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flopfolio.api.finetune_plan import plan_rl
from tests.cli.helpers import run_cli, run_json

RTX_4090_BF16 = 165.2e12  # dense bf16 with fp32 accumulate, catalog row (Ada whitepaper)
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "rl-grpo.yaml"


def test_qlora_8b_fits_one_rtx_4090_with_hours_and_dollars() -> None:
    d = run_json("finetune", "--model", "llama-3.1-8b", "--method", "qlora", "--tokens", "1e8",
                 "--gpu", "RTX-4090", "--json")  # fmt: skip
    assert d["fits"] and d["fits_one_gpu"] and d["gpus"] == 1
    assert d["fit"]["one_24gb_card"] and d["memory_gib"]["total"] < 24
    # hand check: hours = model FLOPs / (1 GPU × 165.2 TFLOP/s × QLoRA MFU 0.25) / 3600
    hours = d["model_flops"] / (RTX_4090_BF16 * 0.25) / 3600
    assert d["wall_hours"]["central"] == pytest.approx(hours, rel=1e-9)
    # model FLOPs: 4·N for the frozen base + 6·N_lora per token, N ≈ 8.0e9 → ≈ 3.2e18 for 1e8 tokens
    assert d["model_flops"] == pytest.approx(4 * 8.03e9 * 1e8, rel=0.02)
    assert d["cost_usd"]["low"] <= d["cost_usd"]["central"] <= d["cost_usd"]["high"]
    assert d["cost_usd"]["central"] > 0


def test_full_8b_does_not_fit_one_card_and_says_what_would() -> None:
    d = run_json("finetune", "--model", "llama-3.1-8b", "--method", "full", "--tokens", "1e8",
                 "--gpu", "RTX-4090", "--json")  # fmt: skip
    assert not d["fits_one_gpu"] and not d["fit"]["one_24gb_card"] and not d["fit"]["one_80gb_card"]
    # 16 bytes per trained parameter (bf16 weights + grads, fp32 Adam moments + master) alone
    assert d["fit"]["one_gpu_gib"] > 16 * 8.03e9 / 2**30
    assert d["gpus"] > 1 and d["fit"]["fewest_gpus"] == d["gpus"]
    assert any(w.startswith("qlora on 1 × RTX-4090") for w in d["fit"]["would_fit"])
    assert any("H100-SXM5-80GB" in w for w in d["fit"]["would_fit"])


def test_table_output_and_explain() -> None:
    done = run_cli("finetune", "--model", "llama-3.1-8b", "--method", "full", "--tokens", "1e8",
                   "--gpu", "RTX-4090", "--explain")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "does not fit on one GPU" in done.stdout and "Derivation" in done.stdout


def test_distillation_adds_the_teacher() -> None:
    d = run_json("finetune", "--model", "llama-3.1-8b", "--method", "distill", "--teacher",
                 "llama-3.1-70b", "--tokens", "1e8", "--gpu", "H100", "--json")  # fmt: skip
    teacher = d["teacher"]
    # forward of a 70B teacher ≈ 2·N per token, once (stored logits)
    assert teacher["flops"] == pytest.approx(2 * 70.6e9 * 1e8, rel=0.05)
    assert teacher["logit_storage_gb"] == pytest.approx(1e8 * 64 * 6 / 1e9)  # top-64: 2 B + 4 B
    assert teacher["cost_usd"]["central"] > 0


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--method", "qlor"], "--method 'qlor'"),
        (["--method", "distill"], "--teacher"),
        (["--method", "lora", "--target", "mlp-only"], "--target 'mlp-only'"),
    ],
)
def test_bad_input_is_one_line(args: list[str], needle: str) -> None:
    done = run_cli("finetune", "--model", "llama-3.1-8b", "--tokens", "1e8", "--gpu", "H100", *args)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert needle in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_rl_example_prints_the_rollout_update_split() -> None:
    done = run_cli("posttrain", "rl", str(EXAMPLE))
    assert done.returncode == 0, done.stderr
    assert "rollout" in done.stdout and "update" in done.stdout and "scoring" in done.stdout
    d = run_json("posttrain", "rl", str(EXAMPLE), "--json")
    phases = d["phases"]
    total = sum(p["cost_usd"]["central"] for p in phases.values())
    assert total == pytest.approx(d["cost_usd"]["central"], rel=1e-9)  # one pool: phases add up
    assert d["rollout_share"] == pytest.approx(phases["rollout"]["share"])
    assert sum(p["share"] for p in phases.values()) == pytest.approx(1.0)
    # hand check: the update trains on every sample once, 6·N per token, N ≈ 8.03e9,
    # 100,000 prompts × 8 samples × (512 + 1,024) tokens (attention adds a few percent)
    tokens = 100_000 * 8 * (512 + 1024)
    assert phases["update"]["tokens"] == tokens
    assert phases["update"]["flops"] == pytest.approx(6 * 8.03e9 * tokens, rel=0.10)


def test_rl_file_typo_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "rl.yaml"
    bad.write_text(EXAMPLE.read_text().replace("samples_per_prompt: 8", "samples_per_prompt: 0"))
    done = run_cli("posttrain", "rl", str(bad))
    assert done.returncode == 2 and "samples_per_prompt" in done.stderr


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 63), st.integers(1, 64))
def test_more_samples_per_prompt_never_costs_less(a: int, extra: int) -> None:
    fewer = plan_rl(EXAMPLE, samples_per_prompt=a)[0]
    more = plan_rl(EXAMPLE, samples_per_prompt=a + extra)[0]
    for key in ("low", "central", "high"):
        assert more["cost_usd"][key] >= fewer["cost_usd"][key]
        assert more["wall_hours"][key] >= fewer["wall_hours"][key]


def test_synthetic_data_against_a_hosted_api() -> None:
    d = run_json("posttrain", "synthetic", "--tokens", "1e9", "--model", "llama-3.1-70b", "--gpu",
                 "H100", "--api", "deepinfra/meta-llama/Meta-Llama-3.1-70B-Instruct", "--json")  # fmt: skip
    # hand check: 1e9 prompt tokens × $0.40/M + 1e9 output tokens × $0.40/M
    assert d["api_usd"] == pytest.approx(800.0)
    self_hosted = d["self_hosted_usd"]["central"]
    assert d["cheaper"] == ("self-hosted" if self_hosted <= d["api_usd"] else "api")
    hours, gpu_hours = d["self_hosted_hours"]["central"], d["self_hosted_gpu_hours"]["central"]
    assert gpu_hours == pytest.approx(hours * d["replica_gpus"])


def test_synthetic_unknown_api_is_one_line() -> None:
    done = run_cli("posttrain", "synthetic", "--tokens", "1e9", "--model", "llama-3.1-8b",
                   "--gpu", "H100", "--api", "gpt-4o-mimi")  # fmt: skip
    assert done.returncode == 2 and "--api 'gpt-4o-mimi'" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_fine_tune_results_feed_threshold(tmp_path: Path) -> None:
    first = run_json("finetune", "--model", "llama-3.1-8b", "--method", "full", "--tokens", "1e9",
                     "--gpu", "H100", "--json")  # fmt: skip
    second = run_json("finetune", "--model", "llama-3.1-8b", "--method", "lora", "--tokens", "1e9",
                      "--gpu", "H100", "--json")  # fmt: skip
    paths = []
    for i, answer in enumerate((first, second)):
        paths += ["--finetune-result", str(tmp_path / f"ft{i}.json")]
        (tmp_path / f"ft{i}.json").write_text(json.dumps(answer))
    d = run_json("threshold", "--base-flops", "1e23", *paths, "--json")
    total = d["cumulative"]
    assert total["flops"] == pytest.approx(1e23 + first["model_flops"] + second["model_flops"])
    assert len(total["runs"]) == 3


def test_threshold_rejects_a_file_that_is_not_a_fine_tune(tmp_path: Path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text('{"hello": 1}')
    done = run_cli("threshold", "--base-flops", "1e23", "--finetune-result", str(bad))
    assert done.returncode == 2 and "--finetune-result" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_synthetic_explain_names_the_replica() -> None:
    done = run_cli("posttrain", "synthetic", "--tokens", "1e8", "--model", "llama-3.1-8b",
                   "--gpu", "H100", "--explain")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Derivation" in done.stdout and "throughput-maximizing" in done.stdout
