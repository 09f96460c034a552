"""The web UI without a browser (in-process ASGI client): security, labels, pages, actions.

- anonymous state-changing requests get 401 before anything else; a form without the
  CSRF token (or with a wrong one) gets 403 and changes nothing;
- the Content-Security-Policy of the pages allows no external source and no inline script;
- every label the templates use exists in English and Chinese, and every page renders in
  both languages;
- actions go through the use cases: a KPI report from the web form gives the same
  judgement, breach and payment as the JSON API, and a refused action is shown with its
  reason and the right status.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from regcoord.service import audit, migrate
from regcoord.service.app import create_app
from regcoord.service.config import Settings
from regcoord.service.demo import DEMO_PASSWORD, load_demo
from regcoord.service.web.i18n import LABELS
from regcoord.service.web.security import CSRF_COOKIE

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "regcoord" / "service" / "web" / "templates"

PAGES = [
    "/dashboard",
    "/dashboard?region=34",
    "/login",
    "/instruments",
    "/instruments?state=in_force",
    "/instruments/1",
    "/instruments/2",
    "/instruments/1/versions",
    "/consultations",
    "/consultations/1",
    "/breaches",
    "/credit/34",
    "/disputes",
    "/evaluations",
]


SECRET = "web-test-secret-0123456789"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file with the demo data, loaded once (argon2 hashing is slow by design)."""
    path = tmp_path_factory.mktemp("webdb") / "demo.sqlite3"
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    app = create_app(Settings(database_url=url, secret_key=SECRET))
    load_demo(app.state.sessions)
    app.state.engine.dispose()
    return path


@pytest.fixture()
def client(demo_db: Path, tmp_path: Path) -> Iterator[TestClient]:
    """A client of a fresh copy of the demo database."""
    dst = tmp_path / "t.sqlite3"
    dst.write_bytes(demo_db.read_bytes())
    app = create_app(Settings(database_url=f"sqlite:///{dst}", secret_key=SECRET))
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c
    app.state.engine.dispose()


def audit_ok(c: TestClient) -> bool:
    """The audit chain verifies (read directly: ``/api/audit/verify`` is for admins and reviewers)."""
    with c.app.state.sessions() as s:  # type: ignore[attr-defined]
        return bool(audit.verify(s).ok)


def csrf(c: TestClient) -> str:
    if c.cookies.get(CSRF_COOKIE) is None:
        c.get("/login")
    token = c.cookies.get(CSRF_COOKIE)
    assert token
    return str(token)


