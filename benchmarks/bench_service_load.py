"""Load of the coordination service on PostgreSQL: 50 users reporting KPIs and reading dashboards.

Run from the repository root::

    .venv/bin/python -m benchmarks.bench_service_load            # 5 minutes, 50 users
    .venv/bin/python -m benchmarks.bench_service_load --duration 60

Setup: a fresh database (``regcoord_bench``, dropped and created) on the PostgreSQL server
of ``--database-url`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432``), migrated
and loaded with the demo data; the service runs under uvicorn (``--workers``, default 4)
on a free loopback port in its own process group (see :func:`serve` for the one
difference from ``uvicorn --workers``: ``TCP_NODELAY`` on the connections).

Load, from this second process (asyncio + httpx, loopback only): ``--users`` virtual users
(default 50), each logged in with its own bearer token as the Anhui officer, in a closed
loop with a think time drawn uniformly from ``[0, 2 * --think]`` seconds (default mean
1 s) between requests. Each request is, at random (fixed seed):

- 40 %: a KPI report on one of the obligations of a synthetic agreement between Zhejiang
  and Anhui created for the benchmark (``N_CLAUSES`` clauses shaped like the Xin'an River
  clause: the obligor Anhui keeps an index at or below 1, damages on a breach, a
  compensation payment when met; carried through consultation, signatures, filing and
  approval with the use cases), with a value drawn from 0.7 to 1.3 for a scheduled monthly
  period not yet reported (periods end in the past: a report cannot precede its period's end) —
  judged, and turned into a payment order or a breach with its damages, with the audit
  events, in one transaction;
- 30 %: the JSON dashboard of Anhui (``GET /api/dashboard?region=34``);
- 30 %: the web dashboard of Anhui (``GET /dashboard?region=34``: HTML with the measure
  indicators).

Recorded: throughput, p50/p99/max latency per kind of request and overall, errors (any
status other than the expected one, any transport error), and the CPU seconds the service's
processes (from ``/proc``) and the load generator used, so that a run on a shared machine
can be read; then the median latency of each kind of request sent alone (no queue). The
client drops idle connections after 5 s, before the server's keep-alive timeout (15 s), as a
browser does, so no request races a closing connection. Afterwards the script checks that
every acknowledged report is in the database and that the audit chain verifies.
Goal: no error and p99 under 200 ms. The machine is shared; the load average is reported.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import sqlalchemy as sa

from benchmarks._record import record, table

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
DB_NAME = "regcoord_bench"
SEED = 20251125
SHARES = (("report_kpi", 0.4), ("api_dashboard", 0.3), ("web_dashboard", 0.3))
REGION = "34"  # Anhui, the obligor of the benchmark's obligations
N_CLAUSES = 100  # obligations of the synthetic agreement (x ~160 past months = report slots)
USER = "officer-ah"
MAX_USERS, MAX_DURATION = 500, 3600
#: the client closes idle connections before the server does (no keep-alive race)
SERVER_KEEP_ALIVE_S, CLIENT_KEEP_ALIVE_S = 15, 5.0


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU seconds of the processes of a process group (Linux ``/proc``)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # fields after the command: state ppid pgrp ... utime (12th) stime (13th)
        if int(fields[2]) == pgid:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


@dataclass
class Sample:
    kind: str
    seconds: float
    ok: bool


@dataclass
class Run:
    samples: list[Sample] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    acknowledged: list[int] = field(default_factory=list)  # ids of the reports answered 201
    total: int = 0  # requests sent, warm-up included

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare_database(server: str) -> tuple[str, list[int]]:
    """Drop and create ``regcoord_bench``, migrate it, load the demo data and the benchmark's
    agreement; return the URL and the agreement's clause ids."""
    from regcoord.service import migrate
    from regcoord.service.app import create_app
    from regcoord.service.config import Settings
    from regcoord.service.demo import load_demo

    admin_url = sa.engine.make_url(server).set(database="postgres")
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        c.execute(sa.text(f'CREATE DATABASE "{DB_NAME}"'))
    admin.dispose()
    url = sa.engine.make_url(server).set(database=DB_NAME).render_as_string(hide_password=False)
    migrate.upgrade(url)
    app = create_app(Settings(database_url=url, secret_key="bench-" + os.urandom(16).hex()))
    load_demo(app.state.sessions)
    clause_ids = _benchmark_instrument(app.state.sessions)
    app.state.engine.dispose()
    return url, clause_ids


