"""Tables of the rights-trading part of the service (on the service's declarative ``Base``).

The order book is event-sourced: ``trading_event`` holds every accepted command of the
one :class:`regcoord.trading.OrderBook` of the service (deposits, issues, submissions,
cancels, replaces, call phases, surrenders), numbered by the book's own sequence number
and written in the transaction that acknowledges the command.  The in-memory book is
rebuilt from it by :meth:`regcoord.trading.OrderBook.replay`.  The other tables are
indexes and records that people query: who submitted which order, allocation runs and
compliance runs with their inputs and results.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from regcoord.service.db.models import Base
from regcoord.service.db.types import UTCDateTime


class TradingEvent(Base):
    """One event of the order book's log (``payload`` = canonical JSON of ``event.to_dict()``)."""

    __tablename__ = "trading_event"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(20))
    payload: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class TradingOrder(Base):
    """An accepted order as submitted (its live state is the book's; this row never changes)."""

    __tablename__ = "trading_order"
    order_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(ForeignKey("trading_event.seq"), unique=True)
    holder: Mapped[str] = mapped_column(String(40), index=True)
    instrument: Mapped[str] = mapped_column(String(30))
    side: Mapped[str] = mapped_column(String(4))
    kind: Mapped[str] = mapped_column(String(6))
    quantity: Mapped[int] = mapped_column(BigInteger)
    price_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    budget_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class AllocationRun(Base):
    """An initial allocation issued into the book (events ``first_seq..last_seq``)."""

    __tablename__ = "trading_allocation_run"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instrument: Mapped[str] = mapped_column(String(30), index=True)
    method: Mapped[str] = mapped_column(String(20))
    cap: Mapped[int] = mapped_column(BigInteger)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    first_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ComplianceRun(Base):
    """The surrender at the end of ``period``: verified use in, surrenders and breaches out."""

    __tablename__ = "trading_compliance_run"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[int] = mapped_column(Integer, index=True)
    rights: Mapped[list[str]] = mapped_column(JSON)
    verified_use: Mapped[dict[str, Any]] = mapped_column(JSON)
    breach_terms: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TradingTrade(Base):
    """A trade, written with the event that made it (the book keeps no trade history in memory)."""

    __tablename__ = "trading_trade"
    trade_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    event_seq: Mapped[int] = mapped_column(ForeignKey("trading_event.seq"), index=True)
    instrument: Mapped[str] = mapped_column(String(30), index=True)
    price_fen: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(BigInteger)
    buy_order: Mapped[int] = mapped_column(Integer)
    sell_order: Mapped[int] = mapped_column(Integer)
    buyer: Mapped[str] = mapped_column(String(40), index=True)
    seller: Mapped[str] = mapped_column(String(40), index=True)


class TradingSnapshot(Base):
    """The book's complete state after event ``seq`` (:meth:`regcoord.trading.OrderBook.snapshot`).

    A restart restores the newest snapshot and applies the events after it.  Derived data:
    it can be dropped at any time and is rewritten as the log grows.
    """

    __tablename__ = "trading_snapshot"
    seq: Mapped[int] = mapped_column(ForeignKey("trading_event.seq"), primary_key=True, autoincrement=False)
    payload: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class TradingMarket(Base):
    """The market rules of one instrument, set by an admin (market setup).

    ``rule_set`` (a dated rule set with daily price bands, e.g. ``china_carbon_market``) and
    ``trade_mode`` (``listed`` / ``block`` / ``one_way``) give the band around the previous
    close; ``reference_price_fen`` stands in for the previous close until the instrument
    has traded on an earlier trading day; ``floor_fen`` / ``ceiling_fen`` are a price
    collar.  Every order and replace placed through the service is checked against them.
    """

    __tablename__ = "trading_market"
    instrument: Mapped[str] = mapped_column(String(30), primary_key=True)
    rule_set: Mapped[str | None] = mapped_column(String(80), nullable=True)
    trade_mode: Mapped[str | None] = mapped_column(String(10), nullable=True)
    reference_price_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    floor_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    ceiling_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WaterTransferRecord(Base):
    """A water rights transfer recorded by the service (checked by :func:`regcoord.trading.check_water_transfer`).

    Kind (regional / intake-right / irrigation-user), method (public listing / negotiated),
    the parties and their regions, the annual volume (m3) over the term, the price (fen per
    m3) and whether the transfer must be filed; ``rule_set`` valid ``on`` the recording day.
    """

    __tablename__ = "trading_water_transfer"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    method: Mapped[str] = mapped_column(String(16))
    seller: Mapped[str] = mapped_column(String(80))
    buyer: Mapped[str] = mapped_column(String(80))
    seller_region: Mapped[str] = mapped_column(String(12), index=True)
    buyer_region: Mapped[str] = mapped_column(String(12), index=True)
    annual_volume_m3: Mapped[int] = mapped_column(BigInteger)
    term_years: Mapped[int] = mapped_column(Integer)
    start_year: Mapped[int] = mapped_column(Integer)
    price_fen_per_m3: Mapped[int] = mapped_column(BigInteger)
    value_fen: Mapped[int] = mapped_column(BigInteger)
    permit_expiry_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    seller_district: Mapped[str | None] = mapped_column(String(80), nullable=True)
    buyer_district: Mapped[str | None] = mapped_column(String(80), nullable=True)
    needs_filing: Mapped[bool] = mapped_column(Boolean)
    rule_set: Mapped[str] = mapped_column(String(80))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
