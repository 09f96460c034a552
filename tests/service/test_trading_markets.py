"""Market rules of an instrument enforced on orders placed through the service (SQLite, PostgreSQL).

China's national carbon market: listed agreement trades within ±10%, block trades within
±30% of the previous close (rule set ``china_carbon_market``); a price floor and ceiling.
The previous close is the last trade of the previous trading day, the trading day being
the calendar day in Asia/Shanghai of the injected service clock.  Every band below is a
hand calculation written out next to it; a refusal is checked to leave no row.
"""

from __future__ import annotations

import re
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from regcoord import trading as tr
from regcoord.errors import DataError
from regcoord.service.db import models as dbm
from regcoord.service.db.trading_models import TradingEvent, TradingOrder, TradingTrade
from regcoord.service.usecases import trading as uc
from regcoord.service.usecases._context import system_principal
from regcoord.service.web.trading import LABELS

CO2 = "co2e:2025"


def _setup(w: Any) -> None:
    """33 and 34 get 1,000,000 fen each and 500 units of co2e:2025 each (per capita 1:1)."""
    for region in ("33", "34"):
        r = w.post("admin", "/api/trading/deposits", {"holder": region, "amount_fen": 1_000_000})
        assert r.status_code == 201, r.text
    r = w.post(
        "admin",
        "/api/trading/allocations",
        {"instrument": CO2, "method": "per_capita", "cap": 1000, "holders": ["33", "34"], "data": ["1", "1"]},
    )
    assert r.status_code == 201, r.text


def _market(w: Any, code: str = CO2, user: str = "admin", **body: Any) -> Any:
    return w.client.put(f"/api/trading/markets/{code}", json=body, headers=w.h(user))


def _order(w: Any, holder: str, side: str, qty: int, price: int | None, **kw: Any) -> Any:
    body = {"holder": holder, "instrument": kw.pop("instrument", CO2), "side": side, "quantity": qty}
    if price is not None:
        body["price_fen"] = price
    return w.post(f"off-{holder}", "/api/trading/orders", {**body, **kw})


def _rows(w: Any) -> tuple[int, int, int, int]:
    """(events, orders, trades, audit events) stored."""
    with w.session() as s:
        return tuple(  # type: ignore[return-value]
            s.scalar(sa.select(sa.func.count()).select_from(t))
            for t in (TradingEvent, TradingOrder, TradingTrade, dbm.AuditEvent)
        )


def _refused(r: Any) -> str:
    assert r.status_code == 422, r.text
    (item,) = r.json()["detail"]
    return str(item["msg"]) + " | " + str(item.get("expected"))


def test_trading_day_is_the_calendar_day_in_shanghai() -> None:
    # 16:00 UTC is midnight in Shanghai (UTC+8, no daylight saving)
    assert uc.trading_day(datetime(2025, 3, 1, 15, 59, 59, tzinfo=UTC)).isoformat() == "2025-03-01"
    assert uc.trading_day(datetime(2025, 3, 1, 16, 0, tzinfo=UTC)).isoformat() == "2025-03-02"


def test_market_setup_is_for_admins_and_validated(world: Any) -> None:
    w = world
    for user in ("off-33", "rev-cn", "pub"):
        assert _market(w, user=user, floor_fen=100).status_code == 403
    assert w.client.put(f"/api/trading/markets/{CO2}", json={"floor_fen": 100}).status_code == 401
    # a rule set without a mode, a floor above the ceiling, an unknown rule set: 422, nothing stored
    assert _market(w, rule_set="china_carbon_market").status_code == 422
    assert _market(w, floor_fen=600, ceiling_fen=500).status_code == 422
    assert _market(w, rule_set="no_such_rules", trade_mode="listed").status_code in (404, 422)
    assert _market(w, rule_set="china_carbon_market", trade_mode="nonsense").status_code == 422
    assert w.get("/api/trading/markets").json() == []
    r = _market(w, rule_set="china_carbon_market", trade_mode="listed", reference_price_fen=5000)
    assert r.status_code == 200, r.text
    out = r.json()
    # 5000 * (1 - 0.10) = 4500, 5000 * (1 + 0.10) = 5500
    assert (out["today"]["low_fen"], out["today"]["high_fen"]) == (4500, 5500)
    assert out["today"]["trading_day"] == "2025-03-01"  # clock 09:00 UTC = 17:00 in Shanghai
    assert w.get(f"/api/trading/markets/{CO2}").json() == out
    assert w.get("/api/trading/markets/co2e:2024").status_code == 404


