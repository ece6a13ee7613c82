"""Help-desk parity on the ticket page: an internal note (添加备注) anyone working the ticket may add,
and a call the customer did not answer (未接通) logged within the 2-hour contact step — neither
changes the ticket's status or timers (DOMAIN §9: contact needs what the customer said)."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.test import Client

from complaints.actions import ACTIONS
from complaints.models import Complaint, ComplaintEvent, Deadline, DeadlineKind, Status
from complaints.permissions import can_act
from complaints.services import accountability, steps
from complaints.services.ticket import RequiredTextError, ticket_version
from csat.exceptions import ApplicationError, NotAllowedError
from csat.models import Notification, Role
from csat.text_limits import NOTE
from tests.fixtures import T0, make_staff

pytestmark = pytest.mark.django_db


def _timers(ticket: Complaint) -> list[tuple[Any, ...]]:
    return list(
        Deadline.objects.filter(complaint=ticket)
        .order_by("pk")
        .values_list("kind", "cycle", "sequence", "due_at", "met_at", "cancelled_at", "breached_at")
    )


def _state(ticket: Complaint) -> tuple[Any, ...]:
    ticket.refresh_from_db()
    return (ticket.status, ticket.next_due_at, ticket.next_due_kind, ticket.first_contact_at, _timers(ticket))


@pytest.fixture
def sales_staff(sales: Any) -> Any:
    """A consultant of the sales department (role staff), whom its manager may assign a ticket."""
    return make_staff("sales_staff", Role.STAFF, sales.store, sales)


@pytest.fixture
def assigned(
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    people: dict[str, Any],
    sales_staff: Any,
) -> Complaint:
    """An in-progress ticket of the sales department, assigned to ``sales_staff``."""
    ticket = advance(make_complaint(), Status.IN_PROGRESS)
    return accountability.complaint_assign(complaint=ticket, actor=people["sales_mgr"], user=sales_staff)


# --- 1. The internal note: the service ---------------------------------------------------------


def test_a_note_is_an_event_of_who_when_and_the_text_and_changes_nothing_else(
    clock: Any, assigned: Complaint, people: dict[str, Any]
) -> None:
    before = _state(assigned)
    steps.complaint_note(complaint=assigned, actor=people["agent"], note="  客户下午三点会再来电  \n")
    event = ComplaintEvent.objects.filter(complaint=assigned).latest("pk")
    assert (event.action, event.actor, event.note) == ("note", people["agent"], "客户下午三点会再来电")
    assert event.from_status == event.to_status == Status.IN_PROGRESS
    assert event.created_at == T0
    assert _state(assigned) == before  # no status, no deadline, no next due time moved


@pytest.mark.parametrize("status", [Status.REGISTERED, Status.DISPATCHED, Status.RESOLVED, Status.CLOSED])
def test_a_note_may_be_added_in_any_status(
    clock: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    people: dict[str, Any],
    status: str,
) -> None:
    ticket = advance(make_complaint(), status)
    steps.complaint_note(complaint=ticket, actor=people["ccm"], note="客户要求书面答复")
    ticket.refresh_from_db()
    assert ticket.status == status
    assert ticket.events.filter(action="note").count() == 1


@pytest.mark.parametrize("text", ["", "   ", "\u200b\u200b", "\n\t"])
def test_an_empty_note_is_refused_with_a_message(
    clock: Any, assigned: Complaint, people: dict[str, Any], text: str
) -> None:
    with pytest.raises(RequiredTextError) as refused:
        steps.complaint_note(complaint=assigned, actor=people["agent"], note=text)
    assert refused.value.field == "note" and refused.value.message == "请填写备注内容。"
    assert not assigned.events.filter(action="note").exists()


def test_a_note_over_the_limit_is_refused_saying_how_long_it_may_be(
    clock: Any, assigned: Complaint, people: dict[str, Any]
) -> None:
    with pytest.raises(RequiredTextError) as refused:
        steps.complaint_note(complaint=assigned, actor=people["agent"], note="长" * (NOTE + 1))
    assert refused.value.message == f"备注最多 {NOTE} 字，当前 {NOTE + 1} 字。"
    assert not assigned.events.filter(action="note").exists()
    steps.complaint_note(complaint=assigned, actor=people["agent"], note="长" * NOTE)  # the limit itself
    assert assigned.events.filter(action="note").count() == 1


# --- 1. Who may add a note -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("agent", True),  # customer care
        ("ccm", True),
        ("gm", True),
        ("sales_mgr", True),  # the manager of the department that owns the ticket
        ("sales_staff", True),  # the person assigned to it
        ("business_mgr", False),  # another department's manager
        ("business_staff", False),  # a front-line member of another department
        ("viewer", False),  # head office: reads every store, changes nothing
        ("other_agent", False),  # customer care of another store
    ],
)
def test_who_may_add_a_note(
    clock: Any, assigned: Complaint, request: pytest.FixtureRequest, who: str, allowed: bool
) -> None:
    user = request.getfixturevalue(who)
    assert can_act(user, assigned, "note") is allowed
    if allowed:
        steps.complaint_note(complaint=assigned, actor=user, note="备注")
    else:
        with pytest.raises(NotAllowedError):
            steps.complaint_note(complaint=assigned, actor=user, note="备注")


def test_a_department_that_only_received_the_ticket_adds_no_note(
    clock: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    business: Any,
    business_mgr: Any,
) -> None:
    """The receiving department's manager still reads the ticket, but it is not theirs to work."""
    ticket = advance(make_complaint(received_by_department=business), Status.IN_PROGRESS)
    assert can_act(business_mgr, ticket, "note") is False


