"""Pages of the web UI (server-rendered Jinja2, htmx-boosted).

Every action calls the use case the JSON API calls (``service/usecases/*``) with the
principal of the session cookie; a refused action re-renders the page with the reason
(401/403/404/409/422), a successful one redirects (303) to the page it came from.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import select
from sqlalchemy.exc import DataError as DBDataError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import raiseload
from sqlalchemy.orm.exc import StaleDataError

from regcoord import agreements as ag
from regcoord.errors import ConflictError, DataError, NotFound, PermissionDenied, RegcoordError
from regcoord.service import validation
from regcoord.service.api.auth import SESSION_COOKIE, set_session_cookie
from regcoord.service.api.deps import Id, OptId
from regcoord.service.api.monitoring import read_csv_upload
from regcoord.service.db import models as m
from regcoord.service.usecases import consultations as cons_uc
from regcoord.service.usecases import governance as gov_uc
from regcoord.service.usecases import instruments as inst_uc
from regcoord.service.usecases import monitoring as mon_uc
from regcoord.service.usecases import negotiations as neg_uc
from regcoord.service.usecases import queries, sessions
from regcoord.service.usecases._context import (
    Ctx,
    instrument_out,
    load_instrument,
    policy_object,
    region_tree,
)
from regcoord.service.usecases.indicators import NationalDisparity, national_disparity
from regcoord.service.web.i18n import LABELS, LANG_COOKIE, LANGS, bilingual, pick_lang, translator
from regcoord.service.web.security import CSRF_FIELD, check_csrf, set_csrf_cookie

TEMPLATES = Path(__file__).parent / "templates"

_env = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
)

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])


# -- plumbing ----------------------------------------------------------------------------------
def web_ctx(request: Request) -> Iterator[Ctx]:
    session = request.app.state.sessions()
    try:
        principal = getattr(request.state, "web_principal", ag.ANONYMOUS)
        yield Ctx(session=session, principal=principal, now=request.app.state.clock(), tree=region_tree())
    finally:
        session.close()


WebCtx = Annotated[Ctx, Depends(web_ctx)]


async def form_data(request: Request) -> dict[str, str]:
    """The text fields of a posted form (read once; Starlette caches it for the CSRF check)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


FormDict = Annotated[dict[str, str], Depends(form_data)]
Text = Annotated[str, Form()]


def region_name(code: str | None, lang: str) -> str:
    """'34' -> 'Anhui' / '安徽省'; codes outside the tree (e.g. 'fund:3') are shown as they are."""
    if not code:
        return ""
    tree = region_tree()
    node = tree.resolve(code, strict=False)
    if node is None:
        return code
    r = tree[node]
    return bilingual(r.name_en, r.name_zh, lang)


_STATES = {x.value: x for x in ag.State}


def _state_label(state: str, lang: str) -> str:
    """'in_force' -> 'in force' / '生效' (the Chinese labels come from the lifecycle table)."""
    st = _STATES.get(state)
    if st is None:
        return state
    return bilingual(state.replace("_", " "), ag.STATE_LABELS.get(st, ""), lang)


def _fen(amount: int | None) -> str:
    """Integer fen shown as yuan with two decimals (exact, via Decimal)."""
    if amount is None:
        return ""
    return f"{Decimal(amount) / 100:,.2f}"


def render(
    request: Request,
    ctx: Ctx,
    template: str,
    *,
    status: int = 200,
    error: str | None = None,
    **context: Any,
) -> HTMLResponse:
    lang = pick_lang(request)
    p = ctx.principal
    done = request.query_params.get("done")
    html = _env.get_template(template).render(
        _=translator(lang),
        lang=lang,
        other_lang="zh" if lang == "en" else "en",
        csrf=getattr(request.state, "csrf", ""),
        csrf_field=CSRF_FIELD,
        user=None
        if p.user_id is None
        else {"name": getattr(request.state, "web_username", ""), "role": p.role.value, "region": p.region},
        path=request.url.path,
        flash=f"done.{done}" if done and f"done.{done}" in LABELS else None,
        error=error,
        rname=lambda c: region_name(c, lang),
        fen=_fen,
        state_label=lambda s: _state_label(s, lang),
        bi=lambda en, zh: bilingual(en, zh, lang),
        **context,
    )
    resp = HTMLResponse(html, status_code=status)
    q = request.query_params.get("lang")
    if q in LANGS:
        resp.set_cookie(LANG_COOKIE, q, max_age=365 * 24 * 3600, samesite="lax", path="/")
    return resp


