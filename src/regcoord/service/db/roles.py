"""PostgreSQL roles: migrations run as the owner, the service as a least-privilege role.

The owner (the role that runs ``regcoord db upgrade``) owns every table, trigger and
sequence. The service connects as an application role that

- may SELECT, INSERT, UPDATE and DELETE the working tables and use their sequences;
- may only SELECT and INSERT the append-only logs (``audit_event``, ``trading_event``):
  no UPDATE, DELETE or TRUNCATE privilege, on top of the triggers that refuse them;
- owns nothing, so it cannot ``ALTER TABLE ... DISABLE TRIGGER`` or drop a trigger (only
  an owner can), and is not a superuser, so it cannot ``SET session_replication_role``
  (which would skip triggers) — the two ways around the append-only triggers.

(PostgreSQL documentation, "Privileges" §5.8 and "ALTER TABLE": DISABLE TRIGGER requires
ownership; ``session_replication_role`` is a superuser setting.) ``regcoord db roles``
prints these statements, or applies them as the owner with ``--apply``.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

#: tables the application may only read and append to
APPEND_ONLY = ("audit_event", "trading_event")
_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def app_role_sql(role: str, *, database: str, password: str | None = None) -> list[str]:
    """The statements (run by the owner) that create ``role`` if needed and grant it exactly
    what the service needs on ``database``'s ``public`` schema."""
    for name, what in ((role, "role"), (database, "database")):
        if not _NAME.fullmatch(name):
            raise ValueError(f"{what} name {name!r}: expected lower-case letters, digits and _")
    login = "LOGIN" if password is None else "LOGIN PASSWORD " + "'" + password.replace("'", "''") + "'"
    tables = ", ".join(APPEND_ONLY)
    return [
        "DO $$ BEGIN "
        f"IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN "
        f"CREATE ROLE {role} {login} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS; "
        "END IF; END $$",
        f"GRANT CONNECT ON DATABASE {database} TO {role}",
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON {tables} FROM {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
    ]


def grant_app_role(owner_url: str, role: str, *, password: str | None = None) -> list[str]:
    """Apply :func:`app_role_sql` on the database of ``owner_url`` (connected as the owner);
    run it again after every migration that adds a table. Returns the statements run."""
    url = sa.engine.make_url(owner_url)
    if url.get_backend_name() != "postgresql":
        raise ValueError("roles are a PostgreSQL feature; SQLite has no users")
    stmts = app_role_sql(role, database=str(url.database), password=password)
    engine = sa.create_engine(url)
    try:
        with engine.begin() as c:
            for stmt in stmts:
                c.exec_driver_sql(stmt)
    finally:
        engine.dispose()
    return stmts


__all__ = ["APPEND_ONLY", "app_role_sql", "grant_app_role"]
