"""Central adjustment of the enterprise employees' basic pension fund (中央调剂制度).

Rule (国发〔2018〕18号, rule set ``pension_central_adjustment``), for province ``i`` in a year:

.. math::

    C_i = w_i \\times \\beta \\times N_i \\times r            \\qquad \\text{(contribution, 上解额)}

    F = \\sum_i C_i, \\qquad a = F / \\sum_j R_j            \\qquad \\text{(fund, per-retiree amount)}

    A_i = a \\times R_i                                      \\qquad \\text{(allocation, 拨付额)}

    \\text{net}_i = A_i - C_i                                \\qquad (>0: \\text{receiver}, <0: \\text{payer})

with ``w_i`` the provincial average wage (yuan/year), ``beta = 0.9`` the share of it taken
as the base, ``N_i`` the employees who should be insured, ``r`` the adjustment rate of the
year (3% 2018, 3.5% 2019, 4% 2020, 4.5% 2021; replaced by national pooling from 2022) and
``R_i`` the approved number of retirees.

Money: each ``C_i`` is exact in Decimal and rounded once to the fen (ROUND_HALF_EVEN); the
fund ``F`` is their sum (whole fen); the allocations are ``F`` apportioned in whole fen by
the largest-remainder method on the exact quotas ``F R_i / sum R`` (so that
``sum A_i = F`` and ``sum net_i = 0`` exactly).

:func:`adjustment_amounts` is the pure kernel ``(frame, rate) -> per-region amounts``
that a reform simulation can register; :data:`RATE_PARAMETER` declares the rate's range.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from regcoord._display import FrameHTML
from regcoord.errors import DataError, RuleError
from regcoord.measure import gini, williamson_cv
from regcoord.public_services._common import (
    apportion_fractions,
    column_values,
    fen,
    plate_names,
    plate_of,
    region_names,
    require_columns,
    yuan,
)
from regcoord.rules import RuleSnapshot, Trace, TraceBuilder, load_rule_set, round_fen

__all__ = [
    "COLUMNS",
    "RATE_PARAMETER",
    "AdjustmentAmounts",
    "CapacityDisparity",
    "PensionAdjustment",
    "RateParameter",
    "adjustment_amounts",
    "adjustment_date",
    "pension_adjustment",
    "reform_formula",
]

#: Input columns: region, provincial average wage (yuan/year), insured employees and retirees (persons).
COLUMNS = ("region", "average_wage", "insured_workers", "retirees")
RULE_SET = "pension_central_adjustment"
PRECISION = 34


@dataclass(frozen=True, slots=True)
class RateParameter:
    """A dated rule parameter a simulation may vary, with its declared range."""

    rule_set: str
    name: str
    low: Decimal
    high: Decimal
    unit: str = "1"

    def check(self, value: Any) -> Decimal:
        """The value as Decimal, or a DataError when it is outside ``[low, high]``."""
        from regcoord.rules import to_decimal

        d = to_decimal(value, name=self.name)
        if not self.low <= d <= self.high:
            raise DataError(
                f"{self.name} {d} is outside its declared range",
                column=self.name,
                expected=f"a value between {self.low} and {self.high}",
            )
        return d

    def default(self, year: int) -> Decimal:
        """The rate of ``year`` from the rule set (RuleError after the 2022 switch to national pooling)."""
        return Decimal(load_rule_set(self.rule_set).at(adjustment_date(year))[self.name])

    def to_dict(self) -> dict[str, Any]:
        return {"rule_set": self.rule_set, "name": self.name, "low": str(self.low), "high": str(self.high)}


def _declared_range() -> RateParameter:
    low, high = load_rule_set(RULE_SET).range("rate")
    if low is None or high is None:  # the rule file declares both bounds
        raise RuleError(f"{RULE_SET}.rate: the rule file must declare range min and max")
    return RateParameter(RULE_SET, "rate", low, high)


#: The adjustment rate as a simulation parameter (range declared on ``rate`` in the rule set).
RATE_PARAMETER = _declared_range()


def adjustment_date(year: int) -> dt.date:
    """The rule date of an adjustment year: 1 July (the system started on 2018-07-01)."""
    return dt.date(year, 7, 1)


@dataclass(frozen=True)
class AdjustmentAmounts(FrameHTML):
    """Per-region amounts of one adjustment year (Decimal yuan to the fen)."""

    regions: tuple[str, ...]
    contribution: tuple[Decimal, ...]
    allocation: tuple[Decimal, ...]
    fund_total: Decimal
    per_retiree: Decimal  # F / sum R, rounded to the fen for display only

    @property
    def net(self) -> tuple[Decimal, ...]:
        return tuple(a - c for a, c in zip(self.allocation, self.contribution, strict=True))

    def rows(self) -> list[dict[str, str]]:
        """``[{"region", "contribution", "allocation", "net"}, ...]`` with amounts as decimal text."""
        return [
            {"region": r, "contribution": str(c), "allocation": str(a), "net": str(a - c)}
            for r, c, a in zip(self.regions, self.contribution, self.allocation, strict=True)
        ]

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "region": self.regions,
                "contribution": self.contribution,
                "allocation": self.allocation,
                "net": self.net,
            }
        )


def _read(frame: pd.DataFrame) -> tuple[tuple[str, ...], list[Decimal], list[Decimal], list[Decimal]]:
    require_columns(frame, COLUMNS, "pension adjustment data")
    names = region_names(frame)
    wages = column_values(frame, "average_wage")
    workers = column_values(frame, "insured_workers")
    retirees = column_values(frame, "retirees")
    if sum(retirees, Decimal(0)) <= 0:
        raise DataError(
            "the national number of retirees is zero", column="retirees", expected="some retirees > 0"
        )
    return names, wages, workers, retirees


def _amounts(
    names: tuple[str, ...],
    wages: list[Decimal],
    workers: list[Decimal],
    retirees: list[Decimal],
    rate: Decimal,
    base_ratio: Decimal,
    tb: TraceBuilder | None = None,
) -> AdjustmentAmounts:
    contrib: list[Decimal] = []
    with localcontext() as ctx:
        ctx.prec = PRECISION
        for n, w, k in zip(names, wages, workers, strict=True):
            c = round_fen(w * base_ratio * k * rate)
            if tb is not None:
                tb.value(f"contribution {n}", c, f"{w} * {base_ratio} * {k} * {rate}", "yuan")
            contrib.append(c)
    fund = sum(contrib, Decimal("0.00"))
    total_r = sum(retirees, Decimal(0))
    fund_fen = fen(fund)
    quotas = [Fraction(fund_fen) * Fraction(r) / Fraction(total_r) for r in retirees]
    alloc = [yuan(u) for u in apportion_fractions(quotas, fund_fen)]
    per = round_fen(Decimal(fund) / total_r) if total_r else Decimal("0.00")
    if tb is not None:
        tb.value("fund total", fund, "sum of the contributions", "yuan")
        tb.value("national retirees", total_r, "sum of the retirees", "persons")
        tb.value(
            "per-retiree amount", per, "fund total / national retirees (shown to the fen)", "yuan/person"
        )
        for n, r, a, c in zip(names, retirees, alloc, contrib, strict=True):
            tb.value(
                f"allocation {n}",
                a,
                f"fund {fund} * {r} / {total_r}, largest remainder to the fen",
                "yuan",
            )
            tb.value(f"net {n}", a - c, "allocation - contribution (>0 receiver, <0 payer)", "yuan")
    return AdjustmentAmounts(names, tuple(contrib), tuple(alloc), fund, per)


def adjustment_amounts(
    frame: pd.DataFrame, rate: Any, *, base_ratio: Any = Decimal("0.9")
) -> AdjustmentAmounts:
    """Pure kernel ``(frame with COLUMNS, rate) -> per-region contribution, allocation, net``.

    ``rate`` is checked against :data:`RATE_PARAMETER`'s declared range; no files are read
    except the range itself (loaded once at import).  See the module docstring for the formula.
    """
    r = RATE_PARAMETER.check(rate)
    from regcoord.rules import to_decimal

    beta = to_decimal(base_ratio, name="base_ratio")
    if not Decimal(0) < beta <= 1:
        raise DataError(f"base_ratio {beta} is out of range", column="base_ratio", expected="0 < value <= 1")
    return _amounts(*_read(frame), r, beta)


@dataclass(frozen=True)
class CapacityDisparity:
    """Disparity of pension fund capacity (fund balance per retiree) before and after the adjustment.

    Indices from :mod:`regcoord.measure` (Gini and Williamson CV weighted by retirees).
    """

    before: tuple[Decimal, ...]
    after: tuple[Decimal, ...]
    gini_before: float
    gini_after: float
    cv_before: float
    cv_after: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "capacity_before": [str(v) for v in self.before],
            "capacity_after": [str(v) for v in self.after],
            "gini_before": self.gini_before,
            "gini_after": self.gini_after,
            "williamson_cv_before": self.cv_before,
            "williamson_cv_after": self.cv_after,
        }


@dataclass(frozen=True)
class PensionAdjustment(FrameHTML):
    """One adjustment year: per-region amounts, fund, plates, capacity disparity and trace."""

    year: int
    rate: Decimal
    amounts: AdjustmentAmounts
    plates: tuple[str, ...]
    capacity: CapacityDisparity | None
    trace: Trace

    @property
    def regions(self) -> tuple[str, ...]:
        return self.amounts.regions

    @property
    def fund_total(self) -> Decimal:
        return self.amounts.fund_total

    def rows(self) -> list[dict[str, str]]:
        return self.amounts.rows()

    def plate_frame(self) -> pd.DataFrame:
        """Contribution, allocation, net and share of the fund per plate (东部/中部/西部/东北)."""
        names = plate_names()
        f = self.amounts.to_frame()
        f["plate"] = self.plates
        g = f.groupby("plate", sort=False)[["contribution", "allocation", "net"]].sum()
        fund = self.fund_total
        rows = []
        for code, row in g.iterrows():
            zh, en = names.get(str(code), (str(code), str(code)))
            rows.append(
                {
                    "plate": str(code),
                    "name_zh": zh,
                    "name_en": en,
                    "contribution": row["contribution"],
                    "allocation": row["allocation"],
                    "net": row["net"],
                    "contribution_share": _share(row["contribution"], fund),
                    "allocation_share": _share(row["allocation"], fund),
                }
            )
        return pd.DataFrame(rows)

    def to_frame(self) -> pd.DataFrame:
        f = self.amounts.to_frame()
        f.insert(1, "plate", self.plates)
        if self.capacity is not None:
            f["capacity_before"] = self.capacity.before
            f["capacity_after"] = self.capacity.after
        return f

    def to_dict(self) -> dict[str, Any]:
        plates = self.plate_frame()
        return {
            "year": self.year,
            "rate": str(self.rate),
            "fund_total": str(self.fund_total),
            "per_retiree": str(self.amounts.per_retiree),
            "regions": self.rows(),
            "plates": [
                {k: (format(v, "f") if isinstance(v, Decimal) else v) for k, v in r.items()}
                for r in plates.to_dict(orient="records")
            ],
            "capacity": None if self.capacity is None else self.capacity.to_dict(),
            "trace": self.trace.to_dict(),
        }


def _share(part: Decimal, whole: Decimal) -> Decimal:
    """``part / whole`` to six decimals (0 for an empty fund)."""
    return (part / whole).quantize(Decimal("0.000001")) if whole else Decimal("0.000000")


def _capacity(
    frame: pd.DataFrame, amounts: AdjustmentAmounts, retirees: list[Decimal], tb: TraceBuilder
) -> CapacityDisparity | None:
    if "fund_balance" not in frame.columns:
        return None
    bal = column_values(frame, "fund_balance")
    if any(r == 0 for r in retirees):
        raise DataError(
            "fund balance per retiree needs retirees > 0 in every region",
            column="retirees",
            expected="a value > 0",
        )
    with localcontext() as ctx:
        ctx.prec = PRECISION
        before = tuple(round_fen(b / r) for b, r in zip(bal, retirees, strict=True))
        after = tuple(round_fen((b + n) / r) for b, n, r in zip(bal, amounts.net, retirees, strict=True))
    w = np.array([float(r) for r in retirees])
    xb = np.array([float(v) for v in before])
    xa = np.array([float(v) for v in after])
    res = CapacityDisparity(
        before,
        after,
        gini(xb, weights=w).scalar,
        gini(xa, weights=w).scalar,
        williamson_cv(xb, weights=w).scalar,
        williamson_cv(xa, weights=w).scalar,
    )
    tb.value("capacity Gini before", res.gini_before, "Gini of fund balance / retiree, weights retirees")
    tb.value("capacity Gini after", res.gini_after, "Gini of (balance + net) / retiree, weights retirees")
    tb.value("capacity Williamson CV before", res.cv_before, "regcoord.measure.williamson_cv")
    tb.value("capacity Williamson CV after", res.cv_after, "regcoord.measure.williamson_cv")
    return res


def pension_adjustment(
    frame: pd.DataFrame,
    snapshot: RuleSnapshot,
    *,
    year: int,
    rate: Any | None = None,
) -> PensionAdjustment:
    """The central adjustment of one year (module docstring), with plates, disparity and trace.

    ``frame``: :data:`COLUMNS`, optionally ``fund_balance`` (yuan, accumulated balance
    before the adjustment) for the capacity disparity.  ``snapshot``: rule set
    ``pension_central_adjustment`` at :func:`adjustment_date` (``year``).  ``rate``
    overrides the rule's rate (a user parameter, checked against the declared range); it
    is required for years the rule does not cover (national pooling from 2022).
    """
    tb = TraceBuilder()
    beta = Decimal(tb.parameter(snapshot.param("wage_base_ratio")))
    if rate is None:
        if "rate" not in snapshot:
            start = snapshot.get("national_pooling_start", "2022-01-01")
            raise RuleError(
                f"no central adjustment rate for {year}: the central adjustment ran 2018-07-01..2021-12-31 and "
                f"national pooling replaced it from {start}; give --rate to simulate"
            )
        r = RATE_PARAMETER.check(tb.parameter(snapshot.param("rate")))
    else:
        r = RATE_PARAMETER.check(
            tb.user_parameter(
                "rate", rate, "1", note=f"declared range {RATE_PARAMETER.low}..{RATE_PARAMETER.high}"
            )
        )
    tb.input("year", year)
    names, wages, workers, retirees = _read(frame)
    for n, w, k, q in zip(names, wages, workers, retirees, strict=True):
        tb.input(f"average wage {n}", w, "yuan/year")
        tb.input(f"insured workers {n}", k, "persons")
        tb.input(f"retirees {n}", q, "persons")
    amounts = _amounts(names, wages, workers, retirees, r, beta, tb)
    plates = plate_of(names)
    cap = _capacity(frame, amounts, retirees, tb)
    return PensionAdjustment(year, r, amounts, plates, cap, tb.build())


def reform_formula(data: Mapping[str, np.ndarray], params: Mapping[str, np.ndarray]) -> np.ndarray:
    """Net position per region for a reform simulation: ``f(data, params) -> (K, n)``.

    ``data``: ``average_wage``, ``insured_workers``, ``retirees`` as arrays ``(n,)``;
    ``params``: ``rate`` and ``wage_base_ratio`` (rule parameters of
    ``pension_central_adjustment``) broadcastable to ``(K, n)``.  Unrounded

    .. math:: \\text{net}_i = \\frac{R_i}{\\sum_j R_j} \\sum_j w_j \\beta N_j r - w_i \\beta N_i r

    so it runs on Decimal object arrays (exact) and float64 arrays alike, and is linear
    in ``r``.  The fen-exact amounts are :func:`adjustment_amounts`.
    """
    w = np.asarray(data["average_wage"])
    n = np.asarray(data["insured_workers"])
    r_ = np.asarray(data["retirees"])
    rate = np.asarray(params["rate"])
    beta = np.asarray(params["wage_base_ratio"])
    contrib = np.atleast_2d(w * beta * n * rate)
    share = r_ / r_.sum()
    return np.asarray(contrib.sum(axis=-1, keepdims=True) * share - contrib)
