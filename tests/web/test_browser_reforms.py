"""The reform workbench in a real browser: edit a parameter, htmx updates the result and the
address bar (the share link), the disparity chart and the map are drawn, no CSP error."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from regcoord.reform import illustrative_provinces, parse_reform, run_reform

pytestmark = pytest.mark.browser

SETTLED = "old => document.body.dataset.settled && document.body.dataset.settled !== old && !document.querySelector('.htmx-request')"


def test_edit_a_parameter_and_share_the_url(browser: Any, live_server: str) -> None:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    csp: list[str] = []
    page.on("console", lambda m: csp.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{live_server}/reforms?scheme=china_balanced_transfer&date=2026-06-30&lang=en")
    page.wait_for_function(SETTLED, arg="")
    assert page.locator("#total-delta").inner_text() == "0.00"  # no override: reform = baseline
    old = str(page.evaluate("document.body.dataset.settled"))
    page.fill("#p-coefficient", "0.7")
    page.dispatch_event("#p-coefficient", "change")
    page.wait_for_function(SETTLED, arg=old)
    ref = run_reform(
        illustrative_provinces(),
        parse_reform({"china_balanced_transfer.coefficient": {"2026-06-30": "0.7"}}),
        date="2026-06-30",
    )["china"]
    assert page.locator("#total-delta").inner_text() == str(ref.total_delta)
    query = parse_qs(urlparse(page.url).query)
    assert query["p.coefficient"] == ["0.7"] and query["scheme"] == ["china_balanced_transfer"]
    assert "Illustrative fiscal numbers" in page.locator("#headline").inner_text()
    page.wait_for_selector("#chart-disparity .main-svg")
    if page.locator("#map-reform").count():
        page.wait_for_selector("#map-reform[data-map-state=drawn]")
    # the shared address opens the same reform
    other = ctx.new_page()
    other.goto(page.url)
    assert other.locator("#total-delta").inner_text() == str(ref.total_delta)
    assert not csp, csp[:3]
    ctx.close()
