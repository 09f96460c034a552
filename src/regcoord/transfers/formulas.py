"""Fiscal equalization formulas (China, Australia, Germany, Canada), each with a trace.

All amounts are exact Decimal yuan (or the currency of the inputs) rounded to the cent/fen
with ROUND_HALF_EVEN; where amounts must add up to a pool they are apportioned by largest
remainder so that they do so exactly.  Inputs are arrays aligned with ``regions``.

* China balanced transfer (财预〔2022〕58号)::

      T_i = max(0, E_i - R_i) * c_i

  ``E`` standard expenditure, ``R`` standard revenue, ``c_i`` the transfer coefficient
  (user parameter: the exact coefficient equation is not public).  With ``total=`` instead
  of coefficients, the pool is shared in proportion to ``gap_i * difficulty_i`` (a model).

* Australia (Federal Financial Relations Act 2009 s5, s8, s8A)::

      G_s = pop_s * rel_s * (pool + top_up) / sum_j pop_j * rel_j,  rel_s >= floor

  and :func:`horizontal_equalization` derives relativities from per-capita fiscal capacity
  ``c_s`` (revenue capacity minus assessed need): to the average,
  ``g_s = pool/P + (cbar - c_s)``; to a benchmark (the stronger of NSW and VIC),
  ``g_s = max(0, T - c_s) + lambda`` with ``T = max_b c_b`` and the rest of the pool shared
  equally per capita (a Commonwealth top-up covers any excess).  ``rel_s = g_s / (pool/P)``.

* Partial equalization (Germany FAG §10 from 2020: rate 63%)::

      EQ_i = (sum_j FK_j / sum_j w_j) * w_i,   A_i = rate * (EQ_i - FK_i)

  ``FK`` fiscal capacity, ``w`` (weighted) population; sum_i A_i = 0 (horizontal).  Federal
  supplementary grants (§11): ``B_i = 0.80 * max(0, 0.9975 * EQ_i - (FK_i + A_i))``.

* Canada (FPFAA): ``E_i = max over theta of pop_i * max(0, s(theta) - c_i(theta))``, capacity
  including the share ``theta`` in {0, 0.5} of resource revenue, ``s`` the ten-province
  per-capita average.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from typing import Any

import numpy as np
import pandas as pd

from regcoord._display import FrameHTML
from regcoord.errors import DataError, RuleError
from regcoord.rules import RuleSnapshot, Trace, TraceBuilder, apportion_fen, round_fen, to_decimal

__all__ = [
    "Envelope",
    "TransferResult",
    "australia_gst",
    "canada_equalization",
    "china_balanced_transfer",
    "full_equalization",
    "gdp_growth_envelope",
    "germany_equalization",
    "horizontal_equalization",
    "partial_equalization",
]

_PREC = 40
_ZERO = Decimal(0)
_OZERO: np.ndarray = np.array(_ZERO, dtype=object)
_OONE: np.ndarray = np.array(Decimal(1), dtype=object)


@dataclass(frozen=True)
class TransferResult(FrameHTML):
    """Amounts per region (``+`` receives, ``-`` pays) with the formula's columns and trace."""

    scheme: str
    regions: tuple[str, ...]
    amounts: tuple[Decimal, ...]
    payer: str
    columns: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    trace: Trace = field(default_factory=lambda: TraceBuilder().build())

    @property
    def total(self) -> Decimal:
        return sum(self.amounts, _ZERO)

    def amount(self, region: str) -> Decimal:
        try:
            return self.amounts[self.regions.index(region)]
        except ValueError:
            raise DataError(f"unknown region {region!r}") from None

    def to_dict(self) -> dict[str, Any]:
        return {
            "scheme": self.scheme,
            "payer": self.payer,
            "regions": list(self.regions),
            "amounts": [str(a) for a in self.amounts],
            "total": str(self.total),
            "columns": {
                k: [str(v) if isinstance(v, Decimal) else v for v in col] for k, col in self.columns.items()
            },
            "trace": self.trace.to_dict(),
        }

    def to_frame(self) -> pd.DataFrame:
        df = pd.DataFrame({"region": self.regions, **{k: list(v) for k, v in self.columns.items()}})
        df["amount"] = list(self.amounts)
        return df


