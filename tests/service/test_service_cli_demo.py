"""The command line of the service and the demo data, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from regcoord.cli.app import app
from regcoord.service import audit, migrate
from regcoord.service.db import models as m
from regcoord.service.demo import DEMO_PASSWORD, load_demo


def test_db_and_users_commands(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGCOORD_DATABASE_URL", db_url)
    runner = CliRunner()
    r = runner.invoke(app, ["db", "downgrade"])
    assert r.exit_code == 0 and "None" in r.stdout
    r = runner.invoke(app, ["db", "upgrade"])
    assert r.exit_code == 0
    r = runner.invoke(
        app, ["users", "add", "ana", "--role", "officer", "--region", "34", "--password", "a-long-password"]
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["region_code"] == "34"
    r = runner.invoke(app, ["users", "add", "bob", "--role", "officer", "--password", "a-long-password"])
    assert r.exit_code == 2 and "must be bound to a region" in r.output
    r = runner.invoke(
        app, ["users", "add", "cy", "--role", "officer", "--region", "34", "--password", "short"]
    )
    assert r.exit_code == 2 and "password" in r.output


def test_demo_instruments(world: Any) -> None:
    w = world
    info = load_demo(w.app.state.sessions, now=w.clock.now)
    assert info["loaded"] is False  # 'admin' exists in the test world: nothing is loaded twice


def test_demo_on_empty_database(db_url: str) -> None:
    from regcoord.service.app import create_app
    from regcoord.service.config import Settings

    app = create_app(Settings(database_url=db_url, secret_key="d" * 32))
    try:
        info = load_demo(app.state.sessions)
        assert info["loaded"] and info["password"] == DEMO_PASSWORD
        with app.state.sessions() as s:
            states = dict(s.execute(sa.select(m.Instrument.template, m.Instrument.state)).all())
            assert states == {
                "eco_compensation_water_quality": "in_force",
                "relocated_enterprise_tax_sharing": "under_review",
                "east_west_pairing": "draft",
            }
            xinan = s.scalar(
                sa.select(m.Instrument).where(m.Instrument.template == "eco_compensation_water_quality")
            )
            assert xinan is not None
            comp = next(c.compensation for c in xinan.clauses if c.compensation)
            # round 1: Zhejiang pays Anhui 100 million yuan = 10^10 fen when the standard is met
            assert (comp["payer"], comp["payee"], comp["amount_fen"]) == ("33", "34", 10_000_000_000)
            bth = s.scalar(
                sa.select(m.FilingReview)
                .join(m.Instrument, m.Instrument.id == m.FilingReview.instrument_id)
                .where(m.Instrument.template == "relocated_enterprise_tax_sharing")
            )
            assert bth is not None and {f["rule"] for f in bth.findings} == {
                "missing_breach_terms",  # 财预〔2015〕92号 states no breach terms
                "participation_below_threshold",  # one enterprise submission only
            }
            assert {u for (u,) in s.execute(sa.select(m.User.role))} == {
                "admin",
                "reviewer",
                "officer",
                "participant",
                "public",
            }
            assert audit.verify(s).ok
    finally:
        app.state.engine.dispose()


@pytest.mark.slow
def test_serve_demo_starts_on_an_empty_database(db_url: str, tmp_path: Path) -> None:
    """``regcoord serve --demo`` migrates an empty database, loads the demo and serves the API."""
    if db_url.startswith("sqlite"):
        db_url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"  # a file that does not exist yet
    else:  # the fixture's database, emptied: no table left, not even alembic_version
        migrate.downgrade(db_url, "base")
        eng = sa.create_engine(db_url)
        with eng.begin() as c:
            c.execute(sa.text("DROP TABLE alembic_version"))
        assert sa.inspect(eng).get_table_names() == []
        eng.dispose()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = Path(sys.executable).with_name("regcoord")
    env = {**os.environ, "REGCOORD_DATABASE_URL": db_url}
    proc = subprocess.Popen(
        [str(exe), "serve", "--demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as r:
                    assert r.status == 200 and json.load(r) == {"status": "ok"}
                    break
            except OSError:
                assert time.monotonic() < deadline, "the service did not answer /healthz in 90 s"
                time.sleep(0.5)
        with urllib.request.urlopen(f"{base}/openapi.json", timeout=10) as r:
            paths = json.load(r)["paths"]
        assert {"/api/dashboard", "/api/trading/accounts/{holder}", "/api/instruments"} <= set(paths)
        with urllib.request.urlopen(f"{base}/api/instruments", timeout=10) as r:
            assert len(json.load(r)) >= 1  # the demo's public instruments are there
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stdout:
            proc.stdout.close()
    assert migrate.current(db_url) == migrate.head()
