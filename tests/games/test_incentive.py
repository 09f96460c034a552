"""Incentive design: hand calculations, games.md formulas, and independent checks of the
designed games (nashpy equilibria built here by hand, brute force, discounted sums)."""

from __future__ import annotations

import itertools

import nashpy as nash
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from regcoord.errors import DataError
from regcoord.games.incentive import analyse, design, discount_threshold, verify
from regcoord.games.strategic import PublicGoodGame, prisoners_dilemma, two_region_public_good

# ----------------------------------------------------------------------------- helpers


@st.composite
def pd_payoffs(draw: st.DrawFn) -> tuple[float, float, float, float]:
    """Random T > R > P > S with gaps of at least 0.05."""
    s = draw(st.floats(-20, 20))
    gaps = [draw(st.floats(0.05, 10)) for _ in range(3)]
    p = s + gaps[0]
    r = p + gaps[1]
    t = r + gaps[2]
    return r, s, t, p


def _modified(
    R: float, S: float, T: float, P: float, instrument: str, x: float
) -> tuple[np.ndarray, np.ndarray]:
    """Bimatrix after one instrument, written out here independently of the library."""
    F = x if instrument == "penalty" else 0.0
    B = x if instrument == "subsidy" else 0.0
    tau = x if instrument == "transfer" else 0.0
    a = np.array([[R + B, S + B + tau], [T - F - tau, P - F]])
    return a, a.T


def _nashpy_profile_set(a: np.ndarray, b: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    return list(nash.Game(a, b).support_enumeration())


def _cc_is_strict_nash(a: np.ndarray, b: np.ndarray) -> bool:
    eqs = _nashpy_profile_set(a, b)
    cc = any(np.allclose(sr, [1, 0]) and np.allclose(sc, [1, 0]) for sr, sc in eqs)
    return cc and a[0, 0] > a[1, 0] and b[0, 0] > b[0, 1]


def _cc_unique_dominant(a: np.ndarray, b: np.ndarray) -> bool:
    eqs = _nashpy_profile_set(a, b)
    unique = len(eqs) == 1 and np.allclose(eqs[0][0], [1, 0]) and np.allclose(eqs[0][1], [1, 0])
    return unique and bool(np.all(a[0] > a[1]))


def _discounted(stream: np.ndarray, delta: float) -> float:
    return float(np.sum(stream * delta ** np.arange(stream.size)))


# ----------------------------------------------------------------------------- by hand


def test_prisoners_dilemma_by_hand() -> None:
    # R=3, S=0, T=5, P=1: strict Nash needs B + F + tau > T - R = 2; dominance also > P - S = 1,
    # so 2 binds; delta* = (5 - 3) / (5 - 1) = 0.5; at delta = 0.4 the gap is
    # 0.6 * 5 + 0.4 * 1 - 3 = 0.4 and a transfer enters with (1 - delta) = 0.6: 0.4 / 0.6.
    g = prisoners_dilemma(3, 0, 5, 1)
    a = analyse(g, delta=0.4, epsilon=0.0)
    assert a.threshold.delta_star == pytest.approx(0.5)
    assert a.strict_nash.penalty == pytest.approx(2) and a.strict_nash.binding.startswith("D[n-1]")
    assert a.dominant.subsidy == pytest.approx(2) and a.dominant.binding == "T - R"
    assert a.grim_trigger is not None
    assert a.grim_trigger.gap == pytest.approx(0.4)
    assert a.grim_trigger.penalty == pytest.approx(0.4)
    assert a.grim_trigger.transfer == pytest.approx(0.4 / 0.6)
    assert not a.grim_trigger.already_holds
    assert a.to_frame().shape == (9, 5)
    # at delta = 0.6 >= 0.5 nothing is needed
    assert design(g, "grim_trigger", delta=0.6).penalty == 0.0


def test_dominance_binds_on_p_minus_s() -> None:
    # R=3, S=-5, T=4, P=0: T - R = 1 but P - S = 5, so dominance needs 5, strict Nash only 1.
    g = prisoners_dilemma(3, -5, 4, 0)
    assert design(g, "strict_nash", epsilon=0).penalty == pytest.approx(1)
    d = design(g, "dominant", epsilon=0)
    assert d.penalty == pytest.approx(5) and d.binding == "P - S"


def test_games_md_two_region_public_good() -> None:
    # games.md: s + f > c - b and grim trigger delta >= (c - b) / b. b = 2, c = 3: 1 and 0.5.
    g = two_region_public_good(b=2, c=3)
    assert design(g, "dominant", epsilon=0).subsidy == pytest.approx(1.0)
    assert discount_threshold(g).delta_star == pytest.approx(0.5)
    # the same game as an n = 2 public-good game with total benefit 2b
    pg = PublicGoodGame(n=2, b=4, c=3)
    assert design(pg, "dominant", epsilon=0).penalty == pytest.approx(1.0)
    assert discount_threshold(pg).delta_star == pytest.approx(0.5)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 8), b=st.floats(0.5, 20), ratio=st.floats(0.05, 0.95), e=st.floats(0, 3))
