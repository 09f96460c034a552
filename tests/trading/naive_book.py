"""A deliberately naive reference order book: plain lists, linear scans, no heaps.

Written independently of ``regcoord.trading._book`` from the documented rules only
(price-time priority, trade at the resting price, reservations, market buy budget,
self-trade prevention "cancel resting", replace keeps priority only when the price is
unchanged and the quantity decreases, call auction with the documented tie rules).  The
Hypothesis state machine compares it with the engine step by step; the benchmark uses it
as the slow peer.
"""

from __future__ import annotations

from typing import Any

from regcoord.errors import ConflictError, NotFound


class NaiveBook:
    def __init__(self) -> None:
        self.accounts: dict[str, dict[str, Any]] = {}
        self.orders: list[dict[str, Any]] = []  # resting orders, any order
        self.trades: list[tuple[Any, ...]] = []
        self.seq = 0
        self.next_oid = 1
        self.call: set[Any] = set()
        self.last: dict[Any, int] = {}
        self.retired: dict[Any, int] = {}
        self.stp: list[int] = []

    # accounts -----------------------------------------------------------
    def _acct(self, holder: str) -> dict[str, Any]:
        if holder not in self.accounts:
            raise NotFound(holder)
        return self.accounts[holder]

    def _new(self, holder: str) -> dict[str, Any]:
        return self.accounts.setdefault(holder, {"money": 0, "mheld": 0, "rights": {}, "rheld": {}})

    def deposit(self, holder: str, amount: int) -> None:
        self.seq += 1
        self._new(holder)["money"] += amount

    def issue(self, holder: str, inst: Any, units: int) -> None:
        self.seq += 1
        a = self._new(holder)
        a["rights"][inst] = a["rights"].get(inst, 0) + units

    def avail_rights(self, holder: str, inst: Any) -> int:
        a = self._acct(holder)
        return a["rights"].get(inst, 0) - a["rheld"].get(inst, 0)

    def avail_money(self, holder: str) -> int:
        a = self._acct(holder)
        return a["money"] - a["mheld"]

    def surrender(self, holder: str, inst: Any, units: int) -> None:
        if units > self.avail_rights(holder, inst):
            raise ConflictError("surrender")
        self.seq += 1
        self.accounts[holder]["rights"][inst] -= units
        self.retired[inst] = self.retired.get(inst, 0) + units

    # helpers -------------------------------------------------------------
    def _reserve(self, o: dict[str, Any], sign: int) -> None:
        a = self.accounts[o["holder"]]
        if o["buy"]:
            a["mheld"] += sign * o["price"] * o["qty"]
        else:
            a["rheld"][o["inst"]] = a["rheld"].get(o["inst"], 0) + sign * o["qty"]

    def _remove(self, o: dict[str, Any]) -> None:
        self._reserve(o, -1)
        self.orders.remove(o)

    def _settle(
        self, buyer: str, seller: str, inst: Any, price: int, qty: int, buy_limit: int | None
    ) -> None:
        b = self.accounts[buyer]
        s = self.accounts[seller]
        b["money"] -= price * qty
        if buy_limit is not None:
            b["mheld"] -= buy_limit * qty
        b["rights"][inst] = b["rights"].get(inst, 0) + qty
        s["money"] += price * qty
        s["rights"][inst] -= qty
        s["rheld"][inst] -= qty

    def _best(self, inst: Any, buy_side: bool) -> dict[str, Any] | None:
        side = [o for o in self.orders if o["inst"] == inst and o["buy"] == buy_side]
        if not side:
            return None
        if buy_side:
            return min(side, key=lambda o: (-o["price"], o["time"]))
        return min(side, key=lambda o: (o["price"], o["time"]))

    # orders -------------------------------------------------------------
    def submit(
        self, holder: str, inst: Any, side: str, qty: int, price: int | None = None, budget: int | None = None
    ) -> int:
        a = self._acct(holder)
        buy = side == "buy"
        if price is None and inst in self.call:
            raise ConflictError("market order in call")
        if buy:
            need = price * qty if price is not None else budget
            assert need is not None
            if need > a["money"] - a["mheld"]:
                raise ConflictError("money")
        elif qty > self.avail_rights(holder, inst):
            raise ConflictError("rights")
        self.seq += 1
        oid = self.next_oid
        self.next_oid += 1
        if price is None:
            self._match_market(holder, inst, buy, qty, budget, oid)
            return oid
        o = {
            "oid": oid,
            "holder": holder,
            "inst": inst,
            "buy": buy,
            "price": price,
            "qty": qty,
            "time": self.seq,
        }
        self._enter(o)
        return oid

    def _enter(self, o: dict[str, Any]) -> None:
        """Reserve, then match (continuous) or apply entry self-trade prevention (call), then rest."""
        self._reserve(o, +1)
        inst = o["inst"]
        if inst in self.call:
            # own crossing orders are cancelled in the priority order of their side
            key = (lambda r: (r["price"], r["time"])) if o["buy"] else (lambda r: (-r["price"], r["time"]))
            for r in sorted(self.orders, key=key):
                crosses = r["price"] <= o["price"] if o["buy"] else r["price"] >= o["price"]
                if r["inst"] == inst and r["buy"] != o["buy"] and r["holder"] == o["holder"] and crosses:
                    self._remove(r)
                    self.stp.append(r["oid"])
            self.orders.append(o)
            return
        while o["qty"] > 0:
            r = self._best(inst, not o["buy"])
            if r is None:
                break
            if (o["buy"] and r["price"] > o["price"]) or (not o["buy"] and r["price"] < o["price"]):
                break
            if r["holder"] == o["holder"]:
                self._remove(r)
                self.stp.append(r["oid"])
                continue
            q = min(r["qty"], o["qty"])
            p = r["price"]
            if o["buy"]:
                self._settle(o["holder"], r["holder"], inst, p, q, o["price"])
                self.trades.append((self.seq, inst, p, q, o["oid"], r["oid"], o["holder"], r["holder"]))
            else:
                self._settle(r["holder"], o["holder"], inst, p, q, p)
                self.trades.append((self.seq, inst, p, q, r["oid"], o["oid"], r["holder"], o["holder"]))
            self.last[inst] = p
            o["qty"] -= q
            r["qty"] -= q
            if o["buy"] is False:
                pass
            if r["qty"] == 0:
                self.orders.remove(r)
        if o["qty"] > 0:
            self.orders.append(o)
        # the reservation of the filled part was consumed by _settle (buyer: limit * q;
        # seller: q units); nothing to release

    def _match_market(
        self, holder: str, inst: Any, buy: bool, qty: int, budget: int | None, oid: int
    ) -> None:
        spent = 0
        while qty > 0:
            r = self._best(inst, not buy)
            if r is None:
                break
            p = r["price"]
            if buy and (budget - spent) // p == 0:  # type: ignore[operator]
                break  # cannot pay one unit: nothing would trade, so no self-trade either
            if r["holder"] == holder:
                self._remove(r)
                self.stp.append(r["oid"])
                continue
            q = min(r["qty"], qty)
            if buy:
                assert budget is not None
                q = min(q, (budget - spent) // p)
                if q == 0:
                    break
                spent += p * q
                # market buy: money moves directly, its budget reservation is transient
                self._settle(holder, r["holder"], inst, p, q, None)
                self.trades.append((self.seq, inst, p, q, oid, r["oid"], holder, r["holder"]))
            else:
                a = self.accounts[holder]
                a["rheld"][inst] = a["rheld"].get(inst, 0) + q  # reserve, then settle
                self._settle(r["holder"], holder, inst, p, q, p)
                self.trades.append((self.seq, inst, p, q, r["oid"], oid, r["holder"], holder))
            self.last[inst] = p
            qty -= q
            r["qty"] -= q
            if r["qty"] == 0:
                self.orders.remove(r)

    def _find(self, oid: int) -> dict[str, Any]:
        for o in self.orders:
            if o["oid"] == oid:
                return o
        raise NotFound(str(oid))

    def cancel(self, oid: int) -> None:
        o = self._find(oid)
        self.seq += 1
        self._remove(o)

    def replace(self, oid: int, price: int, qty: int) -> None:
        o = self._find(oid)
        a = self.accounts[o["holder"]]
        if o["buy"]:
            if price * qty - o["price"] * o["qty"] > a["money"] - a["mheld"]:
                raise ConflictError("money")
        elif qty - o["qty"] > self.avail_rights(o["holder"], o["inst"]):
            raise ConflictError("rights")
        self.seq += 1
        if price == o["price"] and qty <= o["qty"]:
            self._reserve(o, -1)
            o["qty"] = qty
            self._reserve(o, +1)
            return
        self._remove(o)
        n = dict(o, price=price, qty=qty, time=self.seq)
        self._enter(n)

    # call auction ---------------------------------------------------------
    def start_call(self, inst: Any) -> None:
        if inst in self.call:
            raise ConflictError("already")
        self.seq += 1
        self.call.add(inst)

    def uncross(self, inst: Any, ref: int | None = None) -> int | None:
        if inst not in self.call:
            raise ConflictError("not in call")
        self.seq += 1
        self.call.discard(inst)
        if ref is None:
            ref = self.last.get(inst)
        buys = sorted(
            [o for o in self.orders if o["inst"] == inst and o["buy"]], key=lambda o: (-o["price"], o["time"])
        )
        sells = sorted(
            [o for o in self.orders if o["inst"] == inst and not o["buy"]],
            key=lambda o: (o["price"], o["time"]),
        )
        price = naive_clearing_price(
            [(o["price"], o["qty"]) for o in buys], [(o["price"], o["qty"]) for o in sells], ref
        )
        if price is None:
            return None
        for b in buys:
            for s in sells:
                if b["qty"] == 0:
                    break
                if s["qty"] == 0 or b["price"] < price or s["price"] > price:
                    continue
                q = min(b["qty"], s["qty"])
                self._settle(b["holder"], s["holder"], inst, price, q, b["price"])
                self.trades.append((self.seq, inst, price, q, b["oid"], s["oid"], b["holder"], s["holder"]))
                b["qty"] -= q
                s["qty"] -= q
        self.orders = [o for o in self.orders if o["qty"] > 0]
        self.last[inst] = price
        return price

    # comparison --------------------------------------------------------------
    def comparable(self) -> dict[str, Any]:
        accounts = {
            h: (
                a["money"],
                a["mheld"],
                {i.code: v for i, v in a["rights"].items() if v},
                {i.code: v for i, v in a["rheld"].items() if v},
            )
            for h, a in self.accounts.items()
        }
        orders = sorted(
            (
                (
                    o["inst"].code,
                    "buy" if o["buy"] else "sell",
                    o["oid"],
                    o["holder"],
                    o["price"],
                    o["qty"],
                    o["time"],
                )
                for o in self.orders
            ),
        )
        return {"accounts": accounts, "orders": orders, "seq": self.seq, "next": self.next_oid}


def naive_clearing_price(
    buys: list[tuple[int, int]], sells: list[tuple[int, int]], ref: int | None
) -> int | None:
    """The documented call-auction rules, by brute force over every order price."""
    prices = sorted({p for p, _ in buys} | {p for p, _ in sells})
    rows = []
    for p in prices:
        d = sum(q for bp, q in buys if bp >= p)
        s = sum(q for sp, q in sells if sp <= p)
        rows.append((p, min(d, s), abs(d - s), d - s))
    if not rows or max(r[1] for r in rows) == 0:
        return None
    vmax = max(r[1] for r in rows)
    rows = [r for r in rows if r[1] == vmax]
    imin = min(r[2] for r in rows)
    rows = [r for r in rows if r[2] == imin]
    if len(rows) == 1:
        return rows[0][0]
    if all(r[3] > 0 for r in rows):
        return rows[-1][0]
    if all(r[3] < 0 for r in rows):
        return rows[0][0]
    if ref is not None:
        return min(rows, key=lambda r: (abs(r[0] - ref), r[0]))[0]
    return rows[(len(rows) - 1) // 2][0]


def engine_comparable(book: Any) -> dict[str, Any]:
    st = book.state()
    accounts = {a.holder: (a.money, a.money_reserved, a.rights, a.rights_reserved) for a in st.accounts}
    orders = sorted(
        (o.instrument, o.side, o.order_id, o.holder, o.price, o.quantity, o.time) for o in st.orders
    )
    return {"accounts": accounts, "orders": orders, "seq": st.seq, "next": st.next_order_id}
