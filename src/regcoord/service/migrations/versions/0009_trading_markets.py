"""Rights trading: market rules per instrument (price band rule set and trade type, price collar).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05

``trading_market`` holds, per instrument, the dated rule set of its daily price band and
the trade type (listed / block / one-way bidding), a reference price used as the previous
close before the first trading day with trades, and a price floor and ceiling (fen).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trading_market",
        sa.Column("instrument", sa.String(length=30), nullable=False),
        sa.Column("rule_set", sa.String(length=80), nullable=True),
        sa.Column("trade_mode", sa.String(length=10), nullable=True),
        sa.Column("reference_price_fen", sa.BigInteger(), nullable=True),
        sa.Column("floor_fen", sa.BigInteger(), nullable=True),
        sa.Column("ceiling_fen", sa.BigInteger(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_trading_market_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("instrument", name=op.f("pk_trading_market")),
    )


def downgrade() -> None:
    op.drop_table("trading_market")
