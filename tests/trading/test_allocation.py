"""Initial allocation: largest remainder, grandfathering, benchmarking, per capita, auction."""

from __future__ import annotations

from fractions import Fraction

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings

from regcoord.errors import DataError
from regcoord.trading import (
    Bid,
    Instrument,
    OrderBook,
    RightType,
    auction,
    benchmarking,
    grandfathering,
    largest_remainder,
    per_capita,
)

COD = Instrument(RightType.COD, 2025)


def test_largest_remainder_textbook_example() -> None:
    # Wikipedia, "Largest remainders method", Hare-quota example: 100,000 votes, 10 seats.
    # Quotas 4.70 1.60 1.58 1.20 0.61 0.31 -> floors 4 1 1 1 0 0 (7 seats); the three
    # largest remainders (.70, .61, .60) get one more seat each -> 5 2 1 1 1 0.
    votes = [47_000, 16_000, 15_800, 12_000, 6_100, 3_100]
    assert largest_remainder(10, votes).tolist() == [5, 2, 1, 1, 1, 0]


def test_largest_remainder_ties_go_to_larger_weight_then_earlier() -> None:
    assert largest_remainder(10, [1, 1, 1]).tolist() == [4, 3, 3]  # 3.33 each: first wins
    # quotas 1.5 and 1.5 ... and 0 -> tie on remainder and weight: earlier holder
    assert largest_remainder(3, [1, 1]).tolist() == [2, 1]
    # 5 * (1/4, 3/4) with weights 0.25, 0.75 -> 1.25, 3.75 -> floors 1, 3 + 1 to the .75
    assert largest_remainder(5, [0.25, 0.75]).tolist() == [1, 4]


def test_decimal_floats_are_read_exactly() -> None:
    # 0.7 as a binary double is 0.6999...; read as 7/10 the demand 10 * 0.7 is exactly 7
    alloc = benchmarking(COD, 1000, ["a"], [10], 0.7)
    assert alloc.units.tolist() == [7]


weights = st.lists(
    st.one_of(st.integers(0, 10**6), st.fractions(min_value=0, max_value=1000, max_denominator=97)),
    min_size=1,
    max_size=25,
).filter(lambda ws: sum(ws) > 0)


