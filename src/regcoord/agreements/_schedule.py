"""Reporting schedules: the periods an obligation is reported on, and which one a report names.

A schedule is a grid of contiguous periods of ``period_months`` calendar months:
period ``k`` runs from ``add_months(first_start, k * n)`` to the day before
``add_months(first_start, (k + 1) * n)`` for ``k = 0 .. periods - 1``. Its first day is
the obligation's ``first_period_start``, else the instrument's effective date; its term is
the obligation's ``periods``, else every period that ends on or before the instrument's
expiry. An obligation of an instrument with neither date is reported on the grid whose
periods end on the obligation's deadline (the deadline's day + 1 starts a period), with no
first or last period.

A KPI report must name exactly one period of the grid: a report for a shorter, longer,
shifted or overlapping span, or for a period outside the term, is refused with the
schedule in the message (the one-day-report attack of issue 8 makes one payment order per
report; with the grid there is at most one period, hence one order, per span of time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from regcoord.agreements._governance import add_months
from regcoord.agreements._model import Obligation
from regcoord.errors import DataError

#: the grid is searched within this many periods of its anchor (100 years of months)
_MAX_INDEX = 1200


@dataclass(frozen=True)
class Period:
    """One scheduled reporting period (index from the first period, inclusive dates)."""

    index: int
    start: date
    end: date

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "start": self.start.isoformat(), "end": self.end.isoformat()}


@dataclass(frozen=True)
class ReportingSchedule:
    """Periods of ``period_months`` months from ``anchor``; ``bounded`` when ``anchor`` is period 0.

    ``periods`` is the term (``None``: open-ended). When not ``bounded`` the anchor is only a
    point of the grid and periods before it are scheduled too.
    """

    anchor: date
    period_months: int
    periods: int | None = None
    bounded: bool = True

    def period(self, index: int) -> Period:
        start = add_months(self.anchor, index * self.period_months)
        end = add_months(self.anchor, (index + 1) * self.period_months) - timedelta(days=1)
        return Period(index, start, end)

    def scheduled(self, index: int) -> bool:
        if self.bounded and index < 0:
            return False
        return self.periods is None or index < self.periods

    def all_periods(self) -> tuple[Period, ...]:
        """Every period of a bounded, finite schedule (``()`` for an open one)."""
        if not self.bounded or self.periods is None:
            return ()
        return tuple(self.period(k) for k in range(self.periods))

    def describe(self) -> str:
        first = self.period(0)
        text = f"{self.period_months}-month periods, e.g. {first.start.isoformat()} to {first.end.isoformat()}"
        if self.bounded:
            text = f"{self.period_months}-month periods from {self.anchor.isoformat()}"
            if self.periods is not None:
                text += f", {self.periods} period(s) to {self.period(self.periods - 1).end.isoformat()}"
        return text

    def period_of(self, start: date, end: date) -> Period:
        """The scheduled period that is exactly ``[start, end]``; :class:`DataError` otherwise."""
        months = (start.year - self.anchor.year) * 12 + (start.month - self.anchor.month)
        index = months // self.period_months
        for k in (index - 1, index, index + 1):  # day clamping can shift a start across a month
            if abs(k) > _MAX_INDEX:
                continue
            p = self.period(k)
            if p.start == start and p.end == end and self.scheduled(k):
                return p
        raise DataError(
            f"{start.isoformat()} to {end.isoformat()} is not a scheduled reporting period "
            f"(schedule: {self.describe()})",
            column="period_start",
            expected="exactly one period of the schedule",
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "first_period_start": self.anchor.isoformat() if self.bounded else None,
            "period_months": self.period_months,
            "periods": self.periods,
            "description": self.describe(),
        }


def schedule_for(
    obligation: Obligation, *, effective_from: date | None = None, expires_on: date | None = None
) -> ReportingSchedule:
    """The reporting schedule of ``obligation`` in an instrument with these dates (module docstring)."""
    n = obligation.period_months
    anchor = obligation.first_period_start or effective_from
    if anchor is None:
        return ReportingSchedule(obligation.deadline + timedelta(days=1), n, None, bounded=False)
    periods = obligation.periods
    if periods is None and expires_on is not None:
        periods = 0
        while add_months(anchor, (periods + 1) * n) - timedelta(days=1) <= expires_on and periods < _MAX_INDEX:
            periods += 1
        if periods == 0:
            raise DataError(
                f"no whole {n}-month period fits between {anchor.isoformat()} and the expiry {expires_on.isoformat()}",
                column="period_months",
                expected="a period that fits the instrument's term",
            )
    return ReportingSchedule(anchor, n, periods, bounded=True)
