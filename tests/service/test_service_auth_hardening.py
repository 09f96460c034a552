"""Authentication and browser safety (issue 8): throttling, password policy, CSRF on cookie
writes to the API, ``Cache-Control: no-store``, the role of ``/api/audit/verify``.

Each test reproduced the weakness before the fix; all run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from regcoord.service.app import CSRF_COOKIE as API_CSRF_COOKIE
from regcoord.service.db import models as m
from regcoord.service.usecases import sessions
from regcoord.service.web.security import CSRF_COOKIE

PASSWORD = "test-password-1"


def _actions(w: Any) -> list[str]:
    with w.session() as s:
        return list(s.scalars(sa.select(m.AuditEvent.action).order_by(m.AuditEvent.seq)))


def _token(w: Any, username: str, password: str) -> Any:
    return w.client.post("/api/auth/token", json={"username": username, "password": password})


# -- throttling --------------------------------------------------------------------------------
def test_backoff_schedule() -> None:
    """Free failures, then 1 s doubling per failure, capped at 15 minutes (written out by hand)."""
    assert [sessions.delay_after(n).total_seconds() for n in range(1, 12)] == [
        0,
        0,
        0,
        0,
        0,
        1,
        2,
        4,
        8,
        16,
        32,
    ]
    assert sessions.delay_after(40) == timedelta(minutes=15)
    assert sessions.delay_after(10**6) == timedelta(minutes=15)


def test_login_throttled_per_account_with_retry_after(world: Any) -> None:
    w = world
    before = len(_actions(w))
    for i in range(sessions.FREE_FAILURES):
        assert _token(w, "off-33", f"wrong-{i}").status_code == 401
    r = _token(w, "off-33", "wrong-x")  # the 6th failure locks the account for 1 s
    assert r.status_code == 401
    r = _token(w, "off-33", PASSWORD)  # even the right password waits: no oracle while locked
    assert r.status_code == 429 and r.headers["Retry-After"] == "1", r.text
    assert "retry" in r.json()["detail"] and "重试" in r.json()["detail"]
    # guesses while locked are not checked, not counted, not audited one by one
    for _ in range(20):
        assert _token(w, "off-33", "guess").status_code == 429
    w.clock.advance(seconds=1)
    assert _token(w, "off-33", "wrong-y").status_code == 401  # 7th: locked 2 s
    r = _token(w, "off-33", PASSWORD)
    assert r.status_code == 429 and r.headers["Retry-After"] == "2"
    w.clock.advance(seconds=2)
    assert _token(w, "off-33", PASSWORD).status_code == 200  # a success clears the account
    # ... but not the client: its 8th failure locks it (a spray cannot reset its own counter)
    assert _token(w, "off-33", "wrong-z").status_code == 401
    assert _token(w, "off-34", PASSWORD).status_code == 429
    new = _actions(w)[before:]
    # 23 refused attempts and 8 failures, audited in 4 aggregated rows (not one per guess)
    assert new == ["auth.failure", "auth.throttled", "auth.throttled", "auth.login", "auth.throttled"], new
    with w.session() as s:
        rows = s.scalars(
            sa.select(m.AuditEvent).where(m.AuditEvent.action.in_(("auth.failure", "auth.throttled")))
        ).all()
        counts = [sum(json.loads(r.payload)["failures"].values()) for r in rows]
    assert sum(counts) == 2 * 8  # every failure counted once on each of its two keys


def test_login_throttled_per_client_across_accounts(world: Any) -> None:
    """A password spray over many accounts from one client is throttled by the client key."""
    w = world
    for i in range(sessions.FREE_FAILURES + 1):
        assert _token(w, f"nobody-{i}", "wrong").status_code == 401
    r = _token(w, "off-34", PASSWORD)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    # the web login form shares the same counters
    w.client.get("/login")
    r = w.client.post(
        "/login",
        data={"username": "off-34", "password": PASSWORD, "csrf_token": w.client.cookies.get(CSRF_COOKIE)},
        follow_redirects=False,
    )
    assert r.status_code == 429 and "Retry-After" in r.headers
    w.clock.advance(minutes=16)  # a quiet window starts again from zero
    assert _token(w, "off-34", PASSWORD).status_code == 200


# -- password policy ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "password",
    [
        "password123",
        "qwertyuiop",
        "1234567890",
        "zhangwei2024",
        "zhangweizhangwei",
        "zhangwei!!",
        "iloveyou12",
    ],
)
def test_weak_passwords_are_refused_bilingually(world: Any, password: str) -> None:
    w = world
    body = {"username": "zhangwei", "password": password, "role": "participant", "region_code": "33"}
    r = w.post("admin", "/api/users", body)
    assert r.status_code == 422, r.text
    msg = r.json()["detail"][0]["msg"]
    assert "密码太容易被猜到" in msg and "too easy to guess" in msg
    assert password not in r.text
    assert r.json()["detail"][0]["loc"] == ["body", "password"]


def test_a_strong_password_is_accepted(world: Any) -> None:
    body = {"username": "zhangwei", "password": "Tide-Orchard-Lantern-84", "role": "participant"}
    r = world.post("admin", "/api/users", body)
    assert r.status_code == 201, r.text


# -- CSRF on cookie writes to the API ------------------------------------------------------------
def test_api_writes_with_the_session_cookie_need_csrf_or_origin(world: Any) -> None:
    w = world
    assert API_CSRF_COOKIE == CSRF_COOKIE
    body = {"kind": "plan", "title": "t", "parties": ["33"]}
    r = w.client.post("/api/auth/login", json={"username": "off-33", "password": PASSWORD})
    assert r.status_code == 200
    n = len(_actions(w))
    # a cross-site form or fetch carries the cookie but neither the token nor our Origin
    r = w.client.post("/api/instruments", json=body)
    assert r.status_code == 403 and "X-CSRF-Token" in r.text
    r = w.client.post("/api/instruments", json=body, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    r = w.client.post("/api/instruments", json=body, headers={"Origin": "null"})
    assert r.status_code == 403
    w.client.cookies.set(CSRF_COOKIE, "c" * 43)
    r = w.client.post("/api/instruments", json=body, headers={"X-CSRF-Token": "d" * 43})
    assert r.status_code == 403
    assert len(_actions(w)) == n  # nothing written
    r = w.client.post("/api/instruments", json=body, headers={"X-CSRF-Token": "c" * 43})
    assert r.status_code == 201, r.text
    r = w.client.post("/api/instruments", json=body, headers={"Origin": "http://testserver"})
    assert r.status_code == 201, r.text
    # token-authenticated writes are unaffected (the cookie is still there, the bearer wins)
    r = w.client.post("/api/instruments", json=body, headers=w.h("off-33"))
    assert r.status_code == 201, r.text
    # reads with the cookie need nothing
    assert w.client.get("/api/auth/me").json()["username"] == "off-33"


# -- caching -----------------------------------------------------------------------------------
def test_credentials_and_accounts_are_not_cached(world: Any) -> None:
    w = world
    r = _token(w, "off-33", PASSWORD)
    assert r.headers["Cache-Control"] == "no-store"
    r = w.client.post("/api/auth/login", json={"username": "off-33", "password": PASSWORD})
    assert r.headers["Cache-Control"] == "no-store"
    assert w.client.get("/api/auth/me").headers["Cache-Control"] == "no-store"
    assert w.get("/api/users", "admin").headers["Cache-Control"] == "no-store"
    assert _token(w, "off-33", "wrong").headers["Cache-Control"] == "no-store"


# -- audit verification needs a role -----------------------------------------------------------
def test_audit_verify_needs_admin_or_reviewer(world: Any) -> None:
    w = world
    assert w.client.get("/api/audit/verify").status_code == 401
    for user in ("off-33", "ent-33", "pub", "eval"):
        assert w.get("/api/audit/verify", user).status_code == 403, user
    for user in ("admin", "rev-cn"):
        r = w.get("/api/audit/verify", user)
        assert r.status_code == 200 and r.json()["ok"] is True, user
