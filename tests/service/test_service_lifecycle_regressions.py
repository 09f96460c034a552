"""Lifecycle faults found by the state machine of ``test_service_stateful.py`` run with
``derandomize=False`` over many seeds (``benchmarks/stateful_seed_hunt.sh``), kept here as
deterministic tests on SQLite and PostgreSQL (issue 8)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize("approve", [True, False])
def test_review_decision_on_a_draft_is_a_conflict_not_missing(world: Any, approve: bool) -> None:
    """Seed 35: the reviewer decided on a fresh draft (no filing yet) and got 404 "has no
    filing", though the instrument exists and is visible to the reviewer; it is a state
    conflict (409), and nothing is written."""
    w = world
    inst = w.new_instrument()
    assert w.get(f"/api/instruments/{inst['id']}", "rev-cn").status_code == 200
    r = w.post(
        "rev-cn", f"/api/instruments/{inst['id']}/review/decision", {"approve": approve, "reasons": "r"}
    )
    assert r.status_code == 409, r.text
    assert "not under review" in r.json()["detail"]
    assert w.get(f"/api/instruments/{inst['id']}", "off-33").json()["state"] == "draft"
    # nor in the other states before or after the review
    for state in ("consultation", "signed", "in_force"):
        other = w.to_state(state)
        r = w.post(
            "rev-cn", f"/api/instruments/{other['id']}/review/decision", {"approve": approve, "reasons": "r"}
        )
        assert r.status_code == 409, (state, r.text)
