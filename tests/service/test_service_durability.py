"""Durability: SIGKILL the server during a burst of KPI reports; nothing acknowledged is lost.

The server runs as a real process (``regcoord serve``) on a free loopback port with a
SQLite file (WAL, synchronous=FULL). Four client threads report KPI values; the server
is killed with SIGKILL mid-burst, restarted, and every report it acknowledged (HTTP 201)
must be in the database, with the audit chain intact.
"""

from __future__ import annotations

import signal
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from tests.service.server_process import free_port, start_server

from regcoord.service import audit
from regcoord.service.db import make_engine, make_sessionmaker
from regcoord.service.db import models as m


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sigkill_mid_burst_loses_no_acknowledged_report(world: Any, tmp_path: Path) -> None:
    w = world
    inst = w.to_state("in_force")
    clause_id = inst["clauses"][1]["id"]
    token = w.tokens["off-34"]
    w.app.state.engine.dispose()
    port = free_port()
    log = tmp_path / "server.log"
    proc = start_server(w.url, port, log)

    acked: list[tuple[int, str]] = []
    lock = threading.Lock()
    stop = threading.Event()

    def burst(offset: int) -> None:
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"}
        ) as c:
            # one report per scheduled period (calendar years ending on the 2024-12-31 deadline,
            # going back in time: the clock is in 2025, so every period has ended)
            for k in range(offset, 1000, 4):
                if stop.is_set():
                    return
                year = 2024 - k
                day = date(year, 12, 31).isoformat()
                body = {
                    "period_start": date(year, 1, 1).isoformat(),
                    "period_end": day,
                    "value": "0.9" if k % 3 else "1.2",
                    "evidence": f"e{k}",
                }
                try:
                    r = c.post(f"/api/clauses/{clause_id}/reports", json=body, timeout=10)
                except httpx.HTTPError:
                    return  # the server died: this request was never acknowledged
                if r.status_code == 201:
                    with lock:
                        acked.append((r.json()["id"], day))

    threads = [threading.Thread(target=burst, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(acked) < 60:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    stop.set()
    for t in threads:
        t.join()
    assert len(acked) >= 60, log.read_text()[-2000:]

    proc = start_server(w.url, port, log)  # restart on the same file
    try:
        r = httpx.get(f"http://127.0.0.1:{port}/api/audit/verify", timeout=10, headers=w.h("admin"))
        assert r.json()["ok"] is True, r.json()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    eng = make_engine(w.url)
    try:
        with make_sessionmaker(eng)() as s:
            stored = dict(s.execute(sa.select(m.KPIReportRow.id, m.KPIReportRow.period_end)).all())
            assert all(stored.get(rid) is not None and stored[rid].isoformat() == day for rid, day in acked)
            check = audit.verify(s)
            assert check.ok
            n_report_events = s.scalar(
                sa.select(sa.func.count())
                .select_from(m.AuditEvent)
                .where(m.AuditEvent.action == "kpi.report")
            )
            assert n_report_events == len(stored)  # every stored report has its audit event, and no more
    finally:
        eng.dispose()
