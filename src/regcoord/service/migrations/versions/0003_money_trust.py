"""Money and trust: scheduled periods, amendments, one order per period, signature hashes, credit standing.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04

- ``kpi_report``: ``revision``/``supersedes_id``/``superseded_at``/``amendment_reason``; the
  unique key becomes (clause, period start, revision) so that an amendment keeps the report
  it supersedes.
- ``payment``: ``clause_id``, ``period_start``, ``due_on`` and the unique key
  (clause, period start, kind): at most one order of each kind per clause and period.
- ``breach.status``; ``credit_event.breaches``; ``party.signed_hash``; ``credit_standing``;
  ``dispute.effect``/``payment_id`` (what a decision does to the ledger or the instrument).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("kpi_report", schema=None) as b:
        b.drop_constraint("uq_kpi_report_clause_period", type_="unique")
        b.add_column(sa.Column("revision", sa.Integer(), server_default="1", nullable=False))
        b.add_column(sa.Column("supersedes_id", sa.Integer(), nullable=True))
        b.add_column(sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True))
        b.add_column(sa.Column("amendment_reason", sa.Text(), server_default="", nullable=False))
        b.create_foreign_key(
            op.f("fk_kpi_report_supersedes_id_kpi_report"), "kpi_report", ["supersedes_id"], ["id"]
        )
        b.create_unique_constraint(
            "uq_kpi_report_clause_period_revision", ["clause_id", "period_start", "revision"]
        )
    with op.batch_alter_table("payment", schema=None) as b:
        b.add_column(sa.Column("clause_id", sa.Integer(), nullable=True))
        b.add_column(sa.Column("period_start", sa.Date(), nullable=True))
        b.add_column(sa.Column("due_on", sa.Date(), nullable=True))
        b.create_foreign_key(op.f("fk_payment_clause_id_clause"), "clause", ["clause_id"], ["id"])
        b.create_unique_constraint("uq_payment_clause_period_kind", ["clause_id", "period_start", "kind"])
    with op.batch_alter_table("breach", schema=None) as b:
        b.add_column(sa.Column("status", sa.String(length=12), server_default="recorded", nullable=False))
        b.add_column(sa.Column("kind", sa.String(length=20), server_default="target_missed", nullable=False))
        b.add_column(sa.Column("clause_id", sa.Integer(), nullable=True))
        b.add_column(sa.Column("period_start", sa.Date(), nullable=True))
        b.add_column(sa.Column("payment_id", sa.Integer(), nullable=True))
        b.alter_column("kpi_report_id", existing_type=sa.Integer(), nullable=True)
        b.create_foreign_key(op.f("fk_breach_clause_id_clause"), "clause", ["clause_id"], ["id"])
        b.create_foreign_key(op.f("fk_breach_payment_id_payment"), "payment", ["payment_id"], ["id"])
        b.create_unique_constraint("uq_breach_clause_period_kind", ["clause_id", "period_start", "kind"])
        b.create_unique_constraint(op.f("uq_breach_payment_id"), ["payment_id"])
    with op.batch_alter_table("credit_event", schema=None) as b:
        b.add_column(sa.Column("breaches", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("party", schema=None) as b:
        b.add_column(sa.Column("signed_hash", sa.String(length=64), nullable=True))
    with op.batch_alter_table("evaluation", schema=None) as b:
        b.add_column(
            sa.Column("revision_recommended", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("dispute", schema=None) as b:
        b.add_column(sa.Column("effect", sa.String(length=20), nullable=True))
        b.add_column(sa.Column("payment_id", sa.Integer(), nullable=True))
        b.create_foreign_key(op.f("fk_dispute_payment_id_payment"), "payment", ["payment_id"], ["id"])
    op.create_table(
        "credit_standing",
        sa.Column("subject", sa.String(length=12), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("n_events", sa.Integer(), nullable=False),
        sa.Column("breaches", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("subject", name=op.f("pk_credit_standing")),
    )


def downgrade() -> None:
    op.drop_table("credit_standing")
    with op.batch_alter_table("evaluation", schema=None) as b:
        b.drop_column("revision_recommended")
    with op.batch_alter_table("dispute", schema=None) as b:
        b.drop_constraint(op.f("fk_dispute_payment_id_payment"), type_="foreignkey")
        b.drop_column("payment_id")
        b.drop_column("effect")
    with op.batch_alter_table("party", schema=None) as b:
        b.drop_column("signed_hash")
    with op.batch_alter_table("credit_event", schema=None) as b:
        b.drop_column("breaches")
    with op.batch_alter_table("breach", schema=None) as b:
        b.drop_constraint(op.f("uq_breach_payment_id"), type_="unique")
        b.drop_constraint("uq_breach_clause_period_kind", type_="unique")
        b.drop_constraint(op.f("fk_breach_payment_id_payment"), type_="foreignkey")
        b.drop_constraint(op.f("fk_breach_clause_id_clause"), type_="foreignkey")
        b.alter_column("kpi_report_id", existing_type=sa.Integer(), nullable=False)
        b.drop_column("payment_id")
        b.drop_column("period_start")
        b.drop_column("clause_id")
        b.drop_column("kind")
        b.drop_column("status")
    with op.batch_alter_table("payment", schema=None) as b:
        b.drop_constraint("uq_payment_clause_period_kind", type_="unique")
        b.drop_constraint(op.f("fk_payment_clause_id_clause"), type_="foreignkey")
        b.drop_column("due_on")
        b.drop_column("period_start")
        b.drop_column("clause_id")
    with op.batch_alter_table("kpi_report", schema=None) as b:
        b.drop_constraint("uq_kpi_report_clause_period_revision", type_="unique")
        b.drop_constraint(op.f("fk_kpi_report_supersedes_id_kpi_report"), type_="foreignkey")
        b.drop_column("amendment_reason")
        b.drop_column("superseded_at")
        b.drop_column("supersedes_id")
        b.drop_column("revision")
        b.create_unique_constraint("uq_kpi_report_clause_period", ["clause_id", "period_end"])
