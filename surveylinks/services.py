"""Writes of the survey links: invite, send, open, answer, revoke, opt out.

Invite locks the callback task (one invitation and one reminder per task, a database constraint
too) and queues the send after the commit without ever failing the agent's click (a broker that is
down leaves the link to the 5-minute sweep); send is a stored state machine (queued → sending →
sent/failed) so a send that runs twice, or in two workers, reaches the provider for one message only,
with one retry on a provider error; a send that never reached the provider (refused, DNS, connect
timeout) goes back to the queue with a backoff (:data:`SEND_RETRY_DELAYS`) instead of failing (a send
whose worker died is failed by the sweep, never sent again); answer locks the link row, so a replay
or a double tap makes one survey.
"""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from callbacks import permissions
from callbacks.models import LINK_CHANNELS, CallbackTask, Survey, TaskStatus
from callbacks.services import SurveyInput, survey_submit_by_customer
from csat.change_reason import change_reason
from csat.domain import identifiers
from csat.domain.privacy import mask_mobile
from csat.exceptions import ApplicationError, NotAllowedError
from csat.publishing import publish
from surveylinks import quiet, tokens
from surveylinks.models import (
    LinkChannel,
    LinkKind,
    SendState,
    SmsOptOut,
    SurveyLink,
    SurveyLinkEvent,
    Trigger,
)
from surveylinks.sms import InboundSms, SmsMessage, SmsProvider, provider_from_settings

log = logging.getLogger(__name__)

INVITABLE = (TaskStatus.PENDING, TaskStatus.IN_PROGRESS, TaskStatus.UNREACHABLE)
LINK_ACCOUNT = "survey-link"  # the account a survey is filed under when no agent sent the link
OPT_OUT_WORDS = frozenset({"TD", "T", "N", "退订", "取消", "UNSUBSCRIBE"})


