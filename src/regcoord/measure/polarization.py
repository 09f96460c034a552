"""Polarization and concentration of regional values: Esteban-Ray, Wolfson, Hoover.

Notation as :mod:`regcoord.measure.inequality`: region weights p_i summing to 1 in each
year (population shares; 1/n unweighted), mean mu = sum p_i x_i.  Every function has the
shape ``f(values, *, weights=None, years=None, regions=None) -> IndexSeries``.

- :func:`esteban_ray` (Esteban and Ray 1994, Econometrica 62(4), eq. 4 with K = 1):
  ``ER(alpha) = sum_i sum_j p_i^{1+alpha} p_j |x_i - x_j| / mu`` — each region is one
  group of population share p_i; incomes relative to the mean so that the index is scale
  free.  ``alpha`` in [0, 1.6] (their bound); ``ER(0)`` is twice the Gini coefficient.
- :func:`wolfson` (Wolfson 1994, AER 84(2), the scalar bipolarization index):
  ``W = 2 (2 T - G) mu / m`` with ``T = 0.5 - L(0.5)`` (L the Lorenz curve, linear between
  regions), G the Gini coefficient and m the (weighted) median.  PySAL's
  ``inequality.wolfson`` returns ``(2 T - G) mu / m``, half of it.
- :func:`hoover` (Hoover 1941): ``H = 1/2 sum_i |s_i - p_i|`` with ``s_i = p_i x_i / mu``
  the region's share of the total — the share of the total that would have to move to
  equalise per-head values.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from regcoord.errors import DataError
from regcoord.measure.inequality import (
    _QUANTILE_TOL,
    IndexSeries,
    Values,
    Weights,
    _checked,
    _gini,
    _mean,
    _series,
)

__all__ = ["esteban_ray", "hoover", "wolfson"]


def esteban_ray(
    values: Values,
    *,
    alpha: float = 1.0,
    weights: Weights = None,
    years: Sequence[int] | None = None,
    regions: Sequence[str] | None = None,
) -> IndexSeries:
    """Esteban-Ray polarization with each region a group (module docstring).

    >>> round(esteban_ray([1.0, 1.0, 5.0, 5.0], alpha=1.0).scalar, 6)
    0.166667
    """
    a = float(alpha)
    if not 0 <= a <= 1.6:
        raise DataError(
            f"alpha = {alpha}", expected="a polarization sensitivity in [0, 1.6] (Esteban and Ray 1994)"
        )
    c = _checked(values, weights, years, regions, positive=False)
    x, p = c.x, c.p
    # sum_i p_i^{1+a} sum_j p_j |x_i - x_j|, the inner sum for every i by sorting: O(n log n)
    order = np.argsort(x, axis=1, kind="stable")
    xs = np.take_along_axis(x, order, axis=1)
    ps = np.take_along_axis(p, order, axis=1)
    cw = np.cumsum(ps, axis=1)
    cx = np.cumsum(ps * xs, axis=1)
    tw, tx = cw[:, -1:], cx[:, -1:]
    inner = xs * cw - cx + (tx - cx) - xs * (tw - cw)
    value = np.einsum("ij,ij->i", ps ** (1.0 + a), inner) / _mean(x, p)
    return _series(f"esteban_ray({a:g})", c, value)


def _weighted_median(xs: np.ndarray, ps: np.ndarray) -> np.ndarray:
    """Median of sorted rows: the value where the cumulative weight reaches 1/2; the mean of
    the two neighbours when it reaches exactly 1/2 (``numpy.median`` for equal weights)."""
    cw = np.cumsum(ps, axis=1)
    cw = cw / cw[:, -1:]
    i = np.argmax(cw >= 0.5 - _QUANTILE_TOL, axis=1)
    rows = np.arange(xs.shape[0])
    exact = np.abs(cw[rows, i] - 0.5) <= _QUANTILE_TOL
    j = np.minimum(i + 1, xs.shape[1] - 1)
    return np.where(exact, (xs[rows, i] + xs[rows, j]) / 2, xs[rows, i])


def wolfson(
    values: Values,
    *,
    weights: Weights = None,
    years: Sequence[int] | None = None,
    regions: Sequence[str] | None = None,
) -> IndexSeries:
    """Wolfson (1994) bipolarization index ``2 (2 T - G) mu / m`` (module docstring).

    >>> round(wolfson([6.0, 6.0, 8.0, 8.0, 10.0, 10.0, 12.0, 12.0]).scalar, 6)
    0.166667
    """
    c = _checked(values, weights, years, regions, positive=False)
    x, p = c.x, c.p
    order = np.argsort(x, axis=1, kind="stable")
    xs = np.take_along_axis(x, order, axis=1)
    ps = np.take_along_axis(p, order, axis=1)
    cw = np.concatenate([np.zeros((x.shape[0], 1)), np.cumsum(ps, axis=1)], axis=1)
    cs = np.concatenate([np.zeros((x.shape[0], 1)), np.cumsum(ps * xs, axis=1)], axis=1)
    cw, cs = cw / cw[:, -1:], cs / cs[:, -1:]
    l50 = np.array([np.interp(0.5, cw[t], cs[t]) for t in range(x.shape[0])])
    med = _weighted_median(xs, ps)
    if (med <= 0).any():
        t = int(np.flatnonzero(med <= 0)[0])
        where = f"year {c.years[t]}" if c.years is not None else f"row {t}"
        raise DataError(f"the median is {med[t]} in {where}", expected="a positive median")
    value = 2.0 * (2.0 * (0.5 - l50) - _gini(x, p)) * _mean(x, p) / med
    return _series("wolfson", c, value)


def hoover(
    values: Values,
    *,
    weights: Weights = None,
    years: Sequence[int] | None = None,
    regions: Sequence[str] | None = None,
) -> IndexSeries:
    """Hoover (1941) concentration index ``1/2 sum_i |s_i - p_i|`` (module docstring).

    >>> round(hoover([1.0, 3.0], weights=[1.0, 1.0]).scalar, 6)  # shares 1/4, 3/4 vs 1/2, 1/2
    0.25
    """
    c = _checked(values, weights, years, regions, positive=False)
    s = c.p * c.x / _mean(c.x, c.p)[:, None]
    return _series("hoover", c, 0.5 * np.abs(s - c.p).sum(axis=1))
