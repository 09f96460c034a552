"""Hand-checked order-book scenarios; every expected number is worked out in the comments."""

from __future__ import annotations

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings
from naive_book import naive_clearing_price

from regcoord.errors import ConflictError, DataError, NotFound, PermissionDenied
from regcoord.trading import Instrument, OrderBook, RightType, clearing_price

CO2 = Instrument(RightType.CO2E, 2025)


def _book(*holders: str, money: int = 100_000, units: int = 100) -> OrderBook:
    book = OrderBook()
    for h in holders:
        book.deposit(h, money)
        book.issue(h, CO2, units)
    return book


def _acct(book: OrderBook, holder: str):  # type: ignore[no-untyped-def]
    return next(a for a in book.state().accounts if a.holder == holder)


def test_price_time_priority_partial_fill_at_resting_price() -> None:
    book = _book("A", "B", "C", "D")
    a = book.submit("A", CO2, "sell", 5, 101)
    b = book.submit("B", CO2, "sell", 5, 100)
    c = book.submit("C", CO2, "sell", 5, 100)
    d = book.submit("D", CO2, "buy", 12, 101)
    # best price 100 first, B before C (earlier), then 2 of A's 5 at 101
    assert [(t.sell_order, t.price, t.quantity) for t in book.trades()] == [
        (b, 100, 5),
        (c, 100, 5),
        (a, 101, 2),
    ]
    assert all(t.buy_order == d for t in book.trades())
    # D paid 500 + 500 + 202 = 1202 fen; its 12 * 101 reservation is fully released
    assert _acct(book, "D").money == 100_000 - 1202
    assert _acct(book, "D").money_reserved == 0
    assert _acct(book, "D").rights == {"co2e:2025": 112}
    # A still offers 3 units at 101 and has 3 units reserved
    assert [(o.order_id, o.quantity) for o in book.state().orders] == [(a, 3)]
    assert _acct(book, "A").rights_reserved == {"co2e:2025": 3}
    assert _acct(book, "A").money == 100_000 + 202


def test_buy_reserves_money_and_rejection_changes_nothing() -> None:
    book = OrderBook()
    book.deposit("A", 999)
    before = book.state()
    with pytest.raises(ConflictError, match="999 fen available"):
        book.submit("A", CO2, "buy", 10, 100)  # needs 1000 fen
    assert book.state() == before
    book.submit("A", CO2, "buy", 9, 100)  # 900 fen reserved
    assert book.available_money("A") == 99
    with pytest.raises(ConflictError):
        book.submit("A", CO2, "buy", 1, 100)


def test_sell_reserves_rights() -> None:
    book = _book("A", units=10)
    book.submit("A", CO2, "sell", 7, 50)
    assert book.available_rights("A", CO2) == 3
    with pytest.raises(ConflictError, match="3 units"):
        book.submit("A", CO2, "sell", 4, 50)


def test_market_buy_stops_at_its_money_limit() -> None:
    book = _book("S", "B")
    book.submit("S", CO2, "sell", 3, 100)
    book.submit("S", CO2, "sell", 5, 120)
    book.submit("B", CO2, "buy", 10, budget=700)
    # 3 @ 100 = 300 fen; 400 fen left buys floor(400 / 120) = 3 @ 120 = 360; 40 fen unused
    assert [(t.price, t.quantity) for t in book.trades()] == [(100, 3), (120, 3)]
    assert _acct(book, "B").money == 100_000 - 660
    assert _acct(book, "B").money_reserved == 0
    assert [(o.price, o.quantity) for o in book.state().orders] == [(120, 2)]


def test_market_buy_needs_money_limit_and_market_sell_is_immediate_or_cancel() -> None:
    book = _book("S", "B")
    with pytest.raises(DataError, match="money limit"):
        book.submit("B", CO2, "buy", 10)
    book.submit("B", CO2, "buy", 2, 90)
    book.submit("S", CO2, "sell", 5)
    assert [(t.price, t.quantity) for t in book.trades()] == [(90, 2)]
    # the 3 units that did not execute are released, not left resting
    assert _acct(book, "S").rights_reserved == {}
    assert _acct(book, "S").rights == {"co2e:2025": 98}
    assert book.state().orders == ()


