"""A user catalog directory adds and overrides rows, and keeps their origin."""

from pathlib import Path

import pytest

from flopfolio.catalog.catalog import load_catalog
from flopfolio.errors import CatalogError

OFFER_HEADER = "provider,accelerator_id,region,term,usd_per_gpu_hour,instance_type,gpus_per_instance,status,source,as_of,note\n"


def test_user_rows_add_and_override(tmp_path: Path) -> None:
    (tmp_path / "offers.csv").write_text(
        OFFER_HEADER + "mycloud,h100,home,1y,1.10,rack-7,8,current,our contract,2026-10-01,\n"
    )
    (tmp_path / "accelerators.csv").write_text(
        "id,name,vendor,form_factor,memory_gib,memory_bw_gb_per_s,bf16_tflops,source,as_of\n"
        "A100-SXM4-80GB,A100 (our measurement),NVIDIA,sxm,80,2039,250,our lab,2026-10-01\n"
    )
    catalog = load_catalog(tmp_path)
    (mine,) = catalog.find_offers("H100", provider="mycloud")
    assert mine.accelerator_id == "H100-SXM5-80GB"  # user rows may use any spelling
    assert mine.origin.startswith("user:") and mine.commitment_months == 12
    a100 = catalog.accelerator("A100-80GB")
    assert a100.origin.startswith("user:") and a100.peak_flop_per_s[0][1] == 250e12
    assert len(catalog.accelerators) == len(load_catalog(None).accelerators)


def test_env_var_points_at_the_user_catalog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "offers.csv").write_text(
        OFFER_HEADER + "envcloud,A100,home,on_demand,0.99,x,1,current,ours,2026-10-01,\n"
    )
    monkeypatch.setenv("FLOPFOLIO_CATALOG", str(tmp_path))
    assert load_catalog().find_offers("A100", provider="envcloud")


@pytest.mark.parametrize(
    ("row", "complaint"),
    [
        ("x,H100,r,on_demand,2.0,i,1,current,,2026-01-01,", "no source"),  # no source
        ("x,H100,r,on_demand,2.0,i,1,current,src,2999-01-01,", "future"),  # dated in the future
        ("x,H100,r,on_demand,2.0,i,1,current,src,yesterday,", "ISO date"),  # not a date
        ("x,H100,r,forever,2.0,i,1,current,src,2026-01-01,", "term"),  # unknown term
        ("x,H100,r,on_demand,-2,i,1,current,src,2026-01-01,", "plausible"),  # negative price
        ("x,H999,r,on_demand,2.0,i,1,current,src,2026-01-01,", "H999"),  # unknown accelerator
    ],
)
def test_bad_user_rows_name_file_and_line(tmp_path: Path, row: str, complaint: str) -> None:
    (tmp_path / "offers.csv").write_text(OFFER_HEADER + row + "\n")
    with pytest.raises(CatalogError) as err:
        _ = load_catalog(tmp_path).offers
    assert complaint in str(err.value) and "offers.csv:2" in str(err.value)


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(CatalogError) as err:
        load_catalog(tmp_path / "nope")
    assert "FLOPFOLIO_CATALOG" in str(err.value)
