"""Contracts against the seeds' numbers and hand calculations."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flopfolio.economics.contracts import (
    AfterUse,
    ContractSpec,
    capacity_block_months,
    contract_cost,
)
from flopfolio.errors import InvalidSpecError
from tests.cli.helpers import run_cli, run_json


def test_seed_22_million() -> None:
    # Seed 001: 2,000 H100s for three months at $5/h, 730 hours a month: "about $22 million".
    d = run_json("contract", "--gpu", "H100", "--gpus", "2000", "--price", "5", "--months", "3")
    assert d["total_usd"] == pytest.approx(2000 * 5 * 730 * 3, rel=0.01)
    assert d["total_usd"] == pytest.approx(22e6, rel=0.01)


def test_seed_twelve_times() -> None:
    # Seed 000: "all my cards for the next two months ... but they want a two-year reservation.
    # So really, the cost is 12 times as high."
    d = run_json("contract", "--gpu", "H100", "--gpus", "1000", "--price", "2", "--usage-months", "2",
                 "--term-months", "24")  # fmt: skip
    assert d["effective_cost_multiplier"] == pytest.approx(12.0)
    assert d["total_usd"] == pytest.approx(1000 * 2 * 730 * 24)


def test_leftover_for_inference_and_resale() -> None:
    base = {"gpus": 100, "usd_per_gpu_hour": 2.0, "usage_months": 3, "term_months": 12}
    idle = contract_cost(ContractSpec(**base))  # type: ignore[arg-type]
    used = contract_cost(
        ContractSpec(**base, after_use=AfterUse.INFERENCE, inference_utilization=0.5)
    )  # type: ignore[arg-type]
    sold = contract_cost(ContractSpec(**base, after_use=AfterUse.RESELL, resale_fraction=0.4))  # type: ignore[arg-type]
    leftover = 100 * 730 * 9
    assert idle.leftover_gpu_hours == leftover and idle.recovered_usd == 0
    assert used.recovered_usd == pytest.approx(leftover * 2.0 * 0.5)
    assert sold.recovered_usd == pytest.approx(leftover * 2.0 * 0.4)
    assert used.net_multiplier == pytest.approx(
        (idle.total_usd - used.recovered_usd) / idle.usage_cost_usd
    )


def test_spot_upfront_and_blocks() -> None:
    spot = contract_cost(ContractSpec(10, 1.0, 2, spot=True, spot_overhead=0.1))
    assert spot.total_usd == pytest.approx(10 * 730 * 2 * 1.1)
    upfront = contract_cost(ContractSpec(10, 1.0, 2, term_months=6, upfront=True))
    assert upfront.cash_by_month[0] == upfront.total_usd and sum(upfront.cash_by_month[1:]) == 0
    monthly = contract_cost(ContractSpec(10, 1.0, 2, term_months=6))
    assert monthly.cash_by_month == pytest.approx([10 * 730 * 1.0] * 6)
    assert capacity_block_months(730 / 24) == pytest.approx(1.0)


def test_next_generation_strands_the_tail() -> None:
    # A 2.5x faster card at the same hourly price from month 12 of a 36-month term: every old
    # GPU-hour after that is worth 1/2.5 of what it costs.
    c = contract_cost(
        ContractSpec(1000, 2.0, 12, term_months=36, next_gen_month=12, next_gen_speedup=2.5)
    )
    assert c.stranded_usd == pytest.approx(1000 * 730 * 24 * (2.0 - 2.0 / 2.5))
    assert c.switch_pays_from_month == 12
    dear = contract_cost(
        ContractSpec(
            1000, 2.0, 12, term_months=36, next_gen_month=12, next_gen_usd_per_gpu_hour=6.0
        )
    )
    assert dear.stranded_usd == 0 and dear.switch_pays_from_month is None


@given(st.floats(1, 36), st.floats(0, 36))
def test_longer_terms_never_cost_less(usage: float, extra: float) -> None:
    short = contract_cost(ContractSpec(8, 2.0, usage, term_months=usage))
    long = contract_cost(ContractSpec(8, 2.0, usage, term_months=usage + extra))
    assert long.total_usd >= short.total_usd
    assert long.effective_cost_multiplier == pytest.approx((usage + extra) / usage)


def test_bad_contracts() -> None:
    with pytest.raises(InvalidSpecError):
        ContractSpec(10, 1.0, 6, term_months=3)  # a term shorter than the use
    with pytest.raises(InvalidSpecError):
        ContractSpec(10, 1.0, 6, term_months=12, spot=True)
    done = run_cli("contract", "--gpu", "H100", "--gpus", "10", "--price", "2")
    assert done.returncode == 2 and "--months" in done.stderr
