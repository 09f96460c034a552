"""Water-quality based upstream-downstream compensation (Xin'an River rule and generalisations).

Xin'an River assessment index (MoF/MEP implementation plan 2011, as widely reported;
weights and ``k0`` unconfirmed, label U in the rule file)::

    P = k0 * sum_i k_i * (C_i / C_i0)

``C_i`` the measured annual mean concentration of indicator ``i``, ``C_i0`` its baseline.
The baseline is a dated rule parameter (``baseline_method``): round 1 is widely reported to
fix it at the 2008-2010 mean concentrations (``fixed_period``, ``baseline_period``; label P,
the plan's text was not found); the mean of the years before the assessed year
(``preceding``, window ``baseline_years``) is an option the caller chooses, not a default.  ``P <= 1``: the downstream province pays the
upstream one; ``P > 1``: upstream pays downstream.  The amount paid is the paying side's
own contribution for that round (round 1: 100 million yuan; Xinhua, see the rule file).

Generalisations on the same engine (Chishui River agreement 2018-2020): fund contributions
and allocations by ratio, class tests of sections (thresholds are user parameters: the
GB 3838-2002 limits are not bundled) and settlement by river segment; quantity terms
(Miyun Reservoir: reward for inflow above the mean since 2000, per-unit rate a user
parameter).

Money is Decimal yuan; amounts are rounded once to the fen with ROUND_HALF_EVEN, and parts
that must add up to a fund are apportioned by largest remainder.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

import pandas as pd

from regcoord._display import FrameHTML
from regcoord.compensation._payment import PRECISION, Payment, nonnegative, positive, ratios
from regcoord.errors import DataError, RuleError
from regcoord.rules import (
    ParameterValue,
    RuleSet,
    RuleSnapshot,
    Trace,
    TraceBuilder,
    apportion_fen,
    round_fen,
)

__all__ = [
    "PIndex",
    "QuantityReward",
    "ReductionReward",
    "SegmentSettlement",
    "WaterQualitySettlement",
    "baselines_from_history",
    "meets_thresholds",
    "p_index",
    "quantity_reward",
    "reduction_reward",
    "segment_settlement",
    "xinan_rounds",
    "xinan_settlement",
]


def _concentration(value: Any, indicator: str, year: int | None) -> Decimal:
    when = f"year {year}" if year is not None else "measured value"
    if value is None:
        raise DataError(f"concentration of {indicator!r} missing for {when}", column=indicator)
    try:
        return nonnegative(value, name=f"concentration of {indicator!r}", where=when)
    except DataError as exc:
        raise DataError(exc.problem, column=indicator, expected="a concentration >= 0 (mg/L)") from None


#: the ways to form the baseline C_i0: the mean of a fixed span of years, or of the years before
BASELINE_METHODS = ("fixed_period", "preceding")


def baselines_for_period(
    history: Mapping[str, Mapping[int, Any]], first: int, last: int
) -> dict[str, Decimal]:
    """Baseline ``C_i0`` of each indicator: mean of the years ``first..last`` (inclusive)."""
    if last < first:
        raise DataError(f"baseline period {first}..{last} is empty", expected="first year <= last year")
    return _means(history, range(first, last + 1), f"the baseline period {first}..{last}")


def baselines_from_history(
    history: Mapping[str, Mapping[int, Any]], year: int, *, window: int = 3
) -> dict[str, Decimal]:
    """Baseline ``C_i0`` of each indicator: mean of the ``window`` years before ``year``.

    ``history[indicator][year]`` is the annual mean concentration (mg/L).  A missing or
    negative value raises :class:`DataError` naming the indicator and the year.
    """
    if window < 1:
        raise DataError(f"baseline window must be at least 1 year, got {window}")
    return _means(history, range(year - window, year), f"the {year} baseline")


def _means(history: Mapping[str, Mapping[int, Any]], years: range, what: str) -> dict[str, Decimal]:
    if not history:
        raise DataError("concentration history is empty", expected="history[indicator][year]")
    first, last = years[0], years[-1]
    out: dict[str, Decimal] = {}
    with localcontext() as ctx:
        ctx.prec = PRECISION
        for ind, series in history.items():
            vals = []
            for y in years:
                if y not in series:
                    raise DataError(
                        f"concentration of {ind!r} missing for year {y} (needed for {what})",
                        column=ind,
                        expected=f"annual means for {first}..{last}",
                    )
                vals.append(_concentration(series[y], ind, y))
            mean = sum(vals, Decimal(0)) / len(vals)
            if mean == 0:
                raise DataError(
                    f"baseline of {ind!r} for {what} is zero (mean of {first}..{last})",
                    column=ind,
                    expected="a positive baseline concentration",
                )
            out[ind] = mean
    return out


@dataclass(frozen=True)
class PIndex:
    """The assessment index ``P = k0 * sum_i k_i * C_i / C_i0`` with its terms."""

    p: Decimal
    k0: Decimal
    ratios: Mapping[str, Decimal]
    weights: Mapping[str, Decimal]
    trace: Trace

    def to_dict(self) -> dict[str, Any]:
        return {
            "p": str(self.p),
            "k0": str(self.k0),
            "ratios": {k: str(v) for k, v in self.ratios.items()},
            "weights": {k: str(v) for k, v in self.weights.items()},
            "trace": self.trace.to_dict(),
        }


def _p_index(
    tb: TraceBuilder,
    concentrations: Mapping[str, Any],
    baselines: Mapping[str, Any],
    weights: Mapping[str, Decimal],
    k0: Decimal,
    year: int | None,
) -> tuple[Decimal, dict[str, Decimal]]:
    missing = set(weights) - set(concentrations)
    if missing:
        raise DataError(
            f"no measured concentration for indicator(s) {sorted(missing)}"
            + (f" in {year}" if year is not None else ""),
            expected=f"indicators {sorted(weights)}",
        )
    rat: dict[str, Decimal] = {}
    total = Decimal(0)
    with localcontext() as ctx:
        ctx.prec = PRECISION
        for ind, k in weights.items():
            c = _concentration(concentrations[ind], ind, year)
            if ind not in baselines:
                raise DataError(f"no baseline for indicator {ind!r}", column=ind)
            c0 = _concentration(baselines[ind], ind, None)
            if c0 == 0:
                raise DataError(f"baseline of {ind!r} is zero", column=ind, expected="a positive baseline")
            tb.input(f"C[{ind}]", c, "mg/L")
            tb.input(f"C0[{ind}]", c0, "mg/L")
            r = c / c0
            rat[ind] = tb.value(f"C/C0[{ind}]", r, f"{c} / {c0}")
            total += k * r
        tb.value("sum_i k_i*C_i/C_i0", total)
        p = tb.value("P", k0 * total, f"k0 * sum = {k0} * {total}")
    return p, rat


def _weights(raw: Mapping[str, Any]) -> dict[str, Decimal]:
    w = {str(k): nonnegative(v, name=f"weight k_i of {k!r}") for k, v in raw.items()}
    if not w:
        raise DataError("no indicator weights given", expected="weights {indicator: k_i}")
    return w


def p_index(
    concentrations: Mapping[str, Any],
    baselines: Mapping[str, Any],
    *,
    weights: Mapping[str, Any],
    k0: Any,
) -> PIndex:
    """``P = k0 * sum_i k_i * C_i / C_i0`` (Xin'an River assessment index; see module doc)."""
    tb = TraceBuilder()
    w = _weights(weights)
    k0d = positive(k0, name="k0")
    for ind, k in w.items():
        tb.user_parameter(f"k[{ind}]", k)
    tb.user_parameter("k0", k0d)
    p, rat = _p_index(tb, concentrations, baselines, w, k0d, None)
    return PIndex(p=p, k0=k0d, ratios=rat, weights=w, trace=tb.build())


@dataclass(frozen=True)
class WaterQualitySettlement(FrameHTML):
    """One year of a two-party water-quality settlement (Xin'an type)."""

    year: int
    rule_set: str
    p: Decimal
    meets_standard: bool
    payer: str
    payee: str
    amount: Decimal
    central_funds: Decimal | None
    payments: tuple[Payment, ...]
    trace: Trace
    round_period: str = ""  # validity of the paying side's contribution (the round)

    @property
    def unverified(self) -> tuple[str, ...]:
        """Rule parameters of the trace that are not verified (label P or U)."""
        return tuple(dict.fromkeys(f"{s.name} ({s.label})" for s in self.trace if s.label in {"P", "U"}))

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "rule_set": self.rule_set,
            "round_period": self.round_period,
            "p": str(self.p),
            "meets_standard": self.meets_standard,
            "payer": self.payer,
            "payee": self.payee,
            "amount": str(self.amount),
            "central_funds": None if self.central_funds is None else str(self.central_funds),
            "payments": [p.to_dict() for p in self.payments],
            "trace": self.trace.to_dict(),
        }

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([p.to_dict() for p in self.payments])


