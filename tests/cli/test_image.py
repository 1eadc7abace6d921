"""flopfolio image: which card for an image model."""

import pytest

from tests.cli.helpers import run_cli, run_json


def test_cheap_cards_for_image_models() -> None:
    # Seed 000: image models run on "the server version of a consumer graphics card".
    d = run_json("image", "--model", "stable-diffusion-xl-base", "--gpu", "H100", "--gpu", "L4",
                 "--gpu", "RTX-4090", "--gpu", "A10G", "--images", "1M")  # fmt: skip
    rows = {r["accelerator"]: r for r in d["accelerators"]}
    assert rows["L4"]["fits"] and rows["RTX-4090"]["fits"]
    assert rows["H100-SXM5-80GB"]["seconds_per_image"] < rows["L4"]["seconds_per_image"]
    costs = [r["usd_per_thousand_images"] for r in d["accelerators"]]
    assert costs == sorted(costs)  # cheapest first
    for r in d["accelerators"]:
        assert r["job_gpu_hours"] == pytest.approx(1e6 * r["seconds_per_image"] / 3600)
    assert [s["accelerator"] for s in d["skipped"]] == ["A10G"]  # no published rates


def test_user_price_and_unknown_model() -> None:
    d = run_json(
        "image",
        "--model",
        "stable-diffusion-1.5",
        "--gpu",
        "L4",
        "--width",
        "512",
        "--height",
        "512",
        "--price",
        "0.5",
    )
    (row,) = d["accelerators"]
    assert row["usd_per_thousand_images"] == pytest.approx(
        0.5 * 1000 / row["images_per_hour_per_gpu"]
    )
    done = run_cli("image", "--model", "stable-difusion-xl", "--gpu", "L4")
    assert done.returncode == 2 and "stable-diffusion-xl-base" in done.stderr
