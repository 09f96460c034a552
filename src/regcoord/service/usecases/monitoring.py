"""Use cases of monitoring: KPI reports (single and CSV bulk), breaches, credit, payments.

A KPI report is judged by the pure domain (:func:`regcoord.agreements.evaluate`, by
period end and report time); a *not met* period becomes a breach with its sanctions,
credit events and liquidated damages; compensation clauses order payments (integer fen)
into the ledger — all in the transaction of the report, with its audit event.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, insert, select

from regcoord import agreements as ag
from regcoord.errors import ConflictError, DataError, NotFound, PermissionDenied
from regcoord.service import audit, validation
from regcoord.service.db import models as m
from regcoord.service.usecases._context import Ctx, clause_domain, load_instrument, policy_object, require

#: bounds that keep values and amounts representable on both backends (BIGINT fen)
MAX_VALUE = Decimal(10) ** 15
MAX_FEN = 10**17


def _parse_date(value: Any, column: str, row: int | None = None) -> date:
    return validation.day(value, field=column, row=row)


@dataclass(frozen=True)
class PreparedReport:
    """A KPI report checked and judged, not yet written (see :func:`prepare_report`).

    Everything that does not depend on the ids the database assigns is computed here, out
    of the write transaction: the column values of the report, breach and payment rows
    and the canonical JSON of their audit payloads.
    """

    clause_id: int
    clause_number: str
    period_end: date
    breach: ag.BreachEvent | None
    report_row: dict[str, Any]
    report_audit: str
    breach_row: dict[str, Any] | None
    breach_audit: str
    payment_rows: tuple[tuple[dict[str, Any], str], ...]  # (row, audit payload JSON)
    #: the same rows as the database driver takes them (SQLite: bind processors applied)
    report_db: dict[str, Any]
    breach_db: dict[str, Any] | None
    payment_db: tuple[dict[str, Any], ...]


def prepare_report(
    ctx: Ctx,
    row: m.ClauseRow,
    inst: m.Instrument,
    *,
    period_start: date,
    period_end: date,
    value: Any = None,
    evidence: str,
    force_majeure: bool = False,
    measurements: dict[str, Any] | None = None,
    reported: set[tuple[int, date]],
) -> PreparedReport:
    """Check one report (authorization, dates, value, not yet ``reported``) and judge it; reads only."""
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
    require(ctx, "report_kpi", clause_obj, f"clause {row.id}")
    validation.check_day(period_start, field="period_start")
    validation.check_day(period_end, field="period_end")
    validation.text(evidence, field="evidence", max_len=2000)
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
    if (row.id, period_end) in reported:
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
    report_row = {
        "clause_id": row.id,
        "period_start": period_start,
        "period_end": period_end,
        "value": report.value,
        "evidence": evidence,
        "force_majeure": force_majeure,
        "reporter_id": ctx.principal.user_id,
        "reported_at": ctx.now,
        "outcome": ev.outcome.value,
        "shortfall": ev.shortfall,
        "measurements": record,
    }
    breach_row = (
        None
        if breach is None
        else {
            "instrument_id": inst.id,
            "clause_number": row.number,
            "obligor": breach.obligor,
            "period_end": period_end,
            "damages_fen": breach.damages_fen,
            "sanctions": [s.to_dict() for s in breach.sanctions],
            "created_at": ctx.now,
        }
    )
    payments = tuple(
        (
            {
                "instrument_id": inst.id,
                "kind": po.kind,
                "payer": po.payer,
                "payee": po.payee if po.payee != "fund" else f"fund:{inst.id}",
                "amount_fen": po.amount_fen,
                "period_end": po.period_end,
                "status": "due",
                "trace": {"basis": po.basis, "evaluation": ev.to_dict(), "assessment": record},
                "created_at": ctx.now,
            },
            audit.canonical_json(po.to_dict()),
        )
        for po in orders
    )
    return PreparedReport(
        clause_id=row.id,
        clause_number=row.number,
        period_end=period_end,
        breach=breach,
        report_row=report_row,
        report_audit=audit.canonical_json({"clause": row.id, **ev.to_dict()}),
        breach_row=breach_row,
        breach_audit="" if breach is None else audit.canonical_json(breach.to_dict()),
        payment_rows=payments,
        report_db=_to_db(ctx, m.KPIReportRow, report_row),
        breach_db=None if breach_row is None else _to_db(ctx, m.BreachRow, breach_row),
        payment_db=tuple(_to_db(ctx, m.Payment, row) for row, _ in payments),
    )


def _reported(ctx: Ctx, clause_ids: Any) -> set[tuple[int, date]]:
    """(clause id, period end) of the reports already stored for ``clause_ids``."""
    rows = ctx.session.execute(
        select(m.KPIReportRow.clause_id, m.KPIReportRow.period_end).where(
            m.KPIReportRow.clause_id.in_(list(clause_ids))
        )
    ).all()
    return {(int(c), p) for c, p in rows}


_PROCESSORS: dict[tuple[str, str], Any] = {}


def _to_db(ctx: Ctx, model: Any, row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with each column's bind processor applied (SQLite), so that the batch under the
    write lock hands the values straight to the driver; unchanged on other backends."""
    dialect = ctx.session.get_bind().dialect
    if dialect.name != "sqlite":
        return row
    table = model.__table__
    out = {}
    for col, value in row.items():
        key = (table.name, col)
        if key not in _PROCESSORS:
            _PROCESSORS[key] = table.c[col].type.bind_processor(dialect)
        proc = _PROCESSORS[key]
        out[col] = value if proc is None else proc(value)
    return out