def xinan_settlement(
    year: int,
    concentrations: Mapping[str, Any],
    baselines: Mapping[str, Any],
    snapshot: RuleSnapshot,
    *,
    weights: Mapping[str, Any] | None = None,
    k0: Any | None = None,
    baseline_trace: Sequence[ParameterValue | tuple[str, Any]] = (),
) -> WaterQualitySettlement:
    """Settle one year under the Xin'an rule valid in ``snapshot`` (e.g. ``xinan_river``).

    ``baseline_trace``: how ``baselines`` were formed (rule parameters, or ``(name, value)``
    user choices), recorded in the trace.

    ``weights`` and ``k0`` override the rule file; they are required for rounds whose
    values are not in it (round 2 and later).  ``P <= 1``: the downstream province pays
    the upstream one its contribution; otherwise the upstream province pays its own.
    """
    tb = TraceBuilder()
    tb.input("year", year)
    tb.input("rule date", snapshot.date.isoformat())
    if snapshot.date.year != year:
        raise RuleError(f"rule snapshot is for {snapshot.date.isoformat()}, not for year {year}")
    upstream = str(tb.parameter(snapshot.param("upstream")))
    downstream = str(tb.parameter(snapshot.param("downstream")))
    contrib = {party: snapshot.param(f"{party.lower()}_contribution") for party in (upstream, downstream)}
    for pv in contrib.values():
        tb.parameter(pv)
    if weights is not None:
        w = _weights(weights)
        for ind, k in w.items():
            tb.user_parameter(f"k[{ind}]", k)
    else:
        if "weights" not in snapshot:
            raise RuleError(
                f"rule set {snapshot.rule_set!r} has no indicator weights valid on {snapshot.date}; "
                "supply them (weights={indicator: k_i})"
            )
        w = dict(tb.parameter(snapshot.param("weights")))
    if k0 is not None:
        k0d = tb.user_parameter("k0", positive(k0, name="k0"))
    else:
        if "k0" not in snapshot:
            raise RuleError(
                f"rule set {snapshot.rule_set!r} has no k0 valid on {snapshot.date}; supply it (k0=...)"
            )
        k0d = tb.parameter(snapshot.param("k0"))
    for step in baseline_trace:
        if isinstance(step, ParameterValue):
            tb.parameter(step)
        else:
            tb.user_parameter(step[0], step[1])
    p, _ = _p_index(tb, concentrations, baselines, w, k0d, year)
    meets = p <= 1
    tb.decision("meets standard (P <= 1)", meets, f"P = {p}")
    payer, payee = (downstream, upstream) if meets else (upstream, downstream)
    amount = round_fen(contrib[payer].value)
    tb.value("amount", amount, f"{payer}'s contribution", unit="yuan")
    central = snapshot.get("central_funds")
    payments = [
        Payment(
            str(year), payer, payee, amount, "P <= 1: downstream pays" if meets else "P > 1: upstream pays"
        )
    ]
    if central is not None:
        tb.parameter(snapshot.param("central_funds"))
    return WaterQualitySettlement(
        year=year,
        rule_set=snapshot.rule_set,
        p=p,
        meets_standard=meets,
        payer=payer,
        payee=payee,
        amount=amount,
        central_funds=None if central is None else round_fen(central),
        payments=tuple(payments),
        trace=tb.build(),
        round_period=contrib[payer].validity,
    )


