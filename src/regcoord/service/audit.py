"""The hash-chained audit log (tamper evidence after Certificate Transparency, kept simple).

``hash = sha256(prev_hash || canonical_json(event))`` where ``event`` holds the sequence
number, time, actor, action, object and payload; the first event's ``prev_hash`` is 64
zeros. Events are written in the transaction of the change they record; the head is
locked first (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a transaction-level advisory
lock), so two transactions never extend the chain from the same head.

Verification at scale: the full walk (:func:`verify`) recomputes every hash from the
genesis, so its cost grows with the whole log; it is a separate, scheduled job
(``regcoord audit verify --full``). Each successful walk can record a *checkpoint*, the
verified head (seq, hash) signed with HMAC-SHA256 under the service's secret key
(RFC 2104). :func:`verify_incremental` starts from the last checkpoint whose signature
holds, checks that the checkpointed event still has its hash, and walks only the events
after it: its cost grows with the events written since, not with the log.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from regcoord.service import row_hashes
from regcoord.service.db.models import AuditEvent
from regcoord.service.db.scale_models import AuditCheckpoint

GENESIS = "0" * 64
_PG_LOCK_KEY = 7_130_412  # arbitrary constant naming the audit-chain advisory lock


def canonical_json(obj: Any) -> str:
    """Deterministic JSON: sorted keys, no spaces, UTF-8 text kept."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def event_hash(prev_hash: str, event: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(event).encode("utf-8")).hexdigest()


def _event_body(row: AuditEvent) -> dict[str, Any]:
    return {
        "seq": row.seq,
        "at": row.at,
        "actor": row.actor,
        "action": row.action,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "payload": json.loads(row.payload),
    }


def _lock_head(session: Session) -> tuple[int, str]:
    """Lock the chain's head for this transaction; the next seq and the previous hash."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    return (1, GENESIS) if last is None else (last[0] + 1, last[1])


def _event_row(
    seq: int,
    prev: str,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: str | int,
    payload: dict[str, Any] | None,
    at: datetime | None,
) -> dict[str, Any]:
    """The column values of event ``seq`` chained after ``prev``."""
    when = (at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="microseconds")
    body = {
        "seq": seq,
        "at": when,
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "payload": json.loads(canonical_json(payload or {})),
    }
    return {
        "seq": seq,
        "at": when,
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "payload": canonical_json(body["payload"]),
        "prev_hash": prev,
        "hash": event_hash(prev, body),
    }


def append(
    session: Session,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: str | int,
    payload: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Append one event to the chain inside the session's current transaction.

    Group commit: while ``session.info[BATCH_HEAD]`` holds the head ``(seq, hash)`` of
    this transaction's chain (the caller locked and read it once with :func:`lock_head`),
    the event is chained on it without a query and left for the caller's one flush.
    """
    batch_head = session.info.get(BATCH_HEAD)
    if batch_head is not None:
        seq, prev = batch_head[0] + 1, batch_head[1]
    else:
        seq, prev = _lock_head(session)
    row = AuditEvent(
        **_event_row(
            seq,
            prev,
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            payload=payload,
            at=at,
        )
    )
    session.add(row)
    if batch_head is not None:
        session.info[BATCH_HEAD] = (seq, row.hash)
    else:
        session.flush()
    return row


#: ``session.info`` key of the chain head kept in memory during a group commit
BATCH_HEAD = "audit_batch_head"


def lock_head(session: Session) -> tuple[int, str] | None:
    """Lock the chain for this transaction and return its head ``(seq, hash)`` (None: empty)."""
    seq, prev = _lock_head(session)
    return None if seq == 1 else (seq - 1, prev)


def chain_json(
    seq: int, at: str, actor: str, action: str, object_type: str, object_id: str, payload_json: str
) -> str:
    """``canonical_json`` of an event's body, from its payload already in canonical JSON.

    The keys in sorted order, written out, so that a batch can canonicalize the payloads
    before it takes the chain's lock (equal to ``canonical_json(body)``: property-tested).
    """

    def q(v: str) -> str:
        return json.dumps(v, ensure_ascii=False)

    return (
        f'{{"action":{q(action)},"actor":{q(actor)},"at":{q(at)},"object_id":{q(object_id)},'
        f'"object_type":{q(object_type)},"payload":{payload_json},"seq":{seq}}}'
    )


