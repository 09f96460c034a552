"""Event sourcing: the log rebuilds the exact book, also after a JSON round trip."""

from __future__ import annotations

import json

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings

from regcoord.errors import ConflictError, DataError
from regcoord.trading import (
    DEFAULT_INSTRUMENTS,
    CancelOrder,
    FlowSpec,
    OrderBook,
    SubmitOrder,
    endow,
    event_from_dict,
    random_order_flow,
    run_flow,
)

HOLDERS = ["110000", "120000", "310000", "440000", "510000"]


def _live(n: int, seed: int, spec: FlowSpec | None = None) -> OrderBook:
    flow = random_order_flow(n, holders=HOLDERS, seed=seed, spec=spec)
    book = OrderBook()
    endow(book, flow)
    run_flow(book, flow)
    return book


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 400), tight=st.booleans())
def test_random_streams_replay_to_the_live_state(seed: int, n: int, tight: bool) -> None:
    # "tight" endowments make many orders bounce on the reservation checks
    spec = FlowSpec(money_per_holder=50_000, units_per_holder=60, spread_ticks=5) if tight else None
    book = _live(n, seed, spec)
    again = OrderBook.replay(book.events)
    assert again.state() == book.state()
    assert again.trades() == book.trades()


def test_json_round_trip_replays_with_call_auctions() -> None:
    book = _live(3000, 7)
    inst = DEFAULT_INSTRUMENTS[0]
    book.start_call(inst)
    book.submit("110000", inst, "buy", 40, 5_030)
    book.submit("120000", inst, "sell", 30, 4_990)
    book.uncross(inst)
    book.surrender("310000", inst, 5, 2025)
    stored = json.dumps([e.to_dict() for e in book.events])
    events = [event_from_dict(d) for d in json.loads(stored)]
    assert events == book.events
    assert OrderBook.replay(events).state() == book.state()


def test_incremental_persistence_and_resume() -> None:
    book = _live(1500, 3)
    half = book.seq // 2
    resumed = OrderBook.replay(book.events[:half])
    for event in book.events_since(half):
        resumed.apply(event)
    assert resumed.state() == book.state()


def test_inconsistent_logs_are_refused() -> None:
    book = _live(50, 1)
    events = book.events
    with pytest.raises(DataError, match="out of order"):
        OrderBook.replay(events[1:])
    # an order id that does not follow from the log
    sub = next(e for e in events if isinstance(e, SubmitOrder))
    forged = [*events[: sub.seq - 1], event_from_dict({**sub.to_dict(), "order_id": 999})]
    with pytest.raises(ConflictError, match="order id 999"):
        OrderBook.replay(forged)
    with pytest.raises(DataError, match="unknown event type"):
        event_from_dict({"type": "teleport", "seq": 1})
    assert event_from_dict(CancelOrder(4, 2).to_dict()) == CancelOrder(4, 2)
