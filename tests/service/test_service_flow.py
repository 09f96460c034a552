"""The closed loop through the HTTP API, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from regcoord import agreements as ag
from regcoord.errors import DataError
from regcoord.service.db import models as m
from regcoord.service.usecases import Ctx, actors, monitoring
from regcoord.service.usecases import trading as trading_uc
from regcoord.service.usecases._context import region_tree, system_principal


def test_full_loop(world: Any) -> None:
    w = world
    inst = w.to_state("in_force")
    iid = inst["id"]
    assert inst["effective_from"] == "2025-03-01"
    assert [p["signed"] for p in inst["parties"]] == [True, True]
    filing = w.get(f"/api/instruments/{iid}/filing", "rev-cn").json()
    assert filing["reviewer_region"] == "CN" and filing["blocking"] == 0 and filing["decision"] == "approved"
    clause_id = next(c["id"] for c in inst["clauses"] if c["number"] == "2")

    # a met year: Zhejiang pays Anhui 100 million yuan (10^10 fen) under the compensation clause
    r = w.post(
        "off-34",
        f"/api/clauses/{clause_id}/reports",
        {
            "period_start": "2024-01-01",
            "period_end": "2024-12-31",
            "value": "0.93",
            "evidence": "report 2024",
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["outcome"] == "met"
    pays = w.get(f"/api/payments?instrument_id={iid}").json()
    assert [(p["kind"], p["payer"], p["payee"], p["amount_fen"]) for p in pays] == [
        ("compensation", "33", "34", 10_000_000_000)
    ]
    assert pays[0]["amount_yuan"] == "100000000"

    # a missed year: breach; Anhui pays Zhejiang 100 million as damages; credit 100 - 5
    w.clock.advance(days=365)
    r = w.post(
        "off-34",
        f"/api/clauses/{clause_id}/reports",
        {
            "period_start": "2025-01-01",
            "period_end": "2025-12-31",
            "value": "1.12",
            "evidence": "report 2025",
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["outcome"] == "not_met" and r.json()["shortfall"] == "0.12"
    b = w.get("/api/breaches?region=34").json()
    assert len(b) == 1 and b[0]["damages_fen"] == 10_000_000_000
    assert {s["kind"] for s in b[0]["sanctions"]} == {
        "liquidated_damages",
        "reputation_notice",
        "credit_penalty",
    }
    cr = w.get("/api/credit/34").json()
    assert cr["score"] == 95 and cr["breaches"] == 1 and cr["events"][0]["delta"] == -5
    assert w.get("/api/credit/33").json()["score"] == 100
    pays = w.get(f"/api/payments?instrument_id={iid}").json()
    assert pays[-1]["kind"] == "liquidated_damages" and (pays[-1]["payer"], pays[-1]["payee"]) == ("34", "33")

    # the same period cannot be reported twice
    r = w.post(
        "off-34",
        f"/api/clauses/{clause_id}/reports",
        {"period_start": "2025-01-01", "period_end": "2025-12-31", "value": "0.5", "evidence": "again"},
    )
    assert r.status_code == 409

    # dispute between two provinces goes to the centre, which decides
    r = w.post("off-33", f"/api/instruments/{iid}/disputes", {"subject": "P value of 2025 contested"})
    assert r.status_code == 201 and r.json()["routed_to"] == "CN"
    did = r.json()["id"]
    assert w.post("off-34", f"/api/disputes/{did}/decision", {"decision": "x"}).status_code == 403
    r = w.post("rev-cn", f"/api/disputes/{did}/decision", {"decision": "report stands"})
    assert r.status_code == 200 and r.json()["state"] == "decided"

    # evaluation: attainment 1 of 2 judged periods; poor -> revision within six months
    r = w.post(
        "eval",
        f"/api/instruments/{iid}/evaluations",
        {
            "summary": "half the years missed",
            "revision_required": True,
            "reasons": "P above 1 in 2025",
            "satisfaction": "0.6",
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["kpi_attainment"] == "0.5" and r.json()["revision_recommended"] is True
    # the evaluator's evaluation is advisory (issue 8): only the reviewing superior orders the revision
    assert w.get(f"/api/instruments/{iid}").json()["state"] == "in_force"
    r = w.post("rev-cn", f"/api/instruments/{iid}/revision-order", {"reasons": "P above 1 in 2025"})
    assert r.status_code == 200, r.text
    inst = w.get(f"/api/instruments/{iid}").json()
    assert inst["state"] == "revision_required" and inst["revision_deadline"] == "2026-09-01"

    # overdue revision raises an alert
    w.clock.advance(days=200)
    kinds = {a["kind"] for a in w.get("/api/alerts").json() if a["instrument"] == str(iid)}
    assert "revision_overdue" in kinds

    # revise: new text version, diff shows the change
    new = dict(inst["clauses"][1])
    new.pop("id")
    new["text"] = new["text"] + " Monitoring is published monthly within 10 days."
    r = w.post("off-33", f"/api/instruments/{iid}/revise", {"clauses": [new], "note": "monthly publication"})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "revised"
    vs = w.get(f"/api/instruments/{iid}/versions").json()
    d = w.get(f"/api/instruments/{iid}/diff?a=1&b={vs[-1]['number']}").json()
    assert d["added"] == 1 and d["removed"] == 1 and "monthly within 10 days" in d["unified"]
    # the revised text is signed again by both parties, then filed for review
    assert w.post("off-33", f"/api/instruments/{iid}/file").status_code == 409
    assert w.post("off-33", f"/api/instruments/{iid}/sign").json()["state"] == "revised"
    assert w.post("off-34", f"/api/instruments/{iid}/sign").json()["state"] == "revised"
    assert w.post("off-33", f"/api/instruments/{iid}/file").json()["reviewer_region"] == "CN"
    assert w.get("/api/audit/verify", "admin").json()["ok"]


def test_lint_and_review_findings(world: Any) -> None:
    w = world
    body = {
        "kind": "agreement",
        "title": "vague",
        "parties": ["33", "34"],
        "clauses": [{"number": "1", "text": "Fine"}, {"number": "2", "text": "双方加强生态保护合作。"}],
    }
    r = w.post("off-33", "/api/instruments", body)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "clauses", "1", "text"]
    assert "加强" in r.json()["detail"][0]["msg"]
    # obligation without breach terms, and a local-protection clause: blocking findings at filing
    body = {
        "kind": "agreement",
        "title": "t",
        "parties": ["33", "34"],
        "clauses": [
            {"number": "1", "text": "园区项目本地企业优先。"},
            {
                "number": "2",
                "text": "P <= 1",
                "obligation": {
                    "obligor": "34",
                    "metric": "P",
                    "target": "1",
                    "comparator": "<=",
                    "unit": "1",
                    "deadline": "2024-12-31",
                    "evidence": "e",
                },
            },
        ],
    }
    iid = w.post("off-33", "/api/instruments", body).json()["id"]
    rules = {f["rule"] for f in w.get(f"/api/instruments/{iid}/review-preview", "off-33").json()}
    assert rules == {
        "fair_competition.local_protection",
        "missing_breach_terms",
        "participation_below_threshold",
    }


def test_obligor_must_be_party_and_field_errors(world: Any) -> None:
    w = world
    body = {
        "kind": "agreement",
        "title": "t",
        "parties": ["33", "34"],
        "clauses": [
            {
                "number": "1",
                "text": "P <= 1",
                "obligation": {
                    "obligor": "11",
                    "metric": "P",
                    "target": "1",
                    "unit": "1",
                    "deadline": "2024-12-31",
                    "evidence": "e",
                },
            }
        ],
    }
    r = w.post("off-33", "/api/instruments", body)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == [
        "body",
        "clauses",
        "0",
        "obligation",
        "obligor",
    ]
    body["clauses"][0]["obligation"]["obligor"] = "34"
    body["clauses"][0]["obligation"]["target"] = "abc"
    r = w.post("off-33", "/api/instruments", body)
    # refused by the schema now (validation.NumberText): pydantic writes list indexes as ints
    assert r.status_code == 422 and [str(p) for p in r.json()["detail"][0]["loc"]] == [
        "body",
        "clauses",
        "0",
        "obligation",
        "target",
    ]
    body["clauses"][0]["obligation"]["target"] = "1"
    r = w.post("off-33", "/api/instruments", {**body, "parties": ["33", "99"]})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "parties", "1"]


def test_consultation_requires_answers_and_window(world: Any) -> None:
    w = world
    inst = w.to_state("consultation")
    iid = inst["id"]
    cons = w.client.get(f"/api/instruments/{iid}").json()
    assert cons["state"] == "consultation"
    from sqlalchemy import select

    from regcoord.service.db import models as m

    with w.session() as s:
        cid = s.scalar(select(m.Consultation.id).where(m.Consultation.instrument_id == iid))
    r = w.post(
        "ent-33",
        f"/api/consultations/{cid}/submissions",
        {"text": "please add a TN indicator", "clause_number": "2"},
    )
    assert r.status_code == 201
    r = w.post("off-33", f"/api/instruments/{iid}/consultation/close")
    assert r.status_code == 409 and "not yet answered" in r.json()["detail"]
    part = w.get(f"/api/consultations/{cid}").json()["participation"]
    assert part["by_kind"] == {"enterprise": 1} and part["under_represented_regions"] == ["34"]
    w.clock.advance(days=11)
    r = w.post("ngo-34", f"/api/consultations/{cid}/submissions", {"text": "late"})
    assert r.status_code == 409 and "not open" in r.json()["detail"]


def test_negotiation_uses_games_engine(world: Any) -> None:
    w = world
    iid = w.new_instrument()["id"]
    # v(33)=1, v(34)=2, v(33+34)=6: Shapley = (1 + (6-2))/2 = 2.5 and 3.5; nucleolus and Nash agree for two players
    r = w.post("off-33", f"/api/instruments/{iid}/negotiations", {"values": {"33": 1, "34": 2, "33+34": 6}})
    assert r.status_code == 201, r.text
    neg = r.json()
    assert neg["shapley"] == {"33": 2.5, "34": 3.5}
    assert neg["nucleolus"] == {"33": 2.5, "34": 3.5} and neg["nash"] == {"33": 2.5, "34": 3.5}
    r = w.post(
        "off-34", f"/api/negotiations/{neg['id']}/proposals", {"allocation": {"33": "0.5", "34": "5.5"}}
    )
    p = r.json()["proposals"][0]
    assert (p["individually_rational"], p["efficient"], p["in_core"]) == (False, True, False)
    assert p["blocking_coalitions"] == ["33"]
    r = w.post("off-34", f"/api/negotiations/{neg['id']}/proposals", {"allocation": {"33": "2", "34": "4"}})
    p = r.json()["proposals"][1]
    assert (p["individually_rational"], p["efficient"], p["in_core"]) == (True, True, True)
    r = w.post("off-33", f"/api/instruments/{iid}/negotiations", {"values": {"33": 1, "33+34": 6}})
    assert r.status_code == 422
    # worths and amounts must be finite numbers; the error names the coalition or party
    for bad, problem in (("abc", "is not a number"), ("Infinity", "is not finite"), ("NaN", "is not finite")):
        r = w.post(
            "off-33", f"/api/instruments/{iid}/negotiations", {"values": {"33": 1, "34": bad, "33+34": 6}}
        )
        assert r.status_code == 422
        assert r.json()["detail"][0]["loc"] == ["body", "values", "34"]
        assert r.json()["detail"][0]["msg"] == f"worth of '34' {problem}"
        r = w.post(
            "off-34", f"/api/negotiations/{neg['id']}/proposals", {"allocation": {"33": bad, "34": "4"}}
        )
        assert r.status_code == 422
        assert r.json()["detail"][0]["loc"] == ["body", "allocation", "33"]
        assert r.json()["detail"][0]["msg"] == f"amount for 33 {problem}"


def test_unknown_role_or_actor_kind_names_the_field(world: Any) -> None:
    """The use cases (also behind the CLI, where no schema checks the value) list the valid values."""
    with world.session() as s:
        ctx = Ctx(s, system_principal(), world.clock.now, region_tree())
        with pytest.raises(DataError) as err:
            actors.create_user(ctx, username="k", password="a-long-password", role="king", region_code="33")
        assert (err.value.problem, err.value.column) == ("unknown role 'king'", "role")
        assert err.value.expected == "admin, reviewer, officer, participant, public"
        with pytest.raises(DataError) as err:
            actors.create_actor(ctx, name="x", kind="alien", region_code="33")
        assert (err.value.problem, err.value.column) == ("unknown actor kind 'alien'", "kind")
        assert err.value.expected == "central, local, enterprise, resident, ngo, evaluator"


def test_return_and_resubmit(world: Any) -> None:
    w = world
    iid = w.to_state("under_review")["id"]
    r = w.post("rev-cn", f"/api/instruments/{iid}/review/decision", {"approve": False, "reasons": ""})
    assert r.status_code == 409 and "reasons" in r.json()["detail"]
    r = w.post(
        "rev-cn", f"/api/instruments/{iid}/review/decision", {"approve": False, "reasons": "add TN indicator"}
    )
    assert r.status_code == 200 and r.json()["decision"] == "returned"
    r = w.post("off-34", f"/api/instruments/{iid}/resubmit")
    assert r.status_code == 200 and r.json()["state"] == "negotiating"
    assert not any(p["signed"] for p in r.json()["parties"])


def test_csv_bulk_import(world: Any) -> None:
    w = world
    inst = w.to_state("in_force")
    iid = inst["id"]
    cid = inst["clauses"][1]["id"]
    good = f"clause_id,period_start,period_end,value,evidence\n{cid},2023-01-01,2023-12-31,0.9,r23\n{cid},2024-01-01,2024-12-31,1.3,r24\n"
    bad = f"clause_id,period_start,period_end,value,evidence\n{cid},2022-01-01,2022-12-31,0.9,r22\n{cid},2021-01-01,20x,1,r\n"
    r = w.post("off-34", f"/api/instruments/{iid}/reports.csv", files={"file": ("r.csv", bad, "text/csv")})
    assert r.status_code == 422 and r.json()["detail"][0]["row"] == 3
    assert w.get(f"/api/instruments/{iid}/reports").json() == []  # all or nothing
    r = w.post("off-33", f"/api/instruments/{iid}/reports.csv", files={"file": ("r.csv", good, "text/csv")})
    assert r.status_code == 403  # Zhejiang is not the obligor: import does not bypass permissions
    r = w.post("off-34", f"/api/instruments/{iid}/reports.csv", files={"file": ("r.csv", good, "text/csv")})
    assert r.status_code == 201, r.text
    assert [x["outcome"] for x in r.json()["imported"]] == ["in_progress", "not_met"]


def test_dashboard(world: Any) -> None:
    w = world
    inst = w.to_state("in_force")
    d = w.get("/api/dashboard?region=34").json()
    assert d["instruments_by_state"] == {"in_force": 1}
    assert [o["metric"] for o in d["open_obligations"]] == ["P index at Jiekou"]
    assert d["credit"]["score"] == 100
    assert w.get("/api/dashboard?region=99").status_code == 404
    assert w.get(f"/api/instruments/{inst['id']}/schedule").json()["core_end"] == "2028-03-01"
    _ = timedelta


def test_measurements_through_the_compensation_engine(world: Any) -> None:
    """The Xin'an P index is computed by regcoord.compensation.p_index from reported concentrations.

    Hand computation: P = k0 * sum k_i C_i / C_i0 = 0.85 * (0.5 * 2/2.5 + 0.5 * 0.05/0.04)
    = 0.85 * (0.4 + 0.625) = 0.87125 <= 1: met, so Zhejiang pays Anhui.
    """
    w = world
    clause = {
        **w.xinan_clause,
        "assessment": {
            "engine": "xinan_p_index",
            "weights": {"CODMn": "0.5", "TP": "0.5"},
            "baselines": {"CODMn": "2.5", "TP": "0.04"},
            "k0": "0.85",
        },
    }
    bad = {**clause, "assessment": {**clause["assessment"], "baselines": {"CODMn": "0", "TP": "0.04"}}}
    r = w.post(
        "off-33",
        "/api/instruments",
        {"kind": "agreement", "title": "t", "parties": ["33", "34"], "clauses": [bad]},
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][:4] == ["body", "clauses", "0", "assessment"]
    inst = w.to_state("in_force", clauses=[{"number": "1", "text": "300 million yuan a year"}, clause])
    cid = inst["clauses"][1]["id"]
    period = {"period_start": "2024-01-01", "period_end": "2024-12-31", "evidence": "Jiekou 2024"}
    r = w.post("off-34", f"/api/clauses/{cid}/reports", {**period, "value": "0.9"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "measurements"]
    r = w.post(
        "off-34", f"/api/clauses/{cid}/reports", {**period, "measurements": {"CODMn": "2", "TP": "0.05"}}
    )
    assert r.status_code == 201, r.text
    assert r.json()["value"] == "0.87125" and r.json()["outcome"] == "met"
    assert r.json()["measurements"]["result"]["ratios"] == {"CODMn": "0.8", "TP": "1.25"}
    pay = w.get(f"/api/payments?instrument_id={inst['id']}").json()
    assert [(p["payer"], p["payee"], p["amount_fen"]) for p in pay] == [("33", "34", 10_000_000_000)]
    assert pay[0]["trace"]["assessment"]["result"]["p"] == "0.87125"
    # CSV with measurement columns: 0.85 * (0.5 * 3/2.5 + 0.5 * 0.06/0.04) = 0.85 * 1.35 = 1.1475 > 1: not met
    csv_text = (
        f"clause_id,period_start,period_end,value,evidence,m:CODMn,m:TP\n"
        f"{cid},2025-01-01,2025-12-31,,Jiekou 2025,3,0.06\n"
    )
    w.clock.advance(days=365)
    r = w.post(
        "off-34",
        f"/api/instruments/{inst['id']}/reports.csv",
        files={"file": ("r.csv", csv_text, "text/csv")},
    )
    assert r.status_code == 201, r.text
    assert r.json()["imported"][0]["value"] == "1.1475" and r.json()["imported"][0]["outcome"] == "not_met"


def test_templates_api(world: Any) -> None:
    w = world
    keys = [t["key"] for t in w.get("/api/templates").json()]
    assert "energy_supply_price_linkage" in keys
    body = {
        "template": "eco_compensation_water_quality",
        "params": {
            "upstream": "34",
            "downstream": "33",
            "section": "Jiekou",
            "amount_fen": 10_000_000_000,
            "first_deadline": "2024-12-31",
            "evidence": "monitoring",
        },
    }
    r = w.post("off-34", "/api/instruments/from-template", body)
    assert r.status_code == 201, r.text
    inst = r.json()
    assert inst["template"] == "eco_compensation_water_quality" and inst["proposer_region"] == "34"
    assert inst["clauses"][0]["compensation"]["payer"] == "33"
    assert w.post("off-11", "/api/instruments/from-template", body).status_code == 403
    bad = {**body, "params": {**body["params"], "upstream": "99"}}
    r = w.post("off-34", "/api/instruments/from-template", bad)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "params", "upstream"]


def test_record_credit_events_is_the_one_writer(world: Any) -> None:
    """KPI breaches and trading shortfalls write credit through one use case: rows + audit events."""
    assert trading_uc.record_credit_events is monitoring.record_credit_events  # no second writer
    w = world
    terms = ag.BreachTerms(credit_penalty=7, reputation_notice=True)
    breach = ag.BreachEvent(
        clause="3",
        obligor="34",
        period_end=date(2024, 12, 31),
        shortfall=Decimal("2"),
        sanctions=ag.sanctions_for(terms, Decimal("2")),
    )
    silent = ag.BreachEvent("4", "34", date(2024, 12, 31), Decimal("1"), ag.sanctions_for(None, Decimal("1")))
    with w.session() as s:
        ctx = Ctx(s, system_principal(), w.clock.now, region_tree())
        rows = monitoring.record_credit_events(ctx, breach, ref="breach:test")
        # a breach without a credit sanction still counts: one event of 0 points, 1 breach (issue 8)
        silent_rows = monitoring.record_credit_events(ctx, silent, ref="breach:none")
        assert [(r.delta, r.breaches) for r in silent_rows] == [(0, 1)]
        s.commit()
        # one event of -7 points (the reputation notice carries no points); its audit event follows it
        assert [(r.subject, r.delta, r.ref, r.breaches) for r in rows] == [("34", -7, "breach:test", 1)]
        audits = list(s.scalars(sa.select(m.AuditEvent).where(m.AuditEvent.action == "credit.event")))
        assert [a.object_id for a in audits] == [str(rows[0].id), str(silent_rows[0].id)]
    cr = w.get("/api/credit/34").json()
    assert cr["score"] == 100 - 7 and cr["breaches"] == 2
    assert cr["events"][0]["reason"] == "breach of clause 3 for the period ending 2024-12-31"
