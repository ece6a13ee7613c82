"""Prevention (DOMAIN §5): preventive measures that the GM approves, departments carry out and the
admin department verifies. The tables keep the names they had in the complaints app."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from complaints.models import Category, CauseCode
from csat.models import Department, StatusEvent, Store, TimeStamped


class MeasureStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    AWAITING_APPROVAL = "awaiting_approval", _("待总经理审批")
    APPROVED = "approved", _("已批准")
    IN_PROGRESS = "in_progress", _("实施中")
    DONE = "done", _("已完成")
    VERIFIED = "verified", _("综合部已验证")
    REJECTED = "rejected", _("已驳回")


class PreventiveMeasure(TimeStamped):
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="measures", verbose_name=_("门店")
    )
    category = models.CharField(_("投诉类别"), max_length=20, choices=Category.choices)
    cause = models.ForeignKey(
        CauseCode,
        on_delete=models.PROTECT,
        related_name="measures",
        verbose_name=_("原因"),
        null=True,
        blank=True,
    )
    problem = models.TextField(_("问题"), max_length=5000)  # csat.text_limits.TEXT
    root_cause = models.TextField(_("根本原因"), blank=True, max_length=5000)  # csat.text_limits.TEXT
    measure = models.TextField(_("预防措施"), max_length=5000)  # csat.text_limits.TEXT
    owner_department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="measures", verbose_name=_("责任部门")
    )
    due_date = models.DateField(_("完成期限"))
    status = models.CharField(
        _("状态"), max_length=20, choices=MeasureStatus.choices, default=MeasureStatus.DRAFT
    )
    complaints = models.ManyToManyField(
        "complaints.Complaint", related_name="measures", verbose_name=_("相关投诉"), blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("提出人")
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("审批人"),
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    comment = models.TextField(_("审批意见"), blank=True, max_length=2000)  # csat.text_limits.NOTE
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("验证人"),
    )
    verified_at = models.DateTimeField(_("验证时间"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("逾期时间"), null=True, blank=True)

    class Meta:
        db_table = "complaints_preventivemeasure"
        verbose_name = _("预防措施")
        verbose_name_plural = _("预防措施")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["store", "status"], name="complaints__store_i_ca8fff_idx")]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.measure[:30]}"


# The timeline's action keys in people's words (issue #22: no raw keys on the page).
STEP_LABELS = {
    "approve": _("批准"),
    "reject": _("驳回"),
    "start": _("开始实施"),
    "complete": _("实施完成"),
    "verify": _("验证通过"),
    "submit": _("提交审批"),
}
EVENT_LABELS = {"create": _("创建"), **STEP_LABELS}


class MeasureEvent(StatusEvent):
    measure = models.ForeignKey(
        PreventiveMeasure, on_delete=models.CASCADE, related_name="events", verbose_name=_("预防措施")
    )
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        db_table = "complaints_measureevent"
        verbose_name = _("预防措施记录")
        verbose_name_plural = _("预防措施记录")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.measure_id} {self.action}"

    @property
    def label(self) -> str:
        """What happened, in the page's language (the stored key for an action no label names)."""
        return str(EVENT_LABELS.get(self.action, self.action))

    @property
    def to_status_label(self) -> str:
        values = MeasureStatus.values
        return str(MeasureStatus(self.to_status).label) if self.to_status in values else self.to_status


class MeasureOverdue(models.Model):
    """Recorded once per overdue measure (one-to-one), so the sweep notifies exactly once."""

    measure = models.OneToOneField(
        PreventiveMeasure, on_delete=models.CASCADE, related_name="overdue", verbose_name=_("预防措施")
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        db_table = "complaints_measureoverdue"
        verbose_name = _("预防措施逾期")
        verbose_name_plural = _("预防措施逾期")

    def __str__(self) -> str:
        return str(self.measure_id)
