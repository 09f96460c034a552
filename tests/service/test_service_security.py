"""Security and reliability: 401 first, the authorization matrix, audit chain, idempotency, ETag."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from regcoord.service import audit
from regcoord.service.app import ANONYMOUS_OK, STATE_CHANGING
from regcoord.service.db import models as m


def _head(w: Any) -> int:
    with w.session() as s:
        return audit.checkpoint(s)["seq"]


def _events(w: Any) -> tuple[int, int]:
    """(state-change events, authorization-denial events) in the audit log."""
    with w.session() as s:
        denied = s.scalar(sa.select(sa.func.count()).where(m.AuditEvent.action == "authz.denied")) or 0
        total = s.scalar(sa.select(sa.func.count()).select_from(m.AuditEvent)) or 0
    return total - denied, denied


def test_anonymous_gets_401_before_validation_or_lookup(world: Any) -> None:
    w = world
    spec = w.client.get("/openapi.json").json()
    routes = [
        (method.upper(), path)
        for path, ops in spec["paths"].items()
        for method in ops
        if method.upper() in STATE_CHANGING and path not in ANONYMOUS_OK
    ]
    assert len(routes) >= 25
    for method, path in routes:
        for fill in ("999999", "not-a-number"):
            url = re.sub(r"\{[^}]+\}", fill, path)
            r = w.client.request(
                method, url, content=b"{not json", headers={"Content-Type": "application/json"}
            )
            assert r.status_code == 401, (method, url, r.status_code, r.text)
            assert r.headers["WWW-Authenticate"] == "Bearer"
            r = w.client.request(method, url, json={"x": 1}, headers={"Authorization": "Bearer forged-token"})
            assert r.status_code == 401, (method, url)
    head = _head(w)
    with w.session() as s:  # nothing was written for an anonymous caller: only the fixture's events
        assert (
            s.scalar(
                sa.select(sa.func.count()).select_from(m.AuditEvent).where(m.AuditEvent.actor == "system")
            )
            == head
        )


def test_login_and_failure_are_audited(world: Any) -> None:
    w = world
    assert (
        w.client.post(
            "/api/auth/token", json={"username": "off-33", "password": "wrong-password"}
        ).status_code
        == 401
    )
    r = w.client.post("/api/auth/token", json={"username": "off-33", "password": "test-password-1"})
    assert r.status_code == 200
    tok = r.json()["access_token"]
    assert (
        w.client.get("/api/auth/me", headers={"Authorization": f"Bearer {tok}"}).json()["region_code"] == "33"
    )
    r = w.client.post("/api/auth/login", json={"username": "off-34", "password": "test-password-1"})
    assert r.status_code == 200 and "httponly" in r.headers["set-cookie"].lower()
    assert w.client.get("/api/auth/me").json()["username"] == "off-34"  # session cookie
    # a cookie-authenticated write: our own Origin (or the X-CSRF-Token header) is required
    assert w.client.post("/api/auth/logout", headers={"Origin": "http://testserver"}).status_code == 200
    w.client.cookies.clear()
    assert w.client.get("/api/auth/me").json()["authenticated"] is False
    with w.session() as s:
        actions = list(s.scalars(sa.select(m.AuditEvent.action).order_by(m.AuditEvent.seq)))
    assert actions[-4:] == ["auth.failure", "auth.login", "auth.login", "auth.logout"]


class Matrix:
    """Send a request as every user: the denied ones must get 403/404 and write nothing."""

    def __init__(self, w: Any) -> None:
        self.w = w
        self.checked = 0

    def check(
        self, method: str, path: str, allowed: set[str], actor: str, body: Any = None, **kw: Any
    ) -> Any:
        w = self.w
        for user in w.users:
            if user in allowed:
                continue
            changes, denials = _events(w)
            r = w.client.request(
                method, path, json=body, headers={**w.h(user), **kw.get("headers", {})}, files=kw.get("files")
            )
            assert r.status_code in (403, 404), (user, method, path, r.status_code, r.text)
            # nothing changed; a 403 is itself audited (a 404 hides the object and logs nothing else)
            assert _events(w) in ((changes, denials + 1), (changes, denials)), (user, path)
            if r.status_code == 403:
                assert _events(w) == (changes, denials + 1), (user, path)
            self.checked += 1
        r = w.client.request(
            method, path, json=body, headers={**w.h(actor), **kw.get("headers", {})}, files=kw.get("files")
        )
        assert r.status_code < 300, (actor, method, path, r.text)
        return r.json()


def test_authorization_matrix(world: Any) -> None:
    w = world
    mx = Matrix(w)
    parties = {"off-33", "off-34"}
    # users and actors: admin only
    mx.check("POST", "/api/actors", {"admin"}, "admin", {"name": "n", "kind": "ngo", "region_code": "33"})
    mx.check(
        "POST",
        "/api/users",
        {"admin"},
        "admin",
        {"username": "new", "password": "Tide-Orchard-Lantern-84", "role": "participant"},
    )
    # creating an instrument for 33 and 34: only their officers
    body = {
        "kind": "agreement",
        "title": "t",
        "parties": ["33", "34"],
        "clauses": [{"number": "1", "text": "Central funds 300 million yuan a year."}],
    }
    inst = mx.check("POST", "/api/instruments", parties, "off-33", body)
    iid = inst["id"]
    etag = w.client.get(f"/api/instruments/{iid}", headers=w.h("off-33")).headers["ETag"]
    mx.check(
        "PATCH", f"/api/instruments/{iid}", parties, "off-34", {"title": "t2"}, headers={"If-Match": etag}
    )

    mx.check("POST", f"/api/instruments/{iid}/clauses", parties, "off-33", w.xinan_clause)
    mx.check(
        "POST",
        f"/api/instruments/{iid}/negotiations",
        parties,
        "off-33",
        {"values": {"33": 1, "34": 1, "33+34": 3}},
    )
    with w.session() as s:
        neg_id = s.scalar(sa.select(m.Negotiation.id))
    mx.check(
        "POST",
        f"/api/negotiations/{neg_id}/proposals",
        parties,
        "off-34",
        {"allocation": {"33": 1.5, "34": 1.5}},
    )
    cons = mx.check(
        "POST",
        f"/api/instruments/{iid}/consultation",
        {"off-33"},
        "off-33",
        {"closes_at": (w.clock.now + timedelta(days=5)).isoformat()},
    )
    sub = mx.check(
        "POST",
        f"/api/consultations/{cons['id']}/submissions",
        {"off-33", "off-34", "off-11", "ent-33", "ngo-34", "res-34", "eval"},
        "ent-33",
        {"text": "c"},
    )
    mx.check(
        "POST", f"/api/submissions/{sub['id']}/answer", {"off-33"}, "off-33", {"text": "a"}
    )  # proposer only
    for user in ("ngo-34", "res-34"):
        s2 = w.post(user, f"/api/consultations/{cons['id']}/submissions", {"text": "c"}).json()
        w.post("off-33", f"/api/submissions/{s2['id']}/answer", {"text": "a"})
    mx.check("POST", f"/api/instruments/{iid}/consultation/close", {"off-33"}, "off-33")
    mx.check("POST", f"/api/instruments/{iid}/sign", parties, "off-33")
    mx.check(
        "POST", f"/api/instruments/{iid}/sign", parties, "off-34"
    )  # 33 has signed already: its retry is a 409, not a denial
    mx.check("POST", f"/api/instruments/{iid}/file", parties, "off-34")
    mx.check("POST", f"/api/instruments/{iid}/review/start", {"rev-cn"}, "rev-cn")
    mx.check("POST", f"/api/instruments/{iid}/review/decision", {"rev-cn"}, "rev-cn", {"approve": True})
    cid = next(c["id"] for c in w.get(f"/api/instruments/{iid}").json()["clauses"] if c["number"] == "2")
    mx.check(
        "POST",
        f"/api/clauses/{cid}/reports",
        {"off-34"},
        "off-34",
        {"period_start": "2024-01-01", "period_end": "2024-12-31", "value": "0.9", "evidence": "e"},
    )
    pid = w.get(f"/api/payments?instrument_id={iid}").json()[0]["id"]  # 2024 met: Zhejiang pays Anhui
    mx.check("POST", f"/api/payments/{pid}/confirm", {"off-34"}, "off-34")  # the payee confirms
    csv_text = f"clause_id,period_start,period_end,value,evidence\n{cid},2023-01-01,2023-12-31,0.8,e\n"
    mx.check(
        "POST",
        f"/api/instruments/{iid}/reports.csv",
        {"off-34"},
        "off-34",
        files={"file": ("r.csv", csv_text, "text/csv")},
    )
    d = mx.check("POST", f"/api/instruments/{iid}/disputes", parties, "off-34", {"subject": "s"})
    mx.check("POST", f"/api/disputes/{d['id']}/decision", {"rev-cn"}, "rev-cn", {"decision": "d"})
    mx.check(
        "POST",
        f"/api/instruments/{iid}/evaluations",
        {"rev-cn", "eval"},
        "rev-cn",  # the evaluator's evaluation is advisory: the reviewing superior orders the revision
        {"summary": "poor", "revision_required": True, "reasons": "r"},
    )
    mx.check("POST", f"/api/instruments/{iid}/revise", parties, "off-33", {"clauses": [w.xinan_clause]})
    # a second instrument: expiry, revision order after expiry, termination
    inst2 = w.to_state("in_force", expires_on="2025-06-30")
    w.clock.advance(days=200)
    mx.check("POST", f"/api/instruments/{inst2['id']}/expire", {"rev-cn"}, "rev-cn")
    mx.check(
        "POST", f"/api/instruments/{inst2['id']}/revision-order", {"rev-cn"}, "rev-cn", {"reasons": "extend"}
    )
    mx.check(
        "POST", f"/api/instruments/{inst2['id']}/terminate", {"rev-cn"}, "rev-cn", {"reasons": "abolish"}
    )
    # a third: return and resubmit
    inst3 = w.to_state("under_review")
    w.post("rev-cn", f"/api/instruments/{inst3['id']}/review/decision", {"approve": False, "reasons": "r"})
    mx.check("POST", f"/api/instruments/{inst3['id']}/resubmit", parties, "off-33")
    assert mx.checked >= 200
    with w.session() as s:
        assert audit.verify(s).ok


def test_audit_chain_detects_tampering(world: Any) -> None:
    w = world
    w.to_state("filed")
    with w.session() as s:
        check = audit.verify(s)
        assert check.ok and check.n_events > 20
        target = check.n_events // 2
    eng = w.app.state.engine
    # the database refuses UPDATE and DELETE on the log
    for stmt in ("UPDATE audit_event SET actor = 'x' WHERE seq = 1", "DELETE FROM audit_event WHERE seq = 1"):
        with pytest.raises(sa.exc.DBAPIError), eng.begin() as c:
            c.execute(sa.text(stmt))
    # an attacker with DDL rights (the owner; the service's role has none) disables the
    # protection and edits one payload
    eng = w.owner_engine()
    with eng.begin() as c:
        if eng.dialect.name == "postgresql":
            c.execute(sa.text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change"))
        else:
            c.execute(sa.text("DROP TRIGGER audit_event_no_update"))
        c.execute(
            sa.text("UPDATE audit_event SET payload = :p WHERE seq = :s"),
            {"p": json.dumps({"forged": True}), "s": target},
        )
    with w.session() as s:
        bad = audit.verify(s)
    assert not bad.ok and bad.first_bad_seq == target and "content" in bad.problem
    assert w.get("/api/audit/verify", "rev-cn").json()["first_bad_seq"] == target


def test_audit_verify_cli(world: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    from typer.testing import CliRunner

    from regcoord.cli.app import app

    monkeypatch.setenv("REGCOORD_DATABASE_URL", world.url)
    r = CliRunner().invoke(app, ["audit", "verify"])
    assert r.exit_code == 0 and json.loads(r.stdout)["ok"] is True
    cp = json.loads(CliRunner().invoke(app, ["audit", "checkpoint"]).stdout)
    assert cp["seq"] == json.loads(r.stdout)["head_seq"]
    (tmp_path / "cp.json").write_text(json.dumps(cp))
    r = CliRunner().invoke(app, ["audit", "verify", "--checkpoint", str(tmp_path / "cp.json")])
    assert r.exit_code == 0
    (tmp_path / "bad.json").write_text(json.dumps({**cp, "hash": "0" * 64}))
    r = CliRunner().invoke(app, ["audit", "verify", "--checkpoint", str(tmp_path / "bad.json")])
    assert r.exit_code == 1 and json.loads(r.stdout)["problem"] == "checkpoint hash differs"
    (tmp_path / "junk.json").write_text("{")
    r = CliRunner().invoke(app, ["audit", "verify", "--checkpoint", str(tmp_path / "junk.json")])
    assert r.exit_code == 2 and "checkpoint file" in " ".join(r.output.split())
    eng = world.owner_engine()  # the owner: the service's role cannot touch the triggers
    with eng.begin() as c:
        if eng.dialect.name == "postgresql":
            c.execute(sa.text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change"))
        else:
            c.execute(sa.text("DROP TRIGGER audit_event_no_delete"))
        c.execute(sa.text("DELETE FROM audit_event WHERE seq = 2"))
    eng.dispose()
    r = CliRunner().invoke(app, ["audit", "verify"])
    assert r.exit_code == 1 and json.loads(r.stdout)["first_bad_seq"] == 3


def test_idempotency_key(world: Any) -> None:
    w = world
    body = {
        "kind": "plan",
        "title": "Plan",
        "parties": ["33"],
        "clauses": [{"number": "1", "text": "100 km of road"}],
    }
    h = {"Idempotency-Key": "k-1"}
    r1 = w.post("off-33", "/api/instruments", body, headers=h)
    r2 = w.post("off-33", "/api/instruments", body, headers=h)
    assert r1.status_code == r2.status_code == 201
    assert r1.json() == r2.json() and r2.headers["Idempotent-Replayed"] == "true"
    with w.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(m.Instrument)) == 1
        head = audit.checkpoint(s)["seq"]
    r3 = w.post("off-33", "/api/instruments", {**body, "title": "Other"}, headers=h)
    assert r3.status_code == 422 and r3.json()["detail"][0]["loc"] == ["body", "Idempotency-Key"]
    # keys are per user: the same key from another user is a new request
    r4 = w.post("off-34", "/api/instruments", {**body, "parties": ["34"]}, headers=h)
    assert r4.status_code == 201 and r4.json()["id"] != r1.json()["id"]
    with w.session() as s:
        assert audit.checkpoint(s)["seq"] == head + 1  # one instrument.create, for r4 only


def test_etag_if_match(world: Any) -> None:
    w = world
    iid = w.new_instrument()["id"]
    r = w.client.get(f"/api/instruments/{iid}", headers=w.h("off-33"))
    etag = r.headers["ETag"]
    assert (
        w.client.patch(f"/api/instruments/{iid}", json={"title": "A"}, headers=w.h("off-33")).status_code
        == 428
    )
    r = w.client.patch(
        f"/api/instruments/{iid}", json={"title": "A"}, headers=w.h("off-33", **{"If-Match": etag})
    )
    assert r.status_code == 200 and r.headers["ETag"] != etag and r.json()["title"] == "A"
    r2 = w.client.patch(
        f"/api/instruments/{iid}", json={"title": "B"}, headers=w.h("off-34", **{"If-Match": etag})
    )
    assert r2.status_code == 412
    assert w.get(f"/api/instruments/{iid}", "off-33").json()["title"] == "A"  # a stale If-Match never writes
    r3 = w.client.patch(
        f"/api/instruments/{iid}",
        json={"title": ""},
        headers=w.h("off-33", **{"If-Match": r.headers["ETag"]}),
    )
    assert r3.status_code == 422


def test_drafts_are_scoped(world: Any) -> None:
    w = world
    r = w.client.get("/api/users", headers=w.h("off-33"))  # a denied read is audited too
    assert r.status_code == 403
    with w.session() as s:
        last = s.scalar(sa.select(m.AuditEvent).order_by(m.AuditEvent.seq.desc()).limit(1))
        assert last is not None and last.action == "authz.denied" and "/api/users" in last.payload
    iid = w.new_instrument()["id"]
    assert w.client.get(f"/api/instruments/{iid}", headers=w.h("off-11")).status_code == 404
    assert w.client.get(f"/api/instruments/{iid}").status_code == 404
    assert w.client.get(f"/api/instruments/{iid}", headers=w.h("rev-cn")).status_code == 200
    assert [i["id"] for i in w.get("/api/instruments", "off-11").json()] == []
    assert [i["id"] for i in w.get("/api/instruments", "off-34").json()] == [iid]


def test_concurrent_requests_with_one_idempotency_key(world: Any) -> None:
    """Racing requests with one key create one instrument; every caller gets the same response."""
    import threading
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    w = world
    body = {
        "kind": "plan",
        "title": "Race",
        "parties": ["33"],
        "clauses": [{"number": "1", "text": "10 km of road"}],
    }
    headers = {**w.h("off-33"), "Idempotency-Key": "race-1"}
    barrier = threading.Barrier(4)
    results: list[Any] = []
    lock = threading.Lock()

    def go() -> None:
        with TestClient(w.app) as c:
            barrier.wait()
            r = c.post("/api/instruments", json=body, headers=headers)
        with lock:
            results.append((r.status_code, r.json()))

    threads = [threading.Thread(target=go) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {s for s, _ in results} == {201}
    assert len({b["id"] for _, b in results}) == 1
    with w.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(m.Instrument)) == 1
        assert audit.verify(s).ok
