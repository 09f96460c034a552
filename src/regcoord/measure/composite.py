"""Composite indicators after the JRC/OECD *Handbook on Constructing Composite Indicators* (2008).

Pipeline (COINr, the JRC's R package, is the reference implementation):
direction -> normalization -> weighting -> aggregation, every step and every fallback
written to the result's ``log``.  Data are a :class:`~regcoord.data.Panel` (region x year x
indicator) or an array ``(n_units, n_indicators)`` (or ``(n_years, n_units, n_indicators)``).

Normalization (after turning cost indicators around), over the *pool* of rows — all
region-years (``pooling="pooled"``, comparable over time, as in the Chinese
coupling-coordination literature) or each year alone (``pooling="by_year"``):

- ``minmax``: ``(x - min) / (max - min)`` (cost: ``(max - x) / (max - min)``), mapped onto
  ``minmax_range`` (default [0, 1]);
- ``zscore``: ``(x - mean) / sd`` (sd with ddof = 1, as R's ``sd``; cost: sign flipped);
- ``rank``: rank / number of rows (average ranks for ties; cost: rank of ``-x``);
- ``goalposts``: ``(x - lo) / (hi - lo)`` clipped to [0, 1] with fixed goalposts per
  indicator (cost: ``(hi - x) / (hi - lo)``);
- ``distance_to_target``: ``x / target`` (cost: ``target / x``).

Weights (computed on the pool; data-driven ones on min-max values in [0, 1] whatever the
normalization, as in their sources, so that weights do not depend on the scale chosen):

- ``equal``; ``user`` (from the spec, rescaled to sum 1);
- ``entropy``: ``p_ij = z_ij / sum_i z_ij``, ``e_j = -(1/ln m) sum_i p_ij ln p_ij`` with the
  convention **0 ln 0 = 0** (a zero cell contributes nothing; we never add a fudge
  silently — ``entropy_shift`` adds the literature's 1e-4 only when asked, and logs it),
  ``d_j = 1 - e_j``, ``w_j = d_j / sum d_j``; m is the number of pooled rows, so with
  ``pooling="pooled"`` this is the pooled-panel entropy ``e_j = -(1/ln(r n)) sum_t sum_i p ln p``;
- ``critic`` (Diakoulaki, Mavrotas and Papayannakis 1995): ``w_j ∝ sd_j * sum_k (1 - r_jk)``;
- ``pca`` (Handbook 2008, section 6.1, after Nicoletti, Scarpetta and Boylaud 2000):
  principal components of the correlation matrix; retain components with eigenvalue > 1
  (Kaiser; at least one); varimax-rotate their loadings; square the rotated loadings and
  scale each factor's squares to sum 1; the factor's weight is its share of the variance
  explained by the retained rotated factors; each indicator is assigned to the factor on
  which its scaled squared loading is largest and gets ``w_j = share_f * scaled_sq_jf``;
  weights are rescaled to sum 1;
- ``correlation``: weights whose indicator-index correlations are equal (Becker et al. 2017;
  :func:`regcoord.measure.weighting.correlation_optimised_weights`).
- ``budget``: budget allocation (Handbook 2008, section 6.1.4): each expert of the spec's
  ``budget`` distributes points over the indicators, ``w_j = mean_e b_ej / sum_k b_ek``
  (:func:`regcoord.measure.weighting.budget_allocation_weights`);
- ``benefit_of_doubt`` (Cherchye et al. 2007; Handbook section 6.3): each unit's score is
  ``max_w sum_j w_j z_ij`` subject to ``sum_j w_j z_kj <= 1`` for every row k of the pool and
  ``w >= 0`` (:func:`regcoord.measure.weighting.benefit_of_doubt`, HiGHS); the weights vary
  by unit (``CompositeResult.unit_weights``) and the aggregation must be arithmetic.

Imputation comes first (``imputation``: ``group_mean``/``group_median`` by the Panel
attribute ``imputation_group``, ``time_series`` (``imputation_how`` linear/latest) or
``em``; :mod:`regcoord.measure.imputation`); the cells filled are in ``CompositeResult.imputed``
and the log.  Outlier treatment (``treatment``) follows on each pool; the indicators it
changed are in ``CompositeResult.treated``.

Aggregation: ``arithmetic`` ``sum_j w_j z_j`` (compensatory), ``geometric``
``prod_j z_j^w_j`` (partially compensatory; needs z > 0 — use ``minmax_range: [1, 100]``),
``topsis`` (Hwang and Yoon 1981): weighted values ``v = w z``, distances D+ and D- to the
column maxima and minima of the pool, closeness ``D- / (D+ + D-)``.

Ranks are within each year, 1 = best (ties share the smallest rank).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.stats import rankdata

from regcoord._display import FrameHTML
from regcoord.data import Panel
from regcoord.errors import DataError

NORMALIZATIONS = ("minmax", "zscore", "rank", "goalposts", "distance_to_target")
WEIGHTINGS = ("equal", "entropy", "critic", "pca", "user", "correlation", "budget", "benefit_of_doubt")
AGGREGATIONS = ("arithmetic", "geometric", "topsis")
TREATMENTS = ("none", "winsorise", "log")
IMPUTATIONS = ("none", "group_mean", "group_median", "time_series", "em")
_ALIASES = {"min-max": "minmax", "z-score": "zscore", "distance-to-target": "distance_to_target"}


@dataclass(frozen=True, slots=True)
class IndicatorSpec:
    """One indicator: its name in the data, direction, optional pillar, goalposts, target, weight."""

    name: str
    direction: str = "benefit"  # "benefit" | "cost"
    pillar: str | None = None
    goalposts: tuple[float, float] | None = None
    target: float | None = None
    weight: float | None = None
    label_en: str = ""
    label_zh: str = ""
    normalization: str | None = None  # overrides the spec's normalization for this indicator

    def __post_init__(self) -> None:
        if self.normalization is not None:
            object.__setattr__(
                self,
                "normalization",
                _canon(self.normalization, NORMALIZATIONS, f"normalization of {self.name}"),
            )
        if self.direction not in ("benefit", "cost"):
            raise DataError(
                f"indicator {self.name!r} has direction {self.direction!r}", expected="'benefit' or 'cost'"
            )
        if self.goalposts is not None:
            lo, hi = self.goalposts
            if not (np.isfinite(lo) and np.isfinite(hi) and hi > lo):
                raise DataError(
                    f"indicator {self.name!r} has goalposts {self.goalposts}",
                    expected="[lo, hi] with hi > lo",
                )
        if self.target is not None and not (np.isfinite(self.target) and self.target > 0):
            raise DataError(f"indicator {self.name!r} has target {self.target}", expected="a positive target")
        if self.weight is not None and not (np.isfinite(self.weight) and self.weight >= 0):
            raise DataError(
                f"indicator {self.name!r} has weight {self.weight}", expected="a non-negative weight"
            )


def _reject_unknown_fields(fields: Mapping[str, Any], known: set[str], what: str, source: str | None) -> None:
    """A spec field outside ``known`` is an error (a typo must not be silently ignored)."""
    unknown = sorted(set(fields) - known)
    if unknown:
        raise DataError(
            f"{what}unknown field(s) {', '.join(unknown)}",
            source=source,
            expected=f"fields among {', '.join(sorted(known))}",
        )


@dataclass(frozen=True)
class CompositeSpec:
    """How to build a composite index (a frozen recipe; load one with :meth:`from_yaml`)."""

    indicators: tuple[IndicatorSpec, ...]
    normalization: str = "minmax"
    weighting: str = "equal"
    aggregation: str = "arithmetic"
    pooling: str = "pooled"  # "pooled" | "by_year"
    minmax_range: tuple[float, float] = (0.0, 1.0)
    entropy_shift: float = 0.0
    treatment: str = "none"  # outlier treatment before normalization: none | winsorise | log
    treatment_winmax: int = 5
    imputation: str = "none"  # first step: none | group_mean | group_median | time_series | em
    imputation_group: str | None = None  # region attribute of a Panel holding the groups
    imputation_how: str = "linear"  # time_series: linear | latest
    budget: tuple[tuple[float, ...], ...] | None = None  # experts x indicators, points (weighting budget)
    bod_min_share: float = 0.0  # benefit_of_doubt: pie-share lower bound of each indicator
    name: str = "composite"
    title_en: str = ""
    title_zh: str = ""
    description: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "normalization", _canon(self.normalization, NORMALIZATIONS, "normalization"))
        object.__setattr__(self, "weighting", _canon(self.weighting, WEIGHTINGS, "weighting"))
        object.__setattr__(self, "aggregation", _canon(self.aggregation, AGGREGATIONS, "aggregation"))
        if self.pooling not in ("pooled", "by_year"):
            raise DataError(f"pooling {self.pooling!r}", column="pooling", expected="'pooled' or 'by_year'")
        if not self.indicators:
            raise DataError("a composite spec needs at least one indicator", column="indicators")
        names = [i.name for i in self.indicators]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise DataError(f"indicator(s) listed twice: {', '.join(sorted(dup))}", column="indicators")
        lo, hi = self.minmax_range
        if not hi > lo:
            raise DataError(
                f"minmax_range {self.minmax_range}", column="minmax_range", expected="[lo, hi] with hi > lo"
            )
        if not (self.entropy_shift >= 0 and np.isfinite(self.entropy_shift)):
            raise DataError(
                f"entropy_shift {self.entropy_shift}", expected="a non-negative number (e.g. 1e-4)"
            )
        if self.treatment not in TREATMENTS:
            raise DataError(
                f"treatment {self.treatment!r}", column="treatment", expected=" or ".join(TREATMENTS)
            )
        if self.imputation not in IMPUTATIONS:
            raise DataError(
                f"imputation {self.imputation!r}", column="imputation", expected=" or ".join(IMPUTATIONS)
            )
        if self.imputation_how not in ("linear", "latest"):
            raise DataError(
                f"imputation_how {self.imputation_how!r}",
                column="imputation_how",
                expected="linear or latest",
            )
        if self.imputation_group is not None and self.imputation not in ("group_mean", "group_median"):
            raise DataError(
                f"imputation_group {self.imputation_group!r} with imputation {self.imputation!r}",
                column="imputation_group",
                expected="imputation group_mean or group_median (or no imputation_group)",
            )
        if self.budget is not None:
            k = len(self.indicators)
            for e, row in enumerate(self.budget):
                if len(row) != k or not all(np.isfinite(v) and v >= 0 for v in row) or sum(row) <= 0:
                    raise DataError(
                        f"budget of expert #{e + 1}: {list(row)}",
                        column="budget",
                        expected=f"{k} non-negative points, one per indicator, with a positive total",
                    )
        if not (np.isfinite(self.bod_min_share) and 0.0 <= self.bod_min_share <= 1.0 / len(self.indicators)):
            raise DataError(
                f"bod_min_share {self.bod_min_share}",
                column="bod_min_share",
                expected=f"a share between 0 and 1/{len(self.indicators)}",
            )
        _require_params(self, self.normalization, self.weighting)
        for i in self.indicators:
            if i.normalization is not None:  # goalposts / target needed by an override
                _require_params(SimpleNamespace(indicators=(i,)), i.normalization, "equal")  # type: ignore[arg-type]

    @property
    def normalizations(self) -> tuple[str, ...]:
        """The normalization of each indicator (its override, else the spec's)."""
        return tuple(i.normalization or self.normalization for i in self.indicators)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.indicators)

    @property
    def pillars(self) -> tuple[str, ...]:
        """Pillar (subsystem) names in order of first appearance; empty when none is given."""
        out: list[str] = []
        for i in self.indicators:
            if i.pillar is not None and i.pillar not in out:
                out.append(i.pillar)
        return tuple(out)

    def with_choices(self, **changes: Any) -> CompositeSpec:
        """A copy with some choices changed (e.g. ``weighting="entropy"``)."""
        from dataclasses import replace

        return replace(self, **changes)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], *, source: str | None = None) -> CompositeSpec:
        if not isinstance(d, Mapping):
            raise DataError("a composite spec must be a mapping", source=source)
        known = {
            "indicators",
            "normalization",
            "weighting",
            "aggregation",
            "pooling",
            "minmax_range",
            "entropy_shift",
            "treatment",
            "treatment_winmax",
            "imputation",
            "imputation_group",
            "imputation_how",
            "budget",
            "bod_min_share",
            "name",
            "title_en",
            "title_zh",
            "description",
            "meta",
        }
        _reject_unknown_fields(d, known, "", source)
        raw = d.get("indicators")
        if not isinstance(raw, list) or not raw:
            raise DataError("'indicators' must be a non-empty list", source=source, column="indicators")
        inds = []
        ind_known = {
            "name", "direction", "pillar", "goalposts", "target", "weight", "label_en", "label_zh", "normalization",
        }  # fmt: skip
        for k, item in enumerate(raw):
            if isinstance(item, str):
                item = {"name": item}
            if not isinstance(item, Mapping) or "name" not in item:
                raise DataError(f"indicator #{k + 1} has no name", source=source, column="indicators")
            _reject_unknown_fields(item, ind_known, f"indicator {item['name']!r}: ", source)
            gp = item.get("goalposts")
            try:
                inds.append(
                    IndicatorSpec(
                        name=str(item["name"]),
                        direction=str(item.get("direction", "benefit")),
                        pillar=None if item.get("pillar") is None else str(item["pillar"]),
                        goalposts=None if gp is None else (float(gp[0]), float(gp[1])),
                        target=None if item.get("target") is None else float(item["target"]),
                        weight=None if item.get("weight") is None else float(item["weight"]),
                        label_en=str(item.get("label_en", "")),
                        label_zh=str(item.get("label_zh", "")),
                        normalization=None
                        if item.get("normalization") is None
                        else str(item["normalization"]),
                    )
                )
            except (TypeError, ValueError, IndexError) as exc:
                raise DataError(f"indicator {item['name']!r}: {exc}", source=source) from None
        kw: dict[str, Any] = {
            k: d[k] for k in known - {"indicators", "minmax_range", "meta", "budget"} if k in d
        }
        if d.get("budget") is not None:
            kw["budget"] = _read_budget(d["budget"], [i.name for i in inds], source)
        if kw.get("imputation_group") is not None:
            kw["imputation_group"] = str(kw["imputation_group"])
        if "bod_min_share" in kw:
            kw["bod_min_share"] = float(kw["bod_min_share"])
        if "minmax_range" in d:
            r = d["minmax_range"]
            kw["minmax_range"] = (float(r[0]), float(r[1]))
        if "entropy_shift" in kw:
            kw["entropy_shift"] = float(kw["entropy_shift"])
        if "treatment_winmax" in kw:
            kw["treatment_winmax"] = int(kw["treatment_winmax"])
        if "meta" in d:
            kw["meta"] = dict(d["meta"])
        try:
            return cls(indicators=tuple(inds), **kw)
        except DataError as exc:
            if source is not None and exc.source is None:
                raise DataError(
                    exc.problem, source=source, column=exc.column, expected=exc.expected
                ) from None
            raise

    @classmethod
    def from_yaml(cls, path: str | Path) -> CompositeSpec:
        """Load a spec from a YAML file (see ``measure/specs/china_development.yaml``)."""
        import yaml

        p = Path(path)
        try:
            text = p.read_text("utf-8")
        except OSError as exc:
            raise DataError(f"cannot read spec: {exc.strerror}", source=str(p)) from None
        try:
            d = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise DataError(f"not valid YAML: {exc}", source=str(p)) from None
        return cls.from_dict(d, source=str(p))

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "normalization": self.normalization,
            "weighting": self.weighting,
            "aggregation": self.aggregation,
            "pooling": self.pooling,
            "minmax_range": list(self.minmax_range),
            "entropy_shift": self.entropy_shift,
            "treatment": self.treatment,
            "treatment_winmax": self.treatment_winmax,
            "imputation": self.imputation,
            "imputation_group": self.imputation_group,
            "imputation_how": self.imputation_how,
            "budget": None
            if self.budget is None
            else [dict(zip(self.names, row, strict=True)) for row in self.budget],
            "bod_min_share": self.bod_min_share,
            "indicators": [
                {
                    "name": i.name,
                    "direction": i.direction,
                    "pillar": i.pillar,
                    "goalposts": list(i.goalposts) if i.goalposts else None,
                    "target": i.target,
                    "weight": i.weight,
                    "normalization": i.normalization,
                }
                for i in self.indicators
            ],
        }


