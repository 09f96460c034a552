"""Reads at national scale: indexes for every filter the pages use, the indexed evaluation
due date, and signed audit-chain checkpoints.

Revision ID: 0005
Revises: 0002
Create Date: 2026-12-04

``instrument.evaluation_due_on`` is back-filled from ``effective_from`` and
``last_evaluated`` with the same rule the models apply on every write
(:func:`regcoord.agreements.next_evaluation_due`).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from regcoord.agreements import next_evaluation_due

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (index name, table, columns)
INDEXES = (
    ("ix_payment_status", "payment", ["status"]),
    ("ix_party_region_code", "party", ["region_code"]),
    ("ix_instrument_expires_on", "instrument", ["expires_on"]),
    ("ix_instrument_revision_deadline", "instrument", ["revision_deadline"]),
    ("ix_instrument_evaluation_due_on", "instrument", ["evaluation_due_on"]),
)


def upgrade() -> None:
    with op.batch_alter_table("instrument") as batch:
        batch.add_column(sa.Column("evaluation_due_on", sa.Date(), nullable=True))
    conn = op.get_bind()
    inst = sa.table(
        "instrument",
        sa.column("id", sa.Integer()),
        sa.column("effective_from", sa.Date()),
        sa.column("last_evaluated", sa.Date()),
        sa.column("evaluation_due_on", sa.Date()),
    )
    rows = conn.execute(
        sa.select(inst.c.id, inst.c.effective_from, inst.c.last_evaluated).where(
            inst.c.effective_from.is_not(None)
        )
    ).all()
    for row in rows:
        due = next_evaluation_due(row.effective_from, row.last_evaluated)
        conn.execute(sa.update(inst).where(inst.c.id == row.id).values(evaluation_due_on=due))
    for name, table, cols in INDEXES:
        op.create_index(name, table, cols, unique=False)
    op.create_table(
        "audit_checkpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("signature", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoint")),
    )
    op.create_index("ix_audit_checkpoint_seq", "audit_checkpoint", ["seq"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_audit_checkpoint_seq", table_name="audit_checkpoint")
    op.drop_table("audit_checkpoint")
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    with op.batch_alter_table("instrument") as batch:
        batch.drop_column("evaluation_due_on")
