"""Decompositions of regional inequality by groups of regions (plates, provinces, regimes).

Notation (``shared/domain/measurement.md``): region weights p_i sum to 1 in each year,
group g has population share P_g = sum_{i in g} p_i, mean mu_g and income share
s_g = P_g mu_g / mu.  Everything is vectorized over years; groups are fixed across years.

- :func:`theil_decomposition`: Theil T or L = between + within (Shorrocks 1980 additive
  decomposability of the generalized entropy class).
- :func:`nested_theil`: Akita (2003) two-stage nested Theil decomposition.
- :func:`gini_decomposition`: Dagum (1997) Gini = within + net between + transvariation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from regcoord._display import FrameHTML
from regcoord.errors import DataError
from regcoord.measure._validation import Checked, check_groups
from regcoord.measure.inequality import Values, Weights, _checked, _gini, _mean, _theil_l, _theil_t

__all__ = [
    "GiniDecomposition",
    "NestedTheil",
    "TheilDecomposition",
    "gini_decomposition",
    "nested_theil",
    "theil_decomposition",
]

Kind = Literal["T", "L"]


def _year_index(years: tuple[int, ...] | None, T: int) -> pd.Index:
    return pd.Index(list(years), name="year") if years is not None else pd.RangeIndex(T, name="row")


def _check_kind(kind: str) -> Kind:
    if kind not in ("T", "L"):
        raise DataError(f"Theil kind {kind!r}", expected="'T' (GE(1)) or 'L' (mean log deviation, GE(0))")
    return kind  # type: ignore[return-value]


def _onehot(index: np.ndarray, k: int) -> np.ndarray:
    return (index[:, None] == np.arange(k)[None, :]).astype(float)


def _safe_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b where b > 0, NaN elsewhere (an empty or zero-weight group has no mean)."""
    out = np.full(np.broadcast(a, b).shape, np.nan)
    np.divide(a, b, out=out, where=np.broadcast_to(b > 0, out.shape))
    return out


