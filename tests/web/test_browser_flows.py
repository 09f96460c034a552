"""End-to-end browser tests of the web UI (Playwright + system Chromium).

The main loop, through the pages only, on a live service with the demo data: log in,
open a consultation and comment on a clause, answer, sign (both parties), file, review
(approve one instrument, return another with reasons), report a KPI below target, see the
breach and the credit score fall by the agreed penalty, raise a dispute and have the
common superior decide it. A screenshot of each page goes to ``docs/screenshots/``.

The instrument of the loop is a test fixture created through the JSON API (the demo
instruments are real published agreements and carry no credit penalty).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

pytestmark = pytest.mark.browser

#: a test fixture, not a real agreement: one measurable obligation with a credit penalty
FIXTURE_INSTRUMENT: dict[str, Any] = {
    "kind": "agreement",
    "title": "Browser-test agreement (fixture) / 浏览器测试协议（测试数据）",
    "parties": ["33", "34"],
    "summary": "Test fixture of the browser tests; not a real agreement.",
    "clauses": [
        {
            "number": "1",
            "text": "Anhui keeps the share of monitored sections meeting class III at or above 90 percent. "
            "安徽省保持监测断面III类水质达标比例不低于90%。",
            "obligation": {
                "obligor": "34",
                "metric": "share of monitored sections meeting class III",
                "target": "90",
                "comparator": ">=",
                "unit": "percent",
                "deadline": "2024-12-31",
                "evidence": "provincial monitoring report",
                "period_months": 12,
            },
            "breach": {
                "reputation_notice": True,
                "credit_penalty": 10,
                "damages": {"fixed_fen": 100000},
                "force_majeure_exempt": True,
            },
        }
    ],
}

SETTLED = "old => document.body.dataset.settled && document.body.dataset.settled !== old && !document.querySelector('.htmx-request')"


class UI:
    """One user's browser context; every action waits until htmx has settled."""

    def __init__(self, browser: Any, base: str, lang: str = "en") -> None:
        self.base = base
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.csp_errors: list[str] = []
        self.page.on("console", self._console)
        self.lang = lang

    def _console(self, msg: Any) -> None:
        if "Content Security Policy" in msg.text or "Refused to" in msg.text:
            self.csp_errors.append(msg.text)

    def _stamp(self) -> str:
        return str(self.page.evaluate("document.body ? (document.body.dataset.settled || '') : ''"))

    def goto(self, path: str) -> None:
        sep = "&" if "?" in path else "?"
        self.page.goto(f"{self.base}{path}{sep}lang={self.lang}")
        self.page.wait_for_function(SETTLED, arg="")

    def click(self, selector: str) -> None:
        """Click (a boosted form button or link) and wait until htmx has swapped and settled."""
        old = self._stamp()
        self.page.click(selector)
        self.page.wait_for_function(SETTLED, arg=old)

    def login(self, username: str) -> None:
        self.goto("/login")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", "regcoord-demo")
        self.click("#login-form button[type=submit]")
        assert self.page.locator("#whoami").inner_text() == username

    def state(self) -> str:
        """The lifecycle state of the instrument page (its code, whatever the language)."""
        return str(self.page.locator("#inst-state").get_attribute("data-state"))

    def text(self, selector: str) -> str:
        return str(self.page.locator(selector).first.inner_text())

    def shot(self, name: str, at: str | None = None) -> None:
        """Screenshot of the viewport, at the top of the page or scrolled to ``at``."""
        if at is None:
            self.page.evaluate("window.scrollTo(0, 0)")
        else:
            self.page.locator(at).first.scroll_into_view_if_needed()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)

    def close(self) -> None:
        assert not self.csp_errors, [e[:160] for e in self.csp_errors]
        self.context.close()


def test_login_dashboard_language_and_charts(browser: Any, live_server: str) -> None:
    ui = UI(browser, live_server)
    ui.goto("/login")
    ui.shot("login")
    ui.page.fill("input[name=username]", "officer-ah")
    ui.page.fill("input[name=password]", "wrong-password")
    ui.click("#login-form button[type=submit]")
    assert "Wrong user name or password" in ui.text("#error-text")
    ui.login("officer-ah")
    # the dashboard of the officer's region, with Plotly charts drawn from the package asset
    ui.page.wait_for_selector("#chart-trend .main-svg")
    ui.page.wait_for_selector("#chart-provinces .main-svg")
    assert "Anhui" in ui.text("h1")
    gini = float(ui.text("#kpi-gini"))
    assert 0 < gini < 1
    ui.shot("dashboard")
    # language switch: ?lang=zh sets the cookie; the next page stays in Chinese
    ui.page.click("#lang-switch")
    ui.page.wait_for_selector("text=仪表板")
    ui.page.wait_for_selector("#chart-provinces .main-svg")
    ui.lang = "zh"
    ui.shot("dashboard_zh")
    ui.goto("/instruments")
    assert "协议与工具" in ui.page.content()
    ui.shot("instruments_zh")
    ui.lang = "en"
    ui.goto("/instruments")
    ui.shot("instruments")
    ui.close()


