"""Early warning: rule-based levels per region-year, and the signal approach to judge a threshold.

Rules come from a YAML rule set (the bundled default is ``warning_rules.yaml``; its
thresholds are configurable defaults with their rationale, not official values).  Each
region-year gets one of four levels — green 绿, yellow 黄, orange 橙, red 红 — the highest
level any rule gives it, and the list of rules that fired with the rule's source text.

Rule types (all vectorized over years x regions):

- ``threshold``: the value crosses fixed bands, ``direction: below|above``;
- ``ratio_to_average``: value / (national or group) average of the year, weighted by a
  ``weight`` indicator if given, against bands;
- ``trend``: change over ``k`` years (``change: relative`` ``x_t / x_{t-k} - 1`` or
  ``absolute`` ``x_t - x_{t-k}``) against bands;
- ``widening_gap``: a disparity index of the indicator across the regions (of the
  country or of each group: ``cv``, ``gini``, ``theil_t`` from
  :mod:`regcoord.measure.inequality`) rising ``k`` years in a row; flags the regions below
  the (group) average (``scope: below_average``) or all of them (``scope: all``);
- ``grade_falling``: the grade of the value (0.1-wide bands of the coupling coordination
  degree, :data:`regcoord.measure.coupling.GRADES`, or explicit ``cuts``) falls by at
  least the band's number of grades over ``k`` years;
- ``persistence``: applied last — a region at ``min_level`` or above for ``years``
  consecutive years moves up ``raise_by`` levels (at most red).

Signal approach (Kaminsky, Lizondo and Reinhart 1998; Alessi and Detken 2011): with
A = signal and event, B = false alarm, C = missed event, D = quiet and no event, the
adjusted noise-to-signal ratio is ``[B/(B+D)] / [A/(A+C)]`` and the loss
``L = theta C/(A+C) + (1-theta) B/(B+D)`` with usefulness ``min(theta, 1-theta) - L``.
"""

from __future__ import annotations

import importlib
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from regcoord._display import FrameHTML
from regcoord.data import Panel, PanelMatrix
from regcoord.errors import DataError, RuleError

#: (English, Chinese) names of the four levels, index = level.
LEVELS: tuple[tuple[str, str], ...] = (("green", "绿"), ("yellow", "黄"), ("orange", "橙"), ("red", "红"))
_LEVEL_INDEX = {en: i for i, (en, _zh) in enumerate(LEVELS)}
RULE_TYPES = ("threshold", "ratio_to_average", "trend", "widening_gap", "grade_falling", "persistence")
_GAP_INDICES = ("cv", "gini", "theil_t")


@dataclass(frozen=True)
class Rule:
    """One warning rule: its type, the indicator it reads, its parameters and its source text."""

    id: str
    type: str
    source: str
    indicator: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    bands: Mapping[str, float] = field(default_factory=dict)  # level name -> bound
    verified: bool = False
    label_en: str = ""
    label_zh: str = ""

    def band_levels(self) -> list[tuple[int, float]]:
        """(level, bound) pairs sorted from the mildest to the severest level."""
        return sorted((_LEVEL_INDEX[k], float(v)) for k, v in self.bands.items())


