"""Strategic games between regions: hand-solved 2x2 games, nashpy cross-checks, brute force."""

from __future__ import annotations

import itertools

import nashpy as nash
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.stats import binom

from regcoord.errors import DataError
from regcoord.games.strategic import (
    BimatrixGame,
    PublicGoodGame,
    SymmetricBinaryGame,
    SymmetricGame,
    classify,
    equilibria,
    prisoners_dilemma,
    pure_equilibria_by_deviation,
    two_region_public_good,
)

C, D = "cooperate", "defect"


def test_prisoners_dilemma_classification_by_hand() -> None:
    # R=3, S=0, T=5, P=1 (Axelrod 1984's tournament payoffs): defect strictly dominates
    # (5 > 3 against C, 1 > 0 against D); (D, D) is the unique equilibrium and is
    # Pareto-dominated by (C, C); (C, D) and (D, C) are Pareto-optimal (0 + 5 vs 3 + 3).
    g = prisoners_dilemma(3, 0, 5, 1)
    cls = classify(g)
    assert cls.kind == "prisoners_dilemma" and cls.is_prisoners_dilemma
    assert cls.strictly_dominant == (D, D)
    assert cls.pure_nash == ((D, D),) and cls.strict_pure_nash == ((D, D),)
    assert set(cls.pareto_optimal) == {(C, C), (C, D), (D, C)}
    assert cls.social_optimum == ((C, C),)
    assert cls.dilemma
    for method in ("support", "vertex", "lemke_howson"):
        eqs = equilibria(g, method=method)
        assert eqs.pure_profiles() == ((D, D),)
        assert eqs.equilibria[0].row_payoff == pytest.approx(1.0)


def test_stag_hunt_has_two_pure_and_one_mixed_equilibrium() -> None:
    # R=4, S=0, T=3, P=2: indifference 4p = 3p + 2(1 - p) gives p = 2/3 cooperation,
    # expected payoff 4 * 2/3 = 8/3.
    g = SymmetricGame(R=4, S=0, T=3, P=2)
    cls = classify(g)
    assert cls.is_stag_hunt and cls.strictly_dominant == (None, None)
    assert set(cls.pure_nash) == {(C, C), (D, D)}
    eqs = equilibria(g, method="support")
    assert len(eqs) == 3
    mixed = [e for e in eqs.equilibria if not e.pure]
    assert len(mixed) == 1
    assert mixed[0].row_strategy == pytest.approx((2 / 3, 1 / 3))
    assert mixed[0].row_payoff == pytest.approx(8 / 3)
    vertex = equilibria(g, method="vertex")
    assert len(vertex) == 3


def test_chicken_pure_equilibria_are_asymmetric() -> None:
    # T=3 > R=2 > S=1 > P=0: best reply to C is D and to D is C; mixed: 2p + (1-p) = 3p -> p = 1/2.
    g = SymmetricGame(R=2, S=1, T=3, P=0)
    cls = classify(g)
    assert cls.is_chicken
    assert set(cls.pure_nash) == {(C, D), (D, C)}
    mixed = [e for e in equilibria(g).equilibria if not e.pure]
    assert mixed[0].col_strategy == pytest.approx((0.5, 0.5))


def test_harmony_and_deadlock_names() -> None:
    assert SymmetricGame(R=3, S=2, T=1, P=0).kind() == "harmony"
    assert classify(SymmetricGame(R=3, S=2, T=1, P=0)).strictly_dominant == (C, C)
    assert SymmetricGame(R=1, S=0, T=3, P=2).kind() == "deadlock"


@pytest.mark.parametrize(
    ("R", "S", "T", "P", "broken"),
    [(5, 0, 3, 1, "T > R"), (1, 0, 5, 3, "R > P"), (3, 2, 5, 1, "P > S")],
)
def test_prisoners_dilemma_ordering_is_checked(R: float, S: float, T: float, P: float, broken: str) -> None:
    with pytest.raises(DataError, match=broken):
        prisoners_dilemma(R, S, T, P)