@settings(max_examples=300, deadline=None)
@given(total=st.integers(0, 10**9), ws=weights)
def test_largest_remainder_sums_exactly_and_respects_quota(total: int, ws: list) -> None:
    units = largest_remainder(total, ws)
    assert units.sum() == total
    s = sum(Fraction(w) for w in ws)
    up, down = [], []
    for u, w in zip(units.tolist(), ws, strict=True):
        q = total * Fraction(w) / s
        assert q - 1 < u < q + 1  # floor(q) or ceil(q)
        (up if u > q // 1 else down).append(q - q // 1)
    # Hamilton's rule itself: the extra units went to the largest fractional parts
    if up and down:
        assert min(up) >= max(down)


@pytest.mark.parametrize(
    ("total", "ws", "match"),
    [
        (10, [0, 0], "all weights are zero"),
        (10, [1, -1], "negative"),
        (-1, [1], "total"),
        (10, [], "no holders"),
    ],
)
def test_largest_remainder_bad_input(total: int, ws: list, match: str) -> None:
    with pytest.raises(DataError, match=match):
        largest_remainder(total, ws)


def test_grandfathering_and_per_capita_equal_the_cap() -> None:
    g = grandfathering(COD, 1000, ["a", "b", "c"], [50.0, 30.0, 20.0])
    assert g.units.tolist() == [500, 300, 200]
    assert g.unallocated == 0
    # 100 units for populations 1, 1, 1 (millions): 33.3 each -> 34, 33, 33
    p = per_capita(COD, 100, ["x", "y", "z"], [1_000_000, 1_000_000, 1_000_000])
    assert p.units.tolist() == [34, 33, 33]
    assert p.to_frame()["units"].sum() == 100
    with pytest.raises(DataError, match="appears twice"):
        per_capita(COD, 100, ["x", "x"], [1, 2])
    with pytest.raises(DataError, match="holders"):
        grandfathering(COD, 100, ["x"], [1, 2])


def test_benchmarking_under_and_over_the_cap() -> None:
    # demand 100 * 0.7 = 70 and 250 * 0.7 = 175 <= cap 1000: floors, 755 stay unallocated
    under = benchmarking(COD, 1000, ["a", "b"], [100, 250], "0.7")
    assert under.units.tolist() == [70, 175]
    assert under.unallocated == 755
    assert under.parameters["scaled"] is False
    # demand 200 + 600 = 800 > cap 500: 500 * (1/4, 3/4) = 125, 375
    over = benchmarking(COD, 500, ["a", "b"], [100, 300], 2)
    assert over.units.tolist() == [125, 375]
    assert over.unallocated == 0
    # per-holder intensities: demand 10 * 1.5 = 15 and 10 * 0.5 = 5 -> 20 > 7:
    # 7 * 15/20 = 5.25, 7 * 5/20 = 1.75 -> 5, 1 + 1 (remainder .75) -> 5, 2
    per = benchmarking(COD, 7, ["a", "b"], [10, 10], [1.5, 0.5])
    assert per.units.tolist() == [5, 2]
    with pytest.raises(DataError, match="intensity"):
        benchmarking(COD, 7, ["a", "b"], [10, 10], [1.5])
    with pytest.raises(DataError, match="output"):
        benchmarking(COD, 7, ["a"], [-1], 1)


def test_auction_uniform_price_with_reserve() -> None:
    bids = [Bid("A", 60, 80), Bid("B", 30, 70), Bid("C", 40, 60), Bid("D", 50, 40)]
    res = auction(COD, 100, bids, reserve_price=50)
    # D is below the reserve. A gets 60 (40 left), B 30 (10 left), C the last 10:
    # the lowest accepted bid, 60 fen, is the uniform price.
    assert res.units.tolist() == [60, 30, 10, 0]
    assert res.clearing_price == 60
    assert res.payments.tolist() == [3600, 1800, 600, 0]
    assert res.unallocated == 0


def test_auction_tie_at_the_clearing_price_is_pro_rata() -> None:
    # 10 units left for 6 + 9 at the same price: 10 * 6/15 = 4, 10 * 9/15 = 6
    assert auction(COD, 10, [Bid("E", 6, 50), Bid("F", 9, 50)]).units.tolist() == [4, 6]
    # 2.5 each: equal remainders and weights -> the earlier bid gets the odd unit
    assert auction(COD, 5, [Bid("E", 3, 50), Bid("F", 3, 50)]).units.tolist() == [3, 2]


def test_auction_undersubscribed_and_empty() -> None:
    res = auction(COD, 100, [Bid("A", 30, 60), Bid("A", 5, 70)], reserve_price=10)
    assert res.holders == ("A",)
    assert res.units.tolist() == [35]
    assert res.clearing_price == 60
    assert res.unallocated == 65
    none = auction(COD, 100, [Bid("A", 30, 5)], reserve_price=10)
    assert none.clearing_price is None
    assert none.total == 0
    with pytest.raises(DataError, match="quantity"):
        auction(COD, 100, [Bid("A", -3, 5)])


bids = st.lists(
    st.builds(Bid, st.sampled_from("ABCDEF"), st.integers(0, 500), st.integers(0, 200)), max_size=20
)


@settings(max_examples=200, deadline=None)
@given(cap=st.integers(0, 2000), bs=bids, reserve=st.integers(0, 100))
def test_auction_properties(cap: int, bs: list[Bid], reserve: int) -> None:
    res = auction(COD, cap, bs, reserve_price=reserve)
    assert 0 <= res.total <= cap
    wanted: dict[str, int] = {}
    for b in bs:
        if b.price >= reserve:
            wanted[b.bidder] = wanted.get(b.bidder, 0) + b.quantity
    for h, u in zip(res.holders, res.units.tolist(), strict=True):
        assert u <= wanted.get(h, 0)
    if res.clearing_price is not None:
        assert res.clearing_price >= reserve
        # every bid strictly above the clearing price is filled in full
        above = sum(b.quantity for b in bs if b.price > res.clearing_price)
        assert res.total >= above
        assert np.array_equal(res.payments, res.units * res.clearing_price)
    # undersubscribed -> every valid unit sold; oversubscribed -> cap sold
    assert res.total == min(cap, sum(wanted.values()))


def test_issue_allocation_into_the_book() -> None:
    alloc = grandfathering(COD, 10, ["a", "b", "c"], [1, 1, 0])
    book = OrderBook()
    book.issue_allocation(alloc)
    assert book.rights_total(by="instrument") == {"cod:2025": 10}
    assert alloc.to_dict()["units"] == [5, 5, 0]


# A test-only rule file (not bundled data): invented numbers, labelled U / unverified, to
# check that the dated selection reaches the allocation.
RULE_YAML = """
name: trading_test_fixture
title: {en: Test fixture for trading allocation, zh: 交易分配测试用例}
description: Test data only, not a real scheme.
parameters:
  method:
    title: {en: Allocation method, zh: 分配方法}
    unit: text
    source: {document: test fixture}
    label: U
    verified: false
    values:
      - {start: 2021-01-01, end: 2023-12-31, value: grandfathering}
      - {start: 2024-01-01, value: benchmarking}
  cap:
    title: {en: Cap, zh: 总量}
    unit: t
    source: {document: test fixture}
    label: U
    verified: false
    values:
      - {start: 2021-01-01, end: 2023-12-31, value: 1000}
      - {start: 2024-01-01, value: 500}
  benchmark_intensity:
    title: {en: Benchmark intensity, zh: 基准强度}
    unit: t/unit output
    source: {document: test fixture}
    label: U
    verified: false
    values:
      - {start: 2024-01-01, value: 2}
"""


def test_allocate_by_dated_rule(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from regcoord.rules import parse_rule_file
    from regcoord.trading import allocate_by_rule

    path = tmp_path / "trading_test_fixture.yaml"
    path.write_text(RULE_YAML, "utf-8")
    rules = parse_rule_file(path)
    # 2022: grandfathering 1000 by history 3:1 -> 750, 250
    old = allocate_by_rule(rules.at("2022-06-30"), COD, ["a", "b"], [300, 100])
    assert (old.method, old.units.tolist()) == ("grandfathering", [750, 250])
    assert old.parameters["date"] == "2022-06-30" and old.parameters["labels"]["cap"] == "U"
    # 2025: benchmarking, demand 100 * 2 + 300 * 2 = 800 > cap 500 -> 125, 375
    new = allocate_by_rule(rules.at("2025-01-01"), COD, ["a", "b"], [100, 300])
    assert (new.method, new.units.tolist(), new.cap) == ("benchmarking", [125, 375], 500)
    assert new.parameters["rule_set"] == "trading_test_fixture"
