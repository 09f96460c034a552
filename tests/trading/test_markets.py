"""Market rules: price bands, collar and containment reserve, MSR, vintages and offsets, water transfers.

References: the EU Commission's published MSR intakes (TNAC 2022 and 2025), hand calculations
written out below, and Hypothesis properties (units conserved, band never violated, ...).
"""

from __future__ import annotations

import contextlib
import json
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from regcoord import trading as tr
from regcoord.cli.app import app
from regcoord.errors import ConflictError, DataError
from regcoord.rules import load_rule_set

CN = load_rule_set("china_carbon_market").at("2024-06-03")
CA = load_rule_set("california_cap_and_trade").at("2021-06-01")
MSR = load_rule_set("eu_ets_msr")
WATER = load_rule_set("china_water_rights").at("2024-01-01")


# -- EU market stability reserve -------------------------------------------------------------------
def test_msr_reproduces_the_published_intakes() -> None:
    # Commission, 15 May 2023: TNAC 2022 = 1 134 794 738 -> 272 350 737 into the MSR (24%)
    # Commission, 2026: TNAC 2025 = 1 023 494 202 -> 190 494 202 (= TNAC - 833 million)
    run = tr.msr_run(MSR, {2022: 1_134_794_738, 2025: 1_023_494_202})
    assert run.to_dict() == [
        {"year": 2022, "tnac": 1_134_794_738, "intake": 272_350_737, "release": 0},
        {"year": 2025, "tnac": 1_023_494_202, "intake": 190_494_202, "release": 0},
    ]
    assert run.years[1].rule == "surplus above threshold"


def test_msr_thresholds_by_hand() -> None:
    s23, s26 = MSR.at("2023-09-01"), MSR.at("2026-09-01")
    assert tr.msr_year(s23, 2022, 833_000_000).intake == 0  # not above the threshold
    assert tr.msr_year(s23, 2022, 833_000_001).intake == 199_920_000  # floor(0.24 * 833 000 001)
    assert tr.msr_year(s26, 2025, 833_000_001).intake == 1  # surplus rule from 2024
    assert tr.msr_year(s26, 2025, 1_096_000_000).intake == 263_000_000  # top of the band: surplus
    assert tr.msr_year(s26, 2025, 1_096_000_001).intake == 263_040_000  # floor(0.24 * 1 096 000 001)
    assert tr.msr_year(s26, 2025, 400_000_000).release == 0  # release only below 400 million
    assert tr.msr_year(s26, 2025, 399_999_999).release == 100_000_000
    assert tr.msr_year(s26, 2025, 399_999_999, held=30_000_000).release == 30_000_000  # no more than held
    y = tr.msr_year(s26, 2025, 1_000_000_000, held=400_000_000)
    assert (y.intake, y.held_after) == (167_000_000, 567_000_000)
    with pytest.raises(DataError, match="tnac"):
        tr.msr_year(s26, 2025, -1)


@given(st.integers(0, 3_000_000_000), st.integers(0, 3_000_000_000))
def test_msr_intake_is_monotone_and_bounded(a: int, b: int) -> None:
    snap = MSR.at("2026-09-01")
    lo, hi = sorted((a, b))
    ya, yb = tr.msr_year(snap, 2025, lo), tr.msr_year(snap, 2025, hi)
    assert 0 <= ya.intake <= yb.intake  # more surplus never takes in less
    assert yb.intake <= max(0, hi - 833_000_000)  # never leaves the TNAC below the threshold
    assert (yb.intake > 0) == (hi > 833_000_000)
    assert ya.intake == 0 or ya.release == 0


