"""ESV equivalent-factor method (Xie et al. 2015) and compensation bounds; hand calculations."""

from __future__ import annotations

from decimal import Decimal

import pytest

from regcoord.compensation import compensation_bounds, ecosystem_service_value, standard_equivalent
from regcoord.errors import DataError, RuleError
from regcoord.rules import load_rule_set

SNAP = load_rule_set("esv_xie2015").at("2020-01-01")


def test_standard_equivalent_published_example():
    # [V] worked example: 4600.89 kg/ha * 2.28 yuan/kg / 7 = 1498.58 yuan/ha
    d = standard_equivalent(4600.89, 2.28, SNAP)
    assert d.value == Decimal("1498.58")
    assert d.trace.find("D (exact)").value == Decimal("4600.89") * Decimal("2.28") / 7
    # the same case as stored in the rule set (published outcome as data)
    ex = SNAP["standard_equivalent_example"]
    assert standard_equivalent(ex["grain_yield"], ex["grain_price"], SNAP).value == ex["d"]
    # a regional adjustment factor scales D: 1498.5756 * 1.2 = 1798.2907 -> 1798.29
    assert standard_equivalent(4600.89, 2.28, SNAP, adjustment="1.2").value == Decimal("1798.29")


def test_esv_by_hand():
    # mixed forest coefficients sum 23.09, desert 1.10 (Xie et al. 2015, Table 2, [V])
    r = ecosystem_service_value({"mixed_forest": 100, "desert": 10}, Decimal("1498.58"), SNAP)
    assert r.unit_values[0] == Decimal("23.09") * Decimal("1498.58")
    assert r.by_type == (Decimal("3460221.22"), Decimal("16484.38"))  # 100*34602.2122; 10*1648.438
    assert r.total == Decimal("3476705.60")
    # services add up to the same total (to the fen)
    assert abs(sum(r.by_service) - r.total) <= Decimal("0.06")
    # food service: (100 * 0.31 + 10 * 0.01) * 1498.58 = 46605.838
    assert r.by_service[0] == Decimal("46605.84")


def test_unbundled_type_needs_user_coefficients():
    with pytest.raises(RuleError, match=r"'water'.*bundled: desert, dryland, mixed_forest, shrub"):
        ecosystem_service_value({"water": 5}, 1000, SNAP)
    user = {"water": [1] * 11}
    r = ecosystem_service_value({"water": 5}, 1000, SNAP, coefficients=user)
    assert r.total == Decimal("55000.00")
    assert r.trace.find("coefficients.water").label == "user"
    with pytest.raises(DataError, match="11"):
        ecosystem_service_value({"water": 5}, 1000, SNAP, coefficients={"water": [1, 2]})
    with pytest.raises(DataError, match="negative"):
        ecosystem_service_value({"shrub": -5}, 1000, SNAP)


def test_compensation_bounds_by_hand():
    b = compensation_bounds(
        spillover_esv=5_000_000,
        protection_cost=1_200_000,
        reference_income_per_capita=42_000,
        local_income_per_capita=30_000,
        population=250,
    )
    # opportunity cost = (42000 - 30000) * 250 = 3,000,000; lower = 4,200,000
    assert b.opportunity_cost == Decimal("3000000.00")
    assert (b.lower, b.upper, b.consistent) == (Decimal("4200000.00"), Decimal("5000000.00"), True)
    richer = compensation_bounds(
        spillover_esv=1,
        protection_cost=2,
        reference_income_per_capita=1,
        local_income_per_capita=5,
        population=9,
    )
    assert richer.opportunity_cost == 0 and not richer.consistent
