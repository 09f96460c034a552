"""Outlier treatment against COINr's documented output on its ASEM example data.

Fixture ``data/coinr_asem_idata.csv``: COINr's example data set ``ASEM_iData`` (COINr 1.1.14, MIT licence, github.com/bluefoxr/COINr, data/ASEM_iData.rda,
read with pyreadr), the ASEM Sustainable Connectivity data of the JRC.  Expected values:
the tables printed in COINr's "Data treatment" vignette (docs/articles/treat.html,
``coin$Analysis$Treated$Dets_Table`` for the default treatment and for ``winmax = 1``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regcoord.errors import DataError
from regcoord.measure.treatment import kurt, skewness, treat_outliers

ASEM = Path(__file__).parent / "data" / "coinr_asem_idata.csv"
COLUMNS = ["LPI", "Flights", "Ship", "Bord", "Elec", "Gas", "ConSpeed", "Cov4G", "Goods", "Services"]

# iCode: (skew0, kurt0, pass0, nwin, skew1, kurt1) as printed by COINr (7 significant digits)
DEFAULT = {
    "LPI": (-0.3042681, -0.6567514, True, None, None, None),
    "Flights": (2.1032872, 4.5088794, False, 1, 1.900658, 3.336065),
    "Ship": (-0.5756680, -0.6814795, True, None, None, None),
    "Bord": (2.1482360, 5.7914905, False, 1, 1.899211, 4.346298),
    "Elec": (2.2252736, 5.7910268, False, 1, 1.717744, 2.586062),
    "Gas": (2.8294486, 10.3346494, False, 1, 1.602518, 1.525576),
    "ConSpeed": (0.4622037, 0.1873214, True, None, None, None),
    "Cov4G": (-1.3725191, 0.5419314, True, None, None, None),
    "Services": (1.7010849, 2.3756557, True, None, None, None),
}


@pytest.fixture(scope="module")
def asem() -> pd.DataFrame:
    return pd.read_csv(ASEM, index_col="uCode")[COLUMNS]


def test_default_treatment_matches_coinr_vignette(asem):
    r = treat_outliers(asem)
    rep = r.report.set_index("indicator")
    for code, (s0, k0, p0, nwin, s1, k1) in DEFAULT.items():
        row = rep.loc[code]
        assert row.skew_before == pytest.approx(s0, abs=5e-7), code
        assert row.kurt_before == pytest.approx(k0, abs=5e-7), code
        assert bool(row.passed_before) is p0
        if nwin is None:
            assert row.action == "none" and row.winsorised == 0
            np.testing.assert_array_equal(r.values[code], asem[code])
        else:
            assert row.action == "winsorised" and row.winsorised == nwin
            assert row.skew_after == pytest.approx(s1, abs=5e-6) and row.kurt_after == pytest.approx(
                k1, abs=5e-6
            )
    # the table of points names the winsorised unit and its values before and after
    pts = r.points[r.points.indicator == "Flights"]
    assert len(pts) == 1 and pts.iloc[0].treatment == "winhi"
    assert pts.iloc[0].before == asem["Flights"].max()
    assert pts.iloc[0].after == asem["Flights"].sort_values().iloc[-2]


def test_winmax_one_falls_back_to_the_log_as_coinr(asem):
    r = treat_outliers(asem, winmax=1)
    goods = r.report.set_index("indicator").loc["Goods"]
    assert goods.skew_before == pytest.approx(2.6499733, abs=5e-7)
    assert goods.kurt_before == pytest.approx(8.2666095, abs=5e-7)
    assert goods.action == "log"
    assert goods.skew_after == pytest.approx(0.03104001, abs=5e-8)
    assert goods.kurt_after == pytest.approx(-0.8888965, abs=5e-7)
    x = asem["Goods"].to_numpy()
    by_hand = np.log(x - x.min() + 0.01 * (x.max() - x.min()))  # COIN Tool log
    np.testing.assert_allclose(r.values["Goods"], by_hand, rtol=1e-15)


def test_per_indicator_methods_and_failure_reported(asem):
    r = treat_outliers(asem, method={"Gas": "log", "Bord": "none"}, fallback="none", winmax=1)
    rep = r.report.set_index("indicator")
    assert rep.loc["Gas", "action"] == "log"
    assert rep.loc["Bord", "action"] == "none" and not rep.loc["Bord", "passed_after"]
    assert rep.loc["Goods", "action"] == "failed"  # winsorising one point is not enough, no fallback
    np.testing.assert_array_equal(r.values["Goods"], asem["Goods"])


def test_missing_values_are_left_alone(asem):
    r = treat_outliers(asem)
    assert r.values["ConSpeed"].isna().sum() == asem["ConSpeed"].isna().sum() == 8


def test_skewness_and_kurtosis_by_hand():
    x = np.array([1.0, 2.0, 3.0, 10.0])
    n = 4
    d = x - x.mean()
    m2, m3, m4 = (d**2).mean(), (d**3).mean(), (d**4).mean()
    g1 = np.sqrt(n * (n - 1)) / (n - 2) * m3 / m2**1.5
    g2 = (n - 1) * ((n + 1) * (m4 / m2**2 - 3) + 6) / ((n - 2) * (n - 3))
    assert skewness(x) == pytest.approx(g1, rel=1e-12)
    assert kurt(x) == pytest.approx(g2, rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=8, max_size=40, unique=True))
def test_winsorisation_keeps_order_and_range(xs):
    x = np.array(xs)
    r = treat_outliers(pd.DataFrame({"x": x}), fallback="none")
    y = r.values["x"].to_numpy()
    # winsorising never reorders units and never moves a value outside the original range
    assert (np.diff(y[np.argsort(x, kind="stable")]) >= 0).all()
    assert y.min() >= x.min() and y.max() <= x.max()
    row = r.report.iloc[0]
    assert row.winsorised == len(r.points) <= 5


def test_steps_that_cannot_apply_raise():
    with pytest.raises(DataError, match=r"column 'c'.*constant"):
        treat_outliers(pd.DataFrame({"c": [1.0] * 6}))
    with pytest.raises(DataError, match="3 value"):
        treat_outliers(pd.DataFrame({"a": [1.0, 2.0, np.nan, 5.0]}))
    with pytest.raises(DataError, match="treatment 'trim'"):
        treat_outliers(pd.DataFrame({"a": [1.0, 2, 3, 4, 5]}), method="trim")
    with pytest.raises(DataError, match="unknown indicator 'b'"):
        treat_outliers(pd.DataFrame({"a": [1.0, 2, 3, 4, 5]}), method={"b": "log"})
