"""Complaint tickets (投诉反馈单), their events, deadlines, notifications and assessment adjustments.

Invariants that must hold under concurrency are database constraints: one deadline row per step
and cycle, one warning and one breach per deadline, one notification per recipient and event.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.dateformat import format as date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from csat.domain import transitions
from csat.models import Customer, Department, StatusEvent, Store, TimeStamped, Vehicle


class Kind(models.TextChoices):
    COMPLAINT = "complaint", _("投诉")
    DISSATISFIED = "dissatisfied", _("回访不满意")
    GRIEVANCE = "grievance", _("抱怨")


class Severity(models.TextChoices):
    GENERAL = "general", _("一般投诉")
    MAJOR = "major", _("重大投诉")


class Status(models.TextChoices):
    RECEIVED = transitions.RECEIVED, _("已接收")
    REGISTERED = transitions.REGISTERED, _("已登记")
    DISPATCHED = transitions.DISPATCHED, _("已派单")
    IN_PROGRESS = transitions.IN_PROGRESS, _("处理中")
    AWAITING_APPROVAL = transitions.AWAITING_APPROVAL, _("待总经理审批")
    RESOLVED = transitions.RESOLVED, _("已解决")
    CLOSED = transitions.CLOSED, _("已关闭")


class Channel(models.TextChoices):
    PHONE = "phone", _("电话")
    ON_SITE = "on_site", _("现场")
    CALLBACK = "callback", _("回访")
    ONLINE = "online", _("网络/微信")
    MANUFACTURER = "manufacturer", _("厂家转来")
    AUTHORITY = "authority", _("政府/消协转来")
    LETTER = "letter", _("信函")
    OTHER = "other", _("其他")


class Category(models.TextChoices):
    SALES = "sales", _("销售")
    REPAIR = "repair", _("维修")
    PARTS = "parts", _("配件")
    FINANCE = "finance", _("财务")
    STAFF = "staff", _("客服/综合部员工")
    OTHER = "other", _("其他")


class MajorCriterion(models.TextChoices):
    """DOMAIN §5: any one makes the complaint major (重大投诉)."""

    COMPENSATION = "compensation", _("要求赔偿")
    SAFETY = "safety", _("涉及安全")
    LARGE_AMOUNT = "large_amount", _("损失金额大")
    REPEAT_REPAIRS = "repeat_repairs", _("频繁返修且客户不接受")
    MEDIA_OR_AUTHORITY = "media_or_authority", _("媒体、律师、公安、消协或政府介入")
    ADVERSE_IMPACT = "adverse_impact", _("可能造成不良影响（曝光、诉讼、过激行为）")
    FORWARDED_BY_AUTHORITY = "forwarded_by_authority", _("由主管部门转来")
    # DOMAIN §9 "The GM's gate": the customer complained to the manufacturer, media or government.
    EXTERNAL = "external", _("客户已向厂家、媒体或政府机构投诉")


class Approval(models.TextChoices):
    NONE = "none", _("无需审批")
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")


class DeadlineKind(models.TextChoices):
    HANDOFF = "handoff", _("转交客户部（30 分钟）")
    DISPATCH = "dispatch", _("派单（30 分钟）")
    FIRST_CONTACT = "first_contact", _("联系客户（2 小时）")
    PROGRESS_REPORT = "progress_report", _("进度报告（每 3 个工作日）")
    RESULT_REPORT = "result_report", _("结果反馈（当天）")
    FOLLOW_UP = "follow_up", _("回访（第 5–7 天）")


class Complaint(TimeStamped):
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("门店")
    )
    number = models.CharField(_("编号"), max_length=30, unique=True)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("客户")
    )
    vehicle = models.ForeignKey(
        Vehicle,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("车辆"),
        null=True,
        blank=True,
    )
    plate = models.CharField(_("车牌号"), max_length=10, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.COMPLAINT)
    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices, default=Channel.PHONE)
    category = models.CharField(
        _("投诉类别"), max_length=20, choices=Category.choices, default=Category.OTHER
    )
    content = models.TextField(_("客户原话"), max_length=5000)  # csat.text_limits.TEXT
    severity = models.CharField(_("级别"), max_length=10, choices=Severity.choices, default=Severity.GENERAL)
    major_criteria = models.JSONField(_("重大投诉条件"), default=list, blank=True)
    urgent = models.BooleanField(_("紧急"), default=False)
    # DOMAIN §9: an on-site complaint the business manager handles during the visit — recorded,
    # resolved on the spot, no handoff/dispatch/2-hour step; followed up on day 5–7 like any other.
    handled_on_site = models.BooleanField(_("现场已处理"), default=False)
    grade = models.CharField(_("客户等级"), max_length=1, blank=True)
    # DOMAIN §9 "Grades on every case": the system's suggestion, the criteria that fired, the facts
    # it was computed from (for audit), and the recorder's reason when the grade differs from it.
    suggested_grade = models.CharField(_("系统建议等级"), max_length=1, blank=True)
    grade_criteria = models.JSONField(_("等级判定依据"), default=list, blank=True)
    grade_facts = models.JSONField(_("等级判定事实"), default=dict, blank=True)
    grade_override_reason = models.CharField(_("改判等级原因"), max_length=300, blank=True)
    injury_or_major_loss = models.BooleanField(_("重大财产损失或人身伤亡"), default=False)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.RECEIVED)

    received_at = models.DateTimeField(_("接收时间"))
    received_at_reason = models.CharField(_("补录原因"), max_length=200, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("接收人")
    )
    received_by_department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="complaints_received", verbose_name=_("接收部门")
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("责任部门"),
        null=True,
        blank=True,
    )
    registered_at = models.DateTimeField(_("登记时间"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    first_contact_at = models.DateTimeField(_("首次联系客户"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("解决时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)

    cause = models.TextField(_("原因"), blank=True, max_length=5000)  # csat.text_limits.TEXT
    background = models.TextField(_("背景"), blank=True, max_length=5000)  # csat.text_limits.TEXT
    expectation = models.TextField(_("客户期望"), blank=True, max_length=5000)  # csat.text_limits.TEXT
    solution = models.TextField(_("解决方案"), blank=True, max_length=5000)  # csat.text_limits.TEXT
    compensation_amount = models.DecimalField(
        _("补偿金额（元）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    # DOMAIN §9 "The GM's gate": compensation in kind (free parts, free service, discounts, gifts)
    # needs the GM's approval like money does.
    compensation_in_kind = models.TextField(
        _("实物补偿"), blank=True, max_length=2000
    )  # csat.text_limits.NOTE
    approval = models.CharField(_("审批"), max_length=10, choices=Approval.choices, default=Approval.NONE)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审批人"),
        null=True,
        blank=True,
    )
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    approval_comment = models.TextField(_("审批意见"), blank=True, max_length=2000)  # csat.text_limits.NOTE
    result = models.TextField(_("处理结果"), blank=True, max_length=5000)  # csat.text_limits.TEXT
    agreement = models.FileField(_("签字协议"), upload_to="agreements/%Y/%m/", blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重开次数"), default=0)
    cause_code = models.ForeignKey(
        "complaints.CauseCode",
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("原因分类"),
        null=True,
        blank=True,
    )
    # Who is responsible (DOMAIN §9, issue #18): the person the department manager assigned, the
    # directly responsible staff and the internal measure (003 考核), the GM's accountability of a
    # major complaint.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assigned_complaints",
        verbose_name=_("处理人"),
        null=True,
        blank=True,
    )
    responsible_staff = models.CharField(_("直接责任人"), max_length=200, blank=True)
    internal_measure = models.TextField(
        _("内部处理措施"), blank=True, max_length=5000
    )  # csat.text_limits.TEXT
    accountability = models.TextField(_("内部责任追究"), blank=True, max_length=5000)  # csat.text_limits.TEXT
    # DOMAIN §9 "The GM's gate": a major complaint's proposed measures are reported to the GM, who
    # marks them read (已阅) on the board.
    major_reviewed_at = models.DateTimeField(_("总经理已阅时间"), null=True, blank=True)
    major_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("总经理已阅"),
        null=True,
        blank=True,
    )
    # The soonest open deadline, kept by complaints.services.deadlines in the transaction that
    # changes a deadline: the board and lists rank open tickets by it with an index walk.
    next_due_at = models.DateTimeField(_("下一时限"), null=True, blank=True, editable=False)
    next_due_kind = models.CharField(
        _("下一时限环节"),
        max_length=20,
        choices=DeadlineKind.choices,
        blank=True,
        default="",
        db_default="",
        editable=False,
    )

    class Meta:
        verbose_name = _("投诉")
        verbose_name_plural = _("投诉")
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["store", "status"]),
            models.Index(fields=["department", "status"]),
            models.Index(fields=["store", "received_at"]),
            # Lists across stores, newest first, paged by a (received_at, id) cursor.
            models.Index(fields=["received_at", "id"], name="complaint_received_idx"),
            # Board columns and lists: one step's open tickets of a store, soonest deadline first.
            models.Index(
                fields=["store", "status", "next_due_at", "id"],
                name="complaint_open_urgency_idx",
                condition=~models.Q(status="closed"),
            ),
            # The same across every store (a head-office user's open list, issue #25): a page of
            # open tickets soonest deadline first without reading the others.
            models.Index(
                fields=["next_due_at", "id"],
                name="complaint_open_due_idx",
                condition=~models.Q(status="closed"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(compensation_amount__isnull=True) | models.Q(compensation_amount__gte=0),
                name="complaint_compensation_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.customer.name}"

    @property
    def is_major(self) -> bool:
        return self.severity == Severity.MAJOR

    # Labels by enum lookup: get_FOO_display() hashes every choice (one gettext each) per call, which
    # was most of a ticket table's rendering time.
    @property
    def kind_label(self) -> str:
        return str(Kind(self.kind).label)

    @property
    def severity_label(self) -> str:
        return str(Severity(self.severity).label)

    @property
    def level_label(self) -> str:
        """The 级别 a list shows: 一般/重大投诉 of a complaint. A dissatisfied callback or a grievance
        is not a complaint (DOMAIN §9): no level, unless it was confirmed major."""
        if self.kind != Kind.COMPLAINT and self.severity != Severity.MAJOR:
            return "—"
        return self.severity_label

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED

    @property
    def major_criteria_labels(self) -> list[str]:
        return [
            str(MajorCriterion(c).label) if c in MajorCriterion.values else c for c in self.major_criteria
        ]

    @property
    def has_compensation(self) -> bool:
        """Money or in kind (DOMAIN §9 "The GM's gate"): either needs the GM's approval."""
        return bool(self.compensation_amount) or bool(self.compensation_in_kind.strip())

    @property
    def needs_approval(self) -> bool:
        return self.has_compensation and self.approval != Approval.APPROVED

    @property
    def awaits_gm_review(self) -> bool:
        """A major complaint's proposed measures the GM has not marked read yet."""
        return self.is_major and bool(self.solution) and self.major_reviewed_at is None


