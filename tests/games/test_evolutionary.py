"""Evolutionary basin-compensation games: nashpy's replicator dynamics, hand-derived
Jacobians, a first integral, brute-force strict equilibria and the published qualitative
results (games.md)."""

from __future__ import annotations

import warnings

import nashpy as nash
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from regcoord.errors import DataError
from regcoord.games.evolutionary import (
    PARAMETERS,
    BasinCompensationGame,
    TripartiteCompensationGame,
)

money = st.floats(0, 10, allow_nan=False, allow_infinity=False)
PC = "(protect, compensate)"


@st.composite
def games(draw: st.DrawFn) -> BasinCompensationGame:
    return BasinCompensationGame(**{name: draw(money) for name in PARAMETERS})


EXAMPLE = BasinCompensationGame(Bu=2, C=5, Bd=6, L=4, P=2, K=1, A=1, Fu=1.5, Fd=3)


def test_payoff_table_is_games_md() -> None:
    up, down = EXAMPLE.payoff_matrices()
    # protect/compensate: (B_u - C + A + P, B_d - P) = (2 - 5 + 1 + 2, 6 - 2)
    np.testing.assert_allclose(up, [[0, -2], [-2.5, -1.5]])
    np.testing.assert_allclose(down, [[4, 3], [-3, -4]])


def test_field_matches_nashpy_asymmetric_replicator_dynamics() -> None:
    up, down = EXAMPLE.payoff_matrices()
    t = np.linspace(0, 10, 101)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        xs, ys = nash.Game(up, down).asymmetric_replicator_dynamics(
            x0=np.array([0.3, 0.7]), y0=np.array([0.2, 0.8]), timepoints=t
        )
    ours = EXAMPLE.trajectory(0.3, 0.2, 10, n_points=101)
    np.testing.assert_allclose(ours.t, t)
    np.testing.assert_allclose(ours.x, xs[:, 0], atol=1e-6)
    np.testing.assert_allclose(ours.y, ys[:, 0], atol=1e-6)


@settings(max_examples=40, deadline=None)
@given(games(), st.floats(0.01, 0.99), st.floats(0.01, 0.99))
def test_field_equals_payoff_differences(g: BasinCompensationGame, x: float, y: float) -> None:
    # replicator equation written from the payoff matrices: x' = x (u_protect - u_mean)
    up, down = g.payoff_matrices()
    xv, yv = np.array([x, 1 - x]), np.array([y, 1 - y])
    ux = up @ yv
    uy = xv @ down
    dx, dy = g.field(x, y)
    assert dx == pytest.approx(x * (ux[0] - xv @ ux), abs=1e-9)
    assert dy == pytest.approx(y * (uy[0] - uy @ yv), abs=1e-9)


def test_example_equilibria_by_hand() -> None:
    # a = B_u - C + A + F_u = -0.5, P + K = 3, F_d - P = 1, K = 1.
    # corner eigenvalues: (0,0): (-0.5, 1) saddle; (1,0): (0.5, 1) source;
    # (0,1): (2.5, -1) saddle; (1,1): (-2.5, -1) sink = ESS.
    # interior: x* = K / (P + K - F_d) = 1 / 0 -> none.
    res = EXAMPLE.equilibria()
    assert [p.label for p in res.points] == [
        "(not protect, not compensate)",
        "(protect, not compensate)",
        "(not protect, compensate)",
        PC,
    ]
    assert [p.stability for p in res.points] == ["saddle", "unstable", "saddle", "stable"]
    assert [p.label for p in res.ess] == [PC]
    sink = res.point(PC)
    assert sink.det == pytest.approx(2.5) and sink.trace == pytest.approx(-3.5)
    assert sorted(e.real for e in sink.eigenvalues) == pytest.approx([-2.5, -1.0])
    assert res.conditions == {"Bu-C+A+Fu+P+K": pytest.approx(2.5), "Fd-P": pytest.approx(1.0)}
    assert res.to_frame().shape == (4, 7)


def test_interior_point_is_a_centre_with_a_first_integral() -> None:
    # a = B_u - C = -2, m = P + K = 4, K = 3, n = F_d - P - K = -4:
    # x* = 3 / 4, y* = 2 / 4; det = -x(1-x) m y(1-y) n = 0.75 > 0, trace 0: a centre.
    g = BasinCompensationGame(Bu=1, C=3, Bd=2, L=1, P=1, K=3)
    res = g.equilibria()
    interior = res.point("interior")
    assert (interior.x, interior.y) == pytest.approx((0.75, 0.5))
    assert interior.det == pytest.approx(0.75) and interior.stability == "centre"
    assert not interior.ess
    assert np.allclose(g.field(0.75, 0.5), 0)
    # H = K ln x - (K + n) ln(1 - x) - a ln y + (a + m) ln(1 - y) is constant on orbits
    a, m, k, n = -2.0, 4.0, 3.0, -4.0
    tr = g.trajectory(0.6, 0.3, 20, n_points=400)
    h = k * np.log(tr.x) - (k + n) * np.log(1 - tr.x) - a * np.log(tr.y) + (a + m) * np.log(1 - tr.y)
    assert np.ptp(h) < 1e-6