def _read_budget(raw: Any, names: Sequence[str], source: str | None) -> tuple[tuple[float, ...], ...]:
    """Experts' budgets from a spec: a list with one mapping ``indicator: points`` per expert.

    Every indicator must be named by every expert (0 points is written out), so that a
    misspelt or forgotten indicator is an error rather than a silent zero.
    """
    if not isinstance(raw, list) or not raw:
        raise DataError(
            "'budget' must be a non-empty list", source=source, column="budget",
            expected="one mapping indicator: points per expert",
        )  # fmt: skip
    rows = []
    for e, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise DataError(
                f"budget of expert #{e + 1} is {item!r}", source=source, column="budget",
                expected="a mapping indicator: points",
            )  # fmt: skip
        unknown = sorted(set(map(str, item)) - set(names))
        missing = [n for n in names if n not in item]
        if unknown or missing:
            raise DataError(
                f"budget of expert #{e + 1}: "
                + "; ".join(
                    ([f"unknown indicator(s) {', '.join(unknown)}"] if unknown else [])
                    + ([f"no points for {', '.join(missing)}"] if missing else [])
                ),
                source=source,
                column="budget",
                expected="points (0 allowed) for every indicator of the spec",
            )
        try:
            rows.append(tuple(float(item[n]) for n in names))
        except (TypeError, ValueError):
            raise DataError(
                f"budget of expert #{e + 1} has a value that is not a number", source=source, column="budget"
            ) from None
    return tuple(rows)