def xinan_rounds(
    history: Mapping[str, Mapping[int, Any]],
    years: Sequence[int],
    rules: RuleSet,
    *,
    weights: Mapping[str, Any] | None = None,
    k0: Any | None = None,
    baseline_years: int | None = None,
    baseline: str | None = None,
    baseline_period: tuple[int, int] | None = None,
) -> tuple[WaterQualitySettlement, ...]:
    """Settle several years from a concentration history.

    Each year is settled with the rule snapshot of 1 July of that year.  The baseline is
    the rule's ``baseline_method`` of that date (round 1: ``fixed_period``, the 2008-2010
    means, label P) unless ``baseline`` chooses ``"fixed_period"`` (``baseline_period`` or
    the rule's) or ``"preceding"`` (mean of the ``baseline_years`` years before, the rule's
    3 in round 1, label U).  ``weights``, ``k0``, ``baseline_years`` and ``baseline_period``
    override the rule file and are required where it has no value (round 2 on).
    """
    if baseline is not None and baseline not in BASELINE_METHODS:
        raise DataError(
            f"baseline {baseline!r}", column="baseline", expected=f"one of {', '.join(BASELINE_METHODS)}"
        )
    out = []
    for y in years:
        snap = rules.at(dt.date(y, 7, 1))
        for name, given in (("weights", weights), ("k0", k0)):
            if given is None and name not in snap:
                raise RuleError(
                    f"rule set {rules.name!r} has no {name} valid in {y} "
                    f"(covered: {', '.join(v.validity for v in rules.values(name))}); supply {name} as a user parameter"
                )
        steps: list[ParameterValue | tuple[str, Any]] = []
        if baseline is None:
            if "baseline_method" not in snap:
                raise RuleError(
                    f"rule set {rules.name!r} has no baseline method valid in {y}; choose one "
                    f"(baseline='fixed_period' with baseline_period, or 'preceding' with baseline_years)"
                )
            steps.append(snap.param("baseline_method"))
            method = str(snap["baseline_method"])
        else:
            steps.append(("baseline method", baseline))
            method = baseline
        if method == "fixed_period":
            if baseline_period is not None:
                first, last = baseline_period
                steps.append(("baseline period", f"{first}..{last}"))
            elif "baseline_period" in snap:
                steps.append(snap.param("baseline_period"))
                first, last = (int(v) for v in snap["baseline_period"])
            else:
                raise RuleError(
                    f"rule set {rules.name!r} has no baseline_period valid in {y}; supply baseline_period"
                )
            base = baselines_for_period(history, first, last)
        else:
            if baseline_years is None and "baseline_years" not in snap:
                raise RuleError(
                    f"rule set {rules.name!r} has no baseline_years valid in {y} "
                    f"(covered: {', '.join(v.validity for v in rules.values('baseline_years'))}); "
                    "supply baseline_years as a user parameter"
                )
            if baseline_years is None:
                steps.append(snap.param("baseline_years"))
                window = int(snap["baseline_years"])
            else:
                steps.append(("baseline_years", baseline_years))
                window = baseline_years
            base = baselines_from_history(history, y, window=window)
        conc = {}
        for ind, series in history.items():
            if y not in series:
                raise DataError(f"concentration of {ind!r} missing for year {y}", column=ind)
            conc[ind] = series[y]
        out.append(xinan_settlement(y, conc, base, snap, weights=weights, k0=k0, baseline_trace=steps))
    return tuple(out)


