"""Exact money helpers: ROUND_HALF_EVEN to the fen and largest-remainder apportionment."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from regcoord.rules import apportion_fen, round_fen, to_decimal


def test_round_half_even_to_fen():
    assert round_fen(Decimal("1.005")) == Decimal("1.00")  # half to even
    assert round_fen(Decimal("1.015")) == Decimal("1.02")
    assert round_fen(Decimal("-2.345")) == Decimal("-2.34")
    assert to_decimal(0.1) == Decimal("0.1")  # from the decimal text, not the binary value


def test_apportion_hand_example():
    # 100.00 split in thirds: 33.333.. each; the extra fen goes to the first (ties by index)
    third = Decimal(100) / 3
    assert apportion_fen([third] * 3, Decimal("100.00")) == (
        Decimal("33.34"),
        Decimal("33.33"),
        Decimal("33.33"),
    )


@given(
    st.lists(st.integers(min_value=-(10**9), max_value=10**9), min_size=1, max_size=30),
    st.integers(min_value=1, max_value=10**6),
)
def test_apportion_sums_exactly_and_moves_each_share_less_than_a_fen(weights, denom):
    exact = [Decimal(w) / denom for w in weights]
    total = round_fen(sum(exact, Decimal(0)))
    # shift so that the exact shares sum to the (fen) total
    exact[0] += total - sum(exact, Decimal(0))
    out = apportion_fen(exact, total)
    assert sum(out, Decimal(0)) == total
    assert all(abs(o - e) < Decimal("0.01") for o, e in zip(out, exact, strict=True))