def test_n_region_formulas(n: int, b: float, ratio: float, e: float) -> None:
    # derived in incentive.py: s + f + (n - 1) tau > c - b/n and
    # delta* = (c - b/n) / ((n - 1)(b/n + e)); choose b/n < c < b.
    c = b / n + ratio * (b - b / n)
    pg = PublicGoodGame(n=n, b=b, c=c, spillover=e)
    for cond in ("strict_nash", "dominant"):
        d = design(pg, cond, epsilon=0)
        assert d.penalty == pytest.approx(c - b / n)
        assert d.transfer == pytest.approx((c - b / n) / (n - 1))
    assert discount_threshold(pg).delta_star == pytest.approx((c - b / n) / ((n - 1) * (b / n + e)))


def test_no_instrument_needed_when_cooperation_already_dominant() -> None:
    pg = PublicGoodGame(n=3, b=9, c=1)  # b/n = 3 > c
    d = design(pg, "dominant")
    assert d.already_holds and d.penalty == 0.0 and all(v.holds for v in d.verification)
    thr = discount_threshold(pg)
    assert thr.delta_star == 0.0 and thr.holds_at(0.0)


def test_never_sustainable_when_reward_below_punishment() -> None:
    # a deadlock-like game (T > P > R > S): mutual defection beats mutual cooperation
    from regcoord.games.strategic import SymmetricGame

    thr = discount_threshold(SymmetricGame(R=1, S=0, T=3, P=2))
    assert not thr.sustainable and not thr.holds_at(0.99)


def test_cheapest_mix_equals_linear_programme() -> None:
    g = prisoners_dilemma(3, 0, 5, 1)
    weights = {"penalty": 1.5, "subsidy": 2.0, "transfer": 0.8}
    for cond, delta in (("strict_nash", None), ("grim_trigger", 0.3)):
        d = design(g, cond, delta=delta, weights=weights, epsilon=0)
        coef = [ia.coefficient for ia in d.instruments]
        res = linprog(
            c=[weights[k] for k in ("penalty", "subsidy", "transfer")],
            A_ub=[[-v for v in coef]],
            b_ub=[-d.gap],
            bounds=[(0, None)] * 3,
        )
        assert d.cost == pytest.approx(res.fun)
    d = design(g, "strict_nash", weights={"penalty": 1.0}, epsilon=0)
    assert d.combination == (("penalty", pytest.approx(2.0)),)


def test_bad_inputs_raise() -> None:
    g = prisoners_dilemma(3, 0, 5, 1)
    with pytest.raises(DataError, match="discount factor"):
        design(g, "grim_trigger")
    with pytest.raises(DataError, match="0 <= delta < 1"):
        design(g, "grim_trigger", delta=1.0)
    with pytest.raises(DataError, match="epsilon"):
        design(g, "strict_nash", epsilon=-1)
    with pytest.raises(DataError, match="unknown instrument"):
        design(g, "strict_nash", weights={"bribe": 1})
    with pytest.raises(DataError, match="unknown condition"):
        design(g, "pareto")  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- Hypothesis


@settings(max_examples=60, deadline=None)
@given(pd_payoffs(), st.sampled_from(["penalty", "subsidy", "transfer"]))
def test_minimal_instrument_is_exactly_minimal_for_nash_and_dominance(
    rstp: tuple[float, float, float, float], instrument: str
) -> None:
    R, S, T, P = rstp
    eps = 1e-3
    g = prisoners_dilemma(R, S, T, P)
    sn = design(g, "strict_nash", epsilon=0)
    dom = design(g, "dominant", epsilon=0)
    x_sn = sn.amount(instrument)
    x_dom = dom.amount(instrument)
    # strict Nash: just above the bound (C, C) is a strict equilibrium; just below it is not one
    assert _cc_is_strict_nash(*_modified(R, S, T, P, instrument, x_sn + eps))
    assert not _cc_is_strict_nash(*_modified(R, S, T, P, instrument, x_sn - eps))
    # dominance: just above, (C, C) is the unique equilibrium with C dominant; just below, not
    assert _cc_unique_dominant(*_modified(R, S, T, P, instrument, x_dom + eps))
    assert not _cc_unique_dominant(*_modified(R, S, T, P, instrument, x_dom - eps))
    # the library's own verification agrees at the designed amount (epsilon > 0)
    assert all(v.holds for v in design(g, "dominant", epsilon=eps).verification)


