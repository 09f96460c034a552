"""Inequality indices: PySAL on the Mexico and US panels, hand calculations, properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from inequality.atkinson import atkinson as pysal_atkinson
from inequality.gini import Gini
from inequality.theil import Theil

from regcoord.errors import DataError
from regcoord.measure.inequality import (
    IndexSeries,
    atkinson,
    cv,
    gini,
    inequality,
    max_min_ratio,
    quantile_ratio,
    theil_l,
    theil_t,
    williamson_cv,
)

# -- PySAL on real panels -----------------------------------------------------------------------

# Documented in inequality.theil.Theil (Mexico pcgdp 1940..2000), see shared/domain/measurement.md
MEXICO_THEIL = [0.20894344, 0.15222451, 0.10472941, 0.10194725, 0.09560113, 0.10511256, 0.10660832]


@pytest.fixture(scope="module")
def mexico(mexico_panel):
    return mexico_panel.matrix("pcgdp")


@pytest.fixture(scope="module")
def us(us_panel):
    return us_panel.matrix("income_pc")


def test_theil_t_reproduces_pysal_documented_values(mexico):
    t = theil_t(mexico)
    assert t.years == (1940, 1950, 1960, 1970, 1980, 1990, 2000)
    np.testing.assert_allclose(t.values, MEXICO_THEIL, atol=5e-9)
    assert not t.weighted


@pytest.mark.parametrize("panel", ["mexico", "us"])
def test_theil_and_gini_equal_pysal_on_panels(panel, request):
    m = request.getfixturevalue(panel)
    # PySAL takes (n, t): regions in rows
    np.testing.assert_allclose(theil_t(m).values, Theil(m.values.T).T, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gini(m).values, [Gini(row).g for row in m.values], rtol=1e-10)


@pytest.mark.parametrize("eps", [0.5, 1.0, 2.0, 3.0])
def test_atkinson_equals_pysal(us, eps):
    ours = atkinson(us, epsilon=eps).values
    theirs = [pysal_atkinson(row, eps) for row in us.values]
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)


def test_cv_is_population_sd_over_mean(us):
    np.testing.assert_allclose(
        cv(us).values, us.values.std(axis=1, ddof=0) / us.values.mean(axis=1), rtol=1e-12
    )
    np.testing.assert_allclose(williamson_cv(us).values, cv(us).values, rtol=1e-12)


def test_quantile_ratio_unweighted_is_numpy_inverted_cdf(us):
    x = us.values
    expected = np.quantile(x, 0.9, axis=1, method="inverted_cdf") / np.quantile(
        x, 0.1, axis=1, method="inverted_cdf"
    )
    np.testing.assert_allclose(quantile_ratio(x).values, expected, rtol=1e-12)
    np.testing.assert_allclose(max_min_ratio(x).values, x.max(axis=1) / x.min(axis=1), rtol=1e-12)


def test_weighted_quantile_is_numpy_weighted_inverted_cdf():
    rng = np.random.default_rng(5)
    x, w = rng.lognormal(size=(4, 25)), rng.random((4, 25))
    for q_hi, q_lo in [(0.9, 0.1), (0.75, 0.25), (0.8, 0.2)]:
        expected = [
            np.quantile(x[t], q_hi, method="inverted_cdf", weights=w[t])
            / np.quantile(x[t], q_lo, method="inverted_cdf", weights=w[t])
            for t in range(4)
        ]
        got = quantile_ratio(x, weights=w, upper=q_hi, lower=q_lo).values
        np.testing.assert_allclose(got, expected, rtol=1e-12)


# -- hand calculations ------------------------------------------------------------------------------
# Three regions x = (1, 2, 4) with populations (1, 2, 1): p = (1/4, 1/2, 1/4),
# mu = 1/4 + 2/2 + 4/4 = 2.25.
X3 = [1.0, 2.0, 4.0]
W3 = [1.0, 2.0, 1.0]


def test_weighted_gini_by_hand():
    # pairs: |1-2| p=1/8, |1-4| p=1/16, |2-4| p=1/8; each unordered pair twice:
    # sum = 2 (1/8 * 1 + 1/16 * 3 + 1/8 * 2) = 1.125;  G = 1.125 / (2 * 2.25) = 0.25
    assert gini(X3, weights=W3).scalar == pytest.approx(0.25, abs=1e-15)
    # unweighted: mu = 7/3, sum of ordered |diffs| = 2 (1 + 3 + 2) = 12, G = 12 / (9 * 2 * 7/3) = 2/7
    assert gini(X3).scalar == pytest.approx(2 / 7, abs=1e-15)


def test_williamson_cv_by_hand():
    # var = 1/4 (1-2.25)^2 + 1/2 (2-2.25)^2 + 1/4 (4-2.25)^2 = 0.390625 + 0.03125 + 0.765625 = 1.1875
    assert williamson_cv(X3, weights=W3).scalar == pytest.approx(math.sqrt(1.1875) / 2.25, abs=1e-15)


def test_theil_by_hand():
    mu = 2.25
    t = (
        0.25 * (1 / mu) * math.log(1 / mu)
        + 0.5 * (2 / mu) * math.log(2 / mu)
        + 0.25 * (4 / mu) * math.log(4 / mu)
    )
    assert theil_t(X3, weights=W3).scalar == pytest.approx(t, abs=1e-15)
    # L = ln mu - (1/4 ln 1 + 1/2 ln 2 + 1/4 ln 4) = ln 2.25 - ln 2 = ln 1.125
    assert theil_l(X3, weights=W3).scalar == pytest.approx(math.log(1.125), abs=1e-15)


def test_atkinson_by_hand():
    # eps = 1: geometric mean exp(1/2 ln 2 + 1/4 ln 4) = 2, A = 1 - 2 / 2.25 = 1/9
    assert atkinson(X3, weights=W3, epsilon=1.0).scalar == pytest.approx(1 / 9, abs=1e-15)
    # eps = 2: harmonic mean 1 / (1/4 + 1/4 + 1/16) = 16/9, A = 1 - (16/9) / 2.25 = 17/81
    assert atkinson(X3, weights=W3, epsilon=2.0).scalar == pytest.approx(17 / 81, abs=1e-15)
    # eps = 0.5: (1/4 sqrt(1) + 1/2 sqrt(2) + 1/4 sqrt(4))^2 / 2.25
    ede = (0.25 + 0.5 * math.sqrt(2) + 0.5) ** 2
    assert atkinson(X3, weights=W3, epsilon=0.5).scalar == pytest.approx(1 - ede / 2.25, abs=1e-15)
    # eps = 0: no aversion, A = 0
    assert atkinson(X3, weights=W3, epsilon=0.0).scalar == pytest.approx(0.0, abs=1e-15)


def test_weighted_quantiles_by_hand():
    # sorted x = 1, 2, 4 with cumulative shares 1/4, 3/4, 1: Q(.9) = 4, Q(.1) = 1; Q(.75) = 2, Q(.25) = 1
    assert quantile_ratio(X3, weights=W3).scalar == 4.0
    assert quantile_ratio(X3, weights=W3, upper=0.75, lower=0.25).scalar == 2.0
    assert max_min_ratio(X3, weights=W3).scalar == 4.0
    # a region of zero weight is not part of the population
    assert max_min_ratio(X3, weights=[1.0, 2.0, 0.0]).scalar == 2.0


def test_inequality_holds_every_index(mexico):
    r = inequality(mexico, weights=None)
    np.testing.assert_allclose(r.theil_t, MEXICO_THEIL, atol=5e-9)
    np.testing.assert_allclose(r.gini, gini(mexico).values, rtol=1e-14)
    np.testing.assert_allclose(r.theil_l, theil_l(mexico).values, rtol=1e-14)
    np.testing.assert_allclose(r.atkinson[2.0], atkinson(mexico, epsilon=2.0).values, rtol=1e-14)
    assert r.epsilons == (0.5, 1.0, 2.0)
    rec = r.records()[0]
    assert rec["year"] == 1940 and rec["n"] == 32
    assert set(rec["atkinson"]) == {"0.5", "1.0", "2.0"}
    frame = r.to_frame()
    assert list(frame.index) == list(mexico.years)
    assert frame.loc[1940, "gini"] == pytest.approx(r.gini[0])


def test_weighted_china_uses_population(china_panel):
    from regcoord.measure._validation import from_panel

    v, w = from_panel(china_panel, "gdp_per_capita", weight="population")
    r = inequality(v, weights=w)
    assert r.weighted and r.years == tuple(range(2015, 2024))
    # the weighted mean of GDP per capita is national GDP / national population
    gdp = china_panel.matrix("gdp", years=v.years, regions=v.regions).values
    np.testing.assert_allclose(
        (w.values * v.values).sum(1) / w.values.sum(1), gdp.sum(1) * 1e4 / w.values.sum(1)
    )
    assert not np.allclose(r.williamson_cv, r.cv)


def test_panel_equals_year_by_year(us):
    whole = inequality(us.values[:5])
    for t in range(5):
        one = inequality(us.values[t])
        for name, col in whole.columns().items():
            assert one.columns()[name][0] == pytest.approx(col[t], rel=1e-13)


# -- results and errors -----------------------------------------------------------------------------
def test_index_series_api(mexico):
    s = gini(mexico)
    assert isinstance(s, IndexSeries)
    d = s.to_dict()
    assert d["name"] == "gini" and d["years"][0] == 1940 and len(d["values"]) == 7
    assert s.to_frame().loc[2000, "gini"] == pytest.approx(s.values[-1])
    with pytest.raises(DataError):
        _ = s.scalar
    assert float(gini(mexico.values[0])) == pytest.approx(s.values[0])


def test_bad_input_raises_data_error():
    with pytest.raises(DataError, match="region #1"):
        gini([1.0, -2.0, 3.0])
    with pytest.raises(DataError, match="positive"):
        theil_l([1.0, 0.0, 3.0])
    with pytest.raises(DataError, match="williamson_cv"):
        cv([1.0, 2.0], weights=[1.0, 1.0])
    with pytest.raises(DataError, match="epsilon"):
        atkinson([1.0, 2.0], epsilon=-1)
    with pytest.raises(DataError, match="mean is 0"):
        gini([0.0, 0.0, 0.0])
    with pytest.raises(DataError):
        quantile_ratio([1.0, 2.0], upper=0.1, lower=0.9)
    with pytest.raises(DataError, match="weight"):
        gini([1.0, 2.0], weights=[1.0, np.nan])


def test_zeros_allowed_where_defined():
    # 0 ln 0 = 0: x = (0, 2), mu = 1: T = 1/2 * 2 ln 2 = ln 2
    assert theil_t([0.0, 2.0]).scalar == pytest.approx(math.log(2))
    # G = 2 * 2 / (2 * 4 * 1) = 1/2
    assert gini([0.0, 2.0]).scalar == pytest.approx(0.5)


# -- properties --------------------------------------------------------------------------------------
positive = st.floats(0.1, 1000.0, allow_nan=False, allow_infinity=False)
incomes = arrays(np.float64, st.integers(2, 25), elements=positive)
ALL = ("cv", "williamson_cv", "gini", "theil_t", "theil_l", "max_min_ratio", "quantile_ratio")


def _cols(r):
    return r.columns()


@settings(max_examples=60, deadline=None)
@given(incomes, st.floats(0.01, 100.0))
def test_scale_invariance(x, k):
    a, b = _cols(inequality(x)), _cols(inequality(k * x))
    for name in a:
        np.testing.assert_allclose(b[name], a[name], rtol=1e-9, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 30), positive)
def test_equal_incomes_have_no_inequality(n, level):
    r = inequality(np.full(n, level), weights=np.arange(1.0, n + 1))
    for name in ("cv", "williamson_cv", "gini", "theil_t", "theil_l"):
        assert abs(getattr(r, name)[0]) < 1e-12
    for a in r.atkinson.values():
        assert abs(a[0]) < 1e-12
    assert r.max_min_ratio[0] == 1.0 and r.quantile_ratio[0] == 1.0


@settings(max_examples=60, deadline=None)
@given(incomes, st.floats(0.1, 50.0))
def test_unit_weights_equal_unweighted(x, c):
    a, b = _cols(inequality(x)), _cols(inequality(x, weights=np.full(x.size, c)))
    for name in a:
        np.testing.assert_allclose(b[name], a[name], rtol=1e-10, atol=1e-13)


@settings(max_examples=60, deadline=None)
@given(incomes, st.data())
def test_population_replication(x, data):
    # weighting region i by an integer k_i equals listing it k_i times
    k = np.array(data.draw(st.lists(st.integers(1, 4), min_size=x.size, max_size=x.size)))
    a = _cols(inequality(x, weights=k))
    b = _cols(inequality(np.repeat(x, k)))
    for name in a:
        if name == "cv":  # cv is unweighted by definition
            continue
        np.testing.assert_allclose(a[name], b[name], rtol=1e-9, atol=1e-12)
    # duplicating every region (weight 2 for all) changes nothing, cv included
    c, d = _cols(inequality(x)), _cols(inequality(np.repeat(x, 2)))
    for name in c:
        np.testing.assert_allclose(c[name], d[name], rtol=1e-9, atol=1e-12)


@settings(max_examples=80, deadline=None)
@given(
    arrays(np.float64, st.integers(2, 20), elements=positive, unique=True), st.data(), st.floats(0.01, 1.0)
)
def test_pigou_dalton_transfer_lowers_inequality(x, data, frac):
    i, j = data.draw(st.lists(st.integers(0, x.size - 1), min_size=2, max_size=2, unique=True))
    rich, poor = (i, j) if x[i] > x[j] else (j, i)
    w = data.draw(arrays(np.float64, x.size, elements=st.floats(0.1, 10.0)))
    for weights in (np.ones(x.size), w):
        # move income D from the rich region to the poor one (per capita: -D/w_rich, +D/w_poor),
        # the mean is kept and the rich stays at least as rich as the poor
        d = frac * (x[rich] - x[poor]) / (1 / weights[rich] + 1 / weights[poor])
        y = x.copy()
        y[rich] -= d / weights[rich]
        y[poor] += d / weights[poor]
        before, after = inequality(x, weights=weights), inequality(y, weights=weights)
        assert np.average(y, weights=weights) == pytest.approx(np.average(x, weights=weights))
        for name in ("williamson_cv", "gini", "theil_t", "theil_l"):
            assert getattr(after, name)[0] < getattr(before, name)[0] + 1e-15, name
        for e in (0.5, 1.0, 2.0):
            assert after.atkinson[e][0] < before.atkinson[e][0] + 1e-15


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(2, 15)), elements=positive))
def test_gini_sorting_formula_equals_pairwise_definition(x):
    p = np.linspace(1.0, 2.0, x.shape[1])
    ps = p / p.sum()
    expected = [
        (ps[:, None] * ps[None, :] * np.abs(row[:, None] - row[None, :])).sum() / (2 * (ps * row).sum())
        for row in x
    ]
    np.testing.assert_allclose(gini(x, weights=p).values, expected, rtol=1e-10, atol=1e-14)