def _xlogy_ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a * ln(a / b) with 0 ln 0 = 0 (a >= 0, b > 0 where a > 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(a > 0, a * np.log(a / b), 0.0)


# -- group sums shared by the Theil decompositions ----------------------------------------------
@dataclass(frozen=True, slots=True)
class _Groups:
    P: np.ndarray  # (T, K) population shares
    mu_g: np.ndarray  # (T, K) group means (NaN for zero-weight groups)
    mu: np.ndarray  # (T,)


def _group_sums(c: Checked, index: np.ndarray, k: int) -> _Groups:
    M = _onehot(index, k)
    P = c.p @ M
    S = (c.p * c.x) @ M
    return _Groups(P, _safe_div(S, P), _mean(c.x, c.p))


def _theil_parts(
    c: Checked, index: np.ndarray, k: int, kind: Kind
) -> tuple[np.ndarray, np.ndarray, np.ndarray, _Groups]:
    """Between terms (T, K), within contributions (T, K) and total (T,)."""
    g = _group_sums(c, index, k)
    M = _onehot(index, k)
    mu = g.mu[:, None]
    P = g.P
    mu_g = np.nan_to_num(g.mu_g, nan=1.0)  # only used where P > 0
    mu_gi = mu_g[:, index]  # each region's group mean
    if kind == "T":
        # between_g = P_g (mu_g / mu) ln(mu_g / mu); within_g = sum_{i in g} p_i (x_i/mu) ln(x_i/mu_g)
        between = np.where(P > 0, P * _xlogy_ratio(mu_g / mu, np.ones_like(mu_g)), 0.0)
        within = (c.p * _xlogy_ratio(c.x / mu, mu_gi / mu)) @ M
        total = _theil_t(c.x, c.p)
    else:
        # between_g = P_g ln(mu / mu_g); within_g = sum_{i in g} p_i ln(mu_g / x_i)
        between = np.where(P > 0, P * np.log(mu / mu_g), 0.0)
        within = (c.p * np.log(mu_gi / c.x)) @ M
        total = _theil_l(c.x, c.p)
    return between, within, total, g


def _group_index(kind: Kind, within: np.ndarray, g: _Groups) -> np.ndarray:
    """Each group's own Theil index from its within contribution."""
    if kind == "T":
        return _safe_div(within, g.P * np.nan_to_num(g.mu_g) / g.mu[:, None])
    return _safe_div(within, g.P)


# -- Theil ------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class TheilDecomposition(FrameHTML):
    """Theil T or L split into between- and within-group inequality per year.

    ``total``, ``between``, ``within`` have shape ``(T,)``; the per-group arrays
    ``between_contributions``, ``within_contributions``, ``group_index`` (each group's own
    Theil index), ``population_share`` and ``group_mean`` have shape ``(T, K)`` with
    columns in the order of ``groups``.
    """

    kind: Kind
    years: tuple[int, ...] | None
    groups: tuple[str, ...]
    weighted: bool
    total: np.ndarray
    between: np.ndarray
    within: np.ndarray
    between_contributions: np.ndarray
    within_contributions: np.ndarray
    group_index: np.ndarray
    population_share: np.ndarray
    group_mean: np.ndarray

    @property
    def between_share(self) -> np.ndarray:
        return _safe_div(self.between, self.total)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "weighted": self.weighted,
            "years": list(self.years) if self.years is not None else None,
            "groups": list(self.groups),
            "total": self.total.tolist(),
            "between": self.between.tolist(),
            "within": self.within.tolist(),
            "between_share": self.between_share.tolist(),
            "within_contributions": self.within_contributions.tolist(),
            "between_contributions": self.between_contributions.tolist(),
            "group_index": self.group_index.tolist(),
            "population_share": self.population_share.tolist(),
            "group_mean": self.group_mean.tolist(),
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per year: total, between, within, between share."""
        return pd.DataFrame(
            {
                "total": self.total,
                "between": self.between,
                "within": self.within,
                "between_share": self.between_share,
            },
            index=_year_index(self.years, len(self.total)),
        )

    def groups_frame(self) -> pd.DataFrame:
        """One row per (year, group) with the group's shares, index and contributions."""
        T = self.group_index.shape[0]
        years = list(self.years) if self.years is not None else list(range(T))
        idx = pd.MultiIndex.from_product([years, list(self.groups)], names=["year", "group"])
        return pd.DataFrame(
            {
                "population_share": self.population_share.ravel(),
                "mean": self.group_mean.ravel(),
                "theil": self.group_index.ravel(),
                "within_contribution": self.within_contributions.ravel(),
                "between_contribution": self.between_contributions.ravel(),
            },
            index=idx,
        )


def theil_decomposition(
    values: Values,
    groups: Sequence[object] | np.ndarray,
    *,
    weights: Weights = None,
    kind: Kind = "T",
    years: Sequence[int] | None = None,
    regions: Sequence[str] | None = None,
) -> TheilDecomposition:
    """Between/within decomposition of Theil T (``kind="T"``) or Theil L (``kind="L"``).

    .. math::
        T = \\underbrace{\\sum_g P_g \\frac{\\mu_g}{\\mu} \\ln \\frac{\\mu_g}{\\mu}}_{between}
          + \\underbrace{\\sum_g P_g \\frac{\\mu_g}{\\mu} T_g}_{within}, \\qquad
        L = \\sum_g P_g \\ln \\frac{\\mu}{\\mu_g} + \\sum_g P_g L_g

    (Shorrocks 1980, Econometrica 48(3):613-625; Theil 1967).  Unweighted Theil T
    reproduces PySAL's ``TheilD`` (``bg``, ``wg``).  ``groups`` gives each region's group
    (any labels; order of first appearance is kept).  The total is computed directly, so
    ``between + within == total`` is a check, not a definition.
    """
    kind = _check_kind(kind)
    c = _checked(values, weights, years, regions, positive=kind == "L")
    index, labels = check_groups(groups, c.x.shape[1])
    between, within, total, g = _theil_parts(c, index, len(labels), kind)
    return TheilDecomposition(
        kind=kind,
        years=c.years,
        groups=labels,
        weighted=c.weighted,
        total=total,
        between=between.sum(axis=1),
        within=within.sum(axis=1),
        between_contributions=between,
        within_contributions=within,
        group_index=_group_index(kind, within, g),
        population_share=g.P,
        group_mean=g.mu_g,
    )


# -- nested Theil (Akita 2003) ----------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class NestedTheil(FrameHTML):
    """Akita (2003) two-stage nested Theil decomposition per year.

    ``total = between_outer + between_inner + within_inner`` where ``between_inner`` is
    the inequality between inner groups inside each outer group (``between_inner_by_outer``,
    shape ``(T, K_outer)``) and ``within_inner`` the inequality inside the inner groups
    (``within_by_inner``, shape ``(T, K_inner)``).  ``inner_parent`` names each inner
    group's outer group.
    """

    kind: Kind
    years: tuple[int, ...] | None
    outer_groups: tuple[str, ...]
    inner_groups: tuple[str, ...]
    inner_parent: tuple[str, ...]
    weighted: bool
    total: np.ndarray
    between_outer: np.ndarray
    between_inner: np.ndarray
    within_inner: np.ndarray
    between_inner_by_outer: np.ndarray
    within_by_inner: np.ndarray

    def shares(self) -> dict[str, np.ndarray]:
        return {
            "between_outer": _safe_div(self.between_outer, self.total),
            "between_inner": _safe_div(self.between_inner, self.total),
            "within_inner": _safe_div(self.within_inner, self.total),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "weighted": self.weighted,
            "years": list(self.years) if self.years is not None else None,
            "outer_groups": list(self.outer_groups),
            "inner_groups": list(self.inner_groups),
            "inner_parent": list(self.inner_parent),
            "total": self.total.tolist(),
            "between_outer": self.between_outer.tolist(),
            "between_inner": self.between_inner.tolist(),
            "within_inner": self.within_inner.tolist(),
            "between_inner_by_outer": self.between_inner_by_outer.tolist(),
            "within_by_inner": self.within_by_inner.tolist(),
        }

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "total": self.total,
                "between_outer": self.between_outer,
                "between_inner": self.between_inner,
                "within_inner": self.within_inner,
            },
            index=_year_index(self.years, len(self.total)),
        )


