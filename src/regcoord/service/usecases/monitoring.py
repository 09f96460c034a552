"""Use cases of monitoring: KPI reports (single and CSV bulk), breaches, credit, payments.

A KPI report is judged by the pure domain (:func:`regcoord.agreements.evaluate`, by
period end and report time); a *not met* period becomes a breach with its sanctions,
credit events and liquidated damages; compensation clauses order payments (integer fen)
into the ledger — all in the transaction of the report, with its audit event.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from regcoord import agreements as ag
from regcoord.errors import ConflictError, DataError, NotFound, PermissionDenied
from regcoord.service import validation
from regcoord.service.db import models as m
from regcoord.service.usecases._context import Ctx, clause_domain, load_instrument, policy_object, require

#: bounds that keep values and amounts representable on both backends (BIGINT fen)
MAX_VALUE = Decimal(10) ** 15
MAX_FEN = 10**17


def _parse_date(value: Any, column: str, row: int | None = None) -> date:
    return validation.day(value, field=column, row=row)


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
    """Report one period's value (or, for a clause with an assessment, its measurements)."""
    validation.check_day(period_start, field="period_start")
    validation.check_day(period_end, field="period_end")
    validation.text(evidence, field="evidence", max_len=2000)
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
    if not evidence.strip():
        raise DataError("evidence is empty", column="evidence", expected="what proves the value")
    clause = clause_domain(row)
    record: dict[str, Any] | None = None
    if row.assessment is not None:
        if measurements is None or value is not None:
            raise DataError(
                f"clause {row.number}: its value is computed by {row.assessment['engine']}; give measurements, not a value",
                column="measurements",
                expected="{indicator: concentration}",
            )
        from regcoord.service.usecases import assessments

        computed, record = assessments.compute(row.assessment, measurements)
    elif value is None or measurements is not None:
        raise DataError(
            "give the value (this clause has no assessment engine for measurements)", column="value"
        )
    else:
        computed = validation.number(value, field="value")
    report = ag.KPIReport(row.number, period_start, period_end, computed, ctx.now, force_majeure)
    existing = ctx.session.scalar(
        select(m.KPIReportRow.id).where(
            m.KPIReportRow.clause_id == row.id, m.KPIReportRow.period_end == period_end
        )
    )
    if existing is not None:
        raise ConflictError(f"clause {row.number} already has a report for the period ending {period_end}")
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
        period_start=period_start,
        period_end=period_end,
        value=report.value,
        evidence=evidence,
        force_majeure=force_majeure,
        reporter_id=ctx.principal.user_id,
        reported_at=ctx.now,
        outcome=ev.outcome.value,
        shortfall=ev.shortfall,
        measurements=record,
    )
    ctx.session.add(rep)
    ctx.session.flush()
    ctx.audit("kpi.report", "kpi_report", rep.id, {"clause": row.id, **ev.to_dict()})
    if breach is not None:
        b = m.BreachRow(
            kpi_report_id=rep.id,
            instrument_id=inst.id,
            clause_number=row.number,
            obligor=breach.obligor,
            period_end=period_end,
            damages_fen=breach.damages_fen,
            sanctions=[s.to_dict() for s in breach.sanctions],
            created_at=ctx.now,
        )
        ctx.session.add(b)
        ctx.session.flush()
        ctx.audit("breach.create", "breach", b.id, breach.to_dict())
        record_credit_events(ctx, breach, ref=f"breach:{b.id}")
    for po in orders:
        pay = m.Payment(
            instrument_id=inst.id,
            kpi_report_id=rep.id,
            kind=po.kind,
            payer=po.payer,
            payee=po.payee if po.payee != "fund" else f"fund:{inst.id}",
            amount_fen=po.amount_fen,
            period_end=po.period_end,
            status="due",
            trace={"basis": po.basis, "evaluation": ev.to_dict(), "assessment": record},
            created_at=ctx.now,
        )
        ctx.session.add(pay)
        ctx.session.flush()
        ctx.audit("payment.order", "payment", pay.id, po.to_dict())
    return rep


