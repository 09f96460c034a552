"""Exact money: :class:`decimal.Decimal` yuan rounded to the fen (0.01 yuan).

Rounding rule used everywhere in regcoord: **ROUND_HALF_EVEN** (banker's rounding) to
the fen, applied once to each final amount, never to intermediate values.  When amounts
must add up to a fixed total (a pool, a budget) they are apportioned in whole fen by the
largest-remainder (Hamilton) method, so the parts sum to the total exactly.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from regcoord.errors import DataError

FEN = Decimal("0.01")
ROUNDING = "ROUND_HALF_EVEN"


def to_decimal(value: Any, *, name: str = "value") -> Decimal:
    """A number as Decimal from its decimal text (floats via ``repr``: 0.1 stays 0.1)."""
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, bool):
        raise DataError(f"{name}: expected a number, got {value!r}", expected="a finite number")
    elif isinstance(value, numbers.Integral):  # int and NumPy integers
        d = Decimal(int(value))
    elif isinstance(value, numbers.Real):  # float and NumPy floats: from the shortest decimal text
        d = Decimal(repr(float(value)))
    elif isinstance(value, str):
        try:
            d = Decimal(value.strip())
        except InvalidOperation:
            raise DataError(f"{name}: {value!r} is not a number", expected="a finite number") from None
    else:
        raise DataError(f"{name}: expected a number, got {value!r}", expected="a finite number")
    if not d.is_finite():
        raise DataError(f"{name}: {value!r} is not a finite number", expected="a finite number")
    return d


def round_fen(value: Decimal) -> Decimal:
    """Round yuan to the fen with ROUND_HALF_EVEN."""
    return value.quantize(FEN, rounding=ROUND_HALF_EVEN)


def largest_remainder_round(
    numerators: Sequence[int], denominator: int, total: int, *, prefer: Sequence[int] | None = None
) -> list[int]:
    """Round exact quotas ``q_i = numerators[i] / denominator`` to integers summing to ``total``.

    Hamilton's (largest-remainder) method:

    .. math::  n_i = \\lfloor q_i \\rfloor + [i \\in R]

    where ``R`` holds the ``total - \\sum_i \\lfloor q_i \\rfloor`` indices with the largest
    fractional parts ``q_i - \\lfloor q_i \\rfloor``.  Ties in the fractional part go to the
    larger ``prefer[i]`` (when given), then to the lower index.  Exact integer arithmetic
    over one common positive ``denominator``.  The one largest-remainder step behind
    :func:`apportion_fen` and :func:`regcoord.trading.largest_remainder`.

    Source: A. Hamilton (1792); M. Balinski and H. P. Young, *Fair Representation*
    (2nd ed., Brookings, 2001), ch. 2.

    Raises :class:`DataError` when the quotas cannot be rounded to ``total`` (more units
    left over than quotas, or fewer than none).

    >>> largest_remainder_round([10, 10, 10], 3, 10)
    [4, 3, 3]
    """
    floors = [q // denominator for q in numerators]
    rems = [q % denominator for q in numerators]
    left = total - sum(floors)
    n = len(floors)
    if left < 0 or left > n:
        raise DataError(
            f"quotas summing to {Fraction(sum(numerators), denominator)} cannot be rounded to {total}",
            expected=f"a total between {total - left} and {total - left + n}",
        )
    key = prefer if prefer is not None else [0] * n
    order = sorted(range(n), key=lambda i: (-rems[i], -key[i], i))
    for i in order[:left]:
        floors[i] += 1
    return floors


def apportion_fen(exact: Sequence[Decimal], total: Decimal) -> tuple[Decimal, ...]:
    """Round ``exact`` shares to the fen so that they sum to ``total`` exactly.

    Largest-remainder (Hamilton) method (:func:`largest_remainder_round` on the shares in
    fen): floor every share to the fen, then give the remaining fen, one each, to the
    largest remainders (ties: lower index first).
    ``total`` must be a whole number of fen and ``sum(exact)`` must equal it up to
    rounding of the shares' own arithmetic (less than one fen per share).
    """
    total_fen = total.quantize(FEN)
    if total_fen != total:
        raise DataError(
            f"total {total} is not a whole number of fen", expected="an amount with at most two decimals"
        )
    in_fen = [Fraction(e) / Fraction(FEN) for e in exact]
    den = math.lcm(*(q.denominator for q in in_fen))
    try:
        units = largest_remainder_round(
            [q.numerator * (den // q.denominator) for q in in_fen], den, int(total_fen / FEN)
        )
    except DataError:
        raise DataError(
            f"shares summing to {sum(exact, Decimal(0))} cannot be apportioned to total {total}",
            expected="shares that add up to the total (within one fen per share)",
        ) from None
    return tuple(Decimal(u) * FEN for u in units)
