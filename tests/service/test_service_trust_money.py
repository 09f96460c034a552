"""Issue 8, money and trust: each test reproduces an attack or fault of the issue first.

One payment per obligation and period (scheduled periods, a unique key, amendments that
recompute the same order), money rows sealed in the audit chain, compensation that is not
breach, one credit truth, signatures bound to the terms. Every test runs on SQLite and
PostgreSQL (the ``world`` fixture).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from regcoord.service import audit
from regcoord.service.db import models as m
from regcoord.service.usecases import Ctx, monitoring
from regcoord.service.usecases._context import region_tree, system_principal

BILLION_FEN = 10_000_000_000  # 100 million yuan


def _clause_id(inst: dict[str, Any], number: str = "2") -> int:
    return next(c["id"] for c in inst["clauses"] if c["number"] == number)


def _report(w: Any, cid: int, start: str, end: str, value: str, user: str = "off-34") -> Any:
    return w.post(
        user,
        f"/api/clauses/{cid}/reports",
        {"period_start": start, "period_end": end, "value": value, "evidence": f"monitoring {start}"},
    )


def _ledger(w: Any, iid: int) -> list[tuple[str, str, str, int, str]]:
    rows = []
    for st in ("due", "paid", "void", "waived"):
        for p in w.get(f"/api/payments?instrument_id={iid}&status={st}").json():
            rows.append((p["kind"], p["payer"], p["payee"], p["amount_fen"], p["status"]))
    return sorted(rows)


def test_one_day_reports_do_not_multiply_payments(world: Any) -> None:
    """The issue's attack: the payee-obligor files one-day reports after the deadline; each was a new order."""
    w = world
    inst = w.to_state("in_force")
    iid, cid = inst["id"], _clause_id(inst)
    w.clock.advance(days=400)  # 2026-04: every day of 2025 has ended
    for day in range(1, 6):
        d = date(2025, 1, day).isoformat()
        r = _report(w, cid, d, d, "0.5")
        assert r.status_code == 422, r.text
        msg = r.json()["detail"][0]["msg"]
        # the refusal names the schedule: 12-month periods ending on the deadline 2024-12-31
        assert "not a scheduled reporting period" in msg and "2024-01-01 to 2024-12-31" in msg
    for start, end in (
        ("2025-02-01", "2026-01-31"),
        ("2025-01-01", "2025-06-30"),
        ("2024-07-01", "2025-06-30"),
    ):
        assert _report(w, cid, start, end, "0.5").status_code == 422  # shifted, partial, overlapping
    assert _ledger(w, iid) == []
    assert _report(w, cid, "2025-01-01", "2025-12-31", "0.5").status_code == 201
    again = _report(w, cid, "2025-01-01", "2025-12-31", "0.4")
    assert again.status_code == 409 and "amendment" in again.text
    # exactly one order: Zhejiang (33) pays Anhui (34) 100 million yuan for 2025
    assert _ledger(w, iid) == [("compensation", "33", "34", BILLION_FEN, "due")]


def test_schedule_term_ends_at_expiry(world: Any) -> None:
    """Periods after the instrument's expiry, or before the obligation's first period, are not scheduled."""
    w = world
    clause = {
        **w.xinan_clause,
        "obligation": {**w.xinan_clause["obligation"], "first_period_start": "2023-01-01"},
    }
    inst = w.to_state(
        "in_force",
        effective_from="2023-01-01",
        expires_on="2026-12-31",
        clauses=[{"number": "1", "text": "Central funds 300 million yuan a year."}, clause],
    )
    cid = _clause_id(inst)
    r = _report(w, cid, "2022-01-01", "2022-12-31", "0.5")
    assert r.status_code == 422, r.text
    assert "12-month periods from 2023-01-01, the last ending 2026-12-31" in r.json()["detail"][0]["msg"]
    w.clock.advance(days=800)  # 2027-05: the year 2027 would have ended but is past the term
    assert _report(w, cid, "2027-01-01", "2027-12-31", "0.5").status_code == 422
    assert _report(w, cid, "2026-01-01", "2026-12-31", "0.5").status_code == 201


