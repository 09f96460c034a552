"""More weightings for composite indices (JRC/OECD Handbook 2008, step 6): benefit of the doubt, budget allocation, correlation-optimised.

Notation: ``z`` is the normalized table ``(n_units, n_indicators)``, larger is better,
all values >= 0 (benefit of the doubt needs non-negative values; min-max in [0, 1] is the
usual input).

- **Benefit of the doubt** (Cherchye, Moesen, Rogge and Van Puyenbroeck 2007; Handbook
  section 6.3), a data envelopment analysis with one constant input: each unit i gets the
  weights most favourable to it,

  .. math:: CI_i = \\max_{w \\ge 0} \\sum_j w_j z_{ij} \\quad \\text{s.t.} \\quad
            \\sum_j w_j z_{kj} \\le 1 \\;\\; \\forall k, \\qquad
            w_j \\ge \\text{lower}_j,

  a linear programme per unit solved by HiGHS (:func:`scipy.optimize.linprog`,
  ``method="highs"``).  Scores lie in [0, 1]; the best units score 1.  Optional lower
  bounds on the weights (each w_j z_ij share at least ``min_share`` of the score, the
  "pie share" restriction) keep an indicator from being ignored.
- **Budget allocation** (Handbook section 6.1.4; Moldan and Billharz 1997): each expert
  distributes a budget of points over the indicators; the weights are the mean of the
  experts' shares, reported with their spread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.optimize import linprog

from regcoord._display import FrameHTML
from regcoord.errors import DataError

__all__ = [
    "BenefitOfDoubtResult",
    "BudgetWeights",
    "OptimisedWeights",
    "benefit_of_doubt",
    "budget_allocation_weights",
    "correlation_optimised_weights",
]


@dataclass(frozen=True, eq=False)
class BenefitOfDoubtResult(FrameHTML):
    """BoD scores (n,), the optimal weights of each unit (n, p) and the ranks (1 = best)."""

    units: tuple[str, ...]
    indicators: tuple[str, ...]
    scores: np.ndarray
    weights: np.ndarray
    min_share: float

    @property
    def ranks(self) -> np.ndarray:
        from scipy.stats import rankdata

        return rankdata(-np.round(self.scores, 12), method="min").astype(int)

    def to_frame(self) -> pd.DataFrame:
        out = pd.DataFrame(
            self.weights, index=pd.Index(self.units, name="unit"), columns=list(self.indicators)
        )
        out.insert(0, "rank", self.ranks)
        out.insert(0, "score", self.scores)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": "benefit_of_doubt",
            "min_share": self.min_share,
            "scores": dict(zip(self.units, self.scores.tolist(), strict=True)),
            "ranks": dict(zip(self.units, self.ranks.tolist(), strict=True)),
            "weights": {
                u: dict(zip(self.indicators, w.tolist(), strict=True))
                for u, w in zip(self.units, self.weights, strict=True)
            },
        }


def _table(
    z: pd.DataFrame | ArrayLike, names: Sequence[str] | None
) -> tuple[np.ndarray, tuple[str, ...], tuple[str, ...]]:
    if isinstance(z, pd.DataFrame):
        a = z.to_numpy(dtype=float)
        units = tuple(str(u) for u in z.index)
        inds = tuple(str(c) for c in z.columns)
    else:
        a = np.asarray(z, dtype=float)
        if a.ndim != 2:
            raise DataError(f"values have shape {a.shape}", expected="(units, indicators)")
        units = tuple(str(i) for i in range(a.shape[0]))
        inds = tuple(names) if names is not None else tuple(f"x{j}" for j in range(a.shape[1]))
    if not np.isfinite(a).all():
        i, j = (int(v[0]) for v in np.nonzero(~np.isfinite(a)))
        raise DataError(
            f"unit {units[i]!r} has a missing or infinite value",
            column=inds[j],
            expected="complete data (impute first)",
        )
    return a, units, inds


def benefit_of_doubt(
    z: pd.DataFrame | ArrayLike, *, min_share: float = 0.0, names: Sequence[str] | None = None
) -> BenefitOfDoubtResult:
    """Benefit-of-the-doubt composite scores by one linear programme per unit (HiGHS).

    ``min_share`` (in [0, 1/p]) requires every indicator's share ``w_j z_ij / CI_i`` of
    unit i's own score to be at least that much (pie-share restriction, Handbook 6.3),
    written linearly as ``w_j z_ij >= min_share * sum_k w_k z_ik``.

    >>> r = benefit_of_doubt([[1.0, 1.0], [2.0, 0.5], [0.5, 0.5]])
    >>> [round(float(s), 6) for s in r.scores]
    [1.0, 1.0, 0.5]
    """
    a, units, inds = _table(z, names)
    n, p = a.shape
    if (a < 0).any():
        i, j = (int(v[0]) for v in np.nonzero(a < 0))
        raise DataError(
            f"unit {units[i]!r} has a negative value",
            column=inds[j],
            expected="values >= 0 (normalize first)",
        )
    zero = np.flatnonzero(a.max(axis=0) == 0)
    if zero.size:
        raise DataError(
            "the indicator is 0 for every unit", column=inds[int(zero[0])], expected="some positive value"
        )
    share = float(min_share)
    if not 0.0 <= share <= 1.0 / p:
        raise DataError(f"min_share {min_share}", expected=f"a share between 0 and 1/{p}")
    scores = np.empty(n)
    weights = np.empty((n, p))
    for i in range(n):
        a_ub = a
        b_ub = np.ones(n)
        if share > 0:
            # share * sum_k w_k z_ik - w_j z_ij <= 0 for every j
            extra = share * np.tile(a[i], (p, 1)) - np.diag(a[i])
            a_ub = np.vstack([a, extra])
            b_ub = np.concatenate([b_ub, np.zeros(p)])
        res = linprog(-a[i], A_ub=a_ub, b_ub=b_ub, bounds=[(0, None)] * p, method="highs")
        if res.status != 0:
            raise DataError(
                f"benefit of the doubt for unit {units[i]!r}: {res.message}", expected="a feasible programme"
            )
        scores[i] = -res.fun
        weights[i] = res.x
    return BenefitOfDoubtResult(units, inds, scores, weights, share)


@dataclass(frozen=True, eq=False)
class BudgetWeights(FrameHTML):
    """Budget-allocation weights: the mean of the experts' shares, with their spread."""

    indicators: tuple[str, ...]
    weights: np.ndarray
    shares: np.ndarray  # (experts, indicators)
    sd: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "weight": self.weights,
                "sd": self.sd,
                "min": self.shares.min(axis=0),
                "max": self.shares.max(axis=0),
            },
            index=pd.Index(self.indicators, name="indicator"),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": "budget_allocation",
            "weights": dict(zip(self.indicators, self.weights.tolist(), strict=True)),
            "sd": dict(zip(self.indicators, self.sd.tolist(), strict=True)),
            "experts": int(self.shares.shape[0]),
        }