def _canon(value: str, allowed: tuple[str, ...], what: str) -> str:
    v = _ALIASES.get(str(value), str(value))
    if v not in allowed:
        raise DataError(f"unknown {what} {value!r}", column=what, expected=f"one of {', '.join(allowed)}")
    return v


def _require_params(spec: CompositeSpec, normalization: str, weighting: str) -> None:
    if normalization == "goalposts":
        miss = [i.name for i in spec.indicators if i.goalposts is None]
        if miss:
            raise DataError(
                f"goalposts missing for {', '.join(miss)}",
                column="goalposts",
                expected="[lo, hi] per indicator",
            )
    if normalization == "distance_to_target":
        miss = [i.name for i in spec.indicators if i.target is None]
        if miss:
            raise DataError(
                f"target missing for {', '.join(miss)}", column="target", expected="a target per indicator"
            )
    if weighting == "user":
        miss = [i.name for i in spec.indicators if i.weight is None]
        if miss:
            raise DataError(
                f"weight missing for {', '.join(miss)}", column="weight", expected="a weight per indicator"
            )
        if sum(float(i.weight or 0.0) for i in spec.indicators) <= 0:
            raise DataError("user weights sum to zero", column="weight", expected="a positive total")
    if weighting == "budget" and getattr(spec, "budget", None) is None:
        raise DataError(
            "weighting 'budget' needs the experts' budgets",
            column="budget",
            expected="budget: a list with one mapping indicator: points per expert",
        )
    if weighting == "benefit_of_doubt" and getattr(spec, "aggregation", "arithmetic") != "arithmetic":
        raise DataError(
            f"weighting 'benefit_of_doubt' with aggregation {spec.aggregation!r}",
            column="aggregation",
            expected="aggregation arithmetic (the benefit-of-the-doubt score is a weighted sum)",
        )


# ---------------------------------------------------------------------------------------
# data


@dataclass(frozen=True, slots=True)
class CompositeData:
    """Validated indicator cube ``x`` of shape (n_years, n_units, n_indicators) with labels."""

    x: np.ndarray
    indicators: tuple[str, ...]
    regions: tuple[str, ...]
    years: tuple[int, ...] | None