def meets_thresholds(concentrations: Mapping[str, Any], thresholds: Mapping[str, Any]) -> bool:
    """True when every indicator is at or below its class limit (limits are user parameters).

    Only upper limits are tested (as for CODMn, NH3-N, TP, TN of GB 3838-2002); indicators
    whose standard is a lower limit (dissolved oxygen) must be tested by the caller.
    """
    if not thresholds:
        raise DataError("no class thresholds given", expected="thresholds {indicator: upper limit}")
    ok = True
    for ind, lim in thresholds.items():
        if ind not in concentrations:
            raise DataError(f"no measured concentration for indicator {ind!r}", column=ind)
        c = _concentration(concentrations[ind], ind, None)
        ok = ok and c <= nonnegative(lim, name=f"threshold of {ind!r}")
    return ok


@dataclass(frozen=True)
class SegmentSettlement(FrameHTML):
    """Fund contributions, allocations and segment transfers of one year (Chishui type)."""

    period: str
    rule_set: str
    contributions: Mapping[str, Decimal]
    allocations: Mapping[str, Decimal]
    final: Mapping[str, Decimal]
    net: Mapping[str, Decimal]
    sections_met: Mapping[str, bool]
    payments: tuple[Payment, ...]
    trace: Trace

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "rule_set": self.rule_set,
            "contributions": {k: str(v) for k, v in self.contributions.items()},
            "allocations": {k: str(v) for k, v in self.allocations.items()},
            "final": {k: str(v) for k, v in self.final.items()},
            "net": {k: str(v) for k, v in self.net.items()},
            "sections_met": dict(self.sections_met),
            "payments": [p.to_dict() for p in self.payments],
            "trace": self.trace.to_dict(),
        }

    def to_frame(self) -> pd.DataFrame:
        parties = list(self.contributions)
        return pd.DataFrame(
            {
                "party": parties,
                "contribution": [self.contributions[p] for p in parties],
                "allocation": [self.allocations[p] for p in parties],
                "final": [self.final[p] for p in parties],
                "net": [self.net[p] for p in parties],
            }
        )


