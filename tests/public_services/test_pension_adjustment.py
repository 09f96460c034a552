"""Central adjustment of the pension fund (国发〔2018〕18号): hand-worked cases and properties.

Three-province year 2019 (rate 3.5%, base 90% of the average wage), written out:

============  ==========  =========  ========  ==========================================
province      wage yuan   insured N  retirees  contribution = w * 0.9 * N * 0.035
============  ==========  =========  ========  ==========================================
广东 (east)    100000      1000       100       100000*0.9*1000*0.035 = 3 150 000.00
黑龙江 (NE)    60000       500        300       60000*0.9*500*0.035   =   945 000.00
四川 (west)    80000       800        200       80000*0.9*800*0.035   = 2 016 000.00
============  ==========  =========  ========  ==========================================

fund F = 6 111 000.00; retirees 600; per retiree a = F/600 = 10 185.00
allocations a*R: 1 018 500.00, 3 055 500.00, 2 037 000.00
net = allocation - contribution: -2 131 500.00, +2 110 500.00, +21 000.00 (sum 0).
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regcoord.errors import DataError, RuleError
from regcoord.public_services import (
    RATE_PARAMETER,
    adjustment_amounts,
    adjustment_date,
    pension_adjustment,
)
from regcoord.rules import load_rule_set

D = Decimal


def three() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region": ["广东", "黑龙江", "四川"],
            "average_wage": [100000, 60000, 80000],
            "insured_workers": [1000, 500, 800],
            "retirees": [100, 300, 200],
        }
    )


def snap(year: int):
    return load_rule_set("pension_central_adjustment").at(adjustment_date(year))


def test_three_province_year_by_hand():
    res = pension_adjustment(three(), snap(2019), year=2019)
    assert res.rate == D("0.035")
    assert res.amounts.contribution == (D("3150000.00"), D("945000.00"), D("2016000.00"))
    assert res.fund_total == D("6111000.00")
    assert res.amounts.per_retiree == D("10185.00")
    assert res.amounts.allocation == (D("1018500.00"), D("3055500.00"), D("2037000.00"))
    assert res.amounts.net == (D("-2131500.00"), D("2110500.00"), D("21000.00"))
    assert res.rows()[0] == {
        "region": "广东",
        "contribution": "3150000.00",
        "allocation": "1018500.00",
        "net": "-2131500.00",
    }
    assert res.plates == ("east", "northeast", "west")
    # the trace cites the rule and shows the formula of each contribution
    rate = res.trace.find("pension_central_adjustment.rate")
    assert rate.value == D("0.035") and "国办发〔2019〕13号" in rate.source and rate.label == "U"
    assert res.trace.find("contribution 广东").formula == "100000 * 0.9 * 1000 * 0.035"


@pytest.mark.parametrize(("year", "rate"), [(2018, "0.03"), (2019, "0.035"), (2020, "0.04"), (2021, "0.045")])
def test_dated_rates(year, rate):
    assert pension_adjustment(three(), snap(year), year=year).rate == D(rate)


def test_rule_starts_2018_07_01_and_ends_with_national_pooling():
    rs = load_rule_set("pension_central_adjustment")
    assert rs.at("2018-07-01")["rate"] == D("0.03")
    with pytest.raises(RuleError, match="2018-06-30"):
        rs.at("2018-06-30")
    with pytest.raises(RuleError, match="national pooling"):
        pension_adjustment(three(), snap(2022), year=2022)
    # simulating a later year with a user rate: 4% on the same data = 4/3.5 of 2019's contributions
    res = pension_adjustment(three(), snap(2023), year=2023, rate="0.04")
    assert res.amounts.contribution == (D("3600000.00"), D("1080000.00"), D("2304000.00"))
    assert res.trace.find("rate").label == "user"


def test_plate_shares_by_hand():
    p = pension_adjustment(three(), snap(2019), year=2019).plate_frame().set_index("plate")
    # east pays 3 150 000 / 6 111 000 = 0.515464 of the fund and gets 100/600 = 0.166667 of it
    assert p.loc["east", "contribution_share"] == D("0.515464")
    assert p.loc["east", "allocation_share"] == D("0.166667")
    assert p.loc["northeast", "net"] == D("2110500.00")
    assert p.loc["west", "name_zh"] == "西部地区"


def test_largest_remainder_and_half_even_rounding():
    # 11111.11 * 0.9 * 1 * 0.01 = 99.99999 -> 100.00 (to the fen); 100.00 over 3 equal retirees:
    # 33.333.. each -> 33.34, 33.33, 33.33 (the one fen left goes to the first, ties by order)
    f = pd.DataFrame(
        {
            "region": ["A", "B", "C"],
            "average_wage": ["11111.11", "0", "0"],
            "insured_workers": [1, 0, 0],
            "retirees": [1, 1, 1],
        }
    )
    res = adjustment_amounts(f, "0.01")
    assert res.contribution == (D("100.00"), D("0.00"), D("0.00"))
    assert res.allocation == (D("33.34"), D("33.33"), D("33.33"))


def test_capacity_disparity_against_pairwise_gini():
    f = three()
    f["fund_balance"] = [10_000_000, 1_000_000, 3_000_000]
    res = pension_adjustment(f, snap(2019), year=2019)
    c = res.capacity
    assert c is not None
    # before: 10 000 000/100, 1 000 000/300, 3 000 000/200; after: (balance + net)/retirees
    assert c.before == (D("100000.00"), D("3333.33"), D("15000.00"))
    assert c.after == (D("78685.00"), D("10368.33"), D("15105.00"))

    def pairwise_gini(x, w):  # G = sum_ij p_i p_j |x_i - x_j| / (2 mu), p = w / sum w
        x, p = np.asarray(x, float), np.asarray(w, float) / np.sum(w)
        mu = np.sum(p * x)
        return float(np.sum(np.outer(p, p) * np.abs(x[:, None] - x[None, :])) / (2 * mu))

    w = [100, 300, 200]
    assert c.gini_before == pytest.approx(pairwise_gini([float(v) for v in c.before], w), rel=1e-12)
    assert c.gini_after == pytest.approx(pairwise_gini([float(v) for v in c.after], w), rel=1e-12)
    assert c.gini_after < c.gini_before


@pytest.mark.parametrize(
    ("change", "column", "row"),
    [
        ({"average_wage": [100000, -1, 80000]}, "average_wage", 2),
        ({"retirees": [100, "many", 200]}, "retirees", 2),
        ({"region": ["广东", "广东", "四川"]}, "region", 2),
    ],
)
def test_bad_input_names_row_and_column(change, column, row):
    f = three().astype(object)
    for k, v in change.items():
        f[k] = v
    with pytest.raises(DataError) as e:
        pension_adjustment(f, snap(2019), year=2019)
    assert e.value.column == column and e.value.row == row


def test_missing_column_and_rate_out_of_range():
    with pytest.raises(DataError, match="retirees"):
        adjustment_amounts(three().drop(columns="retirees"), "0.03")
    assert (RATE_PARAMETER.low, RATE_PARAMETER.high) == (D("0"), D("0.1"))
    with pytest.raises(DataError, match="declared range"):
        adjustment_amounts(three(), "0.2")


def test_rate_scales_contributions_linearly():
    """Reform simulation: doubling/tripling the rate doubles/triples every contribution and net."""
    base = adjustment_amounts(three(), "0.01")
    for k in (2, 3, 4):
        res = adjustment_amounts(three(), D("0.01") * k)
        assert res.contribution == tuple(c * k for c in base.contribution)
        assert res.net == tuple(n * k for n in base.net)
        assert res.fund_total == base.fund_total * k


frames = st.integers(min_value=1, max_value=8).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 400_000_00), min_size=n, max_size=n),  # wage in fen
        st.lists(st.integers(0, 10_000_000), min_size=n, max_size=n),
        st.lists(st.integers(0, 5_000_000), min_size=n, max_size=n).filter(lambda r: sum(r) > 0),
    )
)


@settings(max_examples=60, deadline=None)
@given(frames, st.integers(min_value=1, max_value=100))
def test_fund_balances(data, rate_permille):
    wages, workers, retirees = data
    f = pd.DataFrame(
        {
            "region": [f"R{i}" for i in range(len(wages))],
            "average_wage": [str(D(w) / 100) for w in wages],
            "insured_workers": workers,
            "retirees": retirees,
        }
    )
    rate = D(rate_permille) / 1000
    res = adjustment_amounts(f, rate)
    # contributions equal allocations; nets sum to zero (conservation)
    assert sum(res.allocation, D(0)) == res.fund_total == sum(res.contribution, D(0))
    assert sum(res.net, D(0)) == 0
    total_r = sum(retirees)
    for a, r in zip(res.allocation, retirees, strict=True):
        exact = res.fund_total * r / total_r
        assert abs(a - exact) < D("0.01")
    # linear in the rate up to the rounding of each contribution to the fen
    res2 = adjustment_amounts(f, rate * 2) if rate * 2 <= RATE_PARAMETER.high else None
    if res2 is not None:
        for c1, c2 in zip(res.contribution, res2.contribution, strict=True):
            assert abs(c2 - 2 * c1) <= D("0.01")


def test_reform_formula_linear_and_equal_to_the_exact_engine():
    """The reform kernel ``f(data, params) -> (K, n)``: on Decimal arrays it gives the nets of
    the hand case (rate 3.5%); rates 1%, 2%, 4% give nets in the ratio 1:2:4 (float64)."""
    from regcoord.public_services import reform_formula

    f = three()
    data = {
        c: np.array([D(v) for v in f[c]], dtype=object)
        for c in ("average_wage", "insured_workers", "retirees")
    }
    out = reform_formula(data, {"rate": np.array([[D("0.035")]], dtype=object), "wage_base_ratio": D("0.9")})
    assert out.shape == (1, 3)
    assert tuple(out[0]) == (D("-2131500"), D("2110500"), D("21000"))
    fdata = {k: v.astype(float) for k, v in data.items()}
    rates = np.array([[0.01], [0.02], [0.04]])
    nets = reform_formula(fdata, {"rate": rates, "wage_base_ratio": np.array(0.9)})
    assert nets.shape == (3, 3)
    np.testing.assert_allclose(nets[1], 2 * nets[0], rtol=1e-12)
    np.testing.assert_allclose(nets[2], 4 * nets[0], rtol=1e-12)
    np.testing.assert_allclose(nets.sum(axis=1), 0.0, atol=1e-6)


def test_rate_parameter_default_is_the_dated_rule():
    assert RATE_PARAMETER.default(2020) == D("0.04")
    assert RATE_PARAMETER.to_dict() == {
        "rule_set": "pension_central_adjustment",
        "name": "rate",
        "low": "0",
        "high": "0.1",
    }
    with pytest.raises(RuleError):
        RATE_PARAMETER.default(2022)
