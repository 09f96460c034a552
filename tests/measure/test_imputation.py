"""Imputation: hand calculations and the closed-form ML estimates of a monotone normal pattern."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from regcoord.errors import DataError
from regcoord.measure.imputation import impute, impute_em, impute_time_series


def test_group_mean_and_median_by_hand():
    t = pd.DataFrame(
        {"a": [1.0, np.nan, 4.0, 10.0, np.nan, 20.0], "b": [2.0, 3.0, np.nan, 5.0, 6.0, 7.0]},
        index=["p", "q", "r", "s", "u", "v"],
    )
    g = ["x", "x", "x", "y", "y", "y"]
    r = impute(t, groups=g)
    assert r.values.loc["q", "a"] == (1 + 4) / 2
    assert r.values.loc["u", "a"] == (10 + 20) / 2
    assert r.values.loc["r", "b"] == (2 + 3) / 2
    assert r.imputed[["unit", "indicator"]].values.tolist() == [["q", "a"], ["r", "b"], ["u", "a"]]
    med = impute(t.assign(a=[1.0, np.nan, 4.0, 9.0, 10.0, 20.0]), method="group_median", groups=g)
    assert med.values.loc["q", "a"] == 2.5
    overall = impute(t)  # no groups: the indicator's mean over all units
    assert overall.values.loc["q", "a"] == pytest.approx((1 + 4 + 10 + 20) / 4)


def test_group_without_observations_raises_naming_the_cell():
    t = pd.DataFrame({"a": [1.0, 2.0, np.nan, np.nan]}, index=["p", "q", "r", "s"])
    with pytest.raises(DataError, match="column 'a': unit 'r': group 'y'"):
        impute(t, groups=["x", "x", "y", "y"])
    with pytest.raises(DataError, match="imputation method 'knn'"):
        impute(t, method="knn")


def test_em_equals_the_closed_form_ml_regression_for_a_monotone_pattern():
    # x1 observed for all n units, x2 for the first r: the ML estimates have a closed form
    # (Anderson 1957; Little and Rubin 2002, section 7.2) and EM's imputation of x2 is the
    # ML regression of x2 on x1 fitted on the complete units: b0 + b1 x1
    rng = np.random.default_rng(11)
    n, r = 60, 40
    x1 = rng.normal(5.0, 2.0, n)
    x2 = 1.0 + 0.7 * x1 + rng.normal(0.0, 1.0, n)
    x2_obs = x2.copy()
    x2_obs[r:] = np.nan
    res = impute_em(pd.DataFrame({"x1": x1, "x2": x2_obs}), tol=1e-13)
    c1, c2 = x1[:r], x2[:r]
    b1 = np.cov(c1, c2, bias=True)[0, 1] / np.var(c1)
    b0 = c2.mean() - b1 * c1.mean()
    np.testing.assert_allclose(res.values["x2"].to_numpy()[r:], b0 + b1 * x1[r:], rtol=1e-9)
    np.testing.assert_array_equal(res.values["x1"], x1)
    assert res.iterations is not None and res.iterations > 1
    assert len(res.imputed) == n - r


def test_em_errors():
    with pytest.raises(DataError, match="never observed"):
        impute_em(pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [np.nan] * 4}))
    with pytest.raises(DataError, match="unit 2 has no observed indicator"):
        impute_em(pd.DataFrame({"a": [1.0, 2, np.nan, 4], "b": [1.0, 3, np.nan, 2]}))


def test_time_series_linear_and_latest_by_hand():
    long = pd.DataFrame(
        {
            "region": ["11"] * 5 + ["12"] * 5,
            "year": [2019, 2020, 2021, 2022, 2023] * 2,
            "indicator": ["gdp"] * 10,
            "value": [1.0, np.nan, np.nan, 4.0, np.nan, np.nan, 2.0, np.nan, 8.0, 10.0],
        }
    )
    lin = impute_time_series(long).values.set_index(["region", "year"])["value"]
    assert lin[("11", 2020)] == pytest.approx(2.0) and lin[("11", 2021)] == pytest.approx(3.0)
    assert lin[("11", 2023)] == 4.0 and lin[("12", 2019)] == 2.0 and lin[("12", 2021)] == 5.0
    latest = impute_time_series(long, how="latest").values.set_index(["region", "year"])["value"]
    assert latest[("11", 2021)] == 1.0 and latest[("12", 2019)] == 2.0 and latest[("12", 2021)] == 2.0
    with pytest.raises(DataError, match="region '13' has no observed year"):
        impute_time_series(
            pd.DataFrame(
                {"region": ["13", "13"], "year": [1, 2], "indicator": ["g", "g"], "value": [np.nan] * 2}
            )
        )
