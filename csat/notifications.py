"""Send notifications: an in-app inbox row per recipient, plus e-mail and department webhooks.

Exactly once: a notification is unique per (recipient, key) and a delivery per (channel, target,
key), both as database constraints; the sender claims a delivery (committed) before it calls the
channel and skips one already sent or claimed, so a retried or duplicated task never sends twice,
and no transaction or lock is held while a slow mail server or robot answers. A failing channel
never blocks the workflow: only the in-app row is written inside the caller's transaction.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from csat.models import Delivery, Department, Notification
from csat.publishing import publish

log = logging.getLogger(__name__)
WEBHOOK_TIMEOUT_SECONDS = 5


@dataclass(frozen=True)
class Message:
    """One event to tell: its recipients (users), a unique key, the text and the departments whose
    webhook hears of it. Title and body may be lazy (``csat.i18n``): each reader then sees them in
    their own language, whoever's action or whichever sweep wrote them."""

    recipients: Sequence[Any]
    key: str
    title: Any
    body: Any = ""
    url: str = ""
    departments: Sequence[Department] = field(default_factory=tuple)


def notify(
    *,
    recipients: Iterable[Any],
    key: str,
    title: Any,
    body: Any = "",
    url: str = "",
    departments: Iterable[Department] = (),
) -> None:
    """Queue one notification per recipient (and per department webhook) for this event key."""
    notify_many([Message(list(recipients), key, title, body, url, tuple(departments))])


def notify_many(messages: Sequence[Message]) -> None:
    """Queue many events at once: one insert for the inbox rows, one for the deliveries, and one read
    of the deliveries to send after the commit, however many events and recipients."""
    inbox: list[Notification] = []
    deliveries: list[Delivery] = []
    for m in messages:
        users = {user.pk: user for user in m.recipients if user is not None and user.is_active}
        title, body, translations = _rendered(m)
        inbox += [
            Notification(
                recipient_id=pk, key=m.key, title=title, body=body, url=m.url, translations=translations
            )
            for pk in users
        ]
        text = f"{title}\n{body}".strip()
        deliveries += [
            Delivery(channel=Delivery.Channel.EMAIL, target=user.email, key=m.key, title=title, body=body)
            for user in users.values()
            if user.email
        ]
        deliveries += [
            Delivery(
                channel=Delivery.Channel.WEBHOOK, target=dept.webhook_url, key=m.key, title=title, body=text
            )
            for dept in m.departments
            if dept.webhook_url
        ]
    if inbox:
        Notification.objects.bulk_create(inbox, ignore_conflicts=True)
    if not deliveries:
        return
    Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    wanted = {(d.channel, d.target, d.key) for d in deliveries}
    keys = sorted({d.key for d in deliveries})

    def enqueue() -> None:
        rows = Delivery.objects.filter(key__in=keys, sent_at__isnull=True).values_list(
            "channel", "target", "key", "uid"
        )
        _publish([uid for channel, target, key, uid in rows if (channel, target, key) in wanted])

    transaction.on_commit(enqueue)


def _rendered(message: Message) -> tuple[str, str, dict[str, dict[str, str]]]:
    """The title and body in the site language (stored, e-mailed, posted to the robots) and in each
    other site language where they differ."""
    texts = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts[code] = {"title": str(message.title)[:200], "body": str(message.body)}
    own = texts.pop(settings.LANGUAGE_CODE)
    return own["title"], own["body"], {code: other for code, other in texts.items() if other != own}


def _publish(uids: Sequence[Any]) -> int:
    """Queue these deliveries; stop at the first failure (a broker outage must not undo or hang the
    committed workflow step: one bounded attempt, the rest waits for ``deliveries_requeue``)."""
    from csat.tasks import send_delivery

    for n, uid in enumerate(uids):
        if not publish(send_delivery, str(uid)):
            log.warning("%d deliveries left for the re-queue", len(uids) - n)
            return n
    return len(uids)


REQUEUE_AFTER = timedelta(minutes=2)
REQUEUE_BATCH = 500
# A claim this old was left by a worker that died mid-send (killed, its machine gone): far beyond
# one send (EMAIL_TIMEOUT per SMTP step, WEBHOOK_TIMEOUT_SECONDS) and beyond send_delivery's hard
# time limit (csat.tasks), so a live worker never loses its claim to a second one.
CLAIM_STALE_AFTER = timedelta(minutes=10)
# After a failed attempt: 30 s, 1, 2, 4 … minutes, then every hour (send_delivery's retries, then
# beat's re-queue) until DELIVERY_GIVE_UP_HOURS after the delivery was created.
RETRY_FIRST = timedelta(seconds=30)
RETRY_MAX = timedelta(hours=1)


def retry_backoff(attempts: int) -> timedelta:
    """How long after its last failed attempt a delivery that failed ``attempts`` times waits."""
    return min(RETRY_FIRST * 2 ** max(attempts - 1, 0), RETRY_MAX)


def give_up_after() -> timedelta:
    return timedelta(hours=settings.DELIVERY_GIVE_UP_HOURS)


def delivery_retry_countdown(*, uid: str) -> int:
    """Seconds until a delivery that just failed is tried again (the task's retry)."""
    attempts = Delivery.objects.filter(uid=uid).values_list("attempts", flat=True).first() or 1
    return int(retry_backoff(attempts).total_seconds())


def _past_backoff(now: datetime) -> Q:
    """Failed deliveries whose backoff, and the task retry due at its end, are over (that retry
    sets ``last_attempt_at`` again when it runs: only a retry that never came is made up for)."""
    due = Q(last_attempt_at__isnull=True)
    attempts = 1
    while retry_backoff(attempts) < RETRY_MAX:
        due |= Q(attempts=attempts, last_attempt_at__lte=now - retry_backoff(attempts) - REQUEUE_AFTER)
        attempts += 1
    return due | Q(attempts__gte=attempts, last_attempt_at__lte=now - RETRY_MAX - REQUEUE_AFTER)


