"""Alembic environment: batch mode on SQLite, the models' naming convention, one URL."""

from __future__ import annotations

from alembic import context

from regcoord.service.db import (
    auth_models,  # noqa: F401  (registers the login throttle on Base)
    credit_models,  # noqa: F401  (registers the credit standing table on Base)
    scale_models,  # noqa: F401  (registers the audit checkpoints on Base)
    trading_models,  # noqa: F401  (registers the trading tables on Base)
)
from regcoord.service.db.engine import make_engine
from regcoord.service.db.models import Base

config = context.config
#: every table of the service (models.py and trading_models.py), as autogenerate compares them
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    url = config.get_main_option("sqlalchemy.url")
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