def _light_instruments(ids: list[int]) -> Any:
    """``SELECT`` of the instruments ``ids`` without their parties and clauses (for titles)."""
    return (
        select(m.Instrument)
        .where(m.Instrument.id.in_(ids))
        .options(raiseload(m.Instrument.parties), raiseload(m.Instrument.clauses))
    )


#: rows per page of the web lists (the API pages by up to ``queries.MAX_LIMIT``)
WEB_PAGE = 50


def _cursor(request: Request, name: str = "after") -> int | None:
    """The keyset cursor ``name`` of the query string; a missing or malformed one is the first page."""
    raw = request.query_params.get(name, "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else None


def _pager(request: Request, page: queries.Page[Any], name: str = "after") -> dict[str, Any]:
    """What the ``_pager.html`` partial shows: the total and the link to the next page."""
    nxt = None
    if page.next_after is not None:
        url = request.url.include_query_params(**{name: page.next_after})
        nxt = f"{url.path}?{url.query}"
    total: int | str | None = f"{page.total}+" if page.total_capped else page.total
    return {"total": total, "next": nxt, "shown": len(page)}


def _status(exc: RegcoordError, ctx: Ctx) -> int:
    if isinstance(exc, PermissionDenied):
        return 401 if ctx.principal.user_id is None else 403
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, ConflictError):
        return 409
    return 422


def act(
    request: Request,
    ctx: Ctx,
    run: Callable[[], object],
    *,
    done: str,
    back: str,
    page: Callable[[str, int], Response],
) -> Response:
    """Run a use case and commit; on a regcoord error roll back and re-render with the reason."""
    try:
        run()
        ctx.session.commit()
    except RegcoordError as exc:
        ctx.session.rollback()
        return page(str(exc), _status(exc, ctx))
    except (IntegrityError, StaleDataError):
        # a concurrent request changed the same object first (the API answers 409/412 here)
        ctx.session.rollback()
        return page("the object was changed by another request; reload and retry", 409)
    except DBDataError:
        # a backstop: the validation layer should have refused the value with a clearer message
        ctx.session.rollback()
        return page("a value is out of range or too long / 数值超出范围或文本过长", 422)
    sep = "&" if "?" in back else "?"
    return RedirectResponse(f"{back}{sep}done={done}", status_code=303)


def _date(value: str, column: str) -> date:
    return validation.day(value, field=column)


def _int(value: str, column: str) -> int:
    return validation.db_id(value, field=column)


def _error_page(request: Request, ctx: Ctx, exc: RegcoordError) -> HTMLResponse:
    return render(request, ctx, "error.html", status=_status(exc, ctx), error=str(exc))


# -- login -------------------------------------------------------------------------------------
@router.get("/", response_class=HTMLResponse)
def home() -> Response:
    return RedirectResponse("/dashboard", status_code=303)


def _login_page(request: Request, ctx: Ctx, error: str | None = None, status: int = 200) -> HTMLResponse:
    return render(request, ctx, "login.html", status=status, error=error)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, ctx: WebCtx) -> Response:
    return _login_page(request, ctx)


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, ctx: WebCtx, username: Text = "", password: Text = "") -> Response:
    ttl: int = request.app.state.settings.token_ttl_hours
    client = request.client.host if request.client else None
    try:
        token = sessions.login(
            ctx, username=username, password=password, kind="session", ttl_hours=ttl, client=client
        )
    except sessions.Throttled as exc:
        page = _login_page(request, ctx, str(exc), 429)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    except sessions.AuthFailed:
        return _login_page(request, ctx, translator(pick_lang(request))("login.failed"), 401)
    resp = set_session_cookie(RedirectResponse("/dashboard?done=login", status_code=303), request, token, ttl)
    set_csrf_cookie(resp, request, token)  # the CSRF token is bound to the session (web.security)
    return resp


