"""Bargaining solutions: Nash (asymmetric) and Kalai-Smorodinsky, and a Pareto check.

A bargaining problem is a feasible set F of payoff vectors and a disagreement point d
(what each party gets on its own).  Three kinds of F are accepted:

* a :class:`TUGame`: F = {x : sum x <= v(N)}, d_i = v({i});
* a finite set of allocations (``convex=False``): the rows of a matrix;
* a convex polytope (``convex=True``, the default for a matrix): the convex hull of the
  rows, with free disposal (any point below a feasible point is feasible).

Nash (1950); asymmetric form Kalai (1977): maximize sum_i w_i log(x_i - d_i) over x in F
with x > d.  Kalai and Smorodinsky (1975): the maximal point of F on the segment from d to
the ideal point I (I_i = max{x_i : x in F, x >= d}).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.optimize import linprog, minimize

from regcoord._display import FrameHTML
from regcoord.games.cooperative._game import Allocation, FloatArray, GameError, TUGame

Feasible = TUGame | npt.ArrayLike


@dataclass(frozen=True)
class BargainingSolution(FrameHTML):
    """A bargaining outcome with the problem's data kept (players, d, weights, ideal point)."""

    players: tuple[str, ...]
    values: tuple[float, ...]
    method: str
    disagreement: tuple[float, ...]
    weights: tuple[float, ...]
    ideal: tuple[float, ...] | None
    trace: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("values", "disagreement", "weights"):
            object.__setattr__(self, name, tuple(float(a) + 0.0 for a in getattr(self, name)))
        if self.ideal is not None:
            object.__setattr__(self, "ideal", tuple(float(a) for a in self.ideal))
        object.__setattr__(self, "players", tuple(self.players))

    @property
    def allocation(self) -> Allocation:
        return Allocation(self.players, self.values, self.method, self.trace)

    @property
    def gains(self) -> tuple[float, ...]:
        """x_i - d_i."""
        return tuple(x - d for x, d in zip(self.values, self.disagreement, strict=True))

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "players": list(self.players),
            "values": list(self.values),
            "disagreement": list(self.disagreement),
            "gains": list(self.gains),
            "weights": list(self.weights),
            "ideal": None if self.ideal is None else list(self.ideal),
            "trace": list(self.trace),
        }

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "player": list(self.players),
                self.method: list(self.values),
                "disagreement": list(self.disagreement),
                "gain": list(self.gains),
            }
        )


@dataclass(frozen=True)
class ParetoCheck:
    """Result of :func:`pareto_check`: feasibility, Pareto optimality and a dominating allocation."""

    players: tuple[str, ...]
    proposal: tuple[float, ...]
    feasible: bool
    pareto_optimal: bool
    dominating: tuple[float, ...] | None

    def __post_init__(self) -> None:
        object.__setattr__(self, "proposal", tuple(float(a) for a in self.proposal))
        if self.dominating is not None:
            object.__setattr__(self, "dominating", tuple(float(a) for a in self.dominating))

    def to_dict(self) -> dict[str, Any]:
        return {
            "players": list(self.players),
            "proposal": list(self.proposal),
            "feasible": self.feasible,
            "pareto_optimal": self.pareto_optimal,
            "dominating": None if self.dominating is None else list(self.dominating),
        }


# ---------------------------------------------------------------------- helpers


