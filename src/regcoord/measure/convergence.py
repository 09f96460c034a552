"""Convergence of regional values: sigma, beta (cross-section and panel), distribution dynamics.

- **sigma-convergence**: dispersion falls over time.  Two series per year: the standard
  deviation of ``ln x`` (ddof = 0) and the coefficient of variation
  (:func:`regcoord.measure.inequality.cv`), each with an OLS trend ``s_t = a + b t`` whose
  slope ``b`` and its p-value (statsmodels) say whether the fall is significant.
- **beta-convergence** (Barro and Sala-i-Martin 1992): the average growth
  ``g_i = (ln x_{i,T} - ln x_{i,0}) / T`` regressed on ``ln x_{i,0}`` (absolute) and on
  controls (conditional) by OLS with heteroskedasticity-robust standard errors
  (``cov_type="HC1"`` by default).  Speed ``lambda = -ln(1 + T beta) / T`` and half-life
  ``ln 2 / lambda``; both are NaN, with ``converging=False`` and a note, when ``beta >= 0``
  (no convergence) or ``1 + T beta <= 0`` (the log is undefined) — never a garbage number.
  ``converging`` is true only when beta < 0 is significant at ``level`` (default 5 %,
  two-sided p-value of the robust t test): a half-life of 123 years at p = 0.17 is not
  convergence, and the note says so.
- **panel beta-convergence**: growth over each period, per year,
  ``(ln x_{i,t+1} - ln x_{i,t}) / Δ`` on ``ln x_{i,t}`` with region fixed effects (LSDV:
  ``C(region)`` dummies, statsmodels) and optionally year effects;
  ``lambda = -ln(1 + Δ beta) / Δ`` with Δ the (equal) spacing of the years.
- **distribution dynamics** (Quah 1993; Rey 2001): a Markov chain over classes of
  relative income ``x_{i,t} / mean_t(x)``, estimated by ``giddy.markov.Markov``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from regcoord._display import FrameHTML
from regcoord.data import PanelMatrix
from regcoord.errors import DataError
from regcoord.measure._validation import check_inputs

Values = ArrayLike | PanelMatrix


# ---------------------------------------------------------------------------------------
# sigma


@dataclass(frozen=True)
class Trend:
    """OLS trend of a series on the year: ``slope`` per year, its SE, p-value, and R²."""

    slope: float
    se: float
    pvalue: float
    r2: float

    @property
    def falling(self) -> bool:
        """Significantly falling at the 5 % level (sigma-convergence)."""
        return bool(self.slope < 0 and self.pvalue < 0.05)

    def to_dict(self) -> dict[str, Any]:
        return {
            "slope": self.slope,
            "se": self.se,
            "pvalue": self.pvalue,
            "r2": self.r2,
            "falling": self.falling,
        }


@dataclass(frozen=True)
class SigmaResult(FrameHTML):
    """Dispersion per year (sd of ln x, CV) and the trend of each."""

    years: tuple[int, ...]
    sd_log: np.ndarray
    cv: np.ndarray
    trend_sd_log: Trend | None
    trend_cv: Trend | None
    notes: tuple[str, ...] = ()

    @property
    def converging(self) -> bool:
        """sigma-convergence: the sd of logs falls significantly over the period."""
        return self.trend_sd_log is not None and self.trend_sd_log.falling

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"sd_log": self.sd_log, "cv": self.cv}, index=pd.Index(self.years, name="year"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "years": list(self.years),
            "sd_log": self.sd_log.tolist(),
            "cv": self.cv.tolist(),
            "trend_sd_log": self.trend_sd_log.to_dict() if self.trend_sd_log else None,
            "trend_cv": self.trend_cv.to_dict() if self.trend_cv else None,
            "converging": self.converging,
            "notes": list(self.notes),
        }


def _trend(t: np.ndarray, y: np.ndarray) -> Trend:
    import statsmodels.api as sm

    fit = sm.OLS(y, sm.add_constant(t)).fit()
    return Trend(float(fit.params[1]), float(fit.bse[1]), float(fit.pvalues[1]), float(fit.rsquared))


def sigma_convergence(
    values: Values, *, years: Sequence[int] | None = None, regions: Sequence[str] | None = None
) -> SigmaResult:
    """sd of ln x and CV per year with OLS trends (module docstring).  ``values``: (T, n), x > 0."""
    from regcoord.measure.inequality import cv

    c = check_inputs(values, years=years, regions=regions, positive=True)
    T = c.x.shape[0]
    yrs = c.years if c.years is not None else tuple(range(T))
    notes = [] if c.years is not None else ["no year labels: trend per period index 0..T-1"]
    sd_log = np.log(c.x).std(axis=1)
    cvs = cv(c.x).values
    t = np.asarray(yrs, dtype=float)
    tr_sd: Trend | None
    tr_cv: Trend | None
    if T >= 3:
        tr_sd, tr_cv = _trend(t, sd_log), _trend(t, cvs)
    else:
        tr_sd = tr_cv = None
        notes.append(f"{T} year(s): too few for a trend test (need 3)")
    return SigmaResult(tuple(int(y) for y in yrs), sd_log, cvs, tr_sd, tr_cv, tuple(notes))


# ---------------------------------------------------------------------------------------
# beta


@dataclass(frozen=True)
class BetaResult(FrameHTML):
    """A beta-convergence regression: beta with robust SE, speed and half-life."""

    kind: str  # "absolute" | "conditional" | "panel"
    beta: float
    se: float
    t: float
    pvalue: float
    r2: float
    nobs: int
    span: float  # T (years between first and last) or Δ (panel spacing)
    speed: float
    half_life: float
    converging: bool
    cov_type: str
    coefficients: pd.DataFrame = field(repr=False)
    notes: tuple[str, ...] = ()
    level: float = 0.05

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "level": self.level,
            "beta": self.beta,
            "se": self.se,
            "t": self.t,
            "pvalue": self.pvalue,
            "r2": self.r2,
            "nobs": self.nobs,
            "span": self.span,
            "speed": self.speed,
            "half_life": self.half_life,
            "converging": self.converging,
            "cov_type": self.cov_type,
            "coefficients": {
                str(k): {c: float(v) for c, v in row.items()} for k, row in self.coefficients.iterrows()
            },
            "notes": list(self.notes),
        }

    def to_frame(self) -> pd.DataFrame:
        return self.coefficients


def speed_half_life(beta: float, span: float) -> tuple[float, float, bool, str | None]:
    """``lambda = -ln(1 + span beta) / span`` and ``ln 2 / lambda``; NaN with a reason when undefined."""
    if not np.isfinite(beta):
        return np.nan, np.nan, False, "beta is not finite"
    if beta >= 0:
        return (
            np.nan,
            np.nan,
            False,
            f"beta = {beta:.6g} >= 0: no beta-convergence; speed and half-life undefined",
        )
    if 1 + span * beta <= 0:
        return (
            np.nan,
            np.nan,
            True,
            f"1 + T beta = {1 + span * beta:.6g} <= 0: speed undefined (log of a non-positive number)",
        )
    lam = -np.log1p(span * beta) / span
    return float(lam), float(np.log(2) / lam), True, None


def _fit(y: np.ndarray, X: pd.DataFrame, cov_type: str, groups: np.ndarray | None = None) -> Any:
    import statsmodels.api as sm

    model = sm.OLS(y, X)
    if cov_type == "cluster":
        if groups is None:
            raise DataError("cov_type 'cluster' needs groups")
        return model.fit(cov_type="cluster", cov_kwds={"groups": groups})
    try:
        return model.fit(cov_type=cov_type)
    except (ValueError, KeyError) as exc:
        raise DataError(
            f"cov_type {cov_type!r}: {exc}", expected="nonrobust, HC0, HC1, HC2, HC3 or cluster"
        ) from None


def _coef_frame(fit: Any) -> pd.DataFrame:
    return pd.DataFrame(
        {"coef": fit.params, "se": fit.bse, "t": fit.tvalues, "pvalue": fit.pvalues},
    )


def _beta_result(
    kind: str,
    fit: Any,
    coef: str,
    span: float,
    cov_type: str,
    notes: list[str],
    coefficients: pd.DataFrame,
    level: float = 0.05,
) -> BetaResult:
    """The :class:`BetaResult` of a fitted growth regression whose slope on ``coef`` is beta."""
    beta = float(fit.params[coef])
    pvalue = float(fit.pvalues[coef])
    lam, hl, conv, why = speed_half_life(beta, span)
    if why:
        notes = [*notes, why]
    if conv and not pvalue < level:
        conv = False
        notes = [
            *notes,
            f"beta = {beta:.4g} < 0 but p = {pvalue:.3g} >= {level:g}: not significant, so no "
            f"beta-convergence is claimed (the half-life {hl:.3g} years is shown for reference only)",
        ]
    return BetaResult(
        kind=kind,
        beta=beta,
        se=float(fit.bse[coef]),
        t=float(fit.tvalues[coef]),
        pvalue=pvalue,
        r2=float(fit.rsquared),
        nobs=int(fit.nobs),
        span=span,
        speed=lam,
        half_life=hl,
        converging=conv,
        cov_type=cov_type,
        coefficients=coefficients,
        notes=tuple(notes),
        level=level,
    )


def _check_level(level: float) -> float:
    lv = float(level)
    if not 0 < lv < 1:
        raise DataError(f"significance level {level}", expected="a level between 0 and 1, e.g. 0.05")
    return lv


def beta_convergence(
    values: Values,
    *,
    years: Sequence[int] | None = None,
    regions: Sequence[str] | None = None,
    controls: Mapping[str, ArrayLike] | None = None,
    cov_type: str = "HC1",
    level: float = 0.05,
) -> BetaResult:
    """Cross-section beta-convergence between the first and last year (module docstring).

    ``values``: (T, n) with T >= 2, x > 0; ``controls``: name -> (n,) values per region
    (conditional convergence).  T in the formulas is ``years[-1] - years[0]`` in years
    (the number of periods when no years are given, noted).
    """
    c = check_inputs(values, years=years, regions=regions, positive=True, min_regions=3)
    T_rows, n = c.x.shape
    if T_rows < 2:
        raise DataError("beta-convergence needs at least two years", expected="values of shape (T >= 2, n)")
    notes: list[str] = []
    if c.years is not None:
        span = float(c.years[-1] - c.years[0])
        if span <= 0:
            raise DataError(f"years run from {c.years[0]} to {c.years[-1]}", expected="increasing years")
    else:
        span = float(T_rows - 1)
        notes.append("no year labels: T = number of periods")
    x0, xT = np.log(c.x[0]), np.log(c.x[-1])
    g = (xT - x0) / span
    X = pd.DataFrame({"const": 1.0, "ln_x0": x0}, index=list(c.regions) if c.regions else None)
    kind = "absolute"
    if controls:
        kind = "conditional"
        for name, v in controls.items():
            arr = np.asarray(v, dtype=float)
            if arr.shape != (n,):
                raise DataError(
                    f"control {name!r} has shape {arr.shape}",
                    column=name,
                    expected=f"({n},): one value per region",
                )
            if not np.isfinite(arr).all():
                i = int(np.flatnonzero(~np.isfinite(arr))[0])
                r = c.regions[i] if c.regions else f"#{i}"
                raise DataError(
                    f"control {name!r} is {arr[i]} for region {r}", column=name, expected="a finite number"
                )
            X[name] = arr
    if n <= X.shape[1]:
        raise DataError(
            f"{n} regions for {X.shape[1]} coefficients", expected="more regions than coefficients"
        )
    fit = _fit(g, X, cov_type)
    return _beta_result(kind, fit, "ln_x0", span, cov_type, notes, _coef_frame(fit), _check_level(level))


def panel_beta_convergence(
    values: Values,
    *,
    years: Sequence[int] | None = None,
    regions: Sequence[str] | None = None,
    time_effects: bool = False,
    cov_type: str = "cluster",
    level: float = 0.05,
) -> BetaResult:
    """Panel beta-convergence with region fixed effects (LSDV, statsmodels; module docstring).

    ``cov_type="cluster"`` clusters the standard errors by region (default); any
    statsmodels HC type also works.  The years must be equally spaced (Δ).
    """
    c = check_inputs(values, years=years, regions=regions, positive=True, min_regions=2)
    T_rows, n = c.x.shape
    if T_rows < 3:
        raise DataError(
            f"{T_rows} years", expected="at least 3 years for growth on lagged level with fixed effects"
        )
    yrs = np.asarray(c.years if c.years is not None else range(T_rows), dtype=float)
    steps = np.diff(yrs)
    if not np.allclose(steps, steps[0]) or steps[0] <= 0:
        raise DataError(
            f"years {list(map(int, yrs))} are not equally spaced", expected="equally spaced increasing years"
        )
    delta = float(steps[0])
    lx = np.log(c.x)
    g = ((lx[1:] - lx[:-1]) / delta).ravel()
    lagged = lx[:-1].ravel()
    reg = np.tile(np.arange(n), T_rows - 1)
    per = np.repeat(np.arange(T_rows - 1), n)
    names = list(c.regions) if c.regions else [f"r{i}" for i in range(n)]
    X = pd.DataFrame({"ln_x_lag": lagged})
    X = pd.concat(
        [
            X,
            pd.get_dummies(
                pd.Categorical([names[i] for i in reg], categories=names), prefix="region", dtype=float
            ),
        ],
        axis=1,
    )
    if time_effects:
        X = pd.concat(
            [X, pd.get_dummies(pd.Categorical(per), prefix="period", drop_first=True, dtype=float)], axis=1
        )
    fit = _fit(g, X, cov_type, groups=reg)
    notes = [f"LSDV with {n} region dummies" + (" and period dummies" if time_effects else "")]
    return _beta_result(
        "panel",
        fit,
        "ln_x_lag",
        delta,
        cov_type,
        notes,
        _coef_frame(fit).loc[["ln_x_lag"]],
        _check_level(level),
    )


# ---------------------------------------------------------------------------------------
# distribution dynamics


@dataclass(frozen=True)
class MarkovResult(FrameHTML):
    """A Markov chain over relative-income classes: counts, probabilities, steady state, bounds.

    ``class_bounds`` are the upper bounds of classes 0..k-2 on relative income (the last
    class is open): shape (k-1,) for fixed classes, (T, k-1) for ``quantile_by_year``.
    """

    transitions: np.ndarray  # (k, k) counts
    p: np.ndarray  # (k, k) row-stochastic
    steady_state: np.ndarray  # (k,)
    class_bounds: np.ndarray
    classes: str
    k: int
    years: tuple[int, ...] | None
    class_ids: np.ndarray = field(repr=False)  # (n, T)
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "classes": self.classes,
            "k": self.k,
            "years": list(self.years) if self.years is not None else None,
            "transitions": self.transitions.tolist(),
            "p": self.p.tolist(),
            "steady_state": self.steady_state.tolist(),
            "class_bounds": self.class_bounds.tolist(),
            "notes": list(self.notes),
        }

    def to_frame(self) -> pd.DataFrame:
        labels = [f"class {i + 1}" for i in range(self.k)]
        return pd.DataFrame(self.p, index=labels, columns=labels)


def markov_transitions(
    values: Values,
    *,
    k: int = 5,
    classes: str | Sequence[float] = "quantile",
    years: Sequence[int] | None = None,
    regions: Sequence[str] | None = None,
) -> MarkovResult:
    """Markov transitions of relative income ``x / mean_t(x)`` (Quah 1993; Rey 2001) via giddy.

    ``classes``: ``"quantile"`` — k classes cut at the pooled quantiles of relative income
    over all years (fixed bounds, so the steady state is meaningful); ``"quantile_by_year"``
    — each year's own quantiles (giddy's documentation example); or a sequence of k-1
    increasing upper bounds on relative income (e.g. ``[0.6, 0.8, 1.0, 1.2]``).  A value
    equal to a bound belongs to the lower class (as ``mapclassify.Quantiles``).
    """
    from giddy.markov import Markov

    c = check_inputs(values, years=years, regions=regions, positive=True)
    T, _n = c.x.shape
    if T < 2:
        raise DataError("Markov transitions need at least two years", expected="values of shape (T >= 2, n)")
    rel = c.x / c.x.mean(axis=1, keepdims=True)
    if isinstance(classes, str):
        if k < 2:
            raise DataError(f"k = {k}", expected="at least 2 classes")
        qs = np.arange(1, k) / k
        if classes == "quantile":
            bounds = np.quantile(rel.ravel(), qs)
            ids = np.searchsorted(bounds, rel, side="left")
        elif classes == "quantile_by_year":
            bounds = np.quantile(rel, qs, axis=1).T  # (T, k-1)
            ids = np.stack([np.searchsorted(bounds[t], rel[t], side="left") for t in range(T)])
        else:
            raise DataError(
                f"classes {classes!r}", expected="'quantile', 'quantile_by_year' or a list of bounds"
            )
        name = classes
    else:
        bounds = np.asarray(classes, dtype=float)
        if bounds.ndim != 1 or len(bounds) < 1 or not (np.diff(bounds) > 0).all():
            raise DataError(
                f"class bounds {list(bounds)}", expected="increasing upper bounds on relative income"
            )
        k = len(bounds) + 1
        ids = np.searchsorted(bounds, rel, side="left")
        name = "bounds"
    m = Markov(ids.T, classes=np.arange(k), summary=False)
    P = np.asarray(m.p, dtype=float)
    ss = np.asarray(m.steady_state, dtype=float)
    notes: list[str] = []
    if ss.ndim != 1 or not np.isfinite(ss).all():  # giddy: one steady state per closed set
        ss = np.full(k, np.nan)
        notes.append(_no_steady_state_reason(P))
    empty = np.flatnonzero(m.transitions.sum(axis=1) == 0)
    if len(empty):
        notes.append(
            f"class(es) {', '.join(str(int(i) + 1) for i in empty)} never observed before a transition"
        )
    return MarkovResult(
        transitions=np.asarray(m.transitions, dtype=float),
        p=P,
        steady_state=ss,
        class_bounds=np.asarray(bounds, dtype=float),
        classes=name,
        k=k,
        years=c.years,
        class_ids=ids.T,
        notes=tuple(notes),
    )


def _no_steady_state_reason(P: np.ndarray) -> str:
    """Why a chain has no unique steady state: its closed sets of classes and transient classes.

    A finite chain has a unique stationary distribution iff it has exactly one closed
    communicating set (Kemeny and Snell 1960, ch. 2).  The sets are the strongly connected
    components of the graph ``i -> j`` where ``P[i, j] > 0``; a set is closed when no
    probability leaves it.
    """
    from scipy.sparse.csgraph import connected_components

    A = np.nan_to_num(P) > 0
    n, comp = connected_components(A, directed=True, connection="strong")
    seen = A.any(axis=1)
    closed = [c for c in range(n) if seen[comp == c].all() and not A[np.ix_(comp == c, comp != c)].any()]

    def names(c: int) -> str:
        return "{" + ", ".join(str(int(i) + 1) for i in np.flatnonzero(comp == c)) + "}"

    transient = [str(int(i) + 1) for i in np.flatnonzero(~np.isin(comp, closed) & seen)]
    unseen = [str(int(i) + 1) for i in np.flatnonzero(~seen)]
    parts = [
        f"no unique steady state (NaN): the chain is reducible, with {len(closed)} closed set(s) of "
        f"classes {', '.join(names(c) for c in closed) or '(none)'} that each keep their own long-run "
        "distribution"
    ]
    if transient:
        parts.append(f"transient class(es) {', '.join(transient)}")
    if unseen:
        parts.append(f"class(es) {', '.join(unseen)} never left (no observed transition)")
    return "; ".join(parts)
