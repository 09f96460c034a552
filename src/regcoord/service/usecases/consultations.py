"""Use cases of consultations: submissions anchored to clauses, answers, participation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from regcoord import agreements as ag
from regcoord.errors import ConflictError, DataError, NotFound
from regcoord.service.db import models as m
from regcoord.service.usecases._context import Ctx, load_instrument, policy_object, require


def get_consultation(ctx: Ctx, consultation_id: int) -> tuple[m.Consultation, m.Instrument]:
    cons = ctx.session.get(m.Consultation, consultation_id)
    if cons is None:
        raise NotFound(f"consultation {consultation_id} not found")
    return cons, load_instrument(ctx, cons.instrument_id)


def submit(ctx: Ctx, consultation_id: int, *, text: str, clause_number: str | None = None) -> m.Submission:
    cons, inst = get_consultation(ctx, consultation_id)
    obj = policy_object(ctx, inst)
    require(
        ctx,
        "submit",
        ag.PolicyObject("consultation", state=inst.state, parties=obj.parties),
        f"consultation {consultation_id}",
    )
    if cons.closed_at is not None or not (cons.opens_at <= ctx.now < cons.closes_at):
        raise ConflictError(
            f"consultation {consultation_id} is not open (window {cons.opens_at} to {cons.closes_at})"
        )
    if not text.strip():
        raise DataError("text is empty", column="text")
    if clause_number is not None and clause_number not in {c.number for c in inst.clauses}:
        raise DataError(f"instrument has no clause {clause_number!r}", column="clause_number")
    actor_id = ctx.principal.actor_id
    if actor_id is None:
        raise DataError("the submitting user has no actor", column="actor_id")
    s = m.Submission(
        consultation_id=cons.id,
        actor_id=actor_id,
        user_id=ctx.principal.user_id,
        clause_number=clause_number,
        text=text,
        created_at=ctx.now,
    )
    ctx.session.add(s)
    ctx.session.flush()
    ctx.audit("submission.create", "submission", s.id, {"consultation": cons.id, "clause": clause_number})
    return s


def answer(ctx: Ctx, submission_id: int, *, text: str) -> m.Submission:
    s = ctx.session.get(m.Submission, submission_id)
    if s is None:
        raise NotFound(f"submission {submission_id} not found")
    cons, inst = get_consultation(ctx, s.consultation_id)
    require(ctx, "answer", policy_object(ctx, inst), f"submission {submission_id}")
    if s.answer is not None:
        raise ConflictError(f"submission {submission_id} is already answered")
    if not text.strip():
        raise DataError("text is empty", column="text")
    s.answer, s.answered_by, s.answered_at = text, ctx.principal.user_id, ctx.now
    ctx.session.flush()
    ctx.audit("submission.answer", "submission", s.id, {"consultation": cons.id})
    return s


def submissions(ctx: Ctx, consultation_id: int) -> list[m.Submission]:
    cons, _ = get_consultation(ctx, consultation_id)
    return list(
        ctx.session.scalars(
            select(m.Submission).where(m.Submission.consultation_id == cons.id).order_by(m.Submission.id)
        )
    )


def participation_report(ctx: Ctx, consultation_id: int) -> ag.ParticipationReport:
    cons, inst = get_consultation(ctx, consultation_id)
    return participation_of(ctx, [cons.id], [p.region_code for p in inst.parties])


def participation_of(ctx: Ctx, consultation_ids: list[int], parties: list[str]) -> ag.ParticipationReport:
    """Participation in these consultations; the parties' own officers are counted apart (issue 8)."""
    rows = ctx.session.execute(
        select(m.Actor.kind, m.Actor.region_code, m.User.role, m.User.region_code)
        .join(m.Submission, m.Submission.actor_id == m.Actor.id)
        .join(m.User, m.User.id == m.Submission.user_id)
        .where(m.Submission.consultation_id.in_(consultation_ids))
    ).all()
    public = [(k, r) for k, r, role, ureg in rows if not (role == ag.Role.OFFICER.value and ureg in parties)]
    return ag.participation(public, parties, party_officers=len(rows) - len(public))


def consultation_out(c: m.Consultation) -> dict[str, Any]:
    return {
        "id": c.id,
        "instrument_id": c.instrument_id,
        "opens_at": c.opens_at.isoformat(),
        "closes_at": c.closes_at.isoformat(),
        "closed_at": None if c.closed_at is None else c.closed_at.isoformat(),
    }


def submission_out(s: m.Submission) -> dict[str, Any]:
    return {
        "id": s.id,
        "consultation_id": s.consultation_id,
        "actor_id": s.actor_id,
        "clause_number": s.clause_number,
        "text": s.text,
        "created_at": s.created_at.isoformat(),
        "answer": s.answer,
        "answered_at": None if s.answered_at is None else s.answered_at.isoformat(),
    }
