"""Importers: SkyPilot vms.csv, LiteLLM prices, Hugging Face config.json."""

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from flopfolio.catalog.catalog import Catalog, load_catalog
from flopfolio.catalog.importers.hf_config import spec_from_hf_config, spec_from_hf_config_file
from flopfolio.catalog.importers.litellm import import_litellm_json
from flopfolio.catalog.importers.skypilot import import_skypilot_csv
from flopfolio.catalog.user_catalog import write_api_prices, write_offers
from flopfolio.errors import CatalogError
from tests.conftest import reference_file

TODAY = dt.date(2026, 11, 1)


def test_aws_instance_price_is_split_per_gpu(catalog: Catalog) -> None:
    result = import_skypilot_csv(
        reference_file("skypilot-samples", "aws", "vms_sample.csv"),
        catalog.resolver.resolve_id,
        as_of=TODAY,
    )
    # p5.48xlarge in eu-north-1: $58.8928/h for 8 H100 -> $7.3616 per GPU-hour; spot $28.3188 / 8.
    by_key = {(o.instance_type, o.region, o.term): o for o in result.offers}
    assert by_key["p5.48xlarge", "eu-north-1", "on_demand"].usd_per_gpu_hour == pytest.approx(
        7.3616
    )
    assert by_key["p5.48xlarge", "eu-north-1", "spot"].usd_per_gpu_hour == pytest.approx(3.53985)
    assert all(
        o.accelerator_id == "H100-SXM5-80GB"
        for o in result.offers
        if o.instance_type == "p5.48xlarge"
    )
    assert all(o.origin.startswith("skypilot:") for o in result.offers)


def test_gcp_host_rows_alone_are_rejected(catalog: Catalog) -> None:
    path = reference_file("skypilot-samples", "gcp", "vms_sample.csv")
    result = import_skypilot_csv(path, catalog.resolver.resolve_id, as_of=TODAY)
    # The sample holds only host VMs (CPU + memory): pricing them as GPUs would understate cost.
    assert result.offers == []
    assert len(result.rejected) == 8
    assert all("no" in r.reason and "accelerator row" in r.reason for r in result.rejected)


def test_gcp_host_and_accelerator_rows_are_summed(catalog: Catalog, tmp_path: Path) -> None:
    sample = reference_file("skypilot-samples", "gcp", "vms_sample.csv").read_text()
    # SkyPilot's GCP catalog lists accelerators as rows with no InstanceType.
    extra = ",,,A100,1,,us-central1,us-central1-a,2.933908,0.8801724\n"
    path = tmp_path / "gcp" / "vms.csv"
    path.parent.mkdir()
    path.write_text(sample + extra)
    result = import_skypilot_csv(path, catalog.resolver.resolve_id, as_of=TODAY)
    by_type = {(o.instance_type, o.term): o for o in result.offers}
    # a2-highgpu-1g: host $0.73948 + one A100 $2.933908.
    assert by_type["a2-highgpu-1g", "on_demand"].usd_per_gpu_hour == pytest.approx(3.673388)
    # a2-highgpu-8g: host $5.91582 + 8 x $2.933908, per GPU.
    assert by_type["a2-highgpu-8g", "on_demand"].usd_per_gpu_hour == pytest.approx(
        5.91582 / 8 + 2.933908
    )
    assert by_type["a2-highgpu-8g", "spot"].usd_per_gpu_hour == pytest.approx(2.958 / 8 + 0.8801724)
    assert by_type["a2-highgpu-1g", "on_demand"].accelerator_id == "A100-SXM4-40GB"


@pytest.mark.parametrize("cloud", ["lambda", "nebius", "hyperstack", "shadeform", "vast"])
def test_specialist_cloud_samples(catalog: Catalog, cloud: str) -> None:
    path = reference_file("skypilot-samples", cloud, "vms.csv")
    result = import_skypilot_csv(path, catalog.resolver.resolve_id, as_of=TODAY)
    assert result.offers
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    gpu_rows = [r for r in rows if r["AcceleratorName"]]
    assert result.skipped_cpu_only == len(rows) - len(gpu_rows)
    for offer in result.offers:
        assert 0 < offer.usd_per_gpu_hour < 100


