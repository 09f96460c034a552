"""A payment between two parties for one period (exact money, Decimal yuan to the fen)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from regcoord.errors import DataError
from regcoord.rules import to_decimal

#: Decimal digits of intermediate money arithmetic in every compensation calculator
#: (decimal128's 34); final amounts are then rounded once to the fen.
PRECISION = 34


@dataclass(frozen=True, slots=True)
class Payment:
    """``payer`` pays ``payee`` ``amount`` yuan for ``period`` because of ``basis``."""

    period: str
    payer: str
    payee: str
    amount: Decimal
    basis: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "payer": self.payer,
            "payee": self.payee,
            "amount": str(self.amount),
            "basis": self.basis,
        }


def nonnegative(value: Any, *, name: str, where: str = "") -> Decimal:
    """A finite, non-negative number as Decimal, or a DataError naming it."""
    d = to_decimal(value, name=name)
    if d < 0:
        loc = f" ({where})" if where else ""
        raise DataError(f"{name}{loc} is negative: {value}", expected="a value >= 0")
    return d


def positive(value: Any, *, name: str, where: str = "") -> Decimal:
    d = to_decimal(value, name=name)
    if d <= 0:
        loc = f" ({where})" if where else ""
        raise DataError(f"{name}{loc} must be positive, got {value}", expected="a value > 0")
    return d


def ratios(raw: Mapping[str, Any], *, name: str) -> dict[str, Decimal]:
    """Non-negative ratios with a positive sum, as Decimal."""
    if not raw:
        raise DataError(f"{name}: no parties given")
    out = {str(k): nonnegative(v, name=f"{name}[{k}]") for k, v in raw.items()}
    if sum(out.values(), Decimal(0)) <= 0:
        raise DataError(f"{name}: the ratios sum to zero", expected="at least one positive ratio")
    return out