def _labels(regions: Sequence[str], n_min: int = 1) -> tuple[str, ...]:
    labels = tuple(str(r) for r in regions)
    if len(labels) < n_min:
        raise DataError(f"need at least {n_min} regions, got {len(labels)}")
    dup = {r for r in labels if labels.count(r) > 1}
    if dup:
        raise DataError(f"duplicate region(s) {sorted(dup)}", column="region")
    return labels


def _dec_array(
    values: Any, regions: tuple[str, ...], name: str, *, minimum: Decimal | None = None, strict: bool = False
) -> np.ndarray:
    """Values as an object array of Decimal (exact), checked against ``minimum``."""
    seq = list(values)
    if len(seq) != len(regions):
        raise DataError(f"{name}: {len(seq)} values for {len(regions)} regions", column=name)
    out = np.empty(len(seq), dtype=object)
    for i, v in enumerate(seq):
        try:
            d = to_decimal(v, name=name)
        except DataError:
            raise DataError(f"{v!r} is not a finite number", row=i + 1, column=name) from None
        if minimum is not None and (d < minimum or (strict and d == minimum)):
            rel = ">" if strict else ">="
            raise DataError(
                f"region {regions[i]!r}: {name} is {d}", row=i + 1, column=name, expected=f"{rel} {minimum}"
            )
        out[i] = d
    return out


_round = np.frompyfunc(round_fen, 1, 1)


def _apportion(exact: np.ndarray, total: Decimal) -> np.ndarray:
    return np.array(apportion_fen(list(exact), round_fen(total)), dtype=object)


def _tup(a: np.ndarray) -> tuple[Any, ...]:
    return tuple(a.tolist())


def china_balanced_transfer(
    regions: Sequence[str],
    standard_expenditure: Sequence[Any],
    standard_revenue: Sequence[Any],
    snapshot: RuleSnapshot,
    *,
    coefficients: Any = None,
    total: Any = None,
    difficulty: Sequence[Any] | None = None,
    adjustment: Sequence[Any] | None = None,
) -> TransferResult:
    """China's balanced transfer ``T_i = max(0, E_i - R_i) * c_i (+ adjustment_i)``.

    Give either ``coefficients`` (a number in [0, 1] or one per region) or ``total`` (the
    amount available: shared in proportion to ``gap_i * difficulty_i``, difficulty
    default 1; a model, because the official coefficient equation is not public).
    ``adjustment``: growth-control adjustment per region (user data, default 0).
    """
    labels = _labels(regions)
    tb = TraceBuilder()
    tb.parameter(snapshot.param("formula"))
    gap_only = bool(tb.parameter(snapshot.param("gap_regions_only")))
    e = _dec_array(standard_expenditure, labels, "standard_expenditure", minimum=_ZERO)
    r = _dec_array(standard_revenue, labels, "standard_revenue", minimum=_ZERO)
    gap = e - r
    if gap_only:
        gap = np.where(gap > 0, gap, _OZERO)
    for lab, g in zip(labels, gap, strict=True):
        tb.value(f"gap [{lab}]", g, "max(0, E - R)", "yuan")
    if (coefficients is None) == (total is None):
        raise DataError("give either coefficients or total", expected="exactly one of the two")
    with localcontext() as ctx:
        ctx.prec = _PREC
        if coefficients is not None:
            if isinstance(coefficients, Sequence) and not isinstance(coefficients, str):
                c = _dec_array(coefficients, labels, "coefficient", minimum=_ZERO)
            else:
                c = np.full(len(labels), to_decimal(coefficients, name="coefficient"), dtype=object)
            if any(ci > 1 or ci < 0 for ci in c):
                raise DataError("transfer coefficients must lie in [0, 1]", column="coefficient")
            tb.user_parameter("coefficients", _tup(c), "1")
            amounts = _round(gap * c).astype(object)
        else:
            t = to_decimal(total, name="total")
            if t < 0:
                raise DataError(f"total {t} is negative", expected=">= 0")
            tb.user_parameter("total", t, "yuan", note="shared in proportion to gap * difficulty (model)")
            d = (
                np.full(len(labels), Decimal(1), dtype=object)
                if difficulty is None
                else _dec_array(difficulty, labels, "difficulty", minimum=_ZERO)
            )
            w = gap * d
            wsum = sum(w, _ZERO)
            if wsum == 0:
                raise DataError(
                    "no region has a positive gap to share the total", column="standard_expenditure"
                )
            c = w * t / wsum / np.where(gap > 0, gap, _OONE)
            amounts = _apportion(w * t / wsum, t)
            tb.value("implied coefficient", _tup(c), "T_i / gap_i")
    if adjustment is not None:
        adj = _dec_array(adjustment, labels, "adjustment")
        tb.user_parameter("growth-control adjustment", _tup(adj), "yuan")
        amounts = amounts + _round(adj).astype(object)
    for lab, a in zip(labels, amounts, strict=True):
        tb.value(f"transfer [{lab}]", a, "gap * coefficient", "yuan")
    return TransferResult(
        scheme=snapshot.rule_set,
        regions=labels,
        amounts=_tup(amounts),
        payer="central government",
        columns={
            "standard_expenditure": _tup(e),
            "standard_revenue": _tup(r),
            "gap": _tup(gap),
            "coefficient": _tup(c),
        },
        trace=tb.build(),
    )