def deliveries_requeue(*, now: datetime | None = None) -> int:
    """Beat, every 5 minutes: give up the deliveries too old to send (``deliveries_give_up``), then
    queue again those still worth sending: never tried (their publish failed) for two minutes;
    failed, once their backoff is over (``send_delivery`` stops retrying after half an hour: from
    then on this tries them hourly); left claimed by a dead worker (``CLAIM_STALE_AFTER``).
    Sending twice at once is impossible (``delivery_send`` claims and skips a sent or live-claimed
    one); returns how many were queued."""
    now = now or timezone.now()
    deliveries_give_up(now=now)
    never_tried = Q(attempts=0, created_at__lte=now - REQUEUE_AFTER)
    failed = Q(attempts__gt=0, claimed_at__isnull=True) & _past_backoff(now)
    dead_worker = Q(claimed_at__lt=now - CLAIM_STALE_AFTER)
    uids = list(
        Delivery.objects.filter(sent_at__isnull=True, gave_up_at__isnull=True)
        .filter(never_tried | failed | dead_worker)
        .order_by("created_at")
        .values_list("uid", flat=True)[:REQUEUE_BATCH]
    )
    return _publish(uids)


def deliveries_give_up(*, now: datetime | None = None) -> int:
    """Deliveries not sent within ``DELIVERY_GIVE_UP_HOURS`` of their creation are given up for good
    (news that old is stale): ``gave_up_at`` set, ``last_error`` keeps why (the last failure, or
    that it was never tried). One a live worker holds is left to it. Returns how many."""
    now = now or timezone.now()
    hours = settings.DELIVERY_GIVE_UP_HOURS
    expired = Delivery.objects.filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_STALE_AFTER),
        sent_at__isnull=True,
        gave_up_at__isnull=True,
        created_at__lt=now - give_up_after(),
    )
    ids = list(expired.order_by("created_at").values_list("pk", flat=True)[:REQUEUE_BATCH])
    if not ids:
        return 0
    with transaction.atomic():
        expired.filter(pk__in=ids, attempts=0).update(last_error=f"never tried within {hours} h")
        expired.filter(pk__in=ids, attempts__gt=0, last_error="").update(
            last_error=f"not sent within {hours} h (worker stopped mid-send)"
        )
        count = expired.filter(pk__in=ids).update(gave_up_at=now, claimed_at=None)
    log.warning("gave up %d deliveries not sent within %d h", count, hours)
    return count


def delivery_send(*, uid: str) -> bool:
    """Send one delivery if not yet sent. Raises on a channel failure so Celery retries it.

    Three steps, no transaction open while the mail server or the robot is called (on SQLite an open
    write transaction locks the whole database, on PostgreSQL the row): claim the delivery and
    count the attempt (committed), send, then record the result in a short transaction. A second
    worker finds the delivery claimed and sends nothing; a claim older than ``CLAIM_STALE_AFTER``
    (its worker died) may be claimed again, so the message may then go out twice, never zero times.
    """
    claim = _delivery_claim(uid=uid)
    if claim is None:
        return False
    delivery, claimed_at = claim
    try:
        if delivery.channel == Delivery.Channel.EMAIL:
            send_mail(delivery.title, delivery.body, settings.DEFAULT_FROM_EMAIL, [delivery.target])
        else:
            _post_webhook(delivery.target, f"{delivery.title}\n{delivery.body}".strip())
    except Exception as exc:
        _delivery_record(uid=uid, claimed_at=claimed_at, error=exc)
        raise
    _delivery_record(uid=uid, claimed_at=claimed_at, error=None)
    return True


def _delivery_claim(*, uid: str) -> tuple[Delivery, datetime] | None:
    """Claim the delivery for this worker (committed on return); None when there is nothing to send
    or another worker's live claim holds it."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().filter(uid=uid).first()
        if delivery is None or delivery.sent_at is not None or delivery.gave_up_at is not None:
            return None
        now = timezone.now()
        if delivery.claimed_at is not None:
            if delivery.claimed_at > now - CLAIM_STALE_AFTER:
                log.info("delivery %s is being sent by another worker", uid)
                return None
            log.warning(
                "delivery %s was left claimed since %s by a dead worker; sending it again",
                uid,
                delivery.claimed_at,
            )
        delivery.attempts += 1
        delivery.claimed_at = delivery.last_attempt_at = now
        delivery.save(update_fields=["attempts", "claimed_at", "last_attempt_at"])
    return delivery, now


def _delivery_record(*, uid: str, claimed_at: datetime, error: Exception | None) -> None:
    """The result of this worker's send. A claim another worker took over meanwhile stays theirs;
    a message that went out is recorded sent whoever holds the claim."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(uid=uid)
        mine = delivery.claimed_at == claimed_at
        if error is None and delivery.sent_at is None:
            delivery.sent_at, delivery.last_error = timezone.now(), ""
        elif error is not None and mine and delivery.sent_at is None:
            delivery.last_error = str(error)[:300]
        if mine:
            delivery.claimed_at = None
        delivery.save(update_fields=["sent_at", "last_error", "claimed_at"])


def _post_webhook(url: str, text: str) -> None:
    """WeCom and DingTalk group robots both take {"msgtype": "text", "text": {"content": …}}."""
    payload = json.dumps({"msgtype": "text", "text": {"content": text}}, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=payload, headers={"Content-Type": "application/json"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:  # noqa: S310
        if response.status >= 300:
            raise RuntimeError(f"webhook answered {response.status}")


def notification_mark_read(*, user: Any, notification_id: int | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())