@router.post("/logout")
def logout(request: Request, ctx: WebCtx) -> Response:
    sessions.logout(ctx, token=getattr(request.state, "web_token", None))
    resp = RedirectResponse("/login?done=logout", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


# -- dashboard ---------------------------------------------------------------------------------
def _charts(lang: str, v: NationalDisparity, province: str | None) -> dict[str, str]:
    _ = translator(lang)
    trend = {
        "data": [
            {"type": "scatter", "mode": "lines+markers", "name": _(label), "x": list(v.years), "y": list(ys)}
            for label, ys in (
                ("dash.gini", v.gini),
                ("dash.theil_t", v.theil_t),
                ("dash.williamson", v.williamson_cv),
                ("dash.between_share", v.between_plate_share),
            )
        ],
        "layout": {
            "title": {"text": _("dash.chart_trend")},
            "xaxis": {"title": {"text": _("dash.year")}},
            "height": 380,
            "margin": {"l": 50, "r": 20, "t": 50, "b": 60},
            "legend": {"orientation": "h", "y": -0.28},
        },
    }
    order = sorted(range(len(v.regions)), key=lambda i: -v.gdp_per_capita[i])
    names = v.names_zh if lang == "zh" else v.names_en
    bars = {
        "data": [
            {
                "type": "bar",
                "x": [names[i] for i in order],
                "y": [v.gdp_per_capita[i] for i in order],
                "marker": {"color": ["#c0392b" if v.regions[i] == province else "#2e6da4" for i in order]},
                "hovertemplate": "%{x}: %{y:,.0f}<extra></extra>",
            }
        ],
        "layout": {
            "title": {"text": f"{_('dash.chart_provinces')} ({v.latest})"},
            "yaxis": {"title": {"text": _("dash.unit")}},
            "height": 380,
            "margin": {"l": 60, "r": 20, "t": 50, "b": 110},
        },
    }
    return {"trend": json.dumps(trend, ensure_ascii=False), "bars": json.dumps(bars, ensure_ascii=False)}


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, ctx: WebCtx, region: str | None = None) -> Response:
    p = ctx.principal
    if region is None and p.role is ag.Role.OFFICER:
        region = p.region
    region = region or None
    try:
        data = gov_uc.dashboard(ctx, region)
    except RegcoordError as exc:
        return _error_page(request, ctx, exc)
    lang = pick_lang(request)
    v = national_disparity()
    pos = data["indicators"]["region"]  # the region's province, its GDP per capita and rank
    own = None if pos is None else {**pos, "value": pos["gdp_per_capita"][-1]}
    return render(
        request,
        ctx,
        "dashboard.html",
        data=data,
        region=region,
        own=own,
        view=v,
        provinces=sorted(zip(v.regions, v.names_zh if lang == "zh" else v.names_en, strict=True)),
        charts=_charts(lang, v, None if pos is None else pos["province"]),
    )


# -- instruments -------------------------------------------------------------------------------
@router.get("/instruments", response_class=HTMLResponse)
def instruments(request: Request, ctx: WebCtx, state: str | None = None) -> Response:
    page = queries.instruments(ctx, state=state or None, after=_cursor(request), limit=WEB_PAGE)
    return render(
        request,
        ctx,
        "instruments.html",
        items=[instrument_out(i) for i in page],
        pager=_pager(request, page),
        state=state or "",
        states=[s.value for s in ag.State],
    )


def _can(ctx: Ctx, action: str, obj: ag.PolicyObject) -> bool:
    return ctx.principal.user_id is not None and ag.can(ctx.principal, action, obj)


