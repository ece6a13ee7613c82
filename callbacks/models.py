"""Callback tasks (回访任务), call attempts, surveys (满意度调查) and the editable reason codes.

Hard invariants are database constraints: one task per delivery and per service visit, ever; one
five-dimension task per customer and quarter; one survey per task; one ticket per survey; a survey
either has the score it contributes or the reason the customer did not rate.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from csat.domain import transitions
from csat.domain.scoring import DIMENSIONS
from csat.models import Customer, SalesDelivery, ServiceVisit, StatusEvent, Store, TimeStamped, Vehicle


class SurveyType(models.TextChoices):
    SALES = "sales", _("销售回访")
    AFTER_SALES = "after_sales", _("售后回访")
    FIVE_DIMENSION = "five_dimension", _("五维度满意度调查")


class TaskStatus(models.TextChoices):
    PENDING = transitions.TASK_PENDING, _("待回访")
    IN_PROGRESS = transitions.TASK_IN_PROGRESS, _("回访中")
    DONE = transitions.TASK_DONE, _("已完成")
    UNREACHABLE = transitions.TASK_UNREACHABLE, _("无法联系")
    CANCELLED = transitions.TASK_CANCELLED, _("已取消")


OPEN_STATUSES = tuple(TaskStatus(status) for status in transitions.TASK_OPEN_STATUSES)


class CloseReason(models.TextChoices):
    SURVEYED = "surveyed", _("已完成调查")
    REFUSED = "refused", _("客户拒绝调查")
    EXPIRED = "expired", _("超过 15 天未回访，已过期")
    DO_NOT_CONTACT = "do_not_contact", _("勿扰客户，不回访")
    MANUAL = "manual", _("客户部经理取消")


class Channel(models.TextChoices):
    PHONE = "phone", _("电话回访")
    LETTER = "letter", _("信访/短信")
    ON_SITE = "on_site", _("现场调查")
    # The customer answered a one-time link themselves (surveylinks, issue #24).
    SMS = "sms", _("短信链接自助调查")
    WECHAT = "wechat", _("微信链接自助调查")


# Channels where the customer answers on their own phone (no agent on the line).
LINK_CHANNELS = (Channel.SMS, Channel.WECHAT)
# What an agent may record: the link channels come only from the customer's own answer.
AGENT_CHANNEL_CHOICES = [(value, label) for value, label in Channel.choices if value not in LINK_CHANNELS]


class CallbackTask(TimeStamped):
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="callback_tasks", verbose_name=_("门店")
    )
    type = models.CharField(_("回访类型"), max_length=20, choices=SurveyType.choices)
    # The source record: a delivery (sales), a service visit (after-sales), or a quarter (five-dimension).
    sale = models.ForeignKey(
        SalesDelivery,
        on_delete=models.PROTECT,
        related_name="callback_tasks",
        verbose_name=_("新车交付"),
        null=True,
        blank=True,
    )
    visit = models.ForeignKey(
        ServiceVisit,
        on_delete=models.PROTECT,
        related_name="callback_tasks",
        verbose_name=_("维修进厂"),
        null=True,
        blank=True,
    )
    period = models.CharField(_("调查季度"), max_length=7, blank=True, help_text=_("例如 2026Q1"))
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="callback_tasks", verbose_name=_("客户")
    )
    vehicle = models.ForeignKey(
        Vehicle,
        on_delete=models.PROTECT,
        related_name="callback_tasks",
        verbose_name=_("车辆"),
        null=True,
        blank=True,
    )
    due_at = models.DateTimeField(_("应回访时间"))
    expires_at = models.DateTimeField(_("过期时间"))
    status = models.CharField(
        _("状态"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.PENDING
    )
    close_reason = models.CharField(_("结束原因"), max_length=20, choices=CloseReason.choices, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="callback_tasks_assigned",
        verbose_name=_("指派给"),
        null=True,
        blank=True,
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="callback_tasks_claimed",
        verbose_name=_("领取人"),
        null=True,
        blank=True,
    )
    claimed_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    callback_later_at = models.DateTimeField(_("约定回拨时间"), null=True, blank=True)
    suggested_channel = models.CharField(
        _("建议调查方式"), max_length=20, choices=Channel.choices, default=Channel.PHONE
    )
    reached_at = models.DateTimeField(_("回访成功时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("回访任务")
        verbose_name_plural = _("回访任务")
        ordering = ["due_at", "id"]
        constraints = [
            # One task per delivery and per service visit, ever: generation relies on these.
            models.UniqueConstraint(fields=["sale"], name="callback_one_task_per_sale"),
            models.UniqueConstraint(fields=["visit"], name="callback_one_task_per_visit"),
            models.UniqueConstraint(
                fields=["customer", "period"],
                condition=models.Q(type="five_dimension"),
                name="callback_one_five_dimension_per_quarter",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(type="sales", sale__isnull=False, visit__isnull=True)
                    | models.Q(type="after_sales", visit__isnull=False, sale__isnull=True)
                    | (
                        models.Q(type="five_dimension", sale__isnull=True, visit__isnull=True)
                        & ~models.Q(period="")
                    )
                ),
                name="callback_source_matches_type",
            ),
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("due_at")), name="callback_expires_after_due"
            ),
        ]
        indexes = [
            models.Index(fields=["store", "status", "due_at"], name="callback_queue_idx"),
            models.Index(fields=["store", "due_at"], name="callback_month_idx"),
            models.Index(fields=["status", "expires_at"], name="callback_expiry_idx"),
            # Lists across stores (head office, the API) in due order, paged by a (due_at, id) cursor;
            # the open tasks (about 1 % of them, the newest) in an index of their own, else that walk
            # would step over every closed task due earlier.
            models.Index(fields=["due_at", "id"], name="callback_due_idx"),
            models.Index(
                fields=["due_at", "id"],
                name="callback_open_due_idx",
                condition=models.Q(status__in=["pending", "in_progress"]),
            ),
            # A store's work queue: its open, unexpired tasks (the planner otherwise ANDs the
            # group-wide open-task index with the store's 50k+ tasks).
            models.Index(
                fields=["store", "expires_at"],
                name="callback_open_store_idx",
                condition=models.Q(status__in=["pending", "in_progress"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} · {self.customer.name} · {self.due_at:%Y-%m-%d}"

    # Labels by enum lookup: get_FOO_display() hashes every choice per call (the queue renders many rows).
    @property
    def type_label(self) -> str:
        return str(SurveyType(self.type).label)

    @property
    def status_label(self) -> str:
        return str(TaskStatus(self.status).label)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CallbackEvent(StatusEvent):
    """The task's timeline: who changed what, when, from which status to which."""

    task = models.ForeignKey(
        CallbackTask, on_delete=models.CASCADE, related_name="events", verbose_name=_("回访任务")
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("回访任务记录")
        verbose_name_plural = _("回访任务记录")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.task_id} {self.action}"