@settings(max_examples=60, deadline=None)
@given(games())
def test_ess_is_strict_nash_and_stable_corner(g: BasinCompensationGame) -> None:
    res = g.equilibria()
    up, down = g.payoff_matrices()
    # generic games only: no payoff difference within rounding of zero
    assume(np.all(np.abs(up[0] - up[1]) > 1e-9) and np.all(np.abs(down[:, 0] - down[:, 1]) > 1e-9))
    for p in res.points[:4]:
        i, j = 1 - int(p.x), 1 - int(p.y)
        strict = up[i, j] > up[1 - i, j] and down[i, j] > down[i, 1 - j]
        assert p.ess == strict  # Selten (1980): ESS <=> strict Nash equilibrium
        if p.ess:
            assert p.stability == "stable"  # Friedman (1991): det > 0, trace < 0
        if p.stability == "stable":
            assert p.ess
    # the published condition for (protect, compensate)
    pc = res.point(PC)
    cond = g.Bu - g.C + g.A + g.Fu + g.P + g.K > 0 and g.Fd > g.P
    assert pc.ess == cond


@settings(max_examples=40, deadline=None)
@given(games(), st.floats(0, 1), st.floats(0, 1))
def test_without_centre_downstream_never_compensates(g: BasinCompensationGame, x: float, y: float) -> None:
    g0 = g.replace(A=0, Fu=0, Fd=0, K=0)
    _, dy = g0.field(x, y)
    assert dy <= 0
    res = g0.equilibria()
    assert all(p.y == 0 for p in res.ess)


def test_without_centre_trajectories_lose_compensators() -> None:
    g0 = BasinCompensationGame(Bu=4, C=2, Bd=6, L=4, P=1)
    b = g0.trajectories([0.2, 0.5, 0.9], [0.9, 0.5, 0.3], 40)
    assert np.all(np.diff(b.y, axis=1) <= 1e-12)
    assert np.all(b.final[:, 1] < 0.05)


def test_bundle_equals_single_trajectories() -> None:
    x0 = np.array([0.1, 0.4, 0.8])
    y0 = np.array([0.9, 0.5, 0.2])
    b = EXAMPLE.trajectories(x0, y0, 15, n_points=61)
    for i in range(3):
        tr = EXAMPLE.trajectory(x0[i], y0[i], 15, n_points=61)
        np.testing.assert_allclose(b.x[i], tr.x, atol=1e-7)
        np.testing.assert_allclose(b.y[i], tr.y, atol=1e-7)
    assert b.to_frame().shape == (3 * 61, 4)
    grid = EXAMPLE.grid_trajectories(3, 15, margin=0.1, n_points=61)
    np.testing.assert_allclose(grid.x[:, 0], [0.1, 0.5, 0.9] * 3)
    np.testing.assert_allclose(grid.y[:, 0], np.repeat([0.1, 0.5, 0.9], 3))
    # every start in the open square goes to the unique ESS (protect, compensate)
    assert np.allclose(EXAMPLE.grid_trajectories(3, 200).final, 1.0, atol=1e-4)


def test_sweep_agrees_with_equilibria() -> None:
    values = np.linspace(0, 5, 11)
    sw = EXAMPLE.sweep("Fd", values)
    for v, ess, unique in zip(values, sw.ess, sw.unique_protect_compensate, strict=True):
        res = EXAMPLE.replace(Fd=float(v)).equilibria()
        assert tuple(p.label for p in res.ess) == ess
        assert unique == ([p.label for p in res.ess] == [PC])
    # F_d must exceed P = 2 (games.md)
    np.testing.assert_array_equal(sw.protect_compensate_ess, values > 2)
    assert sw.to_frame().shape == (11, 6)


def test_bad_inputs_raise() -> None:
    with pytest.raises(DataError, match="Fd"):
        BasinCompensationGame(Bu=1, C=1, Bd=1, L=1, P=1, Fd=-1)
    with pytest.raises(DataError, match="shares in"):
        EXAMPLE.trajectory(1.2, 0.5)
    with pytest.raises(DataError, match="t > 0"):
        EXAMPLE.trajectory(0.5, 0.5, t=0)
    with pytest.raises(DataError, match="unknown parameter"):
        EXAMPLE.sweep("Q", [1, 2])
    with pytest.raises(DataError, match="finite numbers"):
        EXAMPLE.sweep("P", [1, float("nan")])


# ----------------------------------------------------------------------------- three parties


@st.composite
def tripartite(draw: st.DrawFn) -> TripartiteCompensationGame:
    names = (*PARAMETERS, "Cg", "G", "E")
    return TripartiteCompensationGame(**{name: draw(money) for name in names})


