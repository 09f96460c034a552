"""Water-quality compensation: Xin'an P index, segment settlement (Chishui), quantity reward.

Hand calculations are written out; rule values come from the domain note (Xinhua: round 1
500 million = 300 central + 100 + 100; Chishui 1:5:4 / 3:4:3, 200 million).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regcoord.compensation import (
    baselines_from_history,
    meets_thresholds,
    p_index,
    quantity_reward,
    segment_settlement,
    xinan_rounds,
    xinan_settlement,
)
from regcoord.errors import DataError, RuleError
from regcoord.rules import load_rule_set

HISTORY = {
    "CODMn": {2009: 2.0, 2010: 2.1, 2011: 1.9, 2012: 1.8},
    "NH3-N": {2009: 0.10, 2010: 0.12, 2011: 0.11, 2012: 0.10},
    "TP": {2009: 0.02, 2010: 0.02, 2011: 0.02, 2012: 0.03},
    "TN": {2009: 1.0, 2010: 1.0, 2011: 1.0, 2012: 1.2},
}


def test_baselines_are_three_year_means():
    b = baselines_from_history(HISTORY, 2012)
    assert b["CODMn"] == Decimal("2.0")  # (2.0 + 2.1 + 1.9) / 3
    assert b["NH3-N"] == Decimal("0.11")
    assert b["TP"] == Decimal("0.02")


def test_xinan_round1_downstream_pays_when_p_le_1():
    # ratios 1.8/2.0, 0.10/0.11, 0.03/0.02, 1.2/1.0; P = 0.85 * 0.25 * sum
    expected = (
        Fraction(85, 100)
        * Fraction(1, 4)
        * (Fraction(9, 10) + Fraction(10, 11) + Fraction(3, 2) + Fraction(6, 5))
    )  # = 0.958181...
    (res,) = xinan_rounds(HISTORY, [2012], load_rule_set("xinan_river"), baseline="preceding")
    assert abs(Fraction(res.p) - expected) < Fraction(1, 10**25)
    assert res.meets_standard
    assert (res.payer, res.payee, res.amount) == ("Zhejiang", "Anhui", Decimal("100000000.00"))
    assert res.central_funds == Decimal("300000000.00")
    k0 = res.trace.find("xinan_river.k0")
    assert k0.verified is False and k0.label == "U" and "2012-01-01" in k0.valid
    assert res.trace.find("P").value == res.p


def test_xinan_upstream_pays_when_p_gt_1():
    hist = {k: dict(v) for k, v in HISTORY.items()}
    hist["TP"][2012] = 0.04  # ratio 2: P = 0.85/4 * (0.9 + 10/11 + 2 + 1.2) = 1.0644 > 1
    (res,) = xinan_rounds(hist, [2012], load_rule_set("xinan_river"), baseline="preceding")
    assert res.p > 1 and not res.meets_standard
    assert (res.payer, res.payee, res.amount) == ("Anhui", "Zhejiang", Decimal("100000000.00"))


def test_round3_needs_user_weights_then_pays_200_million():
    snap = load_rule_set("xinan_river").at("2019-07-01")
    conc = {"CODMn": 1.0, "TP": 0.02}
    base = {"CODMn": 2.0, "TP": 0.02}
    with pytest.raises(RuleError, match="weights"):
        xinan_settlement(2019, conc, base, snap)
    res = xinan_settlement(2019, conc, base, snap, weights={"CODMn": 0.5, "TP": 0.5}, k0=1)
    # P = 0.5 * 0.5 + 0.5 * 1 = 0.75
    assert res.p == Decimal("0.75")
    assert (res.payer, res.amount) == ("Zhejiang", Decimal("200000000.00"))
    assert res.central_funds is None
    assert res.trace.find("k0").label == "user"


def test_p_index_generic():
    r = p_index({"a": 3, "b": 1}, {"a": 2, "b": 4}, weights={"a": 0.4, "b": 0.6}, k0=0.9)
    assert r.p == Decimal("0.9") * (Decimal("0.4") * Decimal("1.5") + Decimal("0.6") * Decimal("0.25"))


@pytest.mark.parametrize(
    ("indicator", "year", "value", "message"),
    [
        ("TP", 2010, -0.01, r"concentration of 'TP' \(year 2010\) is negative"),
        ("NH3-N", 2011, None, "concentration of 'NH3-N' missing for year 2011"),
    ],
)
def test_bad_concentrations_name_indicator_and_year(indicator, year, value, message):
    hist = {k: dict(v) for k, v in HISTORY.items()}
    if value is None:
        del hist[indicator][year]
    else:
        hist[indicator][year] = value
    with pytest.raises(DataError, match=message):
        xinan_rounds(hist, [2012], load_rule_set("xinan_river"), baseline="preceding")


def test_measured_negative_in_assessed_year():
    hist = {k: dict(v) for k, v in HISTORY.items()}
    hist["CODMn"][2012] = -1
    with pytest.raises(DataError, match=r"'CODMn' \(year 2012\) is negative"):
        xinan_rounds(hist, [2012], load_rule_set("xinan_river"), baseline="preceding")


CHISHUI = load_rule_set("chishui_river").at("2019-07-01")
M = Decimal(1_000_000)


@pytest.mark.parametrize(
    ("qing", "lian", "final"),
    [
        (True, True, {"Yunnan": 60, "Guizhou": 80, "Sichuan": 60}),
        # Qingshuipu fails: Yunnan's 60 split 50/50 to Guizhou and Sichuan
        (False, True, {"Yunnan": 0, "Guizhou": 110, "Sichuan": 90}),
        # Lianyuxi fails: Guizhou's 80 goes to Sichuan
        (True, False, {"Yunnan": 60, "Guizhou": 0, "Sichuan": 140}),
        # both: Guizhou gets 30 from Yunnan and loses its own 80
        (False, False, {"Yunnan": 0, "Guizhou": 30, "Sichuan": 170}),
    ],
)
def test_chishui_segment_settlement(qing, lian, final):
    s = segment_settlement("2019", {"Qingshuipu": qing, "Lianyuxi": lian}, CHISHUI)
    # 200 million: contributions 1:5:4 = 20/100/80, allocations 3:4:3 = 60/80/60
    assert {k: v / M for k, v in s.contributions.items()} == {"Yunnan": 20, "Guizhou": 100, "Sichuan": 80}
    assert {k: v / M for k, v in s.allocations.items()} == {"Yunnan": 60, "Guizhou": 80, "Sichuan": 60}
    assert {k: v / M for k, v in s.final.items()} == final
    assert sum(s.net.values()) == 0


@given(st.integers(min_value=0, max_value=10**11), st.booleans(), st.booleans())
def test_segment_settlement_balances(fund_fen, qing, lian):
    fund = Decimal(fund_fen) / 100
    s = segment_settlement("y", {"Qingshuipu": qing, "Lianyuxi": lian}, CHISHUI, fund_total=fund)
    assert sum(s.contributions.values()) == fund
    assert sum(s.final.values()) == fund
    assert all(v >= 0 for v in s.final.values())


def test_meets_thresholds_with_user_limits():
    limits = {"CODMn": 4, "NH3-N": 0.5, "TP": 0.1}  # user parameters, not bundled
    assert meets_thresholds({"CODMn": 3.9, "NH3-N": 0.5, "TP": 0.05}, limits)
    assert not meets_thresholds({"CODMn": 4.1, "NH3-N": 0.1, "TP": 0.05}, limits)
    with pytest.raises(DataError, match="TP"):
        meets_thresholds({"CODMn": 3, "NH3-N": 0.1}, limits)


def test_unknown_section():
    with pytest.raises(DataError, match="unknown section"):
        segment_settlement("2019", {"Qingshuipu": True, "Lianyuxi": True, "X": True}, CHISHUI)


def test_miyun_quantity_reward():
    snap = load_rule_set("miyun_reservoir").at("2018-07-01")
    hist = {y: 10 for y in range(2000, 2018)} | {2017: 28, 2018: 20}
    # baseline = (17 * 10 + 28) / 18 = 11; excess 9; 9 * 1000.5 = 9004.50
    r = quantity_reward(2018, hist, snap, rate_per_unit="1000.5")
    assert r.baseline == 11 and r.excess == 9
    assert r.amount == Decimal("9004.50")
    assert (r.payer, r.payee) == ("Beijing", "Hebei")
    with pytest.raises(DataError, match="inflow missing for year 2005"):
        quantity_reward(2018, {y: v for y, v in hist.items() if y != 2005}, snap, rate_per_unit=1)


def test_miyun_tn_reduction_reward():
    from regcoord.compensation import reduction_reward

    snap = load_rule_set("miyun_reservoir").at("2019-07-01")
    # TN 1.5 -> 1.2 mg/L: reduction 0.3 * 2,000,000 yuan per mg/L = 600,000 (rate: user parameter)
    r = reduction_reward(2019, {"TN": 1.2}, {"TN": 1.5}, snap, rate_per_unit={"TN": 2_000_000})
    assert r.amount == Decimal("600000.00") and r.payee == "Hebei"
    worse = reduction_reward(2019, {"TN": 1.6}, {"TN": 1.5}, snap, rate_per_unit={"TN": 2_000_000})
    assert worse.amount == 0
    with pytest.raises(DataError, match="no reward rate"):
        reduction_reward(2019, {"TN": 1.2}, {"TN": 1.5}, snap, rate_per_unit={})


def test_round_period_is_reported():
    (r12,) = xinan_rounds(HISTORY, [2012], load_rule_set("xinan_river"), baseline="preceding")
    assert r12.round_period == "2012-01-01..2014-12-31"


@given(
    st.lists(st.integers(1, 10_000), min_size=4, max_size=4),
    st.lists(st.integers(1, 10_000), min_size=4, max_size=4),
    st.integers(1, 1000),
)
def test_p_index_is_scale_invariant(conc, base, scale):
    # P depends on concentration ratios only: changing the unit (mg/L -> ug/L) leaves it unchanged
    names = ["CODMn", "NH3-N", "TP", "TN"]
    w = {n: Decimal("0.25") for n in names}
    p1 = p_index(
        dict(zip(names, conc, strict=True)), dict(zip(names, base, strict=True)), weights=w, k0="0.85"
    ).p
    p2 = p_index(
        {n: c * scale for n, c in zip(names, conc, strict=True)},
        {n: b * scale for n, b in zip(names, base, strict=True)},
        weights=w,
        k0="0.85",
    ).p
    assert abs(p1 - p2) < Decimal("1e-25")


def test_every_rule_parameter_in_a_trace_is_cited():
    (res,) = xinan_rounds(HISTORY, [2012], load_rule_set("xinan_river"), baseline="preceding")
    params = [s for s in res.trace if s.kind == "parameter" and s.label != "user"]
    assert len(params) >= 6
    for s in params:
        assert s.source and s.valid and s.label in {"V", "P", "U"}
        assert s.verified == (s.label == "V")


def test_round1_baseline_is_the_2008_2010_mean_by_default():
    # the rule's dated baseline (label P): C_i0 = mean of 2008..2010, not of the three years before
    hist = {k: {2008: v[2009], **v} for k, v in HISTORY.items()}
    hist["CODMn"][2008] = 2.2  # CODMn baseline (2.2 + 2.0 + 2.1) / 3 = 2.1
    (res,) = xinan_rounds(hist, [2012], load_rule_set("xinan_river"))
    # NH3-N baseline (0.10 + 0.10 + 0.12) / 3 = 0.32 / 3; TP 0.02; TN 1.0
    expected = (
        Fraction(85, 100)
        * Fraction(1, 4)
        * (Fraction(18, 21) + Fraction(10, 100) / Fraction(32, 300) + Fraction(3, 2) + Fraction(6, 5))
    )
    assert abs(Fraction(res.p) - expected) < Fraction(1, 10**25)
    method = res.trace.find("xinan_river.baseline_method")
    assert method.value == "fixed_period" and method.label == "P" and method.verified is False
    assert res.trace.find("xinan_river.baseline_period").value == (2008, 2010)
    assert "xinan_river.baseline_method (P)" in res.unverified
    # the three years before remain an option, chosen explicitly, and give another P
    (pre,) = xinan_rounds(hist, [2012], load_rule_set("xinan_river"), baseline="preceding")
    assert pre.p != res.p and pre.trace.find("baseline method").value == "preceding"
    with pytest.raises(
        DataError, match=r"missing for year 2008 \(needed for the baseline period 2008\.\.2010\)"
    ):
        xinan_rounds(HISTORY, [2012], load_rule_set("xinan_river"))
    with pytest.raises(DataError, match="one of fixed_period, preceding"):
        xinan_rounds(hist, [2012], load_rule_set("xinan_river"), baseline="mean")


def test_later_rounds_need_a_chosen_baseline():
    hist = {"CODMn": {2016: 2.0, 2017: 2.0, 2018: 2.0, 2019: 1.0}}
    rs = load_rule_set("xinan_river")
    with pytest.raises(RuleError, match="no baseline method valid in 2019"):
        xinan_rounds(hist, [2019], rs, weights={"CODMn": 1}, k0=1)
    (r,) = xinan_rounds(
        hist, [2019], rs, weights={"CODMn": 1}, k0=1, baseline="fixed_period", baseline_period=(2016, 2018)
    )
    assert r.p == Decimal("0.5")
