"""Authentication: API bearer tokens and session cookies."""

from __future__ import annotations

from datetime import timedelta
from typing import TypeVar

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from regcoord.service.api.deps import ERROR_RESPONSES, CtxDep
from regcoord.service.api.schemas import LoginIn
from regcoord.service.usecases import sessions
from regcoord.service.usecases.actors import user_out
from regcoord.service.usecases.sessions import AuthFailed, Throttled

router = APIRouter(
    prefix="/api/auth",
    tags=["auth"],
    responses={
        **ERROR_RESPONSES,
        429: {"description": "Too many failed logins; retry after Retry-After / 登录失败次数过多"},
    },
)

SESSION_COOKIE = "regcoord_session"
R = TypeVar("R", bound=Response)

__all__ = ["SESSION_COOKIE", "AuthFailed", "Throttled", "router", "set_session_cookie"]


def set_session_cookie(resp: R, request: Request, token: str, ttl_hours: int) -> R:
    """Put the session ``token`` on ``resp`` as the HttpOnly, SameSite=Strict session cookie."""
    resp.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(timedelta(hours=ttl_hours).total_seconds()),
        httponly=True,
        samesite="strict",
        secure=request.app.state.settings.cookie_secure,
        path="/",
    )
    return resp


def _login(ctx: CtxDep, body: LoginIn, kind: str, request: Request) -> tuple[str, int]:
    ttl: int = request.app.state.settings.token_ttl_hours
    client = request.client.host if request.client else None
    token = sessions.login(
        ctx, username=body.username, password=body.password, kind=kind, ttl_hours=ttl, client=client
    )
    return token, ttl


@router.post("/token", summary="Log in and get an API bearer token / 登录获取令牌")
def token(ctx: CtxDep, body: LoginIn, request: Request) -> dict[str, object]:
    tok, ttl = _login(ctx, body, "api", request)
    return {"access_token": tok, "token_type": "bearer", "expires_in": ttl * 3600}


@router.post("/login", summary="Log in with a session cookie (web UI) / 会话登录")
def login(ctx: CtxDep, body: LoginIn, request: Request) -> Response:
    tok, ttl = _login(ctx, body, "session", request)
    return set_session_cookie(JSONResponse({"ok": True}), request, tok, ttl)


@router.post("/logout", summary="Revoke the current token or session / 退出")
def logout(ctx: CtxDep, request: Request) -> Response:
    sessions.logout(ctx, token=getattr(request.state, "token", None))
    resp = JSONResponse({"ok": True})
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


@router.get("/me", summary="The current principal / 当前用户")
def me(ctx: CtxDep) -> dict[str, object]:
    u = sessions.current_user(ctx)
    if u is None:
        return {"authenticated": False, "role": "public"}
    return {"authenticated": True, **user_out(u), "actor_kind": ctx.principal.actor_kind}