def test_unique_order_per_clause_period_and_kind(world: Any) -> None:
    """The database itself refuses a second order of one kind for a clause and period."""
    w = world
    inst = w.to_state("in_force")
    assert _report(w, _clause_id(inst), "2024-01-01", "2024-12-31", "0.9").status_code == 201
    with w.session() as s:
        pay = s.scalars(sa.select(m.Payment)).one()
        dup = m.Payment(
            instrument_id=pay.instrument_id,
            clause_id=pay.clause_id,
            period_start=pay.period_start,
            kpi_report_id=pay.kpi_report_id,
            kind=pay.kind,
            payer=pay.payer,
            payee=pay.payee,
            amount_fen=pay.amount_fen,
            period_end=pay.period_end,
            status="due",
            trace={},
            created_at=w.clock.now,
        )
        s.add(dup)
        with pytest.raises(sa.exc.IntegrityError):
            s.commit()


def test_amendment_supersedes_and_recomputes_the_same_orders(world: Any) -> None:
    w = world
    inst = w.to_state("in_force")
    iid, cid = inst["id"], _clause_id(inst)
    first = _report(w, cid, "2024-01-01", "2024-12-31", "0.93").json()
    assert _ledger(w, iid) == [("compensation", "33", "34", BILLION_FEN, "due")]
    comp_id = w.get(f"/api/payments?instrument_id={iid}").json()[0]["id"]

    # correction: P was 1.3 (not met): the compensation order is void, the breach and its damages follow
    r = w.post(
        "off-34",
        f"/api/reports/{first['id']}/amendments",
        {"value": "1.3", "evidence": "recount", "reason": "lab error"},
    )
    assert r.status_code == 201, r.text
    second = r.json()
    assert (second["revision"], second["supersedes_id"], second["outcome"]) == (2, first["id"], "not_met")
    assert _ledger(w, iid) == [
        ("compensation", "33", "34", BILLION_FEN, "void"),
        ("liquidated_damages", "34", "33", BILLION_FEN, "due"),
    ]
    cr = w.get("/api/credit/34").json()
    assert (cr["score"], cr["breaches"]) == (95, 1)
    # amending the superseded report is refused: only the latest revision can be corrected
    r = w.post(
        "off-34", f"/api/reports/{first['id']}/amendments", {"value": "0.9", "evidence": "e", "reason": "r"}
    )
    assert r.status_code == 409
    # correction back to met: breach withdrawn, points given back, the same compensation order revives
    r = w.post(
        "off-34",
        f"/api/reports/{second['id']}/amendments",
        {"value": "0.9", "evidence": "final", "reason": "certified"},
    )
    assert r.status_code == 201, r.text
    assert _ledger(w, iid) == [
        ("compensation", "33", "34", BILLION_FEN, "due"),
        ("liquidated_damages", "34", "33", BILLION_FEN, "void"),
    ]
    assert w.get(f"/api/payments?instrument_id={iid}&status=due").json()[0]["id"] == comp_id
    cr = w.get("/api/credit/34").json()
    assert (cr["score"], cr["breaches"]) == (100, 0)
    assert [b["status"] for b in w.get(f"/api/breaches?instrument_id={iid}").json()] == ["withdrawn"]
    # every revision is kept; exactly one is in force
    reports = w.get(f"/api/instruments/{iid}/reports", "off-33").json()
    assert sorted((x["revision"], x["superseded"]) for x in reports) == [(1, True), (2, True), (3, False)]
    with w.session() as s:
        actions = list(s.scalars(sa.select(m.AuditEvent.action).order_by(m.AuditEvent.seq)))
        assert actions.count("kpi.amend") == 2 and actions.count("kpi.supersede") == 2
        assert "payment.recompute" in actions and "breach.withdrawn" in actions
        assert audit.verify(s).ok


