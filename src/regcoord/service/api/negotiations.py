"""Negotiations: coalition values and fair-division proposals (engine: regcoord.games)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from regcoord.service.api.deps import ERROR_RESPONSES, CtxDep, Id, IdemKey, idempotent
from regcoord.service.api.schemas import NegotiationIn, ProposalIn
from regcoord.service.db import models as m
from regcoord.service.usecases import negotiations as uc
from regcoord.service.usecases import queries

router = APIRouter(prefix="/api", tags=["negotiations"], responses=ERROR_RESPONSES)


def _out(ctx: CtxDep, neg: m.Negotiation) -> dict[str, Any]:
    proposals = queries.proposals(ctx, negotiation_id=neg.id)
    return {"id": neg.id, "instrument_id": neg.instrument_id, **uc.analyse(neg, proposals)}


@router.post(
    "/instruments/{instrument_id}/negotiations", status_code=201, summary="Open a negotiation / 发起协商"
)
def create(
    ctx: CtxDep, instrument_id: Id, body: NegotiationIn, request: Request, key: IdemKey = None
) -> JSONResponse:
    return idempotent(
        ctx,
        lambda: _out(ctx, uc.create_negotiation(ctx, instrument_id, values=body.values)),
        request,
        body,
        key,
    )


@router.get("/negotiations/{negotiation_id}", summary="Shapley, nucleolus, Nash and proposals / 分配方案")
def get(ctx: CtxDep, negotiation_id: Id) -> dict[str, Any]:
    return _out(ctx, uc.get_negotiation(ctx, negotiation_id))


@router.post(
    "/negotiations/{negotiation_id}/proposals",
    status_code=201,
    summary="Propose an allocation / 提出分配方案",
)
def propose(
    ctx: CtxDep, negotiation_id: Id, body: ProposalIn, request: Request, key: IdemKey = None
) -> JSONResponse:
    def run() -> dict[str, Any]:
        uc.propose(ctx, negotiation_id, allocation=body.allocation)
        return _out(ctx, uc.get_negotiation(ctx, negotiation_id))

    return idempotent(ctx, run, request, body, key)
