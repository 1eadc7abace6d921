"""Rows of the calibration schema turned into runs: a row whose columns cannot hold its shape (an
MoE model's experts, shared experts, dense layers, MLA) is completed from the catalog preset it
names, and a row the model cannot take is reported, not fatal."""

from pathlib import Path

import pytest

from flopfolio.catalog.catalog import Catalog
from flopfolio.validation.cases import preset_for_row, spec_from_row
from flopfolio.validation.published import published_path
from flopfolio.validation.runs import read_rows, validate_file


def _row(name: str, total: str, **extra: str) -> dict[str, str]:
    return {"name": name, "params_total": total, "architecture": "moe", **extra}


@pytest.mark.parametrize(
    ("name", "preset", "experts"),
    [
        ("Llama 4 Scout 17B-16E", "llama-4-scout-17b-16e", 16),  # the id itself
        ("Llama 4 Maverick 17B-128E", "llama-4-maverick-17b-128e", 128),  # 24 dense layers too
        ("DeepSeek-V2 (rate per trillion tokens)", "deepseek-v2", 160),  # a prefix of the name
    ],
)
def test_a_moe_row_takes_the_shape_of_the_preset_it_names(
    catalog: Catalog, name: str, preset: str, experts: int
) -> None:
    known = catalog.preset(preset).spec
    spec = spec_from_row(_row(name, str(known.params)), catalog)
    assert spec.experts == experts and spec.params == known.params
    assert spec.active_params == known.active_params and spec.name == name


def test_a_preset_that_disagrees_with_the_row_is_not_used(catalog: Catalog) -> None:
    # 2x the preset's parameters: another model with a similar name, so the bare count stays.
    row = _row("DeepSeek-V2 doubled", "472e9", params_active="21e9")
    assert preset_for_row(row, catalog) is None
    assert not spec_from_row(row, catalog).has_shape


def test_the_inference_model_column_names_the_preset(catalog: Catalog) -> None:
    row = _row("TRT-LLM run", "400e9", model="Llama 4 Maverick 17B-128E")
    spec = spec_from_row(row, catalog)
    assert spec.experts == 128 and spec.dense_layers == 24


def test_validate_judges_every_row_of_the_moe_training_file(catalog: Catalog) -> None:
    path = published_path("training", "training_runs_moe.csv")
    report = validate_file("training", path, catalog).to_dict()
    judged = {row["name"] for row in report["rows"]}
    assert judged == {row["name"] for row in read_rows(path)}
    # The dense twin on the same cluster: DeepSeek-V2 costs less per token than its 67B sibling,
    # as published (172.8k vs 300.6k GPU-hours per trillion tokens), within 20% on the ratio.
    hours = {row["name"].split(" (")[0]: row["predicted"] for row in report["rows"]}
    ratio = hours["DeepSeek-V2"] / hours["DeepSeek LLM 67B"]
    assert ratio == pytest.approx(172_800 / 300_600, rel=0.20)


def test_a_row_the_model_cannot_take_is_skipped_with_its_reason(
    catalog: Catalog, tmp_path: Path
) -> None:
    source = published_path("training", "training_runs_moe.csv").read_text()
    lines = source.splitlines()
    # An MoE row no preset names and no column can complete: reported, the rest still judged.
    unknown = lines[1].replace("Llama 4 Scout 17B-16E", "Mystery MoE", 1)
    path = tmp_path / "runs.csv"
    path.write_text("\n".join([lines[0], unknown, *lines[2:]]) + "\n")
    report = validate_file("training", path, catalog).to_dict()
    (skipped,) = [s for s in report["skipped"] if s["name"] == "Mystery MoE"]
    assert "model shape" in skipped["reason"]
    assert len(report["rows"]) == len(lines) - 2
