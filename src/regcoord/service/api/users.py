"""Users and actors (stakeholders)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select

from regcoord import agreements as ag
from regcoord.service.api.deps import ERROR_RESPONSES, CtxDep, Id, IdemKey, idempotent
from regcoord.service.api.schemas import ActorIn, UserIn
from regcoord.service.db import models as m
from regcoord.service.usecases import actors as uc
from regcoord.service.usecases._context import require

router = APIRouter(prefix="/api", tags=["users and actors"], responses=ERROR_RESPONSES)


@router.post("/users", status_code=201, summary="Create a user (admin) / 新建用户")
def create_user(ctx: CtxDep, body: UserIn, request: Request, key: IdemKey = None) -> JSONResponse:
    return idempotent(
        ctx,
        lambda: uc.user_out(uc.create_user(ctx, **body.model_dump())),
        request,
        body,
        key,
    )


@router.get("/users", summary="List users (admin) / 用户列表")
def list_users(ctx: CtxDep) -> list[dict[str, object]]:
    require(ctx, "manage_users", ag.PolicyObject("user"), "users")
    return [uc.user_out(u) for u in ctx.session.scalars(select(m.User).order_by(m.User.id))]


@router.post("/actors", status_code=201, summary="Register a stakeholder (admin) / 登记主体")
def create_actor(ctx: CtxDep, body: ActorIn, request: Request, key: IdemKey = None) -> JSONResponse:
    return idempotent(
        ctx,
        lambda: uc.actor_out(uc.create_actor(ctx, **body.model_dump())),
        request,
        body,
        key,
    )


@router.get("/actors", summary="List stakeholders / 主体列表")
def list_actors(ctx: CtxDep, region: str | None = None, kind: str | None = None) -> list[dict[str, object]]:
    q = select(m.Actor).order_by(m.Actor.id)
    if region:
        q = q.where(m.Actor.region_code == region)
    if kind:
        q = q.where(m.Actor.kind == kind)
    return [uc.actor_out(a) for a in ctx.session.scalars(q.limit(1000))]


@router.get("/actors/{actor_id}", summary="One stakeholder / 主体")
def get_actor(ctx: CtxDep, actor_id: Id) -> dict[str, object]:
    return uc.actor_out(uc.get_actor(ctx, actor_id))
