"""Regulatory compute thresholds: the shipped rows, the seed's $95M + $7M case, all/any logic."""

from __future__ import annotations

import csv
import datetime as dt
from importlib import resources
from pathlib import Path

import pytest

from flopfolio.catalog.thresholds import (
    STATUSES,
    THRESHOLDS_FILE,
    Threshold,
    load_thresholds,
)
from flopfolio.economics.thresholds import (
    ComputeRecord,
    check_records,
    check_thresholds,
    cumulative,
    flops_from_run,
)
from flopfolio.errors import CatalogError, InvalidSpecError

HEADER = (
    "id,jurisdiction,instrument,threshold_flops,threshold_usd,combine,basis,applies_to,status,"
    "status_date,source,as_of,note\n"
)


@pytest.fixture(scope="module")
def thresholds() -> list[Threshold]:
    return load_thresholds(None)


@pytest.fixture(scope="module")
def by_id(thresholds: list[Threshold]) -> dict[str, Threshold]:
    return {t.id: t for t in thresholds}


def seed_lineage() -> list[ComputeRecord]:
    # Seed 001: "the prior model developer spent $95 million ... and you're spending $7 million
    # to fine-tune it ... the aggregate cost triggers that 100 million threshold".
    return [
        ComputeRecord("prior base model", cost_usd=95e6, kind="base"),
        ComputeRecord("startup fine-tune", cost_usd=7e6, kind="fine-tune"),
    ]


# --- the shipped CSV --------------------------------------------------------------------------


def test_csv_rows_are_sourced_dated_and_valid() -> None:
    text = resources.files("flopfolio.catalog").joinpath("data", THRESHOLDS_FILE).read_text()
    rows = list(csv.DictReader(text.splitlines()))
    assert len(rows) >= 8
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "ids must be unique"
    for row in rows:
        assert row["source"].strip(), row["id"]
        assert row["status"] in STATUSES, row["id"]
        as_of = dt.date.fromisoformat(row["as_of"])
        assert as_of <= dt.date.today(), row["id"]
        assert as_of <= dt.date(2026, 11, 22), row["id"]
        assert dt.date.fromisoformat(row["status_date"]) <= as_of, row["id"]
        # an empty cell is explained, never silently zero
        for column in ("threshold_flops", "threshold_usd"):
            assert row[column] != "0", row["id"]
        assert row["note"].strip(), row["id"]


def test_every_row_loads_and_eu_line_is_active(thresholds: list[Threshold]) -> None:
    eu = [t for t in thresholds if t.jurisdiction == "EU" and t.active]
    assert any(t.flops == 1e25 and t.status == "in_force" for t in eu)
    assert all(t.origin == "shipped" for t in thresholds)


@pytest.mark.parametrize(
    ("row_id", "flops", "usd", "combine", "status", "status_date"),
    [
        # EU AI Act Art. 51(2): > 10^25 FLOPs; Chapter V applies from 2 August 2025.
        ("eu-ai-act-art51-2", 1e25, None, "flops", "in_force", "2025-08-02"),
        # EO 14110 §4.2(b)(i): 10^26, and 10^23 for biological sequence data; revoked 2025-01-20.
        ("us-eo14110-general", 1e26, None, "flops", "revoked", "2025-01-20"),
        ("us-eo14110-bio", 1e23, None, "flops", "revoked", "2025-01-20"),
        # SB 1047: 10^26 AND $100M; fine-tunes 3×10^25 AND $10M; vetoed 2024-09-29.
        ("ca-sb1047-covered", 1e26, 1e8, "all", "vetoed", "2024-09-29"),
        ("ca-sb1047-fine-tune", 3e25, 1e7, "all", "vetoed", "2024-09-29"),
        # SB 53: > 10^26 including fine-tuning; in force 2026-01-01.
        ("ca-sb53-frontier", 1e26, None, "flops", "in_force", "2026-01-01"),
        # AI Diffusion rule ECCN 4E091: 10^26; rescission announced 2025-05-13.
        ("us-bis-4e091", 1e26, None, "flops", "revoked", "2025-05-13"),
        # RAISE Act as first signed: 10^26 AND $100M; replaced by the 2026 chapter amendment.
        ("ny-raise-2025-frontier", 1e26, 1e8, "all", "superseded", "2026-03-27"),
    ],
)
def test_shipped_figures(
    by_id: dict[str, Threshold],
    row_id: str,
    flops: float | None,
    usd: float | None,
    combine: str,
    status: str,
    status_date: str,
) -> None:
    row = by_id[row_id]
    assert (row.flops, row.usd, row.combine, row.status) == (flops, usd, combine, status)
    assert row.status_date == dt.date.fromisoformat(status_date)


