"""PostgreSQL: migrations run as the owner, the service as a least-privilege role (issue 8).

The ``world`` fixture already runs the service as ``APP_ROLE`` (see conftest.py); here the
role is shown to be unable to get around the append-only audit log, and ``regcoord db roles``
prints or applies the grants.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from regcoord.cli.app import app
from regcoord.service.db.roles import app_role_sql


def _pg(w: Any) -> None:
    if w.url.startswith("sqlite"):
        pytest.skip("database roles are a PostgreSQL feature")


@pytest.mark.parametrize(
    ("stmt", "needle"),
    [
        ("UPDATE audit_event SET actor = 'x' WHERE seq = 1", "permission denied"),
        ("DELETE FROM audit_event WHERE seq = 1", "permission denied"),
        ("TRUNCATE audit_event", "permission denied"),
        ("UPDATE trading_event SET payload = '{}'", "permission denied"),
        ("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change", "must be owner"),
        ("ALTER TABLE audit_event DISABLE TRIGGER ALL", "must be owner"),
        ("DROP TRIGGER audit_event_no_change ON audit_event", "must be owner"),
        ("SET session_replication_role = replica", "permission denied"),
        ("CREATE TABLE evil (x int)", "permission denied"),
    ],
)
def test_service_role_cannot_get_around_the_audit_log(world: Any, stmt: str, needle: str) -> None:
    w = world
    _pg(w)
    w.to_state("filed")  # the service itself works as this role: a whole lifecycle was written
    eng = w.app.state.engine
    assert sa.engine.make_url(w.url).username == "regcoord_app_test"
    with eng.connect() as c:
        assert c.scalar(sa.text("select current_user")) == "regcoord_app_test"
        assert c.scalar(sa.text("select rolsuper from pg_roles where rolname = current_user")) is False
    with pytest.raises(sa.exc.DBAPIError) as exc, eng.begin() as c:
        c.execute(sa.text(stmt))
    assert needle in str(exc.value).lower(), str(exc.value)
    with w.session() as s:
        from regcoord.service import audit

        assert audit.verify(s).ok


def test_the_owner_can_still_migrate(world: Any) -> None:
    """The grants cover what the service needs, migrations stay with the owner."""
    w = world
    _pg(w)
    owner = w.owner_engine()
    with owner.connect() as c:
        assert c.scalar(sa.text("select current_user")) != "regcoord_app_test"
        owners = set(c.scalars(sa.text("select tableowner from pg_tables where schemaname = 'public'")))
    owner.dispose()
    assert "regcoord_app_test" not in owners


def test_db_roles_prints_or_applies_the_grants(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    w = world
    stmts = app_role_sql("regcoord_app", database="regcoord")
    assert any("REVOKE UPDATE, DELETE, TRUNCATE ON audit_event, trading_event" in s for s in stmts)
    with pytest.raises(ValueError, match="role name"):
        app_role_sql("x; drop table y", database="d")
    runner = CliRunner()
    monkeypatch.setenv("REGCOORD_DATABASE_URL", w.owner_url or w.url)
    r = runner.invoke(app, ["db", "roles", "regcoord_app_test"])
    if w.url.startswith("sqlite"):
        assert r.exit_code == 2 and "PostgreSQL" in r.stderr
        return
    assert r.exit_code == 0, r.output
    assert (
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO regcoord_app_test;"
        in r.stdout
    )
    r = runner.invoke(app, ["db", "roles", "regcoord_app_test", "--apply"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["db", "roles", "Bad-Name"])
    assert r.exit_code == 2 and "role name" in r.stderr