def _instrument_page(
    request: Request, ctx: Ctx, instrument_id: int, error: str | None = None, status: int = 200
) -> HTMLResponse:
    try:
        inst = load_instrument(ctx, instrument_id)
    except RegcoordError as exc:
        return _error_page(request, ctx, exc)
    out = instrument_out(inst)
    obj = policy_object(ctx, inst)
    try:
        filing: m.FilingReview | None = inst_uc.current_filing(ctx, inst)
    except NotFound:
        filing = None
    numbers = {c.id: c.number for c in inst.clauses}
    report_page = queries.reports(
        ctx, instrument_id=inst.id, after=_cursor(request, "reports_after"), limit=WEB_PAGE
    )
    reports = [{**mon_uc.report_out(r), "clause": numbers.get(r.clause_id, "")} for r in report_page]
    payment_page = queries.payments(
        ctx, instrument_id=inst.id, after=_cursor(request, "payments_after"), limit=WEB_PAGE
    )
    breach_page = queries.breaches(
        ctx,
        instrument_id=inst.id,
        newest_first=True,
        after=_cursor(request, "breaches_after"),
        limit=WEB_PAGE,
    )
    p = ctx.principal
    reportable = [
        c
        for c in out["clauses"]
        if c["obligation"]
        and _can(
            ctx,
            "report_kpi",
            ag.PolicyObject(
                "instrument",
                state=inst.state,
                parties=obj.parties,
                obligors=frozenset({c["obligation"]["obligor"]}),
                superiors=obj.superiors,
            ),
        )
    ]
    next_actions = set(out["next_actions"])
    can = {
        "open_consultation": "open_consultation" in next_actions and _can(ctx, "open_consultation", obj),
        "close_consultation": "close_consultation" in next_actions and _can(ctx, "close_consultation", obj),
        "sign": _can(ctx, "sign", obj)
        and any(pt["region"] == p.region and not pt["signed"] for pt in out["parties"]),
        "file": "file" in next_actions and _can(ctx, "file", obj),
        "start_review": "start_review" in next_actions and _can(ctx, "start_review", obj),
        "decide": "approve" in next_actions and _can(ctx, "approve", obj),
        "resubmit": "resubmit" in next_actions and _can(ctx, "resubmit", obj),
        "evaluate": "evaluate" in next_actions and _can(ctx, "evaluate", obj),
        "dispute": _can(ctx, "raise_dispute", obj),
        "negotiate": _can(ctx, "negotiate", obj),
        "report": bool(reportable),
    }
    return render(
        request,
        ctx,
        "instrument.html",
        status=status,
        error=error,
        inst=out,
        filing=filing,
        reports=reports,
        reports_pager=_pager(request, report_page, "reports_after"),
        reportable=reportable,
        payments=[mon_uc.payment_out(x) for x in payment_page],
        payments_pager=_pager(request, payment_page, "payments_after"),
        breaches=[mon_uc.breach_out(b) for b in breach_page],
        breaches_pager=_pager(request, breach_page, "breaches_after"),
        negotiations=queries.negotiations(ctx, instrument_id=inst.id),
        consultations=queries.consultations(ctx, instrument_id=inst.id, newest_first=True),
        disputes=[
            gov_uc.dispute_out(d) for d in queries.disputes(ctx, instrument_id=inst.id, newest_first=True)
        ],
        evaluations=[
            gov_uc.evaluation_out(e)
            for e in queries.evaluations(ctx, instrument_id=inst.id, newest_first=True)
        ],
        can=can,
    )


@router.get("/instruments/{instrument_id}", response_class=HTMLResponse)
def instrument(request: Request, ctx: WebCtx, instrument_id: Id) -> Response:
    return _instrument_page(request, ctx, instrument_id)


def _inst_action(
    request: Request, ctx: Ctx, instrument_id: int, run: Callable[[], object], done: str
) -> Response:
    return act(
        request,
        ctx,
        run,
        done=done,
        back=f"/instruments/{instrument_id}",
        page=lambda err, st: _instrument_page(request, ctx, instrument_id, err, st),
    )


