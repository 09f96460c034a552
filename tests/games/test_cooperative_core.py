"""Core, least core, nucleolus and prenucleolus.

References: published examples (glove game, 3-player majority game, Talmud estates =
nucleolus of the bankruptcy game, Aumann and Maschler 1985), coopgt's core membership, an
independent textbook implementation of the sequential LP over *all* coalitions with the
"one LP per candidate" fixing rule (Maschler, Peleg and Shapley 1979) written out below,
and properties: the nucleolus lies in the core when the core is non-empty, and no
imputation has a lexicographically smaller sorted excess vector.
"""

from __future__ import annotations

import numpy as np
import pytest
from coopgt.core import is_in_core as coopgt_in_core
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from regcoord.games.cooperative import (
    GameError,
    TUGame,
    bankruptcy_game,
    coalition_sums,
    core_is_empty,
    in_core,
    least_core,
    nucleolus,
    prenucleolus,
    shapley,
    talmud,
)

NAMES = tuple("ABCDEFGH")
GLOVE = {"L": 0, "R1": 0, "R2": 0, "L+R1": 1, "L+R2": 1, "R1+R2": 0, "L+R1+R2": 1}


def _game(values, n: int) -> TUGame:
    return TUGame(NAMES[:n], np.concatenate([[0.0], np.asarray(values, dtype=float)]))


games = st.integers(2, 5).flatmap(
    lambda n: st.lists(st.integers(-5, 20), min_size=(1 << n) - 1, max_size=(1 << n) - 1).map(
        lambda vals: _game(vals, n)
    )
)


def reference_nucleolus(g: TUGame, imputation: bool) -> np.ndarray:
    """Textbook sequential LP over all proper coalitions; a coalition is fixed when a
    separate LP shows its excess cannot go below the stage level."""
    n, v = g.n, g.v
    bits = np.arange(n)
    proper = list(range(1, (1 << n) - 1))
    ind = {m: ((m >> bits) & 1).astype(float) for m in range(1 << n)}
    fixed: dict[int, float] = {}
    free = list(proper)
    bounds = [(v[1 << i], None) if imputation else (None, None) for i in range(n)]
    x = np.zeros(n)

    def constraints(level: float | None):
        a_ub = [np.append(-ind[m], -1.0 if level is None else 0.0) for m in free]
        b_ub = [-v[m] + (0.0 if level is None else level) for m in free]
        a_eq = [np.append(ind[(1 << n) - 1], 0.0)] + [np.append(ind[m], 0.0) for m in fixed]
        b_eq = [v[-1]] + [v[m] - lev for m, lev in fixed.items()]
        return a_ub, b_ub, a_eq, b_eq

    while free:
        a_ub, b_ub, a_eq, b_eq = constraints(None)
        c = np.append(np.zeros(n), 1.0)
        res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=[*bounds, (None, None)])
        t, x = res.x[-1], res.x[:n]
        newly = []
        for m in free:  # can e(m) go below t while every free excess stays <= t?
            a_ub, b_ub, a_eq, b_eq = constraints(t)
            r = linprog(
                -np.append(ind[m], 0.0), A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=[*bounds, (0, 0)]
            )
            if v[m] + r.fun >= t - 1e-7:  # max x(m) = -r.fun, min excess = v(m) - max x(m)
                newly.append(m)
        assert newly, "reference: no coalition fixed"
        for m in newly:
            fixed[m] = t
        span = np.array([ind[(1 << n) - 1]] + [ind[m] for m in fixed])
        rank = np.linalg.matrix_rank(span)
        free = [m for m in free if m not in fixed and np.linalg.matrix_rank(np.vstack([span, ind[m]])) > rank]
    return x


def sorted_excesses(g: TUGame, x: np.ndarray) -> np.ndarray:
    e = (g.v - coalition_sums(x))[1:-1]
    return np.sort(e)[::-1]


# ---------------------------------------------------------------------- published examples


def test_glove_game_core_and_nucleolus() -> None:
    g = TUGame.from_dict(GLOVE)
    np.testing.assert_allclose(nucleolus(g).array, [1, 0, 0], atol=1e-9)
    np.testing.assert_allclose(prenucleolus(g).array, [1, 0, 0], atol=1e-9)
    assert not core_is_empty(g)
    assert in_core(g, [1, 0, 0]).in_core
    check = in_core(g, [0.5, 0.5, 0])
    assert not check.in_core and check.efficient
    assert check.violated == (("L+R2", 0.5),)


def test_majority_game_empty_core_nucleolus_and_least_core() -> None:
    g = TUGame.from_callable("ABC", lambda s: 1.0 if len(s) >= 2 else 0.0)
    assert core_is_empty(g)
    lc = least_core(g)
    # least core: x_i + x_j >= 1 - eps, sum 1 -> eps = 1/3 at (1/3, 1/3, 1/3)
    assert lc.epsilon == pytest.approx(1 / 3, abs=1e-9) and lc.core_empty
    np.testing.assert_allclose(lc.allocation, [1 / 3] * 3, atol=1e-9)
    np.testing.assert_allclose(nucleolus(g).array, [1 / 3] * 3, atol=1e-9)


