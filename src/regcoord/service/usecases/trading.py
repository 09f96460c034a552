"""Use cases of rights trading: accounts, orders, allocation runs, compliance.

The service keeps **one** :class:`regcoord.trading.OrderBook` per database (money is one
balance per holder across all instruments, so the whole book is the unit of
consistency).  It is event-sourced:

* every accepted command becomes one or more book events, stored in ``trading_event``
  (sequence number = the book's own, canonical JSON payload) **in the transaction that
  acknowledges the command**, together with its hash-chained audit event (and the
  idempotency record, when the caller sent a key);
* the in-memory book is rebuilt by :meth:`OrderBook.replay` of the stored events on first
  use and after any failed command, and brought up to date (``events > book.seq``) at the
  start of every command and read, so a book never holds an unacknowledged event for long
  and never misses an acknowledged one.

Ordering.  Matching is serialized at two levels.  In the process, a lock per database
(:func:`matching`) is held from the start of a command until its transaction has
committed or rolled back.  In the database, the command's transaction first takes the
trading lock: a transaction-level advisory lock on PostgreSQL
(``pg_advisory_xact_lock``), the write lock of ``BEGIN IMMEDIATE`` on SQLite.  Under that
lock the book first applies the events other processes committed, so **several workers
on PostgreSQL stay exact**: each worker's book catches up from the log before it matches
(the log's primary key would refuse two commands built on the same sequence number).
The throughput ceiling is one matching command at a time per database, as in any
single-book exchange; a deployment that needs more runs a single matching worker.

Authorization (per object, here in the use case; the roles are the service's):

* placing, cancelling or replacing an order: an officer, for the account of their own
  region only;
* allocation and compliance runs, water rights transfers: an admin, or a reviewer of a region above every
  holder concerned (the lowest common superior or its ancestors);
* deposits, call auctions and market setup (the rules of an instrument's market): an admin;
* reading holdings, depth, trades and runs: anyone (a public registry).

Compliance breaches feed the coordination service's credit record through the
agreements domain: each shortfall becomes an :class:`regcoord.agreements.BreachEvent`
with the sanctions of the run's breach terms, and :func:`regcoord.agreements.credit_events_for`
gives the credit events that :func:`usecases.monitoring.record_credit_events` (the one writer
of the credit record, shared with KPI breaches) writes to ``credit_event`` with their audit events.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, event, select, text
from sqlalchemy.orm import Session, sessionmaker

from regcoord import agreements as ag
from regcoord import trading as tr
from regcoord.errors import (
    ConflictError,
    DataError,
    NotFound,
    PermissionDenied,
    RegcoordError,
    RuleError,
)
from regcoord.service import audit
from regcoord.service.audit import canonical_json
from regcoord.service.db import models as m
from regcoord.service.db.trading_models import (
    AllocationRun,
    ComplianceRun,
    TradingEvent,
    TradingMarket,
    TradingOrder,
    TradingSnapshot,
    TradingTrade,
    WaterTransferRecord,
)
from regcoord.service.usecases._context import Ctx, is_system, region_tree
from regcoord.service.usecases.monitoring import record_credit_events

log = logging.getLogger("regcoord.service.security")

#: key of the PostgreSQL transaction-level advisory lock that serializes matching
PG_TRADING_LOCK = 7_130_413

T = TypeVar("T")


# -- the book of one database ------------------------------------------------------------------
class Exchange:
    """The in-memory order book of one database and the lock that serializes its commands."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.book: tr.OrderBook | None = None
        self.committed_seq = 0
        self.owner: int | None = None
        self.snapshot_seq = 0  # seq of the newest stored snapshot known to this process
        #: previous close per (instrument, trading day): the trades of earlier days never change
        self.closes: dict[tuple[str, date], tuple[int, date] | None] = {}


_EXCHANGES: weakref.WeakKeyDictionary[Engine, Exchange] = weakref.WeakKeyDictionary()
_REGISTRY_LOCK = threading.Lock()


def exchange(session: Session) -> Exchange:
    """The exchange of the database ``session`` is bound to (one per engine)."""
    engine = session.get_bind().engine
    with _REGISTRY_LOCK:
        ex = _EXCHANGES.get(engine)
        if ex is None:
            ex = _EXCHANGES[engine] = Exchange()
        return ex


def _sync(session: Session, ex: Exchange) -> tr.OrderBook:
    """Bring the book up to the stored log (replaying it all when there is no book).

    A book holding events of a command of this thread that are not committed yet is
    returned as it is (the database lock is held: nothing newer can be stored).
    """
    if ex.book is not None and ex.book.seq != ex.committed_seq:
        return ex.book
    book = ex.book if ex.book is not None else _restore(session, ex)
    ex.book = None  # until the catch-up succeeded
    rows = session.execute(
        select(TradingEvent.seq, TradingEvent.payload)
        .where(TradingEvent.seq > book.seq)
        .order_by(TradingEvent.seq)
    )
    for seq, payload in rows:
        ev = tr.event_from_dict(json.loads(payload))
        if ev.seq != seq:
            raise DataError(f"stored event {seq} carries seq {ev.seq}", source="trading_event", row=seq)
        book.apply(ev)
    book.forget_history()  # stored: the book keeps no event or trade history in memory
    ex.book = book
    ex.committed_seq = book.seq
    return book


#: a snapshot of the book is stored every this many events (by the matching task)
SNAPSHOT_EVERY = 5_000


def _restore(session: Session, ex: Exchange) -> tr.OrderBook:
    """The book of the newest stored snapshot (an empty book when there is none)."""
    row = session.execute(
        select(TradingSnapshot.seq, TradingSnapshot.payload).order_by(TradingSnapshot.seq.desc()).limit(1)
    ).first()
    if row is None:
        return tr.OrderBook()
    book = tr.OrderBook.from_snapshot(json.loads(row[1]))
    if book.seq != row[0]:
        raise DataError(f"snapshot {row[0]} holds seq {book.seq}", source="trading_snapshot", row=row[0])
    ex.snapshot_seq = book.seq
    return book


def _maybe_snapshot(session: Session, ex: Exchange, now: datetime) -> None:
    """Store a snapshot of the committed book when :data:`SNAPSHOT_EVERY` events passed since the last."""
    book = ex.book
    if book is None or book.seq != ex.committed_seq or book.seq - ex.snapshot_seq < SNAPSHOT_EVERY:
        return
    try:
        session.add(TradingSnapshot(seq=book.seq, payload=canonical_json(book.snapshot()), at=now))
        session.commit()
    except Exception:  # derived data: another worker may have stored this one; the log is intact
        session.rollback()
        log.warning("trading: snapshot at seq %s not stored", book.seq, exc_info=True)
    ex.snapshot_seq = book.seq


def _on_commit(session: Session) -> None:
    ex = session.info.pop("trading_exchange", None)
    if ex is not None and ex.book is not None:
        ex.committed_seq = ex.book.seq
        ex.book.forget_history()  # every event and trade of the book is stored now


def _on_rollback(session: Session) -> None:
    ex = session.info.pop("trading_exchange", None)
    if ex is not None and ex.book is not None and ex.book.seq != ex.committed_seq:
        ex.book = None  # events of the rolled-back command: rebuild from the log


