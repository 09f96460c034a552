"""Cross-province direct settlement of medical bills: advance funds and periodic clearing.

Between the province of insurance ``i`` and the province of treatment ``j`` (rule set
``medical_cross_province``, 医保发〔2022〕22号):

* the insurance funds of ``i`` owe ``j`` the fund-paid part of the bills settled in ``j``
  for people insured in ``i``: :math:`G_{ij} = \\sum \\text{fund\\_paid}`;
* the advance fund ``i`` keeps with ``j``: :math:`P_{ij} = G^{prev}_{ij} \\cdot m / 12`
  (``m`` = 2 months of last year's expenditure), see :func:`advance_funds`;
* clearing of a period, per ordered pair: :math:`D_{ij} = G_{ij} - P_{ij}` (``> 0``: ``i``
  pays ``j`` the rest; ``< 0``: ``j`` refunds or carries over the unused advance);
* net settlement per unordered pair: :math:`N_{\\{i,j\\}} = G_{ij} - G_{ji}`, paid by the
  province whose claims exceed;
* position of each province: :math:`\\sum_i G_{ij} - \\sum_j G_{ij}` (claims received minus owed).

Reconciliation: the positions sum to zero; the net settlements pay exactly what the
gross claims do (:attr:`MedicalClearing.balanced`).  Money is Decimal yuan to the fen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

import pandas as pd

from regcoord.errors import DataError
from regcoord.public_services._common import column_values, require_columns
from regcoord.rules import RuleSnapshot, Trace, TraceBuilder, round_fen

__all__ = ["BILL_COLUMNS", "MedicalClearing", "advance_funds", "medical_clearing"]

BILL_COLUMNS = ("insured_region", "treatment_region", "fund_paid")
ZERO = Decimal("0.00")


def _names(frame: pd.DataFrame, column: str) -> list[str]:
    out = []
    for i, raw in enumerate(frame[column].tolist()):
        name = "" if raw is None or (isinstance(raw, float) and math.isnan(raw)) else str(raw).strip()
        if not name:
            raise DataError("region is empty", row=i + 1, column=column, expected="a region name")
        out.append(name)
    return out


def _pairs(frame: pd.DataFrame, amount: str, what: str) -> dict[tuple[str, str], Decimal]:
    require_columns(frame, ("insured_region", "treatment_region", amount), what)
    out: dict[tuple[str, str], Decimal] = {}
    ins, trt = _names(frame, "insured_region"), _names(frame, "treatment_region")
    values = column_values(frame, amount)
    for i, (a, b, v) in enumerate(zip(ins, trt, values, strict=True)):
        if a == b:
            raise DataError(
                f"bill insured and treated in {a}",
                row=i + 1,
                column="treatment_region",
                expected="another province (cross-province bills only)",
            )
        out[(a, b)] = out.get((a, b), ZERO) + round_fen(v)
    return out


def advance_funds(previous: pd.DataFrame, snapshot: RuleSnapshot) -> pd.DataFrame:
    """Advance funds per pair: last year's fund-paid bills (``previous``, BILL_COLUMNS) x m/12, to the fen."""
    m = Decimal(snapshot["advance_months"])
    g = _pairs(previous, "fund_paid", "previous year's bills")
    rows = []
    with localcontext() as ctx:
        ctx.prec = 34
        for (i, j), v in sorted(g.items()):
            rows.append({"insured_region": i, "treatment_region": j, "advance": round_fen(v * m / 12)})
    return pd.DataFrame(rows, columns=["insured_region", "treatment_region", "advance"])


