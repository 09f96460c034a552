"""Outlier treatment of composite-index indicators (JRC/OECD Handbook 2008, step 4), COINr's default.

Notation: ``values`` is a table ``(n_units, n_indicators)`` (a :class:`pandas.DataFrame`
keeps its column names and index); missing values (NaN) are left alone and ignored by
every statistic.  An indicator *passes* when

.. math:: |\\mathrm{skew}| < s_{max} \\quad \\text{or} \\quad \\mathrm{kurt} < k_{max}

(defaults 2 and 3.5, the JRC's rule of thumb as COINr's ``check_SkewKurt``), with the
sample skewness and excess kurtosis of type 2 (e1071 ``type = 2``, Excel's ``SKEW`` and
``KURT``; :func:`scipy.stats.skew` / :func:`scipy.stats.kurtosis` with ``bias=False``):

.. math::
    g_1 = \\frac{\\sqrt{n(n-1)}}{n-2} \\frac{m_3}{m_2^{3/2}}, \\qquad
    g_2 = \\frac{(n-1)\\,((n+1)(m_4/m_2^2 - 3) + 6)}{(n-2)(n-3)}.

Treatment per indicator (``method``):

- ``"winsorise"`` (default; COINr's ``Treat`` default): while the indicator fails and fewer
  than ``winmax`` points are treated, the most extreme value(s) on the side of the skew
  (the maximum when skew >= 0, else the minimum; ties together) are set to the next value
  inward.  If it still fails, the winsorisation is undone and the ``fallback`` is applied
  to the original values: ``"log"`` (COIN Tool log, ``log(x - min + 0.01 (max - min))``)
  or ``"none"`` (left as is, reported as failing);
- ``"log"``: the COIN Tool log whenever the indicator fails;
- ``"none"``: no treatment (the statistics are still reported).

:class:`TreatmentResult` reports per indicator the statistics before and after, what was
done and which points were changed.  A step that cannot be applied (fewer than four
values, a constant indicator) raises a :class:`~regcoord.errors.DataError` naming the
indicator instead of being skipped.

Becker, W. et al., COINr: composite indicator construction and analysis (R package, MIT),
functions ``Treat``, ``winsorise``, ``log_CT``, ``check_SkewKurt``.  OECD/JRC (2008),
Handbook on Constructing Composite Indicators, section 1.4.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.stats import kurtosis, skew

from regcoord._display import FrameHTML
from regcoord.errors import DataError

__all__ = ["METHODS", "TreatmentResult", "kurt", "skewness", "treat_outliers"]

METHODS = ("winsorise", "log", "none")
FALLBACKS = ("log", "none")


def skewness(x: ArrayLike) -> float:
    """Sample skewness of type 2 (adjusted Fisher-Pearson; e1071 type 2, Excel ``SKEW``); NaNs ignored.

    >>> round(skewness([1.0, 2.0, 3.0, 10.0]), 6)
    1.763633
    """
    a = np.asarray(x, dtype=float)
    a = a[~np.isnan(a)]
    if a.size < 3:
        raise DataError(f"skewness of {a.size} value(s)", expected="at least 3 values")
    return float(skew(a, bias=False))


def kurt(x: ArrayLike) -> float:
    """Sample excess kurtosis of type 2 (e1071 type 2, Excel ``KURT``); NaNs ignored.

    >>> round(kurt([1.0, 2.0, 3.0, 10.0]), 6)
    3.228
    """
    a = np.asarray(x, dtype=float)
    a = a[~np.isnan(a)]
    if a.size < 4:
        raise DataError(f"kurtosis of {a.size} value(s)", expected="at least 4 values")
    return float(kurtosis(a, bias=False, fisher=True))


@dataclass(frozen=True, eq=False)
class TreatmentResult(FrameHTML):
    """Treated values and, per indicator, what was done.

    ``report`` has one row per indicator: ``method``, ``skew_before``, ``kurt_before``,
    ``passed_before``, ``action`` (``none`` / ``winsorised`` / ``log`` / ``failed``),
    ``winsorised`` (number of points), ``skew_after``, ``kurt_after``, ``passed_after``;
    ``points`` one row per changed value: ``unit``, ``indicator``, ``treatment``
    (``winhi``, ``winlo`` or ``log``), ``before``, ``after``.
    """

    values: pd.DataFrame
    report: pd.DataFrame
    points: pd.DataFrame
    skew_bound: float
    kurt_bound: float
    winmax: int

    def to_frame(self) -> pd.DataFrame:
        return self.report

    def to_dict(self) -> dict[str, Any]:
        return {
            "skew_bound": self.skew_bound,
            "kurt_bound": self.kurt_bound,
            "winmax": self.winmax,
            "report": self.report.replace({np.nan: None}).to_dict(orient="records"),
            "points": self.points.to_dict(orient="records"),
        }


def _passes(a: np.ndarray, s_max: float, k_max: float) -> tuple[bool, float, float]:
    s, k = skewness(a), kurt(a)
    return bool(abs(s) < s_max or k < k_max), s, k


def _winsorise(a: np.ndarray, winmax: int, s_max: float, k_max: float) -> tuple[np.ndarray, np.ndarray, bool]:
    """Winsorise one indicator as COINr's ``winsorise``: returns values, codes (0, +1 high, -1 low), pass."""
    x = a.copy()
    code = np.zeros(x.size, dtype=int)
    ok = _passes(x, s_max, k_max)[0]
    while not ok and int((code != 0).sum()) < winmax:
        finite = ~np.isnan(x)
        if skewness(x) >= 0:
            top = np.nanmax(x)
            hit = finite & (x == top)
            rest = x[finite & ~hit]
            if rest.size == 0:
                break
            x[hit] = rest.max()
            code[hit] = 1
        else:
            bottom = np.nanmin(x)
            hit = finite & (x == bottom)
            rest = x[finite & ~hit]
            if rest.size == 0:
                break
            x[hit] = rest.min()
            code[hit] = -1
        ok = _passes(x, s_max, k_max)[0]
    return x, code, ok


