"""Use cases of monitoring: KPI reports (single and CSV bulk), breaches, credit, payments.

A KPI report is judged by the pure domain (:func:`regcoord.agreements.evaluate`, by
period end and report time); a *not met* period becomes a breach with its sanctions,
credit events and liquidated damages; compensation clauses order payments (integer fen)
into the ledger — all in the transaction of the report, with its audit event.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from regcoord import agreements as ag
from regcoord.errors import ConflictError, DataError, NotFound, PermissionDenied
from regcoord.service import validation
from regcoord.service.db import models as m
from regcoord.service.db.credit_models import CreditStanding
from regcoord.service.usecases._context import (
    Ctx,
    clause_domain,
    is_system,
    load_instrument,
    policy_object,
    require,
    seal,
)

#: bounds that keep values and amounts representable on both backends (BIGINT fen)
MAX_VALUE = Decimal(10) ** 15
MAX_FEN = 10**17


def _parse_date(value: Any, column: str, row: int | None = None) -> date:
    return validation.day(value, field=column, row=row)


def schedule_of(inst: m.Instrument, row: m.ClauseRow) -> ag.ReportingSchedule:
    """The reporting schedule of a clause's obligation in its instrument."""
    if row.obligation is None:
        raise DataError(f"clause {row.number} has no obligation to report on", column="clause_id")
    return ag.schedule_for(ag.Obligation.from_dict(row.obligation), expires_on=inst.expires_on)


def _clause_for_report(ctx: Ctx, clause_id: int) -> tuple[m.ClauseRow, m.Instrument]:
    row = ctx.session.get(m.ClauseRow, clause_id)
    if row is None:
        raise NotFound(f"clause {clause_id} not found")
    inst = load_instrument(ctx, row.instrument_id)
    obj = policy_object(ctx, inst)
    if row.obligation is None:
        raise DataError(f"clause {row.number} has no obligation to report on", column="clause_id")
    clause_obj = ag.PolicyObject(
        "instrument",
        state=inst.state,
        parties=obj.parties,
        obligors=frozenset({row.obligation["obligor"]}),
        superiors=obj.superiors,
    )
    require(ctx, "report_kpi", clause_obj, f"clause {clause_id}")
    return row, inst


def _value(
    row: m.ClauseRow, value: Any, measurements: dict[str, Any] | None
) -> tuple[Decimal, dict[str, Any] | None]:
    if row.assessment is not None:
        if measurements is None or value is not None:
            raise DataError(
                f"clause {row.number}: its value is computed by {row.assessment['engine']}; give measurements, not a value",
                column="measurements",
                expected="{indicator: concentration}",
            )
        from regcoord.service.usecases import assessments

        return assessments.compute(row.assessment, measurements)
    if value is None or measurements is not None:
        raise DataError(
            "give the value (this clause has no assessment engine for measurements)", column="value"
        )
    return validation.number(value, field="value"), None


def current_report(ctx: Ctx, clause_id: int, period_start: date) -> m.KPIReportRow | None:
    """The report in force for a clause and period (the latest revision, not superseded)."""
    return ctx.session.scalar(
        select(m.KPIReportRow).where(
            m.KPIReportRow.clause_id == clause_id,
            m.KPIReportRow.period_start == period_start,
            m.KPIReportRow.superseded_at.is_(None),
        )
    )


def report_kpi(
    ctx: Ctx,
    clause_id: int,
    *,
    period_start: date,
    period_end: date,
    value: Any = None,
    evidence: str,
    force_majeure: bool = False,
    measurements: dict[str, Any] | None = None,
) -> m.KPIReportRow:
    """Report one scheduled period's value (or, for a clause with an assessment, its measurements).

    The period must be exactly one period of the clause's reporting schedule
    (:func:`regcoord.agreements.schedule_for`); a second report of the same period is a
    conflict (a correction is :func:`amend_report`).
    """
    row, inst = _clause_for_report(ctx, clause_id)
    validation.check_day(period_start, field="period_start")
    validation.check_day(period_end, field="period_end")
    validation.text(evidence, field="evidence", max_len=2000)
    if not evidence.strip():
        raise DataError("evidence is empty", column="evidence", expected="what proves the value")
    computed, record = _value(row, value, measurements)
    if period_end < period_start:
        raise DataError(
            f"period ends {period_end} before it starts {period_start}",
            column="period_end",
            expected="period_end >= period_start",
        )
    period = schedule_of(inst, row).period_of(period_start, period_end)
    existing = current_report(ctx, row.id, period.start)
    if existing is not None:
        raise ConflictError(
            f"clause {row.number} already has report {existing.id} for the period {period.start} to "
            f"{period.end}; a correction is an amendment of that report"
        )
    return _judge(ctx, inst, row, period, computed, record, evidence, force_majeure, prior=None, reason="")


