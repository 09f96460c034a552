"""Bankruptcy rules: the Talmud's estates, hand cases, and the rules' axioms (Hypothesis)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regcoord.games.cooperative import (
    GameError,
    bankruptcy_game,
    constrained_equal_awards,
    constrained_equal_losses,
    nucleolus,
    proportional,
    random_arrival,
    talmud,
)

RULES = [proportional, constrained_equal_awards, constrained_equal_losses, talmud, random_arrival]


@pytest.mark.parametrize(
    ("estate", "expected"),
    [(100, [100 / 3] * 3), (200, [50, 75, 75]), (300, [50, 100, 150])],
)
def test_talmud_published_estates(estate, expected) -> None:
    # Ketubot 93a as read by Aumann and Maschler (1985): claims 100, 200, 300
    got = talmud(estate, {"w1": 100, "w2": 200, "w3": 300})
    assert got.players == ("w1", "w2", "w3")
    np.testing.assert_allclose(got.array, expected, atol=1e-12)


def test_hand_cases() -> None:
    claims = [100, 200, 300]
    np.testing.assert_allclose(proportional(300, claims).array, [50, 100, 150])
    # CEA: lambda = 100 -> (100, 100, 100) at E = 300; at E = 200 -> 200/3 each
    np.testing.assert_allclose(constrained_equal_awards(300, claims).array, [100, 100, 100])
    np.testing.assert_allclose(constrained_equal_awards(200, claims).array, [200 / 3] * 3)
    np.testing.assert_allclose(constrained_equal_awards(500, claims).array, [100, 200, 200])
    # CEL: x_i = max(0, d_i - mu) summing to 300: mu = 100 -> (0, 100, 200)
    np.testing.assert_allclose(constrained_equal_losses(300, claims).array, [0, 100, 200])
    # at E = 450: mu = 50 -> (50, 150, 250)
    np.testing.assert_allclose(constrained_equal_losses(450, claims).array, [50, 150, 250])
    # random arrival at E = 200, orders of claims (100, 200, 300), by hand over the 6 orders:
    # claimant 1 paid 100 only when first (2 of 6) -> 100/3; claimant 2: 200 when first (2/6),
    # 100 after claimant 1 (order 1,2,3) -> (400 + 100)/6 = 250/3; claimant 3 the same 250/3
    np.testing.assert_allclose(random_arrival(200, claims).array, [100 / 3, 250 / 3, 250 / 3], atol=1e-12)


def _random_arrival_by_orders(estate: float, claims: list[float]) -> np.ndarray:
    n = len(claims)
    out = np.zeros(n)
    for order in itertools.permutations(range(n)):
        left = estate
        for i in order:
            pay = min(claims[i], left)
            out[i] += pay
            left -= pay
    return out / math.factorial(n)


problems = st.lists(st.integers(0, 100), min_size=1, max_size=6).flatmap(
    lambda claims: st.tuples(st.just(claims), st.floats(0, 1))
)


@settings(max_examples=60, deadline=None)
@given(problems)
def test_rule_axioms(problem) -> None:
    claims, share = problem
    d = np.array(claims, dtype=float)
    estate = share * d.sum()
    for rule in RULES:
        x = rule(estate, claims).array
        assert x.sum() == pytest.approx(estate, abs=1e-9), rule.__name__
        assert np.all(x >= -1e-9) and np.all(x <= d + 1e-9), rule.__name__
        # order preservation: larger claim -> at least as large award and loss
        for i, j in itertools.combinations(range(d.size), 2):
            if d[i] <= d[j]:
                assert x[i] <= x[j] + 1e-9 and d[i] - x[i] <= d[j] - x[j] + 1e-9, rule.__name__


@settings(max_examples=40, deadline=None)
@given(problems)
def test_random_arrival_is_average_over_orders(problem) -> None:
    claims, share = problem
    estate = share * sum(claims)
    np.testing.assert_allclose(
        random_arrival(estate, claims).array, _random_arrival_by_orders(estate, claims), atol=1e-9
    )


@settings(max_examples=30, deadline=None)
@given(problems)
def test_talmud_is_nucleolus_of_bankruptcy_game(problem) -> None:
    # Aumann and Maschler (1985), Theorem A
    claims, share = problem
    estate = share * sum(claims)
    np.testing.assert_allclose(
        talmud(estate, claims).array, nucleolus(bankruptcy_game(estate, claims)).array, atol=1e-6
    )


def test_errors() -> None:
    with pytest.raises(GameError, match="exceeds the total claims"):
        talmud(700, [100, 200, 300])
    with pytest.raises(GameError, match="claim of '2'"):
        proportional(10, [5, -1])
    with pytest.raises(GameError, match="names"):
        proportional(10, [5, 6], players=["a"])
