"""One-time survey links (issue #24): the customer answers the survey on their own phone.

A link belongs to one callback task; a task has at most one invitation and one reminder (a database
constraint). The token in the URL is a random nonce signed with the secret key — never an id — and
the link is used once: the answer is written under the link's row lock and the link keeps the
survey it produced. Sending is a stored state machine, so a send that runs twice sends once; a send
that never reached the SMS provider goes back to the queue for a later try (``send_retries``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from callbacks.models import CallbackTask, Survey
from csat.models import Store, TimeStamped


class LinkKind(models.TextChoices):
    INVITATION = "invitation", _("邀请")
    REMINDER = "reminder", _("提醒")


class LinkChannel(models.TextChoices):
    SMS = "sms", _("短信")
    WECHAT = "wechat", _("微信/二维码")


class Trigger(models.TextChoices):
    AGENT = "agent", _("回访专员发送")
    UNREACHABLE = "unreachable", _("电话无法联系后自动发送")
    DELAY = "delay", _("任务创建后定时发送")


class SendState(models.TextChoices):
    NOT_SENT = "not_sent", _("无需发送（顾问出示二维码）")
    QUEUED = "queued", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    SKIPPED = "skipped", _("未发送（客户已退订或勿扰）")


class SurveyLink(TimeStamped):
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("门店"))
    task = models.ForeignKey(
        CallbackTask, on_delete=models.CASCADE, related_name="survey_links", verbose_name=_("回访任务")
    )
    kind = models.CharField(_("类型"), max_length=20, choices=LinkKind.choices)
    channel = models.CharField(_("发送方式"), max_length=20, choices=LinkChannel.choices)
    trigger = models.CharField(_("触发方式"), max_length=20, choices=Trigger.choices)
    nonce = models.CharField(_("令牌"), max_length=32, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发送人"),
        null=True,
        blank=True,
    )
    expires_at = models.DateTimeField(_("失效时间"))
    send_state = models.CharField(
        _("发送状态"), max_length=20, choices=SendState.choices, default=SendState.QUEUED
    )
    send_after = models.DateTimeField(_("最早发送时间"), null=True, blank=True)
    send_attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    # Sends put back in the queue because the SMS provider could not be reached (nothing was sent).
    send_retries = models.PositiveSmallIntegerField(_("自动重试次数"), default=0)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    provider = models.CharField(_("短信服务商"), max_length=20, blank=True)
    provider_message_id = models.CharField(_("服务商回执号"), max_length=100, blank=True)
    send_error = models.CharField(_("发送错误"), max_length=300, blank=True)
    opened_at = models.DateTimeField(_("首次打开时间"), null=True, blank=True)
    answered_at = models.DateTimeField(_("作答时间"), null=True, blank=True)
    survey = models.OneToOneField(
        Survey,
        on_delete=models.PROTECT,
        related_name="survey_link",
        verbose_name=_("调查"),
        null=True,
        blank=True,
    )
    revoked_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("作废人"),
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("自助调查链接")
        verbose_name_plural = _("自助调查链接")
        ordering = ["-created_at", "-id"]
        constraints = [
            # At most one invitation and one reminder per task.
            models.UniqueConstraint(fields=["task", "kind"], name="surveylink_one_per_task_and_kind"),
            # Used once: an answered link holds its survey, an unanswered one holds none.
            models.CheckConstraint(
                condition=models.Q(answered_at__isnull=True, survey__isnull=True)
                | models.Q(answered_at__isnull=False),
                name="surveylink_survey_only_when_answered",
            ),
        ]
        indexes = [
            models.Index(fields=["store", "created_at"], name="surveylink_month_idx"),
            models.Index(
                fields=["send_after"],
                name="surveylink_queued_idx",
                condition=models.Q(send_state="queued"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.task_id} · {self.created_at:%Y-%m-%d}"


class SmsOptOut(models.Model):
    """A mobile number that replied 退订 (“回复 TD 退订”): no survey SMS is sent to it again."""

    mobile = models.CharField(_("手机号"), max_length=11, unique=True)
    at = models.DateTimeField(_("退订时间"), auto_now_add=True)
    source = models.CharField(_("来源"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("短信退订")
        verbose_name_plural = _("短信退订")

    def __str__(self) -> str:
        return self.mobile


class SurveyLinkEvent(models.Model):
    """The link's history: created, sent, send failed, opened, answered, refused, revoked."""

    link = models.ForeignKey(
        SurveyLink, on_delete=models.CASCADE, related_name="events", verbose_name=_("链接")
    )
    action = models.CharField(_("动作"), max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("操作人"),
        null=True,
        blank=True,
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("自助调查链接记录")
        verbose_name_plural = _("自助调查链接记录")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.link_id} {self.action}"
