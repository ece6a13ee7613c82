"""End-to-end harness: Playwright driving Debian's chromium against pytest-django's live server.

Skips cleanly when playwright (the Python package) or /usr/bin/chromium is missing; never
downloads a browser. Screenshots of each step go to $CSAT_ARTIFACTS (default artifacts/e2e).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CSAT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(os.environ.get("CSAT_ARTIFACTS", "artifacts/e2e"))


def serve_one_request_at_a_time() -> None:
    """With SQLite the test database is in memory and its one connection is shared by the live
    server's threads: two requests at once (a lazy HTMX panel loading while a form is submitted)
    fail with "database table is locked". Then the live server handles requests one by one, like
    Django's own single-threaded live server; PostgreSQL keeps the threaded one."""
    from django.conf import settings

    if not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        return
    from django.core.servers.basehttp import WSGIServer
    from django.test.testcases import LiveServerThread, QuietWSGIRequestHandler

    def create_server(self: Any, connections_override: Any = None) -> Any:
        return WSGIServer((self.host, self.port), QuietWSGIRequestHandler, allow_reuse_address=False)

    LiveServerThread._create_server = create_server  # type: ignore[method-assign]


serve_one_request_at_a_time()


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install playwright; no browser download needed)")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    # Playwright's sync API keeps an event loop in this thread; the ORM calls the tests make between
    # browser steps are ordinary synchronous code, so Django's async guard is lifted while it runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        # Two cores shared with other work: waits get 10 s (Playwright's default is 5 s); a wait
        # returns as soon as its condition holds, so this costs nothing when the machine is idle.
        expect.set_options(timeout=10_000)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


# --- One parametrisation for every journey: language × viewport -------------------------------

LANGUAGES = ("zh-hans", "en")
VIEWPORTS = {
    "1366x768": {"width": 1366, "height": 768},
    "768x1024": {"width": 768, "height": 1024},
    "390x844": {"width": 390, "height": 844},  # a phone
}
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


@dataclass(frozen=True)
class Variant:
    lang: str
    viewport: str

    def __str__(self) -> str:
        return f"{self.lang}-{self.viewport}"

    @property
    def size(self) -> dict[str, int]:
        return VIEWPORTS[self.viewport]

    @property
    def tablet(self) -> bool:
        return self.size["width"] < 1200  # base.html's navbar collapses below Bootstrap's xl

    def tr(self, msgid: str) -> str:
        """``msgid`` as the page shows it in this variant's language; in English the catalogue must
        really translate it (a missing translation fails here, naming the msgid)."""
        from django.utils import translation

        with translation.override(self.lang):
            text = str(translation.gettext(msgid))
        if self.lang != "zh-hans":
            assert not CJK.search(text), f"msgid {msgid!r} has no {self.lang} translation in locale/"
        return text


VARIANTS = [Variant(lang, viewport) for lang in LANGUAGES for viewport in ("1366x768", "768x1024")]
# Issue #22's daily-work journeys: the desk and a 390 px phone (a module overrides ``variant`` with these).
DESK_AND_PHONE = [Variant(lang, viewport) for lang in LANGUAGES for viewport in ("1366x768", "390x844")]


@pytest.fixture(params=VARIANTS, ids=str)
def variant(request: Any) -> Variant:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def page(browser: Any, live_server: Any, variant: Variant) -> Iterator[Any]:
    """A fresh browser context (cookies, storage) per test at the variant's viewport; the browser is
    shared by the whole session. The language is switched by the user in sign_in, like a person would."""
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport=variant.size, reduced_motion="reduce"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base_url = live_server.url  # type: ignore[attr-defined]
    yield page
    context.close()


# Every visible control must have an accessible name; computed in the page in one round trip.
UNLABELLED_CONTROLS_JS = r"""() => {
  const shown = el => {
    const box = el.getBoundingClientRect(), style = getComputedStyle(el);
    return box.width > 0 && box.height > 0 && style.visibility !== "hidden";
  };
  const text = s => (s || "").replace(/\s+/g, " ").trim();
  const name = el => {
    const byIds = (el.getAttribute("aria-labelledby") || "").split(/\s+/).filter(Boolean)
      .map(id => document.getElementById(id)?.textContent).join(" ");
    const labels = [...(el.labels || [])].map(label => label.textContent).join(" ");
    const own = el.tagName === "BUTTON" ? el.textContent
      : ["submit", "button", "reset"].includes(el.type) ? el.value : "";
    return text(el.getAttribute("aria-label")) || text(byIds) || text(labels) || text(own)
      || text(el.getAttribute("title"));
  };
  return [...document.querySelectorAll("input:not([type=hidden]), select, textarea, button")]
    .filter(shown).filter(el => !name(el)).map(el => el.outerHTML.slice(0, 160));
}"""


