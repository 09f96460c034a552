"""The generalised entropy family GE(a), its group decomposition, and the ELMO bound.

Notation as :mod:`regcoord.measure.inequality`: region weights p_i summing to 1 in each
year (population shares; 1/n unweighted), mean mu = sum p_i x_i; group g has population
share P_g, mean mu_g and income share s_g = P_g mu_g / mu.

- :func:`generalized_entropy` (Cowell 1980; Shorrocks 1980):

  ``GE(a) = 1 / (a (a - 1)) sum_i p_i [(x_i / mu)^a - 1]`` for a not in {0, 1},
  ``GE(0) = sum_i p_i ln(mu / x_i)`` (Theil L, mean log deviation),
  ``GE(1) = sum_i p_i (x_i / mu) ln(x_i / mu)`` (Theil T), and ``GE(2) = CV^2 / 2``.
  a <= 0 needs x > 0; for a > 0 zeros are allowed (0 ln 0 = 0).
- :func:`ge_decomposition` (Shorrocks 1980, Econometrica 48(3)):
  ``GE(a) = sum_g P_g^{1-a} s_g^a GE_g(a) + GE_B(a)``, where ``GE_B`` is GE(a) of the
  distribution in which every region has its group's mean — the conventions of Stata's
  ``ineqdeco`` (Jenkins 1999, Stata Technical Bulletin sg104: ``within`` and ``between``
  for GE(-1), GE(0), GE(1), GE(2), weights as ``aweight``/``fweight`` shares).
- the ELMO bound (Elbers, Lanjouw, Mistiaen and Özler 2008, J. Economic Inequality 6(3),
  "Reinterpreting between-group inequality"): the between-group share divided by its
  largest value over all partitions of the same regions into groups of the same
  population shares: ``R_B = GE_B / max GE_B``.  The maximum puts the sorted regions into
  the groups in consecutive blocks; every order of the K groups is tried (K! orders,
  K <= 8; NaN with a note beyond), as in ELMO's definition.  With weights the blocks are cut by cumulative weight,
  which is exact when the group shares fall on region boundaries in the chosen order and
  splits no region otherwise (the block boundary goes to the region that crosses it).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from regcoord._display import FrameHTML
from regcoord.errors import DataError
from regcoord.measure._validation import Checked, check_groups
from regcoord.measure.inequality import IndexSeries, Values, Weights, _checked, _mean, _series

__all__ = ["GEDecomposition", "ge_decomposition", "generalized_entropy"]

#: most groups for which the ELMO maximum is found by trying every order (8! = 40,320)
ELMO_MAX_GROUPS = 8


def _check_alpha(a: float) -> float:
    alpha = float(a)
    if not np.isfinite(alpha):
        raise DataError(f"GE parameter a = {a}", expected="a finite number (0 = Theil L, 1 = Theil T)")
    return alpha


def _ge(x: np.ndarray, p: np.ndarray, a: float) -> np.ndarray:
    """GE(a) of each row of ``x`` (m, n) with weight rows ``p`` summing to 1."""
    s = x / _mean(x, p)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        if a == 0:
            term = -np.log(s)
        elif a == 1:
            term = np.where(s > 0, s * np.log(s), 0.0)
        else:
            term = (s**a - 1.0) / (a * (a - 1.0))
    return np.asarray(np.einsum("ij,ij->i", p, np.where(p > 0, term, 0.0)))


def generalized_entropy(
    values: Values,
    *,
    a: float = 1.0,
    weights: Weights = None,
    years: Sequence[int] | None = None,
    regions: Sequence[str] | None = None,
) -> IndexSeries:
    """Generalised entropy GE(a) per year (module docstring).

    >>> round(generalized_entropy([1.0, 2.0, 3.0, 6.0], a=2).scalar, 6)  # CV^2 / 2
    0.194444
    """
    alpha = _check_alpha(a)
    c = _checked(values, weights, years, regions, positive=alpha <= 0)
    return _series(f"ge({alpha:g})", c, _ge(c.x, c.p, alpha))


@dataclass(frozen=True, eq=False)
class GEDecomposition(FrameHTML):
    """GE(a) = within + between per year, each group's GE, and the ELMO-bounded share.

    Arrays: ``total``, ``between``, ``within``, ``between_max``, ``elmo_share`` (T,);
    ``group_index``, ``population_share``, ``income_share``, ``group_mean`` (T, K).
    """

    a: float
    years: tuple[int, ...] | None
    groups: tuple[str, ...]
    weighted: bool
    total: np.ndarray
    between: np.ndarray
    within: np.ndarray
    group_index: np.ndarray
    population_share: np.ndarray
    income_share: np.ndarray
    group_mean: np.ndarray
    between_max: np.ndarray
    notes: tuple[str, ...] = ()

    @property
    def between_share(self) -> np.ndarray:
        """Conventional between-group share GE_B / GE."""
        return np.asarray(self.between / self.total)

    @property
    def elmo_share(self) -> np.ndarray:
        """ELMO's R_B: GE_B over its maximum for the same number and sizes of groups."""
        return np.asarray(self.between / self.between_max)

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "weighted": self.weighted,
            "years": list(self.years) if self.years is not None else None,
            "groups": list(self.groups),
            "total": self.total.tolist(),
            "between": self.between.tolist(),
            "within": self.within.tolist(),
            "between_share": self.between_share.tolist(),
            "between_max": self.between_max.tolist(),
            "elmo_share": self.elmo_share.tolist(),
            "group_index": self.group_index.tolist(),
            "population_share": self.population_share.tolist(),
            "income_share": self.income_share.tolist(),
            "group_mean": self.group_mean.tolist(),
            "notes": list(self.notes),
        }

    def to_frame(self) -> pd.DataFrame:
        idx = (
            pd.Index(list(self.years), name="year")
            if self.years is not None
            else pd.RangeIndex(len(self.total), name="row")
        )
        return pd.DataFrame(
            {
                "total": self.total,
                "between": self.between,
                "within": self.within,
                "between_share": self.between_share,
                "elmo_share": self.elmo_share,
            },
            index=idx,
        )


