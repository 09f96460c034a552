"""Users and actors (stakeholders)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from regcoord.service.api.deps import ERROR_RESPONSES, CtxDep, Id, IdemKey, idempotent
from regcoord.service.api.paging import DEFAULT_LIMIT, After, Limit, paged
from regcoord.service.api.schemas import ActorIn, UserIn
from regcoord.service.usecases import actors as uc
from regcoord.service.usecases import queries

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
def list_users(
    ctx: CtxDep, request: Request, response: Response, after: After = None, limit: Limit = DEFAULT_LIMIT
) -> list[dict[str, object]]:
    page = queries.users(ctx, after=after, limit=limit)
    return paged(request, response, page, [uc.user_out(u) for u in page])


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
def list_actors(
    ctx: CtxDep,
    request: Request,
    response: Response,
    region: str | None = None,
    kind: str | None = None,
    after: After = None,
    limit: Limit = DEFAULT_LIMIT,
) -> list[dict[str, object]]:
    page = queries.actors(ctx, region=region, kind=kind, after=after, limit=limit)
    return paged(request, response, page, [uc.actor_out(a) for a in page])


@router.get("/actors/{actor_id}", summary="One stakeholder / 主体")
def get_actor(ctx: CtxDep, actor_id: Id) -> dict[str, object]:
    return uc.actor_out(uc.get_actor(ctx, actor_id))
