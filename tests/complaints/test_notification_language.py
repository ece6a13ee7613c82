"""A notification reads in its reader's language, whoever's action or whichever sweep wrote it.

Before, the title was built in the writer's language: a sweep wrote Chinese for everyone (an English
reader saw Chinese), and a manager working in English sent English to a Chinese-speaking agent. Now
the title and body are stored in the site language (Chinese: what e-mail and group robots send) and
in English, and the inbox page and /api/notifications/ show the reader's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.utils import translation

from complaints.models import Complaint, Deadline, DeadlineKind, Status
from complaints.services import deadlines as deadline_services
from csat.models import Delivery, Notification
from tests.fixtures import T0

pytestmark = pytest.mark.django_db


def inbox_page(client: Any, language: str) -> str:
    client.cookies["django_language"] = language
    response = client.get("/notifications/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_swept_breach_reads_in_each_readers_language(
    clock: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    people: dict[str, Any],
    web: Callable[[Any], Any],
    api: Callable[[Any], Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    ticket = advance(make_complaint(urgent=True), Status.DISPATCHED)
    contact = Deadline.objects.get(complaint=ticket, kind=DeadlineKind.FIRST_CONTACT)
    clock.move_to(T0 + dt.timedelta(hours=3))
    # The worker's language must not decide the stored text; e-mail is sent once it commits.
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        deadline_services.enforce_deadlines()
    row = Notification.objects.get(recipient=people["sales_mgr"], key=f"deadline:{contact.pk}:breach")
    assert row.title == f"已超时：{ticket.number} 联系客户（2 小时）"
    assert row.body.startswith("责任部门：")
    assert row.translations["en"]["title"] == f"Overdue: {ticket.number} Contact customer (2 h)"

    client = web(people["sales_mgr"])
    english = inbox_page(client, "en")
    assert f"Overdue: {ticket.number} Contact customer (2 h)" in english
    assert "Responsible department:" in english and "已超时" not in english
    chinese = inbox_page(client, "zh-hans")
    assert f"已超时：{ticket.number} 联系客户（2 小时）" in chinese and "Overdue" not in chinese

    reader = api(people["sales_mgr"])
    title = f"Overdue: {ticket.number} Contact customer (2 h)"
    english_api = reader.get("/api/notifications/", HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    assert title in [n["title"] for n in english_api]
    chinese_api = reader.get("/api/notifications/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()["results"]
    assert row.title in [n["title"] for n in chinese_api]

    # E-mail goes out in the site language (Chinese first), whatever the sweep's language was.
    email = Delivery.objects.get(
        channel=Delivery.Channel.EMAIL, key=row.key, target=people["sales_mgr"].email
    )
    assert email.title == row.title
    assert any(m.subject == row.title for m in mail.outbox)


def test_an_action_taken_in_english_reaches_a_chinese_reader_in_chinese(
    make_complaint: Callable[..., Complaint],
    people: dict[str, Any],
    sales: Any,
    web: Callable[[Any], Any],
) -> None:
    ticket = make_complaint()
    agent = web(people["agent"])
    agent.cookies["django_language"] = "en"
    response = agent.post(f"/complaints/{ticket.pk}/dispatch/", {"department": sales.pk})
    assert response.status_code in (200, 302), response.content[:500]
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED
    row = Notification.objects.get(recipient=people["sales_mgr"], key=f"complaint:{ticket.pk}:dispatched:0")
    assert row.title == f"新派单：{ticket.number}，请在时限内联系客户"
    with translation.override("zh-hans"):
        assert row.local_title == row.title
    chinese = inbox_page(web(people["sales_mgr"]), "zh-hans")
    assert row.title in chinese and "New dispatch" not in chinese
    english = inbox_page(web(people["sales_mgr"]), "en")
    assert f"New dispatch: {ticket.number}" in english


def test_rows_written_before_translations_show_their_stored_text(
    agent: Any, web: Callable[[Any], Any]
) -> None:
    from csat.notifications import notify

    notify(recipients=[agent], key="old:1", title="旧通知")
    assert Notification.objects.get(key="old:1").translations == {}  # a plain text has one wording
    assert "旧通知" in inbox_page(web(agent), "en")