class LinkClosed(ApplicationError):
    """The link cannot take an answer; ``reason``: invalid, expired, used, revoked, closed, reached."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message, extra={"reason": reason})
        self.reason = reason


def config() -> dict[str, Any]:
    return dict(settings.SURVEYLINKS)


def link_url(link: SurveyLink) -> str:
    return f"{config()['BASE_URL'].rstrip('/')}/s/{tokens.token_for(link.nonce)}/"


def share_text(link: SurveyLink) -> str:
    """What the SMS says, and what the advisor shares in WeChat at handover."""
    return _(
        "【%(store)s】尊敬的客户，感谢您的信任。请花 1 分钟评价我们的服务：%(url)s （%(days)s 天内有效）回复 TD 退订"
    ) % {
        "store": link.store.name,
        "url": link_url(link),
        "days": config()["EXPIRY_DAYS"],
    }


def event_write(link: SurveyLink, action: str, *, actor: Any = None, note: str = "") -> None:
    SurveyLinkEvent.objects.create(
        link=link, action=action, actor=actor if getattr(actor, "pk", None) else None, note=note[:300]
    )


def is_opted_out(mobile: str) -> bool:
    return SmsOptOut.objects.filter(mobile=mobile).exists()


@transaction.atomic
def survey_link_invite(
    *,
    task: CallbackTask | int,
    actor: Any = None,
    trigger: str = Trigger.AGENT,
    channel: str = LinkChannel.SMS,
    now: dt.datetime | None = None,
) -> SurveyLink:
    """Create the task's invitation (or, the second time, its one reminder) and queue the SMS.

    ``actor`` None: the system (the task became unreachable, or the delay after creation passed).
    An automatic trigger (not ``Trigger.AGENT``) only ever creates the invitation: it is refused
    when the task has any link; only an agent's action sends the reminder.
    An SMS due in the quiet hours (21:00–08:00 Shanghai) waits until 08:00.
    """
    now = now or timezone.now()
    if channel not in LinkChannel.values:
        raise ApplicationError(_("未知的发送方式。"))
    if actor is not None and not permissions.can_call(actor):
        raise NotAllowedError(_("只有客户部回访专员和客户部经理可以发送调查链接。"))
    pk = task if isinstance(task, int) else task.pk
    try:
        locked = (
            CallbackTask.objects.select_for_update(of=("self",))
            .select_related("customer", "store")
            .get(pk=pk)
        )
    except CallbackTask.DoesNotExist:
        raise ApplicationError(_("回访任务不存在。")) from None
    if actor is not None and not permissions.in_store(actor, locked.store_id):
        raise NotAllowedError(_("不能处理其他门店的回访任务。"))
    # Decided under the task lock: a second sweep (or the unreachable trigger) that listed the
    # task before the first invitation committed must not turn its automatic call into a reminder.
    if trigger != Trigger.AGENT and SurveyLink.objects.filter(task=locked).exists():
        raise ApplicationError(_("该回访任务已有调查链接，不再自动发送。"))
    if locked.status not in INVITABLE or Survey.objects.filter(callback=locked).exists():
        raise ApplicationError(_("该回访任务已结束或已完成调查，不能再发送调查链接。"))
    if locked.expires_at <= now:
        raise ApplicationError(_("回访任务已超过有效期，不能再发送调查链接。"))
    customer = locked.customer
    if customer.do_not_contact:
        raise ApplicationError(_("该客户已设置勿扰，不能发送调查链接。"))
    if channel == LinkChannel.SMS and is_opted_out(customer.mobile):
        raise ApplicationError(_("该客户已回复退订，不能再发送短信。"))
    used = set(SurveyLink.objects.filter(task=locked).values_list("kind", flat=True))
    if LinkKind.INVITATION not in used:
        kind = LinkKind.INVITATION
    elif LinkKind.REMINDER not in used:
        kind = LinkKind.REMINDER
    else:
        raise ApplicationError(_("该回访任务已发送过一次邀请和一次提醒，不能再发送。"))
    send_after = quiet.next_send_time(now) if channel == LinkChannel.SMS else None
    link = SurveyLink(
        store_id=locked.store_id,
        task=locked,
        kind=kind,
        channel=channel,
        trigger=trigger,
        nonce=tokens.new_nonce(),
        created_by=actor,
        expires_at=now + dt.timedelta(days=int(config()["EXPIRY_DAYS"])),
        send_state=SendState.QUEUED if channel == LinkChannel.SMS else SendState.NOT_SENT,
        send_after=send_after,
    )
    link.full_clean()
    link.save()
    note = ""
    if send_after is not None and send_after > now:
        note = _("夜间 21:00–08:00 不发短信，将于 %(at)s 发送") % {
            "at": timezone.localtime(send_after).strftime("%m-%d %H:%M")
        }
    event_write(link, "created", actor=actor, note=note)
    if channel == LinkChannel.SMS and (send_after is None or send_after <= now):
        from surveylinks.tasks import send_survey_link

        # After the commit, and never failing the click: with the broker down the link stays queued
        # and the 5-minute sweep (send_due_links) sends it, once.
        link_id = link.pk
        transaction.on_commit(lambda: publish(send_survey_link, link_id))
    return link


def _provider() -> SmsProvider:
    return provider_from_settings(config())


# A send that never reached the provider (refused, DNS, connect timeout: nothing was sent) is queued
# again after each of these delays in turn, about a day in all; when they are used up, the link fails
# with the provider's error for the agent to see. A retry due in the quiet hours waits until 08:00.
SEND_RETRY_DELAYS = tuple(dt.timedelta(minutes=m) for m in (5, 15, 30, 60, 120, 240, 480, 480))


def send_retry_time(*, retries: int, now: dt.datetime) -> dt.datetime | None:
    """When a send already put back ``retries`` times is tried again; None when it gives up."""
    if retries >= len(SEND_RETRY_DELAYS):
        return None
    return quiet.next_send_time(now + SEND_RETRY_DELAYS[retries])


def _put_back(link: SurveyLink, *, error: str, now: dt.datetime) -> str:
    """The locked link's send never reached the provider: queue it for its next retry, or fail it
    when the retries are used up (or the link expires first). Returns the event's action."""
    retry_at = send_retry_time(retries=link.send_retries, now=now)
    link.send_error = error[:300]
    if retry_at is None or retry_at >= link.expires_at:
        link.send_state = SendState.FAILED
        return "send_failed"
    link.send_state, link.send_after = SendState.QUEUED, retry_at
    link.send_retries += 1
    log.warning(
        "survey link %s: SMS provider out of reach, queued again for %s",
        link.pk,
        timezone.localtime(retry_at).isoformat(),
    )
    return "send_retry"


