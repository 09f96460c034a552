"""The validation layer itself (``regcoord.service.validation``): exact round trips and the
refusals, independent of any database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regcoord.errors import DataError
from regcoord.service import validation as v

FINITE = st.decimals(min_value=-(10**15), max_value=10**15, allow_nan=False, allow_infinity=False, places=6)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(FINITE)
def test_every_plain_decimal_in_range_round_trips_exactly(d: Decimal) -> None:
    """str(d) of a Decimal in range parses back to the same number (property)."""
    assert v.number(str(d), field="x") == d
    assert len(str(v.number(str(d), field="x"))) <= v.DECIMAL_COLUMN


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.floats(min_value=-1e15, max_value=1e15, allow_nan=False))
def test_json_floats_are_read_through_their_shortest_repr(f: float) -> None:
    assert v.number(f, field="x") == Decimal(repr(f))


@pytest.mark.parametrize(
    "bad",
    [
        "1_000",
        "１２",
        " 1",
        "1 ",
        "0x10",
        "1e1000",
        "NaN",
        "nan",
        "-Infinity",
        "inf",
        "",
        "1.2.3",
        "٣",
        True,
        None,
    ],
)
def test_numbers_that_python_accepts_but_people_do_not_write(bad: object) -> None:
    with pytest.raises(DataError) as exc:
        v.number(bad, field="value", row=7)
    assert exc.value.column == "value" and exc.value.row == 7 and "ASCII digits" in str(exc.value.expected)


def test_range_and_digits() -> None:
    assert v.number("1e15", field="x") == Decimal(10) ** 15
    with pytest.raises(DataError, match="out of range"):
        v.number("1000000000000001", field="x")
    with pytest.raises(DataError, match="out of range"):
        v.number("1.5", field="fund_use", lo=0, hi=1)
    with pytest.raises(DataError, match="significant digits"):
        v.number("0." + "1" * 29, field="x")
    assert v.number("1." + "0" * 60, field="x") == 1  # trailing zeros are not digits of value


def test_dates_ids_and_text() -> None:
    assert v.day("2200-12-31", field="d") == date(2200, 12, 31)
    assert v.day(" 1900-01-01 ", field="d") == date(1900, 1, 1)
    for bad in ("2201-01-01", "1899-12-31", "9995-01-01", "2024-02-30", "20240101", "２０２４-01-01"):
        with pytest.raises(DataError):
            v.day(bad, field="d")
    assert v.db_id(" 42 ", field="id") == 42
    for bad in ("0", "-1", "2147483648", "99999999999999999999999", "1e3", "x", True):
        with pytest.raises(DataError):
            v.db_id(bad, field="id")
    assert v.text("ok", field="t", max_len=2) == "ok"
    for bad, n in (("a\x00", 10), ("abc", 2), (3, 10)):
        with pytest.raises(DataError):
            v.text(bad, field="t", max_len=n)
