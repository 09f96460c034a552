"""Rights trading through the service API, on SQLite and PostgreSQL.

Reference values are hand calculations written out in each test; the book the service
keeps is compared with an independent :meth:`OrderBook.replay` of the stored events.
"""

from __future__ import annotations

import json
import threading
import warnings
from typing import Any

import sqlalchemy as sa

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette: "install httpx2" deprecation notice
    from fastapi.testclient import TestClient

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

    # replace: same price, smaller open quantity 60 -> 25 keeps the order and frees 35 units
    r = w.post("off-34", f"/api/trading/orders/{sell['order_id']}/replace", {"quantity": 25})
    assert r.status_code == 200 and r.json()["resting"] is True, r.text
    assert w.get(f"/api/trading/depth/{CO2}").json()["asks"] == [
        {"price_fen": 5000, "quantity": 25, "orders": 1}
    ]
    assert w.get("/api/trading/accounts/34").json()["rights_reserved"] == {CO2: 25}
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
        "trading.replace",
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
    with w.session() as s:  # the refused calls changed nothing: one book event more
        assert s.scalar(sa.select(sa.func.count()).select_from(TradingEvent)) == n0 + 1
        new = list(s.scalars(sa.select(m.AuditEvent.action).where(m.AuditEvent.seq > head0)))
    # the service audits each of the 10 denials (in its own transaction) and the one order
    assert sorted(new) == ["authz.denied"] * 10 + ["trading.order"]
    # bad input is a 422 naming the field, never a 500
    r = w.post("off-34", "/api/trading/orders", {**order, "instrument": "co2e"})
    assert r.status_code == 422
    r = w.post("off-34", "/api/trading/orders", {**order, "quantity": 10_000})
    assert r.status_code == 409  # 250 units held: the sell cannot be covered
    r = w.post("off-34", "/api/trading/orders", {**order, "holder": "zz"})
    assert r.status_code == 403  # an officer trades for no other account, known or not
    r = w.post("admin", "/api/trading/deposits", {"holder": "zz", "amount_fen": 5})
    assert r.status_code == 404  # no such region, so no such account


def test_unknown_account_is_404(world: Any) -> None:
    """An account that does not exist is a 404 (schemathesis once got a 422 here), never a 422/500."""
    w = world
    _setup(w)
    for user in (None, "off-33"):  # the registry is public: the same answer with or without login
        assert w.get("/api/trading/accounts/33", user).status_code == 200
        r = w.get("/api/trading/accounts/zz", user)  # not a region at all
        assert r.status_code == 404 and "zz" in r.json()["detail"]
        r = w.get("/api/trading/accounts/11", user)  # a region (Beijing) that never opened an account
        assert r.status_code == 404 and "no trading account" in r.json()["detail"]
        assert w.get("/api/trading/accounts/zz/orders", user).status_code == 404
        assert w.get("/api/trading/accounts/11/orders", user).json() == []  # a region: no orders yet


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