@dataclass(frozen=True)
class MedicalClearing:
    """One clearing round: per ordered pair, per unordered pair, per province, with the trace."""

    clearing: pd.DataFrame  # insured_region, treatment_region, claims, advance, due
    net_pairs: pd.DataFrame  # region_a, region_b, a_owes_b, b_owes_a, payer, payee, net
    positions: pd.DataFrame  # region, receivable, payable, position
    trace: Trace

    @property
    def balanced(self) -> bool:
        """Positions sum to zero and the net settlements equal the netted gross claims."""
        pos = sum(self.positions["position"], ZERO) == 0
        by_net: dict[str, Decimal] = {r: ZERO for r in self.positions["region"]}
        for r in self.net_pairs.itertuples(index=False):
            if r.net:
                by_net[r.payee] += r.net
                by_net[r.payer] -= r.net
        same = all(
            by_net[r] == p for r, p in zip(self.positions["region"], self.positions["position"], strict=True)
        )
        return pos and same

    def to_dict(self) -> dict[str, Any]:
        def rec(f: pd.DataFrame) -> list[dict[str, Any]]:
            return [
                {k: (str(v) if isinstance(v, Decimal) else v) for k, v in r.items()}
                for r in f.to_dict(orient="records")
            ]

        return {
            "clearing": rec(self.clearing),
            "net_pairs": rec(self.net_pairs),
            "positions": rec(self.positions),
            "balanced": self.balanced,
            "trace": self.trace.to_dict(),
        }


def medical_clearing(bills: pd.DataFrame, advances: pd.DataFrame | None = None) -> MedicalClearing:
    """Clear one period of cross-province bills (module docstring).

    ``bills``: BILL_COLUMNS, one row per bill or per aggregate (yuan).  ``advances``:
    ``insured_region, treatment_region, advance`` (e.g. from :func:`advance_funds`); none
    means no advance held.
    """
    tb = TraceBuilder()
    g = _pairs(bills, "fund_paid", "bills")
    p = _pairs(advances, "advance", "advances") if advances is not None else {}
    keys = sorted(set(g) | set(p))
    rows = []
    for k in keys:
        c, a = g.get(k, ZERO), p.get(k, ZERO)
        tb.input(
            f"claims {k[0]} -> {k[1]}",
            c,
            "yuan",
            note="fund-paid bills of people insured in the first, treated in the second",
        )
        if a:
            tb.input(f"advance {k[0]} -> {k[1]}", a, "yuan")
        due = tb.value(
            f"due {k[0]} -> {k[1]}",
            c - a,
            "claims - advance (>0 insured province pays, <0 refund/carry over)",
            "yuan",
        )
        rows.append({"insured_region": k[0], "treatment_region": k[1], "claims": c, "advance": a, "due": due})
    clearing = pd.DataFrame(rows, columns=["insured_region", "treatment_region", "claims", "advance", "due"])
    net_rows = []
    unordered: set[tuple[str, str]] = {(min(k), max(k)) for k in g}
    for ra, rb in sorted(unordered):
        ab, ba = g.get((ra, rb), ZERO), g.get((rb, ra), ZERO)
        n = ab - ba
        payer, payee = (ra, rb) if n >= 0 else (rb, ra)
        tb.value(f"net {ra} <-> {rb}", abs(n), f"|{ab} - {ba}|, paid by {payer} to {payee}", "yuan")
        net_rows.append(
            {
                "region_a": ra,
                "region_b": rb,
                "a_owes_b": ab,
                "b_owes_a": ba,
                "payer": payer,
                "payee": payee,
                "net": abs(n),
            }
        )
    net_pairs = pd.DataFrame(
        net_rows, columns=["region_a", "region_b", "a_owes_b", "b_owes_a", "payer", "payee", "net"]
    )
    regions = sorted({r for k in g for r in k})
    rec = {r: ZERO for r in regions}
    pay = {r: ZERO for r in regions}
    for (i, j), v in g.items():
        pay[i] += v
        rec[j] += v
    positions = pd.DataFrame(
        {
            "region": regions,
            "receivable": [rec[r] for r in regions],
            "payable": [pay[r] for r in regions],
            "position": [rec[r] - pay[r] for r in regions],
        }
    )
    tb.value("sum of positions", sum(positions["position"], ZERO), "reconciliation: must be 0", "yuan")
    return MedicalClearing(clearing, net_pairs, positions, tb.build())