def _points(feasible: npt.ArrayLike, players: Sequence[str] | None) -> tuple[FloatArray, tuple[str, ...]]:
    pts = np.asarray(feasible, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[0] == 0 or pts.shape[1] == 0:
        raise GameError(f"feasible set of shape {pts.shape} (expected a matrix, one allocation per row)")
    if not np.all(np.isfinite(pts)):
        raise GameError("the feasible set has a non-finite payoff")
    n = pts.shape[1]
    names = tuple(str(p) for p in players) if players is not None else tuple(str(i + 1) for i in range(n))
    if len(names) != n:
        raise GameError(f"{len(names)} player names for {n} payoff columns")
    return pts, names


def _vector(x: Any, names: tuple[str, ...], what: str) -> FloatArray:
    if isinstance(x, Mapping):
        missing = [p for p in names if p not in x]
        if missing:
            raise GameError(f"{what} has no value for player {missing[0]!r}")
        arr = np.array([float(x[p]) for p in names])
    else:
        arr = np.asarray(x, dtype=np.float64).ravel()
    if arr.size != len(names):
        raise GameError(f"{what} has {arr.size} values (expected {len(names)}, one per player)")
    if not np.all(np.isfinite(arr)):
        raise GameError(f"{what} has a non-finite value")
    return arr


def _weights(weights: Any, names: tuple[str, ...]) -> FloatArray:
    if weights is None:
        return np.ones(len(names))
    w = _vector(weights, names, "weights")
    if np.any(w <= 0):
        raise GameError(f"weight of {names[int(np.flatnonzero(w <= 0)[0])]!r} is not positive (expected > 0)")
    return w


def _simplex_lp(
    c: FloatArray, a_ub: FloatArray | None, b_ub: FloatArray | None, m: int, extra: int = 0
) -> tuple[FloatArray, float] | None:
    """Minimize c.z over z = (lambda (m), extra free vars) with lambda in the simplex."""
    a_eq = np.zeros((1, m + extra))
    a_eq[0, :m] = 1.0
    bounds = [(0.0, None)] * m + [(None, None)] * extra
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=[1.0], bounds=bounds, method="highs")
    if res.status != 0 or res.x is None:
        return None
    return np.asarray(res.x, dtype=np.float64), float(res.fun)


def _ideal(pts: FloatArray, d: FloatArray) -> FloatArray:
    """I_i = max{x_i : x in conv(rows), x >= d} (one LP per player)."""
    m, n = pts.shape
    ideal = np.empty(n)
    for i in range(n):
        sol = _simplex_lp(-pts[:, i], -pts.T, -d, m)
        if sol is None:
            raise GameError("no feasible allocation gives every player at least the disagreement payoff")
        ideal[i] = -sol[1]
    return ideal


def _tu_problem(game: TUGame, disagreement: Any) -> tuple[FloatArray, float]:
    d = (
        game.singletons()
        if disagreement is None
        else _vector(disagreement, game.players, "disagreement point")
    )
    surplus = float(game.v[-1] - d.sum())
    if surplus < -1e-9 * max(1.0, abs(float(game.v[-1]))):
        raise GameError(
            f"v(N) = {game.v[-1]:g} is below the sum of disagreement payoffs {d.sum():g}: "
            "no agreement is better for everyone (expected v(N) >= sum d)"
        )
    return d, max(surplus, 0.0)


# ---------------------------------------------------------------------- Nash


