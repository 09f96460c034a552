"""Disputes, evaluations, dashboard, alerts and the audit chain."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from regcoord import agreements as ag
from regcoord.errors import PermissionDenied
from regcoord.service import audit
from regcoord.service.api.deps import ERROR_RESPONSES, CtxDep, Id, IdemKey, idempotent, respond
from regcoord.service.api.paging import DEFAULT_LIMIT, After, Limit, paged
from regcoord.service.api.schemas import DashboardOut, DisputeDecisionIn, DisputeIn, DisputeOut, EvaluationIn
from regcoord.service.usecases import governance as uc
from regcoord.service.usecases import queries

router = APIRouter(prefix="/api", tags=["disputes, evaluations, dashboard"], responses=ERROR_RESPONSES)


@router.post("/instruments/{instrument_id}/disputes", status_code=201, summary="Raise a dispute / 提起争议")
def raise_dispute(
    ctx: CtxDep, instrument_id: Id, body: DisputeIn, request: Request, key: IdemKey = None
) -> JSONResponse:
    return idempotent(
        ctx,
        lambda: uc.dispute_out(
            uc.raise_dispute(ctx, instrument_id, subject=body.subject, parties=body.parties)
        ),
        request,
        body,
        key,
    )


@router.get("/disputes", summary="Disputes / 争议列表", response_model=list[DisputeOut])
def disputes(
    ctx: CtxDep,
    request: Request,
    response: Response,
    routed_to: str | None = None,
    after: After = None,
    limit: Limit = DEFAULT_LIMIT,
) -> list[dict[str, Any]]:
    page = queries.disputes(ctx, routed_to=routed_to, after=after, limit=limit)
    return paged(request, response, page, [uc.dispute_out(d) for d in page])


@router.get("/disputes/{dispute_id}", summary="One dispute / 争议", response_model=DisputeOut)
def dispute(ctx: CtxDep, dispute_id: Id) -> dict[str, Any]:
    return uc.dispute_out(queries.dispute(ctx, dispute_id=dispute_id))


@router.post("/disputes/{dispute_id}/decision", summary="Decide a dispute (common superior) / 裁决争议")
def decide(ctx: CtxDep, dispute_id: Id, body: DisputeDecisionIn) -> JSONResponse:
    return respond(ctx, lambda: uc.dispute_out(uc.decide_dispute(ctx, dispute_id, **body.model_dump())))


@router.post("/instruments/{instrument_id}/evaluations", status_code=201, summary="Evaluate / 评估")
def evaluate(
    ctx: CtxDep, instrument_id: Id, body: EvaluationIn, request: Request, key: IdemKey = None
) -> JSONResponse:
    return idempotent(
        ctx,
        lambda: uc.evaluation_out(uc.evaluate(ctx, instrument_id, **body.model_dump())),
        request,
        body,
        key,
    )


@router.get("/instruments/{instrument_id}/evaluations", summary="Evaluations / 评估记录")
def evaluations(
    ctx: CtxDep,
    instrument_id: Id,
    request: Request,
    response: Response,
    after: After = None,
    limit: Limit = DEFAULT_LIMIT,
) -> list[dict[str, Any]]:
    page = queries.evaluations(ctx, instrument_id=instrument_id, after=after, limit=limit)
    return paged(request, response, page, [uc.evaluation_out(e) for e in page])


@router.get(
    "/dashboard",
    summary="Dashboard of a region or of all / 仪表板",
    response_model=DashboardOut,
    response_model_exclude_unset=True,
)
def dashboard(ctx: CtxDep, region: str | None = None) -> dict[str, Any]:
    return uc.dashboard(ctx, region)


@router.get("/alerts", summary="Overdue revisions, expiring instruments, evaluations due / 预警")
def alerts(
    ctx: CtxDep,
    request: Request,
    response: Response,
    region: str | None = None,
    after: After = None,
    limit: Limit = DEFAULT_LIMIT,
) -> list[dict[str, Any]]:
    """Alerts of up to ``limit`` instruments after the instrument id ``after`` (X-Total-Count: all alerts)."""
    page = uc.alerts(ctx, ctx.now.date(), region=region or None, after=after, limit=limit)
    return paged(request, response, page, [a.to_dict() for a in page])


#: roles that may run a verification of the audit chain
AUDIT_ROLES = frozenset({ag.Role.ADMIN, ag.Role.REVIEWER})


@router.get(
    "/audit/verify",
    tags=["audit"],
    summary="Verify the audit chain from the last signed checkpoint / 校验审计链",
)
def audit_verify(ctx: CtxDep, request: Request) -> dict[str, Any]:
    """Incremental: from the last checkpoint signed with the service's key (``from_seq``), the
    ``checked`` events after it. The full walk from the genesis is the scheduled job
    ``regcoord audit verify --full``.  Admins and reviewers only."""
    if ctx.principal.role not in AUDIT_ROLES:
        raise PermissionDenied("verifying the audit chain needs the admin or reviewer role")
    return audit.verify_incremental(ctx.session, request.app.state.settings.secret_key).to_dict()


@router.get("/audit/checkpoint", tags=["audit"], summary="Head of the audit chain (seq, hash) / 审计检查点")
def audit_checkpoint(ctx: CtxDep) -> dict[str, Any]:
    return audit.checkpoint(ctx.session)
