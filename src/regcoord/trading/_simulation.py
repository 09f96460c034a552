"""Random order flow for exercising the engine (CLI ``simulate`` and the benchmark).

The flow is synthetic: prices scatter around a fixed mid price per instrument, buys
mostly below it and sells mostly above it so that a share of orders cross; a fixed share
of actions cancel or replace a recent order.  Nothing here is an empirical market model;
it exists to load the matching engine reproducibly (``seed``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from regcoord.errors import ConflictError, DataError, NotFound
from regcoord.trading._book import OrderBook
from regcoord.trading._rights import Instrument, RightType

#: action codes in :class:`OrderFlow`
LIMIT, MARKET, CANCEL, REPLACE = 0, 1, 2, 3


@dataclass(frozen=True)
class FlowSpec:
    """Shape of a random flow (all prices in fen per unit, quantities in units)."""

    mid_price: int = 5_000
    spread_ticks: int = 20
    overlap_ticks: int = 5
    max_quantity: int = 100
    p_market: float = 0.05
    p_cancel: float = 0.10
    p_replace: float = 0.05
    recent: int = 64
    money_per_holder: int = 10**11
    units_per_holder: int = 10**7

    def __post_init__(self) -> None:
        for name in (
            "mid_price",
            "spread_ticks",
            "max_quantity",
            "recent",
            "money_per_holder",
            "units_per_holder",
        ):
            if getattr(self, name) <= 0:
                raise DataError(f"{name} must be positive", column=name, expected="> 0")
        if not 0 <= self.overlap_ticks < self.mid_price - self.spread_ticks:
            raise DataError("overlap_ticks out of range", column="overlap_ticks")
        if min(self.p_market, self.p_cancel, self.p_replace) < 0 or (
            self.p_market + self.p_cancel + self.p_replace > 1
        ):
            raise DataError("action probabilities must be >= 0 and add up to at most 1", column="p_market")


@dataclass(frozen=True)
class OrderFlow:
    """``n`` actions as arrays: what, who, which instrument, side, price, quantity, target."""

    holders: tuple[str, ...]
    instruments: tuple[Instrument, ...]
    spec: FlowSpec
    action: np.ndarray
    holder: np.ndarray
    instrument: np.ndarray
    buy: np.ndarray
    price: np.ndarray
    quantity: np.ndarray
    target: np.ndarray

    def __len__(self) -> int:
        return len(self.action)


@dataclass(frozen=True)
class FlowOutcome:
    """Counts of what happened to the actions of a flow."""

    orders: int
    accepted: int
    rejected: int
    cancels: int
    replaces: int
    skipped: int
    trades: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


DEFAULT_INSTRUMENTS: tuple[Instrument, ...] = tuple(Instrument(r, 2025) for r in RightType)


def random_order_flow(
    n: int,
    *,
    holders: Sequence[str],
    instruments: Sequence[Instrument] = DEFAULT_INSTRUMENTS,
    seed: int = 0,
    spec: FlowSpec | None = None,
) -> OrderFlow:
    """Draw ``n`` random actions (limit, market, cancel, replace) for ``holders``."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise DataError(f"number of orders {n!r} is invalid", column="orders", expected="an integer >= 0")
    if len(holders) < 2:
        raise DataError("a market needs at least two holders", column="holders", expected=">= 2")
    if not instruments:
        raise DataError("no instruments", column="instruments", expected="at least one")
    spec = spec or FlowSpec()
    rng = np.random.default_rng(seed)
    u = rng.random(n)
    action = np.full(n, LIMIT, dtype=np.int8)
    action[u < spec.p_market + spec.p_cancel + spec.p_replace] = REPLACE
    action[u < spec.p_market + spec.p_cancel] = CANCEL
    action[u < spec.p_market] = MARKET
    buy = rng.random(n) < 0.5
    # buys in [mid - spread, mid + overlap], sells in [mid - overlap, mid + spread]
    offset = rng.integers(-spec.spread_ticks, spec.overlap_ticks + 1, size=n)
    price = np.where(buy, spec.mid_price + offset, spec.mid_price - offset).astype(np.int64)
    return OrderFlow(
        holders=tuple(holders),
        instruments=tuple(instruments),
        spec=spec,
        action=action,
        holder=rng.integers(0, len(holders), size=n),
        instrument=rng.integers(0, len(instruments), size=n),
        buy=buy,
        price=price,
        quantity=rng.integers(1, spec.max_quantity + 1, size=n),
        target=rng.integers(1, spec.recent + 1, size=n),
    )


def endow(book: OrderBook, flow: OrderFlow) -> None:
    """Give every holder of the flow its money and rights (events on ``book``)."""
    for h in flow.holders:
        book.deposit(h, flow.spec.money_per_holder)
        for inst in flow.instruments:
            book.issue(h, inst, flow.spec.units_per_holder)


def run_flow(
    book: OrderBook, flow: OrderFlow, *, progress: Callable[[int, int], None] | None = None
) -> FlowOutcome:
    """Feed the flow to ``book``; rejected orders (insufficient funds) are counted, not raised.

    A cancel or replace targets the ``target``-th most recent submitted order; when that
    order no longer rests the action is skipped.  A market buy's budget is its quantity
    times ``mid_price + spread_ticks`` (it cannot overpay beyond that).
    """
    n = len(flow)
    holders = flow.holders
    insts = flow.instruments
    cap = flow.spec.mid_price + flow.spec.spread_ticks
    submit = book.submit
    resting = book.is_resting
    oids: list[int] = []
    accepted = rejected = cancels = replaces = skipped = 0
    trades0 = book.trade_count
    step = max(1, n // 100)
    cols = zip(
        flow.action.tolist(),
        flow.holder.tolist(),
        flow.instrument.tolist(),
        flow.buy.tolist(),
        flow.price.tolist(),
        flow.quantity.tolist(),
        flow.target.tolist(),
        strict=True,
    )
    for i, (act, h, k, buy, price, qty, tgt) in enumerate(cols):
        if progress is not None and i % step == 0:
            progress(i, n)
        if act in (LIMIT, MARKET):
            side = "buy" if buy else "sell"
            try:
                if act == LIMIT:
                    oids.append(submit(holders[h], insts[k], side, qty, price))
                elif buy:
                    oids.append(submit(holders[h], insts[k], side, qty, budget=qty * cap))
                else:
                    oids.append(submit(holders[h], insts[k], side, qty))
                accepted += 1
            except ConflictError:
                rejected += 1
            continue
        if len(oids) < tgt or not resting(oids[-tgt]):
            skipped += 1
            continue
        oid = oids[-tgt]
        try:
            if act == CANCEL:
                book.cancel(oid)
                cancels += 1
            else:
                book.replace(oid, price=price, quantity=qty)
                replaces += 1
        except (ConflictError, NotFound):
            rejected += 1
    if progress is not None:
        progress(n, n)
    return FlowOutcome(
        orders=n,
        accepted=accepted,
        rejected=rejected,
        cancels=cancels,
        replaces=replaces,
        skipped=skipped,
        trades=book.trade_count - trades0,
    )