def test_paid_order_is_not_changed_by_a_correction(world: Any) -> None:
    w = world
    inst = w.to_state("in_force")
    iid, cid = inst["id"], _clause_id(inst)
    rep = _report(w, cid, "2024-01-01", "2024-12-31", "0.93").json()
    pid = w.get(f"/api/payments?instrument_id={iid}").json()[0]["id"]
    assert w.post("off-34", f"/api/payments/{pid}/confirm").status_code == 200
    r = w.post(
        "off-34", f"/api/reports/{rep['id']}/amendments", {"value": "1.3", "evidence": "e", "reason": "r"}
    )
    assert r.status_code == 409 and "dispute" in r.text
    assert _ledger(w, iid) == [("compensation", "33", "34", BILLION_FEN, "paid")]


@pytest.mark.parametrize(
    ("table", "stmt"),
    [
        ("payment", "UPDATE payment SET amount_fen = amount_fen * 10"),
        ("payment", "UPDATE payment SET payee = '33'"),
        ("kpi_report", "UPDATE kpi_report SET value = '0.5'"),
        ("party", "UPDATE party SET signed_hash = NULL WHERE signed_at IS NOT NULL"),
    ],
)
def test_audit_verify_detects_an_edited_money_row(
    world: Any, table: str, stmt: str, monkeypatch: Any
) -> None:
    """An attacker with SQL access edits a payment amount (the audit rows untouched): verify fails."""
    from typer.testing import CliRunner

    from regcoord.cli.app import app

    w = world
    inst = w.to_state("in_force")
    _report(w, _clause_id(inst), "2024-01-01", "2024-12-31", "0.93")
    with w.session() as s:
        good = audit.verify(s)
        assert good.ok and good.rows is not None and good.rows.n_rows >= 4
    with w.app.state.engine.begin() as c:
        c.execute(sa.text(stmt))
    with w.session() as s:
        bad = audit.verify(s)
    assert not bad.ok and bad.rows is not None
    assert bad.rows.problems[0].startswith(f"{table} ") and "differs" in bad.rows.problems[0]
    body = w.get("/api/audit/verify", "admin").json()
    assert body["ok"] is False and body["rows"]["problems"] == list(bad.rows.problems)
    monkeypatch.setenv("REGCOORD_DATABASE_URL", w.url)
    r = CliRunner().invoke(app, ["audit", "verify"])
    assert r.exit_code == 1 and json.loads(r.stdout)["rows"]["ok"] is False


def test_money_row_inserted_without_audit_is_detected(world: Any) -> None:
    w = world
    inst = w.to_state("in_force")
    with w.app.state.engine.begin() as c:
        c.execute(
            sa.text(
                "INSERT INTO payment (instrument_id, kind, payer, payee, amount_fen, period_end, status, trace, created_at)"
                " VALUES (:i, 'compensation', '33', '34', 1, '2024-12-31', 'due', '{}', :t)"
            ),
            {"i": inst["id"], "t": w.clock.now},
        )
    with w.session() as s:
        bad = audit.verify(s)
    assert not bad.ok and bad.rows is not None and "no audit event seals this row" in bad.rows.problems[0]


# -- compensation is not breach; one credit truth ------------------------------------------------
TWO_WAY = {
    "number": "2",
    "text": "P <= 1: Zhejiang pays Anhui 100 million yuan; otherwise Anhui pays Zhejiang 100 million yuan.",
    "obligation": {
        "obligor": "34",
        "metric": "P index at Jiekou",
        "target": "1",
        "comparator": "<=",
        "unit": "1",
        "deadline": "2024-12-31",
        "evidence": "Jiekou monitoring report",
    },
    "compensation": {
        "when": "met",
        "payer": "33",
        "payee": "34",
        "amount_fen": BILLION_FEN,
        "otherwise_fen": BILLION_FEN,
        "due_days": 90,
        "source": "Xin'an round 1",
    },
}


