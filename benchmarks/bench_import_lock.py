"""How long a 10,000-row KPI CSV import holds the SQLite write lock.

Run from the repository root::

    .venv/bin/python -m benchmarks.bench_import_lock             # 10,000 rows
    .venv/bin/python -m benchmarks.bench_import_lock --rows 2000

Setup: a fresh SQLite file (WAL, the service's pragmas), migrated, with the demo data and
the synthetic agreement of :mod:`benchmarks.bench_service_load` (80 monthly clauses here) in
force. The file to import has ``--rows`` rows: the clauses x scheduled past months, values drawn
from 0.7 to 1.3 (fixed seed), so that about half the rows are breaches (with damages and a
credit event) and half order a compensation payment: every row writes a report, a payment
or a breach with its credit event, and their audit events.

Measured: the time from ``BEGIN IMMEDIATE`` to ``COMMIT`` of the service's write
connection (the span during which every other writer waits), with SQLAlchemy engine
events, and the whole request's wall time, for

- regcoord: ``POST /api/instruments/{id}/reports.csv`` (rows checked on a read-only
  session, then written through the single-report path in one transaction);
- peer: the same rows through ``report_kpi`` one by one inside one write transaction (what
  the import did before issue 8), on a second fresh copy of the same database.

Goal (issue 8): the lock held under 1 s for 10,000 rows.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import tempfile
import time
import warnings
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from benchmarks import bench_service_load
from benchmarks._record import record, table
from benchmarks.bench_service_load import Periods, _benchmark_instrument

#: enough monthly clauses that 10,000 scheduled periods fit after the clauses' 2012 deadline
bench_service_load.N_CLAUSES = 80

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


class LockTimer:
    """Spans from BEGIN (IMMEDIATE) to COMMIT/ROLLBACK on an engine's connections."""

    def __init__(self, engine: sa.Engine) -> None:
        self.spans: list[float] = []
        self._t0: dict[int, float] = {}
        event.listen(engine, "begin", self._begin)
        event.listen(engine, "commit", self._end)
        event.listen(engine, "rollback", self._end)

    def _begin(self, conn: Any) -> None:
        self._t0[id(conn)] = time.perf_counter()

    def _end(self, conn: Any) -> None:
        t0 = self._t0.pop(id(conn), None)
        if t0 is not None:
            self.spans.append(time.perf_counter() - t0)


def build(path: Path) -> tuple[list[int], int]:
    from regcoord.service import migrate
    from regcoord.service.app import create_app
    from regcoord.service.config import Settings
    from regcoord.service.demo import load_demo

    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    app = create_app(Settings(database_url=url, secret_key="bench-" + "x" * 32))
    load_demo(app.state.sessions)
    clause_ids = _benchmark_instrument(app.state.sessions)
    with app.state.sessions() as s:
        from regcoord.service.db import models as m

        iid = int(s.scalar(sa.select(m.ClauseRow.instrument_id).where(m.ClauseRow.id == clause_ids[0])) or 0)
    app.state.engine.dispose()
    app.state.read_engine.dispose()
    return clause_ids, iid


def csv_text(clause_ids: list[int], rows: int) -> tuple[str, list[tuple[int, date, date, str]]]:
    """``rows`` reports, each of one scheduled month of one clause (issue 8: one period each)."""
    rng = random.Random(8)
    slots = Periods(clause_ids)
    out = ["clause_id,period_start,period_end,value,evidence"]
    items = []
    for k in range(rows):
        cid, start, end = slots.next()
        value = f"{rng.uniform(0.7, 1.3):.3f}"
        items.append((cid, start, end, value))
        out.append(f"{cid},{start.isoformat()},{end.isoformat()},{value},synthetic record {k}")
    return "\n".join(out) + "\n", items


