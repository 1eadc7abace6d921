"""The accelerator table: completeness, units, plausible ranges, cross-row sanity, name resolution."""

import csv
import datetime as dt

import pytest

from flopfolio.catalog.catalog import Catalog
from flopfolio.errors import UnknownAcceleratorError, UnsupportedPrecisionError
from flopfolio.specs.precision import Precision
from tests.conftest import reference_file


def test_at_least_thirty_with_provenance(catalog: Catalog) -> None:
    accs = catalog.accelerators
    assert len(accs) >= 30
    for acc in accs.values():
        assert acc.source and acc.as_of <= dt.date.today(), acc.id


def test_every_shared_accelerator_is_in_the_catalog(catalog: Catalog) -> None:
    with reference_file("accelerators.csv").open(newline="") as handle:
        names = [row["name"] for row in csv.DictReader(handle)]
    for name in names:
        catalog.accelerator(name)  # raises if a shared row has no counterpart


def test_plausible_ranges(catalog: Catalog) -> None:
    for acc in catalog.accelerators.values():
        assert 4 <= acc.memory_gib <= 512, acc.id
        assert 100 <= acc.memory_bw_gb_per_s <= 20_000, acc.id
        for precision, rate in acc.peak_flop_per_s:
            assert 1e12 <= rate <= 3e16, (acc.id, precision)
        if acc.tdp_w is not None:
            assert 10 <= acc.tdp_w <= 2000, acc.id


def test_cross_row_sanity(catalog: Catalog) -> None:
    a = catalog.accelerators
    # SkyPilot's metadata gives H200 and B200 80 GB; ours must not.
    assert a["H200-SXM-141GB"].memory_gib > a["H100-SXM5-80GB"].memory_gib
    assert a["B200"].memory_gib > a["H200-SXM-141GB"].memory_gib
    assert a["A100-SXM4-80GB"].memory_gib > a["A100-SXM4-40GB"].memory_gib
    # Hopper and Blackwell: fp8 is twice bf16 (dense), and Blackwell has fp4 above fp8.
    for acc_id in ("H100-SXM5-80GB", "H200-SXM-141GB", "B200"):
        acc = a[acc_id]
        assert acc.peak(Precision.FP8) == pytest.approx(2 * acc.peak(Precision.BF16), rel=0.01)
    for acc_id in ("B200", "GB200", "B300"):
        assert a[acc_id].peak(Precision.FP4) > a[acc_id].peak(Precision.FP8)
    # Interconnect: NVLink beats the scale-out network per GPU.
    h100 = a["H100-SXM5-80GB"]
    assert h100.intra_node_gb_per_s and h100.scale_out_gb_per_s
    assert h100.intra_node_gb_per_s > h100.scale_out_gb_per_s


def test_seed_a100_figure(catalog: Catalog) -> None:
    # Seed 002: "The A100 has a nominal performance of 312 TFLOPS".
    assert catalog.accelerator("A100").peak(Precision.BF16) == 312e12


def test_unsupported_precision_names_what_the_chip_has(catalog: Catalog) -> None:
    with pytest.raises(UnsupportedPrecisionError) as err:
        catalog.accelerator("A100-SXM4-80GB").peak(Precision.FP8)
    assert "bf16" in str(err.value)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("H100", "H100-SXM5-80GB"),  # bare family name: what clouds mean by it
        ("h100-80gb", "H100-SXM5-80GB"),  # lower case with memory
        ("A100 40GB", "A100-SXM4-40GB"),  # space instead of dash
        ("TPUv4", "TPU-V4"),  # no separator
        ("H100-SXM (H100-80GB)", "H100-SXM5-80GB"),  # a parenthesised alternative
        ("NVIDIA A100-SXM4-80GB", "A100-SXM4-80GB"),  # vendor word
        ("a100-80g-pcie", "A100-PCIE-80GB"),  # SkyPilot/Hyperstack spelling
        ("MI300X", "MI300X"),
    ],
)
def test_resolver(catalog: Catalog, typed: str, expected: str) -> None:
    assert catalog.resolver.resolve_id(typed) == expected


@pytest.mark.parametrize("filename", ["training_runs.csv", "inference_bench.csv"])
def test_every_calibration_spelling_resolves(catalog: Catalog, filename: str) -> None:
    with reference_file("calibration", filename).open(newline="") as handle:
        spellings = {row["hardware"] for row in csv.DictReader(handle)}
    for spelling in spellings:
        catalog.resolver.resolve_id(spelling)


def test_every_skypilot_sample_name_resolves(catalog: Catalog) -> None:
    names: set[str] = set()
    for path in reference_file("skypilot-samples").glob("*/*.csv"):
        with path.open(newline="") as handle:
            names |= {
                r["AcceleratorName"] for r in csv.DictReader(handle) if r.get("AcceleratorName")
            }
    assert names
    for name in names:
        catalog.resolver.resolve_id(name)


def test_unknown_name_suggests_close_matches(catalog: Catalog) -> None:
    with pytest.raises(UnknownAcceleratorError) as err:
        catalog.accelerator("H10O")
    message = str(err.value)
    assert "'H10O'" in message and "H100" in message and "To fix" in message
