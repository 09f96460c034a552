"""Theil (one-level, nested) and Dagum Gini decompositions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from inequality.theil import TheilD

from regcoord.errors import DataError
from regcoord.measure.decomposition import gini_decomposition, nested_theil, theil_decomposition
from regcoord.measure.inequality import gini, theil_l, theil_t

# Documented in inequality.theil.TheilD (Mexico, hanson98), see shared/domain/measurement.md
MEXICO_BG = [0.0345889, 0.02816853, 0.05260921, 0.05931219, 0.03205257, 0.02963731, 0.03635872]
MEXICO_WG = [0.17435454, 0.12405598, 0.0521202, 0.04263506, 0.06354856, 0.07547525, 0.0702496]


@pytest.fixture(scope="module")
def mexico(mexico_panel):
    m = mexico_panel.matrix("pcgdp")
    return m, mexico_panel.group_labels("hanson98", m.regions)


def test_theil_decomposition_reproduces_pysal_documented_values(mexico):
    m, g = mexico
    d = theil_decomposition(m, g)
    np.testing.assert_allclose(d.between, MEXICO_BG, atol=5e-9)
    np.testing.assert_allclose(d.within, MEXICO_WG, atol=5e-9)
    t = TheilD(m.values.T, np.array(g))
    np.testing.assert_allclose(d.between, t.bg, rtol=1e-10)
    np.testing.assert_allclose(d.within, t.wg, rtol=1e-10)
    np.testing.assert_allclose(d.total, t.T, rtol=1e-10)
    assert d.years == m.years and d.kind == "T" and not d.weighted


def test_theil_decomposition_equals_pysal_on_us(us_panel):
    m = us_panel.matrix("income_pc")
    fips = us_panel.attributes.loc[list(m.regions), "STATE_FIPS"].astype(int).to_numpy()
    groups = (fips // 10).astype(int)  # an arbitrary but fixed partition by FIPS decade
    d = theil_decomposition(m, groups)
    t = TheilD(m.values.T, groups)
    np.testing.assert_allclose(d.between, t.bg, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(d.within, t.wg, rtol=1e-10, atol=1e-14)


# Hand calculation: four regions, x = (1, 3 | 2, 6), populations (1, 1 | 2, 2), groups a, b.
# p = (1/6, 1/6, 1/3, 1/3), mu = (1 + 3)/6 + (2 + 6)/3 = 2/3 + 8/3 = 10/3.
# Group a: P = 1/3, mu_a = 2; group b: P = 2/3, mu_b = 4.
X4 = [1.0, 3.0, 2.0, 6.0]
W4 = [1.0, 1.0, 2.0, 2.0]
G4 = ["a", "a", "b", "b"]


def test_weighted_theil_t_decomposition_by_hand():
    mu = 10 / 3
    between = 1 / 3 * (2 / mu) * math.log(2 / mu) + 2 / 3 * (4 / mu) * math.log(4 / mu)
    # within group a (equal weights inside): T_a = 1/2 (1/2 ln 1/2) + 1/2 (3/2 ln 3/2); b the same ratios
    t_a = 0.5 * 0.5 * math.log(0.5) + 0.5 * 1.5 * math.log(1.5)
    within = 1 / 3 * (2 / mu) * t_a + 2 / 3 * (4 / mu) * t_a
    d = theil_decomposition(X4, G4, weights=W4)
    assert d.between[0] == pytest.approx(between, abs=1e-15)
    assert d.within[0] == pytest.approx(within, abs=1e-15)
    assert d.group_index[0].tolist() == pytest.approx([t_a, t_a], abs=1e-15)
    assert d.groups == ("a", "b")
    assert d.population_share[0].tolist() == pytest.approx([1 / 3, 2 / 3])
    assert d.group_mean[0].tolist() == pytest.approx([2.0, 4.0])


def test_weighted_theil_l_decomposition_by_hand():
    mu = 10 / 3
    between = 1 / 3 * math.log(mu / 2) + 2 / 3 * math.log(mu / 4)
    l_a = 0.5 * math.log(2 / 1) + 0.5 * math.log(2 / 3)  # = L_b (same ratios)
    d = theil_decomposition(X4, G4, weights=W4, kind="L")
    assert d.between[0] == pytest.approx(between, abs=1e-15)
    assert d.within[0] == pytest.approx(l_a, abs=1e-15)  # 1/3 l_a + 2/3 l_a


def test_weighted_dagum_by_hand():
    # p = (1/6, 1/6, 1/3, 1/3), mu = 10/3. Pairs within a: |1-3| = 2 with p p = 1/36;
    # within b: |2-6| = 4 with 1/9. G_w = (2/36 + 4/9) / mu = (1/18 + 8/18) * 3/10 = 0.15.
    # Cross pairs (a, b), weights 1/18 each: |1-2| = 1, |1-6| = 5, |3-2| = 1, |3-6| = 3: sum 10/18.
    # Net between: P_a P_b |mu_a - mu_b| / mu = (2/9) * 2 * 3/10 = 2/15.
    # Transvariation: b is richer; a member of a above a member of b: 3 > 2 by 1, weight 1/18:
    # G_t = 2 * (1/18) / mu = 1/30.  Total: 0.15 + 2/15 + 1/30 = 19/60.
    d = gini_decomposition(X4, G4, weights=W4)
    assert d.within[0] == pytest.approx(0.15, abs=1e-15)
    assert d.net_between[0] == pytest.approx(2 / 15, abs=1e-15)
    assert d.overlap[0] == pytest.approx(1 / 30, abs=1e-15)
    assert d.gini[0] == pytest.approx(19 / 60, abs=1e-15)
    # G_ab = A_ab / (P_a P_b (mu_a + mu_b)) = (10/18) / (2/9 * 6) = 5/12;  D_ab = (2/9 * 2) / (10/18) = 0.8
    assert d.pair_gini[0, 0, 1] == pytest.approx(5 / 12, abs=1e-15)
    assert d.relative_affluence[0, 1, 0] == pytest.approx(0.8, abs=1e-15)
    # within-group Ginis: a: (2 * 1/4 * 2) / (2 * 2) = 1/4;  b: (2 * 1/4 * 4) / (2 * 4) = 1/4
    assert d.group_gini[0].tolist() == pytest.approx([0.25, 0.25], abs=1e-15)


def _dagum_bruteforce(x, p, g):
    """Textbook Dagum (1997) with O(n^2) pair sums and d_jh, p_jh as defined in the paper."""
    p = p / p.sum()
    mu = (p * x).sum()
    labels = sorted(set(g.tolist()))
    P = {j: p[g == j].sum() for j in labels}
    m = {j: (p * x)[g == j].sum() / P[j] for j in labels}
    s = {j: P[j] * m[j] / mu for j in labels}
    gw = gnb = gt = 0.0
    for a, j in enumerate(labels):
        xj, pj = x[g == j], p[g == j]
        A = (pj[:, None] * pj[None, :] * np.abs(xj[:, None] - xj[None, :])).sum()
        gw += A / (2 * P[j] ** 2 * m[j]) * P[j] * s[j]
        for h in labels[a + 1 :]:
            xh, ph = x[g == h], p[g == h]
            r, q = (j, h) if m[j] >= m[h] else (h, j)
            xr, pr, xq, pq = x[g == r], p[g == r], x[g == q], p[g == q]
            diff = xr[:, None] - xq[None, :]
            pp = pr[:, None] * pq[None, :]
            d_jh = (pp * np.clip(diff, 0, None)).sum()
            p_jh = (pp * np.clip(-diff, 0, None)).sum()
            Ajh = (pj[:, None] * ph[None, :] * np.abs(xj[:, None] - xh[None, :])).sum()
            if Ajh == 0:  # identical values across the two groups: no between inequality
                continue
            G_jh = Ajh / (P[j] * P[h] * (m[j] + m[h]))
            D = (d_jh - p_jh) / (d_jh + p_jh)
            gnb += G_jh * (P[j] * s[h] + P[h] * s[j]) * D
            gt += G_jh * (P[j] * s[h] + P[h] * s[j]) * (1 - D)
    return gw, gnb, gt


@settings(max_examples=50, deadline=None)
@given(
    arrays(np.float64, st.tuples(st.integers(1, 3), st.integers(3, 20)), elements=st.floats(0.0, 100.0)),
    st.data(),
)
def test_dagum_equals_textbook_and_adds_up(x, data):
    n = x.shape[1]
    x = x + 0.01  # keep means positive
    g = np.array(data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)))
    w = data.draw(arrays(np.float64, n, elements=st.floats(0.1, 5.0)))
    for weights in (None, w):
        d = gini_decomposition(x, g, weights=weights)
        np.testing.assert_allclose(d.within + d.net_between + d.overlap, d.gini, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(d.gini, gini(x, weights=weights).values, rtol=1e-12, atol=1e-15)
        for t in range(x.shape[0]):
            gw, gnb, gt = _dagum_bruteforce(x[t], np.ones(n) if weights is None else weights, g)
            assert d.within[t] == pytest.approx(gw, rel=1e-9, abs=1e-13)
            assert d.net_between[t] == pytest.approx(gnb, rel=1e-9, abs=1e-13)
            assert d.overlap[t] == pytest.approx(gt, rel=1e-9, abs=1e-13)


def test_dagum_single_group_is_all_within(mexico):
    m, _ = mexico
    d = gini_decomposition(m, ["all"] * 32)
    np.testing.assert_allclose(d.within, gini(m).values, rtol=1e-12)
    assert np.all(d.net_between == 0) and np.all(d.overlap == 0)


groups_strategy = st.integers(3, 25).flatmap(
    lambda n: st.tuples(
        arrays(np.float64, (2, n), elements=st.floats(0.1, 1000.0)),
        st.lists(st.integers(0, 4), min_size=n, max_size=n),
        arrays(np.float64, n, elements=st.floats(0.01, 10.0)),
    )
)


@settings(max_examples=80, deadline=None)
@given(groups_strategy, st.sampled_from(["T", "L"]), st.booleans())
def test_theil_decomposition_adds_up(case, kind, weighted):
    x, g, w = case
    weights = w if weighted else None
    d = theil_decomposition(x, g, weights=weights, kind=kind)
    np.testing.assert_allclose(d.between + d.within, d.total, rtol=1e-10, atol=1e-13)
    direct = theil_t(x, weights=weights) if kind == "T" else theil_l(x, weights=weights)
    np.testing.assert_allclose(d.total, direct.values, rtol=1e-12, atol=1e-15)
    assert np.all(d.between >= -1e-14) and np.all(d.within >= -1e-14)
    # the within part is the share-weighted sum of the groups' own indices
    P, mu_g = d.population_share, d.group_mean
    mu = (P * mu_g).sum(axis=1, keepdims=True)
    factor = P * mu_g / mu if kind == "T" else P
    np.testing.assert_allclose((factor * d.group_index).sum(axis=1), d.within, rtol=1e-9, atol=1e-13)


@settings(max_examples=60, deadline=None)
@given(groups_strategy, st.sampled_from(["T", "L"]), st.booleans(), st.data())
def test_nested_theil_adds_up_and_nests(case, kind, weighted, data):
    x, inner, w = case
    n = x.shape[1]
    parent_of = data.draw(st.lists(st.integers(0, 2), min_size=5, max_size=5))
    outer = [parent_of[j] for j in inner]
    weights = w if weighted else None
    r = nested_theil(x, outer, inner, weights=weights, kind=kind)
    np.testing.assert_allclose(
        r.between_outer + r.between_inner + r.within_inner, r.total, rtol=1e-10, atol=1e-13
    )
    one_outer = theil_decomposition(x, outer, weights=weights, kind=kind)
    one_inner = theil_decomposition(x, inner, weights=weights, kind=kind)
    # independent one-level decompositions: outer between, and inner between = outer + inner-within-outer
    np.testing.assert_allclose(r.between_outer, one_outer.between, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(r.between_outer + r.between_inner, one_inner.between, rtol=1e-9, atol=1e-13)
    np.testing.assert_allclose(r.within_inner, one_inner.within, rtol=1e-10, atol=1e-14)
    assert len(r.inner_parent) == len(r.inner_groups) == len(set(inner))
    assert n == len(inner)


def test_nested_requires_nesting():
    with pytest.raises(DataError, match="nested"):
        nested_theil([1.0, 2.0, 3.0, 4.0], ["E", "E", "W", "W"], ["p1", "p2", "p2", "p3"])


def test_scale_invariance_of_decompositions(mexico):
    m, g = mexico
    a, b = theil_decomposition(m, g, kind="L"), theil_decomposition(1000 * m.values, g, kind="L")
    np.testing.assert_allclose(a.between, b.between, rtol=1e-10)
    c, d = gini_decomposition(m, g), gini_decomposition(1000 * m.values, g)
    np.testing.assert_allclose(c.overlap, d.overlap, rtol=1e-10)


def test_results_keep_labels(mexico):
    m, g = mexico
    d = theil_decomposition(m, g)
    frame = d.to_frame()
    assert list(frame.index) == list(m.years)
    assert frame.loc[1960, "between"] == pytest.approx(MEXICO_BG[2], abs=5e-9)
    gf = d.groups_frame()
    assert gf.loc[(1940, d.groups[0]), "population_share"] == pytest.approx(g.count(d.groups[0]) / 32)
    js = d.to_dict()
    assert js["groups"] == list(d.groups) and len(js["between_share"]) == 7
    gd = gini_decomposition(m, g).to_dict()
    assert set(gd) >= {"gini", "within", "net_between", "overlap", "pair_gini"}


def test_bad_groups_and_kind():
    with pytest.raises(DataError, match="one group per region"):
        theil_decomposition([1.0, 2.0, 3.0], ["a", "b"])
    with pytest.raises(DataError, match="kind"):
        theil_decomposition([1.0, 2.0, 3.0], ["a", "b", "b"], kind="X")  # type: ignore[arg-type]
    with pytest.raises(DataError, match="positive"):
        theil_decomposition([1.0, 0.0, 3.0], ["a", "b", "b"], kind="L")