def nash_bargaining(
    feasible: Feasible,
    disagreement: Mapping[str, float] | npt.ArrayLike | None = None,
    *,
    weights: Mapping[str, float] | npt.ArrayLike | None = None,
    players: Sequence[str] | None = None,
    convex: bool = True,
) -> BargainingSolution:
    """(Asymmetric) Nash bargaining solution: argmax prod_i (x_i - d_i)^{w_i} over x in F, x > d.

    * TU game: x = d + w / sum(w) * (v(N) - sum d) (the first-order conditions of the
      weighted log objective on the budget line; equal weights split the surplus equally).
    * finite set (``convex=False``): the row with the largest weighted log gain.
    * polytope: maximize sum w_i log(x_i - d_i) with x = sum_k lambda_k p_k over the simplex
      (SLSQP from a strictly individually rational start found by an LP).
    """
    if isinstance(feasible, TUGame):
        d, surplus = _tu_problem(feasible, disagreement)
        w = _weights(weights, feasible.players)
        x = d + w / w.sum() * surplus
        return BargainingSolution(
            feasible.players,
            tuple(x + 0.0),
            "nash",
            tuple(d),
            tuple(w),
            None,
            (f"surplus v(N) - sum d = {surplus:g} split in proportion to the weights (Nash 1950)",),
        )
    pts, names = _points(feasible, players)
    m, n = pts.shape
    d = _vector(disagreement, names, "disagreement point") if disagreement is not None else np.zeros(n)
    w = _weights(weights, names)
    if not convex:
        gains = pts - d
        ok = np.all(gains > 0, axis=1)
        if not ok.any():
            raise GameError("no feasible allocation gives every player more than the disagreement payoff")
        score = np.full(m, -np.inf)
        score[ok] = np.log(gains[ok]) @ w
        k = int(np.argmax(score))
        return BargainingSolution(
            names,
            tuple(pts[k]),
            "nash",
            tuple(d),
            tuple(w),
            None,
            (f"best of {m} alternatives: row {k + 1}",),
        )
    # strictly individually rational start: max s s.t. P^T lambda >= d + s
    c = np.zeros(m + 1)
    c[-1] = -1.0
    sol = _simplex_lp(c, np.hstack([-pts.T, np.ones((n, 1))]), -d, m, extra=1)
    scale = max(1.0, float(np.abs(pts).max()))
    if sol is None or -sol[1] <= 1e-9 * scale:
        raise GameError("no feasible allocation gives every player more than the disagreement payoff")
    lam0 = sol[0][:m]

    def objective(lam: FloatArray) -> tuple[float, FloatArray]:
        g = pts.T @ lam - d
        if np.any(g <= 0):
            return 1e30, np.zeros(m)
        return float(-(w @ np.log(g))), -(pts @ (w / g))

    res = minimize(
        objective,
        lam0,
        jac=True,
        method="SLSQP",
        bounds=[(0.0, 1.0)] * m,
        constraints=[
            {
                "type": "eq",
                "fun": lambda lam: np.array([lam.sum() - 1.0]),
                "jac": lambda lam: np.ones((1, m)),
            },
            {"type": "ineq", "fun": lambda lam: pts.T @ lam - d - 1e-12 * scale, "jac": lambda lam: pts.T},
        ],
        options={"ftol": 1e-14, "maxiter": 1000},
    )
    lam = np.clip(res.x, 0.0, None)
    lam /= lam.sum()
    x = pts.T @ lam
    if not np.all(x > d) or (objective(lam)[0] > objective(lam0)[0] + 1e-12):
        raise GameError(f"the Nash bargaining optimization did not converge: {res.message}")
    return BargainingSolution(
        names,
        tuple(x),
        "nash",
        tuple(d),
        tuple(w),
        None,
        (
            f"max sum w_i log(x_i - d_i) over the convex hull of {m} allocations (SLSQP, {res.nit} iterations)",
        ),
    )


# ---------------------------------------------------------------------- Kalai-Smorodinsky


def kalai_smorodinsky(
    feasible: Feasible,
    disagreement: Mapping[str, float] | npt.ArrayLike | None = None,
    *,
    players: Sequence[str] | None = None,
    convex: bool = True,
) -> BargainingSolution:
    """Kalai-Smorodinsky solution (Kalai and Smorodinsky 1975): gains proportional to ideal gains.

    * TU game: I_i = v(N) - sum_{j != i} d_j, so I_i - d_i is the whole surplus for every i
      and the solution splits the surplus equally.
    * polytope (free disposal): x = d + s (I - d) with s the largest feasible (one LP).
    * finite set: the row maximizing min_i (x_i - d_i) / (I_i - d_i) (ties: larger total).
    """
    if isinstance(feasible, TUGame):
        d, surplus = _tu_problem(feasible, disagreement)
        n = feasible.n
        ideal = d + surplus
        x = d + surplus / n
        return BargainingSolution(
            feasible.players,
            tuple(x + 0.0),
            "kalai_smorodinsky",
            tuple(d),
            tuple(np.ones(n)),
            tuple(ideal),
            ("ideal gains are all v(N) - sum d: equal split of the surplus (Kalai and Smorodinsky 1975)",),
        )
    pts, names = _points(feasible, players)
    m, n = pts.shape
    d = _vector(disagreement, names, "disagreement point") if disagreement is not None else np.zeros(n)
    if not convex:
        ir = np.all(pts >= d, axis=1)
        if not ir.any():
            raise GameError("no feasible allocation gives every player at least the disagreement payoff")
        ideal = pts[ir].max(axis=0)
        span = np.where(ideal - d > 0, ideal - d, 1.0)
        ratio = np.where(ir, ((pts - d) / span).min(axis=1), -np.inf)
        best = np.flatnonzero(ratio >= ratio.max() - 1e-12)
        k = int(best[np.argmax(pts[best].sum(axis=1))])
        return BargainingSolution(
            names,
            tuple(pts[k]),
            "kalai_smorodinsky",
            tuple(d),
            tuple(np.ones(n)),
            tuple(ideal),
            (f"best of {m} alternatives by the smallest share of the ideal gain: row {k + 1}",),
        )
    ideal = _ideal(pts, d)
    c = np.zeros(m + 1)
    c[-1] = -1.0
    sol = _simplex_lp(c, np.hstack([-pts.T, (ideal - d)[:, None]]), -d, m, extra=1)
    if sol is None:
        raise GameError("the Kalai-Smorodinsky linear program failed")
    s = -sol[1]
    x = d + s * (ideal - d)
    return BargainingSolution(
        names,
        tuple(x),
        "kalai_smorodinsky",
        tuple(d),
        tuple(np.ones(n)),
        tuple(ideal),
        (f"largest s = {s:.10g} with d + s (I - d) feasible (one LP over {m} allocations)",),
    )