@pytest.mark.parametrize(
    ("estate", "expected"),
    [(100, [100 / 3] * 3), (200, [50, 75, 75]), (300, [50, 100, 150])],
)
def test_talmud_estates_are_nucleolus_of_bankruptcy_game(estate, expected) -> None:
    # Babylonian Talmud, Ketubot 93a; Aumann and Maschler (1985)
    g = bankruptcy_game(estate, [100, 200, 300])
    np.testing.assert_allclose(nucleolus(g).array, expected, atol=1e-7)
    np.testing.assert_allclose(talmud(estate, [100, 200, 300]).array, expected, atol=1e-12)


def test_convex_game_shapley_in_core() -> None:
    rng = np.random.default_rng(2)
    w = rng.random(7)
    g = TUGame(NAMES[:7], coalition_sums(w) ** 1.3)
    assert g.is_convex()
    assert in_core(g, shapley(g).array).in_core
    assert in_core(g, nucleolus(g).array).in_core


def test_inefficient_allocation_and_errors() -> None:
    g = TUGame.from_dict(GLOVE)
    check = in_core(g, {"L": 0.5, "R1": 0.2, "R2": 0.1})
    assert not check.efficient and check.efficiency_gap == pytest.approx(0.2)
    with pytest.raises(GameError, match="unknown player"):
        in_core(g, {"L": 1, "R1": 0, "X": 0})
    with pytest.raises(GameError, match="3"):
        in_core(g, [1, 0])


def test_empty_imputation_set_is_a_clear_error() -> None:
    g = TUGame(("A", "B"), [0, 2, 2, 3])
    with pytest.raises(GameError, match="imputation set is empty"):
        nucleolus(g)
    np.testing.assert_allclose(prenucleolus(g).array, [1.5, 1.5], atol=1e-9)


# ---------------------------------------------------------------------- cross-checks


@settings(max_examples=40, deadline=None)
@given(games, st.data())
def test_core_membership_matches_coopgt(g: TUGame, data: st.DataObject) -> None:
    x = data.draw(st.lists(st.integers(-5, 20), min_size=g.n, max_size=g.n))
    x[-1] = int(g.v[-1]) - sum(x[:-1])  # efficient integer allocations: exact comparison
    cf = {tuple(i + 1 for i in range(g.n) if m >> i & 1): g.v[m] for m in range(1 << g.n)}
    assert in_core(g, x).in_core == coopgt_in_core(cf, x, g.n)


@settings(max_examples=25, deadline=None)
@given(games)
def test_nucleolus_matches_reference(g: TUGame) -> None:
    np.testing.assert_allclose(prenucleolus(g).array, reference_nucleolus(g, False), atol=1e-6)
    if g.v[-1] >= g.singletons().sum():
        np.testing.assert_allclose(nucleolus(g).array, reference_nucleolus(g, True), atol=1e-6)


@settings(max_examples=40, deadline=None)
@given(games)
def test_nucleolus_in_core_when_core_nonempty(g: TUGame) -> None:
    if g.v[-1] < g.singletons().sum():
        return
    nu = nucleolus(g).array
    assert nu.sum() == pytest.approx(g.v[-1], abs=1e-9)
    assert np.all(nu >= g.singletons() - 1e-9)
    if not core_is_empty(g):
        assert in_core(g, nu, tol=1e-7).in_core
        assert in_core(g, prenucleolus(g).array, tol=1e-7).in_core


def _lex_greater_or_equal(a: np.ndarray, b: np.ndarray, tol: float) -> bool:
    diff = a - b
    big = np.flatnonzero(np.abs(diff) > tol)
    return big.size == 0 or diff[big[0]] > 0


@settings(max_examples=30, deadline=None)
@given(games, st.integers(0, 2**32 - 1))
def test_nucleolus_lexicographically_minimizes_sorted_excesses(g: TUGame, seed: int) -> None:
    if g.v[-1] < g.singletons().sum():
        return
    x = nucleolus(g).array
    ex = sorted_excesses(g, x)
    rng = np.random.default_rng(seed)
    lo = g.singletons()
    for scale in (1.0, 1e-2, 1e-4):
        for _ in range(20):
            d = rng.normal(size=g.n) * scale
            d -= d.mean()
            y = x + d
            if np.any(y < lo):
                continue  # stay in the imputation set
            assert _lex_greater_or_equal(sorted_excesses(g, y), ex, 1e-9)


def test_nucleolus_larger_weighted_majority_game_verified() -> None:
    # weighted majority [quota 9; 5, 4, 3, 2, 2, 1, 1, 1]: check against the reference
    weights = np.array([5, 4, 3, 2, 2, 1, 1, 1.0])
    v = (coalition_sums(weights) >= 10).astype(float)
    g = TUGame(NAMES[:8], v)
    nu = nucleolus(g)
    assert nu.trace[-1].startswith("verified over all 254")
    np.testing.assert_allclose(nu.array, reference_nucleolus(g.restrict(list(g.players)), True), atol=1e-6)
