"""One reform run: baseline and reform for every scheme the data supports, exact to the fen.

For each scheme, region ``i`` and the run date:

* ``baseline_i``, ``reform_i``: the scheme's amount (``+`` receives) under the rule system
  without and with the reform, computed by the scheme's one formula on exact Decimals and
  rounded once to the fen (ROUND_HALF_EVEN); ``delta_i = reform_i - baseline_i``;
* net fiscal position ``R_i + amount_i`` (``R`` the scheme's own-resources column) and,
  with a ``population`` column, per capita;
* totals (the budget: sum of the amounts), and ``total delta == sum_i delta_i`` exactly;
* winners (``delta > 0``), losers (``delta < 0``), unchanged; a Pareto improvement is a
  reform with no loser and at least one winner;
* disparity before and after (:mod:`regcoord.reform._measures`);
* a trace: for each override in force, its baseline and reform value with sources, and
  the amounts it changes when applied alone; an ``interaction`` entry where the combined
  change differs from the sum of the single ones.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from regcoord._display import FrameHTML
from regcoord.errors import DataError
from regcoord.reform._data import ReformData
from regcoord.reform._measures import Disparity, disparity_at, disparity_rows
from regcoord.reform._reform import Formula, Reform, RuleSystem, formula
from regcoord.reform._schemes import Scheme, get_scheme, schemes
from regcoord.rules import ParameterValue, available_rule_sets, round_fen
from regcoord.units import format_yuan

__all__ = ["ReformRun", "SchemeRun", "TraceEntry", "compute_amounts", "run_reform", "scheme_params"]

_PREC = 40
_ZERO = Decimal(0)
_UNVERIFIED = frozenset({"P", "U"})


def _dec(v: Decimal) -> str:
    return format(v, "f")


@dataclass(frozen=True)
class TraceEntry:
    """What one override (or a replaced formula) changed: region -> (baseline, reform) amounts."""

    name: str
    kind: str  # parameter | input | formula | interaction | not_in_force | not_read
    baseline_value: str
    reform_value: str
    start: str
    unit: str = ""
    source: str = ""
    label: str = ""
    changes: tuple[tuple[str, Decimal, Decimal], ...] = ()
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "override": self.name,
            "kind": self.kind,
            "start": self.start,
            "baseline_value": self.baseline_value,
            "reform_value": self.reform_value,
            "unit": self.unit,
            "source": self.source,
            "label": self.label,
            "note": self.note,
            "changes": [
                {"region": r, "baseline": _dec(b), "reform": _dec(a), "delta": _dec(a - b)}
                for r, b, a in self.changes
            ],
        }


@dataclass(frozen=True)
class SchemeRun(FrameHTML):
    """Baseline and reform of one scheme (amounts in yuan, exact Decimal)."""

    scheme: str
    title_en: str
    title_zh: str
    date: dt.date
    reform_name: str
    regions: tuple[str, ...]
    baseline: tuple[Decimal, ...]
    reform: tuple[Decimal, ...]
    resources: tuple[Decimal, ...]
    population: tuple[Decimal, ...] | None
    groups: tuple[str, ...] | None
    disparity_baseline: Disparity
    disparity_reform: Disparity
    trace: tuple[TraceEntry, ...]
    parameters: tuple[ParameterValue, ...]
    unverified: tuple[ParameterValue, ...] = ()
    payer_en: str = ""
    payer_zh: str = ""

    @property
    def delta(self) -> tuple[Decimal, ...]:
        return tuple(a - b for a, b in zip(self.reform, self.baseline, strict=True))

    @property
    def total_baseline(self) -> Decimal:
        return sum(self.baseline, _ZERO)

    @property
    def total_reform(self) -> Decimal:
        return sum(self.reform, _ZERO)

    @property
    def total_delta(self) -> Decimal:
        return self.total_reform - self.total_baseline

    @property
    def winners(self) -> tuple[str, ...]:
        return tuple(r for r, d in zip(self.regions, self.delta, strict=True) if d > 0)

    @property
    def losers(self) -> tuple[str, ...]:
        return tuple(r for r, d in zip(self.regions, self.delta, strict=True) if d < 0)

    @property
    def unchanged(self) -> tuple[str, ...]:
        return tuple(r for r, d in zip(self.regions, self.delta, strict=True) if d == 0)

    @property
    def pareto_improvement(self) -> bool:
        """No region loses and at least one gains (the payer's budget is reported, not weighed)."""
        return not self.losers and bool(self.winners)

    def net_position(self, side: str = "reform") -> tuple[Decimal, ...]:
        amounts = self.reform if side == "reform" else self.baseline
        return tuple(r + a for r, a in zip(self.resources, amounts, strict=True))

    def per_capita(self, side: str = "reform") -> tuple[Decimal, ...] | None:
        if self.population is None:
            return None
        with localcontext() as ctx:
            ctx.prec = _PREC
            return tuple(
                round_fen(v / p) for v, p in zip(self.net_position(side), self.population, strict=True)
            )

    def headline(self, lang: str = "en") -> str:
        """One sentence with the budget change, winners/losers and Theil T, and a warning first
        when an unverified parameter (label P or U) entered the numbers."""
        n_w, n_l = len(self.winners), len(self.losers)
        tb, tr = self.disparity_baseline.theil_t, self.disparity_reform.theil_t
        names = ", ".join(f"{p.rule_set}.{p.name} ({p.label})" for p in self.unverified)
        if lang == "zh":
            text = (
                f"{self.title_zh}：预算 {format_yuan(self.total_baseline, 'zh')} → "
                f"{format_yuan(self.total_reform, 'zh')}（变化 {format_yuan(self.total_delta, 'zh', signed=True)}）；"
                f"受益地区 {n_w} 个，受损地区 {n_l} 个；"
                f"泰尔指数 T {tb:.6f} → {tr:.6f}。"
            )
            return f"注意：结果使用了未经核实的参数 {names}。{text}" if names else text
        text = (
            f"{self.title_en}: budget {format_yuan(self.total_baseline, 'en')} -> "
            f"{format_yuan(self.total_reform, 'en')} (change {format_yuan(self.total_delta, 'en', signed=True)}); "
            f"{n_w} winner(s), {n_l} loser(s); "
            f"Theil T {tb:.6f} -> {tr:.6f}."
        )
        return f"Warning: computed with unverified parameter(s) {names}. {text}" if names else text

    def to_frame(self) -> pd.DataFrame:
        df = pd.DataFrame(
            {
                "region": self.regions,
                "baseline": self.baseline,
                "reform": self.reform,
                "delta": self.delta,
                "net_position_baseline": self.net_position("baseline"),
                "net_position_reform": self.net_position("reform"),
            }
        )
        pcb, pcr = self.per_capita("baseline"), self.per_capita("reform")
        if pcb is not None and pcr is not None and self.population is not None:
            df["population"] = self.population
            df["per_capita_baseline"] = pcb
            df["per_capita_reform"] = pcr
        if self.groups is not None:
            df["plate"] = self.groups
        return df

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``regcoord reform run --json`` (amounts as decimal strings in yuan)."""
        pcb, pcr = self.per_capita("baseline"), self.per_capita("reform")
        nb, nr = self.net_position("baseline"), self.net_position("reform")
        rows = []
        for i, r in enumerate(self.regions):
            row: dict[str, Any] = {
                "region": r,
                "baseline": _dec(self.baseline[i]),
                "reform": _dec(self.reform[i]),
                "delta": _dec(self.reform[i] - self.baseline[i]),
                "net_position_baseline": _dec(nb[i]),
                "net_position_reform": _dec(nr[i]),
            }
            if pcb is not None and pcr is not None and self.population is not None:
                row["population"] = _dec(self.population[i])
                row["per_capita_baseline"] = _dec(pcb[i])
                row["per_capita_reform"] = _dec(pcr[i])
            if self.groups is not None:
                row["plate"] = self.groups[i]
            rows.append(row)
        return {
            "scheme": self.scheme,
            "title": {"en": self.title_en, "zh": self.title_zh},
            "date": self.date.isoformat(),
            "reform_name": self.reform_name,
            "headline": {"en": self.headline("en"), "zh": self.headline("zh")},
            "unit": "yuan",
            "regions": rows,
            "total": {
                "baseline": _dec(self.total_baseline),
                "reform": _dec(self.total_reform),
                "delta": _dec(self.total_delta),
            },
            "winners": list(self.winners),
            "losers": list(self.losers),
            "unchanged": list(self.unchanged),
            "pareto_improvement": self.pareto_improvement,
            "disparity": {
                "measure": "per-capita (own resources + amount), population-weighted"
                if self.population is not None
                else "(own resources + amount), unweighted (no population column)",
                "baseline": self.disparity_baseline.to_dict(),
                "reform": self.disparity_reform.to_dict(),
            },
            "unverified": [p.to_dict() for p in self.unverified],
            "parameters": [p.to_dict() for p in self.parameters],
            "trace": [t.to_dict() for t in self.trace],
        }


@dataclass(frozen=True)
class ReformRun:
    """Every scheme the data supports, run under the baseline and the reform on one date."""

    reform: Reform
    date: dt.date
    runs: Mapping[str, SchemeRun]
    skipped: Mapping[str, str] = field(default_factory=dict)

    def __getitem__(self, scheme: str) -> SchemeRun:
        name = get_scheme(scheme).name
        if name not in self.runs:
            why = self.skipped.get(name, "not requested")
            raise DataError(f"scheme {name!r} was not run: {why}")
        return self.runs[name]

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "reform": self.reform.to_dict(),
            "schemes": {k: v.to_dict() for k, v in self.runs.items()},
            "skipped": dict(self.skipped),
        }


def _missing(scheme: Scheme, data: ReformData) -> list[str]:
    return [c for c in scheme.required_columns if not data.has(c)]


def scheme_params(
    scheme: Scheme, system: RuleSystem, date: dt.date, data: ReformData, *, exact: bool
) -> tuple[dict[str, np.ndarray], list[ParameterValue]]:
    """The formula's parameter arrays (scalars (1, 1), inputs (1, n)) and the rule values used."""
    snap = system.snapshot(scheme.rule_set, date)
    forced = system.in_force(scheme.rule_set, date)
    params: dict[str, np.ndarray] = {}
    used: list[ParameterValue] = []
    for name in scheme.parameters:
        pv = snap.param(name)
        used.append(pv)
        v = pv.value
        params[name] = (
            np.array([[v]], dtype=object) if exact else np.array([[v if isinstance(v, bool) else float(v)]])
        )
    for name in scheme.inputs:
        if name in forced:
            v = forced[name].value
            params[name] = np.array([[v]], dtype=object) if exact else np.array([[float(v)]])
        else:
            params[name] = (data.decimals(name) if exact else data.floats(name))[None, :]
    return params, used


def _check_inputs(scheme: Scheme, system: RuleSystem, data: ReformData) -> None:
    rs = system.rule_set(scheme.rule_set)
    for name in scheme.inputs:
        lo, hi = rs.range(name)
        for i, v in enumerate(data.columns[name]):
            if (lo is not None and v < lo) or (hi is not None and v > hi):
                raise DataError(
                    f"region {data.regions[i]!r}: {name} is {v}",
                    source=data.source,
                    row=i + data.first_row,
                    column=name,
                    expected=f"a value in [{lo if lo is not None else '-inf'}, {hi if hi is not None else 'inf'}]",
                )


def compute_amounts(
    scheme: Scheme, system: RuleSystem, date: dt.date, data: ReformData, fn: Formula | None = None
) -> tuple[tuple[Decimal, ...], list[ParameterValue]]:
    """The scheme's exact amounts (rounded to the fen) under ``system`` on ``date``."""
    params, used = scheme_params(scheme, system, date, data, exact=True)
    cols = {c: data.decimals(c) for c in scheme.columns}
    with localcontext() as ctx:
        ctx.prec = _PREC
        raw = np.asarray((fn or scheme.compute)(cols, params), dtype=object)
    if raw.shape != (1, data.n):
        raise DataError(
            f"the formula of {scheme.name} returned shape {raw.shape}", expected=f"shape (1, {data.n})"
        )
    return tuple(round_fen(Decimal(v)) + _ZERO for v in raw[0]), used  # + 0: no negative zero


def _changes(
    regions: Sequence[str], before: Sequence[Decimal], after: Sequence[Decimal]
) -> tuple[tuple[str, Decimal, Decimal], ...]:
    return tuple((r, b, a) for r, b, a in zip(regions, before, after, strict=True) if a != b)


def _trace(
    scheme: Scheme,
    base: RuleSystem,
    reformed: RuleSystem,
    reform: Reform,
    date: dt.date,
    data: ReformData,
    baseline: tuple[Decimal, ...],
    after: tuple[Decimal, ...],
) -> tuple[TraceEntry, ...]:
    entries: list[TraceEntry] = []
    forced = reformed.in_force(scheme.rule_set, date)
    snap = base.snapshot(scheme.rule_set, date)
    rs = base.rule_set(scheme.rule_set)
    summed = list(baseline)
    for o in reform.overrides:
        if o.rule_set != scheme.rule_set:
            continue
        value = o.value if isinstance(o.value, bool) else _dec(o.value)
        if forced.get(o.parameter) != o:
            entries.append(
                TraceEntry(
                    o.name, "not_in_force", "", str(value), o.start.isoformat(),
                    note=f"not in force on {date.isoformat()} (replaced or outside its period)",
                )
            )  # fmt: skip
            continue
        if o.parameter not in scheme.parameters and o.parameter not in scheme.inputs:
            entries.append(
                TraceEntry(
                    o.name, "not_read", "", str(value), o.start.isoformat(),
                    note=f"the formula of {scheme.name} does not read this parameter",
                )
            )  # fmt: skip
            continue
        if o.parameter in rs:
            pv = snap.param(o.parameter)
            kind, bval, unit, src, label = "parameter", str(pv.value), pv.unit, str(pv.source), pv.label
        else:
            spec = rs.inputs[o.parameter]
            kind, bval, unit, src, label = (
                "input",
                f"column {o.parameter!r}",
                spec.unit,
                str(spec.source),
                spec.label,
            )
        alone, _ = compute_amounts(scheme, base.with_only(o), date, data)
        ch = _changes(data.regions, baseline, alone)
        for i, (b, a) in enumerate(zip(baseline, alone, strict=True)):
            summed[i] += a - b
        entries.append(TraceEntry(o.name, kind, bval, str(value), o.start.isoformat(), unit, src, label, ch))
    fname = reform.formulas.get(scheme.name)
    if fname is not None:
        alone, _ = compute_amounts(scheme, base, date, data, formula(fname))
        for i, (b, a) in enumerate(zip(baseline, alone, strict=True)):
            summed[i] += a - b
        entries.append(
            TraceEntry(
                f"formula:{scheme.name}", "formula", scheme.formula, fname, "",
                source="registered formula", changes=_changes(data.regions, baseline, alone),
            )
        )  # fmt: skip
    inter = tuple((r, s, a) for r, s, a in zip(data.regions, summed, after, strict=True) if s != a)
    if inter:
        entries.append(
            TraceEntry(
                "interaction", "interaction", "", "", "",
                note="the overrides together change these amounts by more or less than one at a time "
                "(baseline column: sum of the single effects)",
                changes=inter,
            )
        )  # fmt: skip
    return tuple(entries)


def _run_scheme(
    scheme: Scheme, base: RuleSystem, reformed: RuleSystem, reform: Reform, date: dt.date, data: ReformData
) -> SchemeRun:
    _check_inputs(scheme, base, data)
    baseline, used_b = compute_amounts(scheme, base, date, data)
    fname = reform.formulas.get(scheme.name)
    after, used_r = compute_amounts(scheme, reformed, date, data, formula(fname) if fname else None)
    res = data.floats(scheme.resources)
    pop = data.floats("population") if data.has_population else None
    amounts = np.array([[float(v) for v in baseline], [float(v) for v in after]])
    rows = disparity_rows(res, amounts, pop, data.groups, regions=data.regions)
    rs = base.rule_set(scheme.rule_set)
    unverified: dict[str, ParameterValue] = {}
    for p in (*used_b, *used_r):
        if p.label in _UNVERIFIED:
            unverified[p.name] = p
    for name in scheme.inputs:
        spec = rs.inputs.get(name)
        if (
            spec is not None
            and spec.label in _UNVERIFIED
            and name not in reformed.in_force(scheme.rule_set, date)
        ):
            unverified[name] = ParameterValue(
                rs.name, name, "data column", spec.unit, spec.title_en, spec.title_zh, spec.source,
                spec.label, spec.verified, date, None, spec.note,
            )  # fmt: skip
    return SchemeRun(
        scheme=scheme.name,
        title_en=scheme.title_en,
        title_zh=scheme.title_zh,
        date=date,
        reform_name=reform.name,
        regions=data.regions,
        baseline=baseline,
        reform=after,
        resources=data.columns[scheme.resources],
        population=data.columns.get("population"),
        groups=data.groups,
        disparity_baseline=disparity_at(rows, 0, pop is not None),
        disparity_reform=disparity_at(rows, 1, pop is not None),
        trace=_trace(scheme, base, reformed, reform, date, data, baseline, after),
        parameters=tuple(used_r),
        unverified=tuple(unverified.values()),
        payer_en=scheme.payer_en,
        payer_zh=scheme.payer_zh,
    )


def run_reform(
    data: ReformData | pd.DataFrame,
    reform: Reform,
    *,
    date: dt.date | str,
    schemes_: Iterable[str] | None = None,
    rules: RuleSystem | None = None,
) -> ReformRun:
    """Run ``reform`` against the baseline for every scheme the data supports (or ``schemes_``).

    ``rules``: the baseline rule system (default: every bundled rule set).  A scheme named
    in ``schemes_`` that the data cannot feed is an error naming the missing columns;
    otherwise unsupported schemes are listed in ``skipped`` with the reason.
    """
    day = dt.date.fromisoformat(date) if isinstance(date, str) else date
    d = data if isinstance(data, ReformData) else ReformData.from_frame(data)
    base = rules or RuleSystem.bundled(available_rule_sets())
    reformed = base.apply(reform)
    for sname in reform.formulas:
        get_scheme(sname)
    chosen = [get_scheme(s) for s in schemes_] if schemes_ is not None else list(schemes())
    runs: dict[str, SchemeRun] = {}
    skipped: dict[str, str] = {}
    for scheme in chosen:
        missing = _missing(scheme, d)
        if missing:
            if schemes_ is not None:
                raise DataError(
                    f"the data has no column(s) {', '.join(missing)} needed by scheme {scheme.name}",
                    source=d.source,
                    column=missing[0],
                    expected=f"columns region, {', '.join(scheme.required_columns)}",
                )
            skipped[scheme.name] = f"missing column(s) {', '.join(missing)}"
            continue
        runs[scheme.name] = _run_scheme(scheme, base, reformed, reform, day, d)
    if not runs:
        raise DataError(
            "the data supports no scheme",
            source=d.source,
            expected="; ".join(f"{s.name}: {', '.join(s.required_columns)}" for s in chosen),
        )
    return ReformRun(reform, day, MappingProxyType(runs), MappingProxyType(skipped))


def set_overrides(
    scheme: Scheme, assignments: Mapping[str, Any], date: dt.date, name: str = "reform"
) -> Reform:
    """``--set NAME=VALUE`` pairs as a reform from ``date`` (NAME short or ``RULE_SET.NAME``)."""
    from regcoord.reform._reform import parse_reform

    flat: dict[str, dict[str, Any]] = {}
    for key, value in assignments.items():
        full = key if "." in key else f"{scheme.rule_set}.{key}"
        flat[full] = {date.isoformat(): value}
    return parse_reform({"name": name, "overrides": flat})
