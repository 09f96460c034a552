"""Use cases of signing in and out: API bearer tokens and web session cookies alike.

The JSON API (``api/auth.py``) and the web UI (``web/routes.py``) both call these; the
transport (a JSON body, a cookie, a redirect) stays with the caller. Every attempt is
written to the audit chain (ASVS V16: log authentication decisions): ``auth.failure``,
``auth.login`` and ``auth.logout`` with the kind of credential in the payload.

Throttling (ASVS V6.3.1, OWASP Authentication Cheat Sheet "login throttling"): failed
logins are counted per account (``user:<name>``) and per client address
(``client:<ip>``) in the ``login_throttle`` table, so that every worker shares them.
Within a window of :data:`WINDOW` the first :data:`FREE_FAILURES` failures cost nothing;
each further failure locks the key for ``BASE_DELAY * 2**(failures - FREE_FAILURES)``
seconds, capped at :data:`MAX_DELAY`. A locked key is answered :class:`Throttled`
(HTTP 429 with ``Retry-After``) before the password is checked. Failures are audited in
aggregate, not one row per guess: one ``auth.failure`` row for the first failure of the
client's window (of the account's, without a client address) and one ``auth.throttled``
row whenever a lock begins, each with the failures counted since the previous row. A success clears the account's counter (not the client's:
logging into one's own account must not reset a password spray from the same address).
Limitation: behind a reverse proxy the client address is the proxy's unless uvicorn is
run with ``--proxy-headers`` and ``--forwarded-allow-ips``.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from regcoord.errors import PermissionDenied
from regcoord.service import auth as auth_mod
from regcoord.service.db import models as m
from regcoord.service.db.auth_models import LoginThrottle
from regcoord.service.usecases._context import Ctx

#: the audit log's object ids are at most this long
_OBJECT_ID_MAX = 40


#: failures within a window that cost nothing
FREE_FAILURES = 5
#: a window of counting; a key without failure for this long starts again from zero
WINDOW = timedelta(minutes=15)
#: the first lock, doubled with every further failure, up to MAX_DELAY
BASE_DELAY = timedelta(seconds=1)
MAX_DELAY = timedelta(minutes=15)


class AuthFailed(PermissionDenied):
    """Wrong username or password (HTTP 401)."""


class Throttled(PermissionDenied):
    """Too many failed logins for this account or client (HTTP 429, ``Retry-After``)."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(
            f"登录失败次数过多，请 {retry_after} 秒后重试 / too many failed logins; retry in {retry_after} s"
        )


def _keys(username: str, client: str | None) -> list[str]:
    keys = [f"user:{username}"[:200]]
    if client:
        keys.append(f"client:{client}"[:200])
    return keys


def _locked(ctx: Ctx, keys: list[str]) -> int:
    """Seconds until every key in ``keys`` is unlocked (0: none is locked)."""
    rows = ctx.session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))).all()
    waits = [(r.locked_until - ctx.now).total_seconds() for r in rows if r.locked_until is not None]
    wait = max(waits, default=0.0)
    return math.ceil(wait) if wait > 0 else 0


def delay_after(failures: int) -> timedelta:
    """The lock after the ``failures``-th failure of a window (zero for the free ones)."""
    if failures <= FREE_FAILURES:
        return timedelta(0)
    return min(MAX_DELAY, BASE_DELAY * 2 ** min(failures - FREE_FAILURES - 1, 30))


def _count_failure(ctx: Ctx, key: str, now: datetime) -> tuple[LoginThrottle, bool]:
    """Add one failure to ``key``; whether it starts a lock (then it is audited)."""
    row = ctx.session.scalar(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update())
    if row is None:
        row = LoginThrottle(key=key, failures=0, unaudited=0, window_start=now, last_failure=now)
        try:
            with ctx.session.begin_nested():
                ctx.session.add(row)
                ctx.session.flush()
        except IntegrityError:  # another worker inserted it first: count on its row
            row = ctx.session.scalar(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update())
            assert row is not None
    if now - row.last_failure > WINDOW:
        row.failures, row.window_start, row.locked_until = 0, now, None
    row.failures += 1
    row.unaudited += 1
    row.last_failure = now
    delay = delay_after(row.failures)
    starts_lock = delay > timedelta(0)
    if starts_lock:
        row.locked_until = now + delay
    return row, starts_lock


def login(
    ctx: Ctx, *, username: str, password: str, kind: str, ttl_hours: int, client: str | None = None
) -> str:
    """Check the password and issue a token of ``kind`` (``"api"`` or ``"session"``) valid ``ttl_hours``.

    ``client`` is the caller's address (the throttle's second key). Commits, also on
    failure: the failed attempt is counted (and, aggregated, audited) in its own
    transaction (after discarding anything pending) and :class:`AuthFailed` is raised;
    a locked account or client gets :class:`Throttled` without a password check.
    """
    keys = _keys(username, client)
    wait = _locked(ctx, keys)
    if wait:
        ctx.session.rollback()
        raise Throttled(wait)
    user = auth_mod.authenticate(ctx.session, username, password)
    if user is None:
        ctx.session.rollback()
        counted = [(key, *_count_failure(ctx, key, ctx.now)) for key in keys]
        lead = counted[-1][1]  # the client's counter when there is one, else the account's
        if lead.failures == 1 or any(starts for _, _, starts in counted):
            locks = [r.locked_until for _, r, _ in counted if r.locked_until is not None]
            ctx.audit(
                "auth.throttled" if locks else "auth.failure",
                "user",
                username[:_OBJECT_ID_MAX],
                {
                    "kind": kind,
                    "client": client,
                    "failures": {key: r.unaudited for key, r, _ in counted},
                    "locked_until": max(locks).isoformat() if locks else None,
                },
            )
            for _, r, _ in counted:
                r.unaudited = 0
        ctx.session.commit()
        raise AuthFailed("wrong username or password")
    ctx.session.execute(
        LoginThrottle.__table__.delete().where(LoginThrottle.key == keys[0])  # type: ignore[attr-defined]
    )
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


__all__ = ["AuthFailed", "Throttled", "current_user", "delay_after", "login", "logout"]
