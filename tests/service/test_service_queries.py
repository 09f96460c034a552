"""Read queries (usecases/queries.py), sign-in use cases (usecases/sessions.py) and the dashboard's
payments-due summary, on SQLite and PostgreSQL.

References: the payments inserted by hand below (counts written out), and the full ledger
endpoint ``GET /api/payments`` read independently of the dashboard.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from regcoord.errors import NotFound
from regcoord.service import auth as auth_mod
from regcoord.service.db import models as m
from regcoord.service.usecases import Ctx, queries
from regcoord.service.usecases._context import region_tree

LINE_KEYS = ("id", "instrument_id", "kind", "payer", "payee", "amount_fen", "period_end")


def _add_payments(w: Any, instrument_id: int, rows: list[tuple[str, str, str]]) -> None:
    """Insert payments (payer, payee, status) directly, as the KPI report use case would."""
    with w.session() as s:
        for k, (payer, payee, status) in enumerate(rows):
            s.add(
                m.Payment(
                    instrument_id=instrument_id,
                    kind="compensation",
                    payer=payer,
                    payee=payee,
                    amount_fen=100 * (k + 1),
                    period_end=date(2024, 12, 31),
                    status=status,
                    trace={"k": k},
                    created_at=w.clock.now,
                )
            )
        s.commit()


def _ctx(w: Any, s: Any, username: str) -> Ctx:
    user = s.scalar(sa.select(m.User).where(m.User.username == username))
    return Ctx(session=s, principal=auth_mod.principal_of(user), now=w.clock.now, tree=region_tree())


def test_dashboard_counts_due_payments_and_lists_the_first_without_traces(world: Any) -> None:
    w = world
    inst = w.to_state("in_force")
    before_34 = len(w.get("/api/payments?status=due&region=34").json())
    before_all = len(w.get("/api/payments?status=due").json())
    # 13 due of 34 (as payee), 2 paid of 34, 3 due between 11 and 12
    _add_payments(
        w, inst["id"], [("33", "34", "due")] * 13 + [("33", "34", "paid")] * 2 + [("11", "12", "due")] * 3
    )

    due = w.get("/api/dashboard?region=34").json()["payments_due"]
    assert due["count"] == before_34 + 13
    ledger = w.get("/api/payments?status=due&region=34").json()
    assert len(ledger) == before_34 + 13
    assert all(p["status"] == "due" and "trace" in p for p in ledger)
    assert len(due["first"]) == queries.DASHBOARD_PAYMENTS == 10
    # the first are the oldest due payments of the ledger, without status and trace
    assert due["first"] == [{k: p[k] for k in LINE_KEYS} for p in ledger[:10]]

    everyone = w.get("/api/dashboard").json()["payments_due"]
    assert everyone["count"] == before_all + 16
    paid = w.get("/api/payments?status=paid&region=34").json()
    assert [p["status"] for p in paid] == ["paid", "paid"]
    assert w.get("/api/payments?status=owed").status_code == 422


def test_instrument_lists_are_scoped_to_the_principal(world: Any) -> None:
    w = world
    draft = w.new_instrument()  # a draft of 33 and 34: not visible to the officer of 11
    iid = draft["id"]
    assert w.get(f"/api/instruments/{iid}", "off-11").status_code == 404
    for path in (f"/api/instruments/{iid}/reports", f"/api/instruments/{iid}/evaluations"):
        assert w.get(path, "off-11").status_code == 404
        assert w.get(path, "off-33").json() == []
    with w.session() as s:
        outsider, party = _ctx(w, s, "off-11"), _ctx(w, s, "off-33")
        assert iid not in queries.visible_instrument_ids(outsider)
        assert iid in queries.visible_instrument_ids(party)
        for query in (queries.reports, queries.negotiations, queries.consultations, queries.evaluations):
            with pytest.raises(NotFound):
                query(outsider, instrument_id=iid)
            assert list(query(party, instrument_id=iid)) == []


def test_newest_first_reverses_the_order(world: Any) -> None:
    w = world
    inst = w.to_state("in_force")
    _add_payments(w, inst["id"], [("33", "34", "due")] * 3)
    with w.session() as s:
        ctx = _ctx(w, s, "admin")
        s.add_all(
            m.Dispute(
                instrument_id=inst["id"],
                raised_by=ctx.principal.user_id,
                raised_by_region="33",
                parties=["33", "34"],
                routed_to="CN",
                subject=f"dispute {k}",
                state="open",
                created_at=w.clock.now,
            )
            for k in range(3)
        )
        s.commit()
        oldest = [d.id for d in queries.disputes(ctx, instrument_id=inst["id"])]
        newest = [d.id for d in queries.disputes(ctx, instrument_id=inst["id"], newest_first=True)]
    assert len(oldest) == 3 and oldest == sorted(oldest) and newest == oldest[::-1]
    assert [d["id"] for d in w.get("/api/disputes?routed_to=CN").json()] == oldest


def _last_audit(w: Any) -> m.AuditEvent:
    with w.session() as s:
        ev = s.scalars(sa.select(m.AuditEvent).order_by(m.AuditEvent.seq.desc()).limit(1)).one()
        s.expunge(ev)
    return ev


def test_failed_login_with_a_long_username_is_audited_truncated(world: Any) -> None:
    w = world
    name = "u" * 80  # the longest username the API accepts; the audit object id holds 40 characters
    r = w.client.post("/api/auth/token", json={"username": name, "password": "not-the-password"})
    assert r.status_code == 401
    ev = _last_audit(w)
    payload = json.loads(ev.payload)
    assert (ev.action, ev.object_id, payload["kind"]) == ("auth.failure", "u" * 40, "api")
    # the throttle's counters (issue 8) are in the payload, under their full keys
    assert payload["failures"] == {f"user:{name}": 1, "client:testclient": 1}


def test_logout_revokes_the_token_and_audits_its_kind(world: Any) -> None:
    w = world
    r = w.client.post("/api/auth/token", json={"username": "off-33", "password": "test-password-1"})
    tok = r.json()["access_token"]
    bearer = {"Authorization": f"Bearer {tok}"}
    assert w.client.get("/api/auth/me", headers=bearer).json()["username"] == "off-33"
    assert w.client.post("/api/auth/logout", headers=bearer).status_code == 200
    ev = _last_audit(w)
    assert (ev.action, json.loads(ev.payload)) == ("auth.logout", {"kind": "api"})
    assert w.client.get("/api/auth/me", headers=bearer).json()["authenticated"] is False


def test_dashboard_alerts_are_those_of_its_instruments(world: Any) -> None:
    w = world
    w.to_state("in_force")
    w.clock.advance(days=800)  # past the first annual evaluation
    every = w.get("/api/alerts", "admin").json()
    assert "evaluation_due" in {a["kind"] for a in every}
    d = w.get("/api/dashboard?region=34", "off-34").json()
    ids = {str(i["id"]) for i in d["instruments"]}
    assert d["alerts"] == [a for a in every if a["instrument"] in ids] != []
    # a region with no instrument has none of them
    other = w.get("/api/dashboard?region=11", "off-11").json()
    assert other["instruments"] == [] and other["alerts"] == []