def _between(mu_g: np.ndarray, P: np.ndarray, a: float) -> np.ndarray:
    """GE(a) of group means ``mu_g`` (m, K) with population shares ``P`` (m, K)."""
    return _ge(np.where(P > 0, mu_g, 1.0), P, a)


def _elmo_max(c: Checked, P: np.ndarray, a: float) -> np.ndarray:
    """Largest between-group GE(a) over orders of the groups, sorted regions in blocks (T,).

    Per year and order, the block boundaries are found by binary search on the cumulative
    weights and the block sums come from prefix sums: O(K! K log n) per year.
    """
    T, K = P.shape
    if K > ELMO_MAX_GROUPS:
        return np.full(T, np.nan)
    perms = np.array(list(itertools.permutations(range(K))))  # (K!, K)
    order = np.argsort(c.x, axis=1, kind="stable")
    xs = np.take_along_axis(c.x, order, axis=1)
    ps = np.take_along_axis(c.p, order, axis=1)
    best = np.empty(T)
    for t in range(T):
        cw = np.cumsum(ps[t])
        total = cw[-1]
        mid = (cw - ps[t] / 2) / total  # a region goes to the block that holds its weight's midpoint
        pw = np.concatenate([[0.0], np.cumsum(ps[t])])
        px = np.concatenate([[0.0], np.cumsum(ps[t] * xs[t])])
        bounds = np.cumsum(P[t][perms], axis=1)  # (K!, K) upper cumulative shares
        idx = np.searchsorted(mid, bounds, side="right")
        idx[:, -1] = len(mid)
        lo = np.concatenate([np.zeros((len(perms), 1), dtype=idx.dtype), idx[:, :-1]], axis=1)
        Pb = (pw[idx] - pw[lo]) / total
        Sb = (px[idx] - px[lo]) / total
        with np.errstate(divide="ignore", invalid="ignore"):
            mub = np.where(Pb > 0, Sb / np.where(Pb > 0, Pb, 1.0), 1.0)
        best[t] = _between(mub, Pb, a).max()
    return best


def ge_decomposition(
    values: Values,
    groups: Sequence[object] | np.ndarray,
    *,
    a: float = 1.0,
    weights: Weights = None,
    years: Sequence[int] | None = None,
    regions: Sequence[str] | None = None,
) -> GEDecomposition:
    """Between/within decomposition of GE(a) and the ELMO between-group share (module docstring).

    The total is computed directly, so ``within + between == total`` is a check.

    >>> d = ge_decomposition([1.0, 2.0, 3.0, 6.0], ["a", "a", "b", "b"], a=0)
    >>> round(float(d.between[0]), 6), round(float(d.within[0]), 6), round(float(d.total[0]), 6)
    (0.143841, 0.058892, 0.202733)
    """
    alpha = _check_alpha(a)
    c = _checked(values, weights, years, regions, positive=alpha <= 0)
    index, labels = check_groups(groups, c.x.shape[1])
    K = len(labels)
    M = (index[:, None] == np.arange(K)[None, :]).astype(float)
    P = c.p @ M
    S = (c.p * c.x) @ M
    mu = _mean(c.x, c.p)
    with np.errstate(divide="ignore", invalid="ignore"):
        mu_g = np.where(P > 0, S / np.where(P > 0, P, 1.0), np.nan)
    s = S / mu[:, None]
    ge_g = np.full(P.shape, np.nan)
    for k in range(K):
        cols = index == k
        ok = P[:, k] > 0
        if ok.any():
            pk = c.p[ok][:, cols] / P[ok, k][:, None]
            ge_g[ok, k] = _ge(c.x[ok][:, cols], pk, alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        wts = np.where(P > 0, P ** (1.0 - alpha) * s**alpha, 0.0)
    within = np.nansum(wts * np.nan_to_num(ge_g), axis=1)
    between = _between(np.nan_to_num(mu_g, nan=1.0), P, alpha)
    return GEDecomposition(
        a=alpha,
        years=c.years,
        groups=labels,
        weighted=c.weighted,
        total=_ge(c.x, c.p, alpha),
        between=between,
        within=within,
        group_index=ge_g,
        population_share=P,
        income_share=s,
        group_mean=mu_g,
        between_max=_elmo_max(c, P, alpha),
        notes=(
            (f"{K} groups: the ELMO bound tries K! orders and is given for at most {ELMO_MAX_GROUPS} (NaN)",)
            if K > ELMO_MAX_GROUPS
            else ()
        ),
    )
