"""Ecosystem-service value by the equivalent-factor method (Xie Gaodi et al. 2015).

Xie, Zhang, Zhang, Chen, Li (2015), Journal of Natural Resources 30(8):1243-1254::

    D    = grain yield (kg/ha) * grain price (yuan/kg) / 7      (value of one standard equivalent)
    VC_k = (sum of the equivalent coefficients of type k) * D * a   (yuan/ha; a: regional adjustment)
    ESV  = sum_k A_k * VC_k                                       (A_k: area of type k, ha)

Worked example: 4600.89 * 2.28 / 7 = 1498.58 yuan/ha.  ``D`` is rounded to the fen
(ROUND_HALF_EVEN) and that rounded value is used downstream, as published examples do.

Compensation bounds from ESV (literature, not policy): upper = the spill-over ESV;
lower = protection cost + opportunity cost, opportunity cost = per-capita income gap to a
reference region x affected population.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

import pandas as pd

from regcoord._display import FrameHTML
from regcoord.compensation._payment import PRECISION, nonnegative, positive
from regcoord.errors import DataError, RuleError
from regcoord.rules import RuleSnapshot, Trace, TraceBuilder, round_fen, to_decimal

__all__ = [
    "CompensationBounds",
    "ESVResult",
    "StandardEquivalent",
    "compensation_bounds",
    "ecosystem_service_value",
    "standard_equivalent",
]


@dataclass(frozen=True)
class StandardEquivalent:
    """Value ``D`` of one standard equivalent (yuan/ha, rounded to the fen)."""

    value: Decimal
    trace: Trace

    def to_dict(self) -> dict[str, Any]:
        return {"value": str(self.value), "trace": self.trace.to_dict()}


def standard_equivalent(
    grain_yield: Any, grain_price: Any, snapshot: RuleSnapshot, *, adjustment: Any = 1
) -> StandardEquivalent:
    """``D = grain_yield (kg/ha) * grain_price (yuan/kg) / divisor * adjustment``.

    ``divisor`` (7) comes from the rule set ``esv_xie2015``; ``adjustment`` is a regional
    adjustment factor (user parameter, default 1).
    """
    tb = TraceBuilder()
    y = tb.input("grain yield", positive(grain_yield, name="grain yield"), "kg/ha")
    p = tb.input("grain price", positive(grain_price, name="grain price"), "yuan/kg")
    div = tb.parameter(snapshot.param("standard_equivalent_divisor"))
    adj = positive(adjustment, name="regional adjustment factor")
    if adj != 1:
        tb.user_parameter("regional adjustment factor", adj)
    with localcontext() as ctx:
        ctx.prec = PRECISION
        exact = tb.value("D (exact)", y * p / div * adj, f"{y} * {p} / {div} * {adj}", "yuan/ha")
    d = tb.value("D", round_fen(exact), "rounded to the fen (ROUND_HALF_EVEN)", "yuan/ha")
    return StandardEquivalent(d, tb.build())


@dataclass(frozen=True)
class ESVResult(FrameHTML):
    """ESV by ecosystem type and service, with the unit values ``VC_k``."""

    types: tuple[str, ...]
    services: tuple[str, ...]
    areas: tuple[Decimal, ...]
    unit_values: tuple[Decimal, ...]  # VC_k, yuan/ha
    by_type: tuple[Decimal, ...]  # A_k * VC_k, yuan (fen)
    by_service: tuple[Decimal, ...]  # sum_k A_k * coef_k,s * D, yuan (fen)
    total: Decimal
    standard_equivalent: Decimal
    trace: Trace

    def to_dict(self) -> dict[str, Any]:
        return {
            "types": list(self.types),
            "services": list(self.services),
            "areas": [str(a) for a in self.areas],
            "unit_values": [str(v) for v in self.unit_values],
            "by_type": [str(v) for v in self.by_type],
            "by_service": [str(v) for v in self.by_service],
            "total": str(self.total),
            "standard_equivalent": str(self.standard_equivalent),
            "trace": self.trace.to_dict(),
        }

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "type": self.types,
                "area_ha": self.areas,
                "unit_value_yuan_per_ha": self.unit_values,
                "esv_yuan": self.by_type,
            }
        )


def ecosystem_service_value(
    areas: Mapping[str, Any],
    standard_equivalent_value: Any,
    snapshot: RuleSnapshot,
    *,
    coefficients: Mapping[str, Sequence[Any]] | None = None,
) -> ESVResult:
    """``ESV = sum_k A_k * VC_k`` with ``VC_k = sum_s coef_{k,s} * D`` (Xie et al. 2015).

    ``areas`` maps ecosystem type to hectares.  Coefficients of a type come from the rule
    set (``coefficients.<type>``: mixed_forest, shrub, desert, dryland) unless given in
    ``coefficients`` (user parameters, e.g. water or grassland from Table 2 of the paper).
    A type found in neither raises :class:`RuleError` naming the known types.
    """
    tb = TraceBuilder()
    services = tuple(str(s) for s in tb.parameter(snapshot.param("services")))
    d = positive(standard_equivalent_value, name="standard equivalent value D")
    tb.input("D", d, "yuan/ha")
    rule_coefs = snapshot.group("coefficients")
    user = dict(coefficients or {})
    if not areas:
        raise DataError("no ecosystem areas given", expected="areas {type: hectares}")
    types = tuple(str(k) for k in areas)
    a_vals, vcs, by_type = [], [], []
    by_service = [Decimal(0)] * len(services)
    with localcontext() as ctx:
        ctx.prec = PRECISION
        for k in types:
            a = nonnegative(areas[k], name="area", where=f"ecosystem type {k!r}")
            tb.input(f"A[{k}]", a, "ha")
            if k in user:
                coef = tuple(nonnegative(c, name=f"coefficient of {k!r}") for c in user[k])
                tb.user_parameter(f"coefficients.{k}", coef, "equivalents/ha", note="user supplied")
            elif k in rule_coefs:
                coef = tuple(tb.parameter(rule_coefs[k]))
            else:
                raise RuleError(
                    f"no equivalent coefficients for ecosystem type {k!r} in rule set {snapshot.rule_set!r} "
                    f"(bundled: {', '.join(sorted(rule_coefs))}); supply them as coefficients={{{k!r}: [...]}}"
                )
            if len(coef) != len(services):
                raise DataError(
                    f"ecosystem type {k!r} has {len(coef)} coefficients",
                    expected=f"{len(services)} (one per service)",
                )
            csum = sum(coef, Decimal(0))
            vc = tb.value(f"VC[{k}]", csum * d, f"{csum} * {d}", "yuan/ha")
            val = tb.value(f"ESV[{k}]", round_fen(a * vc), f"A * VC = {a} * {vc}", "yuan")
            for s, c in enumerate(coef):
                by_service[s] += a * c * d
            a_vals.append(a)
            vcs.append(vc)
            by_type.append(val)
        total = tb.value("ESV", sum(by_type, Decimal(0)), "sum_k A_k * VC_k", "yuan")
    return ESVResult(
        types=types,
        services=services,
        areas=tuple(a_vals),
        unit_values=tuple(vcs),
        by_type=tuple(by_type),
        by_service=tuple(round_fen(v) for v in by_service),
        total=total,
        standard_equivalent=d,
        trace=tb.build(),
    )


@dataclass(frozen=True)
class CompensationBounds:
    """Lower (cost based) and upper (spill-over ESV) bounds of ecological compensation."""

    lower: Decimal
    upper: Decimal
    protection_cost: Decimal
    opportunity_cost: Decimal
    consistent: bool  # lower <= upper
    trace: Trace

    def to_dict(self) -> dict[str, Any]:
        return {
            "lower": str(self.lower),
            "upper": str(self.upper),
            "protection_cost": str(self.protection_cost),
            "opportunity_cost": str(self.opportunity_cost),
            "consistent": self.consistent,
            "trace": self.trace.to_dict(),
        }


def compensation_bounds(
    *,
    spillover_esv: Any,
    protection_cost: Any,
    reference_income_per_capita: Any,
    local_income_per_capita: Any,
    population: Any,
) -> CompensationBounds:
    """Upper bound = spill-over ESV; lower = protection cost + max(0, income gap) * population.

    A literature convention (not policy): the gap is the reference region's per-capita
    income minus the protected region's.  ``consistent`` is False when the lower bound
    exceeds the upper one (then no amount satisfies both; the caller decides).
    """
    tb = TraceBuilder()
    up = tb.input("spill-over ESV", nonnegative(spillover_esv, name="spillover_esv"), "yuan")
    pc = tb.input("protection cost", nonnegative(protection_cost, name="protection_cost"), "yuan")
    ref = tb.input("reference income per capita", to_decimal(reference_income_per_capita), "yuan")
    loc = tb.input("local income per capita", to_decimal(local_income_per_capita), "yuan")
    pop = tb.input("affected population", nonnegative(population, name="population"), "persons")
    gap = tb.value("income gap", max(Decimal(0), ref - loc), "max(0, reference - local)", "yuan")
    opp = tb.value("opportunity cost", round_fen(gap * pop), "gap * population", "yuan")
    lower = tb.value("lower bound", round_fen(pc + opp), "protection cost + opportunity cost", "yuan")
    upper = tb.value("upper bound", round_fen(up), "spill-over ESV", "yuan")
    ok = tb.decision("lower <= upper", lower <= upper)
    return CompensationBounds(lower, upper, round_fen(pc), opp, ok, tb.build())
