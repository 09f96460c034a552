"""Hypothesis stateful test of the lifecycle through the API, on SQLite and PostgreSQL.

Random users try random actions on random instruments. Invariants after every step:
the audit chain verifies; each region's credit score equals the fold of its credit
events; no action succeeds for a user the written rules do not allow (no transition
bypasses authorization); an idempotent replay adds no row; a stale If-Match never writes.
"""

from __future__ import annotations

import os
import uuid
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from regcoord.service import audit
from regcoord.service.db import models as m

PARTY_OFFICERS = {"off-33", "off-34"}
STATE_DEPENDENT = {"sign", "report", "submit"}
#: who may take each action on an instrument of 33 and 34 (whatever its state)
#: actions of the proposer's officer only (checked against the instrument's proposer)
PROPOSER_ONLY = {"consultation", "answer", "consultation/close"}
EXPECTED: dict[str, set[str]] = {
    "consultation": PARTY_OFFICERS,
    "submit": {"off-33", "off-34", "off-11", "ent-33", "ngo-34", "res-34", "eval"},
    "answer": PARTY_OFFICERS,
    "consultation/close": PARTY_OFFICERS,
    "sign": PARTY_OFFICERS,
    "file": PARTY_OFFICERS,
    "review/start": {"rev-cn"},
    "review/decision": {"rev-cn"},
    "report": {"off-34"},
    "evaluations": {"rev-cn", "eval"},
    "disputes": PARTY_OFFICERS,
    "revise": PARTY_OFFICERS,
}


