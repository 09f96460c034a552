"""Pension transfer (国办发〔2009〕66号) and cross-province medical clearing, by hand.

Worker with contributions in two provinces, leaving 湖南 for 广东 with an individual
account of 45 678.90 yuan; pooled part = 12% of the yearly contribution wage base of each
year paid in 湖南 since 1998:

======  ========  ===========  ======  ==========================================
year    province  base yuan    months  pooled part
======  ========  ===========  ======  ==========================================
1997    湖南       24 000       12      before 1998: not counted
2015    湖南       48 000       12      0.12 * 48 000              = 5 760.00
2016    湖南       54 000       12      0.12 * 54 000              = 6 480.00
2017    湖南       60 000        7      0.12 * 60 000 * 7/12       = 4 200.00
2018    广东       90 000       12      paid in 广东: not counted
======  ========  ===========  ======  ==========================================

pooled = 16 440.00; total = 16 440.00 + 45 678.90 = 62 118.90 yuan.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regcoord.errors import DataError
from regcoord.public_services import (
    ContributionYear,
    advance_funds,
    medical_clearing,
    pension_transfer,
    transfer_flows,
)
from regcoord.rules import load_rule_set

D = Decimal


def tsnap():
    return load_rule_set("pension_transfer").at("2024-01-01")


RECORD = [
    ContributionYear(1997, "湖南", D(24000)),
    ContributionYear(2015, "湖南", D(48000)),
    ContributionYear(2016, "湖南", D(54000)),
    ContributionYear(2017, "湖南", D(60000), 7),
    ContributionYear(2018, "广东", D(90000)),
]


def test_worker_in_two_provinces_by_hand():
    res = pension_transfer(
        RECORD, tsnap(), from_province="湖南", to_province="广东", individual_account="45678.90"
    )
    assert res.years_counted == (2015, 2016, 2017)
    assert res.trace.find("pooled part 2017").value == D("4200")
    assert res.pooled == D("16440.00")
    assert res.individual_account == D("45678.90")
    assert res.total == D("62118.90")
    rate = res.trace.find("pension_transfer.pooled_transfer_rate")
    assert rate.value == D("0.12") and "国办发〔2009〕66号" in rate.source


def test_transfer_bad_input():
    with pytest.raises(DataError, match="months"):
        pension_transfer(
            [(2015, "湖南", 1, 13)], tsnap(), from_province="湖南", to_province="广东", individual_account=0
        )
    with pytest.raises(DataError, match="same"):
        pension_transfer(RECORD, tsnap(), from_province="湖南", to_province="湖南", individual_account=0)


def test_flows_from_a_table_of_moves():
    # A->B: 0.12*100 000 + 1 000 = 13 000; 0.12*50 000 + 500 = 6 500 (two moves: 19 500)
    # B->A: 0.12*10 000 + 100 = 1 300; nets: A -18 200, B +18 200
    moves = pd.DataFrame(
        {
            "from_region": ["A", "A", "B"],
            "to_region": ["B", "B", "A"],
            "contribution_wages": [100000, 50000, 10000],
            "individual_account": [1000, 500, 100],
        }
    )
    res = transfer_flows(moves, tsnap())
    ab = res.pairs.iloc[0]
    assert (ab["from_region"], ab["to_region"], ab["moves"], ab["total"]) == ("A", "B", 2, D("19500.00"))
    assert list(res.net["net"]) == [D("-18200.00"), D("18200.00")]
    assert res.total == D("20800.00")
    with pytest.raises(DataError) as e:
        transfer_flows(moves.assign(to_region=["B", "A", "A"]), tsnap())
    assert e.value.row == 2


def test_clearing_round_that_nets_to_zero():
    # A's insured were treated in B for 60.00 + 40.00, B's in A for 100.00: the pair nets to 0;
    # B owes C 40.00, C owes D 40.00, D owes B 40.00 (a cycle): every position is 0.
    bills = pd.DataFrame(
        {
            "insured_region": ["A", "A", "B", "B", "C", "D"],
            "treatment_region": ["B", "B", "A", "C", "D", "B"],
            "fund_paid": ["60", "40", "100", "40", "40", "40"],
        }
    )
    res = medical_clearing(bills)
    pair_ab = res.net_pairs.set_index(["region_a", "region_b"]).loc[("A", "B")]
    assert (pair_ab["a_owes_b"], pair_ab["b_owes_a"], pair_ab["net"]) == (D("100.00"), D("100.00"), D("0.00"))
    assert list(res.positions["region"]) == ["A", "B", "C", "D"]
    assert list(res.positions["position"]) == [D("0.00")] * 4
    assert list(res.positions["receivable"]) == [D("100.00"), D("140.00"), D("40.00"), D("40.00")]
    assert res.balanced


def test_clearing_with_advances_by_hand():
    # claims A->B 100, B->A 30, A->C 50, C->B 20; A holds an advance of 40 with B
    # due A->B = 100 - 40 = 60; nets: A pays B 70, A pays C 50, C pays B 20
    # positions: A 30 - 150 = -120, B 120 - 30 = 90, C 50 - 20 = 30 (sum 0)
    bills = pd.DataFrame(
        {
            "insured_region": ["A", "B", "A", "C"],
            "treatment_region": ["B", "A", "C", "B"],
            "fund_paid": [100, 30, 50, 20],
        }
    )
    adv = pd.DataFrame({"insured_region": ["A"], "treatment_region": ["B"], "advance": [40]})
    res = medical_clearing(bills, adv)
    c = res.clearing.set_index(["insured_region", "treatment_region"])
    assert c.loc[("A", "B"), "due"] == D("60.00")
    n = res.net_pairs.set_index(["region_a", "region_b"])
    assert (n.loc[("A", "B"), "payer"], n.loc[("A", "B"), "net"]) == ("A", D("70.00"))
    assert (n.loc[("B", "C"), "payer"], n.loc[("B", "C"), "net"]) == ("C", D("20.00"))
    assert list(res.positions["position"]) == [D("-120.00"), D("90.00"), D("30.00")]
    assert res.balanced


def test_advance_funds_two_months():
    prev = pd.DataFrame(
        {"insured_region": ["A", "A"], "treatment_region": ["B", "B"], "fund_paid": [600, "600.01"]}
    )
    snap = load_rule_set("medical_cross_province").at("2023-01-01")
    # (600 + 600.01) * 2 / 12 = 200.001666.. -> 200.00
    assert list(advance_funds(prev, snap)["advance"]) == [D("200.00")]


def test_clearing_rejects_same_province_and_bad_amounts():
    with pytest.raises(DataError) as e:
        medical_clearing(pd.DataFrame({"insured_region": ["A"], "treatment_region": ["A"], "fund_paid": [1]}))
    assert e.value.row == 1
    with pytest.raises(DataError) as e:
        medical_clearing(
            pd.DataFrame({"insured_region": ["A"], "treatment_region": ["B"], "fund_paid": ["x"]})
        )
    assert e.value.column == "fund_paid"


names = st.sampled_from(["A", "B", "C", "D", "E"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(names, names, st.integers(0, 10**9)), min_size=1, max_size=30))
def test_clearing_conserves(rows):
    rows = [r for r in rows if r[0] != r[1]]
    if not rows:
        return
    bills = pd.DataFrame(rows, columns=["insured_region", "treatment_region", "fund_paid"])
    bills["fund_paid"] = [str(D(v) / 100) for v in bills["fund_paid"]]
    res = medical_clearing(bills)
    assert sum(res.positions["position"], D(0)) == 0
    assert res.balanced
    assert sum(res.clearing["claims"], D(0)) == sum(D(v) for v in bills["fund_paid"])


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(names, names, st.integers(0, 10**8), st.integers(0, 10**7)), min_size=1, max_size=25)
)
def test_flows_conserve(rows):
    rows = [r for r in rows if r[0] != r[1]]
    if not rows:
        return
    moves = pd.DataFrame(
        rows, columns=["from_region", "to_region", "contribution_wages", "individual_account"]
    )
    res = transfer_flows(moves, tsnap())
    assert sum(res.net["net"], D(0)) == 0
    assert res.total == sum(res.net["inflow"], D(0)) == sum(res.net["outflow"], D(0))
    assert int(res.pairs["moves"].sum()) == len(rows)
