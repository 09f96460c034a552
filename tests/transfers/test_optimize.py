"""Budget allocation: exact water-filling checked by hand, against scipy (SLSQP, HiGHS), and by
properties (budget balance, floors/caps, no one worse off, monotone optimum)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize

from regcoord.errors import DataError
from regcoord.transfers import allocate_budget, disparity, minimal_budget, water_fill


def test_water_fill_by_hand():
    # x = 1, 2, 4 with populations 1, 1, 2 and B = 3: region a to 2 costs 1, then a and b to 3 costs 2
    t, level = water_fill(np.array([1.0, 1, 2]), np.array([1.0, 2, 4]), 3.0)
    assert level == pytest.approx(3.0)
    assert t == pytest.approx([2.0, 1.0, 0.0])


def test_water_fill_with_floor_and_cap_by_hand():
    # floor 0.5 for c; cap 1 for a: B = 3 -> c gets 0.5, a capped at 1 (y_a = 2), b rises: 3 - 1.5 = 1.5 -> y_b = 3.5
    t, level = water_fill(
        np.array([1.0, 1, 2]), np.array([1.0, 2, 4]), 3.0, np.array([0, 0, 0.5]), np.array([1, 9, 9])
    )
    assert t == pytest.approx([1.0, 1.5, 0.5])
    assert level == pytest.approx(3.5)


RNG = np.random.default_rng(20240601)
N = 9
POP = RNG.uniform(0.5, 12, N)
X = RNG.uniform(3, 30, N)
NAMES = [f"r{i}" for i in range(N)]


@pytest.mark.parametrize("objective", ["theil", "cv", "gini"])
def test_water_filling_matches_slsqp(objective):
    closed = allocate_budget(NAMES, POP, X, 40, objective=objective)
    numeric = allocate_budget(NAMES, POP, X, 40, objective=objective, solver="numeric")
    assert numeric.method == "scipy SLSQP"
    # SLSQP cannot beat the closed form (up to fen rounding), and lands on it
    assert closed.index_after <= numeric.index_after + 1e-7
    assert closed.index_after == pytest.approx(numeric.index_after, rel=1e-5)
    assert closed.index_after < closed.index_before


def test_water_filling_matches_slsqp_with_floors_and_caps():
    floors = np.full(N, 1.0)
    caps = np.full(N, 8.0)
    for objective in ("theil", "cv"):
        closed = allocate_budget(NAMES, POP, X, 40, objective=objective, floors=floors, caps=caps)
        numeric = allocate_budget(
            NAMES, POP, X, 40, objective=objective, floors=floors, caps=caps, solver="numeric"
        )
        assert closed.index_after <= numeric.index_after + 1e-7
        assert closed.index_after == pytest.approx(numeric.index_after, rel=1e-5)
    # the Gini is not smooth; SLSQP started elsewhere must at least not beat water-filling
    closed = allocate_budget(NAMES, POP, X, 40, objective="gini", floors=floors, caps=caps)
    numeric = allocate_budget(NAMES, POP, X, 40, objective="gini", floors=floors, caps=caps, solver="numeric")
    assert closed.index_after <= numeric.index_after + 1e-7


def test_leximin_level_equals_highs_max_min():
    closed = allocate_budget(NAMES, POP, X, 40)
    # independent max-min LP solved here with HiGHS: max z s.t. x_i + t_i/p_i >= z, sum t = B, t >= 0
    c = np.r_[np.zeros(N), -1.0]
    a_ub = np.hstack([-np.diag(1 / POP), np.ones((N, 1))])
    res = optimize.linprog(
        c,
        A_ub=a_ub,
        b_ub=X,
        A_eq=np.r_[np.ones(N), 0.0][None, :],
        b_eq=[40],
        bounds=[(0, None)] * N + [(None, None)],
        method="highs",
    )
    assert closed.level == pytest.approx(-res.fun, rel=1e-9)
    assert min(closed.after) == pytest.approx(-res.fun, abs=0.01)


def test_result_reports_before_and_after_with_measure_indices():
    from regcoord.measure.inequality import theil_t

    r = allocate_budget(NAMES, POP, X, 40, index="theil")
    assert r.index_before == pytest.approx(float(theil_t(X, weights=POP).values[0]))
    assert r.index_after == pytest.approx(float(theil_t(np.array(r.after), weights=POP).values[0]))
    assert sum(r.transfers) == Decimal("40.00")
    frame = r.to_frame()
    assert list(frame.columns) == [
        "region",
        "population",
        "per_capita_before",
        "transfer",
        "per_capita_after",
    ]


@st.composite
def problems(draw):
    n = draw(st.integers(2, 10))
    p = np.array(draw(st.lists(st.floats(0.1, 100), min_size=n, max_size=n)))
    x = np.array(draw(st.lists(st.floats(1, 1000), min_size=n, max_size=n)))
    lo = np.array(draw(st.lists(st.sampled_from([0.0, 0.0, 1.0, 5.0]), min_size=n, max_size=n)))
    hi = np.array(draw(st.lists(st.sampled_from([np.inf, np.inf, 20.0, 200.0]), min_size=n, max_size=n)))
    hi = np.maximum(hi, lo)
    frac = draw(st.floats(0, 1))
    top = hi.sum() if np.isfinite(hi).all() else lo.sum() + 5000
    budget = round(lo.sum() + frac * (top - lo.sum()), 2)
    return p, x, lo, hi, float(max(budget, round(lo.sum() + 0.005, 2)))


@given(problems())
@settings(max_examples=80, deadline=None)
def test_allocation_properties(problem):
    p, x, lo, hi, budget = problem
    if budget > hi.sum():
        return
    names = [f"r{i}" for i in range(p.size)]
    r = allocate_budget(names, p, x, budget, floors=lo, caps=hi)
    t = np.array([float(v) for v in r.transfers])
    assert sum(r.transfers) == Decimal(repr(float(budget))).quantize(Decimal("0.01"))  # balances to the fen
    assert np.all(t >= 0)  # nobody worse off
    assert np.all(t >= lo - 0.011) and np.all(t <= hi + 0.011)
    # KKT of water-filling: regions strictly between their bounds share the same level
    tt, level = water_fill(p, x, budget, lo, hi)
    inner = (tt > lo + 1e-6) & (tt < hi - 1e-6)
    assert np.allclose((x + tt / p)[inner], level, rtol=1e-9, atol=1e-6)
    assert np.all((x + tt / p)[tt <= lo + 1e-9] >= level - 1e-6)
    assert np.all((x + tt / p)[tt >= hi - 1e-9] <= level + 1e-6)


@given(st.lists(st.floats(1, 100), min_size=3, max_size=8), st.floats(0, 500), st.floats(0, 500))
@settings(max_examples=50, deadline=None)
def test_optimum_is_monotone_in_the_budget_without_caps(xs, b1, b2):
    x = np.array(xs)
    p = np.ones_like(x)
    lo_b, hi_b = sorted((b1, b2))
    for index in ("theil", "cv", "gini"):
        t1, _ = water_fill(p, x, lo_b)
        t2, _ = water_fill(p, x, hi_b)
        assert disparity(index, x + t2 / p, p) <= disparity(index, x + t1 / p, p) + 1e-12


def test_minimal_budget_is_smallest_to_the_fen():
    r = minimal_budget(NAMES, POP, X, target=0.01, index="theil")
    assert r.monotone_certified
    assert r.allocation.index_after <= 0.01 + 1e-9
    b = float(r.budget)
    t, _ = water_fill(POP, X, b - 0.01)
    assert disparity("theil", X + t / POP, POP) > 0.01
    # already below target: zero budget
    assert minimal_budget(NAMES, POP, X, target=1.0).budget == 0


def test_unreachable_target_and_bad_input():
    with pytest.raises(DataError, match="cannot be brought"):
        minimal_budget(NAMES, POP, X, target=0.0001, caps=np.full(N, 1.0))
    with pytest.raises(DataError, match=r"row 2.*population"):
        allocate_budget(["a", "b"], [1, 0], [1, 2], 5)
    with pytest.raises(DataError, match="outside the feasible range"):
        allocate_budget(["a", "b"], [1, 1], [1, 2], 5, caps=[1, 1])
    with pytest.raises(DataError, match="no region worse off"):
        allocate_budget(["a", "b"], [1, 1], [1, 2], 5, floors=[-1, 0])
    with pytest.raises(DataError, match=r"duplicate region\(s\) \['a'\]"):
        allocate_budget(["a", "a"], [1, 1], [1, 2], 5)
    with pytest.raises(DataError, match="at least 2 regions"):
        allocate_budget(["a"], [1], [1], 5)
    with pytest.raises(DataError, match=r"population.*are not numbers"):
        allocate_budget(["a", "b"], ["x", "y"], [1, 2], 5)
