"""Instruments (agreements, plans, pairings): clauses, signatures, filing, review, revision."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse

from regcoord import agreements as ag
from regcoord.service.api.deps import ERROR_RESPONSES, CtxDep, Id, IdemKey, body_hash, idempotent, respond
from regcoord.service.api.paging import DEFAULT_LIMIT, After, Limit, paged
from regcoord.service.api.schemas import (
    ClauseIn,
    DecisionIn,
    FromTemplateIn,
    InstrumentIn,
    InstrumentOut,
    InstrumentPatch,
    ReasonsIn,
    ReviseIn,
)
from regcoord.service.usecases import instruments as uc
from regcoord.service.usecases import queries
from regcoord.service.usecases._context import etag, instrument_out, load_instrument

router = APIRouter(prefix="/api", tags=["instruments"], responses=ERROR_RESPONSES)


def _with_etag(ctx: CtxDep, produce: Any, status: int = 200, **kw: Any) -> JSONResponse:
    holder: dict[str, str] = {}

    def run() -> dict[str, Any]:
        inst = produce()
        holder["etag"] = etag(inst)
        return instrument_out(inst)

    resp = respond(ctx, run, status=status, **kw)
    if "etag" in holder:
        resp.headers["ETag"] = holder["etag"]
    return resp


@router.get("/lifecycle", summary="The lifecycle transition table / 生命周期状态转移表")
def lifecycle() -> list[dict[str, str]]:
    return ag.table_rows()


@router.post(
    "/instruments",
    status_code=201,
    summary="Create an instrument (draft) / 新建协议、规划或对口项目",
    responses={201: {"model": InstrumentOut}},
)
def create(ctx: CtxDep, body: InstrumentIn, request: Request, key: IdemKey = None) -> JSONResponse:
    data = body.model_dump(mode="python")
    data["clauses"] = [c.model_dump(mode="python") for c in body.clauses]
    resp = idempotent(
        ctx,
        lambda: instrument_out(uc.create_instrument(ctx, **data)),
        request,
        body,
        key,
    )
    return resp


@router.get("/templates", summary="Agreement templates and their parameters / 协议模板")
def templates() -> list[dict[str, Any]]:
    return [t.to_dict() for t in ag.TEMPLATES.values()]


@router.post(
    "/instruments/from-template",
    status_code=201,
    summary="Create a draft from a template / 按模板起草",
    responses={201: {"model": InstrumentOut}},
)
def from_template(ctx: CtxDep, body: FromTemplateIn, request: Request, key: IdemKey = None) -> JSONResponse:
    return idempotent(
        ctx,
        lambda: instrument_out(
            uc.create_from_template(
                ctx, template=body.template, params=body.params, title=body.title, summary=body.summary
            )
        ),
        request,
        body,
        key,
    )


@router.get(
    "/instruments",
    summary="List instruments visible to the caller / 协议列表",
    response_model=list[InstrumentOut],
)
def list_(
    ctx: CtxDep,
    request: Request,
    response: Response,
    state: str | None = None,
    region: str | None = None,
    after: After = None,
    limit: Limit = DEFAULT_LIMIT,
) -> list[dict[str, Any]]:
    page = queries.instruments(ctx, state=state, region=region, after=after, limit=limit)
    return paged(request, response, page, [instrument_out(i) for i in page])


@router.get(
    "/instruments/{instrument_id}",
    summary="One instrument, with its ETag / 协议详情",
    responses={200: {"model": InstrumentOut}},
)
def get(ctx: CtxDep, instrument_id: Id) -> JSONResponse:
    inst = load_instrument(ctx, instrument_id)
    return JSONResponse(instrument_out(inst), headers={"ETag": etag(inst)})


@router.patch(
    "/instruments/{instrument_id}", summary="Update title, summary or dates (If-Match required) / 修改"
)
def patch(
    ctx: CtxDep,
    instrument_id: Id,
    body: InstrumentPatch,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> JSONResponse:
    changes = body.model_dump(exclude_unset=True)
    return _with_etag(
        ctx, lambda: uc.update_instrument(ctx, instrument_id, if_match=if_match, changes=changes)
    )


@router.post(
    "/instruments/{instrument_id}/clauses",
    status_code=201,
    summary="Add a clause / 增加条款",
    responses={201: {"model": InstrumentOut}},
)
def add_clause(
    ctx: CtxDep, instrument_id: Id, body: ClauseIn, request: Request, key: IdemKey = None
) -> JSONResponse:
    return _with_etag(
        ctx,
        lambda: uc.add_clause(ctx, instrument_id, body.model_dump(mode="python")),
        status=201,
        key=key,
        request_hash=body_hash(request, body),
    )


@router.post(
    "/instruments/{instrument_id}/consultation/close",
    summary="Close the consultation / 结束征求意见",
    responses={200: {"model": InstrumentOut}},
)
def close_consultation(ctx: CtxDep, instrument_id: Id) -> JSONResponse:
    return _with_etag(ctx, lambda: uc.close_consultation(ctx, instrument_id))


@router.post(
    "/instruments/{instrument_id}/sign",
    summary="Sign for the caller's region / 签署",
    responses={200: {"model": InstrumentOut}},
)
def sign(ctx: CtxDep, instrument_id: Id) -> JSONResponse:
    return _with_etag(ctx, lambda: uc.sign(ctx, instrument_id))


def _filing_out(fr: Any) -> dict[str, Any]:
    return {
        "id": fr.id,
        "instrument_id": fr.instrument_id,
        "reviewer_region": fr.reviewer_region,
        "findings": fr.findings,
        "blocking": sum(1 for f in fr.findings if f["severity"] == "blocking"),
        "decision": fr.decision,
        "reasons": fr.reasons,
        "filed_at": fr.filed_at.isoformat(),
        "decided_at": None if fr.decided_at is None else fr.decided_at.isoformat(),
    }


@router.post("/instruments/{instrument_id}/file", summary="File with the common superior / 备案")
def file(ctx: CtxDep, instrument_id: Id) -> JSONResponse:
    return respond(ctx, lambda: _filing_out(uc.file(ctx, instrument_id)))


@router.get(
    "/instruments/{instrument_id}/filing", summary="Current filing and its review findings / 备案审查"
)
def filing(ctx: CtxDep, instrument_id: Id) -> dict[str, Any]:
    return _filing_out(uc.current_filing(ctx, load_instrument(ctx, instrument_id)))


@router.get(
    "/instruments/{instrument_id}/review-preview", summary="Automatic review findings now / 自动审查预览"
)
def review_preview(ctx: CtxDep, instrument_id: Id) -> list[dict[str, Any]]:
    return [f.to_dict() for f in uc.review_findings(ctx, load_instrument(ctx, instrument_id))]


@router.post("/instruments/{instrument_id}/review/start", summary="Reviewer opens the review / 开始审查")
def start_review(ctx: CtxDep, instrument_id: Id) -> JSONResponse:
    return respond(ctx, lambda: _filing_out(uc.start_review(ctx, instrument_id)))


@router.post(
    "/instruments/{instrument_id}/review/decision", summary="Approve or return with reasons / 审查决定"
)
def decide(ctx: CtxDep, instrument_id: Id, body: DecisionIn) -> JSONResponse:
    return respond(
        ctx,
        lambda: _filing_out(uc.decide_review(ctx, instrument_id, approve=body.approve, reasons=body.reasons)),
    )


@router.post(
    "/instruments/{instrument_id}/resubmit",
    summary="Renegotiate after return / 退回后重新协商",
    responses={200: {"model": InstrumentOut}},
)
def resubmit(ctx: CtxDep, instrument_id: Id) -> JSONResponse:
    return _with_etag(ctx, lambda: uc.resubmit(ctx, instrument_id))


@router.post(
    "/instruments/{instrument_id}/revision-order",
    summary="Order a revision with a deadline / 责令修订",
    responses={200: {"model": InstrumentOut}},
)
def order_revision(ctx: CtxDep, instrument_id: Id, body: ReasonsIn) -> JSONResponse:
    return _with_etag(ctx, lambda: uc.order_revision(ctx, instrument_id, reasons=body.reasons))


@router.post(
    "/instruments/{instrument_id}/revise",
    summary="Adopt a revised text / 修订文本",
    responses={200: {"model": InstrumentOut}},
)
def revise(ctx: CtxDep, instrument_id: Id, body: ReviseIn) -> JSONResponse:
    clauses = [c.model_dump(mode="python") for c in body.clauses]
    return _with_etag(ctx, lambda: uc.revise(ctx, instrument_id, clauses=clauses, note=body.note))


@router.post(
    "/instruments/{instrument_id}/terminate",
    summary="Terminate / 终止",
    responses={200: {"model": InstrumentOut}},
)
def terminate(ctx: CtxDep, instrument_id: Id, body: ReasonsIn) -> JSONResponse:
    return _with_etag(ctx, lambda: uc.terminate(ctx, instrument_id, reasons=body.reasons))


@router.post(
    "/instruments/{instrument_id}/expire",
    summary="Record expiry / 到期",
    responses={200: {"model": InstrumentOut}},
)
def expire(ctx: CtxDep, instrument_id: Id) -> JSONResponse:
    return _with_etag(ctx, lambda: uc.expire(ctx, instrument_id))


@router.get("/instruments/{instrument_id}/versions", summary="Text versions / 文本版本")
def versions(ctx: CtxDep, instrument_id: Id) -> list[dict[str, Any]]:
    return [
        {
            "number": v.number,
            "title": v.title,
            "text": v.text,
            "note": v.note,
            "created_at": v.created_at.isoformat(),
        }
        for v in uc.versions(ctx, instrument_id)
    ]


@router.get("/instruments/{instrument_id}/diff", summary="Diff of two versions / 版本比较")
def diff(
    ctx: CtxDep, instrument_id: Id, a: Annotated[int, Query(ge=1)], b: Annotated[int, Query(ge=1)]
) -> dict[str, Any]:
    return uc.diff(ctx, instrument_id, a, b).to_dict()


@router.get("/instruments/{instrument_id}/schedule", summary="Rolling evaluation schedule / 滚动评估时间表")
def schedule(ctx: CtxDep, instrument_id: Id) -> dict[str, Any]:
    inst = load_instrument(ctx, instrument_id)
    if inst.effective_from is None:
        return {"effective_from": None, "evaluations": [], "core_end": None, "cycle_end": None}
    return ag.rolling_schedule(
        inst.effective_from, core_years=inst.core_years, adjustment_years=inst.adjustment_years
    ).to_dict()