def test_an_assignee_no_longer_assigned_adds_no_note(
    clock: Any, assigned: Complaint, people: dict[str, Any], sales_staff: Any, sales: Any
) -> None:
    other = make_staff("sales_staff2", Role.STAFF, sales.store, sales)
    accountability.complaint_assign(complaint=assigned, actor=people["sales_mgr"], user=other)
    assigned.refresh_from_db()
    assert can_act(sales_staff, assigned, "note") is False
    assert can_act(other, assigned, "note") is True


# --- 1. Who hears of a note ---------------------------------------------------------------------


def _told(ticket: Complaint) -> list[tuple[str, str]]:
    return sorted(
        (n.recipient.username, n.key)
        for n in Notification.objects.filter(key__startswith=f"complaint:{ticket.pk}:note:")
    )


def test_the_assignee_and_the_departments_manager_hear_of_another_persons_note_once(
    clock: Any, assigned: Complaint, people: dict[str, Any], sales_staff: Any
) -> None:
    steps.complaint_note(complaint=assigned, actor=people["agent"], note="客户说周五之前必须答复")
    event = assigned.events.get(action="note")
    key = f"complaint:{assigned.pk}:note:{event.pk}"
    assert _told(assigned) == [("sales_mgr", key), ("sales_staff", key)]
    notice = Notification.objects.get(recipient=sales_staff, key=key)
    assert assigned.number in notice.title and "添加了备注" in notice.title
    assert notice.body == "客户说周五之前必须答复" and notice.url == f"/complaints/{assigned.pk}/"
    # The English reader sees it in English.
    assert "added a note" in notice.translations["en"]["title"]


def test_the_author_is_not_told_of_their_own_note(
    clock: Any, assigned: Complaint, people: dict[str, Any], sales_staff: Any
) -> None:
    steps.complaint_note(complaint=assigned, actor=people["sales_mgr"], note="已安排技师复检")
    steps.complaint_note(complaint=assigned, actor=sales_staff, note="复检完成")
    first, second = assigned.events.filter(action="note").order_by("pk")
    assert _told(assigned) == [
        ("sales_mgr", f"complaint:{assigned.pk}:note:{second.pk}"),
        ("sales_staff", f"complaint:{assigned.pk}:note:{first.pk}"),
    ]


def test_a_note_on_a_ticket_no_department_works_yet_tells_nobody(
    clock: Any, make_complaint: Callable[..., Complaint], people: dict[str, Any]
) -> None:
    ticket = make_complaint()
    steps.complaint_note(complaint=ticket, actor=people["agent"], note="客户要求回电")
    assert _told(ticket) == []


