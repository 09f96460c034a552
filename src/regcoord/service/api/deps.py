"""Dependencies and helpers shared by the routers: context, commit, idempotency, errors."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Header, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from regcoord import agreements as ag
from regcoord.errors import DataError, PermissionDenied
from regcoord.service.audit import canonical_json
from regcoord.service.db import models as m
from regcoord.service.usecases._context import Ctx, region_tree


def _now(request: Request) -> datetime:
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


def get_ctx(request: Request) -> Iterator[Ctx]:
    """A use-case context per request; an authorization denial is rolled back and audited.

    The denied request's own changes are discarded; the decision itself is appended to the
    audit chain in a fresh transaction (ASVS V16: log authorization decisions).
    """
    readonly = request.method in ("GET", "HEAD", "OPTIONS")
    session = (request.app.state.read_sessions if readonly else request.app.state.sessions)()
    principal = getattr(request.state, "principal", ag.ANONYMOUS)
    ctx = Ctx(session=session, principal=principal, now=_now(request), tree=region_tree())
    try:
        yield ctx
    except PermissionDenied as exc:
        session.rollback()
        if principal.user_id is not None:
            with request.app.state.sessions() as ws:  # a writing session, also for denied reads
                Ctx(session=ws, principal=principal, now=ctx.now, tree=ctx.tree).audit(
                    "authz.denied",
                    "request",
                    f"{request.method} {request.url.path}"[:40],
                    {"method": request.method, "path": request.url.path, "reason": str(exc)},
                )
                ws.commit()
        raise
    finally:
        session.close()


CtxDep = Annotated[Ctx, Depends(get_ctx)]

#: error statuses every router documents (OpenAPI), all with ``{"detail": ...}`` bodies
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not authenticated / 未登录"},
    403: {"description": "Not allowed for this principal and object / 无权限"},
    404: {"description": "Not found, or not visible to the caller / 不存在"},
    409: {"description": "Conflicts with the object's state / 状态冲突"},
    412: {"description": "If-Match names a stale version / 版本已变化"},
    428: {"description": "If-Match required / 需要 If-Match"},
    503: {"description": "Database busy with another write; retry after Retry-After / 数据库正忙"},
}
#: a database id in a path or query (bounded: 32-bit INTEGER on both backends)
MAX_ID = 2_147_483_647
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
OptId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]


def require_user(ctx: Ctx) -> None:
    if ctx.principal.user_id is None:
        raise PermissionDenied("authentication required")


def body_hash(request: Request, body: BaseModel | dict[str, Any] | str | None) -> str:
    if isinstance(body, BaseModel):
        payload: Any = body.model_dump(mode="json")
    else:
        payload = body
    raw = f"{request.method} {request.url.path}\n{canonical_json(payload)}"
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def respond(
    ctx: Ctx,
    produce: Callable[[], Any],
    *,
    status: int = 200,
    key: str | None = None,
    request_hash: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """Run ``produce`` (a use case returning JSON-ready data), commit, and answer.

    With an ``Idempotency-Key`` the first response is stored with a hash of the request
    in the same transaction as the change; a retry with the same key and body gets the
    stored response (header ``Idempotent-Replayed: true``); the same key with another
    body is a 422. A concurrent request with the same key loses on the primary key and
    gets the winner's response.
    """
    if key is not None:
        if ctx.principal.user_id is None:
            raise PermissionDenied("authentication required")
        replay = _replay(ctx, key, request_hash)
        if replay is not None:
            return replay
    body = produce()
    if key is not None:
        ctx.session.add(
            m.IdempotencyRecord(
                user_id=ctx.principal.user_id,
                key=key,
                request_hash=request_hash or "",
                status_code=status,
                body=json.dumps(body, ensure_ascii=False),
                created_at=ctx.now,
            )
        )
    try:
        ctx.session.commit()
    except IntegrityError:
        ctx.session.rollback()
        if key is not None:
            replay = _replay(ctx, key, request_hash)
            if replay is not None:
                return replay
        raise
    return JSONResponse(body, status_code=status, headers=headers)


def idempotent(
    ctx: Ctx,
    produce: Callable[[], Any],
    request: Request,
    body: BaseModel | dict[str, Any] | str | None,
    key: str | None,
    *,
    status: int = 201,
) -> JSONResponse:
    """:func:`respond` for a POST that takes an ``Idempotency-Key``: the key is checked against
    the hash of this request's method, path and ``body`` (default status 201 Created)."""
    return respond(ctx, produce, status=status, key=key, request_hash=body_hash(request, body))


def _replay(ctx: Ctx, key: str, request_hash: str | None) -> JSONResponse | None:
    rec = ctx.session.scalar(
        select(m.IdempotencyRecord).where(
            m.IdempotencyRecord.user_id == ctx.principal.user_id, m.IdempotencyRecord.key == key
        )
    )
    return replay_record(rec, request_hash)


def replay_record(rec: m.IdempotencyRecord | None, request_hash: str | None) -> JSONResponse | None:
    """The stored answer of an idempotency record (None: no record); 422 for another request."""
    if rec is None:
        return None
    if rec.request_hash != request_hash:
        raise DataError(
            "Idempotency-Key was already used with a different request",
            column="Idempotency-Key",
            expected="a new key for a new request",
        )
    return JSONResponse(
        json.loads(rec.body), status_code=rec.status_code, headers={"Idempotent-Replayed": "true"}
    )


def replay_idempotent(ctx: Ctx, key: str, request_hash: str | None) -> JSONResponse | None:
    """The stored answer of ``key`` (for this user), or None; 422 when the key named another request."""
    return _replay(ctx, key, request_hash)


def utcnow() -> datetime:
    return datetime.now(UTC)
