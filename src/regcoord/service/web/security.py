"""Security of the web UI: session principal, anonymous 401, CSRF double-submit token.

- The session cookie is the one the service issues (``regcoord_session``, HttpOnly,
  SameSite=Strict); the principal is resolved with :mod:`regcoord.service.auth`.
- Every state-changing web request from an anonymous caller is answered 401 before
  anything else (before the CSRF check, before the form is read), except the login form.
- CSRF, signed double-submit (OWASP CSRF Prevention Cheat Sheet, "signed double-submit
  cookie"): the ``regcoord_csrf`` cookie holds a random nonce signed with
  ``REGCOORD_SECRET_KEY`` (:class:`itsdangerous.Signer`) under a salt derived from the
  session token, so a token is valid only for this service and this session; it must come
  back in the form field ``csrf_token`` (or the ``X-CSRF-Token`` header that htmx sends),
  compared in constant time.  A mismatch, a forged or another session's token is a 403; a
  new token is issued whenever the session changes (login, logout).
- Content-Security-Policy of the HTML pages: the service's policy (``default-src 'self'``,
  ``script-src 'self'``: no inline script, no external source; page JavaScript lives in
  static files) with one relaxation, ``style-src 'self' 'unsafe-inline'``: Plotly writes
  its chart styles into the page at run time (a ``<style>`` sheet and ``style``
  attributes), which a strict ``style-src`` blocks. No external source is allowed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse
from itsdangerous import BadSignature, Signer
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


def _signer(request: Request, session_token: str | None) -> Signer:
    bound = hashlib.sha256((session_token or "").encode()).hexdigest()
    return Signer(request.app.state.settings.secret_key, salt=f"regcoord-csrf:{bound}")


def new_csrf_token(request: Request, session_token: str | None) -> str:
    """A fresh CSRF token: a random nonce signed for this service and this session."""
    return _signer(request, session_token).sign(secrets.token_urlsafe(32)).decode()


def csrf_token_valid(request: Request, token: str | None, session_token: str | None) -> bool:
    """True when ``token`` was issued by this service (its secret key) for this session."""
    if not token:
        return False
    try:
        _signer(request, session_token).unsign(token)
    except BadSignature:
        return False
    return True


def set_csrf_cookie(response: Response, request: Request, session_token: str | None) -> str:
    """Issue a CSRF cookie bound to ``session_token`` on ``response``; return the token."""
    token = new_csrf_token(request, session_token)
    response.set_cookie(
        CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.app.state.settings.cookie_secure,
        path="/",
    )
    return token


def is_web_path(path: str) -> bool:
    """Paths served by the web UI (not the JSON API, the static files or the docs)."""
    return not (
        path.startswith("/api/")
        or path.startswith("/static/")
        or path in ("/openapi.json", "/docs", "/redoc", "/healthz", "/readyz", "/metrics")
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


class WebSecurity:
    """ASGI middleware of the web paths: principal, anonymous 401, CSRF cookie, page CSP.

    A plain ASGI middleware (not ``BaseHTTPMiddleware``): requests outside the web paths
    (the JSON API, static files) pass straight through at no cost.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_web_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        principal, token, username = await run_in_threadpool(_resolve, request)
        if (
            scope["method"] in STATE_CHANGING
            and scope["path"] not in ANONYMOUS_OK
            and principal.user_id is None
        ):
            denied = HTMLResponse(
                "<!doctype html><title>401</title><p>authentication required / 需要登录</p>",
                status_code=401,
                headers={"WWW-Authenticate": 'Cookie realm="regcoord"'},
            )
            await denied(scope, receive, send)
            return
        cookie = request.cookies.get(CSRF_COOKIE)
        fresh = not csrf_token_valid(request, cookie, token)
        set_cookie = None
        if fresh:
            holder = Response()
            csrf = set_csrf_cookie(holder, request, token)
            set_cookie = holder.headers["set-cookie"]
        else:
            csrf = str(cookie)
        state = scope.setdefault("state", {})
        state.update(web_principal=principal, web_token=token, web_username=username, csrf=csrf)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if set_cookie is not None:
                    headers.append("set-cookie", set_cookie)
                if headers.get("content-type", "").startswith("text/html"):
                    headers["Content-Security-Policy"] = WEB_CSP
                    if "cache-control" not in headers:
                        headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


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
    # bound to the session WebSecurity resolved (None for an anonymous or expired session cookie)
    bound = csrf_token_valid(request, cookie, getattr(request.state, "web_token", None))
    if not bound or not sent or not hmac.compare_digest(cookie.encode(), sent.encode()):
        raise HTTPException(status_code=403, detail="CSRF token missing or wrong / 表单校验失败，请刷新页面")
