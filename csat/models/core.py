"""Shared records every app builds on: stores, departments, staff, the calendar overrides.

Customers, vehicles, sales and service visits are in ``.customers``; the customer's identity flags
and field validators stay here (the migrations name the validators by this path).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class StatusEvent(models.Model):
    """The shape every timeline row shares: who did which action, from which status to which."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
        null=True,
        blank=True,
    )
    action = models.CharField(_("动作"), max_length=30)
    from_status = models.CharField(_("原状态"), max_length=20, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, blank=True)

    class Meta:
        abstract = True


class Store(TimeStamped):
    code = models.CharField(_("门店编码"), max_length=20, unique=True)
    name = models.CharField(_("门店名称"), max_length=100)
    city = models.CharField(_("城市"), max_length=50, blank=True)
    # Shown to customers on the self-service survey page (issue #24) when a link has closed.
    phone = models.CharField(_("客服电话"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("门店")
        verbose_name_plural = _("门店")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class DepartmentKind(models.TextChoices):
    CUSTOMER_CARE = "customer_care", _("客户部")
    SALES = "sales", _("销售部")
    BUSINESS = "business", _("业务部")
    SERVICE = "service", _("服务部")
    ADMIN = "admin", _("综合部")
    FINANCE = "finance", _("财务部")
    PARTS = "parts", _("配件部")
    MANAGEMENT = "management", _("总经理室")


class Department(TimeStamped):
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="departments", verbose_name=_("门店")
    )
    kind = models.CharField(_("类型"), max_length=20, choices=DepartmentKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    webhook_url = models.URLField(
        _("机器人通知地址"), blank=True, help_text=_("企业微信/钉钉群机器人 Webhook（可选）")
    )

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["store__code", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["store", "kind"], name="department_unique_kind_per_store")
        ]

    def __str__(self) -> str:
        return f"{self.store.name} · {self.name}"


class Role(models.TextChoices):
    AGENT = "agent", _("回访专员")
    CUSTOMER_CARE_MANAGER = "customer_care_manager", _("客户部经理")
    DEPARTMENT_MANAGER = "department_manager", _("部门经理")
    GENERAL_MANAGER = "general_manager", _("总经理")
    ADMIN_ASSESSOR = "admin_assessor", _("综合部考核员")
    GROUP_VIEWER = "group_viewer", _("集团总部（只读）")
    STAFF = "staff", _("员工")  # consultants, advisors, technicians: record complaints, no management


class StaffProfile(TimeStamped):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile", verbose_name=_("用户")
    )
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="staff", verbose_name=_("门店"), null=True, blank=True
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name=_("部门"),
        null=True,
        blank=True,
    )
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    # The agent's telephone extension, for click-to-dial through the CTI (issue #22).
    extension = models.CharField(
        _("分机号"),
        max_length=10,
        blank=True,
        validators=[RegexValidator(r"^[0-9]+$", _("分机号只能包含数字。"))],
        help_text=_("点击拨号时呼叫中心先接通的分机。"),
    )

    class Meta:
        verbose_name = _("员工档案")
        verbose_name_plural = _("员工档案")
        constraints = [
            # Only the dealer-group head office works across stores.
            models.CheckConstraint(
                condition=models.Q(role="group_viewer") | models.Q(store__isnull=False),
                name="staff_store_required_unless_group_viewer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user.get_full_name() or self.user.username} ({self.get_role_display()})"

    def clean(self) -> None:
        if self.department and self.store_id and self.department.store_id != self.store_id:
            raise ValidationError({"department": _("部门必须属于该员工所在门店。")})


class IdentityFlag(models.TextChoices):
    MEDIA = "media", _("媒体/记者")
    AUTHORITY = "authority", _("消协/质监/工商/公安/政府机关")
    LAWYER = "lawyer", _("律师")
    PUBLIC_FIGURE = "public_figure", _("名人/政府要员")
    TAXI_DRIVER = "taxi_driver", _("出租车司机")
    FLEET_BATCH = "fleet_batch", _("集团大客户")


def _validate_identity_flags(value: object) -> None:
    if not isinstance(value, list) or any(v not in IdentityFlag.values for v in value):
        raise ValidationError(_("身份标记无效。"))


def _validate_phone_list(value: object) -> None:
    if not isinstance(value, list):
        raise ValidationError(_("其他电话必须是列表。"))
    for phone in value:
        if not isinstance(phone, str) or not phone.strip():
            raise ValidationError(_("其他电话不能为空。"))


class CalendarOverride(TimeStamped):
    """An admin's correction of the mainland-China calendar: a holiday or an adjusted working day.

    Needed for years the bundled calendar does not know yet, and for store-wide closures.
    """

    date = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(_("是工作日"), help_text=_("勾选=调休上班；不勾选=放假"))
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("节假日/调休设置")
        verbose_name_plural = _("节假日/调休设置")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_working_day else '放假'} {self.note}".strip()


class DutyRoster(models.Model):
    """Who is on duty for a store's off-hours urgent complaints, and when (DOMAIN §9 "Off hours").

    The GM and the responsible department's manager are alerted anyway; a roster names others.
    """

    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, related_name="duty_roster", verbose_name=_("门店")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="duty_shifts",
        verbose_name=_("值班领导"),
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("值班表")
        verbose_name_plural = _("值班表")
        ordering = ["store", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="duty_roster_dates_in_order"
            )
        ]
        indexes = [models.Index(fields=["store", "starts_on", "ends_on"])]

    def __str__(self) -> str:
        return f"{self.user} {self.starts_on}–{self.ends_on}"


class CalendarYear(models.Model):
    """A year whose official schedule (holidays and 调休) an admin has checked and confirmed.

    DOMAIN §9: from 1 November the next year is "unconfirmed" until confirmed here.
    """

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    confirmed_at = models.DateTimeField(_("确认时间"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("确认人"),
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("已确认的年度放假安排")
        verbose_name_plural = _("已确认的年度放假安排")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)
