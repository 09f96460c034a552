"""Basic public service standards: gaps and warning levels, by hand.

Standards valid on 1 July (rule set ``basic_public_service_standard``): residents' basic
pension minimum 103 yuan/month in 2023 and 123 in 2024; public-health subsidy 89 and 94
yuan/person/year.  Region 乙: pension 85 in 2023 -> gap -18, ratio 85/103 = 0.825243 (orange,
< 0.9 but >= 0.8); health 70 -> ratio 70/89 = 0.786517 (red, < 0.8); 2024 pension 120 ->
120/123 = 0.975610 (yellow); health 94 = standard -> ratio 1, no warning (strictly below).
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from regcoord.errors import DataError
from regcoord.public_services import standard_gaps

D = Decimal


def data() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region": ["甲", "乙", "甲", "乙"],
            "year": [2023, 2023, 2024, 2024],
            "resident_basic_pension": [200, 85, 210, 120],
            "public_health_subsidy": [95, 70, 100, 94],
        }
    )


def test_gaps_by_hand():
    res = standard_gaps(data())
    g = res.gaps.set_index(["region", "year", "indicator"])
    assert g.loc[("乙", 2023, "resident_basic_pension"), "standard"] == D(103)
    assert g.loc[("乙", 2023, "resident_basic_pension"), "gap"] == D(-18)
    assert g.loc[("乙", 2023, "resident_basic_pension"), "ratio"] == pytest.approx(85 / 103)
    assert g.loc[("乙", 2024, "resident_basic_pension"), "standard"] == D(123)
    assert g.loc[("乙", 2023, "public_health_subsidy"), "ratio"] == pytest.approx(70 / 89)
    assert g.loc[("甲", 2024, "public_health_subsidy"), "gap"] == D(6)
    assert len(res.below()) == 3
    assert set(g["label"]) == {"U"} and "发改社会〔2021〕443号" in g["source"].iloc[0]


def test_warning_levels_by_hand():
    w = standard_gaps(data()).warning.to_frame().set_index(["region", "year"])
    assert w.loc[("乙", 2023), "level_en"] == "red"  # health 0.7865 < 0.8
    assert w.loc[("乙", 2024), "level_en"] == "yellow"  # pension 0.9756 < 1; health exactly 1
    assert w.loc[("甲", 2023), "level_en"] == "green"
    assert w.loc[("乙", 2024), "rules"] == "resident_basic_pension_below_standard"


def test_user_standard_and_years_without_standard():
    d = data()
    d["school_spending"] = [900, 500, 950, 640]
    res = standard_gaps(d, extra_standards={"school_spending": 650})
    g = res.gaps.set_index(["region", "year", "indicator"])
    assert g.loc[("乙", 2023, "school_spending"), "gap"] == D(-150)
    # the medical-insurance subsidy has values 2021-2024 only: for 2025 nothing is left to compare
    d2 = pd.DataFrame({"region": ["甲"], "year": [2025], "resident_medical_insurance_subsidy": [700]})
    with pytest.raises(DataError, match="no indicator-year"):
        standard_gaps(d2)


def test_bad_input():
    with pytest.raises(DataError, match="no indicator column"):
        standard_gaps(data()[["region", "year"]])
    d = data().astype(object)
    d.loc[1, "public_health_subsidy"] = "n/a"
    with pytest.raises(DataError) as e:
        standard_gaps(d)
    assert (e.value.row, e.value.column) == (2, "public_health_subsidy")