def amend_report(
    ctx: Ctx,
    report_id: int,
    *,
    value: Any = None,
    evidence: str,
    reason: str,
    force_majeure: bool = False,
    measurements: dict[str, Any] | None = None,
) -> m.KPIReportRow:
    """Correct a filed report: a new revision supersedes it (both kept) and its orders are recomputed.

    The breach and payment orders of the period are those of the new revision: an order of
    the same kind is updated in place (never a second one), one no longer owed is voided,
    a breach no longer owed is withdrawn with its credit points given back. An order
    already confirmed as paid is not changed: such a correction is refused (raise a dispute).
    """
    old = ctx.session.get(m.KPIReportRow, report_id)
    if old is None:
        raise NotFound(f"report {report_id} not found")
    row, inst = _clause_for_report(ctx, old.clause_id)
    if old.superseded_at is not None:
        raise ConflictError(f"report {report_id} is already superseded; amend the latest revision")
    validation.text(evidence, field="evidence", max_len=2000)
    validation.text(reason, field="reason", max_len=2000)
    if not evidence.strip():
        raise DataError("evidence is empty", column="evidence", expected="what proves the value")
    if not reason.strip():
        raise DataError("reason is empty", column="reason", expected="why the report is corrected")
    computed, record = _value(row, value, measurements)
    period = schedule_of(inst, row).period_of(old.period_start, old.period_end)
    old.superseded_at = ctx.now
    seal(ctx, "kpi.supersede", old, {"superseded_by_revision": old.revision + 1, "reason": reason})
    return _judge(ctx, inst, row, period, computed, record, evidence, force_majeure, prior=old, reason=reason)


def _judge(
    ctx: Ctx,
    inst: m.Instrument,
    row: m.ClauseRow,
    period: ag.Period,
    computed: Decimal,
    record: dict[str, Any] | None,
    evidence: str,
    force_majeure: bool,
    *,
    prior: m.KPIReportRow | None,
    reason: str,
) -> m.KPIReportRow:
    clause = clause_domain(row)
    report = ag.KPIReport(row.number, period.start, period.end, computed, ctx.now, force_majeure)
    if abs(report.value) > MAX_VALUE:
        raise DataError(
            f"value {report.value} is out of range", column="value", expected=f"|value| <= {MAX_VALUE}"
        )
    ev = ag.evaluate(clause, report)
    breach = ag.breach_from(clause, ev)
    orders = ag.payments_for(clause, ev, tuple(p.region_code for p in inst.parties))
    if any(o.amount_fen > MAX_FEN for o in orders) or (breach is not None and breach.damages_fen > MAX_FEN):
        raise DataError(
            "the damages of this shortfall exceed the ledger's range",
            column="value",
            expected=f"amounts up to {MAX_FEN} fen",
        )
    rep = m.KPIReportRow(
        clause_id=row.id,
        period_start=period.start,
        period_end=period.end,
        value=report.value,
        evidence=evidence,
        force_majeure=force_majeure,
        reporter_id=ctx.principal.user_id,
        reported_at=ctx.now,
        outcome=ev.outcome.value,
        shortfall=ev.shortfall,
        measurements=record,
        revision=1 if prior is None else prior.revision + 1,
        supersedes_id=None if prior is None else prior.id,
        amendment_reason=reason,
    )
    ctx.session.add(rep)
    seal(
        ctx,
        "kpi.report" if prior is None else "kpi.amend",
        rep,
        {"clause": row.id, "period": period.to_dict(), **ev.to_dict()},
    )
    _apply_breach(ctx, inst, row, rep, breach, prior)
    _apply_orders(ctx, inst, row, rep, period, ev, orders)
    return rep


