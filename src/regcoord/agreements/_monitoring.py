"""KPI evaluation, breach events and sanctions, and the credit record.

Judging rule (service.md, after the Accord Project users' question whether a breach is
judged "at report time or now"): a report is judged by its **period end** and its
**report timestamp**, never by the wall clock. A period whose end falls before the
obligation's deadline is *in progress* (the target need not be reached yet); a period
ending on or after the deadline is judged *met* or *not met*; a report may not be made
before its period has ended. A force-majeure report of a not-met period is *exempt*
when the breach terms allow it (exemptions zero a penalty).

The credit score is a pure fold over append-only credit events (seed 003 §5.2.1:
"cross-regional credit files ... incorporate major breach of contract behaviors"):
``score = base + sum(delta_i)`` and ``breaches = sum(breaches_i)`` (every breach writes one
event counting +1, even with no credit penalty; a withdrawn or waived breach writes one
counting -1 that gives its points back). The base is a presentation convention (100) — not a
published scale — and every delta comes from the breach terms the parties signed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from regcoord.agreements._model import BreachTerms, Clause, to_decimal
from regcoord.errors import DataError


class Outcome(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    IN_PROGRESS = "in_progress"
    EXEMPT = "exempt"


@dataclass(frozen=True)
class KPIReport:
    """A reported value of one obligation's metric for one period."""

    clause: str
    period_start: date
    period_end: date
    value: Decimal
    reported_at: datetime
    force_majeure: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", to_decimal(self.value, field_name="value"))
        if self.period_end < self.period_start:
            raise DataError(
                f"period ends {self.period_end} before it starts {self.period_start}",
                column="period_end",
                expected="period_end >= period_start",
            )
        if self.reported_at.tzinfo is None:
            raise DataError(
                "reported_at must carry a time zone", column="reported_at", expected="aware datetime"
            )
        if self.reported_at.date() < self.period_end:
            raise DataError(
                f"a report for the period ending {self.period_end} cannot be made on {self.reported_at.date()}",
                column="reported_at",
                expected="reported on or after the period end",
            )


@dataclass(frozen=True)
class KPIEvaluation:
    """The judgement of one report against its obligation."""

    clause: str
    obligor: str
    metric: str
    period_end: date
    value: Decimal
    target: Decimal
    comparator: str
    outcome: Outcome
    shortfall: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {
            "clause": self.clause,
            "obligor": self.obligor,
            "metric": self.metric,
            "period_end": self.period_end.isoformat(),
            "value": str(self.value),
            "target": str(self.target),
            "comparator": self.comparator,
            "outcome": self.outcome.value,
            "shortfall": str(self.shortfall),
        }


def evaluate(clause: Clause, report: KPIReport) -> KPIEvaluation:
    """Judge one report against the clause's obligation (see the module docstring)."""
    ob = clause.obligation
    if ob is None:
        raise DataError(f"clause {clause.number} has no obligation to report on", column="clause")
    if report.clause != clause.number:
        raise DataError(f"report is for clause {report.clause}, not {clause.number}", column="clause")
    if report.period_end < ob.deadline:
        outcome, short = Outcome.IN_PROGRESS, Decimal(0)
    elif ob.is_met(report.value):
        outcome, short = Outcome.MET, Decimal(0)
    else:
        short = ob.shortfall(report.value)
        exempt = report.force_majeure and (clause.breach is None or clause.breach.force_majeure_exempt)
        outcome = Outcome.EXEMPT if exempt else Outcome.NOT_MET
    return KPIEvaluation(
        clause=clause.number,
        obligor=ob.obligor,
        metric=ob.metric,
        period_end=report.period_end,
        value=report.value,
        target=ob.target,
        comparator=ob.comparator.value,
        outcome=outcome,
        shortfall=short,
    )


@dataclass(frozen=True)
class Sanction:
    kind: str  # liquidated_damages | reputation_notice | loss_of_priority | credit_penalty
    amount_fen: int = 0
    points: int = 0
    label_zh: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "amount_fen": self.amount_fen,
            "points": self.points,
            "label_zh": self.label_zh,
        }


