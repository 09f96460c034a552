"""Bad input never gets a 5xx (issue 8): negative schemathesis over every API operation, and
a Hypothesis fuzz of every web form and of the KPI CSV import, on SQLite and PostgreSQL.

Bounded for CI: derandomized, a few examples per operation and per form (about a minute
per backend on two cores). A failure prints the request that got the server error.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from regcoord.service.web.security import CSRF_COOKIE

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

SETTINGS = settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def test_negative_schemathesis_no_server_error(world: Any) -> None:
    """Invalid inputs (wrong types, out-of-range, missing or extra fields, NUL bytes) over every
    operation: 4xx, never 5xx."""
    w = world
    w.to_state("in_force")
    w.new_instrument()
    schema = schemathesis.openapi.from_asgi("/openapi.json", w.app)
    schema.config.generation.update(modes=[GenerationMode.NEGATIVE], allow_x00=True)
    headers = w.h("off-33")
    failures: list[str] = []
    n_ops = 0
    for result in schema.get_all_operations():
        op = result.ok()
        n_ops += 1

        @given(case=op.as_strategy())
        @SETTINGS
        def check(case: Any) -> None:
            r = case.call(headers=headers)
            if r.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} {case.body!r:.200} -> {r.status_code}")

        check()
    assert n_ops >= 70
    assert failures == [], failures[:10]


# -- web forms ---------------------------------------------------------------------------------
#: nasty values of every kind a form field can get
NASTY = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=60, max_size=70),
    st.sampled_from(
        [
            "",
            "\x00",
            "1_000",
            "１２",
            "NaN",
            "-Infinity",
            "1e999",
            "9" * 80,
            "-1",
            "0",
            "2147483648",
            "9223372036854775808",
            "9995-01-01",
            "0001-01-01",
            "2024-02-30",
            "2025-03-01",
            "approve",
            "return",
            "on",
            "true",
            "33",
            "33+34: 1e400",
            "x" * 20_000,
        ]
    ),
)
PATH_IDS = st.sampled_from(["1", "2", "0", "-1", "999999", "2147483648", "99999999999999999999999", "x"])


def _web_forms() -> list[tuple[str, list[str]]]:
    """(path template, form field names) of every POST route of the web UI's routers."""
    from regcoord.service.web.routes import router as pages
    from regcoord.service.web.trading import router as trading_pages

    out = []
    for router in (pages, trading_pages):
        for route in router.routes:
            path = router.prefix + getattr(route, "path", "")
            if "POST" not in getattr(route, "methods", set()):
                continue
            dependant = getattr(route, "dependant", None)
            fields = [p.name for p in dependant.body_params] if dependant else []
            out.append((path, fields))
    return out


def _web_client(w: Any, user: str) -> TestClient:
    c = TestClient(w.app, base_url="http://testserver")
    r = c.post("/api/auth/login", json={"username": user, "password": "test-password-1"})
    assert r.status_code == 200
    c.get("/login")
    assert c.cookies.get(CSRF_COOKIE)
    return c


def _form_check(
    client: TestClient, token: str, user: str, path: str, fields: list[str], failures: list[str]
) -> Any:
    """A Hypothesis test posting nasty values to every field of one form (and a few strangers)."""
    extra = sorted({"value", "values", "allocation", "price_fen", "quantity", "fund_use"} - set(fields))

    @given(
        ids=st.lists(PATH_IDS, min_size=3, max_size=3),
        values=st.fixed_dictionaries({f: NASTY for f in fields}),
        junk=st.dictionaries(st.sampled_from(extra), NASTY, max_size=2),
    )
    @SETTINGS
    def check(ids: list[str], values: dict[str, str], junk: dict[str, str]) -> None:
        it = iter(ids)
        url = re.sub(r"\{[^}]+\}", lambda _m: next(it), path)
        r = client.post(url, data={**values, **junk, "csrf_token": token}, follow_redirects=False)
        if r.status_code >= 500:
            failures.append(f"{user} POST {url} {values!r:.300} -> {r.status_code}")

    return check


def test_web_forms_fuzz_no_server_error(world: Any) -> None:
    w = world
    w.to_state("in_force")
    w.new_instrument()
    forms = _web_forms()
    assert len(forms) >= 20, forms
    failures: list[str] = []
    for user in ("off-34", "rev-cn"):
        w.clock.advance(days=1)  # the fuzz of /login throttles this client for a while
        client = _web_client(w, user)
        token = str(client.cookies.get(CSRF_COOKIE))
        for path, fields in forms:
            _form_check(client, token, user, path, fields, failures)()
    assert failures == [], failures[:10]


# -- the CSV import ----------------------------------------------------------------------------
CELL = st.one_of(NASTY, st.integers(-(2**70), 2**70).map(str), st.dates().map(str))


def test_csv_import_fuzz_no_server_error(world: Any) -> None:
    w = world
    inst = w.to_state("in_force")
    clause_ids = [str(c["id"]) for c in inst["clauses"]]
    web = _web_client(w, "off-34")
    token = str(web.cookies.get(CSRF_COOKIE))
    failures: list[str] = []
    header = st.sampled_from(
        [
            "clause_id,period_start,period_end,value,evidence",
            "clause_id,period_start,period_end,value,evidence,force_majeure,m:CODMn",
            "clause_id,period_end,value",
            "",
        ]
    )
    row = st.tuples(st.sampled_from(clause_ids) | CELL, CELL, CELL, CELL, CELL, CELL)

    @given(head=header, rows=st.lists(row, max_size=5), raw=st.binary(max_size=40))
    @settings(SETTINGS, max_examples=25)
    def check(head: str, rows: list[tuple[str, ...]], raw: bytes) -> None:
        body = (head + "\n" + "\n".join(",".join(r) for r in rows)).encode("utf-8", "surrogatepass") + raw
        r = w.client.post(
            f"/api/instruments/{inst['id']}/reports.csv",
            files={"file": ("k.csv", body, "text/csv")},
            headers=w.h("off-34"),
        )
        if r.status_code >= 500:
            failures.append(f"API {body[:300]!r} -> {r.status_code}")
        r = web.post(
            f"/instruments/{inst['id']}/reports.csv",
            files={"file": ("k.csv", body, "text/csv")},
            data={"csrf_token": token},
            follow_redirects=False,
        )
        if r.status_code >= 500:
            failures.append(f"web {body[:300]!r} -> {r.status_code}")

    check()
    assert failures == [], failures[:10]