class Outcome(models.TextChoices):
    REACHED = "reached", _("已接通")
    NO_ANSWER = "no_answer", _("无人接听")
    BUSY = "busy", _("占线")
    REFUSED = "refused", _("拒绝回访")
    WRONG_NUMBER = "wrong_number", _("号码错误")
    CALL_BACK_LATER = "call_back_later", _("约定回拨")


# Attempts that did not reach the customer; they count towards the unreachable rule.
FAILED_OUTCOMES = (Outcome.NO_ANSWER, Outcome.BUSY, Outcome.WRONG_NUMBER)


class CallAttempt(models.Model):
    task = models.ForeignKey(
        CallbackTask, on_delete=models.CASCADE, related_name="attempts", verbose_name=_("回访任务")
    )
    outcome = models.CharField(_("结果"), max_length=20, choices=Outcome.choices)
    at = models.DateTimeField(_("拨打时间"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="call_attempts",
        verbose_name=_("回访专员"),
    )
    note = models.CharField(_("备注"), max_length=500, blank=True)
    call_back_at = models.DateTimeField(_("约定回拨时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("拨打记录")
        verbose_name_plural = _("拨打记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["task", "at"]), models.Index(fields=["by", "at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(outcome="call_back_later") | models.Q(call_back_at__isnull=False),
                name="attempt_call_back_needs_time",
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_id} {self.outcome} {self.at:%Y-%m-%d %H:%M}"


class Dimension(models.TextChoices):
    SKILL = "skill", _("服务技能")
    ATTITUDE = "attitude", _("服务态度")
    TIMELINESS = "timeliness", _("服务及时性")
    PARTS = "parts", _("配件供应")
    OVERALL = "overall", _("服务综合")


assert tuple(Dimension.values) == DIMENSIONS, "csat.domain.scoring.DIMENSIONS is the source of truth"


class ReasonCode(models.Model):
    """Why a five-dimension rating was low (≤ 6). Seeded from the source; admins edit the list."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    dimension = models.CharField(_("维度"), max_length=20, choices=Dimension.choices)
    label = models.CharField(_("名称"), max_length=100)
    label_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("低分原因")
        verbose_name_plural = _("低分原因")
        ordering = ["dimension", "position", "id"]

    def __str__(self) -> str:
        return f"{self.get_dimension_display()} · {self.shown_label}"

    @property
    def shown_label(self) -> str:
        """The label in the reader's language: the English name on English pages when there is one."""
        if (get_language() or "").startswith("en") and self.label_en:
            return self.label_en
        return self.label


class Classification(models.TextChoices):
    COMPLAINT = "complaint", _("投诉")
    DISSATISFIED = "dissatisfied", _("回访不满意")
    GRIEVANCE = "grievance", _("抱怨")
    OPINION = "opinion", _("意见")
    AT_RISK_OPINION = "at_risk_opinion", _("意见（有风险，70–79 分）")
    NONE = "none", _("无")


class Grade(models.TextChoices):
    A = "A", _("A 非常满意（忠诚客户）")
    B = "B", _("B 满意")
    C = "C", _("C 一般")
    D = "D", _("D 不满意")
    E = "E", _("E 非常不满意")
    F = "F", _("F 重大客户")
    G = "G", _("G 危机事件")


class Survey(TimeStamped):
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="surveys", verbose_name=_("门店"))
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="surveys", verbose_name=_("客户")
    )
    vehicle = models.ForeignKey(
        Vehicle,
        on_delete=models.PROTECT,
        related_name="surveys",
        verbose_name=_("车辆"),
        null=True,
        blank=True,
    )
    callback = models.OneToOneField(
        CallbackTask,
        on_delete=models.PROTECT,
        related_name="survey",
        verbose_name=_("回访任务"),
        null=True,
        blank=True,
    )
    type = models.CharField(_("调查类型"), max_length=20, choices=SurveyType.choices)
    channel = models.CharField(_("调查方式"), max_length=20, choices=Channel.choices, default=Channel.PHONE)
    surveyed_at = models.DateTimeField(_("调查时间"))
    surveyed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="surveys", verbose_name=_("调查人")
    )

    # Overall satisfaction: a direct score, or a level (+ value inside a range level), or not rated.
    score = models.PositiveSmallIntegerField(_("满意度分数（直接）"), null=True, blank=True)
    level = models.CharField(_("满意度等级"), max_length=30, blank=True)
    level_value = models.PositiveSmallIntegerField(_("等级内分数"), null=True, blank=True)
    not_rated_reason = models.CharField(_("未评分原因"), max_length=300, blank=True)
    ratings = models.JSONField(_("五维度评分"), default=dict, blank=True)
    reason_codes = models.ManyToManyField(
        ReasonCode, related_name="surveys", verbose_name=_("低分原因"), blank=True
    )
    items = models.JSONField(_("调查项目"), default=dict, blank=True)
    remarks = models.TextField(_("客户意见"), blank=True, max_length=2000)  # csat.text_limits.NOTE

    # What the customer said that the classification needs.
    complained_externally = models.BooleanField(_("已向厂家、媒体或政府机构投诉"), default=False)
    says_unsatisfied = models.BooleanField(_("客户表示不满意"), default=False)
    grievance = models.BooleanField(_("客户有较大意见（向总经理或部门主管反映）"), default=False)

    score_used = models.PositiveSmallIntegerField(_("计入满意度的分数"), null=True, blank=True)
    classification = models.CharField(
        _("回访结果分类"), max_length=20, choices=Classification.choices, default=Classification.NONE
    )
    suggested_grade = models.CharField(_("系统建议等级"), max_length=1, choices=Grade.choices)
    grade_criteria = models.JSONField(_("建议依据"), default=list, blank=True)
    grade_facts = models.JSONField(_("定级事实"), default=dict, blank=True)
    grade = models.CharField(_("客户等级"), max_length=1, choices=Grade.choices)
    grade_override_reason = models.CharField(_("改判原因"), max_length=300, blank=True)
    complaint = models.OneToOneField(
        "complaints.Complaint",
        on_delete=models.PROTECT,
        related_name="survey",
        verbose_name=_("生成的工单"),
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("满意度调查")
        verbose_name_plural = _("满意度调查")
        ordering = ["-surveyed_at", "-id"]
        indexes = [
            models.Index(fields=["store", "surveyed_at"], name="survey_month_idx"),
            models.Index(fields=["customer", "surveyed_at"], name="survey_customer_idx"),
            models.Index(fields=["store", "classification"], name="survey_class_idx"),
            # Lists across stores, newest first, paged by a (surveyed_at, id) cursor.
            models.Index(fields=["surveyed_at", "id"], name="survey_recent_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__lte=100), name="survey_score_0_100"
            ),
            models.CheckConstraint(
                condition=models.Q(score_used__isnull=True) | models.Q(score_used__lte=100),
                name="survey_score_used_0_100",
            ),
            # Rated (a score counts) xor the reason the customer did not rate.
            models.CheckConstraint(
                condition=models.Q(score_used__isnull=False, not_rated_reason="")
                | (models.Q(score_used__isnull=True) & ~models.Q(not_rated_reason="")),
                name="survey_rated_or_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(grade=models.F("suggested_grade")) | ~models.Q(grade_override_reason=""),
                name="survey_override_needs_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} · {self.customer.name} · {self.score_used if self.score_used is not None else '-'}"

    @property
    def grade_overridden(self) -> bool:
        return self.grade != self.suggested_grade


class ManufacturerScore(TimeStamped):
    """The manufacturer's quarterly assessment score of a store (厂家考核分值（季度）), entered by
    customer care and shown beside our own satisfaction in the monthly report as a reference
    (cs-survey-management §二.4: "厂家考核分值(季度)作为我公司服务改进的参考").

    **Decision:** the source names no scale; manufacturer assessments are on the 100-point scale
    like our own satisfaction, so a score is 0–100 with one decimal. One score per store and quarter
    (entering it again corrects it; the history keeps every value).
    """

    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="manufacturer_scores", verbose_name=_("门店")
    )
    year = models.PositiveSmallIntegerField(_("年份"))
    quarter = models.PositiveSmallIntegerField(_("季度"))
    score = models.DecimalField(_("厂家考核分值"), max_digits=4, decimal_places=1)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("录入人"),
    )
    note = models.CharField(_("备注"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("厂家考核分值")
        verbose_name_plural = _("厂家考核分值")
        ordering = ["-year", "-quarter", "store__code"]
        constraints = [
            models.UniqueConstraint(fields=["store", "year", "quarter"], name="manufacturer_score_once"),
            models.CheckConstraint(
                condition=models.Q(quarter__gte=1, quarter__lte=4), name="manufacturer_score_quarter_1_4"
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=0, score__lte=100), name="manufacturer_score_0_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.store} {self.year}Q{self.quarter} {self.score}"