def _apply_breach(
    ctx: Ctx,
    inst: m.Instrument,
    row: m.ClauseRow,
    rep: m.KPIReportRow,
    breach: ag.BreachEvent | None,
    prior: m.KPIReportRow | None,
) -> None:
    old = None
    if prior is not None:
        old = ctx.session.scalar(
            select(m.BreachRow).where(m.BreachRow.kpi_report_id == prior.id, m.BreachRow.status == "recorded")
        )
    if breach is not None and old is not None:  # the same breach, recomputed
        old.kpi_report_id = rep.id
        old.damages_fen = breach.damages_fen
        old.sanctions = [s.to_dict() for s in breach.sanctions]
        seal(ctx, "breach.amend", old, breach.to_dict())
    elif breach is not None:
        b = m.BreachRow(
            kpi_report_id=rep.id,
            kind="target_missed",
            clause_id=row.id,
            period_start=rep.period_start,
            instrument_id=inst.id,
            clause_number=row.number,
            obligor=breach.obligor,
            period_end=rep.period_end,
            damages_fen=breach.damages_fen,
            sanctions=[s.to_dict() for s in breach.sanctions],
            created_at=ctx.now,
            status="recorded",
        )
        ctx.session.add(b)
        seal(ctx, "breach.create", b, breach.to_dict())
        record_credit_events(ctx, breach, ref=f"breach:{b.id}")
    elif old is not None:  # the corrected value meets the target: no breach
        withdraw_breach(
            ctx, old, status="withdrawn", reason=f"report {rep.id} amends the report of this breach"
        )


def withdraw_breach(ctx: Ctx, b: m.BreachRow, *, status: str, reason: str) -> None:
    """Withdraw (amendment) or waive (dispute decision) a breach; its credit events are undone."""
    b.status = status
    seal(ctx, f"breach.{status}", b, {"reason": reason})
    ref = f"breach:{b.id}"
    rows = ctx.session.scalars(select(m.CreditEventRow).where(m.CreditEventRow.ref == ref)).all()
    events = [ag.CreditEvent(r.subject, r.at, r.delta, r.reason, r.ref, r.breaches) for r in rows]
    write_credit_events(
        ctx, ag.withdrawal_events_for(events, ctx.now, f"breach {b.id} {status}: {reason}", ref)
    )


def _apply_orders(
    ctx: Ctx,
    inst: m.Instrument,
    row: m.ClauseRow,
    rep: m.KPIReportRow,
    period: ag.Period,
    ev: ag.KPIEvaluation,
    orders: tuple[ag.PaymentOrder, ...],
) -> None:
    existing = {
        p.kind: p
        for p in ctx.session.scalars(
            select(m.Payment).where(m.Payment.clause_id == row.id, m.Payment.period_start == period.start)
        )
    }
    wanted = {po.kind: po for po in orders}
    for kind, old in existing.items():
        if kind in wanted:
            continue
        if old.status == "paid":
            raise ConflictError(
                f"payment {old.id} of this period was confirmed as paid; a correction that cancels it "
                "needs a dispute decision"
            )
        if old.status == "due":
            old.status = "void"
            old.kpi_report_id = rep.id
            seal(ctx, "payment.void", old, {"reason": f"report {rep.id} no longer orders it"})
    for kind, po in wanted.items():
        payee = po.payee if po.payee != "fund" else f"fund:{inst.id}"
        trace = {"basis": po.basis, "evaluation": ev.to_dict(), "assessment": rep.measurements}
        pay = existing.get(kind)
        if pay is None:
            pay = m.Payment(
                instrument_id=inst.id,
                clause_id=row.id,
                kpi_report_id=rep.id,
                kind=po.kind,
                payer=po.payer,
                payee=payee,
                amount_fen=po.amount_fen,
                period_start=period.start,
                period_end=po.period_end,
                due_on=po.due_on,
                status="due",
                trace=trace,
                created_at=ctx.now,
            )
            ctx.session.add(pay)
            seal(ctx, "payment.order", pay, po.to_dict())
            continue
        same = (pay.payer, pay.payee, pay.amount_fen) == (po.payer, payee, po.amount_fen)
        if pay.status == "paid" and not same:
            raise ConflictError(
                f"payment {pay.id} of this period was confirmed as paid; a correction that changes it "
                "needs a dispute decision"
            )
        if pay.status == "waived":
            continue  # a dispute decision waived this order; a correction does not revive it
        pay.kpi_report_id = rep.id
        pay.payer, pay.payee, pay.amount_fen, pay.due_on, pay.trace = (
            po.payer,
            payee,
            po.amount_fen,
            po.due_on,
            trace,
        )
        if pay.status == "void":
            pay.status = "due"
        seal(ctx, "payment.recompute", pay, po.to_dict())


