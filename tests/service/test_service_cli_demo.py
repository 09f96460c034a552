"""The command line of the service and the demo data, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from regcoord.cli.app import app
from regcoord.service import audit
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