def test_msr_cli_json_exact_format() -> None:
    res = CliRunner().invoke(
        app, ["trading", "msr", "--tnac", "2022=1134794738", "--tnac", "2025=1023494202", "--json"]
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == [
        {"year": 2022, "tnac": 1134794738, "intake": 272350737, "release": 0},
        {"year": 2025, "tnac": 1023494202, "intake": 190494202, "release": 0},
    ]
    bad = CliRunner().invoke(app, ["trading", "msr", "--tnac", "2022:5"])
    assert bad.exit_code == 2
    assert "--tnac" in bad.output and "YEAR=N" in bad.output


# -- price bands -----------------------------------------------------------------------------------
def test_price_bands_by_hand() -> None:
    b = tr.price_band(CN, "listed", 7000)  # 70.00 yuan, ±10%
    assert (b.low, b.high) == (6300, 7700)
    b = tr.price_band(CN, tr.TradeMode.BLOCK, 7000)  # ±30%
    assert (b.low, b.high) == (4900, 9100)
    b = tr.price_band(CN, "listed", 4177)  # 3759.3 -> 3760 (ceil), 4594.7 -> 4594 (floor)
    assert (b.low, b.high) == (3760, 4594)
    one_way = tr.price_band(CN, "one_way", 7000)
    assert one_way.high is None and one_way.contains(10**9)
    with pytest.raises(DataError, match="price_fen") as exc:
        tr.price_band(CN, "listed", 7000).check(7701)
    assert "6300 <= price <= 7700" in str(exc.value)
    with pytest.raises(DataError, match="mode"):
        tr.price_band(CN, "dark_pool", 7000)


@given(st.integers(1, 10**9), st.sampled_from(["listed", "block"]))
def test_band_is_the_largest_integer_interval_within_the_ratio(close: int, mode: str) -> None:
    b = tr.price_band(CN, mode, close)
    r = Fraction(1, 10) if mode == "listed" else Fraction(3, 10)
    assert b.high is not None
    for p in (b.low, b.high):
        assert abs(Fraction(p - close)) <= r * close
    assert b.low == 1 or abs(Fraction(b.low - 1 - close)) > r * close
    assert abs(Fraction(b.high + 1 - close)) > r * close


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1000, 20000),
    st.lists(
        st.tuples(st.integers(0, 3), st.booleans(), st.integers(1, 50), st.integers(-40, 40)),
        min_size=1,
        max_size=60,
    ),
)
def test_band_gate_never_lets_a_trade_outside_the_band(close: int, orders: list) -> None:
    inst = tr.Instrument.parse("co2e:2025")
    band = tr.price_band(CN, "listed", close)
    book = tr.OrderBook()
    holders = [f"h{i}" for i in range(4)]
    for h in holders:
        book.deposit(h, 10**12)
        book.issue(h, inst, 10**6)
    rights, money = book.rights_total(), book.money_total()
    for i, (h, buy, qty, pct) in enumerate(orders):
        price = close + close * pct // 100
        if not band.contains(price):
            with pytest.raises(DataError):
                band.check(price, row=i)
            continue
        with contextlib.suppress(ConflictError):
            book.submit(holders[h], inst, "buy" if buy else "sell", qty, price)
    assert all(band.contains(t.price) for t in book.trades())
    assert book.rights_total() == rights and book.money_total() == money  # units and money conserved


# -- collar and containment reserve ----------------------------------------------------------------
def test_collar_and_reserve_sale_by_hand() -> None:
    assert tr.collar(CA) == (1771, 6500)
    assert tr.collar(load_rule_set("california_cap_and_trade").at("2012-06-01")) == (1000, None)
    tr.check_auction_price(CA, 1771)
    with pytest.raises(DataError, match="collar"):
        tr.check_auction_price(CA, 1770)
    with pytest.raises(DataError, match="collar"):
        tr.check_auction_price(CA, 6501)
    # tiers of 100 units at 4140 and 5320 cents.  A wants 80 at <= 5000 (tier 1 only),
    # B wants 150 at <= 6000 (both), C wants 40 at <= 4000 (none).
    # Tier 1: demand A 80 + B 150 = 230 > 100 -> shares 100*80/230 = 34.78, 100*150/230 = 65.22
    # -> floors 34, 65, one unit left to the larger remainder (B: .217 < A: .782 -> A) = 35, 65.
    # Tier 2: B still wants 85 <= 100 -> 85 sold, 15 stay in the reserve.
    bids = [tr.ReserveBid("A", 80, 5000), tr.ReserveBid("B", 150, 6000), tr.ReserveBid("C", 40, 4000)]
    sale = tr.reserve_sale(CA, 100, bids)
    got = {(f.bidder, f.tier): f.quantity for f in sale.fills}
    assert got == {("A", 0): 35, ("B", 0): 65, ("B", 1): 85}
    assert sale.sold == (100, 85)
    assert sale.revenue == 100 * 4140 + 85 * 5320
    assert list(sale.to_frame().columns) == ["bidder", "tier", "price", "quantity"]


@given(
    st.integers(0, 500),
    st.lists(st.tuples(st.integers(0, 400), st.integers(0, 8000)), max_size=12),
)
def test_reserve_sale_conserves_units(tier_units: int, raw: list) -> None:
    bids = [tr.ReserveBid(f"b{i}", q, p) for i, (q, p) in enumerate(raw)]
    sale = tr.reserve_sale(CA, tier_units, bids)
    for t, price in enumerate(sale.prices):
        in_tier = sum(f.quantity for f in sale.fills if f.tier == t)
        assert in_tier == sale.sold[t] <= sale.offered[t]
        assert all(f.price == price for f in sale.fills if f.tier == t)
    for b in bids:
        mine = [f for f in sale.fills if f.bidder == b.bidder]
        assert sum(f.quantity for f in mine) <= b.quantity
        assert all(f.price <= b.max_price for f in mine)
    # a tier left unsold means every eligible bidder was served in full
    for t, price in enumerate(sale.prices):
        if sale.sold[t] < tier_units:
            for b in bids:
                if b.max_price >= price:
                    assert sum(f.quantity for f in sale.fills if f.bidder == b.bidder) == b.quantity


