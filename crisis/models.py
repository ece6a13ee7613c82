"""Crisis cases (危机事件, grade G): phases, emergency team, versioned plan, actions, media log, review."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.fields.json import KeyTransform
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from crisis.explanations import explanation_in
from csat.domain import transitions
from csat.models import AttachmentBase, Customer, Store, TimeStamped


class CrisisType(models.TextChoices):
    SAFETY = "a", _("安全问题")
    LARGE_AMOUNT = "b", _("涉及金额较大")
    FREQUENT_REPAIRS = "c", _("短期内频繁维修且客户不接受")
    MEDIA_OR_AUTHORITY = "d", _("媒体、律师、公安、消协或政府介入")
    OTHER = "e", _("其他强烈不满，可能造成不良影响")


class Phase(models.TextChoices):
    LATENT = "latent", _("潜伏期")
    OUTBREAK = "outbreak", _("爆发期")
    AFTERMATH = "aftermath", _("后遗症期")
    RECOVERY = "recovery", _("善后期")


assert set(Phase.values) == set(transitions.CRISIS_PHASES)


class Review(models.TextChoices):
    NONE = "none", _("未提交")
    PENDING = "pending", _("待总经理审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")


class CrisisCase(TimeStamped):
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="crises", verbose_name=_("门店"))
    number = models.CharField(_("编号"), max_length=30, unique=True)
    type = models.CharField(_("类型"), max_length=1, choices=CrisisType.choices)
    title = models.CharField(_("标题"), max_length=200)
    summary = models.TextField(_("概况"), blank=True, max_length=5000)  # csat.text_limits.TEXT
    phase = models.CharField(_("阶段"), max_length=20, choices=Phase.choices, default=Phase.LATENT)
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        related_name="crises",
        verbose_name=_("客户"),
        null=True,
        blank=True,
    )
    complaints = models.ManyToManyField(
        "complaints.Complaint", related_name="crises", verbose_name=_("关联投诉"), blank=True
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("发起人")
    )
    opened_at = models.DateTimeField(_("发起时间"))
    exposed = models.BooleanField(_("已被媒体曝光"), default=False)
    plan = models.TextField(_("危机处理方案"), blank=True, max_length=5000)  # csat.text_limits.TEXT
    plan_version = models.PositiveIntegerField(_("方案版本"), default=0)
    causes = models.TextField(_("原因分析"), blank=True, max_length=5000)  # csat.text_limits.TEXT
    lessons = models.TextField(_("经验教训"), blank=True, max_length=5000)  # csat.text_limits.TEXT
    preventive_measures = models.TextField(
        _("预防措施"), blank=True, max_length=5000
    )  # csat.text_limits.TEXT
    review = models.CharField(_("总结审批"), max_length=10, choices=Review.choices, default=Review.NONE)
    review_comment = models.TextField(_("审批意见"), blank=True, max_length=2000)  # csat.text_limits.NOTE
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("危机事件")
        verbose_name_plural = _("危机事件")
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["store", "closed_at"])]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


# The timeline's event keys in people's words (issue #22: no "open 客户原话…" on the page).
EVENT_LABELS = {
    "open": _("发起危机事件"),
    "link_complaint": _("关联投诉"),
    "phase": _("变更阶段"),
    "team": _("应急小组成员"),
    "team_remove": _("移出应急小组"),
    "plan": _("更新方案"),
    "exposed": _("媒体曝光"),
    "review_submit": _("提交总结"),
    "close": _("批准总结并结案"),
    "review_reject": _("驳回总结"),
}


class CrisisEvent(models.Model):
    """Timeline of a crisis: phase changes (with why), plan versions, team changes, review."""

    crisis = models.ForeignKey(
        CrisisCase, on_delete=models.CASCADE, related_name="events", verbose_name=_("危机事件")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("操作人"),
    )
    action = models.CharField(_("动作"), max_length=30)
    from_phase = models.CharField(_("原阶段"), max_length=20, blank=True)
    to_phase = models.CharField(_("新阶段"), max_length=20, blank=True)
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("危机事件记录")
        verbose_name_plural = _("危机事件记录")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.crisis_id} {self.action}"

    @property
    def label(self) -> str:
        """What happened, in the page's language (the stored key for an action no label names)."""
        return str(EVENT_LABELS.get(self.action, self.action))

    @property
    def from_phase_label(self) -> str:
        return str(Phase(self.from_phase).label) if self.from_phase in Phase.values else self.from_phase

    @property
    def to_phase_label(self) -> str:
        return str(Phase(self.to_phase).label) if self.to_phase in Phase.values else self.to_phase


