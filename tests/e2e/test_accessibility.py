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
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.text import slugify

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
PHONE = {"width": 390, "height": 844}
# aria-describedby, aria-labelledby … naming an id that is not on the page.
ID_REFERENCES = {"aria-valid-attr-value"}
SUBMIT_EMPTY_SURVEY = "submit the survey form as it is"
SUBMIT_EMPTY_LINK = "submit the survey link page as it is"
ANSWER_LINK = "answer the survey link page"

# Beyond axe, which checks neither. The edges of the fields a person taps or types in, against what is
# behind them (WCAG 1.4.11, at least 3:1): the customer's answer boxes, and the staff pages' inputs,
# selects and check boxes (Bootstrap's #dee2e6 is 1.3:1), or the field's own fill (a white box on the
# blue top bar); a focused field shows its focus ring instead, a disabled one is exempt. And on the customer's page a question sent back with an error
# names that error as its description (a screen reader says it with the question).
FIELD_EDGES_JS = r"""(selector) => {
  const rgb = c => c.match(/[\d.]+/g).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(v => v / 255)
    .map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const behind = el => {
    for (let node = el.parentElement; node; node = node.parentElement) {
      const c = rgb(getComputedStyle(node).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c;
    }
    return [255, 255, 255];
  };
  const problems = [];
  for (const el of document.querySelectorAll(selector)) {
    if (el.matches(":disabled, :focus")) continue;
    const contrast = (x, y) => (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
    const style = getComputedStyle(el), around = lum(behind(el)), fill = rgb(style.backgroundColor);
    // The field's own fill against the page marks it as well (a white box in the blue top bar).
    const filled = fill.length < 4 || fill[3] > 0 ? contrast(lum(fill), around) : 1;
    const ratio = Math.max(contrast(lum(rgb(style.borderTopColor)), around), filled);
    if (ratio < 3) problems.push(`edge ${ratio.toFixed(1)}:1 ${el.tagName.toLowerCase()}.${el.className}`);
  }
  return [...new Set(problems)];
}"""
CUSTOMER_FIELDS = "textarea, .sl-opt"
STAFF_FIELDS = ".form-control, .form-select, .form-check-input"
CUSTOMER_ERRORS_JS = r"""() => {
  const problems = [];
  for (const group of document.querySelectorAll("fieldset[aria-invalid=true]")) {
    const said = (group.getAttribute("aria-describedby") || "").split(/\s+/)
      .map(id => document.getElementById(id)?.textContent || "").join(" ");
    const error = group.querySelector(":scope > .sl-error")?.textContent || "";
    if (!error || !said.includes(error)) problems.push(`"${group.querySelector("legend").textContent}" does not say its error`);
  }
  // A question's title inside its white card, not drawn across the card's top edge (a fieldset's
  // legend is, unless laid out as a line of its own).
  for (const group of document.querySelectorAll("fieldset.sl-q")) {
    const legend = group.querySelector(":scope > legend");
    if (legend && legend.getBoundingClientRect().top < group.getBoundingClientRect().top + 1)
      problems.push(`"${legend.textContent}" stands across the top edge of its card`);
  }
  return problems;
}"""


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


def signed_in(
    browser: Any,
    contexts: list[Any],
    live_server: Any,
    username: str | None,
    lang: str,
    *,
    phone: bool = False,
) -> Any:
    """A page of a new browser context (at the desk, or a phone), the language switched from the
    login page's footer and, unless ``username`` is None, signed in as that demo account."""
    from playwright.sync_api import expect

    size = {"viewport": PHONE, "is_mobile": True, "has_touch": True} if phone else {"viewport": DESK}
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", reduced_motion="reduce", **size
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
    return page


def visit(page: Any, live_server: Any, path: str, username: str | None) -> None:
    page.goto(live_server.url + path)
    assert page.url.endswith(path), f"{username} was sent to {page.url} instead of {path}"