EVENT_LABELS = {
    "create": _("接收登记"),
    "register": _("登记反馈单"),
    "dispatch": _("派单"),
    "contact": _("联系客户"),
    "progress": _("进度报告"),
    "propose": _("提出方案"),
    "approve": _("总经理批准"),
    "reject": _("总经理驳回"),
    "resolve": _("处理完毕"),
    "follow_up": _("回访"),
    "reopen": _("客户不满意，重新派单"),
    "escalate": _("升级"),
    "deadline_breached": _("超时"),
    "confirm_major": _("确认为重大投诉"),
    "transfer": _("转派"),
    "return": _("退回客户部"),
    "assign": _("指派处理人"),
    "responsible": _("记录直接责任人"),
    "accountability": _("内部责任追究"),
    "penalty_request": _("申请考核"),
    "penalty_decide": _("考核申请审批"),
    "grade": _("客户等级调整"),
    "acknowledge": _("总经理已阅重大投诉方案"),
    "note": _("内部备注"),
    "contact_attempt": _("联系客户未接通"),
}


class ComplaintEvent(StatusEvent):
    """The timeline: every action and state change, who, when, from, to, why."""

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="events", verbose_name=_("投诉")
    )
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("投诉事件")
        verbose_name_plural = _("投诉事件")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.action}"

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self.action, self.action))

    @property
    def tone(self) -> str:
        """How the history sets a row apart (a Bootstrap list-group contextual name): an internal
        note, as a help desk shows its internal comments; a call the customer did not answer."""
        return {"note": "warning", "contact_attempt": "light"}.get(self.action, "")

    @property
    def detail(self) -> str:
        """What the history shows beside the label besides the note: a call the customer did not
        answer says which attempt it was and when the call was made."""
        if self.action != "contact_attempt":
            return ""
        return gettext("第 %(n)s 次 · 拨打时间 %(at)s") % {
            "n": self.data.get("attempt", 1),
            "at": date_format(localtime(self.call_time), "m-d H:i"),
        }

    @property
    def call_time(self) -> dt.datetime:
        """When an unanswered call was made (the person may log it later), else the row's time."""
        called = self.data.get("called_at") if self.action == "contact_attempt" else None
        return dt.datetime.fromisoformat(called) if called else self.created_at


