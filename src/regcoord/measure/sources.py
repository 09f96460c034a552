"""Inequality by source and regional specialisation: Lerman-Yitzhaki, Krugman.

``sources`` has shape (n, K) — one cross-section, n regions by K sources (GDP by sector,
income by component) — or (T, n, K); the total of a region is the sum of its sources.
Region weights p_i sum to 1 in each year (1/n unweighted).

- :func:`gini_by_source` (Lerman and Yitzhaki 1985, Review of Economics and Statistics
  67(1); the conventions of Stata's ``descogini``, López-Feldman 2006, Stata Journal 6(1)):
  ``G = sum_k S_k R_k G_k`` with ``S_k = mu_k / mu`` the source's share of the total,
  ``G_k = 2 cov(y_k, F_k) / mu_k`` its Gini, and ``R_k = cov(y_k, F) / cov(y_k, F_k)`` its
  Gini correlation with the total (F, F_k the weighted mid-point ranks
  ``F_i = C_i - p_i / 2`` of the total and of the source, tied values sharing their mean
  rank).  ``S_k R_k G_k / G`` is the source's share of the Gini and
  ``S_k (R_k G_k / G - 1)`` the relative change of the Gini from a 1 % rise of the source
  in every region (its marginal effect).
- :func:`krugman_index` (Krugman 1991, *Geography and Trade*, appendix D):
  ``K_i = sum_k |s_ik - s_k|`` with ``s_ik`` the share of source k in region i and ``s_k``
  its share in the rest of the country (``reference="rest"``, Krugman's) or in the whole
  (``"total"``); from 0 (the same structure) to 2 (nothing in common).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from regcoord._display import FrameHTML
from regcoord.errors import DataError

__all__ = ["GiniBySource", "KrugmanResult", "gini_by_source", "krugman_index"]


def _sources(
    sources: ArrayLike, names: Sequence[str] | None, weights: ArrayLike | None, *, nonnegative: bool
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...], bool]:
    a = np.asarray(sources, dtype=float)
    if a.ndim == 2:
        a = a[None]
    if a.ndim != 3 or a.shape[1] < 2 or a.shape[2] < 1:
        raise DataError(
            f"sources of shape {np.shape(sources)}", expected="(n regions >= 2, K sources) or (T, n, K)"
        )
    T, n, K = a.shape
    bad = np.argwhere(~np.isfinite(a) | ((a < 0) if nonnegative else False))
    if len(bad):
        t, i, k = (int(v) for v in bad[0])
        raise DataError(
            f"source {k} of region {i} (row {t}) is {a[t, i, k]}",
            expected="a finite number" + (" >= 0" if nonnegative else ""),
        )
    labels = tuple(names) if names is not None else tuple(f"source {k + 1}" for k in range(K))
    if len(labels) != K:
        raise DataError(f"{len(labels)} source names for {K} sources", expected="one name per source")
    if weights is None:
        p = np.full((T, n), 1.0 / n)
    else:
        w = np.asarray(weights, dtype=float)
        if w.shape == (n,):
            w = np.broadcast_to(w, (T, n))
        if w.shape != (T, n) or not (np.isfinite(w) & (w >= 0)).all() or (w.sum(axis=1) <= 0).any():
            raise DataError(
                f"weights of shape {np.shape(weights)}", expected=f"(n,) or (T, n) weights >= 0, n = {n}"
            )
        p = w / w.sum(axis=1, keepdims=True)
    return a, p, labels, weights is not None


def _midranks(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Weighted mid-point ranks ``C_i - p_i / 2`` of each row, ties sharing their weighted mean rank."""
    order = np.argsort(y, axis=1, kind="stable")
    ys = np.take_along_axis(y, order, axis=1)
    ps = np.take_along_axis(p, order, axis=1)
    F = np.cumsum(ps, axis=1) - ps / 2
    out = np.empty_like(F)
    for t in range(y.shape[0]):
        _, start, counts = np.unique(ys[t], return_index=True, return_counts=True)
        for s, c in zip(start[counts > 1], counts[counts > 1], strict=True):
            seg = slice(s, s + c)
            w = ps[t, seg]
            F[t, seg] = (w @ F[t, seg]) / w.sum() if w.sum() > 0 else F[t, seg].mean()
        out[t, order[t]] = F[t]
    return out


def _cov(a: np.ndarray, b: np.ndarray, p: np.ndarray) -> np.ndarray:
    ma = np.einsum("tn,tn->t", p, a)
    mb = np.einsum("tn,tn->t", p, b)
    return np.asarray(np.einsum("tn,tn->t", p, (a - ma[:, None]) * (b - mb[:, None])))