def survey_link_send(
    *, link_id: int, provider: SmsProvider | None = None, now: dt.datetime | None = None
) -> SurveyLink:
    """Send one queued link by SMS; a link in any other state is left alone (idempotent).

    The state goes to ``sending`` and is committed before the provider is called, so a second run
    (a redelivered task, a second worker) finds it taken and sends nothing. A provider error is
    retried once with the same ``out_id``; then the link is ``sent`` or ``failed`` — or, when the
    request never reached the provider (nothing was sent), ``queued`` again for a later time
    (:func:`send_retry_time`) until the retries are used up. A provider that may have received the
    request (a timeout while waiting for its answer) is never asked again.
    A worker that dies in between leaves it ``sending``: :func:`reclaim_stale_sending` fails it.
    """
    now = now or timezone.now()
    with transaction.atomic():
        link = (
            SurveyLink.objects.select_for_update(of=("self",))
            .select_related("store", "task__customer", "task__vehicle")
            .get(pk=link_id)
        )
        if link.send_state != SendState.QUEUED or (link.send_after and link.send_after > now):
            return link
        customer = link.task.customer
        skip = ""
        if link.revoked_at or link.answered_at or link.expires_at <= now:
            skip = _("链接已作废、已作答或已失效")
        elif customer.do_not_contact:
            skip = _("客户已设置勿扰")
        elif is_opted_out(customer.mobile):
            skip = _("客户已回复退订")
        elif link.task.status not in INVITABLE:
            skip = _("回访任务已结束")
        if skip:
            link.send_state = SendState.SKIPPED
            link.save(update_fields=["send_state", "updated_at"])
            event_write(link, "skipped", note=skip)
            return link
        link.send_state = SendState.SENDING
        link.save(update_fields=["send_state", "updated_at"])
    provider = provider or _provider()
    vehicle = link.task.vehicle
    message = SmsMessage(
        mobile=customer.mobile,
        sign_name=link.store.name,
        template_code=str(config()["TEMPLATE_CODE"]),
        params={
            "store": link.store.name,
            "model": (vehicle.model if vehicle else "") or _("爱车"),
            "url": link_url(link),
        },
        out_id=f"surveylink-{link.pk}",
    )
    attempts, result = 0, None
    for _try in range(2):  # the first send and one retry on a provider error
        attempts += 1
        result = provider.send(message)
        if result.ok or not result.retryable:
            break
    assert result is not None
    with transaction.atomic():
        link = SurveyLink.objects.select_for_update().get(pk=link_id)
        link.send_attempts += attempts
        link.provider = provider.name
        note = f"{provider.name} → {mask_mobile(message.mobile)} ×{attempts} {result.error}"
        if result.ok:
            action = "sent"
            link.send_state, link.sent_at = SendState.SENT, timezone.now()
            link.provider_message_id = result.message_id[:100]
            link.send_error = ""
        elif result.never_reached:
            action = _put_back(link, error=result.error, now=now)
        else:
            action = "send_failed"
            link.send_state, link.send_error = SendState.FAILED, result.error[:300]
        link.save(
            update_fields=[
                "send_attempts",
                "send_retries",
                "send_after",
                "provider",
                "send_state",
                "sent_at",
                "provider_message_id",
                "send_error",
                "updated_at",
            ]
        )
        event_write(link, action, note=note)
    return link


