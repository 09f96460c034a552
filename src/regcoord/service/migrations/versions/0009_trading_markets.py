"""Rights trading: market rules per instrument (price band, collar); water rights transfers.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05

``trading_market`` holds, per instrument, the dated rule set of its daily price band and
the trade type (listed / block / one-way bidding), a reference price used as the previous
close before the first trading day with trades, and a price floor and ceiling (fen).
``trading_water_transfer`` records water rights transfers (kind, method, parties, annual
volume over the term, price, filing).
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
    op.create_table(
        "trading_water_transfer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("seller", sa.String(length=80), nullable=False),
        sa.Column("buyer", sa.String(length=80), nullable=False),
        sa.Column("seller_region", sa.String(length=12), nullable=False),
        sa.Column("buyer_region", sa.String(length=12), nullable=False),
        sa.Column("annual_volume_m3", sa.BigInteger(), nullable=False),
        sa.Column("term_years", sa.Integer(), nullable=False),
        sa.Column("start_year", sa.Integer(), nullable=False),
        sa.Column("price_fen_per_m3", sa.BigInteger(), nullable=False),
        sa.Column("value_fen", sa.BigInteger(), nullable=False),
        sa.Column("permit_expiry_year", sa.Integer(), nullable=True),
        sa.Column("seller_district", sa.String(length=80), nullable=True),
        sa.Column("buyer_district", sa.String(length=80), nullable=True),
        sa.Column("needs_filing", sa.Boolean(), nullable=False),
        sa.Column("rule_set", sa.String(length=80), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_trading_water_transfer_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trading_water_transfer")),
    )
    with op.batch_alter_table("trading_water_transfer", schema=None) as batch_op:
        for col in ("seller_region", "buyer_region"):
            batch_op.create_index(batch_op.f(f"ix_trading_water_transfer_{col}"), [col], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("trading_water_transfer", schema=None) as batch_op:
        for col in ("buyer_region", "seller_region"):
            batch_op.drop_index(batch_op.f(f"ix_trading_water_transfer_{col}"))
    op.drop_table("trading_water_transfer")
    op.drop_table("trading_market")