@router.post("/instruments/{instrument_id}/consultation")
def open_consultation(request: Request, ctx: WebCtx, instrument_id: Id, days: Text = "30") -> Response:
    def run() -> object:
        n = _int(days, "days")
        if not 1 <= n <= 365:
            raise DataError(f"{n} days", column="days", expected="1 to 365 days")
        return inst_uc.open_consultation(ctx, instrument_id, closes_at=ctx.now + timedelta(days=n))

    return _inst_action(request, ctx, instrument_id, run, "consultation_opened")


@router.post("/instruments/{instrument_id}/consultation/close")
def close_consultation(request: Request, ctx: WebCtx, instrument_id: Id) -> Response:
    return _inst_action(
        request,
        ctx,
        instrument_id,
        lambda: inst_uc.close_consultation(ctx, instrument_id),
        "consultation_closed",
    )


@router.post("/instruments/{instrument_id}/sign")
def sign(request: Request, ctx: WebCtx, instrument_id: Id) -> Response:
    return _inst_action(request, ctx, instrument_id, lambda: inst_uc.sign(ctx, instrument_id), "signed")


@router.post("/instruments/{instrument_id}/file")
def file_instrument(request: Request, ctx: WebCtx, instrument_id: Id) -> Response:
    return _inst_action(request, ctx, instrument_id, lambda: inst_uc.file(ctx, instrument_id), "filed")


@router.post("/instruments/{instrument_id}/review/start")
def start_review(request: Request, ctx: WebCtx, instrument_id: Id) -> Response:
    return _inst_action(
        request, ctx, instrument_id, lambda: inst_uc.start_review(ctx, instrument_id), "review_started"
    )


@router.post("/instruments/{instrument_id}/review/decision")
def decide_review(
    request: Request, ctx: WebCtx, instrument_id: Id, decision: Text = "", reasons: Text = ""
) -> Response:
    def run() -> object:
        if decision not in ("approve", "return"):
            raise DataError(f"decision {decision!r}", column="decision", expected="approve or return")
        if decision == "return" and not reasons.strip():
            raise DataError("a return needs reasons", column="reasons", expected="the reasons for returning")
        return inst_uc.decide_review(ctx, instrument_id, approve=decision == "approve", reasons=reasons)

    return _inst_action(request, ctx, instrument_id, run, "approved" if decision == "approve" else "returned")


@router.post("/instruments/{instrument_id}/resubmit")
def resubmit(request: Request, ctx: WebCtx, instrument_id: Id) -> Response:
    return _inst_action(
        request, ctx, instrument_id, lambda: inst_uc.resubmit(ctx, instrument_id), "resubmitted"
    )


@router.post("/instruments/{instrument_id}/reports")
def report_kpi(
    request: Request,
    ctx: WebCtx,
    instrument_id: Id,
    clause_id: Text = "",
    period_start: Text = "",
    period_end: Text = "",
    value: Text = "",
    evidence: Text = "",
    force_majeure: Text = "",
) -> Response:
    def run() -> object:
        cid = _int(clause_id, "clause_id")
        inst = load_instrument(ctx, instrument_id)
        if cid not in {c.id for c in inst.clauses}:
            raise DataError(f"clause {cid} is not a clause of this instrument", column="clause_id")
        return mon_uc.report_kpi(
            ctx,
            cid,
            period_start=_date(period_start, "period_start"),
            period_end=_date(period_end, "period_end"),
            value=value.strip(),
            evidence=evidence,
            force_majeure=force_majeure in ("1", "on", "true"),
        )

    return _inst_action(request, ctx, instrument_id, run, "reported")


def _import_csv(request: Request, ctx: Ctx, instrument_id: int, text: str) -> object:
    """The CSV import, validated on a read-only session before the short write (as the API does)."""
    with request.app.state.read_sessions() as rs:
        plan = mon_uc.plan_import(Ctx(rs, ctx.principal, ctx.now, ctx.tree), instrument_id, text)
    return mon_uc.apply_import(ctx, plan)