# --- 1. The same locking path as every step --------------------------------------------------------


def test_a_note_takes_the_tickets_row_lock_like_every_step(
    clock: Any, assigned: Complaint, people: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from complaints.services import ticket as ticket_services

    locked: list[int] = []
    real = ticket_services.lock

    def spy(complaint: Any) -> Complaint:
        locked.append(complaint if isinstance(complaint, int) else complaint.pk)
        return real(complaint)

    monkeypatch.setattr(ticket_services, "lock", spy)
    seen = ticket_version(assigned.events.all())
    ACTIONS["note"].run(complaint=assigned, actor=people["agent"], data={"note": "一"}, seen=seen)
    assert locked and set(locked) == {assigned.pk}


@pytest.mark.django_db(transaction=True)
def test_a_note_waits_for_a_step_holding_the_ticket(
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    people: dict[str, Any],
) -> None:
    """Concurrent edits of one ticket are serialised: a note sent while another transaction holds the
    ticket's row lock waits for it (PostgreSQL; SQLite serialises every writer anyway)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, there is no lock to wait for")
    ticket = advance(make_complaint(), Status.IN_PROGRESS)
    holding, release = threading.Event(), threading.Event()
    done: list[float] = []

    def step() -> None:
        try:
            with transaction.atomic():
                Complaint.objects.select_for_update().get(pk=ticket.pk)
                holding.set()
                release.wait(timeout=10)
        finally:
            connections.close_all()

    def note() -> None:
        try:
            holding.wait(timeout=10)
            steps.complaint_note(complaint=ticket.pk, actor=people["agent"], note="并发备注")
            done.append(time.monotonic())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=step), threading.Thread(target=note)]
    for thread in threads:
        thread.start()
    holding.wait(timeout=10)
    time.sleep(0.5)
    assert done == []  # still waiting for the lock
    released = time.monotonic()
    release.set()
    for thread in threads:
        thread.join(timeout=20)
    assert len(done) == 1 and done[0] >= released
    assert ComplaintEvent.objects.filter(complaint=ticket, action="note").count() == 1


# --- 1. The ticket page and the API -------------------------------------------------------------------


def _version(html: str) -> str:
    versions = set(re.findall(r'name="seen" value="(\d+)"', html))
    assert len(versions) == 1, versions
    return versions.pop()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("agent", 302),
        ("ccm", 302),
        ("gm", 302),
        ("sales_mgr", 302),
        ("sales_staff", 302),
        ("business_staff", 404),  # may not read the ticket
        ("viewer", 403),  # reads it, changes nothing
        ("other_agent", 404),
    ],
)
def test_the_note_form_per_role(
    clock: Any,
    assigned: Complaint,
    browser: Callable[[Any], Client],
    request: pytest.FixtureRequest,
    who: str,
    status: int,
) -> None:
    user = request.getfixturevalue(who)
    client = browser(user)
    page = client.get(f"/complaints/{assigned.pk}/")
    if status == 302:
        assert 'data-testid="action-note"' in page.content.decode()
    elif status == 403:
        assert page.status_code == 200 and 'data-testid="action-note"' not in page.content.decode()
    response = client.post(f"/complaints/{assigned.pk}/note/", {"note": "客户说周五前答复"})
    assert response.status_code == status
    assert assigned.events.filter(action="note").count() == (1 if status == 302 else 0)


def test_the_page_adds_a_note_to_the_history_and_says_who_was_told(
    clock: Any, assigned: Complaint, browser: Callable[[Any], Client], people: dict[str, Any]
) -> None:
    client = browser(people["agent"])
    seen = _version(client.get(f"/complaints/{assigned.pk}/").content.decode())
    response = client.post(
        f"/complaints/{assigned.pk}/note/", {"note": "客户<周五>前要答复", "seen": seen}, follow=True
    )
    html = response.content.decode()
    assert "备注已添加，" in html and "已收到通知" in html
    timeline = html.split('data-testid="timeline"')[1].split("</ol>")[0]
    row = timeline.split('data-action="note"')[1].split("</li>")[0]
    assert "内部备注" in row and "客户&lt;周五&gt;前要答复" in row and "2026-03-11 10:00" in row
    assigned.refresh_from_db()
    assert assigned.status == Status.IN_PROGRESS


@pytest.mark.parametrize(
    ("text", "message"),
    [("   ", "请填写备注内容。"), ("长" * (NOTE + 1), f"备注最多 {NOTE} 字，当前 {NOTE + 1} 字。")],
)
def test_the_page_refuses_an_empty_or_too_long_note_at_its_field(
    clock: Any,
    assigned: Complaint,
    browser: Callable[[Any], Client],
    people: dict[str, Any],
    text: str,
    message: str,
) -> None:
    response = browser(people["agent"]).post(f"/complaints/{assigned.pk}/note/", {"note": text})
    assert response.status_code == 400
    form = response.content.decode().split('data-testid="action-note"')[1].split("</form>")[0]
    assert message in form
    assert not assigned.events.filter(action="note").exists()


def test_another_persons_note_does_not_make_an_open_form_stale_but_a_double_click_adds_one(
    clock: Any, assigned: Complaint, browser: Callable[[Any], Client], people: dict[str, Any]
) -> None:
    manager, care = browser(people["sales_mgr"]), browser(people["agent"])
    seen = _version(manager.get(f"/complaints/{assigned.pk}/").content.decode())
    care_seen = _version(care.get(f"/complaints/{assigned.pk}/").content.decode())
    assert (
        care.post(f"/complaints/{assigned.pk}/note/", {"note": "客户再次来电", "seen": care_seen}).status_code
        == 302
    )
    # The same note sent twice (a double click) is added once.
    assert (
        care.post(f"/complaints/{assigned.pk}/note/", {"note": "客户再次来电", "seen": care_seen}).status_code
        == 409
    )
    assert assigned.events.filter(action="note").count() == 1
    # The manager's page, shown before the note, still reports progress: the note changed nothing
    # the report was written against; the page's notice names it.
    notice = manager.get(f"/complaints/{assigned.pk}/activity/?seen={seen}").content.decode()
    assert "执行了“内部备注”" in notice
    care_seen = _version(care.get(f"/complaints/{assigned.pk}/").content.decode())  # after the redirect
    report = {"note": "配件周三到货", "seen": seen}
    assert manager.post(f"/complaints/{assigned.pk}/progress/", report).status_code == 302
    # A note is taken whatever another person did since the page was shown.
    assert (
        care.post(f"/complaints/{assigned.pk}/note/", {"note": "已告知客户", "seen": care_seen}).status_code
        == 302
    )
    assert assigned.events.filter(action="note").count() == 2


def test_the_api_takes_a_note_as_an_additional_action(
    clock: Any, assigned: Complaint, api: Callable[[Any], Any], people: dict[str, Any], viewer: Any
) -> None:
    client = api(people["agent"])
    response = client.post(
        f"/api/complaints/{assigned.pk}/note/", {"note": "客户要求书面答复"}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "in_progress" and "note" in body["allowed_actions"]
    assert body["history"][-1]["action"] == "note" and body["history"][-1]["note"] == "客户要求书面答复"
    blank = client.post(f"/api/complaints/{assigned.pk}/note/", {"note": " "}, format="json")
    assert blank.status_code == 400 and blank.json()["note"] == ["请填写备注内容。"]
    long = client.post(f"/api/complaints/{assigned.pk}/note/", {"note": "长" * (NOTE + 1)}, format="json")
    assert long.status_code == 400 and "备注最多" in long.json()["note"][0]
    assert (
        api(viewer).post(f"/api/complaints/{assigned.pk}/note/", {"note": "x"}, format="json").status_code
        == 403
    )
    assert assigned.events.filter(action="note").count() == 1


# --- 2. The unanswered call within the 2-hour step -------------------------------------------------------


@pytest.fixture
def dispatched(make_complaint: Callable[..., Complaint], advance: Callable[..., Complaint]) -> Complaint:
    return advance(make_complaint(), Status.DISPATCHED)


def test_an_unanswered_call_is_recorded_and_is_not_contact(
    clock: Any, dispatched: Complaint, people: dict[str, Any]
) -> None:
    before = _state(dispatched)
    step = Deadline.objects.get(complaint=dispatched, kind=DeadlineKind.FIRST_CONTACT)
    clock.shift(dt.timedelta(minutes=20))
    steps.complaint_contact_attempt(complaint=dispatched, actor=people["sales_mgr"], note=" 关机 ")
    clock.shift(dt.timedelta(minutes=20))
    steps.complaint_contact_attempt(complaint=dispatched, actor=people["sales_mgr"])
    first, second = dispatched.events.filter(action="contact_attempt").order_by("pk")
    assert (first.note, first.data["attempt"], first.data["deadline"]) == ("关机", 1, step.pk)
    assert (second.note, second.data["attempt"]) == ("", 2)
    assert first.call_time == T0 + dt.timedelta(minutes=20)
    assert first.from_status == first.to_status == Status.DISPATCHED
    # The step is not met, its timer runs on, the ticket is still waiting for the call.
    assert _state(dispatched) == before
    assert dispatched.first_contact_at is None


def test_an_unanswered_call_does_not_stop_the_breach(
    clock: Any, dispatched: Complaint, people: dict[str, Any]
) -> None:
    from complaints.services.deadlines import enforce_deadlines

    step = Deadline.objects.get(complaint=dispatched, kind=DeadlineKind.FIRST_CONTACT)
    steps.complaint_contact_attempt(complaint=dispatched, actor=people["sales_mgr"])
    later = step.due_at + dt.timedelta(minutes=1)
    clock.move_to(later)
    enforce_deadlines(now=later)
    step.refresh_from_db()
    assert step.breached_at is not None and step.met_at is None


def test_an_unanswered_call_may_be_logged_with_the_time_it_was_made(
    clock: Any, dispatched: Complaint, people: dict[str, Any]
) -> None:
    clock.shift(dt.timedelta(minutes=30))
    made = T0 + dt.timedelta(minutes=5)
    steps.complaint_contact_attempt(complaint=dispatched, actor=people["sales_mgr"], called_at=made)
    event = dispatched.events.get(action="contact_attempt")
    assert event.call_time == made and event.created_at == T0 + dt.timedelta(minutes=30)
    with pytest.raises(ApplicationError, match="拨打时间不能晚于现在"):
        steps.complaint_contact_attempt(
            complaint=dispatched, actor=people["sales_mgr"], called_at=T0 + dt.timedelta(hours=2)
        )
    with pytest.raises(ApplicationError, match="拨打时间不能早于派单时间"):
        steps.complaint_contact_attempt(
            complaint=dispatched, actor=people["sales_mgr"], called_at=T0 - dt.timedelta(hours=1)
        )
    assert dispatched.events.filter(action="contact_attempt").count() == 1


def test_an_unanswered_call_is_logged_only_within_the_2_hour_step_by_whoever_may_make_the_call(
    clock: Any,
    dispatched: Complaint,
    advance: Callable[..., Complaint],
    people: dict[str, Any],
    viewer: Any,
) -> None:
    for user, allowed in (
        (people["sales_mgr"], True),
        (people["gm"], True),
        (people["agent"], False),  # customer care dispatched it; the call is the department's
        (people["business_mgr"], False),
        (viewer, False),
    ):
        assert can_act(user, dispatched, "contact_attempt") is allowed
    with pytest.raises(NotAllowedError):
        steps.complaint_contact_attempt(complaint=dispatched, actor=people["agent"])
    ticket = advance(dispatched, Status.IN_PROGRESS)  # contacted: no unanswered call to log any more
    with pytest.raises(ApplicationError, match="不能执行此操作"):
        steps.complaint_contact_attempt(complaint=ticket, actor=people["sales_mgr"])


def test_the_attempts_are_counted_per_2_hour_step(
    clock: Any, dispatched: Complaint, people: dict[str, Any], business: Any
) -> None:
    """A transfer starts a new 2-hour step for the new department: its count starts again."""
    steps.complaint_contact_attempt(complaint=dispatched, actor=people["sales_mgr"])
    steps.complaint_contact_attempt(complaint=dispatched, actor=people["sales_mgr"])
    accountability.complaint_transfer(
        complaint=dispatched, actor=people["agent"], department=business, reason="属于维修问题"
    )
    steps.complaint_contact_attempt(complaint=dispatched, actor=people["business_mgr"])
    assert [e.data["attempt"] for e in dispatched.events.filter(action="contact_attempt").order_by("pk")] == [
        1,
        2,
        1,
    ]


def test_the_page_shows_the_attempts_beside_the_contact_step(
    clock: Any, dispatched: Complaint, browser: Callable[[Any], Client], people: dict[str, Any]
) -> None:
    client = browser(people["sales_mgr"])
    page = client.get(f"/complaints/{dispatched.pk}/").content.decode()
    assert 'data-testid="action-contact_attempt"' in page and 'data-testid="contact-attempts"' not in page
    clock.shift(dt.timedelta(minutes=15))
    assert (
        client.post(f"/complaints/{dispatched.pk}/contact_attempt/", {"note": "无人接听"}).status_code == 302
    )
    clock.shift(dt.timedelta(minutes=15))
    response = client.post(f"/complaints/{dispatched.pk}/contact_attempt/", {"called_at": "2026-03-11T10:25"})
    assert response.status_code == 302
    html = client.get(f"/complaints/{dispatched.pk}/").content.decode()
    # The timers table: beside the 2-hour step, still counting down (not met).
    table = html.split('data-testid="deadlines"')[1].split("</table>")[0]
    row = next(r for r in table.split("</tr>") if "联系客户（2 小时）" in r)
    assert 'data-testid="contact-attempts">未接通 2 次</span>' in row and "已完成" not in row
    # The contact form says how often the customer was tried, and when.
    contact = html.split('data-testid="action-contact"')[1].split("</form>")[0]
    assert "已尝试联系 2 次，客户未接通：03-11 10:15、03-11 10:25" in contact
    # The history: each attempt with its number and the time of the call.
    timeline = html.split('data-testid="timeline"')[1].split("</ol>")[0]
    assert "第 1 次 · 拨打时间 03-11 10:15" in timeline and "无人接听" in timeline
    assert "第 2 次 · 拨打时间 03-11 10:25" in timeline
    dispatched.refresh_from_db()
    assert dispatched.status == Status.DISPATCHED


def test_the_contact_form_lists_a_call_logged_late_when_it_was_made(
    clock: Any, dispatched: Complaint, browser: Callable[[Any], Client], people: dict[str, Any]
) -> None:
    """The contact form lists the attempts in the order the calls were made, as the printed 反馈单
    does (complaints/rounds.py), not in the order they were logged."""
    client = browser(people["sales_mgr"])
    clock.shift(dt.timedelta(minutes=30))
    assert client.post(f"/complaints/{dispatched.pk}/contact_attempt/", {}).status_code == 302
    clock.shift(dt.timedelta(minutes=10))
    response = client.post(f"/complaints/{dispatched.pk}/contact_attempt/", {"called_at": "2026-03-11T10:20"})
    assert response.status_code == 302
    html = client.get(f"/complaints/{dispatched.pk}/").content.decode()
    contact = html.split('data-testid="action-contact"')[1].split("</form>")[0]
    assert "已尝试联系 2 次，客户未接通：03-11 10:20、03-11 10:30" in contact


def test_the_api_logs_an_unanswered_call(
    clock: Any, dispatched: Complaint, api: Callable[[Any], Any], people: dict[str, Any]
) -> None:
    client = api(people["sales_mgr"])
    response = client.post(
        f"/api/complaints/{dispatched.pk}/contact_attempt/", {"note": "关机"}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "dispatched" and body["history"][-1]["action"] == "contact_attempt"
    assert "contact_attempt" in body["allowed_actions"]
    long = client.post(
        f"/api/complaints/{dispatched.pk}/contact_attempt/", {"note": "长" * (NOTE + 1)}, format="json"
    )
    assert long.status_code == 400 and "备注最多" in long.json()["note"][0]
    agent = api(people["agent"]).post(f"/api/complaints/{dispatched.pk}/contact_attempt/", {}, format="json")
    assert agent.status_code == 403
