"""In Chromium: the dashboard loads the public-services panel through htmx (no CSP error),
and the page computes a simulated year from the form (2023 at 5% on the illustrative example:
(4 500 000 + 1 350 000 + 2 880 000) = 8 730 000.00 yuan)."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_dashboard_panel_and_page(browser: Any, live_server: str) -> None:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    csp: list[str] = []
    page.on("console", lambda m: csp.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{live_server}/dashboard?lang=en")
    page.wait_for_selector("#ps-fund")
    assert page.inner_text("#ps-fund") == "7857000.00"  # 2021 at 4.5% (tests/service hand case)
    page.goto(f"{live_server}/public-services?lang=zh")
    page.fill("input[name=year]", "2023")
    page.fill("input[name=rate]", "0.05")
    page.click("form.filters button[type=submit]")
    page.wait_for_selector("#fund-total:has-text('8730000.00')")
    assert "示例数据" in page.content()
    assert not csp
    ctx.close()