def australia_gst(
    regions: Sequence[str],
    population: Sequence[Any],
    relativities: Sequence[Any],
    pool: Any,
    snapshot: RuleSnapshot,
    *,
    top_up: Any = 0,
    no_worse_off_baseline: Sequence[Any] | None = None,
) -> TransferResult:
    """``G_s = pop_s * max(rel_s, floor) * (pool + top_up) / sum_j pop_j * max(rel_j, floor)``.

    The floor comes from ``australia_gst`` at the snapshot's date (0.70 in 2022-23 and
    2023-24, 0.75 from 2024-25).  Grants add up to ``pool + top_up`` exactly.  With
    ``no_worse_off_baseline`` (what each state would have received under the old
    arrangements; user data) and the guarantee in force on the date (2021-22 to 2026-27),
    the Commonwealth adds ``max(0, baseline_s - G_s)`` outside the pool (column
    ``no_worse_off``, included in the amounts).
    """
    labels = _labels(regions)
    tb = TraceBuilder()
    floor = tb.parameter(snapshot.param("relativity_floor"))
    pop = _dec_array(population, labels, "population", minimum=_ZERO, strict=True)
    rel = _dec_array(relativities, labels, "relativity")
    total = to_decimal(pool, name="pool") + to_decimal(top_up, name="top_up")
    if total < 0:
        raise DataError(f"pool + top-up is negative ({total})")
    tb.input("pool + top-up", total, "currency")
    rel_f = np.where(rel < floor, floor, rel)
    for lab, a, b in zip(labels, rel, rel_f, strict=True):
        if a != b:
            tb.decision(f"floor applied [{lab}]", f"{a} -> {b}")
    with localcontext() as ctx:
        ctx.prec = _PREC
        w = pop * rel_f
        wsum = sum(w, _ZERO)
        tb.value("sum_j pop_j * rel_j", wsum)
        exact = w * total / wsum
    grants = _apportion(exact, total)
    for lab, g in zip(labels, grants, strict=True):
        tb.value(f"grant [{lab}]", g, "pop * rel * pool / sum(pop * rel)", "currency")
    columns: dict[str, tuple[Any, ...]] = {
        "population": _tup(pop),
        "relativity": _tup(rel),
        "relativity_floored": _tup(rel_f),
    }
    payer = "Commonwealth (GST pool)"
    if no_worse_off_baseline is not None:
        base = _round(_dec_array(no_worse_off_baseline, labels, "no_worse_off_baseline", minimum=_ZERO))
        in_force = bool(snapshot.get("no_worse_off_guarantee", False))
        if "no_worse_off_guarantee" in snapshot:
            tb.parameter(snapshot.param("no_worse_off_guarantee"))
        tb.decision("no-worse-off guarantee in force", in_force)
        extra = (
            np.where(base > grants, base - grants, _OZERO)
            if in_force
            else np.full(len(labels), _ZERO, object)
        )
        for lab, e in zip(labels, extra, strict=True):
            if e > 0:
                tb.value(f"no-worse-off payment [{lab}]", e, "max(0, baseline - grant)", "currency")
        columns["gst_grant"] = _tup(grants)
        columns["no_worse_off"] = _tup(extra)
        grants = grants + extra
        payer = "Commonwealth (GST pool; no-worse-off payments outside the pool)"
    return TransferResult(
        scheme=snapshot.rule_set,
        regions=labels,
        amounts=_tup(grants),
        payer=payer,
        columns=columns,
        trace=tb.build(),
    )