def nested_theil(
    values: Values,
    outer: Sequence[object] | np.ndarray,
    inner: Sequence[object] | np.ndarray,
    *,
    weights: Weights = None,
    kind: Kind = "T",
    years: Sequence[int] | None = None,
    regions: Sequence[str] | None = None,
) -> NestedTheil:
    """Two-stage nested Theil decomposition (Akita 2003).

    With outer groups o (e.g. plates), inner groups j nested in them (provinces) and
    regions i (counties), for Theil T:

    .. math::
        T = \\sum_o P_o \\frac{\\mu_o}{\\mu} \\ln\\frac{\\mu_o}{\\mu}
          + \\sum_o \\frac{P_o \\mu_o}{\\mu} \\sum_{j \\in o} \\frac{P_j \\mu_j}{P_o \\mu_o}
                \\ln \\frac{\\mu_j}{\\mu_o}
          + \\sum_j \\frac{P_j \\mu_j}{\\mu} T_j

    and for Theil L :math:`L = \\sum_o P_o \\ln(\\mu/\\mu_o) + \\sum_o P_o \\sum_{j\\in o}
    (P_j/P_o) \\ln(\\mu_o/\\mu_j) + \\sum_j P_j L_j`.  Akita, T. (2003), Decomposing regional
    income inequality in China and Indonesia using two-stage nested Theil decomposition
    method, Annals of Regional Science 37, 55-77.  Every inner group must lie in one outer
    group (an inner label found under two outer labels is an error).
    """
    kind = _check_kind(kind)
    c = _checked(values, weights, years, regions, positive=kind == "L")
    n = c.x.shape[1]
    o_idx, o_labels = check_groups(outer, n, name="outer")
    i_idx, i_labels = check_groups(inner, n, name="inner")
    parent = np.full(len(i_labels), -1)
    for j, o in zip(i_idx.tolist(), o_idx.tolist(), strict=True):
        if parent[j] == -1:
            parent[j] = o
        elif parent[j] != o:
            raise DataError(
                f"inner group {i_labels[j]!r} lies in outer groups {o_labels[parent[j]]!r} and {o_labels[o]!r}",
                column="inner",
                expected="inner groups nested in the outer groups",
            )
    b_outer, _, total, _ = _theil_parts(c, o_idx, len(o_labels), kind)
    _, w_inner, _, gi = _theil_parts(c, i_idx, len(i_labels), kind)
    go = _group_sums(c, o_idx, len(o_labels))
    mu = go.mu[:, None]
    mu_j = np.nan_to_num(gi.mu_g, nan=1.0)
    mu_o = np.nan_to_num(go.mu_g, nan=1.0)[:, parent]  # each inner group's outer mean
    if kind == "T":
        # term of inner group j: P_j (mu_j / mu) ln(mu_j / mu_o(j))
        term = np.where(gi.P > 0, gi.P * _xlogy_ratio(mu_j / mu, mu_o / mu), 0.0)
    else:
        # term of inner group j: P_j ln(mu_o(j) / mu_j)
        term = np.where(gi.P > 0, gi.P * np.log(mu_o / mu_j), 0.0)
    by_outer = term @ _onehot(parent, len(o_labels))
    return NestedTheil(
        kind=kind,
        years=c.years,
        outer_groups=o_labels,
        inner_groups=i_labels,
        inner_parent=tuple(o_labels[k] for k in parent),
        weighted=c.weighted,
        total=total,
        between_outer=b_outer.sum(axis=1),
        between_inner=by_outer.sum(axis=1),
        within_inner=w_inner.sum(axis=1),
        between_inner_by_outer=by_outer,
        within_by_inner=w_inner,
    )


