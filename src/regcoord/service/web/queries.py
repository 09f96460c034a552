"""Read-only lists the pages need and the use-case layer does not (yet) offer.

Each is the same query the JSON API runs in its router (``api/monitoring.py``,
``api/governance.py``), scoped to the instruments the principal may see through the
use case :func:`regcoord.service.usecases.instruments.list_instruments`. No state change
and no rule lives here.
"""

from __future__ import annotations

from sqlalchemy import select

from regcoord.service.db import models as m
from regcoord.service.usecases import instruments as inst_uc
from regcoord.service.usecases._context import Ctx

LIMIT = 500


def visible_instrument_ids(ctx: Ctx) -> list[int]:
    return [i.id for i in inst_uc.list_instruments(ctx)]


def consultations(ctx: Ctx, instrument_id: int | None = None) -> list[m.Consultation]:
    ids = [instrument_id] if instrument_id is not None else visible_instrument_ids(ctx)
    q = select(m.Consultation).where(m.Consultation.instrument_id.in_(ids)).order_by(m.Consultation.id.desc())
    return list(ctx.session.scalars(q.limit(LIMIT)))


def reports(ctx: Ctx, clause_ids: list[int]) -> list[m.KPIReportRow]:
    q = select(m.KPIReportRow).where(m.KPIReportRow.clause_id.in_(clause_ids)).order_by(m.KPIReportRow.id)
    return list(ctx.session.scalars(q.limit(LIMIT)))


def breaches(ctx: Ctx, *, region: str | None = None, instrument_id: int | None = None) -> list[m.BreachRow]:
    q = select(m.BreachRow).order_by(m.BreachRow.id.desc())
    if region:
        q = q.where(m.BreachRow.obligor == region)
    if instrument_id is not None:
        q = q.where(m.BreachRow.instrument_id == instrument_id)
    return list(ctx.session.scalars(q.limit(LIMIT)))


def payments(ctx: Ctx, instrument_id: int) -> list[m.Payment]:
    q = select(m.Payment).where(m.Payment.instrument_id == instrument_id).order_by(m.Payment.id)
    return list(ctx.session.scalars(q.limit(LIMIT)))


def negotiations(ctx: Ctx, instrument_id: int) -> list[m.Negotiation]:
    q = select(m.Negotiation).where(m.Negotiation.instrument_id == instrument_id).order_by(m.Negotiation.id)
    return list(ctx.session.scalars(q))


def proposals(ctx: Ctx, negotiation_id: int) -> list[m.Proposal]:
    q = select(m.Proposal).where(m.Proposal.negotiation_id == negotiation_id).order_by(m.Proposal.id)
    return list(ctx.session.scalars(q))


def disputes(ctx: Ctx, *, instrument_id: int | None = None) -> list[m.Dispute]:
    q = select(m.Dispute).order_by(m.Dispute.id.desc())
    if instrument_id is not None:
        q = q.where(m.Dispute.instrument_id == instrument_id)
    return list(ctx.session.scalars(q.limit(LIMIT)))


def evaluations(ctx: Ctx, *, instrument_id: int | None = None) -> list[m.Evaluation]:
    ids = [instrument_id] if instrument_id is not None else visible_instrument_ids(ctx)
    q = select(m.Evaluation).where(m.Evaluation.instrument_id.in_(ids)).order_by(m.Evaluation.id.desc())
    return list(ctx.session.scalars(q.limit(LIMIT)))


def credit_subjects(ctx: Ctx) -> list[str]:
    """Regions that have a credit record (at least one event)."""
    q = select(m.CreditEventRow.subject).distinct().order_by(m.CreditEventRow.subject)
    return list(ctx.session.scalars(q))
