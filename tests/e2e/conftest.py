"""End-to-end harness: Playwright driving Debian's chromium against pytest-django's live server.

Skips cleanly when playwright (the Python package) or /usr/bin/chromium is missing; never
downloads a browser. Screenshots of each step go to $CSAT_ARTIFACTS (default artifacts/e2e).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CSAT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(os.environ.get("CSAT_ARTIFACTS", "artifacts/e2e"))


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install playwright; no browser download needed)")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    # Playwright's sync API keeps an event loop in this thread; the ORM calls the tests make between
    # browser steps are ordinary synchronous code, so Django's async guard is lifted while it runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser: Any, live_server: Any, request: Any) -> Iterator[Any]:
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1366, "height": 900}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base_url = live_server.url  # type: ignore[attr-defined]
    yield page
    context.close()


@pytest.fixture
def shot(page: Any, request: Any) -> Callable[[str], Path]:
    """shot("01-login") saves a full-page screenshot under $CSAT_ARTIFACTS/<test name>/."""
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)

    def take(step: str) -> Path:
        path = folder / f"{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


# --- Shared data and steps of the manager, GM and customer-care journeys (issue 10) -------------

LANGUAGES = ("zh-hans", "en")
VIEWPORTS = {"1366x768": {"width": 1366, "height": 768}, "768x1024": {"width": 768, "height": 1024}}


@pytest.fixture
def e2e_media(settings: Any, tmp_path: Path) -> Path:
    """Uploaded agreements land in a temporary folder, never in the project's media/."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def dealership(e2e_media: Path) -> dict[str, Any]:
    """One store with every department, one person per journey role, and a customer with a car."""
    from csat.models import DepartmentKind, Role
    from tests.factories import CustomerFactory, DepartmentFactory, StaffFactory, StoreFactory, VehicleFactory

    store = StoreFactory(code="SZ01", name="深圳福田店")
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
def sign_in(page: Any) -> Callable[..., None]:
    """sign_in("kefu", lang="en"): the login page, the footer's language switch when asked, then the
    credentials; waits until the signed-in page shows who is there."""
    from playwright.sync_api import expect

    from tests.factories import DEFAULT_PASSWORD

    def go(username: str, *, lang: str = "zh-hans", shot: Callable[[str], Path] | None = None) -> None:
        page.goto(page.base_url + "/accounts/login/")
        if lang != "zh-hans":
            page.locator("#language-select").select_option(lang)
            page.locator("#language-select").locator("xpath=ancestor::form").locator("button").click()
            expect(page.locator("html")).to_have_attribute("lang", re.compile(f"^{lang}"))
        page.locator("#id_username").fill(username)
        page.locator("#id_password").fill(DEFAULT_PASSWORD)
        if shot is not None:
            shot("01-login")
        page.locator("#id_password").press("Enter")
        expect(page.get_by_test_id("whoami")).to_be_attached()  # inside the collapsed menu on a tablet

    return go


def status_label(status: str, lang: str = "zh-hans") -> str:
    """The complaint status as the page shows it in ``lang`` (the app's own catalogue)."""
    from django.utils import translation

    from complaints.models import Status

    with translation.override(lang):
        return str(Status(status).label)