def survey_link_send_later(*, link_id: int, error: str, now: dt.datetime) -> SurveyLink:
    """A due queued link that the sweep does not send now because the provider was out of reach a
    moment ago (``error``): put back like a send that never reached it, without asking it again (a
    provider whose connect times out would hold the sweep 2 × TIMEOUT_SECONDS per link). A link no
    longer queued and due (taken by another worker) is left alone."""
    with transaction.atomic():
        link = SurveyLink.objects.select_for_update(of=("self",)).get(pk=link_id)
        if link.send_state != SendState.QUEUED or (link.send_after and link.send_after > now):
            return link
        action = _put_back(link, error=error, now=now)
        link.save(update_fields=["send_retries", "send_after", "send_state", "send_error", "updated_at"])
        event_write(link, action, note=f"×0 {error}")  # not tried: zero provider calls
    return link


# Far beyond one send (two provider calls of at most TIMEOUT_SECONDS each): a link still "sending"
# after this lost its worker.
SENDING_STALE_AFTER = dt.timedelta(minutes=10)


def reclaim_stale_sending(*, now: dt.datetime | None = None) -> list[int]:
    """Links left ``sending`` by a worker that died mid-send become ``failed`` (the agent sees it).

    They are never sent again: the worker may have died after the provider accepted the message,
    and neither Alibaba Cloud nor Tencent Cloud deduplicates a repeated ``out_id`` (OutId and
    SessionContext are only echoed back; Alibaba documents SendSms as not idempotent), so a resend
    could be the customer's second SMS. A link the customer opened was delivered: ``sent``.
    Returns the ids reclaimed.
    """
    now = now or timezone.now()
    reclaimed = []
    with transaction.atomic():
        stale = (
            SurveyLink.objects.select_for_update(skip_locked=True)
            .filter(send_state=SendState.SENDING, updated_at__lt=now - SENDING_STALE_AFTER)
            .order_by("pk")[:500]
        )
        for link in stale:
            link.send_attempts += 1  # the attempt whose worker died
            if link.opened_at or link.answered_at:
                link.send_state, link.send_error = SendState.SENT, ""
                note = _("发送中断，但客户已打开链接，短信已送达")
            else:
                link.send_state = SendState.FAILED
                link.send_error = note = _("发送中断，无法确认短信是否已发出，未自动重发")
            link.save(update_fields=["send_attempts", "send_state", "send_error", "updated_at"])
            event_write(link, "sent" if link.send_state == SendState.SENT else "send_failed", note=note)
            reclaimed.append(link.pk)
    for pk in reclaimed:
        log.warning("survey link %s was left sending by a dead worker; reclaimed", pk)
    return reclaimed


def send_due_links(*, now: dt.datetime | None = None) -> int:
    """Queued SMS whose quiet hours are over (or whose retry is due: :func:`send_retry_time`, and the
    links whose queueing failed with the broker down), and invitations for open tasks past the delay;
    links left ``sending`` by a dead worker are reclaimed first (:func:`reclaim_stale_sending`).

    Run by beat every 5 minutes; running it twice sends nothing twice (the send state).
    """
    now = now or timezone.now()
    reclaim_stale_sending(now=now)
    if quiet.next_send_time(now) > now:
        return 0
    invite_after = int(config()["INVITE_AFTER_HOURS"])
    if invite_after > 0:
        due = (
            CallbackTask.objects.filter(
                status__in=[TaskStatus.PENDING],
                created_at__lte=now - dt.timedelta(hours=invite_after),
                expires_at__gt=now,
                customer__do_not_contact=False,
                survey__isnull=True,
            )
            .exclude(survey_links__isnull=False)
            .values_list("pk", flat=True)[:500]
        )
        for task_id in list(due):
            try:
                survey_link_invite(task=task_id, actor=None, trigger=Trigger.DELAY, now=now)
            except ApplicationError as exc:
                log.info("no survey link for task %s: %s", task_id, exc)
    sent = 0
    queued = (
        SurveyLink.objects.filter(send_state=SendState.QUEUED, send_after__lte=now)
        .order_by("send_after", "pk")
        .values_list("pk", flat=True)
    )
    out_of_reach = ""  # once one send of this sweep did not reach the provider, the rest wait
    for link_id in list(queued[:500]):
        if out_of_reach:
            survey_link_send_later(link_id=link_id, error=out_of_reach, now=now)
            continue
        link = survey_link_send(link_id=link_id, now=now)
        if (
            link.send_state == SendState.QUEUED
            and link.send_retries
            and link.send_after
            and link.send_after > now
        ):
            out_of_reach = link.send_error
        sent += 1
    return sent