# -- Dagum (1997) Gini decomposition ----------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class GiniDecomposition(FrameHTML):
    """Dagum (1997) decomposition ``gini = within + net_between + overlap`` per year.

    ``group_gini`` (T, K) is each group's own Gini; ``pair_gini`` (T, K, K) holds the
    between-group Gini ratios G_jh (diagonal: G_jj); ``relative_affluence`` (T, K, K) is
    Dagum's D_jh in [0, 1]; ``population_share`` and ``income_share`` are P_g and s_g.
    """

    years: tuple[int, ...] | None
    groups: tuple[str, ...]
    weighted: bool
    gini: np.ndarray
    within: np.ndarray
    net_between: np.ndarray
    overlap: np.ndarray
    group_gini: np.ndarray
    pair_gini: np.ndarray
    relative_affluence: np.ndarray
    population_share: np.ndarray
    income_share: np.ndarray
    group_mean: np.ndarray

    @property
    def gross_between(self) -> np.ndarray:
        return self.net_between + self.overlap

    def to_dict(self) -> dict[str, Any]:
        return {
            "weighted": self.weighted,
            "years": list(self.years) if self.years is not None else None,
            "groups": list(self.groups),
            "gini": self.gini.tolist(),
            "within": self.within.tolist(),
            "net_between": self.net_between.tolist(),
            "overlap": self.overlap.tolist(),
            "group_gini": self.group_gini.tolist(),
            "pair_gini": self.pair_gini.tolist(),
            "relative_affluence": self.relative_affluence.tolist(),
            "population_share": self.population_share.tolist(),
            "income_share": self.income_share.tolist(),
            "group_mean": self.group_mean.tolist(),
        }

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "gini": self.gini,
                "within": self.within,
                "net_between": self.net_between,
                "overlap": self.overlap,
            },
            index=_year_index(self.years, len(self.gini)),
        )