@settings(max_examples=30, deadline=None)
@given(tripartite(), st.floats(0, 1), st.floats(0, 1))
def test_supervised_face_is_the_two_population_model(
    g: TripartiteCompensationGame, x: float, y: float
) -> None:
    two = BasinCompensationGame(**{k: getattr(g, k) for k in PARAMETERS})
    dx, dy, dz = g.field(x, y, 1.0)
    ex, ey = two.field(x, y)
    assert dx == pytest.approx(ex, abs=1e-9) and dy == pytest.approx(ey, abs=1e-9) and dz == 0


@settings(max_examples=30, deadline=None)
@given(tripartite(), st.floats(0.05, 0.95), st.floats(0.05, 0.95), st.floats(0.05, 0.95))
def test_jacobian_matches_finite_differences(
    g: TripartiteCompensationGame, x: float, y: float, z: float
) -> None:
    h = 1e-6
    num = np.empty((3, 3))
    p = np.array([x, y, z])
    for j in range(3):
        e = np.zeros(3)
        e[j] = h
        num[:, j] = (np.array(g.field(*(p + e))) - np.array(g.field(*(p - e)))) / (2 * h)
    np.testing.assert_allclose(g.jacobian(x, y, z), num, atol=1e-5)


@settings(max_examples=30, deadline=None)
@given(tripartite())
def test_stable_corners_are_strict_nash_of_the_payoff_table(g: TripartiteCompensationGame) -> None:
    # brute force on the 3-player payoff function: a corner is a strict equilibrium when
    # each player's unilateral switch strictly loses
    res = g.corners()
    for c in res.corners:
        gaps = []
        for who in range(3):
            prof = [c.x, c.y, c.z]
            dev = list(prof)
            dev[who] = 1 - dev[who]
            gaps.append(g.payoffs(*prof)[who] - g.payoffs(*dev)[who])
        assume(min(abs(v) for v in gaps) > 1e-9)
        assert c.ess == (min(gaps) > 0)
        # eigenvalues at a corner are minus these gaps (diagonal Jacobian)
        assert sorted(e.real for e in c.eigenvalues) == pytest.approx(sorted(-v for v in gaps), abs=1e-9)


def test_tripartite_example_by_hand() -> None:
    # (protect, compensate, supervise): upstream gap B_u - C + A + F_u + P + K = 3.5 - 1 = 2.5,
    # downstream F_d - P = 1, centre supervise - not = -C_g - A = -2 -> eigenvalues (-2.5, -1, 2).
    g = TripartiteCompensationGame(Bu=2, C=5, Bd=6, L=4, P=2, K=1, A=1, Fu=1.5, Fd=3, Cg=1, G=2)
    res = g.corners()
    c = res.corners[0]
    assert c.label == "(protect, compensate, supervise)"
    assert sorted(e.real for e in c.eigenvalues) == pytest.approx([-2.5, -1.0, 2.0])
    assert c.stability == "saddle" and not c.ess
    assert res.to_frame().shape == (8, 9)
    tab = g.payoff_table()
    assert tab.shape == (8, 6)
    tr = g.trajectory(0.3, 0.3, 0.5, t=30)
    assert tr.x.shape == tr.z.shape == (201,)
    # without an own benefit E the centre stops supervising once both regions cooperate
    # (gap -C_g - A < 0); with E = 2.5 > C_g + A = 2 the gap is 0.5 and, as F_d > P and
    # B_u - C + A + F_u + P + K > 0, (protect, compensate, supervise) is the ESS.
    g2 = TripartiteCompensationGame(Bu=2, C=5, Bd=6, L=4, P=2, K=1, A=1, Fu=1.5, Fd=3, Cg=1, G=2, E=2.5)
    c2 = g2.corners().corners[0]
    assert sorted(e.real for e in c2.eigenvalues) == pytest.approx([-2.5, -1.0, -0.5])
    assert c2.ess and [c.label for c in g2.corners().ess] == ["(protect, compensate, supervise)"]
    tr2 = g2.trajectory(0.3, 0.3, 0.5, t=200)
    assert tr2.x[-1] > 0.99 and tr2.y[-1] > 0.99 and tr2.z[-1] > 0.99


def test_non_numeric_inputs_raise_data_errors() -> None:
    # every parameter goes through one parser: a regcoord error naming it, never a bare ValueError
    with pytest.raises(DataError, match=r"parameter Bu='x' is not a number"):
        BasinCompensationGame(Bu="x", C=1, Bd=1, L=1, P=1)
    with pytest.raises(DataError, match="starting shares x0"):
        EXAMPLE.trajectory("a", 0.5)
    with pytest.raises(DataError, match=r"parameter t='z' is not a number"):
        EXAMPLE.trajectory(0.5, 0.5, t="z")
