"""A ticket changed while someone had its page open (a help desk's collision handling): the page
polls for a step someone else took and for who else has it open, and a form sent from a page older
than the ticket's newest step is not carried out; the person sees what changed, with their input kept.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from complaints.actions import ACTIONS
from complaints.models import Complaint, ComplaintEvent, Status
from complaints.services.ticket import StaleTicketError

pytestmark = pytest.mark.django_db


def _version(client: Client, ticket: Complaint) -> str:
    html = client.get(f"/complaints/{ticket.pk}/").content.decode()
    versions = set(re.findall(r'name="seen" value="(\d+)"', html))
    assert len(versions) == 1, versions  # every form of the page carries the same version
    return versions.pop()


def _progress_reports(ticket: Complaint) -> int:
    return ComplaintEvent.objects.filter(complaint=ticket, action="progress").count()


def test_a_form_from_a_page_older_than_someone_elses_step_is_not_carried_out(
    clock: Any,
    browser: Callable[[Any], Client],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    ticket = advance(make_complaint(), Status.IN_PROGRESS)
    mine, theirs = browser(people["sales_mgr"]), browser(people["sales_mgr"])  # two tabs
    seen = _version(mine, ticket)
    assert (
        theirs.post(
            f"/complaints/{ticket.pk}/progress/", {"note": "配件周三到货", "seen": _version(theirs, ticket)}
        ).status_code
        == 302
    )
    response = mine.post(f"/complaints/{ticket.pk}/progress/", {"note": "客户同意等待", "seen": seen})
    assert response.status_code == 409
    html = response.content.decode()
    assert "执行了“进度报告”，您的操作未提交" in html
    assert _progress_reports(ticket) == 1
    # The form comes back unfolded with what was typed, and the page with the new step in its history.
    form = html.split('data-testid="other-progress"')[1].split("</details>")[0]
    assert form.startswith(" open") and "客户同意等待" in form
    assert "配件周三到货" in html.split('data-testid="timeline"')[1]
    # Sent again from the page now shown, it goes through.
    new = re.search(r'name="seen" value="(\d+)"', html)
    assert new and int(new.group(1)) > int(seen)
    again = mine.post(f"/complaints/{ticket.pk}/progress/", {"note": "客户同意等待", "seen": new.group(1)})
    assert again.status_code == 302
    assert _progress_reports(ticket) == 2


def test_a_double_submission_is_carried_out_once(
    clock: Any,
    browser: Callable[[Any], Client],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    ticket = advance(make_complaint(), Status.IN_PROGRESS)
    client = browser(people["sales_mgr"])
    form = {"note": "已联系客户", "seen": _version(client, ticket)}
    assert client.post(f"/complaints/{ticket.pk}/progress/", form).status_code == 302
    assert client.post(f"/complaints/{ticket.pk}/progress/", form).status_code == 409
    assert _progress_reports(ticket) == 1


def test_the_clocks_own_rows_and_formless_clients_are_not_a_change(
    clock: Any,
    browser: Callable[[Any], Client],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    ticket = advance(make_complaint(), Status.IN_PROGRESS)
    client = browser(people["sales_mgr"])
    seen = _version(client, ticket)
    # A breach recorded by beat has no actor: nothing a person decided changed.
    ComplaintEvent.objects.create(complaint=ticket, action="deadline_breached", from_status="in_progress")
    assert client.post(f"/complaints/{ticket.pk}/progress/", {"note": "一", "seen": seen}).status_code == 302
    # A list's form and the API send no version: nothing to compare, as before.
    assert client.post(f"/complaints/{ticket.pk}/progress/", {"note": "二"}).status_code == 302
    assert _progress_reports(ticket) == 2


def test_a_step_no_longer_offered_quotes_what_was_typed(
    clock: Any,
    browser: Callable[[Any], Client],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    ticket = advance(make_complaint(), Status.DISPATCHED)
    returning, calling = browser(people["sales_mgr"]), browser(people["sales_mgr"])  # two tabs
    seen = _version(returning, ticket)
    contact = {
        "cause": "漏检",
        "expectation": "道歉",
        "note": "客户说交车时没检查",
        "seen": _version(calling, ticket),
    }
    assert calling.post(f"/complaints/{ticket.pk}/contact/", contact).status_code == 302
    # Returning the ticket is offered only within the 2-hour step, which the call ended.
    response = returning.post(f"/complaints/{ticket.pk}/return/", {"reason": "不属于销售部", "seen": seen})
    assert response.status_code == 409
    html = response.content.decode()
    assert "执行了“联系客户”" in html and "您填写的内容：不属于销售部" in html
    assert 'data-testid="action-return"' not in html
    ticket.refresh_from_db()
    assert (
        ticket.status == Status.IN_PROGRESS
        and ticket.department_id == people["sales_mgr"].profile.department_id
    )


def test_a_step_still_offered_comes_back_filled_in(
    clock: Any,
    browser: Callable[[Any], Client],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    ticket = advance(make_complaint(), Status.DISPATCHED)
    care, department = browser(people["ccm"]), browser(people["sales_mgr"])
    seen = _version(care, ticket)
    contact = {
        "cause": "漏检",
        "expectation": "道歉",
        "note": "客户说交车时没检查",
        "seen": _version(department, ticket),
    }
    assert department.post(f"/complaints/{ticket.pk}/contact/", contact).status_code == 302
    transfer = {"department": people["business_mgr"].profile.department_id, "reason": "属于维修问题"}
    response = care.post(f"/complaints/{ticket.pk}/transfer/", {**transfer, "seen": seen})
    assert response.status_code == 409
    html = response.content.decode()
    assert "执行了“联系客户”" in html and "您填写的内容：" not in html
    form = html.split('data-testid="other-transfer"')[1].split("</details>")[0]
    assert form.startswith(" open") and "属于维修问题" in form
    ticket.refresh_from_db()
    assert ticket.department_id == people["sales_mgr"].profile.department_id


def test_the_page_is_told_of_a_step_taken_since_and_of_who_else_has_it_open(
    clock: Any,
    browser: Callable[[Any], Client],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    cache.clear()
    ticket = advance(make_complaint(), Status.IN_PROGRESS)
    care, department = browser(people["ccm"]), browser(people["sales_mgr"])
    seen = _version(care, ticket)
    page = care.get(f"/complaints/{ticket.pk}/").content.decode()
    assert f'hx-get="/complaints/{ticket.pk}/activity/?seen={seen}"' in page
    quiet = care.get(f"/complaints/{ticket.pk}/activity/?seen={seen}")
    assert quiet.status_code == 200 and "ticket-changed" not in quiet.content.decode()
    assert "ticket-viewers" not in quiet.content.decode()  # nobody else yet

    department.get(f"/complaints/{ticket.pk}/activity/?seen={seen}")  # the department's page polls
    department.post(f"/complaints/{ticket.pk}/progress/", {"note": "配件周三到货"})
    html = care.get(f"/complaints/{ticket.pk}/activity/?seen={seen}").content.decode()
    name = people["sales_mgr"].get_full_name() or people["sales_mgr"].username
    assert f"您打开此页面后，{name} 于" in html and "执行了“进度报告”" in html
    assert f"{name} 也在查看此投诉" in html
    english = care.get(f"/complaints/{ticket.pk}/activity/?seen={seen}", HTTP_ACCEPT_LANGUAGE="en")
    text = english.content.decode()
    assert "Progress report" in text and "also viewing" in text and "您" not in text


def test_the_poll_stops_for_whoever_may_not_see_the_ticket(
    clock: Any,
    browser: Callable[[Any], Client],
    people: dict[str, Any],
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
) -> None:
    ticket = advance(make_complaint(), Status.IN_PROGRESS)
    url = f"/complaints/{ticket.pk}/activity/?seen=0"
    other = browser(people["business_mgr"]).get(url)  # another department's manager
    assert other.status_code == 286 and other.content == b""
    assert Client().get(url).status_code == 286  # signed out: htmx stops polling
    assert browser(people["sales_mgr"]).post(url).status_code == 405


@pytest.mark.django_db(transaction=True)
def test_two_people_sending_from_the_same_page_version_at_once_go_through_once(
    make_complaint: Callable[..., Complaint], advance: Callable[..., Complaint], sales_mgr: Any
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (run with DATABASE_URL=postgres://…)")
    ticket = advance(make_complaint(), Status.IN_PROGRESS)
    seen = ticket.events.filter(actor__isnull=False).order_by("-pk").first().pk
    barrier = threading.Barrier(2)
    outcomes: list[Any] = []

    def report(note: str) -> None:
        try:
            barrier.wait(timeout=10)
            ACTIONS["progress"].run(complaint=ticket.pk, actor=sales_mgr, data={"note": note}, seen=seen)
            outcomes.append("ok")
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=report, args=(n,)) for n in ("甲", "乙")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert outcomes.count("ok") == 1, outcomes
    assert any(isinstance(o, StaleTicketError) for o in outcomes), outcomes
    assert _progress_reports(ticket) == 1