def prepare_data(
    data: Panel | ArrayLike,
    spec: CompositeSpec,
    *,
    regions: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
    allow_missing: bool = False,
) -> CompositeData:
    """The indicator cube of ``spec``'s indicators, checked for gaps and non-finite values.

    A :class:`Panel` contributes the years in which every indicator has data (or
    ``years``); any missing region-year cell is a :class:`DataError` naming it — unless
    ``allow_missing`` (the spec imputes), when missing cells are NaN and the regions are
    all those with a value of any indicator.
    """
    names = spec.names
    if isinstance(data, Panel) and allow_missing:
        wides = [data.wide(n) for n in names]  # raises for an unknown indicator
        if years is None:
            common = set.intersection(*(set(int(c) for c in w.columns) for w in wides))
            if not common:
                raise DataError(
                    f"indicators {', '.join(names)} share no year",
                    source=data.source,
                    expected="a common year",
                )
            years = sorted(common)
        if regions is None:
            regions = [r for r in data.regions if any(r in w.index for w in wides)]
        x = np.stack(
            [w.reindex(index=list(regions), columns=list(years)).to_numpy(dtype=float).T for w in wides],
            axis=-1,
        )
        return CompositeData(x, names, tuple(regions), tuple(int(y) for y in years))
    if isinstance(data, Panel):
        have = [set(data.years_of(n)) for n in names]  # raises for an unknown indicator
        if years is None:
            common = set.intersection(*have)
            if not common:
                raise DataError(
                    f"indicators {', '.join(names)} share no year",
                    source=data.source,
                    expected="a common year",
                )
            years = sorted(common)
        mats = [data.matrix(n, years=years, regions=regions) for n in names]
        x = np.stack([m.values for m in mats], axis=-1)
        return CompositeData(x, names, mats[0].regions, mats[0].years)
    x = np.asarray(data, dtype=float)
    if x.ndim == 2:
        x = x[None]
        if years is not None and len(years) != 1:
            raise DataError(f"{len(years)} year labels for one cross-section")
    if x.ndim != 3:
        raise DataError(
            f"data has shape {np.shape(data)}", expected="(units, indicators) or (years, units, indicators)"
        )
    T, n, k = x.shape
    if k != len(names):
        raise DataError(
            f"data has {k} indicator columns, the spec names {len(names)}",
            expected="one column per indicator",
        )
    if n < 2:
        raise DataError(f"data has {n} unit(s)", expected="at least 2 units")
    if regions is not None and len(regions) != n:
        raise DataError(f"{len(regions)} region labels for {n} units")
    if years is not None and len(years) != T:
        raise DataError(f"{len(years)} year labels for {T} years")
    bad = np.isinf(x) if allow_missing else ~np.isfinite(x)
    if bad.any():
        t, i, j = np.argwhere(bad)[0]
        r = regions[i] if regions is not None else f"#{i}"
        y = f" in {years[t]}" if years is not None else ""
        raise DataError(
            f"{names[j]} is {x[t, i, j]} for unit {r}{y}", column=names[j], expected="a finite number"
        )
    return CompositeData(
        x,
        names,
        tuple(regions) if regions is not None else tuple(str(i) for i in range(n)),
        tuple(int(y) for y in years) if years is not None else None,
    )


# ---------------------------------------------------------------------------------------
# steps on a pool of rows (m, k); every function returns its output and log lines


def normalize(
    x: np.ndarray,
    method: str,
    spec: CompositeSpec,
    *,
    columns: Sequence[int] | None = None,
) -> tuple[np.ndarray, list[str]]:
    """Normalize a pool ``x`` (m rows, k indicators) by ``method`` (see the module docstring)."""
    method = _canon(method, NORMALIZATIONS, "normalization")
    cols = list(columns) if columns is not None else list(range(x.shape[1]))
    inds = [spec.indicators[c] for c in cols]
    cost = np.array([i.direction == "cost" for i in inds])
    log: list[str] = []
    if method == "minmax":
        flat = x.max(axis=0) <= x.min(axis=0)
        a, b = spec.minmax_range
        z = a + (b - a) * minmax01(x, spec, cols)
        for j in np.flatnonzero(flat):
            log.append(
                f"normalize minmax: {inds[j].name} has zero variance in the pool; set to the mid-point"
            )
    elif method == "zscore":
        m = x.shape[0]
        sd = x.std(axis=0, ddof=1) if m > 1 else np.zeros(x.shape[1])
        flat = sd <= 0
        z = (x - x.mean(axis=0)) / np.where(flat, 1.0, sd)
        z = np.where(cost, -z, z)
        z[:, flat] = 0.0
        for j in np.flatnonzero(flat):
            log.append(f"normalize zscore: {inds[j].name} has zero variance in the pool; set to 0")
    elif method == "rank":
        z = rankdata(np.where(cost, -x, x), method="average", axis=0) / x.shape[0]
    elif method == "goalposts":
        gp = np.array([i.goalposts for i in inds], dtype=float)
        lo, hi = gp[:, 0], gp[:, 1]
        raw = np.where(cost, hi - x, x - lo) / (hi - lo)
        clipped = (raw < 0) | (raw > 1)
        if clipped.any():
            for j in np.flatnonzero(clipped.any(axis=0)):
                log.append(
                    f"normalize goalposts: {int(clipped[:, j].sum())} value(s) of {inds[j].name} outside "
                    f"[{lo[j]:g}, {hi[j]:g}] clipped"
                )
        z = np.clip(raw, 0.0, 1.0)
    else:  # distance_to_target
        tgt = np.array([i.target for i in inds], dtype=float)
        if ((x <= 0) & cost).any():
            jj = int(np.flatnonzero(((x <= 0) & cost).any(axis=0))[0])
            raise DataError(
                f"{inds[jj].name} has a non-positive value",
                column=inds[jj].name,
                expected="positive values for a cost indicator's distance to target (target / x)",
            )
        z = np.where(cost, tgt / np.where(x > 0, x, 1.0), x / tgt)
    return z, log


def minmax01(x: np.ndarray, spec: CompositeSpec, columns: Sequence[int] | None = None) -> np.ndarray:
    """Min-max values in [0, 1] with cost indicators turned around (zero variance -> 0.5)."""
    cols = list(columns) if columns is not None else list(range(x.shape[1]))
    cost = np.array([spec.indicators[c].direction == "cost" for c in cols])
    lo, hi = x.min(axis=0), x.max(axis=0)
    span = hi - lo
    flat = span <= 0
    z = np.where(cost, hi - x, x - lo) / np.where(flat, 1.0, span)
    z[:, flat] = 0.5
    return z


