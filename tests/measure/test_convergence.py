"""Convergence: against numpy least squares, hand-written HC1, giddy itself and giddy's docs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from regcoord.errors import DataError
from regcoord.measure.convergence import (
    beta_convergence,
    markov_transitions,
    panel_beta_convergence,
    sigma_convergence,
    speed_half_life,
)


@pytest.fixture(scope="module")
def mexico(mexico_panel):
    return mexico_panel.matrix("pcgdp")


def test_beta_equals_lstsq_and_hand_hc1(mexico):
    x = mexico.values
    T = 2000 - 1940
    g = (np.log(x[-1]) - np.log(x[0])) / T
    X = np.column_stack([np.ones(32), np.log(x[0])])
    coef, *_ = np.linalg.lstsq(X, g, rcond=None)
    r = beta_convergence(mexico)
    assert r.beta == pytest.approx(coef[1], abs=1e-10)
    # HC1 by hand: (X'X)^-1 X' diag(e^2) X (X'X)^-1 * n / (n - k)
    e = g - X @ coef
    bread = np.linalg.inv(X.T @ X)
    V = bread @ (X.T * e**2) @ X @ bread * 32 / (32 - 2)
    assert r.se == pytest.approx(math.sqrt(V[1, 1]), rel=1e-10)
    assert r.t == pytest.approx(coef[1] / math.sqrt(V[1, 1]), rel=1e-10)
    tss = ((g - g.mean()) ** 2).sum()
    assert r.r2 == pytest.approx(1 - (e**2).sum() / tss, rel=1e-10)
    # speed and half-life by hand: lambda = -ln(1 + T beta) / T, half-life ln 2 / lambda
    lam = -math.log(1 + T * coef[1]) / T
    assert r.speed == pytest.approx(lam, rel=1e-10)
    assert r.half_life == pytest.approx(math.log(2) / lam, rel=1e-10)
    assert r.converging and r.kind == "absolute" and r.span == 60


def test_conditional_beta_equals_lstsq(mexico, mexico_panel):
    region = np.array(mexico_panel.group_labels("hanson98", mexico.regions), dtype=float)
    ctrl = {"south": (region == 5).astype(float)}
    x = mexico.values
    g = (np.log(x[-1]) - np.log(x[0])) / 60
    X = np.column_stack([np.ones(32), np.log(x[0]), ctrl["south"]])
    coef, *_ = np.linalg.lstsq(X, g, rcond=None)
    r = beta_convergence(mexico, controls=ctrl)
    assert r.kind == "conditional"
    assert r.beta == pytest.approx(coef[1], abs=1e-10)
    assert r.coefficients.loc["south", "coef"] == pytest.approx(coef[2], abs=1e-10)


def test_no_convergence_is_flagged_not_a_number():
    # richer regions grow faster: beta > 0
    x0 = np.array([1.0, 2.0, 4.0, 8.0])
    x = np.vstack([x0, x0**1.5])
    r = beta_convergence(x, years=[2000, 2010])
    assert r.beta > 0 and not r.converging
    assert math.isnan(r.speed) and math.isnan(r.half_life)
    assert "no beta-convergence" in r.notes[0]


def test_speed_undefined_when_one_plus_t_beta_nonpositive():
    lam, hl, conv, why = speed_half_life(-0.2, 10.0)  # 1 + 10 * (-0.2) = -1
    assert math.isnan(lam) and math.isnan(hl) and conv
    assert "<= 0" in why
    lam, hl, _, _ = speed_half_life(-0.02, 10.0)
    assert lam == pytest.approx(-math.log(0.8) / 10) and hl == pytest.approx(math.log(2) / lam)


def test_panel_beta_equals_within_estimator(mexico):
    lx = np.log(mexico.values)
    g = (lx[1:] - lx[:-1]) / 10
    lag = lx[:-1]
    # Frisch-Waugh-Lovell: the LSDV slope equals OLS on data demeaned by region
    gd = g - g.mean(axis=0)
    ld = lag - lag.mean(axis=0)
    slope = (gd * ld).sum() / (ld**2).sum()
    r = panel_beta_convergence(mexico)
    assert r.beta == pytest.approx(slope, abs=1e-10)
    assert r.nobs == 6 * 32 and r.span == 10
    assert r.speed == pytest.approx(-math.log(1 + 10 * slope) / 10, rel=1e-10)


def test_panel_beta_needs_equal_spacing():
    x = np.exp(np.random.default_rng(0).normal(size=(4, 5)))
    with pytest.raises(DataError, match="equally spaced"):
        panel_beta_convergence(x, years=[2000, 2001, 2003, 2004])


def test_sigma_by_hand(mexico):
    r = sigma_convergence(mexico)
    x = mexico.values
    np.testing.assert_allclose(r.sd_log, np.log(x).std(axis=1), rtol=1e-12)
    np.testing.assert_allclose(r.cv, x.std(axis=1) / x.mean(axis=1), rtol=1e-12)
    slope, _ = np.polyfit(np.array(mexico.years, dtype=float), r.sd_log, 1)
    assert r.trend_sd_log.slope == pytest.approx(slope, rel=1e-9)
    assert r.trend_sd_log.slope < 0
    assert r.to_frame().shape == (7, 2)


def test_markov_by_year_quintiles_match_giddy_and_its_docs(us_panel):
    import mapclassify as mc
    from giddy.markov import Markov

    m = us_panel.matrix("income_pc")
    r = markov_transitions(m, classes="quantile_by_year")
    q5 = np.array([mc.Quantiles(y, k=5).yb for y in m.values]).T
    ref = Markov(q5, summary=False)
    np.testing.assert_array_equal(r.transitions, ref.transitions)
    np.testing.assert_allclose(r.p, ref.p, rtol=1e-12)
    # giddy documentation (Markov, usjoin quintiles): first row of transition counts
    np.testing.assert_array_equal(r.transitions[0], [729, 71, 1, 0, 0])
    np.testing.assert_allclose(r.p[0, :3], [0.91011236, 0.0886392, 0.00124844], atol=1e-8)


def test_markov_pooled_relative_income_matches_giddy(us_panel):
    import mapclassify as mc
    from giddy.markov import Markov

    m = us_panel.matrix("income_pc")
    r = markov_transitions(m)
    rel = (m.values / m.values.mean(axis=1, keepdims=True)).T  # (n, T)
    rq = mc.Quantiles(rel.flatten(), k=5).yb.reshape(rel.shape)
    ref = Markov(rq, summary=False)
    np.testing.assert_allclose(r.p, ref.p, rtol=1e-12)
    np.testing.assert_allclose(r.steady_state, ref.steady_state, rtol=1e-10)
    assert r.steady_state.sum() == pytest.approx(1.0)
    # giddy documentation (relative income, pooled quintiles): p[0] = 0.915, 0.075, 0.009, 0.001, 0
    np.testing.assert_allclose(r.p[0], [0.91461837, 0.07503234, 0.00905563, 0.00129366, 0.0], atol=1e-8)


def test_markov_explicit_bounds_counts_by_hand():
    # relative values per year: (0.5, 1.5), (1.5, 0.5), (1.5, 0.5); bound 1.0
    # region 0: classes 0 -> 1 -> 1; region 1: 1 -> 0 -> 0  => counts 0->0: 1, 0->1: 1, 1->0: 1, 1->1: 1
    x = np.array([[1.0, 3.0], [3.0, 1.0], [3.0, 1.0]])
    r = markov_transitions(x, classes=[1.0])
    np.testing.assert_array_equal(r.transitions, [[1, 1], [1, 1]])
    np.testing.assert_allclose(r.p, [[0.5, 0.5], [0.5, 0.5]])
    np.testing.assert_allclose(r.steady_state, [0.5, 0.5])
    x2 = np.array(
        [[1.0, 3.0, 2.0], [1.0, 3.0, 2.0], [3.0, 1.0, 2.0]]
    )  # relative 0.5, 1.5, 1.0 then 1.5, 0.5, 1.0
    r2 = markov_transitions(x2, classes=[0.75, 1.25])
    # classes: (0, 2, 1), (0, 2, 1), (2, 0, 1): 0->0, 2->2, 1->1 then 0->2, 2->0, 1->1
    np.testing.assert_array_equal(r2.transitions, [[1, 0, 1], [0, 2, 0], [1, 0, 1]])


def test_converging_needs_significance():
    """beta < 0 but p >= 5 %: no convergence claimed, the note says why (issue 12)."""
    rng = np.random.default_rng(5)
    x0 = rng.lognormal(0, 0.3, 12)
    xT = x0 * np.exp(rng.normal(0.5, 0.3, 12)) * x0**-0.02  # a weak catch-up buried in noise
    r = beta_convergence(np.vstack([x0, xT]), years=[2000, 2010])
    assert r.beta < 0 and r.pvalue >= 0.05
    assert not r.converging
    assert any("not significant" in n for n in r.notes)
    assert np.isfinite(r.half_life)  # still reported, for reference
    loose = beta_convergence(np.vstack([x0, xT]), years=[2000, 2010], level=0.99)
    assert loose.converging == (loose.pvalue < 0.99)
    with pytest.raises(DataError, match="significance level"):
        beta_convergence(np.vstack([x0, xT]), level=5)


def test_markov_without_steady_state_says_why():
    # classes 1 and 2 never mix: two closed sets, each with its own long-run distribution
    x = np.array([[1.0, 1.1, 5.0, 5.2], [1.1, 1.0, 5.2, 5.0], [1.0, 1.1, 5.0, 5.2]])
    r = markov_transitions(x, classes=[1.0])
    assert np.isnan(r.steady_state).all()
    assert "closed set(s) of classes {1}, {2}" in r.notes[0]
