"""The fleet front door: the shipped example, lead times, egress, and one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from flopfolio.api.fleet_plan import fleet_from_file, parse_fleet, plan_fleet
from flopfolio.errors import FlopfolioError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fleet.yaml"


@pytest.fixture(scope="module")
def example() -> dict[str, Any]:
    return fleet_from_file(EXAMPLE).to_dict()


def test_example_beats_naive_with_every_slo_met(example: dict[str, Any]) -> None:
    for month in example["months"]:
        assert month["optimized"]["usd_per_month"] < month["naive"]["usd_per_month"]
    for w in example["workloads"]:
        assert w["options"] and all(o["slo_met"] for o in w["options"])
        for o in w["options"]:  # each option's replica meets the stated SLO
            for key in ("ttft_ms", "tpot_ms", "seconds_per_image"):
                if key in w["slo"]:
                    assert o[key] <= w["slo"][key]


def test_lead_time_blocks_the_early_months(example: dict[str, Any]) -> None:
    # 12 weeks = 2.77 months: the H200 cannot serve months 1-3, joins in month 4.
    h200 = "H200-SXM-141GB (runpod on_demand)"
    for month in example["months"][:3]:
        assert [b["card"] for b in month["blocked_cards"]] == [h200]
        assert h200 not in {c["card"] for c in month["optimized"]["cards"]}
    assert example["months"][3]["blocked_cards"] == []


def test_image_egress_is_priced(example: dict[str, Any]) -> None:
    # images go out at 1.5 MB each; the RunPod card's egress is $0.05/GB (offer_terms.csv)
    month = example["months"][0]
    assert month["optimized"]["egress_usd_per_month"] > 0
    runpod = next(c for c in example["cards"] if c["card"].startswith("L40S"))
    assert runpod["egress_usd_per_gb"] == pytest.approx(0.05)


def _spec(**change: Any) -> dict[str, Any]:
    data = yaml.safe_load(EXAMPLE.read_text())
    data["months"] = 1
    data["workloads"] = data["workloads"][:1]
    data["workloads"][0].update(change)
    return data


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"model": "llama-9.9b"}, "workloads[0] (chat).model: "),  # unknown model
        ({"slo": {"ttft_ms": 1, "tpot_ms": 1}}, "workloads[0] (chat).slo: no card meets it"),
        ({"slo": {"ttfb_ms": 100}}, "workloads.0.slo.ttfb_ms"),  # a misspelt key
    ],
)
def test_bad_yaml_gets_one_line(change: dict[str, Any], expected: str) -> None:
    with pytest.raises(FlopfolioError) as info:
        plan_fleet(parse_fleet(_spec(**change), "fleet.yaml"))
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


def test_no_card_fits_gets_one_line() -> None:
    # FLUX.1 [dev] loads 31.4 GiB of weights: it fits neither the L4 (24 GB) nor the A10 (24 GB).
    data = _spec()
    data["cards"] = [{"gpu": "L4", "provider": "aws"}, {"gpu": "A10", "provider": "lambda"}]
    data["workloads"][0] = {"name": "art", "image_model": "flux.1-dev", "precision": "bf16",
                            "demand": {"mean_requests_per_hour": 10}}  # fmt: skip
    with pytest.raises(FlopfolioError, match=r"workloads\[0\] \(art\): no card fits the model"):
        plan_fleet(parse_fleet(data, "fleet.yaml"))


def test_cli_prints_one_line_and_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(_spec(model="llama-9.9b")))
    done = subprocess.run(
        [sys.executable, "-m", "flopfolio", "fleet", str(bad)],
        check=False,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "workloads[0] (chat).model" in done.stderr


def test_models_share_a_gpu_where_they_fit(example: dict[str, Any]) -> None:
    # The example's small models (support, code, embed) and chat with embed fit two to a GPU
    # with both SLOs met; the plan uses some of those shared GPUs and names the models.
    month = example["months"][0]
    shared = month["optimized"]["shared_gpus"]
    assert shared and all(len(g["workloads"]) == 2 and g["gpus_peak"] >= 1 for g in shared)
    options = {(tuple(o["workloads"]), o["card"]) for o in month["sharing_options"]}
    assert {(tuple(g["workloads"]), g["card"]) for g in shared} <= options
    for o in month["sharing_options"]:
        assert sum(o["time_share"]) == pytest.approx(1.0)


def test_sharing_never_costs_more() -> None:
    data = yaml.safe_load(EXAMPLE.read_text())
    data["months"] = 1
    with_sharing = plan_fleet(parse_fleet(data)).to_dict()["months"][0]["optimized"]
    data["share_gpus"] = False
    without = plan_fleet(parse_fleet(data)).to_dict()["months"][0]["optimized"]
    assert without["shared_gpus"] == []
    assert with_sharing["usd_per_month"] <= without["usd_per_month"] * (1 + 0.01)


def test_monthly_curve_and_weekly_growth_by_hand(example: dict[str, Any]) -> None:
    # code's curve gives 15,000 then 18,000, 24,000, 30,000 requests an hour on average: a day of
    # 360,000 requests in month 1 and 720,000 in month 4. support grows 30%/month (the fleet's
    # growth_per_month): 20,000 x 24 x 1.3^3 in month 4.
    days = [{d["workload"]: d["requests_per_day"] for d in m["demand"]} for m in example["months"]]
    assert [d["code"] for d in days] == pytest.approx(
        [15000 * 24, 18000 * 24, 24000 * 24, 30000 * 24]
    )
    assert days[3]["support"] == pytest.approx(20000 * 24 * 1.3**3)
    # 50%/week: month 2 is 52/12 = 4.33 weeks later, 1.5^4.33 = 5.79x the first month.
    data = _spec(demand={"mean_requests_per_hour": 6000, "growth_per_week": 0.5})
    data["months"] = 2
    got = plan_fleet(parse_fleet(data)).to_dict()["months"]
    ratio = got[1]["demand"][0]["requests_per_day"] / got[0]["demand"][0]["requests_per_day"]
    assert ratio == pytest.approx(1.5 ** (52 / 12))


def test_a_short_monthly_curve_is_one_line() -> None:
    data = _spec(demand={"monthly": [100, 200]})
    data["months"] = 3
    with pytest.raises(FlopfolioError, match=r"workloads\[0\] \(chat\)\.demand\.monthly: needs 3"):
        plan_fleet(parse_fleet(data))


@pytest.mark.parametrize(
    ("old", "new", "named"),
    [
        ("model: llama-3.1-70b", "model: llama-3.1-70bb", "workloads[0] (chat).model: Unknown model"),
        ("slo: {ttft_ms: 2000, tpot_ms: 60}", "slo: {ttft_ms: 1, tpot_ms: 1}", "workloads[0] (chat).slo: no card meets it"),
        ("months: 4 ", "months: four ", "months: Input should be a valid integer"),  # a bad type
        ("output_tokens: 300", "output_tokens: lots", "workloads.0.output_tokens: Input should be"),
        ("egress_mb_per_request: 1.5", "egress_mb_per_request: -1", "workloads.4.egress_mb_per_request"),
        ("{gpu: L4, provider: aws}", "{gpu: L4x, provider: aws}", "cards[2]: Unknown accelerator 'L4x'"),
        ("demand: {monthly: [15000, 18000, 24000, 30000]", "demand: {monthly: [15000]", "workloads[2] (code).demand.monthly: needs 4"),
    ],
)  # fmt: skip
def test_cli_bad_fleet_yaml_is_one_line_naming_the_field(
    tmp_path: Path, old: str, new: str, named: str
) -> None:
    text = EXAMPLE.read_text()
    assert old in text
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(old, new, 1))
    done = subprocess.run(
        [sys.executable, "-m", "flopfolio", "fleet", str(bad)],
        check=False, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert named in done.stderr


def test_no_card_fits_through_the_cli(tmp_path: Path) -> None:
    data = _spec()
    # FLUX.1 [dev] at bf16 (31.4 GiB of weights) on a 24 GB L4: an image model is not split.
    data["cards"] = [{"gpu": "L4", "provider": "aws"}]
    data["workloads"][0] = {"name": "big", "image_model": "flux.1-dev", "precision": "bf16",
                            "demand": {"mean_requests_per_hour": 10}}  # fmt: skip
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    done = subprocess.run(
        [sys.executable, "-m", "flopfolio", "fleet", str(bad)],
        check=False, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "workloads[0] (big): no card fits the model" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_fleet_workload_can_fix_its_moe_layout() -> None:
    """`attention_dp` on a fleet workload reaches its replicas: Llama 4 Scout at FP8 on the
    H100 prices the replica that `estimate_serving(attention_dp=...)` gives, and a dense model
    asked for it is refused with its reason."""
    from flopfolio import estimate_serving

    change = {"model": "llama-4-scout-17b-16e", "slo": {"tpot_ms": 80}}
    tpot = {}
    for layout in (False, True):
        result = plan_fleet(parse_fleet(_spec(**change, attention_dp=layout))).to_dict()
        (h100,) = [o for o in result["workloads"][0]["options"] if o["card"].startswith("H100")]
        alone = estimate_serving(
            model="llama-4-scout-17b-16e", gpu="H100", precision="fp8", input_tokens=1500,
            output_tokens=300, tpot_ms=80, attention_dp=layout,
        ).estimate  # fmt: skip
        assert h100["tpot_ms"] == pytest.approx(alone.central.tpot_s * 1e3)
        tpot[layout] = h100["tpot_ms"]
    assert tpot[True] != tpot[False]
    with pytest.raises(FlopfolioError, match="is dense"):
        plan_fleet(parse_fleet(_spec(attention_dp=True)))
