"""Consultations: submissions anchored to clauses, answers, participation counts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from regcoord.service.api.deps import ERROR_RESPONSES, CtxDep, Id, IdemKey, idempotent, respond
from regcoord.service.api.schemas import AnswerIn, ConsultationIn, SubmissionIn
from regcoord.service.usecases import consultations as uc
from regcoord.service.usecases import instruments as inst_uc

router = APIRouter(prefix="/api", tags=["consultations"], responses=ERROR_RESPONSES)


@router.post(
    "/instruments/{instrument_id}/consultation", status_code=201, summary="Open a consultation / 征求意见"
)
def open_(
    ctx: CtxDep, instrument_id: Id, body: ConsultationIn, request: Request, key: IdemKey = None
) -> JSONResponse:
    return idempotent(
        ctx,
        lambda: uc.consultation_out(inst_uc.open_consultation(ctx, instrument_id, closes_at=body.closes_at)),
        request,
        body,
        key,
    )


@router.get("/consultations/{consultation_id}", summary="One consultation / 征求意见详情")
def get(ctx: CtxDep, consultation_id: Id) -> dict[str, Any]:
    cons, _ = uc.get_consultation(ctx, consultation_id)
    return {
        **uc.consultation_out(cons),
        "participation": uc.participation_report(ctx, consultation_id).to_dict(),
    }


@router.post(
    "/consultations/{consultation_id}/submissions", status_code=201, summary="Submit a comment / 提交意见"
)
def submit(
    ctx: CtxDep, consultation_id: Id, body: SubmissionIn, request: Request, key: IdemKey = None
) -> JSONResponse:
    return idempotent(
        ctx,
        lambda: uc.submission_out(
            uc.submit(ctx, consultation_id, text=body.text, clause_number=body.clause_number)
        ),
        request,
        body,
        key,
    )


@router.get("/consultations/{consultation_id}/submissions", summary="Submissions / 意见列表")
def list_submissions(ctx: CtxDep, consultation_id: Id) -> list[dict[str, Any]]:
    return [uc.submission_out(s) for s in uc.submissions(ctx, consultation_id)]


@router.post("/submissions/{submission_id}/answer", summary="Answer a submission (proposer) / 答复意见")
def answer(ctx: CtxDep, submission_id: Id, body: AnswerIn) -> JSONResponse:
    return respond(ctx, lambda: uc.submission_out(uc.answer(ctx, submission_id, text=body.text)))