@dataclass(frozen=True, eq=False)
class GiniBySource(FrameHTML):
    """Lerman-Yitzhaki decomposition per year: arrays (T,) for ``gini``, (T, K) per source."""

    sources: tuple[str, ...]
    years: tuple[int, ...] | None
    weighted: bool
    gini: np.ndarray
    share: np.ndarray  # S_k
    source_gini: np.ndarray  # G_k
    correlation: np.ndarray  # R_k
    contribution: np.ndarray  # S_k R_k G_k

    @property
    def contribution_share(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(self.contribution / self.gini[:, None])

    @property
    def marginal_effect(self) -> np.ndarray:
        """Relative change of the Gini from a 1 % rise of each source: S_k (R_k G_k / G - 1).

        Written ``S_k R_k G_k / G - S_k`` so that a source equal in every region (R_k
        undefined, contribution 0) gets ``-S_k``.
        """
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(self.contribution / self.gini[:, None] - self.share)

    def to_frame(self) -> pd.DataFrame:
        """One row per (year, source)."""
        T = len(self.gini)
        years = list(self.years) if self.years is not None else list(range(T))
        idx = pd.MultiIndex.from_product([years, list(self.sources)], names=["year", "source"])
        return pd.DataFrame(
            {
                "share": self.share.ravel(),
                "gini": self.source_gini.ravel(),
                "correlation": self.correlation.ravel(),
                "contribution": self.contribution.ravel(),
                "contribution_share": self.contribution_share.ravel(),
                "marginal_effect": self.marginal_effect.ravel(),
            },
            index=idx,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "sources": list(self.sources),
            "years": list(self.years) if self.years is not None else None,
            "weighted": self.weighted,
            "gini": self.gini.tolist(),
            "share": self.share.tolist(),
            "source_gini": self.source_gini.tolist(),
            "correlation": self.correlation.tolist(),
            "contribution": self.contribution.tolist(),
            "contribution_share": self.contribution_share.tolist(),
            "marginal_effect": self.marginal_effect.tolist(),
        }


def gini_by_source(
    sources: ArrayLike,
    *,
    names: Sequence[str] | None = None,
    weights: ArrayLike | None = None,
    years: Sequence[int] | None = None,
) -> GiniBySource:
    """Lerman-Yitzhaki Gini decomposition by source (module docstring).

    >>> d = gini_by_source([[1.0, 0.0], [2.0, 1.0], [3.0, 5.0]], names=["farm", "industry"])
    >>> round(float(d.gini[0]), 6), [round(float(v), 6) for v in d.contribution[0]]
    (0.388889, [0.111111, 0.277778])
    """
    a, p, labels, weighted = _sources(sources, names, weights, nonnegative=False)
    T, _n, K = a.shape
    if years is not None and len(years) != T:
        raise DataError(f"{len(years)} years for {T} rows", expected="one year per row")
    y = a.sum(axis=2)
    mu = np.einsum("tn,tn->t", p, y)
    if (mu <= 0).any():
        raise DataError("the total has a mean <= 0", expected="a positive mean total")
    F = _midranks(y, p)
    gini = 2 * _cov(y, F, p) / mu
    share = np.empty((T, K))
    gk = np.empty((T, K))
    rk = np.empty((T, K))
    for k in range(K):
        yk = a[:, :, k]
        muk = np.einsum("tn,tn->t", p, yk)
        cov_own = _cov(yk, _midranks(yk, p), p)
        share[:, k] = muk / mu
        with np.errstate(divide="ignore", invalid="ignore"):
            gk[:, k] = 2 * cov_own / muk
            rk[:, k] = _cov(yk, F, p) / cov_own
    # a source equal in every region has cov_own = 0: it contributes 0 (R_k undefined, NaN)
    with np.errstate(invalid="ignore"):
        contribution = np.where(np.isfinite(rk * gk), share * rk * gk, 0.0)
    return GiniBySource(
        sources=labels,
        years=tuple(int(v) for v in years) if years is not None else None,
        weighted=weighted,
        gini=gini,
        share=share,
        source_gini=gk,
        correlation=rk,
        contribution=contribution,
    )


@dataclass(frozen=True, eq=False)
class KrugmanResult(FrameHTML):
    """Krugman specialisation index per region and year: ``values`` (T, n)."""

    values: np.ndarray
    reference: str
    regions: tuple[str, ...] | None
    years: tuple[int, ...] | None

    def to_frame(self) -> pd.DataFrame:
        T = self.values.shape[0]
        return pd.DataFrame(
            self.values,
            index=pd.Index(list(self.years) if self.years is not None else list(range(T)), name="year"),
            columns=list(self.regions) if self.regions is not None else None,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "regions": list(self.regions) if self.regions is not None else None,
            "years": list(self.years) if self.years is not None else None,
            "values": self.values.tolist(),
        }


def krugman_index(
    sources: ArrayLike,
    *,
    reference: str = "rest",
    regions: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
) -> KrugmanResult:
    """Krugman specialisation index of every region (module docstring).

    >>> krugman_index([[10.0, 0.0], [0.0, 10.0]]).values.tolist()
    [[2.0, 2.0]]
    """
    if reference not in ("rest", "total"):
        raise DataError(f"reference {reference!r}", expected="'rest' (the other regions) or 'total'")
    a, _, _, _ = _sources(sources, None, None, nonnegative=True)
    tot_i = a.sum(axis=2, keepdims=True)
    if (tot_i <= 0).any():
        t, i, _ = (int(v) for v in np.argwhere(tot_i <= 0)[0])
        name = regions[i] if regions is not None else f"#{i}"
        raise DataError(f"region {name} has a total of 0 (row {t})", expected="a positive total")
    s_i = a / tot_i
    nat = a.sum(axis=1, keepdims=True)
    ref = nat - a if reference == "rest" else np.broadcast_to(nat, a.shape)
    s_ref = ref / ref.sum(axis=2, keepdims=True)
    return KrugmanResult(
        values=np.abs(s_i - s_ref).sum(axis=2),
        reference=reference,
        regions=tuple(regions) if regions is not None else None,
        years=tuple(int(v) for v in years) if years is not None else None,
    )