def horizontal_equalization(
    regions: Sequence[str],
    population: Sequence[Any],
    capacity_per_capita: Sequence[Any],
    pool: Any,
    *,
    benchmark: Sequence[str] | None = None,
) -> TransferResult:
    """Full horizontal equalization of per-capita fiscal capacity, returning grants and relativities.

    ``benchmark=None``: to the average (``g_s = pool/P + cbar - c_s``; a grant may be
    negative when a region is far above average).  ``benchmark=[...]``: to the stronger of
    these regions (``T = max_b c_b``; ``g_s = max(0, T - c_s) + lambda``, ``lambda`` the
    rest of the pool per capita, and a ``top_up`` column when the pool falls short).
    Column ``relativity = g_s / (pool/P)``; feed it to :func:`australia_gst`.
    """
    labels = _labels(regions, 2)
    tb = TraceBuilder()
    pop = _dec_array(population, labels, "population", minimum=_ZERO, strict=True)
    cap = _dec_array(capacity_per_capita, labels, "capacity_per_capita")
    g = to_decimal(pool, name="pool")
    if g < 0:
        raise DataError(f"pool {g} is negative")
    tb.input("pool", g)
    with localcontext() as ctx:
        ctx.prec = _PREC
        ptot = sum(pop, _ZERO)
        per = tb.value("pool per capita", g / ptot, "pool / P")
        top_up = _ZERO
        if benchmark is None:
            cbar = tb.value("average capacity", sum(pop * cap, _ZERO) / ptot, "sum(pop*c)/P")
            gpc = per + cbar - cap
        else:
            idx = [labels.index(b) for b in benchmark if b in labels]
            if len(idx) != len(benchmark) or not idx:
                missing = [b for b in benchmark if b not in labels]
                raise DataError(
                    f"benchmark region(s) {missing or list(benchmark)} not in the data", column="region"
                )
            t = tb.value("benchmark capacity T", max(cap[i] for i in idx), f"max over {list(benchmark)}")
            need = np.where(cap < t, t - cap, _OZERO)
            need_total = sum(pop * need, _ZERO)
            lam = (g - need_total) / ptot
            if lam < 0:
                top_up = tb.value("top-up", need_total - g, "sum pop*max(0, T-c) - pool")
                lam = _ZERO
            tb.value("lambda", lam, "(pool - needs) / P")
            gpc = need + lam
        exact = pop * gpc
        total = g + top_up
        grants = _apportion(exact, total)
        rel = gpc / per if per != 0 else np.full(len(labels), Decimal(0), dtype=object)
    for lab, a in zip(labels, grants, strict=True):
        tb.value(f"grant [{lab}]", a, "pop * g_s")
    return TransferResult(
        scheme="horizontal equalization" + ("" if benchmark is None else f" to max({', '.join(benchmark)})"),
        regions=labels,
        amounts=_tup(grants),
        payer="pool" + (" + top-up" if top_up > 0 else ""),
        columns={
            "population": _tup(pop),
            "capacity_per_capita": _tup(cap),
            "grant_per_capita": _tup(gpc),
            "relativity": _tup(rel),
            "top_up": tuple(top_up for _ in labels),
        },
        trace=tb.build(),
    )