def budget_allocation_weights(
    budgets: pd.DataFrame | ArrayLike, *, names: Sequence[str] | None = None
) -> BudgetWeights:
    """Weights from experts' budget allocations (rows: experts, columns: indicators, points >= 0).

    .. math:: w_j = \\frac{1}{E} \\sum_e \\frac{b_{ej}}{\\sum_k b_{ek}}

    Each expert's points are turned into shares first, so that budgets of different
    totals count alike; ``sd`` is the standard deviation of the shares (ddof = 1 when
    there are two experts or more).

    >>> budget_allocation_weights([[50, 30, 20], [40, 40, 20]]).weights.tolist()
    [0.45, 0.35, 0.2]
    """
    a, experts, inds = _table(budgets, names)
    if (a < 0).any():
        i, j = (int(v[0]) for v in np.nonzero(a < 0))
        raise DataError(
            f"expert {experts[i]!r} allocated negative points", column=inds[j], expected="points >= 0"
        )
    totals = a.sum(axis=1)
    if (totals <= 0).any():
        i = int(np.flatnonzero(totals <= 0)[0])
        raise DataError(f"expert {experts[i]!r} allocated no points", expected="a positive budget")
    shares = a / totals[:, None]
    sd = shares.std(axis=0, ddof=1) if shares.shape[0] > 1 else np.zeros(shares.shape[1])
    return BudgetWeights(inds, shares.mean(axis=0), shares, sd)