def test_xinan_p_above_one_is_compensation_not_breach(world: Any) -> None:
    """Before: P > 1 was a 100-million-yuan breach of Anhui's; it is the agreed compensation the other way."""
    w = world
    inst = w.to_state(
        "in_force", clauses=[{"number": "1", "text": "Central funds 300 million yuan a year."}, TWO_WAY]
    )
    assert w.get(f"/api/instruments/{inst['id']}/filing", "rev-cn").json()["blocking"] == 0
    r = _report(w, _clause_id(inst), "2024-01-01", "2024-12-31", "1.3")
    assert r.status_code == 201 and r.json()["outcome"] == "not_met"
    pays = w.get(f"/api/payments?instrument_id={inst['id']}").json()
    # 2024-12-31 + 90 days = 2025-03-31 (hand count: 31 Jan + 28 Feb + 31 Mar)
    assert [(p["kind"], p["payer"], p["payee"], p["amount_fen"], p["due_on"]) for p in pays] == [
        ("compensation", "34", "33", BILLION_FEN, "2025-03-31")
    ]
    assert w.get(f"/api/breaches?instrument_id={inst['id']}").json() == []
    cr = w.get("/api/credit/34").json()
    assert (cr["score"], cr["breaches"]) == (100, 0)
    page = w.client.get(f"/instruments/{inst['id']}?lang=zh", headers=w.h("off-34")).text
    assert "补偿" in page and "违约金" not in page


def test_breach_without_credit_penalty_counts_everywhere(world: Any) -> None:
    """Before: a recorded 100-million-yuan breach left Anhui at score 100 with 0 breaches."""
    w = world
    clause = {**w.xinan_clause, "breach": {"damages": {"fixed_fen": BILLION_FEN}, "beneficiary": "33"}}
    inst = w.to_state(
        "in_force", clauses=[{"number": "1", "text": "Central funds 300 million yuan a year."}, clause]
    )
    assert _report(w, _clause_id(inst), "2024-01-01", "2024-12-31", "1.3").status_code == 201
    cr = w.get("/api/credit/34").json()
    assert (cr["score"], cr["breaches"]) == (100, 1)
    assert len(w.get("/api/breaches?region=34").json()) == 1
    dash = w.get("/api/dashboard?region=34").json()
    assert dash["credit"]["breaches"] == 1
    page = w.client.get("/breaches?lang=en").text
    row = next(line for line in page.splitlines() if "/credit/34" in line and "<td" in line and "num" in line)
    assert ">1<" in row.replace(" ", "")
    # the stored standing agrees with the fold over the events (issue 17)
    with w.session() as s:
        ctx = Ctx(s, system_principal(), w.clock.now, region_tree())
        for subject in ("33", "34"):
            assert monitoring.standings(ctx, [subject])[subject] == monitoring.credit_by_fold(ctx, subject)


# -- signatures bind the terms -----------------------------------------------------------------------
def test_changed_dates_after_a_signature_void_it(world: Any) -> None:
    """Before: 34 changed the dates after 33 signed and the agreement became signed with 33's old signature."""
    w = world
    inst = w.to_state("negotiating")
    iid = inst["id"]
    assert w.post("off-33", f"/api/instruments/{iid}/sign").status_code == 200
    r = w.get(f"/api/instruments/{iid}", "off-34")
    n_versions = len(w.get(f"/api/instruments/{iid}/versions", "off-34").json())
    r = w.client.patch(
        f"/api/instruments/{iid}",
        json={"effective_from": "2030-01-01", "expires_on": "2031-01-01"},
        headers={**w.h("off-34"), "If-Match": r.headers["ETag"]},
    )
    assert r.status_code == 200, r.text
    assert [p["signed"] for p in r.json()["parties"]] == [False, False]
    assert len(w.get(f"/api/instruments/{iid}/versions", "off-34").json()) == n_versions + 1
    out = w.post("off-34", f"/api/instruments/{iid}/sign").json()
    assert out["state"] == "negotiating"  # 33 must sign the new terms
    out = w.post("off-33", f"/api/instruments/{iid}/sign").json()
    assert out["state"] == "signed"
    with w.session() as s:
        parties = s.scalars(sa.select(m.Party).where(m.Party.instrument_id == iid)).all()
        assert len({p.signed_hash for p in parties}) == 1 and all(p.signed_hash for p in parties)


