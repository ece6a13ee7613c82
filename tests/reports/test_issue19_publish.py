"""Issue #19: the closed month's report is published to its readers (DOMAIN §9 "Report scope";
cs-survey-management §二.4 "每月需将调查情况向集团综合经营部、公司领导及相关部门公布", §五.1/§五.3 the
analysis report goes to the departments and the leaders) — inbox, e-mail and the department's group
robot, with a link to the dashboard and to the file, each reader exactly once per month's report
however often it is built (a rebuild, the beat run twice, two workers).

Who (``reports.selectors.publication``, Decision): a store's report → that store's GM and every
department manager, and each of its departments' robots; the group's report → head office.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.core import mail

from csat.models import Delivery, DepartmentKind, Notification
from reports.models import MonthlyReport, Trigger
from reports.services import report_build, report_publish
from reports.tasks import build_monthly_report
from tests.reports.builders import MONTH

pytestmark = pytest.mark.django_db

SALES_ROBOT = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=sz-sales"
SERVICE_ROBOT = "https://oapi.dingtalk.com/robot/send?access_token=sz-service"
OTHER_ROBOT = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=gz-sales"


@pytest.fixture
def readers(store: Any, other_store: Any, users: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Any:
    """Every user with an e-mail address; two robots in the store, one in the other store; the robot
    faked as the complaint notifications' tests do (only the outside world is faked)."""
    for user in users.values():
        user.email = f"{user.username}@example.com"
        user.save(update_fields=["email"])
    for st, kind, url in (
        (store, DepartmentKind.SALES, SALES_ROBOT),
        (store, DepartmentKind.SERVICE, SERVICE_ROBOT),
        (other_store, DepartmentKind.SALES, OTHER_ROBOT),
    ):
        st.departments.filter(kind=kind).update(webhook_url=url)
    posted: list[tuple[str, str]] = []
    monkeypatch.setattr("csat.notifications._post_webhook", lambda url, text: posted.append((url, text)))
    return posted


def _inbox(user: Any) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user))


def test_rule_closed_month_report_reaches_each_reader_once_even_when_built_twice(
    store: Any, other_store: Any, users: dict[str, Any], readers: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """DOMAIN §9 "Report scope": built by a user twice and by beat twice — one inbox row, one e-mail
    and one robot post per reader of each scope; nobody else hears of it."""
    posted = readers
    with django_capture_on_commit_callbacks(execute=True):
        first = report_build(month=MONTH, store=store, trigger=Trigger.BUTTON, user=users["ccm"])
    with django_capture_on_commit_callbacks(execute=True):
        report_build(month=MONTH, store=store, trigger=Trigger.BUTTON, user=users["gm"])  # a rebuild
    for _run in range(2):  # beat on the 1st (the closed month), and the same run again
        with django_capture_on_commit_callbacks(execute=True):
            build_monthly_report("previous")
    # The store's report exists in three versions (two by hand, one by beat); published once.
    assert MonthlyReport.objects.filter(month=MONTH, scope=store.code).count() == 3
    key = f"report:{store.code}:2026-03"

    # The store's GM and every department manager: exactly one inbox row each.
    for name in ("gm", "ccm", "sales_mgr"):
        assert [n.key for n in _inbox(users[name])] == [key], name
    # Head office: one, the group's (not one per store).
    assert [n.key for n in _inbox(users["hq"])] == ["report:GROUP:2026-03"]
    # The other store's manager hears of their own store's report only.
    assert [n.key for n in _inbox(users["other_mgr"])] == [f"report:{other_store.code}:2026-03"]
    # Agents and front-line staff are not recipients.
    for name in ("agent", "agent2", "consultant", "advisor"):
        assert _inbox(users[name]) == [], name

    # One e-mail per reader, none to anyone else.
    sent = Counter(address for message in mail.outbox for address in message.to)
    readers_mail = {f"{u}@example.com" for u in ("gm", "ccmanager", "sales_mgr", "hq", "other_mgr")}
    assert set(sent) == readers_mail and set(sent.values()) == {1}, sent
    # One post per robot: the store's two departments, the other store's one.
    assert Counter(url for url, _text in posted) == {SALES_ROBOT: 1, SERVICE_ROBOT: 1, OTHER_ROBOT: 1}
    assert all(d.sent_at is not None for d in Delivery.objects.filter(key=key))
    sales_text = next(text for url, text in posted if url == SALES_ROBOT)
    assert store.name in sales_text and "2026-03" in sales_text
    assert f"/reports/{first.pk}/xlsx" in sales_text  # the file published (the first version)


def test_the_message_links_the_dashboard_and_the_file(
    store: Any, users: dict[str, Any], readers: Any, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        report = report_build(month=MONTH, store=store, trigger=Trigger.COMMAND)
    (note,) = _inbox(users["gm"])
    assert note.url == f"/reports/?month=2026-03&scope={store.pk}"
    assert "2026-03" in note.title and store.name in note.title
    (message,) = [m for m in mail.outbox if m.to == ["gm@example.com"]]
    assert f"http://127.0.0.1:8000/reports/?month=2026-03&scope={store.pk}" in message.body
    assert f"http://127.0.0.1:8000/reports/{report.pk}/xlsx" in message.body
    # The links open for the reader: the dashboard of that month and the file.
    client.force_login(users["gm"])
    page = client.get(note.url)
    assert page.status_code == 200 and page.context["month"] == "2026-03"
    assert page.context["store"] == store
    download = client.get(f"/reports/{report.pk}/xlsx")
    assert download.status_code == 200 and b"".join(download.streaming_content)[:2] == b"PK"


def test_rule_a_month_still_open_is_not_published(
    store: Any, users: dict[str, Any], readers: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The 28th's build of the current month (and any build of it) is a draft: nobody is told."""
    with django_capture_on_commit_callbacks(execute=True):
        build_monthly_report("current")
        report = report_build(month=MONTH.replace(month=4), store=store, trigger=Trigger.BUTTON)
    assert report_publish(report=report) is False
    assert not Notification.objects.exists() and not Delivery.objects.exists()
    assert mail.outbox == [] and readers == []


def test_two_workers_publishing_the_same_month_tell_each_reader_once(
    store: Any, users: dict[str, Any], readers: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Two versions published side by side (two workers that both built the month): the key per
    month and scope is unique per recipient and per delivery target, so the second adds nothing."""
    with django_capture_on_commit_callbacks(execute=True):
        one = report_build(month=MONTH, store=store, trigger=Trigger.API, user=users["ccm"])
        two = report_build(month=MONTH, store=store, trigger=Trigger.API, user=users["ccm"])
        assert report_publish(report=one) is True and report_publish(report=two) is True
    assert Notification.objects.filter(recipient=users["gm"]).count() == 1
    assert Delivery.objects.filter(channel=Delivery.Channel.WEBHOOK).count() == 2
    assert Delivery.objects.filter(channel=Delivery.Channel.EMAIL).count() == 3  # gm, ccm, sales_mgr
    assert len(readers) == 2 and len(mail.outbox) == 3