def test_lifecycle_state_machine(world: Any) -> None:
    w = world
    start = w.clock.now

    class Lifecycle(RuleBasedStateMachine):
        instruments = Bundle("instruments")

        def __init__(self) -> None:
            super().__init__()
            self.prefix = uuid.uuid4().hex
            w.clock.now = start  # each example starts on the same day (tokens stay valid)
            self.keyed: list[tuple[str, str, dict[str, Any], int]] = []

        def _count(self, model: Any) -> int:
            """Rows of ``model``; for the audit log, state changes only (denials are audited too)."""
            with w.session() as s:
                q = sa.select(sa.func.count()).select_from(model)
                if model is m.AuditEvent:
                    q = q.where(m.AuditEvent.action != "authz.denied")
                return int(s.scalar(q) or 0)

        @rule(target=instruments, user=st.sampled_from(w.users), keyed=st.booleans())
        def create(self, user: str, keyed: bool) -> Any:
            body = {
                "kind": "agreement",
                "title": "t",
                "parties": ["33", "34"],
                "clauses": [{"number": "1", "text": "300 million yuan a year"}, w.xinan_clause],
            }
            headers = {"Idempotency-Key": f"{self.prefix}-{len(self.keyed)}"} if keyed else {}
            r = w.post(user, "/api/instruments", body, headers=headers)
            if user not in PARTY_OFFICERS:
                assert r.status_code == 403
                return multiple()
            assert r.status_code == 201, r.text
            if keyed:
                self.keyed.append((user, headers["Idempotency-Key"], body, r.json()["id"]))
            return r.json()["id"]

        @rule(target=instruments)
        def create_in_force(self) -> int:
            return int(w.to_state("in_force")["id"])

        @rule()
        def replay(self) -> None:
            if not self.keyed:
                return
            user, key, body, iid = self.keyed[-1]
            before = self._count(m.Instrument), self._count(m.AuditEvent)
            r = w.post(user, "/api/instruments", body, headers={"Idempotency-Key": key})
            assert r.status_code == 201 and r.json()["id"] == iid
            assert (self._count(m.Instrument), self._count(m.AuditEvent)) == before

        @rule(iid=instruments)
        def stale_if_match(self, iid: int) -> None:
            before = self._count(m.AuditEvent)
            r = w.client.patch(
                f"/api/instruments/{iid}",
                json={"title": "stale"},
                headers=w.h("off-33", **{"If-Match": '"0-0"'}),
            )
            assert r.status_code == 412
            assert self._count(m.AuditEvent) == before

        @rule(iid=instruments, value=st.sampled_from(["0.8", "1", "1.3"]), poor=st.booleans())
        def advance(self, iid: int, value: str, poor: bool) -> None:
            """The right user takes the next step of the loop (so that deep states are reached)."""
            inst = w.get(f"/api/instruments/{iid}", "off-33").json()
            base = f"/api/instruments/{iid}"
            proposer = f"off-{inst['proposer_region']}"
            with w.session() as s:
                cons = s.scalar(sa.select(m.Consultation.id).where(m.Consultation.instrument_id == iid))
                subs = (
                    []
                    if cons is None
                    else s.execute(
                        sa.select(m.Submission.id, m.Submission.answer).where(
                            m.Submission.consultation_id == cons
                        )
                    ).all()
                )
            year = w.clock.now.year - 1
            steps: dict[str, tuple[str, str, Any]] = {
                "draft": (
                    proposer,
                    f"{base}/consultation",
                    {"closes_at": (w.clock.now + timedelta(days=30)).isoformat()},
                ),
                "signed": ("off-34", f"{base}/file", None),
                "filed": ("rev-cn", f"{base}/review/start", None),
                "under_review": ("rev-cn", f"{base}/review/decision", {"approve": not poor, "reasons": "r"}),
                "returned": ("off-34", f"{base}/resubmit", None),
                "in_force": (
                    (
                        "off-34",
                        f"/api/clauses/{inst['clauses'][1]['id']}/reports",
                        {
                            "period_start": f"{year}-01-01",
                            "period_end": f"{year}-12-31",
                            "value": value,
                            "evidence": "e",
                        },
                    )
                    if not poor
                    else (
                        "eval",
                        f"{base}/evaluations",
                        {"summary": "s", "revision_required": value == "1.3", "reasons": "r"},
                    )
                ),
                "revision_required": ("off-33", f"{base}/revise", {"clauses": [w.xinan_clause]}),
                "revised": ("off-33", f"{base}/file", None),
            }
            state = inst["state"]
            if state == "consultation":
                unanswered = [sid for sid, ans in subs if ans is None]
                if unanswered:
                    steps[state] = (proposer, f"/api/submissions/{unanswered[0]}/answer", {"text": "a"})
                elif len(subs) < 3:
                    user = ("ent-33", "ngo-34", "res-34")[len(subs)]
                    steps[state] = (user, f"/api/consultations/{cons}/submissions", {"text": "c"})
                else:
                    steps[state] = (proposer, f"{base}/consultation/close", None)
            if state in ("negotiating", "revised") and not all(p["signed"] for p in inst["parties"]):
                unsigned = [p["region"] for p in inst["parties"] if not p["signed"]]
                steps[state] = (f"off-{unsigned[0]}", f"{base}/sign", None)
            if state not in steps:
                return
            user, path, body = steps[state]
            r = w.post(user, path, body)
            assert r.status_code in (200, 201, 409), (state, path, r.text)

        @rule(iid=instruments, value=st.sampled_from(["0.8", "1", "1.3"]), poor=st.booleans())
        def advance_again(self, iid: int, value: str, poor: bool) -> None:
            self.advance(iid, value, poor)  # a second rule doubles the weight of progress

        @rule(days=st.integers(min_value=1, max_value=40))
        def time_passes(self, days: int) -> None:
            w.clock.advance(days=days)

        @rule(
            iid=instruments,
            user=st.sampled_from(w.users),
            action=st.sampled_from(sorted(EXPECTED)),
            flag=st.booleans(),
            value=st.sampled_from(["0.8", "1", "1.3"]),
            back=st.integers(0, 2),
        )
        def act(self, iid: int, user: str, action: str, flag: bool, value: str, back: int) -> None:
            path, body = self._request(iid, action, flag, value, back)
            if path is None:
                return
            before = self._count(m.AuditEvent)
            allowed = EXPECTED[action]
            if action in PROPOSER_ONLY:
                with w.session() as s:
                    allowed = {
                        f"off-{s.scalar(sa.select(m.Instrument.proposer_region).where(m.Instrument.id == iid))}"
                    }
            r = w.post(user, path, body)
            if user not in allowed:
                assert r.status_code in (403, 404), (user, action, r.status_code, r.text)
                assert self._count(m.AuditEvent) == before
            else:  # signing, reporting and submitting also depend on the state: 403 outside it
                ok = (200, 201, 409, 422, 403) if action in STATE_DEPENDENT else (200, 201, 409, 422)
                # an instrument the user may not see (a draft of other parties) is "not found"
                # for every action, whatever the role: it must not exist for them
                if w.get(f"/api/instruments/{iid}", user=user).status_code == 404:
                    ok = (404,)
                assert r.status_code in ok, (user, action, r.status_code, r.text)
            if r.status_code < 300:
                assert user in allowed

        def _request(
            self, iid: int, action: str, flag: bool, value: str, back: int
        ) -> tuple[str | None, Any]:
            base = f"/api/instruments/{iid}"
            with w.session() as s:
                cons = s.scalar(
                    sa.select(m.Consultation.id)
                    .where(m.Consultation.instrument_id == iid)
                    .order_by(m.Consultation.id.desc())
                    .limit(1)
                )
                sub = (
                    None
                    if cons is None
                    else s.scalar(
                        sa.select(m.Submission.id).where(
                            m.Submission.consultation_id == cons, m.Submission.answer.is_(None)
                        )
                    )
                )
                clause = s.scalar(
                    sa.select(m.ClauseRow.id).where(
                        m.ClauseRow.instrument_id == iid, m.ClauseRow.number == "2"
                    )
                )
            year = w.clock.now.year - 1 - back
            match action:
                case "consultation":
                    return f"{base}/consultation", {
                        "closes_at": (w.clock.now + timedelta(days=30)).isoformat()
                    }
                case "submit":
                    return (
                        (None, None)
                        if cons is None
                        else (f"/api/consultations/{cons}/submissions", {"text": "c"})
                    )
                case "answer":
                    return (None, None) if sub is None else (f"/api/submissions/{sub}/answer", {"text": "a"})
                case "review/decision":
                    return f"{base}/review/decision", {"approve": flag, "reasons": "r"}
                case "report":
                    return f"/api/clauses/{clause}/reports", {
                        "period_start": f"{year}-01-01",
                        "period_end": f"{year}-12-31",
                        "value": value,
                        "evidence": "e",
                    }
                case "evaluations":
                    return f"{base}/evaluations", {"summary": "s", "revision_required": flag, "reasons": "r"}
                case "disputes":
                    return f"{base}/disputes", {"subject": "s"}
                case "revise":
                    return f"{base}/revise", {"clauses": [w.xinan_clause]}
                case _:
                    return f"{base}/{action}", None

        @invariant()
        def audit_chain_verifies(self) -> None:
            with w.session() as s:
                assert audit.verify(s).ok

        @invariant()
        def credit_is_the_fold_of_its_events(self) -> None:
            with w.session() as s:
                deltas = s.scalars(
                    sa.select(m.CreditEventRow.delta).where(m.CreditEventRow.subject == "34")
                ).all()
            assert w.get("/api/credit/34").json()["score"] == 100 + sum(deltas)

    run_state_machine_as_test(
        Lifecycle,
        # derandomized: CI runs the same 5 sequences every time (a random run once found a
        # failure that shrinking could not report in time; see the closing note)
        # REGCOORD_STATEFUL_EXPLORE=N explores N random sequences (derandomize=False, seed from
        # pytest's --hypothesis-seed): the bounded seed hunt of benchmarks/stateful_seed_hunt.sh
        settings=settings(
            max_examples=int(os.environ.get("REGCOORD_STATEFUL_EXPLORE", "5")),
            stateful_step_count=40,
            deadline=None,
            derandomize="REGCOORD_STATEFUL_EXPLORE" not in os.environ,
            suppress_health_check=list(HealthCheck),
        ),
    )