@dataclass(frozen=True)
class BreachEvent:
    """A missed obligation and the sanctions its breach terms attach."""

    clause: str
    obligor: str
    period_end: date
    shortfall: Decimal
    sanctions: tuple[Sanction, ...]

    @property
    def damages_fen(self) -> int:
        return sum(s.amount_fen for s in self.sanctions)

    @property
    def credit_points(self) -> int:
        return sum(s.points for s in self.sanctions)

    def to_dict(self) -> dict[str, Any]:
        return {
            "clause": self.clause,
            "obligor": self.obligor,
            "period_end": self.period_end.isoformat(),
            "shortfall": str(self.shortfall),
            "damages_fen": self.damages_fen,
            "credit_points": self.credit_points,
            "sanctions": [s.to_dict() for s in self.sanctions],
        }


def sanctions_for(terms: BreachTerms | None, shortfall: Decimal) -> tuple[Sanction, ...]:
    """The sanctions that ``terms`` attach to a breach with this shortfall."""
    if terms is None:
        return ()
    out: list[Sanction] = []
    if terms.damages is not None:
        amt = terms.damages.amount(shortfall)
        if amt:
            out.append(Sanction("liquidated_damages", amount_fen=amt, label_zh="违约金"))
    if terms.reputation_notice:
        out.append(Sanction("reputation_notice", label_zh="声誉通报"))
    if terms.loss_of_priority:
        out.append(Sanction("loss_of_priority", label_zh="丧失优先合作权"))
    if terms.credit_penalty:
        out.append(Sanction("credit_penalty", points=-terms.credit_penalty, label_zh="信用扣分"))
    return tuple(out)


def duty_sanctions(terms: BreachTerms | None) -> tuple[Sanction, ...]:
    """Sanctions of a failed duty (a report not filed, a payment not made by its due date).

    There is no shortfall to price, so the damages are the fixed part of the formula,
    capped: ``min(cap_fen, fixed_fen)``; the other sanctions are those of the terms.
    """
    if terms is None:
        return ()
    out = [s for s in sanctions_for(terms, Decimal(0)) if s.kind != "liquidated_damages"]
    if terms.damages is not None and terms.damages.fixed_fen:
        cap = terms.damages.cap_fen
        amt = terms.damages.fixed_fen if cap is None else min(cap, terms.damages.fixed_fen)
        if amt:
            out.insert(0, Sanction("liquidated_damages", amount_fen=amt, label_zh="违约金"))
    return tuple(out)


def breach_from(clause: Clause, evaluation: KPIEvaluation) -> BreachEvent | None:
    """A breach event for a *not met* evaluation of a clause whose breach terms make it one.

    Missing a target is a breach only where the clause says so (it states breach terms);
    a clause whose only consequence is an agreed compensation payment (Xin'an type) orders
    that payment and records no breach (issue 8: compensation is not breach).
    """
    if evaluation.outcome is not Outcome.NOT_MET or clause.breach is None:
        return None
    return BreachEvent(
        clause=clause.number,
        obligor=evaluation.obligor,
        period_end=evaluation.period_end,
        shortfall=evaluation.shortfall,
        sanctions=sanctions_for(clause.breach, evaluation.shortfall),
    )


@dataclass(frozen=True)
class PaymentOrder:
    """A payment a judged period gives rise to (integer fen), with why, and when it is due."""

    kind: str  # compensation | liquidated_damages
    payer: str
    payee: str
    amount_fen: int
    clause: str
    period_end: date
    basis: str
    due_on: date | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "payer": self.payer,
            "payee": self.payee,
            "amount_fen": self.amount_fen,
            "clause": self.clause,
            "period_end": self.period_end.isoformat(),
            "basis": self.basis,
            "due_on": None if self.due_on is None else self.due_on.isoformat(),
        }


