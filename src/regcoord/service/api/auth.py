"""Authentication: API bearer tokens and session cookies."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from regcoord.errors import PermissionDenied
from regcoord.service import auth as auth_mod
from regcoord.service.api.deps import ERROR_RESPONSES, CtxDep
from regcoord.service.api.schemas import LoginIn
from regcoord.service.usecases.actors import user_out

router = APIRouter(prefix="/api/auth", tags=["auth"], responses=ERROR_RESPONSES)

SESSION_COOKIE = "regcoord_session"


class AuthFailed(PermissionDenied):
    """Wrong username or password (HTTP 401)."""


def _login(ctx: CtxDep, body: LoginIn, kind: str, request: Request) -> tuple[str, int]:
    user = auth_mod.authenticate(ctx.session, body.username, body.password)
    if user is None:
        ctx.session.rollback()
        ctx.audit("auth.failure", "user", body.username, {"kind": kind})
        ctx.session.commit()
        raise AuthFailed("wrong username or password")
    ttl = request.app.state.settings.token_ttl_hours
    token = auth_mod.issue_token(ctx.session, user, kind=kind, now=ctx.now, ttl_hours=ttl)
    ctx.audit("auth.login", "user", user.id, {"kind": kind})
    ctx.session.commit()
    return token, ttl


@router.post("/token", summary="Log in and get an API bearer token / 登录获取令牌")
def token(ctx: CtxDep, body: LoginIn, request: Request) -> dict[str, object]:
    tok, ttl = _login(ctx, body, "api", request)
    return {"access_token": tok, "token_type": "bearer", "expires_in": ttl * 3600}


@router.post("/login", summary="Log in with a session cookie (web UI) / 会话登录")
def login(ctx: CtxDep, body: LoginIn, request: Request) -> Response:
    tok, ttl = _login(ctx, body, "session", request)
    resp = JSONResponse({"ok": True})
    resp.set_cookie(
        SESSION_COOKIE,
        tok,
        max_age=int(timedelta(hours=ttl).total_seconds()),
        httponly=True,
        samesite="strict",
        secure=request.app.state.settings.cookie_secure,
        path="/",
    )
    return resp


@router.post("/logout", summary="Revoke the current token or session / 退出")
def logout(ctx: CtxDep, request: Request) -> Response:
    tok = getattr(request.state, "token", None)
    if tok:
        auth_mod.revoke_token(ctx.session, tok)
        ctx.audit("auth.logout", "user", ctx.principal.user_id or "", {})
        ctx.session.commit()
    resp = JSONResponse({"ok": True})
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


@router.get("/me", summary="The current principal / 当前用户")
def me(ctx: CtxDep) -> dict[str, object]:
    p = ctx.principal
    if p.user_id is None:
        return {"authenticated": False, "role": "public"}
    from regcoord.service.db.models import User

    u = ctx.session.get(User, p.user_id)
    assert u is not None
    return {"authenticated": True, **user_out(u), "actor_kind": p.actor_kind}
