"""Backups as docs/deploy.md describes them: ``pg_dump -Fc`` then ``pg_restore`` into a new
database; the restored service is ready, its audit chain verifies and it answers as before.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from regcoord.service.app import create_app
from regcoord.service.config import Settings

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        shutil.which("pg_dump") is None or shutil.which("pg_restore") is None, reason="no pg_dump"
    ),
]


def _libpq(url: str) -> str:
    return sa.engine.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_dump_and_restore_a_service_database(world: Any, tmp_path: Path) -> None:
    w = world
    inst = w.to_state("in_force")
    cid = inst["clauses"][1]["id"]
    text = f"clause_id,period_start,period_end,value,evidence\n{cid},2023-01-01,2023-12-31,0.9,街口2023\n"
    assert (
        w.post(
            "off-34", f"/api/instruments/{inst['id']}/reports.csv", files={"file": ("r.csv", text)}
        ).status_code
        == 201
    )
    before = {
        "instrument": w.get(f"/api/instruments/{inst['id']}", "admin").json(),
        "reports": w.get(f"/api/instruments/{inst['id']}/reports").json(),
        "payments": w.get(f"/api/payments?instrument_id={inst['id']}").json(),
        "checkpoint": w.get("/api/audit/checkpoint", "admin").json(),
    }
    dump = tmp_path / "regcoord.dump"
    # backups and restores are the database owner's job (the service's own role cannot create databases)
    owner = w.owner_url or w.url
    subprocess.run(["pg_dump", "-Fc", "--no-owner", "-f", str(dump), _libpq(owner)], check=True)
    url = sa.engine.make_url(owner)
    restored_name = f"{url.database}_restored"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{restored_name}"'))
        c.execute(sa.text(f'CREATE DATABASE "{restored_name}"'))
    restored = url.set(database=restored_name).render_as_string(hide_password=False)
    try:
        subprocess.run(["pg_restore", "--no-owner", "-d", _libpq(restored), str(dump)], check=True)
        app = create_app(Settings(database_url=restored, secret_key="s" * 32), clock=w.clock)
        with TestClient(app) as c:
            h = w.h("admin")
            assert c.get("/readyz").status_code == 200
            assert c.get("/api/audit/verify", headers=h).json()["ok"] is True
            after = {
                "instrument": c.get(f"/api/instruments/{inst['id']}", headers=h).json(),
                "reports": c.get(f"/api/instruments/{inst['id']}/reports").json(),
                "payments": c.get(f"/api/payments?instrument_id={inst['id']}").json(),
                "checkpoint": c.get("/api/audit/checkpoint", headers=h).json(),
            }
        app.state.engine.dispose()
        app.state.read_engine.dispose()
        assert after == before
    finally:
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)'))
        admin.dispose()