@router.post("/instruments/{instrument_id}/reports.csv")
def upload_csv(
    request: Request, ctx: WebCtx, instrument_id: Id, file: Annotated[UploadFile | None, File()] = None
) -> Response:
    return _inst_action(
        request,
        ctx,
        instrument_id,
        lambda: _import_csv(request, ctx, instrument_id, read_csv_upload(file)),
        "uploaded",
    )


@router.post("/instruments/{instrument_id}/disputes")
def raise_dispute(request: Request, ctx: WebCtx, instrument_id: Id, subject: Text = "") -> Response:
    return _inst_action(
        request,
        ctx,
        instrument_id,
        lambda: gov_uc.raise_dispute(ctx, instrument_id, subject=subject),
        "dispute_raised",
    )


@router.post("/instruments/{instrument_id}/evaluations")
def evaluate(
    request: Request,
    ctx: WebCtx,
    instrument_id: Id,
    summary: Text = "",
    fund_use: Text = "",
    satisfaction: Text = "",
    revision_required: Text = "",
    reasons: Text = "",
) -> Response:
    return _inst_action(
        request,
        ctx,
        instrument_id,
        lambda: gov_uc.evaluate(
            ctx,
            instrument_id,
            summary=summary,
            revision_required=revision_required in ("1", "on", "true"),
            reasons=reasons,
            fund_use=fund_use.strip() or None,
            satisfaction=satisfaction.strip() or None,
        ),
        "evaluated",
    )


def _coalition_values(text: str) -> dict[str, str]:
    """Lines ``33+34: 300`` -> ``{"33+34": "300"}`` (the use case validates coalitions and numbers)."""
    out: dict[str, str] = {}
    for i, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, val = line.partition(":")
        if not sep or not key.strip() or not val.strip():
            raise DataError(
                f"line {i} is not 'coalition: worth'", column="values", row=i, expected="33+34: 300"
            )
        out[key.strip()] = val.strip()
    return out


@router.post("/instruments/{instrument_id}/negotiations")
def create_negotiation(request: Request, ctx: WebCtx, instrument_id: Id, values: Text = "") -> Response:
    holder: dict[str, int] = {}

    def run() -> object:
        neg = neg_uc.create_negotiation(ctx, instrument_id, values=_coalition_values(values))
        holder["id"] = neg.id
        return neg

    resp = _inst_action(request, ctx, instrument_id, run, "negotiation")
    if "id" in holder and resp.status_code == 303:
        return RedirectResponse(f"/negotiations/{holder['id']}?done=negotiation", status_code=303)
    return resp


@router.get("/instruments/{instrument_id}/versions", response_class=HTMLResponse)
def versions(request: Request, ctx: WebCtx, instrument_id: Id, a: OptId = None, b: OptId = None) -> Response:
    try:
        inst = load_instrument(ctx, instrument_id)
        vs = inst_uc.versions(ctx, instrument_id)
        numbers = [v.number for v in vs]
        diff = None
        if len(numbers) >= 2 or (a is not None and b is not None):
            a = a if a is not None else numbers[-2]
            b = b if b is not None else numbers[-1]
            diff = inst_uc.diff(ctx, instrument_id, a, b).to_dict()
    except RegcoordError as exc:
        return _error_page(request, ctx, exc)
    return render(request, ctx, "versions.html", inst=instrument_out(inst), versions=vs, diff=diff, a=a, b=b)


# -- consultations -----------------------------------------------------------------------------
@router.get("/consultations", response_class=HTMLResponse)
def consultations(request: Request, ctx: WebCtx) -> Response:
    rows = []
    page = queries.consultations(ctx, newest_first=True, after=_cursor(request), limit=WEB_PAGE)
    ids = sorted({c.instrument_id for c in page})
    titles = {i.id: i for i in ctx.session.scalars(_light_instruments(ids))}
    for c in page:
        inst = titles[c.instrument_id]
        rows.append(
            {
                **cons_uc.consultation_out(c),
                "title": inst.title,
                "state": inst.state,
                "open": c.closed_at is None and c.opens_at <= ctx.now < c.closes_at,
            }
        )
    return render(request, ctx, "consultations.html", items=rows, pager=_pager(request, page))