def _log_ct(a: np.ndarray) -> np.ndarray:
    lo, hi = np.nanmin(a), np.nanmax(a)
    return np.log(a - lo + 0.01 * (hi - lo))


def treat_outliers(
    values: pd.DataFrame | ArrayLike,
    *,
    method: str | Mapping[str, str] = "winsorise",
    winmax: int = 5,
    skew_bound: float = 2.0,
    kurt_bound: float = 3.5,
    fallback: str = "log",
    names: Sequence[str] | None = None,
) -> TreatmentResult:
    """Treat outliers per indicator until skewness and kurtosis are within the bounds (see module docstring).

    ``method`` is one method for all indicators or a mapping indicator -> method (others
    get ``"winsorise"``); ``winmax`` the most points winsorised per indicator; ``fallback``
    what a winsorisation that does not reach the bounds is replaced by.
    """
    frame = _frame(values, names)
    if isinstance(method, str):
        methods = dict.fromkeys(frame.columns, method)
    else:
        unknown = [k for k in method if k not in frame.columns]
        if unknown:
            raise DataError(
                f"treatment given for unknown indicator {unknown[0]!r}", expected=", ".join(frame.columns)
            )
        methods = {c: method.get(c, "winsorise") for c in frame.columns}
    for c, m in methods.items():
        if m not in METHODS:
            raise DataError(f"treatment {m!r}", column=c, expected=" or ".join(METHODS))
    if fallback not in FALLBACKS:
        raise DataError(f"fallback {fallback!r}", expected=" or ".join(FALLBACKS))
    if isinstance(winmax, bool) or int(winmax) != winmax or winmax < 1:
        raise DataError(f"winmax is {winmax!r}", expected="a whole number >= 1")
    s_max, k_max = float(skew_bound), float(kurt_bound)
    if not (s_max > 0 and np.isfinite(k_max)):
        raise DataError(
            "skewness and kurtosis bounds", expected="a positive skewness bound and a finite kurtosis bound"
        )
    out = frame.copy()
    rows: list[dict[str, Any]] = []
    points: list[dict[str, Any]] = []
    for c in frame.columns:
        a = frame[c].to_numpy(dtype=float)
        n_ok = int((~np.isnan(a)).sum())
        if n_ok < 4:
            raise DataError(f"{n_ok} value(s) to test for outliers", column=c, expected="at least 4 values")
        if np.nanmax(a) == np.nanmin(a):
            raise DataError("the indicator is constant", column=c, expected="values that vary")
        ok0, s0, k0 = _passes(a, s_max, k_max)
        m = methods[c]
        x, action, nwin = a, "none", 0
        if not ok0 and m == "winsorise":
            xw, code, okw = _winsorise(a, int(winmax), s_max, k_max)
            if okw:
                x, action, nwin = xw, "winsorised", int((code != 0).sum())
                for i in np.flatnonzero(code):
                    points.append(
                        {
                            "unit": frame.index[i],
                            "indicator": c,
                            "treatment": "winhi" if code[i] > 0 else "winlo",
                            "before": float(a[i]),
                            "after": float(xw[i]),
                        }
                    )
            elif fallback == "log":
                x, action = _log_ct(a), "log"
            else:
                action = "failed"
        elif not ok0 and m == "log":
            x, action = _log_ct(a), "log"
        if action == "log":
            points.extend(
                {
                    "unit": frame.index[i],
                    "indicator": c,
                    "treatment": "log",
                    "before": float(a[i]),
                    "after": float(x[i]),
                }
                for i in np.flatnonzero(~np.isnan(a))
            )
        ok1, s1, k1 = _passes(x, s_max, k_max)
        if action == "log" and not ok1:
            action = "failed"  # reported: the log transform did not reach the bounds either
        out[c] = x
        rows.append(
            {
                "indicator": c,
                "method": m,
                "skew_before": s0,
                "kurt_before": k0,
                "passed_before": ok0,
                "action": action,
                "winsorised": nwin,
                "skew_after": s1,
                "kurt_after": k1,
                "passed_after": ok1,
            }
        )
    return TreatmentResult(
        values=out,
        report=pd.DataFrame(rows),
        points=pd.DataFrame(points, columns=["unit", "indicator", "treatment", "before", "after"]),
        skew_bound=s_max,
        kurt_bound=k_max,
        winmax=int(winmax),
    )


def _frame(values: pd.DataFrame | ArrayLike, names: Sequence[str] | None) -> pd.DataFrame:
    if isinstance(values, pd.DataFrame):
        frame = values.copy()
        if names is not None:
            frame.columns = list(names)
    else:
        a = np.asarray(values, dtype=float)
        if a.ndim != 2:
            raise DataError(f"values have shape {a.shape}", expected="(units, indicators)")
        frame = pd.DataFrame(
            a, columns=list(names) if names is not None else [f"x{j}" for j in range(a.shape[1])]
        )
    for c in frame.columns:
        try:
            frame[c] = pd.to_numeric(frame[c], errors="raise").astype(float)
        except (TypeError, ValueError):
            raise DataError(
                "the indicator has a value that is not a number", column=str(c), expected="numbers"
            ) from None
        if np.isinf(frame[c].to_numpy()).any():
            raise DataError("the indicator has an infinite value", column=str(c), expected="finite numbers")
    return frame
