"""Convergence clubs: the Phillips-Sul log t test, club clustering and club merging.

Notation: ``x`` of shape (T, n) — T years, n regions — the (filtered, usually log) series
``X_{it}``; optional weights ``w_i > 0`` per region (population, say).

- **relative transition** ``h_{it} = X_{it} / m_t`` with ``m_t = sum_i w_i X_{it} / sum_i w_i``
  and its cross-section variation ``H_t = sum_i w_i (h_{it} - 1)^2 / sum_i w_i`` (unweighted:
  ``w_i = 1``), Phillips and Sul (2007, Econometrica 75(6), eq. 15-16).
- **log t test** (Phillips and Sul 2007, section 4): the OLS regression
  ``log(H_1 / H_t) - 2 log(log t) = a + b log t + u_t`` for ``t = [rT] + 1, ..., T``
  (``r = time_trim``, default 1/3; ``[.]`` rounds half to even, as R's ``round``).
  The standard error of ``b`` uses the quadratic-spectral HAC long-run variance of the
  residuals with Andrews' (1991) AR(1) plug-in bandwidth ``1.3221 (a T)^{1/5}``,
  ``a = 4 rho^2 / (1 - rho)^4`` (the ``FQSB`` method of the R package ConvergenceClubs,
  Sichera and Pizzuto 2019, R Journal 11(2), including its conventions: the
  autocovariances over the first T-1 residuals, divided by T-1).  The null of convergence
  is rejected when ``t_b < -1.65`` (one-sided 5 %); ``b`` is the ``log_t`` coefficient
  (``b = 2 alpha``, the speed of convergence).
- **clustering** (Phillips and Sul 2007, section 5; the R package's ``findClubs``): sort
  by the last year (descending); if all regions pass, one club; else the core group is the
  first adjacent pair that passes, grown one region at a time while it passes, keeping
  the size with the largest ``|t|`` (R's rule); every other region whose test with the
  core gives ``t > c*`` joins (``c* = 0``; ``incremental`` raises c* by a step until the
  club passes, up to a cap, then keeps the core alone); remove the club and repeat.
  Regions left when no adjacent pair passes, or a single one left, are divergent.
- **merging** adjacent clubs (Phillips and Sul 2009, J. Applied Econometrics 24(7)):
  ``"PS"`` merges club i with i+1, i+2, ... while the union passes ``t > -1.65``;
  ``"vLT"`` (von Lyncker and Thoennessen 2017, Empirical Economics 52(2)) merges only
  when the union's t is also larger than the t of the next two clubs together.  Divergent
  regions may then join the club whose test with them gives the largest t above
  ``estar`` (von Lyncker and Thoennessen), one at a time.

Filtering (``filter=``): ``"hp"`` — ``log x`` smoothed by the Hodrick-Prescott filter
(lambda = 400 for annual data, Phillips and Sul 2007, section 6); ``"hamilton"`` — the
fitted value of Hamilton's (2018, REStat 100(5)) regression of ``y_{t+h}`` on
``1, y_t, ..., y_{t-p+1}`` (``h = 2, p = 1`` for annual data; the first ``h + p - 1``
years are lost); ``"none"`` — the values are used as given (already filtered).

Every test of many candidate groups (core plus each region, every club plus each
divergent region) is one array operation over the candidates: the weighted mean and sum of
squared deviations of a group plus one region come from the group's by the pairwise
update of Chan, Golub and LeVeque (1983), so no candidate group is rebuilt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from regcoord._display import FrameHTML
from regcoord.data import PanelMatrix
from regcoord.errors import DataError
from regcoord.measure._validation import check_inputs

Values = ArrayLike | PanelMatrix
CRITICAL_T = -1.65
FILTERS = ("hp", "hamilton", "none")
MERGES = ("PS", "vLT")


# ---------------------------------------------------------------------------------------
# filters


def hp_filter(y: ArrayLike, *, lamb: float = 400.0) -> np.ndarray:
    """Hodrick-Prescott trend of each column of ``y`` (T, n).

    ``tau = argmin sum (y_t - tau_t)^2 + lamb sum (Δ² tau_t)^2``, i.e.
    ``(I + lamb D'D) tau = y`` with D the (T-2, T) second-difference matrix (Hodrick and
    Prescott 1997).  One sparse factorisation solves every column.

    >>> import numpy as np
    >>> np.round(hp_filter(np.array([[1.0], [2.0], [4.0], [8.0]]), lamb=1.0).ravel(), 4)
    array([0.5455, 2.3636, 4.6364, 7.4545])
    """
    from scipy import sparse
    from scipy.sparse.linalg import splu

    a = np.asarray(y, dtype=float)
    if a.ndim == 1:
        a = a[:, None]
    T = a.shape[0]
    if T < 3:
        raise DataError(f"{T} years", expected="at least 3 years for the HP filter")
    D = sparse.diags([np.ones(T - 2), -2 * np.ones(T - 2), np.ones(T - 2)], [0, 1, 2], shape=(T - 2, T))
    A = (sparse.identity(T) + lamb * (D.T @ D)).tocsc()
    return np.asarray(splu(A).solve(np.ascontiguousarray(a)))


def hamilton_filter(y: ArrayLike, *, h: int = 2, p: int = 1) -> np.ndarray:
    """Hamilton (2018) trend of each column of ``y`` (T, n): rows ``h + p - 1 .. T - 1``.

    For each column, OLS of ``y_{t+h}`` on ``1, y_t, ..., y_{t-p+1}``; the trend is the
    fitted value (the cycle is the residual).  Returns shape (T - h - p + 1, n).

    >>> import numpy as np
    >>> hamilton_filter(np.array([[1.0], [2.0], [3.0], [4.0], [5.0]]), h=2, p=1).ravel()
    array([3., 4., 5.])
    """
    a = np.asarray(y, dtype=float)
    if a.ndim == 1:
        a = a[:, None]
    T, n = a.shape
    m = T - h - p + 1
    if h < 1 or p < 1 or m < p + 2:
        raise DataError(f"{T} years for h = {h}, p = {p}", expected=f"at least {2 * p + h + 1} years")
    # X[j] = [1, y_{t}, ..., y_{t-p+1}] with t = p - 1 + j, target y_{t+h}
    lags = np.stack([a[p - 1 - k : p - 1 - k + m] for k in range(p)], axis=-1)  # (m, n, p)
    X = np.concatenate([np.ones((m, n, 1)), lags], axis=-1).transpose(1, 0, 2)  # (n, m, p+1)
    target = a[p - 1 + h :].T[..., None]  # (n, m, 1)
    coef = np.linalg.solve(X.transpose(0, 2, 1) @ X, X.transpose(0, 2, 1) @ target)
    return np.asarray((X @ coef)[..., 0].T)


# ---------------------------------------------------------------------------------------
# the log t test, vectorised over candidate groups


@dataclass(frozen=True)
class LogTTest:
    """One log t regression: coefficient ``log_t`` (b), its HAC SE, ``t_stat``, one-sided p."""

    log_t: float
    se: float
    t_stat: float
    pvalue: float
    nobs: int

    @property
    def converging(self) -> bool:
        """The null of convergence is not rejected: ``t_stat > -1.65``."""
        return bool(self.t_stat > CRITICAL_T)

    def to_dict(self) -> dict[str, Any]:
        return {
            "log_t": self.log_t,
            "se": self.se,
            "t_stat": self.t_stat,
            "pvalue": self.pvalue,
            "nobs": self.nobs,
            "converging": self.converging,
        }


def _first_obs(T: int, time_trim: float) -> int:
    """0-based index of the first year in the regression: ``round(T r)`` (R rounds half even)."""
    return round(T * time_trim)


def _logt_from_H(H: np.ndarray, time_trim: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """b, se, t of the log t regression for each row of ``H`` (K, T)."""
    T = H.shape[1]
    s = _first_obs(T, time_trim)
    t_idx = np.arange(s + 1, T + 1, dtype=float)
    lt = np.log(t_idx)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.log(H[:, :1] / H[:, s:]) - 2.0 * np.log(lt)
    xc = lt - lt.mean()
    sxx = float(xc @ xc)
    b = (y - y.mean(axis=1, keepdims=True)) @ xc / sxx
    a = y.mean(axis=1) - b * lt.mean()
    r = y - a[:, None] - b[:, None] * lt
    lrv = _qs_hac(r)
    # (X'X)^{-1}[1, 1] = 1 / sum (log t - mean)^2
    with np.errstate(invalid="ignore"):
        se = np.sqrt(lrv / sxx)
        tv = b / se
    return b, se, tv


def _qs_hac(r: np.ndarray) -> np.ndarray:
    """Quadratic-spectral long-run variance of each row of ``r`` (K, L), ConvergenceClubs' FQSB."""
    L = r.shape[1]
    x1, x2 = r[:, :-1], r[:, 1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = (x1 * x2).sum(axis=1) / (x1 * x1).sum(axis=1)
        alpha = 4 * rho**2 / (1 - rho) ** 4
        bw = 1.3221 * (alpha * L) ** 0.2
    t2 = L - 1
    out = (r * r).sum(axis=1) / t2
    for i in range(1, t2):
        with np.errstate(divide="ignore", invalid="ignore"):
            z = 1.2 * np.pi * i / bw
            k = (np.sin(z) / z - np.cos(z)) * 3.0 / z**2
        gamma = (r[:, : t2 - i] * r[:, i:t2]).sum(axis=1)
        out = out + 2.0 * gamma * k / t2
    return np.asarray(out)


def _H(M: np.ndarray, Q: np.ndarray, W: np.ndarray | float) -> np.ndarray:
    """``H_t`` of groups with weighted mean ``M`` and weighted sum of squared deviations ``Q``."""
    W = np.asarray(W, dtype=float)
    return np.asarray(Q / (W.reshape(-1, 1) if W.ndim else W) / M**2)


@dataclass(frozen=True)
class _Stats:
    """Weight total, weighted mean (T,) and weighted sum of squared deviations (T,) of a group."""

    W: float
    M: np.ndarray
    Q: np.ndarray


def _stats(x: np.ndarray, w: np.ndarray, idx: Sequence[int] | np.ndarray) -> _Stats:
    xs, ws = x[:, idx], w[idx]
    W = float(ws.sum())
    M = xs @ ws / W
    Q = ((xs - M[:, None]) ** 2) @ ws
    return _Stats(W, M, Q)


def _plus_one(g: _Stats, x: np.ndarray, w: np.ndarray, cand: np.ndarray) -> np.ndarray:
    """``H`` (K, T) of the group ``g`` plus each candidate region (pairwise update)."""
    xk = x[:, cand].T  # (K, T)
    wk = w[cand][:, None]
    W = g.W + wk
    d = xk - g.M
    M = g.M + wk * d / W
    Q = g.Q + (wk * g.W / W) * d**2
    return np.asarray(Q / W / M**2)


def _test_group(x: np.ndarray, w: np.ndarray, idx: Sequence[int] | np.ndarray, time_trim: float) -> LogTTest:
    g = _stats(x, w, np.asarray(idx))
    H = (g.Q / g.W / g.M**2)[None, :]
    b, se, tv = _logt_from_H(H, time_trim)
    return _result(float(b[0]), float(se[0]), float(tv[0]), x.shape[0], time_trim)


def _result(b: float, se: float, tv: float, T: int, time_trim: float) -> LogTTest:
    from scipy.stats import norm

    return LogTTest(b, se, tv, float(norm.cdf(tv)), T - _first_obs(T, time_trim))


def _passes(t: np.ndarray, threshold: float) -> np.ndarray:
    return np.asarray(np.nan_to_num(t, nan=-np.inf) > threshold)


def log_t_test(
    values: Values,
    *,
    weights: ArrayLike | None = None,
    years: Sequence[int] | None = None,
    regions: Sequence[str] | None = None,
    time_trim: float = 1 / 3,
) -> LogTTest:
    """Phillips-Sul log t test of convergence of all regions (module docstring).

    ``values`` (T, n) already filtered; ``weights`` (n,) per region.

    >>> import numpy as np
    >>> t = np.arange(1, 21)[:, None]
    >>> x = 10 + np.array([1.0, -1.0, 0.5]) / t   # differences shrink like 1/t
    >>> r = log_t_test(x)
    >>> r.converging, round(r.log_t, 3)
    (True, 1.208)
    """
    x, w, _ = _prepare(values, weights, years, regions, time_trim)
    return _test_group(x, w, np.arange(x.shape[1]), time_trim)


# ---------------------------------------------------------------------------------------
# results


@dataclass(frozen=True)
class Club:
    """A convergence club: its member regions (core first, as found) and its log t test."""

    members: tuple[str, ...]
    test: LogTTest
    cstar: float | None = None
    merged_from: tuple[int, ...] = ()  # 1-based numbers of the initial clubs merged into it

    def to_dict(self) -> dict[str, Any]:
        return {
            "members": list(self.members),
            "log_t": self.test.log_t,
            "t_stat": self.test.t_stat,
            "se": self.test.se,
            "pvalue": self.test.pvalue,
            "cstar": self.cstar,
            "merged_from": list(self.merged_from),
        }


@dataclass(frozen=True)
class ClubsResult(FrameHTML):
    """Convergence clubs (highest first), the divergent regions and the settings used."""

    clubs: tuple[Club, ...]
    divergent: tuple[str, ...]
    overall: LogTTest  # the test of all regions together
    filter: str
    time_trim: float
    cstar: float
    cstar_method: str
    merge: str | None
    weighted: bool
    years: tuple[int, ...] | None
    notes: tuple[str, ...] = ()

    def membership(self) -> dict[str, int]:
        """Region -> club number (1 = highest); divergent regions are 0."""
        out = {r: 0 for r in self.divergent}
        for i, c in enumerate(self.clubs, start=1):
            out.update(dict.fromkeys(c.members, i))
        return out

    def to_frame(self) -> pd.DataFrame:
        m = self.membership()
        return pd.DataFrame({"club": pd.Series(m, name="club")}).rename_axis("region")

    def to_dict(self) -> dict[str, Any]:
        return {
            "overall": self.overall.to_dict(),
            "clubs": [c.to_dict() for c in self.clubs],
            "divergent": list(self.divergent),
            "filter": self.filter,
            "time_trim": self.time_trim,
            "cstar": self.cstar,
            "cstar_method": self.cstar_method,
            "merge": self.merge,
            "weighted": self.weighted,
            "years": list(self.years) if self.years is not None else None,
            "notes": list(self.notes),
        }


# ---------------------------------------------------------------------------------------
# clustering


def _prepare(
    values: Values,
    weights: ArrayLike | None,
    years: Sequence[int] | None,
    regions: Sequence[str] | None,
    time_trim: float,
    *,
    positive: bool = False,
) -> tuple[np.ndarray, np.ndarray, Any]:
    c = check_inputs(values, years=years, regions=regions, positive=positive, min_regions=2)
    x = c.x
    if x.ndim != 2 or x.shape[0] < 3:
        raise DataError(f"values of shape {x.shape}", expected="(T >= 3 years, n regions)")
    if not 0 < time_trim < 1:
        raise DataError(f"time_trim = {time_trim}", expected="a share between 0 and 1")
    if x.shape[0] - _first_obs(x.shape[0], time_trim) < 3:
        raise DataError(
            f"{x.shape[0]} years with time_trim = {time_trim:.3g}",
            expected="at least 3 years left in the log t regression",
        )
    if weights is None:
        w = np.ones(x.shape[1])
    else:
        w = np.asarray(weights, dtype=float)
        if w.shape != (x.shape[1],):
            raise DataError(f"weights of shape {w.shape}", expected=f"({x.shape[1]},): one per region")
        bad = np.flatnonzero(~(np.isfinite(w) & (w > 0)))
        if len(bad):
            i = int(bad[0])
            r = c.regions[i] if c.regions else f"#{i}"
            raise DataError(f"weight of {r} is {w[i]}", column="weights", expected="a positive number")
    return x, w, c


def _core_group(x: np.ndarray, w: np.ndarray, order: np.ndarray, time_trim: float) -> np.ndarray | None:
    """Positions (into ``order``) of the core group, or None when no adjacent pair passes."""
    n = len(order)
    xs, ws = x[:, order], w[order]
    # adjacent pairs (j-1, j): M, Q exactly
    w1, w2 = ws[:-1], ws[1:]
    W = w1 + w2
    M = (xs[:, :-1] * w1 + xs[:, 1:] * w2) / W
    Q = (w1 * w2 / W) * (xs[:, :-1] - xs[:, 1:]) ** 2
    _, _, tp = _logt_from_H((Q / W / M**2).T, time_trim)
    ok = np.flatnonzero(_passes(tp, CRITICAL_T))
    if not len(ok):
        return None
    start = int(ok[0])  # the pair (start, start + 1)
    best_t, best_len = float(tp[start]), 2
    # grow: prefixes start..start+L-1, shifted sums for accuracy, in chunks until one fails
    ref = xs[:, start][:, None]
    pos = start + 2
    S1 = (xs[:, start : start + 2] - ref) @ ws[start : start + 2]
    S2 = ((xs[:, start : start + 2] - ref) ** 2) @ ws[start : start + 2]
    Wc = float(ws[start : start + 2].sum())
    chunk = 64
    while pos < n:
        end = min(n, pos + chunk)
        d = xs[:, pos:end] - ref
        cw = np.cumsum(ws[pos:end])
        c1 = S1[:, None] + np.cumsum(d * ws[pos:end], axis=1)
        c2 = S2[:, None] + np.cumsum(d * d * ws[pos:end], axis=1)
        Wk = Wc + cw
        Mk = ref + c1 / Wk
        Qk = np.maximum(c2 - c1**2 / Wk, 0.0)
        _, _, tk = _logt_from_H((Qk / Wk / Mk**2).T, time_trim)
        ok_k = _passes(tk, CRITICAL_T)
        fail = np.flatnonzero(~ok_k)
        last = int(fail[0]) if len(fail) else end - pos
        if last:
            at = int(np.argmax(np.abs(tk[:last])))
            if abs(tk[at]) > abs(best_t):
                best_t, best_len = float(tk[at]), pos - start + at + 1
        if len(fail):
            break
        S1, S2, Wc = c1[:, -1], c2[:, -1], float(Wk[-1])
        pos = end
    return np.arange(start, start + best_len)


def _find_clubs(
    x: np.ndarray,
    w: np.ndarray,
    time_trim: float,
    cstar: float,
    cstar_method: str,
    cstar_increment: float,
    cstar_cap: float,
) -> tuple[list[tuple[np.ndarray, LogTTest, float]], np.ndarray]:
    """Clubs as (region indices, test, c*) and the divergent indices (R's ``findClubs``)."""
    order = np.argsort(-x[-1], kind="stable")
    clubs: list[tuple[np.ndarray, LogTTest, float]] = []
    divergent = np.array([], dtype=int)
    while True:
        if len(order) == 1:
            divergent = order
            break
        if len(order) == 0:
            break
        all_test = _test_group(x, w, order, time_trim)
        if all_test.t_stat > CRITICAL_T:
            clubs.append((order, all_test, cstar))
            break
        core_pos = _core_group(x, w, order, time_trim)
        if core_pos is None:
            divergent = order
            break
        core = order[core_pos]
        rest_mask = np.ones(len(order), dtype=bool)
        rest_mask[core_pos] = False
        rest = order[rest_mask]
        g = _stats(x, w, core)
        _, _, tk = (
            _logt_from_H(_plus_one(g, x, w, rest), time_trim) if len(rest) else (None, None, np.array([]))
        )
        c = cstar
        while True:
            members = np.concatenate([core, rest[_passes(tk, c)]])
            test = _test_group(x, w, members, time_trim)
            if test.t_stat > CRITICAL_T or cstar_method == "fixed" or cstar_increment <= 0:
                break
            if c <= cstar_cap:
                c = c + cstar_increment
            else:
                members = core
                test = _test_group(x, w, core, time_trim)
                break
        clubs.append((members, test, c))
        keep = ~np.isin(order, members)
        order = order[keep]
    return clubs, divergent


def _merge(
    x: np.ndarray,
    w: np.ndarray,
    clubs: list[tuple[np.ndarray, tuple[int, ...]]],
    method: str,
    time_trim: float,
) -> list[tuple[np.ndarray, tuple[int, ...]]]:
    """One pass of merging adjacent clubs (R's ``mergeClubs``), ``method`` "PS" or "vLT"."""
    ll = len(clubs)
    if ll < 2:
        return clubs
    out: list[tuple[np.ndarray, tuple[int, ...]]] = []
    i = 0
    while i < ll - 1:
        units, names = clubs[i]
        append_last = False
        k = i + 1
        while k < ll:
            cand = np.concatenate([units, clubs[k][0]])
            tv = _test_group(x, w, cand, time_trim).t_stat
            if tv > CRITICAL_T:
                if method == "vLT" and k <= ll - 2:
                    nxt = np.concatenate([clubs[k][0], clubs[k + 1][0]])
                    if tv > _test_group(x, w, nxt, time_trim).t_stat:
                        units, names = cand, names + clubs[k][1]
                    else:
                        break
                else:
                    units, names = cand, names + clubs[k][1]
            else:
                if k == ll - 1:
                    append_last = True
                break
            k += 1
        else:
            k = ll - 1
        i = k
        out.append((units, names))
        if append_last:
            out.append(clubs[ll - 1])
    return out


def _merge_divergent(
    x: np.ndarray,
    w: np.ndarray,
    clubs: list[tuple[np.ndarray, tuple[int, ...]]],
    divergent: np.ndarray,
    estar: float,
    time_trim: float,
) -> tuple[list[tuple[np.ndarray, tuple[int, ...]]], np.ndarray]:
    """Divergent regions join the club of the largest t above ``estar``, one at a time."""
    clubs = list(clubs)
    div = np.asarray(divergent)
    while len(div) and clubs:
        tm = np.stack([_logt_from_H(_plus_one(_stats(x, w, c[0]), x, w, div), time_trim)[2] for c in clubs])
        tm = np.nan_to_num(tm, nan=-np.inf)
        if not tm.max() > estar:
            break
        # first maximum in column-major order, as R's which(..., arr.ind = TRUE)
        flat = int(np.flatnonzero(tm.T.ravel() == tm.max())[0])
        j, ci = divmod(flat, len(clubs))
        clubs[ci] = (np.append(clubs[ci][0], div[j]), clubs[ci][1])
        div = np.delete(div, j)
    return clubs, div


def convergence_clubs(
    values: Values,
    *,
    weights: ArrayLike | None = None,
    years: Sequence[int] | None = None,
    regions: Sequence[str] | None = None,
    filter: Literal["hp", "hamilton", "none"] = "hp",
    hp_lambda: float = 400.0,
    hamilton_h: int = 2,
    hamilton_p: int = 1,
    time_trim: float = 1 / 3,
    cstar: float = 0.0,
    cstar_method: Literal["fixed", "incremental"] = "fixed",
    cstar_increment: float = 0.1,
    cstar_cap: float = 3.0,
    merge: Literal["PS", "vLT"] | None = None,
    merge_divergent: bool = False,
    estar: float = CRITICAL_T,
) -> ClubsResult:
    """Phillips-Sul convergence clubs of ``values`` (T, n) (module docstring).

    ``filter="hp"`` or ``"hamilton"`` filters ``log x`` (x > 0) first; ``"none"`` uses the
    values as given.  ``weights`` (n,) weight each region in the cross-section mean and in
    ``H_t``.  ``merge`` merges adjacent clubs by the Phillips-Sul or von
    Lyncker-Thoennessen rule; ``merge_divergent`` then lets divergent regions join.
    Defaults are those of the R package ConvergenceClubs (``findClubs``/``mergeClubs``).

    >>> import numpy as np
    >>> t = np.arange(1, 31)[:, None]
    >>> x = np.hstack([10 + np.array([1.0, -1.0, 0.5]) / t, 5 + np.array([0.3, -0.2]) / t])
    >>> r = convergence_clubs(x, filter="none", regions=list("abcde"))
    >>> [c.members for c in r.clubs], r.divergent
    ([('a', 'c', 'b'), ('d', 'e')], ())
    """
    if filter not in FILTERS:
        raise DataError(f"filter {filter!r}", expected="'hp', 'hamilton' or 'none'")
    if merge is not None and merge not in MERGES:
        raise DataError(f"merge {merge!r}", expected="'PS', 'vLT' or None")
    if cstar_method not in ("fixed", "incremental"):
        raise DataError(f"cstar_method {cstar_method!r}", expected="'fixed' or 'incremental'")
    c = check_inputs(values, years=years, regions=regions, positive=filter != "none", min_regions=2)
    yrs = c.years
    x = c.x
    notes: list[str] = []
    if filter == "hp":
        x = hp_filter(np.log(x), lamb=hp_lambda)
        notes.append(f"log values smoothed by the HP filter, lambda = {hp_lambda:g}")
    elif filter == "hamilton":
        x = hamilton_filter(np.log(x), h=hamilton_h, p=hamilton_p)
        if yrs is not None:
            yrs = yrs[hamilton_h + hamilton_p - 1 :]
        notes.append(
            f"log values: Hamilton trend (h = {hamilton_h}, p = {hamilton_p}); "
            f"first {hamilton_h + hamilton_p - 1} year(s) lost"
        )
    if filter != "none" and not (np.abs(x).min(axis=1) > 0).all():
        notes.append("a filtered value is 0: the relative transition is undefined there")
    x, w, _ = _prepare(x, weights, None, c.regions, time_trim)
    names = list(c.regions) if c.regions else [f"#{i}" for i in range(x.shape[1])]
    found, div = _find_clubs(x, w, time_trim, cstar, cstar_method, cstar_increment, cstar_cap)
    cstars = [f[2] for f in found]
    groups: list[tuple[np.ndarray, tuple[int, ...]]] = [(f[0], (i + 1,)) for i, f in enumerate(found)]
    if merge is not None:
        groups = _merge(x, w, groups, merge, time_trim)
    if merge_divergent:
        groups, div = _merge_divergent(x, w, groups, div, estar, time_trim)
    clubs = tuple(
        Club(
            members=tuple(names[i] for i in idx),
            test=_test_group(x, w, idx, time_trim),
            cstar=cstars[origin[0] - 1] if len(origin) == 1 else None,
            merged_from=origin,
        )
        for idx, origin in groups
    )
    return ClubsResult(
        clubs=clubs,
        divergent=tuple(names[i] for i in div),
        overall=_test_group(x, w, np.arange(x.shape[1]), time_trim),
        filter=filter,
        time_trim=time_trim,
        cstar=cstar,
        cstar_method=cstar_method,
        merge=merge,
        weighted=weights is not None,
        years=tuple(int(y) for y in yrs) if yrs is not None else None,
        notes=tuple(notes),
    )
