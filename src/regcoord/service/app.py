"""The FastAPI application of the coordination service.

``create_app(settings)`` wires the engine, the routers, the authentication middleware
(which answers an anonymous state-changing request 401 before any validation or lookup)
and the mapping of regcoord errors to HTTP statuses (never a 500 for bad input).
"""

from __future__ import annotations

import gc
import hmac
import logging
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError as DBDataError
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from starlette.concurrency import run_in_threadpool

from regcoord import agreements as ag
from regcoord.errors import ConflictError, DataError, NotFound, PermissionDenied, RegcoordError
from regcoord.service import auth as auth_mod
from regcoord.service.api import auth, consultations, governance, instruments, monitoring, negotiations, users
from regcoord.service.api.auth import SESSION_COOKIE, AuthFailed, Throttled
from regcoord.service.config import Settings
from regcoord.service.db import is_sqlite, make_engine, make_sessionmaker
from regcoord.service.db.engine import RETRY_AFTER_S, is_busy
from regcoord.service.usecases.instruments import PreconditionFailed, PreconditionRequired

log = logging.getLogger("regcoord.service")

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: state-changing paths open to anonymous callers (logging in)
ANONYMOUS_OK = frozenset({"/api/auth/token", "/api/auth/login"})
#: responses that carry credentials or account data: never stored by a cache (ASVS V14.3)
NO_STORE_PREFIXES = ("/api/auth/", "/api/users")
CSRF_COOKIE = "regcoord_csrf"  # the web UI's double-submit cookie (web/security.py)
CSRF_HEADER = "x-csrf-token"


def cookie_write_allowed(request: Request) -> bool:
    """A write authenticated by the session cookie must prove it comes from our own pages.

    Either the ``X-CSRF-Token`` header equals the ``regcoord_csrf`` cookie (double submit,
    constant-time comparison), or the ``Origin`` header names this service (scheme, host
    and port of the request). Bearer-token writes never get here: a browser does not
    attach a bearer token to a cross-site request (OWASP CSRF Prevention Cheat Sheet).
    """
    cookie = request.cookies.get(CSRF_COOKIE) or ""
    sent = request.headers.get(CSRF_HEADER) or ""
    if cookie and sent and hmac.compare_digest(cookie.encode(), sent.encode()):
        return True
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.url.netloc}"
    return origin is not None and origin != "null" and hmac.compare_digest(origin.encode(), own.encode())


CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'"


def _printable(text: str, limit: int = 200) -> str:
    """``text`` encodable as UTF-8 (a lone surrogate becomes ``\\udXXX``), at most ``limit`` characters."""
    out = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return out if len(out) <= limit else out[: limit - 3] + "..."


