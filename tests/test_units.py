import math

import pytest

from flopfolio.errors import InvalidSpecError
from flopfolio.units import GIB, parse_bytes_gib, parse_count, parse_fraction, parse_price


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("70B", 70e9),  # the way model sizes are written
        ("15T", 15e12),  # token counts
        ("1.5e12", 1.5e12),  # scientific notation
        ("2_000", 2000.0),  # underscores as separators
        ("300b", 300e9),  # lower-case suffix
        (7e9, 7e9),  # numbers pass straight through
    ],
)
def test_parse_count(text: str | float, expected: float) -> None:
    assert parse_count(text) == pytest.approx(expected)


@pytest.mark.parametrize("bad", ["-7B", "0", "nan", "inf", "seven", "1e40", "7X"])
def test_parse_count_rejects_nonphysical(bad: str) -> None:
    with pytest.raises(InvalidSpecError) as err:
        parse_count(bad, "--params")
    assert "--params" in str(err.value)


def test_parse_bytes() -> None:
    assert parse_bytes_gib("80GB") == pytest.approx(80e9 / GIB)
    assert parse_bytes_gib("24GiB") == pytest.approx(24.0)
    assert parse_bytes_gib("48") == 48.0


def test_parse_price_and_fraction() -> None:
    assert parse_price("$2.50/h") == 2.5
    assert parse_price("1.2") == 1.2
    assert parse_fraction("40%", "--mfu") == pytest.approx(0.4)
    assert parse_fraction("0.35", "--mfu") == pytest.approx(0.35)
    for bad in ("1.5", "0", "-0.1", "abc", "nan"):
        with pytest.raises(InvalidSpecError):
            parse_fraction(bad, "--mfu")
    with pytest.raises(InvalidSpecError):
        parse_price("-3")
    assert not math.isnan(parse_price("0.01"))