def _split(total: Decimal, r: Mapping[str, Decimal]) -> dict[str, Decimal]:
    s = sum(r.values(), Decimal(0))
    with localcontext() as ctx:
        ctx.prec = PRECISION
        exact = [total * v / s for v in r.values()]
    return dict(zip(r, apportion_fen(exact, total), strict=True))


def segment_settlement(
    period: str,
    sections_met: Mapping[str, bool],
    snapshot: RuleSnapshot,
    *,
    fund_total: Any | None = None,
) -> SegmentSettlement:
    """Segment-wise settlement: contributions and allocations by ratio, then for each failed
    section the responsible party's allocation is moved to the beneficiaries (by their
    shares).  Rule parameters: ``fund_total``, ``contribution_ratios``,
    ``allocation_ratios``, ``segments`` (``chishui_river``).  ``sections_met`` says for
    each section whether it met its target class (see :func:`meets_thresholds`).
    """
    tb = TraceBuilder()
    tb.input("period", period)
    for s, ok in sections_met.items():
        tb.input(f"section met [{s}]", bool(ok))
    if fund_total is None:
        total = round_fen(tb.parameter(snapshot.param("fund_total")))
    else:
        total = round_fen(tb.user_parameter("fund_total", nonnegative(fund_total, name="fund_total"), "yuan"))
    cr = ratios(tb.parameter(snapshot.param("contribution_ratios")), name="contribution_ratios")
    ar = ratios(tb.parameter(snapshot.param("allocation_ratios")), name="allocation_ratios")
    segments = tb.parameter(snapshot.param("segments"))
    basis = snapshot.get("segment_amount_basis", "responsible_allocation")
    if "segment_amount_basis" in snapshot:
        tb.parameter(snapshot.param("segment_amount_basis"))
    if basis != "responsible_allocation":
        raise RuleError(f"rule set {snapshot.rule_set!r}: unknown segment_amount_basis {basis!r}")
    contributions = _split(total, cr)
    allocations = _split(total, ar)
    for k, v in contributions.items():
        tb.value(f"contribution [{k}]", v, f"{total} * {cr[k]} / {sum(cr.values())}", "yuan")
    for k, v in allocations.items():
        tb.value(f"allocation [{k}]", v, f"{total} * {ar[k]} / {sum(ar.values())}", "yuan")
    final = dict(allocations)
    payments: list[Payment] = []
    known_sections = {str(seg["section"]) for seg in segments}
    unknown = set(sections_met) - known_sections
    if unknown:
        raise DataError(f"unknown section(s) {sorted(unknown)}", expected=f"one of {sorted(known_sections)}")
    for seg in segments:
        sec = str(seg["section"])
        if sec not in sections_met:
            raise DataError(f"no result for section {sec!r}", expected=f"sections {sorted(known_sections)}")
        if sections_met[sec]:
            tb.decision(f"section {sec}", "met", "no transfer")
            continue
        resp = str(seg["responsible"])
        ben = ratios(seg["beneficiaries"], name=f"beneficiaries of {sec}")
        amount = allocations[resp]
        tb.decision(f"section {sec}", "failed", f"{resp}'s allocation {amount} moves to {sorted(ben)}")
        parts = _split(amount, ben)
        final[resp] -= amount
        for b, a in parts.items():
            final[b] = final.get(b, Decimal(0)) + a
            payments.append(Payment(period, resp, b, a, f"section {sec} failed"))
            tb.value(f"transfer {resp}->{b}", a, f"{amount} * {ben[b]} / {sum(ben.values())}", "yuan")
    parties = list(dict.fromkeys([*contributions, *final]))
    net = {p: final.get(p, Decimal(0)) - contributions.get(p, Decimal(0)) for p in parties}
    for p in parties:
        tb.value(f"net [{p}]", net[p], "final allocation - contribution", "yuan")
    return SegmentSettlement(
        period=period,
        rule_set=snapshot.rule_set,
        contributions=contributions,
        allocations=allocations,
        final=final,
        net=net,
        sections_met=dict(sections_met),
        payments=tuple(payments),
        trace=tb.build(),
    )