@settings(max_examples=60, deadline=None)
@given(pd_payoffs(), st.floats(0.05, 0.9), st.sampled_from(["penalty", "subsidy", "transfer"]))
def test_minimal_instrument_for_grim_trigger(
    rstp: tuple[float, float, float, float], delta: float, instrument: str
) -> None:
    R, S, T, P = rstp
    eps = 1e-3
    g = prisoners_dilemma(R, S, T, P)
    d = design(g, "grim_trigger", delta=delta, epsilon=0)
    assume(d.gap > 10 * eps)
    x = d.amount(instrument)
    horizon = 3000  # delta**3000 < 1e-137: the truncated sums are the infinite ones
    for amount, expect in ((x + eps, True), (x - eps, False)):
        a, _ = _modified(R, S, T, P, instrument, amount)
        coop = _discounted(np.full(horizon, a[0, 0]), delta)
        deviate = _discounted(np.concatenate([[a[1, 0]], np.full(horizon - 1, a[1, 1])]), delta)
        assert (coop >= deviate) is expect


@settings(max_examples=60, deadline=None)
@given(pd_payoffs())
def test_discount_threshold_against_discounted_sums(rstp: tuple[float, float, float, float]) -> None:
    R, S, T, P = rstp
    d_star = discount_threshold(prisoners_dilemma(R, S, T, P)).delta_star
    horizon = 4000
    for delta, expect in ((d_star + 0.01, True), (d_star - 0.01, False)):
        if not 0 < delta < 0.99:
            continue
        coop = _discounted(np.full(horizon, R), delta)
        deviate = _discounted(np.concatenate([[T], np.full(horizon - 1, P)]), delta)
        assert (coop >= deviate) is expect


def _all_cooperate_unique_strict(pg: PublicGoodGame, s: float, f: float, tau: float) -> bool:
    """Brute force over every profile: is all-cooperate the only (strict) equilibrium?"""

    def pay(a: np.ndarray, i: int) -> float:
        k_others = int(a.sum() - a[i])
        defectors_others = pg.n - 1 - k_others
        base = float(pg.payoff(a[i], k_others))
        if a[i] == 1:
            return base + s + tau * defectors_others
        return base - f - tau * k_others

    equilibria = []
    for prof in itertools.product((0, 1), repeat=pg.n):
        a = np.array(prof)
        ok = True
        for i in range(pg.n):
            b = a.copy()
            b[i] = 1 - b[i]
            if pay(b, i) >= pay(a, i):
                ok = False
                break
        if ok:
            equilibria.append(prof)
    return equilibria == [(1,) * pg.n]


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(2, 5),
    b=st.floats(1, 20),
    ratio=st.floats(0.05, 0.95),
    e=st.floats(0, 3),
    instrument=st.sampled_from(["penalty", "subsidy", "transfer"]),
)
def test_n_region_minimal_instrument_by_brute_force(
    n: int, b: float, ratio: float, e: float, instrument: str
) -> None:
    c = b / n + ratio * (b - b / n)
    pg = PublicGoodGame(n=n, b=b, c=c, spillover=e)
    x = design(pg, "dominant", epsilon=0).amount(instrument)
    eps = 1e-4
    kw = {"s": 0.0, "f": 0.0, "tau": 0.0}
    key = {"penalty": "f", "subsidy": "s", "transfer": "tau"}[instrument]
    assert _all_cooperate_unique_strict(pg, **{**kw, key: x + eps})
    assert not _all_cooperate_unique_strict(pg, **{**kw, key: x - eps})
    assert verify(pg, "strict_nash", **{instrument: x + eps}).holds
    assert not verify(pg, "strict_nash", **{instrument: x - eps}).holds


def test_non_numeric_parameters_raise_data_errors() -> None:
    g = prisoners_dilemma(3, 0, 5, 1)
    with pytest.raises(DataError, match=r"delta='x' is not a number"):
        analyse(g, delta="x")
    with pytest.raises(DataError, match=r"epsilon='x' is not a number"):
        analyse(g, epsilon="x")
    with pytest.raises(DataError, match=r"weight penalty='x' is not a number"):
        analyse(g, weights={"penalty": "x"})
