"""Every command, for people and for programs."""

import json
from pathlib import Path

import pytest

from tests.cli.helpers import run_cli, run_json
from tests.conftest import reference_file


def test_train_table_and_explain() -> None:
    done = run_cli(
        "train",
        "--model",
        "llama-3-8b",
        "--tokens",
        "15T",
        "--gpu",
        "H100",
        "--gpus",
        "1024",
        "--explain",
    )
    assert done.returncode == 0, done.stderr
    for text in ("GPU-hours", "Cost", "Derivation", "6ND", "MFU"):
        assert text in done.stdout


def test_infer_explain_names_the_host_floor() -> None:
    # Qwen3-30B-A3B at 4,096 short sequences on one GB200: the host (Grace) sets the pace.
    done = run_cli(
        "infer", "--model", "qwen3-30b-a3b", "--gpu", "GB200", "--precision", "fp4",
        "--batch", "max", "--input-tokens", "128", "--output-tokens", "128", "--explain",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    assert "host-bound" in text and "38.0 µs per sequence a step is a floor" in text


def test_infer_attention_dp_layout() -> None:
    # Llama 4 Scout on 4 H100 at FP8, attention data parallel: the layout is named in the JSON
    # and in the table, and each rank's copy of the dense weights is in the memory.
    args = ("infer", "--model", "llama-4-scout-17b-16e", "--gpu", "H100", "--gpus", "4",
            "--precision", "fp8", "--input-tokens", "1000", "--output-tokens", "1000",
            "--batch", "max")  # fmt: skip
    tp, dp = run_json(*args), run_json(*args, "--attention-dp")
    assert tp["assumptions"]["layout"] == "TP 4 × PP 1"
    assert dp["assumptions"]["layout"] == "attention DP 4 × EP 4"
    assert dp["assumptions"]["attention_data_parallel"] == 4
    assert dp["assumptions"]["weights_gib"] > 1.3 * tp["assumptions"]["weights_gib"]
    explained = " ".join(run_cli(*args, "--attention-dp", "--explain").stdout.split())
    assert "attention DP 4 × EP 4" in explained
    assert "each of the 4 GPUs keeps the non-expert weights" in explained
    # DeepSeek-R1 (MLA) takes attention DP at load by default; --tensor-parallel forces TP 8.
    mla = ("infer", "--model", "deepseek-r1", "--gpu", "H200", "--gpus", "8", "--precision",
           "fp8", "--input-tokens", "1000", "--output-tokens", "1000", "--batch", "max")  # fmt: skip
    assert run_json(*mla)["assumptions"]["layout"] == "attention DP 8 × EP 8"
    forced = run_json(*mla, "--tensor-parallel")
    assert forced["assumptions"]["layout"] == "TP 8 × PP 1" and forced["batch"] < 1000
    dense = run_cli("infer", "--model", "llama-3.1-8b", "--gpu", "H100", "--gpus", "2",
                    "--input-tokens", "10", "--output-tokens", "10", "--attention-dp")  # fmt: skip
    assert dense.returncode != 0 and "Traceback" not in dense.stderr
    assert "llama-3.1-8b is dense" in dense.stderr + dense.stdout


def test_train_json_contract() -> None:
    d = run_json(
        "train",
        "--model",
        "mixtral-8x7b",
        "--tokens",
        "1T",
        "--gpu",
        "H100",
        "--provider",
        "lambda",
    )
    for key in ("flops", "flops_6nd", "gpu_hours", "gpu_hours_low", "gpu_hours_high", "wall_days", "mfu",
                "cost_usd", "cost_usd_low", "cost_usd_high", "memory_per_gpu_gib", "fits", "assumptions"):  # fmt: skip
        assert key in d, key
    assert d["cost_usd_low"] <= d["cost_usd"] <= d["cost_usd_high"]
    # MoE: the napkin count uses active parameters (12.9B of 46.7B for Mixtral).
    assert d["flops_6nd"] == pytest.approx(6 * d["assumptions"]["active_params"] * 1e12)
    assert "lambda" in d["assumptions"]["price"]["basis"]


def test_train_with_shape_flags() -> None:
    d = run_json("train", "--params", "6.7e9", "--layers", "32", "--hidden", "4096", "--heads", "32",
                 "--vocab", "32000", "--ffn-hidden", "11008", "--tokens", "1T", "--gpu", "A100-80GB", "--gpus", "64")  # fmt: skip
    assert d["assumptions"]["params"] == pytest.approx(6.74e9, rel=0.01)
    assert "model FLOPs" in d["flops_convention"]
    pinned = run_json("train", "--params", "6.7e9", "--layers", "32", "--hidden", "4096", "--heads", "32",
                      "--vocab", "32000", "--ffn-hidden", "11008", "--tokens", "1T", "--gpu", "A100-80GB",
                      "--gpus", "64", "--recompute", "full")  # fmt: skip
    # Full recomputation re-runs the forward pass: a third of the model FLOPs again.
    assert pinned["parallel"]["recompute"] == "full"
    assert pinned["hfu"] == pytest.approx(pinned["mfu"] * 4 / 3)


def test_infer_json_contract() -> None:
    d = run_json("infer", "--model", "llama-2-70b", "--gpu", "H200", "--precision", "fp8",
                 "--input-tokens", "128", "--output-tokens", "128", "--batch", "max")  # fmt: skip
    for key in ("flops_per_token", "batch", "ttft_ms", "tpot_ms", "output_tokens_per_s", "memory_per_gpu_gib",
                "fits", "usd_per_million_output_tokens", "assumptions"):  # fmt: skip
        assert key in d, key
    assert d["batch"] == d["max_batch"] > 1
    assert d["usd_per_million_output_tokens_low"] <= d["usd_per_million_output_tokens"]


def test_image_model_runs_on_a_cheap_card() -> None:
    # Seed 000: image models like Stable Diffusion run on cheap cards; its weights fit a 24 GB card.
    d = run_json("infer", "--model", "stable-diffusion-xl-base", "--gpu", "L4", "--input-tokens", "77",
                 "--output-tokens", "1")  # fmt: skip
    assert d["fits"] and d["gpus"] == 1


def test_prices_filters_and_history() -> None:
    d = run_json("prices", "A100", "--history")
    assert any(o["status"] == "historical" for o in d["offers"])
    spot = run_json("prices", "--term", "spot")
    assert spot["offers"] and all(o["term"] == "spot" for o in spot["offers"])
    prices = [o["usd_per_gpu_hour"] for o in spot["offers"]]
    assert prices == sorted(prices)


def test_models_and_gpus_tables() -> None:
    done = run_cli("models")
    assert done.returncode == 0 and "llama-2-70b" in done.stdout
    assert len(run_json("models")["models"]) >= 25
    assert run_cli("gpus").returncode == 0


def test_validate_training_json() -> None:
    path = reference_file("calibration", "training_runs.csv")
    d = run_json("validate", "training", str(path))
    s = d["summary"]
    assert (
        s["n"] >= 15
        and s["median_abs_error"] is not None
        and s["baseline_median_abs_error"] is not None
    )
    row = d["rows"][0]
    assert row["error"] == pytest.approx(row["predicted"] / row["reported"] - 1)
    # Each row says the setup it was judged for (run_setups.csv; "search" where no paper says).
    setups = {r["name"]: (r["basis"], r["recompute"]) for r in d["rows"]}
    assert setups["Pythia 1B"] == ("steady state", "full")
    assert setups["Llama 2 70B"] == ("whole run", "search")
    assert {r["name"] for r in d["skipped"]} >= {
        "GPT-3 175B"
    }  # no reported hours: listed, not dropped


def test_validate_published_judges_the_shipped_set() -> None:
    # --published is the shipped copy of the calibration file: the same report, row for row.
    by_path = run_json(
        "validate", "inference", str(reference_file("calibration", "inference_bench.csv"))
    )
    assert run_json("validate", "inference", "--published") == by_path
    named = run_json("validate", "inference", "--published", "inference_bench.csv")
    assert named == by_path
    # The MoE file: every row in the table (MoE shapes from the catalog's presets), no traceback.
    moe = run_json("validate", "training", "--published", "training_runs_moe.csv")
    assert len(moe["rows"]) == 7 and not moe["skipped"]
    # --cv family: the held-out column refits without each row's model family.
    by_family = run_json("validate", "inference", "--published", "--cv", "family")
    assert by_family["summary"]["held_out_by"] == "family"
    assert all(r["leave_one_out"] is not None for r in by_family["rows"])
    table = run_cli("validate", "inference", "--published", "--cv", "family").stdout
    assert "leave-one-family-out median" in table


def test_published_readme_lists_every_shipped_file() -> None:
    import csv

    from flopfolio.validation.published import published_names, published_path

    readme = (published_path("training").parent / "README.md").read_text()
    for name in published_names():
        with published_path("training", name).open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert f"| `{name}` | {len(rows)} |" in readme, name
        assert all(row["source"].strip() for row in rows), name  # every row says where it is from


def test_import_commands_fill_a_user_catalog(tmp_path: Path) -> None:
    catalog = tmp_path / "cat"
    out = run_json("import", "skypilot", str(reference_file("skypilot-samples", "lambda", "vms.csv")),
                   "--catalog", str(catalog))  # fmt: skip
    assert out["imported"] > 0
    prices = run_json("prices", "H100", "--provider", "lambda", "--catalog", str(catalog))
    assert any(o["origin"].startswith("user:") for o in prices["offers"])
    config = tmp_path / "config.json"
    config.write_text(json.dumps({
        "model_type": "llama", "hidden_size": 2048, "intermediate_size": 5632, "num_attention_heads": 32,
        "num_hidden_layers": 22, "num_key_value_heads": 4, "vocab_size": 32000,
    }))  # fmt: skip
    run_json("import", "hf-config", str(config), "--id", "my-tiny", "--catalog", str(catalog))
    d = run_json(
        "train", "--model", "my-tiny", "--tokens", "3T", "--gpu", "A100", "--catalog", str(catalog)
    )
    assert d["assumptions"]["params"] == pytest.approx(1.1e9, rel=0.01)  # TinyLlama's shape
    # The config path itself works as --model too.
    direct = run_json("train", "--model", str(config), "--tokens", "3T", "--gpu", "A100")
    assert direct["flops"] == pytest.approx(d["flops"])
    litellm = run_json("import", "litellm", str(reference_file("hosted-api-prices", "litellm_model_prices_and_context_window.json")),
                       "--catalog", str(catalog))  # fmt: skip
    assert litellm["imported"] > 1000


def test_help_is_fast_path() -> None:
    done = run_cli("--help")
    assert done.returncode == 0
    for command in ("train", "infer", "gpus", "prices", "validate", "models", "import"):
        assert command in done.stdout


@pytest.mark.parametrize(
    ("command", "flags"),
    [
        ("train", ["--model", "--params", "--active-params", "--tokens", "--gpu", "--gpus", "--precision",
                   "--mfu", "--price", "--provider", "--json", "--explain"]),  # DESIGN.md contract
        ("infer", ["--model", "--params", "--gpu", "--gpus", "--precision", "--input-tokens",
                   "--output-tokens", "--batch", "--mfu", "--price", "--json"]),
        ("gpus", ["--json"]),
        ("prices", ["--provider", "--json"]),
        ("validate", ["--json"]),
    ],
)  # fmt: skip
def test_help_lists_the_contract_flags(command: str, flags: list[str]) -> None:
    done = run_cli(command, "--help", env={"COLUMNS": "200", "TERM": "dumb"})
    assert done.returncode == 0
    for flag in flags:
        assert flag in done.stdout, (command, flag)


def test_prices_table_shows_the_offer_terms() -> None:
    # RunPod's rows of offer_terms.csv: egress $0.05/GB, containers; availability and lead time
    # have no sourced figure and say so.
    done = run_cli("prices", "L40S", "--provider", "runpod")
    assert done.returncode == 0
    for header in ("stock", "lead wk", "egress $/GB", "delivery"):
        assert header in done.stdout
    row = next(line for line in done.stdout.splitlines() if "runpod" in line)
    assert "0.05" in row and "container" in row and "unknown" in row