# ---------------------------------------------------------------------- Pareto


def pareto_check(
    proposal: Mapping[str, float] | npt.ArrayLike,
    feasible: Feasible,
    *,
    players: Sequence[str] | None = None,
    convex: bool = True,
    tol: float = 1e-9,
) -> ParetoCheck:
    """Is ``proposal`` feasible and Pareto optimal in F?  If not optimal, return a feasible
    allocation that gives everyone at least as much and someone more.

    TU game: optimal iff sum x = v(N) (the surplus, if any, is split equally in the
    dominating allocation).  Polytope: one LP, max sum s_i s.t. sum_k lambda_k p_k >= x + s,
    s >= 0.  Finite set: the row >= x with the largest total gain.
    """
    if isinstance(feasible, TUGame):
        names = feasible.players
        x = feasible.allocation_array(proposal)
        slack = float(feasible.v[-1] - x.sum())
        scale = tol * max(1.0, abs(float(feasible.v[-1])))
        if slack < -scale:
            return ParetoCheck(names, tuple(x), False, False, None)
        if slack <= scale:
            return ParetoCheck(names, tuple(x), True, True, None)
        return ParetoCheck(names, tuple(x), True, False, tuple(x + slack / x.size))
    pts, names = _points(feasible, players)
    m, n = pts.shape
    x = _vector(proposal, names, "proposal")
    scale = tol * max(1.0, float(np.abs(pts).max()))
    if not convex:
        gains = pts - x
        dom = np.all(gains >= -scale, axis=1)
        if not dom.any():
            return ParetoCheck(names, tuple(x), False, False, None)
        better = dom & np.any(gains > scale, axis=1)
        if not better.any():
            return ParetoCheck(names, tuple(x), True, True, None)
        k = int(np.flatnonzero(better)[np.argmax(gains[better].sum(axis=1))])
        return ParetoCheck(names, tuple(x), True, False, tuple(pts[k]))
    c = np.concatenate([np.zeros(m), -np.ones(n)])
    a_ub = np.hstack([-pts.T, np.eye(n)])
    a_eq = np.concatenate([np.ones(m), np.zeros(n)])[None, :]
    res = linprog(
        c,
        A_ub=a_ub,
        b_ub=-x,
        A_eq=a_eq,
        b_eq=[1.0],
        bounds=[(0.0, None)] * (m + n),
        method="highs",
    )
    if res.status == 2:
        return ParetoCheck(names, tuple(x), False, False, None)
    if res.status != 0 or res.x is None:
        raise GameError(f"the Pareto linear program failed: {res.message}")
    if -float(res.fun) <= scale:
        return ParetoCheck(names, tuple(x), True, True, None)
    return ParetoCheck(names, tuple(x), True, False, tuple(pts.T @ res.x[:m]))