def test_two_workers_on_one_database_stay_exact(world: Any) -> None:
    """Two applications (two workers, each with its own in-memory book) on one database.

    Each command first catches up with the log under the database's trading lock
    (PostgreSQL advisory lock / SQLite BEGIN IMMEDIATE), so orders sent concurrently to
    both workers interleave into one gap-free log, and both books equal its replay.
    """
    w = world
    _setup(w)
    app2 = create_app(Settings(database_url=w.url, secret_key="s" * 32), clock=w.clock)
    errors: list[str] = []
    try:
        with TestClient(app2) as c2:

            def burst(client: Any, user: str, holder: str, side: str) -> None:
                for k in range(15):
                    body = {
                        "holder": holder,
                        "instrument": CO2,
                        "side": side,
                        "quantity": 1 + k % 4,
                        "price_fen": 4990 + k,
                    }
                    r = client.post("/api/trading/orders", json=body, headers=w.h(user))
                    if r.status_code != 201:
                        errors.append(r.text)

            threads = [
                threading.Thread(target=burst, args=(w.client, "off-33", "33", "buy")),
                threading.Thread(target=burst, args=(c2, "off-34", "34", "sell")),
                threading.Thread(target=burst, args=(c2, "off-33", "33", "sell")),
                threading.Thread(target=burst, args=(w.client, "off-34", "34", "buy")),
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert errors == []
            reference = _stored_book(w).state().to_dict()
            assert reference["seq"] == 4 + 60  # 2 deposits, 2 issues, 60 orders
            assert reference["trade_count"] > 0
            assert w.get("/api/trading/state").json() == reference
            assert c2.get("/api/trading/state").json() == reference
    finally:
        app2.state.engine.dispose()


def test_allocation_methods_issue_hand_computed_units(world: Any) -> None:
    w = world
    # benchmarking: demand 100 * 0.5 = 50 and 300 * 0.5 = 150, total 200 <= cap 1000: issued as is
    r = w.post(
        "rev-cn",
        "/api/trading/allocations",
        {
            "instrument": "energy:2025",
            "method": "benchmarking",
            "cap": 1000,
            "holders": ["33", "34"],
            "data": ["100", "300"],
            "benchmark_intensity": "0.5",
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["result"]["units"] == [50, 150] and r.json()["result"]["unallocated"] == 800
    # auction, reserve 4500 fen: 34's bid at 4000 is rejected; 33 gets its 60 units at its own
    # price 5000 (the lowest accepted bid), pays 60 * 5000 = 300,000 fen; 40 units stay unallocated
    r = w.post(
        "admin",
        "/api/trading/allocations",
        {
            "instrument": "water:2025",
            "method": "auction",
            "cap": 100,
            "bids": [
                {"bidder": "33", "quantity": 60, "price_fen": 5000},
                {"bidder": "34", "quantity": 60, "price_fen": 4000},
            ],
            "reserve_price_fen": 4500,
        },
    )
    assert r.status_code == 201, r.text
    res = r.json()["result"]
    assert (res["holders"], res["units"], res["clearing_price_fen"], res["payments_fen"]) == (
        ["33", "34"],
        [60, 0],
        5000,
        [300_000, 0],
    )
    accts = {a["holder"]: a["rights"] for a in w.get("/api/trading/accounts").json()}
    assert accts == {"33": {"energy:2025": 50, "water:2025": 60}, "34": {"energy:2025": 150}}
    runs = w.get("/api/trading/allocations").json()
    assert [(x["method"], x["first_seq"], x["last_seq"]) for x in runs] == [
        ("auction", 3, 3),
        ("benchmarking", 1, 2),
    ]
    r = w.post(
        "rev-cn",
        "/api/trading/allocations",
        {"instrument": "cod:2025", "method": "benchmarking", "cap": 5, "holders": ["33"], "data": ["1"]},
    )
    assert r.status_code == 422  # benchmarking without an intensity


def test_event_log_is_append_only(world: Any) -> None:
    w = world
    _setup(w)
    with w.session() as s:
        for stmt in (
            "UPDATE trading_event SET payload = '{}' WHERE seq = 1",
            "DELETE FROM trading_event WHERE seq = 1",
        ):
            try:
                s.execute(sa.text(stmt))
                s.commit()
            except sa.exc.DBAPIError as exc:
                s.rollback()
                # the trigger (SQLite, an owner) or the missing privilege (the service's role)
                assert "append-only" in str(exc) or "permission denied" in str(exc)
            else:
                raise AssertionError(f"{stmt} was not refused")
    assert w.get("/api/trading/state").json() == _stored_book(w).state().to_dict()


def test_call_auction_uncrosses_at_one_price(world: Any) -> None:
    w = world
    _setup(w)
    assert w.post("off-33", "/api/trading/call/start", {"instrument": CO2}).status_code == 403
    assert w.post("admin", "/api/trading/call/start", {"instrument": CO2}).status_code == 200
    sell = {"holder": "34", "instrument": CO2, "side": "sell", "quantity": 10, "price_fen": 5000}
    buy = {"holder": "33", "instrument": CO2, "side": "buy", "quantity": 10, "price_fen": 5200}
    assert w.post("off-34", "/api/trading/orders", sell).json()["trades"] == []
    assert w.post("off-33", "/api/trading/orders", buy).json()["trades"] == []  # no matching in a call
    market = {
        "holder": "33",
        "instrument": CO2,
        "side": "buy",
        "kind": "market",
        "quantity": 1,
        "budget_fen": 9000,
    }
    assert w.post("off-33", "/api/trading/orders", market).status_code == 409
    assert w.get(f"/api/trading/depth/{CO2}").json()["call_phase"] is True
    r = w.post("admin", "/api/trading/call/uncross", {"instrument": CO2})
    assert r.status_code == 200, r.text
    out = r.json()
    # D(p) = S(p) = 10 at both order prices 5000 and 5200 (volume 10, imbalance 0, no surplus,
    # no reference price): the lower median of {5000, 5200} is 5000
    assert (out["price_fen"], out["volume"], out["rule"]) == (5000, 10, "lower median")
    assert [(t["price_fen"], t["quantity"]) for t in out["trades"]] == [(5000, 10)]
    accts = {a["holder"]: a for a in w.get("/api/trading/accounts").json()}
    assert accts["33"]["money_fen"] == 1_000_000 - 50_000 and accts["33"]["money_reserved_fen"] == 0
    assert w.get("/api/trading/state").json() == _stored_book(w).state().to_dict()
