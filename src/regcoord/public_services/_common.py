"""Shared helpers of the public-services engines: reading region tables, fen arithmetic."""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pandas as pd

from regcoord.errors import DataError
from regcoord.regions import china
from regcoord.rules import FEN, largest_remainder_round, to_decimal

UNASSIGNED = "unassigned"


def require_columns(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    """Raise a DataError naming the first missing column."""
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"{what}: expected a table (DataFrame), got {type(frame).__name__}")
    for c in columns:
        if c not in frame.columns:
            raise DataError(
                f"{what}: column {c!r} is missing", column=c, expected=f"columns {', '.join(columns)}"
            )
    if frame.empty:
        raise DataError(f"{what}: the table has no rows", expected="one row per region")


def _number(raw: Any, row: int, column: str, minimum: int) -> Decimal:
    if (
        raw is None
        or (isinstance(raw, float) and math.isnan(raw))
        or (isinstance(raw, str) and not raw.strip())
    ):
        raise DataError("value is missing", row=row, column=column, expected="a number")
    try:
        d = to_decimal(raw.item() if hasattr(raw, "item") else raw, name=column)
    except DataError:
        raise DataError(f"{raw!r} is not a number", row=row, column=column, expected="a number") from None
    if d < 0 or (minimum and d == 0):
        raise DataError(
            f"{raw} is out of range",
            row=row,
            column=column,
            expected="a value > 0" if minimum else "a value >= 0",
        )
    return d


def cell(frame: pd.DataFrame, i: int, column: str, *, minimum: int = 0) -> Decimal:
    """Row ``i`` (0-based, reported 1-based) of ``column`` as a Decimal ``>= 0`` (or ``> 0`` with minimum=1)."""
    return _number(frame[column].iloc[i], i + 1, column, minimum)


def column_values(frame: pd.DataFrame, column: str, *, minimum: int = 0) -> list[Decimal]:
    """Every row of ``column`` as a Decimal ``>= 0`` (errors name the 1-based row)."""
    return [_number(raw, i + 1, column, minimum) for i, raw in enumerate(frame[column].tolist())]


def region_names(frame: pd.DataFrame, column: str = "region") -> tuple[str, ...]:
    """The region column as stripped text; blank or repeated names are errors."""
    out: list[str] = []
    seen: set[str] = set()
    for i, raw in enumerate(frame[column].tolist()):
        name = "" if raw is None or (isinstance(raw, float) and math.isnan(raw)) else str(raw).strip()
        if not name:
            raise DataError("region name is empty", row=i + 1, column=column, expected="a region name")
        if name in seen:
            raise DataError(
                f"region {name!r} appears twice", row=i + 1, column=column, expected="one row per region"
            )
        seen.add(name)
        out.append(name)
    return tuple(out)


def province_codes(names: Sequence[str]) -> tuple[str | None, ...]:
    """The two-digit province code of each region, matched by code, Chinese name (full or
    short: 广东 for 广东省) or English name; ``None`` where no province matches."""
    tree = china()
    lookup: dict[str, str] = {}
    for r in tree.at_level("province"):
        for key in (r.code, r.name_zh, r.name_en, r.name_en.lower()):
            lookup[key] = r.code
    out: list[str | None] = []
    for n in names:
        code = lookup.get(n) or lookup.get(n.lower())
        if code is None and len(n) >= 2:
            hits = {c for k, c in lookup.items() if k.startswith(n) and not k.isascii()}
            code = hits.pop() if len(hits) == 1 else None
        out.append(code)
    return tuple(out)


def plate_of(names: Sequence[str]) -> tuple[str, ...]:
    """The NBS plate code (east/central/west/northeast group code) of each region.

    Regions are matched as in :func:`province_codes`; one that matches no province gets
    ``"unassigned"``.
    """
    plates = china().grouping("plate")
    out: list[str] = []
    for code in province_codes(names):
        gs = plates.groups_of(code) if code is not None else ()
        out.append(gs[0].code if gs else UNASSIGNED)
    return tuple(out)


def plate_names() -> dict[str, tuple[str, str]]:
    """Plate code -> (name_zh, name_en)."""
    tree = china()
    out = {g.code: (tree[g.code].name_zh, tree[g.code].name_en) for g in tree.grouping("plate")}
    out[UNASSIGNED] = ("未归属", "unassigned")
    return out


def fen(value: Decimal) -> int:
    """A whole number of fen from yuan (the value must already be a whole number of fen)."""
    return int(value / FEN)


def apportion_fractions(quotas: Sequence[Fraction], total_fen: int) -> list[int]:
    """Exact rational quotas (in fen) rounded to whole fen summing to ``total_fen`` (Hamilton)."""
    den = math.lcm(*(q.denominator for q in quotas)) if quotas else 1
    return largest_remainder_round([q.numerator * (den // q.denominator) for q in quotas], den, total_fen)


def yuan(fen_count: int) -> Decimal:
    """Whole fen as Decimal yuan with two decimals."""
    return (Decimal(fen_count) * FEN).quantize(FEN)


def as_text(value: Any) -> str:
    return format(value, "f") if isinstance(value, Decimal) else str(value)