def _benchmark_instrument(sessions: Any) -> list[int]:
    """A synthetic agreement (33, 34) brought into force through the use cases; its clause ids."""
    from regcoord.service.auth import principal_of
    from regcoord.service.db import models as m
    from regcoord.service.usecases import Ctx, consultations, instruments
    from regcoord.service.usecases._context import region_tree

    now = datetime.now(UTC)
    clauses = [
        {
            "number": str(i),
            "text": f"Synthetic obligation {i} of the load benchmark: Anhui keeps index P of section {i} "
            f"at or below 1. 负载测试合成义务{i}：安徽省第{i}断面指数P不高于1。",
            "obligation": {
                "obligor": "34",
                "metric": f"synthetic index P of section {i}",
                "target": "1",
                "comparator": "<=",
                "unit": "1",
                "deadline": date(2012, 12, 31),
                "evidence": "synthetic monitoring record",
                "period_months": 1,
            },
            "breach": {
                "damages": {"fixed_fen": 100_000, "per_unit_fen": 0, "cap_fen": None},
                "beneficiary": "33",
                "force_majeure_exempt": False,
            },
            "compensation": {
                "when": "met",
                "payer": "33",
                "payee": "34",
                "amount_fen": 100_000,
                "source": "synthetic (load benchmark)",
            },
        }
        for i in range(1, N_CLAUSES + 1)
    ]
    with sessions() as s:
        users = {u.username: u for u in s.scalars(sa.select(m.User))}

        def as_(name: str) -> Any:
            return Ctx(session=s, principal=principal_of(users[name]), now=now, tree=region_tree())

        inst = instruments.create_instrument(
            as_("officer-zj"),
            kind="agreement",
            template="",
            title="Load-benchmark agreement (synthetic) / 负载测试协议（合成数据）",
            parties=["33", "34"],
            summary="Synthetic instrument of benchmarks/bench_service_load.py; not real data.",
            clauses=clauses,
        )
        cons = instruments.open_consultation(as_("officer-zj"), inst.id, closes_at=now + timedelta(days=30))
        for user in ("enterprise-zj", "ngo-ah", "resident-ah"):
            sub = consultations.submit(as_(user), cons.id, text="Synthetic comment.", clause_number="1")
            consultations.answer(as_("officer-zj"), sub.id, text="Synthetic answer.")
        instruments.close_consultation(as_("officer-zj"), inst.id)
        instruments.sign(as_("officer-zj"), inst.id)
        instruments.sign(as_("officer-ah"), inst.id)
        instruments.file(as_("officer-zj"), inst.id)
        instruments.start_review(as_("reviewer-cn"), inst.id)
        instruments.decide_review(as_("reviewer-cn"), inst.id, approve=True, reasons="synthetic")
        s.commit()
        if inst.state != "in_force":
            raise RuntimeError(f"the benchmark agreement is {inst.state}, not in force")
        return [c.id for c in inst.clauses]