def gini_decomposition(
    values: Values,
    groups: Sequence[object] | np.ndarray,
    *,
    weights: Weights = None,
    years: Sequence[int] | None = None,
    regions: Sequence[str] | None = None,
) -> GiniDecomposition:
    """Dagum (1997) decomposition of the (weighted) Gini: G = G_w + G_nb + G_t.

    With :math:`A_{jh} = \\sum_{i \\in j} \\sum_{r \\in h} p_i p_r |x_i - x_r|`:

    .. math::
        G_{jh} = \\frac{A_{jh}}{P_j P_h (\\mu_j + \\mu_h)}, \\quad
        G_w = \\sum_j G_{jj} P_j s_j, \\quad
        G_{gb} = \\sum_{j \\ne h} G_{jh} P_j s_h = \\sum_{j<h} A_{jh} / \\mu,

    :math:`D_{jh} = (d_{jh} - p_{jh}) / (d_{jh} + p_{jh})` with the gross economic
    affluence :math:`d_{jh}` and the transvariation :math:`p_{jh}` (the weighted sum of
    :math:`x_r - x_i` over pairs where a member r of the poorer group h exceeds a member i
    of the richer group j), :math:`G_{nb} = \\sum_{j<h} G_{jh}(P_j s_h + P_h s_j) D_{jh}`
    and :math:`G_t = \\sum_{j<h} G_{jh}(P_j s_h + P_h s_j)(1 - D_{jh})`.

    Dagum, C. (1997), A new approach to the decomposition of the Gini income inequality
    ratio, Empirical Economics 22, 515-531.  The pair sums come from one sort per year
    (O(n log n + n K) with cumulative group sums), the transvariation is summed directly,
    and ``gini`` is computed separately, so additivity is a check.
    """
    c = _checked(values, weights, years, regions, positive=False)
    index, labels = check_groups(groups, c.x.shape[1])
    k = len(labels)
    B = _pair_sums(c.x, c.p, index, k)  # B[t, a, b] = sum_{i in a, r in b, x_r < x_i} p_i p_r (x_i - x_r)
    g = _group_sums(c, index, k)
    mu = g.mu
    P = g.P
    mu_g = g.mu_g
    A = B + np.swapaxes(B, 1, 2)  # A[t, j, h]; diagonal is twice the within-pair sum
    diag = np.einsum("tjj->tj", B)
    within = diag.sum(axis=1) / mu
    mj, mh = mu_g[:, :, None], mu_g[:, None, :]
    PP = P[:, :, None] * P[:, None, :]
    off = ~np.eye(k, dtype=bool)[None, :, :]
    # net between: sum over unordered pairs of P_j P_h |mu_j - mu_h| / mu  (= d_jh - p_jh)
    net = np.where(off, np.nan_to_num(PP * np.abs(mj - mh)), 0.0).sum(axis=(1, 2)) / (2.0 * mu)
    # transvariation: for mu_j > mu_h, 2 * (poorer h above richer j) = 2 B[h, j]; equal means: both ways
    Bt = np.swapaxes(B, 1, 2)  # Bt[t, j, h] = B[t, h, j]
    factor = np.where(mj > mh, 2.0, np.where(mj == mh, 1.0, 0.0)) * off
    overlap = (factor * Bt).sum(axis=(1, 2)) / mu
    pair = _safe_div(A, PP * (mj + mh))
    pair_diag = _safe_div(diag, P**2 * mu_g)  # G_jj = A_jj / (2 P_j^2 mu_j) = B_jj / (P_j^2 mu_j)
    idx = np.arange(k)
    pair[:, idx, idx] = pair_diag
    affluence = _safe_div(np.abs(mj - mh) * PP, A)
    affluence[:, idx, idx] = np.nan
    return GiniDecomposition(
        years=c.years,
        groups=labels,
        weighted=c.weighted,
        gini=_gini(c.x, c.p),
        within=within,
        net_between=net,
        overlap=overlap,
        group_gini=pair_diag,
        pair_gini=pair,
        relative_affluence=affluence,
        population_share=P,
        income_share=P * np.nan_to_num(mu_g) / mu[:, None],
        group_mean=mu_g,
    )


def _pair_sums(x: np.ndarray, p: np.ndarray, index: np.ndarray, k: int) -> np.ndarray:
    """B[t, a, b] = sum over i in a, r in b with x_r < x_i of p_i p_r (x_i - x_r).

    Sort each year once; the cumulative weight and weighted sum of each group below the
    i-th value give sum_{r in b, x_r < x_i} p_r (x_i - x_r) = x_i W_b(i) - S_b(i).
    """
    order = np.argsort(x, axis=1, kind="stable")
    xs = np.take_along_axis(x, order, axis=1)
    ps = np.take_along_axis(p, order, axis=1)
    onehot = index[order][:, :, None] == np.arange(k)[None, None, :]  # (T, n, K)
    pw = ps[:, :, None] * onehot
    W = np.cumsum(pw, axis=1) - pw  # exclusive: regions strictly before i
    S = np.cumsum(pw * xs[:, :, None], axis=1) - pw * xs[:, :, None]
    below = ps[:, :, None] * (xs[:, :, None] * W - S)  # (T, n, K): row i, column group b
    return np.einsum("tna,tnb->tab", onehot.astype(float), below)
