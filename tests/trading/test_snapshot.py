"""Snapshots of the order book: snapshot at event k plus the events after k == replay of every event.

The reference is :meth:`OrderBook.replay` of the whole log (itself checked against the naive
book in ``test_replay.py``); the comparison covers the full observable state, the trades made
after the snapshot and the answers to further commands.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regcoord import trading as tr
from regcoord.errors import DataError

CO2 = tr.Instrument(tr.RightType.CO2E, 2025)
HOLDERS = ["110000", "120000", "130000", "310000"]


def _flow_book(n: int, seed: int) -> tr.OrderBook:
    flow = tr.random_order_flow(n, holders=HOLDERS, seed=seed)
    book = tr.OrderBook()
    tr.endow(book, flow)
    tr.run_flow(book, flow)
    return book


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**16), st.integers(1, 600), st.floats(0, 1))
def test_snapshot_plus_later_events_equals_full_replay(seed: int, n: int, cut: float) -> None:
    book = _flow_book(n, seed)
    events = book.events
    k = int(cut * len(events))
    head = tr.OrderBook.replay(events[:k])
    snap = json.loads(json.dumps(head.snapshot()))  # as stored: plain JSON text
    restored = tr.OrderBook.from_snapshot(snap)
    assert restored.state() == head.state()
    for ev in events[k:]:
        restored.apply(ev)
    assert restored.state() == book.state()
    assert restored.seq == book.seq and restored.trade_count == book.trade_count
    assert restored.trades(head.trade_count) == book.trades(head.trade_count)  # same trades after k
    assert restored.events == events[k:]  # only the events after the snapshot are held
    # the two books keep answering alike
    for b in (restored, book):
        b.deposit("110000", 1_000_000)
    inst = tr.DEFAULT_INSTRUMENTS[0]
    assert restored.submit("110000", inst, "buy", 3, 600) == book.submit("110000", inst, "buy", 3, 600)
    assert restored.state() == book.state()
    n0 = max(book.trade_count - 1, head.trade_count)  # the trades the restored book holds
    assert restored.trades(n0) == book.trades(n0)
    assert restored.trades() == book.trades(head.trade_count)  # older trades are not held


def test_snapshot_in_a_call_phase_and_after_surrender() -> None:
    book = tr.OrderBook()
    for h in ("a", "b"):
        book.deposit(h, 100_000)
        book.issue(h, CO2, 100)
    book.submit("a", CO2, "sell", 10, 500)
    book.submit("b", CO2, "buy", 4, 500)  # trade 4 at 500: last price 500
    book.surrender("a", CO2, 20, 2025)
    book.start_call(CO2)
    book.submit("a", CO2, "sell", 5, 480)
    book.submit("b", CO2, "buy", 7, 520)
    restored = tr.OrderBook.from_snapshot(book.snapshot())
    assert restored.state() == book.state()
    assert restored.state().call_phase == ("co2e:2025",)
    assert restored.retired(CO2) == 20
    assert restored.uncross(CO2) == book.uncross(CO2)
    assert restored.state() == book.state()
    assert restored.trades(book.trade_count - 1) == book.trades(book.trade_count - 1)


def test_forget_history_keeps_state_and_counters() -> None:
    book = _flow_book(400, 3)
    state, seq, n = book.state(), book.seq, book.trade_count
    book.forget_history()
    assert (book.state(), book.seq, book.trade_count) == (state, seq, n)
    assert book.events == [] and book.trades() == []
    with pytest.raises(DataError, match="no longer held"):
        book.events_since(seq - 1)
    book.deposit("110000", 5)
    assert [e.seq for e in book.events_since(seq)] == [seq + 1]


def test_malformed_snapshot_is_refused() -> None:
    with pytest.raises(DataError, match="version"):
        tr.OrderBook.from_snapshot({"version": 9})
    snap = tr.OrderBook().snapshot()
    del snap["accounts"]
    with pytest.raises(DataError, match="snapshot"):
        tr.OrderBook.from_snapshot(snap)