@dataclass(frozen=True)
class RuleSet:
    """A named, sourced set of rules (load with :meth:`from_yaml` or :func:`default_rules`)."""

    name: str
    rules: tuple[Rule, ...]
    description: str = ""

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], *, source: str = "<dict>") -> RuleSet:
        if not isinstance(d, Mapping) or not isinstance(d.get("rules"), list):
            raise RuleError(f"{source}: a rule set needs a 'rules' list")
        rules = []
        seen: set[str] = set()
        for k, r in enumerate(d["rules"]):
            if not isinstance(r, Mapping):
                raise RuleError(f"{source}: rule #{k + 1} is not a mapping")
            rid = str(r.get("id", f"#{k + 1}"))
            where = f"{source}: rule {rid!r}"
            if rid in seen:
                raise RuleError(f"{where}: id used twice")
            seen.add(rid)
            rtype = r.get("type")
            if rtype not in RULE_TYPES:
                raise RuleError(f"{where}: type {rtype!r} (expected one of {', '.join(RULE_TYPES)})")
            if not str(r.get("source", "")).strip():
                raise RuleError(
                    f"{where}: no 'source' text (every rule states where its threshold comes from)"
                )
            bands = dict(r.get("bands") or {})
            for lvl, v in bands.items():
                if lvl not in _LEVEL_INDEX or lvl == "green":
                    raise RuleError(f"{where}: band {lvl!r} (expected yellow, orange or red)")
                if not isinstance(v, int | float) or not np.isfinite(v):
                    raise RuleError(f"{where}: band {lvl} = {v!r} is not a number")
            params = dict(r.get("params") or {})
            indicator = r.get("indicator")
            if rtype != "persistence" and not indicator:
                raise RuleError(f"{where}: no 'indicator'")
            if rtype in ("threshold", "ratio_to_average", "trend"):
                if not bands:
                    raise RuleError(f"{where}: no 'bands'")
                if params.get("direction", "below") not in ("below", "above"):
                    raise RuleError(
                        f"{where}: direction {params.get('direction')!r} (expected below or above)"
                    )
                _check_monotone(where, bands, params.get("direction", "below"))
            if rtype in ("trend", "widening_gap", "grade_falling"):
                kk = params.get("k", 1)
                if not isinstance(kk, int) or kk < 1:
                    raise RuleError(f"{where}: k = {kk!r} (expected a whole number >= 1)")
            if rtype == "trend" and params.get("change", "relative") not in ("relative", "absolute"):
                raise RuleError(f"{where}: change {params.get('change')!r} (expected relative or absolute)")
            if rtype == "ratio_to_average" and params.get("average", "national") not in ("national", "group"):
                raise RuleError(f"{where}: average {params.get('average')!r} (expected national or group)")
            if rtype == "widening_gap":
                if params.get("index", "cv") not in _GAP_INDICES:
                    raise RuleError(
                        f"{where}: index {params.get('index')!r} (expected {', '.join(_GAP_INDICES)})"
                    )
                if params.get("scope", "below_average") not in ("below_average", "all"):
                    raise RuleError(f"{where}: scope {params.get('scope')!r} (expected below_average or all)")
                if params.get("level", "yellow") not in _LEVEL_INDEX:
                    raise RuleError(f"{where}: level {params.get('level')!r}")
            if rtype == "grade_falling" and not bands:
                raise RuleError(f"{where}: no 'bands' (grades fallen -> level)")
            if rtype == "persistence":
                if params.get("min_level", "yellow") not in _LEVEL_INDEX:
                    raise RuleError(f"{where}: min_level {params.get('min_level')!r}")
                yrs = params.get("years", 2)
                if not isinstance(yrs, int) or yrs < 2:
                    raise RuleError(f"{where}: years = {yrs!r} (expected a whole number >= 2)")
            rules.append(
                Rule(
                    id=rid,
                    type=str(rtype),
                    source=str(r["source"]).strip(),
                    indicator=None if indicator is None else str(indicator),
                    params=params,
                    bands=bands,
                    verified=bool(r.get("verified", False)),
                    label_en=str(r.get("label_en", "")),
                    label_zh=str(r.get("label_zh", "")),
                )
            )
        return cls(str(d.get("name", source)), tuple(rules), str(d.get("description", "")).strip())

    @classmethod
    def from_yaml(cls, path: str | Path) -> RuleSet:
        import yaml

        p = Path(path)
        try:
            d = yaml.safe_load(p.read_text("utf-8"))
        except OSError as exc:
            raise RuleError(f"{p}: cannot read ({exc.strerror})") from None
        except yaml.YAMLError as exc:
            raise RuleError(f"{p}: not valid YAML: {exc}") from None
        return cls.from_dict(d, source=str(p))


def _check_monotone(where: str, bands: Mapping[str, Any], direction: str) -> None:
    ordered = [float(v) for _lvl, v in sorted((_LEVEL_INDEX[k], v) for k, v in bands.items())]
    ok = (
        all(b < a for a, b in itertools.pairwise(ordered))
        if direction == "below"
        else all(b > a for a, b in itertools.pairwise(ordered))
    )
    if not ok:
        raise RuleError(
            f"{where}: bands {dict(bands)} must get stricter with the level "
            f"({'lower' if direction == 'below' else 'higher'} bound for a severer level)"
        )


