"""Reads at national scale (issue 17), on SQLite and PostgreSQL.

* The number of SQL statements a read request issues does not depend on the number of rows
  (no N+1): every read is counted at two data sizes and the counts must be equal.
* Keyset pages: walking ``Link: rel="next"`` visits every row once, in order, and
  ``X-Total-Count`` equals the rows inserted (counted by hand in the test).
* Alerts from indexed dates equal the pure rule :func:`regcoord.agreements.alerts` applied to
  every instrument (the reference), at the boundaries of each rule.
* Incremental audit verification walks only the events after the last signed checkpoint and
  still detects an edit after it; the full walk detects an edit below it; a forged checkpoint
  is ignored.
"""

from __future__ import annotations

import gc
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import orm

from regcoord import agreements as ag
from regcoord.service import audit
from regcoord.service.db import models as m
from regcoord.service.db.scale_models import AuditCheckpoint
from regcoord.service.usecases import Ctx
from regcoord.service.usecases import governance as gov_uc
from regcoord.service.usecases._context import region_tree, system_principal

SECRET = "s" * 32  # the world fixture's Settings.secret_key


@contextmanager
def count_statements(w: Any) -> Iterator[list[str]]:
    """Collect the SQL statements the app's engines execute inside the block."""
    seen: list[str] = []
    engines = {id(e): e for e in (w.app.state.engine, w.app.state.read_engine)}.values()

    def on_exec(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    for e in engines:
        sa.event.listen(e, "before_cursor_execute", on_exec)
    try:
        yield seen
    finally:
        for e in engines:
            sa.event.remove(e, "before_cursor_execute", on_exec)


def _grow(w: Any, template_id: int, n: int, *, per_instrument: int = 3) -> list[int]:
    """Copy the in-force instrument ``template_id`` ``n`` times with its parties, obligation
    clause, ``per_instrument`` reports, due payments, breaches, evaluations and disputes."""
    ids = []
    with w.session() as s:
        t = s.get(m.Instrument, template_id)
        admin = s.scalar(sa.select(m.User.id).where(m.User.username == "admin"))
        for k in range(n):
            inst = m.Instrument(
                kind=t.kind,
                title=f"{t.title} copy {k}",
                template=t.template,
                state="in_force",
                proposer_region=t.proposer_region,
                created_by=t.created_by,
                effective_from=date(2020, 1, 1) + timedelta(days=k),
                expires_on=date(2025, 6, 1) + timedelta(days=k),
                core_years=3,
                adjustment_years=2,
                summary="",
                created_at=w.clock.now,
                updated_at=w.clock.now,
            )
            s.add(inst)
            s.flush()
            ids.append(inst.id)
            for p in t.parties:
                s.add(m.Party(instrument_id=inst.id, region_code=p.region_code, signed_at=w.clock.now))
            for c in t.clauses:
                clause = m.ClauseRow(
                    instrument_id=inst.id,
                    number=c.number,
                    text=c.text,
                    obligation=c.obligation,
                    breach=c.breach,
                    compensation=c.compensation,
                )
                s.add(clause)
                s.flush()
                if c.obligation is None:
                    continue
                for j in range(per_instrument):
                    end = date(2021 + j, 12, 31)
                    rep = m.KPIReportRow(
                        clause_id=clause.id,
                        period_start=date(2021 + j, 1, 1),
                        period_end=end,
                        value="1.5",
                        evidence="bulk",
                        reporter_id=admin,
                        reported_at=w.clock.now,
                        outcome="not_met",
                        shortfall="0.5",
                    )
                    s.add(rep)
                    s.flush()
                    s.add(
                        m.BreachRow(
                            kpi_report_id=rep.id,
                            instrument_id=inst.id,
                            clause_number=c.number,
                            obligor="34",
                            period_end=end,
                            damages_fen=100,
                            sanctions=[],
                            created_at=w.clock.now,
                        )
                    )
                    s.add(
                        m.Payment(
                            instrument_id=inst.id,
                            kpi_report_id=rep.id,
                            kind="liquidated_damages",
                            payer="34",
                            payee="33",
                            amount_fen=100,
                            period_end=end,
                            status="due",
                            trace={},
                            created_at=w.clock.now,
                        )
                    )
                    s.add(
                        m.Evaluation(
                            instrument_id=inst.id,
                            evaluator_id=admin,
                            on=end,
                            summary="bulk",
                            created_at=w.clock.now,
                        )
                    )
                    s.add(
                        m.Dispute(
                            instrument_id=inst.id,
                            raised_by=admin,
                            raised_by_region="33",
                            parties=["33", "34"],
                            routed_to="CN",
                            subject="bulk",
                            state="open",
                            created_at=w.clock.now,
                        )
                    )
        s.commit()
    return ids


def _reads(iid: int) -> list[tuple[str | None, str]]:
    """(user, path) of every read page and API list whose statement count is checked."""
    return [
        (None, "/api/dashboard"),
        ("off-33", "/api/dashboard?region=33"),
        (None, "/api/instruments"),
        ("off-33", "/api/instruments?state=in_force&region=34"),
        ("rev-cn", "/api/instruments"),
        (None, "/api/payments?status=due"),
        (None, "/api/payments?region=34&limit=5"),
        (None, "/api/breaches"),
        (None, "/api/alerts"),
        (None, "/api/disputes"),
        (None, f"/api/instruments/{iid}/reports"),
        (None, f"/api/instruments/{iid}/evaluations"),
        ("admin", "/api/users"),
        (None, "/api/actors"),
        ("admin", "/api/audit/verify"),
        (None, "/dashboard"),
        (None, "/instruments"),
        (None, f"/instruments/{iid}"),
        (None, "/consultations"),
        (None, "/disputes"),
        (None, "/evaluations"),
    ]


def _counts(w: Any, iid: int) -> dict[str, int]:
    out = {}
    for user, path in _reads(iid):
        with count_statements(w) as seen:
            r = w.get(path, user)
        assert r.status_code == 200, (path, r.text[:300])
        out[path if user is None else f"{user} {path}"] = len(seen)
    return out


def test_statements_per_read_do_not_grow_with_the_data(world: Any) -> None:
    w = world
    inst = w.to_state("in_force")
    ids = _grow(w, inst["id"], 2)
    with w.session() as s:  # a checkpoint, so that audit verification is incremental
        audit.record_checkpoint(s, SECRET, audit.verify(s), kind="full")
        s.commit()
    small = _counts(w, ids[0])
    _grow(w, inst["id"], 30)
    with w.session() as s:
        audit.record_checkpoint(s, SECRET, audit.verify(s), kind="full")
        s.commit()
    large = _counts(w, ids[0])
    assert large == small
    # the larger data really is larger where it is read
    assert int(w.get("/api/payments?status=due").headers["X-Total-Count"]) == 32 * 3
    assert w.get("/api/dashboard").json()["totals"]["instruments"] == 33


def _walk(w: Any, path: str) -> tuple[list[dict[str, Any]], list[str], set[str]]:
    rows: list[dict[str, Any]] = []
    links: list[str] = []
    totals: set[str] = set()
    url: str | None = path
    while url is not None:
        r = w.get(url)
        assert r.status_code == 200, r.text
        rows.extend(r.json())
        totals.add(r.headers.get("X-Total-Count", ""))
        link = r.headers.get("Link")
        url = None
        if link is not None:
            match = re.fullmatch(r'<([^>]+)>; rel="next"', link)
            assert match is not None, link
            url = match.group(1)
            links.append(url)
    return rows, links, totals


def test_keyset_pages_visit_every_row_once_with_a_next_link(world: Any) -> None:
    w = world
    inst = w.to_state("in_force")
    _grow(w, inst["id"], 5)  # 5 x 3 = 15 due payments, 15 breaches, 15 disputes
    rows, links, totals = _walk(w, "/api/payments?status=due&limit=4")
    ids = [p["id"] for p in rows]
    assert len(ids) == 15 and ids == sorted(ids) and len(set(ids)) == 15
    assert len(links) == 3  # 4 + 4 + 4 + 3: three next links, none on the last page
    assert all("status=due" in u and "limit=4" in u for u in links)
    assert totals == {"15"}
    rows, links, totals = _walk(w, "/api/instruments?limit=2")
    assert [i["id"] for i in rows] == sorted(i["id"] for i in rows) and len(rows) == 6
    assert totals == {"6"} and len(links) == 2
    assert len(_walk(w, "/api/disputes?limit=15")[0]) == 15
    assert _walk(w, "/api/disputes?limit=15")[1] == []  # exactly one full page: no next link
    for bad in ("limit=0", "limit=501", "after=-1", "limit=abc"):
        assert w.get(f"/api/payments?{bad}").status_code == 422, bad
    # the web list has a next-page link
    page = w.client.get("/instruments").text
    assert 'rel="next"' not in page  # 6 rows < 50 per page
    _grow(w, inst["id"], 50, per_instrument=0)
    page = w.client.get("/instruments").text
    assert 'rel="next"' in page and "56" in page  # 56 instruments in all


def _status(i: m.Instrument) -> ag.InstrumentStatus:
    return ag.InstrumentStatus(
        str(i.id), i.state, i.expires_on, i.revision_deadline, i.effective_from, i.last_evaluated
    )


def test_alerts_from_indexed_dates_equal_the_pure_rule(world: Any) -> None:
    w = world
    on = w.clock.now.date()  # 2025-03-01
    d = timedelta
    # (state, expires_on, revision_deadline, effective_from, last_evaluated): each rule's boundaries
    cases = [
        ("revision_required", None, on - d(days=1), None, None),  # overdue
        ("revision_required", None, on, None, None),  # due today: not overdue
        ("in_force", on + d(days=180), None, None, None),  # expiring at the horizon
        ("in_force", on + d(days=181), None, None, None),  # beyond it
        ("evaluated", on - d(days=3), None, None, None),  # already lapsed: still flagged
        ("draft", on + d(days=10), None, None, None),  # a draft never alerts
        ("in_force", None, None, date(2024, 3, 1), None),  # first evaluation due exactly today
        ("in_force", None, None, date(2024, 3, 2), None),  # due tomorrow
        ("in_force", None, None, date(2022, 1, 1), date(2025, 1, 1)),  # the 2025 one done: next 2026
        ("in_force", None, None, date(2022, 1, 1), date(2023, 1, 1)),  # the 2024 one is due
        ("in_force", None, None, date(2015, 1, 1), None),  # whole cycle over: due 2016-01-01
        ("evaluated", None, None, date(2020, 1, 1), None),  # not in force: no evaluation alert
        ("revision_required", on + d(days=30), on - d(days=2), None, None),  # two alerts
    ]
    with w.session() as s:
        for k, (state, exp, rev, eff, last) in enumerate(cases):
            s.add(
                m.Instrument(
                    kind="agreement",
                    title=f"case {k}",
                    state=state,
                    proposer_region="33",
                    effective_from=eff,
                    expires_on=exp,
                    revision_deadline=rev,
                    last_evaluated=last,
                    summary="",
                    created_at=w.clock.now,
                    updated_at=w.clock.now,
                )
            )
        s.commit()
        ctx = Ctx(s, system_principal(), w.clock.now, region_tree())
        every = s.scalars(sa.select(m.Instrument).order_by(m.Instrument.id)).all()
        for i in every:  # the stored due date is the rule's
            assert i.evaluation_due_on == ag.next_evaluation_due(i.effective_from, i.last_evaluated)
        reference = [a.to_dict() for a in ag.alerts([_status(i) for i in every], on)]
        got = [a.to_dict() for a in gov_uc.alerts(ctx, on, limit=500)]
        assert got == reference
        # written out: overdue 1 + 13th; expiring 3rd, 5th, 13th; evaluation 7th, 10th, 11th
        assert Counter(a["kind"] for a in got) == {"revision_overdue": 2, "expiring": 3, "evaluation_due": 3}
        assert gov_uc.alert_counts(ctx, on) == {"revision_overdue": 2, "expiring": 3, "evaluation_due": 3}
        # paging by instrument: 7 alerting instruments, 3 per page
        pages, after = [], None
        while True:
            page = gov_uc.alerts(ctx, on, after=after, limit=3)
            pages.append(page)
            after = page.next_after
            if after is None:
                break
        assert [a.to_dict() for p in pages for a in p] == reference
        assert [len({a.instrument for a in p}) for p in pages] == [3, 3, 1]
    dash = w.get("/api/dashboard").json()
    assert dash["totals"]["alerts_by_kind"] == {"revision_overdue": 2, "expiring": 3, "evaluation_due": 3}
    assert dash["alerts"] == reference
    assert w.get("/api/alerts").headers["X-Total-Count"] == "8"


def test_next_evaluation_due_by_hand() -> None:
    eff = date(2020, 1, 1)  # evaluations 2021-01-01 ... 2025-01-01 (3 + 2 years)
    assert ag.next_evaluation_due(eff, None) == date(2021, 1, 1)
    assert ag.next_evaluation_due(eff, date(2021, 1, 1)) == date(2022, 1, 1)
    assert ag.next_evaluation_due(eff, date(2020, 12, 31)) == date(2021, 1, 1)
    assert ag.next_evaluation_due(eff, date(2025, 1, 1)) is None
    assert ag.next_evaluation_due(None, None) is None
    assert ag.next_evaluation_due(date(2024, 2, 29), None) == date(2025, 2, 28)  # month-end clamp


def test_dashboard_counts_are_sql_group_bys_of_the_lists(world: Any) -> None:
    w = world
    a = w.to_state("in_force")
    w.to_state("signed")
    w.to_state("draft")
    _grow(w, a["id"], 4)
    for user, region in ((None, None), ("off-33", "33"), ("off-11", "11")):
        q = "" if region is None else f"?region={region}"
        dash = w.get(f"/api/dashboard{q}", user).json()
        listed = w.get(f"/api/instruments{q}", user).json()
        assert dash["instruments_by_state"] == dict(Counter(i["state"] for i in listed))
        assert dash["totals"]["instruments"] == len(listed)
        assert dash["instruments"] == [
            {"id": i["id"], "title": i["title"], "state": i["state"], "kind": i["kind"]} for i in listed[:20]
        ]
        # obligations of operative instruments: clause 2 (obligor 34) of each in-force one
        n_obl = sum(1 for i in listed if i["state"] == "in_force")
        expected = n_obl if region in (None, "34") else 0
        assert dash["totals"]["open_obligations"] == expected
    anon = w.get("/api/dashboard").json()
    assert anon["instruments_by_state"] == {"in_force": 5, "signed": 1}  # the draft is not public
    assert w.get("/api/dashboard", "off-33").json()["instruments_by_state"]["draft"] == 1


def _unprotect(w: Any) -> None:
    """An attacker with DDL rights (the database owner) disables the append-only triggers."""
    eng = w.owner_engine()
    with eng.begin() as c:
        if eng.dialect.name == "postgresql":
            c.execute(sa.text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change"))
        else:
            c.execute(sa.text("DROP TRIGGER audit_event_no_update"))


def test_incremental_audit_verification_from_the_last_signed_checkpoint(world: Any) -> None:
    w = world
    owner = orm.sessionmaker(w.owner_engine())  # the attacker edits as the owner
    w.to_state("signed")
    with owner() as s:
        head = audit.checkpoint(s)["seq"]
        full = audit.verify(s)
        assert full.ok and full.checked == head and full.from_seq == 0
        assert audit.verify_incremental(s, SECRET).checked == head  # no checkpoint: from the genesis
        cp = audit.record_checkpoint(s, SECRET, full, kind="full")
        assert cp is not None and cp.seq == head
        s.commit()
    w.new_instrument()  # new events after the checkpoint
    r = w.get("/api/audit/verify", "admin").json()
    with owner() as s:
        new_head = audit.checkpoint(s)["seq"]
        actor = s.scalar(sa.select(m.AuditEvent.actor).where(m.AuditEvent.seq == new_head))
    assert r["ok"] and r["from_seq"] == head and r["checked"] == new_head - head > 0
    assert r["n_events"] == new_head
    # an edit after the checkpoint is found by the incremental walk
    _unprotect(w)
    with owner() as s:
        s.execute(sa.update(m.AuditEvent).where(m.AuditEvent.seq == new_head).values(actor="user:999"))
        s.commit()
    r = w.get("/api/audit/verify", "admin").json()
    assert not r["ok"] and r["first_bad_seq"] == new_head
    with owner() as s:  # restore it; then edit an event below the checkpoint
        s.execute(sa.update(m.AuditEvent).where(m.AuditEvent.seq == new_head).values(actor=actor))
        s.commit()
        original = s.scalar(sa.select(m.AuditEvent.actor).where(m.AuditEvent.seq == 2))
        s.execute(sa.update(m.AuditEvent).where(m.AuditEvent.seq == 2).values(actor="user:999"))
        s.commit()
        incremental, whole = audit.verify_incremental(s, SECRET), audit.verify(s)
    # the incremental check starts above it (documented); the full walk, the scheduled job, finds it
    assert whole.ok is False and whole.first_bad_seq == 2
    assert incremental.from_seq == head
    with owner() as s:
        s.execute(sa.update(m.AuditEvent).where(m.AuditEvent.seq == 2).values(actor=original))
        # a checkpoint forged without the key (pointing at the head) is ignored
        s.add(
            AuditCheckpoint(
                seq=new_head, hash="f" * 64, kind="full", signature="0" * 64, created_at=w.clock.now
            )
        )
        s.commit()
        check = audit.verify_incremental(s, SECRET)
        assert check.ok and check.from_seq == head
        # a signed checkpoint whose event was rewritten is reported
        s.execute(sa.update(m.AuditEvent).where(m.AuditEvent.seq == head).values(hash="e" * 64))
        s.commit()
        bad = audit.verify_incremental(s, SECRET)
        assert not bad.ok and bad.problem == "checkpoint hash differs"


def test_startup_objects_are_frozen(world: Any) -> None:
    assert world.app.state.frozen_objects > 10_000  # the imported libraries and caches
    # while the app runs they stay in the permanent generation, which a collection never scans
    assert gc.get_freeze_count() > 10_000


@pytest.mark.parametrize("limit", [1, 500])
def test_limit_bounds_are_accepted(world: Any, limit: int) -> None:
    assert world.get(f"/api/breaches?limit={limit}").status_code == 200


def test_totals_are_exact_up_to_the_cap_then_say_more(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from regcoord.service.usecases import queries

    w = world
    inst = w.to_state("in_force")
    _grow(w, inst["id"], 5)  # 15 due payments
    monkeypatch.setattr(queries, "COUNT_CAP", 10)
    r = w.get("/api/payments?status=due&limit=4")
    assert "X-Total-Count" not in r.headers and r.headers["X-Total-Count-Exceeds"] == "10"
    assert len(_walk(w, "/api/payments?status=due&limit=4")[0]) == 15  # every row is still reachable
    due = w.get("/api/dashboard").json()["payments_due"]
    assert due["count"] == 10 and due["count_capped"] is True
    monkeypatch.setattr(queries, "COUNT_CAP", 15)  # exactly at the cap: exact
    r = w.get("/api/payments?status=due&limit=4")
    assert r.headers["X-Total-Count"] == "15" and "X-Total-Count-Exceeds" not in r.headers
    assert w.get("/api/dashboard").json()["payments_due"] == {**due, "count": 15, "count_capped": False}