class Periods:
    """Report slots: clause ``k % N`` and the scheduled month ``k // N`` months before the last ended one.

    The clauses report monthly (calendar months: their deadline is a month end), and a
    report must name exactly one scheduled period (issue 8), so each slot is one month of
    one clause, never reused.
    """

    def __init__(self, clause_ids: list[int], start: int = 0) -> None:
        self.clause_ids = clause_ids
        self.counter = itertools.count(start)
        self.first_of_month = datetime.now(UTC).date().replace(day=1)

    def next(self) -> tuple[int, date, date]:
        k = next(self.counter)
        back = k // len(self.clause_ids) + 1  # months before the current one
        y, mo = divmod(self.first_of_month.year * 12 + self.first_of_month.month - 1 - back, 12)
        start = date(y, mo + 1, 1)
        end = (date(y + (mo + 1) // 12, (mo + 1) % 12 + 1, 1)) - timedelta(days=1)
        if end <= date(2012, 12, 31):
            raise RuntimeError("the benchmark ran out of past months to report on; add clauses")
        return self.clause_ids[k % len(self.clause_ids)], start, end


def serve(port: int, workers: int) -> None:
    """Run the service under uvicorn with ``workers`` processes on a loopback TCP socket.

    Like ``uvicorn --workers``, except that the listening socket is created with
    ``IPPROTO_TCP``: uvicorn's own ``bind_socket()`` leaves the protocol 0, so asyncio does
    not set ``TCP_NODELAY`` on the accepted connections, and Nagle's algorithm with delayed
    ACKs then adds about 40 ms to every request on a kept-alive connection (measured here:
    ``/healthz`` 44 ms instead of 2 ms). A deployment with several workers needs the same care.
    """
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config(
        "regcoord.service.app:create_app",
        factory=True,
        host="127.0.0.1",
        port=port,
        workers=workers,
        timeout_keep_alive=SERVER_KEEP_ALIVE_S,
        access_log=False,
        log_level="warning",
    )
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.set_inheritable(True)
    Multiprocess(config, sockets=[sock]).run()


def start_server(url: str, port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    """Start :func:`serve` in a new process group (this module with ``--serve-port``)."""
    env = {
        **os.environ,
        "REGCOORD_DATABASE_URL": url,
        "REGCOORD_SECRET_KEY": "bench-" + os.urandom(16).hex(),
    }
    cmd = [sys.executable, "-m", "benchmarks.bench_service_load", "--serve-port", str(port)]
    cmd += ["--workers", str(workers)]
    with log.open("wb") as out:  # the server's own log (errors with their tracebacks)
        return subprocess.Popen(
            cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def wait_ready(base: str, proc: subprocess.Popen[bytes], timeout: float = 90) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"the service exited with status {proc.returncode}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError("the service did not answer /healthz in time")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


async def _login(client: httpx.AsyncClient) -> str:
    r = await client.post("/api/auth/token", json={"username": USER, "password": "regcoord-demo"})
    r.raise_for_status()
    return str(r.json()["access_token"])


async def run_load(
    base: str, *, users: int, duration: float, think: float, periods: Periods, warmup: float
) -> tuple[Run, float]:
    """Closed-loop users; latencies are kept from ``warmup`` seconds on (errors always count)."""
    run = Run()
    kinds = [k for k, _ in SHARES]
    weights = [w for _, w in SHARES]
    limits = httpx.Limits(
        max_connections=users + 10, max_keepalive_connections=users + 10, keepalive_expiry=CLIENT_KEEP_ALIVE_S
    )
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
        sem = asyncio.Semaphore(4)  # argon2 logins are deliberately slow; do not storm them

        async def login() -> str:
            async with sem:
                return await _login(client)

        tokens = await asyncio.gather(*(login() for _ in range(users)))
        start = time.perf_counter()
        measure_from = start + warmup
        stop_at = measure_from + duration

        async def user(i: int, token: str) -> None:
            rng = random.Random(SEED + i)
            headers = {"Authorization": f"Bearer {token}"}
            one = httpx.Limits(max_connections=1, keepalive_expiry=CLIENT_KEEP_ALIVE_S)
            async with httpx.AsyncClient(base_url=base, timeout=30, limits=one) as web:
                await asyncio.sleep(rng.uniform(0, 2 * think))
                while time.perf_counter() < stop_at:
                    kind = rng.choices(kinds, weights)[0]
                    t0 = time.perf_counter()
                    try:
                        if kind == "report_kpi":
                            clause_id, start, end = periods.next()
                            body = {
                                "period_start": start.isoformat(),
                                "period_end": end.isoformat(),
                                "value": f"{rng.uniform(0.7, 1.3):.3f}",
                                "evidence": "load benchmark (synthetic value)",
                            }
                            r = await client.post(
                                f"/api/clauses/{clause_id}/reports", json=body, headers=headers
                            )
                            ok = r.status_code == 201
                            if ok:
                                run.acknowledged.append(int(r.json()["id"]))
                        elif kind == "api_dashboard":
                            r = await client.get(f"/api/dashboard?region={REGION}", headers=headers)
                            ok = r.status_code == 200
                        else:
                            r = await web.get(f"/dashboard?region={REGION}&lang=zh")
                            ok = r.status_code == 200 and "区域差距" in r.text
                        if not ok:
                            run.error(f"{kind}: HTTP {r.status_code}")
                    except httpx.HTTPError as exc:
                        ok = False
                        run.error(f"{kind}: {type(exc).__name__}")
                    run.total += 1
                    if t0 >= measure_from or not ok:
                        run.samples.append(Sample(kind, time.perf_counter() - t0, ok))
                    await asyncio.sleep(rng.uniform(0, 2 * think))

        await asyncio.gather(*(user(i, t) for i, t in enumerate(tokens)))
        elapsed = time.perf_counter() - measure_from
    return run, elapsed


def summarize(run: Run, elapsed: float) -> list[dict[str, object]]:
    rows = []
    for kind in [k for k, _ in SHARES] + ["all"]:
        s = [x for x in run.samples if kind in ("all", x.kind)]
        if not s:
            continue
        lat = np.array([x.seconds for x in s]) * 1000
        rows.append(
            {
                "request": kind,
                "requests": len(s),
                "throughput (req/s)": f"{len(s) / elapsed:.1f}",
                "p50 (ms)": f"{np.percentile(lat, 50):.1f}",
                "p99 (ms)": f"{np.percentile(lat, 99):.1f}",
                "max (ms)": f"{lat.max():.1f}",
                "errors": sum(1 for x in s if not x.ok),
            }
        )
    return rows


async def service_times(base: str, periods: Periods, n: int = 30) -> dict[str, float]:
    """Median latency (ms) of each kind of request sent one at a time after the run.

    With no queue in front of the server this is (close to) the service time, to set
    against the latencies under load, which add the wait for a CPU on a shared machine.
    Same client stack as the load (asyncio + httpx).
    """
    out: dict[str, float] = {}
    async with httpx.AsyncClient(base_url=base, timeout=30) as c:
        headers = {"Authorization": f"Bearer {await _login(c)}"}
        for kind in [k for k, _ in SHARES]:
            lat = []
            for _ in range(n):
                t0 = time.perf_counter()
                if kind == "report_kpi":
                    clause_id, start, end = periods.next()
                    body = {
                        "period_start": start.isoformat(),
                        "period_end": end.isoformat(),
                        "value": "1.0",
                        "evidence": "service time",
                    }
                    r = await c.post(f"/api/clauses/{clause_id}/reports", json=body, headers=headers)
                elif kind == "api_dashboard":
                    r = await c.get(f"/api/dashboard?region={REGION}", headers=headers)
                else:
                    r = await c.get(f"/dashboard?region={REGION}&lang=zh")
                r.raise_for_status()
                lat.append((time.perf_counter() - t0) * 1000)
            out[kind] = float(np.median(lat))
    return out


def check_after(url: str, acknowledged: list[int], base: str) -> dict[str, Any]:
    eng = sa.create_engine(url)
    with eng.connect() as c:
        present = {r[0] for r in c.execute(sa.text("SELECT id FROM kpi_report"))}
    eng.dispose()
    missing = [i for i in acknowledged if i not in present]
    chain = httpx.get(f"{base}/api/audit/verify", timeout=300).json()
    return {
        "missing_reports": len(missing),
        "audit_ok": chain.get("ok"),
        "audit_events": chain.get("n_events"),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--duration", type=float, default=300.0, help="seconds of load (default 300)")
    ap.add_argument("--users", type=int, default=50, help="concurrent virtual users (default 50)")
    ap.add_argument("--warmup", type=float, default=15.0, help="seconds of load before measuring")
    ap.add_argument("--think", type=float, default=1.0, help="mean think time between requests, s")
    ap.add_argument("--workers", type=int, default=4, help="uvicorn worker processes (default 4)")
    ap.add_argument("--database-url", default=DEFAULT_SERVER, help="PostgreSQL server URL")
    ap.add_argument("--serve-port", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve_port is not None:  # the server process started by start_server()
        serve(args.serve_port, args.workers)
        return
    if not (0 < args.duration <= MAX_DURATION) or not (0 < args.users <= MAX_USERS):
        ap.error(f"duration must be in (0, {MAX_DURATION}] s and users in (0, {MAX_USERS}]")
    if not args.database_url.startswith("postgresql"):
        ap.error("the load benchmark runs on PostgreSQL")

    # SIGTERM ends the run through ``finally`` (the server's process group is stopped)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    url, clause_ids = prepare_database(args.database_url)
    periods = Periods(clause_ids)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = Path(tempfile.mkdtemp(prefix="regcoord-load-")) / "server.log"
    proc = start_server(url, port, args.workers, log)
    try:
        wait_ready(base, proc)
        load0 = os.getloadavg()[0]
        cpu_server0, cpu_client0 = group_cpu_seconds(proc.pid), time.process_time()
        run, elapsed = asyncio.run(
            run_load(
                base,
                users=args.users,
                duration=args.duration,
                think=args.think,
                periods=periods,
                warmup=args.warmup,
            )
        )
        cpu_server = group_cpu_seconds(proc.pid) - cpu_server0
        cpu_client = time.process_time() - cpu_client0
        load1 = os.getloadavg()[0]
        after = check_after(url, run.acknowledged, base)
        alone = asyncio.run(service_times(base, periods))
    finally:
        stop_server(proc)

    rows = summarize(run, elapsed)
    overall = rows[-1]
    p99 = float(str(overall["p99 (ms)"]))
    n_err = sum(run.errors.values())
    verdict = "met" if n_err == 0 and p99 < 200 else "NOT met"
    md = (
        "## Coordination service under load (PostgreSQL)\n\n"
        f"{args.users} virtual users for {elapsed:.0f} s after a {args.warmup:g} s warm-up "
        f"(think time uniform 0-{2 * args.think:g} s), "
        f"uvicorn with {args.workers} workers, PostgreSQL on loopback, load from a second process "
        "(asyncio + httpx). Requests: 40 % KPI reports on the 50 obligations of a synthetic Zhejiang-Anhui "
        "agreement shaped like the Xin'an clause (judged, payment or breach and audit events in one "
        "transaction), 30 % JSON dashboard, 30 % web dashboard of Anhui.\n\n"
        + table(rows)
        + f"\n\nGoal (no error, p99 < 200 ms): **{verdict}**. Errors: {dict(run.errors) or 'none'}. "
        "Median latency of each request sent alone after the run (no queue): "
        + ", ".join(f"{k} {v:.1f} ms" for k, v in alone.items())
        + ". "
        f"After the run: acknowledged reports missing {after['missing_reports']} of "
        f"{len(run.acknowledged)}; audit chain ok = {after['audit_ok']} ({after['audit_events']} events). "
        f"CPU: the service used {cpu_server:.0f} s ({1000 * cpu_server / max(run.total, 1):.1f} ms "
        f"per request, warm-up included), the load generator {cpu_client:.0f} s. "
        f"Load average {load0:.1f} before, {load1:.1f} after ({os.cpu_count()} cores shared with other work).\n"
    )
    print(md)
    if n_err:
        print(f"server log: {log}")
    record("service-load", md)


if __name__ == "__main__":
    main()
