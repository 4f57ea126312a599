import pytest
from hypothesis import given
from hypothesis import strategies as st

from xltools.numbers import NumberTextError, format_number, format_percent, parse_number


@pytest.mark.parametrize(
    "value, decimals, text",
    [
        (1172.5, 1, "1.172,5"),
        (14672, 0, "14.672"),
        (100.6, 1, "100,6"),
        (2447.6, None, "2.447,6"),
        (50.94, 2, "50,94"),
        (-1234.567, 2, "-1.234,57"),
        (0.125, 2, "0,13"),  # half away from zero, as on paper
        (2.675, 2, "2,68"),  # the float is 2.67499...; rounding goes by the written digits
        (-0.001, 1, "0"),
        (1_000_000, 0, "1.000.000"),
        (97.0, 1, "97"),
    ],
)
def test_format_number(value, decimals, text):
    assert format_number(value, decimals) == text


def test_format_keeps_zeros_when_asked():
    assert format_number(97.0, 1, keep_zeros=True) == "97,0"


def test_format_percent():
    assert format_percent(100.6) == "100,6%"
    assert format_percent(97.2814, 1) == "97,3%"


@pytest.mark.parametrize(
    "text, value",
    [("1.172,5", 1172.5), ("17%", 17.0), ("2.447,6 ha", 2447.6), ("99,24 %", 99.24), ("−3,2", -3.2),
     ("-1.000.000", -1_000_000.0), ("12 m2", 12.0), ("13.126 m²", 13126.0), ("5 ha (ước)", 5.0),
     ("0,5", 0.5), ("  1.210  ", 1210.0), ("1\u00a0172,5", None)],
)
def test_parse_number(text, value):
    if value is None:
        with pytest.raises(NumberTextError):
            parse_number(text)
    else:
        assert parse_number(text) == value


@pytest.mark.parametrize("text", ["2.447.6ha", "41.2km", "42, 5", "1,2,3", "abc", "", "1.23", "5,", "m2", "1e3", "2E-2",
                                  "9.398/9.470", "3-5", "3 - 5", "5 (ước)", "10+"])
def test_parse_rejects_ambiguous_or_malformed(text):
    with pytest.raises(NumberTextError) as caught:
        parse_number(text)
    assert caught.value.reason


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False), st.integers(min_value=0, max_value=3))
def test_format_then_parse_round_trips(value, decimals):
    text = format_number(value, decimals)
    assert parse_number(text) == pytest.approx(float(format_number(value, decimals).replace(".", "").replace(",", ".")))
    assert abs(parse_number(text) - value) <= 0.5 * 10**-decimals + 1e-9 * abs(value)


@given(st.integers(min_value=-10**12, max_value=10**12))
def test_integers_round_trip_exactly(value):
    assert parse_number(format_number(value, 0)) == value


def test_huge_values_format_without_error():
    assert format_number(1e30) == "1" + ".000" * 10
    assert format_number(-1.5e300, 0).startswith("-1.500.") and format_number(-1.5e300, 0).count(".") == 100
