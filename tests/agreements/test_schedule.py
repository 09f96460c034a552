"""Reporting schedules, two-way compensation and breach withdrawal (issue 8), pure domain."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regcoord.agreements import (
    BreachTerms,
    Clause,
    CompensationTerm,
    KPIReport,
    Obligation,
    breach_from,
    credit_events_for,
    credit_record,
    evaluate,
    instantiate,
    payments_for,
    review,
    schedule_for,
    withdrawal_events_for,
)
from regcoord.agreements._monitoring import Sanction
from regcoord.errors import DataError

T = datetime(2030, 1, 1, tzinfo=UTC)


def _ob(**kw: object) -> Obligation:
    base: dict[str, object] = {
        "obligor": "34",
        "metric": "P",
        "target": Decimal(1),
        "unit": "1",
        "deadline": date(2012, 12, 31),
        "evidence": "monitoring",
        "comparator": "<=",
    }
    return Obligation(**{**base, **kw})  # type: ignore[arg-type]


def test_xinan_round_one_schedule_by_hand() -> None:
    """Round 1 ran 2012-2014 (three assessed years): three calendar-year periods, nothing else."""
    s = schedule_for(_ob(first_period_start=date(2012, 1, 1)), expires_on=date(2014, 12, 31))
    assert [(p.start, p.end) for p in s.all_periods()] == [
        (date(2012, 1, 1), date(2012, 12, 31)),
        (date(2013, 1, 1), date(2013, 12, 31)),
        (date(2014, 1, 1), date(2014, 12, 31)),
    ]
    assert s.period_of(date(2013, 1, 1), date(2013, 12, 31)).index == 1
    for start, end in [
        (date(2013, 5, 1), date(2013, 5, 1)),  # one day
        (date(2013, 1, 1), date(2013, 6, 30)),  # partial
        (date(2013, 7, 1), date(2014, 6, 30)),  # overlapping two periods
        (date(2015, 1, 1), date(2015, 12, 31)),  # past the term
        (date(2011, 1, 1), date(2011, 12, 31)),  # before the first period
    ]:
        with pytest.raises(DataError, match="2012-01-01, the last ending 2014-12-31"):
            s.period_of(start, end)


def test_quarterly_schedule_by_hand_and_term() -> None:
    s = schedule_for(_ob(period_months=3, first_period_start=date(2024, 1, 1), periods=3))
    # Q1 ends 31 March, Q2 30 June, Q3 30 September (calendar)
    assert [p.end for p in s.all_periods()] == [date(2024, 3, 31), date(2024, 6, 30), date(2024, 9, 30)]
    with pytest.raises(DataError):
        s.period_of(date(2024, 10, 1), date(2024, 12, 31))  # a fourth quarter is past a 3-period term


def test_open_schedule_ends_periods_on_the_deadline() -> None:
    s = schedule_for(_ob(deadline=date(2024, 6, 30), period_months=6))
    assert s.period_of(date(2024, 1, 1), date(2024, 6, 30)).end == date(2024, 6, 30)
    assert s.period_of(date(2031, 7, 1), date(2031, 12, 31)).start == date(2031, 7, 1)
    with pytest.raises(DataError, match="2024-01-01 to 2024-06-30"):
        s.period_of(date(2024, 2, 1), date(2024, 7, 31))


@given(
    anchor=st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 28)).map(
        lambda d: d.replace(day=min(d.day, 28))
    ),
    months=st.sampled_from([1, 3, 6, 12]),
    k=st.integers(min_value=0, max_value=200),
    shift=st.integers(min_value=-40, max_value=40),
)
def test_schedule_periods_tile_time_and_name_exactly_one_period(
    anchor: date, months: int, k: int, shift: int
) -> None:
    """Periods are contiguous and non-overlapping; exactly the scheduled spans are accepted."""
    s = schedule_for(_ob(period_months=months, first_period_start=anchor))
    p, q = s.period(k), s.period(k + 1)
    assert p.end + timedelta(days=1) == q.start and p.start <= p.end
    assert s.period_of(p.start, p.end) == p
    if shift:
        with pytest.raises(DataError):
            s.period_of(p.start + timedelta(days=shift), p.end)
        with pytest.raises(DataError):
            s.period_of(p.start, p.end + timedelta(days=shift))


def test_two_way_compensation_is_not_breach() -> None:
    """Xin'an type: P <= 1 Zhejiang pays Anhui; P > 1 Anhui pays Zhejiang — both compensation, no breach."""
    comp = CompensationTerm("met", "33", "34", 10**10, "Xin'an", otherwise_fen=10**10, due_days=30)
    clause = Clause("2", "P <= 1", obligation=_ob(), compensation=comp)
    rep = KPIReport("2", date(2012, 1, 1), date(2012, 12, 31), Decimal("1.3"), T)
    ev = evaluate(clause, rep)
    assert breach_from(clause, ev) is None
    (po,) = payments_for(clause, ev, ("33", "34"))
    # due 30 days after 31 December 2012: 30 January 2013
    assert (po.kind, po.payer, po.payee, po.amount_fen, po.due_on) == (
        "compensation",
        "34",
        "33",
        10**10,
        date(2013, 1, 30),
    )
    met = evaluate(clause, KPIReport("2", date(2012, 1, 1), date(2012, 12, 31), Decimal("0.9"), T))
    assert [(o.payer, o.payee) for o in payments_for(clause, met, ("33", "34"))] == [("33", "34")]
    # the template is two-way compensation and passes the breach-terms review rule
    inst = instantiate(
        "eco_compensation_water_quality",
        {
            "upstream": "34",
            "downstream": "33",
            "section": "Jiekou",
            "amount_fen": 10**10,
            "first_deadline": "2012-12-31",
            "evidence": "monitoring",
        },
    )
    assert inst.clauses[0].compensation is not None and inst.clauses[0].compensation.otherwise_fen == 10**10
    assert not [f for f in review(inst) if f.rule == "missing_breach_terms"]


def test_breach_only_where_the_clause_says_so() -> None:
    clause = Clause("1", "P <= 1", obligation=_ob())
    ev = evaluate(clause, KPIReport("1", date(2012, 1, 1), date(2012, 12, 31), Decimal("2"), T))
    assert breach_from(clause, ev) is None
    with_terms = Clause("1", "P <= 1", obligation=_ob(), breach=BreachTerms(reputation_notice=True))
    assert breach_from(with_terms, ev) is not None


@given(st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=5))
def test_withdrawal_undoes_a_breach(points: list[int]) -> None:
    """Recording then withdrawing a breach leaves the record at the base score with no breach."""
    from regcoord.agreements import BreachEvent

    sanctions = tuple(Sanction("credit_penalty", points=-p) for p in points)
    b = BreachEvent("1", "34", date(2012, 12, 31), Decimal(1), sanctions)
    evs = credit_events_for(b, T, ref="breach:1")
    rec = credit_record("34", evs)
    assert rec.breaches == 1 and rec.score == 100 - sum(points)
    undo = withdrawal_events_for(evs, T, "withdrawn", "breach:1")
    assert credit_record("34", [*evs, *undo]).score == 100
    assert credit_record("34", [*evs, *undo]).breaches == 0
