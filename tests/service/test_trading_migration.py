"""Migration 0008 backfills ``trading_trade`` from an existing log (trades replayed from the events)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from regcoord import trading as tr
from regcoord.service import migrate
from regcoord.service.audit import canonical_json

CO2 = tr.Instrument(tr.RightType.CO2E, 2025)


def test_0008_backfills_the_trades_of_the_stored_log(db_url: str) -> None:
    book = tr.OrderBook()
    for h in ("33", "34"):
        book.deposit(h, 100_000)
        book.issue(h, CO2, 50)
    book.submit("33", CO2, "sell", 10, 500)
    book.submit("33", CO2, "sell", 10, 520)
    book.submit("34", CO2, "buy", 15, 530)  # 10 at 500 and 5 at 520 (price priority)
    migrate.downgrade(db_url, "0002")
    engine = sa.create_engine(db_url)
    try:
        with engine.begin() as c:
            for ev in book.events:
                d = ev.to_dict()
                c.execute(
                    sa.text("INSERT INTO trading_event (seq, type, payload, at) VALUES (:s, :t, :p, :a)"),
                    {
                        "s": ev.seq,
                        "t": d["type"],
                        "p": canonical_json(d),
                        "a": datetime(2026, 1, 5, tzinfo=UTC),
                    },
                )
        migrate.upgrade(db_url)
        with engine.connect() as c:
            rows = c.execute(
                sa.text(
                    "SELECT trade_id, event_seq, price_fen, quantity, buyer, seller FROM trading_trade ORDER BY 1"
                )
            ).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in rows] == [(1, 7, 500, 10, "34", "33"), (2, 7, 520, 5, "34", "33")]
    assert [(t.trade_id, t.event_seq, t.price, t.quantity) for t in book.trades()] == [
        (r[0], r[1], r[2], r[3]) for r in rows
    ]
