"""Polarization, Hoover, Lerman-Yitzhaki and Krugman: hand calculations, PySAL, properties.

References: PySAL ``inequality.wolfson`` (which returns half of Wolfson's 1994 scalar index,
see the module docstring) on its own documented examples; the Esteban-Ray identity
ER(0) = 2 Gini; the Lerman-Yitzhaki identity sum_k S_k R_k G_k = G (Stata ``descogini``).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regcoord.errors import DataError
from regcoord.measure.inequality import gini
from regcoord.measure.polarization import esteban_ray, hoover, wolfson
from regcoord.measure.sources import gini_by_source, krugman_index


def test_wolfson_is_twice_pysal_on_its_examples():
    from inequality.wolfson import wolfson as pysal_wolfson

    income = [20000, 25000, 27000, 30000, 35000, 45000, 60000, 75000, 80000, 120000]
    # PySAL's docstring prints 0.2013 and 0.0833 for these two distributions
    assert round(float(pysal_wolfson(income)), 4) == 0.2013
    assert wolfson(np.array(income, dtype=float)).scalar == pytest.approx(
        2 * float(pysal_wolfson(income)), rel=1e-12
    )
    eight = [6.0, 6, 8, 8, 10, 10, 12, 12]
    assert wolfson(eight).scalar == pytest.approx(2 * 0.083333333, rel=1e-6)


def test_wolfson_by_hand():
    # 4 regions 1, 2, 3, 6: mu 3, median 2.5, L(0.5) = (1 + 2) / 12, Gini = 28 / 96 ... written out
    x = [1.0, 2.0, 3.0, 6.0]
    pairs = sum(abs(a - b) for a in x for b in x)
    g = pairs / (2 * 16 * 3.0)
    t = 0.5 - 3.0 / 12.0
    assert wolfson(x).scalar == pytest.approx(2 * (2 * t - g) * 3.0 / 2.5, rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31 - 1), st.booleans())
def test_esteban_ray_zero_is_twice_gini_and_alpha_lowers_it(seed, weighted):
    rng = np.random.default_rng(seed)
    x = rng.lognormal(0, 0.7, (2, 12))
    w = rng.uniform(1, 5, 12) if weighted else None
    np.testing.assert_allclose(
        esteban_ray(x, alpha=0, weights=w).values, 2 * gini(x, weights=w).values, rtol=1e-10
    )
    # p_i^{1+a} falls with a when p_i < 1: the index falls
    assert (esteban_ray(x, alpha=1.5, weights=w).values <= esteban_ray(x, alpha=0.5, weights=w).values).all()


def test_esteban_ray_by_hand_with_weights():
    x, w = [1.0, 4.0], [1.0, 3.0]  # p = 1/4, 3/4; mu = 13/4
    p = [0.25, 0.75]
    expected = (p[0] ** 2 * p[1] * 3 + p[1] ** 2 * p[0] * 3) / 3.25
    assert esteban_ray(x, alpha=1.0, weights=w).scalar == pytest.approx(expected, rel=1e-12)
    with pytest.raises(DataError, match="alpha"):
        esteban_ray(x, alpha=2.0)


def test_hoover_by_hand_and_bounds():
    # GDP per head 10, 30 with populations 3, 1: GDP shares 30/60, 30/60 vs population 3/4, 1/4
    assert hoover([10.0, 30.0], weights=[3.0, 1.0]).scalar == pytest.approx(0.5 * (0.25 + 0.25))
    assert hoover([5.0, 5.0, 5.0]).scalar == pytest.approx(0.0)
    # all output in one of n equal regions: 1 - 1/n
    assert hoover([0.0, 0.0, 0.0, 8.0]).scalar == pytest.approx(0.75)


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 5), st.booleans(), st.booleans())
def test_lerman_yitzhaki_adds_up(seed, k, weighted, ties):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 25))
    a = rng.lognormal(0, 0.8, (2, n, k))
    if ties:
        a = np.round(a, 0)
        a[:, :, 0] += 1.0  # keep totals positive
    w = rng.uniform(1, 5, n) if weighted else None
    d = gini_by_source(a, weights=w)
    np.testing.assert_allclose(d.contribution.sum(axis=1), d.gini, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(d.gini, gini(a.sum(axis=2), weights=w).values, rtol=1e-9, atol=1e-12)
    for j in range(k):
        np.testing.assert_allclose(
            d.source_gini[:, j], gini(a[:, :, j], weights=w).values, rtol=1e-9, atol=1e-12
        )
    pos = d.gini > 0  # equal totals everywhere: shares of a zero Gini are undefined (NaN)
    np.testing.assert_allclose(d.marginal_effect[pos].sum(axis=1), 0.0, atol=1e-9)  # shares of G sum to 1


def test_lerman_yitzhaki_by_hand():
    # totals 1, 3, 8 (mu 4): G = (2 + 7 + 5) * 2 / (2 * 9 * 4); both sources rank like the total
    d = gini_by_source([[1.0, 0.0], [2.0, 1.0], [3.0, 5.0]], names=["farm", "industry"])
    assert d.gini[0] == pytest.approx(28 / 72)
    np.testing.assert_allclose(d.share[0], [0.5, 0.5])
    np.testing.assert_allclose(d.source_gini[0], [8 / 36, 20 / 36])
    np.testing.assert_allclose(d.correlation[0], [1.0, 1.0])
    # a source ranked against the total: R_k = -1
    d2 = gini_by_source([[3.0, 0.0], [2.0, 4.0], [1.0, 9.0]])
    assert d2.correlation[0, 0] == pytest.approx(-1.0)
    assert list(d2.to_frame().index.get_level_values("source")) == ["source 1", "source 2"]


def test_krugman_by_hand():
    # region A: 80 % industry, B: 20 %, C: 50 %; reference = the other two regions
    out = np.array([[20.0, 80.0], [80.0, 20.0], [50.0, 50.0]])
    r = krugman_index(out, regions=["A", "B", "C"])
    # A vs B + C = (130, 70) / 200: |0.2 - 0.65| + |0.8 - 0.35| = 0.9
    assert r.values[0, 0] == pytest.approx(0.9)
    tot = krugman_index(out, reference="total").values[0]
    np.testing.assert_allclose(tot, [0.6, 0.6, 0.0])
    with pytest.raises(DataError, match="region B"):
        krugman_index([[1.0, 1.0], [0.0, 0.0]], regions=["A", "B"])