def test_a_signature_of_other_terms_does_not_count(world: Any) -> None:
    """A signature whose stored hash is not the hash of the current terms does not seal the text."""
    w = world
    inst = w.to_state("negotiating")
    iid = inst["id"]
    assert w.post("off-33", f"/api/instruments/{iid}/sign").status_code == 200
    with w.app.state.engine.begin() as c:  # terms changed behind the service's back
        c.execute(sa.text("UPDATE instrument SET title = 'Other terms' WHERE id = :i"), {"i": iid})
    assert w.post("off-34", f"/api/instruments/{iid}/sign").json()["state"] == "negotiating"


# -- disputes ----------------------------------------------------------------------------------------
def test_disputes_only_on_filed_or_in_force_instruments(world: Any) -> None:
    """Before: a party could open a dispute on a draft (and the dispute list is public)."""
    w = world
    for state in ("draft", "negotiating"):
        inst = w.to_state(state)
        r = w.post("off-33", f"/api/instruments/{inst['id']}/disputes", {"subject": "s"})
        assert r.status_code == 409 and "only a filed or in-force instrument" in r.text
    assert w.get("/api/disputes").json() == []
    filed = w.to_state("filed")
    assert w.post("off-33", f"/api/instruments/{filed['id']}/disputes", {"subject": "s"}).status_code == 201