def test_listed_band_follows_the_previous_close_of_the_shanghai_trading_day(world: Any) -> None:
    w = world
    _setup(w)
    assert (
        _market(w, rule_set="china_carbon_market", trade_mode="listed", reference_price_fen=5000).status_code
        == 200
    )
    # day 2025-03-01, no earlier trade: the reference price 5000 stands in; band [4500, 5500]
    before = _rows(w)
    msg = _refused(_order(w, "34", "sell", 10, 5501))
    assert _rows(w) == before  # nothing written: no event, order, trade or audit row
    assert "5,000" in msg and "挂牌协议交易" in msg and "listed" in msg and "4500 <= price_fen <= 5500" in msg
    assert "5,501" in msg and "[4,500, 5,500]" in msg
    assert _refused(_order(w, "33", "buy", 10, 4499))
    assert _order(w, "34", "sell", 10, 5500).status_code == 201
    r = _order(w, "33", "buy", 10, 5500)
    assert r.status_code == 201 and [t["price_fen"] for t in r.json()["trades"]] == [5500]
    # the last trade of the day is at 5200 (15:59 UTC = 23:59 in Shanghai)
    w.clock.now = datetime(2025, 3, 1, 15, 59, tzinfo=UTC)
    assert _order(w, "34", "sell", 5, 5200).status_code == 201
    assert [t["price_fen"] for t in _order(w, "33", "buy", 5, 5200).json()["trades"]] == [5200]
    # still 2025-03-01 in Shanghai: the band is still around the reference price 5000
    assert _order(w, "33", "buy", 1, 5501).status_code == 422
    # 16:00 UTC is 2025-03-02 in Shanghai (the UTC date is still 1 March): previous close 5200,
    # band [ceil(5200 * 0.9), floor(5200 * 1.1)] = [4680, 5720]
    w.clock.now = datetime(2025, 3, 1, 16, 0, tzinfo=UTC)
    today = w.get(f"/api/trading/markets/{CO2}").json()["today"]
    assert today["trading_day"] == "2025-03-02"
    assert (today["previous_close_fen"], today["previous_close_day"]) == (5200, "2025-03-01")
    assert (today["low_fen"], today["high_fen"]) == (4680, 5720)
    msg = _refused(_order(w, "34", "sell", 1, 5721))
    assert "5,200" in msg and "2025-03-01" in msg and "4680 <= price_fen <= 5720" in msg
    assert _order(w, "33", "buy", 1, 4679).status_code == 422
    assert _order(w, "33", "buy", 1, 4680).status_code == 201
    r = _order(w, "34", "sell", 1, 5720)
    assert r.status_code == 201
    # a replace to a price outside the band is refused too, and changes nothing
    oid = r.json()["order_id"]
    before = _rows(w)
    r = w.post("off-34", f"/api/trading/orders/{oid}/replace", {"price_fen": 5721})
    assert "5,200" in _refused(r)
    assert _rows(w) == before
    assert w.post("off-34", f"/api/trading/orders/{oid}/replace", {"price_fen": 5700}).status_code == 200
    # a day without trades (3 March) is not a trading day of the instrument: on 4 March the
    # previous close is still the last trade of 1 March... unless 2 March traded: it did not
    w.clock.now = datetime(2025, 3, 3, 16, 30, tzinfo=UTC)  # 4 March 00:30 in Shanghai
    today = w.get(f"/api/trading/markets/{CO2}").json()["today"]
    assert (today["previous_close_fen"], today["previous_close_day"]) == (5200, "2025-03-01")