def _returning_ids(ctx: Ctx, model: Any, rows: list[dict[str, Any]], *, processed: bool = False) -> list[int]:
    """Insert ``rows`` into ``model``'s table in one batch; their new ids in the order of ``rows``.

    PostgreSQL: ``INSERT ... RETURNING`` in batches (ids from the sequence). SQLite: the
    transaction holds the database's write lock (``BEGIN IMMEDIATE``), so the ids are
    ``max(id) + 1 ...`` and the rows go to the driver's ``executemany`` with the columns'
    own bind processors applied (no per-row statement compilation under the lock).
    """
    if not rows:
        return []
    table = model.__table__
    conn = ctx.session.connection()
    if conn.dialect.name != "sqlite":
        stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return [int(i) for i in conn.execute(stmt, rows).scalars()]
    first = int(conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()) + 1
    ids = list(range(first, first + len(rows)))
    cols = list(rows[0])
    if processed:
        params = [(i, *[r[c] for c in cols]) for i, r in zip(ids, rows, strict=True)]
    else:
        procs = [table.c[c].type.bind_processor(conn.dialect) for c in cols]
        params = [
            (
                i,
                *[
                    v if proc is None else proc(v)
                    for v, proc in zip((r[c] for c in cols), procs, strict=True)
                ],
            )
            for i, r in zip(ids, rows, strict=True)
        ]
    names = ", ".join(f'"{c}"' for c in ("id", *cols))
    marks = ", ".join("?" for _ in range(len(cols) + 1))
    conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', params)
    return ids


def write_reports(ctx: Ctx, preps: list[PreparedReport]) -> list[m.KPIReportRow]:
    """Write prepared reports with their breaches, credit events, payment orders and audit events.

    A few batched INSERTs (not one statement per row), so that a large import holds the
    write lock briefly; the audit events are appended in one batch, in the order a single
    report writes them (report, breach, credit events, payments).
    """
    ctx.session.flush()
    report_ids = _returning_ids(ctx, m.KPIReportRow, [p.report_db for p in preps], processed=True)
    with_breach = [(rid, p) for rid, p in zip(report_ids, preps, strict=True) if p.breach_row is not None]
    breach_ids = _returning_ids(
        ctx,
        m.BreachRow,
        [{**(p.breach_db or {}), "kpi_report_id": rid} for rid, p in with_breach],
        processed=True,
    )
    breach_of = {rid: bid for (rid, _), bid in zip(with_breach, breach_ids, strict=True)}
    credit = [
        (rid, ce)
        for rid, p in with_breach
        if p.breach is not None
        for ce in ag.credit_events_for(p.breach, ctx.now, ref=f"breach:{breach_of[rid]}")
    ]
    credit_ids = _returning_ids(
        ctx,
        m.CreditEventRow,
        [
            {"subject": ce.subject, "delta": ce.delta, "reason": ce.reason, "ref": ce.ref, "at": ce.at}
            for _, ce in credit
        ],
    )
    pays = [
        (rid, db, js)
        for rid, p in zip(report_ids, preps, strict=True)
        for db, (_, js) in zip(p.payment_db, p.payment_rows, strict=True)
    ]
    pay_ids = _returning_ids(
        ctx, m.Payment, [{**db, "kpi_report_id": rid} for rid, db, _ in pays], processed=True
    )
    credit_by_report: dict[int, list[tuple[int, Any]]] = {}
    for (rid, ce), cid in zip(credit, credit_ids, strict=True):
        credit_by_report.setdefault(rid, []).append((cid, ce))
    pay_by_report: dict[int, list[tuple[int, str]]] = {}
    for (rid, _, js), pid in zip(pays, pay_ids, strict=True):
        pay_by_report.setdefault(rid, []).append((pid, js))
    events: list[tuple[str, str, str | int, str]] = []
    for rid, p in zip(report_ids, preps, strict=True):
        events.append(("kpi.report", "kpi_report", rid, p.report_audit))
        if p.breach_row is not None:
            events.append(("breach.create", "breach", breach_of[rid], p.breach_audit))
            events += [
                ("credit.event", "credit_event", cid, audit.canonical_json(ce.to_dict()))
                for cid, ce in credit_by_report.get(rid, [])
            ]
        events += [("payment.order", "payment", pid, js) for pid, js in pay_by_report.get(rid, [])]
    audit.append_many(ctx.session, actor=ctx.actor, at=ctx.now, events=events)
    # plain records with the report's attributes (no ORM bookkeeping under the write lock)
    return [SimpleNamespace(id=rid, **p.report_row) for rid, p in zip(report_ids, preps, strict=True)]  # type: ignore[misc]


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
    row = ctx.session.get(m.ClauseRow, clause_id)
    if row is None:
        raise NotFound(f"clause {clause_id} not found")
    inst = load_instrument(ctx, row.instrument_id)
    prep = prepare_report(
        ctx,
        row,
        inst,
        period_start=period_start,
        period_end=period_end,
        value=value,
        evidence=evidence,
        force_majeure=force_majeure,
        measurements=measurements,
        reported=_reported(ctx, [row.id]),
    )
    return write_reports(ctx, [prep])[0]


