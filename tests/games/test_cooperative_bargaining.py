"""Nash and Kalai-Smorodinsky bargaining, and the Pareto check (hand-solved problems).

Closed forms used: on the budget line x_1 + x_2 <= 1 with d = 0 the asymmetric Nash
solution maximizes w_1 log x_1 + w_2 log x_2, so x_i = w_i / (w_1 + w_2).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regcoord.games.cooperative import (
    GameError,
    TUGame,
    kalai_smorodinsky,
    nash_bargaining,
    pareto_check,
)

TRIANGLE = [[0, 0], [1, 0], [0, 1]]


def test_tu_nash_and_ks() -> None:
    # v(A)=1, v(B)=2, v(AB)=9: surplus 6
    g = TUGame(("A", "B"), [0, 1, 2, 9])
    np.testing.assert_allclose(nash_bargaining(g).values, [4, 5])
    np.testing.assert_allclose(nash_bargaining(g, weights={"A": 2, "B": 1}).values, [5, 4])
    ks = kalai_smorodinsky(g)
    np.testing.assert_allclose(ks.values, [4, 5])
    assert ks.ideal == (7.0, 8.0)
    assert nash_bargaining(g).gains == (3.0, 3.0)
    with pytest.raises(GameError, match="below the sum"):
        nash_bargaining(TUGame(("A", "B"), [0, 3, 3, 5]))


@pytest.mark.parametrize("w", [(1, 1), (2, 1), (1, 3), (0.5, 4)])
def test_nash_on_polytope_budget_line(w) -> None:
    sol = nash_bargaining(TRIANGLE, [0, 0], weights=w)
    np.testing.assert_allclose(sol.values, np.array(w) / sum(w), atol=1e-6)


def test_nash_and_ks_differ_on_asymmetric_polytope() -> None:
    # F = comprehensive hull of (4, 0), (3, 2), (0, 3) with d = 0.
    # Nash: on the facet through (3, 2)-(0, 3): x_2 = 3 - x_1 / 3, max x_1 (3 - x_1/3) at
    # x_1 = 4.5 (outside the facet) -> corner of the other facet (4,0)-(3,2): x_2 = 8 - 2 x_1,
    # max x_1 (8 - 2 x_1) at x_1 = 2 (outside, < 3) -> the vertex (3, 2).
    pts = [[4, 0], [3, 2], [0, 3], [0, 0]]
    np.testing.assert_allclose(nash_bargaining(pts, [0, 0]).values, [3, 2], atol=1e-6)
    # KS: ideal (4, 3); ray x = s (4, 3) meets the facet x_2 = 3 - x_1/3 when 3 s = 3 - 4 s / 3
    # -> s = 9/13: (36/13, 27/13)
    ks = kalai_smorodinsky(pts, [0, 0])
    np.testing.assert_allclose(ks.ideal, [4, 3], atol=1e-9)
    np.testing.assert_allclose(ks.values, [36 / 13, 27 / 13], atol=1e-9)


def test_disagreement_point_shifts_solution() -> None:
    # budget x_1 + x_2 <= 1 as the hull of (1, 0), (0, 1), d = (0.2, 0.4): surplus 0.4 split equally
    sol = nash_bargaining([[1, 0], [0, 1]], [0.2, 0.4], players=["up", "down"])
    assert sol.players == ("up", "down")
    np.testing.assert_allclose(sol.values, [0.4, 0.6], atol=1e-6)
    np.testing.assert_allclose(kalai_smorodinsky([[1, 0], [0, 1]], [0.2, 0.4]).values, [0.4, 0.6], atol=1e-9)


def test_finite_alternatives() -> None:
    rows = [[5, 1], [3, 3], [1, 4], [0, 0]]
    # products of gains over d = (0, 0): 5, 9, 4 -> row 2
    assert nash_bargaining(rows, [0, 0], convex=False).values == (3.0, 3.0)
    # weights (3, 1): 3 log x1 + log x2: 5^3 * 1 = 125 > 27 * 3 = 81 -> row 1
    assert nash_bargaining(rows, [0, 0], weights=[3, 1], convex=False).values == (5.0, 1.0)
    # KS: ideal (5, 4); min shares: row1 min(1, .25)=.25, row2 min(.6, .75)=.6, row3 .2 -> row 2
    assert kalai_smorodinsky(rows, [0, 0], convex=False).values == (3.0, 3.0)
    with pytest.raises(GameError, match="more than the disagreement"):
        nash_bargaining(rows, [6, 6], convex=False)


def test_pareto_check() -> None:
    dominated = pareto_check([0.3, 0.3], TRIANGLE)
    assert dominated.feasible and not dominated.pareto_optimal
    dom = np.array(dominated.dominating)
    assert np.all(dom >= [0.3, 0.3]) and dom.sum() == pytest.approx(1.0)
    assert pareto_check([0.5, 0.5], TRIANGLE).pareto_optimal
    assert not pareto_check([0.8, 0.5], TRIANGLE).feasible
    g = TUGame(("A", "B"), [0, 1, 2, 9])
    tu = pareto_check({"A": 3, "B": 5}, g)
    assert not tu.pareto_optimal and tu.dominating == (3.5, 5.5)
    assert pareto_check([4, 5], g).pareto_optimal
    rows = [[5, 1], [3, 3], [1, 4]]
    fin = pareto_check([2, 2], rows, convex=False)
    assert not fin.pareto_optimal and fin.dominating == (3.0, 3.0)
    assert pareto_check([3, 3], rows, convex=False).pareto_optimal


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0.1, 10), st.floats(0.1, 10), st.floats(0.1, 10)), min_size=3, max_size=8)
)
def test_nash_solution_is_pareto_optimal_and_optimal(points) -> None:
    pts = np.array(points)
    d = pts.min(axis=0) * 0.5
    sol = nash_bargaining(pts, d)
    x = np.array(sol.values)
    check = pareto_check(x, pts, tol=1e-6)
    assert check.feasible and check.pareto_optimal
    # no point of the hull (random convex combinations) has a larger Nash product
    rng = np.random.default_rng(0)
    lam = rng.dirichlet(np.ones(len(pts)), size=500)
    cand = lam @ pts
    best = np.log(x - d).sum()
    assert np.all(np.log(np.clip(cand - d, 1e-300, None)).sum(axis=1) <= best + 1e-7)