def login(c: TestClient, username: str) -> None:
    r = c.post(
        "/login",
        data={"username": username, "password": DEMO_PASSWORD, "csrf_token": csrf(c)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/dashboard?done=login"


# -- security ----------------------------------------------------------------------------------
def test_anonymous_posts_are_401_before_csrf_or_validation(client: TestClient) -> None:
    for path in (
        "/instruments/1/sign",
        "/instruments/1/reports",
        "/instruments/999/disputes",
        "/disputes/1/decision",
        "/submissions/1/answer",
        "/logout",
    ):
        r = client.post(path, data={"junk": "x"})
        assert r.status_code == 401, path
    assert client.get("/api/instruments/1").status_code == 200  # reading is public


def test_csrf_token_is_required_and_checked(client: TestClient) -> None:
    login(client, "officer-ah")
    form = {
        "clause_id": "2",
        "period_start": "2012-01-01",
        "period_end": "2012-12-31",
        "value": "0.9",
        "evidence": "monitoring",
    }
    assert client.post("/instruments/1/reports", data=form).status_code == 403
    assert client.post("/instruments/1/reports", data={**form, "csrf_token": "x" * 43}).status_code == 403
    assert client.get("/api/instruments/1/reports").json() == []  # nothing was written
    r = client.post(
        "/instruments/1/reports", data={**form, "csrf_token": csrf(client)}, follow_redirects=False
    )
    assert r.status_code == 303
    # the header htmx sends works as well as the form field
    r = client.post(
        "/instruments/1/reports",
        data={**form, "period_start": "2013-01-01", "period_end": "2013-12-31"},
        headers={"X-CSRF-Token": csrf(client)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert len(client.get("/api/instruments/1/reports").json()) == 2


def test_login_with_wrong_password_is_401_and_audited(client: TestClient) -> None:
    r = client.post("/login", data={"username": "officer-ah", "password": "nope", "csrf_token": csrf(client)})
    assert r.status_code == 401
    assert "Wrong user name or password" in r.text
    assert audit_ok(client)


def test_csp_forbids_external_sources_and_inline_script(client: TestClient) -> None:
    r = client.get("/dashboard")
    csp = dict(
        part.strip().split(" ", 1) for part in r.headers["content-security-policy"].split(";") if part.strip()
    )
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'"
    assert "http" not in r.headers["content-security-policy"]
    # no inline script and no external resource in any page
    for path in PAGES:
        html = client.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert not re.search(r"""(src|href)=["']https?://""", html), path
        assert " on" + "click=" not in html


def test_assets_are_served_from_the_package(client: TestClient) -> None:
    htmx = client.get("/static/vendor/htmx.min.js")
    assert htmx.status_code == 200 and "htmx" in htmx.text[:2000]
    assert client.get("/static/vendor/LICENSE-htmx.md").status_code == 200
    plotly = client.get("/static/vendor/plotly.min.js")
    assert plotly.status_code == 200 and len(plotly.content) > 1_000_000
    assert client.get("/static/app.js").status_code == 200


def test_logout_revokes_the_session(client: TestClient) -> None:
    login(client, "officer-ah")
    assert "officer-ah" in client.get("/dashboard").text
    r = client.post("/logout", data={"csrf_token": csrf(client)}, follow_redirects=False)
    assert r.status_code == 303
    assert "officer-ah" not in client.get("/dashboard").text


# -- labels and pages --------------------------------------------------------------------------
def test_every_template_label_exists_in_both_languages() -> None:
    used: set[str] = set()
    prefixes: set[str] = set()
    for tpl in TEMPLATES.glob("*.html"):
        text = tpl.read_text(encoding="utf-8")
        used |= set(re.findall(r"""_\(\s*["']([a-z_.]+)["']\s*\)""", text))
        prefixes |= set(re.findall(r"""_\(\s*["']([a-z_]+\.)["']\s*~""", text))
    missing = sorted(k for k in used if k not in LABELS)
    assert not missing
    for key, (en, zh) in LABELS.items():
        assert en.strip() and zh.strip(), key
        assert re.search(r"[\u4e00-\u9fff]", zh) or key == "nav.language", key
    # dynamic keys: every value of each enumeration shown through a prefix has its label
    from regcoord import agreements as ag

    expected = {
        "kind.": [k.value for k in ag.InstrumentKind],
        "actor.": [k.value for k in ag.ActorKind],
        "outcome.": ["met", "not_met", "in_progress", "exempt"],
        "dis.": ["open", "decided"],
        "plate.": ["east", "central", "west", "northeast"],
        "role.": [r.value for r in ag.Role],
        "payment.": ["compensation", "liquidated_damages"],
        "alert.": ["expiring", "evaluation_due", "revision_overdue"],
        "action.": [a.value for a in ag.Action],
        "severity.": [v.value for v in ag.Severity],
        "decision.": ["approved", "returned"],
    }
    assert prefixes <= set(expected)
    for prefix, values in expected.items():
        for v in values:
            assert f"{prefix}{v}" in LABELS, f"{prefix}{v}"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_page_renders_in_both_languages(client: TestClient, lang: str) -> None:
    login(client, "reviewer-cn")
    for path in PAGES:
        sep = "&" if "?" in path else "?"
        r = client.get(f"{path}{sep}lang={lang}")
        assert r.status_code == 200, (path, r.text[:300])
        nav = "仪表板" if lang == "zh" else "Dashboard"
        assert nav in r.text, path
    # the cookie keeps the language
    assert ("仪表板" in client.get("/instruments").text) == (lang == "zh")


def test_dashboard_shows_the_measure_indicators(client: TestClient) -> None:
    from regcoord.data import load
    from regcoord.measure.inequality import gini

    panel = load("china")
    x = panel.matrix("gdp_per_capita")
    w = panel.matrix("population", years=x.years, regions=x.regions)
    expected = gini(x, weights=w).values[-1]
    html = client.get("/dashboard?lang=en").text
    shown = float(re.search(r'id="kpi-gini">([0-9.]+)<', html).group(1))  # type: ignore[union-attr]
    assert shown == pytest.approx(expected, abs=5e-5)
    assert 'data-plot="' in html
    # the region's own value and rank among the 31 provinces (rank 1 = highest)
    html = client.get("/dashboard?region=34&lang=en").text
    own = x.values[-1][list(x.regions).index("34")]
    assert f"{own:,.0f}" in html
    rank = 1 + int((x.values[-1] > own).sum())
    assert f"rank {rank} / 31" in html
    # the translated unit label is the unit the bundled panel states
    from regcoord.service.usecases.indicators import national_disparity

    assert national_disparity().unit == LABELS["dash.unit"][0]


# -- actions through the use cases -------------------------------------------------------------
def test_kpi_report_from_the_form_gives_compensation_both_ways(client: TestClient) -> None:
    login(client, "officer-ah")
    token = csrf(client)
    # Xin'an round 1: P <= 1 met -> Zhejiang pays Anhui 100 million yuan; P > 1 -> Anhui pays
    # Zhejiang 100 million yuan: agreed compensation (补偿), not a breach (issue 8)
    for start, end, p in (("2012-01-01", "2012-12-31", "0.9"), ("2013-01-01", "2013-12-31", "1.1")):
        r = client.post(
            "/instruments/1/reports",
            data={
                "csrf_token": token,
                "clause_id": "2",
                "period_start": start,
                "period_end": end,
                "value": p,
                "evidence": "Jiekou monitoring",
            },
            follow_redirects=False,
        )
        assert r.status_code == 303
    reports = client.get("/api/instruments/1/reports").json()
    assert [x["outcome"] for x in reports] == ["met", "not_met"]
    payments = client.get("/api/payments?instrument_id=1").json()
    comp = [p for p in payments if p["kind"] == "compensation"]
    assert [(p["payer"], p["payee"], p["amount_fen"], p["period_end"]) for p in comp] == [
        ("33", "34", 10_000_000_000, "2012-12-31"),
        ("34", "33", 10_000_000_000, "2013-12-31"),
    ]
    assert [p["kind"] for p in payments] == ["compensation", "compensation"]
    assert client.get("/api/breaches?instrument_id=1").json() == []
    assert client.get("/api/credit/34").json()["breaches"] == 0
    page = client.get("/instruments/1?lang=en").text
    assert "100,000,000.00" in page  # the payment in yuan, from integer fen
    assert "not met" in page and "liquidated damages" not in page
    assert "补偿" in client.get("/instruments/1?lang=zh").text
    # the dashboard counts the due payments of the ledger and lists the first without traces
    due = client.get("/api/dashboard?region=34").json()["payments_due"]
    assert due["count"] == len(client.get("/api/payments?status=due&region=34").json()) >= 1
    assert all("trace" not in p for p in due["first"])
    dash = client.get("/dashboard?region=34&lang=en").text
    assert 'id="payments-due"' in dash and "100,000,000.00" in dash


def test_refused_actions_are_shown_with_reason_and_status(client: TestClient) -> None:
    login(client, "officer-zj")
    token = csrf(client)
    # Zhejiang is not the obligor of the Xin'an clause: 403, nothing written
    r = client.post(
        "/instruments/1/reports",
        data={
            "csrf_token": token,
            "clause_id": "2",
            "period_start": "2012-01-01",
            "period_end": "2012-12-31",
            "value": "1",
            "evidence": "x",
        },
    )
    assert r.status_code == 403
    assert 'id="error-text"' in r.text and "may not report_kpi" in r.text
    # a bad date is a 422 naming the field
    r = client.post(
        "/instruments/1/reports",
        data={"csrf_token": token, "clause_id": "2", "period_start": "soon", "period_end": "x", "value": "1"},
    )
    assert r.status_code == 422 and "period_start" in r.text
    # signing an instrument in force is a lifecycle conflict or a refusal, never a 500
    r = client.post("/instruments/1/sign", data={"csrf_token": token})
    assert r.status_code in (403, 409)
    # unknown objects are 404 pages
    assert client.get("/instruments/999").status_code == 404
    assert client.get("/negotiations/999").status_code == 404
    assert (
        client.post("/disputes/999/decision", data={"csrf_token": token, "decision": "x"}).status_code == 404
    )
    assert audit_ok(client)


def test_return_with_reasons_requires_reasons(client: TestClient) -> None:
    login(client, "reviewer-cn")
    token = csrf(client)
    r = client.post("/instruments/2/review/decision", data={"csrf_token": token, "decision": "return"})
    assert r.status_code == 422 and "reasons" in r.text
    r = client.post(
        "/instruments/2/review/decision",
        data={"csrf_token": token, "decision": "return", "reasons": "No breach terms."},
        follow_redirects=False,
    )
    assert r.status_code == 303
    inst: dict[str, Any] = client.get("/api/instruments/2").json()
    assert inst["state"] == "returned"


def test_forms_are_shown_only_to_those_the_policy_allows(client: TestClient) -> None:
    # anonymous: the public record is readable, no action form is offered
    page = client.get("/instruments/1?lang=en").text
    assert 'id="kpi-form"' not in page and 'id="dispute-form"' not in page
    assert "Log in" in page
    # the obligor's officer may report and raise a dispute, not review
    login(client, "officer-ah")
    page = client.get("/instruments/1?lang=en").text
    assert 'id="kpi-form"' in page and 'id="dispute-form"' in page
    assert 'id="review-form"' not in page
    # the reviewer of the common superior may decide the pending review of instrument 2
    client.cookies.clear()
    login(client, "reviewer-cn")
    assert 'id="review-form"' in client.get("/instruments/2").text
    assert 'id="kpi-form"' not in client.get("/instruments/1").text


def test_negotiation_values_from_the_form(client: TestClient) -> None:
    login(client, "officer-zj")
    token = csrf(client)
    r = client.post("/instruments/1/negotiations", data={"csrf_token": token, "values": "33 100\n34: 50"})
    assert r.status_code == 422 and "line 1" in r.text
    r = client.post("/instruments/1/negotiations", data={"csrf_token": token, "values": "33: 100\n34: 50"})
    assert r.status_code == 422  # the coalition 33+34 is missing: the use case says so
    r = client.post(
        "/instruments/1/negotiations",
        data={"csrf_token": token, "values": "33: 100\n34: 50\n33+34: 300"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/negotiations/")
    page = client.get(r.headers["location"] + "&lang=en").text
    # two-player Shapley value by hand: 100 + (300 - 150) / 2 = 175, 50 + 75 = 125
    assert "175.00" in page and "125.00" in page


def test_the_json_api_is_untouched_by_the_web_middleware(client: TestClient) -> None:
    r = client.get("/api/instruments")
    assert r.status_code == 200
    assert CSRF_COOKIE not in r.headers.get("set-cookie", "")
    assert "unsafe-inline" not in r.headers["content-security-policy"]  # the service's own policy
    # the API keeps its own rules: bearer/cookie auth, no CSRF form token needed for JSON
    assert client.post("/api/instruments/1/sign").status_code == 401