def full_equalization(
    regions: Sequence[str], population: Sequence[Any], capacity: Sequence[Any]
) -> TransferResult:
    """Horizontal transfers that give every region the average per-capita capacity.

    ``T_i = pop_i * (sum_j K_j / sum_j pop_j) - K_i`` (``K`` total capacity); sums to zero.
    """
    labels = _labels(regions, 2)
    tb = TraceBuilder()
    pop = _dec_array(population, labels, "population", minimum=_ZERO, strict=True)
    k = _dec_array(capacity, labels, "capacity")
    with localcontext() as ctx:
        ctx.prec = _PREC
        mean = tb.value("average capacity per capita", sum(k, _ZERO) / sum(pop, _ZERO), "sum K / sum pop")
        exact = pop * mean - k
    amounts = _apportion(exact, _ZERO)
    return TransferResult(
        scheme="full equalization",
        regions=labels,
        amounts=_tup(amounts),
        payer="horizontal (negative = pays)",
        columns={"population": _tup(pop), "capacity": _tup(k)},
        trace=tb.build(),
    )


def partial_equalization(
    regions: Sequence[str],
    population: Sequence[Any],
    capacity: Sequence[Any],
    *,
    rate: Any,
    population_weights: Sequence[Any] | None = None,
) -> TransferResult:
    """``A_i = rate * (EQ_i - FK_i)`` with ``EQ_i = (sum FK / sum w) * w_i``, ``w = pop * weight``.

    Horizontal: the adjustments sum to zero exactly.  ``rate = 1`` is full equalization.
    ``rate`` is a user parameter here (Germany's 63% comes from its rule set through
    :func:`germany_equalization`).
    """
    tb = TraceBuilder()
    tb.user_parameter("rate", to_decimal(rate, name="rate"))
    return _partial(tb, regions, population, capacity, rate, population_weights)


def _partial(
    tb: TraceBuilder,
    regions: Sequence[str],
    population: Sequence[Any],
    capacity: Sequence[Any],
    rate: Any,
    population_weights: Sequence[Any] | None,
) -> TransferResult:
    labels = _labels(regions, 2)
    pop = _dec_array(population, labels, "population", minimum=_ZERO, strict=True)
    fk = _dec_array(capacity, labels, "capacity")
    r = to_decimal(rate, name="rate")
    if not 0 <= r <= 1:
        raise DataError(f"equalization rate {r} outside [0, 1]")
    wts = (
        np.full(len(labels), Decimal(1), dtype=object)
        if population_weights is None
        else _dec_array(population_weights, labels, "population_weight", minimum=_ZERO, strict=True)
    )
    with localcontext() as ctx:
        ctx.prec = _PREC
        w = pop * wts
        eq = sum(fk, _ZERO) / sum(w, _ZERO) * w
        exact = r * (eq - fk)
    adj = _apportion(exact, _ZERO)
    for lab, e_i, a in zip(labels, eq, adj, strict=True):
        tb.value(f"equalization figure [{lab}]", e_i, "sum FK / sum w * w_i")
        tb.value(f"adjustment [{lab}]", a, f"{r} * (EQ - FK)")
    return TransferResult(
        scheme=f"partial equalization (rate {r})",
        regions=labels,
        amounts=_tup(adj),
        payer="horizontal (negative = pays)",
        columns={
            "population": _tup(pop),
            "capacity": _tup(fk),
            "equalization_figure": _tup(eq),
            "after": _tup(fk + adj),
        },
        trace=tb.build(),
    )


