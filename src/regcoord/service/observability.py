"""What an operator needs around the service: health, readiness, metrics, logs, compression.

- ``GET /healthz``: the process answers (no database access);
- ``GET /readyz``: the database answers and its Alembic revision is the code's head
  (503 with the reason otherwise), for load balancers and orchestrators;
- ``GET /metrics``: Prometheus text format (``prometheus-client``), a registry per app:
  ``regcoord_http_request_duration_seconds`` (histogram by method, route template and
  status class), and, read from the database at each scrape, ``regcoord_reports_filed``
  (KPI reports), ``regcoord_payments_due`` (payments with status ``due``, count and
  ``regcoord_payments_due_fen`` amount in fen) and ``regcoord_audit_chain_length``;
- every response carries ``X-Request-ID`` (the caller's, when it is a short token, else a
  new one); the access log line of each request names it, and with
  ``REGCOORD_LOG_FORMAT=json`` every log line is one JSON object with ``request_id``;
- GZip (``starlette.middleware.gzip``, level 6) for responses over 1 KiB when the client accepts it
  (pages, JSON, the 4.8 MB plotly.js);
- ``Strict-Transport-Security`` when cookies are Secure (the service is behind HTTPS).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from fastapi import FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from regcoord.service import migrate
from regcoord.service.db import models as m

#: the request id of the request being served, for log records
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("regcoord_request_id", default="-")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
HSTS = "max-age=31536000; includeSubDomains"
access_log = logging.getLogger("regcoord.access")


class JSONFormatter(logging.Formatter):
    """One JSON object per log line: time, level, logger, message, request_id (and extras)."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id.get()),
        }
        for key in ("method", "path", "status", "duration_ms"):
            if hasattr(record, key):
                out[key] = getattr(record, key)
        if record.exc_info:
            out["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True


def configure_logging(fmt: str) -> None:
    """Log lines of ``regcoord.*`` and uvicorn as JSON (``fmt="json"``) or text, with the request id."""
    handler = logging.StreamHandler()
    handler.addFilter(_RequestIdFilter())
    handler.setFormatter(
        JSONFormatter()
        if fmt == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
    )
    for name in ("regcoord", "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(logging.INFO)
        logger.propagate = False
    logging.getLogger("uvicorn.access").disabled = True  # replaced by regcoord.access


class _DatabaseCollector(Collector):
    """Gauges read from the database at each scrape (a read-only session)."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self.app.state.read_sessions() as s:
            reports = s.scalar(sa.select(sa.func.count()).select_from(m.KPIReportRow)) or 0
            due_n, due_fen = s.execute(
                sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(m.Payment.amount_fen), 0)).where(
                    m.Payment.status == "due"
                )
            ).one()
            chain = s.scalar(sa.select(sa.func.count()).select_from(m.AuditEvent)) or 0
        yield GaugeMetricFamily("regcoord_reports_filed", "KPI reports filed / 已报告指标数", value=reports)
        yield GaugeMetricFamily("regcoord_payments_due", "Payments due / 待付款笔数", value=due_n)
        yield GaugeMetricFamily(
            "regcoord_payments_due_fen",
            "Amount of the payments due, fen / 待付金额（分）",
            value=int(due_fen),
        )
        yield GaugeMetricFamily(
            "regcoord_audit_chain_length", "Events in the hash-chained audit log / 审计链长度", value=chain
        )


class _RequestMiddleware:
    """Request id, access log, latency histogram and HSTS, as a plain ASGI middleware."""

    def __init__(self, app: ASGIApp, *, latency: Histogram, hsts: bool) -> None:
        self.app = app
        self.latency = latency
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = given if _SAFE_ID.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        start = time.perf_counter()
        status = 500

        async def send_wrapped(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = rid
                if self.hsts:
                    headers.setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        try:
            await self.app(scope, receive, send_wrapped)
        finally:
            elapsed = time.perf_counter() - start
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            self.latency.labels(scope["method"], template, f"{status // 100}xx").observe(elapsed)
            access_log.info(
                "%s %s %s %.1f ms",
                scope["method"],
                scope["path"],
                status,
                elapsed * 1000,
                extra={
                    "request_id": rid,
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 1),
                },
            )
            request_id.reset(token)


def readiness(app: FastAPI) -> tuple[bool, str]:
    """(ready, reason): the database answers and is migrated to the code's head revision."""
    try:
        with app.state.read_engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    except sa.exc.SQLAlchemyError as exc:
        return False, f"database unreachable: {type(exc).__name__}"
    head = app.state.migration_head
    if current != head:
        return False, f"database at revision {current}, code at {head}: run 'regcoord db upgrade'"
    return True, f"database at revision {current}"


def install(app: FastAPI) -> None:
    """Add health, readiness, metrics, request ids, access logs, GZip and HSTS to ``app``."""
    settings = app.state.settings
    registry = CollectorRegistry()
    latency = Histogram(
        "regcoord_http_request_duration_seconds",
        "Request latency by route / 按路由的请求延迟",
        ("method", "route", "status"),
        registry=registry,
    )
    registry.register(_DatabaseCollector(app))
    app.state.metrics_registry = registry
    app.state.migration_head = migrate.head()

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> JSONResponse:
        ok, reason = readiness(app)
        return JSONResponse(
            {"status": "ok" if ok else "unavailable", "detail": reason}, status_code=200 if ok else 503
        )

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> PlainTextResponse:
        return PlainTextResponse(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=6)
    app.add_middleware(_RequestMiddleware, latency=latency, hsts=settings.cookie_secure)


def worker_app() -> FastAPI:
    """Application factory of a ``serve --workers N`` process: settings, logging, then the app."""
    from regcoord.service.app import create_app
    from regcoord.service.config import Settings

    settings = Settings.from_env()
    configure_logging(settings.log_format)
    return create_app(settings)
