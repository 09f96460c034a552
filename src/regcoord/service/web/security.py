"""Security of the web UI: session principal, anonymous 401, CSRF double-submit token.

- The session cookie is the one the service issues (``regcoord_session``, HttpOnly,
  SameSite=Strict); the principal is resolved with :mod:`regcoord.service.auth`.
- Every state-changing web request from an anonymous caller is answered 401 before
  anything else (before the CSRF check, before the form is read), except the login form.
- CSRF, double-submit: a random token lives in the ``regcoord_csrf`` cookie and must come
  back in the form field ``csrf_token`` (or the ``X-CSRF-Token`` header that htmx sends);
  compared in constant time. A mismatch is a 403.
- Content-Security-Policy of the HTML pages: the service's policy (``default-src 'self'``,
  ``script-src 'self'``: no inline script, no external source; page JavaScript lives in
  static files) with one relaxation, ``style-src 'self' 'unsafe-inline'``: Plotly writes
  its chart styles into the page at run time (a ``<style>`` sheet and ``style``
  attributes), which a strict ``style-src`` blocks. No external source is allowed.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from regcoord import agreements as ag
from regcoord.service import auth as auth_mod
from regcoord.service.api.auth import SESSION_COOKIE

#: the CSP of the web pages (see the module docstring for the one relaxation)
WEB_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)
CSRF_COOKIE = "regcoord_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: web paths an anonymous caller may POST to
ANONYMOUS_OK = frozenset({"/login"})


def is_web_path(path: str) -> bool:
    """Paths served by the web UI (not the JSON API, the static files or the docs)."""
    return not (
        path.startswith("/api/")
        or path.startswith("/static/")
        or path in ("/openapi.json", "/docs", "/redoc", "/healthz")
        or path.startswith("/docs/")
    )


def _resolve(request: Request) -> tuple[ag.Principal, str | None, str | None]:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return ag.ANONYMOUS, None, None
    app = request.app
    with app.state.sessions() as session:
        user = auth_mod.user_for_token(session, token, now=app.state.clock())
        if user is None:
            return ag.ANONYMOUS, None, None
        return auth_mod.principal_of(user), token, user.username


async def web_security(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """HTTP middleware of the web paths: principal, anonymous 401, CSRF cookie."""
    path = request.url.path
    if not is_web_path(path):
        return await call_next(request)
    principal, token, username = await run_in_threadpool(_resolve, request)
    if request.method in STATE_CHANGING and path not in ANONYMOUS_OK and principal.user_id is None:
        return HTMLResponse(
            "<!doctype html><title>401</title><p>authentication required / 需要登录</p>",
            status_code=401,
            headers={"WWW-Authenticate": 'Cookie realm="regcoord"'},
        )
    request.state.web_principal = principal
    request.state.web_token = token
    request.state.web_username = username
    cookie = request.cookies.get(CSRF_COOKIE)
    fresh = cookie is None or len(cookie) < 32
    csrf = secrets.token_urlsafe(32) if fresh or cookie is None else cookie
    request.state.csrf = csrf
    response = await call_next(request)
    if fresh:
        response.set_cookie(
            CSRF_COOKIE,
            csrf,
            httponly=True,
            samesite="strict",
            secure=request.app.state.settings.cookie_secure,
            path="/",
        )
    if response.headers.get("content-type", "").startswith("text/html"):
        response.headers["Content-Security-Policy"] = WEB_CSP
        response.headers.setdefault("Cache-Control", "no-store")
    return response


async def check_csrf(request: Request) -> None:
    """Dependency of the web router: a state-changing request must echo the CSRF cookie."""
    if request.method not in STATE_CHANGING:
        return
    cookie = request.cookies.get(CSRF_COOKIE) or ""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not cookie or not sent or not hmac.compare_digest(cookie.encode(), sent.encode()):
        raise HTTPException(status_code=403, detail="CSRF token missing or wrong / 表单校验失败，请刷新页面")
