"""Amounts for people to read: yuan shown in 元, 万元 or 亿元 (zh) and yuan, million or billion
yuan (en), rounded for reading.  Exact amounts stay in JSON and exports; these strings are
only for headlines, tables and pages.

The scale follows the amount: at least 10^8 yuan is shown in 亿元 (hundred million yuan),
at least 10^4 yuan in 万元, below that in 元; in English at least 10^9 yuan in billion yuan,
at least 10^6 in million yuan.  Display rounding is half-up to two decimals (the project's
calculation rounding, half-even to the fen, lives in ``regcoord.rules``).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

__all__ = ["format_yuan"]

_CENT = Decimal("0.01")
_ZH_SCALES = ((Decimal(10) ** 8, "亿元"), (Decimal(10) ** 4, "万元"))
_EN_SCALES = ((Decimal(10) ** 9, "billion yuan"), (Decimal(10) ** 6, "million yuan"))


def format_yuan(amount: Decimal | int | str, lang: str = "zh", *, signed: bool = False) -> str:
    """``Decimal("1465569562863.46")`` -> ``'14,655.70 亿元'`` (zh) or ``'1,465.57 billion yuan'`` (en).

    ``signed=True`` writes a plus sign before positive amounts (for changes).
    >>> format_yuan("100000000")
    '1.00 亿元'
    >>> format_yuan("-35000", "zh")
    '-3.50 万元'
    >>> format_yuan("2500000", "en", signed=True)
    '+2.50 million yuan'
    >>> format_yuan("12.345", "en")
    '12.35 yuan'
    """
    value = Decimal(str(amount))
    scales = _ZH_SCALES if lang == "zh" else _EN_SCALES
    unit, divisor = ("元" if lang == "zh" else "yuan"), Decimal(1)
    for size, name in scales:
        if abs(value) >= size:
            unit, divisor = name, size
            break
    shown = (value / divisor).quantize(_CENT, rounding=ROUND_HALF_UP)
    text = f"{shown:,}"
    if signed and shown > 0:
        text = "+" + text
    return f"{text} {unit}"
