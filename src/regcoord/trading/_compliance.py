"""End-of-period compliance: surrender rights covering verified use; shortfalls are breaches.

For each holder and right type, the verified use of the period must be covered by
surrendering rights of that type whose vintage is not later than the period (banking of
older vintages is allowed, borrowing from future vintages is not).  Older vintages are
surrendered first.  Only available units count: units reserved by resting sell orders
stay where they are (the holder must cancel those orders to use them).  What cannot be
covered becomes a :class:`BreachEvent`, which the coordination service turns into a
credit-record event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from regcoord._display import FrameHTML
from regcoord.errors import DataError
from regcoord.trading._book import OrderBook
from regcoord.trading._rights import Instrument, RightType


@dataclass(frozen=True)
class BreachEvent:
    """A holder did not surrender enough rights of ``right`` to cover its use in ``period``."""

    holder: str
    right: RightType
    period: int
    shortfall: int

    @property
    def unit(self) -> str:
        return self.right.unit

    def to_dict(self) -> dict[str, Any]:
        return {
            "holder": self.holder,
            "right": self.right.value,
            "period": self.period,
            "shortfall": self.shortfall,
            "unit": self.unit,
        }


@dataclass(frozen=True)
class Surrendered:
    """Units of one instrument surrendered by one holder (one ``Surrender`` event)."""

    holder: str
    instrument: Instrument
    units: int
    event_seq: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "holder": self.holder,
            "instrument": self.instrument.code,
            "units": self.units,
            "seq": self.event_seq,
        }


@dataclass(frozen=True)
class ComplianceResult(FrameHTML):
    """Surrenders made and breaches found at the end of ``period``."""

    period: int
    surrendered: tuple[Surrendered, ...]
    breaches: tuple[BreachEvent, ...]

    @property
    def compliant(self) -> bool:
        return not self.breaches

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "compliant": self.compliant,
            "surrendered": [s.to_dict() for s in self.surrendered],
            "breaches": [b.to_dict() for b in self.breaches],
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per breach."""
        return pd.DataFrame(
            [b.to_dict() for b in self.breaches], columns=["holder", "right", "period", "shortfall", "unit"]
        )


def settle_compliance(
    book: OrderBook, period: int, verified_use: Mapping[str, Mapping[RightType | str, int]]
) -> ComplianceResult:
    """Surrender, for every holder, rights covering its verified use of ``period``.

    ``verified_use[holder][right] = units used`` (integers, verified by the competent
    authority).  For each (holder, right) the holder's available units of vintages
    ``<= period`` are surrendered oldest first up to the use; the uncovered remainder
    ``max(0, use - available)`` is a :class:`BreachEvent`.  Every surrender is a
    ``Surrender`` event on ``book``, so the result is reproducible by replay.
    """
    if isinstance(period, bool) or not isinstance(period, int):
        raise DataError(f"period {period!r} is not a year", column="period", expected="an integer year")
    held = book.holdings()
    surrendered: list[Surrendered] = []
    breaches: list[BreachEvent] = []
    for holder in sorted(verified_use):
        uses = verified_use[holder]
        for key in sorted(uses, key=lambda r: RightType.parse(r).value):
            right = RightType.parse(key)
            use = uses[key]
            if isinstance(use, bool) or not isinstance(use, int) or use < 0:
                raise DataError(
                    f"verified use {use!r} of {right.value} is invalid",
                    column=holder,
                    expected="an integer >= 0",
                )
            need = use
            eligible = sorted(
                (inst for inst in held.get(holder, {}) if inst.right is right and inst.vintage <= period),
                key=lambda inst: inst.vintage,
            )
            for inst in eligible:
                if need == 0:
                    break
                take = min(need, book.available_rights(holder, inst))
                if take > 0:
                    seq = book.surrender(holder, inst, take, period)
                    surrendered.append(Surrendered(holder, inst, take, seq))
                    need -= take
            if need > 0:
                breaches.append(BreachEvent(holder, right, period, need))
    return ComplianceResult(period, tuple(surrendered), tuple(breaches))
