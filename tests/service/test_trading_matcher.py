"""The matching task: group commit of queued commands, refusals inside a batch, fallback.

The reference is an independent :meth:`OrderBook.replay` of the stored log and a book built
on the test side from the commands that were answered with success.
"""

from __future__ import annotations

import json
from concurrent.futures import Future
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from regcoord import trading as tr
from regcoord.errors import ConflictError, DataError
from regcoord.service import audit
from regcoord.service.db import models as dbm
from regcoord.service.db.trading_models import TradingEvent, TradingOrder, TradingSnapshot
from regcoord.service.usecases import Ctx
from regcoord.service.usecases import trading as uc
from regcoord.service.usecases._context import region_tree, system_principal

CO2 = tr.Instrument(tr.RightType.CO2E, 2025)
NOW = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def _setup(sessions: Any) -> None:
    with sessions() as s:
        ctx = Ctx(s, system_principal(), NOW, region_tree())
        with uc.matching(ctx):
            uc.deposit(ctx, holder="33", amount_fen=100_000)
            uc.deposit(ctx, holder="34", amount_fen=100_000)
            uc.run_allocation(
                ctx, instrument=CO2.code, method="per_capita", cap=200, holders=["33", "34"], data=["1", "1"]
            )
            s.commit()


def _order(holder: str, side: str, qty: int, price: int) -> Any:
    def run(c: Ctx) -> dict[str, Any]:
        return uc.place_order(c, holder=holder, instrument=CO2.code, side=side, quantity=qty, price_fen=price)

    return run


def _log(sessions: Any) -> list[tr.Event]:
    with sessions() as s:
        rows = s.execute(sa.select(TradingEvent.seq, TradingEvent.payload).order_by(TradingEvent.seq)).all()
    assert [q for q, _ in rows] == list(range(1, len(rows) + 1))
    return [tr.event_from_dict(json.loads(p)) for _, p in rows]


def _queue_then_start(m: uc.Matcher, runs: list[Any], fast: bool) -> list[Any]:
    """Queue every command before the task starts, so that they form one batch."""
    futs = []
    for run in runs[:-1]:
        f: Future[Any] = Future()
        m.queue.put(uc._Job(run, system_principal(), NOW, f, fast))
        futs.append(f)
    futs.append(m.submit(runs[-1], system_principal(), NOW, fast=fast))
    return futs


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "savepoints"])
def test_one_batch_one_commit_refusals_answered_and_rolled_back(world: Any, fast: bool) -> None:
    sessions = world.app.state.sessions
    _setup(sessions)
    setup_seq = len(_log(sessions))  # 2 deposits + 2 issues = 4
    assert setup_seq == 4
    m = uc.Matcher(sessions)
    futs = _queue_then_start(
        m,
        [
            _order("33", "sell", 10, 500),  # rests
            _order("34", "buy", 1000, 500),  # 1000 * 500 = 500,000 fen > 100,000: refused
            _order("34", "buy", 4, 500),  # trades 4 at 500 with the resting sell
            _order("34", "sell", 0, 500),  # quantity 0: refused before the book
        ],
        fast,
    )
    out0, out2 = futs[0].result(timeout=30), futs[2].result(timeout=30)
    with pytest.raises(ConflictError):
        futs[1].result(timeout=30)
    with pytest.raises(DataError, match="quantity"):
        futs[3].result(timeout=30)
    assert (m.batches, m.commands) == (1, 4)  # the four commands, one transaction
    assert [f.batch_size for f in futs] == [4, 4, 4, 4]
    assert out0["resting"] is True and out2["filled"] == 4
    log = _log(sessions)
    assert [e.seq for e in log[setup_seq:]] == [out0["seq"], out2["seq"]]  # refusals left no event
    reference = tr.OrderBook.replay(log[:setup_seq])
    reference.submit("33", CO2, "sell", 10, 500)
    reference.submit("34", CO2, "buy", 4, 500)
    assert tr.OrderBook.replay(log).state() == reference.state()
    with sessions() as s:
        ctx = Ctx(s, system_principal(), NOW, region_tree())
        assert uc.book_state(ctx) == reference.state()  # the service's own book
        assert s.scalar(sa.select(sa.func.count()).select_from(TradingOrder)) == 2
        assert audit.verify(s).ok
        n_audit = s.scalar(
            sa.select(sa.func.count())
            .select_from(dbm.AuditEvent)
            .where(dbm.AuditEvent.action == "trading.order")
        )
        assert n_audit == 2  # the refused orders left no audit event
    # 34 paid 4 * 500 = 2,000 fen to 33
    money = {a.holder: a.money for a in reference.state().accounts}
    assert money == {"33": 102_000, "34": 98_000}


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "savepoints"])
def test_failure_after_the_book_changed_reruns_the_batch_one_by_one(world: Any, fast: bool) -> None:
    sessions = world.app.state.sessions
    _setup(sessions)
    m = uc.Matcher(sessions)

    def broken(c: Ctx) -> dict[str, Any]:
        _order("33", "sell", 3, 700)(c)  # the book changes ...
        raise RuntimeError("disk full")  # ... and the command fails before its commit

    futs = _queue_then_start(m, [_order("33", "sell", 5, 600), broken, _order("34", "buy", 5, 600)], fast)
    assert futs[0].result(timeout=30)["resting"] is True
    with pytest.raises(RuntimeError, match="disk full"):
        futs[1].result(timeout=30)
    assert futs[2].result(timeout=30)["filled"] == 5
    assert [f.batch_size for f in (futs[0], futs[2])] == [1, 1]  # re-run alone after the failed batch
    log = _log(sessions)
    reference = tr.OrderBook.replay(log[:4])
    reference.submit("33", CO2, "sell", 5, 600)
    reference.submit("34", CO2, "buy", 5, 600)
    assert tr.OrderBook.replay(log).state() == reference.state()  # the broken order left nothing
    with sessions() as s:
        assert uc.book_state(Ctx(s, system_principal(), NOW, region_tree())) == reference.state()


