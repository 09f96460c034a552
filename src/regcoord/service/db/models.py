"""SQLAlchemy 2 models of the coordination service (one table per concept of service.md).

A naming convention names every constraint so that Alembic's batch mode can alter them
on SQLite. Money is integer fen (``BigInteger``); measured values are exact decimals.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false as sa_false

from regcoord.agreements import next_evaluation_due
from regcoord.service.db.types import DecimalText, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Actor(Base):
    __tablename__ = "actor"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(20))
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class User(Base):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    region_code: Mapped[str | None] = mapped_column(String(12), nullable=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("actor.id"), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[Actor | None] = relationship(lazy="joined")


class AuthToken(Base):
    __tablename__ = "auth_token"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # api | session
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Instrument(Base):
    __tablename__ = "instrument"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    template: Mapped[str] = mapped_column(String(60), default="")
    state: Mapped[str] = mapped_column(String(30), index=True)
    proposer_region: Mapped[str] = mapped_column(String(12))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    effective_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    expires_on: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    core_years: Mapped[int] = mapped_column(Integer, default=3)
    adjustment_years: Mapped[int] = mapped_column(Integer, default=2)
    revision_deadline: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    last_evaluated: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: the first annual evaluation after ``last_evaluated`` (``agreements.next_evaluation_due``),
    #: kept with ``effective_from`` and ``last_evaluated`` so that the alert is an indexed range
    evaluation_due_on: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    version_id: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    parties: Mapped[list[Party]] = relationship(
        back_populates="instrument", cascade="all, delete-orphan", order_by="Party.id", lazy="selectin"
    )
    clauses: Mapped[list[ClauseRow]] = relationship(
        back_populates="instrument", cascade="all, delete-orphan", order_by="ClauseRow.id", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": version_id}  # noqa: RUF012


@event.listens_for(Instrument, "before_insert")
@event.listens_for(Instrument, "before_update")
def _keep_evaluation_due(mapper: Any, connection: Any, target: Instrument) -> None:
    """Keep ``evaluation_due_on`` equal to its rule whoever writes the dates."""
    target.evaluation_due_on = next_evaluation_due(target.effective_from, target.last_evaluated)


class Party(Base):
    __tablename__ = "party"
    __table_args__ = (UniqueConstraint("instrument_id", "region_code", name="uq_party_instrument_region"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    signed_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: sha256 of the instrument's terms (title, dates, parties, clauses) the signature binds
    signed_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    instrument: Mapped[Instrument] = relationship(back_populates="parties")


class ClauseRow(Base):
    __tablename__ = "clause"
    __table_args__ = (UniqueConstraint("instrument_id", "number", name="uq_clause_instrument_number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id"), index=True)
    number: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    obligation: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    breach: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    compensation: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    #: how the reported value is computed from measurements by an engine (e.g. the Xin'an P index)
    assessment: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    instrument: Mapped[Instrument] = relationship(back_populates="clauses")


class InstrumentVersion(Base):
    __tablename__ = "instrument_version"
    __table_args__ = (UniqueConstraint("instrument_id", "number", name="uq_instrument_version_number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(String(300), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Consultation(Base):
    __tablename__ = "consultation"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id"), index=True)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Submission(Base):
    __tablename__ = "submission"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actor.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    clause_number: Mapped[str | None] = mapped_column(String(20), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Negotiation(Base):
    __tablename__ = "negotiation"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id"), index=True)
    players: Mapped[list[str]] = mapped_column(JSON)
    values: Mapped[dict[str, str]] = mapped_column(JSON)  # coalition key "33+34" -> decimal text
    created_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Proposal(Base):
    __tablename__ = "proposal"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    negotiation_id: Mapped[int] = mapped_column(ForeignKey("negotiation.id"), index=True)
    allocation: Mapped[dict[str, str]] = mapped_column(JSON)
    proposed_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FilingReview(Base):
    __tablename__ = "filing_review"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id"), index=True)
    filed_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reviewer_region: Mapped[str] = mapped_column(String(12))
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    decision: Mapped[str | None] = mapped_column(String(20), nullable=True)
    reasons: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class KPIReportRow(Base):
    __tablename__ = "kpi_report"
    __table_args__ = (
        UniqueConstraint(
            "clause_id", "period_start", "revision", name="uq_kpi_report_clause_period_revision"
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clause_id: Mapped[int] = mapped_column(ForeignKey("clause.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    value: Mapped[Decimal] = mapped_column(DecimalText())
    evidence: Mapped[str] = mapped_column(Text)
    force_majeure: Mapped[bool] = mapped_column(Boolean, default=False)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    outcome: Mapped[str] = mapped_column(String(20))
    shortfall: Mapped[Decimal] = mapped_column(DecimalText())
    #: measurements and the engine's result with its trace, when the value was computed
    measurements: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    #: 1 for the first report of a period; an amendment is the next revision and supersedes it
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("kpi_report.id"), nullable=True)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    amendment_reason: Mapped[str] = mapped_column(Text, default="", server_default="")


class BreachRow(Base):
    __tablename__ = "breach"
    #: one breach of each kind per clause and period; one late-payment breach per payment
    __table_args__ = (
        UniqueConstraint("clause_id", "period_start", "kind", name="uq_breach_clause_period_kind"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kpi_report_id: Mapped[int | None] = mapped_column(ForeignKey("kpi_report.id"), unique=True, nullable=True)
    #: target_missed | report_missing | payment_late (the failed duty)
    kind: Mapped[str] = mapped_column(String(20), default="target_missed", server_default="target_missed")
    clause_id: Mapped[int | None] = mapped_column(ForeignKey("clause.id"), nullable=True)
    period_start: Mapped[date | None] = mapped_column(Date, nullable=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"), unique=True, nullable=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id"), index=True)
    clause_number: Mapped[str] = mapped_column(String(20))
    obligor: Mapped[str] = mapped_column(String(12), index=True)
    period_end: Mapped[date] = mapped_column(Date)
    damages_fen: Mapped[int] = mapped_column(BigInteger)
    sanctions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: recorded | withdrawn (an amended report met the target) | waived (a dispute decision)
    status: Mapped[str] = mapped_column(String(12), default="recorded", server_default="recorded")


class CreditEventRow(Base):
    __tablename__ = "credit_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(12), index=True)
    delta: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    ref: Mapped[str] = mapped_column(String(100), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: +1 for a breach, -1 for a breach withdrawn or waived, 0 otherwise
    breaches: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Payment(Base):
    __tablename__ = "payment"
    #: one order of each kind per clause and scheduled period (a correction recomputes it)
    __table_args__ = (
        UniqueConstraint("clause_id", "period_start", "kind", name="uq_payment_clause_period_kind"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id"), index=True)
    kpi_report_id: Mapped[int | None] = mapped_column(ForeignKey("kpi_report.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(30))  # compensation | liquidated_damages
    payer: Mapped[str] = mapped_column(String(40), index=True)
    payee: Mapped[str] = mapped_column(String(40), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    period_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="due", index=True)
    trace: Mapped[dict[str, Any]] = mapped_column(JSON)
    clause_id: Mapped[int | None] = mapped_column(ForeignKey("clause.id"), nullable=True)
    period_start: Mapped[date | None] = mapped_column(Date, nullable=True)
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Dispute(Base):
    __tablename__ = "dispute"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id"), index=True)
    raised_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    raised_by_region: Mapped[str] = mapped_column(String(12))
    parties: Mapped[list[str]] = mapped_column(JSON)
    routed_to: Mapped[str] = mapped_column(String(12), index=True)
    subject: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="open")
    decision: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: what the decision does: dismiss | uphold | waive_payment | adjust_payment | order_revision
    effect: Mapped[str | None] = mapped_column(String(20), nullable=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"), nullable=True)


class Evaluation(Base):
    __tablename__ = "evaluation"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id"), index=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    on: Mapped[date] = mapped_column(Date)
    kpi_attainment: Mapped[Decimal | None] = mapped_column(DecimalText(), nullable=True)
    fund_use: Mapped[Decimal | None] = mapped_column(DecimalText(), nullable=True)
    satisfaction: Mapped[Decimal | None] = mapped_column(DecimalText(), nullable=True)
    summary: Mapped[str] = mapped_column(Text)
    #: an independent evaluator's advice that the instrument be revised (only the superior orders it)
    revision_recommended: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditEvent(Base):
    """Append-only, hash-chained log (never updated or deleted)."""

    __tablename__ = "audit_event"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_record"
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