def append_many(
    session: Session,
    *,
    actor: str,
    events: list[tuple[str, str, str | int, str]],
    at: datetime | None = None,
) -> None:
    """Append ``events`` (action, object type, object id, payload as :func:`canonical_json`)
    in order, in one batched INSERT.

    The same chain as that many calls of :func:`append` (one head lookup instead of one
    per event): a bulk import writes its thousands of events quickly.
    """
    if not events:
        return
    session.flush()
    seq, prev = _lock_head(session)
    when = (at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="microseconds")
    prefix = prev
    rows = []
    quoted: dict[str, str] = {}

    def q(v: str) -> str:
        if v not in quoted:
            quoted[v] = json.dumps(v, ensure_ascii=False)
        return quoted[v]

    for action, object_type, object_id, payload_json in events:
        oid = str(object_id)
        oid_json = f'"{oid}"' if oid.isascii() and oid.isalnum() else json.dumps(oid, ensure_ascii=False)
        body = (
            f'{{"action":{q(action)},"actor":{q(actor)},"at":{q(when)},"object_id":{oid_json},'
            f'"object_type":{q(object_type)},"payload":{payload_json},"seq":{seq}}}'
        )
        digest = hashlib.sha256(prefix.encode("ascii") + body.encode("utf-8")).hexdigest()
        rows.append((seq, when, actor, action, object_type, oid, payload_json, prefix, digest))
        seq, prefix = seq + 1, digest
    conn = session.connection()
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    cols = ("seq", "at", "actor", "action", "object_type", "object_id", "payload", "prev_hash", "hash")
    conn.exec_driver_sql(
        f"INSERT INTO audit_event ({', '.join(cols)}) VALUES ({', '.join(mark for _ in cols)})", rows
    )


@dataclass(frozen=True)
class ChainCheck:
    """Result of verifying the chain: ok, number of events, head, and the first bad seq."""

    ok: bool
    n_events: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str = ""
    #: the walk started after this seq (the signed checkpoint's; 0: from the genesis)
    from_seq: int = 0
    #: events whose hashes this verification recomputed
    checked: int = 0
    #: the money rows sealed in the chain (:mod:`regcoord.service.row_hashes`)
    rows: row_hashes.RowCheck | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "n_events": self.n_events,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "first_bad_seq": self.first_bad_seq,
            "problem": self.problem,
            "rows": None if self.rows is None else self.rows.to_dict(),
            "from_seq": self.from_seq,
            "checked": self.checked,
        }


def _rows(session: Session, batch: int = 1000, after: int = 0) -> Iterator[AuditEvent]:
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.seq > after).order_by(AuditEvent.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].seq


def verify(session: Session, checkpoint: dict[str, Any] | None = None) -> ChainCheck:
    """Recompute every hash from the genesis; report the first broken link.

    With an exported ``checkpoint`` ({"seq", "hash"}), also require the chain to still hold
    that event with that hash: a log rewritten consistently from the genesis, or truncated
    below the checkpoint, is detected too.
    """
    check = with_row_check(session, _verify_chain(session))
    if not check.ok or checkpoint is None:
        return check
    return verify_against(session, check, checkpoint)


def verify_against(session: Session, check: ChainCheck, checkpoint: dict[str, Any]) -> ChainCheck:
    """``check``, unless the chain no longer holds the exported ``checkpoint`` ({"seq", "hash"})."""
    seq, want = int(checkpoint["seq"]), str(checkpoint["hash"])
    if seq == 0:
        return check
    have = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == seq))
    problem = "checkpoint event is missing" if have is None else "checkpoint hash differs"
    if have != want:
        return ChainCheck(
            False,
            check.n_events,
            check.head_seq,
            check.head_hash,
            seq,
            problem,
            check.from_seq,
            check.checked,
        )
    return check


def with_row_check(session: Session, check: ChainCheck, *, after_seq: int = 0) -> ChainCheck:
    """``check`` with the sealed money rows verified too (an edited row fails the check);
    ``after_seq``: only the rows sealed after that checkpoint (incremental verification)."""
    rows = row_hashes.verify_rows(session, after_seq=after_seq)
    if rows.ok:
        return replace(check, rows=rows)
    problem = "; ".join(p for p in (check.problem, rows.problems[0]) if p)
    return replace(check, ok=False, rows=rows, problem=problem)