def test_restart_from_snapshot_plus_later_events_and_no_history_in_memory(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(uc, "SNAPSHOT_EVERY", 5)
    sessions = world.app.state.sessions
    _setup(sessions)  # 4 events
    m = uc.Matcher(sessions)
    orders = [_order("33", "sell", 2, 500 + i) for i in range(6)] + [_order("34", "buy", 3, 510)]
    for run in orders:  # one batch each: a snapshot is due every 5 events
        m.submit(run, system_principal(), NOW, fast=True).result(timeout=30)
    log = _log(sessions)
    full = tr.OrderBook.replay(log)
    with sessions() as s:
        snaps = s.execute(sa.select(TradingSnapshot.seq, TradingSnapshot.payload)).all()
        ex = uc.exchange(s)
        assert ex.book is not None
        assert ex.book.events == [] and ex.book.trades() == []  # nothing of the history in memory
        rctx = Ctx(s, system_principal(), NOW, region_tree())
        stored_trades = uc.trades(rctx)
        assert uc.recent_trades(rctx, limit=1) == stored_trades[-1:]  # newest first, for the pages
        assert uc.recent_trades(rctx, holder="34") == stored_trades[::-1]
        assert uc.trades(rctx, after=1) == stored_trades[1:]  # keyset page after trade 1
    assert sorted(seq for seq, _ in snaps) == [5, 10]  # 5 events since the last one (none: 0)
    for seq, payload in snaps:
        assert (
            tr.OrderBook.from_snapshot(json.loads(payload)).state() == tr.OrderBook.replay(log[:seq]).state()
        )
    # the buy of 3 at 510 takes 2 at 500 and 1 at 501 (price-time priority, hand reading)
    assert [(t["price_fen"], t["quantity"]) for t in stored_trades] == [(500, 2), (501, 1)]
    assert stored_trades == [t.to_dict() for t in full.trades()]
    # restart: a new process has no book; it restores snapshot 10 and applies event 11
    with sessions() as s:
        uc.exchange(s).book = None
        uc.exchange(s).snapshot_seq = 0
        ctx = Ctx(s, system_principal(), NOW, region_tree())
        assert uc.book_state(ctx) == full.state()
        assert uc.exchange(s).snapshot_seq == 10
    # and keeps matching exactly after the restart
    out = m.submit(_order("34", "buy", 1, 501), system_principal(), NOW, fast=True).result(timeout=30)
    assert out["filled"] == 1
    full.submit("34", CO2, "buy", 1, 501)
    with sessions() as s:
        assert uc.book_state(Ctx(s, system_principal(), NOW, region_tree())) == full.state()
    assert tr.OrderBook.replay(_log(sessions)).state() == full.state()


def test_a_request_cancelled_before_its_turn_is_not_run(world: Any) -> None:
    sessions = world.app.state.sessions
    _setup(sessions)
    m = uc.Matcher(sessions)
    gone: Future[Any] = Future()
    m.queue.put(uc._Job(_order("33", "sell", 7, 700), system_principal(), NOW, gone, True))
    assert gone.cancel()  # the client disconnected while its order waited
    kept = m.submit(_order("33", "sell", 3, 650), system_principal(), NOW, fast=True)
    assert kept.result(timeout=30)["quantity"] == 3
    assert gone.cancelled()
    log = _log(sessions)
    assert len(log) == 5 and isinstance(log[-1], tr.SubmitOrder) and log[-1].quantity == 3
