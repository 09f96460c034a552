"""Exact money: :class:`decimal.Decimal` yuan rounded to the fen (0.01 yuan).

Rounding rule used everywhere in regcoord: **ROUND_HALF_EVEN** (banker's rounding) to
the fen, applied once to each final amount, never to intermediate values.  When amounts
must add up to a fixed total (a pool, a budget) they are apportioned in whole fen by the
largest-remainder (Hamilton) method, so the parts sum to the total exactly.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal, InvalidOperation, localcontext
from typing import Any

from regcoord.errors import DataError

FEN = Decimal("0.01")
ROUNDING = "ROUND_HALF_EVEN"


def to_decimal(value: Any, *, name: str = "value") -> Decimal:
    """A number as Decimal from its decimal text (floats via ``repr``: 0.1 stays 0.1)."""
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, bool):
        raise DataError(f"{name}: expected a number, got {value!r}")
    elif isinstance(value, numbers.Integral):  # int and NumPy integers
        d = Decimal(int(value))
    elif isinstance(value, numbers.Real):  # float and NumPy floats: from the shortest decimal text
        d = Decimal(repr(float(value)))
    elif isinstance(value, str):
        try:
            d = Decimal(value.strip())
        except InvalidOperation:
            raise DataError(f"{name}: {value!r} is not a number") from None
    else:
        raise DataError(f"{name}: expected a number, got {value!r}")
    if not d.is_finite():
        raise DataError(f"{name}: {value!r} is not a finite number")
    return d


def round_fen(value: Decimal) -> Decimal:
    """Round yuan to the fen with ROUND_HALF_EVEN."""
    return value.quantize(FEN, rounding=ROUND_HALF_EVEN)


def apportion_fen(exact: Sequence[Decimal], total: Decimal) -> tuple[Decimal, ...]:
    """Round ``exact`` shares to the fen so that they sum to ``total`` exactly.

    Largest-remainder (Hamilton) method: floor every share to the fen, then give the
    remaining fen, one each, to the largest remainders (ties: lower index first).
    ``total`` must be a whole number of fen and ``sum(exact)`` must equal it up to
    rounding of the shares' own arithmetic (less than one fen per share).
    """
    total_fen = total.quantize(FEN)
    if total_fen != total:
        raise DataError(f"total {total} is not a whole number of fen")
    with localcontext() as ctx:
        ctx.prec = 50
        floors = [(e / FEN).to_integral_value(rounding=ROUND_FLOOR) for e in exact]
        rema = [e / FEN - f for e, f in zip(exact, floors, strict=True)]
        left = int(total_fen / FEN - sum(floors, Decimal(0)))
    n = len(exact)
    if left < 0 or left > n:
        raise DataError(f"shares summing to {sum(exact, Decimal(0))} cannot be apportioned to total {total}")
    order = sorted(range(n), key=lambda i: (-rema[i], i))
    extra = set(order[:left])
    return tuple((floors[i] + (1 if i in extra else 0)) * FEN for i in range(n))
