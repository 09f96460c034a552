"""Engine and session factory with the SQLite pragmas the service relies on.

SQLite: WAL journal, ``foreign_keys=ON`` on every connection, a busy timeout, and
``BEGIN IMMEDIATE`` for every transaction so that read-then-write (the audit chain head)
never races (SQLAlchemy's documented pysqlite recipe). PostgreSQL: plain psycopg.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

BUSY_TIMEOUT_MS = 30_000
#: seconds a client is asked to wait (``Retry-After``) when the database stays busy
RETRY_AFTER_S = 2
#: PostgreSQL SQLSTATEs of a transient conflict: lock not available, serialization, deadlock
_PG_BUSY = frozenset({"55P03", "40001", "40P01"})


def is_busy(exc: BaseException) -> bool:
    """Whether ``exc`` (a SQLAlchemy ``OperationalError``) means "busy, retry later".

    SQLite: "database is locked" / "database is busy" after the busy timeout; PostgreSQL:
    the SQLSTATEs in :data:`_PG_BUSY`.
    """
    orig = getattr(exc, "orig", exc)
    if getattr(orig, "sqlstate", None) in _PG_BUSY:
        return True
    text = str(orig).lower()
    return "database is locked" in text or "database is busy" in text


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, *, write: bool = True, **kw: Any) -> Engine:
    """Create an engine for ``url`` with the pragmas above.

    ``write=False`` gives a SQLite engine for read-only requests: its transactions begin
    deferred, so readers never queue behind the writer (WAL lets them read concurrently).
    """
    if is_sqlite(url):
        engine = create_engine(
            url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}, **kw
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _rec: Any) -> None:
            dbapi_conn.isolation_level = None  # let SQLAlchemy emit BEGIN itself
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA synchronous=FULL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True, **kw)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