def entropy_weights(
    z: np.ndarray, *, shift: float = 0.0, names: Sequence[str] | None = None
) -> tuple[np.ndarray, list[str]]:
    """Entropy weights of the columns of ``z`` (>= 0), 0 ln 0 = 0; see the module docstring.

    A column whose values are all equal has e_j = 1 and weight 0; an all-zero column has
    no distribution (weight 0, logged); if no column varies, weights fall back to equal.
    """
    names = list(names) if names is not None else [f"x{j + 1}" for j in range(z.shape[1])]
    if (z < 0).any():
        raise DataError("entropy weights need non-negative values", expected="min-max normalized data")
    log: list[str] = []
    zz = z + shift
    if shift:
        log.append(f"weights entropy: values shifted by {shift:g} before p = z / sum z")
    m = zz.shape[0]
    if m < 2:
        log.append("weights entropy: a single row has no entropy; equal weights used")
        return np.full(z.shape[1], 1.0 / z.shape[1]), log
    tot = zz.sum(axis=0)
    empty = tot <= 0
    p = zz / np.where(empty, 1.0, tot)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)  # 0 ln 0 = 0
    e = -plogp.sum(axis=0) / np.log(m)
    d = np.clip(1.0 - e, 0.0, None)
    d[empty] = 0.0
    for j in np.flatnonzero(empty):
        log.append(f"weights entropy: {names[j]} is zero in every row; weight 0")
    if d.sum() <= 0:
        log.append("weights entropy: no indicator varies; equal weights used")
        return np.full(z.shape[1], 1.0 / z.shape[1]), log
    return d / d.sum(), log


def critic_weights(z: np.ndarray, *, names: Sequence[str] | None = None) -> tuple[np.ndarray, list[str]]:
    """CRITIC weights (Diakoulaki et al. 1995): ``w_j ∝ sd_j * sum_k (1 - r_jk)`` on ``z``.

    A zero-variance column gets weight 0 and is left out of the correlations (logged).
    """
    names = list(names) if names is not None else [f"x{j + 1}" for j in range(z.shape[1])]
    log: list[str] = []
    if z.shape[0] < 2:
        log.append("weights critic: a single row has no spread; equal weights used")
        return np.full(z.shape[1], 1.0 / z.shape[1]), log
    sd = z.std(axis=0, ddof=1)
    live = sd > 0
    c = np.zeros(z.shape[1])
    if live.sum() == 1:
        c[live] = sd[live]
    elif live.any():
        r = np.corrcoef(z[:, live], rowvar=False)
        c[live] = sd[live] * (1.0 - r).sum(axis=1)
    for j in np.flatnonzero(~live):
        log.append(f"weights critic: {names[j]} has zero variance; weight 0")
    if c.sum() <= 0:
        log.append("weights critic: no information in any indicator; equal weights used")
        return np.full(z.shape[1], 1.0 / z.shape[1]), log
    return c / c.sum(), log


def _varimax(loadings: np.ndarray, *, tol: float = 1e-10, max_iter: int = 1000) -> np.ndarray:
    """Kaiser's varimax rotation of a loading matrix (p x f) (Kaiser 1958; SVD algorithm)."""
    p, f = loadings.shape
    if f < 2:
        return loadings.copy()
    R = np.eye(f)
    crit = 0.0
    for _ in range(max_iter):
        L = loadings @ R
        u, s, vt = np.linalg.svd(loadings.T @ (L**3 - L @ np.diag((L**2).sum(axis=0)) / p))
        R = u @ vt
        new = s.sum()
        if new < crit * (1 + tol):
            break
        crit = new
    return loadings @ R


def pca_weights(z: np.ndarray, *, names: Sequence[str] | None = None) -> tuple[np.ndarray, list[str]]:
    """PCA/factor weights, Handbook 2008 section 6.1 (Nicoletti et al. 2000); rule in the module docstring."""
    names = list(names) if names is not None else [f"x{j + 1}" for j in range(z.shape[1])]
    k = z.shape[1]
    log: list[str] = []
    sd = z.std(axis=0, ddof=1) if z.shape[0] > 1 else np.zeros(k)
    live = sd > 0
    for j in np.flatnonzero(~live):
        log.append(f"weights pca: {names[j]} has zero variance; weight 0")
    w = np.zeros(k)
    nl = int(live.sum())
    if nl == 0:
        log.append("weights pca: no indicator varies; equal weights used")
        return np.full(k, 1.0 / k), log
    if nl == 1:
        w[live] = 1.0
        return w, log
    corr = np.corrcoef(z[:, live], rowvar=False)
    vals, vecs = np.linalg.eigh(corr)
    order = np.argsort(vals)[::-1]
    vals, vecs = vals[order], vecs[:, order]
    keep = max(1, int((vals > 1.0).sum()))
    loadings = vecs[:, :keep] * np.sqrt(np.clip(vals[:keep], 0.0, None))
    rot = _varimax(loadings)
    sq = rot**2
    var = sq.sum(axis=0)  # variance explained by each rotated factor
    scaled = sq / var
    share = var / var.sum()
    best = scaled.argmax(axis=1)
    wl = share[best] * scaled[np.arange(nl), best]
    w[live] = wl / wl.sum()
    log.append(
        f"weights pca: {keep} component(s) with eigenvalue > 1 retained "
        f"({100 * vals[:keep].sum() / vals.sum():.1f}% of variance), varimax-rotated"
    )
    return w, log


def user_weights(spec: CompositeSpec, columns: Sequence[int] | None = None) -> np.ndarray:
    cols = list(columns) if columns is not None else list(range(len(spec.indicators)))
    w = np.array([spec.indicators[c].weight for c in cols], dtype=float)
    if np.isnan(w).any() or w.sum() <= 0:
        raise DataError(
            "user weighting needs a weight for every indicator, with a positive total", column="weight"
        )
    return w / w.sum()


def compute_weights(
    x: np.ndarray, method: str, spec: CompositeSpec, *, columns: Sequence[int] | None = None
) -> tuple[np.ndarray, list[str]]:
    """Weights of the pool ``x`` (raw values; data-driven methods use min-max [0, 1] values)."""
    method = _canon(method, WEIGHTINGS, "weighting")
    cols = list(columns) if columns is not None else list(range(x.shape[1]))
    names = [spec.indicators[c].name for c in cols]
    k = len(cols)
    if method == "equal":
        return np.full(k, 1.0 / k), []
    if method == "user":
        return user_weights(spec, cols), []
    if method == "budget":
        from regcoord.measure.weighting import budget_allocation_weights

        assert spec.budget is not None  # checked by the spec
        bw = budget_allocation_weights(np.array(spec.budget)[:, cols], names=names)
        w = bw.weights
        if w.sum() <= 0:
            raise DataError(
                f"the experts gave no points to {', '.join(names)}",
                column="budget",
                expected="a positive total",
            )
        return w / w.sum(), [
            f"weights budget allocation: {len(spec.budget)} expert(s), "
            + ", ".join(f"{n} {v:.3g} (sd {s:.2g})" for n, v, s in zip(names, bw.weights, bw.sd, strict=True))
        ]
    if method == "benefit_of_doubt":
        raise DataError(
            "weighting 'benefit_of_doubt' gives each unit its own weights, not one weight vector",
            column="weighting",
            expected="composite_index (which solves the benefit-of-the-doubt programmes) or another weighting",
        )
    z = minmax01(x, spec, cols)
    if method == "entropy":
        return entropy_weights(z, shift=spec.entropy_shift, names=names)
    if method == "critic":
        return critic_weights(z, names=names)
    if method == "correlation":
        from regcoord.measure.weighting import correlation_optimised_weights

        opt = correlation_optimised_weights(z, names=names)
        return opt.weights, [
            f"weights correlation-optimised: objective {opt.objective:.3g}, {opt.iterations} iterations"
        ]
    return pca_weights(z, names=names)


