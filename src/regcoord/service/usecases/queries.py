"""Read queries (lists) shared by the JSON API, the web UI and the CLI.

One function per list; each takes the use-case :class:`~regcoord.service.usecases._context.Ctx`
(session and acting principal) and keyword-only filters, and applies the per-object
visibility of the principal itself:

* lists of an instrument's objects (KPI reports, negotiations, evaluations, consultations)
  load the instrument with :func:`~regcoord.service.usecases._context.load_instrument`, so
  an instrument the principal may not view is "not found";
* lists across instruments (consultations, evaluations) are restricted to the instruments
  :func:`regcoord.service.usecases.instruments.list_instruments` shows the principal;
* the public registers (breaches, payments ledger, credit subjects, disputes) are public,
  as in the published credit and dispute records.

Rows come oldest first unless ``newest_first`` is asked; a list holds at most
:data:`MAX_ROWS` rows. No state changes and no rule lives here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select

from regcoord import agreements as ag
from regcoord.errors import NotFound
from regcoord.service.db import models as m
from regcoord.service.usecases import instruments as inst_uc
from regcoord.service.usecases import monitoring as mon_uc
from regcoord.service.usecases import negotiations as neg_uc
from regcoord.service.usecases._context import Ctx, load_instrument, require

#: the most rows a list returns
MAX_ROWS = 1000
#: due payments the dashboard shows in full (the rest are counted)
DASHBOARD_PAYMENTS = 10


def _rows(ctx: Ctx, q: Select[Any], key: Any, newest_first: bool, limit: int | None = MAX_ROWS) -> list[Any]:
    q = q.order_by(key.desc() if newest_first else key)
    if limit is not None:
        q = q.limit(limit)
    return list(ctx.session.scalars(q))


def visible_instrument_ids(ctx: Ctx) -> list[int]:
    """Ids of the instruments the principal may view."""
    return [i.id for i in inst_uc.list_instruments(ctx)]


def _instrument_ids(ctx: Ctx, instrument_id: int | None) -> list[int]:
    if instrument_id is None:
        return visible_instrument_ids(ctx)
    return [load_instrument(ctx, instrument_id).id]


def consultations(
    ctx: Ctx, *, instrument_id: int | None = None, newest_first: bool = False
) -> list[m.Consultation]:
    """Consultations of one instrument, or of every instrument the principal may view."""
    ids = _instrument_ids(ctx, instrument_id)
    q = select(m.Consultation).where(m.Consultation.instrument_id.in_(ids))
    return _rows(ctx, q, m.Consultation.id, newest_first)


def reports(ctx: Ctx, *, instrument_id: int) -> list[m.KPIReportRow]:
    """KPI reports on the clauses of an instrument the principal may view."""
    inst = load_instrument(ctx, instrument_id)
    q = select(m.KPIReportRow).where(m.KPIReportRow.clause_id.in_([c.id for c in inst.clauses]))
    return _rows(ctx, q, m.KPIReportRow.id, False)


def breaches(
    ctx: Ctx,
    *,
    region: str | None = None,
    instrument_id: int | None = None,
    newest_first: bool = False,
    limit: int = MAX_ROWS,
) -> list[m.BreachRow]:
    """Breach events (public), optionally of one obligor region and/or one instrument (at most ``limit``)."""
    q = select(m.BreachRow)
    if region:
        q = q.where(m.BreachRow.obligor == region)
    if instrument_id is not None:
        q = q.where(m.BreachRow.instrument_id == instrument_id)
    return _rows(ctx, q, m.BreachRow.id, newest_first, min(limit, MAX_ROWS))


def _payments_query(
    region: str | None, instrument_id: int | None, status: str | None, what: Any = m.Payment
) -> Select[Any]:
    q = select(what)
    if region:
        q = q.where((m.Payment.payer == region) | (m.Payment.payee == region))
    if instrument_id is not None:
        q = q.where(m.Payment.instrument_id == instrument_id)
    if status:
        q = q.where(m.Payment.status == status)
    return q


def payments(
    ctx: Ctx, *, region: str | None = None, instrument_id: int | None = None, status: str | None = None
) -> list[m.Payment]:
    """The payments ledger (public), filtered by payer-or-payee region, instrument and status."""
    return _rows(ctx, _payments_query(region, instrument_id, status), m.Payment.id, False)


def payments_due(ctx: Ctx, *, region: str | None = None, first: int = DASHBOARD_PAYMENTS) -> dict[str, Any]:
    """How many payments are due (of ``region`` as payer or payee, or all) and the ``first`` of them.

    The first are the oldest, without their traces; the full list with traces is
    :func:`payments` with ``status="due"`` (``GET /api/payments?status=due``).
    """
    count = ctx.session.scalar(_payments_query(region, None, "due", func.count(m.Payment.id))) or 0
    cols = (
        m.Payment.id,
        m.Payment.instrument_id,
        m.Payment.kind,
        m.Payment.payer,
        m.Payment.payee,
        m.Payment.amount_fen,
        m.Payment.period_end,
    )
    q = _payments_query(region, None, "due").with_only_columns(*cols).order_by(m.Payment.id).limit(first)
    items = [
        {**row._asdict(), "period_end": row.period_end.isoformat()} for row in ctx.session.execute(q).all()
    ]
    return {"count": int(count), "first": items}


def negotiations(ctx: Ctx, *, instrument_id: int) -> list[m.Negotiation]:
    """Negotiations of an instrument the principal may view."""
    inst = load_instrument(ctx, instrument_id)
    q = select(m.Negotiation).where(m.Negotiation.instrument_id == inst.id)
    return _rows(ctx, q, m.Negotiation.id, False, limit=None)


def proposals(ctx: Ctx, *, negotiation_id: int) -> list[m.Proposal]:
    """Proposals of a negotiation on an instrument the principal may view."""
    neg = neg_uc.get_negotiation(ctx, negotiation_id)
    q = select(m.Proposal).where(m.Proposal.negotiation_id == neg.id)
    return _rows(ctx, q, m.Proposal.id, False, limit=None)


def disputes(
    ctx: Ctx,
    *,
    routed_to: str | None = None,
    instrument_id: int | None = None,
    newest_first: bool = False,
) -> list[m.Dispute]:
    """Disputes (public register), optionally routed to one region and/or of one instrument."""
    q = select(m.Dispute)
    if routed_to:
        q = q.where(m.Dispute.routed_to == routed_to)
    if instrument_id is not None:
        q = q.where(m.Dispute.instrument_id == instrument_id)
    return _rows(ctx, q, m.Dispute.id, newest_first)


def dispute(ctx: Ctx, *, dispute_id: int) -> m.Dispute:
    """One dispute (public register); :class:`NotFound` if there is none with this id."""
    d = ctx.session.get(m.Dispute, dispute_id)
    if d is None:
        raise NotFound(f"dispute {dispute_id} not found")
    return d


def evaluations(
    ctx: Ctx, *, instrument_id: int | None = None, newest_first: bool = False
) -> list[m.Evaluation]:
    """Evaluations of one instrument, or of every instrument the principal may view."""
    ids = _instrument_ids(ctx, instrument_id)
    q = select(m.Evaluation).where(m.Evaluation.instrument_id.in_(ids))
    return _rows(ctx, q, m.Evaluation.id, newest_first)


def credit(ctx: Ctx, *, region: str) -> tuple[ag.CreditRecord, list[m.CreditEventRow]]:
    """The public credit record of ``region`` and its events; :class:`NotFound` for an unknown region."""
    if ctx.tree.resolve(region, strict=False) is None:
        raise NotFound(f"unknown region {region!r}")
    return mon_uc.credit(ctx, region)


def credit_subjects(ctx: Ctx) -> list[str]:
    """Regions that have a credit record (at least one credit event)."""
    q = select(m.CreditEventRow.subject).distinct().order_by(m.CreditEventRow.subject)
    return list(ctx.session.scalars(q))


def credit_standings(ctx: Ctx) -> list[ag.CreditRecord]:
    """Score and breach count of every region with a credit record: one query of the stored standing.

    The same numbers as ``GET /api/credit/{region}`` and the dashboard (KPI breaches and
    trading compliance shortfalls alike), since all read ``credit_standing``.
    """
    return sorted(mon_uc.standings(ctx).values(), key=lambda r: r.subject)


def users(ctx: Ctx) -> list[m.User]:
    """User accounts (administrators only)."""
    require(ctx, "manage_users", ag.PolicyObject("user"), "users")
    return _rows(ctx, select(m.User), m.User.id, False, limit=None)


def actors(ctx: Ctx, *, region: str | None = None, kind: str | None = None) -> list[m.Actor]:
    """Registered stakeholders, optionally of one region and/or one kind."""
    q = select(m.Actor)
    if region:
        q = q.where(m.Actor.region_code == region)
    if kind:
        q = q.where(m.Actor.kind == kind)
    return _rows(ctx, q, m.Actor.id, False)


__all__ = [
    "DASHBOARD_PAYMENTS",
    "MAX_ROWS",
    "actors",
    "breaches",
    "consultations",
    "credit",
    "credit_standings",
    "credit_subjects",
    "dispute",
    "disputes",
    "evaluations",
    "negotiations",
    "payments",
    "payments_due",
    "proposals",
    "reports",
    "users",
    "visible_instrument_ids",
]