class TeamMember(models.Model):
    crisis = models.ForeignKey(
        CrisisCase, on_delete=models.CASCADE, related_name="team", verbose_name=_("危机事件")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("成员")
    )
    role = models.CharField(_("职责"), max_length=100, blank=True)
    is_leader = models.BooleanField(_("组长"), default=False)

    class Meta:
        verbose_name = _("应急小组成员")
        verbose_name_plural = _("应急小组成员")
        constraints = [
            models.UniqueConstraint(fields=["crisis", "user"], name="crisis_team_member_once"),
            models.UniqueConstraint(
                fields=["crisis"], condition=models.Q(is_leader=True), name="crisis_one_leader"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.role}"


class PlanVersion(models.Model):
    crisis = models.ForeignKey(
        CrisisCase, on_delete=models.CASCADE, related_name="plan_versions", verbose_name=_("危机事件")
    )
    version = models.PositiveIntegerField(_("版本"))
    text = models.TextField(_("方案"), max_length=5000)  # csat.text_limits.TEXT
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("修改人")
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("方案版本")
        verbose_name_plural = _("方案版本")
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["crisis", "version"], name="crisis_plan_version_once")]

    def __str__(self) -> str:
        return f"{self.crisis_id} v{self.version}"


class LogKind(models.TextChoices):
    NEGOTIATION = "negotiation", _("与客户协商")
    THIRD_PARTY = "third_party", _("第三方支持")
    LEGAL = "legal", _("法律途径")


class CrisisLog(models.Model):
    """Negotiation records, third-party support and legal steps."""

    crisis = models.ForeignKey(
        CrisisCase, on_delete=models.CASCADE, related_name="logs", verbose_name=_("危机事件")
    )
    kind = models.CharField(_("类型"), max_length=20, choices=LogKind.choices)
    text = models.TextField(_("内容"), max_length=5000)  # csat.text_limits.TEXT
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("记录人")
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("危机记录")
        verbose_name_plural = _("危机记录")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.crisis_id} {self.kind}"