def aggregate(
    z: np.ndarray,
    w: np.ndarray,
    method: str,
    *,
    ideal: np.ndarray | None = None,
    anti: np.ndarray | None = None,
) -> np.ndarray:
    """Aggregate normalized rows ``z`` (..., k) with weights ``w`` (k,).

    TOPSIS uses ``ideal``/``anti`` (column max/min of the pool) when given, else those of ``z``.
    """
    method = _canon(method, AGGREGATIONS, "aggregation")
    if method == "arithmetic":
        return z @ w
    if method == "geometric":
        return np.exp(np.log(z) @ w)
    hi = z.reshape(-1, z.shape[-1]).max(axis=0) if ideal is None else ideal
    lo = z.reshape(-1, z.shape[-1]).min(axis=0) if anti is None else anti
    dplus = np.sqrt(((z - hi) ** 2) @ (w**2))
    dminus = np.sqrt(((z - lo) ** 2) @ (w**2))
    tot = dplus + dminus
    return np.where(tot > 0, dminus / np.where(tot > 0, tot, 1.0), 0.5)


def rank_desc(scores: np.ndarray, axis: int = -1) -> np.ndarray:
    """Ranks with 1 = highest score; ties share the smallest rank.

    Scores equal to 10 decimals tie, so that the order of floating-point summation
    (one matrix product or another) cannot break a tie differently.
    """
    return rankdata(-np.round(scores, 10), method="min", axis=axis).astype(np.int64)


# ---------------------------------------------------------------------------------------
# result and entry point


IMPUTED_COLUMNS = ("region", "year", "indicator", "method", "value")