def test_fine_tune_accounting_per_instrument(by_id: dict[str, Threshold]) -> None:
    # SB 53 counts fine-tuning toward the model's total; SB 1047's fine-tune line counts only
    # the fine-tune.
    assert by_id["ca-sb53-frontier"].basis == "cumulative"
    assert "fine-tuning" in by_id["ca-sb53-frontier"].note
    assert by_id["ca-sb1047-fine-tune"].basis == "fine-tune"


# --- the seed: $95M + $7M = $102M -------------------------------------------------------------


def test_seed_lineage_sums_to_102_million() -> None:
    total = cumulative(seed_lineage())
    assert total.cost_usd == pytest.approx(102e6)
    assert total.cost_complete
    assert total.flops is None  # no run gave FLOPs


def test_seed_fine_tune_pushes_exactly_the_100m_rows_over(thresholds: list[Threshold]) -> None:
    def usd_crossed(total_usd: float) -> set[str]:
        checks = check_thresholds(None, total_usd, thresholds)
        return {c.threshold.id for c in checks if "usd" in c.crossed_criteria}

    newly = usd_crossed(cumulative(seed_lineage()).cost_usd or 0.0) - usd_crossed(95e6)
    hundred_million_rows = {t.id for t in thresholds if t.usd == 1e8}
    assert newly == hundred_million_rows
    assert newly == {"ca-sb1047-covered", "ny-raise-2025-frontier"}


def test_seed_report_names_sb1047_and_its_status(thresholds: list[Threshold]) -> None:
    checks = {c.threshold.id: c for c in check_records(seed_lineage(), thresholds)}
    sb1047 = checks["ca-sb1047-covered"]
    assert sb1047.crossed_criteria == ("usd",)
    usd = next(c for c in sb1047.criteria if c.criterion == "usd")
    assert usd.ratio == pytest.approx(1.02)
    assert sb1047.crosses is None  # the dollars cross; FLOPs unknown and both are required
    text = sb1047.summary()
    assert "SB 1047" in text and "vetoed 2024-09-29" in text
    assert "crosses its $100M (1.02×)" in text and "cannot tell for its 1e26 FLOPs" in text
    # SB 1047's own fine-tune line counts only the $7M fine-tune: under its $10M.
    fine_tune = checks["ca-sb1047-fine-tune"]
    assert fine_tune.crosses is False
    assert next(c for c in fine_tune.criteria if c.criterion == "usd").measured == 7e6
    # No distillation in the lineage: the distillation line does not apply.
    assert checks["ny-raise-2025-distilled"].crosses is False


def test_dollars_without_flops_is_not_sb1047(by_id: dict[str, Threshold]) -> None:
    # With FLOPs known and under 10^26, the $102M crosses the dollar line but not the row.
    (check,) = check_thresholds(5.1e25, 102e6, [by_id["ca-sb1047-covered"]])
    assert check.crossed_criteria == ("usd",)
    assert check.crosses is False
    assert check.ratio == pytest.approx(0.51)
    assert check.summary() == (
        "California SB 1047 (2024), covered model (vetoed 2024-09-29): crosses its $100M "
        "(1.02×) but not its 1e26 FLOPs (0.51×); both lines are required, so it is not crossed."
    )


# --- the EU 10^25 line with napkin FLOPs ------------------------------------------------------


def test_eu_line_70b_on_15t_does_not_cross(by_id: dict[str, Threshold]) -> None:
    flops = flops_from_run(70e9, 15e12)
    assert flops == pytest.approx(6.3e24)
    (check,) = check_thresholds(flops, None, [by_id["eu-ai-act-art51-2"]])
    assert check.crosses is False
    assert check.ratio == pytest.approx(0.63)


def test_eu_line_405b_on_15_6t_crosses(by_id: dict[str, Threshold]) -> None:
    flops = flops_from_run(405e9, 15.6e12)
    assert flops == pytest.approx(3.79e25, rel=1e-3)
    checks = check_thresholds(flops, None, [by_id["eu-ai-act-art51-2"], by_id["ca-sb53-frontier"]])
    assert [c.crosses for c in checks] == [True, False]  # over 10^25, under SB 53's 10^26
    assert checks[0].crossed_criteria == ("flops",)
    assert "crosses its 1e25 FLOPs (3.79×)" in checks[0].summary()


def test_moe_uses_active_parameters() -> None:
    # 6·N_active·D: 37B active of 671B, 14.8T tokens (DeepSeek-V3's published shape).
    assert flops_from_run(671e9, 14.8e12, active_params=37e9) == pytest.approx(6 * 37e9 * 14.8e12)


def test_sb53_counts_fine_tuning_toward_the_total(by_id: dict[str, Threshold]) -> None:
    lineage = [
        ComputeRecord("base", flops=9.5e25, kind="base"),
        ComputeRecord("RL post-training", flops=0.7e25, kind="fine-tune"),
    ]
    (sb53,) = check_records(lineage, [by_id["ca-sb53-frontier"]])
    assert sb53.crosses is True
    assert sb53.ratio == pytest.approx(1.02)