def _consultation_page(
    request: Request, ctx: Ctx, consultation_id: int, error: str | None = None, status: int = 200
) -> HTMLResponse:
    try:
        cons, inst = cons_uc.get_consultation(ctx, consultation_id)
        subs = cons_uc.submissions(ctx, consultation_id)
        participation = cons_uc.participation_report(ctx, consultation_id)
    except RegcoordError as exc:
        return _error_page(request, ctx, exc)
    obj = policy_object(ctx, inst)
    actors = {a.id: a for a in (ctx.session.get(m.Actor, s.actor_id) for s in subs) if a is not None}
    by_clause: dict[str | None, list[dict[str, Any]]] = {}
    for s in subs:
        a = actors.get(s.actor_id)
        by_clause.setdefault(s.clause_number, []).append(
            {
                **cons_uc.submission_out(s),
                "actor": "" if a is None else bilingual(a.name, a.name_zh, pick_lang(request)),
                "actor_kind": "" if a is None else a.kind,
            }
        )
    is_open = cons.closed_at is None and cons.opens_at <= ctx.now < cons.closes_at
    consultation_obj = ag.PolicyObject("consultation", state=inst.state, parties=obj.parties)
    return render(
        request,
        ctx,
        "consultation.html",
        status=status,
        error=error,
        cons=cons_uc.consultation_out(cons),
        inst=instrument_out(inst),
        by_clause=by_clause,
        participation=participation.to_dict(),
        is_open=is_open,
        can_submit=is_open and _can(ctx, "submit", consultation_obj) and ctx.principal.actor_id is not None,
        can_answer=_can(ctx, "answer", obj),
    )


@router.get("/consultations/{consultation_id}", response_class=HTMLResponse)
def consultation(request: Request, ctx: WebCtx, consultation_id: Id) -> Response:
    return _consultation_page(request, ctx, consultation_id)


@router.post("/consultations/{consultation_id}/submissions")
def submit(
    request: Request, ctx: WebCtx, consultation_id: Id, text: Text = "", clause_number: Text = ""
) -> Response:
    return act(
        request,
        ctx,
        lambda: cons_uc.submit(ctx, consultation_id, text=text, clause_number=clause_number or None),
        done="submitted",
        back=f"/consultations/{consultation_id}",
        page=lambda err, st: _consultation_page(request, ctx, consultation_id, err, st),
    )


@router.post("/submissions/{submission_id}/answer")
def answer(request: Request, ctx: WebCtx, submission_id: Id, text: Text = "") -> Response:
    sub = ctx.session.get(m.Submission, submission_id)
    if sub is None:
        return _error_page(request, ctx, NotFound(f"submission {submission_id} not found"))
    cid = sub.consultation_id
    return act(
        request,
        ctx,
        lambda: cons_uc.answer(ctx, submission_id, text=text),
        done="answered",
        back=f"/consultations/{cid}",
        page=lambda err, st: _consultation_page(request, ctx, cid, err, st),
    )


# -- negotiations ------------------------------------------------------------------------------
def _negotiation_page(
    request: Request, ctx: Ctx, negotiation_id: int, error: str | None = None, status: int = 200
) -> HTMLResponse:
    try:
        neg = neg_uc.get_negotiation(ctx, negotiation_id)
        inst = load_instrument(ctx, neg.instrument_id)
        analysis = neg_uc.analyse(neg, queries.proposals(ctx, negotiation_id=neg.id))
    except RegcoordError as exc:
        return _error_page(request, ctx, exc)
    return render(
        request,
        ctx,
        "negotiation.html",
        status=status,
        error=error,
        neg=neg,
        inst=instrument_out(inst),
        a=analysis,
        can_propose=_can(ctx, "negotiate", policy_object(ctx, inst)),
    )


@router.get("/negotiations/{negotiation_id}", response_class=HTMLResponse)
def negotiation(request: Request, ctx: WebCtx, negotiation_id: Id) -> Response:
    return _negotiation_page(request, ctx, negotiation_id)