def run_service(path: Path, iid: int, text: str) -> dict[str, float]:
    from regcoord.service.app import create_app
    from regcoord.service.config import Settings

    app = create_app(Settings(database_url=f"sqlite:///{path}", secret_key="bench-" + "x" * 32))
    timer = LockTimer(app.state.engine)
    with TestClient(app) as client:
        tok = client.post("/api/auth/token", json={"username": "officer-ah", "password": "regcoord-demo"})
        headers = {"Authorization": f"Bearer {tok.json()['access_token']}"}
        timer.spans.clear()
        t0 = time.perf_counter()
        r = client.post(
            f"/api/instruments/{iid}/reports.csv",
            files={"file": ("kpi.csv", text.encode(), "text/csv")},
            headers=headers,
        )
        wall = time.perf_counter() - t0
    if r.status_code != 201:
        raise RuntimeError(r.text[:500])
    n = len(r.json()["imported"])
    app.state.engine.dispose()
    app.state.read_engine.dispose()
    return {"rows": n, "lock_s": max(timer.spans), "wall_s": wall}


def run_peer(path: Path, items: list[tuple[int, date, date, str]]) -> dict[str, float]:
    """The import as it was: rows checked and written by report_kpi one by one inside the write
    transaction (no validation pass before it)."""
    from regcoord.service.app import create_app
    from regcoord.service.auth import principal_of
    from regcoord.service.config import Settings
    from regcoord.service.db import models as m
    from regcoord.service.usecases import Ctx
    from regcoord.service.usecases import monitoring as mon
    from regcoord.service.usecases._context import region_tree

    app = create_app(Settings(database_url=f"sqlite:///{path}", secret_key="bench-" + "x" * 32))
    timer = LockTimer(app.state.engine)
    t0 = time.perf_counter()
    with app.state.sessions() as s:
        user = s.scalar(sa.select(m.User).where(m.User.username == "officer-ah"))
        ctx = Ctx(s, principal_of(user), datetime.now(UTC), region_tree())
        for i, (cid, start, end, value) in enumerate(items):
            mon.report_kpi(
                ctx, cid, period_start=start, period_end=end, value=value, evidence=f"synthetic record {i}"
            )
        s.commit()
    wall = time.perf_counter() - t0
    app.state.engine.dispose()
    app.state.read_engine.dispose()
    return {"rows": len(items), "lock_s": max(timer.spans), "wall_s": wall}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--no-record", action="store_true", help="print only; do not rewrite docs/benchmarks.md")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base.sqlite3"
        clause_ids, iid = build(base)
        text, items = csv_text(clause_ids, args.rows)
        a, b = Path(tmp) / "a.sqlite3", Path(tmp) / "b.sqlite3"
        shutil.copy(base, a)
        shutil.copy(base, b)
        ours = run_service(a, iid, text)
        peer = run_peer(b, items)
    rows = [
        {
            "path": "regcoord: POST reports.csv (validated on a read session, then written report by report)",
            "rows": int(ours["rows"]),
            "write lock held (s)": f"{ours['lock_s']:.3f}",
            "request wall (s)": f"{ours['wall_s']:.2f}",
        },
        {
            "path": "peer: report_kpi row by row in one write transaction (before issue 8)",
            "rows": int(peer["rows"]),
            "write lock held (s)": f"{peer['lock_s']:.3f}",
            "request wall (s)": f"{peer['wall_s']:.2f}",
        },
    ]
    load = os.getloadavg()[0]
    md = (
        "## KPI CSV import: SQLite write-lock time (`benchmarks/bench_import_lock.py`)\n\n"
        f"{args.rows:,} rows ({len(text) / 1e6:.2f} MB), 80 monthly clauses of a synthetic agreement in force; "
        "every row writes a report and a payment order or a breach with its credit event, "
        "with their audit events. The write lock is the span from `BEGIN IMMEDIATE` to `COMMIT` "
        "of the service's write connection. Goal (issue 8): under 1 s.\n\n"
        + table(rows)
        + f"\n\nRatio (peer / regcoord) of the lock time: {peer['lock_s'] / ours['lock_s']:.1f}x. "
        f"Load average at the end of the run: {load:.1f} on {os.cpu_count()} cores (a shared machine: "
        "times scale with the load)."
    )
    print(md)
    if not args.no_record:
        record("import_lock", md)


if __name__ == "__main__":
    main()