@contextmanager
def matching(ctx: Ctx) -> Iterator[Exchange]:
    """Hold the matching lock of ``ctx``'s database for a command and its commit.

    Trading commands run inside this block and the caller commits inside it too.  When
    the block ends with events in the book that were not committed (the command or the
    commit failed), the book is dropped and rebuilt from the stored log at its next use.
    """
    ex = exchange(ctx.session)
    with ex.lock:
        outer = ex.owner
        ex.owner = threading.get_ident()
        try:
            yield ex
        finally:
            ex.owner = outer
            if outer is None and ex.book is not None and ex.book.seq != ex.committed_seq:
                log.info("trading: dropping uncommitted book state at seq %s", ex.book.seq)
                ex.book = None


# -- the matching task: one thread owns the book, commands are group-committed -----------------
#: ``session.info`` keys of a group commit: the trading lock is held for the transaction;
#: a fast command adds its rows without flushing (one flush for the batch); the stored
#: idempotency records of the batch's keys (``{(user_id, key): record}``)
LOCKED = "trading_locked"
FAST = "trading_fast"
IDEMPOTENCY = "trading_idempotency"


@dataclass(eq=False)
class _Job:
    run: Callable[[Ctx], Any]
    principal: ag.Principal
    now: datetime
    future: Future[Any]
    fast: bool = False
    key: str | None = None


class Matcher:
    """The matching task of one database: a thread that owns the book and group-commits commands.

    Requests put a job (a function of a :class:`Ctx`) on the queue and wait for its future.
    The thread takes every job waiting (up to :attr:`MAX_BATCH`), runs them in arrival order
    in **one** transaction under the matching lock (each in a savepoint, so a refused
    command leaves no row behind and the others go on), commits once, and only then
    resolves the futures: an answer is never given for a command that is not durable.

    A command the engine refused (a :class:`RegcoordError`, raised before the book changed)
    is answered with its error.  Anything else (a failed flush, a command that failed after
    the book changed, a failed commit) rolls the whole batch back, drops the book (rebuilt
    from the log at its next use) and runs the batch's commands again one transaction each,
    so one bad command costs its batch the group commit, never an acknowledged order.

    The thread ends after :attr:`IDLE_S` seconds without work and is started again by the
    next :meth:`submit`.
    """

    MAX_BATCH = 256
    IDLE_S = 5.0

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self.queue: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.batches = 0
        self.commands = 0

    def submit(
        self,
        run: Callable[[Ctx], T],
        principal: ag.Principal,
        now: datetime,
        *,
        fast: bool = False,
        key: str | None = None,
    ) -> Future[T]:
        """Queue ``run`` (called with a context on the matching task's session); its future
        resolves to ``run``'s result after the commit of its batch, or to its error.

        ``fast``: the command only adds rows (an order, a cancel, a replace, a deposit) and
        reads nothing the batch may have changed but the book; it runs without a savepoint
        and without a flush, its audit events chained in memory.  ``key``: its
        Idempotency-Key, looked up with the other keys of the batch in one query.
        """
        fut: Future[T] = Future()
        self.queue.put(_Job(run, principal, now, fut, fast, key))
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="regcoord-matching", daemon=True)
                self._thread.start()
        return fut

    def _loop(self) -> None:
        while True:
            try:
                first = self.queue.get(timeout=self.IDLE_S)
            except queue.Empty:
                with self._start_lock:
                    if self.queue.empty():
                        self._thread = None
                        return
                continue
            jobs = [first]
            while len(jobs) < self.MAX_BATCH:
                try:
                    jobs.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            # a request whose client went away before its turn is not run (never acknowledged);
            # from here on its future can no longer be cancelled
            jobs = [j for j in jobs if j.future.set_running_or_notify_cancel()]
            if not jobs:
                continue
            try:
                if not self._batch(jobs):
                    for job in jobs:
                        if not job.future.done():
                            self._batch([job], single=True)
            except BaseException as exc:  # never leave a waiting request without an answer
                log.exception("trading: matching task failed")
                for job in jobs:
                    if not job.future.done():
                        job.future.set_exception(exc)

    def _batch(self, jobs: list[_Job], *, single: bool = False) -> bool:
        """Run ``jobs`` in one transaction; False when the batch must be retried one by one.

        Fast jobs add their rows to the session without flushing; a refused fast job (a
        :class:`RegcoordError` raised while the book is unchanged) has its pending rows
        expunged and the in-memory audit head restored.  Other jobs run in a savepoint,
        after a flush of what the batch added so far.  One flush and one commit end it.
        """
        outcomes: list[tuple[_Job, Any, BaseException | None]] = []
        with self.sessions() as s:
            ex = exchange(s)
            with ex.lock:
                ex.owner = threading.get_ident()
                try:
                    tree = region_tree()
                    _lock_database(s)
                    s.info[LOCKED] = True
                    s.info[IDEMPOTENCY] = self._known_keys(s, jobs)
                    for job in jobs:
                        ctx = Ctx(s, job.principal, job.now, tree)
                        before = None if ex.book is None else ex.book.seq
                        try:
                            result = self._fast(s, ctx, job) if job.fast else self._slow(s, ctx, job)
                            outcomes.append((job, result, None))
                        except RegcoordError as exc:
                            after = None if ex.book is None else ex.book.seq
                            unchanged = after == before or (before is None and after == ex.committed_seq)
                            if not unchanged and not single:
                                s.rollback()
                                return False
                            outcomes.append((job, None, exc))
                        except Exception as exc:
                            s.rollback()
                            if not single:
                                return False
                            job.future.set_exception(exc)
                            return True
                    try:
                        s.info.pop(FAST, None)
                        s.info.pop(audit.BATCH_HEAD, None)
                        s.commit()
                    except Exception as exc:
                        s.rollback()
                        if not single:
                            return False
                        jobs[0].future.set_exception(exc)
                        return True
                    _maybe_snapshot(s, ex, jobs[-1].now)
                finally:
                    for k in (LOCKED, FAST, IDEMPOTENCY, audit.BATCH_HEAD):
                        s.info.pop(k, None)
                    ex.owner = None
                    if ex.book is not None and ex.book.seq != ex.committed_seq:
                        log.info("trading: dropping uncommitted book state at seq %s", ex.book.seq)
                        ex.book = None
        self.batches += 1
        self.commands += len(jobs)
        for job, result, error in outcomes:
            job.future.batch_size = len(jobs)  # type: ignore[attr-defined]
            if error is not None:
                job.future.set_exception(error)
            else:
                job.future.set_result(result)
        return True

    @staticmethod
    def _known_keys(s: Session, jobs: list[_Job]) -> dict[tuple[int, str], m.IdempotencyRecord]:
        keys = {j.key for j in jobs if j.key is not None and j.principal.user_id is not None}
        if not keys:
            return {}
        rows = s.scalars(select(m.IdempotencyRecord).where(m.IdempotencyRecord.key.in_(sorted(keys))))
        return {(r.user_id, r.key): r for r in rows}

    @staticmethod
    def _fast(s: Session, ctx: Ctx, job: _Job) -> Any:
        if not s.info.get(FAST):
            s.flush()  # what slow jobs left, so that the in-memory audit head is the stored one
            head = audit.lock_head(s)
            s.info[audit.BATCH_HEAD] = head if head is not None else (0, audit.GENESIS)
            s.info[FAST] = True
        pending = set(s.new)
        head = s.info[audit.BATCH_HEAD]
        try:
            with s.no_autoflush:
                return job.run(ctx)
        except RegcoordError:
            for obj in set(s.new) - pending:
                s.expunge(obj)
            s.info[audit.BATCH_HEAD] = head
            raise

    @staticmethod
    def _slow(s: Session, ctx: Ctx, job: _Job) -> Any:
        if s.info.pop(FAST, None):
            s.info.pop(audit.BATCH_HEAD, None)
        s.flush()
        sp = s.begin_nested()
        try:
            result = job.run(ctx)
            s.flush()
            sp.commit()
        except RegcoordError:
            sp.rollback()
            raise
        return result


