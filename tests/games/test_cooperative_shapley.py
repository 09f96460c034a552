"""Shapley, Banzhaf, weighted Shapley, Monte Carlo Shapley and Owen value.

References: coopgt (enumerates all n! orders) on random games; the airport game formula
(Littlechild and Owen 1973); the glove game (2/3, 1/6, 1/6); Shapley axioms (Hypothesis).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from coopgt.shapley_value import calculate as coopgt_shapley
from hypothesis import given, settings
from hypothesis import strategies as st

from regcoord.games.cooperative import (
    CoalitionFunction,
    GameError,
    TUGame,
    banzhaf,
    coalition_sums,
    owen,
    parse_unions,
    quotient_game,
    shapley,
    shapley_monte_carlo,
    weighted_shapley,
)

NAMES = tuple("ABCDEFGH")


def _game(values: list[float] | np.ndarray, n: int) -> TUGame:
    v = np.concatenate([[0.0], np.asarray(values, dtype=float)])
    return TUGame(NAMES[:n], v)


def _coopgt_dict(g: TUGame) -> dict[tuple[int, ...], float]:
    return {tuple(i + 1 for i in range(g.n) if m >> i & 1): float(g.v[m]) for m in range(1 << g.n)}


games = st.integers(2, 5).flatmap(
    lambda n: st.lists(st.integers(-20, 40), min_size=(1 << n) - 1, max_size=(1 << n) - 1).map(
        lambda vals: _game(vals, n)
    )
)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6])
def test_shapley_matches_coopgt(n: int) -> None:
    rng = np.random.default_rng(n)
    for _ in range(3):
        g = _game(rng.normal(size=(1 << n) - 1) * 10, n)
        ref = coopgt_shapley(_coopgt_dict(g), n)
        np.testing.assert_allclose(shapley(g).array, ref, rtol=0, atol=1e-10)


def test_glove_game() -> None:
    g = TUGame.from_dict({"L": 0, "R1": 0, "R2": 0, "L+R1": 1, "L+R2": 1, "R1+R2": 0, "L+R1+R2": 1})
    np.testing.assert_allclose(shapley(g).array, [2 / 3, 1 / 6, 1 / 6], atol=1e-15)
    # Banzhaf by hand: L is pivotal in {R1}, {R2}, {R1,R2} -> 3/4; R1 only in {L} -> 1/4
    np.testing.assert_allclose(banzhaf(g).array, [3 / 4, 1 / 4, 1 / 4], atol=1e-15)


def test_airport_game_formula() -> None:
    # Littlechild and Owen (1973): phi_i = sum_{k <= i} (c_k - c_{k-1}) / (n - k + 1)
    costs = np.array([1.0, 3.0, 4.0, 8.0, 8.5, 12.0])
    n = costs.size
    v = np.zeros(1 << n)
    for m in range(1, 1 << n):
        v[m] = max(costs[i] for i in range(n) if m >> i & 1)
    g = TUGame(NAMES[:n], v)
    steps = np.diff(np.concatenate([[0.0], costs]))
    expected = np.cumsum(steps / (n - np.arange(n)))
    np.testing.assert_allclose(shapley(g).array, expected, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(games)
def test_shapley_efficiency_and_matches_permutation_definition(g: TUGame) -> None:
    phi = shapley(g).array
    assert phi.sum() == pytest.approx(g.v[-1], abs=1e-9)
    # definition: average marginal contribution over all n! orders
    ref = np.zeros(g.n)
    for order in itertools.permutations(range(g.n)):
        m = 0
        for i in order:
            ref[i] += g.v[m | 1 << i] - g.v[m]
            m |= 1 << i
    np.testing.assert_allclose(phi, ref / math.factorial(g.n), atol=1e-9)


@settings(max_examples=30, deadline=None)
@given(games, games)
def test_shapley_additivity(g: TUGame, h: TUGame) -> None:
    if g.n != h.n:
        return
    total = TUGame(g.players, g.v + h.v)
    np.testing.assert_allclose(shapley(total).array, shapley(g).array + shapley(h).array, atol=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 5), st.data())
def test_symmetry_and_null_player(n: int, data: st.DataObject) -> None:
    # worth depends on |S minus {null}| only through a random table -> all others symmetric
    table = data.draw(st.lists(st.integers(-10, 10), min_size=n, max_size=n))
    null = n - 1
    v = np.zeros(1 << n)
    for m in range(1, 1 << n):
        k = (m & ~(1 << null)).bit_count()
        v[m] = table[k - 1] if k else 0.0
    g = TUGame(NAMES[:n], v)
    for value in (shapley(g).array, banzhaf(g).array):
        assert value[null] == pytest.approx(0.0, abs=1e-12)
        np.testing.assert_allclose(value[:-1], value[0], atol=1e-10)


@settings(max_examples=30, deadline=None)
@given(games)
def test_banzhaf_matches_definition(g: TUGame) -> None:
    n = g.n
    ref = np.zeros(n)
    for i in range(n):
        for m in range(1 << n):
            if not m >> i & 1:
                ref[i] += g.v[m | 1 << i] - g.v[m]
    np.testing.assert_allclose(banzhaf(g).array, ref / 2 ** (n - 1), atol=1e-9)
    nb = banzhaf(g, normalized=True).array if abs(ref.sum()) > 1e-6 else None
    if nb is not None:
        assert nb.sum() == pytest.approx(g.v[-1], abs=1e-9)


def test_large_game_is_efficient_and_chunked_path_agrees() -> None:
    # n = 19 crosses the chunk size (2^18): compare the chunked path against an additive game
    n = 19
    rng = np.random.default_rng(7)
    a = rng.random(n)
    g = TUGame(tuple(f"p{i}" for i in range(n)), coalition_sums(a))
    np.testing.assert_allclose(shapley(g).array, a, atol=1e-9)  # additive game: phi_i = a_i
    np.testing.assert_allclose(banzhaf(g).array, a, atol=1e-9)
    w = coalition_sums(a) ** 2  # v(S) = a(S)^2: phi_i = a_i * a(N) (symmetric bilinear split)
    np.testing.assert_allclose(shapley(TUGame(g.players, w)).array, a * a.sum(), atol=1e-9)


@settings(max_examples=30, deadline=None)
@given(games)
def test_weighted_shapley_equal_weights_is_shapley(g: TUGame) -> None:
    np.testing.assert_allclose(weighted_shapley(g, [2.5] * g.n).array, shapley(g).array, atol=1e-9)


def test_weighted_shapley_unanimity_game() -> None:
    # unanimity game of {A, B}: the dividend 1 is split w_A : w_B (Kalai and Samet 1987)
    g = TUGame(("A", "B", "C"), [0, 0, 0, 1, 0, 0, 0, 1])
    np.testing.assert_allclose(weighted_shapley(g, {"A": 1, "B": 3, "C": 7}).array, [0.25, 0.75, 0.0])
    with pytest.raises(GameError, match="not positive"):
        weighted_shapley(g, [1, 0, 1])


def test_monte_carlo_converges_to_exact() -> None:
    rng = np.random.default_rng(11)
    g = _game(rng.normal(size=63) * 5, 6)
    exact = shapley(g).array
    mc = shapley_monte_carlo(g, target_se=0.02, seed=3, batch_size=500)
    assert mc.converged and max(mc.standard_errors) <= 0.02
    # within 5 standard errors of the exact value
    assert np.all(np.abs(np.array(mc.values) - exact) <= 5 * np.array(mc.standard_errors) + 1e-12)
    # same seed, same answer
    again = shapley_monte_carlo(g, target_se=0.02, seed=3, batch_size=500)
    assert again.values == mc.values
    assert mc.to_dict()["permutations"] == mc.permutations


def test_monte_carlo_with_coalition_function_matches_tabulated_game() -> None:
    n = 5
    rng = np.random.default_rng(5)
    a = rng.random(n)
    g = TUGame(NAMES[:n], coalition_sums(a) ** 2)
    fn = CoalitionFunction(NAMES[:n], lambda member: (member @ a) ** 2)
    r1 = shapley_monte_carlo(g, max_permutations=2000, seed=9)
    r2 = shapley_monte_carlo(fn, max_permutations=2000, seed=9)
    np.testing.assert_allclose(r1.values, r2.values, atol=1e-12)
    assert not r1.converged and r1.permutations == 2000


# ---------------------------------------------------------------------- Owen value


def test_owen_hand_example_majority() -> None:
    # majority game of 3 with unions {A, B} | {C}: the union {A, B} wins the quotient game
    # (2 unions, u({AB}) = 1, u({C}) = 0 -> Shapley (1, 0)), then A and B split 1 equally
    g = TUGame.from_callable("ABC", lambda s: 1.0 if len(s) >= 2 else 0.0)
    np.testing.assert_allclose(owen(g, [["A", "B"], ["C"]]).array, [0.5, 0.5, 0.0], atol=1e-15)


def test_owen_hand_example_four_players() -> None:
    # v(S) = 1 iff S contains A and at least one of C, D; unions {A, B} | {C, D}.
    # Quotient game: unanimity of the two unions -> 1/2 each.  Inside {C, D} (the other
    # union present with prob 1/2 as a whole): C and D symmetric -> 1/4 each.  Inside {A, B}:
    # the outer block {C, D} present (weight 1/2): u(A)=1/2*1, u(B)=0, u(AB)=1/2 -> A gets 1/2.
    g = TUGame.from_callable("ABCD", lambda s: 1.0 if "A" in s and ({"C", "D"} & s) else 0.0)
    np.testing.assert_allclose(owen(g, parse_unions("A+B|C+D")).array, [0.5, 0.0, 0.25, 0.25], atol=1e-15)


@settings(max_examples=30, deadline=None)
@given(games, st.data())
def test_owen_properties(g: TUGame, data: st.DataObject) -> None:
    phi = shapley(g).array
    singles = [[p] for p in g.players]
    np.testing.assert_allclose(owen(g, singles).array, phi, atol=1e-9)
    np.testing.assert_allclose(owen(g, [list(g.players)]).array, phi, atol=1e-9)
    labels = data.draw(st.lists(st.integers(0, 2), min_size=g.n, max_size=g.n))
    unions = [[p for p, k in zip(g.players, labels, strict=True) if k == j] for j in range(3)]
    unions = [u for u in unions if u]
    ow = owen(g, unions).array
    assert ow.sum() == pytest.approx(g.v[-1], abs=1e-9)
    q = shapley(quotient_game(g, unions)).array
    totals = [sum(ow[g.players.index(p)] for p in u) for u in unions]
    np.testing.assert_allclose(totals, q, atol=1e-9)


def test_owen_rejects_bad_structures() -> None:
    g = TUGame(("A", "B"), [0, 1, 1, 3])
    with pytest.raises(GameError, match="no union"):
        owen(g, [["A"]])
    with pytest.raises(GameError, match="partition"):
        owen(g, [["A", "B"], ["B"]])
    with pytest.raises(GameError, match="unknown player"):
        owen(g, [["A", "Z"], ["B"]])
    with pytest.raises(GameError, match="empty union"):
        parse_unions("A||B")


@settings(max_examples=30, deadline=None)
@given(games, st.data())
def test_weighted_shapley_efficiency_and_null_player(g: TUGame, data: st.DataObject) -> None:
    w = data.draw(st.lists(st.floats(0.1, 10), min_size=g.n, max_size=g.n))
    assert sum(weighted_shapley(g, w).values) == pytest.approx(g.v[-1], abs=1e-8)
    # make the last player null: v(S u {last}) = v(S)
    half = 1 << (g.n - 1)
    v = g.v.copy()
    v[half:] = v[:half]
    null = TUGame(g.players, v)
    assert weighted_shapley(null, w).values[-1] == pytest.approx(0.0, abs=1e-9)


def test_monte_carlo_progress_and_validation() -> None:
    g = _game([1, 1, 3], 2)
    calls: list[tuple[int, int]] = []
    shapley_monte_carlo(
        g, max_permutations=300, batch_size=100, seed=0, progress=lambda d, t: calls.append((d, t))
    )
    assert calls == [(100, 300), (200, 300), (300, 300)]
    with pytest.raises(GameError, match="target_se"):
        shapley_monte_carlo(g, target_se=0.0)
    bad = CoalitionFunction(("A", "B"), lambda member: np.zeros(3))
    with pytest.raises(GameError, match="shape"):
        shapley_monte_carlo(bad, max_permutations=10)


def _owen_by_orders(g: TUGame, unions: list[list[str]]) -> np.ndarray:
    """Owen (1977): average marginal contribution over the orders in which every union's
    members arrive together (orders of unions x orders inside each union)."""
    n = g.n
    idx = [[g.players.index(p) for p in u] for u in unions]
    total = np.zeros(n)
    count = 0
    for outer in itertools.permutations(range(len(idx))):
        for inner in itertools.product(*(itertools.permutations(idx[k]) for k in outer)):
            m = 0
            for block in inner:
                for i in block:
                    total[i] += g.v[m | 1 << i] - g.v[m]
                    m |= 1 << i
            count += 1
    return total / count


@settings(max_examples=30, deadline=None)
@given(games, st.data())
def test_owen_matches_order_definition(g: TUGame, data: st.DataObject) -> None:
    labels = data.draw(st.lists(st.integers(0, 2), min_size=g.n, max_size=g.n))
    unions = [[p for p, k in zip(g.players, labels, strict=True) if k == j] for j in range(3)]
    unions = [u for u in unions if u]
    np.testing.assert_allclose(owen(g, unions).array, _owen_by_orders(g, unions), atol=1e-9)


@settings(max_examples=30, deadline=None)
@given(games, st.data())
def test_weighted_shapley_matches_dividend_definition(g: TUGame, data: st.DataObject) -> None:
    # Kalai and Samet (1987): phi_i = sum_{S containing i} w_i / w(S) * d(S), with the
    # Harsanyi dividend d(S) = sum_{T subset S} (-1)^{|S|-|T|} v(T) written out directly
    w = np.array(data.draw(st.lists(st.floats(0.1, 10), min_size=g.n, max_size=g.n)))
    n = g.n
    ref = np.zeros(n)
    for s in range(1, 1 << n):
        d = sum((-1) ** ((s ^ t).bit_count()) * g.v[t] for t in range(1 << n) if t & s == t)
        members = [i for i in range(n) if s >> i & 1]
        ws = w[members].sum()
        for i in members:
            ref[i] += w[i] / ws * d
    np.testing.assert_allclose(weighted_shapley(g, w).array, ref, atol=1e-8)
