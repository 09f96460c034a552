"""The coordination service at national scale: read latency against data volume (PostgreSQL).

Run from the repository root::

    .venv/bin/python -m benchmarks.bench_service_scale                       # 3 steps up to 10k agreements
    .venv/bin/python -m benchmarks.bench_service_scale --steps 100:10000:50000,1000:100000:500000

Setup: a fresh database (``regcoord_bench_scale``, dropped and created) on the PostgreSQL
server of ``--database-url``, migrated and loaded with the demo data. A *template* agreement
between Zhejiang and Anhui (one Xin'an-shaped obligation of Anhui) is carried into force
through the use cases, and two KPI reports are filed on it **through the HTTP API** (one met:
a compensation order; one not met: a breach, its damages order and a credit event). Every
row those calls wrote (instrument, parties, clauses, versions, consultation, submissions,
filing review, reports, payments, breaches, credit events and their audit events) is the
template of the bulk rows.

Growth, in steps (``agreements:reports:audit_events``, cumulative): agreements are copies of
the template's rows with new ids, titles and dates; each agreement receives an equal share
of the reports, each a copy of the met or the not-met report (alternately) with its payment,
breach and credit rows, for a new daily period; the audit events of each copied call are
re-chained (``hash = sha256(prev || event)``) after the head, and the chain is filled up to
the step's event count with copies of the report calls' events. Rows are written with
PostgreSQL ``COPY`` (psycopg), sequences are moved past them, and ``ANALYZE`` runs.

Check of the shape (each step): a sample of the bulk agreements receives a KPI report
through the API, and the rows the API writes (columns, outcome, payment kind, amount, payer,
payee, credit delta, audit actions) must equal the bulk rows of the same kind; then the
audit chain is verified incrementally from the previous step's signed checkpoint (which
walks every bulk event of the step) and a new checkpoint is recorded.

Measured (each step, one client, in-process ASGI: ``fastapi.testclient``, no network, the
service's own PostgreSQL connection pool): p50 / p99 / max over ``--n`` requests of every
read page and API list, KPI report writes, and the incremental ``GET /api/audit/verify``
(after ``--new-events`` new events). For the slowest reads, the SQL statement that took
longest is re-run with ``EXPLAIN (ANALYZE, BUFFERS)`` and its plan recorded.
Goal (issue 17): every read p99 < 200 ms, the dashboard < 150 ms. The machine is shared;
its load average is recorded with each step.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import sqlalchemy as sa

from benchmarks._record import record, table

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
DB_NAME = "regcoord_bench_scale"
SECRET = "bench-scale-" + "k" * 20
DEFAULT_STEPS = "100:10000:50000,1000:100000:500000,10000:1000000:5000000"
#: tables whose rows are copied per agreement (besides instrument), by their instrument_id
PER_INSTRUMENT = ("party", "clause", "instrument_version", "consultation", "filing_review")
REPORT_DAY0 = date(2026, 11, 30)
#: rows buffered per table before a COPY (bounded memory at millions of rows)
FLUSH_ROWS = 100_000  # the latest bulk period ends here; earlier ones go back a day each


# -- the template ------------------------------------------------------------------------------
@dataclass
class Template:
    instrument: dict[str, Any]
    children: dict[str, list[dict[str, Any]]]
    submissions: list[dict[str, Any]]
    inst_events: list[dict[str, Any]]
    #: per report kind ("met", "not_met"): the rows of the call and its audit events
    reports: dict[str, dict[str, Any]] = field(default_factory=dict)
    obligation_clause_number: str = "2"


def _rows(conn: sa.Connection, table_name: str, where: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        dict(r._mapping) for r in conn.execute(sa.text(f"SELECT * FROM {table_name} WHERE {where}"), params)
    ]


def prepare(server: str) -> tuple[Any, Template, dict[str, str]]:
    """Fresh database, demo data, the template agreement and its two API reports."""
    from regcoord.service import auth as auth_mod
    from regcoord.service import migrate
    from regcoord.service.app import create_app
    from regcoord.service.auth import principal_of
    from regcoord.service.config import Settings
    from regcoord.service.db import models as m
    from regcoord.service.demo import load_demo
    from regcoord.service.usecases import Ctx, consultations, instruments
    from regcoord.service.usecases._context import region_tree

    admin_url = sa.engine.make_url(server).set(database="postgres")
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        c.execute(sa.text(f'CREATE DATABASE "{DB_NAME}"'))
    admin.dispose()
    url = sa.engine.make_url(server).set(database=DB_NAME).render_as_string(hide_password=False)
    migrate.upgrade(url)
    app = create_app(Settings(database_url=url, secret_key=SECRET))
    load_demo(app.state.sessions)
    now = datetime.now(UTC)
    tokens: dict[str, str] = {}
    with app.state.sessions() as s:
        users = {u.username: u for u in s.scalars(sa.select(m.User))}
        for name in ("officer-ah", "officer-zj", "admin", "reviewer-cn"):
            tokens[name] = auth_mod.issue_token(s, users[name], kind="api", now=now, ttl_hours=48)
        s.commit()

        def as_(name: str) -> Any:
            return Ctx(session=s, principal=principal_of(users[name]), now=now, tree=region_tree())

        head0 = s.scalar(sa.select(sa.func.max(m.AuditEvent.seq))) or 0
        inst = instruments.create_instrument(
            as_("officer-zj"),
            kind="agreement",
            template="",
            title="Scale-benchmark agreement (synthetic) / 规模测试协议（合成数据）",
            parties=["33", "34"],
            summary="Synthetic instrument of benchmarks/bench_service_scale.py; not real data.",
            clauses=[
                {"number": "1", "text": "Central funds 300 million yuan a year. 中央每年出资3亿元。"},
                {
                    "number": "2",
                    "text": "Anhui keeps the synthetic index P at or below 1. 安徽省合成指数P不高于1。",
                    "obligation": {
                        "obligor": "34",
                        "metric": "synthetic index P",
                        "target": "1",
                        "comparator": "<=",
                        "unit": "1",
                        "deadline": date(2012, 12, 31),
                        "evidence": "synthetic monitoring record",
                        "period_months": 12,
                    },
                    "breach": {
                        "damages": {"fixed_fen": 100_000, "per_unit_fen": 0, "cap_fen": None},
                        "beneficiary": "33",
                        "credit_penalty": 5,
                        "force_majeure_exempt": False,
                    },
                    "compensation": {
                        "when": "met",
                        "payer": "33",
                        "payee": "34",
                        "amount_fen": 100_000,
                        "source": "synthetic (scale benchmark)",
                    },
                },
            ],
        )
        cons = instruments.open_consultation(as_("officer-zj"), inst.id, closes_at=now + timedelta(days=30))
        for user in ("enterprise-zj", "ngo-ah", "resident-ah"):
            sub = consultations.submit(as_(user), cons.id, text="Synthetic comment.", clause_number="2")
            consultations.answer(as_("officer-zj"), sub.id, text="Synthetic answer.")
        instruments.close_consultation(as_("officer-zj"), inst.id)
        instruments.sign(as_("officer-zj"), inst.id)
        instruments.sign(as_("officer-ah"), inst.id)
        instruments.file(as_("officer-zj"), inst.id)
        instruments.start_review(as_("reviewer-cn"), inst.id)
        instruments.decide_review(as_("reviewer-cn"), inst.id, approve=True, reasons="synthetic")
        s.commit()
        iid = inst.id
        head1 = s.scalar(sa.select(sa.func.max(m.AuditEvent.seq)))
    with app.state.engine.connect() as c:
        tmpl = Template(
            instrument=_rows(c, "instrument", "id = :i", {"i": iid})[0],
            children={t: _rows(c, t, "instrument_id = :i", {"i": iid}) for t in PER_INSTRUMENT},
            submissions=_rows(
                c,
                "submission",
                "consultation_id IN (SELECT id FROM consultation WHERE instrument_id = :i)",
                {"i": iid},
            ),
            inst_events=_rows(
                c, "audit_event", "seq > :a AND seq <= :b ORDER BY seq", {"a": head0, "b": head1}
            ),
        )
    clause_id = next(r["id"] for r in tmpl.children["clause"] if r["number"] == "2")
    client = TestClient(app)
    client.__enter__()
    for kind, value, end in (
        ("met", "0.9", REPORT_DAY0 + timedelta(days=1)),
        ("not_met", "1.2", REPORT_DAY0 + timedelta(days=2)),
    ):
        with app.state.engine.connect() as c:
            before = c.scalar(sa.text("SELECT max(seq) FROM audit_event"))
            credit_before = c.scalar(sa.text("SELECT coalesce(max(id), 0) FROM credit_event"))
        r = client.post(
            f"/api/clauses/{clause_id}/reports",
            json={"period_start": str(end), "period_end": str(end), "value": value, "evidence": "synthetic"},
            headers={"Authorization": f"Bearer {tokens['officer-ah']}"},
        )
        if r.status_code != 201:
            raise RuntimeError(f"template report refused: {r.status_code} {r.text}")
        rid = r.json()["id"]
        with app.state.engine.connect() as c:
            tmpl.reports[kind] = {
                "report": _rows(c, "kpi_report", "id = :r", {"r": rid})[0],
                "payment": _rows(c, "payment", "kpi_report_id = :r", {"r": rid}),
                "breach": _rows(c, "breach", "kpi_report_id = :r", {"r": rid}),
                "credit_event": _rows(c, "credit_event", "id > :c", {"c": credit_before}),
                "events": _rows(c, "audit_event", "seq > :a ORDER BY seq", {"a": before}),
            }
    return client, tmpl, tokens


# -- bulk growth -------------------------------------------------------------------------------
def _event_hash(prev: str, body: dict[str, Any]) -> str:
    from regcoord.service.audit import canonical_json

    return hashlib.sha256(prev.encode("ascii") + canonical_json(body).encode("utf-8")).hexdigest()


class Chain:
    """Appends audit events after the current head, chained as :func:`regcoord.service.audit.append` does."""

    def __init__(self, conn: sa.Connection) -> None:
        row = conn.execute(sa.text("SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1")).one()
        self.seq, self.prev = int(row[0]), str(row[1])
        self.rows: list[tuple[Any, ...]] = []

    def add(self, ev: dict[str, Any], object_id: str) -> None:
        self.seq += 1
        payload = json.loads(ev["payload"])
        body = {
            "seq": self.seq,
            "at": ev["at"],
            "actor": ev["actor"],
            "action": ev["action"],
            "object_type": ev["object_type"],
            "object_id": object_id,
            "payload": payload,
        }
        h = _event_hash(self.prev, body)
        self.rows.append(
            (
                self.seq,
                ev["at"],
                ev["actor"],
                ev["action"],
                ev["object_type"],
                object_id,
                ev["payload"],
                self.prev,
                h,
            )
        )
        self.prev = h


AUDIT_COLS = ("seq", "at", "actor", "action", "object_type", "object_id", "payload", "prev_hash", "hash")


def _copy(raw: Any, table_name: str, cols: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    with raw.cursor() as cur, cur.copy(f"COPY {table_name} ({', '.join(cols)}) FROM STDIN") as cp:
        for r in rows:
            cp.write_row(r)


def _jsonish(v: Any) -> Any:
    return json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v


class Ids:
    def __init__(self, conn: sa.Connection, tables: tuple[str, ...]) -> None:
        self.next = {
            t: int(conn.scalar(sa.text(f"SELECT coalesce(max(id), 0) FROM {t}"))) + 1 for t in tables
        }

    def take(self, t: str) -> int:
        v = self.next[t]
        self.next[t] = v + 1
        return v


ID_TABLES = (
    "instrument",
    "party",
    "clause",
    "instrument_version",
    "consultation",
    "filing_review",
    "submission",
    "kpi_report",
    "payment",
    "breach",
    "credit_event",
)


def grow(app: Any, tmpl: Template, *, agreements: int, reports: int, events: int) -> dict[str, float]:
    """Add agreements, reports and audit events up to the totals given (bulk COPY); seconds taken."""
    from regcoord.agreements import next_evaluation_due

    t0 = time.perf_counter()
    eng = app.state.engine
    with eng.connect() as conn:
        have_inst = (
            conn.scalar(sa.text("SELECT count(*) FROM instrument WHERE title LIKE 'Scale copy %'")) or 0
        )
        have_rep = conn.scalar(sa.text("SELECT count(*) FROM kpi_report")) or 0
        ids = Ids(conn, ID_TABLES)
        chain = Chain(conn)
        obl_clauses: list[tuple[int, int]] = [
            tuple(r)
            for r in conn.execute(
                sa.text(
                    "SELECT c.id, c.instrument_id FROM clause c JOIN instrument i ON i.id = c.instrument_id "
                    "WHERE i.title LIKE 'Scale copy %' AND c.number = :n ORDER BY c.id"
                ),
                {"n": tmpl.obligation_clause_number},
            )
        ]
        #: bulk reports each clause already has (its next period is that many days before REPORT_DAY0)
        used: dict[int, int] = {
            int(cid): int(n)
            for cid, n in conn.execute(
                sa.text(
                    "SELECT clause_id, count(*) FROM kpi_report WHERE period_end > :d GROUP BY clause_id"
                ),
                {"d": date(2021, 1, 1)},
            )
        }
    out: dict[str, list[tuple[Any, ...]]] = {}
    cols: dict[str, tuple[str, ...]] = {}
    raw = eng.raw_connection()
    dbapi = raw.driver_connection
    written = [0]
    t_copy = [0.0]
    order = (
        "instrument",
        "party",
        "clause",
        "instrument_version",
        "consultation",
        "submission",
        "filing_review",
        "kpi_report",
        "payment",
        "breach",
        "credit_event",
    )

    def flush() -> None:
        """COPY the buffered rows (parents first) in the one open transaction."""
        tc = time.perf_counter()
        for t in order:
            _copy(dbapi, t, cols.get(t, ()), out.get(t, []))
            written[0] += len(out.get(t, []))
            out[t] = []
        _copy(dbapi, "audit_event", AUDIT_COLS, chain.rows)
        written[0] += len(chain.rows)
        chain.rows = []
        t_copy[0] += time.perf_counter() - tc

    def put(t: str, row: dict[str, Any]) -> None:
        if t not in cols:
            cols[t] = tuple(row)
        buf = out.setdefault(t, [])
        buf.append(tuple(_jsonish(row[c]) for c in cols[t]))
        if len(buf) >= FLUSH_ROWS or len(chain.rows) >= FLUSH_ROWS:
            flush()

    # agreements
    base_eff = date(2020, 1, 1)
    for k in range(have_inst, agreements):
        iid = ids.take("instrument")
        eff = base_eff + timedelta(days=k % 1500)
        inst = {
            **tmpl.instrument,
            "id": iid,
            "title": f"Scale copy {k} / 规模测试协议副本{k}",
            "effective_from": eff,
            "expires_on": eff + timedelta(days=5 * 365 + (k % 400)),
        }
        inst["evaluation_due_on"] = next_evaluation_due(inst["effective_from"], inst["last_evaluated"])
        put("instrument", inst)
        idmap: dict[str, dict[int, int]] = {"instrument": {tmpl.instrument["id"]: iid}}
        for t in PER_INSTRUMENT:
            idmap[t] = {}
            for r in tmpl.children[t]:
                nid = ids.take(t)
                idmap[t][r["id"]] = nid
                put(t, {**r, "id": nid, "instrument_id": iid})
                if t == "clause" and r["number"] == tmpl.obligation_clause_number:
                    obl_clauses.append((nid, iid))
        for r in tmpl.submissions:
            put(
                "submission",
                {
                    **r,
                    "id": ids.take("submission"),
                    "consultation_id": idmap["consultation"][r["consultation_id"]],
                },
            )
        for ev in tmpl.inst_events:
            oid = ev["object_id"]
            table_map = idmap.get(ev["object_type"], {})
            new_oid = str(table_map.get(int(oid), oid)) if oid.isdigit() else oid
            chain.add(ev, new_oid)
    # reports, spread evenly over the agreements' obligation clauses
    kinds = ("met", "not_met")
    n_cl = max(1, len(obl_clauses))
    for k in range(have_rep, reports):
        clause_id, iid = obl_clauses[k % n_cl]
        end = REPORT_DAY0 - timedelta(days=used.get(clause_id, 0))
        used[clause_id] = used.get(clause_id, 0) + 1
        t = tmpl.reports[kinds[k % 2]]
        rid = ids.take("kpi_report")
        put(
            "kpi_report",
            {**t["report"], "id": rid, "clause_id": clause_id, "period_start": end, "period_end": end},
        )
        old_end = str(t["report"]["period_end"])
        omap: dict[str, dict[str, str]] = {
            "kpi_report": {str(t["report"]["id"]): str(rid)},
            "instrument": {str(tmpl.instrument["id"]): str(iid)},
        }
        for p in t["payment"]:
            pid = ids.take("payment")
            omap.setdefault("payment", {})[str(p["id"])] = str(pid)
            trace = json.loads(json.dumps(p["trace"], default=str).replace(old_end, str(end)))
            put(
                "payment",
                {
                    **p,
                    "id": pid,
                    "instrument_id": iid,
                    "kpi_report_id": rid,
                    "period_end": end,
                    "trace": trace,
                },
            )
        for b in t["breach"]:
            bid = ids.take("breach")
            omap.setdefault("breach", {})[str(b["id"])] = str(bid)
            put("breach", {**b, "id": bid, "instrument_id": iid, "kpi_report_id": rid, "period_end": end})
        for ce in t["credit_event"]:
            ref = ce["ref"]
            for old, new in omap.get("breach", {}).items():
                ref = ref.replace(old, new)
            put(
                "credit_event",
                {**ce, "id": ids.take("credit_event"), "ref": ref.replace(str(t["report"]["id"]), str(rid))},
            )
        for ev in t["events"]:
            chain.add(ev, omap.get(ev["object_type"], {}).get(ev["object_id"], ev["object_id"]))
    # fill the chain up to the step's event count with copies of the report calls' events
    filler = tmpl.reports["met"]["events"] + tmpl.reports["not_met"]["events"]
    j = 0
    while chain.seq < events:
        chain.add(filler[j % len(filler)], filler[j % len(filler)]["object_id"])
        j += 1
        if len(chain.rows) >= FLUSH_ROWS:
            flush()
    try:
        flush()
        tc = time.perf_counter()
        with dbapi.cursor() as cur:
            for t in ID_TABLES:
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT max(id) FROM {t}))")
        dbapi.commit()
        dbapi.autocommit = True
        with dbapi.cursor() as cur:
            cur.execute("ANALYZE")
        dbapi.autocommit = False
        t_copy[0] += time.perf_counter() - tc
    finally:
        raw.close()
    total = time.perf_counter() - t0
    return {"build_s": total - t_copy[0], "write_s": t_copy[0], "rows": written[0]}


# -- the shape check: replay through the API ---------------------------------------------------
def replay_check(client: TestClient, app: Any, tokens: dict[str, str], sample: int, day: date) -> int:
    """Report on ``sample`` bulk agreements through the API; the rows must match the bulk rows' shape."""
    with app.state.engine.connect() as c:
        clauses = (
            c.execute(
                sa.text(
                    "SELECT c.id FROM clause c JOIN instrument i ON i.id = c.instrument_id "
                    "WHERE i.title LIKE 'Scale copy %' AND c.number = '2' ORDER BY c.id LIMIT :n"
                ),
                {"n": sample},
            )
            .scalars()
            .all()
        )
        bulk = {
            k: c.execute(
                sa.text(
                    "SELECT r.outcome, p.kind, p.amount_fen, p.payer, p.payee FROM kpi_report r JOIN payment p ON p.kpi_report_id = r.id "
                    "WHERE r.outcome = :o ORDER BY r.id DESC LIMIT 1"
                ),
                {"o": k},
            ).one()
            for k in ("met", "not_met")
        }
        bulk_cols = {
            t: set(c.execute(sa.text(f"SELECT * FROM {t} LIMIT 1")).keys()) for t in ("kpi_report", "payment")
        }
    checked = 0
    for n, cid in enumerate(clauses):
        kind, value = (("met", "0.9"), ("not_met", "1.2"))[n % 2]
        end = day - timedelta(days=n // len(clauses))
        r = client.post(
            f"/api/clauses/{cid}/reports",
            json={"period_start": str(end), "period_end": str(end), "value": value, "evidence": "synthetic"},
            headers={"Authorization": f"Bearer {tokens['officer-ah']}"},
        )
        if r.status_code != 201:
            raise RuntimeError(f"replay refused on clause {cid}: {r.status_code} {r.text}")
        rid = r.json()["id"]
        with app.state.engine.connect() as c:
            got = c.execute(
                sa.text(
                    "SELECT r.outcome, p.kind, p.amount_fen, p.payer, p.payee FROM kpi_report r JOIN payment p ON p.kpi_report_id = r.id "
                    "WHERE r.id = :r"
                ),
                {"r": rid},
            ).one()
            cols = {
                t: set(c.execute(sa.text(f"SELECT * FROM {t} LIMIT 1")).keys())
                for t in ("kpi_report", "payment")
            }
        if tuple(got) != tuple(bulk[kind]) or cols != bulk_cols:
            raise RuntimeError(f"API rows {tuple(got)} differ from the bulk rows {tuple(bulk[kind])}")
        checked += 1
    return checked


# -- measurement -------------------------------------------------------------------------------
@contextmanager
def capture(app: Any) -> Iterator[list[tuple[float, str, Any]]]:
    """(seconds, statement, parameters) of every SQL statement run inside the block."""
    seen: list[tuple[float, str, Any]] = []
    eng = app.state.engine

    def before(conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool) -> None:
        conn.info["t0"] = time.perf_counter()

    def after(conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool) -> None:
        seen.append((time.perf_counter() - conn.info.pop("t0", time.perf_counter()), statement, params))

    sa.event.listen(eng, "before_cursor_execute", before)
    sa.event.listen(eng, "after_cursor_execute", after)
    try:
        yield seen
    finally:
        sa.event.remove(eng, "before_cursor_execute", before)
        sa.event.remove(eng, "after_cursor_execute", after)


def reads(app: Any) -> list[tuple[str, str, str | None]]:
    with app.state.engine.connect() as c:
        iid = c.scalar(sa.text("SELECT min(id) FROM instrument WHERE title LIKE 'Scale copy %'"))
        mid = c.scalar(sa.text("SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY id) FROM instrument"))
        pmid = c.scalar(sa.text("SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY id) FROM payment"))
    return [
        ("API dashboard (all)", "/api/dashboard", None),
        ("API dashboard (Anhui; with the credit fold)", "/api/dashboard?region=34", "officer-ah"),
        ("API instruments, page 1", "/api/instruments?limit=50", None),
        ("API instruments, middle page", f"/api/instruments?limit=50&after={mid}", None),
        (
            "API instruments of Anhui in force",
            "/api/instruments?state=in_force&region=34&limit=50",
            "officer-ah",
        ),
        ("API payments due, page 1", "/api/payments?status=due&limit=100", None),
        ("API payments, middle page", f"/api/payments?limit=100&after={pmid}", None),
        ("API breaches of Anhui", "/api/breaches?region=34&limit=100", None),
        ("API alerts", "/api/alerts?limit=100", None),
        ("API reports of one agreement", f"/api/instruments/{iid}/reports?limit=100", None),
        ("API one instrument", f"/api/instruments/{iid}", None),
        ("web dashboard", "/dashboard", None),
        ("web instruments", "/instruments", None),
        ("web one instrument", f"/instruments/{iid}", None),
        ("web evaluations and alerts", "/evaluations", None),
        ("API credit of Anhui (fold; branch trust-money)", "/api/credit/34", None),
    ]


def measure(
    client: TestClient, app: Any, tokens: dict[str, str], n: int, *, skip_credit: bool = False
) -> tuple[list[dict[str, Any]], list[tuple[str, float, str, Any]]]:
    rows, slow = [], []
    for name, path, user in reads(app):
        if skip_credit and "credit" in name:
            continue
        headers = {"Authorization": f"Bearer {tokens[user]}"} if user else {}
        reps = max(5, n // 30) if "credit" in name else n  # the fold: seconds at scale
        r = client.get(path, headers=headers)  # warm
        if r.status_code != 200:
            raise RuntimeError(f"{path}: {r.status_code} {r.text[:200]}")
        lat = []
        worst: tuple[float, str, Any] = (0.0, "", None)
        for _ in range(reps):
            with capture(app) as seen:
                t = time.perf_counter()
                r = client.get(path, headers=headers)
                lat.append(time.perf_counter() - t)
            if seen:
                top = max(seen, key=lambda x: x[0])
                if top[0] > worst[0]:
                    worst = top
        a = np.array(lat) * 1000
        rows.append(
            {
                "read": name,
                "n": reps,
                "p50 ms": f"{np.percentile(a, 50):.1f}",
                "p99 ms": f"{np.percentile(a, 99):.1f}",
                "max ms": f"{a.max():.1f}",
                "statements": len(seen),
            }
        )
        slow.append((name, float(np.percentile(a, 99)), worst[1], worst[2]))
    return rows, slow


def measure_writes(client: TestClient, app: Any, tokens: dict[str, str], n: int, day: date) -> dict[str, Any]:
    with app.state.engine.connect() as c:
        cid = c.scalar(
            sa.text(
                "SELECT max(c.id) FROM clause c JOIN instrument i ON i.id = c.instrument_id WHERE i.title LIKE 'Scale copy %' AND c.number = '2'"
            )
        )
    lat = []
    for k in range(n):
        end = day - timedelta(days=k)
        t = time.perf_counter()
        r = client.post(
            f"/api/clauses/{cid}/reports",
            json={
                "period_start": str(end),
                "period_end": str(end),
                "value": ("0.9", "1.2")[k % 2],
                "evidence": "synthetic",
            },
            headers={"Authorization": f"Bearer {tokens['officer-ah']}"},
        )
        lat.append(time.perf_counter() - t)
        if r.status_code != 201:
            raise RuntimeError(f"write refused: {r.status_code} {r.text[:200]}")
    a = np.array(lat) * 1000
    return {
        "read": "KPI report write (POST)",
        "n": n,
        "p50 ms": f"{np.percentile(a, 50):.1f}",
        "p99 ms": f"{np.percentile(a, 99):.1f}",
        "max ms": f"{a.max():.1f}",
        "statements": "—",
    }


def explain(app: Any, statement: str, params: Any) -> str:
    raw = app.state.engine.raw_connection()
    try:
        with raw.driver_connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
            plan = "\n".join(r[0] for r in cur.fetchall())
        raw.driver_connection.rollback()
    finally:
        raw.close()
    return plan


def remeasure(server: str, n: int, skip_credit: bool, record_it: bool) -> None:
    """Measure again on the database a previous run left (``--remeasure``), with the current code."""
    from regcoord.service import auth as auth_mod
    from regcoord.service.app import create_app
    from regcoord.service.config import Settings
    from regcoord.service.db import models as m

    url = sa.engine.make_url(server).set(database=DB_NAME).render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url, secret_key=SECRET))
    now = datetime.now(UTC)
    tokens: dict[str, str] = {}
    with app.state.sessions() as s:
        for u in s.scalars(sa.select(m.User).where(m.User.username.in_(("officer-ah", "admin")))):
            tokens[u.username] = auth_mod.issue_token(s, u, kind="api", now=now, ttl_hours=2)
        s.commit()
        counts = {
            t_: s.scalar(sa.text(f"SELECT count(*) FROM {t_}"))
            for t_ in ("instrument", "kpi_report", "payment", "audit_event")
        }
    with TestClient(app) as client:
        rows, slow = measure(client, app, tokens, n, skip_credit=skip_credit)
        rows.append(measure_writes(client, app, tokens, 20, date(2019, 6, 30)))
        vlat = []
        for _ in range(5):
            t0 = time.perf_counter()
            r = client.get("/api/audit/verify").json()
            vlat.append(time.perf_counter() - t0)
        rows.append(
            {
                "read": f"API audit verify (incremental, {r['checked']} new events)",
                "n": 5,
                "p50 ms": f"{np.median(vlat) * 1000:.1f}",
                "p99 ms": f"{max(vlat) * 1000:.1f}",
                "max ms": f"{max(vlat) * 1000:.1f}",
                "statements": "—",
            }
        )
        slow.sort(key=lambda x: -x[1])
        plans = [(nm, p99, st, explain(app, st, pr)) for nm, p99, st, pr in slow[:3] if st]
    md = [
        "## Service at national scale, re-measured with capped totals (`bench_service_scale.py --remeasure`)",
        "",
        f"The database of the run above ({counts['instrument']:,} agreements, {counts['kpi_report']:,} KPI "
        f"reports, {counts['payment']:,} payments, {counts['audit_event']:,} audit events), measured again "
        "after totals became exact only up to 10,000 rows (`X-Total-Count-Exceeds` beyond). Load average "
        f"{os.getloadavg()[0]:.1f} on the shared machine.",
        "",
        table(rows),
        "",
        "Query plans of the slowest statements of the three slowest reads:",
        "",
    ]
    for name, p99, stmt, plan in plans:
        md += [
            f"**{name}** (p99 {p99:.1f} ms)",
            "",
            "```sql",
            stmt.strip(),
            "```",
            "",
            "```",
            plan,
            "```",
            "",
        ]
    text = "\n".join(md)
    print(text)
    if record_it:
        record("service_scale_capped", text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--database-url", default=DEFAULT_SERVER)
    ap.add_argument("--steps", default=DEFAULT_STEPS, help="agreements:reports:audit_events,... (cumulative)")
    ap.add_argument("--n", type=int, default=200, help="requests per read and step")
    ap.add_argument(
        "--sample", type=int, default=20, help="bulk agreements replayed through the API per step"
    )
    ap.add_argument("--no-record", action="store_true")
    ap.add_argument("--remeasure", action="store_true", help="measure again on the database of the last run")
    ap.add_argument("--skip-credit", action="store_true", help="leave out the reads with the credit fold")
    args = ap.parse_args()
    if args.remeasure:
        remeasure(args.database_url, args.n, args.skip_credit, not args.no_record)
        return
    steps = [tuple(int(x) for x in s.split(":")) for s in args.steps.split(",")]
    from regcoord.service import audit

    client, tmpl, tokens = prepare(args.database_url)
    app = client.app
    results: list[str] = []
    growth: list[dict[str, Any]] = []
    day = date(2020, 12, 31)  # API replays and writes use periods before the bulk ones (after the deadline)
    with app.state.sessions() as s:
        audit.record_checkpoint(s, SECRET, audit.verify(s), kind="full")
        s.commit()
    worst_plans: list[tuple[str, float, str, str]] = []
    for agreements, reports, events in steps:
        g = grow(app, tmpl, agreements=agreements, reports=reports, events=events)
        replayed = replay_check(client, app, tokens, args.sample, day)
        day -= timedelta(days=args.sample + 1)
        with app.state.sessions() as s:
            t_v = time.perf_counter()
            check = audit.verify_incremental(s, SECRET)
            t_v = time.perf_counter() - t_v
            if not check.ok:
                raise RuntimeError(f"bulk audit chain does not verify: {check}")
            audit.record_checkpoint(s, SECRET, check, kind="incremental")
            s.commit()
            counts = {
                t_: s.scalar(sa.text(f"SELECT count(*) FROM {t_}"))
                for t_ in ("instrument", "kpi_report", "payment", "breach", "credit_event", "audit_event")
            }
        rows, slow = measure(client, app, tokens, args.n)
        rows.append(measure_writes(client, app, tokens, 20, day))
        day -= timedelta(days=21)
        # incremental verification after 100 new events (the writes above wrote them)
        vlat = []
        for _ in range(5):
            t0 = time.perf_counter()
            r = client.get("/api/audit/verify").json()
            vlat.append(time.perf_counter() - t0)
        rows.append(
            {
                "read": f"API audit verify (incremental, {r['checked']} new events)",
                "n": 5,
                "p50 ms": f"{np.median(vlat) * 1000:.1f}",
                "p99 ms": f"{max(vlat) * 1000:.1f}",
                "max ms": f"{max(vlat) * 1000:.1f}",
                "statements": "—",
            }
        )
        load = os.getloadavg()[0]
        growth.append(
            {
                "agreements": counts["instrument"],
                "KPI reports": counts["kpi_report"],
                "payments": counts["payment"],
                "breaches": counts["breach"],
                "credit events": counts["credit_event"],
                "audit events": counts["audit_event"],
                "bulk build s": f"{g['build_s']:.0f}",
                "COPY+ANALYZE s": f"{g['write_s']:.0f}",
                "events verified": check.checked,
                "incremental verify s": f"{t_v:.1f}",
                "replayed via API": replayed,
                "load avg": f"{load:.1f}",
            }
        )
        results.append(
            f"### {counts['instrument']:,} agreements, {counts['kpi_report']:,} KPI reports, {counts['audit_event']:,} audit events\n\n"
            + table(rows)
        )
        print(results[-1], flush=True)
        slow.sort(key=lambda x: -x[1])
        worst_plans = []
        for name, p99, stmt, params in slow[:3]:
            if stmt:
                worst_plans.append((name, p99, stmt, explain(app, stmt, params)))
    client.__exit__(None, None, None)
    md = [
        "## Service at national scale (PostgreSQL, `bench_service_scale.py`)",
        "",
        "Data grown in steps by bulk COPY of rows shaped as the API writes them (a sample replayed "
        "through the API each step); one client, in-process ASGI (no network). Latency of every read "
        "page and API list against volume; goal p99 < 200 ms (dashboard < 150 ms).",
        "",
        "### Growth per step",
        "",
        table(growth),
        "",
        *results,
        "",
        "### Query plans of the slowest reads (last step, EXPLAIN ANALYZE of their slowest statement)",
        "",
    ]
    for name, p99, stmt, plan in worst_plans:
        md += [
            f"**{name}** (p99 {p99:.1f} ms)",
            "",
            "```sql",
            stmt.strip(),
            "```",
            "",
            "```",
            plan,
            "```",
            "",
        ]
    text = "\n".join(md)
    print(text)
    if not args.no_record:
        record("service_scale", text)


if __name__ == "__main__":
    main()