def test_self_trade_prevention_cancels_resting_order() -> None:
    book = _book("A", "B")
    own = book.submit("A", CO2, "sell", 5, 100)
    other = book.submit("B", CO2, "sell", 5, 100)
    buy = book.submit("A", CO2, "buy", 3, 100)
    # A's own sell is cancelled (reservation released); A buys from B instead
    assert book.state().self_trade_cancels == (own,)
    assert [(t.sell_order, t.buy_order, t.quantity) for t in book.trades()] == [(other, buy, 3)]
    assert not book.is_resting(own)
    assert _acct(book, "A").rights_reserved == {}
    assert _acct(book, "A").rights == {"co2e:2025": 103}


def test_replace_keeps_priority_only_when_quantity_decreases() -> None:
    book = _book("A", "B", "S")
    a = book.submit("A", CO2, "buy", 10, 100)
    b = book.submit("B", CO2, "buy", 10, 100)
    book.replace(a, quantity=4)  # same price, smaller: A stays first
    assert _acct(book, "A").money_reserved == 400
    book.submit("S", CO2, "sell", 1, 100)
    assert book.trades()[-1].buy_order == a
    book.replace(a, quantity=8)  # larger: A goes behind B
    book.submit("S", CO2, "sell", 1, 100)
    assert book.trades()[-1].buy_order == b
    book.replace(b, price=101, quantity=9)  # new price: new time, but best price now
    book.submit("S", CO2, "sell", 1, 100)
    assert book.trades()[-1].buy_order == b
    assert book.trades()[-1].price == 101  # trades at the resting (replaced) price


def test_replace_that_crosses_trades_and_failed_replace_changes_nothing() -> None:
    book = _book("A", "S", money=1_000)
    book.submit("S", CO2, "sell", 2, 105)
    a = book.submit("A", CO2, "buy", 5, 100)  # 500 reserved
    before = book.state()
    with pytest.raises(ConflictError):
        book.replace(a, price=300, quantity=5)  # needs 1500 - 500 = 1000 more, has 500
    assert book.state() == before
    book.replace(a, price=105, quantity=5)
    assert [(t.price, t.quantity) for t in book.trades()] == [(105, 2)]
    assert [(o.order_id, o.price, o.quantity) for o in book.state().orders] == [(a, 105, 3)]
    assert _acct(book, "A").money_reserved == 315


def test_cancel_releases_and_unknown_orders_raise() -> None:
    book = _book("A")
    a = book.submit("A", CO2, "buy", 5, 100)
    book.cancel(a)
    assert book.available_money("A") == 100_000
    with pytest.raises(NotFound):
        book.cancel(a)
    with pytest.raises(NotFound):
        book.replace(a, quantity=1)
    with pytest.raises(NotFound):
        book.submit("nobody", CO2, "buy", 1, 1)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"side": "hold", "quantity": 1, "price": 1}, "side"),
        ({"side": "buy", "quantity": 0, "price": 1}, "quantity"),
        ({"side": "buy", "quantity": 1, "price": -5}, "price"),
        ({"side": "buy", "quantity": 1.5, "price": 1}, "quantity"),
        ({"side": "sell", "quantity": 1, "price": None, "budget": 5}, "budget"),
    ],
)
def test_bad_orders_raise_data_errors(kwargs: dict, match: str) -> None:
    book = _book("A")
    budget = kwargs.pop("budget", None)
    with pytest.raises(DataError, match=match):
        book.submit("A", CO2, kwargs["side"], kwargs["quantity"], kwargs["price"], budget=budget)


def test_enterprise_accounts_only_where_the_scheme_allows() -> None:
    water = Instrument(RightType.WATER, 2025)
    book = OrderBook(enterprise_rights=["co2e"])
    book.issue("330000/E1", CO2, 10)
    with pytest.raises(PermissionDenied, match="water"):
        book.issue("330000/E1", water, 10)
    book.deposit("330000/E1", 1000)
    with pytest.raises(PermissionDenied):
        book.submit("330000/E1", water, "buy", 1, 10)
    with pytest.raises(PermissionDenied):
        OrderBook().issue("330000/E1", CO2, 10)


