"""Generalised entropy family: hand calculations, the existing indices, PySAL and properties.

References: Shorrocks (1980) decomposition as in Stata's ``ineqdeco`` (Jenkins 1999,
STB sg104: within = sum_g v_g^(1-a) s_g^a GE_g(a), between = GE(a) of the group means);
PySAL ``inequality.theil.TheilD`` for GE(1); Elbers, Lanjouw, Mistiaen and Özler (2008)
for the bound, checked by brute force over every partition into groups of the same sizes.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regcoord.errors import DataError
from regcoord.measure.entropy import ge_decomposition, generalized_entropy
from regcoord.measure.inequality import theil_l, theil_t, williamson_cv

X = np.array([1.0, 2.0, 3.0, 6.0])
G = ["a", "a", "b", "b"]


def test_hand_calculation_ge0_decomposition():
    # mean 3; L = ln 3 - (ln 1 + ln 2 + ln 3 + ln 6) / 4
    total = math.log(3) - (math.log(1) + math.log(2) + math.log(3) + math.log(6)) / 4
    # group means 1.5 and 4.5, each half the population: between = sum P_g ln(mu / mu_g)
    between = 0.5 * math.log(3 / 1.5) + 0.5 * math.log(3 / 4.5)
    la = math.log(1.5) - (math.log(1) + math.log(2)) / 2
    lb = math.log(4.5) - (math.log(3) + math.log(6)) / 2
    d = ge_decomposition(X, G, a=0)
    assert d.total[0] == pytest.approx(total, rel=1e-12)
    assert d.between[0] == pytest.approx(between, rel=1e-12)
    assert d.within[0] == pytest.approx(0.5 * la + 0.5 * lb, rel=1e-12)
    np.testing.assert_allclose(d.group_index[0], [la, lb], rtol=1e-12)


def test_hand_calculation_ge_minus1_and_2():
    mu = 3.0
    ge_m1 = sum((v / mu) ** -1 - 1 for v in X) / 4 / ((-1) * (-2))
    assert generalized_entropy(X, a=-1).scalar == pytest.approx(ge_m1, rel=1e-12)
    var = sum((v - mu) ** 2 for v in X) / 4
    assert generalized_entropy(X, a=2).scalar == pytest.approx(var / mu**2 / 2, rel=1e-12)
    # ineqdeco: within for a = 2 weights each group's GE by v_g^(1-2) s_g^2
    d = ge_decomposition(X, G, a=2)
    s = np.array([3.0, 9.0]) / 12
    v = np.array([0.5, 0.5])
    ge_g = [
        ((1 - 1.5) ** 2 + (2 - 1.5) ** 2) / 2 / 1.5**2 / 2,
        ((3 - 4.5) ** 2 + (6 - 4.5) ** 2) / 2 / 4.5**2 / 2,
    ]
    assert d.within[0] == pytest.approx(float((v**-1 * s**2 * ge_g).sum()), rel=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_members_equal_existing_indices(weighted):
    rng = np.random.default_rng(1)
    x = rng.lognormal(0, 0.7, (3, 25))
    w = rng.uniform(1, 10, 25) if weighted else None
    np.testing.assert_allclose(
        generalized_entropy(x, a=0, weights=w).values, theil_l(x, weights=w).values, rtol=1e-12
    )
    np.testing.assert_allclose(
        generalized_entropy(x, a=1, weights=w).values, theil_t(x, weights=w).values, rtol=1e-12
    )
    np.testing.assert_allclose(
        generalized_entropy(x, a=2, weights=w).values, williamson_cv(x, weights=w).values ** 2 / 2, rtol=1e-12
    )


def test_ge1_decomposition_equals_pysal_theild():
    from inequality.theil import TheilD

    rng = np.random.default_rng(2)
    x = rng.lognormal(0, 0.5, 40)
    g = rng.integers(0, 5, 40)
    ref = TheilD(x, g)
    d = ge_decomposition(x, g, a=1)
    assert d.between[0] == pytest.approx(float(np.ravel(ref.bg)[0]), rel=1e-10)
    assert d.within[0] == pytest.approx(float(np.ravel(ref.wg)[0]), rel=1e-10)


@settings(max_examples=60, deadline=None)
@given(
    st.floats(-2, 3).filter(lambda a: abs(a) > 1e-6 and abs(a - 1) > 1e-6) | st.sampled_from([0.0, 1.0]),
    st.integers(0, 2**31 - 1),
    st.booleans(),
)
def test_within_plus_between_is_total(a, seed, weighted):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 30))
    x = rng.lognormal(0, 0.8, (2, n))
    g = rng.integers(0, 4, n)
    w = rng.uniform(0.5, 5, n) if weighted else None
    d = ge_decomposition(x, g, a=a, weights=w)
    np.testing.assert_allclose(d.within + d.between, d.total, rtol=1e-9, atol=1e-12)
    assert (d.between <= d.between_max * (1 + 1e-12) + 1e-15).all()
    assert ((d.elmo_share >= d.between_share - 1e-12) | (d.total == 0)).all()


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 3), min_size=5, max_size=5), st.floats(-1, 2.5), st.integers(0, 2**31 - 1))
def test_integer_weights_equal_replication(w, a, seed):
    rng = np.random.default_rng(seed)
    x = rng.lognormal(0, 0.6, 5)
    assert generalized_entropy(x, a=a, weights=w).scalar == pytest.approx(
        generalized_entropy(np.repeat(x, w), a=a).scalar, rel=1e-9, abs=1e-14
    )


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**31 - 1), st.sampled_from([-1.0, 0.0, 0.5, 1.0, 2.0]))
def test_elmo_maximum_equals_brute_force(seed, a):
    """Largest between-group GE over every partition of 7 regions into groups of 3, 2, 2."""
    rng = np.random.default_rng(seed)
    x = rng.lognormal(0, 0.7, 7)
    sizes = [3, 2, 2]
    best = -np.inf
    for first in itertools.combinations(range(7), 3):
        rest = [i for i in range(7) if i not in first]
        for second in itertools.combinations(rest, 2):
            labels = np.zeros(7, dtype=int)
            labels[list(second)] = 1
            labels[[i for i in rest if i not in second]] = 2
            best = max(best, float(ge_decomposition(x, labels, a=a).between[0]))
    groups = np.repeat([0, 1, 2], sizes)
    d = ge_decomposition(x, rng.permutation(groups), a=a)
    assert d.between_max[0] == pytest.approx(best, rel=1e-12)


def test_elmo_share_of_a_perfect_split_is_one():
    d = ge_decomposition([1.0, 1.0, 9.0, 9.0], ["p", "p", "r", "r"], a=0)
    assert d.between_share[0] == pytest.approx(1.0)
    assert d.elmo_share[0] == pytest.approx(1.0)
    # the same incomes split evenly: no between-group inequality at all
    assert ge_decomposition([1.0, 9.0, 1.0, 9.0], ["p", "p", "r", "r"], a=0).elmo_share[0] == pytest.approx(
        0.0
    )


def test_bad_input():
    with pytest.raises(DataError, match="GE parameter"):
        generalized_entropy(X, a=float("nan"))
    with pytest.raises(DataError):
        generalized_entropy([0.0, 1.0, 2.0], a=0)  # log of zero
    assert generalized_entropy([0.0, 1.0, 2.0], a=1).scalar > 0  # 0 ln 0 = 0
    d = ge_decomposition(np.arange(1.0, 11.0), list("abcdefghij"))
    assert np.isnan(d.elmo_share[0]) and "ELMO" in d.notes[0]
    assert d.between[0] == pytest.approx(d.total[0])  # one region per group
