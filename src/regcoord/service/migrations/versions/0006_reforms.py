"""Reform workbench: saved reforms with their inputs, result and author (issue 11).

Revision ID: 0006
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reform_saved",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("scheme", sa.String(length=60), nullable=False),
        sa.Column("rule_date", sa.Date(), nullable=False),
        sa.Column("reform", sa.JSON(), nullable=False),
        sa.Column("data_source", sa.String(length=20), nullable=False),
        sa.Column("data_rows", sa.JSON(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user_account.id"], name=op.f("fk_reform_saved_author_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reform_saved")),
    )
    with op.batch_alter_table("reform_saved", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reform_saved_scheme"), ["scheme"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reform_saved", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reform_saved_scheme"))
    op.drop_table("reform_saved")
