"""Rights trading: the order book's event log, orders, allocation and compliance runs.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

Named constraints (the models' naming convention) so that batch mode works on SQLite.
Triggers (PostgreSQL and SQLite) refuse UPDATE and DELETE on ``trading_event``: the log
the book is rebuilt from is append-only, like the audit log.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trading_event",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_trading_event_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_trading_event")),
    )
    op.create_table(
        "trading_order",
        sa.Column("order_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(length=40), nullable=False),
        sa.Column("instrument", sa.String(length=30), nullable=False),
        sa.Column("side", sa.String(length=4), nullable=False),
        sa.Column("kind", sa.String(length=6), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("price_fen", sa.BigInteger(), nullable=True),
        sa.Column("budget_fen", sa.BigInteger(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["seq"], ["trading_event.seq"], name=op.f("fk_trading_order_seq_trading_event")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_trading_order_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_trading_order")),
        sa.UniqueConstraint("seq", name=op.f("uq_trading_order_seq")),
    )
    with op.batch_alter_table("trading_order", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trading_order_holder"), ["holder"], unique=False)

    op.create_table(
        "trading_allocation_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instrument", sa.String(length=30), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("cap", sa.BigInteger(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("first_seq", sa.Integer(), nullable=True),
        sa.Column("last_seq", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_trading_allocation_run_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trading_allocation_run")),
    )
    with op.batch_alter_table("trading_allocation_run", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trading_allocation_run_instrument"), ["instrument"], unique=False
        )

    op.create_table(
        "trading_compliance_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("rights", sa.JSON(), nullable=False),
        sa.Column("verified_use", sa.JSON(), nullable=False),
        sa.Column("breach_terms", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_trading_compliance_run_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trading_compliance_run")),
    )
    with op.batch_alter_table("trading_compliance_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trading_compliance_run_period"), ["period"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION trading_event_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'trading_event is append-only: % refused', TG_OP;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER trading_event_no_change BEFORE UPDATE OR DELETE ON trading_event "
            "FOR EACH ROW EXECUTE FUNCTION trading_event_append_only()"
        )
        op.execute(
            "CREATE TRIGGER trading_event_no_truncate BEFORE TRUNCATE ON trading_event "
            "FOR EACH STATEMENT EXECUTE FUNCTION trading_event_append_only()"
        )
    else:
        op.execute(
            "CREATE TRIGGER trading_event_no_update BEFORE UPDATE ON trading_event "
            "BEGIN SELECT RAISE(ABORT, 'trading_event is append-only'); END"
        )
        op.execute(
            "CREATE TRIGGER trading_event_no_delete BEFORE DELETE ON trading_event "
            "BEGIN SELECT RAISE(ABORT, 'trading_event is append-only'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS trading_event_no_change ON trading_event")
        op.execute("DROP TRIGGER IF EXISTS trading_event_no_truncate ON trading_event")
        op.execute("DROP FUNCTION IF EXISTS trading_event_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS trading_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS trading_event_no_delete")
    with op.batch_alter_table("trading_compliance_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trading_compliance_run_period"))
    op.drop_table("trading_compliance_run")
    with op.batch_alter_table("trading_allocation_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trading_allocation_run_instrument"))
    op.drop_table("trading_allocation_run")
    with op.batch_alter_table("trading_order", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trading_order_holder"))
    op.drop_table("trading_order")
    op.drop_table("trading_event")
