"""Alembic migrations: up, down and up again on both backends; the models match the schema."""

from __future__ import annotations

import subprocess
import sys

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from regcoord.service import migrate
from regcoord.service.db import make_engine, trading_models
from regcoord.service.db.models import Base

#: the tables of the rights-trading part (trading_models.py, migration 0002)
TRADING_TABLES = {
    "trading_event",
    "trading_order",
    "trading_allocation_run",
    "trading_compliance_run",
}


def _tables(url: str) -> set[str]:
    eng = make_engine(url)
    try:
        return set(sa.inspect(eng).get_table_names()) - {"alembic_version"}
    finally:
        eng.dispose()


def test_up_down_up(db_url: str) -> None:
    assert migrate.current(db_url) == migrate.head()
    assert _tables(db_url) == set(Base.metadata.tables)
    migrate.downgrade(db_url, "base")
    assert migrate.current(db_url) is None
    assert _tables(db_url) == set()
    migrate.upgrade(db_url)
    assert _tables(db_url) == set(Base.metadata.tables)


def test_models_match_migrations(db_url: str) -> None:
    # the metadata compared holds the trading tables because this module imports their models
    # itself (not through the app): a trading table missing from 0002 would show up as a diff
    assert {t.name for t in trading_models.Base.metadata.sorted_tables} >= TRADING_TABLES
    assert _tables(db_url) >= TRADING_TABLES
    eng = make_engine(db_url)
    try:
        with eng.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": False})
            diffs = compare_metadata(ctx, Base.metadata)
    finally:
        eng.dispose()
    assert diffs == []


def test_migration_env_sees_every_table(db_url: str) -> None:
    """Autogenerate through migrations/env.py, in a fresh interpreter, finds nothing to add or drop.

    A fresh process imports only the migration runner, so the check depends on what env.py
    itself imports: a model module it misses would make autogenerate propose dropping that
    module's tables (``alembic check`` fails on any proposed operation).
    """
    code = (
        "import sys\n"
        "from alembic import command\n"
        "from regcoord.service import migrate\n"
        "assert 'regcoord.service.app' not in sys.modules\n"
        "command.check(migrate.alembic_config(sys.argv[1]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code, db_url], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_sqlite_pragmas(tmp_path: object) -> None:
    eng = make_engine(f"sqlite:///{tmp_path}/p.sqlite3")
    try:
        with eng.connect() as c:
            assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert c.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    finally:
        eng.dispose()