def sweep_overdue(ctx: Ctx) -> list[m.BreachRow]:
    """Record the breaches of failed duties as of the date of the call (``ctx.now``).

    - a payment still ``due`` after its due date: a ``payment_late`` breach of the payer;
    - a scheduled period whose report is past its deadline (the period end plus the
      obligation's ``report_within_days``, when the clause states it) and not filed: a
      ``report_missing`` breach of the obligor (periods from the one ending on the
      obligation's deadline up to the instrument's expiry).

    Each breach carries the sanctions of the clause's breach terms (damages as the fixed
    part of the formula: there is no shortfall to price), writes its credit event and, when
    it has damages, a liquidated-damages order. Idempotent: a breach is recorded once
    (unique per payment, and per clause, period and kind). Only the reviewing superior or an
    administrator sweeps.
    """
    if not is_system(ctx) and ctx.principal.role not in (ag.Role.REVIEWER, ag.Role.ADMIN):
        raise PermissionDenied(f"{ctx.principal.role.value} may not sweep overdue duties")
    today = ctx.now.date()
    out: list[m.BreachRow] = []
    late = ctx.session.scalars(
        select(m.Payment)
        .where(m.Payment.status == "due", m.Payment.due_on.is_not(None), m.Payment.due_on < today)
        .order_by(m.Payment.id)
    ).all()
    for pay in late:
        if ctx.session.scalar(select(m.BreachRow.id).where(m.BreachRow.payment_id == pay.id)) is not None:
            continue
        row = None if pay.clause_id is None else ctx.session.get(m.ClauseRow, pay.clause_id)
        if row is None or pay.payer.startswith("fund:"):
            continue
        inst = ctx.session.get(m.Instrument, pay.instrument_id)
        assert inst is not None
        out.append(
            _duty_breach(ctx, inst, row, "payment_late", pay.payer, pay.period_start, pay.period_end, pay.id)
        )
    operative = [s.value for s in ag.OPERATIVE_STATES]
    for inst in ctx.session.scalars(select(m.Instrument).where(m.Instrument.state.in_(operative))):
        for row in inst.clauses:
            if row.obligation is None or row.obligation.get("report_within_days") is None:
                continue
            ob = ag.Obligation.from_dict(row.obligation)
            assert ob.report_within_days is not None
            sched = schedule_of(inst, row)
            k = sched.first_index if sched.first_index is not None else -1
            while abs(k) <= 1200:
                p = sched.period(k)
                if p.end < ob.deadline:
                    k += 1
                    continue
                if not sched.scheduled(k) or p.end + timedelta(days=ob.report_within_days) >= today:
                    break
                k += 1
                if current_report(ctx, row.id, p.start) is not None:
                    continue
                done = ctx.session.scalar(
                    select(m.BreachRow.id).where(
                        m.BreachRow.clause_id == row.id,
                        m.BreachRow.period_start == p.start,
                        m.BreachRow.kind == "report_missing",
                    )
                )
                if done is None:
                    out.append(
                        _duty_breach(ctx, inst, row, "report_missing", ob.obligor, p.start, p.end, None)
                    )
    return out


