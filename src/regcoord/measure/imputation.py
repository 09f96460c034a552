"""Missing-data imputation for composite indicators (JRC/OECD Handbook 2008, step 3).

Notation: a table ``(n_units, n_indicators)`` (:class:`pandas.DataFrame`, names kept) with
NaN for a missing value, or for the time-series method a long table ``region, year,
indicator, value`` (a :class:`~regcoord.data.Panel` frame).  Every function returns an
:class:`ImputationResult`: the completed table and one row per imputed cell (unit,
indicator, method, value), so that a report can say what was filled in.  A method that
cannot fill a cell (a group with no observed value, a region with no observation of an
indicator, an indicator never observed) raises a :class:`~regcoord.errors.DataError`
naming the cell instead of leaving it empty.

- ``group_mean`` / ``group_median``: the mean (median) of the indicator over the units of
  the same group (COINr ``i_mean_grp`` / ``i_median_grp``); without groups, over all
  units (``i_mean``).
- ``time_series``: within each region and indicator over the years, ``"linear"``
  interpolation between the nearest observed years (the nearest observed value beyond
  the first or last one), or ``"latest"``, the latest earlier observation (else the
  earliest later one), as COINr's ``impute_panel``.
- ``em``: the expectation-maximisation algorithm for a multivariate normal (Dempster,
  Laird and Rubin 1977; Little and Rubin 2002, section 11.2): starting from the observed
  means and variances, E step :math:`\\hat x_{m} = \\mu_m + \\Sigma_{mo}\\Sigma_{oo}^{-1}(x_o - \\mu_o)`
  and the conditional covariance :math:`\\Sigma_{mm} - \\Sigma_{mo}\\Sigma_{oo}^{-1}\\Sigma_{om}`
  added to the cross-products, M step the mean and (ML) covariance of the completed data,
  until the largest change of the parameters is below ``tol``.  The imputed values are
  the conditional expectations at convergence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from regcoord._display import FrameHTML
from regcoord.errors import DataError

__all__ = ["ImputationResult", "impute", "impute_em", "impute_time_series"]

METHODS = ("group_mean", "group_median", "em")


@dataclass(frozen=True, eq=False)
class ImputationResult(FrameHTML):
    """The completed table and the imputed cells (``unit``, ``indicator``, ``method``, ``value``)."""

    values: pd.DataFrame
    imputed: pd.DataFrame
    method: str
    iterations: int | None = None

    def to_frame(self) -> pd.DataFrame:
        return self.imputed

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "iterations": self.iterations,
            "imputed": self.imputed.to_dict(orient="records"),
        }


def _numeric(values: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(values, pd.DataFrame):
        raise DataError(
            f"values of type {type(values).__name__}", expected="a pandas DataFrame (units x indicators)"
        )
    out = values.copy()
    for c in out.columns:
        try:
            out[c] = pd.to_numeric(out[c], errors="raise").astype(float)
        except (TypeError, ValueError):
            raise DataError(
                "a value is not a number", column=str(c), expected="numbers or empty cells"
            ) from None
        if np.isinf(out[c].to_numpy()).any():
            raise DataError("an infinite value", column=str(c), expected="finite numbers")
    return out


def _cells(before: pd.DataFrame, after: pd.DataFrame, method: str) -> pd.DataFrame:
    miss = before.isna().to_numpy()
    rows, cols = np.nonzero(miss)
    return pd.DataFrame(
        {
            "unit": before.index[rows],
            "indicator": before.columns[cols],
            "method": method,
            "value": after.to_numpy()[rows, cols],
        }
    )


def impute(
    values: pd.DataFrame,
    *,
    method: str = "group_mean",
    groups: Sequence[Any] | pd.Series | None = None,
    tol: float = 1e-10,
    max_iter: int = 10_000,
) -> ImputationResult:
    """Fill the missing cells of a units x indicators table (see the module docstring).

    ``groups`` (one label per unit, or a Series indexed like ``values``) for the group
    methods; ``tol`` and ``max_iter`` for EM.

    >>> import pandas as pd
    >>> t = pd.DataFrame({"a": [1.0, None, 3.0, 5.0]}, index=list("pqrs"))
    >>> impute(t, groups=["x", "x", "x", "y"]).values["a"].tolist()
    [1.0, 2.0, 3.0, 5.0]
    """
    frame = _numeric(values)
    if method == "em":
        return impute_em(frame, tol=tol, max_iter=max_iter)
    if method not in METHODS:
        raise DataError(
            f"imputation method {method!r}", expected=", ".join(METHODS) + " (or impute_time_series)"
        )
    if groups is None:
        g = pd.Series("all", index=frame.index)
    elif isinstance(groups, pd.Series):
        g = groups.reindex(frame.index)
        if g.isna().any():
            raise DataError(f"unit {g.index[g.isna()][0]!r} has no group", expected="a group for every unit")
    else:
        if len(groups) != len(frame):
            raise DataError(
                f"{len(groups)} group labels for {len(frame)} units", expected="one group per unit"
            )
        g = pd.Series(list(groups), index=frame.index)
    stat = "mean" if method == "group_mean" else "median"
    fill = frame.groupby(g.to_numpy()).transform(stat)
    out = frame.fillna(fill)
    still = out.isna().to_numpy()
    if still.any():
        i, j = (int(v[0]) for v in np.nonzero(still))
        raise DataError(
            f"unit {frame.index[i]!r}: group {g.iloc[i]!r} has no observed value of the indicator",
            column=str(frame.columns[j]),
            expected="at least one observed value per group (or another method)",
        )
    return ImputationResult(out, _cells(frame, out, method), method)


def impute_em(frame: pd.DataFrame, *, tol: float = 1e-10, max_iter: int = 10_000) -> ImputationResult:
    """EM imputation under a multivariate normal model (Dempster, Laird and Rubin 1977)."""
    frame = _numeric(frame)
    x = frame.to_numpy(dtype=float)
    n, p = x.shape
    miss = np.isnan(x)
    if (miss.all(axis=0)).any():
        j = int(np.flatnonzero(miss.all(axis=0))[0])
        raise DataError(
            "the indicator is never observed", column=str(frame.columns[j]), expected="some values"
        )
    if miss.all(axis=1).any():
        i = int(np.flatnonzero(miss.all(axis=1))[0])
        raise DataError(
            f"unit {frame.index[i]!r} has no observed indicator", expected="at least one value per unit"
        )
    if n <= p:
        raise DataError(f"{n} units for {p} indicators", expected="more units than indicators for EM")
    mu = np.nanmean(x, axis=0)
    sigma = np.diag(np.nanvar(x, axis=0))
    if (np.diag(sigma) <= 0).any():
        j = int(np.flatnonzero(np.diag(sigma) <= 0)[0])
        raise DataError(
            "the observed values are constant", column=str(frame.columns[j]), expected="values that vary"
        )
    patterns: dict[bytes, list[int]] = {}
    for i in range(n):
        if miss[i].any():
            patterns.setdefault(miss[i].tobytes(), []).append(i)
    groups = [(np.frombuffer(k, dtype=bool), np.array(v)) for k, v in patterns.items()]
    filled = np.where(miss, 0.0, x)
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        xhat = np.where(miss, 0.0, x)
        extra = np.zeros((p, p))
        for m, rows in groups:
            o = ~m
            s_oo = sigma[np.ix_(o, o)]
            s_mo = sigma[np.ix_(m, o)]
            coef = np.linalg.solve(s_oo, s_mo.T).T  # Sigma_mo Sigma_oo^-1
            xhat[np.ix_(rows, m)] = mu[m] + (x[np.ix_(rows, o)] - mu[o]) @ coef.T
            extra[np.ix_(m, m)] += len(rows) * (sigma[np.ix_(m, m)] - coef @ s_mo.T)
        mu_new = xhat.mean(axis=0)
        d = xhat - mu_new
        sigma_new = (d.T @ d + extra) / n
        change = max(float(np.abs(mu_new - mu).max()), float(np.abs(sigma_new - sigma).max()))
        mu, sigma, filled = mu_new, sigma_new, xhat
        if change < tol * (1.0 + float(np.abs(sigma).max())):
            break
    else:
        raise DataError(f"EM did not converge in {max_iter} iterations", expected="a larger max_iter or tol")
    out = pd.DataFrame(filled, index=frame.index, columns=frame.columns)
    return ImputationResult(out, _cells(frame, out, "em"), "em", iterations=it)


def impute_time_series(long: pd.DataFrame, *, how: str = "linear") -> ImputationResult:
    """Fill gaps within each region and indicator over the years (long table region, year, indicator, value).

    Rows with a missing ``value`` are the cells to fill; a region-indicator with no
    observed year at all is an error.  Returns the long table completed, ``imputed``
    keyed by (region, year) in ``unit``.
    """
    need = {"region", "year", "indicator", "value"}
    if not need <= set(long.columns):
        raise DataError(f"columns {sorted(set(long.columns))}", expected="region, year, indicator, value")
    if how not in ("linear", "latest"):
        raise DataError(f"time-series imputation {how!r}", expected="linear or latest")
    frame = long.sort_values(["indicator", "region", "year"]).reset_index(drop=True)
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype(float)
    out = frame.copy()
    for (ind, reg), part in frame.groupby(["indicator", "region"], sort=False):
        v = part["value"].to_numpy()
        ok = ~np.isnan(v)
        if ok.all():
            continue
        if not ok.any():
            raise DataError(
                f"region {reg!r} has no observed year", column=str(ind), expected="at least one value"
            )
        yrs = part["year"].to_numpy(dtype=float)
        if how == "linear":
            filled = np.interp(yrs, yrs[ok], v[ok])  # constant beyond the first / last observation
        else:
            s = pd.Series(v)
            filled = s.ffill().bfill().to_numpy()
        out.loc[part.index, "value"] = filled
    miss = frame["value"].isna().to_numpy()
    imputed = pd.DataFrame(
        {
            "unit": list(zip(frame["region"][miss], frame["year"][miss], strict=True)),
            "indicator": frame["indicator"][miss].to_numpy(),
            "method": f"time_series_{how}",
            "value": out["value"][miss].to_numpy(),
        }
    )
    return ImputationResult(out, imputed, f"time_series_{how}")
