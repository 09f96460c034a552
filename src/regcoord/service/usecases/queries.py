"""Read queries (lists) shared by the JSON API, the web UI and the CLI.

One function per list; each takes the use-case :class:`~regcoord.service.usecases._context.Ctx`
(session and acting principal) and keyword-only filters, and applies the per-object
visibility of the principal itself:

* lists of an instrument's objects (KPI reports, negotiations, evaluations, consultations)
  load the instrument with :func:`~regcoord.service.usecases._context.load_instrument`, so
  an instrument the principal may not view is "not found";
* lists across instruments (instruments, consultations, evaluations) are restricted in SQL
  (:func:`visible_clause`, the policy's ``view`` rule) to the instruments the principal may view;
* the public registers (breaches, payments ledger, credit subjects, disputes) are public,
  as in the published credit and dispute records.

Every list is a keyset page (:class:`Page`): rows oldest first (``newest_first`` reverses),
at most ``limit`` (<= :data:`MAX_LIMIT`) of them after the cursor ``after`` (the id of the
last row of the previous page), with the cursor of the next page and, where people need
it, the total. A page costs the same whatever the size of the table (an index range scan
from the cursor), and nothing is ever cut silently: a longer list has a next cursor.
No state changes and no rule lives here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import raiseload

from regcoord import agreements as ag
from regcoord.errors import DataError, NotFound
from regcoord.service.db import models as m
from regcoord.service.db.credit_models import CreditStanding
from regcoord.service.usecases import monitoring as mon_uc
from regcoord.service.usecases import negotiations as neg_uc
from regcoord.service.usecases._context import Ctx, load_instrument, require, visible_clause

T = TypeVar("T")

#: the most rows one page holds (issue 8: "limit <= 500")
MAX_LIMIT = 500
#: the rows a page holds when the caller does not say
DEFAULT_LIMIT = MAX_LIMIT
#: kept for callers of the former cap; a list is now paged, never cut
MAX_ROWS = MAX_LIMIT
#: totals are counted exactly up to this many rows; beyond, a total says "more than COUNT_CAP"
#: (an exact count of a million rows reads a million index entries: the cost of the table,
#: not of the page)
COUNT_CAP = 10_000
#: due payments the dashboard shows in full (the rest are counted)
DASHBOARD_PAYMENTS = 10


@dataclass(frozen=True)
class Page(Generic[T]):
    """One keyset page: ``items``, the cursor of the next page (``None`` on the last) and the total.

    Iterating a page iterates its items, so a page reads like the list it replaces.
    """

    items: list[T]
    next_after: int | None = None
    total: int | None = None
    limit: int = DEFAULT_LIMIT
    #: the list holds more than :data:`COUNT_CAP` rows (``total`` is then ``COUNT_CAP``)
    total_capped: bool = False

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def check_limit(limit: int) -> int:
    """``limit`` if ``1 <= limit <= MAX_LIMIT``; a :class:`DataError` naming the bound otherwise."""
    if not 1 <= limit <= MAX_LIMIT:
        raise DataError(
            f"limit {limit} is out of range", column="limit", expected=f"1 <= limit <= {MAX_LIMIT}"
        )
    return limit


def _page(
    ctx: Ctx,
    q: Select[Any],
    key: Any,
    newest_first: bool,
    *,
    after: int | None = None,
    limit: int = DEFAULT_LIMIT,
    total: bool = False,
) -> Page[Any]:
    """Rows of ``q`` after the cursor, ordered by ``key`` (an indexed integer column), one extra to see a next page."""
    check_limit(limit)
    n, capped = capped_count(ctx, q) if total else (None, False)
    if after is not None:
        q = q.where(key < after if newest_first else key > after)
    q = q.order_by(key.desc() if newest_first else key).limit(limit + 1)
    rows = list(ctx.session.scalars(q))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, rows[-1].id if more else None, n, limit, capped)


def capped_count(ctx: Ctx, q: Select[Any]) -> tuple[int, bool]:
    """``(min(count, COUNT_CAP), count > COUNT_CAP)`` of the rows of ``q``, reading at most ``COUNT_CAP + 1`` of them."""
    sub = q.order_by(None).limit(COUNT_CAP + 1).subquery()
    n = int(ctx.session.scalar(select(func.count()).select_from(sub)) or 0)
    return min(n, COUNT_CAP), n > COUNT_CAP


def visible_instruments(ctx: Ctx) -> Select[Any]:
    """``SELECT instrument.id`` of the instruments the principal may view (a subquery)."""
    return select(m.Instrument.id).where(visible_clause(ctx))


def instruments(
    ctx: Ctx,
    *,
    state: str | None = None,
    region: str | None = None,
    after: int | None = None,
    limit: int = DEFAULT_LIMIT,
    total: bool = True,
    light: bool = False,
    with_revision_deadline: bool = False,
) -> Page[m.Instrument]:
    """Instruments the principal may view, optionally in one state and/or with one party region.

    ``light`` leaves the parties and clauses unloaded (for a list of titles);
    ``with_revision_deadline`` keeps those that were ordered a revision.
    """
    q = select(m.Instrument).where(visible_clause(ctx))
    if with_revision_deadline:
        q = q.where(m.Instrument.revision_deadline.is_not(None))
    if light:
        q = q.options(raiseload(m.Instrument.parties), raiseload(m.Instrument.clauses))
    if state:
        q = q.where(m.Instrument.state == state)
    if region:
        q = q.where(m.Instrument.id.in_(select(m.Party.instrument_id).where(m.Party.region_code == region)))
    return _page(ctx, q, m.Instrument.id, False, after=after, limit=limit, total=total)


def visible_instrument_ids(ctx: Ctx) -> list[int]:
    """Ids of the instruments the principal may view (every one: for tests and small tools)."""
    return list(ctx.session.scalars(visible_instruments(ctx).order_by(m.Instrument.id)))


def _instrument_ids(ctx: Ctx, instrument_id: int | None) -> Any:
    if instrument_id is None:
        return visible_instruments(ctx)
    return [load_instrument(ctx, instrument_id).id]


def consultations(
    ctx: Ctx,
    *,
    instrument_id: int | None = None,
    newest_first: bool = False,
    after: int | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[m.Consultation]:
    """Consultations of one instrument, or of every instrument the principal may view."""
    ids = _instrument_ids(ctx, instrument_id)
    q = select(m.Consultation).where(m.Consultation.instrument_id.in_(ids))
    return _page(ctx, q, m.Consultation.id, newest_first, after=after, limit=limit)


def reports(
    ctx: Ctx, *, instrument_id: int, after: int | None = None, limit: int = DEFAULT_LIMIT
) -> Page[m.KPIReportRow]:
    """KPI reports on the clauses of an instrument the principal may view (with their total)."""
    inst = load_instrument(ctx, instrument_id)
    q = select(m.KPIReportRow).where(m.KPIReportRow.clause_id.in_([c.id for c in inst.clauses]))
    return _page(ctx, q, m.KPIReportRow.id, False, after=after, limit=limit, total=True)


def breaches(
    ctx: Ctx,
    *,
    region: str | None = None,
    instrument_id: int | None = None,
    newest_first: bool = False,
    after: int | None = None,
    limit: int = DEFAULT_LIMIT,
    total: bool = True,
) -> Page[m.BreachRow]:
    """Breach events (public), optionally of one obligor region and/or one instrument."""
    q = select(m.BreachRow)
    if region:
        q = q.where(m.BreachRow.obligor == region)
    if instrument_id is not None:
        q = q.where(m.BreachRow.instrument_id == instrument_id)
    return _page(ctx, q, m.BreachRow.id, newest_first, after=after, limit=limit, total=total)


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
    ctx: Ctx,
    *,
    region: str | None = None,
    instrument_id: int | None = None,
    status: str | None = None,
    after: int | None = None,
    limit: int = DEFAULT_LIMIT,
    total: bool = True,
) -> Page[m.Payment]:
    """The payments ledger (public), filtered by payer-or-payee region, instrument and status."""
    q = _payments_query(region, instrument_id, status)
    return _page(ctx, q, m.Payment.id, False, after=after, limit=limit, total=total)


def payments_due(ctx: Ctx, *, region: str | None = None, first: int = DASHBOARD_PAYMENTS) -> dict[str, Any]:
    """How many payments are due (of ``region`` as payer or payee, or all) and the ``first`` of them.

    The first are the oldest, without their traces; the full list with traces is
    :func:`payments` with ``status="due"`` (``GET /api/payments?status=due``). The count is
    exact up to :data:`COUNT_CAP`; ``count_capped`` says that more are due.
    """
    count, capped = capped_count(ctx, _payments_query(region, None, "due", m.Payment.id))
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
    return {"count": count, "first": items, "count_capped": capped}


def negotiations(
    ctx: Ctx, *, instrument_id: int, after: int | None = None, limit: int = DEFAULT_LIMIT
) -> Page[m.Negotiation]:
    """Negotiations of an instrument the principal may view."""
    inst = load_instrument(ctx, instrument_id)
    q = select(m.Negotiation).where(m.Negotiation.instrument_id == inst.id)
    return _page(ctx, q, m.Negotiation.id, False, after=after, limit=limit)


def proposals(ctx: Ctx, *, negotiation_id: int) -> list[m.Proposal]:
    """Proposals of a negotiation on an instrument the principal may view (all: the analysis needs them)."""
    neg = neg_uc.get_negotiation(ctx, negotiation_id)
    q = select(m.Proposal).where(m.Proposal.negotiation_id == neg.id).order_by(m.Proposal.id)
    return list(ctx.session.scalars(q))


def disputes(
    ctx: Ctx,
    *,
    routed_to: str | None = None,
    instrument_id: int | None = None,
    newest_first: bool = False,
    after: int | None = None,
    limit: int = DEFAULT_LIMIT,
    total: bool = True,
) -> Page[m.Dispute]:
    """Disputes (public register), optionally routed to one region and/or of one instrument."""
    q = select(m.Dispute)
    if routed_to:
        q = q.where(m.Dispute.routed_to == routed_to)
    if instrument_id is not None:
        q = q.where(m.Dispute.instrument_id == instrument_id)
    return _page(ctx, q, m.Dispute.id, newest_first, after=after, limit=limit, total=total)


def dispute(ctx: Ctx, *, dispute_id: int) -> m.Dispute:
    """One dispute (public register); :class:`NotFound` if there is none with this id."""
    d = ctx.session.get(m.Dispute, dispute_id)
    if d is None:
        raise NotFound(f"dispute {dispute_id} not found")
    return d


def evaluations(
    ctx: Ctx,
    *,
    instrument_id: int | None = None,
    newest_first: bool = False,
    after: int | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[m.Evaluation]:
    """Evaluations of one instrument, or of every instrument the principal may view."""
    ids = _instrument_ids(ctx, instrument_id)
    q = select(m.Evaluation).where(m.Evaluation.instrument_id.in_(ids))
    return _page(ctx, q, m.Evaluation.id, newest_first, after=after, limit=limit)


def credit(ctx: Ctx, *, region: str) -> tuple[ag.CreditRecord, list[m.CreditEventRow]]:
    """The public credit record of ``region`` and its events; :class:`NotFound` for an unknown region."""
    if ctx.tree.resolve(region, strict=False) is None:
        raise NotFound(f"unknown region {region!r}")
    return mon_uc.credit(ctx, region)


def credit_subjects(ctx: Ctx) -> list[str]:
    """Regions that have a credit record (at least one credit event): the stored standings."""
    q = select(CreditStanding.subject).order_by(CreditStanding.subject)
    return list(ctx.session.scalars(q))


def credit_standings(ctx: Ctx) -> list[ag.CreditRecord]:
    """Score and breach count of every region with a credit record: one query of the stored standing.

    The same numbers as ``GET /api/credit/{region}`` and the dashboard (KPI breaches and
    trading compliance shortfalls alike), since all read ``credit_standing``.
    """
    return sorted(mon_uc.standings(ctx).values(), key=lambda r: r.subject)


def users(ctx: Ctx, *, after: int | None = None, limit: int = DEFAULT_LIMIT) -> Page[m.User]:
    """User accounts (administrators only)."""
    require(ctx, "manage_users", ag.PolicyObject("user"), "users")
    return _page(ctx, select(m.User), m.User.id, False, after=after, limit=limit)


def actors(
    ctx: Ctx,
    *,
    region: str | None = None,
    kind: str | None = None,
    after: int | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[m.Actor]:
    """Registered stakeholders, optionally of one region and/or one kind."""
    q = select(m.Actor)
    if region:
        q = q.where(m.Actor.region_code == region)
    if kind:
        q = q.where(m.Actor.kind == kind)
    return _page(ctx, q, m.Actor.id, False, after=after, limit=limit)


__all__ = [
    "COUNT_CAP",
    "DASHBOARD_PAYMENTS",
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "MAX_ROWS",
    "Page",
    "actors",
    "breaches",
    "capped_count",
    "consultations",
    "credit",
    "credit_standings",
    "credit_subjects",
    "dispute",
    "disputes",
    "evaluations",
    "instruments",
    "negotiations",
    "payments",
    "payments_due",
    "proposals",
    "reports",
    "users",
    "visible_clause",
    "visible_instrument_ids",
    "visible_instruments",
]
