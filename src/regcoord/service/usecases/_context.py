"""The context of a use-case call and the helpers every use case shares."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.orm import Session

from regcoord import agreements as ag
from regcoord.errors import NotFound, PermissionDenied
from regcoord.regions import RegionTree, china
from regcoord.service import audit, row_hashes
from regcoord.service.db import models as m

log = logging.getLogger("regcoord.service.security")

_TREE: RegionTree | None = None


def region_tree() -> RegionTree:
    """The region tree the service routes filings and disputes on (bundled China)."""
    global _TREE
    if _TREE is None:
        _TREE = china()
    return _TREE


@dataclass(frozen=True)
class Ctx:
    """Session, acting principal, the time of the call (passed in; never read inside)."""

    session: Session
    principal: ag.Principal
    now: datetime
    tree: RegionTree

    @property
    def actor(self) -> str:
        p = self.principal
        return "system" if p.user_id is None else f"user:{p.user_id}"

    def audit(
        self, action: str, object_type: str, object_id: str | int, payload: dict[str, Any] | None = None
    ) -> None:
        audit.append(
            self.session,
            actor=self.actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            payload=payload,
            at=self.now,
        )


def seal(ctx: Ctx, action: str, row: Any, payload: dict[str, Any] | None = None) -> None:
    """Audit a write of a money row with the row's content hash (:mod:`regcoord.service.row_hashes`)."""
    ctx.session.flush()
    otype = row_hashes.object_type_of(row)
    ctx.audit(action, otype, row.id, {**(payload or {}), row_hashes.KEY: row_hashes.row_hash(row)})


def terms_hash(inst: m.Instrument) -> str:
    """sha256 of the instrument's terms: kind, title, parties, clauses, dates (what a signature binds)."""
    text = audit.canonical_json(instrument_domain(inst).to_dict())
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def system_principal() -> ag.Principal:
    """The principal of the command line and demo loader (acts as every role)."""
    return ag.Principal(user_id=None, role=ag.Role.ADMIN, region=None)


def is_system(ctx: Ctx) -> bool:
    return ctx.principal.user_id is None and ctx.principal.role is ag.Role.ADMIN


def require(ctx: Ctx, action: str, obj: ag.PolicyObject, what: str) -> None:
    """Raise :class:`PermissionDenied` (and log the decision) unless the policy allows it."""
    if is_system(ctx):
        return
    if not ag.can(ctx.principal, action, obj):
        log.warning(
            "denied user=%s role=%s action=%s object=%s",
            ctx.principal.user_id,
            ctx.principal.role,
            action,
            what,
        )
        raise PermissionDenied(f"{ctx.principal.role.value} may not {action} {what}")


def policy_object(ctx: Ctx, inst: m.Instrument) -> ag.PolicyObject:
    parties = frozenset(p.region_code for p in inst.parties)
    obligors = frozenset(c.obligation["obligor"] for c in inst.clauses if c.obligation)
    return ag.PolicyObject(
        "instrument",
        state=inst.state,
        parties=parties,
        obligors=obligors,
        superiors=ag.superiors_of(ctx.tree, sorted(parties)),
        owner_region=inst.proposer_region,
    )


def _draft_visible_ids(ctx: Ctx) -> list[int]:
    """Drafts a reviewer may view: those whose parties all sit under the reviewer's region."""
    region = ctx.principal.region
    rows = ctx.session.execute(
        select(m.Party.instrument_id, m.Party.region_code)
        .join(m.Instrument, m.Instrument.id == m.Party.instrument_id)
        .where(m.Instrument.state == ag.State.DRAFT.value)
    ).all()
    parties: dict[int, list[str]] = {}
    for iid, code in rows:
        parties.setdefault(iid, []).append(code)
    return [iid for iid, ps in parties.items() if region in ag.superiors_of(ctx.tree, sorted(ps))]


def visible_clause(ctx: Ctx) -> ColumnElement[bool]:
    """SQL condition on ``instrument`` equal to the policy's ``view`` rule (agreements ``can``).

    Everything but a draft is public; a draft is visible to administrators, to the officers of
    its parties and to reviewers above all its parties.
    """
    p = ctx.principal
    if is_system(ctx) or p.role is ag.Role.ADMIN:
        return true()
    not_draft = m.Instrument.state != ag.State.DRAFT.value
    if p.role is ag.Role.OFFICER and p.region is not None:
        mine = select(m.Party.instrument_id).where(m.Party.region_code == p.region)
        return or_(not_draft, m.Instrument.id.in_(mine))
    if p.role is ag.Role.REVIEWER and p.region is not None:
        ids = _draft_visible_ids(ctx)
        return or_(not_draft, m.Instrument.id.in_(ids)) if ids else not_draft
    return not_draft


def load_instrument(ctx: Ctx, instrument_id: int) -> m.Instrument:
    """Load an instrument scoped to the principal: invisible ones are 'not found'."""
    inst = ctx.session.get(m.Instrument, instrument_id)
    if inst is None or not (is_system(ctx) or ag.can(ctx.principal, "view", policy_object(ctx, inst))):
        raise NotFound(f"instrument {instrument_id} not found")
    return inst


def clause_domain(row: m.ClauseRow) -> ag.Clause:
    return ag.Clause(
        number=row.number,
        text=row.text,
        obligation=None if row.obligation is None else ag.Obligation.from_dict(row.obligation),
        breach=None if row.breach is None else ag.BreachTerms.from_dict(row.breach),
        compensation=None if row.compensation is None else ag.CompensationTerm.from_dict(row.compensation),
    )


def instrument_domain(inst: m.Instrument) -> ag.Instrument:
    return ag.Instrument(
        kind=ag.InstrumentKind(inst.kind),
        title=inst.title,
        parties=tuple(p.region_code for p in inst.parties),
        clauses=tuple(clause_domain(c) for c in inst.clauses),
        effective_from=inst.effective_from,
        expires_on=inst.expires_on,
    )


def etag(inst: m.Instrument) -> str:
    return f'"{inst.id}-{inst.version_id}"'


def instrument_out(inst: m.Instrument) -> dict[str, Any]:
    return {
        "id": inst.id,
        "kind": inst.kind,
        "title": inst.title,
        "template": inst.template,
        "state": inst.state,
        "state_zh": ag.STATE_LABELS[ag.State(inst.state)],
        "proposer_region": inst.proposer_region,
        "summary": inst.summary,
        "effective_from": None if inst.effective_from is None else inst.effective_from.isoformat(),
        "expires_on": None if inst.expires_on is None else inst.expires_on.isoformat(),
        "core_years": inst.core_years,
        "adjustment_years": inst.adjustment_years,
        "revision_deadline": None if inst.revision_deadline is None else inst.revision_deadline.isoformat(),
        "version": inst.version_id,
        "parties": [
            {
                "region": p.region_code,
                "signed": p.signed_at is not None,
                "signed_at": None if p.signed_at is None else p.signed_at.isoformat(),
            }
            for p in inst.parties
        ],
        "clauses": [
            {"id": c.id, **clause_domain(c).to_dict(), "assessment": c.assessment} for c in inst.clauses
        ],
        "next_actions": [a.value for a in ag.allowed_actions(inst.state)],
    }


def dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)
