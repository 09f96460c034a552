"""Use cases of disputes, evaluations and the dashboard."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import raiseload

from regcoord import agreements as ag
from regcoord.errors import ConflictError, DataError, NotFound
from regcoord.service import validation
from regcoord.service.db import models as m
from regcoord.service.usecases import instruments as inst_uc
from regcoord.service.usecases import monitoring as mon_uc
from regcoord.service.usecases import queries
from regcoord.service.usecases._context import (
    Ctx,
    instrument_out,
    is_system,
    load_instrument,
    policy_object,
    require,
    seal,
    visible_clause,
)
from regcoord.service.usecases.indicators import dashboard_indicators


def raise_dispute(
    ctx: Ctx, instrument_id: int, *, subject: str, parties: Sequence[str] | None = None
) -> m.Dispute:
    """A party raises a dispute; it is routed to the lowest common superior of the disputants.

    Only a filed instrument (or one in force, evaluated, under revision or expired) can be
    disputed: a draft or a text under negotiation is not yet anyone's commitment (issue 8).
    """
    inst = load_instrument(ctx, instrument_id)
    require(ctx, "raise_dispute", policy_object(ctx, inst), f"instrument {instrument_id}")
    if inst.state not in DISPUTABLE_STATES:
        raise ConflictError(
            f"instrument {instrument_id} is {inst.state}: only a filed or in-force instrument can be disputed "
            f"({', '.join(sorted(DISPUTABLE_STATES))})"
        )
    all_parties = [p.region_code for p in inst.parties]
    ps = list(parties) if parties else all_parties
    bad = [p for p in ps if p not in all_parties]
    if bad:
        raise DataError(f"{bad} are not parties", column="parties", expected=f"among {all_parties}")
    if ctx.principal.region is not None and ctx.principal.region not in ps:
        ps = [ctx.principal.region, *ps]
    if not subject.strip():
        raise DataError("subject is empty", column="subject")
    routed = ag.route_dispute(ctx.tree, ps)
    d = m.Dispute(
        instrument_id=inst.id,
        raised_by=ctx.principal.user_id,
        raised_by_region=ctx.principal.region or ps[0],
        parties=ps,
        routed_to=routed.code,
        subject=subject,
        state="open",
        created_at=ctx.now,
    )
    ctx.session.add(d)
    ctx.session.flush()
    ctx.audit(
        "dispute.raise", "dispute", d.id, {"instrument": inst.id, "parties": ps, "routed_to": routed.code}
    )
    return d


def dispute_policy(ctx: Ctx, d: m.Dispute) -> ag.PolicyObject:
    sup = frozenset([d.routed_to, *(r.code for r in ctx.tree.ancestors(d.routed_to))])
    return ag.PolicyObject("dispute", state=d.state, parties=frozenset(d.parties), superiors=sup)


def decide_dispute(
    ctx: Ctx,
    dispute_id: int,
    *,
    decision: str,
    effect: str = "dismiss",
    payment_id: int | None = None,
    amount_fen: int | None = None,
    revision_months: int = ag.REVISION_MONTHS_DEFAULT,
) -> m.Dispute:
    """The common superior decides; the decision's effect is applied in the same transaction.

    Effects: ``dismiss`` (nothing changes), ``uphold`` (the named payment stands as ordered),
    ``waive_payment`` (a due payment is waived), ``adjust_payment`` (a due payment's amount
    becomes ``amount_fen``), ``order_revision`` (the instrument must be revised within
    ``revision_months``). Each change is audited (money rows sealed with their hash).
    """
    d = ctx.session.get(m.Dispute, dispute_id)
    if d is None:
        raise NotFound(f"dispute {dispute_id} not found")
    require(ctx, "decide", dispute_policy(ctx, d), f"dispute {dispute_id}")
    if d.state != "open":
        raise ConflictError(f"dispute {dispute_id} is already decided")
    if not decision.strip():
        raise DataError("decision is empty", column="decision")
    if effect not in DISPUTE_EFFECTS:
        raise DataError(f"unknown effect {effect!r}", column="effect", expected=", ".join(DISPUTE_EFFECTS))
    pay = None
    if effect in ("uphold", "waive_payment", "adjust_payment"):
        if payment_id is None:
            raise DataError(f"effect {effect} names a payment", column="payment_id", expected="a payment id")
        pay = ctx.session.get(m.Payment, payment_id)
        if pay is None or pay.instrument_id != d.instrument_id:
            raise DataError(
                f"payment {payment_id} is not a payment of instrument {d.instrument_id}",
                column="payment_id",
                expected="a payment of the disputed instrument",
            )
        if effect != "uphold" and pay.status != "due":
            raise ConflictError(f"payment {payment_id} is {pay.status}: only a due payment can be changed")
    d.state, d.decision, d.decided_by, d.decided_at = "decided", decision, ctx.principal.user_id, ctx.now
    d.effect, d.payment_id = effect, None if pay is None else pay.id
    ctx.session.flush()
    ctx.audit(
        "dispute.decide", "dispute", d.id, {"decision": decision, "effect": effect, "payment": d.payment_id}
    )
    why = {"dispute": d.id, "decision": decision}
    if effect == "waive_payment" and pay is not None:
        pay.status = "waived"
        seal(ctx, "payment.waive", pay, why)
    elif effect == "adjust_payment" and pay is not None:
        if amount_fen is None or isinstance(amount_fen, bool) or not 0 < amount_fen <= mon_uc.MAX_FEN:
            raise DataError(
                "the adjusted amount is missing or out of range",
                column="amount_fen",
                expected=f"0 < amount_fen <= {mon_uc.MAX_FEN}",
            )
        before = pay.amount_fen
        pay.amount_fen = amount_fen
        seal(ctx, "payment.adjust", pay, {**why, "from_fen": before, "to_fen": amount_fen})
    elif effect == "order_revision":
        inst = ctx.session.get(m.Instrument, d.instrument_id)
        assert inst is not None  # a dispute's instrument is never deleted
        deadline = ag.revision_deadline(ctx.now.date(), revision_months)
        inst_uc.transition(
            ctx,
            inst,
            ag.Action.ORDER_REVISION,
            inst_uc.lifecycle_context(ctx, inst, reasons=decision),
            {"reasons": decision, "deadline": deadline.isoformat(), "dispute": d.id},
        )
        inst.revision_deadline = deadline
    return d


#: states of an instrument that can be disputed (filed or later; not a draft or negotiation)
DISPUTABLE_STATES = frozenset(
    {"filed", "under_review", "in_force", "evaluated", "revision_required", "revised", "expired"}
)
#: what a dispute decision does
DISPUTE_EFFECTS = ("dismiss", "uphold", "waive_payment", "adjust_payment", "order_revision")


def dispute_out(d: m.Dispute) -> dict[str, Any]:
    return {
        "id": d.id,
        "instrument_id": d.instrument_id,
        "raised_by_region": d.raised_by_region,
        "parties": d.parties,
        "routed_to": d.routed_to,
        "subject": d.subject,
        "state": d.state,
        "decision": d.decision,
        "created_at": d.created_at.isoformat(),
        "decided_at": None if d.decided_at is None else d.decided_at.isoformat(),
        "effect": d.effect,
        "payment_id": d.payment_id,
    }


def kpi_attainment(ctx: Ctx, inst: m.Instrument) -> Decimal | None:
    """Share of judged periods (met / not met) that were met; ``None`` when none is judged."""
    ids = [c.id for c in inst.clauses]
    rows = ctx.session.execute(
        select(m.KPIReportRow.outcome, func.count())
        .where(m.KPIReportRow.clause_id.in_(ids), m.KPIReportRow.outcome.in_(("met", "not_met")))
        .group_by(m.KPIReportRow.outcome)
    ).all()
    counts = {o: n for o, n in rows}
    total = counts.get("met", 0) + counts.get("not_met", 0)
    return None if total == 0 else Decimal(counts.get("met", 0)) / Decimal(total)


def evaluate(
    ctx: Ctx,
    instrument_id: int,
    *,
    summary: str,
    revision_required: bool,
    reasons: str = "",
    fund_use: Any = None,
    satisfaction: Any = None,
    revision_months: int = ag.REVISION_MONTHS_DEFAULT,
) -> m.Evaluation:
    """Periodic evaluation; the reviewing superior's poor result orders a revision (six months by default).

    An independent evaluator's evaluation is advisory (issue 8): ``revision_required`` is
    recorded as a recommendation and the instrument stays in force; only the reviewing
    superior orders a revision (here or by ``POST /api/instruments/{id}/revision-order``).
    """
    inst = load_instrument(ctx, instrument_id)
    require(ctx, "evaluate", policy_object(ctx, inst), f"instrument {instrument_id}")
    advisory = not is_system(ctx) and ctx.principal.role is not ag.Role.REVIEWER
    if not summary.strip():
        raise DataError("summary is empty", column="summary")
    validation.text(summary, field="summary", max_len=10_000)
    validation.text(reasons, field="reasons", max_len=10_000)
    # shares between 0 and 1
    fu = None if fund_use is None else validation.number(fund_use, field="fund_use", lo=0, hi=1)
    sat = None if satisfaction is None else validation.number(satisfaction, field="satisfaction", lo=0, hi=1)
    inst_uc.transition(
        ctx, inst, ag.Action.EVALUATE, inst_uc.lifecycle_context(ctx, inst), {"summary": summary}
    )
    ev = m.Evaluation(
        instrument_id=inst.id,
        evaluator_id=ctx.principal.user_id,
        on=ctx.now.date(),
        kpi_attainment=kpi_attainment(ctx, inst),
        fund_use=fu,
        satisfaction=sat,
        summary=summary,
        created_at=ctx.now,
        revision_recommended=revision_required,
    )
    ctx.session.add(ev)
    inst.last_evaluated = ctx.now.date()
    ctx.session.flush()
    ctx.audit(
        "evaluation.create",
        "evaluation",
        ev.id,
        {"instrument": inst.id, "revision_required": revision_required, "advisory": advisory},
    )
    if revision_required and not advisory:
        deadline = ag.revision_deadline(ctx.now.date(), revision_months)
        inst_uc.transition(
            ctx,
            inst,
            ag.Action.ORDER_REVISION,
            inst_uc.lifecycle_context(ctx, inst, reasons=reasons),
            {"reasons": reasons, "deadline": deadline.isoformat()},
        )
        inst.revision_deadline = deadline
    else:
        inst_uc.transition(ctx, inst, ag.Action.CONFIRM, inst_uc.lifecycle_context(ctx, inst), {})
    return ev


def evaluation_out(e: m.Evaluation) -> dict[str, Any]:
    return {
        "id": e.id,
        "instrument_id": e.instrument_id,
        "on": e.on.isoformat(),
        "kpi_attainment": None if e.kpi_attainment is None else str(e.kpi_attainment),
        "fund_use": None if e.fund_use is None else str(e.fund_use),
        "satisfaction": None if e.satisfaction is None else str(e.satisfaction),
        "summary": e.summary,
        "revision_recommended": e.revision_recommended,
    }


#: the horizon of the ``expiring`` alert (agreements ``alerts``' default)
ALERT_HORIZON_DAYS = 180
#: rows of each list the dashboard shows (the rest: its next cursor and ``totals``)
DASHBOARD_FIRST = 20


def _alert_conditions(on: date) -> dict[str, ColumnElement[bool]]:
    """The three rules of :func:`regcoord.agreements.alerts` as indexed SQL ranges on ``instrument``.

    revision overdue: ``state = revision_required and revision_deadline < on``;
    expiring: ``state in (in_force, evaluated, revision_required) and expires_on <= on + 180 days``;
    evaluation due: ``state = in_force and evaluation_due_on <= on`` (``evaluation_due_on`` is
    :func:`regcoord.agreements.next_evaluation_due`, kept on every write).
    """
    i = m.Instrument
    return {
        "revision_overdue": and_(i.state == "revision_required", i.revision_deadline < on),
        "expiring": and_(
            i.state.in_(("in_force", "evaluated", "revision_required")),
            i.expires_on <= on + timedelta(days=ALERT_HORIZON_DAYS),
        ),
        "evaluation_due": and_(i.state == "in_force", i.evaluation_due_on <= on),
    }


def _scope(ctx: Ctx, region: str | None) -> list[ColumnElement[bool]]:
    """Conditions on ``instrument``: the principal may view it (and ``region`` is a party)."""
    conds = [visible_clause(ctx)]
    if region:
        conds.append(m.Instrument.id.in_(select(m.Party.instrument_id).where(m.Party.region_code == region)))
    return conds


def alerts(
    ctx: Ctx,
    on: date,
    *,
    region: str | None = None,
    after: int | None = None,
    limit: int = queries.DEFAULT_LIMIT,
    total: bool = True,
) -> queries.Page[ag.Alert]:
    """Alerts of the instruments the principal may view (of ``region``'s, if given), a keyset page.

    The instruments come from the indexed conditions of :func:`_alert_conditions`, ``limit``
    of them after the instrument id ``after``; their alerts are then made by the pure rule
    :func:`regcoord.agreements.alerts` (which also words them), so SQL only selects.
    ``total`` counts the alerts of every kind (:func:`alert_counts`).
    """
    queries.check_limit(limit)
    conds = _alert_conditions(on)
    q = select(m.Instrument).where(or_(*conds.values()), *_scope(ctx, region))
    if after is not None:
        q = q.where(m.Instrument.id > after)
    rows = list(
        ctx.session.scalars(
            q.order_by(m.Instrument.id)
            .limit(limit + 1)
            .options(raiseload(m.Instrument.parties), raiseload(m.Instrument.clauses))
        )
    )
    more = len(rows) > limit
    rows = rows[:limit]
    items = [
        ag.InstrumentStatus(
            str(i.id), i.state, i.expires_on, i.revision_deadline, i.effective_from, i.last_evaluated
        )
        for i in rows
    ]
    n = sum(alert_counts(ctx, on, region=region).values()) if total else None
    return queries.Page(
        list(ag.alerts(items, on, horizon_days=ALERT_HORIZON_DAYS)), rows[-1].id if more else None, n, limit
    )


def alert_counts(ctx: Ctx, on: date, *, region: str | None = None) -> dict[str, int]:
    """How many alerts of each kind (one aggregate query, ``SUM(CASE ...)`` per kind)."""
    conds = _alert_conditions(on)
    cols = [func.coalesce(func.sum(case((c, 1), else_=0)), 0).label(k) for k, c in conds.items()]
    q = select(*cols).select_from(m.Instrument).where(or_(*conds.values()), *_scope(ctx, region))
    row = ctx.session.execute(q).one()
    return {k: int(row._mapping[k]) for k in conds}


#: breaches the dashboard lists (the latest; the register is ``GET /api/breaches``)
RECENT_BREACHES = 50


def _open_obligations(ctx: Ctx, region: str | None) -> tuple[list[dict[str, Any]], int]:
    """The first :data:`DASHBOARD_FIRST` obligations of operative instruments (of ``region`` as obligor) and their count."""
    operative = [s.value for s in ag.OPERATIVE_STATES]
    # the obligor of the obligation (NULL for a clause without one, stored as SQL or JSON null)
    obligor = m.ClauseRow.obligation["obligor"].as_string()
    q = (
        select(m.ClauseRow.id)
        .join(m.Instrument, m.Instrument.id == m.ClauseRow.instrument_id)
        .where(m.Instrument.state.in_(operative), obligor.is_not(None))
    )
    q = q.where(*_scope(ctx, region))
    if region:
        q = q.where(obligor == region)
    count = ctx.session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = ctx.session.execute(
        q.with_only_columns(m.ClauseRow.id, m.Instrument.id, m.Instrument.title, m.ClauseRow.obligation)
        .order_by(m.ClauseRow.id)
        .limit(DASHBOARD_FIRST)
    ).all()
    out = [
        {"instrument_id": iid, "title": title, "clause_id": cid, **(obl or {})}
        for cid, iid, title, obl in rows
    ]
    return out, int(count)


def dashboard(ctx: Ctx, region: str | None = None) -> dict[str, Any]:
    """Counts and the first page of each list, for one region or all; never every row.

    ``instruments_by_state`` is a ``GROUP BY state``; ``instruments``, ``open_obligations`` and
    ``alerts`` are their first :data:`DASHBOARD_FIRST` rows (instruments, alerts: by id), with
    the totals in ``totals`` and the cursors of the next pages in ``next`` (the lists are
    ``GET /api/instruments?after=``, ``GET /api/alerts?after=``). ``payments_due`` is
    ``{"count": n, "first": [...]}`` (:func:`usecases.queries.payments_due`); the full list
    with traces is ``GET /api/payments?status=due``. ``recent_breaches`` are the latest
    :data:`RECENT_BREACHES`. ``indicators`` holds the national disparity and plate indicators
    and, for a region, its position (:func:`usecases.indicators.dashboard_indicators`).
    The number of SQL statements does not depend on the number of rows.
    """
    if region is not None and ctx.tree.resolve(region, strict=False) is None:
        raise NotFound(f"unknown region {region!r}")
    rows = ctx.session.execute(
        select(m.Instrument.state, func.count())
        .where(*_scope(ctx, region))
        .group_by(m.Instrument.state)
        .order_by(m.Instrument.state)
    ).all()
    by_state = {str(row[0]): int(row[1]) for row in rows}
    first = queries.instruments(ctx, region=region, limit=DASHBOARD_FIRST, total=False, light=True)
    open_obl, n_obl = _open_obligations(ctx, region)
    on = ctx.now.date()
    alert_page = alerts(ctx, on, region=region, limit=DASHBOARD_FIRST, total=False)
    counts = alert_counts(ctx, on, region=region)
    breaches = queries.breaches(ctx, region=region, newest_first=True, limit=RECENT_BREACHES, total=False)
    from regcoord.service.usecases.monitoring import breach_out, credit

    out: dict[str, Any] = {
        "region": region,
        "on": on.isoformat(),
        "instruments_by_state": by_state,
        "instruments": [{"id": i.id, "title": i.title, "state": i.state, "kind": i.kind} for i in first],
        "open_obligations": open_obl,
        "alerts": [a.to_dict() for a in alert_page],
        "payments_due": queries.payments_due(ctx, region=region),
        "recent_breaches": [breach_out(b) for b in breaches],
        "totals": {
            "instruments": sum(by_state.values()),
            "open_obligations": n_obl,
            "alerts": sum(counts.values()),
            "alerts_by_kind": counts,
        },
        "next": {"instruments": first.next_after, "alerts": alert_page.next_after},
    }
    if region is not None:
        out["credit"] = credit(ctx, region)[0].to_dict()
    out["indicators"] = dashboard_indicators(ctx, region).to_dict()
    return out


__all__ = [
    "ALERT_HORIZON_DAYS",
    "DASHBOARD_FIRST",
    "alert_counts",
    "alerts",
    "dashboard",
    "decide_dispute",
    "evaluate",
    "instrument_out",
    "raise_dispute",
]