def germany_equalization(
    regions: Sequence[str],
    population: Sequence[Any],
    capacity: Sequence[Any],
    snapshot: RuleSnapshot,
    *,
    city_states: Sequence[str] = (),
) -> tuple[TransferResult, TransferResult]:
    """German equalization from 2020: VAT surcharges/deductions (63% of the gap, horizontal) and
    general federal supplementary grants (80% of the shortfall below 99.75%).

    ``city_states`` get the population weight of the rule set (1.35, label P).  Returns
    ``(vat_adjustments, supplementary_grants)``.
    """
    labels = _labels(regions, 2)
    tb = TraceBuilder()
    rate = tb.parameter(snapshot.param("vat_adjustment_rate"))
    thr = tb.parameter(snapshot.param("supplementary_threshold"))
    srate = tb.parameter(snapshot.param("supplementary_rate"))
    unknown = set(city_states) - set(labels)
    if unknown:
        raise DataError(f"city state(s) {sorted(unknown)} not in the data", column="region")
    weights: list[Any] = [Decimal(1)] * len(labels)
    if city_states:
        cw = tb.parameter(snapshot.param("city_state_population_weight"))
        weights = [cw if lab in city_states else Decimal(1) for lab in labels]
    vat = _partial(tb, labels, population, capacity, rate, weights)
    eq = np.array(vat.columns["equalization_figure"], dtype=object)
    after = np.array(vat.columns["after"], dtype=object)
    tb2 = TraceBuilder()
    tb2.parameter(snapshot.param("supplementary_threshold"))
    tb2.parameter(snapshot.param("supplementary_rate"))
    with localcontext() as ctx:
        ctx.prec = _PREC
        short = thr * eq - after
        short = np.where(short > 0, short, _OZERO)
        grants = _round(srate * short).astype(object)
    for lab, s, gr in zip(labels, short, grants, strict=True):
        if s > 0:
            tb2.value(f"shortfall [{lab}]", s, f"{thr} * EQ - after")
            tb2.value(f"supplementary grant [{lab}]", gr, f"{srate} * shortfall")
    supp = TransferResult(
        scheme=f"{snapshot.rule_set} supplementary grants",
        regions=labels,
        amounts=_tup(grants),
        payer="federal government",
        columns={"equalization_figure": _tup(eq), "after_vat": _tup(after), "shortfall": _tup(short)},
        trace=tb2.build(),
    )
    vat = TransferResult(
        f"{snapshot.rule_set} VAT adjustment", labels, vat.amounts, vat.payer, vat.columns, vat.trace
    )
    return vat, supp