def test_include_inactive_false_keeps_enacted_and_in_force(thresholds: list[Threshold]) -> None:
    checks = check_thresholds(1e27, 1e9, thresholds, include_inactive=False)
    statuses = {c.threshold.status for c in checks}
    assert statuses <= {"enacted", "in_force"}
    assert "eu-ai-act-art51-2" in {c.threshold.id for c in checks}
    assert "ca-sb1047-covered" not in {c.threshold.id for c in checks}


# --- all / any logic --------------------------------------------------------------------------


def make(combine: str, flops: float | None = 1e26, usd: float | None = 1e8) -> Threshold:
    return Threshold(
        id=f"t-{combine}",
        jurisdiction="XX",
        instrument=f"Test {combine}",
        flops=flops,
        usd=usd,
        combine=combine,
        basis="cumulative",
        applies_to="test models",
        status="proposed",
        status_date=dt.date(2025, 1, 1),
        source="test",
        as_of=dt.date(2025, 1, 2),
    )


@pytest.mark.parametrize(
    ("flops", "usd", "all_", "any_"),
    [
        (2e26, 2e8, True, True),  # both over
        (2e26, 5e7, False, True),  # FLOPs only
        (5e25, 2e8, False, True),  # dollars only
        (5e25, 5e7, False, False),  # neither
        (1e26, 1e8, False, False),  # exactly on the line is not over it
        (None, 2e8, None, True),  # unknown FLOPs: 'all' undecided, 'any' decided by dollars
        (None, 5e7, False, None),  # unknown FLOPs: 'all' decided by dollars, 'any' undecided
        (None, None, None, None),  # nothing known
    ],
)
def test_all_and_any(
    flops: float | None, usd: float | None, all_: bool | None, any_: bool | None
) -> None:
    results = check_thresholds(flops, usd, [make("all"), make("any")])
    assert [c.crosses for c in results] == [all_, any_]


def test_lower_bound_crosses_only_when_already_over() -> None:
    only_flops = make("flops", usd=None)
    partial = [
        ComputeRecord("base", flops=2e26),
        ComputeRecord("fine-tune, FLOPs unknown", kind="fine-tune"),
    ]
    assert check_records(partial, [only_flops])[0].crosses is True
    partial_low = [ComputeRecord("base", flops=5e25), ComputeRecord("ft", kind="fine-tune")]
    (check,) = check_records(partial_low, [only_flops])
    assert check.crosses is None
    assert "at least 0.5×" in check.summary()


# --- bad input --------------------------------------------------------------------------------


def test_bad_records_and_totals_raise() -> None:
    with pytest.raises(InvalidSpecError, match="fine-tune"):
        ComputeRecord("x", flops=1e24, kind="finetune")
    with pytest.raises(InvalidSpecError, match="greater than zero"):
        ComputeRecord("x", flops=-1.0)
    with pytest.raises(InvalidSpecError, match="at least one"):
        cumulative([])
    with pytest.raises(InvalidSpecError, match="exceed total"):
        flops_from_run(7e9, 1e12, active_params=8e9)
    with pytest.raises(InvalidSpecError, match="finite"):
        check_thresholds(float("nan"), None, [])
    with pytest.raises(InvalidSpecError, match="needs threshold_usd"):
        make("all", usd=None)
    with pytest.raises(InvalidSpecError, match="ignores it"):
        make("flops", usd=1e8)


def write_user_catalog(directory: Path, row: str) -> Path:
    (directory / THRESHOLDS_FILE).write_text(HEADER + row + "\n", encoding="utf-8")
    return directory


def test_user_row_overrides_and_bad_user_row_names_file_and_line(tmp_path: Path) -> None:
    good = (
        "eu-ai-act-art51-2,EU,EU AI Act Art. 51(2) amended,3e25,,flops,cumulative,GPAI models,"
        "in_force,2026-06-01,my delegated-act reading,2026-06-02,test"
    )
    rows = load_thresholds(write_user_catalog(tmp_path, good))
    eu = next(t for t in rows if t.id == "eu-ai-act-art51-2")
    assert eu.flops == 3e25 and eu.origin.startswith("user:")
    assert len([t for t in rows if t.id == "eu-ai-act-art51-2"]) == 1

    bad = tmp_path / "bad"
    bad.mkdir()
    row = "x-1,XX,Test,1e26,,flops,cumulative,models,signed,2025-01-01,src,2025-01-02,"
    with pytest.raises(CatalogError, match=r"thresholds\.csv:2: status 'signed'"):
        load_thresholds(write_user_catalog(bad, row))
