"""Rights trading: typed rights, initial allocation, a double-auction order book, compliance.

Implements §9 of the 2018 opinions on a more effective regional coordination mechanism
("establish and improve the initial allocation and trading system for water rights,
emission rights, carbon emission rights and energy-use rights").  Pure: no I/O; the
service persists :class:`OrderBook` events and rebuilds the book with
:meth:`OrderBook.replay`.
"""

from regcoord.trading._allocation import (
    METHODS,
    Allocation,
    Bid,
    allocate_by_rule,
    auction,
    benchmarking,
    grandfathering,
    largest_remainder,
    per_capita,
)
from regcoord.trading._book import (
    AccountState,
    AuctionResult,
    BookState,
    OrderBook,
    OrderState,
    Trade,
    clearing_price,
)
from regcoord.trading._compliance import BreachEvent, ComplianceResult, Surrendered, settle_compliance
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
    event_from_dict,
)
from regcoord.trading._rights import Instrument, RightType, holder_id, region_of
from regcoord.trading._simulation import (
    DEFAULT_INSTRUMENTS,
    FlowOutcome,
    FlowSpec,
    OrderFlow,
    endow,
    random_order_flow,
    run_flow,
)

__all__ = [
    "DEFAULT_INSTRUMENTS",
    "METHODS",
    "AccountState",
    "Allocation",
    "AuctionResult",
    "Bid",
    "BookState",
    "BreachEvent",
    "CancelOrder",
    "ComplianceResult",
    "DepositMoney",
    "Event",
    "FlowOutcome",
    "FlowSpec",
    "Instrument",
    "IssueRights",
    "OrderBook",
    "OrderFlow",
    "OrderState",
    "ReplaceOrder",
    "RightType",
    "StartCall",
    "SubmitOrder",
    "Surrender",
    "Surrendered",
    "Trade",
    "Uncross",
    "allocate_by_rule",
    "auction",
    "benchmarking",
    "clearing_price",
    "endow",
    "event_from_dict",
    "grandfathering",
    "holder_id",
    "largest_remainder",
    "per_capita",
    "random_order_flow",
    "region_of",
    "run_flow",
    "settle_compliance",
]