def _duty_breach(
    ctx: Ctx,
    inst: m.Instrument,
    row: m.ClauseRow,
    kind: str,
    obligor: str,
    period_start: date | None,
    period_end: date,
    payment_id: int | None,
) -> m.BreachRow:
    clause = clause_domain(row)
    breach = ag.BreachEvent(row.number, obligor, period_end, Decimal(0), ag.duty_sanctions(clause.breach))
    b = m.BreachRow(
        kpi_report_id=None,
        kind=kind,
        clause_id=row.id,
        period_start=period_start,
        payment_id=payment_id,
        instrument_id=inst.id,
        clause_number=row.number,
        obligor=obligor,
        period_end=period_end,
        damages_fen=breach.damages_fen,
        sanctions=[s.to_dict() for s in breach.sanctions],
        created_at=ctx.now,
        status="recorded",
    )
    ctx.session.add(b)
    seal(ctx, f"breach.{kind}", b, breach.to_dict())
    record_credit_events(ctx, breach, ref=f"breach:{b.id}")
    if breach.damages_fen > 0:
        others = [p.region_code for p in inst.parties if p.region_code != obligor]
        terms = clause.breach
        named = terms.beneficiary if terms is not None and terms.beneficiary != obligor else None
        payee = named or (others[0] if len(others) == 1 else f"fund:{inst.id}")
        pay = m.Payment(
            instrument_id=inst.id,
            clause_id=None,
            kpi_report_id=None,
            kind="liquidated_damages",
            payer=obligor,
            payee=payee,
            amount_fen=breach.damages_fen,
            period_start=None,
            period_end=period_end,
            status="due",
            trace={"basis": f"{kind} breach {b.id} of clause {row.number}", "breach": b.id},
            created_at=ctx.now,
        )
        ctx.session.add(pay)
        seal(ctx, "payment.order", pay, {"breach": b.id, "amount_fen": pay.amount_fen})
    return b


CSV_COLUMNS = ("clause_id", "period_start", "period_end", "value", "evidence")


@dataclass(frozen=True)
class PlannedReport:
    """One CSV row parsed and checked (authorization, schedule, value), not yet written."""

    row: int  # CSV row number (header = row 1)
    clause_id: int
    clause_number: str
    period_start: date
    period_end: date
    value: str | None
    measurements: dict[str, Any] | None
    evidence: str
    force_majeure: bool


@dataclass(frozen=True)
class ImportPlan:
    """A CSV import checked row by row, ready to write (:func:`plan_import`, :func:`apply_import`)."""

    instrument_id: int
    instrument_version: int
    reports: tuple[PlannedReport, ...]


def plan_import(ctx: Ctx, instrument_id: int, text: str) -> ImportPlan:
    """Check every row of a KPI CSV, reading only (on SQLite no write lock is held meanwhile).

    Columns: ``clause_id, period_start, period_end, value, evidence[, force_majeure]``, and
    ``m:<indicator>`` measurement columns for clauses whose value an engine computes
    (leave ``value`` empty on those rows).  Each row must name one scheduled period of its
    clause that has no report yet (in the store or earlier in the file).  Errors name the
    row (1-based, header = row 1) and column.
    """
    inst = load_instrument(ctx, instrument_id)
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise DataError(f"missing columns {missing}", source="upload", row=1, expected=", ".join(CSV_COLUMNS))
    clauses = {c.id: c for c in inst.clauses}
    taken = {
        (int(c), start)
        for c, start in ctx.session.execute(
            select(m.KPIReportRow.clause_id, m.KPIReportRow.period_start).where(
                m.KPIReportRow.clause_id.in_(list(clauses)), m.KPIReportRow.superseded_at.is_(None)
            )
        ).all()
    }
    out: list[PlannedReport] = []
    for i, r in enumerate(reader, start=2):
        try:
            cid = validation.db_id(str(r["clause_id"] or ""), field="clause_id", row=i)
            if cid not in clauses:
                raise DataError(
                    f"clause {cid} is not a clause of instrument {instrument_id}", column="clause_id"
                )
            row, _ = _clause_for_report(ctx, cid)
            start = _parse_date(r["period_start"], "period_start", i)
            end = _parse_date(r["period_end"], "period_end", i)
            evidence = validation.text(str(r["evidence"] or ""), field="evidence", max_len=2000, row=i)
            if not evidence.strip():
                raise DataError("evidence is empty", column="evidence", expected="what proves the value")
            value = str(r["value"] or "").strip() or None
            measurements = {
                k[2:]: v.strip() for k, v in r.items() if k and k.startswith("m:") and v and v.strip()
            } or None
            _value(row, value, measurements)
            if end < start:
                raise DataError(
                    f"period ends {end} before it starts {start}",
                    column="period_end",
                    expected="period_end >= period_start",
                )
            period = schedule_of(inst, row).period_of(start, end)
            if (cid, period.start) in taken:
                raise ConflictError(
                    f"clause {row.number} already has a report for the period {period.start} to "
                    f"{period.end}; a correction is an amendment of that report"
                )
        except DataError as exc:
            raise DataError(
                exc.problem, source="upload", row=i, column=exc.column, expected=exc.expected
            ) from None
        except (ConflictError, PermissionDenied) as exc:
            raise type(exc)(f"row {i}: {exc}") from None
        taken.add((cid, period.start))
        fm = str(r.get("force_majeure") or "").strip().lower() in ("1", "true", "yes")
        out.append(PlannedReport(i, cid, row.number, start, end, value, measurements, evidence, fm))
    if not out:
        raise DataError("the file has no data rows", source="upload", row=2)
    return ImportPlan(inst.id, inst.version_id, tuple(out))


