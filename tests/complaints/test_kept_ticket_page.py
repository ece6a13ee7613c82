"""The ticket page's body is kept per user under the revision of every table it reads (issue #25,
csat.fragments): a second visit reads no ticket, yet the page is never older than the last write —
through the services, a queryset ``update()``, raw SQL, a department renamed, a user's role
changed —, nor than the clock allows (the follow-up form opens at its minute). The CSRF token is
the request's own, a kept body never reaches a user who may not see the ticket, and each user
and language has their own."""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core.cache.backends.base import CacheKeyWarning
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from complaints.models import Complaint, DeadlineKind, Status
from csat import fragments, revisions
from csat.models import Department
from tests.fixtures import T0
from tests.kept import assert_watched

pytestmark = pytest.mark.django_db


def _page(client: Client, ticket: Complaint) -> str:
    response = client.get(f"/complaints/{ticket.pk}/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("status", [Status.DISPATCHED, Status.AWAITING_APPROVAL, Status.RESOLVED])
@pytest.mark.parametrize("role", ["agent", "ccm", "sales_mgr", "gm"])
def test_every_table_the_ticket_body_reads_replaces_its_revision_when_written(
    built_reads: list[set[str]],
    clock: Any,
    browser: Callable[[Any], Client],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    status: str,
    role: str,
) -> None:
    """A table the body reads but the revision does not watch would leave a kept body stale after a
    write to it; this fails as soon as the ticket page reads a new table."""
    ticket = advance(make_complaint(content="客户说要找媒体曝光，车辆刹车失灵"), status)
    _page(browser(people[role]), ticket)
    assert_watched(built_reads, "ticket", "the ticket body")


LIST_URLS = [
    "/complaints/",
    "/complaints/list/",
    "/complaints/list/?breached=1",
    "/complaints/list/?sort=-received",
]


@pytest.mark.parametrize("url", LIST_URLS)
@pytest.mark.parametrize("role", ["agent", "ccm", "sales_mgr", "business_mgr", "gm"])
def test_every_table_a_complaint_list_reads_replaces_its_revision_when_written(
    built_reads: list[set[str]],
    clock: Any,
    browser: Callable[[Any], Client],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    url: str,
    role: str,
) -> None:
    for status in (Status.DISPATCHED, Status.AWAITING_APPROVAL, Status.RESOLVED):
        advance(make_complaint(content="客户说要找媒体曝光，车辆刹车失灵"), status)
    response = browser(people[role]).get(url)
    assert response.status_code == 200
    assert_watched(built_reads, "complaint_lists", url)


def test_a_kept_list_shows_every_write_at_once(
    browser: Callable[[Any], Client],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    sales: Department,
) -> None:
    ticket = advance(make_complaint(), Status.DISPATCHED)
    client = browser(people["gm"])
    for url in ("/complaints/", "/complaints/list/"):
        with CaptureQueriesContext(connection) as first:
            assert ticket.number in client.get(url).content.decode()
        with CaptureQueriesContext(connection) as second:
            assert ticket.number in client.get(url).content.decode()
        assert len(second) < len(first), url  # kept
    Department.objects.filter(pk=sales.pk).update(name="新车销售一部")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE csat_customer SET name = %s WHERE id = %s", ["王老五", ticket.customer_id])
    for url in ("/complaints/", "/complaints/list/"):
        html = client.get(url).content.decode()
        assert "王老五" in html, url
    assert "新车销售一部" in client.get("/complaints/list/").content.decode()
    another = make_complaint(content="第二张投诉")
    assert another.number in client.get("/complaints/list/").content.decode()


def test_a_second_visit_reads_no_ticket_and_shows_the_same_page_with_its_own_csrf_token(
    browser: Callable[[Any], Client],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    ticket = advance(make_complaint(), Status.DISPATCHED)
    client = browser(people["sales_mgr"])
    with CaptureQueriesContext(connection) as first:
        built = _page(client, ticket)
    with CaptureQueriesContext(connection) as second:
        kept = _page(client, ticket)
    assert len(second) < len(first) - 5, (len(first), len(second))
    assert not [q for q in second.captured_queries if "complaints_complaint" in q["sql"]]
    assert fragments.CSRF_PLACEHOLDER not in kept

    def without_tokens(html: str) -> str:
        return re.sub(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]+"', r"\1", html)

    assert without_tokens(kept) == without_tokens(built)
    assert 'data-testid="action-contact"' in kept
    # The token in the kept body is the request's own: the form posts (enforced CSRF checks).
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(people["sales_mgr"])
    page = _page(strict, ticket)
    token = re.search(r'id="action-contact".*?name="csrfmiddlewaretoken" value="([^"]+)"', page, re.S)
    assert token and token.group(1) != fragments.CSRF_PLACEHOLDER
    response = strict.post(
        f"/complaints/{ticket.pk}/contact/",
        {"csrfmiddlewaretoken": token.group(1), "note": "已电话联系客户，约定明天到店"},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    # …and the kept body of the old status is not served any more.
    after = _page(strict, ticket)
    assert 'data-testid="action-contact"' not in after and 'data-testid="action-propose"' in after


def test_writes_outside_the_services_show_at_once(
    browser: Callable[[Any], Client],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    sales: Department,
) -> None:
    ticket = advance(make_complaint(), Status.DISPATCHED)
    client = browser(people["gm"])
    assert "销售部" in _page(client, ticket) or sales.name in _page(client, ticket)
    Department.objects.filter(pk=sales.pk).update(name="新车销售一部")  # no model signal
    assert "新车销售一部" in _page(client, ticket)
    Complaint.objects.filter(pk=ticket.pk).update(grade="E")
    assert re.search(r'data-testid="grade"><strong>E</strong>', _page(client, ticket))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE csat_customer SET name = %s WHERE id = %s", ["王老五", ticket.customer_id])
    assert "王老五" in _page(client, ticket)


def test_a_kept_body_never_reaches_a_user_who_may_not_see_the_ticket(
    browser: Callable[[Any], Client],
    people: dict[str, Any],
    other_agent: Any,
    make_complaint: Callable[..., Complaint],
) -> None:
    ticket = make_complaint()
    _page(browser(people["agent"]), ticket)  # kept for the agent of the ticket's store
    assert browser(other_agent).get(f"/complaints/{ticket.pk}/").status_code == 404


def test_each_user_and_language_has_their_own_body(
    browser: Callable[[Any], Client],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    ticket = advance(make_complaint(), Status.DISPATCHED)
    manager = _page(browser(people["sales_mgr"]), ticket)
    agent = _page(browser(people["agent"]), ticket)
    assert 'data-testid="action-contact"' in manager
    assert 'data-testid="action-contact"' not in agent
    english = browser(people["sales_mgr"])
    english.cookies.load({"django_language": "en"})
    assert "Contacted the customer" in _page(english, ticket) or "Next step" in _page(english, ticket)
    assert "下一步" in _page(browser(people["sales_mgr"]), ticket)


def test_a_role_changed_in_the_admin_changes_the_forms_at_once(
    browser: Callable[[Any], Client],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    ticket = advance(make_complaint(), Status.DISPATCHED)
    manager = people["sales_mgr"]
    client = browser(manager)
    assert 'data-testid="action-contact"' in _page(client, ticket)
    profile = manager.profile
    profile.role = "agent"
    profile.department = None
    profile.save()
    assert 'data-testid="action-contact"' not in _page(client, ticket)


def test_the_follow_up_form_opens_at_its_minute_without_a_write(
    browser: Callable[[Any], Client],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        ticket = advance(make_complaint(), Status.RESOLVED)
        window = ticket.deadlines.get(kind=DeadlineKind.FOLLOW_UP, met_at__isnull=True)
        traveller.move_to(window.opens_at - dt.timedelta(seconds=20))  # within MAX_SECONDS
        client = browser(people["agent"])  # signed in now: the session outlives the next seconds
        assert 'data-testid="follow-up-opens"' in _page(client, ticket)
        assert "<fieldset disabled>" in _page(client, ticket)  # kept
        traveller.move_to(window.opens_at + dt.timedelta(seconds=1))
        opened = _page(client, ticket)
        assert 'data-testid="follow-up-opens"' not in opened and "<fieldset disabled>" not in opened


def test_customer_cares_todo_count_grows_when_a_follow_up_window_opens_without_a_write(
    browser: Callable[[Any], Client],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    """ "我的待办" of customer care includes the follow-ups whose day 5–7 window has opened by now:
    the kept list lasts until the next window opens, not a minute longer."""

    def todo(html: str) -> int:
        found = re.search(r'data-testid="view-count-todo">(\d+)<', html)
        assert found
        return int(found.group(1))

    with time_machine.travel(T0, tick=False) as traveller:
        ticket = advance(make_complaint(), Status.RESOLVED)
        window = ticket.deadlines.get(kind=DeadlineKind.FOLLOW_UP, met_at__isnull=True)
        traveller.move_to(window.opens_at - dt.timedelta(seconds=20))
        client = browser(people["ccm"])
        before = todo(client.get("/complaints/list/").content.decode())
        with CaptureQueriesContext(connection) as kept:
            assert todo(client.get("/complaints/list/").content.decode()) == before
        assert not [q for q in kept.captured_queries if "complaints_complaint" in q["sql"]]  # kept
        traveller.move_to(window.opens_at + dt.timedelta(seconds=1))
        assert todo(client.get("/complaints/list/").content.decode()) == before + 1


def test_without_a_cache_the_page_is_built_every_time(
    browser: Callable[[Any], Client],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ticket = make_complaint()
    monkeypatch.setattr(revisions, "revision", lambda name: None)
    client = browser(people["agent"])
    first = _page(client, ticket)
    Complaint.objects.filter(pk=ticket.pk).update(grade="G")
    assert "<strong>G</strong>" in _page(client, ticket) and "<strong>G</strong>" not in first


def test_a_kept_page_renders_no_template_and_shows_the_current_unread_badge(
    browser: Callable[[Any], Client],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    """The whole page is kept, navigation included; the unread badge is the request's own (kept per
    user under the revision of the notifications), so a notification shows at once."""
    from csat.models import Notification

    ticket = advance(make_complaint(), Status.DISPATCHED)
    mgr = people["sales_mgr"]
    Notification.objects.filter(recipient=mgr).update(read_at=T0)
    client = browser(mgr)
    _page(client, ticket)
    response = client.get(f"/complaints/{ticket.pk}/")
    assert response.templates == []  # kept: nothing rendered
    html = response.content.decode()
    assert 'data-testid="unread-count"' not in html and fragments.UNREAD_PLACEHOLDER not in html
    Notification.objects.create(recipient=mgr, key="test:badge", title="新的通知")
    response = client.get(f"/complaints/{ticket.pk}/")
    assert response.templates == []  # the ticket's page is still kept …
    badge = re.search(r'data-testid="unread-count">(\d+)<', response.content.decode())
    assert badge and badge.group(1) == "1"  # … with the new count
    Notification.objects.filter(recipient=mgr).update(read_at=T0)
    assert 'data-testid="unread-count"' not in _page(client, ticket)


def test_a_flashed_message_is_shown_once_on_a_page_built_for_it(
    browser: Callable[[Any], Client],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    ticket = advance(make_complaint(), Status.DISPATCHED)
    client = browser(people["sales_mgr"])
    _page(client, ticket)
    _page(client, ticket)  # kept
    response = client.post(f"/complaints/{ticket.pk}/contact/", {"note": "已电话联系客户，约定明天到店"})
    assert response.status_code == 302
    shown = client.get(f"/complaints/{ticket.pk}/")
    assert shown.templates and 'role="alert"' in shown.content.decode()  # built for the message
    again = _page(client, ticket)
    assert 'role="alert"' not in again  # shown once; the page kept for the next views has none
    assert client.get(f"/complaints/{ticket.pk}/").templates == []


def test_a_list_with_a_long_query_string_is_kept_under_a_key_every_cache_takes(
    browser: Callable[[Any], Client],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    # A saved view or a pasted address can carry a long query string; the kept page's key then
    # goes by its digest (memcached refuses keys past 250 characters), and the page is still kept.
    ticket = advance(make_complaint(), Status.DISPATCHED)
    client = browser(people["gm"])
    url = "/complaints/list/?q=&sort=&" + "&".join(f"note{i}={'x' * 20}" for i in range(12))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with CaptureQueriesContext(connection) as first:
            assert ticket.number in client.get(url).content.decode()
        with CaptureQueriesContext(connection) as second:
            assert ticket.number in client.get(url).content.decode()
    assert len(second) < len(first)  # kept
    assert not [w for w in caught if issubclass(w.category, CacheKeyWarning)]
