"""Use cases of instruments: create, edit, clauses, lifecycle transitions, versions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from regcoord import agreements as ag
from regcoord.errors import ConflictError, DataError, NotFound
from regcoord.service import validation
from regcoord.service.db import models as m
from regcoord.service.usecases._context import (
    Ctx,
    clause_domain,
    etag,
    instrument_domain,
    load_instrument,
    policy_object,
    require,
    seal,
    terms_hash,
    visible_clause,
)
from regcoord.service.usecases.consultations import participation_of


def _part(where: str, build: Any, data: Any) -> Any:
    if data is None:
        return None
    try:
        return build(data)
    except DataError as exc:
        col = f"{where}.{exc.column}" if exc.column else where
        raise DataError(exc.problem, column=col, expected=exc.expected) from None
    except (KeyError, TypeError, ValueError) as exc:
        raise DataError(f"invalid {where.rsplit('.', 1)[-1]}: {exc}", column=where) from None


def build_clause(data: dict[str, Any], *, where: str) -> ag.Clause:
    """A domain clause from its JSON form; errors name the field (``clauses.2.obligation.target``)."""
    ob = _part(f"{where}.obligation", ag.Obligation.from_dict, data.get("obligation"))
    br = _part(f"{where}.breach", ag.BreachTerms.from_dict, data.get("breach"))
    cp = _part(f"{where}.compensation", ag.CompensationTerm.from_dict, data.get("compensation"))
    return _part(
        where,
        lambda d: ag.Clause(
            number=str(d.get("number", "")),
            text=str(d.get("text", "")),
            obligation=ob,
            breach=br,
            compensation=cp,
        ),
        data,
    )  # type: ignore[no-any-return]


def _check_clauses(
    ctx: Ctx, clauses: Sequence[ag.Clause], parties: Sequence[str], *, base: str = "clauses"
) -> None:
    findings = ag.lint(list(clauses))
    if findings:
        idx = {c.number: i for i, c in enumerate(clauses)}
        f = findings[0]
        raise DataError(
            f"{f.message_en} / {f.message_zh}",
            column=f"{base}.{idx[f.clause]}.text",
            expected="a measurable target",
        )
    for i, c in enumerate(clauses):
        if c.obligation is not None and c.obligation.obligor not in parties:
            raise DataError(
                f"obligor {c.obligation.obligor!r} is not a party",
                column=f"{base}.{i}.obligation.obligor",
                expected=f"one of {', '.join(parties)}",
            )
        if c.compensation is not None:
            for role in ("payer", "payee"):
                if getattr(c.compensation, role) not in parties:
                    raise DataError(f"{role} is not a party", column=f"{base}.{i}.compensation.{role}")


def _version(ctx: Ctx, inst: m.Instrument, note: str) -> m.InstrumentVersion:
    n = ctx.session.scalar(
        select(func.max(m.InstrumentVersion.number)).where(m.InstrumentVersion.instrument_id == inst.id)
    )
    v = m.InstrumentVersion(
        instrument_id=inst.id,
        number=(n or 0) + 1,
        title=inst.title,
        text=instrument_domain(inst).full_text(),
        note=note,
        created_by=ctx.principal.user_id,
        created_at=ctx.now,
    )
    ctx.session.add(v)
    return v


def create_instrument(
    ctx: Ctx,
    *,
    kind: str,
    title: str,
    parties: Sequence[str],
    clauses: Sequence[dict[str, Any]] = (),
    template: str = "",
    summary: str = "",
    effective_from: date | None = None,
    expires_on: date | None = None,
    core_years: int = ag.CORE_YEARS_DEFAULT,
    adjustment_years: int = ag.ADJUSTMENT_YEARS_DEFAULT,
) -> m.Instrument:
    for name, d in (("effective_from", effective_from), ("expires_on", expires_on)):
        if d is not None:
            validation.check_day(d, field=name)
    codes = []
    for i, code in enumerate(parties):
        resolved = ctx.tree.resolve(code, strict=False)
        if resolved is None:
            raise DataError(
                f"unknown region {code!r}", column=f"parties.{i}", expected="a region code such as '33'"
            )
        codes.append(resolved)
    if len(set(codes)) != len(codes):
        raise DataError("a party is listed twice", column="parties", expected="distinct regions")
    obj = ag.PolicyObject(
        "instrument", state="draft", parties=frozenset(codes), superiors=ag.superiors_of(ctx.tree, codes)
    )
    require(ctx, "create", obj, "an instrument for these parties")
    dom_clauses = [build_clause(c, where=f"clauses.{i}") for i, c in enumerate(clauses)]
    try:
        dom = ag.Instrument(
            ag.InstrumentKind(kind), title, tuple(codes), tuple(dom_clauses), effective_from, expires_on
        )
    except ValueError as exc:
        raise DataError(str(exc), column="kind" if "InstrumentKind" in str(exc) else None) from None
    _check_clauses(ctx, dom_clauses, codes)
    if expires_on is not None and effective_from is not None and expires_on <= effective_from:
        raise DataError(
            "expires_on is not after effective_from", column="expires_on", expected="a later date"
        )
    proposer = ctx.principal.region or codes[0]
    inst = m.Instrument(
        kind=dom.kind.value,
        title=title,
        template=template,
        state=ag.State.DRAFT.value,
        proposer_region=proposer,
        created_by=ctx.principal.user_id,
        effective_from=effective_from,
        expires_on=expires_on,
        core_years=core_years,
        adjustment_years=adjustment_years,
        summary=summary,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    inst.parties = [m.Party(region_code=c) for c in codes]
    inst.clauses = [
        _clause_row(c, _assessment(d, c, f"clauses.{i}"))
        for i, (c, d) in enumerate(zip(dom_clauses, clauses, strict=True))
    ]
    ctx.session.add(inst)
    ctx.session.flush()
    _version(ctx, inst, "created")
    ctx.audit("instrument.create", "instrument", inst.id, {"kind": kind, "title": title, "parties": codes})
    return inst


def _assessment(data: dict[str, Any], clause: ag.Clause, where: str) -> dict[str, Any] | None:
    spec = data.get("assessment")
    if spec is None:
        return None
    if clause.obligation is None:
        raise DataError("an assessment needs an obligation to judge", column=f"{where}.assessment")
    from regcoord.service.usecases import assessments

    return assessments.validate(dict(spec), where=f"{where}.assessment")


def _clause_row(c: ag.Clause, assessment: dict[str, Any] | None = None) -> m.ClauseRow:
    d = c.to_dict()
    return m.ClauseRow(
        number=c.number,
        text=c.text,
        obligation=d["obligation"],
        breach=d["breach"],
        compensation=d["compensation"],
        assessment=assessment,
    )


EDITABLE_STATES = frozenset({"draft", "consultation", "negotiating", "returned", "revision_required"})


def add_clause(ctx: Ctx, instrument_id: int, data: dict[str, Any]) -> m.Instrument:
    inst = load_instrument(ctx, instrument_id)
    require(ctx, "add_clause", policy_object(ctx, inst), f"instrument {instrument_id}")
    if inst.state not in EDITABLE_STATES:
        raise ConflictError(f"clauses cannot be added in state {inst.state!r}")
    c = build_clause(data, where="clause")
    if any(r.number == c.number for r in inst.clauses):
        raise DataError(
            f"clause {c.number} already exists", column="clause.number", expected="a new clause number"
        )
    parties = [p.region_code for p in inst.parties]
    _check_clauses(ctx, [c], parties, base="clause")
    inst.clauses.append(_clause_row(c, _assessment(data, c, "clause")))
    _after_text_change(ctx, inst, f"clause {c.number} added")
    ctx.audit("instrument.add_clause", "instrument", inst.id, {"clause": c.to_dict()})
    return inst


def _after_text_change(ctx: Ctx, inst: m.Instrument, note: str) -> None:
    """A change of the terms makes a new version and voids every signature (audited)."""
    inst.updated_at = ctx.now
    voided = [p.region_code for p in inst.parties if p.signed_at is not None]
    for p in inst.parties:  # a changed text must be signed again
        p.signed_at = None
        p.signed_by = None
        p.signed_hash = None
    ctx.session.flush()
    _version(ctx, inst, note)
    if voided:
        ctx.audit("instrument.signatures_void", "instrument", inst.id, {"regions": voided, "because": note})


def update_instrument(
    ctx: Ctx, instrument_id: int, *, if_match: str | None, changes: dict[str, Any]
) -> m.Instrument:
    """Update title, summary or dates under optimistic concurrency (ETag / If-Match)."""
    inst = load_instrument(ctx, instrument_id)
    require(ctx, "edit", policy_object(ctx, inst), f"instrument {instrument_id}")
    if if_match is None:
        raise PreconditionRequired("If-Match header required (the ETag of the instrument)")
    if if_match.strip() not in (etag(inst), f"W/{etag(inst)}"):
        raise PreconditionFailed(f"instrument {instrument_id} changed: current ETag is {etag(inst)}")
    if inst.state not in EDITABLE_STATES:
        raise ConflictError(f"instrument cannot be edited in state {inst.state!r}")
    allowed = {"title", "summary", "effective_from", "expires_on"}
    for k, v in changes.items():
        if k not in allowed:
            raise DataError(f"field {k!r} cannot be updated", column=k, expected=", ".join(sorted(allowed)))
        if k == "title" and (not isinstance(v, str) or not v.strip()):
            raise DataError("title is empty", column="title")
        if k in ("effective_from", "expires_on") and v is not None:
            validation.check_day(v, field=k)
        setattr(inst, k, v)
    if (
        inst.expires_on is not None
        and inst.effective_from is not None
        and inst.expires_on <= inst.effective_from
    ):
        raise DataError("expires_on is not after effective_from", column="expires_on")
    inst.updated_at = ctx.now
    ctx.session.flush()
    terms = sorted(k for k in changes if k != "summary")
    if terms:  # title and dates are terms: a new version, signatures void (issue 8)
        _after_text_change(ctx, inst, f"{', '.join(terms)} changed")
    ctx.audit("instrument.update", "instrument", inst.id, {k: str(v) for k, v in changes.items()})
    return inst


class PreconditionRequired(ConflictError):
    """A conditional update came without ``If-Match`` (HTTP 428)."""


class PreconditionFailed(ConflictError):
    """``If-Match`` names a stale version (HTTP 412)."""


def signed_regions(inst: m.Instrument) -> frozenset[str]:
    """Parties whose signature binds the current terms (the hash stored at signing matches)."""
    now = terms_hash(inst)
    return frozenset(p.region_code for p in inst.parties if p.signed_at is not None and p.signed_hash == now)


def lifecycle_context(ctx: Ctx, inst: m.Instrument, **kw: Any) -> ag.LifecycleContext:
    """The facts the lifecycle guards need, judged on the date of the call."""
    return ag.LifecycleContext(
        on=ctx.now.date(),
        parties=frozenset(p.region_code for p in inst.parties),
        signed_by=signed_regions(inst),
        n_clauses=len(inst.clauses),
        expires_on=inst.expires_on,
        **kw,
    )


def transition(
    ctx: Ctx, inst: m.Instrument, action: ag.Action, lc: ag.LifecycleContext, payload: dict[str, Any]
) -> None:
    """Apply one row of the transition table and audit it (from, to, payload)."""
    before = inst.state
    inst.state = ag.apply(inst.state, action, lc).value
    inst.updated_at = ctx.now
    ctx.session.flush()
    ctx.audit(
        f"instrument.{action.value}", "instrument", inst.id, {"from": before, "to": inst.state, **payload}
    )


def open_consultation(ctx: Ctx, instrument_id: int, *, closes_at: datetime) -> m.Consultation:
    inst = load_instrument(ctx, instrument_id)
    require(ctx, "open_consultation", policy_object(ctx, inst), f"instrument {instrument_id}")
    validation.check_day(closes_at, field="closes_at")
    if closes_at.tzinfo is None:
        raise DataError(
            "closes_at has no time zone", column="closes_at", expected="e.g. 2025-04-01T00:00:00+08:00"
        )
    if closes_at <= ctx.now:
        raise DataError(
            "the consultation window must close in the future", column="closes_at", expected="a later time"
        )
    transition(
        ctx,
        inst,
        ag.Action.OPEN_CONSULTATION,
        lifecycle_context(ctx, inst),
        {"closes_at": closes_at.isoformat()},
    )
    cons = m.Consultation(instrument_id=inst.id, opens_at=ctx.now, closes_at=closes_at)
    ctx.session.add(cons)
    ctx.session.flush()
    ctx.audit("consultation.open", "consultation", cons.id, {"instrument": inst.id})
    return cons


def close_consultation(ctx: Ctx, instrument_id: int) -> m.Instrument:
    inst = load_instrument(ctx, instrument_id)
    require(ctx, "close_consultation", policy_object(ctx, inst), f"instrument {instrument_id}")
    cons = ctx.session.scalar(
        select(m.Consultation).where(
            m.Consultation.instrument_id == inst.id, m.Consultation.closed_at.is_(None)
        )
    )
    open_subs = 0
    if cons is not None:
        open_subs = (
            ctx.session.scalar(
                select(func.count()).where(
                    m.Submission.consultation_id == cons.id, m.Submission.answer.is_(None)
                )
            )
            or 0
        )
    transition(
        ctx, inst, ag.Action.CLOSE_CONSULTATION, lifecycle_context(ctx, inst, open_submissions=open_subs), {}
    )
    if cons is not None:
        cons.closed_at = ctx.now
    return inst


def sign(ctx: Ctx, instrument_id: int) -> m.Instrument:
    """The principal's region signs (a negotiated or a revised text).

    When every party has signed a negotiated text it is sealed (``signed``); a revised text
    stays ``revised`` and can be filed once every party has signed it again.
    """
    inst = load_instrument(ctx, instrument_id)
    require(ctx, "sign", policy_object(ctx, inst), f"instrument {instrument_id}")
    region = ctx.principal.region
    if region is None:
        raise DataError("the signer is not bound to a region", column="region")
    transition(ctx, inst, ag.Action.SIGN, lifecycle_context(ctx, inst, signer=region), {"region": region})
    party = next(p for p in inst.parties if p.region_code == region)
    party.signed_at = ctx.now
    party.signed_by = ctx.principal.user_id
    party.signed_hash = terms_hash(inst)
    seal(ctx, "party.sign", party, {"instrument": inst.id, "region": region, "terms_hash": party.signed_hash})
    if inst.state == ag.State.NEGOTIATING.value and signed_regions(inst) == {
        p.region_code for p in inst.parties
    }:
        transition(ctx, inst, ag.Action.SEAL, lifecycle_context(ctx, inst), {})
    return inst


def _participation(ctx: Ctx, inst: m.Instrument) -> ag.ParticipationReport | None:
    cons_ids = ctx.session.scalars(
        select(m.Consultation.id).where(m.Consultation.instrument_id == inst.id)
    ).all()
    if not cons_ids:
        return None
    return participation_of(ctx, list(cons_ids), [p.region_code for p in inst.parties])


def review_findings(ctx: Ctx, inst: m.Instrument) -> list[ag.Finding]:
    """Automatic review findings plus the participation rule (seed 003 §5.2.4)."""
    findings = list(ag.review(instrument_domain(inst)))
    rep = _participation(ctx, inst)
    if rep is None or not rep.ok:
        detail = (
            "no consultation was held"
            if rep is None
            else (
                f"under-represented kinds: {', '.join(rep.under_kinds) or '-'}; regions: {', '.join(rep.under_regions) or '-'}"
            )
        )
        findings.append(
            ag.Finding(
                rule="participation_below_threshold",
                severity=ag.Severity.BLOCKING,
                clause=None,
                message_en=f"participation below the threshold ({detail})",
                message_zh="公众参与未达到门槛（参与是协议生效的前提）",
            )
        )
    return findings


def file(ctx: Ctx, instrument_id: int) -> m.FilingReview:
    inst = load_instrument(ctx, instrument_id)
    require(ctx, "file", policy_object(ctx, inst), f"instrument {instrument_id}")
    transition(ctx, inst, ag.Action.FILE, lifecycle_context(ctx, inst), {})
    parties = [p.region_code for p in inst.parties]
    if len(parties) > 1:
        reviewer_region = ctx.tree.lowest_common_superior(parties[0], *parties[1:]).code
    else:
        reviewer_region = ctx.tree[parties[0]].parent or parties[0]
    findings = review_findings(ctx, inst)
    fr = m.FilingReview(
        instrument_id=inst.id,
        filed_by=ctx.principal.user_id,
        filed_at=ctx.now,
        reviewer_region=reviewer_region,
        findings=[f.to_dict() for f in findings],
        reasons="",
    )
    ctx.session.add(fr)
    ctx.session.flush()
    ctx.audit(
        "filing.create",
        "filing_review",
        fr.id,
        {"instrument": inst.id, "reviewer_region": reviewer_region, "blocking": ag.blocking(tuple(findings))},
    )
    return fr


def current_filing(ctx: Ctx, inst: m.Instrument) -> m.FilingReview:
    fr = ctx.session.scalar(
        select(m.FilingReview)
        .where(m.FilingReview.instrument_id == inst.id)
        .order_by(m.FilingReview.id.desc())
        .limit(1)
    )
    if fr is None:
        raise NotFound(f"instrument {inst.id} has no filing")
    return fr


def start_review(ctx: Ctx, instrument_id: int) -> m.FilingReview:
    inst = load_instrument(ctx, instrument_id)
    require(ctx, "start_review", policy_object(ctx, inst), f"instrument {instrument_id}")
    transition(ctx, inst, ag.Action.START_REVIEW, lifecycle_context(ctx, inst), {})
    fr = current_filing(ctx, inst)
    fr.reviewer_id = ctx.principal.user_id
    return fr


def decide_review(ctx: Ctx, instrument_id: int, *, approve: bool, reasons: str = "") -> m.FilingReview:
    inst = load_instrument(ctx, instrument_id)
    action = "approve" if approve else "return"
    require(ctx, action, policy_object(ctx, inst), f"instrument {instrument_id}")
    if inst.state != ag.State.UNDER_REVIEW.value:
        # a state conflict, not a missing object: a draft has no filing to decide on (issue 8:
        # found by the lifecycle state machine, derandomize=False, seed 35)
        raise ConflictError(
            f"instrument {instrument_id} is {inst.state}, not under review: nothing to decide"
        )
    fr = current_filing(ctx, inst)
    if approve:
        n_block = sum(
            1
            for f in fr.findings
            if f["severity"] == "blocking" and f["rule"] != "participation_below_threshold"
        )
        part_ok = not any(f["rule"] == "participation_below_threshold" for f in fr.findings)
        lc = lifecycle_context(ctx, inst, blocking_findings=n_block, participation_ok=part_ok)
        transition(ctx, inst, ag.Action.APPROVE, lc, {"reasons": reasons})
        if inst.effective_from is None:
            inst.effective_from = ctx.now.date()
    else:
        transition(
            ctx, inst, ag.Action.RETURN, lifecycle_context(ctx, inst, reasons=reasons), {"reasons": reasons}
        )
    fr.decision = "approved" if approve else "returned"
    fr.reasons = reasons
    fr.reviewer_id = ctx.principal.user_id
    fr.decided_at = ctx.now
    ctx.session.flush()
    return fr


def resubmit(ctx: Ctx, instrument_id: int) -> m.Instrument:
    inst = load_instrument(ctx, instrument_id)
    require(ctx, "resubmit", policy_object(ctx, inst), f"instrument {instrument_id}")
    transition(ctx, inst, ag.Action.RESUBMIT, lifecycle_context(ctx, inst), {})
    for p in inst.parties:
        p.signed_at = None
        p.signed_by = None
        p.signed_hash = None
    return inst


def order_revision(
    ctx: Ctx, instrument_id: int, *, reasons: str, months: int = ag.REVISION_MONTHS_DEFAULT
) -> m.Instrument:
    inst = load_instrument(ctx, instrument_id)
    require(ctx, "order_revision", policy_object(ctx, inst), f"instrument {instrument_id}")
    deadline = ag.revision_deadline(ctx.now.date(), months)
    transition(
        ctx,
        inst,
        ag.Action.ORDER_REVISION,
        lifecycle_context(ctx, inst, reasons=reasons),
        {"reasons": reasons, "deadline": deadline.isoformat()},
    )
    inst.revision_deadline = deadline
    return inst


def revise(
    ctx: Ctx, instrument_id: int, *, clauses: Sequence[dict[str, Any]], note: str = ""
) -> m.Instrument:
    """Table a revised text: clauses are replaced or added by number (kept clauses keep their reports).

    Signatures are cleared: every party signs the revised text, then it is filed and reviewed again.
    """
    inst = load_instrument(ctx, instrument_id)
    require(ctx, "revise", policy_object(ctx, inst), f"instrument {instrument_id}")
    if not clauses:
        raise DataError("a revision needs at least one clause", column="clauses")
    new = [build_clause(c, where=f"clauses.{i}") for i, c in enumerate(clauses)]
    _check_clauses(ctx, new, [p.region_code for p in inst.parties])
    transition(
        ctx,
        inst,
        ag.Action.REVISE,
        lifecycle_context(ctx, inst),
        {"note": note, "clauses": [c.number for c in new]},
    )
    by_number = {r.number: r for r in inst.clauses}
    for c in new:
        d = c.to_dict()
        row = by_number.get(c.number)
        if row is None:
            inst.clauses.append(_clause_row(c))
        else:
            row.text, row.obligation, row.breach, row.compensation = (
                c.text,
                d["obligation"],
                d["breach"],
                d["compensation"],
            )
    inst.revision_deadline = None
    for p in inst.parties:  # every party signs the revised text again before it is filed
        p.signed_at = None
        p.signed_by = None
        p.signed_hash = None
    ctx.session.flush()
    _version(ctx, inst, note or "revision")
    return inst


def terminate(ctx: Ctx, instrument_id: int, *, reasons: str) -> m.Instrument:
    inst = load_instrument(ctx, instrument_id)
    require(ctx, "terminate", policy_object(ctx, inst), f"instrument {instrument_id}")
    transition(
        ctx, inst, ag.Action.TERMINATE, lifecycle_context(ctx, inst, reasons=reasons), {"reasons": reasons}
    )
    return inst


def expire(ctx: Ctx, instrument_id: int) -> m.Instrument:
    inst = load_instrument(ctx, instrument_id)
    require(ctx, "expire", policy_object(ctx, inst), f"instrument {instrument_id}")
    transition(ctx, inst, ag.Action.EXPIRE, lifecycle_context(ctx, inst), {})
    return inst


def list_instruments(ctx: Ctx, *, state: str | None = None, region: str | None = None) -> list[m.Instrument]:
    """Every instrument the principal may view (unbounded: pages use :func:`queries.instruments`)."""
    q = select(m.Instrument).where(visible_clause(ctx)).order_by(m.Instrument.id)
    if state:
        q = q.where(m.Instrument.state == state)
    if region:
        q = q.where(m.Instrument.id.in_(select(m.Party.instrument_id).where(m.Party.region_code == region)))
    return list(ctx.session.scalars(q).all())


def versions(ctx: Ctx, instrument_id: int) -> list[m.InstrumentVersion]:
    inst = load_instrument(ctx, instrument_id)
    return list(
        ctx.session.scalars(
            select(m.InstrumentVersion)
            .where(m.InstrumentVersion.instrument_id == inst.id)
            .order_by(m.InstrumentVersion.number)
        )
    )


def diff(ctx: Ctx, instrument_id: int, a: int, b: int) -> ag.TextDiff:
    vs = {v.number: v for v in versions(ctx, instrument_id)}
    for name, n in (("a", a), ("b", b)):
        if n not in vs:
            raise NotFound(f"instrument {instrument_id} has no version {n} (parameter {name})")
    return ag.diff_texts(vs[a].text, vs[b].text, old_label=f"v{a}", new_label=f"v{b}")


__all__ = [
    "PreconditionFailed",
    "PreconditionRequired",
    "add_clause",
    "build_clause",
    "clause_domain",
    "close_consultation",
    "create_from_template",
    "create_instrument",
    "decide_review",
    "diff",
    "expire",
    "file",
    "lifecycle_context",
    "list_instruments",
    "open_consultation",
    "order_revision",
    "resubmit",
    "review_findings",
    "revise",
    "sign",
    "start_review",
    "terminate",
    "transition",
    "update_instrument",
    "versions",
]


def create_from_template(
    ctx: Ctx, *, template: str, params: dict[str, Any], title: str | None = None, summary: str = ""
) -> m.Instrument:
    """Create a draft from one of :data:`regcoord.agreements.TEMPLATES` with the parties' parameters."""
    dom = ag.instantiate(template, params)
    return create_instrument(
        ctx,
        kind=dom.kind.value,
        title=title or dom.title,
        parties=list(dom.parties),
        clauses=[c.to_dict() for c in dom.clauses],
        template=template,
        summary=summary or ag.TEMPLATES[template].source,
        effective_from=dom.effective_from,
        expires_on=dom.expires_on,
    )