def apply_import(ctx: Ctx, plan: ImportPlan) -> list[m.KPIReportRow]:
    """Write a planned import in one transaction, after checking that the instrument did not change.

    Every row goes through :func:`report_kpi` (the same schedule, payment, breach, credit and
    audit-seal rules as a single report); all rows or none.
    """
    inst = load_instrument(ctx, plan.instrument_id)
    if inst.version_id != plan.instrument_version:
        raise ConflictError(f"instrument {plan.instrument_id} changed during the import; upload again")
    out = []
    for p in plan.reports:
        try:
            out.append(
                report_kpi(
                    ctx,
                    p.clause_id,
                    period_start=p.period_start,
                    period_end=p.period_end,
                    value=p.value,
                    measurements=p.measurements,
                    evidence=p.evidence,
                    force_majeure=p.force_majeure,
                )
            )
        except DataError as exc:
            raise DataError(
                exc.problem, source="upload", row=p.row, column=exc.column, expected=exc.expected
            ) from None
        except (ConflictError, PermissionDenied) as exc:
            raise type(exc)(f"row {p.row}: {exc}") from None
    return out


def import_csv(
    ctx: Ctx, instrument_id: int, text: str, *, plan_ctx: Ctx | None = None
) -> list[m.KPIReportRow]:
    """Bulk import of KPI reports; all rows or none; every row passes the same authorization.

    The rows are checked first with ``plan_ctx`` (a read-only session: on SQLite no write
    lock is held while a large file is validated), then written with ``ctx``
    (:func:`plan_import`, :func:`apply_import`).
    """
    return apply_import(ctx, plan_import(plan_ctx or ctx, instrument_id, text))


def record_credit_events(ctx: Ctx, breach: ag.BreachEvent, *, ref: str) -> list[m.CreditEventRow]:
    """Write the credit events of ``breach`` (:func:`regcoord.agreements.credit_events_for`, dated ``ctx.now``).

    ``ref`` names what they come from (``breach:<id>`` for a KPI breach,
    ``trading-compliance:<run id>`` for a surrender shortfall). Every breach writes at
    least one event (it counts the breach even without a credit penalty).
    """
    return write_credit_events(ctx, ag.credit_events_for(breach, ctx.now, ref=ref))


def write_credit_events(ctx: Ctx, events: Iterable[ag.CreditEvent]) -> list[m.CreditEventRow]:
    """Append credit events to the credit record, each with its audit event, and update the standing.

    The one writer of the credit record (KPI breaches, withdrawn or waived breaches, trading
    compliance shortfalls): each event is a row of ``credit_event`` sealed in the audit
    chain, and the stored standing of its subject (``credit_standing``: score and breaches,
    read by every page and the API) is updated in the same transaction. Events come from the
    pure domain (:func:`regcoord.agreements.credit_events_for`,
    :func:`regcoord.agreements.withdrawal_events_for`).
    """
    rows = []
    for ce in events:
        cr = m.CreditEventRow(
            subject=ce.subject, delta=ce.delta, reason=ce.reason, ref=ce.ref, at=ce.at, breaches=ce.breaches
        )
        ctx.session.add(cr)
        seal(ctx, "credit.event", cr, ce.to_dict())
        st = ctx.session.get(CreditStanding, ce.subject)
        if st is None:
            st = CreditStanding(
                subject=ce.subject, score=ag.CREDIT_BASE, n_events=0, breaches=0, updated_at=ctx.now
            )
            ctx.session.add(st)
        st.score += ce.delta
        st.n_events += 1
        st.breaches += ce.breaches
        st.updated_at = ctx.now
        rows.append(cr)
    ctx.session.flush()
    return rows