def payments_for(
    clause: Clause, evaluation: KPIEvaluation, parties: tuple[str, ...]
) -> tuple[PaymentOrder, ...]:
    """Payments ordered by the clause for this judged period.

    - the compensation term, when its ``when`` matches the outcome; its ``otherwise_fen``
      (payee to payer) when the period is judged the other way (met / not met; an
      in-progress or exempt period orders nothing); due ``due_days`` after the period end;
    - liquidated damages of a breach, paid by the obligor to the breach terms'
      beneficiary, or to the other party when the instrument has exactly two parties;
      with more parties and no beneficiary named, damages are owed to the instrument's
      common fund (payee ``"fund"``).
    """
    out: list[PaymentOrder] = []
    comp = clause.compensation
    outcome = evaluation.outcome.value
    judged = outcome in (Outcome.MET.value, Outcome.NOT_MET.value)
    if comp is not None and judged and (comp.when == outcome or comp.otherwise_fen):
        due = None if comp.due_days is None else evaluation.period_end + timedelta(days=comp.due_days)
        payer, payee, amount = (
            (comp.payer, comp.payee, comp.amount_fen)
            if comp.when == outcome
            else (comp.payee, comp.payer, comp.otherwise_fen)
        )
        out.append(
            PaymentOrder(
                "compensation",
                payer,
                payee,
                amount,
                clause.number,
                evaluation.period_end,
                f"clause {clause.number}: obligation {outcome}; {comp.source}".strip("; "),
                due,
            )
        )
    breach = breach_from(clause, evaluation)
    if breach is not None and breach.damages_fen > 0:
        terms = clause.breach
        others = [p for p in parties if p != breach.obligor]
        payee = (terms.beneficiary if terms is not None and terms.beneficiary else None) or (
            others[0] if len(others) == 1 else "fund"
        )
        out.append(
            PaymentOrder(
                "liquidated_damages",
                breach.obligor,
                payee,
                breach.damages_fen,
                clause.number,
                evaluation.period_end,
                f"breach of clause {clause.number}, shortfall {breach.shortfall}",
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class CreditEvent:
    """One append-only entry of a credit record."""

    subject: str
    at: datetime
    delta: int
    reason: str
    ref: str = ""
    #: +1 when the event records a breach, -1 when it withdraws one, 0 otherwise
    breaches: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "at": self.at.isoformat(),
            "delta": self.delta,
            "reason": self.reason,
            "ref": self.ref,
            "breaches": self.breaches,
        }


#: presentation convention for the starting score (not a published scale)
CREDIT_BASE = 100


@dataclass(frozen=True)
class CreditRecord:
    subject: str
    score: int
    n_events: int
    breaches: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "score": self.score,
            "n_events": self.n_events,
            "breaches": self.breaches,
        }


def credit_score(events: Iterable[CreditEvent], *, base: int = CREDIT_BASE) -> int:
    """``base + sum(delta)`` over the events (order does not matter: a commutative fold)."""
    return base + sum(e.delta for e in events)


def credit_record(subject: str, events: Iterable[CreditEvent], *, base: int = CREDIT_BASE) -> CreditRecord:
    """The credit record of ``subject`` from all events (events of other subjects ignored)."""
    mine = [e for e in events if e.subject == subject]
    return CreditRecord(
        subject=subject,
        score=credit_score(mine, base=base),
        n_events=len(mine),
        breaches=sum(e.breaches for e in mine),
    )


def credit_events_for(breach: BreachEvent, at: datetime, ref: str = "") -> tuple[CreditEvent, ...]:
    """Credit events caused by a breach: one per credit-penalty sanction, the first counting the breach.

    A breach without a credit penalty still writes one event (delta 0) that counts it, so that
    the breach count of the credit record equals the number of breaches recorded.
    """
    reason = f"breach of clause {breach.clause} for the period ending {breach.period_end.isoformat()}"
    points = [s.points for s in breach.sanctions if s.points] or [0]
    return tuple(
        CreditEvent(
            subject=breach.obligor, at=at, delta=p, reason=reason, ref=ref, breaches=1 if k == 0 else 0
        )
        for k, p in enumerate(points)
    )


def withdrawal_events_for(
    events: Iterable[CreditEvent], at: datetime, reason: str, ref: str = ""
) -> tuple[CreditEvent, ...]:
    """The events that undo a breach's ``events`` (withdrawn by an amendment or waived by a decision).

    One event per subject: it gives back the points (``-sum(delta)``) and uncounts the
    breaches (``-sum(breaches)``), so that the fold is as if the breach had not been recorded.
    """
    by_subject: dict[str, tuple[int, int]] = {}
    for e in events:
        d, b = by_subject.get(e.subject, (0, 0))
        by_subject[e.subject] = (d + e.delta, b + e.breaches)
    return tuple(
        CreditEvent(subject=s, at=at, delta=-d, reason=reason, ref=ref, breaches=-b)
        for s, (d, b) in sorted(by_subject.items())
        if d or b
    )
