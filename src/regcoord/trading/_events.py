"""The event log of an order book: every state change is one numbered, immutable event.

A service persists these events (``to_dict()`` gives plain JSON, :func:`event_from_dict`
reads it back) and rebuilds the exact book with :meth:`OrderBook.replay`.  Only accepted
commands become events: a rejected order (insufficient funds, unknown holder) raises and
leaves neither state nor log changed, so replaying a log never meets a rejection.
Derived effects (trades, self-trade cancellations, call-auction fills) are *not* events:
they follow deterministically from the events and are recomputed on replay.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar, Literal

from regcoord.errors import DataError
from regcoord.trading._rights import Instrument

Side = Literal["buy", "sell"]
OrderKind = Literal["limit", "market"]


def _dump(obj: object) -> dict[str, Any]:
    out: dict[str, Any] = {"type": obj.type}  # type: ignore[attr-defined]
    for f in fields(obj):  # type: ignore[arg-type]
        v = getattr(obj, f.name)
        out[f.name] = v.code if isinstance(v, Instrument) else v
    return out


@dataclass(frozen=True, slots=True)
class DepositMoney:
    """Money (integer fen) paid into ``holder``'s account; opens the account if new."""

    type: ClassVar[str] = "deposit_money"
    seq: int
    holder: str
    amount: int

    def to_dict(self) -> dict[str, Any]:
        return _dump(self)


@dataclass(frozen=True, slots=True)
class IssueRights:
    """Rights (integer units) issued to ``holder`` by initial allocation; opens the account if new."""

    type: ClassVar[str] = "issue_rights"
    seq: int
    holder: str
    instrument: Instrument
    units: int

    def to_dict(self) -> dict[str, Any]:
        return _dump(self)


@dataclass(frozen=True, slots=True)
class SubmitOrder:
    """An order accepted into the book.

    ``price`` is fen per unit (``None`` for a market order); ``budget`` is the money limit
    (fen) of a market buy, ``None`` otherwise; ``quantity`` is in units.
    """

    type: ClassVar[str] = "submit"
    seq: int
    order_id: int
    holder: str
    instrument: Instrument
    side: Side
    kind: OrderKind
    quantity: int
    price: int | None = None
    budget: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return _dump(self)


@dataclass(frozen=True, slots=True)
class CancelOrder:
    """A resting order withdrawn by its holder."""

    type: ClassVar[str] = "cancel"
    seq: int
    order_id: int

    def to_dict(self) -> dict[str, Any]:
        return _dump(self)


@dataclass(frozen=True, slots=True)
class ReplaceOrder:
    """A resting order given a new price and/or a new open quantity."""

    type: ClassVar[str] = "replace"
    seq: int
    order_id: int
    price: int
    quantity: int

    def to_dict(self) -> dict[str, Any]:
        return _dump(self)


@dataclass(frozen=True, slots=True)
class StartCall:
    """The instrument enters a call (opening auction) phase: orders rest without matching."""

    type: ClassVar[str] = "start_call"
    seq: int
    instrument: Instrument

    def to_dict(self) -> dict[str, Any]:
        return _dump(self)


@dataclass(frozen=True, slots=True)
class Uncross:
    """The call auction of the instrument is executed and continuous trading starts."""

    type: ClassVar[str] = "uncross"
    seq: int
    instrument: Instrument
    reference_price: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return _dump(self)


@dataclass(frozen=True, slots=True)
class Surrender:
    """Rights surrendered by ``holder`` for compliance in ``period`` (retired for good)."""

    type: ClassVar[str] = "surrender"
    seq: int
    holder: str
    instrument: Instrument
    units: int
    period: int

    def to_dict(self) -> dict[str, Any]:
        return _dump(self)


Event = (
    DepositMoney | IssueRights | SubmitOrder | CancelOrder | ReplaceOrder | StartCall | Uncross | Surrender
)

EVENT_TYPES: dict[str, type[Any]] = {
    cls.type: cls
    for cls in (
        DepositMoney,
        IssueRights,
        SubmitOrder,
        CancelOrder,
        ReplaceOrder,
        StartCall,
        Uncross,
        Surrender,
    )
}


def event_from_dict(data: dict[str, Any]) -> Event:
    """Rebuild an event from its ``to_dict()`` form (as stored by a service)."""
    kind = data.get("type")
    cls = EVENT_TYPES.get(str(kind))
    if cls is None:
        raise DataError(f"unknown event type {kind!r}", column="type", expected=", ".join(EVENT_TYPES))
    names = {f.name for f in fields(cls)}
    missing = [n for n in names if n not in data and n not in ("price", "budget", "reference_price")]
    if missing:
        raise DataError(f"event {kind} lacks {', '.join(sorted(missing))}", row=data.get("seq"))
    kwargs = {k: v for k, v in data.items() if k in names}
    if "instrument" in kwargs and not isinstance(kwargs["instrument"], Instrument):
        kwargs["instrument"] = Instrument.parse(kwargs["instrument"])
    event: Event = cls(**kwargs)
    return event