# -- vintages, banking, borrowing, offsets ---------------------------------------------------------
def test_surrender_plan_by_hand() -> None:
    policy = tr.VintagePolicy(
        banking=True, borrowing_years=1, borrowing_share=Fraction(1, 2), offset_cap=Fraction(5, 100)
    )
    # obligation 1000: offsets capped at 50 (of 80 held); vintages 2023: 300, 2024: 400;
    # borrowing 2025 up to 500 -> 250 needed; 2026 is beyond one year.
    plan = tr.plan_surrender(policy, 2024, 1000, {2023: 300, 2024: 400, 2025: 900, 2026: 900}, offsets=80)
    assert plan.offsets == 50
    assert dict(plan.by_vintage) == {2023: 300, 2024: 400, 2025: 250}
    assert (plan.borrowed, plan.shortfall, plan.surrendered) == (250, 0, 1000)
    no_bank = tr.VintagePolicy(banking=False)
    plan = tr.plan_surrender(no_bank, 2024, 1000, {2023: 300, 2024: 400, 2025: 900})
    assert dict(plan.by_vintage) == {2024: 400} and plan.shortfall == 600
    eu = tr.VintagePolicy.from_rules(load_rule_set("eu_ets_msr").at("2025-01-01"))
    assert eu.banking and eu.borrowing_years == 0
    cn = tr.VintagePolicy.from_rules(CN)
    assert cn.offset_cap == Fraction(1, 20)
    assert tr.VintagePolicy.from_rules(
        load_rule_set("california_cap_and_trade").at("2026-03-01")
    ).offset_cap == Fraction(6, 100)


@given(
    st.integers(0, 5000),
    st.dictionaries(st.integers(2018, 2030), st.integers(0, 3000), max_size=8),
    st.integers(0, 2000),
    st.booleans(),
    st.integers(0, 3),
    st.fractions(0, 1),
    st.fractions(0, 1),
)
def test_surrender_plan_properties(obligation, holdings, offsets, banking, years, share, cap) -> None:  # type: ignore[no-untyped-def]
    policy = tr.VintagePolicy(banking, years, share, cap)
    p = tr.plan_surrender(policy, 2024, obligation, holdings, offsets)
    assert p.surrendered + p.shortfall == obligation
    assert p.offsets <= min(offsets, cap * obligation)
    assert p.borrowed <= share * obligation
    for v, q in p.by_vintage.items():
        assert 0 < q <= holdings[v]
        assert v <= 2024 + years
        assert banking or v >= 2024
    assert p.borrowed == sum(q for v, q in p.by_vintage.items() if v > 2024)


# -- water rights transfers ------------------------------------------------------------------------
def _water(**kw):  # type: ignore[no-untyped-def]
    base = dict(
        kind=tr.WaterTransferKind.REGIONAL,
        method=tr.WaterTransferMethod.NEGOTIATED,
        seller="东阳市",
        buyer="义乌市",
        seller_region="330783",
        buyer_region="330782",
        annual_volume=50_000_000,
        term_years=20,
        start_year=2001,
        price_fen_per_m3=400,
    )
    base.update(kw)
    return tr.WaterTransfer(**base)


def test_water_transfers() -> None:
    ok = tr.check_water_transfer(WATER, _water())
    assert not ok.needs_filing
    assert ok.transfer.total_volume == 1_000_000_000  # 50 million m3 a year for 20 years
    assert sum(v for _, v in ok.transfer.schedule()) == ok.transfer.total_volume
    assert ok.transfer.schedule()[-1] == (2020, 50_000_000)
    assert ok.to_dict()["kind_zh"] == "区域水权交易"
    with pytest.raises(DataError, match="buyer_region"):
        tr.check_water_transfer(WATER, _water(buyer_region="330783"))
    intake = dict(kind=tr.WaterTransferKind.INTAKE, method=tr.WaterTransferMethod.PUBLIC_LISTING)
    assert tr.check_water_transfer(
        WATER, _water(**intake, term_years=5, start_year=2024, permit_expiry_year=2028)
    )
    with pytest.raises(DataError, match="term_years") as exc:
        tr.check_water_transfer(
            WATER, _water(**intake, term_years=6, start_year=2024, permit_expiry_year=2028)
        )
    assert "term_years <= 5" in str(exc.value)
    irr = dict(kind=tr.WaterTransferKind.IRRIGATION, seller_district="河套灌区", buyer_district="河套灌区")
    assert not tr.check_water_transfer(WATER, _water(**irr, term_years=1)).needs_filing
    assert tr.check_water_transfer(WATER, _water(**irr, term_years=2)).needs_filing
    with pytest.raises(DataError, match="buyer_district"):
        tr.check_water_transfer(WATER, _water(**{**irr, "buyer_district": "其他灌区"}))
    with pytest.raises(DataError, match="annual_volume_m3"):
        tr.check_water_transfer(WATER, _water(annual_volume=0))
    with pytest.raises(DataError, match="buyer"):
        tr.check_water_transfer(WATER, _water(buyer="东阳市"))


@given(st.integers(1, 10**9), st.integers(1, 50), st.integers(2000, 2100))
def test_water_schedule_conserves_volume(volume: int, term: int, start: int) -> None:
    t = _water(annual_volume=volume, term_years=term, start_year=start)
    sched = t.schedule()
    assert sum(v for _, v in sched) == t.total_volume == volume * term
    assert [y for y, _ in sched] == list(range(start, start + term))