_MATCHERS: weakref.WeakKeyDictionary[Engine, Matcher] = weakref.WeakKeyDictionary()


def matcher(sessions: sessionmaker[Session]) -> Matcher:
    """The matching task of the database ``sessions`` writes to (one per engine)."""
    bind = sessions.kw["bind"]
    engine = bind.engine if bind is not None else None
    if engine is None:
        raise RuntimeError("the session factory has no engine")
    with _REGISTRY_LOCK:
        m = _MATCHERS.get(engine)
        if m is None:
            m = _MATCHERS[engine] = Matcher(sessions)
        return m


def _lock_database(session: Session) -> None:
    if session.info.get(LOCKED):
        return  # a group commit took the lock for its whole transaction
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_TRADING_LOCK})
    # SQLite: the engine begins every transaction with BEGIN IMMEDIATE (one writer at a time)


def _command(ctx: Ctx, run: Callable[[tr.OrderBook], T]) -> tuple[T, list[tr.Event]]:
    """Run ``run`` on the up-to-date book and persist the events it appended."""
    ex = exchange(ctx.session)
    if ex.owner != threading.get_ident():
        raise RuntimeError(
            "trading commands must run inside `with matching(ctx):` (which the caller commits in)"
        )
    _lock_database(ctx.session)
    book = _sync(ctx.session, ex)
    s = ctx.session
    if not s.info.get("trading_listeners"):
        event.listen(s, "after_commit", _on_commit)
        event.listen(s, "after_rollback", _on_rollback)
        s.info["trading_listeners"] = True
    s.info["trading_exchange"] = ex
    start = book.seq
    n0 = book.trade_count
    result = run(book)
    events = book.events_since(start)
    for ev in events:
        data = ev.to_dict()
        s.add(
            TradingEvent(
                seq=ev.seq,
                type=str(data["type"]),
                payload=canonical_json(data),
                user_id=ctx.principal.user_id,
                at=ctx.now,
            )
        )
    for t in book.trades(n0):
        s.add(
            TradingTrade(
                trade_id=t.trade_id,
                event_seq=t.event_seq,
                instrument=t.instrument.code,
                price_fen=t.price,
                quantity=t.quantity,
                buy_order=t.buy_order,
                sell_order=t.sell_order,
                buyer=t.buyer,
                seller=t.seller,
            )
        )
    if not s.info.get(FAST):
        s.flush()
    return result, events


def _read(ctx: Ctx, look: Callable[[tr.OrderBook], T]) -> T:
    ex = exchange(ctx.session)
    with ex.lock:
        return look(_sync(ctx.session, ex))


def book_state(ctx: Ctx) -> tr.BookState:
    """The full state of the service's book (as rebuilt from the stored events)."""
    return _read(ctx, lambda b: b.state())


# -- authorization -----------------------------------------------------------------------------
def _allowed(ctx: Ctx, action: str, regions: Sequence[str]) -> bool:
    p = ctx.principal
    if is_system(ctx):
        return True
    if p.anonymous or p.role is ag.Role.PUBLIC:
        return False
    if action == "trade":
        return p.role is ag.Role.OFFICER and p.region is not None and all(r == p.region for r in regions)
    if action in ("allocate", "settle", "water"):
        if p.role is ag.Role.ADMIN:
            return True
        return (
            p.role is ag.Role.REVIEWER
            and p.region is not None
            and bool(regions)
            and p.region in ag.superiors_of(ctx.tree, sorted(set(regions)))
        )
    if action in ("deposit", "auction", "market"):
        return p.role is ag.Role.ADMIN
    return False


#: roles that may take an action on some object at all (checked before the input is parsed)
_ROLES: dict[str, frozenset[ag.Role]] = {
    "trade": frozenset({ag.Role.OFFICER}),
    "allocate": frozenset({ag.Role.ADMIN, ag.Role.REVIEWER}),
    "settle": frozenset({ag.Role.ADMIN, ag.Role.REVIEWER}),
    "deposit": frozenset({ag.Role.ADMIN}),
    "auction": frozenset({ag.Role.ADMIN}),
    "market": frozenset({ag.Role.ADMIN}),
    "water": frozenset({ag.Role.ADMIN, ag.Role.REVIEWER}),
}


def _require_role(ctx: Ctx, action: str) -> None:
    """Refuse at once a principal whose role can never take ``action`` (before validation)."""
    if ctx.principal.user_id is None and not is_system(ctx):
        raise PermissionDenied("authentication required")
    if not is_system(ctx) and ctx.principal.role not in _ROLES[action]:
        log.warning(
            "denied user=%s role=%s action=trading.%s", ctx.principal.user_id, ctx.principal.role, action
        )
        raise PermissionDenied(f"{ctx.principal.role.value} may not {action} in rights trading")


def _require(ctx: Ctx, action: str, regions: Sequence[str], what: str) -> None:
    if ctx.principal.user_id is None and not is_system(ctx):
        raise PermissionDenied("authentication required")
    if not _allowed(ctx, action, regions):
        log.warning(
            "denied user=%s role=%s action=trading.%s object=%s",
            ctx.principal.user_id,
            ctx.principal.role,
            action,
            what,
        )
        raise PermissionDenied(f"{ctx.principal.role.value} may not {action} for {what}")


def _holder(ctx: Ctx, holder: str, column: str = "holder") -> str:
    """The canonical region code of an account holder (accounts are per region)."""
    code = ctx.tree.resolve(str(holder), strict=False)
    if code is None:
        raise NotFound(f"{column}: region {holder!r} is not in the region tree (no such account)")
    return code


def _instrument(value: str, column: str = "instrument") -> tr.Instrument:
    try:
        return tr.Instrument.parse(value)
    except DataError as exc:
        raise DataError(exc.problem, column=column, expected=exc.expected) from None