class CrisisAction(models.Model):
    crisis = models.ForeignKey(
        CrisisCase, on_delete=models.CASCADE, related_name="actions", verbose_name=_("危机事件")
    )
    title = models.CharField(_("行动"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("负责人")
    )
    due_at = models.DateTimeField(_("截止时间"))
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("逾期时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("行动项")
        verbose_name_plural = _("行动项")
        ordering = ["due_at"]
        indexes = [
            models.Index(
                fields=["due_at"],
                name="crisis_action_open_idx",
                condition=models.Q(done_at__isnull=True, overdue_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return self.title


class ActionOverdue(models.Model):
    """Recorded once per overdue action (unique), so the sweep notifies exactly once."""

    action = models.OneToOneField(
        CrisisAction, on_delete=models.CASCADE, related_name="overdue", verbose_name=_("行动项")
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("行动项逾期")
        verbose_name_plural = _("行动项逾期")

    def __str__(self) -> str:
        return str(self.action_id)


class MediaEntry(models.Model):
    crisis = models.ForeignKey(
        CrisisCase, on_delete=models.CASCADE, related_name="media_log", verbose_name=_("危机事件")
    )
    outlet = models.CharField(_("媒体"), max_length=100)
    date = models.DateField(_("日期"))
    exposed = models.BooleanField(_("已曝光"), default=False)
    reach = models.PositiveIntegerField(_("传播量"), null=True, blank=True)
    response = models.TextField(_("应对"), blank=True, max_length=2000)  # csat.text_limits.NOTE
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("记录人")
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("媒体/公关记录")
        verbose_name_plural = _("媒体/公关记录")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.outlet} {self.date}"


class SignalTerm(models.Model):
    """An editable early-warning word with its weight (seeded from csat.domain.signals)."""

    term = models.CharField(_("词语"), max_length=120, unique=True)
    code = models.CharField(_("类别"), max_length=20)
    weight = models.PositiveSmallIntegerField(_("权重"), default=1)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("预警词")
        verbose_name_plural = _("预警词")
        ordering = ["code", "term"]

    def __str__(self) -> str:
        return self.term


class WarningSignal(models.Model):
    """One early-warning sign of one customer (潜伏期), with the records that showed it.

    A record fires a code once (``SignalRecord`` is unique per source, record and code). Repeats of
    the same code for the same customer within ``REPEAT_WINDOW_DAYS`` of the row's first firing join
    the row (``occurrences``, ``last_seen_at``, one more ``SignalRecord``) instead of a new row and a
    new notification. At most one row per store, customer and code ``collects`` repeats: a partial
    unique constraint, so two concurrent firings cannot both open a row. ``source`` and
    ``record_id`` name the newest record.
    """

    class Source(models.TextChoices):
        COMPLAINT = "complaint", _("投诉")
        SURVEY = "survey", _("回访调查")
        CALL = "call", _("通话记录")
        VEHICLE = "vehicle", _("车辆")
        VISIT = "visit", _("维修进厂")
        CUSTOMER = "customer", _("客户")
        MODEL = "model", _("车型")

    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="warning_signals", verbose_name=_("门店")
    )
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="warning_signals",
        verbose_name=_("客户"),
        null=True,
        blank=True,
    )
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    record_id = models.BigIntegerField(_("记录 ID"))
    code = models.CharField(_("信号"), max_length=40)
    explanation = models.CharField(_("说明"), max_length=300)
    # The explanation's values (n, what, identity flags): the page renders it in its own language.
    values = models.JSONField(_("参数"), default=dict, blank=True)
    weight = models.PositiveSmallIntegerField(_("权重"), default=1)
    suggested_grade = models.CharField(_("建议等级"), max_length=1, blank=True)
    crisis = models.ForeignKey(
        CrisisCase,
        on_delete=models.SET_NULL,
        related_name="signals",
        verbose_name=_("危机事件"),
        null=True,
        blank=True,
    )
    dismissed_at = models.DateTimeField(_("已排除"), null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("排除人"),
    )
    dismiss_reason = models.CharField(_("排除原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("最近出现"), default=timezone.now)
    occurrences = models.PositiveIntegerField(_("出现次数"), default=1)
    # The row still takes repeats of its customer and code (set by fire, cleared when a new row opens).
    collecting = models.BooleanField(_("合并重复"), default=False)
    # How many occurrences a daily digest already told (grade D): the next digest takes the row only
    # when it has more, so each occurrence is in exactly one digest however late or early one runs.
    digested_occurrences = models.PositiveIntegerField(_("已入摘要次数"), default=0)

    class Meta:
        verbose_name = _("预警信号")
        verbose_name_plural = _("预警信号")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "record_id", "code"], name="warning_signal_once_per_record"
            ),
            models.UniqueConstraint(
                fields=["store", "customer", "code"],
                condition=models.Q(collecting=True),
                name="warning_signal_one_collecting_row",
            ),
        ]
        indexes = [
            models.Index(fields=["store", "crisis", "dismissed_at"]),
            # The board's precedents: the same words judged before in the store (crisis.selectors).
            models.Index(
                models.F("store"),
                KeyTransform("quote", "values"),
                name="warning_signal_judged_words",
                condition=models.Q(dismissed_at__isnull=False) | models.Q(crisis__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.record_id} {self.code}"

    @property
    def is_pending(self) -> bool:
        return self.crisis_id is None and self.dismissed_at is None

    @property
    def explanation_text(self) -> str:
        """The explanation in the active language; the stored Chinese text when no values were kept."""
        if not self.values or not (get_language() or "").startswith("en"):
            return self.explanation
        try:
            return explanation_in(self.code, self.values, english=True)
        except (KeyError, IndexError, ValueError):
            return self.explanation


class SignalRecord(models.Model):
    """A record that showed a warning sign: unique per source, record and code, so a rescan or a second
    sweep never counts it again; several records of one customer and code share one signal row."""

    signal = models.ForeignKey(
        WarningSignal, on_delete=models.CASCADE, related_name="records", verbose_name=_("预警信号")
    )
    source = models.CharField(_("来源"), max_length=20, choices=WarningSignal.Source.choices)
    record_id = models.BigIntegerField(_("记录 ID"))
    code = models.CharField(_("信号"), max_length=40)
    seen_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("预警记录")
        verbose_name_plural = _("预警记录")
        ordering = ["-seen_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "record_id", "code"], name="signal_record_once")
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.record_id} {self.code}"


class SignalDigest(models.Model):
    """A store's daily digest of grade-D signals: one per store and day (the constraint), so two runs
    at once, or a second run the same day, send one; what the second would add waits for the next day."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("门店"))
    day = models.DateField(_("日期"))
    signals = models.PositiveIntegerField(_("信号数"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("预警摘要")
        verbose_name_plural = _("预警摘要")
        constraints = [models.UniqueConstraint(fields=["store", "day"], name="signal_digest_once_a_day")]

    def __str__(self) -> str:
        return f"{self.store_id} {self.day}"


class CrisisAttachment(AttachmentBase):
    """A crisis case's attachments (issue #22): photos, call recordings, media reports, documents."""

    crisis = models.ForeignKey(
        CrisisCase, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("危机事件")
    )

    class Meta(AttachmentBase.Meta):
        verbose_name = _("危机事件附件")
        verbose_name_plural = _("危机事件附件")
