"""Notifications: the in-app inbox and outgoing e-mail/webhook deliveries, each exactly once."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """An in-app message; e-mail and webhook deliveries hang off it, each sent exactly once."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("收件人"),
    )
    key = models.CharField(_("事件键"), max_length=100)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=200, blank=True)
    # Title and body in the site's other languages ({"en": {"title": …, "body": …}}); the fields
    # above hold the site language's (Chinese), which e-mail and group robots send.
    translations = models.JSONField(_("译文"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_once_per_recipient")
        ]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title

    def _local(self, field: str) -> str:
        language = get_language() or ""
        for code, texts in (self.translations or {}).items():
            if language == code or language.startswith(f"{code}-"):
                return str(texts.get(field, getattr(self, field)))
        return str(getattr(self, field))

    @property
    def local_title(self) -> str:
        """The title in the reader's language (the stored one for the site language and old rows)."""
        return self._local("title")

    @property
    def local_body(self) -> str:
        return self._local("body")


class Delivery(models.Model):
    """One outgoing e-mail or webhook call for a notification; retried until sent or given up.

    A worker claims it (``claimed_at``, committed) before calling the mail server or the robot and
    releases the claim when it records the result, so no transaction is open during the call and a
    second worker finds it taken. A claim older than ``csat.notifications.CLAIM_STALE_AFTER`` was
    left by a worker that died: it may be claimed again. ``gave_up_at``: not sent within
    ``DELIVERY_GIVE_UP_HOURS`` of its creation, never tried again (``last_error`` says why).
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("邮件")
        WEBHOOK = "webhook", _("群机器人")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    key = models.CharField(_("事件键"), max_length=100)
    target = models.CharField(_("地址"), max_length=300)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    claimed_at = models.DateTimeField(_("发送开始"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("最近尝试"), null=True, blank=True)
    gave_up_at = models.DateTimeField(_("放弃时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("外发通知")
        verbose_name_plural = _("外发通知")
        constraints = [models.UniqueConstraint(fields=["channel", "target", "key"], name="delivery_once")]
        indexes = [
            # The re-queue and /healthz read only the deliveries still to send: a small part.
            models.Index(
                fields=["created_at"],
                name="delivery_unsent",
                condition=models.Q(sent_at__isnull=True, gave_up_at__isnull=True),
            ),
            models.Index(
                fields=["gave_up_at"], name="delivery_given_up", condition=models.Q(gave_up_at__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.target} {self.key}"
