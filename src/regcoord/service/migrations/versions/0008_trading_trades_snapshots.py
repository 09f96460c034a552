"""Rights trading: stored trades and book snapshots (restart from a snapshot, no history in memory).

Revision ID: 0008
Revises: 0002
Create Date: 2026-12-04

``trading_trade`` holds every trade, written in the transaction of the event that made it;
existing logs are backfilled by replaying ``trading_event`` (the trades follow
deterministically from the events).  ``trading_snapshot`` holds the book's state after an
event; the service restores the newest one and applies the events after it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trading_trade",
        sa.Column("trade_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("event_seq", sa.Integer(), nullable=False),
        sa.Column("instrument", sa.String(length=30), nullable=False),
        sa.Column("price_fen", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("buy_order", sa.Integer(), nullable=False),
        sa.Column("sell_order", sa.Integer(), nullable=False),
        sa.Column("buyer", sa.String(length=40), nullable=False),
        sa.Column("seller", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_seq"], ["trading_event.seq"], name=op.f("fk_trading_trade_event_seq_trading_event")
        ),
        sa.PrimaryKeyConstraint("trade_id", name=op.f("pk_trading_trade")),
    )
    with op.batch_alter_table("trading_trade", schema=None) as batch_op:
        for col in ("event_seq", "instrument", "buyer", "seller"):
            batch_op.create_index(batch_op.f(f"ix_trading_trade_{col}"), [col], unique=False)
    op.create_table(
        "trading_snapshot",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["seq"], ["trading_event.seq"], name=op.f("fk_trading_snapshot_seq_trading_event")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_trading_snapshot")),
    )
    _backfill_trades()


def _backfill_trades() -> None:
    """Replay the stored log and write the trades it makes (none on a new database)."""
    from regcoord import trading as tr

    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT seq, payload FROM trading_event ORDER BY seq")).all()
    if not rows:
        return
    book = tr.OrderBook.replay(tr.event_from_dict(json.loads(p)) for _, p in rows)
    table = sa.table(
        "trading_trade",
        *(
            sa.column(c)
            for c in (
                "trade_id",
                "event_seq",
                "instrument",
                "price_fen",
                "quantity",
                "buy_order",
                "sell_order",
                "buyer",
                "seller",
            )
        ),
    )
    values = [{k: v for k, v in t.to_dict().items() if k != "value_fen"} for t in book.trades()]
    if values:
        conn.execute(table.insert(), values)


def downgrade() -> None:
    op.drop_table("trading_snapshot")
    with op.batch_alter_table("trading_trade", schema=None) as batch_op:
        for col in ("seller", "buyer", "instrument", "event_seq"):
            batch_op.drop_index(batch_op.f(f"ix_trading_trade_{col}"))
    op.drop_table("trading_trade")