def test_bad_games_raise() -> None:
    with pytest.raises(DataError, match="shapes"):
        BimatrixGame(np.zeros((2, 2)), np.zeros((2, 3)))
    with pytest.raises(DataError, match="not finite"):
        BimatrixGame(np.array([[1, np.nan], [0, 0]]), np.zeros((2, 2)))
    with pytest.raises(DataError, match="not finite"):
        SymmetricGame(R=float("inf"), S=0, T=1, P=0)
    with pytest.raises(DataError, match="integer >= 2"):
        PublicGoodGame(n=1, b=2, c=1)
    with pytest.raises(DataError, match="unknown equilibrium method"):
        equilibria(SymmetricGame(1, 0, 2, 0.5), method="simplex")  # type: ignore[arg-type]


def test_two_region_public_good_matches_games_md() -> None:
    # games.md: effort costs c and gives b to each of two regions; b < c < 2b is a PD.
    g = two_region_public_good(b=2, c=3)
    assert (g.R, g.S, g.T, g.P) == (1, -1, 2, 0)
    assert g.kind() == "prisoners_dilemma"
    # the n-region game with n = 2 and total benefit 2b is the same game
    pg = PublicGoodGame(n=2, b=4, c=3)
    np.testing.assert_allclose(pg.cooperator_payoffs(), g.cooperator_payoffs())
    np.testing.assert_allclose(pg.defector_payoffs(), g.defector_payoffs())


def test_public_good_payoffs_by_hand() -> None:
    # n=4, b=6, c=2, e=0.5; k=3 cooperators: cooperator 6*3/4 + 0.5*2 - 2 = 3.5, defector (k=3
    # others would need k_others=3) -> payoff(0, 3) = 6*3/4 + 0.5*3 = 6.0
    pg = PublicGoodGame(n=4, b=6, c=2, spillover=0.5)
    assert pg.payoff(1, 2) == pytest.approx(3.5)
    assert pg.payoff(0, 3) == pytest.approx(6.0)
    tab = pg.payoff_table()
    assert tab.loc[3, "cooperator_payoff"] == pytest.approx(3.5)
    assert np.isnan(tab.loc[0, "cooperator_payoff"]) and np.isnan(tab.loc[4, "defector_payoff"])
    # average payoff with all 4 cooperating: b - c + e (n - 1) = 6 - 2 + 1.5
    assert pg.expected_payoff(4) == pytest.approx(5.5)
    assert pg.is_social_dilemma  # 6/4 < 2 < 6 + 1.5
    eq = pg.pure_equilibria()
    assert eq.counts == (0,) and eq.strict == (True,)
    # marginal per-capita return above cost: everybody cooperates
    assert PublicGoodGame(n=4, b=10, c=2).pure_equilibria().counts == (4,)
    # c = b/n exactly: every profile is a (weak) equilibrium
    weak = PublicGoodGame(n=3, b=3, c=1).pure_equilibria()
    assert weak.counts == (0, 1, 2, 3) and not any(weak.strict)


def test_expected_payoffs_equal_binomial_sums() -> None:
    pg = PublicGoodGame(n=5, b=7, c=3, spillover=0.25)
    k = np.arange(pg.n)
    for p in (0.0, 0.3, 0.8, 1.0):
        w = binom.pmf(k, pg.n - 1, p)
        ec, ed = pg.expected_payoffs(p)
        assert ec == pytest.approx(np.sum(w * pg.payoff(1, k)))
        assert ed == pytest.approx(np.sum(w * pg.payoff(0, k)))
    with pytest.raises(DataError, match="probability"):
        pg.expected_payoffs(1.5)