@dataclass(frozen=True, eq=False)
class OptimisedWeights(FrameHTML):
    """Weights whose indicator-index correlations best match the target importances."""

    indicators: tuple[str, ...]
    weights: np.ndarray
    correlations: np.ndarray  # Pearson correlation of each indicator with the index
    target: np.ndarray
    objective: float
    iterations: int

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {"weight": self.weights, "correlation": self.correlations, "target": self.target},
            index=pd.Index(self.indicators, name="indicator"),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": "correlation_optimised",
            "weights": dict(zip(self.indicators, self.weights.tolist(), strict=True)),
            "correlations": dict(zip(self.indicators, self.correlations.tolist(), strict=True)),
            "objective": self.objective,
        }


def _index_correlations(z: np.ndarray, w: np.ndarray) -> np.ndarray:
    y = z @ w
    zc, yc = z - z.mean(axis=0), y - y.mean()
    den = np.sqrt((zc**2).sum(axis=0) * (yc**2).sum())
    return np.asarray((zc * yc[:, None]).sum(axis=0) / np.where(den > 0, den, 1.0))


def correlation_optimised_weights(
    z: pd.DataFrame | ArrayLike,
    *,
    target: Sequence[float] | None = None,
    names: Sequence[str] | None = None,
    tol: float = 1e-12,
) -> OptimisedWeights:
    """Weights that make the indicators' correlations with the index proportional to ``target``.

    Nominal weights are not importances: an indicator's influence on an arithmetic index
    depends on its spread and its correlations with the others (Paruolo, Saisana and
    Saltelli 2013).  With the index :math:`y = Z w` and :math:`c_j = \\mathrm{corr}(z_j, y)`,

    .. math:: \\min_{w \\ge 0, \\sum w = 1} \\sum_j \\Big(\\frac{c_j}{\\sum_k c_k} - t_j\\Big)^2

    (COINr's ``get_opt_weights``, here solved by SLSQP from equal weights); ``target``
    defaults to equal importances.  Becker, Saisana, Paruolo and Vandecasteele (2017),
    Weights and importance in composite indicators: closing the gap, Ecological Indicators
    80, 12-22.
    """
    from scipy.optimize import minimize

    a, _units, inds = _table(z, names)
    k = a.shape[1]
    if k < 2:
        raise DataError(f"{k} indicator", expected="at least 2 indicators to weigh")
    flat = np.flatnonzero(a.std(axis=0) == 0)
    if flat.size:
        raise DataError("the indicator is constant", column=inds[int(flat[0])], expected="values that vary")
    t = np.full(k, 1.0 / k) if target is None else np.asarray(target, dtype=float)
    if t.shape != (k,) or (t < 0).any() or t.sum() <= 0:
        raise DataError(f"target {list(t) if t.ndim else t}", expected=f"{k} non-negative importances")
    t = t / t.sum()

    def objective(w: np.ndarray) -> float:
        c = _index_correlations(a, w)
        return float(((c / c.sum() - t) ** 2).sum())

    res = minimize(
        objective,
        np.full(k, 1.0 / k),
        method="SLSQP",
        bounds=[(0.0, 1.0)] * k,
        constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1.0}],
        options={"ftol": tol, "maxiter": 1000},
    )
    if not res.success:
        raise DataError(f"the weight optimisation failed: {res.message}", expected="a solvable problem")
    w = np.clip(res.x, 0.0, None)
    w = w / w.sum()
    return OptimisedWeights(inds, w, _index_correlations(a, w), t, objective(w), int(res.nit))