def _int(value: Any, column: str, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise DataError(f"{column} {value!r} is invalid", column=column, expected=f"an integer >= {minimum}")
    return value


# -- market rules (price band, collar) --------------------------------------------------------
#: the service clock's trading day is the calendar day in China (the exchanges' time zone)
TRADING_TZ = ZoneInfo("Asia/Shanghai")


def trading_day(now: datetime) -> date:
    """The trading day of the instant ``now``: its calendar date in Asia/Shanghai."""
    return now.astimezone(TRADING_TZ).date()


def previous_close(ctx: Ctx, code: str, *, keep: bool = False) -> tuple[int, date] | None:
    """(price in fen, trading day) of the last trade of ``code`` before today's trading day.

    Today is :func:`trading_day` of ``ctx.now``; the previous trading day is the latest
    earlier day with a trade (days without trades are not trading days of the instrument),
    and its close is the price of its last trade (highest trade id).  A trade's time is the
    time of the event that made it.  Trades are stamped with the service clock, which only
    moves forward, so the answer for a day never changes once asked: it is kept per
    (instrument, day) in the process (the query walks back over today's trades once a day)
    when ``keep``: by a command under the trading lock, after the commands queued before it,
    never by a read that may run before an order of the previous day is committed.
    """
    day = trading_day(ctx.now)
    cache = exchange(ctx.session).closes
    if (code, day) in cache:
        return cache[(code, day)]
    if ctx.session.new:  # rows a group commit added unflushed (a batch may straddle midnight)
        ctx.session.flush()
    start = datetime.combine(day, time(0), TRADING_TZ).astimezone(UTC)
    row = ctx.session.execute(
        select(TradingTrade.price_fen, TradingEvent.at)
        .join(TradingEvent, TradingEvent.seq == TradingTrade.event_seq)
        .where(TradingTrade.instrument == code, TradingEvent.at < start)
        .order_by(TradingTrade.trade_id.desc())
        .limit(1)
    ).first()
    found = None if row is None else (int(row[0]), trading_day(row[1]))
    if keep:
        if len(cache) > 10_000:
            cache.clear()
        cache[(code, day)] = found
    return found


def _fen(value: int) -> str:
    return f"{value:,} 分 ({Decimal(value) / 100:,.2f} 元)"


@dataclass(frozen=True, slots=True)
class DayLimits:
    """The prices an order of one instrument may carry on one trading day.

    ``low``/``high`` (fen, ``None`` = unbounded) are the intersection of the price band
    (:func:`regcoord.trading.price_band` around ``close``) and the collar
    ``[floor, ceiling]``.
    """

    instrument: str
    day: date
    rule_set: str | None
    mode: tr.TradeMode | None
    close: int | None
    close_day: date | None  # None: the market's reference price stands in for the close
    band: tr.PriceBand | None
    floor: int | None
    ceiling: int | None

    @property
    def low(self) -> int | None:
        lows = [x for x in (None if self.band is None else self.band.low, self.floor) if x is not None]
        return max(lows) if lows else None

    @property
    def high(self) -> int | None:
        highs = [x for x in (None if self.band is None else self.band.high, self.ceiling) if x is not None]
        return min(highs) if highs else None

    def contains(self, price: int) -> bool:
        lo, hi = self.low, self.high
        return (lo is None or price >= lo) and (hi is None or price <= hi)

    def refusal(self, price: int, *, column: str = "price_fen", resting: bool = False) -> DataError:
        """The bilingual (zh/en) refusal of ``price``, naming the band and the previous close."""
        parts_zh, parts_en = [], []
        if self.band is not None and self.mode is not None and self.close is not None:
            r = self.band.ratio
            pct = "" if r is None else f"±{(Decimal(r.numerator) / r.denominator * 100).normalize():f}%"
            if self.close_day is None:
                close_zh = f"参考价（尚无上一交易日收盘价）{_fen(self.close)}"
                close_en = f"the reference price {self.close:,} fen (no previous close yet)"
            else:
                close_zh = f"上一交易日（{self.close_day.isoformat()}）收盘价 {_fen(self.close)}"
                close_en = f"the previous close {self.close:,} fen of {self.close_day.isoformat()}"
            parts_zh.append(f"{self.mode.zh}涨跌幅 {pct}（{self.rule_set}），{close_zh}")
            parts_en.append(f"the {self.mode.value} band {pct} ({self.rule_set}) around {close_en}")
        if self.floor is not None or self.ceiling is not None:
            lo = "-" if self.floor is None else f"{self.floor:,}"
            hi = "-" if self.ceiling is None else f"{self.ceiling:,}"
            parts_zh.append(f"价格下限/上限 {lo}/{hi} 分")
            parts_en.append(f"the price floor/ceiling {lo}/{hi} fen")
        lo = "-" if self.low is None else f"{self.low:,}"
        hi = "-" if self.high is None else f"{self.high:,}"
        what_zh = f"对手方挂单价 {price:,} 分" if resting else f"申报价格 {price:,} 分"
        what_en = f"the resting counter-order's price {price:,} fen" if resting else f"price {price:,} fen"
        problem = (
            f"{what_zh}超出 {self.instrument} 在 {self.day.isoformat()} 的允许区间 [{lo}, {hi}] 分："
            f"{'；'.join(parts_zh)} / {what_en} is outside the allowed range [{lo}, {hi}] fen of "
            f"{self.instrument} on {self.day.isoformat()}: {'; '.join(parts_en)}"
        )
        bounds = f"{'' if self.low is None else f'{self.low} <= '}{column}"
        bounds += "" if self.high is None else f" <= {self.high}"
        return DataError(problem, column=column, expected=f"{bounds} (fen)")

    def to_dict(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument,
            "trading_day": self.day.isoformat(),
            "rule_set": self.rule_set,
            "trade_mode": None if self.mode is None else self.mode.value,
            "previous_close_fen": self.close,
            "previous_close_day": None if self.close_day is None else self.close_day.isoformat(),
            "band": None if self.band is None else self.band.to_dict(),
            "floor_fen": self.floor,
            "ceiling_fen": self.ceiling,
            "low_fen": self.low,
            "high_fen": self.high,
        }


def _band_rules(name: str, day: date) -> Any:
    from regcoord.rules import load_rule_set

    return load_rule_set(name).at(day)


def day_limits(ctx: Ctx, market: TradingMarket, *, keep: bool = False) -> DayLimits:
    """The limits of ``market`` on today's trading day (``ctx.now``).

    Refused (422) when the market has a band but no previous close: the instrument has not
    traded on an earlier trading day and the market has no reference price.
    """
    day = trading_day(ctx.now)
    mode = None if market.trade_mode is None else tr.TradeMode.parse(market.trade_mode)
    close: int | None = None
    close_day: date | None = None
    band = None
    if market.rule_set is not None and mode is not None:
        found = previous_close(ctx, market.instrument, keep=keep)
        if found is not None:
            close, close_day = found
        elif market.reference_price_fen is not None:
            close = market.reference_price_fen
        else:
            raise DataError(
                f"{market.instrument} 尚无上一交易日收盘价，且市场未设参考价，无法确定涨跌幅 / "
                f"{market.instrument} has no previous close and its market no reference price: "
                "the price band cannot be set",
                column="price_fen",
                expected="a trade on an earlier trading day, or reference_price_fen in the market setup",
            )
        band = tr.price_band(_band_rules(market.rule_set, day), mode, close)
    return DayLimits(
        market.instrument,
        day,
        market.rule_set,
        mode,
        close,
        close_day,
        band,
        market.floor_fen,
        market.ceiling_fen,
    )


def _check_order(
    ctx: Ctx, book: tr.OrderBook, inst: tr.Instrument, side: str, price: int | None, *, kind: str = "limit"
) -> None:
    """Refuse (422, nothing written) an order outside its market's limits of the day.

    A limit price outside ``[low, high]`` is refused; so is a market order (it has no price
    to check) in a market with limits, and an order that would trade with a resting order
    priced outside today's limits (placed on an earlier day): trades happen at the resting
    price, and the best opposite price is the first one hit.
    """
    market = ctx.session.get(TradingMarket, inst.code)
    if market is None or (
        market.rule_set is None and market.floor_fen is None and market.ceiling_fen is None
    ):
        return
    limits = day_limits(ctx, market, keep=True)  # under the trading lock (in the command)
    if limits.low is None and limits.high is None:
        return
    if kind == "market" or price is None:
        raise DataError(
            f"{inst.code} 有价格限制，不接受市价委托 / {inst.code} has price limits: market orders are refused",
            column="kind",
            expected="limit",
        )
    if not limits.contains(price):
        raise limits.refusal(price)
    other = book.best_ask(inst) if side == "buy" else book.best_bid(inst)
    crosses = other is not None and (other <= price if side == "buy" else other >= price)
    if crosses and other is not None and not limits.contains(other):
        raise limits.refusal(other, resting=True)


def market_out(ctx: Ctx, market: TradingMarket) -> dict[str, Any]:
    """JSON of a market's rules with today's limits (``today`` is ``None`` when no close is known)."""
    try:
        today: dict[str, Any] | None = day_limits(ctx, market).to_dict()
    except RegcoordError:  # no close yet, or the rule set has no values today
        today = None
    return {
        "instrument": market.instrument,
        "rule_set": market.rule_set,
        "trade_mode": market.trade_mode,
        "reference_price_fen": market.reference_price_fen,
        "floor_fen": market.floor_fen,
        "ceiling_fen": market.ceiling_fen,
        "updated_at": market.updated_at.isoformat(),
        "today": today,
    }


def set_market(
    ctx: Ctx,
    *,
    instrument: str,
    rule_set: str | None = None,
    trade_mode: str | None = None,
    reference_price_fen: int | None = None,
    floor_fen: int | None = None,
    ceiling_fen: int | None = None,
) -> dict[str, Any]:
    """Set (create or replace) the market rules of an instrument (admin: market setup).

    ``rule_set`` and ``trade_mode`` go together: the rule set must be valid today and hold
    the band of the mode (checked by building the band around the reference price or 1 fen).
    """
    _require_role(ctx, "market")
    _require(ctx, "market", [], "market setup")
    inst = _instrument(instrument)
    if (rule_set is None) != (trade_mode is None):
        raise DataError(
            "a rule set and a trade mode go together", column="trade_mode", expected="both or neither"
        )
    ref = None if reference_price_fen is None else _int(reference_price_fen, "reference_price_fen")
    lo = None if floor_fen is None else _int(floor_fen, "floor_fen")
    hi = None if ceiling_fen is None else _int(ceiling_fen, "ceiling_fen")
    if lo is not None and hi is not None and lo > hi:
        raise DataError(
            f"floor {lo} fen is above ceiling {hi} fen", column="ceiling_fen", expected=f">= {lo}"
        )
    mode = None
    if rule_set is not None and trade_mode is not None:
        mode = tr.TradeMode.parse(trade_mode)
        try:
            tr.price_band(_band_rules(rule_set, trading_day(ctx.now)), mode, ref or 1)
        except (RuleError, KeyError) as exc:
            raise DataError(
                f"rule set {rule_set!r} gives no {mode.value} band on {trading_day(ctx.now)}: {exc}",
                column="rule_set",
                expected="a dated rule set with band_listed, band_block and trade_modes (china_carbon_market)",
            ) from None
    row = ctx.session.get(TradingMarket, inst.code)
    if row is None:
        row = TradingMarket(instrument=inst.code, updated_at=ctx.now)
        ctx.session.add(row)
    row.rule_set = rule_set
    row.trade_mode = None if mode is None else mode.value
    row.reference_price_fen = ref
    row.floor_fen = lo
    row.ceiling_fen = hi
    row.user_id = ctx.principal.user_id
    row.updated_at = ctx.now
    ctx.session.flush()
    out = market_out(ctx, row)
    ctx.audit("trading.market", "trading_market", inst.code, {k: v for k, v in out.items() if k != "today"})
    return out


def market(ctx: Ctx, instrument: str) -> dict[str, Any]:
    """The market rules of an instrument with today's limits (public)."""
    inst = _instrument(instrument)
    row = ctx.session.get(TradingMarket, inst.code)
    if row is None:
        raise NotFound(f"{inst.code} has no market rules")
    return market_out(ctx, row)


def today_limits(ctx: Ctx, instrument: str) -> dict[str, Any] | None:
    """Today's limits of an instrument's market (``None``: no market rules, or no close yet)."""
    row = ctx.session.get(TradingMarket, _instrument(instrument).code)
    return None if row is None else market_out(ctx, row)["today"]


def markets(ctx: Ctx) -> list[dict[str, Any]]:
    """Every instrument's market rules with today's limits (public)."""
    rows = ctx.session.scalars(select(TradingMarket).order_by(TradingMarket.instrument))
    return [market_out(ctx, r) for r in rows]


def _enum(cls: Any, value: Any, column: str) -> Any:
    try:
        return cls(str(value))
    except ValueError:
        raise DataError(
            f"{column} {value!r} is unknown", column=column, expected=", ".join(e.value for e in cls)
        ) from None


def record_water_transfer(
    ctx: Ctx,
    *,
    kind: str,
    method: str,
    seller: str,
    buyer: str,
    seller_region: str,
    buyer_region: str,
    annual_volume_m3: int,
    term_years: int,
    start_year: int,
    price_fen_per_m3: int,
    permit_expiry_year: int | None = None,
    seller_district: str | None = None,
    buyer_district: str | None = None,
    rule_set: str = "china_water_rights",
) -> WaterTransferRecord:
    """Record a water rights transfer after :func:`regcoord.trading.check_water_transfer`.

    The rules are those of ``rule_set`` valid on today's trading day.  An admin, or a
    reviewer of a region above both parties' regions, records it; it is audited.
    """
    _require_role(ctx, "water")
    sr = _holder(ctx, seller_region, "seller_region")
    br = _holder(ctx, buyer_region, "buyer_region")
    _require(ctx, "water", [sr, br], f"water transfer {sr} -> {br}")
    t = tr.WaterTransfer(
        kind=_enum(tr.WaterTransferKind, kind, "kind"),
        method=_enum(tr.WaterTransferMethod, method, "method"),
        seller=str(seller),
        buyer=str(buyer),
        seller_region=sr,
        buyer_region=br,
        annual_volume=_int(annual_volume_m3, "annual_volume_m3", minimum=0),
        term_years=_int(term_years, "term_years", minimum=0),
        start_year=_int(start_year, "start_year", minimum=1900),
        price_fen_per_m3=_int(price_fen_per_m3, "price_fen_per_m3", minimum=0),
        permit_expiry_year=None
        if permit_expiry_year is None
        else _int(permit_expiry_year, "permit_expiry_year"),
        seller_district=seller_district,
        buyer_district=buyer_district,
    )
    from regcoord.rules import load_rule_set

    checked = tr.check_water_transfer(load_rule_set(rule_set).at(trading_day(ctx.now)), t)
    row = WaterTransferRecord(
        kind=t.kind.value,
        method=t.method.value,
        seller=t.seller,
        buyer=t.buyer,
        seller_region=sr,
        buyer_region=br,
        annual_volume_m3=t.annual_volume,
        term_years=t.term_years,
        start_year=t.start_year,
        price_fen_per_m3=t.price_fen_per_m3,
        value_fen=t.value_fen,
        permit_expiry_year=t.permit_expiry_year,
        seller_district=t.seller_district,
        buyer_district=t.buyer_district,
        needs_filing=checked.needs_filing,
        rule_set=rule_set,
        user_id=ctx.principal.user_id,
        created_at=ctx.now,
    )
    ctx.session.add(row)
    ctx.session.flush()
    ctx.audit("trading.water_transfer", "trading_water_transfer", row.id, water_transfer_out(row))
    return row


def water_transfer_out(r: WaterTransferRecord) -> dict[str, Any]:
    """JSON of a recorded water rights transfer (with the zh names of kind and method)."""
    return {
        "id": r.id,
        "kind": r.kind,
        "kind_zh": tr.WaterTransferKind(r.kind).zh,
        "method": r.method,
        "method_zh": tr.WaterTransferMethod(r.method).zh,
        "seller": r.seller,
        "buyer": r.buyer,
        "seller_region": r.seller_region,
        "buyer_region": r.buyer_region,
        "annual_volume_m3": r.annual_volume_m3,
        "term_years": r.term_years,
        "start_year": r.start_year,
        "total_volume_m3": r.annual_volume_m3 * r.term_years,
        "price_fen_per_m3": r.price_fen_per_m3,
        "value_fen": r.value_fen,
        "permit_expiry_year": r.permit_expiry_year,
        "seller_district": r.seller_district,
        "buyer_district": r.buyer_district,
        "needs_filing": r.needs_filing,
        "rule_set": r.rule_set,
        "created_at": r.created_at.isoformat(),
    }


def water_transfers(ctx: Ctx, region: str | None = None) -> list[WaterTransferRecord]:
    """Recorded water rights transfers, newest first, optionally of one region (public)."""
    q = select(WaterTransferRecord).order_by(WaterTransferRecord.id.desc())
    if region is not None:
        code = _holder(ctx, region, "region")
        q = q.where((WaterTransferRecord.seller_region == code) | (WaterTransferRecord.buyer_region == code))
    return list(ctx.session.scalars(q.limit(500)))


# -- commands ----------------------------------------------------------------------------------
def deposit(ctx: Ctx, *, holder: str, amount_fen: int) -> dict[str, Any]:
    """Pay ``amount_fen`` into ``holder``'s account (opening it)."""
    _require_role(ctx, "deposit")
    h = _holder(ctx, holder)
    _require(ctx, "deposit", [h], f"account {h}")
    amount = _int(amount_fen, "amount_fen")
    seq, _ = _command(ctx, lambda b: b.deposit(h, amount))
    out = {"holder": h, "amount_fen": amount, "seq": seq}
    ctx.audit("trading.deposit", "trading_account", h, out)
    return out


def place_order(
    ctx: Ctx,
    *,
    holder: str,
    instrument: str,
    side: str,
    quantity: int,
    kind: str = "limit",
    price_fen: int | None = None,
    budget_fen: int | None = None,
) -> dict[str, Any]:
    """Submit an order for ``holder`` (an officer's own region) and match it at once.

    A limit order needs ``price_fen``; a market order has none, and a market buy needs
    ``budget_fen`` (the most it may spend).  The answer holds the order id, the event's
    sequence number, whether the order rests and the trades it made.
    """
    _require_role(ctx, "trade")
    code = ctx.tree.resolve(str(holder), strict=False) or str(holder)
    _require(ctx, "trade", [code], f"account {code}")  # an officer learns nothing of other accounts
    h = _holder(ctx, code)
    inst = _instrument(instrument)
    qty = _int(quantity, "quantity")
    if side not in ("buy", "sell"):
        raise DataError(f"side {side!r} is invalid", column="side", expected="buy or sell")
    if kind == "limit":
        if price_fen is None:
            raise DataError("a limit order needs a price", column="price_fen", expected="fen per unit > 0")
        price: int | None = _int(price_fen, "price_fen")
        budget = None
        if budget_fen is not None:
            raise DataError("a limit order takes no budget", column="budget_fen", expected="null")
    elif kind == "market":
        if price_fen is not None:
            raise DataError("a market order takes no price", column="price_fen", expected="null")
        price = None
        budget = None if budget_fen is None else _int(budget_fen, "budget_fen")
    else:
        raise DataError(f"order kind {kind!r} is invalid", column="kind", expected="limit or market")

    def run(book: tr.OrderBook) -> tuple[int, int, list[tr.Trade], bool]:
        _check_order(ctx, book, inst, side, price, kind=kind)  # before the book changes
        n0 = book.trade_count
        oid = book.submit(h, inst, side, qty, price, budget=budget)
        return oid, book.seq, book.trades(n0), book.is_resting(oid)

    (oid, seq, trades, resting), _ = _command(ctx, run)
    ctx.session.add(
        TradingOrder(
            order_id=oid,
            seq=seq,
            holder=h,
            instrument=inst.code,
            side=side,
            kind=kind,
            quantity=qty,
            price_fen=price,
            budget_fen=budget,
            user_id=ctx.principal.user_id,
            at=ctx.now,
        )
    )
    out = {
        "order_id": oid,
        "seq": seq,
        "holder": h,
        "instrument": inst.code,
        "side": side,
        "kind": kind,
        "quantity": qty,
        "price_fen": price,
        "budget_fen": budget,
        "filled": sum(t.quantity for t in trades),
        "resting": resting,
        "trades": [t.to_dict() for t in trades],
    }
    ctx.audit("trading.order", "trading_order", oid, {k: v for k, v in out.items() if k != "trades"})
    return out


def _own_order(ctx: Ctx, order_id: int) -> TradingOrder:
    _require_role(ctx, "trade")
    row = ctx.session.get(TradingOrder, order_id)
    if row is None:
        raise NotFound(f"order {order_id} not found")
    _require(ctx, "trade", [row.holder], f"order {order_id} of {row.holder}")
    return row


def cancel_order(ctx: Ctx, order_id: int) -> dict[str, Any]:
    """Withdraw a resting order of the officer's own region."""
    row = _own_order(ctx, order_id)
    seq, _ = _command(ctx, lambda b: b.cancel(order_id))
    out = {"order_id": order_id, "seq": seq, "holder": row.holder, "cancelled": True}
    ctx.audit("trading.cancel", "trading_order", order_id, out)
    return out


def replace_order(
    ctx: Ctx, order_id: int, *, price_fen: int | None = None, quantity: int | None = None
) -> dict[str, Any]:
    """New price and/or open quantity for a resting order (priority rules of the engine)."""
    row = _own_order(ctx, order_id)
    if price_fen is None and quantity is None:
        raise DataError("nothing to change", column="price_fen", expected="a new price_fen or quantity")
    price = None if price_fen is None else _int(price_fen, "price_fen")
    qty = None if quantity is None else _int(quantity, "quantity")

    def run(book: tr.OrderBook) -> tuple[int, list[tr.Trade], bool]:
        if price is not None:  # before the book changes
            _check_order(ctx, book, tr.Instrument.parse(row.instrument), row.side, price)
        n0 = book.trade_count
        seq = book.replace(order_id, price=price, quantity=qty)
        return seq, book.trades(n0), book.is_resting(order_id)

    (seq, trades, resting), _ = _command(ctx, run)
    out = {
        "order_id": order_id,
        "seq": seq,
        "holder": row.holder,
        "price_fen": price,
        "quantity": qty,
        "resting": resting,
        "trades": [t.to_dict() for t in trades],
    }
    ctx.audit("trading.replace", "trading_order", order_id, {k: v for k, v in out.items() if k != "trades"})
    return out


def start_call(ctx: Ctx, *, instrument: str) -> dict[str, Any]:
    """Open a call (opening auction) phase for an instrument."""
    _require_role(ctx, "auction")
    _require(ctx, "auction", [], "call auctions")
    inst = _instrument(instrument)
    seq, _ = _command(ctx, lambda b: b.start_call(inst))
    out = {"instrument": inst.code, "seq": seq, "phase": "call"}
    ctx.audit("trading.call_start", "trading_instrument", inst.code, out)
    return out


def uncross(ctx: Ctx, *, instrument: str) -> dict[str, Any]:
    """Execute the call auction of an instrument and return to continuous trading."""
    _require_role(ctx, "auction")
    _require(ctx, "auction", [], "call auctions")
    inst = _instrument(instrument)

    def run(book: tr.OrderBook) -> tuple[tr.AuctionResult, list[tr.Trade]]:
        n0 = book.trade_count
        res = book.uncross(inst)
        return res, book.trades(n0)

    (res, trades), events = _command(ctx, run)
    out = {**res.to_dict(), "seq": events[-1].seq, "trades": [t.to_dict() for t in trades]}
    ctx.audit(
        "trading.uncross", "trading_instrument", inst.code, {k: v for k, v in out.items() if k != "trades"}
    )
    return out


def run_allocation(
    ctx: Ctx,
    *,
    instrument: str,
    holders: Sequence[str] = (),
    data: Sequence[Any] = (),
    method: str | None = None,
    cap: int | None = None,
    benchmark_intensity: Any = None,
    bids: Sequence[Mapping[str, Any]] = (),
    reserve_price_fen: int = 0,
    rule_set: str | None = None,
    on: date | None = None,
) -> AllocationRun:
    """Allocate an instrument's cap and issue the units into the holders' accounts.

    Either explicit parameters (``method``, ``cap`` and, as the method needs,
    ``benchmark_intensity`` or ``bids`` with ``reserve_price_fen``) or a dated rule set
    (``rule_set`` valid ``on`` a date, through :func:`regcoord.trading.allocate_by_rule`).
    ``data`` is the per-holder history, population or output.  Auction payments are
    recorded in the run (collected outside the book, which holds no treasury account).
    """
    _require_role(ctx, "allocate")
    inst = _instrument(instrument)
    hs = [_holder(ctx, h, "holders") for h in holders]
    parsed_bids = []
    for i, b in enumerate(bids):
        try:
            parsed_bids.append(
                tr.Bid(_holder(ctx, str(b["bidder"]), "bids"), int(b["quantity"]), int(b["price_fen"]))
            )
        except (KeyError, TypeError, ValueError):
            raise DataError(
                f"bid {i} is malformed", row=i, column="bids", expected="{bidder, quantity, price_fen}"
            ) from None
    regions = hs + [b.bidder for b in parsed_bids]
    _require(ctx, "allocate", regions, f"allocation of {inst.code} to {', '.join(sorted(set(regions)))}")
    if rule_set is not None:
        from regcoord.rules import load_rule_set

        snapshot = load_rule_set(rule_set).at(on or ctx.now.date())
        alloc = tr.allocate_by_rule(snapshot, inst, hs, list(data), bids=parsed_bids)
    else:
        if method not in tr.METHODS:
            raise DataError(f"method {method!r} is unknown", column="method", expected=", ".join(tr.METHODS))
        c = _int(cap, "cap", minimum=0)
        if method == "grandfathering":
            alloc = tr.grandfathering(inst, c, hs, list(data))
        elif method == "per_capita":
            alloc = tr.per_capita(inst, c, hs, list(data))
        elif method == "benchmarking":
            if benchmark_intensity is None:
                raise DataError("benchmarking needs a benchmark intensity", column="benchmark_intensity")
            alloc = tr.benchmarking(inst, c, hs, list(data), benchmark_intensity)
        else:
            alloc = tr.auction(
                inst, c, parsed_bids, reserve_price=_int(reserve_price_fen, "reserve_price_fen", minimum=0)
            )
    seqs, _ = _command(ctx, lambda b: b.issue_allocation(alloc))
    run = AllocationRun(
        instrument=inst.code,
        method=alloc.method,
        cap=alloc.cap,
        inputs={
            "holders": hs,
            "data": [str(d) for d in data],
            "benchmark_intensity": None if benchmark_intensity is None else str(benchmark_intensity),
            "bids": [{"bidder": b.bidder, "quantity": b.quantity, "price_fen": b.price} for b in parsed_bids],
            "reserve_price_fen": reserve_price_fen,
            "rule_set": rule_set,
            "on": None if on is None else on.isoformat(),
        },
        result=alloc.to_dict(),
        first_seq=seqs[0] if seqs else None,
        last_seq=seqs[-1] if seqs else None,
        user_id=ctx.principal.user_id,
        created_at=ctx.now,
    )
    ctx.session.add(run)
    ctx.session.flush()
    ctx.audit("trading.allocate", "trading_allocation_run", run.id, alloc.to_dict())
    return run


def settle(
    ctx: Ctx,
    *,
    period: int,
    verified_use: Mapping[str, Mapping[str, int]],
    credit_penalty: int = 0,
    reputation_notice: bool = False,
) -> ComplianceRun:
    """Surrender at the end of ``period``; shortfalls become breaches and credit events.

    ``verified_use[region][right] = units used`` in the period.  Surrender is done by
    :func:`regcoord.trading.settle_compliance` (vintages ``<= period``, oldest first,
    unreserved units only).  Each shortfall is a breach of the trading scheme's surrender
    obligation with the sanctions of the breach terms given to the run
    (``credit_penalty`` points, ``reputation_notice``), stated by the authority that
    runs compliance; the credit events go to the coordination service's credit record.
    A (period, right) pair is settled once.
    """
    _require_role(ctx, "settle")
    p = _int(period, "period", minimum=1900)
    if not verified_use:
        raise DataError("verified use is empty", column="verified_use", expected="{region: {right: units}}")
    uses: dict[str, dict[str, int]] = {}
    for holder, by_right in verified_use.items():
        h = _holder(ctx, holder, "verified_use")
        if not isinstance(by_right, Mapping) or not by_right:
            raise DataError(f"verified use of {h} is empty", column=f"verified_use.{h}")
        uses[h] = {}
        for right, units in by_right.items():
            try:
                r = tr.RightType.parse(right)
            except DataError as exc:
                raise DataError(exc.problem, column=f"verified_use.{h}", expected=exc.expected) from None
            uses[h][r.value] = _int(units, f"verified_use.{h}.{r.value}", minimum=0)
    terms = ag.BreachTerms(
        credit_penalty=_int(credit_penalty, "credit_penalty", minimum=0),
        reputation_notice=bool(reputation_notice),
    )
    _require(ctx, "settle", sorted(uses), f"compliance of {', '.join(sorted(uses))} for {p}")
    rights = sorted({r for u in uses.values() for r in u})
    done = ctx.session.scalars(select(ComplianceRun).where(ComplianceRun.period == p))
    again = sorted({r for run in done for r in run.rights} & set(rights))
    if again:
        raise ConflictError(f"period {p} is already settled for {', '.join(again)}")
    result, _ = _command(ctx, lambda b: tr.settle_compliance(b, p, uses))
    run = ComplianceRun(
        period=p,
        rights=rights,
        verified_use=uses,
        breach_terms={"credit_penalty": terms.credit_penalty, "reputation_notice": terms.reputation_notice},
        result=result.to_dict(),
        user_id=ctx.principal.user_id,
        created_at=ctx.now,
    )
    ctx.session.add(run)
    ctx.session.flush()
    ctx.audit("trading.settle", "trading_compliance_run", run.id, result.to_dict())
    period_end = date(p, 12, 31)
    for b in result.breaches:
        breach = ag.BreachEvent(
            clause=f"surrender of {b.right.value} rights",
            obligor=tr.region_of(b.holder),
            period_end=period_end,
            shortfall=Decimal(b.shortfall),
            sanctions=ag.sanctions_for(terms, Decimal(b.shortfall)),
        )
        ctx.audit("trading.breach", "trading_compliance_run", run.id, {**b.to_dict(), **breach.to_dict()})
        record_credit_events(ctx, breach, ref=f"trading-compliance:{run.id}")
    return run


# -- reads -------------------------------------------------------------------------------------
def accounts(ctx: Ctx) -> list[dict[str, Any]]:
    """Every account: money (fen) and rights (units), totals and reserved parts."""
    return [a.to_dict() for a in book_state(ctx).accounts]


def account(ctx: Ctx, holder: str) -> dict[str, Any]:
    """One account with its resting orders."""
    h = _holder(ctx, holder)
    st = book_state(ctx)
    acct = next((a for a in st.accounts if a.holder == h), None)
    if acct is None:
        raise NotFound(f"region {h} has no trading account")
    return {**acct.to_dict(), "orders": [o.to_dict() for o in st.orders if o.holder == h]}


def depth(ctx: Ctx, instrument: str, *, levels: int = 10) -> dict[str, Any]:
    """Aggregated price levels (price, units, orders) of both sides, best first."""
    inst = _instrument(instrument)
    n = _int(levels, "levels")
    st = book_state(ctx)
    sides: dict[str, dict[int, list[int]]] = {"buy": {}, "sell": {}}
    for o in st.orders:
        if o.instrument == inst.code:
            lv = sides[o.side].setdefault(o.price, [0, 0])
            lv[0] += o.quantity
            lv[1] += 1

    def rows(side: str) -> list[dict[str, int]]:
        prices = sorted(sides[side], reverse=side == "buy")[:n]
        return [{"price_fen": p, "quantity": sides[side][p][0], "orders": sides[side][p][1]} for p in prices]

    bids, asks = rows("buy"), rows("sell")
    return {
        "instrument": inst.code,
        "bids": bids,
        "asks": asks,
        "best_bid_fen": bids[0]["price_fen"] if bids else None,
        "best_ask_fen": asks[0]["price_fen"] if asks else None,
        "last_price_fen": st.last_prices.get(inst.code),
        "call_phase": inst.code in st.call_phase,
    }


def instruments(ctx: Ctx) -> list[str]:
    """Codes of the instruments that have been issued or traded."""
    st = book_state(ctx)
    codes = {c for a in st.accounts for c in a.rights} | {o.instrument for o in st.orders}
    return sorted(codes | set(st.last_prices) | set(st.retired))


def trades(
    ctx: Ctx, *, instrument: str | None = None, holder: str | None = None, after: int = 0, limit: int = 200
) -> list[dict[str, Any]]:
    """Trades (public), oldest first from trade id ``after + 1``, optionally filtered (keyset page)."""
    code = None if instrument is None else _instrument(instrument).code
    h = None if holder is None else _holder(ctx, holder)
    start = _int(after, "after", minimum=0)
    cap = _int(limit, "limit")
    q = select(TradingTrade).where(TradingTrade.trade_id > start)
    if code is not None:
        q = q.where(TradingTrade.instrument == code)
    if h is not None:
        q = q.where((TradingTrade.buyer == h) | (TradingTrade.seller == h))
    rows = ctx.session.scalars(q.order_by(TradingTrade.trade_id).limit(cap))
    return [trade_out(r) for r in rows]


def recent_trades(
    ctx: Ctx, *, instrument: str | None = None, holder: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """The newest ``limit`` trades, newest first, optionally of one instrument or holder (pages)."""
    code = None if instrument is None else _instrument(instrument).code
    h = None if holder is None else _holder(ctx, holder)
    q = select(TradingTrade)
    if code is not None:
        q = q.where(TradingTrade.instrument == code)
    if h is not None:
        q = q.where((TradingTrade.buyer == h) | (TradingTrade.seller == h))
    rows = ctx.session.scalars(q.order_by(TradingTrade.trade_id.desc()).limit(_int(limit, "limit")))
    return [trade_out(r) for r in rows]


def trade_out(r: TradingTrade) -> dict[str, Any]:
    """JSON of a stored trade (the fields of :meth:`regcoord.trading.Trade.to_dict`)."""
    return {
        "trade_id": r.trade_id,
        "event_seq": r.event_seq,
        "instrument": r.instrument,
        "price_fen": r.price_fen,
        "quantity": r.quantity,
        "value_fen": r.price_fen * r.quantity,
        "buy_order": r.buy_order,
        "sell_order": r.sell_order,
        "buyer": r.buyer,
        "seller": r.seller,
    }


def orders(ctx: Ctx, holder: str, *, limit: int = 200) -> list[dict[str, Any]]:
    """Orders submitted for ``holder``, newest first, with their open quantity if resting."""
    h = _holder(ctx, holder)
    rows = list(
        ctx.session.scalars(
            select(TradingOrder)
            .where(TradingOrder.holder == h)
            .order_by(TradingOrder.order_id.desc())
            .limit(limit)
        )
    )
    open_qty = {o.order_id: o.quantity for o in book_state(ctx).orders if o.holder == h}
    return [
        {**order_out(r), "open_quantity": open_qty.get(r.order_id, 0), "resting": r.order_id in open_qty}
        for r in rows
    ]


def order_out(r: TradingOrder) -> dict[str, Any]:
    """JSON of an order as submitted."""
    return {
        "order_id": r.order_id,
        "seq": r.seq,
        "holder": r.holder,
        "instrument": r.instrument,
        "side": r.side,
        "kind": r.kind,
        "quantity": r.quantity,
        "price_fen": r.price_fen,
        "budget_fen": r.budget_fen,
        "at": r.at.isoformat(),
    }


def allocation_out(r: AllocationRun) -> dict[str, Any]:
    """JSON of an allocation run: inputs, the engine's allocation and the book events it issued."""
    return {
        "id": r.id,
        "instrument": r.instrument,
        "method": r.method,
        "cap": r.cap,
        "inputs": r.inputs,
        "result": r.result,
        "first_seq": r.first_seq,
        "last_seq": r.last_seq,
        "created_at": r.created_at.isoformat(),
    }


def compliance_out(r: ComplianceRun) -> dict[str, Any]:
    """JSON of a compliance run: verified use, breach terms, surrenders and breaches."""
    return {
        "id": r.id,
        "period": r.period,
        "rights": r.rights,
        "verified_use": r.verified_use,
        "breach_terms": r.breach_terms,
        "result": r.result,
        "created_at": r.created_at.isoformat(),
    }


def allocation_runs(ctx: Ctx) -> list[AllocationRun]:
    """Allocation runs, newest first (public)."""
    return list(ctx.session.scalars(select(AllocationRun).order_by(AllocationRun.id.desc()).limit(500)))


def compliance_runs(ctx: Ctx, period: int | None = None) -> list[ComplianceRun]:
    """Compliance runs, newest first, optionally of one period (public)."""
    q = select(ComplianceRun).order_by(ComplianceRun.id.desc())
    if period is not None:
        q = q.where(ComplianceRun.period == period)
    return list(ctx.session.scalars(q.limit(500)))


def compliance_status(ctx: Ctx, period: int) -> dict[str, Any]:
    """Per holder and right: units eligible for surrender in ``period`` and the settled outcome."""
    p = _int(period, "period", minimum=1900)
    st = book_state(ctx)
    eligible: dict[str, dict[str, int]] = {}
    for a in st.accounts:
        for code, units in a.rights.items():
            inst = tr.Instrument.parse(code)
            if inst.vintage <= p:
                avail = units - a.rights_reserved.get(code, 0)
                row = eligible.setdefault(a.holder, {})
                row[inst.right.value] = row.get(inst.right.value, 0) + avail
    runs = compliance_runs(ctx, p)
    return {
        "period": p,
        "eligible": eligible,
        "settled_rights": sorted({r for run in runs for r in run.rights}),
        "breaches": [b for run in runs for b in run.result.get("breaches", [])],
        "runs": [compliance_out(r) for r in runs],
    }
