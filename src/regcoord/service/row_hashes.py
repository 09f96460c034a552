"""Content hashes of money rows, sealed into the audit chain (issue 8).

The hash chain of :mod:`regcoord.service.audit` proves that the *audit rows* were not
edited; it says nothing of the rows they describe. Every write of a money row (payment
orders and their confirmations, KPI report values, breaches, credit events, signatures)
puts ``row_hash = sha256(canonical_json(content))`` of the row as written into the
payload of its audit event, so the chain seals it. :func:`verify_rows` recomputes the hash
of every such row and compares it with the latest sealed one: an amount edited in the
``payment`` table (or a row inserted without an audit event) is detected by
``regcoord audit verify`` and ``GET /api/audit/verify``, not only an edited audit row.

The content is every scalar column of the row (JSON columns such as a payment's trace are
left out: their content is in the audit payload itself); dates and times in ISO form,
decimals as text, so that SQLite and PostgreSQL give the same hash.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, select
from sqlalchemy.orm import Session

from regcoord.service.db import models as m

#: the audited object type of each sealed table (the ``object_type`` of its audit events)
SEALED: dict[str, type[m.Base]] = {
    "payment": m.Payment,
    "kpi_report": m.KPIReportRow,
    "breach": m.BreachRow,
    "credit_event": m.CreditEventRow,
    "party": m.Party,
}

#: the payload key that carries the row hash
KEY = "row_hash"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo else value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _hashed_columns(model: type[m.Base]) -> list[Any]:
    return [c for c in model.__table__.columns if not isinstance(c.type, JSON)]  # type: ignore[attr-defined]


def row_content(row: m.Base) -> dict[str, Any]:
    """The scalar columns of ``row`` in plain JSON form (the hashed content)."""
    return {c.key: _plain(getattr(row, c.key)) for c in _hashed_columns(type(row))}


def _digest(content: dict[str, Any]) -> str:
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def row_hash(row: m.Base) -> str:
    """``sha256`` of the canonical JSON of :func:`row_content`."""
    return _digest(row_content(row))


def object_type_of(row: m.Base) -> str:
    return next(k for k, v in SEALED.items() if isinstance(row, v))


@dataclass(frozen=True)
class RowCheck:
    """Result of checking the sealed rows: how many were checked and what differs."""

    ok: bool
    n_rows: int
    problems: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "n_rows": self.n_rows, "problems": list(self.problems)}


def sealed_hashes(session: Session, *, after_seq: int = 0) -> dict[tuple[str, str], str]:
    """The latest sealed row hash of every (object type, object id) in the audit log
    (only events after ``after_seq``)."""
    out: dict[tuple[str, str], str] = {}
    q = (
        select(m.AuditEvent.object_type, m.AuditEvent.object_id, m.AuditEvent.payload)
        .where(
            m.AuditEvent.seq > after_seq,
            m.AuditEvent.object_type.in_(SEALED),
            m.AuditEvent.payload.contains(f'"{KEY}"'),
        )
        .order_by(m.AuditEvent.seq)
    )
    for otype, oid, payload in session.execute(q):
        try:
            h = json.loads(payload).get(KEY)
        except ValueError:
            continue
        if isinstance(h, str):
            out[(otype, oid)] = h
    return out


def verify_rows(session: Session, *, limit: int = 20, after_seq: int = 0) -> RowCheck:
    """Recompute the hash of every sealed row; name (up to ``limit``) rows that differ or are unsealed.

    ``after_seq > 0`` (incremental verification from a checkpoint): only the rows sealed by
    events after that seq are checked, and an unsealed row is left to the full walk, as an
    edit below the checkpoint is for the chain itself.
    """
    sealed = sealed_hashes(session, after_seq=after_seq)
    problems: list[str] = []
    n = 0
    for otype, model in SEALED.items():
        cols = _hashed_columns(model)
        # column rows, no ORM objects: the column types still convert dates, times and decimals
        if after_seq:
            ids = sorted(int(oid) for t, oid in sealed if t == otype and oid.isdigit())
            batches = [
                select(*cols).where(model.__table__.c.id.in_(ids[i : i + 1000]))
                for i in range(0, len(ids), 1000)
            ]
        else:
            batches = [select(*cols)]
        for stmt in batches:
            for row in session.execute(stmt).mappings():
                if otype == "party" and row["signed_at"] is None:
                    continue  # a party row carries money-relevant content only once signed
                n += 1
                key = (otype, str(row["id"]))
                want = sealed.get(key)
                if want is None:
                    problems.append(f"{otype} {key[1]}: no audit event seals this row")
                elif _digest({c.key: _plain(row[c.key]) for c in cols}) != want:
                    problems.append(
                        f"{otype} {key[1]}: content differs from the hash sealed in the audit chain"
                    )
    return RowCheck(not problems, n, tuple(problems[:limit]))