@router.post("/negotiations/{negotiation_id}/proposals")
def propose(request: Request, ctx: WebCtx, form: FormDict, negotiation_id: Id) -> Response:
    allocation = {k.removeprefix("alloc_"): v for k, v in form.items() if k.startswith("alloc_")}
    return act(
        request,
        ctx,
        lambda: neg_uc.propose(ctx, negotiation_id, allocation=allocation),
        done="proposed",
        back=f"/negotiations/{negotiation_id}",
        page=lambda err, st: _negotiation_page(request, ctx, negotiation_id, err, st),
    )


# -- breaches, credit, disputes, evaluations ---------------------------------------------------
@router.get("/breaches", response_class=HTMLResponse)
def breaches(request: Request, ctx: WebCtx, region: str | None = None) -> Response:
    credits = [r.to_dict() for r in queries.credit_standings(ctx)]
    page = queries.breaches(
        ctx, region=region or None, newest_first=True, after=_cursor(request), limit=WEB_PAGE
    )
    return render(
        request,
        ctx,
        "breaches.html",
        items=[mon_uc.breach_out(b) for b in page],
        pager=_pager(request, page),
        credits=credits,
        region=region or "",
    )


@router.get("/credit/{region}", response_class=HTMLResponse)
def credit(request: Request, ctx: WebCtx, region: str) -> Response:
    try:
        rec, rows = queries.credit(ctx, region=region)
    except RegcoordError as exc:
        return _error_page(request, ctx, exc)
    return render(request, ctx, "credit.html", region=region, record=rec.to_dict(), events=rows)


def _disputes_page(request: Request, ctx: Ctx, error: str | None = None, status: int = 200) -> HTMLResponse:
    rows = queries.disputes(ctx, newest_first=True, after=_cursor(request), limit=WEB_PAGE)
    items = [
        {
            **gov_uc.dispute_out(d),
            "can_decide": d.state == "open" and _can(ctx, "decide", gov_uc.dispute_policy(ctx, d)),
        }
        for d in rows
    ]
    return render(
        request, ctx, "disputes.html", status=status, error=error, items=items, pager=_pager(request, rows)
    )


@router.get("/disputes", response_class=HTMLResponse)
def disputes(request: Request, ctx: WebCtx) -> Response:
    return _disputes_page(request, ctx)


@router.post("/disputes/{dispute_id}/decision")
def decide_dispute(request: Request, ctx: WebCtx, dispute_id: Id, decision: Text = "") -> Response:
    return act(
        request,
        ctx,
        lambda: gov_uc.decide_dispute(ctx, dispute_id, decision=decision),
        done="dispute_decided",
        back="/disputes",
        page=lambda err, st: _disputes_page(request, ctx, err, st),
    )


@router.get("/evaluations", response_class=HTMLResponse)
def evaluations(request: Request, ctx: WebCtx) -> Response:
    alerts = gov_uc.alerts(ctx, ctx.now.date(), after=_cursor(request, "alerts_after"), limit=WEB_PAGE)
    evals = queries.evaluations(ctx, newest_first=True, after=_cursor(request), limit=WEB_PAGE)
    revisions = queries.instruments(
        ctx, with_revision_deadline=True, after=_cursor(request, "revisions_after"), limit=WEB_PAGE
    )
    ids = sorted({int(a.instrument) for a in alerts} | {e.instrument_id for e in evals})
    titles = {i.id: i.title for i in ctx.session.scalars(_light_instruments(ids))}
    titles.update({i.id: i.title for i in revisions})
    return render(
        request,
        ctx,
        "evaluations.html",
        alerts=[a.to_dict() for a in alerts],
        alerts_pager=_pager(request, alerts, "alerts_after"),
        evaluations=[{**gov_uc.evaluation_out(e), "title": titles.get(e.instrument_id, "")} for e in evals],
        pager=_pager(request, evals),
        revisions=[instrument_out(i) for i in revisions],
        revisions_pager=_pager(request, revisions, "revisions_after"),
        titles=titles,
        lifecycle=ag.table_rows(),
    )
