"""Each role's home shows its work (issue #22, "Home and lists"): the department manager's new
dispatches with the 2-hour countdown, breached, awaiting my proposal and assigned to each person;
customer care's to register, to dispatch, day 5–7 follow-ups due today and breaches by step; the GM's
approvals with amounts, major complaints and crisis signals by severity; the admin's disputes and
calendar warning. Every number links to its list, and the list behind the link holds that many
tickets. Each home answers in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client

from complaints.models import AssessmentDispute, Complaint, Deadline, DeadlineKind, Severity, Status
from complaints.services import accountability
from complaints.services.deadlines import deadline_breach
from crisis.models import WarningSignal
from tests.factories import CustomerFactory
from tests.fixtures import CHINESE, T0, make_staff
from tests.querycount import assert_flat

pytestmark = pytest.mark.django_db


def home(user: Any) -> tuple[dict[str, Any], str]:
    client = Client()
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return {tile.key: tile for tile in response.context["tiles"]}, response.content.decode()


def listed(user: Any, url: str) -> int:
    """How many tickets the list behind a tile's link holds."""
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    found = re.search(r'data-testid="list-count">(\d+)<', response.content.decode())
    assert found, url
    return int(found.group(1))


def _breach(complaint: Complaint, kind: str) -> None:
    row = Deadline.objects.get(complaint=complaint, kind=kind)
    moment = row.due_at + dt.timedelta(minutes=1)
    with time_machine.travel(moment, tick=False):
        assert deadline_breach(deadline_id=row.pk, now=moment)


def test_department_manager_home_shows_new_dispatches_breached_proposals_and_assignees(
    clock: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    sales: Any,
    sales_mgr: Any,
    staff: Callable[..., Any],
    store: Any,
) -> None:
    overdue = make_complaint(dispatch_to=sales)
    new = make_complaint(dispatch_to=sales)
    working = advance(make_complaint(), Status.IN_PROGRESS)
    seller = make_staff("seller1", "staff", store, sales)
    accountability.complaint_assign(complaint=working, actor=sales_mgr, user=seller)
    _breach(overdue, DeadlineKind.FIRST_CONTACT)
    tiles, html = home(sales_mgr)
    # New and breached are disjoint, as in the department's queue: the overdue dispatch is counted
    # once, under breached.
    assert tiles["new"].count == 1
    assert tiles["breached"].count == 1
    assert tiles["proposal"].count == 1
    assert tiles[f"assignee-{seller.pk}"].count == 1
    # The new dispatches carry their 2-hour contact countdown; the overdue one is not among them.
    assert [t.number for t in tiles["new"].rows] == [new.number]
    assert 'data-due="' in html and new.number in html
    for key in ("new", "breached", "proposal", f"assignee-{seller.pk}"):
        assert f'href="{tiles[key].url.replace("&", "&amp;")}"' in html
        assert listed(sales_mgr, tiles[key].url) == tiles[key].count, key
    assert 'data-testid="overview"' not in html  # not the store's totals


def test_customer_care_home_shows_to_register_to_dispatch_follow_ups_and_breaches_by_step(
    clock: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    sales: Any,
    sales_mgr: Any,
    ccm: Any,
) -> None:
    make_complaint(actor=sales_mgr, received_by_department=sales)  # received by sales: to register
    registered = make_complaint()  # customer care's own: registered, to dispatch
    resolved = advance(make_complaint(), Status.RESOLVED)
    _breach(registered, DeadlineKind.DISPATCH)
    tiles, _html = home(ccm)
    assert (tiles["register"].count, tiles["dispatch"].count) == (1, 1)
    assert tiles["follow_up"].count == 0  # the day 5–7 window has not opened
    assert tiles[f"breached-{DeadlineKind.DISPATCH}"].count == 1
    assert f"breached-{DeadlineKind.FIRST_CONTACT}" not in tiles
    for key in ("register", "dispatch", f"breached-{DeadlineKind.DISPATCH}"):
        assert listed(ccm, tiles[key].url) == tiles[key].count, key
    follow_up = Deadline.objects.get(complaint=resolved, kind=DeadlineKind.FOLLOW_UP)
    with time_machine.travel(follow_up.opens_at + dt.timedelta(hours=1), tick=False):
        tiles, _html = home(ccm)
        assert tiles["follow_up"].count == 1
        assert listed(ccm, tiles["follow_up"].url) == 1


def test_general_manager_home_shows_approvals_with_amounts_major_and_signals_by_severity(
    clock: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    gm: Any,
    store: Any,
) -> None:
    advance(make_complaint(), Status.AWAITING_APPROVAL, compensation=Decimal("1200.00"))
    Complaint.objects.filter(pk=make_complaint().pk).update(severity=Severity.MAJOR)
    customer = CustomerFactory(store=store)
    for code, grade in (("a", "G"), ("b", "G"), ("c", "D")):
        WarningSignal.objects.create(
            store=store, customer=customer, source=WarningSignal.Source.CUSTOMER, record_id=customer.pk,
            code=code, explanation="测试", suggested_grade=grade,
        )  # fmt: skip
    tiles, html = home(gm)
    assert tiles["approvals"].count == 1
    assert 'data-testid="approval-amount">¥1200.00<' in html
    assert tiles["major"].count == 1 and listed(gm, tiles["major"].url) == 1
    # One customer with two G signals is one row of the board the tile opens.
    assert (tiles["signals-G"].count, tiles["signals-D"].count) == (1, 1)
    keys = list(tiles)
    assert keys.index("signals-G") < keys.index("signals-D")  # most severe first
    client = Client()
    client.force_login(gm)
    board = client.get(tiles["signals-D"].url.split("#")[0]).content.decode()
    assert board.count('data-testid="signal-row"') == 1