def test_block_band_collar_and_market_orders(world: Any) -> None:
    w = world
    _setup(w)
    assert (
        _market(w, rule_set="china_carbon_market", trade_mode="block", reference_price_fen=10_000).status_code
        == 200
    )
    # block: 10000 * 0.7 = 7000, 10000 * 1.3 = 13000
    msg = _refused(_order(w, "33", "buy", 1, 13_001))
    assert "大宗协议交易" in msg and "block" in msg and "±30%" in msg and "10,000" in msg
    assert _order(w, "33", "buy", 1, 6999).status_code == 422
    assert _order(w, "33", "buy", 1, 13_000).status_code == 201
    # a market order has no price to check: refused in a market with limits
    r = _order(w, "33", "buy", 1, None, kind="market", budget_fen=20_000)
    assert "market orders are refused" in _refused(r)
    # band and collar together: the allowed range is their intersection [max(7000, 8000), min(13000, 12000)]
    r = _market(
        w,
        rule_set="china_carbon_market",
        trade_mode="block",
        reference_price_fen=10_000,
        floor_fen=8000,
        ceiling_fen=12_000,
    )
    assert (r.json()["today"]["low_fen"], r.json()["today"]["high_fen"]) == (8000, 12_000)
    msg = _refused(_order(w, "33", "buy", 1, 7999))
    assert "8,000/12,000" in msg and "10,000" in msg
    assert _order(w, "33", "buy", 1, 12_001).status_code == 422
    # a collar alone (no rule set): floor and ceiling only, no previous close needed
    assert _market(w, floor_fen=8000, ceiling_fen=12_000).status_code == 200
    assert _order(w, "33", "buy", 1, 7999).status_code == 422
    assert _order(w, "33", "buy", 1, 8000).status_code == 201
    # one-way bidding has no band (the seller's auction); the setup replaced the collar
    assert (
        _market(
            w, rule_set="china_carbon_market", trade_mode="one_way", reference_price_fen=10_000
        ).status_code
        == 200
    )
    assert _order(w, "33", "buy", 1, 30_000).status_code == 201  # 3x the close: no band
    # without market rules the instrument trades freely, as before
    assert _order(w, "33", "buy", 1, 1, instrument="co2e:2024").status_code == 201


def test_no_previous_close_and_no_reference_is_refused(world: Any) -> None:
    w = world
    _setup(w)
    assert _market(w, rule_set="china_carbon_market", trade_mode="listed").status_code == 200
    assert w.get(f"/api/trading/markets/{CO2}").json()["today"] is None
    before = _rows(w)
    msg = _refused(_order(w, "33", "buy", 1, 5000))
    assert "no previous close" in msg and "上一交易日收盘价" in msg
    assert _rows(w) == before


def test_resting_order_of_an_earlier_day_outside_todays_band_is_not_hit(world: Any) -> None:
    w = world
    _setup(w)
    assert (
        _market(w, rule_set="china_carbon_market", trade_mode="listed", reference_price_fen=5000).status_code
        == 200
    )
    assert _order(w, "34", "sell", 5, 5200).status_code == 201
    assert _order(w, "33", "buy", 5, 5200).status_code == 201  # close of 1 March: 5200
    assert _order(w, "34", "sell", 5, 4600).status_code == 201  # rests (within [4500, 5500])
    w.clock.advance(days=1)  # 2 March: band [4680, 5720]; the resting ask 4600 is below it
    msg = _refused(_order(w, "33", "buy", 5, 5000))  # would trade at 4600
    assert "4,600" in msg and "resting" in msg and "对手方挂单价" in msg
    assert w.get(f"/api/trading/depth/{CO2}").json()["asks"] == [
        {"price_fen": 4600, "quantity": 5, "orders": 1}
    ]
    assert _order(w, "33", "buy", 5, 4590).status_code == 422  # below the band itself


