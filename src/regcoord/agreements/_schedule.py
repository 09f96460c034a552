"""Reporting schedules: the periods an obligation is reported on, and which one a report names.

A schedule is a grid of contiguous periods of ``period_months`` calendar months:
period ``k`` runs from ``add_months(anchor, k * n)`` to the day before
``add_months(anchor, (k + 1) * n)``. The anchor is the obligation's ``first_period_start``
(period 0 is then the first period); without one, it is the day after the obligation's
deadline, so that the grid's periods end on the deadline, and the schedule is open at the
start (the judging rule makes periods before the deadline *in progress*). The term is the
obligation's ``periods``, else every period that ends on or before the instrument's
expiry, else open.

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
    """Periods of ``period_months`` months on the grid through ``anchor`` (period 0 starts there).

    Periods ``first_index .. last_index`` are scheduled (``None``: open on that side).
    """

    anchor: date
    period_months: int
    first_index: int | None = 0
    last_index: int | None = None

    def period(self, index: int) -> Period:
        start = add_months(self.anchor, index * self.period_months)
        end = add_months(self.anchor, (index + 1) * self.period_months) - timedelta(days=1)
        return Period(index, start, end)

    def scheduled(self, index: int) -> bool:
        return (self.first_index is None or index >= self.first_index) and (
            self.last_index is None or index <= self.last_index
        )

    def all_periods(self) -> tuple[Period, ...]:
        """Every period of a schedule closed on both sides (``()`` for an open one)."""
        if self.first_index is None or self.last_index is None:
            return ()
        return tuple(self.period(k) for k in range(self.first_index, self.last_index + 1))

    def describe(self) -> str:
        n = self.period_months
        if self.first_index is None:  # the period before the anchor ends on the obligation's deadline
            p = self.period(-1)
            text = f"{n}-month periods such as {p.start.isoformat()} to {p.end.isoformat()}"
        else:
            text = f"{n}-month periods from {self.period(self.first_index).start.isoformat()}"
        if self.last_index is not None:
            text += f", the last ending {self.period(self.last_index).end.isoformat()}"
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
        first = None if self.first_index is None else self.period(self.first_index).start.isoformat()
        last = None if self.last_index is None else self.period(self.last_index).end.isoformat()
        return {
            "period_months": self.period_months,
            "first_period_start": first,
            "last_period_end": last,
            "description": self.describe(),
        }


def schedule_for(obligation: Obligation, *, expires_on: date | None = None) -> ReportingSchedule:
    """The reporting schedule of ``obligation`` in an instrument expiring on ``expires_on``.

    The grid starts at the obligation's ``first_period_start`` when it states one;
    otherwise it is the grid whose periods end on the obligation's deadline, open at the
    start. The term is the obligation's ``periods``, else the periods that end on or before
    the instrument's expiry, else open.
    """
    n = obligation.period_months
    if obligation.first_period_start is not None:
        anchor, first = obligation.first_period_start, 0
    else:
        anchor, first = obligation.deadline + timedelta(days=1), None
    sched = ReportingSchedule(anchor, n, first, None)
    if obligation.periods is not None and first is not None:
        return ReportingSchedule(anchor, n, first, obligation.periods - 1)
    if expires_on is None:
        return sched
    months = (expires_on.year - anchor.year) * 12 + (expires_on.month - anchor.month)
    last = months // n + 1
    while sched.period(last).end > expires_on:
        last -= 1
    if first is not None and last < first:
        raise DataError(
            f"no whole {n}-month period fits between {anchor.isoformat()} and the expiry {expires_on.isoformat()}",
            column="period_months",
            expected="a period that fits the instrument's term",
        )
    if obligation.periods is not None:  # open start: the term counts back from the last period
        return ReportingSchedule(anchor, n, last - obligation.periods + 1, last)
    return ReportingSchedule(anchor, n, first, last)