def test_admin_home_shows_open_disputes_and_the_calendar_warning(
    clock: Any, make_complaint: Callable[..., Complaint], assessor: Any, ccm: Any, care: Any
) -> None:
    AssessmentDispute.objects.create(
        department=care, month=dt.date(2026, 3, 1), event="test:1", event_kind="breach",
        points=Decimal("-2"), reason="系统故障", raised_by=ccm,
    )  # fmt: skip
    tiles, _html = home(assessor)
    assert tiles["disputes"].count == 1
    assert tiles["disputes"].url.startswith("/complaints/assessment/")
    assert tiles["calendar"].count == 0  # March: next year's schedule is not due yet
    with time_machine.travel(dt.datetime(2026, 11, 2, 10, 0, tzinfo=T0.tzinfo), tick=False):
        tiles, _html = home(assessor)
        assert tiles["calendar"].count == 1 and tiles["calendar"].url == "/calendar/"


def test_ticket_list_refuses_unknown_filters(ccm: Any) -> None:
    """An unknown value is a 400 naming the filter in the filter bar (issue #22), never a wider list."""
    client = Client()
    client.force_login(ccm)
    for query in ("step=nope", "severity=huge", "followup=tomorrow", "status=gone"):
        response = client.get(f"/complaints/list/?{query}")
        assert response.status_code == 400, query
        assert 'data-testid="filter-errors"' in response.content.decode(), query


def test_new_complaint_form_is_prefilled_from_a_customer_or_a_ticket(
    clock: Any, make_complaint: Callable[..., Complaint], agent: Any, customer: Any, other_store: Any
) -> None:
    client = Client()
    client.force_login(agent)
    home_html = client.get("/").content.decode()
    assert 'href="/complaints/new/" data-testid="new-complaint"' in home_html  # the form, not the board
    form = client.get(f"/complaints/new/?customer={customer.pk}").context["form"]
    assert (form.initial["name"], form.initial["mobile"]) == (customer.name, customer.mobile)
    ticket = make_complaint()
    form = client.get(f"/complaints/new/?ticket={ticket.pk}").context["form"]
    assert form.initial["name"] == customer.name and form.initial["category"] == ticket.category
    stranger = CustomerFactory(store=other_store)
    form = client.get(f"/complaints/new/?customer={stranger.pk}").context["form"]
    assert form.initial.get("name") is None  # another store's customer fills nothing
    form = client.get(f"/complaints/new/?customer={customer.pk}&channel=callback&plate=粤B12345").context[
        "form"
    ]
    assert (form.initial["channel"], form.initial["plate"]) == ("callback", "粤B12345")
    detail = client.get(f"/customers/{customer.pk}/").content.decode()
    assert f"/complaints/new/?customer={customer.pk}" in detail


def test_every_home_has_a_fixed_query_count(
    settings: Any,
    clock: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    sales: Any,
    sales_mgr: Any,
    ccm: Any,
    gm: Any,
    assessor: Any,
    staff: Callable[..., Any],
    store: Any,
) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    seq = iter(range(1000))

    def grow(k: int) -> None:
        for _ in range(k):
            i = next(seq)
            make_complaint(dispatch_to=sales)
            make_complaint()
            ticket = advance(make_complaint(), Status.AWAITING_APPROVAL)
            person = make_staff(f"seller{i}", "staff", store, sales)
            accountability.complaint_assign(complaint=ticket, actor=sales_mgr, user=person)

    assert_flat(
        {
            "department": (sales_mgr, "/", False),
            "customer_care": (ccm, "/", False),
            "gm": (gm, "/", False),
            "admin": (assessor, "/", False),
        },
        grow,
        pinned={
            # session, user with profile, unread badge; then the home's own:
            "department": 6,  # counts, the new dispatches' rows, per-person counts
            "customer_care": 5,  # counts, breaches by step
            "gm": 7,  # counts, approval rows, signals by grade, calendar warning
            "admin": 5,  # open disputes, calendar warning
        },
    )


def test_home_tiles_read_in_english(clock: Any, make_complaint: Callable[..., Complaint], ccm: Any) -> None:
    make_complaint()
    client = Client()
    client.force_login(ccm)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    tiles = html[html.index('data-testid="home-tiles"') : html.index("</div>\n<script")]
    assert "To dispatch" in tiles and "Follow-ups due today (day 5–7)" in tiles
    assert not CHINESE.search(tiles), CHINESE.findall(tiles)