def test_call_auction_hand_example() -> None:
    book = _book("X", "Y", "Z", "W")
    book.start_call(CO2)
    x = book.submit("X", CO2, "buy", 10, 105)
    y = book.submit("Y", CO2, "buy", 5, 103)
    z = book.submit("Z", CO2, "sell", 8, 100)
    w = book.submit("W", CO2, "sell", 6, 104)
    assert book.trade_count == 0  # nothing matches during the call
    with pytest.raises(ConflictError, match="market orders"):
        book.submit("X", CO2, "buy", 1, budget=500)
    res = book.uncross(CO2)
    # p:      100  103  104  105
    # D(p):    15   15   10   10
    # S(p):     8    8   14   14
    # V(p):     8    8   10   10  -> max 10 at 104, 105; imbalance 4 at both;
    # D - S = -4 at both (sell pressure) -> the lower price, 104
    assert (res.price, res.volume, res.imbalance, res.rule) == (104, 10, 4, "sell pressure")
    assert [(t.buy_order, t.sell_order, t.price, t.quantity) for t in book.trades()] == [
        (x, z, 104, 8),
        (x, w, 104, 2),
    ]
    # X reserved 10 * 105 = 1050, paid 10 * 104 = 1040, got 10 back
    assert _acct(book, "X").money == 100_000 - 1040
    assert _acct(book, "X").money_reserved == 0
    assert [(o.order_id, o.price, o.quantity) for o in book.state().orders] == [(y, 103, 5), (w, 104, 4)]
    # continuous trading resumes: a sell at 103 now meets Y
    book.submit("Z", CO2, "sell", 1, 103)
    assert book.trades()[-1].buy_order == y


def test_call_phase_self_trade_prevention_on_entry() -> None:
    book = _book("A", "B")
    book.start_call(CO2)
    own = book.submit("A", CO2, "buy", 5, 100)
    book.submit("A", CO2, "sell", 5, 99)  # would cross A's own buy: the resting buy is cancelled
    assert book.state().self_trade_cancels == (own,)
    assert _acct(book, "A").money_reserved == 0


def test_clearing_price_tie_rules_by_hand() -> None:
    # buys 5 @ 10, sells 5 @ 8: V = 5 and imbalance 0 at both 8 and 10, no pressure
    assert clearing_price([(10, 5)], [(8, 5)]) == (8, 5, 0, "lower median")
    assert clearing_price([(10, 5)], [(8, 5)], reference_price=10) == (10, 5, 0, "reference price")
    assert clearing_price([(10, 5)], [(8, 5)], reference_price=9)[0] == 8  # equidistant: lower
    # a single price with the maximum volume
    assert clearing_price([(10, 5), (9, 5)], [(9, 10)]) == (9, 10, 0, "maximum volume")
    # buy pressure: buys 10 @ 12, sells 4 @ 8 -> V = 4 at 8, 12; D - S = 6 at both -> 12
    assert clearing_price([(12, 10)], [(8, 4)]) == (12, 4, 6, "buy pressure")
    assert clearing_price([(5, 1)], [(6, 1)]) == (None, 0, 0, "no cross")
    assert clearing_price([], [(6, 1)])[0] is None


orders = st.lists(st.tuples(st.integers(1, 15), st.integers(1, 20)), max_size=12)


@settings(max_examples=300, deadline=None)
@given(buys=orders, sells=orders, ref=st.one_of(st.none(), st.integers(1, 15)))
def test_clearing_price_matches_brute_force(buys, sells, ref) -> None:  # type: ignore[no-untyped-def]
    price, volume, _, _ = clearing_price(buys, sells, ref)
    assert price == naive_clearing_price(buys, sells, ref)
    if price is not None:
        d = sum(q for p, q in buys if p >= price)
        s = sum(q for p, q in sells if p <= price)
        assert volume == min(d, s)


def test_mass_cancellation_compacts_levels_without_changing_results() -> None:
    book, plain = OrderBook(), OrderBook()
    plain._maybe_compact = lambda: None  # type: ignore[method-assign]  # the same book, never swept
    for b in (book, plain):
        for h in ("A", "B", "C"):
            b.deposit(h, 10**9)
            b.issue(h, CO2, 10**6)
        oids = [
            b.submit(
                "AB"[i % 2], CO2, ("buy", "sell")[i % 2], 1 + i % 7, 1000 + (i % 50) * (1 if i % 2 else -1)
            )
            for i in range(9000)
        ]
        for oid in oids[::3] + oids[1::3]:  # 6000 cancels: more dead than live -> a sweep
            b.cancel(oid)

    def dead(b: OrderBook) -> int:
        m = b._markets[CO2]
        return sum(not o.live for lv in (*m.bids.values(), *m.asks.values()) for o in lv)

    assert dead(book) < 4096 < dead(plain)
    assert book.state() == plain.state()
    for b in (book, plain):
        b.submit("C", CO2, "buy", 5000, 1049)
        b.submit("C", CO2, "sell", 5000, 951)
    assert book.trades() == plain.trades() and book.trade_count > 100
    assert book.state() == plain.state()
    assert OrderBook.replay(book.events).state() == book.state()
