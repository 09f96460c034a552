"""Bad input is a 4xx with a clear message, never a 500, and nothing is written (issue 8).

One validation layer (:mod:`regcoord.service.validation`) is shared by the API schemas, the
web forms and the CSV import; each case here was a 500 (or an accepted bad value) before.
Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from regcoord.service.db import models as m


def _audit_count(w: Any) -> int:
    with w.session() as s:
        return int(s.scalar(sa.select(sa.func.count()).select_from(m.AuditEvent)) or 0)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"username": "a\\ud800", "password": "p"}',  # a lone surrogate
        b'{"username": "a", "password": NaN}',
        b'{"username": "a", "password": Infinity}',
        b'{"username": "a", "password": -Infinity}',
        b'{"username": 1e999, "password": "p"}',
        b'{"username": "\\udfff\\ud800", "password": [NaN]}',
    ],
)
def test_validation_handler_never_fails(world: Any, raw: bytes) -> None:
    r = world.client.post("/api/auth/token", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["detail"]


def test_422_never_echoes_a_password_or_token(world: Any) -> None:
    w = world
    secret = "hunter2-very-secret"
    r = w.client.post("/api/auth/token", json={"username": "x" * 81, "password": secret})
    assert r.status_code == 422 and secret not in r.text
    r = w.client.post("/api/auth/token", json={"username": ["a"], "password": [secret]})
    assert r.status_code == 422 and secret not in r.text
    r = w.post("admin", "/api/users", {"username": "u", "password": "short", "role": "bogus"})
    assert r.status_code == 422 and '"short"' not in r.text
    # a token sent where a body field is expected is not echoed either
    r = w.post("admin", "/api/users", {"username": "u", "password": w.tokens["admin"], "role": "x"})
    assert r.status_code == 422 and w.tokens["admin"] not in r.text


@pytest.mark.parametrize("number", ["1_000", "１２", "1e400", " 1", "0x10", "1" * 41, "NaN", "-Infinity"])
def test_strict_numbers_in_kpi_reports(world: Any, number: str) -> None:
    w = world
    inst = w.to_state("in_force")
    clause = inst["clauses"][1]["id"]
    before = _audit_count(w)
    body = {"period_start": "2024-01-01", "period_end": "2024-12-31", "value": number, "evidence": "e"}
    r = w.post("off-34", f"/api/clauses/{clause}/reports", body)
    assert r.status_code == 422, (number, r.status_code, r.text)
    assert _audit_count(w) == before


@pytest.mark.parametrize("value", [True, "true", 1.5e300, "1" * 70, "１"])
def test_strict_numbers_in_evaluations(world: Any, value: Any) -> None:
    """JSON ``true`` is not a number; a 65-character ``fund_use`` was a 500 on PostgreSQL."""
    w = world
    inst = w.to_state("in_force")
    before = _audit_count(w)
    body = {"summary": "s", "revision_required": False, "fund_use": value}
    r = w.post("eval", f"/api/instruments/{inst['id']}/evaluations", body)
    assert r.status_code == 422, (value, r.status_code, r.text)
    assert _audit_count(w) == before


def test_fund_use_at_the_column_width_is_a_clear_422(world: Any) -> None:
    w = world
    inst = w.to_state("in_force")
    body = {"summary": "s", "revision_required": False, "fund_use": "0." + "1" * 63}
    r = w.post("eval", f"/api/instruments/{inst['id']}/evaluations", body)
    assert r.status_code == 422, r.text
    assert "fund_use" in r.text


@pytest.mark.parametrize("day", ["9995-01-01", "1899-12-31", "2201-01-01", "0001-01-01"])
def test_dates_out_of_range_are_refused(world: Any, day: str) -> None:
    w = world
    before = _audit_count(w)
    r = w.post(
        "off-33",
        "/api/instruments",
        {"kind": "plan", "title": "t", "parties": ["33"], "effective_from": day},
    )
    assert r.status_code == 422, (day, r.text)
    assert "1900" in r.text and "2200" in r.text
    assert _audit_count(w) == before


def test_dashboard_survives_an_instrument_at_the_edge_of_the_range(world: Any) -> None:
    """An instrument effective in year 9995 broke /dashboard for everyone; 2200 is the edge now."""
    w = world
    r = w.post(
        "off-33",
        "/api/instruments",
        {"kind": "plan", "title": "t", "parties": ["33"], "effective_from": "2200-12-31"},
    )
    assert r.status_code == 201, r.text
    w.clock.now = w.clock.now.replace(year=2199)
    for user in ("off-33", "rev-cn", None):
        assert w.get("/api/dashboard", user).status_code < 500
        assert w.get("/dashboard", user).status_code < 500


@pytest.mark.parametrize("iid", ["9223372036854775808", "99999999999999999999", "-1", "0"])
def test_ids_beyond_64_bit_are_4xx(world: Any, iid: str) -> None:
    w = world
    assert 400 <= w.get(f"/api/instruments/{iid}", "off-33").status_code < 500
    assert 400 <= w.get(f"/instruments/{iid}", "off-33").status_code < 500


def test_csv_import_refuses_bad_numbers_and_writes_nothing(world: Any) -> None:
    w = world
    inst = w.to_state("in_force")
    clause = inst["clauses"][1]["id"]
    before = _audit_count(w)
    for value, needle in [("1_000", "value"), ("１", "value"), ("NaN", "value"), ("", "value")]:
        text = (
            "clause_id,period_start,period_end,value,evidence\n"
            f"{clause},2023-01-01,2023-12-31,0.9,e\n"
            f"{clause},2024-01-01,2024-12-31,{value},e\n"
        )
        r = w.client.post(
            f"/api/instruments/{inst['id']}/reports.csv",
            files={"file": ("r.csv", text.encode(), "text/csv")},
            headers=w.h("off-34"),
        )
        assert r.status_code == 422, (value, r.text)
        assert needle in r.text and "3" in r.text  # names the row and the column
    for bad_date in ("9995-01-01", "2024-02-30"):
        text = f"clause_id,period_start,period_end,value,evidence\n{clause},2024-01-01,{bad_date},1,e\n"
        r = w.client.post(
            f"/api/instruments/{inst['id']}/reports.csv",
            files={"file": ("r.csv", text.encode(), "text/csv")},
            headers=w.h("off-34"),
        )
        assert r.status_code == 422, (bad_date, r.text)
    assert _audit_count(w) == before