CSV_COLUMNS = ("clause_id", "period_start", "period_end", "value", "evidence")


def import_csv(ctx: Ctx, instrument_id: int, text: str) -> list[m.KPIReportRow]:
    """Bulk import of KPI reports; all rows or none; every row passes the same authorization.

    Columns: ``clause_id, period_start, period_end, value, evidence[, force_majeure]``, and
    ``m:<indicator>`` measurement columns for clauses whose value an engine computes
    (leave ``value`` empty on those rows).
    Errors name the row (1-based, header = row 1) and column.
    """
    inst = load_instrument(ctx, instrument_id)
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise DataError(f"missing columns {missing}", source="upload", row=1, expected=", ".join(CSV_COLUMNS))
    clause_ids = {c.id for c in inst.clauses}
    out = []
    for i, r in enumerate(reader, start=2):
        cid = validation.db_id(str(r["clause_id"] or ""), field="clause_id", row=i)
        if cid not in clause_ids:
            raise DataError(
                f"clause {cid} is not a clause of instrument {instrument_id}",
                source="upload",
                row=i,
                column="clause_id",
            )
        fm = str(r.get("force_majeure") or "").strip().lower() in ("1", "true", "yes")
        try:
            out.append(
                report_kpi(
                    ctx,
                    cid,
                    period_start=_parse_date(r["period_start"], "period_start", i),
                    period_end=_parse_date(r["period_end"], "period_end", i),
                    value=str(r["value"] or "").strip() or None,
                    measurements={
                        k[2:]: v.strip() for k, v in r.items() if k and k.startswith("m:") and v and v.strip()
                    }
                    or None,
                    evidence=str(r["evidence"] or ""),
                    force_majeure=fm,
                )
            )
        except DataError as exc:
            raise DataError(
                exc.problem, source="upload", row=i, column=exc.column, expected=exc.expected
            ) from None
        except (ConflictError, PermissionDenied) as exc:
            raise type(exc)(f"row {i}: {exc}") from None
    if not out:
        raise DataError("the file has no data rows", source="upload", row=2)
    return out


def record_credit_events(ctx: Ctx, breach: ag.BreachEvent, *, ref: str) -> list[m.CreditEventRow]:
    """Append the credit events of ``breach`` to the credit record, each with its audit event.

    The events are those of the pure domain (:func:`regcoord.agreements.credit_events_for`:
    the breach's credit-penalty sanction, dated ``ctx.now``); ``ref`` names what they come
    from (``breach:<id>`` for a KPI breach, ``trading-compliance:<run id>`` for a surrender
    shortfall).  Written in the caller's transaction; returns the rows added (none when the
    breach carries no credit sanction).
    """
    rows = []
    for ce in ag.credit_events_for(breach, ctx.now, ref=ref):
        cr = m.CreditEventRow(subject=ce.subject, delta=ce.delta, reason=ce.reason, ref=ce.ref, at=ce.at)
        ctx.session.add(cr)
        ctx.session.flush()
        ctx.audit("credit.event", "credit_event", cr.id, ce.to_dict())
        rows.append(cr)
    return rows


def credit(ctx: Ctx, subject: str) -> tuple[ag.CreditRecord, list[m.CreditEventRow]]:
    """The public credit record of a region (score = fold of its append-only events)."""
    rows = list(
        ctx.session.scalars(
            select(m.CreditEventRow).where(m.CreditEventRow.subject == subject).order_by(m.CreditEventRow.id)
        )
    )
    events = [ag.CreditEvent(r.subject, r.at, r.delta, r.reason, r.ref) for r in rows]
    return ag.credit_record(subject, events), rows


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
    ctx.session.flush()
    ctx.audit(
        "payment.confirm",
        "payment",
        pay.id,
        {"amount_fen": pay.amount_fen, "payer": pay.payer, "payee": pay.payee},
    )
    return pay