def standings(ctx: Ctx, subjects: Iterable[str] | None = None) -> dict[str, ag.CreditRecord]:
    """Score and breach count of each region, from the stored standing (one query for every page).

    A region without credit events has the base score and no breach.
    """
    q = select(CreditStanding)
    wanted = None if subjects is None else sorted(set(subjects))
    if wanted is not None:
        q = q.where(CreditStanding.subject.in_(wanted))
    found = {
        st.subject: ag.CreditRecord(st.subject, st.score, st.n_events, st.breaches)
        for st in ctx.session.scalars(q)
    }
    for s in wanted or ():
        found.setdefault(s, ag.CreditRecord(s, ag.CREDIT_BASE, 0, 0))
    return found


#: credit events shown with a region's record (the newest; the score counts them all)
CREDIT_EVENTS_SHOWN = 200


def credit(
    ctx: Ctx, subject: str, *, limit: int = CREDIT_EVENTS_SHOWN
) -> tuple[ag.CreditRecord, list[m.CreditEventRow]]:
    """The public credit record of a region (the stored standing) and its newest ``limit``
    events, oldest first: the cost of a read does not grow with the region's history."""
    newest = list(
        ctx.session.scalars(
            select(m.CreditEventRow)
            .where(m.CreditEventRow.subject == subject)
            .order_by(m.CreditEventRow.id.desc())
            .limit(limit)
        )
    )
    return standings(ctx, [subject])[subject], newest[::-1]


def credit_by_fold(ctx: Ctx, subject: str) -> ag.CreditRecord:
    """The credit record recomputed as the fold over the events (verifies the stored standing)."""
    rows = ctx.session.scalars(select(m.CreditEventRow).where(m.CreditEventRow.subject == subject))
    events = [ag.CreditEvent(r.subject, r.at, r.delta, r.reason, r.ref, r.breaches) for r in rows]
    return ag.credit_record(subject, events)


def report_out(r: m.KPIReportRow) -> dict[str, Any]:
    return {
        "id": r.id,
        "clause_id": r.clause_id,
        "period_start": r.period_start.isoformat(),
        "period_end": r.period_end.isoformat(),
        "value": str(r.value),
        "evidence": r.evidence,
        "force_majeure": r.force_majeure,
        "reported_at": r.reported_at.isoformat(),
        "outcome": r.outcome,
        "shortfall": str(r.shortfall),
        "measurements": r.measurements,
        "revision": r.revision,
        "supersedes_id": r.supersedes_id,
        "superseded": r.superseded_at is not None,
        "amendment_reason": r.amendment_reason,
    }


def breach_out(b: m.BreachRow) -> dict[str, Any]:
    return {
        "id": b.id,
        "instrument_id": b.instrument_id,
        "kpi_report_id": b.kpi_report_id,
        "clause": b.clause_number,
        "obligor": b.obligor,
        "period_end": b.period_end.isoformat(),
        "damages_fen": b.damages_fen,
        "sanctions": b.sanctions,
        "status": b.status,
        "kind": b.kind,
        "payment_id": b.payment_id,
    }


def payment_out(p: m.Payment) -> dict[str, Any]:
    return {
        "id": p.id,
        "instrument_id": p.instrument_id,
        "kind": p.kind,
        "payer": p.payer,
        "payee": p.payee,
        "amount_fen": p.amount_fen,
        "amount_yuan": str(Decimal(p.amount_fen) / 100),
        "period_end": p.period_end.isoformat(),
        "status": p.status,
        "trace": p.trace,
        "period_start": None if p.period_start is None else p.period_start.isoformat(),
        "due_on": None if p.due_on is None else p.due_on.isoformat(),
    }


def confirm_payment(ctx: Ctx, payment_id: int) -> m.Payment:
    """The payee's officer confirms that a due payment was received (status ``paid``)."""
    pay = ctx.session.get(m.Payment, payment_id)
    if pay is None:
        raise NotFound(f"payment {payment_id} not found")
    require(
        ctx,
        "confirm_payment",
        ag.PolicyObject("payment", state=pay.status, parties=frozenset({pay.payee})),
        f"payment {payment_id}",
    )
    if pay.status != "due":
        raise ConflictError(f"payment {payment_id} is already {pay.status}")
    pay.status = "paid"
    seal(ctx, "payment.confirm", pay, {"amount_fen": pay.amount_fen, "payer": pay.payer, "payee": pay.payee})
    return pay
