"""Notifications of the complaint workflow: the inbox row, e-mail through Django's backend (locmem here)
and the department webhook, each sent exactly once, retried on failure, never blocking the workflow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from celery.exceptions import Retry
from django.core import mail

from complaints.models import Complaint, Status
from csat import notifications
from csat.models import Delivery, Notification
from csat.tasks import send_delivery

pytestmark = pytest.mark.django_db

WEBHOOK = "https://oapi.dingtalk.com/robot/send?access_token=sales"


class Boom(RuntimeError):
    pass


def _fail(url: str, text: str) -> None:
    raise Boom("robot unreachable")


@pytest.mark.django_db(transaction=True)
def test_failing_webhook_is_retried_and_never_blocks_the_workflow(
    make_complaint: Callable[..., Complaint],
    api: Callable[[Any], Any],
    agent: Any,
    sales: Any,
    sales_mgr: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sales.webhook_url = WEBHOOK
    sales.save(update_fields=["webhook_url"])
    ticket = make_complaint()
    monkeypatch.setattr(notifications, "_post_webhook", _fail)

    # Really committed (transactional test): the delivery is queued on commit, fails, is retried.
    response = api(agent).post(
        f"/api/complaints/{ticket.pk}/dispatch/", {"department": sales.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED and ticket.department == sales
    key = f"complaint:{ticket.pk}:dispatched:0"
    assert Notification.objects.filter(recipient=sales_mgr, key=key).exists()
    webhook = Delivery.objects.get(channel=Delivery.Channel.WEBHOOK, key=key)
    assert (webhook.attempts, webhook.sent_at, webhook.last_error) == (1, None, "robot unreachable")
    # The task asks Celery for a retry (eager here: Retry is raised instead of being scheduled).
    assert send_delivery.max_retries >= 3
    with pytest.raises(Retry):
        send_delivery.delay(str(webhook.uid))
    webhook.refresh_from_db()
    assert (webhook.attempts, webhook.sent_at) == (2, None)
    # The e-mail channel is independent of the failing robot.
    email = Delivery.objects.get(channel=Delivery.Channel.EMAIL, key=key)
    assert email.sent_at is not None and email.target == "sales_mgr@example.com"

    # The robot is back: a later attempt sends once; repeating it is a no-op.
    posted: list[str] = []
    monkeypatch.setattr(notifications, "_post_webhook", lambda url, text: posted.append(text))
    attempts = webhook.attempts
    send_delivery.delay(str(webhook.uid))
    webhook.refresh_from_db()
    assert webhook.sent_at is not None and webhook.attempts == attempts + 1 and webhook.last_error == ""
    assert len(posted) == 1 and ticket.number in posted[0]
    assert notifications.delivery_send(uid=str(webhook.uid)) is False
    send_delivery.delay(str(webhook.uid))
    assert len(posted) == 1
    webhook.refresh_from_db()
    assert webhook.attempts == attempts + 1


def test_delivery_send_counts_a_failed_attempt(
    clock: Any,
    make_complaint: Callable[..., Complaint],
    advance: Callable[..., Complaint],
    sales: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    sales.webhook_url = WEBHOOK
    sales.save(update_fields=["webhook_url"])
    with django_capture_on_commit_callbacks(execute=False):  # do not send yet
        ticket = advance(make_complaint(), Status.DISPATCHED)
    webhook = Delivery.objects.get(
        channel=Delivery.Channel.WEBHOOK, key=f"complaint:{ticket.pk}:dispatched:0"
    )
    monkeypatch.setattr(notifications, "_post_webhook", _fail)
    for expected in (1, 2):
        with pytest.raises(Boom):
            notifications.delivery_send(uid=str(webhook.uid))
        webhook.refresh_from_db()
        assert (webhook.attempts, webhook.sent_at, webhook.last_error) == (
            expected,
            None,
            "robot unreachable",
        )
    monkeypatch.setattr(notifications, "_post_webhook", lambda url, text: None)
    assert notifications.delivery_send(uid=str(webhook.uid)) is True
    webhook.refresh_from_db()
    assert webhook.attempts == 3 and webhook.sent_at is not None and webhook.last_error == ""


def test_broker_outage_does_not_undo_the_step(
    clock: Any,
    make_complaint: Callable[..., Complaint],
    agent: Any,
    sales: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
    sales_mgr: Any,
) -> None:
    from complaints.services import workflow

    def broker_down(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("redis down")

    monkeypatch.setattr(send_delivery, "delay", broker_down)
    ticket = make_complaint()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.complaint_dispatch(complaint=ticket, actor=agent, department=sales)
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED
    email = Delivery.objects.get(channel=Delivery.Channel.EMAIL, target="sales_mgr@example.com")
    assert email.sent_at is None  # waits for a later retry, the step stands


def test_email_goes_through_the_django_backend_exactly_once(
    clock: Any,
    make_complaint: Callable[..., Complaint],
    agent: Any,
    sales: Any,
    sales_mgr: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from complaints.services import workflow

    mail.outbox.clear()
    ticket = make_complaint()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.complaint_dispatch(complaint=ticket, actor=agent, department=sales)
    to_manager = [m for m in mail.outbox if m.to == ["sales_mgr@example.com"]]
    assert len(to_manager) == 1
    assert to_manager[0].subject == f"新派单：{ticket.number}，请在时限内联系客户"
    assert ticket.content in to_manager[0].body
    # The same event notified again (a repeated task): no second row, no second mail.
    key = f"complaint:{ticket.pk}:dispatched:0"
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(recipients=[sales_mgr], key=key, title="again")
    delivery = Delivery.objects.get(channel=Delivery.Channel.EMAIL, key=key)
    send_delivery.delay(str(delivery.uid))
    assert len([m for m in mail.outbox if m.to == ["sales_mgr@example.com"]]) == 1
    assert Notification.objects.filter(recipient=sales_mgr, key=key).count() == 1
    assert Notification.objects.get(recipient=sales_mgr, key=key).title.startswith("新派单")


def test_notify_skips_inactive_users_and_users_without_email(
    clock: Any, agent: Any, ccm: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ccm.is_active = False
    ccm.save(update_fields=["is_active"])
    agent.email = ""
    agent.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(recipients=[agent, ccm, None], key="k:1", title="标题")
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["agent"]
    assert not Delivery.objects.exists()


def test_mark_read_only_touches_my_notifications(clock: Any, agent: Any, ccm: Any) -> None:
    notifications.notify(recipients=[agent, ccm], key="k:2", title="标题")
    notifications.notify(recipients=[agent], key="k:3", title="标题")
    mine = Notification.objects.get(recipient=agent, key="k:2")
    theirs = Notification.objects.get(recipient=ccm, key="k:2")
    assert notifications.notification_mark_read(user=agent, notification_id=theirs.pk) == 0
    assert notifications.notification_mark_read(user=agent, notification_id=mine.pk) == 1
    assert notifications.notification_mark_read(user=agent) == 1
    assert Notification.objects.filter(read_at__isnull=True).get() == theirs