def _clean(obj: Any) -> Any:
    """JSON-ready ``obj`` that always encodes: text made UTF-8-safe, non-finite floats as text."""
    if isinstance(obj, str):
        return _printable(obj, 2000)
    if isinstance(obj, float) and not math.isfinite(obj):
        return str(obj)
    if isinstance(obj, dict):
        return {_printable(str(k), 200): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    return obj


def _error(status: int, detail: Any, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": _clean(jsonable_encoder(detail))}, status_code=status, headers=headers)


def _data_error(exc: DataError) -> JSONResponse:
    loc = ["body", *str(exc.column).split(".")] if exc.column else ["body"]
    item: dict[str, Any] = {"loc": loc, "msg": exc.problem, "type": "value_error"}
    if exc.row is not None:
        item["row"] = exc.row
    if exc.expected is not None:
        item["expected"] = exc.expected
    return _error(422, [item])


def safe_validation_errors(errors: Any) -> list[dict[str, Any]]:
    """The items of a request validation error, reduced to what is safe to send back.

    Never fails and never echoes the input: a 422 must not carry a password or token back
    (nor a lone surrogate, NaN or Infinity, which cannot be written as JSON). Each item keeps
    ``loc`` (field names and indexes), ``msg`` and ``type``.
    """
    out: list[dict[str, Any]] = []
    for err in errors if isinstance(errors, list | tuple) else []:
        if not isinstance(err, dict):
            continue
        loc = [
            p if isinstance(p, int) and not isinstance(p, bool) else _printable(str(p), 80)
            for p in err.get("loc", ())
        ]
        out.append(
            {
                "loc": loc,
                "msg": _printable(str(err.get("msg", "invalid"))),
                "type": _printable(str(err.get("type", "value_error")), 60),
            }
        )
    return out or [{"loc": ["body"], "msg": "invalid request", "type": "value_error"}]


def warm_and_freeze() -> int:
    """Load what every request reads (region tree, national indicators), then ``gc.freeze()``.

    A full collection otherwise rescans every object of the imported libraries and caches at
    each run and sets the latency tail of every endpoint (issue 17); frozen objects sit in
    the permanent generation, which the collector never scans. ``gc.collect()`` first, so no
    garbage is frozen. Returns the number of frozen objects.
    """
    from regcoord.service.usecases._context import region_tree
    from regcoord.service.usecases.indicators import national_disparity

    region_tree()
    national_disparity()
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.frozen_objects = warm_and_freeze()
    log.info("start-up objects frozen: %d", app.state.frozen_objects)
    try:
        yield
    finally:
        gc.unfreeze()


def create_app(settings: Settings | None = None, *, clock: Callable[[], datetime] | None = None) -> FastAPI:
    """Build the application for ``settings`` (default: from the environment).

    At start-up (the lifespan), the caches every request reads are loaded and the garbage
    collector is told to leave them alone (:func:`warm_and_freeze`).
    """
    settings = settings or Settings.from_env()
    engine = make_engine(settings.database_url)
    app = FastAPI(
        lifespan=_lifespan,
        title="regcoord coordination service / 区域利益协调服务",
        version="0.1.0",
        description=(
            "The closed loop of inter-regional interest coordination: consultation, negotiation, "
            "signature, filing and review, KPI monitoring, breach and credit, disputes, evaluation "
            "and revision. 区域利益协调闭环。"
        ),
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = make_sessionmaker(engine)
    # SQLite: a second engine whose transactions begin deferred serves the read-only requests
    read_engine = (
        make_engine(settings.database_url, write=False) if is_sqlite(settings.database_url) else engine
    )
    app.state.read_engine = read_engine
    app.state.read_sessions = make_sessionmaker(read_engine)
    app.state.clock = clock or (lambda: datetime.now(UTC))

    def _resolve(request: Request) -> tuple[ag.Principal, str | None]:
        header = request.headers.get("authorization", "")
        token = (
            header[7:].strip()
            if header.lower().startswith("bearer ")
            else request.cookies.get(SESSION_COOKIE)
        )
        if not token:
            return ag.ANONYMOUS, None
        with app.state.read_sessions() as session:
            user = auth_mod.user_for_token(session, token, now=app.state.clock())
            if user is None:
                return ag.ANONYMOUS, None
            return auth_mod.principal_of(user), token

    @app.middleware("http")
    async def authenticate(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        principal, token = ag.ANONYMOUS, None
        if "\x00" in request.url.path or "%00" in request.url.query or "%00" in request.url.path:
            return _error(
                422, [{"loc": ["query"], "msg": "NUL characters are not allowed", "type": "value_error"}]
            )
        if request.url.path.startswith("/api/"):
            principal, token = await run_in_threadpool(_resolve, request)
            writing = request.method in STATE_CHANGING and request.url.path not in ANONYMOUS_OK
            if writing and principal.user_id is None:
                return _error(401, "authentication required / 需要登录", {"WWW-Authenticate": "Bearer"})
            by_cookie = not request.headers.get("authorization", "").lower().startswith("bearer ")
            if writing and by_cookie and not cookie_write_allowed(request):
                return _error(
                    403,
                    "a write with the session cookie needs the X-CSRF-Token header or this site's Origin "
                    "/ 使用会话 Cookie 的写操作需要 X-CSRF-Token 头或本站 Origin",
                )
        request.state.principal = principal
        request.state.token = token
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.url.path.startswith(NO_STORE_PREFIXES):
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> JSONResponse:
        return _data_error(exc)

    @app.exception_handler(Throttled)
    async def _throttled(request: Request, exc: Throttled) -> JSONResponse:
        return _error(429, str(exc), {"Retry-After": str(exc.retry_after)})

    @app.exception_handler(AuthFailed)
    async def _authfail(request: Request, exc: AuthFailed) -> JSONResponse:
        return _error(401, str(exc), {"WWW-Authenticate": "Bearer"})

    @app.exception_handler(PermissionDenied)
    async def _denied(request: Request, exc: PermissionDenied) -> JSONResponse:
        if request.state.principal.user_id is None:
            return _error(401, str(exc), {"WWW-Authenticate": "Bearer"})
        return _error(403, str(exc))

    @app.exception_handler(NotFound)
    async def _missing(request: Request, exc: NotFound) -> JSONResponse:
        return _error(404, str(exc))

    @app.exception_handler(ConflictError)
    async def _conflict(request: Request, exc: ConflictError) -> JSONResponse:
        if isinstance(exc, PreconditionRequired):
            return _error(428, str(exc))
        if isinstance(exc, PreconditionFailed):
            return _error(412, str(exc))
        return _error(409, str(exc))

    @app.exception_handler(RegcoordError)
    async def _other(request: Request, exc: RegcoordError) -> JSONResponse:
        return _error(422, [{"loc": ["body"], "msg": str(exc), "type": "value_error"}])

    @app.exception_handler(StaleDataError)
    async def _stale(request: Request, exc: StaleDataError) -> JSONResponse:
        return _error(412, "the object was changed by another request; reload and retry")

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        log.info("integrity conflict: %s", exc.orig)
        return _error(409, "conflicts with existing data (a concurrent or duplicate request)")

    @app.exception_handler(DBDataError)
    async def _db_data(request: Request, exc: DBDataError) -> JSONResponse:
        # a backstop: the validation layer should have refused the value with a clearer message
        log.warning("value refused by the database: %s", exc.orig)
        return _error(
            422, [{"loc": ["body"], "msg": "a value is out of range or too long", "type": "value_error"}]
        )

    @app.exception_handler(OperationalError)
    async def _busy(request: Request, exc: OperationalError) -> JSONResponse:
        if not is_busy(exc):
            raise exc
        return _error(
            503,
            "the database is busy with another write; retry shortly / 数据库正忙，请稍后重试",
            {"Retry-After": str(RETRY_AFTER_S)},
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(422, safe_validation_errors(exc.errors()))

    for module in (auth, users, instruments, consultations, negotiations, monitoring, governance):
        app.include_router(module.router)
    from regcoord.service.api import trading as trading_api  # rights trading (issue 5): API and pages
    from regcoord.service.web import trading as trading_web

    app.include_router(trading_api.router)
    app.include_router(trading_web.router)
    from regcoord.service.api import reforms as reforms_api  # reform workbench (issue 11): API and pages
    from regcoord.service.web import reforms as reforms_web

    app.include_router(reforms_api.router)
    app.include_router(reforms_web.router)
    from regcoord.service.web import (
        public_services as public_services_web,
    )  # basic public services (issue 16)

    app.include_router(public_services_web.router)
    from regcoord.service.web import mount as mount_web  # web UI: pages, static files, CSRF

    mount_web(app)

    from regcoord.service import observability  # healthz, readyz, metrics, request ids, GZip, HSTS

    observability.install(app)
    return app
