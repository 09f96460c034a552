"""Allocate a transfer budget to reduce the disparity of per-capita expenditure.

Regions ``i`` with population ``p_i`` and per-capita expenditure ``x_i`` receive transfers
``t_i`` (money) with ``lo_i <= t_i <= hi_i`` (floors and caps; ``lo_i >= 0``, so nobody is
made worse off) and ``sum_i t_i = B``.  After the transfers ``y_i = x_i + t_i / p_i``.

**Water-filling (leximin), exact by sorting.**  ``t_i(L) = clip(p_i (L - x_i), lo_i, hi_i)``
is non-decreasing and piecewise linear in the water level ``L``; its breakpoints are
``x_i + lo_i/p_i`` and ``x_i + hi_i/p_i``.  Sorting them gives ``S(L) = sum_i t_i(L)`` at
every breakpoint by a cumulative sum, and ``S(L) = B`` is solved on one linear piece.

**Why water-filling also minimizes Theil, Williamson's CV, ...** With the total fixed the
weighted mean ``mu`` is fixed, and Theil's T ``sum_i w_i (y_i/mu) ln(y_i/mu)``, the squared
CV ``sum_i w_i (y_i - mu)^2 / mu^2`` (and Theil's L, Atkinson) are separable sums
``sum_i w_i f(y_i)`` of a strictly convex ``f``.  The KKT conditions of
``min sum_i w_i f(x_i + t_i/p_i)`` subject to ``sum t_i = B``, ``lo <= t <= hi`` are
``f'(y_i) = nu`` for interior ``t_i``, ``f'(y_i) >= nu`` at ``lo_i`` and ``<= nu`` at
``hi_i``; as ``f'`` is increasing this says ``y_i = L`` between the bounds, ``y_i >= L``
at a floor and ``y_i <= L`` at a cap: exactly ``t_i(L)``.  The problem is convex, so the
water-filling solution is the unique optimum.  The Gini is not separable; without binding
caps the water-filled distribution Lorenz-dominates every feasible one (the bottom share of
any population fraction is maximal), hence minimizes every Lorenz-consistent index
including the Gini.  The tests check all of this against scipy's SLSQP and HiGHS.

**Smallest budget for a target (bisection).**  Without caps, ``I*(B)`` (the optimal index
at budget ``B``) is non-increasing: more budget only raises the regions at the water level,
which is the minimum of the distribution, and a transfer to the poorest lowers every
Lorenz-consistent index; from ``B_eq = sum_i (p_i (max_j y0_j - y0_i) + lo_i)`` on
(``y0 = x + lo/p``) everyone is equal and ``I* = 0``.  Bisection on ``B`` then finds the smallest budget with ``I*(B) <= target``.
With caps, monotonicity is not guaranteed; the result says so (``monotone_certified``).

Money: transfers are Decimal yuan apportioned in whole fen (largest remainder) so they sum
to the budget exactly; a floor or cap may be missed by at most one fen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

from regcoord._display import FrameHTML
from regcoord.errors import DataError
from regcoord.measure.inequality import gini, theil_t, williamson_cv
from regcoord.rules import Trace, TraceBuilder, apportion_fen, round_fen, to_decimal
from regcoord.transfers.formulas import _labels

__all__ = [
    "INDICES",
    "AllocationResult",
    "BudgetSearchResult",
    "allocate_budget",
    "disparity",
    "minimal_budget",
    "water_fill",
]

#: indices that can be optimized or reported; all population-weighted
INDICES = ("theil", "cv", "gini")


def disparity(index: str, values: np.ndarray, population: np.ndarray) -> float:
    """Population-weighted disparity of per-capita ``values`` by ``regcoord.measure.inequality``.

    ``theil`` -> ``theil_t``, ``cv`` -> ``williamson_cv`` (weighted CV), ``gini`` -> ``gini``.
    """
    funcs: dict[str, Callable[..., Any]] = {"theil": theil_t, "cv": williamson_cv, "gini": gini}
    if index not in funcs:
        raise DataError(f"unknown disparity index {index!r}", expected=f"one of {', '.join(INDICES)}")
    return float(funcs[index](np.asarray(values, float), weights=np.asarray(population, float)).values[0])


@dataclass(frozen=True)
class _Problem:
    regions: tuple[str, ...]
    p: np.ndarray
    x: np.ndarray
    lo: np.ndarray
    hi: np.ndarray


def _problem(
    regions: Sequence[str],
    population: Any,
    per_capita: Any,
    floors: Any,
    caps: Any,
) -> _Problem:
    labels = _labels(regions, 2)
    n = len(labels)

    def arr(v: Any, name: str, default: float) -> np.ndarray:
        try:
            a = np.full(n, default, float) if v is None else np.asarray(v, dtype=float)
        except (TypeError, ValueError):
            raise DataError(
                f"{name}: {v!r} are not numbers", column=name, expected="finite numbers"
            ) from None
        if a.ndim == 0:
            a = np.full(n, float(a))
        if a.shape != (n,):
            raise DataError(f"{name}: {a.size} values for {n} regions", column=name)
        bad = np.flatnonzero(np.isnan(a) | (np.isinf(a) & (name != "cap")))
        if bad.size:
            i = int(bad[0])
            raise DataError(f"region {labels[i]!r}: {name} is not a finite number", row=i + 1, column=name)
        return a

    p = arr(population, "population", np.nan)
    x = arr(per_capita, "per_capita", np.nan)
    lo = arr(floors, "floor", 0.0)
    hi = arr(caps, "cap", np.inf)
    for name, a, ok in (
        ("population", p, p > 0),
        ("per_capita", x, x >= 0),
        ("floor", lo, lo >= 0),
        ("cap", hi, hi >= lo),
    ):
        bad = np.flatnonzero(~ok)
        if bad.size:
            i = int(bad[0])
            exp = {
                "population": "> 0",
                "per_capita": ">= 0",
                "floor": ">= 0 (no region worse off)",
                "cap": ">= floor",
            }
            raise DataError(
                f"region {labels[i]!r}: {name} is {a[i]}", row=i + 1, column=name, expected=exp[name]
            )
    return _Problem(labels, p, x, lo, hi)


def water_fill(
    population: np.ndarray,
    per_capita: np.ndarray,
    budget: float,
    floors: np.ndarray | None = None,
    caps: np.ndarray | None = None,
) -> tuple[np.ndarray, float]:
    """Exact water-filling: transfers ``t`` and level ``L`` with ``t = clip(p (L - x), lo, hi)``,
    ``sum t = budget`` (see the module docstring).  Plain float arrays in, no validation.
    """
    p = np.asarray(population, float)
    x = np.asarray(per_capita, float)
    n = p.size
    lo = np.zeros(n) if floors is None else np.asarray(floors, float)
    hi = np.full(n, np.inf) if caps is None else np.asarray(caps, float)
    s_lo, s_hi = float(lo.sum()), float(hi.sum())
    if budget < s_lo - 1e-9 * max(1.0, s_lo) or budget > s_hi + 1e-9 * max(1.0, abs(s_hi)):
        raise DataError(f"budget {budget} outside the feasible range [{s_lo}, {s_hi}] set by floors and caps")
    a = x + lo / p  # slope +p_i from here
    b = x + hi / p  # slope -p_i from here (inf if uncapped)
    pos = np.concatenate([a, b])
    dslope = np.concatenate([p, -p])
    finite = np.isfinite(pos)
    pos, dslope = pos[finite], dslope[finite]
    order = np.argsort(pos, kind="stable")
    pos, dslope = pos[order], dslope[order]
    slope = np.cumsum(dslope)  # slope on [pos_k, pos_{k+1})
    s = s_lo + np.concatenate([[0.0], np.cumsum(slope[:-1] * np.diff(pos))])  # S(pos_k)
    k = int(np.searchsorted(s, budget, side="right")) - 1
    k = max(k, 0)
    level = float(pos[k]) if slope[k] <= 0 else float(pos[k] + (budget - s[k]) / slope[k])
    t = np.clip(p * (level - x), lo, hi)
    return t, level


@dataclass(frozen=True)
class AllocationResult(FrameHTML):
    """Transfers and per-capita expenditure before and after, with the disparity both times."""

    regions: tuple[str, ...]
    population: tuple[float, ...]
    before: tuple[float, ...]
    after: tuple[float, ...]
    transfers: tuple[Decimal, ...]
    budget: Decimal
    objective: str
    index: str
    index_before: float
    index_after: float
    level: float
    method: str
    trace: Trace

    def to_dict(self) -> dict[str, Any]:
        return {
            "regions": list(self.regions),
            "population": list(self.population),
            "before": list(self.before),
            "after": list(self.after),
            "transfers": [str(t) for t in self.transfers],
            "budget": str(self.budget),
            "objective": self.objective,
            "index": self.index,
            "index_before": self.index_before,
            "index_after": self.index_after,
            "level": self.level,
            "method": self.method,
            "trace": self.trace.to_dict(),
        }

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "region": self.regions,
                "population": self.population,
                "per_capita_before": self.before,
                "transfer": self.transfers,
                "per_capita_after": self.after,
            }
        )


def _numeric(pr: _Problem, budget: float, objective: str) -> np.ndarray:
    """Generic solvers (verification and ``solver='numeric'``): HiGHS LP for max-min,
    SLSQP for Theil / CV / Gini."""
    n = pr.regions.__len__()
    ub = [None if not np.isfinite(h) else float(h) for h in pr.hi]
    if objective == "leximin":
        # max z  s.t.  z - t_i/p_i <= x_i,  sum t = B,  lo <= t <= hi   (variables t, z)
        c = np.zeros(n + 1)
        c[-1] = -1.0
        a_ub = np.hstack([-np.diag(1.0 / pr.p), np.ones((n, 1))])
        a_eq = np.hstack([np.ones((1, n)), np.zeros((1, 1))])
        bounds = [(float(lo), h) for lo, h in zip(pr.lo, ub, strict=True)] + [(None, None)]
        res = optimize.linprog(
            c, A_ub=a_ub, b_ub=pr.x, A_eq=a_eq, b_eq=[budget], bounds=bounds, method="highs"
        )
        if not res.success:
            raise DataError(f"linear program failed: {res.message}")
        return np.asarray(res.x[:n])
    scale = budget if budget > 0 else 1.0

    def f(u: np.ndarray) -> float:
        return disparity(objective, pr.x + u * scale / pr.p, pr.p)

    # an independent feasible start (not the water-filling solution): the budget above the
    # floors shared in proportion to each region's room up to its cap
    room = np.where(np.isfinite(pr.hi), pr.hi - pr.lo, max(budget, 1.0))
    share = room / room.sum() if room.sum() > 0 else np.full(n, 1.0 / n)
    start = (pr.lo + (budget - pr.lo.sum()) * share) / scale
    bnds = [(float(lo) / scale, None if h is None else h / scale) for lo, h in zip(pr.lo, ub, strict=True)]
    res = optimize.minimize(
        f,
        start,
        method="SLSQP",
        bounds=bnds,
        constraints=[{"type": "eq", "fun": lambda u: np.sum(u) - budget / scale}],
        options={"ftol": 1e-12, "maxiter": 500},
    )
    return np.asarray(res.x) * scale


def allocate_budget(
    regions: Sequence[str],
    population: Any,
    per_capita: Any,
    budget: Any,
    *,
    objective: str = "leximin",
    index: str = "theil",
    floors: Any = None,
    caps: Any = None,
    solver: str = "closed_form",
) -> AllocationResult:
    """Allocate ``budget`` (>= 0) to minimize disparity of per-capita expenditure.

    ``objective``: ``leximin`` (raise the lowest: water-filling) or an index in
    :data:`INDICES`; ``index``: the index reported before/after (default the objective
    when it is an index, else Theil).  ``solver='closed_form'`` uses exact water-filling,
    optimal for all of them (module docstring); ``'numeric'`` solves with scipy (HiGHS for
    leximin's max-min LP, SLSQP for the indices) for comparison.
    """
    if objective not in ("leximin", *INDICES):
        raise DataError(
            f"unknown objective {objective!r}", expected=f"leximin or one of {', '.join(INDICES)}"
        )
    if objective != "leximin":
        index = objective
    if index not in INDICES:
        raise DataError(f"unknown disparity index {index!r}", expected=f"one of {', '.join(INDICES)}")
    if solver not in ("closed_form", "numeric"):
        raise DataError(f"unknown solver {solver!r}", expected="closed_form or numeric")
    pr = _problem(regions, population, per_capita, floors, caps)
    b = to_decimal(budget, name="budget")
    if b < 0:
        raise DataError(f"budget {b} is negative", expected=">= 0")
    b = round_fen(b)
    tb = TraceBuilder()
    tb.input("budget", b, "yuan")
    tb.input("objective", objective)
    tb.input("regions", len(pr.regions))
    if pr.lo.any():
        tb.input("floors (sum)", float(pr.lo.sum()), "yuan")
    if np.isfinite(pr.hi).any():
        tb.input("caps (finite)", int(np.isfinite(pr.hi).sum()))
    if solver == "closed_form":
        t, level = water_fill(pr.p, pr.x, float(b), pr.lo, pr.hi)
        method = "water-filling (exact, sorted breakpoints)"
        tb.value("water level L", level, "sum_i clip(p_i (L - x_i), lo_i, hi_i) = B", "yuan/person")
    else:
        t = np.maximum(_numeric(pr, float(b), objective), 0.0)
        level = float(np.min(pr.x + t / pr.p))
        method = "scipy HiGHS (max-min LP)" if objective == "leximin" else "scipy SLSQP"
    exact = [Decimal(repr(float(v))) for v in t]
    total_exact = sum(exact, Decimal(0))
    if total_exact > 0:
        exact = [e * b / total_exact for e in exact]
    transfers = apportion_fen(exact, b)
    after = pr.x + np.array([float(v) for v in transfers]) / pr.p
    ib = disparity(index, pr.x, pr.p)
    ia = disparity(index, after, pr.p)
    tb.value(f"{index} before", ib)
    tb.value(f"{index} after", ia)
    for lab, tr in zip(pr.regions, transfers, strict=True):
        if tr:
            tb.value(f"transfer [{lab}]", tr, "apportioned to the fen (largest remainder)", "yuan")
    return AllocationResult(
        regions=pr.regions,
        population=tuple(pr.p.tolist()),
        before=tuple(pr.x.tolist()),
        after=tuple(after.tolist()),
        transfers=transfers,
        budget=b,
        objective=objective,
        index=index,
        index_before=ib,
        index_after=ia,
        level=level,
        method=method,
        trace=tb.build(),
    )


@dataclass(frozen=True)
class BudgetSearchResult:
    """The smallest budget bringing the index under the target, and the allocation at it."""

    index: str
    target: float
    budget: Decimal
    allocation: AllocationResult
    iterations: int
    monotone_certified: bool
    trace: Trace

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "target": self.target,
            "budget": str(self.budget),
            "iterations": self.iterations,
            "monotone_certified": self.monotone_certified,
            "allocation": self.allocation.to_dict(),
            "trace": self.trace.to_dict(),
        }


def minimal_budget(
    regions: Sequence[str],
    population: Any,
    per_capita: Any,
    *,
    target: float,
    index: str = "theil",
    floors: Any = None,
    caps: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> BudgetSearchResult:
    """Smallest budget (to the fen) whose water-filling optimum has ``index <= target``.

    Bisection on the budget between the floors' sum and either the caps' sum or the
    budget that equalizes everyone (``sum_i p_i (max x - x_i)`` above the floors); the
    optimal index is non-increasing in the budget when no cap binds (module docstring).
    """
    pr = _problem(regions, population, per_capita, floors, caps)
    if index not in INDICES:
        raise DataError(f"unknown disparity index {index!r}", expected=f"one of {', '.join(INDICES)}")
    if not np.isfinite(target) or target < 0:
        raise DataError(f"target {target} must be a finite number >= 0")
    tb = TraceBuilder()
    tb.input("index", index)
    tb.input("target", target)
    lo_b = float(pr.lo.sum())
    if np.all(np.isfinite(pr.hi)):
        hi_b = float(pr.hi.sum())
    else:
        top = float(np.max(pr.x + pr.lo / pr.p))
        hi_b = lo_b + float(np.sum(np.clip(pr.p * (top - pr.x), pr.lo, pr.hi) - pr.lo)) + 1.0
        hi_b = min(hi_b, float(pr.hi.sum()))

    def value(budget: float) -> float:
        t, _ = water_fill(pr.p, pr.x, budget, pr.lo, pr.hi)
        return disparity(index, pr.x + t / pr.p, pr.p)

    if value(hi_b) > target:
        raise DataError(
            f"{index} cannot be brought to {target} within the floors and caps "
            f"(best {value(hi_b):.6g} at budget {hi_b:.2f})"
        )
    lo_f, hi_f = Decimal(repr(lo_b)).quantize(Decimal("0.01")), Decimal(repr(hi_b)).quantize(Decimal("0.01"))
    if value(float(lo_f)) <= target:
        hi_f = lo_f
    iterations = 0
    total_iter = max(1, int(np.ceil(np.log2(max(float(hi_f - lo_f) * 100, 1.0)))) + 1)
    while hi_f - lo_f > Decimal("0.01"):
        mid = ((lo_f + hi_f) / 2).quantize(Decimal("0.01"))
        if value(float(mid)) <= target:
            hi_f = mid
        else:
            lo_f = mid
        iterations += 1
        if progress is not None:
            progress(iterations, total_iter)
    alloc = allocate_budget(pr.regions, pr.p, pr.x, hi_f, index=index, floors=pr.lo, caps=pr.hi)
    # rounding the transfers to whole fen can push the index just above the target: add fen
    cap_b = Decimal(repr(float(pr.hi.sum()))) if np.all(np.isfinite(pr.hi)) else None
    extra = 0
    while alloc.index_after > target and extra < 1000 and (cap_b is None or hi_f + Decimal("0.01") <= cap_b):
        hi_f += Decimal("0.01")
        extra += 1
        alloc = allocate_budget(pr.regions, pr.p, pr.x, hi_f, index=index, floors=pr.lo, caps=pr.hi)
    if extra:
        tb.value("fen added after rounding", extra, "until the rounded allocation meets the target")
    capped = bool(
        np.any(np.isfinite(pr.hi) & (np.asarray([float(v) for v in alloc.transfers]) >= pr.hi - 0.01))
    )
    tb.value("budget", hi_f, "smallest budget (fen) with index <= target, by bisection", "yuan")
    tb.decision("monotonicity certified", not capped, "no cap binds" if not capped else "a cap binds")
    return BudgetSearchResult(
        index=index,
        target=float(target),
        budget=hi_f,
        allocation=alloc,
        iterations=iterations,
        monotone_certified=not capped,
        trace=tb.build(),
    )