@dataclass(frozen=True)
class QuantityReward:
    """Reward for inflow above its baseline (Miyun type)."""

    year: int
    inflow: Decimal
    baseline: Decimal
    excess: Decimal
    amount: Decimal
    payer: str
    payee: str
    trace: Trace

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "inflow": str(self.inflow),
            "baseline": str(self.baseline),
            "excess": str(self.excess),
            "amount": str(self.amount),
            "payer": self.payer,
            "payee": self.payee,
            "trace": self.trace.to_dict(),
        }


def quantity_reward(
    year: int,
    inflow_history: Mapping[int, Any],
    snapshot: RuleSnapshot,
    *,
    rate_per_unit: Any,
    unit: str = "10^4 m3",
) -> QuantityReward:
    """``reward = rate * max(0, inflow_year - mean inflow since the baseline year)``.

    The baseline year and the parties come from the rule (``miyun_reservoir``: mean inflow
    since 2000, Beijing pays Hebei); the per-unit ``rate_per_unit`` (yuan per ``unit``) is
    a user parameter because the source does not state it.
    """
    tb = TraceBuilder()
    start = int(tb.parameter(snapshot.param("quantity_baseline_from_year")))
    payer = str(tb.parameter(snapshot.param("payer")))
    payee = str(tb.parameter(snapshot.param("payee")))
    rate = tb.user_parameter(
        "rate_per_unit", nonnegative(rate_per_unit, name="rate_per_unit"), f"yuan/{unit}"
    )
    years = list(range(start, year))
    if not years:
        raise DataError(f"no baseline years between {start} and {year - 1}")
    vals = []
    for y in [*years, year]:
        if y not in inflow_history:
            raise DataError(
                f"inflow missing for year {y}", column="inflow", expected=f"years {start}..{year}"
            )
        vals.append(nonnegative(inflow_history[y], name="inflow", where=f"year {y}"))
    with localcontext() as ctx:
        ctx.prec = PRECISION
        base = sum(vals[:-1], Decimal(0)) / len(years)
    inflow = vals[-1]
    tb.input(f"inflow {year}", inflow, unit)
    tb.value("baseline inflow", base, f"mean of {start}..{year - 1}", unit)
    excess = tb.value("excess inflow", max(Decimal(0), inflow - base), "max(0, inflow - baseline)", unit)
    amount = tb.value("reward", round_fen(rate * excess), "rate * excess (ROUND_HALF_EVEN to fen)", "yuan")
    return QuantityReward(year, inflow, base, excess, amount, payer, payee, tb.build())