def check(
    axe: Any, page: Any, name: str, lang: str, report: dict[str, Any], found: list[str], *, says: str = ""
) -> None:
    """Axe on the page as it stands (lazy HTMX panels loaded, folded forms opened, as a user works in
    them): every violation goes to ``report`` with a screenshot, the serious and critical ones to
    ``found`` (rule id, impact, page, how many elements and the first three). The page must also
    name the language it is written in, ``says`` (default: the user's), or a screen reader reads it
    with the wrong voice (WCAG 3.1.1; axe only checks that the name is a valid one)."""
    declared = page.locator("html").get_attribute("lang")
    if declared != (says or lang):
        found.append(f"html-lang {declared!r} on {name}, written in {says or lang}")
    page.wait_for_load_state("networkidle")  # lazy HTMX panels are part of the screen
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
    seen = violations(axe, page)
    report[name] = seen
    found += [f"{problem} on {name}" for problem in page.evaluate(FIELD_EDGES_JS, STAFF_FIELDS)]
    folder = ARTIFACTS / "accessibility"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{lang}-{slugify(name)}.png"))
    for violation in (v for v in seen if v["impact"] in BLOCKING):
        targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
        found.append(
            f"{violation['id']} ({violation['impact']}) on {name}: "
            f"{len(violation['nodes'])} element(s), e.g. {targets}"
        )


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
    for username, pages in screens.items():
        page = signed_in(browser, contexts, live_server, username, lang)
        for name, path in pages:
            if path == SUBMIT_EMPTY_SURVEY:  # the page stays; its form comes back with the errors
                page.get_by_test_id("survey-submit").click()
                expect(page.get_by_test_id("survey-errors")).to_be_visible()
            else:
                visit(page, live_server, path, username)
            check(axe, page, f"{name} ({username or 'anonymous'})", lang, report, found)
    (ARTIFACTS / "accessibility" / f"axe-{lang}.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=1)
    )
    assert not found, f"axe WCAG A/AA serious/critical violations in {lang}:\n" + "\n".join(found)


