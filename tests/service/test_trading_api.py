"""Rights trading through the service API, on SQLite and PostgreSQL.

Reference values are hand calculations written out in each test; the book the service
keeps is compared with an independent :meth:`OrderBook.replay` of the stored events.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from regcoord import trading as tr
from regcoord.service import audit
from regcoord.service.app import create_app
from regcoord.service.config import Settings
from regcoord.service.db import models as m
from regcoord.service.db.trading_models import TradingEvent, TradingOrder
from regcoord.service.usecases import Ctx
from regcoord.service.usecases import trading as uc
from regcoord.service.usecases._context import region_tree, system_principal

CO2 = "co2e:2025"


def _setup(w: Any) -> None:
    """33 and 34 get 1,000,000 fen each; rev-cn allocates 1000 co2e:2025 by grandfathering 3:1."""
    for region in ("33", "34"):
        r = w.post("admin", "/api/trading/deposits", {"holder": region, "amount_fen": 1_000_000})
        assert r.status_code == 201, r.text
    r = w.post(
        "rev-cn",
        "/api/trading/allocations",
        {
            "instrument": CO2,
            "method": "grandfathering",
            "cap": 1000,
            "holders": ["33", "34"],
            "data": ["3", "1"],
        },
    )
    assert r.status_code == 201, r.text
    # 1000 * 3/4 = 750 and 1000 * 1/4 = 250, exact shares (no remainder to apportion)
    assert r.json()["result"]["units"] == [750, 250]


def _stored_book(w: Any) -> tr.OrderBook:
    with w.session() as s:
        rows = s.execute(sa.select(TradingEvent.seq, TradingEvent.payload).order_by(TradingEvent.seq)).all()
    assert [seq for seq, _ in rows] == list(range(1, len(rows) + 1))  # no gap in the log
    return tr.OrderBook.replay(tr.event_from_dict(json.loads(p)) for _, p in rows)


def test_order_matching_settles_rights_and_money(world: Any) -> None:
    w = world
    _setup(w)
    r = w.post(
        "off-34",
        "/api/trading/orders",
        {"holder": "34", "instrument": CO2, "side": "sell", "quantity": 100, "price_fen": 5000},
    )
    assert r.status_code == 201, r.text
    sell = r.json()
    assert sell["resting"] is True and sell["trades"] == []
    r = w.post(
        "off-33",
        "/api/trading/orders",
        {"holder": "33", "instrument": CO2, "side": "buy", "quantity": 40, "price_fen": 5100},
    )
    assert r.status_code == 201, r.text
    buy = r.json()
    # the buy crosses the resting ask: 40 units at the resting price 5000 fen
    assert [(t["price_fen"], t["quantity"], t["buyer"], t["seller"]) for t in buy["trades"]] == [
        (5000, 40, "33", "34")
    ]
    assert buy["resting"] is False and buy["filled"] == 40

    depth = w.get(f"/api/trading/depth/{CO2}").json()
    assert depth["asks"] == [{"price_fen": 5000, "quantity": 60, "orders": 1}]
    assert depth["bids"] == [] and depth["last_price_fen"] == 5000
    accts = {a["holder"]: a for a in w.get("/api/trading/accounts").json()}
    # 33 paid 40 * 5000 = 200,000 fen; 34 received it; rights moved 40 units
    assert accts["33"]["money_fen"] == 1_000_000 - 200_000
    assert accts["34"]["money_fen"] == 1_000_000 + 200_000
    assert accts["33"]["rights"] == {CO2: 790}
    assert accts["34"]["rights"] == {CO2: 210} and accts["34"]["rights_reserved"] == {CO2: 60}
    assert sum(a["money_fen"] for a in accts.values()) == 2_000_000
    assert sum(a["rights"][CO2] for a in accts.values()) == 1000

    r = w.post("off-34", f"/api/trading/orders/{sell['order_id']}/cancel")
    assert r.status_code == 200, r.text
    assert w.get(f"/api/trading/depth/{CO2}").json()["asks"] == []
    assert w.get("/api/trading/accounts/34").json()["rights_reserved"] == {}
    hist = w.get("/api/trading/trades?holder=33").json()
    assert [(t["trade_id"], t["quantity"]) for t in hist] == [(1, 40)]
    mine = w.get("/api/trading/accounts/34/orders").json()
    assert [(o["order_id"], o["resting"]) for o in mine] == [(sell["order_id"], False)]

    # the service's book equals an independent replay of the stored log
    assert w.get("/api/trading/state").json() == _stored_book(w).state().to_dict()
    with w.session() as s:
        assert audit.verify(s).ok
        actions = list(s.scalars(sa.select(m.AuditEvent.action).where(m.AuditEvent.action.like("trading.%"))))
    assert actions == [
        "trading.deposit",
        "trading.deposit",
        "trading.allocate",
        "trading.order",
        "trading.order",
        "trading.cancel",
    ]


def test_officer_trades_only_for_own_region(world: Any) -> None:
    w = world
    _setup(w)
    order = {"holder": "34", "instrument": CO2, "side": "sell", "quantity": 10, "price_fen": 5000}
    with w.session() as s:
        n0 = s.scalar(sa.select(sa.func.count()).select_from(TradingEvent))
        head0 = audit.checkpoint(s)["seq"]
    for user in ("off-33", "off-11", "admin", "rev-cn", "ent-33", "pub"):
        r = w.post(user, "/api/trading/orders", order)
        assert r.status_code == 403, (user, r.text)
    r = w.client.post(
        "/api/trading/orders", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 401  # anonymous: refused before the body is read
    assert w.post("off-33", "/api/trading/deposits", {"holder": "33", "amount_fen": 5}).status_code == 403
    r = w.post(
        "off-33",
        "/api/trading/allocations",
        {"instrument": CO2, "method": "per_capita", "cap": 10, "holders": ["33"], "data": ["1"]},
    )
    assert r.status_code == 403
    r = w.post("off-34", "/api/trading/orders", order)
    assert r.status_code == 201
    oid = r.json()["order_id"]
    assert w.post("off-33", f"/api/trading/orders/{oid}/cancel").status_code == 403
    assert w.post("off-33", f"/api/trading/orders/{oid}/replace", {"price_fen": 1}).status_code == 403
    assert w.post("off-34", "/api/trading/orders/999999/cancel").status_code == 404
    with w.session() as s:  # the refused calls wrote nothing: one event and one audit event more
        assert s.scalar(sa.select(sa.func.count()).select_from(TradingEvent)) == n0 + 1
        assert audit.checkpoint(s)["seq"] == head0 + 1
    # bad input is a 422 naming the field, never a 500
    r = w.post("off-34", "/api/trading/orders", {**order, "instrument": "co2e"})
    assert r.status_code == 422
    r = w.post("off-34", "/api/trading/orders", {**order, "quantity": 10_000})
    assert r.status_code == 409  # 250 units held: the sell cannot be covered
    r = w.post("off-34", "/api/trading/orders", {**order, "holder": "zz"})
    assert r.status_code == 422  # not a region of the tree
    r = w.post("admin", "/api/trading/deposits", {"holder": "zz", "amount_fen": 5})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "holder"]


def test_idempotency_key_replays_and_rejects_other_body(world: Any) -> None:
    w = world
    _setup(w)
    order = {"holder": "33", "instrument": CO2, "side": "buy", "quantity": 5, "price_fen": 4000}
    h = {"Idempotency-Key": "order-1"}
    r1 = w.post("off-33", "/api/trading/orders", order, headers=h)
    r2 = w.post("off-33", "/api/trading/orders", order, headers=h)
    assert r1.status_code == r2.status_code == 201
    assert r2.json() == r1.json() and r2.headers.get("Idempotent-Replayed") == "true"
    r3 = w.post("off-33", "/api/trading/orders", {**order, "quantity": 6}, headers=h)
    assert r3.status_code == 422
    with w.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(TradingOrder)) == 1
    assert w.get(f"/api/trading/depth/{CO2}").json()["bids"] == [
        {"price_fen": 4000, "quantity": 5, "orders": 1}
    ]


def test_compliance_shortfall_becomes_breach_and_credit_event(world: Any) -> None:
    w = world
    _setup(w)
    w.post(
        "admin",
        "/api/trading/allocations",
        {"instrument": "co2e:2024", "method": "per_capita", "cap": 100, "holders": ["33"], "data": ["1"]},
    )
    # 33 holds 100 of vintage 2024 and 750 of 2025; it sells 20 of 2025 (reserved, not surrenderable)
    assert (
        w.post(
            "off-33",
            "/api/trading/orders",
            {"holder": "33", "instrument": CO2, "side": "sell", "quantity": 20, "price_fen": 9000},
        ).status_code
        == 201
    )
    assert w.get("/api/credit/33").json()["score"] == 100
    body = {"period": 2025, "verified_use": {"33": {"co2e": 900}, "34": {"co2e": 200}}, "credit_penalty": 5}
    r = w.post("rev-cn", "/api/trading/compliance", body)
    assert r.status_code == 201, r.text
    res = r.json()["result"]
    # 33: available 100 (2024, surrendered first) + 730 (2025) = 830 < 900 -> shortfall 70
    # 34: 250 available >= 200 -> compliant
    assert [(s["holder"], s["instrument"], s["units"]) for s in res["surrendered"]] == [
        ("33", "co2e:2024", 100),
        ("33", CO2, 730),
        ("34", CO2, 200),
    ]
    assert res["breaches"] == [
        {"holder": "33", "right": "co2e", "period": 2025, "shortfall": 70, "unit": "tCO2e"}
    ]
    credit = w.get("/api/credit/33").json()
    assert credit["score"] == 95 and credit["events"][-1]["ref"].startswith("trading-compliance:")
    assert w.get("/api/credit/34").json()["score"] == 100
    status = w.get("/api/trading/compliance/2025").json()
    assert status["settled_rights"] == ["co2e"] and len(status["breaches"]) == 1
    assert w.get("/api/trading/accounts/33").json()["rights"] == {CO2: 20}
    assert w.get("/api/trading/state").json()["retired"] == {"co2e:2024": 100, CO2: 930}
    assert w.post("rev-cn", "/api/trading/compliance", body).status_code == 409  # settled once
    assert w.post("off-33", "/api/trading/compliance", {**body, "period": 2026}).status_code == 403


def test_book_rebuilt_after_restart_and_after_failed_commit(world: Any) -> None:
    w = world
    _setup(w)
    for k in range(6):
        side, user, holder = ("sell", "off-34", "34") if k % 2 else ("buy", "off-33", "33")
        r = w.post(
            user,
            "/api/trading/orders",
            {
                "holder": holder,
                "instrument": CO2,
                "side": side,
                "quantity": 7 + k,
                "price_fen": 5000 + 10 * k,
            },
        )
        assert r.status_code == 201, r.text
    before = w.get("/api/trading/state").json()
    # a fresh application on the same database (a restarted process) rebuilds the same book
    app2 = create_app(Settings(database_url=w.url, secret_key="s" * 32), clock=w.clock)
    try:
        with app2.state.sessions() as s:
            ctx = Ctx(s, system_principal(), w.clock.now, region_tree())
            assert uc.book_state(ctx).to_dict() == before
            # a command whose transaction is rolled back leaves no trace in the book
            with uc.matching(ctx):
                uc.deposit(ctx, holder="33", amount_fen=123)
                assert uc.book_state(ctx).seq == before["seq"] + 1
                s.rollback()
            assert uc.book_state(ctx).to_dict() == before
            with uc.matching(ctx):
                uc.deposit(ctx, holder="33", amount_fen=123)
                s.commit()
            assert uc.book_state(ctx).seq == before["seq"] + 1
    finally:
        app2.state.engine.dispose()
    # the first application catches up with the event the other one committed
    after = w.get("/api/trading/state").json()
    assert after["seq"] == before["seq"] + 1 and after == _stored_book(w).state().to_dict()