def _brute_force_ne_counts(pg: PublicGoodGame) -> set[int]:
    """Every pure profile, every unilateral deviation, checked directly."""
    out = set()
    for prof in itertools.product((0, 1), repeat=pg.n):
        a = np.array(prof)
        k = a.sum()
        stable = True
        for i in range(pg.n):
            own = pg.payoff(a[i], k - a[i])
            dev = pg.payoff(1 - a[i], k - a[i])
            if dev > own + 1e-12:
                stable = False
                break
        if stable:
            out.add(int(k))
    return out


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(2, 5),
    b=st.floats(0.1, 20),
    c=st.floats(0.1, 20),
    e=st.floats(0, 5),
)
def test_public_good_equilibria_equal_brute_force(n: int, b: float, c: float, e: float) -> None:
    pg = PublicGoodGame(n=n, b=b, c=c, spillover=e)
    assume(abs(c - b / n) > 1e-9)
    assert set(pg.pure_equilibria().counts) == _brute_force_ne_counts(pg)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(-20, 20), min_size=8, max_size=8))
def test_classify_pure_nash_matches_nashpy(vals: list[int]) -> None:
    a = np.array(vals[:4], dtype=float).reshape(2, 2)
    b = np.array(vals[4:], dtype=float).reshape(2, 2)
    # generic games only (integer payoffs): no ties in a column of A or a row of B
    assume(a[0, 0] != a[1, 0] and a[0, 1] != a[1, 1])
    assume(b[0, 0] != b[0, 1] and b[1, 0] != b[1, 1])
    g = BimatrixGame(a, b)
    ours = set(classify(g).pure_nash)
    theirs = set()
    for sr, sc in nash.Game(a, b).support_enumeration():
        if max(sr) > 1 - 1e-9 and max(sc) > 1 - 1e-9:
            theirs.add((g.row_strategies[int(np.argmax(sr))], g.col_strategies[int(np.argmax(sc))]))
    assert ours == theirs
    # support and vertex enumeration agree on generic games
    s = equilibria(g, method="support")
    v = equilibria(g, method="vertex")
    assert len(s) == len(v)


def test_symmetric_binary_game_instruments_agree_with_2x2() -> None:
    g = SymmetricGame(R=3, S=0, T=5, P=1)
    a = g.with_instruments(penalty=0.7, subsidy=0.2, transfer=0.4)
    b = g.stage().with_instruments(penalty=0.7, subsidy=0.2, transfer=0.4)
    # by hand: R + B = 3.2, S + B + tau = 0.6, T - F - tau = 3.9, P - F = 0.3
    np.testing.assert_allclose([a.R, a.S, a.T, a.P], [3.2, 0.6, 3.9, 0.3])
    np.testing.assert_allclose(b.cooperator, [0.6, 3.2])
    np.testing.assert_allclose(b.defector, [0.3, 3.9])
    np.testing.assert_allclose(b.bimatrix().row_payoffs, a.bimatrix().row_payoffs)
    with pytest.raises(DataError, match="bimatrix"):
        PublicGoodGame(n=3, b=2, c=1).stage().bimatrix()
    with pytest.raises(DataError, match="equal length"):
        SymmetricBinaryGame(np.zeros(3), np.zeros(2))


def test_deviation_gains_are_reported() -> None:
    eq = pure_equilibria_by_deviation(np.array([0.0, 3.0]), np.array([1.0, 5.0]))  # PD 3, 0, 5, 1
    assert eq.counts == (0,)
    assert eq.deviation_gain_cooperator[2] == pytest.approx(2.0)  # T - R
    assert eq.deviation_gain_defector[0] == pytest.approx(-1.0)  # S - P
    assert list(eq.to_frame()["nash"]) == [True, False, False]


def test_results_serialise() -> None:
    g = prisoners_dilemma(3, 0, 5, 1)
    d = classify(g).to_dict()
    assert d["kind"] == "prisoners_dilemma" and d["strictly_dominant"] == {"region 1": D, "region 2": D}
    assert equilibria(g).to_frame().shape == (1, 7)
    assert g.bimatrix().to_frame().shape == (4, 4)


def test_degenerate_game_warnings_are_kept() -> None:
    # every payoff equal: all four pure profiles are equilibria (a degenerate game, where
    # nashpy's support enumeration warns that it returned an even number)
    eqs = equilibria(SymmetricGame(1, 1, 1, 1), method="support")
    assert len(eqs.pure_profiles()) == 4
    assert any("degenerate" in w for w in eqs.warnings)
