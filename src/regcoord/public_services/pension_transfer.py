"""Pension rights that move with people between provinces (国办发〔2009〕66号).

For a person leaving province ``p`` (rule set ``pension_transfer``, article 4):

.. math::

    T^{pool}_p = \\rho \\sum_{y \\ge 1998,\\ \\text{paid in } p} B_y \\frac{m_y}{12},
    \\qquad T_p = T^{pool}_p + \\alpha \\cdot \\text{IA}

with ``B_y`` the actual contribution wage base of year ``y`` (yuan/year; for a part
year only the ``m_y`` months actually paid count), ``rho = 12%`` and the whole individual
account ``IA`` (``alpha = 1``).  Money is Decimal yuan; each year's term is exact and the
pooled amount is rounded once to the fen (ROUND_HALF_EVEN).

:func:`transfer_flows` aggregates a table of moves into flows between provinces (per
ordered pair) and net positions per province (in - out, summing to zero exactly).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

import pandas as pd

from regcoord._display import FrameHTML
from regcoord.errors import DataError
from regcoord.public_services._common import cell, require_columns
from regcoord.rules import RuleSnapshot, Trace, TraceBuilder, round_fen

__all__ = [
    "MOVE_COLUMNS",
    "ContributionYear",
    "PensionTransfer",
    "TransferFlows",
    "pension_transfer",
    "transfer_flows",
]

PRECISION = 34


@dataclass(frozen=True, slots=True)
class ContributionYear:
    """One year of contributions: ``base`` is the yearly contribution wage base (yuan), ``months`` paid (1-12)."""

    year: int
    province: str
    base: Decimal
    months: int = 12


@dataclass(frozen=True)
class PensionTransfer(FrameHTML):
    """What the province of departure transfers: pooled-fund part + individual account."""

    from_province: str
    to_province: str
    years_counted: tuple[int, ...]
    pooled: Decimal
    individual_account: Decimal
    trace: Trace

    @property
    def total(self) -> Decimal:
        return self.pooled + self.individual_account

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.from_province,
            "to": self.to_province,
            "years_counted": list(self.years_counted),
            "pooled": str(self.pooled),
            "individual_account": str(self.individual_account),
            "total": str(self.total),
            "trace": self.trace.to_dict(),
        }

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "from": self.from_province,
                    "to": self.to_province,
                    "pooled": self.pooled,
                    "individual_account": self.individual_account,
                    "total": self.total,
                }
            ]
        )


def _years(record: Sequence[ContributionYear | tuple[Any, ...]]) -> list[ContributionYear]:
    from regcoord.rules import to_decimal

    out: list[ContributionYear] = []
    for i, raw in enumerate(record):
        rec = raw if isinstance(raw, ContributionYear) else ContributionYear(*raw)
        base = to_decimal(rec.base, name="base")
        if base < 0:
            raise DataError(
                f"contribution base {base} is negative", row=i + 1, column="base", expected=">= 0"
            )
        if not isinstance(rec.months, int) or not 1 <= rec.months <= 12:
            raise DataError(
                f"months {rec.months!r}", row=i + 1, column="months", expected="a whole number 1..12"
            )
        out.append(ContributionYear(int(rec.year), str(rec.province).strip(), base, rec.months))
    return out


def pension_transfer(
    record: Sequence[ContributionYear | tuple[Any, ...]],
    snapshot: RuleSnapshot,
    *,
    from_province: str,
    to_province: str,
    individual_account: Any,
) -> PensionTransfer:
    """The transfer on leaving ``from_province`` (module docstring).

    ``record``: the person's contribution years (any provinces; only those paid in
    ``from_province`` since the rule's first year count).  ``individual_account``: the
    balance of the individual account (yuan), transferred whole.
    """
    from regcoord.rules import to_decimal

    tb = TraceBuilder()
    rho = Decimal(tb.parameter(snapshot.param("pooled_transfer_rate")))
    first = int(tb.parameter(snapshot.param("first_year")))
    alpha = Decimal(tb.parameter(snapshot.param("individual_account_share")))
    if from_province.strip() == to_province.strip():
        raise DataError("from and to province are the same", column="to", expected="a different province")
    years = _years(record)
    ia = to_decimal(individual_account, name="individual_account")
    if ia < 0:
        raise DataError(f"individual account {ia} is negative", column="individual_account", expected=">= 0")
    tb.input("individual account balance", ia, "yuan")
    total = Decimal(0)
    counted: list[int] = []
    with localcontext() as ctx:
        ctx.prec = PRECISION
        for y in years:
            tb.input(f"base {y.year} {y.province}", y.base, "yuan/year", note=f"{y.months} months paid")
            if y.province != from_province.strip():
                tb.decision(
                    f"year {y.year}", "not counted", note=f"paid in {y.province}, not in {from_province}"
                )
                continue
            if y.year < first:
                tb.decision(f"year {y.year}", "not counted", note=f"before {first}")
                continue
            part = rho * y.base * y.months / 12
            tb.value(f"pooled part {y.year}", part, f"{rho} * {y.base} * {y.months}/12", "yuan")
            total += part
            counted.append(y.year)
        pooled = tb.value(
            "pooled-fund transfer", round_fen(total), "sum of the yearly parts, to the fen", "yuan"
        )
        ia_t = tb.value("individual account transfer", round_fen(alpha * ia), f"{alpha} * balance", "yuan")
    tb.value("total transfer", pooled + ia_t, "pooled + individual account", "yuan")
    return PensionTransfer(
        from_province.strip(), to_province.strip(), tuple(counted), pooled, ia_t, tb.build()
    )


MOVE_COLUMNS = ("from_region", "to_region", "contribution_wages", "individual_account")


@dataclass(frozen=True)
class TransferFlows:
    """Flows of a table of moves: per ordered pair, and net per province (in - out)."""

    pairs: pd.DataFrame  # from_region, to_region, moves, pooled, individual_account, total
    net: pd.DataFrame  # region, inflow, outflow, net
    trace: Trace

    @property
    def total(self) -> Decimal:
        return sum(self.pairs["total"], Decimal("0.00"))

    def to_dict(self) -> dict[str, Any]:
        def rec(f: pd.DataFrame) -> list[dict[str, Any]]:
            return [
                {k: (str(v) if isinstance(v, Decimal) else v) for k, v in r.items()}
                for r in f.to_dict(orient="records")
            ]

        return {
            "pairs": rec(self.pairs),
            "net": rec(self.net),
            "total": str(self.total),
            "trace": self.trace.to_dict(),
        }


def transfer_flows(moves: pd.DataFrame, snapshot: RuleSnapshot) -> TransferFlows:
    """Aggregate a table of moves (one row per person moving) into flows between provinces.

    Columns: ``from_region``, ``to_region``, ``contribution_wages`` (the person's
    contribution wage bases summed over the counted years paid in ``from_region``, yuan:
    the pooled part is ``rho`` times it, to the fen) and ``individual_account`` (yuan).
    Net per province = inflow - outflow; the nets sum to zero.
    """
    tb = TraceBuilder()
    rho = Decimal(tb.parameter(snapshot.param("pooled_transfer_rate")))
    alpha = Decimal(tb.parameter(snapshot.param("individual_account_share")))
    require_columns(moves, MOVE_COLUMNS, "moves")
    rows: list[tuple[str, str, Decimal, Decimal]] = []
    for i in range(len(moves)):
        names = []
        for c in ("from_region", "to_region"):
            raw = moves[c].iloc[i]
            name = "" if raw is None or (isinstance(raw, float) and math.isnan(raw)) else str(raw).strip()
            if not name:
                raise DataError("region is empty", row=i + 1, column=c, expected="a region name")
            names.append(name)
        if names[0] == names[1]:
            raise DataError(
                f"move within {names[0]}", row=i + 1, column="to_region", expected="another region"
            )
        with localcontext() as ctx:
            ctx.prec = PRECISION
            pooled = round_fen(rho * cell(moves, i, "contribution_wages"))
            ia = round_fen(alpha * cell(moves, i, "individual_account"))
        rows.append((names[0], names[1], pooled, ia))
    f = pd.DataFrame(rows, columns=["from_region", "to_region", "pooled", "individual_account"])
    f["moves"] = 1
    pairs = (
        f.groupby(["from_region", "to_region"], sort=True)
        .agg(
            moves=("moves", "sum"), pooled=("pooled", "sum"), individual_account=("individual_account", "sum")
        )
        .reset_index()
    )
    pairs["total"] = [p + a for p, a in zip(pairs["pooled"], pairs["individual_account"], strict=True)]
    regions = sorted(set(pairs["from_region"]) | set(pairs["to_region"]))
    zero = Decimal("0.00")
    inflow = {r: zero for r in regions}
    outflow = {r: zero for r in regions}
    for r in pairs.itertuples(index=False):
        outflow[r.from_region] += r.total
        inflow[r.to_region] += r.total
        tb.value(
            f"flow {r.from_region} -> {r.to_region}",
            r.total,
            f"{r.moves} moves: pooled {r.pooled} + accounts {r.individual_account}",
            "yuan",
        )
    net = pd.DataFrame(
        {
            "region": regions,
            "inflow": [inflow[r] for r in regions],
            "outflow": [outflow[r] for r in regions],
            "net": [inflow[r] - outflow[r] for r in regions],
        }
    )
    tb.value("sum of net positions", sum(net["net"], zero), "must be 0", "yuan")
    return TransferFlows(
        pairs[["from_region", "to_region", "moves", "pooled", "individual_account", "total"]], net, tb.build()
    )
