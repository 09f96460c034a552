"""Durability of the order book: SIGKILL the server mid-burst of orders, restart, compare.

The server runs as a real process (``regcoord serve``) on a free loopback port with a
SQLite file.  Twelve client threads place limit orders for two regions (acknowledged after the group
commit of the matching task's batch, on SQLite and PostgreSQL); the server is
killed with SIGKILL mid-burst and restarted on the same file.  The book the restarted
server rebuilt from its stored events must equal a book built independently, on the
client side, from the setup events and every *acknowledged* submission (the client's
own request with the order id and sequence number of its acknowledgement), plus the
submissions that were in flight at the kill and reached the log before it.
"""

from __future__ import annotations

import json
import random
import signal
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from tests.service.server_process import free_port, start_server

from regcoord import trading as tr
from regcoord.service import audit
from regcoord.service.db import make_engine, make_sessionmaker
from regcoord.service.db import models as m
from regcoord.service.db.trading_models import TradingEvent, TradingOrder

CO2 = tr.Instrument(tr.RightType.CO2E, 2025)


Request = tuple[str, str, int, int]  # holder, side, quantity, price


@pytest.mark.slow
@pytest.mark.parametrize(
    "db_url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_sigkill_mid_burst_book_rebuilt_from_acknowledged_orders(world: Any, tmp_path: Path) -> None:
    w = world
    for region in ("33", "34"):
        assert (
            w.post("admin", "/api/trading/deposits", {"holder": region, "amount_fen": 10**9}).status_code
            == 201
        )
    r = w.post(
        "admin",
        "/api/trading/allocations",
        {
            "instrument": CO2.code,
            "method": "per_capita",
            "cap": 100_000,
            "holders": ["33", "34"],
            "data": ["1", "1"],
        },
    )
    assert r.status_code == 201, r.text
    setup_seq = w.get("/api/trading/state").json()["seq"]
    w.app.state.engine.dispose()
    port = free_port()
    log = tmp_path / "server.log"
    proc = start_server(w.url, port, log)

    acked: list[tuple[int, int, Request]] = []  # (seq, order_id, request)
    pending: Counter[Request] = Counter()  # sent, not answered
    batches: list[int] = []  # size of the group commit that acknowledged each order
    lock = threading.Lock()
    stop = threading.Event()

    def burst(k: int) -> None:
        rng = random.Random(k)
        user, holder = ("off-33", "33") if k % 2 else ("off-34", "34")
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {w.tokens[user]}"}
        ) as c:
            while not stop.is_set():
                req: Request = (
                    holder,
                    rng.choice(("buy", "sell")),
                    rng.randint(1, 20),
                    rng.randint(4900, 5100),
                )
                body = {
                    "holder": req[0],
                    "instrument": CO2.code,
                    "side": req[1],
                    "quantity": req[2],
                    "price_fen": req[3],
                }
                with lock:
                    pending[req] += 1
                try:
                    resp = c.post("/api/trading/orders", json=body, timeout=10)
                except httpx.HTTPError:
                    return  # the server died: this order was never acknowledged
                with lock:
                    pending[req] -= 1
                    if resp.status_code == 201:
                        acked.append((resp.json()["seq"], resp.json()["order_id"], req))
                        batches.append(int(resp.headers["Commit-Batch"]))

    threads = [threading.Thread(target=burst, args=(k,)) for k in range(12)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(acked) < 80:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    stop.set()
    for t in threads:
        t.join()
    assert len(acked) >= 80, log.read_text()[-2000:]
    assert all(1 <= b <= 256 for b in batches)

    proc = start_server(w.url, port, log)  # restart on the same file: the book is replayed from the log
    try:
        rebuilt = httpx.get(f"http://127.0.0.1:{port}/api/trading/state", timeout=30).json()
        assert (
            httpx.get(f"http://127.0.0.1:{port}/api/audit/verify", timeout=30, headers=w.h("admin")).json()[
                "ok"
            ]
            is True
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)

    eng = make_engine(w.url)
    try:
        with make_sessionmaker(eng)() as s:
            stored = [
                tr.event_from_dict(json.loads(p))
                for p in s.scalars(sa.select(TradingEvent.payload).order_by(TradingEvent.seq))
            ]
            assert audit.verify(s).ok
            n_orders = s.scalar(sa.select(sa.func.count()).select_from(TradingOrder))
            n_audit = s.scalar(
                sa.select(sa.func.count())
                .select_from(m.AuditEvent)
                .where(m.AuditEvent.action == "trading.order")
            )
    finally:
        eng.dispose()
    assert [e.seq for e in stored] == list(range(1, len(stored) + 1))
    assert n_orders == n_audit == len(stored) - setup_seq  # every stored order has its row and audit event

    # independent reference: setup events, then every acknowledged submission as the client sent it
    mine = {seq: (oid, req) for seq, oid, req in acked}
    reference = tr.OrderBook.replay(stored[:setup_seq])
    for ev in stored[setup_seq:]:
        assert isinstance(ev, tr.SubmitOrder)
        if ev.seq in mine:
            oid, req = mine.pop(ev.seq)
            assert (ev.order_id, ev.holder, ev.side, ev.quantity, ev.price) == (oid, *req)
        else:  # committed just before the kill, never acknowledged: must be one of the requests in flight
            req = (ev.holder, ev.side, ev.quantity, ev.price or 0)
            assert pending[req] > 0, ev
            pending[req] -= 1
            oid = ev.order_id
        holder, side, qty, price = req
        assert reference.submit(holder, CO2, side, qty, price) == oid
    assert mine == {}  # no acknowledged order is missing from the log
    assert rebuilt == reference.state().to_dict()
    # conservation: rights and money neither created nor destroyed, no balance below zero
    assert reference.rights_total() == {"co2e": 100_000}
    assert reference.money_total() == 2 * 10**9
    assert reference.negative_balances() == 0
    assert reference.trade_count > 0
