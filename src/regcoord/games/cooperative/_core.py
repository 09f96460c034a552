"""Core membership, least core, nucleolus and prenucleolus (linear programming with HiGHS).

Excess of coalition S at allocation x: e(S, x) = v(S) - x(S).  The core is
{x : x(N) = v(N), e(S, x) <= 0 for all S} (Gillies 1959).  The least core (Maschler,
Peleg and Shapley 1979) minimizes epsilon subject to e(S, x) <= epsilon for every proper
non-empty S; the core is empty exactly when that minimum is positive.  The
(pre)nucleolus (Schmeidler 1969) lexicographically minimizes the excesses sorted in
decreasing order, over imputations (x_i >= v({i})) or over all pre-imputations.

All LPs are solved with constraint generation: an LP holds only an *active* set of
coalitions (initially the singletons and their complements); after each solve one
vectorized pass over the 2^n array computes every excess, the most violated coalitions are
added, and the LP is solved again until no coalition violates it.  At most 2n - 2
coalitions determine the nucleolus (Brune 1983; Reijnierse and Potters 1998), so the LPs
stay small while the final answer is still checked against every coalition.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.optimize import linprog

from regcoord._display import FrameHTML
from regcoord.games.cooperative._game import (
    Allocation,
    FloatArray,
    GameError,
    Progress,
    TUGame,
    coalition_sums,
)


def _tol(game: TUGame) -> float:
    return 1e-9 * max(1.0, float(np.abs(game.v).max()))


# ---------------------------------------------------------------------- core membership


@dataclass(frozen=True)
class CoreCheck(FrameHTML):
    """Result of :func:`in_core`: efficiency and the coalitions that would block ``allocation``.

    ``violated`` lists (coalition, excess v(S) - x(S)) for every coalition with positive
    excess, largest first (at most ``limit`` of them; ``n_violated`` counts all).
    """

    players: tuple[str, ...]
    allocation: tuple[float, ...]
    in_core: bool
    efficient: bool
    efficiency_gap: float
    violated: tuple[tuple[str, float], ...]
    n_violated: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "players": list(self.players),
            "allocation": list(self.allocation),
            "in_core": self.in_core,
            "efficient": self.efficient,
            "efficiency_gap": self.efficiency_gap,
            "violated": [{"coalition": c, "excess": e} for c, e in self.violated],
            "n_violated": self.n_violated,
        }

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(list(self.violated), columns=["coalition", "excess"])


def in_core(
    game: TUGame,
    x: Mapping[str, float] | Sequence[float] | npt.ArrayLike,
    *,
    tol: float | None = None,
    limit: int = 100,
) -> CoreCheck:
    """Is ``x`` in the core?  x(N) = v(N) and x(S) >= v(S) for every S (one pass over 2^n).

    Returns the efficiency gap v(N) - x(N) and the violated coalitions with their excess.
    """
    arr = game.allocation_array(x)
    tol = _tol(game) if tol is None else tol
    excess = game.v - coalition_sums(arr)
    excess[0] = 0.0
    gap = float(excess[-1])
    excess[-1] = 0.0
    bad = np.flatnonzero(excess > tol)
    order = bad[np.argsort(-excess[bad], kind="stable")][:limit]
    violated = tuple((game.label(int(m)), float(excess[m])) for m in order)
    efficient = abs(gap) <= tol
    return CoreCheck(
        players=game.players,
        allocation=tuple(float(a) for a in arr),
        in_core=efficient and bad.size == 0,
        efficient=efficient,
        efficiency_gap=gap,
        violated=violated,
        n_violated=int(bad.size),
    )


# ---------------------------------------------------------------------- LP machinery


@dataclass
class _Stage:
    x: FloatArray
    t: float
    active: list[int]
    duals: FloatArray
    lps: int


@dataclass
class _Problem:
    """The state of the sequential LP: fixed coalitions and the basis of their span."""

    game: TUGame
    imputation: bool
    tol: float
    fixed: list[tuple[int, float]] = field(default_factory=list)
    basis: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    lps: int = 0

    def __post_init__(self) -> None:
        n = self.game.n
        self.basis = np.ones((n, 1)) / np.sqrt(n)  # span of 1_N
        self.bits = np.arange(n)
        self.big = 1e6 * max(1.0, float(np.abs(self.game.v).max())) * n

    @property
    def rank(self) -> int:
        return int(self.basis.shape[1])

    def indicator(self, masks: Sequence[int] | npt.NDArray[np.int64]) -> FloatArray:
        m = np.asarray(masks, dtype=np.int64)
        return ((m[:, None] >> self.bits[None, :]) & 1).astype(np.float64)

    def try_fix(self, mask: int, level: float) -> bool:
        """Fix e(S) = level if 1_S is independent of the fixed span (Gram-Schmidt)."""
        a = self.indicator([mask])[0]
        r = a - self.basis @ (self.basis.T @ a)
        r = r - self.basis @ (self.basis.T @ r)
        norm = float(np.linalg.norm(r))
        if norm <= 1e-7:
            return False
        self.basis = np.column_stack([self.basis, r / norm])
        self.fixed.append((mask, level))
        return True

    def free_mask(self, rng: np.random.Generator) -> npt.NDArray[np.bool_]:
        """Coalitions whose excess is not yet constant on the fixed affine set.

        1_S lies in the fixed span iff 1_S . r = 0 for every r orthogonal to it; two random
        such r decide it for all 2^n coalitions at once (wrong only with probability 0).
        """
        n = self.game.n
        free = np.zeros(1 << n, dtype=bool)
        for _ in range(2):
            g = rng.standard_normal(n)
            r = g - self.basis @ (self.basis.T @ g)
            s = coalition_sums(r)
            free |= np.abs(s) > 1e-9 * max(1.0, float(np.abs(r).sum()))
        free[0] = False
        free[-1] = False
        return free

    def solve(self, active: list[int]) -> tuple[FloatArray, float, FloatArray]:
        """min t s.t. e(S) <= t (S active), e(S) = level (S fixed), x(N) = v(N), bounds."""
        game = self.game
        n = game.n
        v = game.v
        a_ub = np.hstack([-self.indicator(active), -np.ones((len(active), 1))])
        b_ub = -v[np.asarray(active, dtype=np.int64)]
        eq_masks = [game.grand] + [m for m, _ in self.fixed]
        a_eq = np.hstack([self.indicator(eq_masks), np.zeros((len(eq_masks), 1))])
        b_eq = np.array([v[-1]] + [v[m] - lev for m, lev in self.fixed])
        c = np.zeros(n + 1)
        c[-1] = 1.0
        lower = game.singletons() if self.imputation else np.full(n, -np.inf)
        bounds = [(float(lo), None) if np.isfinite(lo) else (None, None) for lo in lower] + [
            (-self.big, None)
        ]
        res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        self.lps += 1
        if res.status != 0 or res.x is None:
            raise GameError(f"the linear program failed: {res.message}")
        duals = -np.asarray(res.ineqlin.marginals, dtype=np.float64)
        return np.asarray(res.x[:n], dtype=np.float64), float(res.x[-1]), duals

    def stage(self, free: npt.NDArray[np.bool_], active: list[int], batch: int) -> _Stage:
        """Solve one stage to optimality over *all* free coalitions by constraint generation."""
        v = self.game.v
        lps = 0
        candidate = free.copy()
        candidate[np.asarray(active, dtype=np.int64)] = False  # already in the LP (never re-added)
        while True:
            x, t, duals = self.solve(active)
            lps += 1
            excess = v - coalition_sums(x)
            viol = np.flatnonzero(candidate & (excess > t + self.tol))
            if viol.size == 0:
                return _Stage(x, t, active, duals, lps)
            if viol.size > batch:
                viol = viol[np.argpartition(-excess[viol], batch)[:batch]]
            candidate[viol] = False
            active = active + [int(m) for m in viol]


def _initial_active(n: int, free: npt.NDArray[np.bool_]) -> list[int]:
    full = (1 << n) - 1
    cand = [1 << i for i in range(n)] + [full ^ (1 << i) for i in range(n)]
    out = sorted({m for m in cand if free[m]})
    if not out:
        out = [int(m) for m in np.flatnonzero(free)[: 2 * n]]
    return out


# ---------------------------------------------------------------------- least core


@dataclass(frozen=True)
class LeastCore:
    """Least core value epsilon and one allocation in the least core.

    ``epsilon`` = min over pre-imputations of max_{S proper, non-empty} e(S, x); the core is
    empty iff epsilon > 0 (up to tolerance), in which case the least core is the set of
    allocations that every coalition blocks by at most epsilon.
    """

    players: tuple[str, ...]
    epsilon: float
    allocation: tuple[float, ...]
    core_empty: bool
    lps: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "players": list(self.players),
            "epsilon": self.epsilon,
            "allocation": list(self.allocation),
            "core_empty": self.core_empty,
            "lps": self.lps,
        }


def least_core(game: TUGame) -> LeastCore:
    """Least core (Maschler, Peleg and Shapley 1979) by one LP, min epsilon s.t.

    x(S) >= v(S) - epsilon for every proper non-empty S and x(N) = v(N), solved with HiGHS
    by constraint generation (the LP over all coalitions, solved over the ones that bind).
    """
    if game.n == 1:
        return LeastCore(game.players, 0.0, (float(game.v[-1]),), False, 0)
    prob = _Problem(game, imputation=False, tol=_tol(game))
    free = np.ones(1 << game.n, dtype=bool)
    free[0] = free[-1] = False
    st = prob.stage(free, _initial_active(game.n, free), batch=max(2 * game.n, 32))
    return LeastCore(
        players=game.players,
        epsilon=st.t + 0.0,
        allocation=tuple(float(a) for a in st.x + 0.0),
        core_empty=st.t > 100 * prob.tol,  # HiGHS solves to about 1e-7 relative feasibility
        lps=prob.lps,
    )


def core_is_empty(game: TUGame) -> bool:
    """True when no allocation satisfies every coalition (least core epsilon > 0)."""
    return least_core(game).core_empty


# ---------------------------------------------------------------------- nucleolus


def _sequential(game: TUGame, *, imputation: bool, progress: Progress | None, seed: int) -> Allocation:
    n = game.n
    name = "nucleolus" if imputation else "prenucleolus"
    if imputation:
        gap = float(game.v[-1] - game.singletons().sum())
        if gap < -_tol(game):
            raise GameError(
                f"the imputation set is empty: v(N) = {game.v[-1]:g} is less than the sum of the "
                f"standalone values {game.singletons().sum():g} (expected v(N) >= sum of v({{i}}); "
                "the prenucleolus is still defined)"
            )
    if n == 1:
        return Allocation(game.players, (float(game.v[-1]),), name, ("one player: x = v(N)",))
    rng = np.random.default_rng(seed)
    prob = _Problem(game, imputation=imputation, tol=_tol(game))
    batch = max(2 * n, 32)
    trace: list[str] = []
    active: list[int] = []
    x = np.zeros(n)
    first_level: float | None = None
    stage_no = 0
    while prob.rank < n:
        free = prob.free_mask(rng)
        if not free.any():
            break
        active = [m for m in active if free[m]] or _initial_active(n, free)
        before = prob.lps
        st = prob.stage(free, active, batch)
        x, t, active = st.x, st.t, st.active
        stage_no += 1
        order = np.argsort(-st.duals, kind="stable")
        newly = []
        for j in order:
            if st.duals[j] <= 1e-9:
                break
            if prob.try_fix(active[j], t):
                newly.append(active[j])
        if not newly:  # degenerate duals: fix the tight coalition that adds rank
            excess = game.v - coalition_sums(x)
            for m in sorted(active, key=lambda s: -excess[s]):
                if abs(excess[m] - t) <= 1e2 * prob.tol and prob.try_fix(m, t):
                    newly.append(m)
                    break
        if not newly:
            raise GameError(f"{name}: no coalition could be fixed at stage {stage_no} (numerical trouble)")
        if first_level is None:
            first_level = t
        trace.append(
            f"stage {stage_no}: max excess {t + 0.0:.10g} over {int(free.sum())} free coalitions; "
            f"{prob.lps - before} LP(s) with {len(active)} active coalitions; fixed "
            + ", ".join(game.label(m) for m in newly)
        )
        if progress is not None:
            progress(prob.rank, n)
    # verification against every coalition: stage 1's level is the largest excess of all
    excess = game.v - coalition_sums(x)
    proper = excess[1:-1]
    worst = float(proper.max())
    level = worst if first_level is None else first_level
    if abs(worst - level) > 1e3 * prob.tol or abs(float(x.sum()) - game.v[-1]) > 1e3 * prob.tol:
        raise GameError(f"{name}: verification failed (max excess {worst} vs stage level {level})")
    if imputation and np.any(x < game.singletons() - 1e3 * prob.tol):
        raise GameError(f"{name}: verification failed (not individually rational)")
    trace.append(
        f"verified over all {(1 << n) - 2} proper coalitions: max excess {worst + 0.0:.10g}; "
        f"{prob.lps} LPs in total (Maschler, Peleg and Shapley 1979 sequential LPs with constraint generation)"
    )
    return Allocation(game.players, tuple(float(a) for a in x + 0.0), name, tuple(trace))


def nucleolus(game: TUGame, *, progress: Progress | None = None, seed: int = 0) -> Allocation:
    """Nucleolus (Schmeidler 1969): the imputation that lexicographically minimizes the
    decreasingly sorted excesses e(S, x) = v(S) - x(S).

    Sequential LPs (Maschler, Peleg and Shapley 1979): stage k solves
    min t s.t. e(S, x) <= t for free S, e(S, x) = t_j for S fixed at earlier stages,
    x(N) = v(N), x_i >= v({i}); coalitions with a positive dual price cannot go below t and
    are fixed (complementary slackness); coalitions in the span of the fixed ones stop being
    free.  At most n - 1 stages.  Each stage uses constraint generation (see the module).
    ``seed`` drives the random test of which coalitions are still free.
    Raises :class:`GameError` if the imputation set is empty.

    Examples
    --------
    Glove game: the nucleolus gives the scarce left glove everything.

    >>> g = TUGame(("L", "R1", "R2"), [0, 0, 0, 1, 0, 1, 0, 1])
    >>> [round(x, 9) + 0.0 for x in nucleolus(g).values]
    [1.0, 0.0, 0.0]
    """
    return _sequential(game, imputation=True, progress=progress, seed=seed)


def prenucleolus(game: TUGame, *, progress: Progress | None = None, seed: int = 0) -> Allocation:
    """Prenucleolus: as :func:`nucleolus` over all x with x(N) = v(N) (no x_i >= v({i}))."""
    return _sequential(game, imputation=False, progress=progress, seed=seed)
