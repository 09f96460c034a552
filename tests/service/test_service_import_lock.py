"""Under load and faults (issue 8): a large KPI import holds the write lock briefly, and a
write that finds the database busy gets 503 with Retry-After, never a 500.

The lock time itself is measured in ``benchmarks/bench_import_lock.py`` (not a timed test);
here: the import is validated before its write transaction (every row, against the clause's
reporting schedule), and the batched audit chain is the chain of
:func:`regcoord.service.audit.append`.
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import event

from regcoord.service import audit
from regcoord.service.app import create_app
from regcoord.service.config import Settings
from regcoord.service.db import engine as engine_mod


def _csv(clause: int, n: int, first: date) -> bytes:
    lines = ["clause_id,period_start,period_end,value,evidence"]
    for k in range(n):
        d = first + timedelta(days=k)
        lines.append(f"{clause},{d},{d},{'0.9' if k % 2 else '1.2'},record {k}")
    return ("\n".join(lines) + "\n").encode()


class WriteSpy:
    """The statements of each transaction on an engine; a write transaction is one that
    sends an INSERT, UPDATE or DELETE (on PostgreSQL reads share the engine)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.current: dict[int, list[str]] = {}
        self.done: list[list[str]] = []
        event.listen(engine, "begin", self._begin)
        event.listen(engine, "commit", self._end)
        event.listen(engine, "rollback", self._end)
        event.listen(engine, "before_cursor_execute", self._stmt)

    def _begin(self, conn: Any) -> None:
        self.current[id(conn)] = []

    def _end(self, conn: Any) -> None:
        self.done.append(self.current.pop(id(conn), []))

    def _stmt(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if id(conn) in self.current and not statement.startswith(("BEGIN", "PRAGMA")):
            self.current[id(conn)].append(statement)

    def writes(self) -> list[list[str]]:
        return [
            tx
            for tx in self.done
            if any(s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) for s in tx)
        ]

    def reset(self) -> None:
        self.done = []


def test_a_bad_row_late_in_a_large_file_writes_nothing_and_takes_no_write_lock(world: Any) -> None:
    w = world
    inst = w.to_state("in_force")
    clause = inst["clauses"][1]["id"]
    w.clock.now = w.clock.now.replace(year=2025)
    # a valid scheduled period first, then a bad number: the file is refused while it is checked
    body = (
        "clause_id,period_start,period_end,value,evidence\n"
        f"{clause},2024-01-01,2024-12-31,0.9,record\n"
        f"{clause},2024-01-01,2024-12-31,1_0,late\n"
    ).encode()
    spy = WriteSpy(w.app.state.engine)
    before = w.get(f"/api/instruments/{inst['id']}/reports", "off-34").json()
    r = w.client.post(
        f"/api/instruments/{inst['id']}/reports.csv",
        files={"file": ("r.csv", body, "text/csv")},
        headers=w.h("off-34"),
    )
    assert r.status_code == 422 and r.json()["detail"][0]["row"] == 3, r.text
    assert spy.writes() == []  # refused while validating, before any write transaction
    assert w.get(f"/api/instruments/{inst['id']}/reports", "off-34").json() == before


def test_a_write_that_finds_sqlite_busy_gets_503_with_retry_after(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer holds the lock longer than the busy timeout: 503 + Retry-After, not 500."""
    w = world
    if not w.url.startswith("sqlite"):
        pytest.skip("the SQLite write lock; PostgreSQL locks rows, not the database")
    inst = w.to_state("in_force")
    clause = inst["clauses"][1]["id"]
    monkeypatch.setattr(engine_mod, "BUSY_TIMEOUT_MS", 200)
    app = create_app(Settings(database_url=w.url, secret_key="s" * 32), clock=w.clock)
    from fastapi.testclient import TestClient

    holder = sqlite3.connect(w.url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with TestClient(app) as client:
            body = {"period_start": "2024-01-01", "period_end": "2024-12-31", "value": "0.9", "evidence": "e"}
            r = client.post(f"/api/clauses/{clause}/reports", json=body, headers=w.h("off-34"))
            assert r.status_code == 503, r.text
            assert r.headers["Retry-After"] == str(engine_mod.RETRY_AFTER_S)
            assert "retry" in r.json()["detail"]
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        app.state.engine.dispose()
        app.state.read_engine.dispose()
    # after the other writer is gone the same request succeeds, and nothing was half-written
    assert w.get(f"/api/instruments/{inst['id']}/reports", "off-34").json() == []
    r = w.post("off-34", f"/api/clauses/{clause}/reports", body)
    assert r.status_code == 201, r.text


_text = st.text(st.characters(codec="utf-8"), max_size=12)
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    seq=st.integers(1, 10**9),
    actor=_text,
    action=_text,
    object_type=_text,
    object_id=st.integers(1, 2**31) | _text,
    payload=st.dictionaries(_text, _json, max_size=4),
)
def test_batched_event_json_is_the_canonical_json_of_the_event(
    seq: int, actor: str, action: str, object_type: str, object_id: Any, payload: dict[str, Any]
) -> None:
    """The batch (append_many) hashes exactly what a single append hashes: same canonical JSON."""
    when = "2025-03-01T09:00:00.000000+00:00"
    body = {
        "seq": seq,
        "at": when,
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "payload": json_roundtrip(payload),
    }
    assert audit.chain_json(
        seq, when, actor, action, object_type, str(object_id), audit.canonical_json(payload)
    ) == audit.canonical_json(body)


def json_roundtrip(obj: Any) -> Any:
    import json

    return json.loads(audit.canonical_json(obj))