def test_more_screens_have_no_serious_axe_violation(
    browser: Any, live_server: Any, contexts: list[Any], axe: Any, lang: str
) -> None:
    """The second pass: the customer's survey page from the SMS link on a phone (the form, its errors,
    the thank-you page, an expired and an invalid link; the page is Chinese whatever the phone's
    language), the agent's queue and call page and the GM's approvals and a ticket on a 390 px phone,
    and at the desk the crisis cases, the preventive measures, the import page with a file's error
    preview, the department assessment, the customer search results, the callback dashboard and the
    printed 反馈单. Each role signs in once; a phone screen of a staff role is the same session with
    the window narrowed."""
    from playwright.sync_api import expect

    from callbacks.survey_items import items_for
    from complaints.models import Category
    from crisis.models import CrisisType, LogKind
    from crisis.services import crisis_action_add, crisis_log_add, crisis_media_add, crisis_open
    from csat.models import Department
    from intake.models import ImportJob
    from intake.services import import_job_create
    from prevention.services import measure_create
    from surveylinks import services as links
    from surveylinks import tokens
    from tests.intake.support import csv_bytes, grid, upload, visit_row

    seed_demo(customers=12, months=2, seed=2026)
    users = {
        u.username: u for u in get_user_model().objects.filter(username__in=["agent", "ccmanager", "gm"])
    }
    customers = Customer.objects.filter(store__code="SZ01", do_not_contact=False).order_by("pk")
    customer, answering, expiring = customers[0], customers[1], customers[2]
    store = customer.store
    now = timezone.now()

    def task_of(someone: Customer) -> CallbackTask:
        delivery = SalesDeliveryFactory(
            vehicle=VehicleFactory(customer=someone), delivered_at=now - dt.timedelta(days=4)
        )
        callback_tasks_generate()
        return CallbackTask.objects.get(sale=delivery, status=TaskStatus.PENDING)

    task = task_of(customer)
    answered_task, expired_task = task_of(answering), task_of(expiring)
    link = links.survey_link_invite(task=answered_task, actor=users["agent"])
    expired = links.survey_link_invite(task=expired_task, actor=users["agent"])
    type(expired).objects.filter(pk=expired.pk).update(expires_at=now - dt.timedelta(hours=1))

    awaiting = Complaint.objects.filter(status=Status.AWAITING_APPROVAL).order_by("pk").first()
    closed = Complaint.objects.filter(status=Status.CLOSED).order_by("pk").first()
    assert awaiting and closed, "the demo data lacks a ticket state"
    gm = users["gm"]
    crisis = crisis_open(
        actor=gm, store=store, type=CrisisType.SAFETY, title="行驶中仪表盘报警", customer=customer,
        summary="客户称高速上仪表盘报警，要求退车。", reason="涉及行车安全",
    )  # fmt: skip
    crisis_log_add(crisis=crisis, actor=gm, kind=LogKind.NEGOTIATION, text="已约客户明天到店面谈。")
    crisis_media_add(crisis=crisis, actor=gm, outlet="汽车之家论坛", date=now.date(), exposed=False)
    crisis_action_add(
        crisis=crisis, actor=gm, title="安排技术总监检测", owner=gm, due_at=now + dt.timedelta(days=1)
    )
    service = Department.objects.get(store=store, kind=DepartmentKind.SERVICE)
    measure = measure_create(
        actor=users["ccmanager"], store=store, category=Category.REPAIR, owner_department=service,
        problem="同一故障多次返修", measure="返修车辆由技术总监复检后交车", due_date=now.date() + dt.timedelta(days=14),
        complaints=[closed],
    )  # fmt: skip
    bad_file = csv_bytes(grid("service_visits", [visit_row(1), visit_row(2, vin="LSVAB2C1X00000002")]))
    job = import_job_create(
        user=users["ccmanager"], store=store, kind="service_visits", uploaded_file=upload(bad_file)
    )
    job.refresh_from_db()
    assert job.status == ImportJob.Status.INVALID, "the file's error preview was not made"

    # (name, path or step, phone?) per role; None is the customer, who never signs in.
    screens: dict[str | None, list[tuple[str, str, bool]]] = {
        None: [
            ("survey link page", f"/s/{tokens.token_for(link.nonce)}/", True),
            ("survey link page sent empty (errors)", SUBMIT_EMPTY_LINK, True),
            ("survey link answered (thank-you page)", ANSWER_LINK, True),
            ("expired survey link", f"/s/{tokens.token_for(expired.nonce)}/", True),
            ("invalid survey link", "/s/not-a-link/", True),
        ],
        "agent": [
            ("customer search results", f"/customers/?q={customer.mobile[-4:]}", False),
            ("callback queue on a phone", "/callbacks/", True),
            ("call page on a phone", f"/callbacks/{task.pk}/", True),
        ],
        "ccmanager": [
            ("import page", "/imports/", False),
            ("import error preview", f"/imports/{job.pk}/", False),
            ("callback dashboard", "/callbacks/dashboard/", False),
            ("printed 反馈单", f"/complaints/{closed.pk}/print/", False),
        ],
        "gm": [
            ("crisis cases", "/crisis/", False),
            ("crisis case", f"/crisis/{crisis.pk}/", False),
            ("preventive measures", "/complaints/measures/", False),
            ("preventive measure", f"/complaints/measures/{measure.pk}/", False),
            ("department assessment", "/complaints/assessment/", False),
            ("approvals on a phone", "/complaints/approvals/", True),
            ("ticket awaiting approval on a phone", f"/complaints/{awaiting.pk}/", True),
        ],
    }

    found: list[str] = []
    report: dict[str, Any] = {}
    for username, pages in screens.items():
        page = signed_in(browser, contexts, live_server, username, lang, phone=username is None)
        for name, path, phone in pages:
            page.set_viewport_size(PHONE if phone else DESK)
            if path == SUBMIT_EMPTY_LINK:
                page.get_by_role("button", name="提交评价").click()
                expect(page.locator(".sl-error").first).to_be_visible()
            elif path == ANSWER_LINK:
                for item in items_for(answered_task.type):
                    if item.mandatory:
                        page.locator(f"input[name=item_{item.key}][value={item.values[0]}]").check()
                page.locator("input[name=score][value='9']").check()
                page.get_by_role("button", name="提交评价").click()
                expect(page.get_by_role("heading", level=1)).to_have_text("感谢您的评价！")
            else:
                visit(page, live_server, path, username)
            # The customer's page is in Chinese whatever the phone's language (surveylinks.views).
            says = "zh-hans" if username is None else lang
            check(axe, page, f"{name} ({username or 'customer'})", lang, report, found, says=says)
            if username is None:
                problems = page.evaluate(FIELD_EDGES_JS, CUSTOMER_FIELDS) + page.evaluate(CUSTOMER_ERRORS_JS)
                found += [f"{problem} on {name}" for problem in problems]
    (ARTIFACTS / "accessibility" / f"axe-more-{lang}.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=1)
    )
    assert not found, f"axe WCAG A/AA serious/critical violations in {lang}:\n" + "\n".join(found)