def test_main_loop(browser: Any, live_server: str, api: Any) -> None:
    zj_api = api("officer-zj")
    r = zj_api.post("/api/instruments", json=FIXTURE_INSTRUMENT)
    assert r.status_code == 201, r.text
    iid = r.json()["id"]

    # 1. the proposer opens a consultation from the instrument page
    zj = UI(browser, live_server)
    zj.login("officer-zj")
    zj.goto(f"/instruments/{iid}")
    zj.click("#open-consultation")
    assert zj.state() == "consultation"
    cons_href = zj.page.locator("a[href^='/consultations/']").last.get_attribute("href")
    assert cons_href is not None
    cid = int(cons_href.rsplit("/", 1)[1])

    # two submissions through the API (enterprise of 33, resident of 34) ...
    for user, text in (
        ("enterprise-zj", "Publish the monitoring data."),
        ("resident-ah", "Fund rural sewage."),
    ):
        rr = api(user).post(
            f"/api/consultations/{cid}/submissions", json={"text": text, "clause_number": "1"}
        )
        assert rr.status_code == 201, rr.text

    # 2. ... and an NGO comments on clause 1 in the browser (htmx swaps the page in place)
    ngo = UI(browser, live_server)
    ngo.login("ngo-ah")
    ngo.goto(f"/consultations/{cid}")
    ngo.page.select_option("#comment-form select[name=clause_number]", "1")
    ngo.page.fill("#comment-form textarea[name=text]", "Name the monitored sections in an annex.")
    ngo.click("#submit-comment")
    assert "Name the monitored sections in an annex." in ngo.text("#clause-1")
    assert "Participation meets the threshold" in ngo.text("#participation")
    ngo.shot("consultation", at="#clause-1")
    ngo.close()

    # 3. the proposer answers every submission, closes the consultation and signs
    zj.goto(f"/consultations/{cid}")
    while zj.page.locator(".answer-form").count():
        zj.page.locator(".answer-form textarea").first.fill("Accepted; see the implementation plan.")
        zj.click(".answer-form button")
    assert zj.page.locator("text=not yet answered").count() == 0
    zj.goto(f"/instruments/{iid}")
    zj.click("#close-consultation")
    assert zj.state() == "negotiating"

    # a negotiation: fair-division allocations and the properties of a proposal
    zj.page.fill("#negotiation-form textarea[name=values]", "33: 100\n34: 50\n33+34: 300")
    zj.click("#negotiation-form button")
    # Shapley of the two-player game: 100 + (300-150)/2 = 175 and 50 + 75 = 125 (hand calculation)
    assert "175.00" in zj.text("#allocations") and "125.00" in zj.text("#allocations")
    zj.page.fill("input[name=alloc_33]", "200")
    zj.page.fill("input[name=alloc_34]", "100")
    zj.click("#proposal-form button")
    row = zj.text("#proposals tbody tr")
    assert row.count("yes") == 3  # individually rational, efficient, in the core
    zj.shot("negotiation")

    zj.goto(f"/instruments/{iid}")
    zj.click("#sign")
    ah = UI(browser, live_server)
    ah.login("officer-ah")
    ah.goto(f"/instruments/{iid}")
    ah.click("#sign")
    assert ah.state() == "signed"

    # 4. filing with the common superior (Zhejiang and Anhui -> central) and its review
    zj.goto(f"/instruments/{iid}")
    zj.click("#file")
    assert zj.state() == "filed"
    zj.close()
    cn = UI(browser, live_server)
    cn.login("reviewer-cn")
    cn.goto(f"/instruments/{iid}")
    cn.click("#start-review")
    assert cn.state() == "under_review"
    cn.page.fill("#review-form textarea[name=reasons]", "Compliant.")
    cn.click("#approve")
    assert cn.state() == "in_force"
    assert cn.page.locator("#review-decision").get_attribute("data-decision") == "approved"
    cn.shot("instrument_review")
    # return with reasons: the demo tax-sharing agreement states no breach terms
    cn.goto("/instruments/2")
    assert "missing" in cn.text("#findings").lower() or cn.page.locator("#findings tr.sev-blocking").count()
    cn.page.fill("#review-form textarea[name=reasons]", "Add breach terms to clause 2.")
    cn.shot("review", at="#review")
    cn.click("#return")
    assert cn.state() == "returned"
    assert cn.text("#review-reasons") == "Add breach terms to clause 2."

    # 5. a KPI below target becomes a breach and costs the agreed credit points
    ah.goto("/credit/34")
    before = int(ah.text("#credit-score"))
    ah.goto(f"/instruments/{iid}")
    ah.page.fill("#kpi-form input[name=period_start]", "2024-01-01")
    ah.page.fill("#kpi-form input[name=period_end]", "2024-12-31")
    ah.page.fill("#kpi-form input[name=value]", "80")
    ah.page.fill("#kpi-form input[name=evidence]", "2024 monitoring report")
    ah.click("#report-kpi")
    assert "not met" in ah.text("#reports")
    assert "2024-12-31" in ah.text("#inst-breaches")
    ah.shot("instrument")
    ah.shot("instrument_kpi", at="#monitoring")
    # a CSV bulk upload of the next period
    csv_text = f"clause_id,period_start,period_end,value,evidence\n{_clause_id(api, iid)},2025-01-01,2025-12-31,95,2025 report\n"
    ah.page.set_input_files(
        "#csv-form input[name=file]",
        files=[{"name": "kpi.csv", "mimeType": "text/csv", "buffer": csv_text.encode()}],
    )
    ah.click("#upload-csv")
    assert "2025-12-31" in ah.text("#reports")
    ah.goto("/credit/34")
    assert int(ah.text("#credit-score")) == before - 10
    ah.shot("credit")
    ah.goto("/breaches")
    assert "Anhui" in ah.text("#breaches")
    ah.shot("breaches")

    # 6. a dispute goes to the lowest common superior of the parties (central), who decides it
    ah.goto(f"/instruments/{iid}")
    ah.page.fill("#dispute-form textarea[name=subject]", "The 2024 monitoring missed two sections.")
    ah.click("#raise-dispute")
    ah.close()
    cn.goto("/disputes")
    box = cn.page.locator(".dispute", has_text="The 2024 monitoring missed two sections.")
    assert "China" in box.inner_text() or "中国" in box.inner_text()
    box.locator("textarea[name=decision]").fill("Re-measure the two sections within 30 days.")
    old = cn._stamp()
    box.locator("button").click()
    cn.page.wait_for_function(SETTLED, arg=old)
    box = cn.page.locator(".dispute", has_text="The 2024 monitoring missed two sections.")
    assert "Re-measure the two sections" in box.locator(".decision").inner_text()
    cn.shot("disputes")

    # 7. a poor evaluation orders a revision (six months); the revised text is a new version
    cn.goto(f"/instruments/{iid}")
    cn.page.fill("#evaluation-form textarea[name=summary]", "Target missed in 2024.")
    cn.page.fill("#evaluation-form input[name=satisfaction]", "0.4")
    cn.page.check("#evaluation-form input[name=revision_required]")
    cn.page.fill("#evaluation-form input[name=reasons]", "Tighten the monitoring clause.")
    cn.click("#evaluate")
    assert cn.state() == "revision_required"
    cn.goto("/evaluations")
    assert "Target missed in 2024." in cn.text("#evaluations")
    assert cn.page.locator("#lifecycle tbody tr").count() > 5
    cn.shot("evaluations")
    revised = {
        **FIXTURE_INSTRUMENT["clauses"][0],
        "text": "Anhui keeps at least 90 percent of the sections at class III, "
        "measured monthly. 安徽省按月监测，III类水质断面比例不低于90%。",
    }
    rr = zj_api.post(
        f"/api/instruments/{iid}/revise", json={"clauses": [revised], "note": "monthly monitoring"}
    )
    assert rr.status_code == 200, rr.text
    cn.goto(f"/instruments/{iid}/versions")
    assert "measured monthly" in cn.text("#diff")
    cn.shot("versions")
    cn.goto("/consultations")
    cn.shot("consultations")
    cn.close()


def _clause_id(api: Any, iid: int) -> int:
    inst = api("officer-ah").get(f"/api/instruments/{iid}").json()
    return int(inst["clauses"][0]["id"])


def test_security_headers_and_csrf_in_the_browser(browser: Any, live_server: str) -> None:
    ui = UI(browser, live_server)
    resp = ui.page.goto(f"{live_server}/dashboard")
    assert resp is not None
    csp = resp.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self';" in csp and "http" not in csp
    # a forged cross-site form without the CSRF token is refused (403), even when logged in
    ui.login("officer-ah")
    status = ui.page.evaluate(
        """async () => (await fetch('/instruments/1/sign', {method: 'POST',
             headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: 'x=1'})).status"""
    )
    assert status == 403
    assert re.search(r"\d", ui.text("#kpi-gini"))
    ui.close()
