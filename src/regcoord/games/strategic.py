"""Strategic (non-cooperative) games between local governments.

Two regions choose *cooperate* (C) or *defect* (D).  In the symmetric 2x2 form a region
gets R under mutual cooperation, P under mutual defection, and a free rider gets the
temptation T while the cooperator gets the sucker's payoff S (Rapoport and Chammah 1965,
*Prisoner's Dilemma*; seed 001 §2.3 and §5.1.3: the game between local governments
keeps regional cooperation from reaching its maximal benefit)::

              C        D
        C   (R, R)   (S, T)
        D   (T, S)   (P, P)

The ordering T > R > P > S makes it a prisoner's dilemma: defection is strictly dominant
and the unique equilibrium (D, D) is Pareto-dominated by (C, C).

Public-good forms
-----------------
*Two regions* (``two_region_public_good``, /work/shared/domain/games.md): a region's
effort costs ``c`` and gives ``b`` to itself and ``b + e`` to the other region (``e`` is
an extra spillover, 0 in games.md), so R = 2b + e - c, S = b - c, T = b + e, P = 0; with
b < c < 2b + e it is a prisoner's dilemma.

*n regions* (``PublicGoodGame``, linear public-good game, Isaac and Walker 1988): each
cooperator pays ``c``; the benefit ``b`` that one cooperator's effort creates is shared
equally by the n regions, and each region also receives a spillover ``e`` from every
*other* cooperating region.  With k cooperators in total, a region earns

.. math::

    \\pi_C(k) = b\\,k/n + e\\,(k - 1) - c, \\qquad \\pi_D(k) = b\\,k/n + e\\,k .

Defection is strictly dominant when c > b/n (the marginal per-capita return b/n is
below the cost) and full cooperation is efficient when b + e (n - 1) > c.  The
two-region game above is this game with n = 2 and total benefit 2b.

Equilibria of two-player games come from ``nashpy`` (Knight and Campbell 2018, *J. Open
Source Softw.* 3(30):904): support enumeration, vertex enumeration and Lemke-Howson.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import nashpy as nash
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from regcoord._display import FrameHTML
from regcoord.errors import DataError

__all__ = [
    "COOPERATE",
    "DEFECT",
    "BimatrixGame",
    "Classification",
    "Equilibrium",
    "EquilibriumSet",
    "NRegionEquilibria",
    "PublicGoodGame",
    "SymmetricBinaryGame",
    "SymmetricGame",
    "classify",
    "equilibria",
    "prisoners_dilemma",
    "pure_equilibria_by_deviation",
    "two_region_public_good",
]

COOPERATE = "cooperate"
DEFECT = "defect"
_CD = (COOPERATE, DEFECT)

Method = Literal["support", "vertex", "lemke_howson"]


def _as_float(value: Any, name: str, *, where: str, expected: str = "a finite real number") -> float:
    """``value`` as float, or a DataError naming the parameter: the one parser of game parameters."""
    try:
        return float(value)
    except (TypeError, ValueError):
        raise DataError(f"{where}: parameter {name}={value!r} is not a number", expected=expected) from None


def _finite(value: float, name: str, *, where: str = "game") -> float:
    """Return ``value`` as float or raise a DataError naming the parameter."""
    f = _as_float(value, name, where=where)
    if not np.isfinite(f):
        raise DataError(f"{where}: parameter {name}={value!r} is not finite", expected="a finite real number")
    return f


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=float, copy=True)
    a.setflags(write=False)
    return a


# --------------------------------------------------------------------------------------
# Bimatrix games
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class BimatrixGame(FrameHTML):
    """A finite two-player game in normal form.

    ``row_payoffs[i, j]`` and ``col_payoffs[i, j]`` are the payoffs of the row and the
    column player when the row player plays strategy ``i`` and the column player ``j``.
    """

    row_payoffs: np.ndarray
    col_payoffs: np.ndarray
    players: tuple[str, str] = ("region 1", "region 2")
    row_strategies: tuple[str, ...] = _CD
    col_strategies: tuple[str, ...] = _CD

    def __post_init__(self) -> None:
        a = np.asarray(self.row_payoffs, dtype=float)
        b = np.asarray(self.col_payoffs, dtype=float)
        if a.ndim != 2 or a.shape != b.shape or min(a.shape) < 1:
            raise DataError(
                f"bimatrix game: payoff matrices have shapes {a.shape} and {b.shape}",
                expected="two 2-D arrays of the same shape (row strategies x column strategies)",
            )
        for name, m in (("row_payoffs", a), ("col_payoffs", b)):
            bad = np.argwhere(~np.isfinite(m))
            if bad.size:
                i, j = (int(v) for v in bad[0])
                raise DataError(f"bimatrix game: {name}[{i}, {j}] is not finite", expected="finite payoffs")
        if len(self.row_strategies) != a.shape[0] or len(self.col_strategies) != a.shape[1]:
            raise DataError(
                f"bimatrix game: {len(self.row_strategies)} row and {len(self.col_strategies)} column strategy labels "
                f"for a {a.shape[0]}x{a.shape[1]} game",
                expected="one label per strategy",
            )
        if len(self.players) != 2:
            raise DataError(f"bimatrix game: {len(self.players)} player names given", expected="2")
        object.__setattr__(self, "row_payoffs", _readonly(a))
        object.__setattr__(self, "col_payoffs", _readonly(b))
        object.__setattr__(self, "players", tuple(str(p) for p in self.players))
        object.__setattr__(self, "row_strategies", tuple(str(s) for s in self.row_strategies))
        object.__setattr__(self, "col_strategies", tuple(str(s) for s in self.col_strategies))

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.row_payoffs.shape[0]), int(self.row_payoffs.shape[1]))

    def to_nashpy(self) -> nash.Game:
        """The same game as a :class:`nashpy.Game`."""
        return nash.Game(np.array(self.row_payoffs), np.array(self.col_payoffs))

    def to_frame(self) -> pd.DataFrame:
        """One row per pure outcome: strategies and both payoffs."""
        i, j = np.indices(self.shape)
        return pd.DataFrame(
            {
                self.players[0]: [self.row_strategies[k] for k in i.ravel()],
                self.players[1]: [self.col_strategies[k] for k in j.ravel()],
                f"payoff {self.players[0]}": self.row_payoffs.ravel(),
                f"payoff {self.players[1]}": self.col_payoffs.ravel(),
            }
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "players": list(self.players),
            "row_strategies": list(self.row_strategies),
            "col_strategies": list(self.col_strategies),
            "row_payoffs": self.row_payoffs.tolist(),
            "col_payoffs": self.col_payoffs.tolist(),
        }


# --------------------------------------------------------------------------------------
# Symmetric two-region cooperation game (R, S, T, P)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SymmetricGame:
    """Symmetric 2x2 cooperation game between two regions with payoffs R, S, T, P.

    Strategy 0 is *cooperate*, strategy 1 *defect*; see the module docstring for the
    matrix.  Any real payoffs are accepted; :func:`prisoners_dilemma` checks the ordering.
    """

    R: float
    S: float
    T: float
    P: float
    players: tuple[str, str] = ("region 1", "region 2")

    def __post_init__(self) -> None:
        for name in ("R", "S", "T", "P"):
            object.__setattr__(self, name, _finite(getattr(self, name), name, where="symmetric 2x2 game"))
        if len(self.players) != 2:
            raise DataError(f"symmetric 2x2 game: {len(self.players)} player names given", expected="2")
        object.__setattr__(self, "players", tuple(str(p) for p in self.players))

    @property
    def n(self) -> int:
        """Number of regions (2)."""
        return 2

    def cooperator_payoffs(self) -> np.ndarray:
        """Payoff of a cooperator when ``k_others`` = 0, 1 of the other regions cooperate: [S, R]."""
        return np.array([self.S, self.R])

    def defector_payoffs(self) -> np.ndarray:
        """Payoff of a defector when ``k_others`` = 0, 1 of the other regions cooperate: [P, T]."""
        return np.array([self.P, self.T])

    def stage(self) -> SymmetricBinaryGame:
        """The game as a symmetric binary n-player game (n = 2)."""
        return SymmetricBinaryGame(self.cooperator_payoffs(), self.defector_payoffs(), players=self.players)

    def bimatrix(self) -> BimatrixGame:
        """The game as a bimatrix (rows: this region; columns: the other)."""
        a = np.array([[self.R, self.S], [self.T, self.P]])
        return BimatrixGame(a, a.T.copy(), players=self.players)

    def kind(self) -> str:
        """Name of the game by the order of its payoffs (see :func:`classify`)."""
        return _kind(self.R, self.S, self.T, self.P)

    def with_instruments(
        self, *, penalty: float = 0.0, subsidy: float = 0.0, transfer: float = 0.0
    ) -> SymmetricGame:
        """The game after a central penalty F on each defector, a subsidy B to each cooperator
        and a transfer tau that a defector pays to a cooperating partner:

        R' = R + B, S' = S + B + tau, T' = T - F - tau, P' = P - F.
        """
        f = _finite(penalty, "penalty", where="instruments")
        s = _finite(subsidy, "subsidy", where="instruments")
        t = _finite(transfer, "transfer", where="instruments")
        return SymmetricGame(self.R + s, self.S + s + t, self.T - f - t, self.P - f, players=self.players)

    def to_dict(self) -> dict[str, Any]:
        return {
            "R": self.R,
            "S": self.S,
            "T": self.T,
            "P": self.P,
            "players": list(self.players),
            "kind": self.kind(),
        }


def prisoners_dilemma(
    R: float, S: float, T: float, P: float, *, players: tuple[str, str] = ("region 1", "region 2")
) -> SymmetricGame:
    """A two-region prisoner's dilemma; raises DataError unless T > R > P > S.

    The condition 2R > T + S (mutual cooperation beats alternating exploitation in the
    repeated game, Rapoport and Chammah 1965) is not required; it is reported by
    :func:`classify` through the Pareto-optimal outcomes.

    >>> g = prisoners_dilemma(R=3, S=0, T=5, P=1)
    >>> classify(g).pure_nash
    (('defect', 'defect'),)
    >>> prisoners_dilemma(R=3, S=0, T=5, P=6)
    Traceback (most recent call last):
    ...
    regcoord.errors.DataError: prisoner's dilemma: payoffs R=3, S=0, T=5, P=6 violate R > P (expected T > R > P > S)
    """
    g = SymmetricGame(R, S, T, P, players=players)
    checks = (("T > R", g.T > g.R), ("R > P", g.R > g.P), ("P > S", g.P > g.S))
    failed = [name for name, ok in checks if not ok]
    if failed:
        raise DataError(
            f"prisoner's dilemma: payoffs R={g.R:g}, S={g.S:g}, T={g.T:g}, P={g.P:g} violate {', '.join(failed)}",
            expected="T > R > P > S",
        )
    return g


def two_region_public_good(
    b: float, c: float, *, spillover: float = 0.0, players: tuple[str, str] = ("region 1", "region 2")
) -> SymmetricGame:
    """Two-region public-good game of games.md as a symmetric 2x2 game.

    A region's effort costs c and gives b to itself and b + e to the other region (e =
    ``spillover``): R = 2b + e - c, S = b - c, T = b + e, P = 0.  It is a prisoner's
    dilemma when b < c < 2b + e.
    """
    b = _finite(b, "b", where="two-region public good")
    c = _finite(c, "c", where="two-region public good")
    e = _finite(spillover, "spillover", where="two-region public good")
    return SymmetricGame(R=2 * b + e - c, S=b - c, T=b + e, P=0.0, players=players)


def _kind(R: float, S: float, T: float, P: float) -> str:
    """Classify a symmetric 2x2 game by payoff order (Rapoport and Guyer 1966 taxonomy).

    prisoners_dilemma T > R > P > S; stag_hunt R > T >= P > S (Skyrms 2004);
    chicken (snowdrift, hawk-dove) T > R > S > P; harmony R > T and S > P (cooperation
    dominant); deadlock T > P > R > S; otherwise "other".
    """
    if T > R > P > S:
        return "prisoners_dilemma"
    if R > T >= P > S:
        return "stag_hunt"
    if T > R > S > P:
        return "chicken"
    if R > T and S > P:
        return "harmony"
    if T > P > R > S:
        return "deadlock"
    return "other"


# --------------------------------------------------------------------------------------
# Equilibria (nashpy) and classification
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Equilibrium:
    """A Nash equilibrium in (possibly) mixed strategies with its expected payoffs."""

    row_strategy: tuple[float, ...]
    col_strategy: tuple[float, ...]
    row_payoff: float
    col_payoff: float

    @property
    def pure(self) -> bool:
        return bool(max(self.row_strategy) > 1 - 1e-9 and max(self.col_strategy) > 1 - 1e-9)

    def to_dict(self) -> dict[str, Any]:
        return {
            "row_strategy": list(self.row_strategy),
            "col_strategy": list(self.col_strategy),
            "row_payoff": self.row_payoff,
            "col_payoff": self.col_payoff,
            "pure": self.pure,
        }


@dataclass(frozen=True)
class EquilibriumSet(FrameHTML):
    """Equilibria of a bimatrix game found by one nashpy algorithm."""

    method: str
    players: tuple[str, str]
    row_strategies: tuple[str, ...]
    col_strategies: tuple[str, ...]
    equilibria: tuple[Equilibrium, ...]
    warnings: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.equilibria)

    def pure_profiles(self) -> tuple[tuple[str, str], ...]:
        """Labels of the pure equilibria, e.g. (("defect", "defect"),)."""
        out = []
        for e in self.equilibria:
            if e.pure:
                out.append(
                    (
                        self.row_strategies[int(np.argmax(e.row_strategy))],
                        self.col_strategies[int(np.argmax(e.col_strategy))],
                    )
                )
        return tuple(out)

    def to_frame(self) -> pd.DataFrame:
        rows = []
        for e in self.equilibria:
            row: dict[str, Any] = {}
            for s, p in zip(self.row_strategies, e.row_strategy, strict=True):
                row[f"{self.players[0]}: {s}"] = p
            for s, p in zip(self.col_strategies, e.col_strategy, strict=True):
                row[f"{self.players[1]}: {s}"] = p
            row[f"payoff {self.players[0]}"] = e.row_payoff
            row[f"payoff {self.players[1]}"] = e.col_payoff
            row["pure"] = e.pure
            rows.append(row)
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "players": list(self.players),
            "row_strategies": list(self.row_strategies),
            "col_strategies": list(self.col_strategies),
            "equilibria": [e.to_dict() for e in self.equilibria],
            "warnings": list(self.warnings),
        }


def equilibria(game: BimatrixGame | SymmetricGame, *, method: Method = "support") -> EquilibriumSet:
    """All Nash equilibria found by nashpy's support enumeration, vertex enumeration, or
    Lemke-Howson started from every label (duplicates removed).

    Support and vertex enumeration find all equilibria of non-degenerate games; on
    degenerate games nashpy may warn, and its warnings are kept in ``warnings``.
    Lemke-Howson finds one equilibrium per starting label, not necessarily all.
    """
    bm = game.bimatrix() if isinstance(game, SymmetricGame) else game
    g = bm.to_nashpy()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if method == "support":
            found = list(g.support_enumeration())
        elif method == "vertex":
            found = list(g.vertex_enumeration())
        elif method == "lemke_howson":
            found = list(g.lemke_howson_enumeration())
        else:
            raise DataError(
                f"equilibria: unknown equilibrium method {method!r}",
                expected="support, vertex or lemke_howson",
            )
    a, b = bm.row_payoffs, bm.col_payoffs
    eqs: list[Equilibrium] = []
    for sr, sc in found:
        sr = np.asarray(sr, dtype=float)
        sc = np.asarray(sc, dtype=float)
        if not (np.all(np.isfinite(sr)) and np.all(np.isfinite(sc))) or sr.shape != (a.shape[0],):
            continue
        if any(
            np.allclose(sr, e.row_strategy, atol=1e-9) and np.allclose(sc, e.col_strategy, atol=1e-9)
            for e in eqs
        ):
            continue
        eqs.append(
            Equilibrium(
                row_strategy=tuple(float(v) for v in sr),
                col_strategy=tuple(float(v) for v in sc),
                row_payoff=float(sr @ a @ sc),
                col_payoff=float(sr @ b @ sc),
            )
        )
    return EquilibriumSet(
        method=method,
        players=bm.players,
        row_strategies=bm.row_strategies,
        col_strategies=bm.col_strategies,
        equilibria=tuple(eqs),
        warnings=tuple(sorted({" ".join(str(w.message).split()) for w in caught})),
    )


@dataclass(frozen=True)
class Classification:
    """What kind of game it is: dominant strategies, pure equilibria, Pareto-optimal outcomes.

    ``strictly_dominant`` / ``weakly_dominant`` map each player to its dominant strategy
    (or None).  ``kind`` is only set for a symmetric 2x2 game.  ``dilemma`` is True when
    no pure Nash equilibrium is Pareto-optimal.
    """

    players: tuple[str, str]
    strictly_dominant: tuple[str | None, str | None]
    weakly_dominant: tuple[str | None, str | None]
    pure_nash: tuple[tuple[str, str], ...]
    strict_pure_nash: tuple[tuple[str, str], ...]
    pareto_optimal: tuple[tuple[str, str], ...]
    social_optimum: tuple[tuple[str, str], ...]
    kind: str | None
    dilemma: bool

    @property
    def is_prisoners_dilemma(self) -> bool:
        return self.kind == "prisoners_dilemma"

    @property
    def is_stag_hunt(self) -> bool:
        return self.kind == "stag_hunt"

    @property
    def is_chicken(self) -> bool:
        return self.kind == "chicken"

    def to_dict(self) -> dict[str, Any]:
        return {
            "players": list(self.players),
            "strictly_dominant": dict(zip(self.players, self.strictly_dominant, strict=True)),
            "weakly_dominant": dict(zip(self.players, self.weakly_dominant, strict=True)),
            "pure_nash": [list(p) for p in self.pure_nash],
            "strict_pure_nash": [list(p) for p in self.strict_pure_nash],
            "pareto_optimal": [list(p) for p in self.pareto_optimal],
            "social_optimum": [list(p) for p in self.social_optimum],
            "kind": self.kind,
            "dilemma": self.dilemma,
        }


def _dominant(m: np.ndarray, labels: Sequence[str]) -> tuple[str | None, str | None]:
    """Strictly and weakly dominant strategy of the player whose strategies index axis 0 of m.

    Strategy i is strictly dominant when m[i, j] > m[k, j] for all k != i and all j;
    weakly when >= everywhere with > somewhere against each k.
    """
    diff = m[:, None, :] - m[None, :, :]  # diff[i, k, j] = m[i, j] - m[k, j]
    n = m.shape[0]
    off = ~np.eye(n, dtype=bool)
    strict = np.all(np.where(off[:, :, None], diff > 0, True), axis=(1, 2))
    weak = np.all(np.where(off[:, :, None], diff >= 0, True), axis=(1, 2)) & np.all(
        np.where(off, np.any(diff > 0, axis=2), True), axis=1
    )
    s = labels[int(np.argmax(strict))] if strict.any() else None
    w = labels[int(np.argmax(weak))] if weak.any() else None
    return s, w


def classify(game: BimatrixGame | SymmetricGame) -> Classification:
    """Dominant strategies, pure Nash equilibria (by best responses), Pareto-optimal pure
    outcomes, the utilitarian optimum and, for symmetric 2x2 games, the game's name.

    A pure profile (i, j) is a Nash equilibrium when A[i, j] = max_k A[k, j] and
    B[i, j] = max_l B[i, l]; strict when both maxima are unique.  An outcome is
    Pareto-optimal when no other outcome gives both players at least as much and one
    strictly more.
    """
    bm = game.bimatrix() if isinstance(game, SymmetricGame) else game
    a, b = bm.row_payoffs, bm.col_payoffs
    rs, cs = bm.row_strategies, bm.col_strategies
    row_best = a >= a.max(axis=0, keepdims=True)
    col_best = b >= b.max(axis=1, keepdims=True)
    row_unique = row_best & (row_best.sum(axis=0, keepdims=True) == 1)
    col_unique = col_best & (col_best.sum(axis=1, keepdims=True) == 1)
    ne = row_best & col_best
    strict_ne = row_unique & col_unique

    fa, fb = a.ravel(), b.ravel()
    ge = (fa[None, :] >= fa[:, None]) & (fb[None, :] >= fb[:, None])
    gt = (fa[None, :] > fa[:, None]) | (fb[None, :] > fb[:, None])
    dominated = np.any(ge & gt, axis=1).reshape(a.shape)
    welfare = a + b
    social = np.isclose(welfare, welfare.max(), rtol=0, atol=1e-12)

    def labels(mask: np.ndarray) -> tuple[tuple[str, str], ...]:
        return tuple((rs[int(i)], cs[int(j)]) for i, j in np.argwhere(mask))

    kind: str | None = None
    if isinstance(game, SymmetricGame):
        kind = game.kind()
    elif a.shape == (2, 2) and np.array_equal(a, b.T):
        kind = _kind(a[0, 0], a[0, 1], a[1, 0], a[1, 1])

    row_dom = _dominant(a, rs)
    col_dom = _dominant(b.T, cs)
    return Classification(
        players=bm.players,
        strictly_dominant=(row_dom[0], col_dom[0]),
        weakly_dominant=(row_dom[1], col_dom[1]),
        pure_nash=labels(ne),
        strict_pure_nash=labels(strict_ne),
        pareto_optimal=labels(~dominated),
        social_optimum=labels(social),
        kind=kind,
        dilemma=bool(ne.any() and not np.any(ne & ~dominated)),
    )


# --------------------------------------------------------------------------------------
# n-region public-good game
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NRegionEquilibria(FrameHTML):
    """Pure Nash equilibria of a symmetric n-region binary game, by number of cooperators.

    ``counts`` lists every k such that any profile with exactly k cooperators is a Nash
    equilibrium; ``strict`` says whether the deviation inequalities hold strictly.
    ``deviation_gain_cooperator[k]`` is what one of k cooperators gains by defecting
    (NaN for k = 0); ``deviation_gain_defector[k]`` what one of the n - k defectors gains
    by cooperating (NaN for k = n).
    """

    n: int
    counts: tuple[int, ...]
    strict: tuple[bool, ...]
    deviation_gain_cooperator: tuple[float, ...]
    deviation_gain_defector: tuple[float, ...]

    def to_frame(self) -> pd.DataFrame:
        k = np.arange(self.n + 1)
        return pd.DataFrame(
            {
                "cooperators": k,
                "gain_if_a_cooperator_defects": self.deviation_gain_cooperator,
                "gain_if_a_defector_cooperates": self.deviation_gain_defector,
                "nash": np.isin(k, self.counts),
            }
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "counts": list(self.counts),
            "strict": list(self.strict),
            "deviation_gain_cooperator": [None if np.isnan(v) else v for v in self.deviation_gain_cooperator],
            "deviation_gain_defector": [None if np.isnan(v) else v for v in self.deviation_gain_defector],
        }


def pure_equilibria_by_deviation(
    cooperator: np.ndarray, defector: np.ndarray, *, tol: float = 1e-12
) -> NRegionEquilibria:
    """Pure equilibria of a symmetric binary n-player game given the payoff of a cooperator
    (``cooperator[k_o]``) and of a defector (``defector[k_o]``) when k_o of the n - 1 other
    players cooperate.

    A profile with k cooperators is an equilibrium when no cooperator gains by defecting,
    defector[k-1] <= cooperator[k-1] (k >= 1), and no defector gains by cooperating,
    cooperator[k] <= defector[k] (k <= n - 1).  Strict when both hold strictly.
    """
    c = np.asarray(cooperator, dtype=float)
    d = np.asarray(defector, dtype=float)
    n = c.shape[0]
    # k cooperators: a cooperator sees k - 1 other cooperators, a defector sees k.
    gain_c = np.full(n + 1, np.nan)
    gain_c[1:] = d - c  # k = 1..n: cooperator -> defector, k_o = k - 1
    gain_d = np.full(n + 1, np.nan)
    gain_d[:-1] = c - d  # k = 0..n-1: defector -> cooperator, k_o = k
    ok = np.nan_to_num(gain_c, nan=-np.inf) <= tol
    ok &= np.nan_to_num(gain_d, nan=-np.inf) <= tol
    strict = (np.nan_to_num(gain_c, nan=-np.inf) < -tol) & (np.nan_to_num(gain_d, nan=-np.inf) < -tol)
    ks = np.flatnonzero(ok)
    return NRegionEquilibria(
        n=n,
        counts=tuple(int(k) for k in ks),
        strict=tuple(bool(strict[k]) for k in ks),
        deviation_gain_cooperator=tuple(float(v) for v in gain_c),
        deviation_gain_defector=tuple(float(v) for v in gain_d),
    )


@dataclass(frozen=True)
class PublicGoodGame:
    """Linear n-region public-good game (see the module docstring).

    ``b``: benefit one cooperator's effort creates, shared equally by the n regions;
    ``c``: the cooperator's cost; ``spillover`` e: extra benefit a region receives from
    each *other* cooperating region.  Payoffs with k cooperators in total:
    pi_C(k) = b k / n + e (k - 1) - c and pi_D(k) = b k / n + e k.
    """

    n: int
    b: float
    c: float
    spillover: float = 0.0

    def __post_init__(self) -> None:
        if isinstance(self.n, bool) or not isinstance(self.n, int | np.integer) or int(self.n) < 2:
            raise DataError(f"public-good game: n={self.n!r} regions", expected="an integer >= 2")
        object.__setattr__(self, "n", int(self.n))
        for name in ("b", "c", "spillover"):
            object.__setattr__(self, name, _finite(getattr(self, name), name, where="public-good game"))

    def payoff(self, cooperates: ArrayLike, k_others: ArrayLike) -> np.ndarray:
        """Payoff of a region (cooperating or not) when ``k_others`` other regions cooperate.

        Vectorized over both arguments (broadcast).
        """
        a = np.asarray(cooperates, dtype=float)
        k = np.asarray(k_others, dtype=float)
        if np.any((k < 0) | (k > self.n - 1)):
            raise DataError(
                "public-good game: number of other cooperators out of range",
                expected=f"0..{self.n - 1}",
            )
        return self.b * (k + a) / self.n + self.spillover * k - self.c * a

    def cooperator_payoffs(self) -> np.ndarray:
        """pi_C with k_o = 0..n-1 other cooperators."""
        return self.payoff(1.0, np.arange(self.n))

    def defector_payoffs(self) -> np.ndarray:
        """pi_D with k_o = 0..n-1 other cooperators."""
        return self.payoff(0.0, np.arange(self.n))

    def payoff_table(self) -> pd.DataFrame:
        """For k = 0..n cooperators: a cooperator's and a defector's payoff and total welfare."""
        k = np.arange(self.n + 1, dtype=float)
        pc = np.where(k >= 1, self.b * k / self.n + self.spillover * (k - 1) - self.c, np.nan)
        pd_ = np.where(k <= self.n - 1, self.b * k / self.n + self.spillover * k, np.nan)
        welfare = k * np.nan_to_num(pc) + (self.n - k) * np.nan_to_num(pd_)
        return pd.DataFrame(
            {
                "cooperators": k.astype(int),
                "cooperator_payoff": pc,
                "defector_payoff": pd_,
                "total_welfare": welfare,
            }
        )

    def expected_payoffs(self, p: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """Expected payoff of a cooperator and of a defector when each other region cooperates
        independently with probability p (vectorized over p).

        The number of other cooperators is Binomial(n - 1, p) and payoffs are linear in it,
        so E[pi_C] = b (1 + (n-1) p) / n + e (n-1) p - c and E[pi_D] = b (n-1) p / n + e (n-1) p.
        """
        q = np.asarray(p, dtype=float)
        if np.any(~np.isfinite(q) | (q < 0) | (q > 1)):
            raise DataError("public-good game: probability out of range", expected="p in [0, 1]")
        m = (self.n - 1) * q
        return self.b * (
            m + 1
        ) / self.n + self.spillover * m - self.c, self.b * m / self.n + self.spillover * m

    def expected_payoff(self, k: int) -> float:
        """Average payoff per region when exactly k regions cooperate: (b k + e k (n-1) - c k) / n."""
        if not 0 <= int(k) <= self.n:
            raise DataError(f"public-good game: k={k} cooperators", expected=f"0..{self.n}")
        k = int(k)
        return float((self.b * k + self.spillover * k * (self.n - 1) - self.c * k) / self.n)

    def stage(self) -> SymmetricBinaryGame:
        """The game as a symmetric binary n-player game."""
        return SymmetricBinaryGame(self.cooperator_payoffs(), self.defector_payoffs())

    def pure_equilibria(self) -> NRegionEquilibria:
        """Pure Nash equilibria by the deviation condition (see
        :func:`pure_equilibria_by_deviation`).  A cooperator gains c - b/n by defecting
        whatever the others do, so all-defect is the unique (strict) equilibrium when
        c > b/n and all-cooperate when c < b/n."""
        return pure_equilibria_by_deviation(self.cooperator_payoffs(), self.defector_payoffs())

    @property
    def is_social_dilemma(self) -> bool:
        """True when defection is dominant (c > b/n) but full cooperation beats full
        defection (b + e (n - 1) > c)."""
        return bool(self.c > self.b / self.n and self.b + self.spillover * (self.n - 1) > self.c)

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "b": self.b,
            "c": self.c,
            "spillover": self.spillover,
            "social_dilemma": self.is_social_dilemma,
        }


@dataclass(frozen=True, eq=False)
class SymmetricBinaryGame:
    """Symmetric n-player game with actions cooperate / defect, given by the payoff of a
    cooperator ``cooperator[k_o]`` and of a defector ``defector[k_o]`` when k_o = 0..n-1 of
    the other players cooperate (n = len(cooperator)).

    The common form of :class:`SymmetricGame` (n = 2: cooperator = [S, R], defector =
    [P, T]) and :class:`PublicGoodGame`, on which incentive design works.
    """

    cooperator: np.ndarray
    defector: np.ndarray
    players: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        c = np.asarray(self.cooperator, dtype=float)
        d = np.asarray(self.defector, dtype=float)
        if c.ndim != 1 or c.shape != d.shape or c.shape[0] < 2:
            raise DataError(
                f"symmetric binary game: payoff vectors of shapes {c.shape} and {d.shape}",
                expected="two 1-D arrays of equal length n >= 2 (index: number of other cooperators)",
            )
        if not (np.all(np.isfinite(c)) and np.all(np.isfinite(d))):
            raise DataError("symmetric binary game: payoffs are not finite", expected="finite payoffs")
        object.__setattr__(self, "cooperator", _readonly(c))
        object.__setattr__(self, "defector", _readonly(d))
        if self.players is not None:
            if len(self.players) != c.shape[0]:
                raise DataError(
                    f"symmetric binary game: {len(self.players)} player names for {c.shape[0]} players",
                    expected="one name per player",
                )
            object.__setattr__(self, "players", tuple(str(p) for p in self.players))

    @property
    def n(self) -> int:
        return int(self.cooperator.shape[0])

    def cooperator_payoffs(self) -> np.ndarray:
        return np.array(self.cooperator)

    def defector_payoffs(self) -> np.ndarray:
        return np.array(self.defector)

    def with_instruments(
        self, *, penalty: float = 0.0, subsidy: float = 0.0, transfer: float = 0.0
    ) -> SymmetricBinaryGame:
        """Add a central penalty F on every defector, a subsidy B to every cooperator, and a
        horizontal transfer tau that every defector pays to every cooperator:

        cooperator'[k_o] = cooperator[k_o] + B + tau (n - 1 - k_o),
        defector'[k_o] = defector[k_o] - F - tau k_o.

        For n = 2 this is R + B, S + B + tau, T - F - tau, P - F.
        """
        f = _finite(penalty, "penalty", where="instruments")
        s = _finite(subsidy, "subsidy", where="instruments")
        t = _finite(transfer, "transfer", where="instruments")
        k = np.arange(self.n, dtype=float)
        return SymmetricBinaryGame(
            self.cooperator + s + t * (self.n - 1 - k), self.defector - f - t * k, players=self.players
        )

    def pure_equilibria(self) -> NRegionEquilibria:
        return pure_equilibria_by_deviation(self.cooperator, self.defector)

    def bimatrix(self) -> BimatrixGame:
        """The two-player game as a bimatrix (only for n = 2)."""
        if self.n != 2:
            raise DataError(
                f"symmetric binary game: a {self.n}-player game has no bimatrix form",
                expected="n = 2",
            )
        sg = SymmetricGame(
            R=self.cooperator[1],
            S=self.cooperator[0],
            T=self.defector[1],
            P=self.defector[0],
            players=(self.players[0], self.players[1]) if self.players else ("region 1", "region 2"),
        )
        return sg.bimatrix()

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "cooperator_payoffs": self.cooperator.tolist(),
            "defector_payoffs": self.defector.tolist(),
            "players": list(self.players) if self.players else None,
        }