@dataclass(frozen=True)
class ReductionReward:
    """Reward for reducing the concentration of rewarded indicators below their baseline."""

    year: int
    reductions: Mapping[str, Decimal]
    amounts: Mapping[str, Decimal]
    amount: Decimal
    payer: str
    payee: str
    trace: Trace

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "reductions": {k: str(v) for k, v in self.reductions.items()},
            "amounts": {k: str(v) for k, v in self.amounts.items()},
            "amount": str(self.amount),
            "payer": self.payer,
            "payee": self.payee,
            "trace": self.trace.to_dict(),
        }


def reduction_reward(
    year: int,
    concentrations: Mapping[str, Any],
    baselines: Mapping[str, Any],
    snapshot: RuleSnapshot,
    *,
    rate_per_unit: Mapping[str, Any],
) -> ReductionReward:
    """``reward = sum_i rate_i * max(0, C_i0 - C_i)`` over the rule's ``reward_indicators``.

    Miyun Reservoir (``miyun_reservoir``): a reward for total-nitrogen reduction; the
    per-unit rates (yuan per mg/L of reduction) are user parameters because the source does
    not state them.
    """
    tb = TraceBuilder()
    indicators = [str(i) for i in tb.parameter(snapshot.param("reward_indicators"))]
    payer = str(tb.parameter(snapshot.param("payer")))
    payee = str(tb.parameter(snapshot.param("payee")))
    reductions: dict[str, Decimal] = {}
    amounts: dict[str, Decimal] = {}
    for ind in indicators:
        if ind not in rate_per_unit:
            raise DataError(
                f"no reward rate for indicator {ind!r}", expected=f"rate_per_unit for {indicators}"
            )
        rate = tb.user_parameter(f"rate[{ind}]", nonnegative(rate_per_unit[ind], name=f"rate of {ind!r}"))
        if ind not in concentrations or ind not in baselines:
            raise DataError(f"concentration or baseline of {ind!r} missing for year {year}", column=ind)
        c = tb.input(f"C[{ind}]", _concentration(concentrations[ind], ind, year), "mg/L")
        c0 = tb.input(f"C0[{ind}]", _concentration(baselines[ind], ind, None), "mg/L")
        red = tb.value(f"reduction[{ind}]", max(Decimal(0), c0 - c), "max(0, C0 - C)", "mg/L")
        reductions[ind] = red
        amounts[ind] = tb.value(f"reward[{ind}]", round_fen(rate * red), "rate * reduction", "yuan")
    total = tb.value("reward", sum(amounts.values(), Decimal(0)), "sum over indicators", "yuan")
    return ReductionReward(year, reductions, amounts, total, payer, payee, tb.build())
