"""Monte Carlo ranges."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flopfolio.planning.uncertainty import RunUncertainty, simulate


def case(**over: object) -> RunUncertainty:
    base = {
        "ideal_gpu_hours": 1e6, "mfu": 0.4, "mfu_log_sd": 0.2, "gpus": 1024,
        "checkpoint_hours": 1 / 60, "price_choices": [2.0, 3.0, 4.0], "program_factor": 1.5,
        "program_factor_band": (1.2, 2.5),
    }  # fmt: skip
    return RunUncertainty(**{**base, **over})  # type: ignore[arg-type]


def test_reproducible_and_ordered() -> None:
    a, b = simulate(case()), simulate(case())
    assert a == b
    assert a.gpu_hours.low < a.gpu_hours.central < a.gpu_hours.high
    assert a.cost_usd is not None and a.cost_usd.central == pytest.approx(a.gpu_hours.central * 3.0)
    assert a.program_gpu_hours.central == pytest.approx(a.gpu_hours.central * 1.5)


def test_production_overhead_scales_every_expected_figure() -> None:
    plain, slower = simulate(case()), simulate(case(production_overhead=0.1))
    for a, b in (
        (plain.gpu_hours, slower.gpu_hours),
        (plain.program_gpu_hours, slower.program_gpu_hours),
    ):
        assert (b.low, b.central, b.high) == pytest.approx(
            (1.1 * a.low, 1.1 * a.central, 1.1 * a.high)
        )


def test_point_price_and_wider_uncertainty() -> None:
    point = simulate(case(price_choices=[2.5], mfu_log_sd=0.05))
    wide = simulate(case(price_choices=[2.5], mfu_log_sd=0.4))
    assert point.cost_usd is not None and wide.cost_usd is not None
    assert wide.gpu_hours.high - wide.gpu_hours.low > point.gpu_hours.high - point.gpu_hours.low
    assert simulate(case(price_choices=[])).cost_usd is None


@settings(max_examples=20)
@given(st.floats(1e3, 1e8), st.floats(0.05, 0.9), st.sampled_from([8, 512, 16384]))
def test_band_contains_central(hours: float, mfu: float, gpus: int) -> None:
    bands = simulate(case(ideal_gpu_hours=hours, mfu=mfu, gpus=gpus), samples=2000)
    for band in (bands.gpu_hours, bands.wall_days, bands.program_gpu_hours):
        assert band.low <= band.central <= band.high
    assert bands.gpu_hours.central >= hours  # failures only ever add time