def canada_equalization(
    regions: Sequence[str],
    population: Sequence[Any],
    non_resource_capacity: Sequence[Any],
    resource_capacity: Sequence[Any],
    snapshot: RuleSnapshot,
) -> TransferResult:
    """Canadian-style equalization: each province's entitlement is the better of the options
    ``theta`` (share of resource revenue included: 0 and 0.5 from ``canada_equalization``)::

        E_i(theta) = pop_i * max(0, s(theta) - (N_i + theta * Q_i) / pop_i),
        s(theta) = sum_j (N_j + theta * Q_j) / sum_j pop_j

    ``N`` non-resource and ``Q`` resource fiscal capacity (totals).  The GDP-growth ceiling
    and the fiscal-capacity cap are not applied (their inputs are not in the rule file).
    """
    labels = _labels(regions, 2)
    tb = TraceBuilder()
    n_std = int(tb.parameter(snapshot.param("standard_provinces")))
    if len(labels) != n_std:
        raise RuleError(
            f"the {snapshot.rule_set} standard uses {n_std} provinces; the data has {len(labels)}"
        )
    options = tuple(tb.parameter(snapshot.param("resource_inclusion_options")))
    pop = _dec_array(population, labels, "population", minimum=_ZERO, strict=True)
    nres = _dec_array(non_resource_capacity, labels, "non_resource_capacity")
    res = _dec_array(resource_capacity, labels, "resource_capacity", minimum=_ZERO)
    best = np.full(len(labels), _ZERO, dtype=object)
    chosen = np.full(len(labels), options[0], dtype=object)
    with localcontext() as ctx:
        ctx.prec = _PREC
        ptot = sum(pop, _ZERO)
        for theta in options:
            capy = nres + theta * res
            std = tb.value(f"standard s({theta})", sum(capy, _ZERO) / ptot, "sum capacity / sum pop")
            ent = pop * (std - capy / pop)
            ent = np.where(ent > 0, ent, _OZERO)
            better = ent > best
            chosen = np.where(better, theta, chosen)
            best = np.where(better, ent, best)
    amounts = _round(best).astype(object)
    for lab, a, th in zip(labels, amounts, chosen, strict=True):
        tb.value(f"entitlement [{lab}]", a, f"better option theta = {th}")
    return TransferResult(
        scheme=snapshot.rule_set,
        regions=labels,
        amounts=_tup(amounts),
        payer="federal government",
        columns={"population": _tup(pop), "resource_inclusion": _tup(chosen)},
        trace=tb.build(),
    )


@dataclass(frozen=True)
class Envelope:
    """A program total grown with the moving average of nominal GDP."""

    year: int
    previous_total: Decimal
    moving_average: Decimal
    previous_moving_average: Decimal
    total: Decimal
    trace: Trace

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "previous_total": str(self.previous_total),
            "moving_average": str(self.moving_average),
            "previous_moving_average": str(self.previous_moving_average),
            "total": str(self.total),
            "trace": self.trace.to_dict(),
        }


def gdp_growth_envelope(
    previous_total: Any, gdp: Mapping[int, Any], year: int, snapshot: RuleSnapshot
) -> Envelope:
    """``total_t = total_{t-1} * MA_n(GDP)_t / MA_n(GDP)_{t-1}`` (Canada: n = 3 years).

    ``MA_n(GDP)_t`` is the mean of nominal GDP in the ``n`` years ending in ``year``; which
    GDP years are used (lags) is the caller's choice: pass them keyed by the year they count for.
    """
    tb = TraceBuilder()
    n = int(tb.parameter(snapshot.param("gdp_moving_average_years")))
    prev = to_decimal(previous_total, name="previous_total")
    tb.input("previous total", prev)
    vals: dict[int, Decimal] = {}
    for y in range(year - n, year + 1):
        if y not in gdp:
            raise DataError(
                f"nominal GDP missing for {y}", column="gdp", expected=f"years {year - n}..{year}"
            )
        vals[y] = to_decimal(gdp[y], name=f"GDP {y}")
        if vals[y] <= 0:
            raise DataError(f"nominal GDP of {y} is {vals[y]}", column="gdp", expected="> 0")
        tb.input(f"GDP {y}", vals[y])
    with localcontext() as ctx:
        ctx.prec = _PREC
        ma = tb.value(f"MA{n} {year}", sum((vals[y] for y in range(year - n + 1, year + 1)), _ZERO) / n)
        ma_prev = tb.value(f"MA{n} {year - 1}", sum((vals[y] for y in range(year - n, year)), _ZERO) / n)
        total = tb.value("total", round_fen(prev * ma / ma_prev), "previous total * MA_t / MA_{t-1}")
    return Envelope(year, prev, ma, ma_prev, total, tb.build())