def _verify_chain(session: Session, from_seq: int = 0, from_hash: str = GENESIS) -> ChainCheck:
    """Walk the events after ``from_seq`` (whose hash is ``from_hash``), recomputing each hash."""
    prev, expected_seq, n = from_hash, from_seq + 1, 0
    for row in _rows(session, after=from_seq):
        n += 1
        total = from_seq + n
        if row.seq != expected_seq:
            return ChainCheck(
                False,
                total,
                row.seq,
                prev,
                row.seq,
                f"sequence gap: expected {expected_seq}, found {row.seq}",
                from_seq,
                n,
            )
        if row.prev_hash != prev:
            return ChainCheck(
                False,
                total,
                row.seq,
                prev,
                row.seq,
                "prev_hash does not match the previous event's hash",
                from_seq,
                n,
            )
        h = event_hash(prev, _event_body(row))
        if h != row.hash:
            return ChainCheck(
                False, total, row.seq, prev, row.seq, "event content does not match its hash", from_seq, n
            )
        prev, expected_seq = h, expected_seq + 1
    return ChainCheck(True, from_seq + n, expected_seq - 1, prev, from_seq=from_seq, checked=n)


def sign_checkpoint(secret: str, seq: int, head_hash: str, kind: str) -> str:
    """``HMAC-SHA256(secret, "seq:hash:kind")`` in hex (RFC 2104)."""
    msg = f"{seq}:{head_hash}:{kind}".encode("ascii")
    return hmac.new(secret.encode("utf-8"), msg, hashlib.sha256).hexdigest()


#: the most recent checkpoints looked at for one whose signature holds
_CHECKPOINTS_TRIED = 20


def last_checkpoint(session: Session, secret: str) -> AuditCheckpoint | None:
    """The newest checkpoint whose signature holds under ``secret`` (a forged or foreign one is skipped)."""
    rows = session.scalars(
        select(AuditCheckpoint)
        .order_by(AuditCheckpoint.seq.desc(), AuditCheckpoint.id.desc())
        .limit(_CHECKPOINTS_TRIED)
    ).all()
    for cp in rows:
        if hmac.compare_digest(cp.signature, sign_checkpoint(secret, cp.seq, cp.hash, cp.kind)):
            return cp
    return None


def verify_incremental(session: Session, secret: str) -> ChainCheck:
    """Verify the chain from the last signed checkpoint: cost grows with the events written since.

    The checkpointed event must still be there with the checkpointed hash; the events after
    it are walked as :func:`verify` walks them. Without a checkpoint this is the full walk.
    An edit below the checkpoint is left to the full walk (:func:`verify`), run as a job.
    The money rows sealed after the checkpoint are checked against their seals too.
    """
    cp = last_checkpoint(session, secret)
    if cp is None:
        return with_row_check(session, _verify_chain(session))
    have = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == cp.seq))
    if have != cp.hash:
        problem = "checkpoint event is missing" if have is None else "checkpoint hash differs"
        return ChainCheck(False, cp.seq, cp.seq, cp.hash, cp.seq, problem, cp.seq, 0)
    return with_row_check(session, _verify_chain(session, cp.seq, cp.hash), after_seq=cp.seq)


def record_checkpoint(
    session: Session, secret: str, check: ChainCheck, *, kind: str, at: datetime | None = None
) -> AuditCheckpoint | None:
    """Store ``check``'s head as a signed checkpoint if it is good and new (``kind``: full | incremental)."""
    if kind not in ("full", "incremental"):
        raise ValueError(f"checkpoint kind {kind!r} is not full or incremental")
    if not check.ok or check.head_seq == 0:
        return None
    last = session.scalar(select(AuditCheckpoint.seq).order_by(AuditCheckpoint.seq.desc()).limit(1))
    if last is not None and last >= check.head_seq and kind == "incremental":
        return None
    cp = AuditCheckpoint(
        seq=check.head_seq,
        hash=check.head_hash,
        kind=kind,
        signature=sign_checkpoint(secret, check.head_seq, check.head_hash, kind),
        created_at=(at or datetime.now(UTC)),
    )
    session.add(cp)
    session.flush()
    return cp


def checkpoint(session: Session) -> dict[str, Any]:
    """The current head (seq, hash) for export as a checkpoint."""
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    return {"seq": 0, "hash": GENESIS} if last is None else {"seq": last[0], "hash": last[1]}
