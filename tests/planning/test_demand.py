"""Demand profiles and request mixes: shapes checked against hand calculations."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from flopfolio.errors import CatalogError, FlopfolioError, InvalidSpecError
from flopfolio.planning.demand import (
    DemandProfile,
    RequestClass,
    RequestMix,
    Spike,
    daily_shape,
    read_demand_csv,
    synthetic_demand,
)

WEEK = 168

peak_to_means = st.floats(min_value=1.0, max_value=20.0)
means = st.floats(min_value=1e-3, max_value=1e7)


@st.composite
def profiles(draw: st.DrawFn) -> DemandProfile:
    """Synthetic profiles across the parameter space, spikes included."""
    hours = draw(st.integers(1, 24 * 60))
    spikes = draw(
        st.lists(
            st.builds(
                Spike,
                start_hour=st.integers(0, hours - 1),
                hours=st.integers(1, 48),
                multiplier=st.floats(0.1, 20.0),
            ),
            max_size=3,
        )
    )
    return synthetic_demand(
        draw(means),
        hours=hours,
        peak_to_mean=draw(peak_to_means),
        weekend_factor=draw(st.floats(0.1, 2.0)),
        growth_per_week=draw(st.floats(-0.5, 2.0)),
        spikes=spikes,
        start_weekday=draw(st.integers(0, 6)),
        start_hour=draw(st.integers(0, 23)),
        peak_hour=draw(st.integers(0, 23)),
    )


# --- the daily shape -------------------------------------------------------------------------


@pytest.mark.parametrize("ratio", [1.0, 1.5, 2.0, 3.0, 5.0, 12.0, 23.0])
def test_flat_profile_has_exact_peak_to_mean(ratio: float) -> None:
    profile = synthetic_demand(250.0, hours=WEEK, peak_to_mean=ratio, weekend_factor=1.0)
    assert profile.peak_to_mean == pytest.approx(ratio, rel=0, abs=1e-9)
    assert profile.mean == pytest.approx(250.0, rel=1e-12)


def test_default_three_to_one_day_peaks_at_peak_hour() -> None:
    profile = synthetic_demand(100.0, hours=48, peak_to_mean=3.0, weekend_factor=1.0)
    values = profile.as_array()
    assert abs(values.max() / values.mean() - 3.0) < 1e-9
    assert int(values.argmax()) == 14
    assert values[14] == pytest.approx(300.0, rel=1e-12)  # peak = ratio x mean
    # Symmetric about the peak and falling away from it to the trough at 02:00.
    day = values[:24]
    for k in range(1, 12):
        assert day[(14 + k) % 24] == pytest.approx(day[14 - k], rel=1e-12)
        assert day[(14 + k) % 24] < day[(14 + k - 1) % 24]
    assert int(day.argmin()) == 2


def test_daily_shape_is_the_von_mises_bump() -> None:
    shape = daily_shape(3.0, peak_hour=14)
    assert shape[14] == 1.0
    # Recover κ from one hour and check every other hour against exp(κ(cos θ − 1)).
    kappa = math.log(shape[13]) / (math.cos(2 * math.pi / 24) - 1)
    for hour, value in enumerate(shape):
        expected = math.exp(kappa * (math.cos(2 * math.pi * (hour - 14) / 24) - 1))
        assert value == pytest.approx(expected, rel=1e-12)
    assert 24 / sum(shape) == pytest.approx(3.0, abs=1e-12)


def test_start_hour_shifts_the_clock() -> None:
    profile = synthetic_demand(100.0, hours=24, start_hour=5, peak_hour=14, weekend_factor=1.0)
    assert int(profile.as_array().argmax()) == 9  # 05:00 + 9 h = 14:00
    assert profile.start_hour == 5


def test_flat_ratio_one_gives_constant_demand() -> None:
    profile = synthetic_demand(42.0, hours=30, peak_to_mean=1.0, weekend_factor=1.0)
    assert set(profile.requests_per_hour) == {42.0}


@pytest.mark.parametrize(
    ("ratio", "needle"),
    [
        (0.9, "at least 1"),  # below flat
        (24.0, "below 24"),  # a whole day in one hour is the unreachable limit
        (30.0, "below 24"),
        (math.nan, "finite"),
    ],
)
def test_unreachable_peak_to_mean_names_the_limit(ratio: float, needle: str) -> None:
    with pytest.raises(InvalidSpecError, match=needle):
        synthetic_demand(100.0, peak_to_mean=ratio)


# --- weekly pattern, mean, growth, spikes ----------------------------------------------------


def test_weekend_factor_by_hand() -> None:
    # Flat days, Monday start: 5 weekdays at v and 2 weekend days at 0.6 v average 100,
    # so v = 100 * 7 / (5 + 2 * 0.6) = 112.903...
    profile = synthetic_demand(100.0, hours=2 * WEEK, peak_to_mean=1.0, weekend_factor=0.6)
    values = profile.as_array()
    weekday = 100.0 * 7 / 6.2
    assert values[: 5 * 24] == pytest.approx(np.full(120, weekday), rel=1e-12)
    assert values[5 * 24 : 7 * 24] == pytest.approx(np.full(48, 0.6 * weekday), rel=1e-12)
    assert values[WEEK] == pytest.approx(weekday, rel=1e-12)  # the next Monday


def test_weekend_follows_start_weekday() -> None:
    # Starting on Saturday: the first 48 hours are the weekend.
    profile = synthetic_demand(
        100.0, hours=WEEK, peak_to_mean=1.0, weekend_factor=0.5, start_weekday=5
    )
    values = profile.as_array()
    assert values[0] == pytest.approx(0.5 * values[48], rel=1e-12)
    assert values[47] == pytest.approx(values[0], rel=1e-12)
    assert profile.start_weekday == 5


@pytest.mark.parametrize(
    ("hours", "start_weekday", "start_hour"),
    [
        (WEEK, 0, 0),  # exactly one week
        (24 * 30, 3, 17),  # a month starting Thursday 17:00
        (50, 5, 9),  # shorter than a week: the mean is over all hours
    ],
)
def test_mean_is_first_week_before_growth_and_spikes(
    hours: int, start_weekday: int, start_hour: int
) -> None:
    profile = synthetic_demand(
        321.0, hours=hours, start_weekday=start_weekday, start_hour=start_hour
    )
    first = profile.as_array()[: min(hours, WEEK)]
    assert first.mean() == pytest.approx(321.0, rel=1e-12)
    # Growth and spikes are applied on top of that mean, not folded back into it.
    grown = synthetic_demand(
        321.0,
        hours=hours,
        start_weekday=start_weekday,
        start_hour=start_hour,
        growth_per_week=0.5,
        spikes=[Spike(0, 3, 10.0)],
    )
    assert grown.as_array()[3] == pytest.approx(profile.as_array()[3] * 1.5 ** (3 / WEEK))


def test_fifty_percent_weekly_growth() -> None:
    profile = synthetic_demand(100.0, hours=3 * WEEK, growth_per_week=0.5)
    values = profile.as_array()
    week1, week2, week3 = (values[i * WEEK : (i + 1) * WEEK].mean() for i in range(3))
    assert week2 / week1 == pytest.approx(1.5, rel=0.01)
    assert week2 / week1 == pytest.approx(1.5, rel=1e-12)  # exact: the base is week-periodic
    assert week3 / week1 == pytest.approx(2.25, rel=1e-12)


def test_growth_is_smooth_hour_by_hour() -> None:
    values = synthetic_demand(
        10.0, hours=400, peak_to_mean=1.0, weekend_factor=1.0, growth_per_week=0.5
    ).as_array()
    ratios = values[1:] / values[:-1]
    assert ratios == pytest.approx(np.full(399, 1.5 ** (1 / WEEK)), rel=1e-12)
    assert values[0] == pytest.approx(10.0)  # growth starts from the stated mean


def test_ten_x_spike_multiplies_exactly_its_hours() -> None:
    base = synthetic_demand(100.0, hours=WEEK).as_array()
    spiked = synthetic_demand(100.0, hours=WEEK, spikes=[Spike(48, 24, 10.0)]).as_array()
    ratio = spiked / base
    assert ratio[48:72] == pytest.approx(np.full(24, 10.0), rel=1e-12)
    assert ratio[:48] == pytest.approx(np.ones(48), rel=1e-12)
    assert ratio[72:] == pytest.approx(np.ones(WEEK - 72), rel=1e-12)


def test_overlapping_spikes_multiply_and_clip_at_the_end() -> None:
    base = synthetic_demand(100.0, hours=30).as_array()
    spiked = synthetic_demand(
        100.0, hours=30, spikes=[Spike(10, 5, 2.0), Spike(12, 100, 3.0)]
    ).as_array()
    ratio = spiked / base
    assert ratio[11] == pytest.approx(2.0)
    assert ratio[13] == pytest.approx(6.0)
    assert ratio[29] == pytest.approx(3.0)
    assert ratio[9] == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"hours": 0}, "hours"),  # empty profile
        ({"hours": 2.5}, "whole number"),  # fractional hours
        ({"weekend_factor": 0.0}, "weekend_factor"),  # zero demand at weekends
        ({"growth_per_week": -1.0}, "above -1"),  # demand vanishing
        ({"start_weekday": 7}, "start_weekday"),  # no eighth weekday
        ({"peak_hour": 24}, "peak_hour"),
        ({"spikes": [Spike(5000, 1, 2.0)]}, "spike starts at hour 5000"),  # beyond the end
        ({"growth_per_week": 1e6, "hours": 8760}, "overflows"),
    ],
)
def test_synthetic_demand_rejects_bad_input(kwargs: dict[str, object], needle: str) -> None:
    with pytest.raises(InvalidSpecError, match=needle) as info:
        synthetic_demand(100.0, **kwargs)  # type: ignore[arg-type]
    assert "To fix:" in str(info.value)


def test_bad_spike_and_mean() -> None:
    with pytest.raises(InvalidSpecError, match="multiplier"):
        Spike(0, 1, 0.0)
    with pytest.raises(InvalidSpecError, match="spike hours"):
        Spike(0, 0, 2.0)
    with pytest.raises(InvalidSpecError, match="mean_requests_per_hour"):
        synthetic_demand(-5.0)


def test_year_long_profile() -> None:
    profile = synthetic_demand(1000.0, hours=8760, growth_per_week=0.01)
    assert profile.hours == 8760
    assert profile.as_array().dtype == np.float64


# --- DemandProfile ---------------------------------------------------------------------------


def test_profile_statistics_by_hand() -> None:
    profile = DemandProfile((10.0, 30.0, 20.0, 40.0), start_weekday=2, start_hour=22)
    assert profile.hours == 4
    assert profile.total_requests == 100.0
    assert profile.mean == 25.0
    assert profile.peak == 40.0
    assert profile.peak_to_mean == 1.6
    doubled = profile.scaled(2.0)
    assert doubled.requests_per_hour == (20.0, 60.0, 40.0, 80.0)
    assert (doubled.start_weekday, doubled.start_hour) == (2, 22)
    array = profile.as_array()
    array[0] = 1e9  # a fresh copy: the profile is unchanged
    assert profile.peak == 40.0


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"requests_per_hour": ()}, "no hours"),
        ({"requests_per_hour": (1.0, -2.0)}, "-2.0"),
        ({"requests_per_hour": (1.0, math.inf)}, "inf"),
        ({"requests_per_hour": (0.0, 0.0)}, "zero in every hour"),
        ({"requests_per_hour": (1.0,), "start_hour": 24}, "start_hour"),
        ({"requests_per_hour": (1.0,), "start_weekday": -1}, "start_weekday"),
    ],
)
def test_profile_rejects_bad_values(kwargs: dict[str, object], needle: str) -> None:
    with pytest.raises(InvalidSpecError, match=needle):
        DemandProfile(**kwargs)  # type: ignore[arg-type]


def test_scaled_rejects_non_positive() -> None:
    with pytest.raises(InvalidSpecError, match="scale factor"):
        DemandProfile((1.0,)).scaled(0.0)


# --- properties ------------------------------------------------------------------------------


@given(profiles())
def test_peak_at_least_mean(profile: DemandProfile) -> None:
    assert profile.peak >= profile.mean * (1 - 1e-12)
    assert profile.peak_to_mean >= 1 - 1e-12
    assert profile.peak_to_mean <= profile.hours * (1 + 1e-12)


@given(profiles(), st.floats(1e-3, 1e3))
def test_scaling_scales_totals(profile: DemandProfile, factor: float) -> None:
    scaled = profile.scaled(factor)
    assert scaled.total_requests == pytest.approx(profile.total_requests * factor, rel=1e-12)
    assert scaled.peak == pytest.approx(profile.peak * factor, rel=1e-12)
    assert scaled.peak_to_mean == pytest.approx(profile.peak_to_mean, rel=1e-12)


@given(
    st.integers(1, 24 * 90),
    st.floats(-0.9, 3.0),
    st.floats(-0.9, 3.0),
    peak_to_means,
    st.floats(0.1, 2.0),
)
def test_more_growth_never_lowers_total(
    hours: int, growth_a: float, growth_b: float, ratio: float, weekend: float
) -> None:
    low, high = sorted((growth_a, growth_b))
    slow, fast = (
        synthetic_demand(
            50.0, hours=hours, peak_to_mean=ratio, weekend_factor=weekend, growth_per_week=g
        )
        for g in (low, high)
    )
    assert fast.total_requests >= slow.total_requests * (1 - 1e-12)


@given(means, st.floats(0.01, 100.0), peak_to_means, st.integers(1, 24 * 30))
def test_demand_is_linear_in_the_mean(mean: float, factor: float, ratio: float, hours: int) -> None:
    one = synthetic_demand(mean, hours=hours, peak_to_mean=ratio)
    other = synthetic_demand(mean * factor, hours=hours, peak_to_mean=ratio)
    assert other.total_requests == pytest.approx(one.total_requests * factor, rel=1e-9)


@given(peak_to_means, st.integers(0, 23))
def test_base_day_ratio_is_exact(ratio: float, peak_hour: int) -> None:
    profile = synthetic_demand(
        7.0, hours=24 * 7, peak_to_mean=ratio, weekend_factor=1.0, peak_hour=peak_hour
    )
    assert abs(profile.peak_to_mean - ratio) <= 1e-9
    if ratio > 1.001:  # a flat day has no single peak hour
        assert int(profile.as_array().argmax()) == peak_hour


# --- CSV -------------------------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_round_trip_with_timestamps(tmp_path: Path) -> None:
    profile = synthetic_demand(500.0, hours=72, growth_per_week=0.5, start_weekday=2, start_hour=21)
    # 2024-05-08 is a Wednesday (weekday 2).
    lines = ["note,hour,requests"]
    for i, value in enumerate(profile.requests_per_hour):
        day, hour = divmod(21 + i, 24)
        lines.append(f"x,2024-05-{8 + day:02d}T{hour:02d}:00:00,{value!r}")
    loaded = read_demand_csv(write(tmp_path / "demand.csv", "\n".join(lines) + "\n"))
    assert loaded == profile
    assert (loaded.start_weekday, loaded.start_hour) == (2, 21)


def test_csv_integer_hours_and_alias_column(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "Hour,Requests_Per_Hour\n0,10\n1,20.5\n\n2,30\n")
    loaded = read_demand_csv(path)
    assert loaded.requests_per_hour == (10.0, 20.5, 30.0)
    assert (loaded.start_weekday, loaded.start_hour) == (0, 0)


def test_csv_without_hour_column(tmp_path: Path) -> None:
    loaded = read_demand_csv(write(tmp_path / "d.csv", "requests\n5\n7\n"))
    assert loaded.total_requests == 12.0


def test_csv_timestamps_with_offsets_cross_dst(tmp_path: Path) -> None:
    # US spring-forward: 01:00 -05:00 is followed by 03:00 -04:00, one hour later.
    text = "hour,requests\n2024-03-10T01:00-05:00,1\n2024-03-10T03:00-04:00,2\n"
    loaded = read_demand_csv(write(tmp_path / "d.csv", text))
    assert loaded.start_weekday == 6  # a Sunday
    assert loaded.start_hour == 1


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("hour,requests\n0,10\n1,ten\n", "d.csv:3: requests 'ten'"),  # a bad number
        ("hour,requests\n0,10\n1,-4\n", "d.csv:3: requests '-4'"),  # negative
        ("hour,requests\n0,10\n1,\n", "d.csv:3: requests ''"),  # missing value
        ("hour,requests\n0,10\n1,nan\n", "d.csv:3: requests 'nan'"),
        ("hour,requests\n0,1\n2,1\n", "d.csv:3: hour 2 does not follow 0"),  # a gap
        (
            "hour,requests\n2024-01-01T00:00,1\n2024-01-01T02:00,1\n",
            "d.csv:3: hour 2024-01-01 02:00:00 does not follow",
        ),
        ("hour,requests\n2024-01-01T00:30,1\n", "d.csv:2: timestamp '2024-01-01T00:30'"),
        ("hour,requests\nmonday,1\n", "d.csv:2: hour 'monday'"),
        ("hour,requests\n0,1\n2024-01-01T01:00,1\n", "d.csv:3: .*mixes integer hours"),
        ("hour,count\n0,1\n", "no 'requests' column"),
        ("", "is empty"),
        ("hour,requests\n", "no rows"),
        ("requests\n0\n0\n", "every requests value is zero"),
    ],
)
def test_csv_errors_name_file_and_line(tmp_path: Path, text: str, needle: str) -> None:
    with pytest.raises(CatalogError, match=needle) as info:
        read_demand_csv(write(tmp_path / "d.csv", text))
    assert "To fix:" in str(info.value)


def test_csv_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="Cannot read demand file"):
        read_demand_csv(tmp_path / "nope.csv")


# --- RequestMix ------------------------------------------------------------------------------


def test_request_mix_means_by_hand() -> None:
    mix = RequestMix.of([(0.7, 500, 100), (0.2, 2000, 400), (0.1, 8000, 1000)])
    assert mix.mean_input_tokens == pytest.approx(0.7 * 500 + 0.2 * 2000 + 0.1 * 8000)  # 1550
    assert mix.mean_input_tokens == pytest.approx(1550.0)
    assert mix.mean_output_tokens == pytest.approx(250.0)
    single = RequestMix.single(1024, 256)
    assert (single.mean_input_tokens, single.mean_output_tokens) == (1024.0, 256.0)
    assert single.classes == (RequestClass(1.0, 1024, 256),)


@pytest.mark.parametrize(
    ("triples", "needle"),
    [
        ([(0.5, 100, 10), (0.4, 100, 10)], "sum to 0.9"),  # shares short of 1
        ([(1.2, 100, 10)], "at most 1"),
        ([(0.0, 100, 10), (1.0, 100, 10)], "share must be greater than zero"),
        ([(1.0, -1, 10)], "input_tokens must be between 0"),
        ([(1.0, 10.5, 10)], "input_tokens must be a whole number"),
        ([(1.0, 0, 0)], "0 input and 0 output"),
        ([], "no classes"),
    ],
)
def test_request_mix_rejects_bad_classes(
    triples: list[tuple[float, int, int]], needle: str
) -> None:
    with pytest.raises(InvalidSpecError, match=needle) as info:
        RequestMix.of(triples)
    assert "To fix:" in str(info.value)
    assert isinstance(info.value, ValueError) and isinstance(info.value, FlopfolioError)


def test_request_mix_tolerates_rounding() -> None:
    mix = RequestMix.of([(1 / 3, 10, 1), (1 / 3, 20, 2), (1 / 3 + 5e-7, 30, 3)])
    assert mix.mean_input_tokens == pytest.approx(20.0, rel=1e-5)


@given(
    st.lists(
        st.tuples(st.floats(0.01, 1.0), st.integers(0, 100_000), st.integers(1, 10_000)),
        min_size=1,
        max_size=6,
    )
)
def test_request_mix_means_within_class_range(raw: list[tuple[float, int, int]]) -> None:
    total = sum(share for share, _, _ in raw)
    mix = RequestMix.of([(share / total, i, o) for share, i, o in raw])
    inputs = [i for _, i, _ in raw]
    outputs = [o for _, _, o in raw]
    assert min(inputs) - 1e-6 <= mix.mean_input_tokens <= max(inputs) + 1e-6
    assert min(outputs) - 1e-6 <= mix.mean_output_tokens <= max(outputs) + 1e-6