class Deadline(models.Model):
    """One timer of one step. Stored when the step starts; met when it is done."""

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="deadlines", verbose_name=_("投诉")
    )
    kind = models.CharField(_("环节"), max_length=20, choices=DeadlineKind.choices)
    # Reopening starts a new cycle; progress reports count up within a cycle.
    cycle = models.PositiveSmallIntegerField(_("轮次"), default=0)
    sequence = models.PositiveSmallIntegerField(_("序号"), default=1)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="deadlines",
        verbose_name=_("责任部门"),
        null=True,
        blank=True,
    )
    started_at = models.DateTimeField(_("起算时间"))
    wall_clock = models.BooleanField(_("按自然时间"), default=True)
    opens_at = models.DateTimeField(_("开始"))
    warn_at = models.DateTimeField(_("预警时间"))
    due_at = models.DateTimeField(_("截止"))
    met_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    warned_at = models.DateTimeField(_("已预警"), null=True, blank=True)
    breached_at = models.DateTimeField(_("已超时"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("已取消"), null=True, blank=True)

    class Meta:
        verbose_name = _("时限")
        verbose_name_plural = _("时限")
        ordering = ["due_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "kind", "cycle", "sequence"], name="deadline_unique_step"
            ),
        ]
        indexes = [
            # The sweep: open timers by due/warn time.
            models.Index(
                fields=["due_at"],
                name="deadline_open_due_idx",
                condition=models.Q(met_at__isnull=True, breached_at__isnull=True, cancelled_at__isnull=True),
            ),
            models.Index(
                fields=["warn_at"],
                name="deadline_open_warn_idx",
                condition=models.Q(met_at__isnull=True, warned_at__isnull=True, cancelled_at__isnull=True),
            ),
            # The breached-ticket lists and counts (EXISTS a breached deadline) without reading
            # every deadline (issue #25).
            models.Index(
                fields=["complaint"],
                name="deadline_breached_idx",
                condition=models.Q(breached_at__isnull=False),
            ),
            # Each ticket's next open deadline (the board and the lists order by it).
            models.Index(
                fields=["complaint", "due_at"],
                name="deadline_open_next_idx",
                condition=models.Q(met_at__isnull=True, cancelled_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind} #{self.cycle}.{self.sequence}"

    @property
    def is_open(self) -> bool:
        return self.met_at is None and self.cancelled_at is None


class DeadlineAlert(models.Model):
    """A warning or a breach of one deadline. The unique constraint makes each happen exactly once."""

    class Kind(models.TextChoices):
        WARNING = "warning", _("预警")
        BREACH = "breach", _("超时")

    deadline = models.ForeignKey(
        Deadline, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("时限")
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    # The department charged for a breach (−2 points), fixed when the breach happens.
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("责任部门"),
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("时限提醒")
        verbose_name_plural = _("时限提醒")
        constraints = [models.UniqueConstraint(fields=["deadline", "kind"], name="deadline_alert_once")]

    def __str__(self) -> str:
        return f"{self.deadline_id} {self.kind}"


class AssessmentAdjustment(TimeStamped):
    """The admin assessor's correction of a department's monthly points, with a reason."""

    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="assessment_adjustments", verbose_name=_("部门")
    )
    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    points = models.DecimalField(_("调整分值"), max_digits=6, decimal_places=1)
    reason = models.CharField(_("原因"), max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("调整人")
    )

    class Meta:
        verbose_name = _("考核调整")
        verbose_name_plural = _("考核调整")
        ordering = ["-month", "department"]

    def __str__(self) -> str:
        return f"{self.department} {self.month:%Y-%m} {self.points}"


class PenaltyDecision(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")


class PenaltyRequest(models.Model):
    """Customer care's manager asks the GM to charge a neglected dissatisfied callback or grievance
    (DOMAIN §9). One request per ticket (the unique ticket); an approved one is one assessment
    event of ``points`` for ``department`` (the ticket's department when it was decided)."""

    complaint = models.OneToOneField(
        Complaint, on_delete=models.CASCADE, related_name="penalty", verbose_name=_("投诉")
    )
    reason = models.TextField(_("申请原因"), max_length=2000)  # csat.text_limits.NOTE
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("申请人")
    )
    requested_at = models.DateTimeField(_("申请时间"))
    decision = models.CharField(
        _("审批"), max_length=10, choices=PenaltyDecision.choices, default=PenaltyDecision.PENDING
    )
    points = models.DecimalField(_("考核分值"), max_digits=6, decimal_places=1, null=True, blank=True)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("责任部门"),
        null=True,
        blank=True,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审批人"),
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    comment = models.TextField(_("审批意见"), blank=True, max_length=2000)  # csat.text_limits.NOTE

    class Meta:
        verbose_name = _("考核申请")
        verbose_name_plural = _("考核申请")
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(decision="approved")
                | models.Q(points__isnull=False, department__isnull=False, decided_at__isnull=False),
                name="penalty_approved_has_points",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.decision}"

    @property
    def decision_label(self) -> str:
        return str(PenaltyDecision(self.decision).label)


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    ACCEPTED = "accepted", _("申诉成立")
    REJECTED = "rejected", _("申诉驳回")


class AssessmentDispute(TimeStamped):
    """A department manager disputes one assessment event with a reason; the admin assessor accepts it
    (an adjustment cancelling the event, linked) or rejects it with a comment (issue #18)."""

    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="assessment_disputes", verbose_name=_("部门")
    )
    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    # The event disputed: "breach:<alert id>", "complaint:<ticket id>" or "penalty:<request id>".
    event = models.CharField(_("考核事件"), max_length=40, unique=True)
    event_kind = models.CharField(_("事件类型"), max_length=20)
    points = models.DecimalField(_("事件分值"), max_digits=6, decimal_places=1)
    complaint = models.ForeignKey(
        Complaint, on_delete=models.PROTECT, related_name="+", verbose_name=_("投诉"), null=True, blank=True
    )
    reason = models.TextField(_("申诉理由"), max_length=2000)  # csat.text_limits.NOTE
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("申诉人")
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("处理人"),
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    comment = models.TextField(_("处理意见"), blank=True, max_length=2000)  # csat.text_limits.NOTE
    adjustment = models.OneToOneField(
        AssessmentAdjustment,
        on_delete=models.PROTECT,
        related_name="dispute",
        verbose_name=_("考核调整"),
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("考核申诉")
        verbose_name_plural = _("考核申诉")
        ordering = ["-month", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="accepted") | models.Q(adjustment__isnull=False),
                name="dispute_accepted_has_adjustment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department_id} {self.event} {self.status}"

    @property
    def status_label(self) -> str:
        return str(DisputeStatus(self.status).label)