@dataclass(frozen=True)
class CompositeResult(FrameHTML):
    """Scores and ranks per region-year, the weights and normalized values used, and the log."""

    scores: np.ndarray  # (n_years, n_units)
    ranks: np.ndarray  # (n_years, n_units), 1 = best within the year
    weights: np.ndarray  # (n_years, n_indicators)
    normalized: np.ndarray  # (n_years, n_units, n_indicators)
    pillar_scores: np.ndarray  # (n_years, n_units, n_pillars); empty last axis without pillars
    indicators: tuple[str, ...]
    pillars: tuple[str, ...]
    regions: tuple[str, ...]
    years: tuple[int, ...] | None
    spec: CompositeSpec
    log: tuple[str, ...]
    #: the imputed cells: region, year, indicator, method, value (empty without imputation)
    imputed: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(IMPUTED_COLUMNS)))
    #: the indicators the outlier treatment changed, per pool (empty without treatment)
    treated: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: benefit of the doubt only: each unit's own weights (n_years, n_units, n_indicators)
    unit_weights: np.ndarray | None = None

    def to_frame(self) -> pd.DataFrame:
        """One row per region-year: score, rank and pillar scores."""
        T, n = self.scores.shape
        years: list[Any] = list(self.years) if self.years is not None else [None] * T
        out = pd.DataFrame(
            {
                "region": np.tile(self.regions, T),
                "year": np.repeat(years, n),
                "score": self.scores.ravel(),
                "rank": self.ranks.ravel(),
            }
        )
        for p, name in enumerate(self.pillars):
            out[f"pillar:{name}"] = self.pillar_scores[:, :, p].ravel()
        return out

    def weights_frame(self) -> pd.DataFrame:
        idx = list(self.years) if self.years is not None else None
        return pd.DataFrame(self.weights, columns=list(self.indicators), index=idx)

    def to_dict(self) -> dict[str, Any]:
        return {
            "spec": self.spec.to_dict(),
            "indicators": list(self.indicators),
            "pillars": list(self.pillars),
            "regions": list(self.regions),
            "years": list(self.years) if self.years is not None else None,
            "scores": self.scores.tolist(),
            "ranks": self.ranks.tolist(),
            "weights": self.weights.tolist(),
            "pillar_scores": self.pillar_scores.tolist(),
            "imputed": _records(self.imputed),
            "treated": _records(self.treated),
            "unit_weights": None if self.unit_weights is None else self.unit_weights.tolist(),
            "log": list(self.log),
        }


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows (NaN as None, NumPy scalars as Python numbers)."""
    out = []
    for rec in frame.to_dict(orient="records"):
        row = {}
        for key, v in rec.items():
            if isinstance(v, np.generic):
                v = v.item()
            if isinstance(v, float) and not np.isfinite(v):
                v = None
            row[str(key)] = v
        out.append(row)
    return out


def complete_data(
    data: Panel | ArrayLike,
    spec: CompositeSpec,
    *,
    regions: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
    groups: Sequence[Any] | None = None,
) -> tuple[CompositeData, pd.DataFrame, list[str]]:
    """The indicator cube with the spec's imputation applied (the first step), the imputed cells and log.

    Group methods work on each year's cross-section (units x indicators) with the groups of
    ``groups`` (one label per unit), else of the Panel attribute ``spec.imputation_group``,
    else all units as one group; ``em`` on each year's cross-section; ``time_series`` on
    each region and indicator over the years.  The functions are those of
    :mod:`regcoord.measure.imputation`, which raise when a cell cannot be filled.
    """
    empty = pd.DataFrame(columns=list(IMPUTED_COLUMNS))
    if spec.imputation == "none":
        return prepare_data(data, spec, regions=regions, years=years), empty, []
    from regcoord.measure.imputation import impute, impute_time_series

    cube = prepare_data(data, spec, regions=regions, years=years, allow_missing=True)
    x = cube.x
    T, n, k = x.shape
    if not np.isnan(x).any():
        return cube, empty, [f"impute {spec.imputation}: no missing cell"]
    ys: tuple[int, ...] = cube.years if cube.years is not None else tuple(range(T))
    names = list(spec.names)
    rows: list[dict[str, Any]] = []
    filled = x.copy()
    if spec.imputation == "time_series":
        t_i, u_i, j_i = (a.ravel() for a in np.meshgrid(range(T), range(n), range(k), indexing="ij"))
        long = pd.DataFrame(
            {
                "region": np.array(cube.regions, dtype=object)[u_i],
                "year": np.array(ys)[t_i],
                "indicator": np.array(names, dtype=object)[j_i],
                "value": x.ravel(),
            }
        )
        r = impute_time_series(long, how=spec.imputation_how)
        full = r.values.set_index(["year", "region", "indicator"])["value"]
        idx = pd.MultiIndex.from_product([list(ys), list(cube.regions), names])
        filled = full.reindex(idx).to_numpy(dtype=float).reshape(T, n, k)
        for (reg, yr), ind, val in zip(
            r.imputed["unit"], r.imputed["indicator"], r.imputed["value"], strict=True
        ):
            rows.append(
                {
                    "region": reg,
                    "year": int(yr) if cube.years is not None else None,
                    "indicator": ind,
                    "method": r.method,
                    "value": float(val),
                }
            )
    else:
        g: list[Any] | None = None
        if groups is not None:
            g = list(groups)
            if len(g) != n:
                raise DataError(
                    f"{len(g)} group labels for {n} units", column="groups", expected="one per unit"
                )
        elif spec.imputation_group is not None:
            if not isinstance(data, Panel):
                raise DataError(
                    f"imputation_group {spec.imputation_group!r} needs a Panel with that region attribute",
                    column="imputation_group",
                    expected="a Panel, or the groups passed as groups=",
                )
            g = data.group_labels(spec.imputation_group, cube.regions)
        for t in range(T):
            if not np.isnan(x[t]).any():
                continue
            frame = pd.DataFrame(x[t], index=list(cube.regions), columns=names)
            try:
                r = impute(frame, method=spec.imputation, groups=g)
            except DataError as exc:
                where = f" in {ys[t]}" if cube.years is not None else ""
                raise DataError(
                    f"imputation {spec.imputation}: {exc.problem}{where}",
                    column=exc.column,
                    expected=exc.expected,
                ) from None
            filled[t] = r.values.to_numpy(dtype=float)
            for unit, ind, val in zip(
                r.imputed["unit"], r.imputed["indicator"], r.imputed["value"], strict=True
            ):
                rows.append(
                    {
                        "region": unit,
                        "year": ys[t] if cube.years is not None else None,
                        "indicator": ind,
                        "method": r.method
                        + (f" by {spec.imputation_group}" if spec.imputation_group else ""),
                        "value": float(val),
                    }
                )
    imputed = pd.DataFrame(rows, columns=list(IMPUTED_COLUMNS))
    log = [f"impute {spec.imputation}: {len(imputed)} cell(s) filled"] + [
        f"impute {row.indicator} of {row.region}{'' if row.year is None or pd.isna(row.year) else f' in {row.year}'}: "
        f"{row.value:.6g} ({row.method})"
        for row in imputed.itertuples()
    ]
    return CompositeData(filled, cube.indicators, cube.regions, cube.years), imputed, log


def composite_index(
    data: Panel | ArrayLike,
    spec: CompositeSpec,
    *,
    regions: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
    groups: Sequence[Any] | None = None,
) -> CompositeResult:
    """Build the composite index of ``spec`` on ``data`` (see the module docstring for every rule).

    Imputation (``spec.imputation``, :func:`complete_data`) comes first; ``groups`` (one
    label per unit) are the groups of a group-mean/median imputation of array data.  With
    ``weighting="benefit_of_doubt"`` each unit's score is its benefit-of-the-doubt score
    on the normalized values (one HiGHS linear programme per unit over the pool) and
    its own weights are in ``unit_weights``; ``weights`` then holds, per indicator, the
    mean over units of each unit's weights rescaled to sum 1 (a summary only: weights
    vary by unit).  A unit at the minimum of every min-max [0, 1] indicator scores 0; use
    ``minmax_range: [1, 100]`` or ``distance_to_target`` for scores in (0, 1].

    Pillar scores aggregate each pillar's indicators with the same method and the
    indicator weights rescaled to sum 1 within the pillar (they are the subsystem scores
    ``U`` of :func:`regcoord.measure.coupling.coupling_coordination`); the overall score
    aggregates all indicators with the full weight vector.
    """
    cube, imputed, ilog = complete_data(data, spec, regions=regions, years=years, groups=groups)
    x = cube.x
    T, n, k = x.shape
    log: list[str] = [
        f"data: {n} units x {T} year(s) x {k} indicators",
        *ilog,
        f"direction: cost indicators turned around: {', '.join(i.name for i in spec.indicators if i.direction == 'cost') or 'none'}",
        f"normalize {spec.normalization} ({spec.pooling})"
        + "".join(f"; {i.name}: {i.normalization}" for i in spec.indicators if i.normalization),
        f"weights {spec.weighting} ({spec.pooling})",
        f"aggregate {spec.aggregation}",
    ]
    pools = [x.reshape(T * n, k)] if spec.pooling == "pooled" else [x[t] for t in range(T)]
    bod = spec.weighting == "benefit_of_doubt"
    zs, ws, treated = [], [], []
    for q, pool in enumerate(pools):
        if spec.treatment != "none":
            pool, lt, rep = _treat(pool, spec)
            log += lt
            pool_name = "pooled" if spec.pooling == "pooled" else (cube.years[q] if cube.years else q)
            treated.append(rep.assign(pool=pool_name))
        z, lg = _normalize_by_indicator(pool, spec)
        w, lw = (np.full(k, np.nan), []) if bod else compute_weights(pool, spec.weighting, spec)
        zs.append(z)
        ws.append(w)
        log += lg + lw
    if spec.pooling == "pooled":
        Z = zs[0].reshape(T, n, k)
        W = np.repeat(ws[0][None], T, axis=0)
    else:
        Z = np.stack(zs)
        W = np.stack(ws)
    UW = None
    bod_scores = bod_pillars = None
    pillars = spec.pillars
    if bod:
        bod_scores, UW, bod_pillars = _benefit_of_doubt(Z, zs, spec, pillars, log)
        shares = UW / np.where(UW.sum(axis=2, keepdims=True) > 0, UW.sum(axis=2, keepdims=True), 1.0)
        W = shares.mean(axis=1)
    if spec.aggregation == "geometric" and (Z <= 0).any():
        t, i, j = np.argwhere(Z <= 0)[0]
        y = f" in {cube.years[t]}" if cube.years is not None else ""
        raise DataError(
            f"geometric aggregation needs positive normalized values; {spec.indicators[j].name} is "
            f"{Z[t, i, j]:g} for {cube.regions[i]}{y} after {spec.normalization}",
            column=spec.indicators[j].name,
            expected="normalization minmax with minmax_range [1, 100], goalposts above zero, or distance_to_target",
        )
    scores = np.empty((T, n))
    P = np.full((T, n, len(pillars)), np.nan)
    member = np.array([[i.pillar == p for i in spec.indicators] for p in pillars], dtype=bool).reshape(
        len(pillars), k
    )
    unassigned = [i.name for i in spec.indicators if i.pillar is None]
    if pillars and unassigned:
        log.append(
            f"pillars: indicator(s) without a pillar enter only the overall score: {', '.join(unassigned)}"
        )
    for t in range(T):
        # TOPSIS ideal/anti-ideal points from the pool the values were normalized over
        pool_z = Z.reshape(-1, k) if spec.pooling == "pooled" else Z[t]
        hi, lo = pool_z.max(axis=0), pool_z.min(axis=0)
        if bod_scores is not None and bod_pillars is not None:
            scores[t] = bod_scores[t]
            P[t] = bod_pillars[t]
            continue
        scores[t] = aggregate(Z[t], W[t], spec.aggregation, ideal=hi, anti=lo)
        for p in range(len(pillars)):
            m = member[p]
            wp = W[t, m]
            if wp.sum() <= 0:
                wp = np.full(m.sum(), 1.0 / m.sum())
                if t == 0:
                    log.append(f"pillar {pillars[p]}: all weights zero; equal weights inside the pillar")
            else:
                wp = wp / wp.sum()
            P[t, :, p] = aggregate(Z[t][:, m], wp, spec.aggregation, ideal=hi[m], anti=lo[m])
    return CompositeResult(
        scores=scores,
        ranks=rank_desc(scores, axis=1),
        weights=W,
        normalized=Z,
        pillar_scores=P,
        indicators=cube.indicators,
        pillars=pillars,
        regions=cube.regions,
        years=cube.years,
        spec=spec,
        log=tuple(log),
        imputed=imputed,
        treated=pd.concat(treated, ignore_index=True) if treated else pd.DataFrame(),
        unit_weights=UW,
    )


def _benefit_of_doubt(
    Z: np.ndarray, zs: list[np.ndarray], spec: CompositeSpec, pillars: tuple[str, ...], log: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Benefit-of-the-doubt scores (T, n), unit weights (T, n, k) and pillar scores (T, n, P) per pool.

    :func:`regcoord.measure.weighting.benefit_of_doubt` on each pool of normalized values
    (all region-years when pooled, each year otherwise); a pillar's score is the
    benefit-of-the-doubt score on that pillar's indicators alone.
    """
    from regcoord.measure.weighting import benefit_of_doubt

    T, n, k = Z.shape

    def solve(z: np.ndarray, names: Sequence[str]) -> Any:
        try:
            return benefit_of_doubt(z, min_share=spec.bod_min_share, names=names)
        except DataError as exc:
            raise DataError(
                f"weighting benefit_of_doubt after normalization {spec.normalization}: {exc.problem}",
                column=exc.column,
                expected=exc.expected,
            ) from None

    scores, weights, P = [], [], []
    for z in zs:
        r = solve(z, spec.names)
        scores.append(r.scores)
        weights.append(r.weights)
        pillar_scores = []
        for p in pillars:
            cols = [j for j, i in enumerate(spec.indicators) if i.pillar == p]
            pillar_scores.append(solve(z[:, cols], [spec.names[j] for j in cols]).scores)
        P.append(np.column_stack(pillar_scores) if pillar_scores else np.empty((len(z), 0)))
    log.append(
        f"weights benefit_of_doubt: one HiGHS linear programme per unit over {len(zs[0])} row(s) per pool"
        + (
            f", each indicator at least {spec.bod_min_share:g} of a unit's score"
            if spec.bod_min_share
            else ""
        )
        + "; weights vary by unit (unit_weights)"
    )
    S = np.concatenate(scores).reshape(T, n) + 0.0  # + 0.0 turns HiGHS's -0.0 into 0.0
    UW = np.maximum(np.concatenate(weights).reshape(T, n, k), 0.0)
    PP = np.concatenate(P).reshape(T, n, len(pillars)) + 0.0
    return S, UW, PP