def link_for_token(token: str) -> SurveyLink:
    nonce = tokens.nonce_from(token)
    link = (
        SurveyLink.objects.select_related("store", "task__vehicle", "task__customer")
        .filter(nonce=nonce)
        .first()
        if nonce
        else None
    )
    if link is None:
        raise LinkClosed("invalid", _("链接无效，请检查短信中的链接是否完整。"))
    return link


def check_open(link: SurveyLink, now: dt.datetime) -> None:
    if link.revoked_at:
        raise LinkClosed("revoked", _("该调查链接已停用。"))
    if link.answered_at:
        raise LinkClosed("used", _("您已完成本次评价，感谢您的支持！"))
    if link.expires_at <= now:
        raise LinkClosed("expired", _("该调查链接已过期。"))


def already_reached(task: CallbackTask) -> bool:
    """An agent reached the customer (or the task was surveyed or closed) before the link was used."""
    return (
        task.reached_at is not None
        or task.status not in INVITABLE
        or Survey.objects.filter(callback_id=task.pk).exists()
    )


def check_answerable(link: SurveyLink, now: dt.datetime) -> None:
    """LinkClosed unless the customer may answer this link now (what the page shows on GET)."""
    check_open(link, now)
    if already_reached(link.task) and not config()["ALLOW_SECOND_SURVEY"]:
        raise LinkClosed("reached", _("我们的回访专员已与您联系过，本次评价已完成，感谢您的支持！"))


def survey_link_open(*, link: SurveyLink, now: dt.datetime | None = None) -> None:
    """The first time the customer opens the page (for the open rate); later opens change nothing."""
    now = now or timezone.now()
    if link.opened_at is None:
        with transaction.atomic():
            if SurveyLink.objects.filter(pk=link.pk, opened_at__isnull=True).update(
                opened_at=now, updated_at=now
            ):
                link.opened_at = now
                event_write(link, "opened")