@pytest.mark.parametrize("fast", [True, False])
def test_a_refused_order_inside_a_group_commit_leaves_no_rows(world: Any, fast: bool) -> None:
    w = world
    _setup(w)
    assert (
        _market(w, rule_set="china_carbon_market", trade_mode="listed", reference_price_fen=5000).status_code
        == 200
    )
    now = w.clock.now

    def order(holder: str, side: str, qty: int, price: int) -> Any:
        return lambda c: uc.place_order(
            c, holder=holder, instrument=CO2, side=side, quantity=qty, price_fen=price
        )

    runs = [order("34", "sell", 10, 5000), order("33", "buy", 4, 5600), order("33", "buy", 4, 5000)]
    m = uc.matcher(w.app.state.sessions)
    batches0 = m.batches
    before = _rows(w)
    futs: list[Future[Any]] = []
    for run in runs[:-1]:  # queued before the task starts: one batch
        f: Future[Any] = Future()
        m.queue.put(uc._Job(run, system_principal(), now, f, fast))
        futs.append(f)
    futs.append(m.submit(runs[-1], system_principal(), now, fast=fast))
    assert futs[0].result(timeout=30)["resting"] is True
    with pytest.raises(DataError, match=r"5,600.*4500 <= price_fen <= 5500"):
        futs[1].result(timeout=30)
    assert [t["price_fen"] for t in futs[2].result(timeout=30)["trades"]] == [5000]
    assert m.batches == batches0 + 1
    # two accepted orders: 2 events, 2 orders, 1 trade and 2 audit events; none for the refusal
    after = _rows(w)
    assert tuple(a - b for a, b in zip(after, before, strict=True)) == (2, 2, 1, 2)
    # the book the service keeps equals a replay of the stored log
    reference = tr.OrderBook()
    with w.session() as s:
        import json

        rows = s.execute(sa.select(TradingEvent.payload).order_by(TradingEvent.seq)).scalars().all()
    reference = tr.OrderBook.replay(tr.event_from_dict(json.loads(p)) for p in rows)
    assert w.get("/api/trading/state").json() == reference.state().to_dict()