def _normalize_by_indicator(pool: np.ndarray, spec: CompositeSpec) -> tuple[np.ndarray, list[str]]:
    """Normalize each indicator by its own method (per-indicator overrides), the rest by the spec's."""
    methods = spec.normalizations
    if len(set(methods)) == 1:
        return normalize(pool, methods[0], spec)
    z = np.empty_like(pool, dtype=float)
    log: list[str] = []
    for m in dict.fromkeys(methods):
        cols = [j for j, mj in enumerate(methods) if mj == m]
        zc, lg = normalize(pool[:, cols], m, spec, columns=cols)
        z[:, cols] = zc
        log += lg
    return z, log


def _treat(pool: np.ndarray, spec: CompositeSpec) -> tuple[np.ndarray, list[str], pd.DataFrame]:
    """Outlier treatment of a pool (rows x indicators) by :func:`regcoord.measure.treatment.treat_outliers`."""
    from regcoord.measure.treatment import treat_outliers

    frame = pd.DataFrame(pool, columns=list(spec.names))
    r = treat_outliers(frame, method=spec.treatment, winmax=spec.treatment_winmax)
    log = [
        f"treat {row.indicator}: {row.action}"
        + (f" ({row.winsorised} point(s))" if row.action == "winsorised" else "")
        + f", skew {row.skew_before:.3g} -> {row.skew_after:.3g}, kurtosis {row.kurt_before:.3g} -> {row.kurt_after:.3g}"
        for row in r.report.itertuples()
        if row.action != "none"
    ]
    changed = r.report[r.report["action"] != "none"].reset_index(drop=True)
    return r.values.to_numpy(dtype=float), log, changed


def bundled_specs() -> list[str]:
    """Names of the example specs shipped in ``regcoord/measure/specs``."""
    from importlib import resources

    folder = resources.files("regcoord.measure").joinpath("specs")
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_spec(name_or_path: str | Path) -> CompositeSpec:
    """A spec from a YAML file, or a bundled example spec by name (e.g. ``china_development``)."""
    from importlib import resources

    p = Path(name_or_path)
    if p.exists() or str(name_or_path).endswith((".yaml", ".yml")):
        return CompositeSpec.from_yaml(p)
    if str(name_or_path) not in bundled_specs():
        raise DataError(
            f"no spec file or bundled spec {str(name_or_path)!r}",
            expected=f"a YAML path or one of {', '.join(bundled_specs())}",
        )
    ref = resources.files("regcoord.measure").joinpath("specs", f"{name_or_path}.yaml")
    with resources.as_file(ref) as path:
        return CompositeSpec.from_yaml(path)