def test_dispute_decisions_take_effect(world: Any) -> None:
    """Before: a decision was only text; now waiving, adjusting a payment or ordering a revision is applied."""
    w = world
    inst = w.to_state("in_force")
    iid, cid = inst["id"], _clause_id(inst)
    assert _report(w, cid, "2024-01-01", "2024-12-31", "1.3").status_code == 201  # damages 34 -> 33
    w.clock.advance(days=400)
    assert _report(w, cid, "2025-01-01", "2025-12-31", "1.2").status_code == 201
    pays = {p["period_end"]: p for p in w.get(f"/api/payments?instrument_id={iid}").json()}
    p24, p25 = pays["2024-12-31"]["id"], pays["2025-12-31"]["id"]

    def dispute(body: dict[str, Any]) -> Any:
        d = w.post("off-34", f"/api/instruments/{iid}/disputes", {"subject": "damages"}).json()
        return w.post("rev-cn", f"/api/disputes/{d['id']}/decision", body)

    r = dispute(
        {"decision": "monitoring failure upstream of Jiekou", "effect": "waive_payment", "payment_id": p24}
    )
    assert r.status_code == 200 and r.json()["effect"] == "waive_payment"
    r = dispute(
        {"decision": "halved", "effect": "adjust_payment", "payment_id": p25, "amount_fen": BILLION_FEN // 2}
    )
    assert r.status_code == 200
    assert _ledger(w, iid) == [
        ("liquidated_damages", "34", "33", BILLION_FEN // 2, "due"),
        ("liquidated_damages", "34", "33", BILLION_FEN, "waived"),
    ]
    # a waived payment cannot be changed again; a payment of another instrument cannot be named
    assert (
        dispute({"decision": "x", "effect": "adjust_payment", "payment_id": p24, "amount_fen": 1}).status_code
        == 409
    )
    other = w.to_state("in_force")
    d = w.post("off-33", f"/api/instruments/{other['id']}/disputes", {"subject": "s"}).json()
    r = w.post(
        "rev-cn",
        f"/api/disputes/{d['id']}/decision",
        {"decision": "x", "effect": "waive_payment", "payment_id": p25},
    )
    assert r.status_code == 422 and w.get(f"/api/disputes/{d['id']}").json()["state"] == "open"
    # order a revision: the instrument must be revised within six months
    r = dispute({"decision": "targets unrealistic", "effect": "order_revision"})
    assert r.status_code == 200
    out = w.get(f"/api/instruments/{iid}").json()
    assert out["state"] == "revision_required" and out["revision_deadline"] == "2026-10-05"
    with w.session() as s:
        actions = list(s.scalars(sa.select(m.AuditEvent.action)))
        assert {"payment.waive", "payment.adjust", "instrument.order_revision"} <= set(actions)
        assert audit.verify(s).ok  # the changed rows are sealed again


# -- evaluations and participation -------------------------------------------------------------------
def test_evaluator_is_advisory_and_independent(world: Any) -> None:
    """Before: an evaluator's evaluation ordered the revision itself, and a party's evaluator could evaluate."""
    w = world
    inst = w.to_state("in_force")
    iid = inst["id"]
    body = {"summary": "poor", "revision_required": True, "reasons": "P above 1"}
    r = w.post("eval", f"/api/instruments/{iid}/evaluations", body)
    assert r.status_code == 201 and r.json()["revision_recommended"] is True
    assert w.get(f"/api/instruments/{iid}").json()["state"] == "in_force"  # advice, not an order
    assert w.post("eval", f"/api/instruments/{iid}/revision-order", {"reasons": "r"}).status_code == 403
    # an evaluator of a party region (Zhejiang, 33) is not independent of the parties
    from regcoord.service import auth as auth_mod
    from regcoord.service.usecases import actors

    with w.session() as s:
        ctx = Ctx(s, system_principal(), w.clock.now, region_tree())
        a = actors.create_actor(ctx, name="eval-33", kind="evaluator", region_code="33")
        u = actors.create_user(
            ctx,
            username="eval-33",
            password="test-password-1",
            role="participant",
            region_code="33",
            actor_id=a.id,
        )
        w.tokens["eval-33"] = auth_mod.issue_token(s, u, kind="api", now=w.clock.now, ttl_hours=24)
        s.commit()
    r = w.post("eval-33", f"/api/instruments/{iid}/evaluations", body)
    assert r.status_code == 403 and w.get(f"/api/instruments/{iid}").json()["state"] == "in_force"
    # the reviewing superior's evaluation orders the revision
    r = w.post("rev-cn", f"/api/instruments/{iid}/evaluations", body)
    assert r.status_code == 201 and w.get(f"/api/instruments/{iid}").json()["state"] == "revision_required"


def test_party_officers_comments_do_not_count_toward_participation(world: Any) -> None:
    """Before: the parties' own officers could fill the participation threshold with their comments."""
    w = world
    inst = w.to_state("consultation")
    iid = inst["id"]
    with w.session() as s:
        cons = s.scalar(sa.select(m.Consultation.id).where(m.Consultation.instrument_id == iid))
    for user in ("off-33", "off-34", "ent-33", "ngo-34"):
        r = w.post(
            user, f"/api/consultations/{cons}/submissions", {"text": f"by {user}", "clause_number": "2"}
        )
        assert r.status_code == 201, r.text
    with w.session() as s:
        from regcoord.service.usecases import consultations

        ctx = Ctx(s, system_principal(), w.clock.now, region_tree())
        rep = consultations.participation_report(ctx, cons)
    # counted: an enterprise of 33 and an NGO of 34; officers' two comments apart
    assert rep.by_kind == {"enterprise": 1, "ngo": 1} and rep.by_region == {"33": 1, "34": 1}
    assert rep.party_officers == 2 and rep.under_kinds == ("resident",) and not rep.ok
    page = w.client.get(f"/consultations/{cons}?lang=en", headers=w.h("off-33")).text
    assert 'id="party-officers"' in page and "shown apart, not counted): 2" in page


def test_nothing_of_a_draft_on_a_public_page(world: Any) -> None:
    """A draft's title, clauses or id appear on no page or API answer an anonymous visitor can read."""
    w = world
    secret = "Secret draft 7f3a"
    draft = w.new_instrument(title=secret)
    w.to_state("in_force")
    paths = [
        "/api/instruments",
        "/api/alerts",
        "/api/dashboard",
        "/api/disputes",
        "/api/breaches",
        "/api/payments",
        f"/api/instruments/{draft['id']}",
        f"/api/instruments/{draft['id']}/versions",
        f"/api/instruments/{draft['id']}/reports",
        "/",
        "/instruments",
        "/dashboard",
        "/disputes",
        "/breaches",
        "/evaluations",
        f"/instruments/{draft['id']}",
    ]
    for path in paths:
        r = w.client.get(path)
        assert secret not in r.text, path
        assert "Central funds 300 million" not in r.text or not path.endswith(str(draft["id"])), path
    alerts = w.client.get("/api/alerts").json()
    assert str(draft["id"]) not in {a["instrument"] for a in alerts}


# -- breaches of failed duties -----------------------------------------------------------------------
def test_late_payment_and_missing_report_are_breaches(world: Any) -> None:
    """Before: a payment never confirmed and a report never filed had no consequence at all."""
    w = world
    clause = {
        **w.xinan_clause,
        "obligation": {**w.xinan_clause["obligation"], "report_within_days": 60},
        "compensation": {**w.xinan_clause["compensation"], "due_days": 90},
        "breach": {"damages": {"fixed_fen": 1_000_000}, "beneficiary": "33", "credit_penalty": 5},
    }
    inst = w.to_state(
        "in_force", clauses=[{"number": "1", "text": "Central funds 300 million yuan a year."}, clause]
    )
    iid, cid = inst["id"], _clause_id(inst)
    assert _report(w, cid, "2024-01-01", "2024-12-31", "0.9").status_code == 201  # 33 pays 34, due 2025-03-31
    # on 2025-03-01 nothing is overdue yet; the reviewer's sweep records nothing, twice
    assert w.post("rev-cn", "/api/breaches/sweep").json() == {"recorded": []}
    assert w.post("off-34", "/api/breaches/sweep").status_code == 403
    # 2026-03-06: the 2024 payment is past due (2025-03-31), the 2025 report past its 60 days (2026-03-01)
    w.clock.advance(days=370)
    rec = w.post("rev-cn", "/api/breaches/sweep").json()["recorded"]
    assert sorted((b["kind"], b["obligor"], b["period_end"], b["damages_fen"]) for b in rec) == [
        ("payment_late", "33", "2024-12-31", 1_000_000),
        ("report_missing", "34", "2025-12-31", 1_000_000),
    ]
    assert w.post("rev-cn", "/api/breaches/sweep").json() == {"recorded": []}  # recorded once
    for region in ("33", "34"):
        cr = w.get(f"/api/credit/{region}").json()
        assert (cr["score"], cr["breaches"]) == (95, 1)
    # damages follow the clause's breach terms: 10,000 yuan to the beneficiary or the other party
    dmg = [
        (p["payer"], p["payee"], p["amount_fen"])
        for p in w.get(f"/api/payments?instrument_id={iid}").json()
        if p["kind"] == "liquidated_damages"
    ]
    # (the named beneficiary, Zhejiang, is itself the late payer: its damages go to the other party)
    assert sorted(dmg) == [("33", "34", 1_000_000), ("34", "33", 1_000_000)]
    page = w.client.get("/breaches?lang=zh").text
    assert "逾期未付款" in page and "逾期未报告" in page
    with w.session() as s:
        assert audit.verify(s).ok
