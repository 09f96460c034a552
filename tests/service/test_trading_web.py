"""The rights-trading pages: render in both languages, place and cancel through forms, CSRF, 401."""

from __future__ import annotations

import re
from typing import Any

from regcoord.service.web.trading import LABELS

CO2 = "co2e:2025"


def _setup(w: Any) -> None:
    for region in ("33", "34"):
        assert (
            w.post("admin", "/api/trading/deposits", {"holder": region, "amount_fen": 1_000_000}).status_code
            == 201
        )
    r = w.post(
        "admin",
        "/api/trading/allocations",
        {"instrument": CO2, "method": "per_capita", "cap": 200, "holders": ["33", "34"], "data": ["1", "1"]},
    )
    assert r.status_code == 201, r.text


def _csrf(page: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert m is not None
    return m.group(1)


def _login(w: Any, user: str) -> str:
    token = _csrf(w.client.get("/login").text)
    r = w.client.post(
        "/login",
        data={"username": user, "password": "test-password-1", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return _csrf(w.client.get("/trading").text)


def test_labels_exist_in_both_languages() -> None:
    assert all(en.strip() and zh.strip() and en != zh for en, zh in LABELS.values())


def test_pages_render_in_english_and_chinese(world: Any) -> None:
    w = world
    _setup(w)
    w.post(
        "off-34",
        "/api/trading/orders",
        {"holder": "34", "instrument": CO2, "side": "sell", "quantity": 10, "price_fen": 5000},
    )
    w.post(
        "off-33",
        "/api/trading/orders",
        {"holder": "33", "instrument": CO2, "side": "buy", "quantity": 4, "price_fen": 5000},
    )
    for path in (
        "/trading",
        f"/trading/book/{CO2}",
        "/trading/accounts/33",
        "/trading/allocations",
        "/trading/compliance?period=2025",
    ):
        en = w.client.get(path + ("&" if "?" in path else "?") + "lang=en")
        assert en.status_code == 200, (path, en.text[-500:])
        zh = w.client.get(path + ("&" if "?" in path else "?") + "lang=zh")
        assert zh.status_code == 200
        assert LABELS["nav"][0] in en.text and LABELS["nav"][1] in zh.text
    book = w.client.get(f"/trading/book/{CO2}?lang=en").text
    # the ask of 10 at 50.00 yuan lost 4 units to the buy: 6 remain; last price 50.00 yuan
    assert re.search(r'<table id="asks">.*?50\.00</td><td class="num">6</td>', book, re.S)
    assert '<b id="last-price">50.00</b>' in book
    assert "碳排放权 2025" in w.client.get("/trading?lang=zh").text
    assert w.client.get("/trading/accounts/zz").status_code == 404
    assert w.client.get("/trading/book/nonsense").status_code == 422


def test_officer_places_and_cancels_through_forms(world: Any) -> None:
    w = world
    _setup(w)
    token = _login(w, "off-33")
    order = {
        "instrument": CO2,
        "holder": "33",
        "side": "sell",
        "kind": "limit",
        "quantity": "7",
        "price_fen": "6100",
    }
    r = w.client.post("/trading/orders", data={**order, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/trading/book/{CO2}?done=order"
    depth = w.get(f"/api/trading/depth/{CO2}").json()
    assert depth["asks"] == [{"price_fen": 6100, "quantity": 7, "orders": 1}]
    # without the CSRF token: refused, nothing placed
    assert w.client.post("/trading/orders", data=order, follow_redirects=False).status_code == 403
    # for another region's account: the page says why, with 403
    r = w.client.post(
        "/trading/orders", data={**order, "holder": "34", "csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 403 and 'id="error-text"' in r.text
    assert w.get(f"/api/trading/depth/{CO2}").json()["asks"][0]["quantity"] == 7
    oid = w.get("/api/trading/accounts/33").json()["orders"][0]["order_id"]
    r = w.client.post(f"/trading/orders/{oid}/cancel", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert w.get(f"/api/trading/depth/{CO2}").json()["asks"] == []
    page = w.client.get("/trading/accounts/33?lang=en&done=cancelled").text
    assert LABELS["done.cancelled"][0] in page


def test_anonymous_form_post_is_401(world: Any) -> None:
    w = world
    r = w.client.post("/trading/orders", data={"holder": "33"}, follow_redirects=False)
    assert r.status_code == 401
    assert w.client.post("/trading/orders/1/cancel", follow_redirects=False).status_code == 401
