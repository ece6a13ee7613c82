"""The strict CSP in a real browser: sign in through the form (django-axes in front), open the pages
agents use and the Swagger UI, and fail on any Content-Security-Policy violation or script error."""

from __future__ import annotations

from typing import Any

import pytest

from csat.models import Role
from tests.factories import DEFAULT_PASSWORD, CustomerFactory, StaffFactory, StoreFactory, VehicleFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Runs before any page script (devtools, not subject to the CSP): collects violation reports.
COLLECT = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", e =>
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sample || "")));
"""


@pytest.fixture
def desk(browser: Any, live_server: Any) -> Any:
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1366, "height": 768}
    )
    context.set_default_timeout(10_000)
    context.add_init_script(COLLECT)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.base_url = live_server.url
    page.problems = problems
    yield page
    context.close()


def assert_clean(page: Any) -> None:
    violations = page.evaluate("window.__csp")
    assert violations == [] and page.problems == [], f"{page.url}: {violations} {page.problems}"


def test_pages_and_api_docs_run_under_the_csp(desk: Any) -> None:
    from playwright.sync_api import expect

    page = desk
    store = StoreFactory(code="CSP1", name="深圳南山店")
    StaffFactory(username="huifang", role=Role.AGENT, store=store)
    customer = CustomerFactory(store=store, name="林晓", mobile="13912345678")
    VehicleFactory(customer=customer, store=store, plate="粤B66666")

    page.goto(page.base_url + "/accounts/login/")
    page.fill("#id_username", "huifang")
    page.fill("#id_password", "wrong-password-1")
    page.click("button[type=submit]")
    expect(page.locator(".alert-danger")).to_be_visible()
    page.fill("#id_username", "huifang")
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_test_id("user-menu")).to_be_visible()
    assert_clean(page)

    # Bootstrap's styles apply (the stylesheet is not blocked) and htmx is configured by meta tag.
    # htmx is a deferred script: the page is visible before it runs, so wait for DOMContentLoaded.
    page.wait_for_load_state("domcontentloaded")
    page.wait_for_function("typeof window.htmx !== 'undefined'")
    assert page.evaluate("getComputedStyle(document.querySelector('nav.navbar')).display") == "flex"
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False

    page.goto(page.base_url + "/customers/?q=林晓")
    expect(page.get_by_role("cell", name="13912345678")).to_be_visible()  # an agent sees the full number
    page.get_by_role("link", name="林晓").click()
    expect(page.locator("h1")).to_contain_text("林晓")
    assert_clean(page)

    for path in ("/callbacks/", "/imports/", "/notifications/"):
        page.goto(page.base_url + path)
        expect(page.locator("main")).to_be_visible()
        assert_clean(page)

    # Swagger UI renders its operations: its script is a file, its inline styles are allowed there.
    page.goto(page.base_url + "/api/docs/")
    expect(page.locator(".opblock").first).to_be_visible(timeout=20_000)
    assert_clean(page)
