"""Grain producing/selling and resource exporting/importing compensation: CONFIGURABLE MODELS.

No per-tonne inter-provincial formula is public (domain note §6); the 2018 policy opinions
(seed 004 §18-19) ask selling areas to support producing areas and resource prices to
cover extraction, ecological restoration and environmental costs.  These are therefore
*configurable models* whose rates are user parameters — not official rates.

Grain model: each net exporter ``i`` (net outflow ``q_i > 0`` tonnes) receives
``r * q_i``; the total ``R = r * sum_{q>0} q`` is paid by the net importers in proportion
to their net inflow.  Payments and receipts balance exactly (largest-remainder to fen).

Resource model: per unit, the cost-covering price is
``c = extraction + restoration + environment``; the importer pays the gap
``max(0, c - price) * quantity`` to the exporter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

import pandas as pd

from regcoord._display import FrameHTML
from regcoord.compensation._payment import PRECISION, Payment, nonnegative
from regcoord.errors import DataError
from regcoord.rules import Trace, TraceBuilder, apportion_fen, round_fen, to_decimal

__all__ = [
    "GrainCompensation",
    "ResourceCompensation",
    "ResourceFlow",
    "grain_outflow_compensation",
    "resource_price_gap",
]

MODEL_NOTE = "configurable model, not an official rate"


@dataclass(frozen=True)
class GrainCompensation(FrameHTML):
    """Receipts of net grain exporters and payments of net importers (one period)."""

    period: str
    regions: tuple[str, ...]
    net_outflow: tuple[Decimal, ...]
    net: tuple[Decimal, ...]  # + receives, - pays (yuan)
    total: Decimal
    rate_per_tonne: Decimal
    trace: Trace
    note: str = MODEL_NOTE

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "regions": list(self.regions),
            "net_outflow": [str(v) for v in self.net_outflow],
            "net": [str(v) for v in self.net],
            "total": str(self.total),
            "rate_per_tonne": str(self.rate_per_tonne),
            "note": self.note,
            "trace": self.trace.to_dict(),
        }

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"region": self.regions, "net_outflow_t": self.net_outflow, "net_yuan": self.net})


def grain_outflow_compensation(
    net_outflow: Mapping[str, Any], *, rate_per_tonne: Any, period: str = ""
) -> GrainCompensation:
    """Per-tonne transfer on net grain outflow (see the module docstring; a configurable model)."""
    tb = TraceBuilder()
    rate = tb.user_parameter(
        "rate_per_tonne", nonnegative(rate_per_tonne, name="rate_per_tonne"), "yuan/t", MODEL_NOTE
    )
    if len(net_outflow) < 2:
        raise DataError("need at least two regions (exporters and importers)")
    regions = tuple(str(r) for r in net_outflow)
    q = tuple(to_decimal(net_outflow[r], name=f"net outflow of {r!r}") for r in regions)
    for r, v in zip(regions, q, strict=True):
        tb.input(f"net outflow [{r}]", v, "t")
    out_total = sum((v for v in q if v > 0), Decimal(0))
    in_total = -sum((v for v in q if v < 0), Decimal(0))
    if out_total > 0 and in_total == 0:
        raise DataError("no net importer to pay the exporters", expected="at least one negative net outflow")
    total = tb.value("total", round_fen(rate * out_total), f"{rate} * {out_total}", "yuan")
    with localcontext() as ctx:
        ctx.prec = PRECISION
        receipts = apportion_fen([rate * v if v > 0 else Decimal(0) for v in q], total)
        payments = (
            apportion_fen([total * (-v) / in_total if v < 0 else Decimal(0) for v in q], total)
            if in_total > 0
            else tuple(Decimal("0.00") for _ in q)
        )
    net = tuple(a - b for a, b in zip(receipts, payments, strict=True))
    for r, v in zip(regions, net, strict=True):
        tb.value(f"net [{r}]", v, "receipt - payment", "yuan")
    return GrainCompensation(period, regions, q, net, total, rate, tb.build())


@dataclass(frozen=True, slots=True)
class ResourceFlow:
    """``quantity`` units of a resource sold by ``exporter`` to ``importer`` at ``price`` per unit."""

    exporter: str
    importer: str
    quantity: Any
    price: Any
    extraction_cost: Any
    restoration_cost: Any
    environment_cost: Any
    resource: str = ""


@dataclass(frozen=True)
class ResourceCompensation(FrameHTML):
    """Price-gap payments of importers to exporters."""

    period: str
    payments: tuple[Payment, ...]
    full_cost_prices: tuple[Decimal, ...]
    trace: Trace
    note: str = MODEL_NOTE

    @property
    def total(self) -> Decimal:
        return sum((p.amount for p in self.payments), Decimal(0))

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "payments": [p.to_dict() for p in self.payments],
            "full_cost_prices": [str(v) for v in self.full_cost_prices],
            "total": str(self.total),
            "note": self.note,
            "trace": self.trace.to_dict(),
        }

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([p.to_dict() for p in self.payments])


def resource_price_gap(flows: Sequence[ResourceFlow], *, period: str = "") -> ResourceCompensation:
    """Importer pays ``max(0, extraction + restoration + environment - price) * quantity``."""
    if not flows:
        raise DataError("no resource flows given")
    tb = TraceBuilder()
    pays: list[Payment] = []
    prices: list[Decimal] = []
    for i, f in enumerate(flows):
        where = f"flow {i + 1} ({f.exporter}->{f.importer}{' ' + f.resource if f.resource else ''})"
        q = nonnegative(f.quantity, name="quantity", where=where)
        p = nonnegative(f.price, name="price", where=where)
        cost = sum(
            (
                nonnegative(f.extraction_cost, name="extraction cost", where=where),
                nonnegative(f.restoration_cost, name="restoration cost", where=where),
                nonnegative(f.environment_cost, name="environment cost", where=where),
            ),
            Decimal(0),
        )
        tb.input(f"{where}: quantity", q)
        tb.input(f"{where}: price", p, "yuan/unit")
        full = tb.value(
            f"{where}: cost-covering price", cost, "extraction + restoration + environment", "yuan/unit"
        )
        gap = tb.value(
            f"{where}: gap", max(Decimal(0), full - p), "max(0, cost-covering price - price)", "yuan/unit"
        )
        amount = tb.value(f"{where}: payment", round_fen(gap * q), "gap * quantity", "yuan")
        prices.append(full)
        pays.append(Payment(period, f.importer, f.exporter, amount, f"resource price gap ({MODEL_NOTE})"))
    return ResourceCompensation(period, tuple(pays), tuple(prices), tb.build())