# The page's own wording (headings, labels, buttons, table headers, navigation, help, alerts,
# options), leaving out ``skip`` and with the ``data`` (names of people, stores, plates…) cut out.
CHROME_TEXT_JS = r"""({data, skip}) => {
  const chrome = "h1, h2, h3, h4, h5, h6, label, legend, button, th, dt, caption, option, .nav-link, "
    + ".navbar-brand, .btn, .badge, .form-text, .alert, [role=alert], [role=status]";
  return [...document.querySelectorAll(chrome)].filter(el => !el.closest(skip))
    .map(el => { const copy = el.cloneNode(true); copy.querySelectorAll(skip).forEach(s => s.remove()); return copy; })
    .map(el => data.reduce((text, word) => text.split(word).join(" "), el.textContent))
    .map(text => text.replace(/\s+/g, " ").trim());
}"""
# Left out of that check, each for its reason.
NOT_WORDING = {
    "#language-select": "each language is named in itself",
    # Early-warning explanations render in the page language, but a word signal quotes the
    # customer's own words as typed ("The customer's words contain “曝光”").
    "[data-testid=signals] li": "early-warning explanations quote the customer's words",
}
IDEOGRAPH = re.compile(r"[\u3400-\u9fff]")


def data_words() -> list[str]:
    """What users typed or imported, shown as is in every language: people, stores, departments,
    customers, plates and car models (the longest first, so that longer names are cut out whole)."""
    from django.contrib.auth import get_user_model

    from csat.models import Customer, Department, Store, Vehicle

    words = {u.get_full_name() for u in get_user_model().objects.all()}
    words |= set(Store.objects.values_list("name", flat=True))
    words |= set(Department.objects.values_list("name", flat=True))
    words |= set(Customer.objects.values_list("name", flat=True))
    for vehicle in Vehicle.objects.all():
        words |= {vehicle.plate, vehicle.plate_display, vehicle.model}
    return sorted((w for w in words if w), key=len, reverse=True)


def assert_page_in(page: Any, variant: Variant) -> None:
    """In a non-Chinese variant, the page's own wording has no Chinese left once the data is cut out:
    every such string is a msgid without a translation or a string that bypasses gettext."""
    if variant.lang == "zh-hans":
        return
    texts = page.evaluate(CHROME_TEXT_JS, {"data": data_words(), "skip": ", ".join(NOT_WORDING)})
    leaks = sorted({text for text in texts if IDEOGRAPH.search(text)})
    assert not leaks, f"Chinese wording on {page.url} in {variant.lang}: {leaks}"


def assert_controls_labelled(page: Any) -> None:
    """Every visible input/select/textarea/button has an accessible name: label[for], a wrapping
    label, aria-label, aria-labelledby, or (buttons) its text or title."""
    unlabelled = page.evaluate(UNLABELLED_CONTROLS_JS)
    assert not unlabelled, f"controls without an accessible name on {page.url}: {unlabelled}"


@pytest.fixture
def shot(page: Any, request: Any, variant: Variant) -> Callable[[str], Path]:
    """shot("01-login") is called after each step: it checks that every visible control on the page
    is labelled and that an English page has no Chinese wording of its own, then saves a full-page screenshot as $CSAT_ARTIFACTS/<journey>/<variant>/<step>.png."""
    journey = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    folder = ARTIFACTS / journey / str(variant)
    folder.mkdir(parents=True, exist_ok=True)

    def take(step: str) -> Path:
        assert_controls_labelled(page)
        assert_page_in(page, variant)
        path = folder / f"{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def assert_hint_whole(field: Any, where: str) -> None:
    """A text field's placeholder is read whole, not cut at the field's edge."""
    hint = field.evaluate(
        """i => { const c = document.createElement("canvas").getContext("2d"); const s = getComputedStyle(i);
              c.font = s.font;
              return [c.measureText(i.placeholder).width,
                      i.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight)] }"""
    )
    # A few pixels to spare: the canvas measures the font a little narrower than the field draws it
    # (a hint measured 346 px in a 348 px box showed cut).
    assert hint[0] <= hint[1] - 6, f"the hint is {hint[0]:.0f} px in a {hint[1]:.0f} px box at {where}"