def _csrf(page: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert m is not None
    return m.group(1)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_web_form_refuses_outside_the_band_in_both_languages(world: Any, lang: str) -> None:
    w = world
    _setup(w)
    assert (
        _market(w, rule_set="china_carbon_market", trade_mode="listed", reference_price_fen=5000).status_code
        == 200
    )
    token = _csrf(w.client.get("/login").text)
    r = w.client.post(
        "/login",
        data={"username": "off-34", "password": "test-password-1", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = w.client.get(f"/trading/book/{CO2}?lang={lang}").text
    i = 1 if lang == "zh" else 0
    # allowed prices today: 45.00 - 55.00 yuan around the reference price 50.00 yuan
    limits = re.search(r'<p id="price-limits">(.*?)</p>', page, re.S)
    assert limits is not None
    assert LABELS["limits"][i] in limits.group(1) and "45.00 – 55.00" in limits.group(1)
    assert LABELS["mode.listed"][i] in limits.group(1) and "50.00" in limits.group(1)
    order = {"instrument": CO2, "holder": "34", "side": "sell", "kind": "limit", "quantity": "3"}
    before = _rows(w)
    r = w.client.post(
        f"/trading/orders?lang={lang}",
        data={**order, "price_fen": "5501", "csrf_token": _csrf(page)},
        follow_redirects=False,
    )
    assert r.status_code == 422
    assert (
        'id="error-text"' in r.text and "挂牌协议交易" in r.text and "listed" in r.text and "5,000" in r.text
    )
    assert LABELS["place"][i] in r.text  # the order page is shown again in the asked language
    assert _rows(w) == before
    r = w.client.post(
        f"/trading/orders?lang={lang}",
        data={**order, "price_fen": "5500", "csrf_token": _csrf(page)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert w.get(f"/api/trading/depth/{CO2}").json()["asks"] == [
        {"price_fen": 5500, "quantity": 3, "orders": 1}
    ]


def test_market_time_zone_boundary_uses_the_injected_clock(world: Any) -> None:
    """A trade at 23:59:59 Shanghai time counts for that day; one second later a new day begins."""
    w = world
    _setup(w)
    assert (
        _market(w, rule_set="china_carbon_market", trade_mode="listed", reference_price_fen=5000).status_code
        == 200
    )
    w.clock.now = datetime(2025, 3, 1, 15, 59, 59, tzinfo=UTC)
    assert _order(w, "34", "sell", 1, 4800).status_code == 201
    assert _order(w, "33", "buy", 1, 4800).status_code == 201
    assert w.get(f"/api/trading/markets/{CO2}").json()["today"]["previous_close_fen"] == 5000
    w.clock.now += timedelta(seconds=1)
    today = w.get(f"/api/trading/markets/{CO2}").json()["today"]
    # previous close 4800: [ceil(4800 * 0.9), floor(4800 * 1.1)] = [4320, 5280]
    assert (today["previous_close_fen"], today["low_fen"], today["high_fen"]) == (4800, 4320, 5280)


def test_a_group_commit_straddling_midnight_sees_the_close_it_just_made(world: Any) -> None:
    """A batch whose last order is stamped 00:00 in Shanghai uses the trade its first orders made."""
    w = world
    _setup(w)
    r = _market(w, rule_set="china_carbon_market", trade_mode="listed", reference_price_fen=5000)
    assert r.status_code == 200
    evening = datetime(2025, 3, 1, 15, 59, 59, tzinfo=UTC)
    midnight = datetime(2025, 3, 1, 16, 0, tzinfo=UTC)

    def order(holder: str, side: str, price: int) -> Any:
        return lambda c: uc.place_order(
            c, holder=holder, instrument=CO2, side=side, quantity=1, price_fen=price
        )

    m = uc.matcher(w.app.state.sessions)
    futs: list[Future[Any]] = []
    for run, now in ((order("34", "sell", 4800), evening), (order("33", "buy", 4800), evening)):
        f: Future[Any] = Future()
        m.queue.put(uc._Job(run, system_principal(), now, f, True))
        futs.append(f)
    # 5400 is inside [4500, 5500] around the reference 5000 but outside [4320, 5280] around 4800
    futs.append(m.submit(order("33", "buy", 5400), system_principal(), midnight, fast=True))
    assert [t["price_fen"] for t in futs[1].result(timeout=30)["trades"]] == [4800]
    with pytest.raises(DataError, match=r"4,800 fen of 2025-03-01"):
        futs[2].result(timeout=30)


# -- water rights transfers as a record of the service ----------------------------------------------
def _water(**kw: Any) -> dict[str, Any]:
    return {
        "kind": "regional",
        "method": "negotiated",
        "seller": "浙江省某市",
        "buyer": "安徽省某市",
        "seller_region": "33",
        "buyer_region": "34",
        "annual_volume_m3": 50_000_000,
        "term_years": 20,
        "start_year": 2025,
        "price_fen_per_m3": 400,
        **kw,
    }


def _water_rows(w: Any) -> int:
    with w.session() as s:
        return int(s.scalar(sa.text("SELECT count(*) FROM trading_water_transfer")))


def test_water_transfers_are_checked_recorded_and_audited(world: Any) -> None:
    w = world
    assert w.post("off-33", "/api/trading/water-transfers", _water()).status_code == 403
    assert w.post("pub", "/api/trading/water-transfers", _water()).status_code == 403
    r = w.post("rev-cn", "/api/trading/water-transfers", _water())
    assert r.status_code == 201, r.text
    out = r.json()
    # 50,000,000 m3 a year for 20 years = 1,000,000,000 m3; at 400 fen/m3 = 400,000,000,000 fen
    assert (out["total_volume_m3"], out["value_fen"]) == (1_000_000_000, 400_000_000_000)
    assert (out["kind_zh"], out["method_zh"], out["needs_filing"]) == ("区域水权交易", "协议转让", False)
    assert [t["id"] for t in w.get("/api/trading/water-transfers?region=34").json()] == [out["id"]]
    assert w.get("/api/trading/water-transfers?region=11").json() == []
    # refusals name the field, and nothing is written
    n = _water_rows(w)
    r = w.post("admin", "/api/trading/water-transfers", _water(buyer_region="33"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "buyer_region"]
    intake = {"kind": "intake", "start_year": 2024, "permit_expiry_year": 2028}
    r = w.post("admin", "/api/trading/water-transfers", _water(**intake, term_years=6))
    # 2024 + 6 - 1 = 2029 > 2028: at most 2028 - 2024 + 1 = 5 years
    assert r.status_code == 422 and r.json()["detail"][0]["expected"] == "term_years <= 5"
    assert _water_rows(w) == n
    assert w.post("admin", "/api/trading/water-transfers", _water(**intake, term_years=5)).status_code == 201
    # irrigation users: one district; longer than one year needs filing (china_water_rights)
    irr = {"kind": "irrigation", "seller_district": "某灌区", "buyer_district": "某灌区"}
    assert (
        w.post("admin", "/api/trading/water-transfers", _water(**irr, term_years=1)).json()["needs_filing"]
        is False
    )
    assert (
        w.post("admin", "/api/trading/water-transfers", _water(**irr, term_years=2)).json()["needs_filing"]
        is True
    )
    with w.session() as s:
        kinds = s.scalars(
            sa.select(dbm.AuditEvent.action).where(dbm.AuditEvent.action == "trading.water_transfer")
        )
        assert len(list(kinds)) == 4


def _web_login(w: Any, user: str) -> None:
    token = _csrf(w.client.get("/login").text)
    r = w.client.post(
        "/login",
        data={"username": user, "password": "test-password-1", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_admin_sets_market_rules_through_the_web_form(world: Any, lang: str) -> None:
    w = world
    _setup(w)
    i = 1 if lang == "zh" else 0
    _web_login(w, "off-33")
    page = w.client.get(f"/trading/book/{CO2}?lang={lang}").text
    assert 'id="market-form"' not in page  # only an admin sets up a market
    r = w.client.post(
        "/trading/markets",
        data={"instrument": CO2, "floor_fen": "100", "csrf_token": _csrf(page)},
        follow_redirects=False,
    )
    assert r.status_code == 403
    _web_login(w, "admin")
    page = w.client.get(f"/trading/book/{CO2}?lang={lang}").text
    assert 'id="market-form"' in page and LABELS["market_rules"][i] in page
    form = {
        "instrument": CO2,
        "rule_set": "china_carbon_market",
        "trade_mode": "block",
        "csrf_token": _csrf(page),
    }
    # floor above ceiling: the page says why, in the asked language's page, nothing stored
    r = w.client.post(
        f"/trading/markets?lang={lang}",
        data={**form, "reference_price_fen": "10000", "floor_fen": "9000", "ceiling_fen": "8000"},
        follow_redirects=False,
    )
    assert r.status_code == 422 and 'id="error-text"' in r.text and LABELS["market_rules"][i] in r.text
    assert w.get("/api/trading/markets").json() == []
    r = w.client.post(
        f"/trading/markets?lang={lang}", data={**form, "reference_price_fen": "10000"}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == f"/trading/book/{CO2}?done=market"
    today = w.get(f"/api/trading/markets/{CO2}").json()["today"]
    # block: [10000 * 0.7, 10000 * 1.3] = [7000, 13000]
    assert (today["trade_mode"], today["low_fen"], today["high_fen"]) == ("block", 7000, 13_000)
    page = w.client.get(f"/trading/book/{CO2}?lang={lang}&done=market").text
    assert LABELS["done.market"][i] in page and "70.00 – 130.00" in page


def test_a_read_after_midnight_does_not_fix_the_close_before_a_late_order_commits(world: Any) -> None:
    """Reads do not keep the previous close: an order stamped 23:59:59 may commit after them."""
    w = world
    _setup(w)
    assert (
        _market(w, rule_set="china_carbon_market", trade_mode="listed", reference_price_fen=5000).status_code
        == 200
    )
    w.clock.now = datetime(2025, 3, 1, 16, 0, 1, tzinfo=UTC)  # 2 March 00:00:01 in Shanghai
    assert w.get(f"/api/trading/markets/{CO2}").json()["today"]["previous_close_fen"] == 5000  # reference
    w.clock.now = datetime(2025, 3, 1, 15, 59, 59, tzinfo=UTC)  # a request stamped 1 March, served late
    assert _order(w, "34", "sell", 1, 4800).status_code == 201
    assert _order(w, "33", "buy", 1, 4800).status_code == 201
    w.clock.now = datetime(2025, 3, 1, 16, 0, 2, tzinfo=UTC)
    # band around 4800: [4320, 5280]; 5400 would pass around the reference 5000
    assert "4,800 fen of 2025-03-01" in _refused(_order(w, "33", "buy", 1, 5400))
