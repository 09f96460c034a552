"""Inequality indices across regions, weighted or not, vectorized over years.

Notation (``shared/domain/measurement.md``): regions i = 1..n with values x_i and weights
p_i >= 0 summing to 1 in each year (population shares; p_i = 1/n when unweighted),
weighted mean mu = sum_i p_i x_i.

Every public function has the shape ``f(values, *, weights=None, years=None,
regions=None) -> IndexSeries``: ``values`` is one cross-section ``(n,)``, a panel
``(T, n)`` (rows are years) or a :class:`~regcoord.data.PanelMatrix`; inputs are
validated once by :func:`regcoord.measure._validation.check_inputs` and never modified.
Without weights every region weighs the same, as in PySAL's ``inequality`` package.

The kernels (``_cv``, ``_gini``, ...) work on already validated ``(m, n)`` arrays whose
weight rows sum to 1; :mod:`regcoord.measure.inference` reuses them on stacked
bootstrap samples.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from regcoord._display import FrameHTML
from regcoord.data import PanelMatrix
from regcoord.errors import DataError
from regcoord.measure._validation import Checked, check_inputs

__all__ = [
    "INDEX_NAMES",
    "IndexSeries",
    "InequalityResult",
    "atkinson",
    "cv",
    "gini",
    "inequality",
    "max_min_ratio",
    "quantile_ratio",
    "theil_l",
    "theil_t",
    "williamson_cv",
]

Values = ArrayLike | PanelMatrix
Weights = ArrayLike | PanelMatrix | None

#: the scalar indices of :class:`InequalityResult` (Atkinson indices come per epsilon)
INDEX_NAMES = ("cv", "williamson_cv", "gini", "theil_t", "theil_l", "max_min_ratio", "quantile_ratio")

#: cumulative weight shares within this distance of q count as reaching q (weighted
#: quantiles), so that unit weights reproduce the unweighted type-1 quantile despite rounding
_QUANTILE_TOL = 1e-10


# -- result ------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class IndexSeries(FrameHTML):
    """One inequality index per year.

    ``values`` has shape ``(T,)``; ``years`` labels its entries (``None`` when the input
    carried no year labels); ``weighted`` says whether population weights were used.
    """

    name: str
    values: np.ndarray
    years: tuple[int, ...] | None
    weighted: bool

    @property
    def scalar(self) -> float:
        """The value of a single cross-section (raises if the series has several years)."""
        if self.values.shape != (1,):
            raise DataError(
                f"{self.name} has {self.values.size} values (one per year)",
                expected="a single cross-section for .scalar; use .values",
            )
        return float(self.values[0])

    def __float__(self) -> float:
        return self.scalar

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "weighted": self.weighted,
            "years": list(self.years) if self.years is not None else None,
            "values": [float(v) for v in self.values],
        }

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({self.name: self.values}, index=_year_index(self.years, len(self.values)))


@dataclass(frozen=True, eq=False)
class InequalityResult(FrameHTML):
    """Every index of :func:`inequality` for each year.

    Arrays have shape ``(T,)``; ``atkinson`` maps each epsilon to its array; ``n`` is the
    number of regions; ``quantile_ratio`` is the (weighted) P90/P10 ratio.
    """

    years: tuple[int, ...] | None
    n: int
    weighted: bool
    cv: np.ndarray
    williamson_cv: np.ndarray
    gini: np.ndarray
    theil_t: np.ndarray
    theil_l: np.ndarray
    atkinson: Mapping[float, np.ndarray]
    max_min_ratio: np.ndarray
    quantile_ratio: np.ndarray

    @property
    def epsilons(self) -> tuple[float, ...]:
        return tuple(self.atkinson)

    def columns(self) -> dict[str, np.ndarray]:
        """All indices as flat columns (``atkinson_0.5`` etc.)."""
        out = {name: getattr(self, name) for name in INDEX_NAMES}
        out.update({f"atkinson_{_eps_key(e)}": a for e, a in self.atkinson.items()})
        return out

    def series(self, name: str) -> IndexSeries:
        cols = self.columns()
        if name not in cols:
            raise DataError(f"unknown index {name!r}", expected=f"one of {', '.join(cols)}")
        return IndexSeries(name, cols[name], self.years, self.weighted and name != "cv")

    def records(self) -> list[dict[str, Any]]:
        """One JSON-ready record per year (``atkinson`` keyed by epsilon as a string)."""
        T = len(self.gini)
        out = []
        for t in range(T):
            rec: dict[str, Any] = {"year": self.years[t] if self.years is not None else t, "n": self.n}
            for name in INDEX_NAMES:
                rec[name] = float(getattr(self, name)[t])
            rec["atkinson"] = {_eps_key(e): float(a[t]) for e, a in self.atkinson.items()}
            out.append(rec)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"weighted": self.weighted, "n": self.n, "records": self.records()}

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.columns(), index=_year_index(self.years, len(self.gini)))


def _eps_key(eps: float) -> str:
    return repr(float(eps))


def _year_index(years: tuple[int, ...] | None, T: int) -> pd.Index:
    return pd.Index(list(years), name="year") if years is not None else pd.RangeIndex(T, name="row")


# -- kernels on validated (m, n) arrays ----------------------------------------------------------
def _mean(x: np.ndarray, p: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", p, x)


def _cv(x: np.ndarray, p: np.ndarray) -> np.ndarray:
    mu = _mean(x, p)
    var = np.einsum("ij,ij->i", p, (x - mu[:, None]) ** 2)
    return np.sqrt(var) / mu


def _gini(x: np.ndarray, p: np.ndarray) -> np.ndarray:
    # Sort each row; with C_i the cumulative weight up to and including the i-th smallest
    # value, sum_i sum_j p_i p_j |x_i - x_j| = 2 sum_i p_i x_i (C_i - p_i - (1 - C_i)), so
    # G = sum_i p_i x_i (2 C_i - p_i - 1) / mu.  Ties contribute 0 in any order.
    order = np.argsort(x, axis=1, kind="stable")
    xs = np.take_along_axis(x, order, axis=1)
    ps = np.take_along_axis(p, order, axis=1)
    c = np.cumsum(ps, axis=1)
    c = c / c[:, -1:]  # exact 1 at the top despite rounding
    return np.einsum("ij,ij->i", ps * xs, 2.0 * c - ps - 1.0) / _mean(x, p)


def _theil_t(x: np.ndarray, p: np.ndarray) -> np.ndarray:
    s = x / _mean(x, p)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(s > 0, s * np.log(s), 0.0)  # 0 ln 0 = 0
    return np.einsum("ij,ij->i", p, term)


def _theil_l(x: np.ndarray, p: np.ndarray) -> np.ndarray:
    return np.log(_mean(x, p)) - np.einsum("ij,ij->i", p, np.log(x))


def _atkinson(x: np.ndarray, p: np.ndarray, eps: float) -> np.ndarray:
    mu = _mean(x, p)
    if eps == 1.0:
        return 1.0 - np.exp(np.einsum("ij,ij->i", p, np.log(x))) / mu
    e = 1.0 - eps
    return 1.0 - np.einsum("ij,ij->i", p, (x / mu[:, None]) ** e) ** (1.0 / e)


def _max_min(x: np.ndarray, p: np.ndarray) -> np.ndarray:
    # regions of zero weight are not part of the population
    present = p > 0
    return np.where(present, x, -np.inf).max(axis=1) / np.where(present, x, np.inf).min(axis=1)


def _quantile(x: np.ndarray, p: np.ndarray, q: float) -> np.ndarray:
    # Q(q) = min{x : F(x) >= q}, F the weighted distribution function (Hyndman & Fan type 1)
    order = np.argsort(x, axis=1, kind="stable")
    xs = np.take_along_axis(x, order, axis=1)
    c = np.cumsum(np.take_along_axis(p, order, axis=1), axis=1)
    c = c / c[:, -1:]
    k = np.argmax(c >= q - _QUANTILE_TOL, axis=1)
    return xs[np.arange(len(xs)), k]


def _quantile_ratio(x: np.ndarray, p: np.ndarray, upper: float, lower: float) -> np.ndarray:
    return _quantile(x, p, upper) / _quantile(x, p, lower)


def _all_indices(x: np.ndarray, p: np.ndarray, epsilons: Sequence[float]) -> dict[str, np.ndarray]:
    """Every index of :class:`InequalityResult` on rows of validated positive data."""
    u = np.full_like(p, 1.0 / p.shape[1])
    out = {
        "cv": _cv(x, u),
        "williamson_cv": _cv(x, p),
        "gini": _gini(x, p),
        "theil_t": _theil_t(x, p),
        "theil_l": _theil_l(x, p),
        "max_min_ratio": _max_min(x, p),
        "quantile_ratio": _quantile_ratio(x, p, 0.9, 0.1),
    }
    for e in epsilons:
        out[f"atkinson_{_eps_key(e)}"] = _atkinson(x, p, float(e))
    return out


# -- validation helpers -------------------------------------------------------------------------
def _checked(
    values: Values,
    weights: Weights,
    years: Sequence[int] | None,
    regions: Sequence[str] | None,
    *,
    positive: bool,
) -> Checked:
    c = check_inputs(
        values, weights=weights, years=years, regions=regions, positive=positive, nonnegative=True
    )
    mu = _mean(c.x, c.p)
    if (mu <= 0).any():
        t = int(np.flatnonzero(mu <= 0)[0])
        where = f"year {c.years[t]}" if c.years is not None else f"row {t}"
        raise DataError(f"the (weighted) mean is 0 in {where}", expected="some positive value")
    return c


def _series(name: str, c: Checked, v: np.ndarray, weighted: bool | None = None) -> IndexSeries:
    return IndexSeries(name, v, c.years, c.weighted if weighted is None else weighted)


def _check_epsilon(eps: float) -> float:
    e = float(eps)
    if not np.isfinite(e) or e < 0:
        raise DataError(f"Atkinson epsilon is {eps}", expected="a finite inequality aversion >= 0")
    return e


# -- public indices ----------------------------------------------------------------------------------
def cv(
    values: Values,
    *,
    weights: Weights = None,
    years: Sequence[int] | None = None,
    regions: Sequence[str] | None = None,
) -> IndexSeries:
    """Unweighted coefficient of variation sd / mean.

    .. math:: CV = \\sqrt{\\tfrac1n \\sum_i (x_i - \\bar x)^2} / \\bar x

    The standard deviation is the population one (ddof = 0), as in Williamson (1965)
    whose weighted CV reduces to this with equal weights.  Zeros are allowed.  ``cv`` is
    unweighted by definition: passing ``weights`` is an error (use :func:`williamson_cv`).
    """
    if weights is not None:
        raise DataError("cv is the unweighted coefficient of variation", expected="williamson_cv for weights")
    c = _checked(values, None, years, regions, positive=False)
    return _series("cv", c, _cv(c.x, c.p))


def williamson_cv(
    values: Values,
    *,
    weights: Weights = None,
    years: Sequence[int] | None = None,
    regions: Sequence[str] | None = None,
) -> IndexSeries:
    """Williamson (1965) population-weighted coefficient of variation.

    .. math:: V_w = \\sqrt{\\sum_i p_i (x_i - \\mu)^2} / \\mu

    Williamson, J. G. (1965), Regional inequality and the process of national development,
    Economic Development and Cultural Change 13(4), 1-84.  With ``weights=None`` it equals
    :func:`cv`.
    """
    c = _checked(values, weights, years, regions, positive=False)
    return _series("williamson_cv", c, _cv(c.x, c.p))


def gini(
    values: Values,
    *,
    weights: Weights = None,
    years: Sequence[int] | None = None,
    regions: Sequence[str] | None = None,
) -> IndexSeries:
    """Gini coefficient (weighted mean absolute difference over twice the mean).

    .. math:: G = \\frac{1}{2\\mu} \\sum_i \\sum_j p_i p_j |x_i - x_j|

    Computed in O(n log n) per year by sorting: with :math:`C_i` the cumulative weight up
    to the i-th smallest value, :math:`G = \\sum_i p_i x_i (2 C_i - p_i - 1) / \\mu`.
    Unweighted it is the "absolute deviation form" of PySAL's ``Gini`` (no small-sample
    correction n/(n-1)).  Zeros are allowed.
    """
    c = _checked(values, weights, years, regions, positive=False)
    return _series("gini", c, _gini(c.x, c.p))


def theil_t(
    values: Values,
    *,
    weights: Weights = None,
    years: Sequence[int] | None = None,
    regions: Sequence[str] | None = None,
) -> IndexSeries:
    """Theil's T, the generalized entropy GE(1) (Theil 1967).

    .. math:: T = \\sum_i p_i \\frac{x_i}{\\mu} \\ln \\frac{x_i}{\\mu}

    Unweighted it equals PySAL's ``Theil`` (income shares s_i: T = sum_i s_i ln(n s_i)).
    Zeros are allowed with the limit convention 0 ln 0 = 0 (PySAL instead adds a tiny
    number to zeros).
    """
    c = _checked(values, weights, years, regions, positive=False)
    return _series("theil_t", c, _theil_t(c.x, c.p))


def theil_l(
    values: Values,
    *,
    weights: Weights = None,
    years: Sequence[int] | None = None,
    regions: Sequence[str] | None = None,
) -> IndexSeries:
    """Theil's L, the mean log deviation GE(0) (Theil 1967).

    .. math:: L = \\sum_i p_i \\ln \\frac{\\mu}{x_i}

    Values must be positive (they enter a log).
    """
    c = _checked(values, weights, years, regions, positive=True)
    return _series("theil_l", c, _theil_l(c.x, c.p))


def atkinson(
    values: Values,
    *,
    epsilon: float = 1.0,
    weights: Weights = None,
    years: Sequence[int] | None = None,
    regions: Sequence[str] | None = None,
) -> IndexSeries:
    """Atkinson (1970) index with inequality aversion ``epsilon`` >= 0.

    .. math::
        A_\\varepsilon = 1 - \\Big(\\sum_i p_i (x_i/\\mu)^{1-\\varepsilon}\\Big)^{1/(1-\\varepsilon)}
        \\quad (\\varepsilon \\ne 1), \\qquad
        A_1 = 1 - \\exp\\big(\\sum_i p_i \\ln x_i\\big) / \\mu

    Atkinson, A. B. (1970), On the measurement of inequality, Journal of Economic Theory
    2(3), 244-263.  Values must be positive for epsilon >= 1 (zeros allowed below 1).
    """
    e = _check_epsilon(epsilon)
    c = _checked(values, weights, years, regions, positive=e >= 1.0)
    return _series(f"atkinson_{_eps_key(e)}", c, _atkinson(c.x, c.p, e))


def max_min_ratio(
    values: Values,
    *,
    weights: Weights = None,
    years: Sequence[int] | None = None,
    regions: Sequence[str] | None = None,
) -> IndexSeries:
    """Ratio of the largest to the smallest regional value, max_i x_i / min_i x_i.

    Weights only decide which regions belong to the population: a region of zero weight
    is left out.  Values must be positive.
    """
    c = _checked(values, weights, years, regions, positive=True)
    return _series("max_min_ratio", c, _max_min(c.x, c.p))


def quantile_ratio(
    values: Values,
    *,
    upper: float = 0.9,
    lower: float = 0.1,
    weights: Weights = None,
    years: Sequence[int] | None = None,
    regions: Sequence[str] | None = None,
) -> IndexSeries:
    """Ratio of two (weighted) quantiles, Q(upper) / Q(lower), e.g. P90/P10.

    The quantile is the inverse of the (weighted) distribution function,
    :math:`Q(q) = \\min\\{x : F(x) \\ge q\\}` with :math:`F(x) = \\sum_{i: x_i \\le x} p_i`
    (Hyndman and Fan 1996, definition 1; NumPy ``method="inverted_cdf"``).  So a region
    of weight 2 counts as two regions (population replication).  Values must be positive.
    """
    if not (0.0 < lower < upper <= 1.0):
        raise DataError(f"quantiles lower={lower}, upper={upper}", expected="0 < lower < upper <= 1")
    c = _checked(values, weights, years, regions, positive=True)
    name = f"quantile_ratio_{round(100 * upper):d}_{round(100 * lower):d}"
    return _series(name, c, _quantile_ratio(c.x, c.p, upper, lower))


def inequality(
    values: Values,
    *,
    weights: Weights = None,
    epsilons: Sequence[float] = (0.5, 1.0, 2.0),
    years: Sequence[int] | None = None,
    regions: Sequence[str] | None = None,
) -> InequalityResult:
    """All indices of this module for each year, in one validated pass.

    ``cv`` stays unweighted; ``williamson_cv``, ``gini``, ``theil_t``, ``theil_l``,
    ``atkinson`` (one per epsilon), ``max_min_ratio`` and ``quantile_ratio`` (P90/P10) use
    the weights when given.  Values must be positive (Theil L and Atkinson take logs).
    """
    eps = tuple(_check_epsilon(e) for e in epsilons)
    c = _checked(values, weights, years, regions, positive=True)
    return _result_from(c.x, c.p, eps, c.years, c.weighted)


def _result_from(
    x: np.ndarray,
    p: np.ndarray,
    epsilons: tuple[float, ...],
    years: tuple[int, ...] | None,
    weighted: bool,
) -> InequalityResult:
    d = _all_indices(x, p, epsilons)
    return InequalityResult(
        years=years,
        n=x.shape[1],
        weighted=weighted,
        cv=d["cv"],
        williamson_cv=d["williamson_cv"],
        gini=d["gini"],
        theil_t=d["theil_t"],
        theil_l=d["theil_l"],
        atkinson={e: d[f"atkinson_{_eps_key(e)}"] for e in epsilons},
        max_min_ratio=d["max_min_ratio"],
        quantile_ratio=d["quantile_ratio"],
    )