def _link_account(link: SurveyLink) -> Any:
    if link.created_by_id:
        return link.created_by
    if link.task.assigned_to_id:
        return link.task.assigned_to
    user, created = get_user_model().objects.get_or_create(
        username=LINK_ACCOUNT, defaults={"is_active": False, "first_name": "自助调查"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def survey_link_answer(*, token: str, data: SurveyInput, now: dt.datetime | None = None) -> Survey:
    """The customer's answer: one survey per link, entering the same loop as a phone survey.

    The task closes as done and a low score or remarks open the ticket (``survey_submit_by_customer``).
    When an agent has already reached the customer (or surveyed them), the answer is refused unless
    SURVEYLINKS["ALLOW_SECOND_SURVEY"] keeps it as a second survey of the customer.
    """
    now = now or timezone.now()
    found = link_for_token(token)
    link = SurveyLink.objects.select_for_update(of=("self",)).select_related("store").get(pk=found.pk)
    check_open(link, now)
    task = (
        CallbackTask.objects.select_for_update(of=("self",))
        .select_related("customer", "vehicle")
        .get(pk=link.task_id)
    )
    data.channel = LinkChannel.SMS if link.channel == LinkChannel.SMS else LinkChannel.WECHAT
    assert data.channel in LINK_CHANNELS
    data.type = task.type
    recorded_by = _link_account(link)
    if already_reached(task):
        if not config()["ALLOW_SECOND_SURVEY"]:
            event_write(link, "refused", note=_("回访专员已联系过客户"))
            raise LinkClosed("reached", _("我们的回访专员已与您联系过，本次评价已完成，感谢您的支持！"))
        survey = survey_submit_by_customer(data=data, recorded_by=recorded_by, customer=task.customer)
    else:
        survey = survey_submit_by_customer(data=data, recorded_by=recorded_by, callback=task)
    link.answered_at, link.survey = now, survey
    if link.opened_at is None:
        link.opened_at = now
    link.save(update_fields=["answered_at", "survey", "opened_at", "updated_at"])
    event_write(link, "answered", note=f"survey {survey.pk}")
    return survey


def can_revoke(user: Any) -> bool:
    """Revoke links: the customer-care manager (of the store) or an admin."""
    return bool(getattr(user, "is_superuser", False)) or permissions.can_manage(user)


def _check_revoker(actor: Any) -> None:
    if not can_revoke(actor):
        raise NotAllowedError(_("只有客户部经理或管理员可以作废调查链接。"))


@transaction.atomic
def survey_link_revoke(*, link: SurveyLink | int, actor: Any, reason: str = "") -> SurveyLink:
    """Stop a link (an admin or the customer-care manager): it answers politely and sends nothing.

    The reason goes to the link's event and to its audit history row.
    """
    _check_revoker(actor)
    pk = link if isinstance(link, int) else link.pk
    locked = SurveyLink.objects.select_for_update().get(pk=pk)
    if not permissions.in_store(actor, locked.store_id):
        raise NotAllowedError(_("不能处理其他门店的调查链接。"))
    if locked.answered_at:
        raise ApplicationError(_("客户已作答，链接不能再作废。"))
    if locked.revoked_at:
        return locked
    locked.revoked_at, locked.revoked_by = timezone.now(), actor
    fields = ["revoked_at", "revoked_by", "updated_at"]
    if locked.send_state == SendState.QUEUED:
        locked.send_state = SendState.SKIPPED
        fields.append("send_state")
    with change_reason(reason or _("作废调查链接")):
        locked.save(update_fields=fields)
    event_write(locked, "revoked", actor=actor, note=reason)
    return locked


@transaction.atomic
def survey_link_revoke_task(*, task: CallbackTask | int, actor: Any, reason: str) -> list[SurveyLink]:
    """Staff's button on the call page and the queue: stop every open link of one task.

    The reason is required (it is what the audit history shows). 409 when the task has no open link
    (none sent, all answered, revoked or expired).
    """
    _check_revoker(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写作废原因。")})
    pk = task if isinstance(task, int) else task.pk
    locked = CallbackTask.objects.select_for_update(of=("self",)).filter(pk=pk).first()
    if locked is None:
        raise ApplicationError(_("回访任务不存在。"))
    if not permissions.in_store(actor, locked.store_id):
        raise NotAllowedError(_("不能处理其他门店的调查链接。"))
    now = timezone.now()
    open_links = list(
        SurveyLink.objects.filter(
            task=locked, answered_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        ).order_by("created_at", "id")
    )
    if not open_links:
        raise ApplicationError(_("该回访任务没有可作废的调查链接。"))
    return [survey_link_revoke(link=link, actor=actor, reason=reason) for link in open_links]


def sms_opt_out_record(*, mobile: str, text: str, source: str = "") -> bool:
    """A reply to our SMS: “TD” (or 退订) opts the number out of survey SMS for good. True when recorded."""
    if unicodedata.normalize("NFKC", text or "").strip().upper() not in OPT_OUT_WORDS:
        return False
    try:
        number = identifiers.normalize_mobile(mobile)
    except ValueError:
        return False
    SmsOptOut.objects.get_or_create(mobile=number, defaults={"source": source[:100]})
    return True


@transaction.atomic
def sms_inbound_record(*, provider: str, replies: Iterable[InboundSms]) -> int:
    """The replies the provider's webhook delivered: each opt-out word opts its number out (the
    others — a customer's free text — are not kept: they carry no survey). Returns the opt-outs."""
    return sum(
        sms_opt_out_record(mobile=reply.mobile, text=reply.text, source=f"{provider} 上行回复")
        for reply in replies
    )
