"""Amounts for reading: scale and rounding written out by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regcoord.units import format_yuan


@pytest.mark.parametrize(
    ("amount", "lang", "expected"),
    [
        (
            "1465569562863.46",
            "zh",
            "14,655.70 亿元",
        ),  # 1,465,569,562,863.46 / 10^8 = 14,655.6956... -> 14,655.70
        ("1465569562863.46", "en", "1,465.57 billion yuan"),  # / 10^9 = 1,465.5696 -> 1,465.57
        # just under 1 亿 stays in 万元: 99,999,999.99 / 10^4 = 9,999.999999 -> half-up 10,000.00
        ("99999999.99", "zh", "10,000.00 万元"),
        ("12345", "zh", "1.23 万元"),  # 12,345 / 10^4 = 1.2345 -> 1.23
        ("12355", "zh", "1.24 万元"),  # 1.2355 -> half-up -> 1.24
        ("9999.99", "zh", "9,999.99 元"),
        ("-250000000", "zh", "-2.50 亿元"),
        ("999999", "en", "999,999.00 yuan"),
        ("0", "en", "0.00 yuan"),
    ],
)
def test_scale_and_rounding(amount, lang, expected):
    assert format_yuan(Decimal(amount), lang) == expected


def test_signed_changes():
    assert format_yuan("1172455650290.77", "zh", signed=True) == "+11,724.56 亿元"
    assert format_yuan("-5", "en", signed=True) == "-5.00 yuan"
    assert format_yuan("0", "en", signed=True) == "0.00 yuan"


@given(st.decimals(min_value=-(10**15), max_value=10**15, places=2, allow_nan=False))
def test_reading_back_is_within_half_a_unit_of_the_scale(amount):
    text = format_yuan(amount, "zh")
    number, unit = text.split(" ")
    scale = {"亿元": Decimal(10) ** 8, "万元": Decimal(10) ** 4, "元": Decimal(1)}[unit]
    assert abs(Decimal(number.replace(",", "")) * scale - amount) <= scale / 200