def open_nav(page: Any) -> Any:
    """The main navigation, expanded first when it is collapsed behind the toggler (tablet)."""
    from playwright.sync_api import expect

    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
        toggler.click()
        expect(page.locator("#nav-main")).to_have_class(re.compile(r"\bshow\b"))
    return page.get_by_role("navigation")


# --- Shared data and steps of the manager, GM and customer-care journeys (issue 10) -------------


@pytest.fixture
def dealership(media_root: Path, store: Any) -> dict[str, Any]:
    """One store with every department, one person per journey role, and a customer with a car;
    uploaded agreements land in a temporary folder (``media_root``)."""
    from csat.models import DepartmentKind, Role
    from tests.factories import CustomerFactory, DepartmentFactory, StaffFactory, VehicleFactory

    departments = {kind: DepartmentFactory(store=store, kind=kind) for kind in DepartmentKind.values}
    customer = CustomerFactory(store=store, name="陈伟")
    return {
        "store": store,
        "departments": departments,
        "sales": departments[DepartmentKind.SALES],
        "care_dept": departments[DepartmentKind.CUSTOMER_CARE],
        "care": StaffFactory(username="kefu", name="王芳", role=Role.CUSTOMER_CARE_MANAGER, store=store),
        "manager": StaffFactory(username="xiaoshou", name="赵强", role=Role.DEPARTMENT_MANAGER, store=store),
        "gm": StaffFactory(username="zongjingli", name="刘总", role=Role.GENERAL_MANAGER, store=store),
        "customer": customer,
        "vehicle": VehicleFactory(customer=customer, store=store, plate="粤B12345", model="CX-5"),
    }


@pytest.fixture
def dispatched_ticket(dealership: dict[str, Any]) -> Callable[..., Any]:
    """dispatched_ticket(content=..., **create kwargs): a complaint received by customer care and
    dispatched to the sales department, through the real workflow services."""
    from complaints.services import workflow

    def make(content: str = "交车时承诺的脚垫和贴膜一直没有兑现", **kwargs: Any) -> Any:
        return workflow.complaint_create(
            actor=dealership["care"],
            customer=dealership["customer"],
            content=content,
            received_by_department=dealership["care_dept"],
            dispatch_to=dealership["sales"],
            **kwargs,
        )

    return make


@pytest.fixture
def sign_in(page: Any, variant: Variant) -> Callable[..., None]:
    """sign_in("kefu", shot=shot): the login page, the footer's language switch when the variant is
    not Chinese, then the credentials typed into the labelled fields; waits until the signed-in page
    shows who is there. The language choice stays in the context's cookie for later pages."""
    from playwright.sync_api import expect

    from tests.factories import DEFAULT_PASSWORD

    def go(username: str, *, shot: Callable[[str], Path] | None = None) -> None:
        page.goto(page.base_url + "/accounts/login/")
        if page.locator("html").get_attribute("lang") != variant.lang:
            page.locator("#language-select").select_option(variant.lang)
            page.locator("#language-select").locator("xpath=ancestor::form").locator("button").click()
            expect(page.locator("html")).to_have_attribute("lang", variant.lang)
        expect(page.get_by_role("heading", level=1)).to_have_text(variant.tr("登录"))
        page.get_by_label(variant.tr("用户名")).fill(username)
        page.get_by_label(variant.tr("密码")).fill(DEFAULT_PASSWORD)
        if shot is not None:
            shot("01-login")
        page.get_by_label(variant.tr("密码")).press("Enter")
        expect(page.get_by_test_id("whoami")).to_be_attached()  # inside the collapsed menu on a tablet

    return go


@pytest.fixture
def resume_session(page: Any, live_server: Any) -> Callable[[Any], None]:
    """resume_session(user): a stored session instead of the login form, for a later sign-in of the
    same journey (e.g. the next working day); the session is created server-side at the current
    (possibly travelled) time and its cookie put into the browser context."""
    from django.conf import settings
    from django.test import Client

    def resume(user: Any) -> None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])

    return resume


def status_label(status: str, lang: str = "zh-hans") -> str:
    """The complaint status as the page shows it in ``lang`` (the app's own catalogue; in English a
    missing translation fails here)."""
    from django.utils import translation

    from complaints.models import Status

    with translation.override(lang):
        label = str(Status(status).label)
    if lang != "zh-hans":
        assert not CJK.search(label), f"status {status!r} has no {lang} translation"
    return label