CSV_COLUMNS = ("clause_id", "period_start", "period_end", "value", "evidence")


@dataclass(frozen=True)
class ImportPlan:
    """A CSV import checked row by row, ready to write (:func:`plan_import`, :func:`apply_import`)."""

    instrument_id: int
    instrument_version: int
    reports: tuple[PreparedReport, ...]
    rows: tuple[int, ...]  # CSV row number of each report (header = row 1)


def plan_import(ctx: Ctx, instrument_id: int, text: str) -> ImportPlan:
    """Check every row of a KPI CSV and judge it, reading only (no write lock is taken).

    Columns: ``clause_id, period_start, period_end, value, evidence[, force_majeure]``, and
    ``m:<indicator>`` measurement columns for clauses whose value an engine computes
    (leave ``value`` empty on those rows).
    Errors name the row (1-based, header = row 1) and column; a period reported twice in
    the file, or already stored, is a conflict naming the row.
    """
    inst = load_instrument(ctx, instrument_id)
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise DataError(f"missing columns {missing}", source="upload", row=1, expected=", ".join(CSV_COLUMNS))
    clauses = {c.id: c for c in inst.clauses}
    reported = _reported(ctx, clauses)
    out: list[PreparedReport] = []
    rows: list[int] = []
    for i, r in enumerate(reader, start=2):
        try:
            cid = validation.db_id(str(r["clause_id"] or ""), field="clause_id", row=i)
            if cid not in clauses:
                raise DataError(
                    f"clause {cid} is not a clause of instrument {instrument_id}", column="clause_id"
                )
            fm = str(r.get("force_majeure") or "").strip().lower() in ("1", "true", "yes")
            prep = prepare_report(
                ctx,
                clauses[cid],
                inst,
                period_start=_parse_date(r["period_start"], "period_start", i),
                period_end=_parse_date(r["period_end"], "period_end", i),
                value=str(r["value"] or "").strip() or None,
                measurements={
                    k[2:]: v.strip() for k, v in r.items() if k and k.startswith("m:") and v and v.strip()
                }
                or None,
                evidence=str(r["evidence"] or ""),
                force_majeure=fm,
                reported=reported,
            )
        except DataError as exc:
            raise DataError(
                exc.problem, source="upload", row=i, column=exc.column, expected=exc.expected
            ) from None
        except (ConflictError, PermissionDenied) as exc:
            raise type(exc)(f"row {i}: {exc}") from None
        reported.add((prep.clause_id, prep.period_end))
        out.append(prep)
        rows.append(i)
    if not out:
        raise DataError("the file has no data rows", source="upload", row=2)
    return ImportPlan(inst.id, inst.version_id, tuple(out), tuple(rows))


def apply_import(ctx: Ctx, plan: ImportPlan) -> list[m.KPIReportRow]:
    """Write a planned import in one short batch, after checking that nothing it relied on changed.

    Under the write lock: the instrument (state, parties, clauses: its version) is the one
    the plan was checked against, and no period of the plan was reported meanwhile.
    """
    inst = load_instrument(ctx, plan.instrument_id)
    if inst.version_id != plan.instrument_version:
        raise ConflictError(f"instrument {plan.instrument_id} changed during the import; upload again")
    taken = _reported(ctx, {p.clause_id for p in plan.reports})
    for p, i in zip(plan.reports, plan.rows, strict=True):
        if (p.clause_id, p.period_end) in taken:
            raise ConflictError(
                f"row {i}: clause {p.clause_number} already has a report for the period ending {p.period_end}"
            )
    return write_reports(ctx, list(plan.reports))


def import_csv(
    ctx: Ctx, instrument_id: int, text: str, *, plan_ctx: Ctx | None = None
) -> list[m.KPIReportRow]:
    """Bulk import of KPI reports; all rows or none; every row passes the same authorization.

    The rows are checked and judged first with ``plan_ctx`` (a read-only session: on
    SQLite no write lock is held while a large file is validated), then written with
    ``ctx`` in one short batch (:func:`plan_import`, :func:`apply_import`).
    """
    return apply_import(ctx, plan_import(plan_ctx or ctx, instrument_id, text))


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
