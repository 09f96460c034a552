"""Equalization formulas: hand calculations and budget-balance properties (Hypothesis)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regcoord.errors import DataError, RuleError
from regcoord.rules import load_rule_set
from regcoord.transfers import (
    australia_gst,
    canada_equalization,
    china_balanced_transfer,
    full_equalization,
    germany_equalization,
    horizontal_equalization,
    partial_equalization,
)

CHINA = load_rule_set("china_balanced_transfer").at("2023-01-01")
AUS_2024 = load_rule_set("australia_gst").at("2024-07-01")
AUS_2023 = load_rule_set("australia_gst").at("2023-07-01")
GER = load_rule_set("germany_fag").at("2021-01-01")
CAN = load_rule_set("canada_equalization").at("2020-04-01")
D = Decimal


def test_china_balanced_transfer_by_hand():
    r = china_balanced_transfer(
        ["Qinghai", "Guangdong", "Beijing", "Shanghai"],
        [500, 900, 300, 400],
        [100, 500, 200, 450],
        CHINA,
        coefficients=[D("0.90"), D("0.5171"), D("0.20"), D("0.5")],  # 2019 published examples [P]
    )
    # gaps 400, 400, 100, 0 (Shanghai has no gap) -> 360, 206.84, 20, 0
    assert r.amounts == (D("360.00"), D("206.84"), D("20.00"), D("0.00"))
    assert r.columns["gap"] == (400, 400, 100, 0)
    assert r.trace.find("china_balanced_transfer.formula").verified is True


def test_china_total_mode_shares_pool_by_gap():
    r = china_balanced_transfer(["a", "b", "c"], [100, 200, 50], [80, 100, 60], CHINA, total="100.00")
    # gaps 20 and 100: 100 * 20/120 = 16.666.. and 83.333.. -> 16.67 + 83.33 (largest remainder)
    assert r.amounts == (D("16.67"), D("83.33"), D("0.00"))
    with pytest.raises(DataError, match="either coefficients or total"):
        china_balanced_transfer(["a"], [1], [0], CHINA)
    with pytest.raises(DataError, match=r"row 2.*standard_revenue"):
        china_balanced_transfer(["a", "b"], [1, 1], [0, -1], CHINA, coefficients=0.5)


def test_australia_by_hand_with_floor():
    # floor 0.75 from 2024-25: relativities 1.2, 0.5 -> 0.75, 1.0; weights 2.4, 0.75, 1.0 (sum 4.15)
    r = australia_gst(["NSW", "WA", "QLD"], [2, 1, 1], [D("1.2"), D("0.5"), D("1.0")], 1000, AUS_2024)
    # 1000 * 2.4/4.15 = 578.3132, 180.7229, 240.9639 -> largest remainder gives the extra fen to QLD
    assert r.amounts == (D("578.31"), D("180.72"), D("240.97"))
    assert r.columns["relativity_floored"] == (D("1.2"), D("0.75"), D("1.0"))
    # in 2023-24 the floor was 0.70
    r23 = australia_gst(["NSW", "WA", "QLD"], [2, 1, 1], [D("1.2"), D("0.5"), D("1.0")], 1000, AUS_2023)
    assert r23.columns["relativity_floored"][1] == D("0.70")


def test_germany_by_hand():
    vat, supp = germany_equalization(["A", "B"], [1, 1], [60, 40], GER)
    # EQ = 50 each; adjustments 0.63 * (50 - FK) = -6.3, +6.3; after 53.7, 46.3
    assert vat.amounts == (D("-6.30"), D("6.30"))
    # shortfall of B: 0.9975 * 50 - 46.3 = 3.575; grant 0.8 * 3.575 = 2.86
    assert supp.amounts == (D("0.00"), D("2.86"))
    assert vat.trace.find("germany_fag.vat_adjustment_rate").verified is True


def test_germany_city_state_weight():
    vat, _ = germany_equalization(["A", "B"], [1, 1], [100, 100], GER, city_states=["B"])
    # w = 1, 1.35: EQ = 200/2.35 * w = 85.106.., 114.893..; A = 0.63 * (EQ - 100)
    assert vat.amounts == (D("-9.38"), D("9.38"))
    with pytest.raises(DataError, match="city state"):
        germany_equalization(["A", "B"], [1, 1], [1, 1], GER, city_states=["Z"])


def test_canada_better_of_two_options():
    regions = [f"P{i}" for i in range(10)]
    nres = [10] * 9 + [0]
    res = [40] + [0] * 9
    r = canada_equalization(regions, [1] * 10, nres, res, CAN)
    # theta 0: standard 9 -> P9 gets 9; theta 0.5: capacities 30, 10 x 8, 0, standard 11 -> P1..P8 get 1, P9 gets 11
    assert r.amounts == (D("0.00"),) + (D("1.00"),) * 8 + (D("11.00"),)
    assert r.columns["resource_inclusion"][9] == D("0.5")
    with pytest.raises(RuleError, match="10 provinces"):
        canada_equalization(regions[:3], [1] * 3, [1] * 3, [0] * 3, CAN)


money = st.integers(min_value=-(10**9), max_value=10**9).map(lambda v: Decimal(v) / 100)
pops = st.integers(min_value=1, max_value=10**7)


@st.composite
def regions_data(draw, n_min=2, n_max=12):
    n = draw(st.integers(n_min, n_max))
    pop = draw(st.lists(pops, min_size=n, max_size=n))
    cap = draw(st.lists(money, min_size=n, max_size=n))
    return [f"r{i}" for i in range(n)], pop, cap


@given(regions_data(), st.integers(0, 10**10), st.lists(st.integers(0, 300), min_size=12, max_size=12))
@settings(max_examples=60, deadline=None)
def test_gst_sums_to_pool_and_respects_floor(data, pool_fen, rel_pct):
    regions, pop, _ = data
    rel = [Decimal(v) / 100 for v in rel_pct[: len(regions)]]
    if not any(rel) and AUS_2024["relativity_floor"] == 0:
        return
    pool = Decimal(pool_fen) / 100
    r = australia_gst(regions, pop, rel, pool, AUS_2024)
    assert r.total == pool
    assert all(f >= Decimal("0.75") for f in r.columns["relativity_floored"])
    assert all(a >= 0 for a in r.amounts)
    # the CGC formula written out: G_s = pop_s max(rel_s, 0.75) pool / sum_j pop_j max(rel_j, 0.75),
    # each grant within one cent of its exact share (largest remainder keeps the pool exact)
    floored = [max(x, Decimal("0.75")) for x in rel]
    assert list(r.columns["relativity_floored"]) == floored
    weight = [p * f for p, f in zip(pop, floored, strict=True)]
    for a, w in zip(r.amounts, weight, strict=True):
        assert abs(a - pool * w / sum(weight)) < Decimal("0.01")


@given(regions_data())
@settings(max_examples=60, deadline=None)
def test_partial_rate_one_equals_full_and_balances(data):
    regions, pop, cap = data
    full = full_equalization(regions, pop, cap)
    part = partial_equalization(regions, pop, cap, rate=1)
    assert full.total == 0 and part.total == 0
    assert all(abs(a - b) <= Decimal("0.01") for a, b in zip(full.amounts, part.amounts, strict=True))
    half = partial_equalization(regions, pop, cap, rate="0.63")
    assert half.total == 0
    # A_i = rate * T_i: each within rounding (one cent for each side) of 0.63 times the full transfer
    assert all(
        abs(h - Decimal("0.63") * f) < Decimal("0.02")
        for h, f in zip(half.amounts, full.amounts, strict=True)
    )
    # the defining property of full equalization: after it every region has the average per capita
    mean = sum(cap, Decimal(0)) / sum(pop)
    for k, p, t in zip(cap, pop, full.amounts, strict=True):
        assert abs((k + t) - p * mean) < Decimal("0.01")


@given(regions_data())
@settings(max_examples=40, deadline=None)
def test_horizontal_average_with_empty_pool_is_full_equalization(data):
    regions, pop, cap_pc = data
    h = horizontal_equalization(regions, pop, cap_pc, 0)
    full = full_equalization(regions, pop, [p * c for p, c in zip(pop, cap_pc, strict=True)])
    assert h.total == 0
    assert all(abs(a - b) <= Decimal("0.02") for a, b in zip(h.amounts, full.amounts, strict=True))


def test_benchmark_equalization_and_relativities_roundtrip():
    regions = ["NSW", "VIC", "QLD", "WA", "TAS"]
    pop = [8, 7, 5, 3, 1]
    cap = [1000, 950, 900, 1400, 700]
    h = horizontal_equalization(regions, pop, cap, 20000, benchmark=["NSW", "VIC"])
    # T = 1000; needs: VIC 7*50 = 350, QLD 5*100 = 500, TAS 1*300 = 300 -> 1150; lambda = 18850/24
    lam = D(18850) / 24
    assert h.amounts[0] == (8 * lam).quantize(D("0.01"))
    assert h.amounts[3] == (3 * lam).quantize(D("0.01"))  # WA, above T, gets only lambda
    assert h.total == 20000
    # relativities g_s / (pool/P) are all >= 0.70 here, so the Act's formula reproduces the grants
    assert min(h.columns["relativity"]) > D("0.70")
    g = australia_gst(regions, pop, h.columns["relativity"], 20000, AUS_2023)
    assert g.amounts == h.amounts
    # with a pool of 2000, NSW's and WA's relativity (850/24 / 2000*24) = 0.425 is floored to 0.70
    h2 = horizontal_equalization(regions, pop, cap, 2000, benchmark=["NSW", "VIC"])
    g2 = australia_gst(regions, pop, h2.columns["relativity"], 2000, AUS_2023)
    assert g2.columns["relativity_floored"][0] == D("0.70") and g2.amounts[0] > h2.amounts[0]
    # a pool too small needs a top-up
    small = horizontal_equalization(regions, pop, cap, 1000, benchmark=["NSW", "VIC"])
    assert small.columns["top_up"][0] == 150 and small.total == 1150


def test_gdp_growth_envelope_by_hand():
    from regcoord.transfers import gdp_growth_envelope

    gdp = {2019: 90, 2020: 100, 2021: 110, 2022: 120}
    # MA3 2022 = 110, MA3 2021 = 100: total grows 10%: 20,000 -> 22,000
    e = gdp_growth_envelope(20000, gdp, 2022, CAN)
    assert (e.moving_average, e.previous_moving_average, e.total) == (110, 100, D("22000.00"))
    with pytest.raises(DataError, match="GDP missing for 2019"):
        gdp_growth_envelope(20000, {k: v for k, v in gdp.items() if k != 2019}, 2022, CAN)


def test_no_worse_off_guarantee():
    base = [D("500"), D("250"), D("240")]  # user data: grants under the old arrangements
    r = australia_gst(["NSW", "WA", "QLD"], [2, 1, 1], [D("1.2"), D("0.5"), D("1.0")], 1000, AUS_2024,
                      no_worse_off_baseline=base)  # fmt: skip
    # GST grants 578.31, 180.72, 240.97 (hand case above); WA is topped up by 250 - 180.72 = 69.28
    assert r.columns["no_worse_off"] == (D("0.00"), D("69.28"), D("0.00"))
    assert r.amounts == (D("578.31"), D("250.00"), D("240.97"))
    # after 2026-27 the guarantee is no longer in force
    later = australia_gst(["NSW", "WA", "QLD"], [2, 1, 1], [D("1.2"), D("0.5"), D("1.0")], 1000,
                          load_rule_set("australia_gst").at("2027-07-01"), no_worse_off_baseline=base)  # fmt: skip
    assert later.total == 1000
