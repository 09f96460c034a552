"""Relocated-enterprise tax sharing (财预〔2015〕92号): hand-calculated cases in million yuan."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regcoord.compensation import relocated_tax_sharing
from regcoord.errors import DataError
from regcoord.rules import load_rule_set

SNAP = load_rule_set("bth_relocation_tax").at("2016-01-01")
M = 1_000_000


def _m(values):
    return [Decimal(v) / M for v in values]


def test_cap_reached_in_three_years_no_extension():
    # cap = 30 + 25 + 20 = 75; origin: 20, 25, 30 (cum 75 = cap) -> no extension
    r = relocated_tax_sharing(
        [30 * M, 25 * M, 20 * M], [40 * M, 50 * M, 60 * M, 20 * M, 20 * M], SNAP, first_year=2016
    )
    assert r.eligible and r.cap == 75 * M and not r.extended
    assert _m(r.origin_share) == [20, 25, 30, 0, 0]
    assert _m(r.destination_share) == [20, 25, 30, 20, 20]


def test_extension_two_years_within_cap():
    # 10 + 10 + 10 = 30 < 75 -> two more years: 20, then min(20, 75 - 50) = 20; year 6 all to destination
    r = relocated_tax_sharing([30 * M, 25 * M, 20 * M], [20 * M] * 3 + [40 * M] * 3, SNAP, first_year=2016)
    assert r.extended
    assert _m(r.origin_share) == [10, 10, 10, 20, 20, 0]
    assert r.origin_total == 70 * M
    assert r.years == (2016, 2017, 2018, 2019, 2020, 2021)


def test_cap_binds_inside_a_year():
    # cap 60: year 1 gives 50, year 2 min(15, 10) = 10, year 3 nothing
    r = relocated_tax_sharing([20 * M] * 3, [100 * M, 30 * M, 30 * M], SNAP, first_year=2016)
    assert _m(r.origin_share) == [50, 10, 0]


def test_threshold_and_conditions():
    # average 19.99 million < 20 million: not eligible, everything stays at the destination
    r = relocated_tax_sharing([19_990_000] * 3, [10 * M], SNAP, first_year=2016)
    assert not r.eligible and r.origin_share == (Decimal("0.00"),)
    assert not relocated_tax_sharing([30 * M] * 3, [10 * M], SNAP, first_year=2016, origin_led=False).eligible
    # exactly 20 million qualifies
    assert relocated_tax_sharing([20 * M] * 3, [10 * M], SNAP, first_year=2016).eligible


def test_breakdown_by_tax_and_errors():
    r = relocated_tax_sharing(
        [30 * M] * 3,
        [{"vat": 6 * M, "corporate_income_tax": 3 * M, "business_tax": 1 * M}],
        SNAP,
        first_year=2016,
    )
    assert r.origin_share == (Decimal(5 * M).quantize(Decimal("0.01")),)
    with pytest.raises(DataError, match="unknown tax"):
        relocated_tax_sharing([30 * M] * 3, [{"stamp_duty": 1}], SNAP, first_year=2016)
    with pytest.raises(DataError, match="2 pre-move years"):
        relocated_tax_sharing([30 * M] * 2, [1], SNAP, first_year=2016)
    with pytest.raises(DataError, match="negative"):
        relocated_tax_sharing([30 * M] * 3, [-1], SNAP, first_year=2016)


@given(
    st.lists(st.integers(min_value=0, max_value=10**10), min_size=3, max_size=3),
    st.lists(st.integers(min_value=0, max_value=10**10), min_size=1, max_size=8),
)
def test_properties(pre_fen, post_fen):
    pre = [Decimal(v) / 100 for v in pre_fen]
    post = [Decimal(v) / 100 for v in post_fen]
    r = relocated_tax_sharing(pre, post, SNAP, first_year=2020)
    assert r.origin_total <= r.cap
    for t, o, d in zip(r.taxes, r.origin_share, r.destination_share, strict=True):
        assert o + d == t and 0 <= o <= t / 2 + Decimal("0.005")
    assert all(o == 0 for o in r.origin_share[5:])