def test_placeholder_prices_are_rejected(catalog: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "lambda" / "vms.csv"
    path.parent.mkdir()
    path.write_text(
        "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,Price,Region,GpuInfo,SpotPrice\n"
        "gpu_1x_h100,H100,1,26,200,,us-east-1,,\n"  # missing price
        "gpu_1x_a100,A100,1,30,200,0.0,us-east-1,,\n"  # placeholder zero
        "gpu_1x_h100b,H100,1,26,200,-1,us-east-1,,\n"  # negative placeholder
        "gpu_1x_zz,ZZ9000,1,26,200,2.0,us-east-1,,\n"  # unknown accelerator
        "gpu_1x_ok,H100,1,26,200,2.49,us-east-1,,\n"
    )
    result = import_skypilot_csv(path, catalog.resolver.resolve_id, as_of=TODAY)
    assert [o.instance_type for o in result.offers] == ["gpu_1x_ok"]
    reasons = [r.reason for r in result.rejected]
    assert sum("placeholder" in r for r in reasons) == 3
    assert any("ZZ9000" in r for r in reasons)


def test_not_a_skypilot_file(catalog: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(CatalogError):
        import_skypilot_csv(path, catalog.resolver.resolve_id)


def test_imported_offers_join_the_catalog_with_their_origin(
    catalog: Catalog, tmp_path: Path
) -> None:
    result = import_skypilot_csv(
        reference_file("skypilot-samples", "lambda", "vms.csv"),
        catalog.resolver.resolve_id,
        as_of=TODAY,
    )
    write_offers(tmp_path, result.offers)
    merged = load_catalog(tmp_path)
    imported = [o for o in merged.offers if o.origin.startswith("user:")]
    assert len(imported) == len(result.offers)
    # Importing twice replaces rows by key instead of duplicating them.
    write_offers(tmp_path, result.offers)
    with (tmp_path / "offers.csv").open() as handle:
        assert sum(1 for _ in handle) == len(result.offers) + 1


def test_litellm_chat_prices() -> None:
    result = import_litellm_json(
        reference_file("hosted-api-prices", "litellm_model_prices_and_context_window.json")
    )
    by_model = {p.model: p for p in result.prices}
    gpt4o = by_model["gpt-4o"]  # 2.5e-06 and 1e-05 USD per token in the file
    assert gpt4o.usd_per_million_input_tokens == pytest.approx(2.5)
    assert gpt4o.usd_per_million_output_tokens == pytest.approx(10.0)
    assert gpt4o.cost_usd(1e6, 1e6) == pytest.approx(12.5)
    assert len(result.prices) > 1000
    assert result.skipped_other_modes > 0  # embeddings, images, audio are not chat prices


def test_litellm_bad_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(CatalogError):
        import_litellm_json(bad)
    partial = tmp_path / "p.json"
    partial.write_text(json.dumps({"m": {"mode": "chat", "input_cost_per_token": 1e-6}}))
    result = import_litellm_json(partial)
    assert result.prices == [] and result.rejected[0][0] == "m"
    write_api_prices(tmp_path, result.prices)


def test_shipped_api_snapshot_matches_the_importer(catalog: Catalog) -> None:
    result = import_litellm_json(
        reference_file("hosted-api-prices", "litellm_model_prices_and_context_window.json")
    )
    assert len(catalog.api_prices) == len(result.prices)
    assert catalog.api_prices["gpt-4o"].usd_per_million_output_tokens == pytest.approx(10.0)


LLAMA2_7B_CONFIG = {
    "model_type": "llama", "hidden_size": 4096, "intermediate_size": 11008, "num_attention_heads": 32,
    "num_hidden_layers": 32, "num_key_value_heads": 32, "vocab_size": 32000,
    "max_position_embeddings": 4096, "tie_word_embeddings": False,
}  # fmt: skip


def test_hf_config_llama2_7b() -> None:
    spec = spec_from_hf_config(LLAMA2_7B_CONFIG)
    assert spec.params == 6_738_415_616  # the Hugging Face count for meta-llama/Llama-2-7b-hf
    assert spec.seq_len == 4096


def test_hf_config_mixtral(tmp_path: Path) -> None:
    config = {
        "model_type": "mixtral", "hidden_size": 4096, "intermediate_size": 14336,
        "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 8,
        "vocab_size": 32000, "num_local_experts": 8, "num_experts_per_tok": 2,
    }  # fmt: skip
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    spec = spec_from_hf_config_file(path)
    assert spec.params == pytest.approx(46.7e9, rel=0.01)
    assert spec.active_params == pytest.approx(12.9e9, rel=0.01)


def test_hf_config_missing_keys(tmp_path: Path) -> None:
    with pytest.raises(CatalogError) as err:
        spec_from_hf_config({"model_type": "llama", "hidden_size": 4096})
    assert "num_hidden_layers" in str(err.value)
    path = tmp_path / "config.json"
    path.write_text("[1, 2]")
    with pytest.raises(CatalogError):
        spec_from_hf_config_file(path)
