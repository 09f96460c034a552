"""A continuous double auction for rights, with accounts, reservations and an event log.

Design (one ``OrderBook`` holds the accounts and one book per :class:`Instrument`):

* **Price levels** are integer ticks (fen per unit) in a dict ``price -> deque`` per side,
  with a heap of the prices (bids negated) for the best level.  A cancelled order is only
  marked dead and skipped when it reaches the front of its level (lazy deletion), so cancel
  is O(1) and matching touches only live fronts.
* **Price-time priority**: best price first; at one price, earliest time first.  A trade
  executes at the resting order's price.
* **Reservations** (pre-trade checks): a limit buy reserves ``price * quantity`` fen; a
  market buy must carry a money limit (``budget``) and reserves it while it executes; a
  sell reserves its units.  Nothing can then fail during settlement, so every trade moves
  rights and money in one step (atomically), and no balance ever goes below zero.
* **Market orders** are immediate-or-cancel: what does not execute at once is dropped.
  A market buy stops when the next unit would exceed its budget.
* **Cancel/replace**: ``replace`` sets a new price and a new *open* quantity.  Priority is
  kept only when the price is unchanged and the quantity decreases; any other change gives
  the order a new time (it goes to the back of its level) and may trade at once.
* **Self-trade prevention: cancel resting.**  When an incoming order would trade against
  a resting order of the same holder, the resting order is cancelled (its reservation
  released) and matching goes on with the next order.  In a call phase the same policy
  applies on entry: a new order cancels its holder's resting opposite orders it crosses.
* **Call auction** (:meth:`OrderBook.start_call`, :meth:`OrderBook.uncross`): orders
  collect without matching; at the uncross one uniform price is chosen, see
  :func:`clearing_price`.
* **Event sourcing**: every accepted command is appended to the log with a sequence
  number; :meth:`OrderBook.replay` rebuilds the identical state from it.

All arithmetic is on Python integers; the hot path creates one small slotted object per
resting order and one tuple per event and per trade.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from heapq import heapify, heappop, heappush
from typing import Any

import numpy as np
import pandas as pd

from regcoord._display import FrameHTML
from regcoord.errors import ConflictError, DataError, NotFound, PermissionDenied
from regcoord.trading._allocation import Allocation
from regcoord.trading._events import (
    CancelOrder,
    DepositMoney,
    Event,
    IssueRights,
    ReplaceOrder,
    StartCall,
    SubmitOrder,
    Surrender,
    Uncross,
)
from regcoord.trading._rights import ENTERPRISE_SEPARATOR, Instrument, RightType


class _Account:
    __slots__ = ("holder", "money", "money_held", "rights", "rights_held")

    def __init__(self, holder: str) -> None:
        self.holder = holder
        self.money = 0
        self.money_held = 0
        self.rights: dict[Instrument, int] = {}
        self.rights_held: dict[Instrument, int] = {}


class _Order:
    __slots__ = ("acct", "buy", "live", "mkt", "oid", "price", "qty", "time")

    def __init__(
        self, oid: int, acct: _Account, buy: bool, price: int, qty: int, time: int, mkt: _Market
    ) -> None:
        self.oid = oid
        self.acct = acct
        self.buy = buy
        self.price = price
        self.qty = qty
        self.time = time
        self.live = True
        self.mkt = mkt


class _Market:
    """The two sides of one instrument."""

    __slots__ = ("ask_heap", "asks", "bid_heap", "bids", "call", "inst", "last_price")

    def __init__(self, inst: Instrument) -> None:
        self.inst = inst
        self.bids: dict[int, deque[_Order]] = {}
        self.asks: dict[int, deque[_Order]] = {}
        self.bid_heap: list[int] = []  # negated prices
        self.ask_heap: list[int] = []
        self.call = False
        self.last_price: int | None = None

    def rest(self, o: _Order) -> None:
        if o.buy:
            level = self.bids.get(o.price)
            if level is None:
                self.bids[o.price] = deque((o,))
                heappush(self.bid_heap, -o.price)
            else:
                level.append(o)
        else:
            level = self.asks.get(o.price)
            if level is None:
                self.asks[o.price] = deque((o,))
                heappush(self.ask_heap, o.price)
            else:
                level.append(o)

    def live_orders(self, buy: bool) -> list[_Order]:
        """Live orders of one side in priority order."""
        levels = self.bids if buy else self.asks
        out: list[_Order] = []
        for price in sorted(levels, reverse=buy):
            out.extend(o for o in levels[price] if o.live)
        return out


@dataclass(frozen=True, slots=True)
class Trade:
    """One execution: ``quantity`` units at ``price`` fen per unit, settled at once."""

    trade_id: int
    event_seq: int
    instrument: Instrument
    price: int
    quantity: int
    buy_order: int
    sell_order: int
    buyer: str
    seller: str

    @property
    def value(self) -> int:
        """Money paid, in fen."""
        return self.price * self.quantity

    def to_dict(self) -> dict[str, Any]:
        return {
            "trade_id": self.trade_id,
            "event_seq": self.event_seq,
            "instrument": self.instrument.code,
            "price_fen": self.price,
            "quantity": self.quantity,
            "value_fen": self.value,
            "buy_order": self.buy_order,
            "sell_order": self.sell_order,
            "buyer": self.buyer,
            "seller": self.seller,
        }


@dataclass(frozen=True)
class AccountState:
    """Balances of one holder: totals and the parts reserved by resting orders."""

    holder: str
    money: int
    money_reserved: int
    rights: dict[str, int]
    rights_reserved: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "holder": self.holder,
            "money_fen": self.money,
            "money_reserved_fen": self.money_reserved,
            "rights": dict(self.rights),
            "rights_reserved": dict(self.rights_reserved),
        }


@dataclass(frozen=True)
class OrderState:
    """A live resting order (``time`` is the event sequence number that set its priority)."""

    order_id: int
    holder: str
    instrument: str
    side: str
    price: int
    quantity: int
    time: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "holder": self.holder,
            "instrument": self.instrument,
            "side": self.side,
            "price_fen": self.price,
            "quantity": self.quantity,
            "time": self.time,
        }


@dataclass(frozen=True)
class BookState(FrameHTML):
    """The full observable state of an :class:`OrderBook` (compare two books with ``==``)."""

    seq: int
    next_order_id: int
    trade_count: int
    accounts: tuple[AccountState, ...]
    orders: tuple[OrderState, ...]
    call_phase: tuple[str, ...]
    last_prices: dict[str, int]
    retired: dict[str, int]
    self_trade_cancels: tuple[int, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "next_order_id": self.next_order_id,
            "trade_count": self.trade_count,
            "accounts": [a.to_dict() for a in self.accounts],
            "orders": [o.to_dict() for o in self.orders],
            "call_phase": list(self.call_phase),
            "last_prices_fen": dict(self.last_prices),
            "retired": dict(self.retired),
            "self_trade_cancels": list(self.self_trade_cancels),
        }

    def to_frame(self) -> pd.DataFrame:
        """The resting orders as a table."""
        return pd.DataFrame(
            [o.to_dict() for o in self.orders],
            columns=["order_id", "holder", "instrument", "side", "price_fen", "quantity", "time"],
        )


@dataclass(frozen=True)
class AuctionResult:
    """The uniform price chosen by a call auction and the matched volume at it."""

    instrument: Instrument
    price: int | None
    volume: int
    imbalance: int
    rule: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument.code,
            "price_fen": self.price,
            "volume": self.volume,
            "imbalance": self.imbalance,
            "rule": self.rule,
        }


def _positive_int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value <= 0:
        raise DataError(f"{what} {value!r} is not a positive integer", column=what, expected="an integer > 0")
    return int(value)


def clearing_price(
    buys: Sequence[tuple[int, int]],
    sells: Sequence[tuple[int, int]],
    reference_price: int | None = None,
) -> tuple[int | None, int, int, str]:
    """Uniform clearing price of a call auction from ``(price, quantity)`` limit orders.

    With demand ``D(p) = sum of buy quantities with limit >= p`` and supply
    ``S(p) = sum of sell quantities with limit <= p``, the executable volume is
    ``V(p) = min(D(p), S(p))``.  Among the order prices, in turn:

    1. maximise ``V(p)``;
    2. minimise the imbalance ``|D(p) - S(p)|``;
    3. if every remaining price has ``D > S`` (buy pressure) take the highest, if every one
       has ``D < S`` take the lowest (market pressure);
    4. with a reference price (the last trade price), take the remaining price nearest to
       it, the lower one on a tie;
    5. otherwise take the lower median of the remaining prices (the integer-tick form of
       the Shanghai Stock Exchange's "middle price" rule).

    Steps 1, 2 and 5 are the call-auction rule of the Shanghai Stock Exchange trading rules
    (成交量最大、未成交量最小、中间价); steps 3 and 4 are the surplus (market pressure) and
    reference-price steps of the Xetra auction price determination (Deutsche Börse, Xetra
    market model).  Returns ``(price, volume, imbalance, rule)``; ``price`` is ``None`` when
    nothing crosses.
    """
    if not buys or not sells:
        return None, 0, 0, "no cross"
    bp = np.array([p for p, _ in buys], dtype=np.int64)
    bq = np.array([q for _, q in buys], dtype=np.int64)
    sp = np.array([p for p, _ in sells], dtype=np.int64)
    sq = np.array([q for _, q in sells], dtype=np.int64)
    cand = np.unique(np.concatenate([bp, sp]))
    ob = np.argsort(bp, kind="stable")
    bcum = np.concatenate([[0], np.cumsum(bq[ob])])  # bcum[k] = qty of the k lowest buys
    demand = bcum[-1] - bcum[np.searchsorted(bp[ob], cand, side="left")]
    os_ = np.argsort(sp, kind="stable")
    scum = np.concatenate([[0], np.cumsum(sq[os_])])
    supply = scum[np.searchsorted(sp[os_], cand, side="right")]
    volume = np.minimum(demand, supply)
    vmax = int(volume.max())
    if vmax == 0:
        return None, 0, 0, "no cross"
    keep = volume == vmax
    imb = np.abs(demand - supply)
    keep &= imb == imb[keep].min()
    idx = np.flatnonzero(keep)
    rule = "maximum volume" if len(idx) == 1 else "minimum imbalance"
    if len(idx) > 1:
        surplus = demand[idx] - supply[idx]
        if (surplus > 0).all():
            idx, rule = idx[-1:], "buy pressure"
        elif (surplus < 0).all():
            idx, rule = idx[:1], "sell pressure"
        elif reference_price is not None:
            dist = np.abs(cand[idx] - reference_price)
            idx, rule = idx[np.flatnonzero(dist == dist.min())[:1]], "reference price"
        else:
            idx, rule = idx[[(len(idx) - 1) // 2]], "lower median"
    i = int(idx[0])
    return int(cand[i]), vmax, int(imb[i]), rule


class OrderBook:
    """Accounts, order books of all instruments, and the event log that rebuilds them.

    ``enterprise_rights`` lists the right types whose scheme admits enterprise accounts
    (holder ids ``"REGION/ENTERPRISE"``); for the others only region accounts may hold or
    trade.  All amounts are integers: money in fen, rights in units, prices in fen/unit.
    A service persists :attr:`events` and rebuilds the book with :meth:`replay` under the
    same ``enterprise_rights``.

    >>> co2 = Instrument(RightType.CO2E, 2025)
    >>> book = OrderBook()
    >>> book.deposit("110000", 100_000), book.issue("120000", co2, 50)
    (1, 2)
    >>> book.submit("120000", co2, "sell", 10, 5_000), book.submit("110000", co2, "buy", 4, 5_100)
    (1, 2)
    >>> [(t.price, t.quantity, t.buyer, t.seller) for t in book.trades()]
    [(5000, 4, '110000', '120000')]
    >>> book.available_money("110000"), book.available_rights("120000", co2)
    (80000, 40)
    >>> OrderBook.replay(book.events).state() == book.state()
    True
    """

    def __init__(self, *, enterprise_rights: Iterable[RightType | str] = ()) -> None:
        self.enterprise_rights = frozenset(RightType.parse(r) for r in enterprise_rights)
        self._accounts: dict[str, _Account] = {}
        self._markets: dict[Instrument, _Market] = {}
        self._orders: dict[int, _Order] = {}
        self._log: list[tuple[Any, ...]] = []
        self._trades: list[tuple[Any, ...]] = []
        self._stp: list[int] = []
        self._retired: dict[Instrument, int] = {}
        self._next_oid = 1
        self._dead = 0  # cancelled orders still sitting in their levels
        self._base = 0  # events before this seq are not held (a snapshot or forget_history)
        self._trade_base = 0  # trades before this count are not held

    # ------------------------------------------------------------------ accounts
    def _account(self, holder: str) -> _Account:
        acct = self._accounts.get(holder)
        if acct is None:
            raise NotFound(f"holder {holder!r} has no account (deposit money or issue rights first)")
        return acct

    def _check_holder_right(self, holder: str, inst: Instrument) -> None:
        if ENTERPRISE_SEPARATOR in holder and inst.right not in self.enterprise_rights:
            raise PermissionDenied(
                f"enterprise account {holder!r} may not hold {inst.right.value} rights "
                f"(the scheme admits enterprises only for: "
                f"{', '.join(sorted(r.value for r in self.enterprise_rights)) or 'none'})"
            )

    def _open(self, holder: str) -> _Account:
        if not isinstance(holder, str) or not holder.strip():
            raise DataError(
                f"holder {holder!r} is not a holder id", column="holder", expected="a region code"
            )
        acct = self._accounts.get(holder)
        if acct is None:
            acct = self._accounts[holder] = _Account(holder)
        return acct

    def deposit(self, holder: str, amount: int) -> int:
        """Pay ``amount`` fen into ``holder``'s account (opening it); returns the event seq."""
        amount = _positive_int(amount, "amount")
        acct = self._open(holder)
        seq = self._base + len(self._log) + 1
        self._log.append((DepositMoney, seq, holder, amount))
        acct.money += amount
        return seq

    def issue(self, holder: str, instrument: Instrument, units: int) -> int:
        """Issue ``units`` of ``instrument`` to ``holder`` (initial allocation); returns the seq."""
        units = _positive_int(units, "units")
        if not isinstance(instrument, Instrument):
            raise DataError(f"{instrument!r} is not an Instrument", column="instrument")
        self._check_holder_right(holder, instrument)
        acct = self._open(holder)
        seq = self._base + len(self._log) + 1
        self._log.append((IssueRights, seq, holder, instrument, units))
        acct.rights[instrument] = acct.rights.get(instrument, 0) + units
        return seq

    def issue_allocation(self, allocation: Allocation) -> list[int]:
        """Issue every positive entry of an :class:`~regcoord.trading.Allocation`."""
        return [
            self.issue(h, allocation.instrument, int(u))
            for h, u in zip(allocation.holders, allocation.units, strict=True)
            if u > 0
        ]

    def surrender(self, holder: str, instrument: Instrument, units: int, period: int) -> int:
        """Retire ``units`` of ``holder``'s available (unreserved) rights for ``period``."""
        units = _positive_int(units, "units")
        acct = self._account(holder)
        have = acct.rights.get(instrument, 0) - acct.rights_held.get(instrument, 0)
        if units > have:
            raise ConflictError(
                f"holder {holder!r} has {have} available units of {instrument.code}, cannot surrender {units}"
            )
        seq = self._base + len(self._log) + 1
        self._log.append((Surrender, seq, holder, instrument, units, int(period)))
        acct.rights[instrument] -= units
        self._retired[instrument] = self._retired.get(instrument, 0) + units
        return seq

    def available_money(self, holder: str) -> int:
        """Fen of ``holder`` not reserved by resting buy orders."""
        a = self._account(holder)
        return a.money - a.money_held

    def available_rights(self, holder: str, instrument: Instrument) -> int:
        """Units of ``instrument`` held by ``holder`` and not reserved by resting sell orders."""
        a = self._account(holder)
        return a.rights.get(instrument, 0) - a.rights_held.get(instrument, 0)

    # ------------------------------------------------------------------ orders
    def _market(self, inst: Instrument) -> _Market:
        m = self._markets.get(inst)
        if m is None:
            if not isinstance(inst, Instrument):
                raise DataError(f"{inst!r} is not an Instrument", column="instrument")
            m = self._markets[inst] = _Market(inst)
        return m

    def submit(
        self,
        holder: str,
        instrument: Instrument,
        side: str,
        quantity: int,
        price: int | None = None,
        *,
        budget: int | None = None,
    ) -> int:
        """Submit an order and match it; returns its order id.

        A limit order has a ``price`` (fen per unit); a market order has none and a market
        buy needs ``budget`` (the most fen it may spend).  Raises :class:`ConflictError`
        when the holder's available money or rights do not cover the reservation, and then
        nothing changes.
        """
        acct = self._accounts.get(holder)
        if acct is None:
            raise NotFound(f"holder {holder!r} has no account (deposit money or issue rights first)")
        if type(quantity) is not int or quantity <= 0:
            quantity = _positive_int(quantity, "quantity")
        m = self._markets.get(instrument)
        if m is None:
            m = self._market(instrument)
        if ENTERPRISE_SEPARATOR in holder:
            self._check_holder_right(holder, instrument)
        if side == "buy":
            buy = True
        elif side == "sell":
            buy = False
        else:
            raise DataError(f"side {side!r} is invalid", column="side", expected="'buy' or 'sell'")
        if price is None:
            return self._submit_market(acct, m, buy, quantity, budget)
        if type(price) is not int or price <= 0:
            price = _positive_int(price, "price")
        if budget is not None:
            raise DataError("a limit order takes no budget", column="budget", expected="None")
        if buy:
            need = price * quantity
            if need > acct.money - acct.money_held:
                raise ConflictError(
                    f"holder {holder!r} has {acct.money - acct.money_held} fen available, "
                    f"the buy order needs {need} fen"
                )
            acct.money_held += need
        else:
            held = acct.rights_held.get(instrument, 0)
            if quantity > acct.rights.get(instrument, 0) - held:
                raise ConflictError(
                    f"holder {holder!r} has {acct.rights.get(instrument, 0) - held} units of "
                    f"{instrument.code} available, the sell order needs {quantity}"
                )
            acct.rights_held[instrument] = held + quantity
        seq = self._base + len(self._log) + 1
        oid = self._next_oid
        self._next_oid = oid + 1
        self._log.append((SubmitOrder, seq, oid, holder, instrument, side, "limit", quantity, price, None))
        o = _Order(oid, acct, buy, price, quantity, seq, m)
        if m.call:
            self._call_entry(o)
        else:
            if buy:
                if m.ask_heap and m.ask_heap[0] <= price:
                    self._match_buy(o, seq)
            elif m.bid_heap and -m.bid_heap[0] >= price:
                self._match_sell(o, seq)
            if o.qty == 0:
                return oid
        self._orders[oid] = o
        m.rest(o)
        return oid

    def _submit_market(self, acct: _Account, m: _Market, buy: bool, quantity: int, budget: int | None) -> int:
        inst = m.inst
        if m.call:
            raise ConflictError(
                f"{inst.code} is in a call auction; market orders are taken only in continuous trading"
            )
        if buy:
            if budget is None:
                raise DataError("a market buy needs a money limit", column="budget", expected="fen > 0")
            budget = _positive_int(budget, "budget")
            if budget > acct.money - acct.money_held:
                raise ConflictError(
                    f"holder {acct.holder!r} has {acct.money - acct.money_held} fen available, "
                    f"the market buy reserves {budget} fen"
                )
        else:
            if budget is not None:
                raise DataError("a market sell takes no budget", column="budget", expected="None")
            have = acct.rights.get(inst, 0) - acct.rights_held.get(inst, 0)
            if quantity > have:
                raise ConflictError(
                    f"holder {acct.holder!r} has {have} units of {inst.code} available, "
                    f"the sell order needs {quantity}"
                )
        seq = self._base + len(self._log) + 1
        oid = self._next_oid
        self._next_oid = oid + 1
        side = "buy" if buy else "sell"
        self._log.append((SubmitOrder, seq, oid, acct.holder, inst, side, "market", quantity, None, budget))
        if buy:
            assert budget is not None
            acct.money_held += budget
            o = _Order(oid, acct, True, 0, quantity, seq, m)
            self._match_buy(o, seq, budget)
            acct.money_held -= budget
        else:
            acct.rights_held[inst] = acct.rights_held.get(inst, 0) + quantity
            o = _Order(oid, acct, False, 0, quantity, seq, m)
            self._match_sell(o, seq)
            acct.rights_held[inst] -= o.qty  # release what did not execute
        o.live = False
        return oid

    def _match_buy(self, o: _Order, seq: int, budget: int | None = None) -> None:
        """Match an incoming buy against the asks (limit ``o.price``, or ``budget`` if market).

        Each fill settles both legs at once: the seller's reserved units go to the buyer and
        ``price * quantity`` fen go the other way (released from the buyer's reservation).
        """
        m = o.mkt
        inst = m.inst
        asks = m.asks
        heap = m.ask_heap
        buyer = o.acct
        b_rights = buyer.rights
        limit = o.price
        qty = o.qty
        trades = self._trades
        orders = self._orders
        spent = 0
        while qty and heap:
            p = heap[0]
            if budget is None:
                if p > limit:
                    break
            elif p > budget - spent:
                break
            level = asks.get(p)
            if level is not None:
                while level:
                    r = level[0]
                    if not r.live:
                        level.popleft()
                        continue
                    seller = r.acct
                    if seller is buyer:  # self-trade prevention: cancel the resting order
                        level.popleft()
                        self._kill(r)
                        self._stp.append(r.oid)
                        continue
                    q = r.qty if r.qty < qty else qty
                    if budget is not None:
                        afford = (budget - spent) // p
                        if afford < q:
                            q = afford
                            if q == 0:
                                break
                        spent += p * q
                    else:
                        buyer.money_held -= limit * q
                    value = p * q
                    seller.money += value
                    seller.rights[inst] -= q
                    seller.rights_held[inst] -= q
                    buyer.money -= value
                    b_rights[inst] = b_rights.get(inst, 0) + q
                    trades.append((seq, inst, p, q, o.oid, r.oid, buyer.holder, seller.holder))
                    m.last_price = p
                    qty -= q
                    if r.qty > q:
                        r.qty -= q
                        break
                    r.qty = 0
                    r.live = False
                    level.popleft()
                    del orders[r.oid]
                    if not qty:
                        break
                if level:  # incoming filled, or its budget cannot pay one more unit here
                    break
                del asks[p]
            heappop(heap)
        o.qty = qty

    def _match_sell(self, o: _Order, seq: int) -> None:
        """Match an incoming sell against the bids (limit ``o.price``; 0 means market)."""
        m = o.mkt
        inst = m.inst
        bids = m.bids
        heap = m.bid_heap
        seller = o.acct
        s_rights = seller.rights
        s_held = seller.rights_held
        limit = o.price
        qty = o.qty
        trades = self._trades
        orders = self._orders
        while qty and heap:
            p = -heap[0]
            if p < limit:
                break
            level = bids.get(p)
            if level is not None:
                while level:
                    r = level[0]
                    if not r.live:
                        level.popleft()
                        continue
                    buyer = r.acct
                    if buyer is seller:  # self-trade prevention: cancel the resting order
                        level.popleft()
                        self._kill(r)
                        self._stp.append(r.oid)
                        continue
                    q = r.qty if r.qty < qty else qty
                    value = p * q
                    buyer.money -= value
                    buyer.money_held -= value
                    br = buyer.rights
                    br[inst] = br.get(inst, 0) + q
                    seller.money += value
                    s_rights[inst] -= q
                    s_held[inst] -= q
                    trades.append((seq, inst, p, q, r.oid, o.oid, buyer.holder, seller.holder))
                    m.last_price = p
                    qty -= q
                    if r.qty > q:
                        r.qty -= q
                        break
                    r.qty = 0
                    r.live = False
                    level.popleft()
                    del orders[r.oid]
                    if not qty:
                        break
                if level:
                    break
                del bids[p]
            heappop(heap)
        o.qty = qty

    def _kill(self, o: _Order) -> None:
        """Take a live resting order out: release its reservation, mark it dead.

        The dead order stays in its level until matching reaches it or, once such orders
        outnumber live ones, :meth:`_compact` sweeps every level (amortised O(1)).
        """
        a = o.acct
        if o.buy:
            a.money_held -= o.price * o.qty
        else:
            a.rights_held[o.mkt.inst] -= o.qty
        o.live = False
        del self._orders[o.oid]

    def _maybe_compact(self) -> None:
        """Sweep the levels once cancelled orders left in them outnumber the live ones.

        Called only at the end of a public command, never while a match is running.
        """
        if self._dead > 4096 and self._dead > len(self._orders):
            self._compact()

    def _compact(self) -> None:
        """Drop dead orders and empty levels everywhere; rebuild the heaps (no visible change)."""
        for m in self._markets.values():
            for levels in (m.bids, m.asks):
                for price in list(levels):
                    live = deque(o for o in levels[price] if o.live)
                    if live:
                        levels[price] = live
                    else:
                        del levels[price]
            m.bid_heap = [-p for p in m.bids]
            heapify(m.bid_heap)
            m.ask_heap = list(m.asks)
            heapify(m.ask_heap)
        self._dead = 0

    def is_resting(self, order_id: int) -> bool:
        """Whether ``order_id`` is a live resting order."""
        return order_id in self._orders

    def cancel(self, order_id: int) -> int:
        """Cancel a resting order; returns the event seq."""
        o = self._orders.get(order_id)
        if o is None:
            raise NotFound(f"order {order_id!r} is not resting (unknown, filled or cancelled)")
        seq = self._base + len(self._log) + 1
        self._log.append((CancelOrder, seq, order_id))
        self._kill(o)
        self._dead += 1
        self._maybe_compact()
        return seq

    def replace(self, order_id: int, *, price: int | None = None, quantity: int | None = None) -> int:
        """Give a resting order a new price and/or open quantity; returns the event seq.

        Time priority is kept only when the price is unchanged and the quantity decreases
        (the order keeps its place and the surplus reservation is released).  Otherwise
        the order keeps its id but is re-entered with a new time, after every order
        already at its price, and trades at once if it now crosses the other side.
        Raises :class:`ConflictError`, changing nothing, if the holder cannot cover the
        new reservation.
        """
        o = self._orders.get(order_id)
        if o is None:
            raise NotFound(f"order {order_id!r} is not resting (unknown, filled or cancelled)")
        new_price = o.price if price is None else _positive_int(price, "price")
        new_qty = o.qty if quantity is None else _positive_int(quantity, "quantity")
        a = o.acct
        inst = o.mkt.inst
        if o.buy:
            extra = new_price * new_qty - o.price * o.qty
            if extra > a.money - a.money_held:
                raise ConflictError(
                    f"holder {a.holder!r} has {a.money - a.money_held} fen available, "
                    f"the replaced order needs {extra} fen more"
                )
        else:
            extra = new_qty - o.qty
            have = a.rights.get(inst, 0) - a.rights_held.get(inst, 0)
            if extra > have:
                raise ConflictError(
                    f"holder {a.holder!r} has {have} units of {inst.code} available, "
                    f"the replaced order needs {extra} more"
                )
        seq = self._base + len(self._log) + 1
        self._log.append((ReplaceOrder, seq, order_id, new_price, new_qty))
        if new_price == o.price and new_qty <= o.qty:
            if o.buy:
                a.money_held -= o.price * (o.qty - new_qty)
            else:
                a.rights_held[inst] -= o.qty - new_qty
            o.qty = new_qty
            return seq
        self._kill(o)
        self._dead += 1
        m = o.mkt
        n = _Order(order_id, a, o.buy, new_price, new_qty, seq, m)
        if o.buy:
            a.money_held += new_price * new_qty
        else:
            a.rights_held[inst] += new_qty
        if m.call:
            self._call_entry(n)
        elif n.buy:
            if m.ask_heap and m.ask_heap[0] <= new_price:
                self._match_buy(n, seq)
        elif m.bid_heap and -m.bid_heap[0] >= new_price:
            self._match_sell(n, seq)
        if n.qty:
            self._orders[order_id] = n
            m.rest(n)
        self._maybe_compact()
        return seq

    # ------------------------------------------------------------------ call auction
    def _call_entry(self, o: _Order) -> None:
        """Self-trade prevention on entry in a call phase: cancel crossing own opposite orders."""
        m = o.mkt
        for r in m.live_orders(not o.buy):
            if r.acct is o.acct and (r.price <= o.price if o.buy else r.price >= o.price):
                self._kill(r)
                self._stp.append(r.oid)
                self._dead += 1

    def start_call(self, instrument: Instrument) -> int:
        """Put ``instrument`` into a call phase (orders collect without matching)."""
        m = self._market(instrument)
        if m.call:
            raise ConflictError(f"{instrument.code} is already in a call auction")
        seq = self._base + len(self._log) + 1
        self._log.append((StartCall, seq, instrument))
        m.call = True
        return seq

    def uncross(self, instrument: Instrument, *, reference_price: int | None = None) -> AuctionResult:
        """Execute the call auction at one uniform price and start continuous trading.

        The price comes from :func:`clearing_price` (``reference_price`` defaults to the
        instrument's last trade price).  Orders execute in price-time priority at that
        price; a buyer whose limit is higher gets the difference of its reservation back.
        """
        m = self._markets.get(instrument)
        if m is None or not m.call:
            raise ConflictError(f"{getattr(instrument, 'code', instrument)} is not in a call auction")
        seq = self._base + len(self._log) + 1
        self._log.append((Uncross, seq, instrument, reference_price))
        ref = reference_price if reference_price is not None else m.last_price
        buys = m.live_orders(True)
        sells = m.live_orders(False)
        price, volume, imbalance, rule = clearing_price(
            [(o.price, o.qty) for o in buys], [(o.price, o.qty) for o in sells], ref
        )
        m.call = False
        if price is None:
            return AuctionResult(instrument, None, 0, 0, rule)
        inst = m.inst
        bi = si = 0
        left = volume
        while left:
            b = buys[bi]
            s = sells[si]
            q = min(b.qty, s.qty, left)
            buyer, seller = b.acct, s.acct
            value = price * q
            seller.money += value
            seller.rights[inst] -= q
            seller.rights_held[inst] -= q
            buyer.money -= value
            buyer.money_held -= b.price * q
            buyer.rights[inst] = buyer.rights.get(inst, 0) + q
            self._trades.append((seq, inst, price, q, b.oid, s.oid, buyer.holder, seller.holder))
            left -= q
            b.qty -= q
            s.qty -= q
            for o in (b, s):
                if o.qty == 0:
                    o.live = False
                    del self._orders[o.oid]
            if b.qty == 0:
                bi += 1
            if s.qty == 0:
                si += 1
        m.last_price = price
        return AuctionResult(instrument, price, volume, imbalance, rule)

    # ------------------------------------------------------------------ log and state
    @property
    def seq(self) -> int:
        """Sequence number of the last event (0 for an empty book)."""
        return self._base + len(self._log)

    @property
    def events(self) -> list[Event]:
        """The events held, in sequence order (all of them unless the book was restored from a
        snapshot or told to :meth:`forget_history`: then those after that point)."""
        return [row[0](*row[1:]) for row in self._log]

    def events_since(self, seq: int) -> list[Event]:
        """Events with sequence number greater than ``seq`` (for incremental persistence)."""
        if seq < self._base:
            raise DataError(
                f"events up to {self._base} are no longer held", column="seq", expected=f">= {self._base}"
            )
        return [row[0](*row[1:]) for row in self._log[seq - self._base :]]

    @property
    def trade_count(self) -> int:
        """Number of trades so far."""
        return self._trade_base + len(self._trades)

    def trades(self, start: int = 0) -> list[Trade]:
        """Trades from index ``start`` on (trade ids are 1-based and consecutive); only the
        trades held (see :meth:`forget_history`) are returned."""
        start = max(start, self._trade_base)
        return [Trade(start + i + 1, *t) for i, t in enumerate(self._trades[start - self._trade_base :])]

    def forget_history(self) -> None:
        """Drop the events and trades held (a service that stored them keeps memory bounded).

        The state, the sequence number and the trade count are unchanged; :meth:`events_since`
        and :meth:`trades` then reach back only to this point.
        """
        self._base += len(self._log)
        self._log.clear()
        self._trade_base += len(self._trades)
        self._trades.clear()

    def snapshot(self) -> dict[str, Any]:
        """The complete state as plain JSON (:meth:`from_snapshot` restores it exactly).

        Holds the counters (``seq``, next order id, trade count), every account with its
        reserved parts, every market's phase and last price with its live orders in
        priority order (price levels best first, time order within a level), the retired
        units and the self-trade cancellations.  Events and trades are not included: the
        book restored from the snapshot of ``seq`` and the events after ``seq`` equals the
        book replayed from every event (tested).
        """
        return {
            "version": 1,
            "seq": self.seq,
            "next_order_id": self._next_oid,
            "trade_count": self.trade_count,
            "enterprise_rights": sorted(r.value for r in self.enterprise_rights),
            "accounts": [
                [
                    a.holder,
                    a.money,
                    a.money_held,
                    [[i.code, v] for i, v in a.rights.items()],
                    [[i.code, v] for i, v in a.rights_held.items()],
                ]
                for a in self._accounts.values()
            ],
            "markets": [
                [
                    inst.code,
                    m.call,
                    m.last_price,
                    [[o.oid, o.acct.holder, o.price, o.qty, o.time] for o in m.live_orders(True)],
                    [[o.oid, o.acct.holder, o.price, o.qty, o.time] for o in m.live_orders(False)],
                ]
                for inst, m in self._markets.items()
            ],
            "retired": [[i.code, v] for i, v in self._retired.items()],
            "self_trade_cancels": list(self._stp),
        }

    @classmethod
    def from_snapshot(cls, data: Mapping[str, Any]) -> OrderBook:
        """The book of a :meth:`snapshot` (events and trades before it are not held)."""
        if data.get("version") != 1:
            raise DataError(
                f"snapshot version {data.get('version')!r} is unknown", column="version", expected="1"
            )
        try:
            book = cls(enterprise_rights=data["enterprise_rights"])
            book._base = int(data["seq"])
            book._next_oid = int(data["next_order_id"])
            book._trade_base = int(data["trade_count"])
            parse = Instrument.parse
            for holder, money, held, rights, rights_held in data["accounts"]:
                a = book._open(holder)
                a.money, a.money_held = int(money), int(held)
                a.rights = {parse(c): int(v) for c, v in rights}
                a.rights_held = {parse(c): int(v) for c, v in rights_held}
            for code, call, last, bids, asks in data["markets"]:
                m = book._market(parse(code))
                m.call, m.last_price = bool(call), None if last is None else int(last)
                for buy, rows in ((True, bids), (False, asks)):
                    for oid, holder, price, qty, time in rows:
                        o = _Order(int(oid), book._accounts[holder], buy, int(price), int(qty), int(time), m)
                        book._orders[o.oid] = o
                        m.rest(o)
            book._retired = {parse(c): int(v) for c, v in data["retired"]}
            book._stp = [int(x) for x in data["self_trade_cancels"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(f"snapshot is malformed: {exc!r}", column="snapshot") from None
        return book

    def apply(self, event: Event) -> None:
        """Apply one event; its ``seq`` must be the next sequence number."""
        if event.seq != self.seq + 1:
            raise DataError(
                f"event seq {event.seq} out of order", row=event.seq, expected=f"seq {self.seq + 1}"
            )
        if isinstance(event, SubmitOrder):
            if event.order_id != self._next_oid:
                raise ConflictError(
                    f"event {event.seq}: order id {event.order_id}, expected {self._next_oid}"
                )
            self.submit(
                event.holder, event.instrument, event.side, event.quantity, event.price, budget=event.budget
            )
        elif isinstance(event, DepositMoney):
            self.deposit(event.holder, event.amount)
        elif isinstance(event, IssueRights):
            self.issue(event.holder, event.instrument, event.units)
        elif isinstance(event, CancelOrder):
            self.cancel(event.order_id)
        elif isinstance(event, ReplaceOrder):
            self.replace(event.order_id, price=event.price, quantity=event.quantity)
        elif isinstance(event, StartCall):
            self.start_call(event.instrument)
        elif isinstance(event, Uncross):
            self.uncross(event.instrument, reference_price=event.reference_price)
        elif isinstance(event, Surrender):
            self.surrender(event.holder, event.instrument, event.units, event.period)
        else:
            raise DataError(f"unknown event {event!r}", row=getattr(event, "seq", None))

    @classmethod
    def replay(
        cls, events: Iterable[Event], *, enterprise_rights: Iterable[RightType | str] = ()
    ) -> OrderBook:
        """Rebuild a book from its event log (the same events give the same state)."""
        book = cls(enterprise_rights=enterprise_rights)
        for event in events:
            book.apply(event)
        return book

    def state(self) -> BookState:
        """A snapshot of everything observable (accounts, resting orders, phases, counters)."""
        accounts = tuple(
            AccountState(
                a.holder,
                a.money,
                a.money_held,
                {i.code: v for i, v in sorted(a.rights.items()) if v},
                {i.code: v for i, v in sorted(a.rights_held.items()) if v},
            )
            for _, a in sorted(self._accounts.items())
        )
        orders: list[OrderState] = []
        for inst, m in sorted(self._markets.items()):
            for buy in (True, False):
                orders.extend(
                    OrderState(
                        o.oid, o.acct.holder, inst.code, "buy" if buy else "sell", o.price, o.qty, o.time
                    )
                    for o in m.live_orders(buy)
                )
        return BookState(
            seq=self.seq,
            next_order_id=self._next_oid,
            trade_count=self.trade_count,
            accounts=accounts,
            orders=tuple(orders),
            call_phase=tuple(i.code for i, m in sorted(self._markets.items()) if m.call),
            last_prices={
                i.code: m.last_price for i, m in sorted(self._markets.items()) if m.last_price is not None
            },
            retired={i.code: v for i, v in sorted(self._retired.items())},
            self_trade_cancels=tuple(self._stp),
        )

    def rights_total(self, *, by: str = "right") -> dict[str, int]:
        """Units held in all accounts, per right type (``by="right"``) or per instrument."""
        out: dict[str, int] = {}
        for a in self._accounts.values():
            for inst, v in a.rights.items():
                key = inst.right.value if by == "right" else inst.code
                out[key] = out.get(key, 0) + v
        return dict(sorted(out.items()))

    def money_total(self) -> int:
        """Fen held in all accounts."""
        return sum(a.money for a in self._accounts.values())

    def negative_balances(self) -> int:
        """Number of balances (money, rights, or their available parts) below zero."""
        n = 0
        for a in self._accounts.values():
            n += (a.money < 0) + (a.money_held < 0) + (a.money - a.money_held < 0)
            for inst, v in a.rights.items():
                h = a.rights_held.get(inst, 0)
                n += (v < 0) + (h < 0) + (v - h < 0)
        return n

    def retired(self, instrument: Instrument) -> int:
        """Units of ``instrument`` surrendered for compliance so far."""
        return self._retired.get(instrument, 0)

    def holders(self) -> list[str]:
        """Holder ids with an account, sorted."""
        return sorted(self._accounts)

    def holdings(self) -> dict[str, dict[Instrument, int]]:
        """Total units (reserved included) per holder and instrument, zero entries left out."""
        return {h: {i: v for i, v in a.rights.items() if v} for h, a in sorted(self._accounts.items())}

    def best_bid(self, instrument: Instrument) -> int | None:
        """Highest live bid price (fen per unit), ``None`` when there is none."""
        m = self._markets.get(instrument)
        if m is None:
            return None
        prices = [p for p, lv in m.bids.items() if any(o.live for o in lv)]
        return max(prices) if prices else None

    def best_ask(self, instrument: Instrument) -> int | None:
        """Lowest live ask price (fen per unit), ``None`` when there is none."""
        m = self._markets.get(instrument)
        if m is None:
            return None
        prices = [p for p, lv in m.asks.items() if any(o.live for o in lv)]
        return min(prices) if prices else None
