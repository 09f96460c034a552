"""Exact money helpers: ROUND_HALF_EVEN to the fen and largest-remainder apportionment."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regcoord.errors import DataError
from regcoord.rules import FEN, apportion_fen, largest_remainder_round, round_fen, to_decimal


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
def test_apportion_sums_exactly_and_gives_the_extra_fen_to_the_largest_remainders(weights, denom):
    exact = [Decimal(w) / denom for w in weights]
    total = round_fen(sum(exact, Decimal(0)))
    # shift so that the exact shares sum to the (fen) total
    exact[0] += total - sum(exact, Decimal(0))
    out = apportion_fen(exact, total)
    assert sum(out, Decimal(0)) == total
    assert all(abs(o - e) < Decimal("0.01") for o, e in zip(out, exact, strict=True))
    # Hamilton's rule itself, not only its bounds: every share rounded up has a fractional
    # part (in fen) at least as large as every share rounded down.
    frac = [(e / FEN) % 1 for e in exact]  # Decimal %: sign of the dividend
    frac = [f + 1 if f < 0 else f for f in frac]
    floors = [e / FEN - f for e, f in zip(exact, frac, strict=True)]
    up = [f for f, o, fl in zip(frac, out, floors, strict=True) if o / FEN > fl]
    down = [f for f, o, fl in zip(frac, out, floors, strict=True) if o / FEN == fl]
    assert len(up) + len(down) == len(exact)
    if up and down:
        assert min(up) >= max(down)


def test_largest_remainder_round_hand_examples():
    # quotas 7/3, 7/3, 7/3 -> floors 2, 2, 2; one unit left, to the first (index tie-break)
    assert largest_remainder_round([7, 7, 7], 3, 7) == [3, 2, 2]
    # the same quotas with a preference: the tie goes to the larger prefer value
    assert largest_remainder_round([7, 7, 7], 3, 7, prefer=[1, 5, 2]) == [2, 3, 2]
    # quotas 1.25, 2.5, 3.25 (over 4) -> floors 1, 2, 3; left 1 -> to the .5
    assert largest_remainder_round([5, 10, 13], 4, 7) == [1, 3, 3]
    # negative quota -1.5 (over 2) floors to -2 with remainder .5
    assert largest_remainder_round([-3, 7], 2, 2) == [-1, 3]
    with pytest.raises(DataError, match="cannot be rounded"):
        largest_remainder_round([1, 1], 1, 5)  # floors sum to 2: 3 units left for 2 quotas
