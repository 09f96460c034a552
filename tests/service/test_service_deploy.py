"""A service one can deploy: settings sources, health, readiness, metrics, GZip, HSTS, request ids,
JSON logs, CSRF bound to the session, ``serve --workers``.  Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import gzip
import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from regcoord.cli.app import app as cli_app
from regcoord.errors import DataError
from regcoord.service import migrate
from regcoord.service.app import create_app
from regcoord.service.config import Settings
from regcoord.service.db import models as m
from regcoord.service.observability import HSTS, configure_logging
from regcoord.service.web.security import CSRF_COOKIE

PASSWORD = "test-password-1"  # the world fixture's password (tests/service/conftest.py)


# -- settings: environment, .env, secrets directory ------------------------------------------
def test_settings_sources_and_precedence(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("REGCOORD_TOKEN_TTL_HOURS=7\nREGCOORD_LOG_FORMAT=json\nREGCOORD_COOKIE_SECURE=1\n")
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "regcoord_secret_key").write_text("k" * 40)
    (secrets / "regcoord_token_ttl_hours").write_text("99")
    s = Settings.from_env({"REGCOORD_DATABASE_URL": "sqlite://"}, env_file=env_file, secrets_dir=secrets)
    # .env beats the secrets directory; the secret key comes from its file
    assert (s.database_url, s.token_ttl_hours, s.log_format, s.cookie_secure) == (
        "sqlite://",
        7,
        "json",
        True,
    )
    assert s.secret_key == "k" * 40 and "secret_key" in s.model_fields_set
    # the environment beats .env
    s = Settings.from_env(
        {"REGCOORD_DATABASE_URL": "sqlite://", "REGCOORD_TOKEN_TTL_HOURS": "3"},
        env_file=env_file,
        secrets_dir=secrets,
    )
    assert s.token_ttl_hours == 3


def test_no_secret_configured_means_a_random_one_not_marked_as_given(tmp_path: Path) -> None:
    a = Settings.from_env(
        {"REGCOORD_DATABASE_URL": "sqlite://"}, env_file=tmp_path / "none", secrets_dir=tmp_path
    )
    b = Settings.from_env(
        {"REGCOORD_DATABASE_URL": "sqlite://"}, env_file=tmp_path / "none", secrets_dir=tmp_path
    )
    assert a.secret_key != b.secret_key and len(a.secret_key) >= 32
    assert "secret_key" not in a.model_fields_set


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("REGCOORD_SECRET_KEY", "changeme"),
        ("REGCOORD_SECRET_KEY", "short"),
        ("REGCOORD_TOKEN_TTL_HOURS", "twelve"),
        ("REGCOORD_TOKEN_TTL_HOURS", "0"),
        ("REGCOORD_LOG_FORMAT", "xml"),
        ("REGCOORD_COOKIE_SECURE", "perhaps"),
    ],
)
def test_bad_setting_names_the_variable(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(DataError) as err:
        Settings.from_env({"REGCOORD_DATABASE_URL": "sqlite://", name: value}, env_file=tmp_path / "x")
    assert err.value.column == name and name in str(err.value)


# -- health, readiness ----------------------------------------------------------------------
def test_healthz_and_readyz(world: Any) -> None:
    assert world.get("/healthz").json() == {"status": "ok"}
    r = world.get("/readyz")
    assert r.status_code == 200 and r.json()["detail"] == f"database at revision {migrate.head()}"


def test_readyz_503_when_not_migrated(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'empty.sqlite3'}", secret_key="s" * 32))
    with TestClient(app) as c:
        assert c.get("/healthz").status_code == 200  # the process is alive
        r = c.get("/readyz")
        assert r.status_code == 503 and "regcoord db upgrade" in r.json()["detail"]
    app.state.engine.dispose()


@pytest.mark.postgres
def test_readyz_503_when_database_unreachable() -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"
    app = create_app(Settings(database_url=url, secret_key="s" * 32))
    with TestClient(app) as c:
        r = c.get("/readyz")
        assert r.status_code == 503 and r.json()["detail"].startswith("database unreachable")


# -- metrics ----------------------------------------------------------------------------------
def _metric(text: str, name: str) -> float:
    (line,) = [x for x in text.splitlines() if x.startswith(name + " ")]
    return float(line.split()[1])


def test_metrics_count_reports_payments_and_audit_chain(world: Any) -> None:
    w = world
    inst = w.to_state("in_force")
    cid = inst["clauses"][1]["id"]
    text = "clause_id,period_start,period_end,value,evidence\n"
    text += f"{cid},2023-01-01,2023-12-31,0.9,r23\n{cid},2024-01-01,2024-12-31,0.8,r24\n"
    r = w.post(
        "off-34", f"/api/instruments/{inst['id']}/reports.csv", files={"file": ("r.csv", text, "text/csv")}
    )
    assert r.status_code == 201, r.text
    body = w.get("/metrics").text
    reports = w.get(f"/api/instruments/{inst['id']}/reports").json()
    payments = w.get(f"/api/payments?instrument_id={inst['id']}").json()
    due = [p for p in payments if p["status"] == "due"]
    assert _metric(body, "regcoord_reports_filed") == len(reports) == 2
    assert _metric(body, "regcoord_payments_due") == len(due) >= 1
    assert _metric(body, "regcoord_payments_due_fen") == sum(p["amount_fen"] for p in due)
    head = w.get("/api/audit/checkpoint", "admin").json()
    assert _metric(body, "regcoord_audit_chain_length") == head["seq"]
    route = 'route="/api/instruments/{instrument_id}/reports.csv"'
    counts = [
        x
        for x in body.splitlines()
        if x.startswith("regcoord_http_request_duration_seconds_count") and route in x
    ]
    assert counts and float(counts[0].split()[-1]) == 1.0


# -- compression, HSTS, request id ------------------------------------------------------------
def test_gzip_for_pages_and_plotly(world: Any) -> None:
    c = world.client
    plain = c.get("/static/vendor/plotly.min.js", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "content-encoding" not in plain.headers
    r = c.get("/static/vendor/plotly.min.js", headers={"Accept-Encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip" and r.content == plain.content
    raw = c.stream("GET", "/static/vendor/plotly.min.js", headers={"Accept-Encoding": "gzip"})
    with raw as resp:
        compressed = b"".join(resp.iter_raw())
    assert gzip.decompress(compressed) == plain.content and len(compressed) < len(plain.content) / 3
    page = c.get("/login", headers={"Accept-Encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip" and "<form" in page.text


def test_hsts_only_when_cookies_are_secure(world: Any) -> None:
    assert "strict-transport-security" not in world.get("/healthz").headers
    app = create_app(Settings(database_url=world.url, secret_key="s" * 32, cookie_secure=True))
    with TestClient(app) as c:
        assert c.get("/healthz").headers["strict-transport-security"] == HSTS
    app.state.engine.dispose()
    app.state.read_engine.dispose()


def test_request_id_echoed_or_made(world: Any) -> None:
    assert (
        world.client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"
    )
    made = world.client.get("/healthz", headers={"X-Request-ID": "bad id\n"}).headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)


def test_json_log_lines_name_the_request(world: Any, capsys: pytest.CaptureFixture[str]) -> None:
    saved = {
        n: (logging.getLogger(n).handlers[:], logging.getLogger(n).propagate) for n in ("regcoord", "uvicorn")
    }
    try:
        configure_logging("json")
        world.client.get("/readyz", headers={"X-Request-ID": "req-42"})
        lines = [json.loads(x) for x in capsys.readouterr().err.splitlines() if x.startswith("{")]
    finally:
        for n, (handlers, propagate) in saved.items():
            logging.getLogger(n).handlers = handlers
            logging.getLogger(n).propagate = propagate
        logging.getLogger("uvicorn.access").disabled = False
    access = [x for x in lines if x["logger"] == "regcoord.access"]
    assert access and access[-1]["request_id"] == "req-42"
    assert (access[-1]["path"], access[-1]["status"], access[-1]["method"]) == ("/readyz", 200, "GET")


# -- CSRF bound to the session and signed with the secret key -----------------------------------
def test_csrf_token_is_bound_to_the_session(world: Any) -> None:
    c = world.client
    c.get("/login")
    anonymous = c.cookies[CSRF_COOKIE]
    r = c.post(
        "/login",
        data={"username": "off-34", "password": PASSWORD, "csrf_token": anonymous},
        follow_redirects=False,
    )
    assert r.status_code == 303
    session_token = c.cookies[CSRF_COOKIE]
    assert session_token != anonymous  # a new token for the new session
    # the anonymous token, sent as cookie and field alike, is no longer valid
    c.cookies.set(CSRF_COOKIE, anonymous)
    assert c.post("/logout", data={"csrf_token": anonymous}, follow_redirects=False).status_code == 403
    # a token signed with another secret key (another deployment) is refused too
    forged = "x" * 43 + "." + "y" * 27
    c.cookies.set(CSRF_COOKIE, forged)
    assert c.post("/logout", data={"csrf_token": forged}, follow_redirects=False).status_code == 403
    c.cookies.set(CSRF_COOKIE, session_token)
    assert c.post("/logout", data={"csrf_token": session_token}, follow_redirects=False).status_code == 303


# -- serve --workers ------------------------------------------------------------------------------
def test_serve_workers_needs_postgresql(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGCOORD_DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    monkeypatch.setenv("REGCOORD_SECRET_KEY", "k" * 32)
    res = CliRunner().invoke(cli_app, ["serve", "--workers", "2"])
    assert res.exit_code == 2 and "PostgreSQL" in res.output


def test_serve_workers_needs_a_fixed_secret(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("REGCOORD_DATABASE_URL", "postgresql+psycopg://u@127.0.0.1:1/x")
    monkeypatch.delenv("REGCOORD_SECRET_KEY", raising=False)
    monkeypatch.setenv("REGCOORD_SECRETS_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(cli_app, ["serve", "--workers", "3"])
    assert res.exit_code == 2 and "REGCOORD_SECRET_KEY" in res.output


def test_audit_length_reference_is_the_table(world: Any) -> None:
    world.to_state("signed")
    with world.session() as s:
        n = s.scalar(sa.select(sa.func.count()).select_from(m.AuditEvent))
    assert _metric(world.get("/metrics").text, "regcoord_audit_chain_length") == n > 0


def test_login_works_with_an_expired_session_cookie_present(world: Any) -> None:
    c = world.client
    c.cookies.set("regcoord_session", "expired-or-unknown-token")
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
    assert token is not None
    r = c.post(
        "/login",
        data={"username": "off-34", "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
