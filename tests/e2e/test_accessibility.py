"""The screens people live in, checked by axe-core (the axe-playwright-python package bundles it; nothing
is fetched at run time) against the WCAG 2.0/2.1 A and AA rules, as the role that uses each screen,
in Chinese and in English: the login page; the agent's callback queue, call page (with the survey
form) and customer page; customer care's complaint board and a registered ticket; a department
manager's queue and a dispatched ticket with its action forms; the GM's approvals, a ticket awaiting
approval, the notifications inbox and the monthly report dashboard.

A serious or critical violation fails the test, naming each rule id, the page and how many elements
break it. One browser; each role signs in once per language (Zendesk and Freshdesk, the help desks
the users know, claim WCAG 2.1 AA).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from callbacks.models import CallbackTask, TaskStatus
from callbacks.services import callback_tasks_generate
from complaints.models import Complaint, Status
from csat.models import Customer, DepartmentKind
from demo.seed import DEMO_PASSWORD, seed_demo
from tests.e2e.conftest import ARTIFACTS, LANGUAGES
from tests.factories import SalesDeliveryFactory, VehicleFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
DESK = {"width": 1366, "height": 768}
# aria-describedby, aria-labelledby … naming an id that is not on the page.
ID_REFERENCES = {"aria-valid-attr-value"}
SUBMIT_EMPTY_SURVEY = "submit the survey form as it is"


@pytest.fixture(params=LANGUAGES)
def lang(request: Any) -> str:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def axe() -> Any:
    axe_playwright_python = pytest.importorskip("axe_playwright_python.sync_playwright")
    return axe_playwright_python.Axe()


@pytest.fixture
def contexts(browser: Any) -> Iterator[list[Any]]:
    opened: list[Any] = []
    yield opened
    for context in opened:
        context.close()


def violations(axe: Any, page: Any) -> list[dict[str, Any]]:
    """The page's WCAG A/AA violations as axe reports them (every impact), and the references to an id
    the page does not have (axe leaves those "to review": the id might come later; here it never does,
    and a screen reader loses the help or the error the field points to)."""
    options = {"runOnly": {"type": "tag", "values": WCAG_A_AA}, "resultTypes": ["violations", "incomplete"]}
    results = axe.run(page, options=options).response
    missing = [v for v in results["incomplete"] if v["id"] in ID_REFERENCES]
    return results["violations"] + missing  # type: ignore[no-any-return]


def test_screens_have_no_serious_axe_violation(
    browser: Any, live_server: Any, contexts: list[Any], axe: Any, lang: str
) -> None:
    from playwright.sync_api import expect

    seed_demo(customers=12, months=2, seed=2026)
    # The demo decides each open task's fate from its ids; the agent's call page needs one for sure:
    # a car delivered four days ago, its task generated as beat would.
    customer = Customer.objects.filter(store__code="SZ01", do_not_contact=False).order_by("pk").first()
    assert customer is not None
    delivery = SalesDeliveryFactory(
        vehicle=VehicleFactory(customer=customer), delivered_at=timezone.now() - dt.timedelta(days=4)
    )
    callback_tasks_generate()
    task = CallbackTask.objects.get(sale=delivery, status=TaskStatus.PENDING)
    registered = Complaint.objects.filter(status=Status.REGISTERED).order_by("pk").first()
    dispatched = (
        Complaint.objects.filter(status=Status.DISPATCHED, department__kind=DepartmentKind.PARTS)
        .order_by("pk")
        .first()
    )
    awaiting = Complaint.objects.filter(status=Status.AWAITING_APPROVAL).order_by("pk").first()
    assert registered and dispatched and awaiting, "the demo data lacks a ticket state"

    screens: dict[str | None, list[tuple[str, str]]] = {
        None: [("login", "/accounts/login/")],
        "agent": [
            ("callback queue", "/callbacks/"),
            ("call page (survey form)", f"/callbacks/{task.pk}/"),
            ("survey form sent empty (error summary)", SUBMIT_EMPTY_SURVEY),
            ("customer page", f"/customers/{customer.pk}/"),
        ],
        "ccmanager": [
            ("complaint board", "/complaints/"),
            ("registered ticket", f"/complaints/{registered.pk}/"),
        ],
        "parts_sup": [
            ("department queue", "/complaints/"),
            ("dispatched ticket", f"/complaints/{dispatched.pk}/"),
        ],
        "gm": [
            ("approvals", "/complaints/approvals/"),
            ("ticket awaiting approval", f"/complaints/{awaiting.pk}/"),
            ("notifications", "/notifications/"),
            ("monthly report", "/reports/"),
        ],
    }

    found: list[str] = []
    report: dict[str, Any] = {}  # every violation of every impact, kept with a screenshot of each page
    folder = ARTIFACTS / "accessibility"
    folder.mkdir(parents=True, exist_ok=True)
    for username, pages in screens.items():
        context = browser.new_context(
            locale="zh-CN", timezone_id="Asia/Shanghai", viewport=DESK, reduced_motion="reduce"
        )
        contexts.append(context)
        page = context.new_page()
        page.goto(live_server.url + "/accounts/login/")
        if page.locator("html").get_attribute("lang") != lang:
            page.locator("#language-select").select_option(lang)
            page.locator("#language-select").locator("xpath=ancestor::form").locator("button").click()
            expect(page.locator("html")).to_have_attribute("lang", lang)
        if username is not None:
            page.locator("input[name=username]").fill(username)
            page.locator("input[name=password]").fill(DEMO_PASSWORD)
            page.locator("input[name=password]").press("Enter")
            expect(page.get_by_test_id("whoami")).to_be_attached()
        for name, path in pages:
            if path == SUBMIT_EMPTY_SURVEY:  # the page stays; its form comes back with the errors
                page.get_by_test_id("survey-submit").click()
                expect(page.get_by_test_id("survey-errors")).to_be_visible()
            else:
                page.goto(live_server.url + path)
                assert page.url.endswith(path), f"{username} was sent to {page.url} instead of {path}"
            page.wait_for_load_state("networkidle")  # lazy HTMX panels are part of the screen
            # Folded forms (a ticket's further actions) are checked opened, as a user works in them.
            page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
            seen = violations(axe, page)
            report[f"{name} ({username or 'anonymous'})"] = seen
            page.screenshot(path=str(folder / f"{lang}-{len(report):02d}.png"))
            for violation in (v for v in seen if v["impact"] in BLOCKING):
                targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
                found.append(
                    f"{violation['id']} ({violation['impact']}) on {name} as {username or 'anonymous'}: "
                    f"{len(violation['nodes'])} element(s), e.g. {targets}"
                )
    (folder / f"axe-{lang}.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
    assert not found, f"axe WCAG A/AA serious/critical violations in {lang}:\n" + "\n".join(found)