def default_rules() -> RuleSet:
    """The bundled default rule set (configurable defaults; see the file's comments and sources)."""
    ref = resources.files("regcoord.measure").joinpath("warning_rules.yaml")
    with resources.as_file(ref) as path:
        return RuleSet.from_yaml(path)


@dataclass(frozen=True, slots=True)
class Firing:
    """A rule that fired for one region-year."""

    region: str
    year: int
    rule: str
    level: int
    value: float
    source: str

    @property
    def level_en(self) -> str:
        return LEVELS[self.level][0]

    @property
    def level_zh(self) -> str:
        return LEVELS[self.level][1]


@dataclass(frozen=True)
class WarningResult(FrameHTML):
    """Level (0 green .. 3 red) per year x region, the firings, and rules skipped for lack of data."""

    levels: np.ndarray  # (T, n) int
    years: tuple[int, ...]
    regions: tuple[str, ...]
    firings: tuple[Firing, ...]
    skipped: tuple[str, ...]
    ruleset: str

    def to_frame(self) -> pd.DataFrame:
        T, n = self.levels.shape
        by: dict[tuple[str, int], list[str]] = {}
        for f in self.firings:
            by.setdefault((f.region, f.year), []).append(f.rule)
        lv = self.levels.ravel()
        regions = np.tile(self.regions, T)
        years = np.repeat(self.years, n)
        return pd.DataFrame(
            {
                "region": regions,
                "year": years,
                "level": lv,
                "level_en": [LEVELS[i][0] for i in lv],
                "level_zh": [LEVELS[i][1] for i in lv],
                "rules": [";".join(by.get((r, int(y)), [])) for r, y in zip(regions, years, strict=True)],
            }
        )

    def firings_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                (f.region, f.year, f.rule, f.level, f.level_en, f.level_zh, f.value, f.source)
                for f in self.firings
            ],
            columns=["region", "year", "rule", "level", "level_en", "level_zh", "value", "source"],
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "ruleset": self.ruleset,
            "years": list(self.years),
            "regions": list(self.regions),
            "levels": self.levels.tolist(),
            "firings": [
                {
                    "region": f.region,
                    "year": f.year,
                    "rule": f.rule,
                    "level": f.level_en,
                    "level_zh": f.level_zh,
                    "value": f.value,
                    "source": f.source,
                }
                for f in self.firings
            ],
            "skipped": list(self.skipped),
        }


def _band_level(v: np.ndarray, rule: Rule, direction: str) -> np.ndarray:
    """Highest level whose band the value crosses (strictly below / above the bound); NaN -> 0."""
    lvl = np.zeros(v.shape, dtype=np.int64)
    for level, bound in rule.band_levels():
        hit = (v < bound) if direction == "below" else (v > bound)
        lvl = np.where(hit & ~np.isnan(v), level, lvl)
    return lvl


