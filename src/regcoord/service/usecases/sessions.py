"""Use cases of signing in and out: API bearer tokens and web session cookies alike.

The JSON API (``api/auth.py``) and the web UI (``web/routes.py``) both call these; the
transport (a JSON body, a cookie, a redirect) stays with the caller. Every attempt is
written to the audit chain (ASVS V16: log authentication decisions): ``auth.failure``,
``auth.login`` and ``auth.logout`` with the kind of credential in the payload.
"""

from __future__ import annotations

from sqlalchemy import select

from regcoord.errors import PermissionDenied
from regcoord.service import auth as auth_mod
from regcoord.service.db import models as m
from regcoord.service.usecases._context import Ctx

#: the audit log's object ids are at most this long
_OBJECT_ID_MAX = 40


class AuthFailed(PermissionDenied):
    """Wrong username or password (HTTP 401)."""


def login(ctx: Ctx, *, username: str, password: str, kind: str, ttl_hours: int) -> str:
    """Check the password and issue a token of ``kind`` (``"api"`` or ``"session"``) valid ``ttl_hours``.

    Commits, also on failure: the failed attempt is audited in its own transaction (after
    discarding anything pending) and :class:`AuthFailed` is raised.
    """
    user = auth_mod.authenticate(ctx.session, username, password)
    if user is None:
        ctx.session.rollback()
        ctx.audit("auth.failure", "user", username[:_OBJECT_ID_MAX], {"kind": kind})
        ctx.session.commit()
        raise AuthFailed("wrong username or password")
    token = auth_mod.issue_token(ctx.session, user, kind=kind, now=ctx.now, ttl_hours=ttl_hours)
    ctx.audit("auth.login", "user", user.id, {"kind": kind})
    ctx.session.commit()
    return token


def logout(ctx: Ctx, *, token: str | None) -> None:
    """Revoke ``token`` (if any) and audit the logout with the token's kind; commits.

    Without a token, or with one that is no longer stored, nothing is revoked; a token
    presented is audited either way.
    """
    if not token:
        return
    row = ctx.session.scalar(
        select(m.AuthToken).where(m.AuthToken.token_hash == auth_mod.token_digest(token))
    )
    auth_mod.revoke_token(ctx.session, token)
    ctx.audit("auth.logout", "user", ctx.principal.user_id or "", {"kind": None if row is None else row.kind})
    ctx.session.commit()


def current_user(ctx: Ctx) -> m.User | None:
    """The user account of the acting principal; ``None`` for an anonymous caller."""
    if ctx.principal.user_id is None:
        return None
    return ctx.session.get(m.User, ctx.principal.user_id)


__all__ = ["AuthFailed", "current_user", "login", "logout"]