def _group_mean(x: np.ndarray, w: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Weighted mean of each region's group, per year: shape (T, n)."""
    ng = int(g.max()) + 1
    onehot = np.eye(ng)[g]  # (n, G)
    num = (x * w) @ onehot
    den = w @ onehot
    return (num / den)[:, g]


def early_warning(
    data: Panel | Mapping[str, ArrayLike | PanelMatrix],
    rules: RuleSet | None = None,
    *,
    years: Sequence[int] | None = None,
    regions: Sequence[str] | None = None,
    groups: Sequence[object] | None = None,
    strict: bool = False,
) -> WarningResult:
    """Evaluate ``rules`` (default: :func:`default_rules`) on every region-year.

    ``data``: a :class:`Panel` or a mapping indicator -> (T, n) array / PanelMatrix (with
    ``years`` and ``regions`` labels for arrays).  The years evaluated are those every
    used indicator has.  A rule whose indicator is absent is skipped and listed in
    ``skipped`` (an error with ``strict=True``).  ``groups`` (one label per region, or a
    rule's ``params.group`` naming a panel attribute) define group averages and gaps.
    """
    rs = rules if rules is not None else default_rules()
    available: set[str]
    available = set(data.indicators) if isinstance(data, Panel) else set(data)
    used: list[str] = []
    skipped: list[str] = []
    active: list[Rule] = []
    for r in rs.rules:
        need = [r.indicator] if r.indicator else []
        if r.type == "ratio_to_average" and r.params.get("weight"):
            need_w = str(r.params["weight"])
            if need_w not in available:
                skipped.append(f"{r.id}: weight indicator {need_w!r} not in the data")
                continue
            need.append(need_w)
        missing = [m for m in need if m not in available]
        if missing:
            msg = f"{r.id}: indicator {missing[0]!r} not in the data"
            if strict:
                raise DataError(msg, column=missing[0], expected=f"one of {', '.join(sorted(available))}")
            skipped.append(msg)
            continue
        active.append(r)
        used += [m for m in need if m not in used]
    mats = _matrices(data, used, years, regions)
    if mats:
        yrs, regs = next(iter(mats.values())).years, next(iter(mats.values())).regions
    elif isinstance(data, Panel):
        yrs, regs = tuple(years or data.years), tuple(regions or data.regions)
    else:
        raise DataError("no rule can be evaluated on these data", expected="indicators the rules name")
    T, n = len(yrs), len(regs)
    level = np.zeros((T, n), dtype=np.int64)
    firings: list[Firing] = []

    def record(rule: Rule, lv: np.ndarray, val: np.ndarray) -> None:
        nonlocal level
        level = np.maximum(level, lv)
        for t, i in np.argwhere(lv > 0):
            firings.append(
                Firing(regs[i], int(yrs[t]), rule.id, int(lv[t, i]), float(val[t, i]), rule.source)
            )

    for r in active:
        if r.type == "persistence":
            continue
        x = mats[r.indicator].values if r.indicator else np.zeros((T, n))
        p = r.params
        if r.type == "threshold":
            record(r, _band_level(x, r, p.get("direction", "below")), x)
        elif r.type == "ratio_to_average":
            w = mats[str(p["weight"])].values if p.get("weight") else np.ones_like(x)
            g = (
                _groups_for(data, r, groups, regs)
                if p.get("average") == "group"
                else np.zeros(n, dtype=np.intp)
            )
            ratio = x / _group_mean(x, w, g)
            record(r, _band_level(ratio, r, p.get("direction", "below")), ratio)
        elif r.type == "trend":
            k = int(p.get("k", 1))
            ch = np.full((T, n), np.nan)
            if k < T:
                ch[k:] = x[k:] / x[:-k] - 1.0 if p.get("change", "relative") == "relative" else x[k:] - x[:-k]
            record(r, _band_level(ch, r, p.get("direction", "below")), ch)
        elif r.type == "widening_gap":
            record(r, *_widening_gap(x, r, data, groups, regs))
        elif r.type == "grade_falling":
            k = int(p.get("k", 1))
            cuts = np.asarray(p.get("cuts", [g / 10 for g in range(1, 10)]), dtype=float)
            grade = np.searchsorted(cuts, x, side="right").astype(float)
            fall = np.full((T, n), np.nan)
            if k < T:
                fall[k:] = grade[:-k] - grade[k:]
            lv = np.zeros((T, n), dtype=np.int64)
            for lvl_i, bound in r.band_levels():
                lv = np.where(fall >= bound, lvl_i, lv)
            record(r, lv, fall)
    for r in active:
        if r.type != "persistence":
            continue
        min_level = _LEVEL_INDEX[r.params.get("min_level", "yellow")]
        yrs_n = int(r.params.get("years", 2))
        up = int(r.params.get("raise_by", 1))
        at = level >= min_level
        run = np.zeros((T, n), dtype=np.int64)
        for t in range(T):  # a loop over years (few), vectorized over regions
            run[t] = np.where(at[t], (run[t - 1] if t else 0) + 1, 0)
        hit = run >= yrs_n
        new = np.where(hit, np.minimum(level + up, len(LEVELS) - 1), level)
        changed = hit & (new > level)
        for t, i in np.argwhere(changed):
            firings.append(Firing(regs[i], int(yrs[t]), r.id, int(new[t, i]), float(run[t, i]), r.source))
        level = new
    pos = {r: i for i, r in enumerate(regs)}
    firings.sort(key=lambda f: (f.year, pos[f.region]))  # stable: rules in evaluation order
    return WarningResult(
        level, tuple(int(y) for y in yrs), tuple(regs), tuple(firings), tuple(skipped), rs.name
    )


def _matrices(
    data: Panel | Mapping[str, ArrayLike | PanelMatrix],
    names: Sequence[str],
    years: Sequence[int] | None,
    regions: Sequence[str] | None,
) -> dict[str, PanelMatrix]:
    if not names:
        return {}
    if isinstance(data, Panel):
        if years is None:
            common = set(data.years_of(names[0]))
            for nm in names[1:]:
                common &= set(data.years_of(nm))
            if not common:
                raise DataError(f"indicators {', '.join(names)} share no year", source=data.source)
            years = sorted(common)
        first = data.matrix(names[0], years=years, regions=regions)
        out = {names[0]: first}
        for nm in names[1:]:
            out[nm] = data.matrix(nm, years=first.years, regions=first.regions)
        return out
    out = {}
    shape = None
    for nm in names:
        v = data[nm]
        if isinstance(v, PanelMatrix):
            m = v
        else:
            arr = np.asarray(v, dtype=float)
            if arr.ndim != 2:
                raise DataError(f"{nm} has shape {arr.shape}", column=nm, expected="(years, regions)")
            T, n = arr.shape
            if years is None or regions is None or len(years) != T or len(regions) != n:
                raise DataError(
                    f"{nm}: labels do not match shape {arr.shape}",
                    column=nm,
                    expected="years and regions labels for array inputs",
                )
            m = PanelMatrix(nm, arr, tuple(int(y) for y in years), tuple(regions), "")
        if shape is None:
            shape = (m.years, m.regions)
        elif (m.years, m.regions) != shape:
            raise DataError(
                f"{nm} has other years or regions than {names[0]}", column=nm, expected="aligned inputs"
            )
        if np.isnan(m.values).any():
            t, i = np.argwhere(np.isnan(m.values))[0]
            raise DataError(f"{nm} missing for {m.regions[i]} in {m.years[t]}", column=nm, expected="a value")
        out[nm] = m
    return out


def _groups_for(data: Any, rule: Rule, groups: Sequence[object] | None, regs: Sequence[str]) -> np.ndarray:
    from regcoord.measure._validation import check_groups

    col = rule.params.get("group")
    if col and isinstance(data, Panel):
        labels: Sequence[object] = data.group_labels(str(col), regs)
    elif groups is not None:
        labels = groups
    else:
        raise DataError(
            f"rule {rule.id!r} needs groups", expected="groups= or params.group naming a region attribute"
        )
    return check_groups(labels, len(regs))[0]


def _widening_gap(
    x: np.ndarray, rule: Rule, data: Any, groups: Sequence[object] | None, regs: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    inequality_module = importlib.import_module("regcoord.measure.inequality")

    p = rule.params
    k = int(p.get("k", 3))
    T, n = x.shape
    g = (
        _groups_for(data, rule, groups, regs)
        if (p.get("group") or groups is not None)
        else np.zeros(n, dtype=np.intp)
    )
    fn = getattr(inequality_module, str(p.get("index", "cv")))
    idx = np.zeros((T, n))
    for gi in np.unique(g):  # one index series per group (a handful), vectorized over years
        members = g == gi
        idx[:, members] = fn(x[:, members]).values[:, None]
    rising = np.zeros((T, n), dtype=bool)
    if k < T:
        up = np.diff(idx, axis=0) > 0  # (T-1, n)
        for t in range(k, T):
            rising[t] = up[t - k : t].all(axis=0)
    if p.get("scope", "below_average") == "below_average":
        rising &= x < _group_mean(x, np.ones_like(x), g)
    lv = np.where(rising, _LEVEL_INDEX[p.get("level", "yellow")], 0)
    return lv, idx


# ---------------------------------------------------------------------------------------
# signal approach


@dataclass(frozen=True)
class SignalEvaluation:
    """Contingency counts of signals against events and the usual scores."""

    A: int  # signal and event
    B: int  # signal, no event (false alarm)
    C: int  # no signal, event (missed)
    D: int  # no signal, no event
    theta: float

    @property
    def noise_to_signal(self) -> float:
        """Adjusted noise-to-signal ratio [B/(B+D)] / [A/(A+C)] (Kaminsky et al. 1998); inf if no hit."""
        hit = self.A / (self.A + self.C) if self.A + self.C else np.nan
        noise = self.B / (self.B + self.D) if self.B + self.D else np.nan
        if hit == 0:
            return float("inf")
        return float(noise / hit)

    @property
    def loss(self) -> float:
        """``theta C/(A+C) + (1 - theta) B/(B+D)`` (Alessi and Detken 2011)."""
        t1 = self.C / (self.A + self.C) if self.A + self.C else 0.0
        t2 = self.B / (self.B + self.D) if self.B + self.D else 0.0
        return float(self.theta * t1 + (1 - self.theta) * t2)

    @property
    def usefulness(self) -> float:
        """``min(theta, 1 - theta) - L``: positive when better than ignoring the indicator."""
        return float(min(self.theta, 1 - self.theta) - self.loss)

    def to_dict(self) -> dict[str, Any]:
        return {
            "A": self.A,
            "B": self.B,
            "C": self.C,
            "D": self.D,
            "theta": self.theta,
            "noise_to_signal": self.noise_to_signal,
            "loss": self.loss,
            "usefulness": self.usefulness,
        }


def evaluate_signals(signals: ArrayLike, events: ArrayLike, *, theta: float = 0.5) -> SignalEvaluation:
    """Count A, B, C, D for boolean ``signals`` against boolean ``events`` of the same shape."""
    s = np.asarray(signals)
    e = np.asarray(events)
    if s.shape != e.shape:
        raise DataError(f"signals {s.shape} and events {e.shape} differ in shape", expected="the same shape")
    if not (0 <= theta <= 1):
        raise DataError(f"theta = {theta}", expected="a preference weight in [0, 1]")
    s, e = s.astype(bool), e.astype(bool)
    return SignalEvaluation(
        int((s & e).sum()), int((s & ~e).sum()), int((~s & e).sum()), int((~s & ~e).sum()), float(theta)
    )


@dataclass(frozen=True)
class ThresholdSearch:
    """Loss and noise-to-signal ratio of each candidate threshold, and the best one by loss."""

    thresholds: np.ndarray
    loss: np.ndarray
    noise_to_signal: np.ndarray
    best: float
    best_evaluation: SignalEvaluation

    def to_dict(self) -> dict[str, Any]:
        return {
            "thresholds": self.thresholds.tolist(),
            "loss": self.loss.tolist(),
            "noise_to_signal": self.noise_to_signal.tolist(),
            "best": self.best,
            "best_evaluation": self.best_evaluation.to_dict(),
        }


def search_threshold(
    indicator: ArrayLike,
    events: ArrayLike,
    *,
    thresholds: ArrayLike | None = None,
    direction: str = "above",
    theta: float = 0.5,
) -> ThresholdSearch:
    """Evaluate candidate thresholds (default: the 5th..95th percentiles in steps of 5) at once.

    A signal is ``indicator > threshold`` (``direction="above"``) or ``< threshold``.  The
    best threshold minimizes the loss.  Thresholds optimized ex post overfit (Sarlin and
    von Schweinitz): prefer ex-ante bands for the published rule set.
    """
    x = np.asarray(indicator, dtype=float).ravel()
    e = np.asarray(events).astype(bool).ravel()
    if x.shape != e.shape:
        raise DataError("indicator and events differ in size", expected="one event flag per observation")
    if not np.isfinite(x).all():
        raise DataError("indicator has missing or infinite values", expected="finite values")
    if direction not in ("above", "below"):
        raise DataError(f"direction {direction!r}", expected="'above' or 'below'")
    th = (
        np.percentile(x, np.arange(5, 100, 5))
        if thresholds is None
        else np.asarray(thresholds, dtype=float).ravel()
    )
    sig = x[None, :] > th[:, None] if direction == "above" else x[None, :] < th[:, None]
    A = (sig & e).sum(axis=1)
    B = (sig & ~e).sum(axis=1)
    C = (~sig & e).sum(axis=1)
    D = (~sig & ~e).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        miss = np.where(A + C > 0, C / np.maximum(A + C, 1), 0.0)
        fa = np.where(B + D > 0, B / np.maximum(B + D, 1), 0.0)
        loss = theta * miss + (1 - theta) * fa
        hit = np.where(A + C > 0, A / np.maximum(A + C, 1), np.nan)
        nsr = np.where(hit > 0, fa / hit, np.inf)
    b = int(np.argmin(loss))
    return ThresholdSearch(
        th,
        loss,
        nsr,
        float(th[b]),
        SignalEvaluation(int(A[b]), int(B[b]), int(C[b]), int(D[b]), float(theta)),
    )
