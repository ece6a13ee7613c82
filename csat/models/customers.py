"""Customers and what they bought: customers, vehicles, sales deliveries, service visits.

Natural keys (repair-order number, VIN, normalised mobile) are unique per store as database
constraints, so a DMS export imported twice never creates duplicates.
"""

from __future__ import annotations

import contextlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from csat.domain import identifiers
from csat.domain.privacy import mask_mobile
from csat.text_limits import clean_name

from .core import Store, TimeStamped, _validate_identity_flags, _validate_phone_list


class Customer(TimeStamped):
    # No index of its own: the unique (store, mobile) index leads with it (one index less per import row).
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="customers", verbose_name=_("门店"), db_index=False
    )
    name = models.CharField(_("姓名"), max_length=100)
    mobile = models.CharField(_("手机号"), max_length=11, help_text=_("11 位大陆手机号"))
    extra_phones = models.JSONField(
        _("其他电话"), default=list, blank=True, validators=[_validate_phone_list]
    )
    identity_flags = models.JSONField(
        _("重大客户身份"), default=list, blank=True, validators=[_validate_identity_flags]
    )
    fleet_account = models.CharField(_("集团客户"), max_length=100, blank=True)
    # The customer's standing grade where a case set one (G once a complaint became a crisis, DOMAIN §9).
    grade = models.CharField(_("客户等级"), max_length=1, blank=True)
    do_not_contact = models.BooleanField(_("勿扰"), default=False)
    do_not_contact_reason = models.CharField(_("勿扰原因"), max_length=200, blank=True)
    remarks = models.TextField(_("备注"), blank=True, max_length=2000)  # csat.text_limits.NOTE

    class Meta:
        verbose_name = _("客户")
        verbose_name_plural = _("客户")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "mobile"], name="customer_unique_mobile_per_store")
        ]
        # Pattern-ops indexes (PostgreSQL; plain elsewhere) serve both "=" and the prefix search agents type.
        indexes = [
            models.Index(
                fields=["mobile"], name="customer_mobile_prefix_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["name"], name="customer_name_prefix_idx", opclasses=["varchar_pattern_ops"]),
            # The few do-not-contact customers, for the work queue's anti-join (NOT EXISTS).
            models.Index(
                fields=["id"], name="customer_do_not_contact_idx", condition=models.Q(do_not_contact=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.masked_mobile}"

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)

    @property
    def is_vip(self) -> bool:
        """Grade F by identity: every contact with this customer starts as F (DOMAIN §3)."""
        return bool(self.identity_flags)

    def clean_fields(self, exclude: object = None) -> None:
        # Normalise before the max_length check, so "+86 138-0013-8000" is not rejected as too long.
        with contextlib.suppress(ValueError):  # clean() reports it
            self.mobile = identifiers.normalize_mobile(self.mobile)
        # A name of zero-width spaces and direction overrides is blank (csat.text_limits.clean_name).
        self.name = clean_name(self.name or "")
        super().clean_fields(exclude=exclude)  # type: ignore[arg-type]

    def clean(self) -> None:
        try:
            self.mobile = identifiers.normalize_mobile(self.mobile)
        except ValueError:
            raise ValidationError({"mobile": _("请输入 11 位大陆手机号，例如 13800138000。")}) from None
        if self.do_not_contact and not self.do_not_contact_reason.strip():
            raise ValidationError({"do_not_contact_reason": _("设置勿扰时必须填写原因。")})


class Vehicle(TimeStamped):
    # No index of its own: the unique (store, vin) index leads with it.
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="vehicles", verbose_name=_("门店"), db_index=False
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="vehicles", verbose_name=_("车主")
    )
    plate = models.CharField(_("车牌号"), max_length=10, blank=True)
    vin = models.CharField(_("车架号 VIN"), max_length=17)
    model = models.CharField(_("车型"), max_length=100, blank=True)
    purchase_date = models.DateField(_("购车日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("车辆")
        verbose_name_plural = _("车辆")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["store", "vin"], name="vehicle_unique_vin_per_store")]
        indexes = [
            models.Index(
                fields=["plate"], name="vehicle_plate_prefix_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["vin"], name="vehicle_vin_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.plate_display or self.vin} {self.model}".strip()

    @property
    def plate_display(self) -> str:
        return identifiers.display_plate(self.plate) if self.plate else ""

    def clean_fields(self, exclude: object = None) -> None:
        # Normalise before the max_length checks ("粤 B · D12345", a VIN typed with spaces).
        for field, normalize in (("plate", identifiers.normalize_plate), ("vin", identifiers.normalize_vin)):
            value = getattr(self, field)
            if value:
                with contextlib.suppress(ValueError):  # clean() reports it
                    setattr(self, field, normalize(value))
        super().clean_fields(exclude=exclude)  # type: ignore[arg-type]

    def clean(self) -> None:
        errors = {}
        if self.plate:
            try:
                self.plate = identifiers.normalize_plate(self.plate)
            except ValueError:
                errors["plate"] = _("车牌号格式不正确，例如 粤B·12345 或新能源 粤B·D12345。")
        try:
            self.vin = identifiers.normalize_vin(self.vin)
        except ValueError as exc:
            errors["vin"] = (
                _("车架号校验位不正确，请核对。")
                if str(exc) == "invalid_vin_check_digit"
                else _("车架号必须是 17 位字母数字（不含 I、O、Q）。")
            )
        if self.customer_id and self.store_id and self.customer.store_id != self.store_id:
            errors["customer"] = _("车主必须属于同一门店。")
        if errors:
            raise ValidationError(errors)


class SalesDelivery(TimeStamped):
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="sales", verbose_name=_("门店"))
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.PROTECT, related_name="sales", verbose_name=_("车辆")
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="sales", verbose_name=_("客户")
    )
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="sales_delivered",
        verbose_name=_("销售顾问"),
        null=True,
        blank=True,
    )
    delivered_at = models.DateTimeField(_("交车时间"))

    class Meta:
        verbose_name = _("新车交付")
        verbose_name_plural = _("新车交付")
        ordering = ["-delivered_at"]
        constraints = [
            models.UniqueConstraint(fields=["store", "vehicle"], name="sale_unique_vehicle_per_store")
        ]
        indexes = [models.Index(fields=["store", "delivered_at"])]

    def __str__(self) -> str:
        return f"{self.vehicle} {self.delivered_at:%Y-%m-%d}"

    def clean(self) -> None:
        if self.vehicle_id and self.customer_id and self.vehicle.customer_id != self.customer_id:
            raise ValidationError({"customer": _("客户必须是该车辆的车主。")})
        if self.vehicle_id and self.store_id and self.vehicle.store_id != self.store_id:
            raise ValidationError({"vehicle": _("车辆必须属于同一门店。")})


class ServiceKind(models.TextChoices):
    MAINTENANCE = "maintenance", _("保养")
    REPAIR = "repair", _("机修")
    BODY_PAINT = "body_paint", _("钣喷")
    WARRANTY = "warranty", _("索赔保修")
    ACCIDENT = "accident", _("事故车")


class ServiceVisit(TimeStamped):
    # store and vehicle have no index of their own: (store, repair_order_no) and (vehicle, opened_at)
    # lead with them, and every index less is one entry less per imported visit.
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="service_visits", verbose_name=_("门店"), db_index=False
    )
    repair_order_no = models.CharField(_("工单号"), max_length=40)
    vehicle = models.ForeignKey(
        Vehicle,
        on_delete=models.PROTECT,
        related_name="service_visits",
        verbose_name=_("车辆"),
        db_index=False,
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="service_visits", verbose_name=_("客户")
    )
    kind = models.CharField(_("维修类型"), max_length=20, choices=ServiceKind.choices)
    service_advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="service_visits_advised",
        verbose_name=_("服务顾问"),
        null=True,
        blank=True,
    )
    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="service_visits_worked",
        verbose_name=_("维修技师"),
        null=True,
        blank=True,
    )
    opened_at = models.DateTimeField(_("进厂时间"))
    handed_back_at = models.DateTimeField(_("交车时间"), null=True, blank=True)
    mileage = models.PositiveIntegerField(_("里程（公里）"), null=True, blank=True)
    quality_related = models.BooleanField(_("质量问题返修"), default=False)
    parts_backorder_days = models.PositiveSmallIntegerField(_("缺件等待天数"), default=0)

    class Meta:
        verbose_name = _("维修进厂")
        verbose_name_plural = _("维修进厂")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(fields=["store", "repair_order_no"], name="visit_unique_order_per_store"),
            models.CheckConstraint(
                condition=models.Q(handed_back_at__isnull=True)
                | models.Q(handed_back_at__gte=models.F("opened_at")),
                name="visit_handed_back_after_opened",
            ),
        ]
        indexes = [
            models.Index(fields=["store", "handed_back_at"]),
            models.Index(fields=["vehicle", "opened_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.repair_order_no} {self.vehicle}"

    def clean(self) -> None:
        errors = {}
        if self.handed_back_at and self.opened_at and self.handed_back_at < self.opened_at:
            errors["handed_back_at"] = _("交车时间不能早于进厂时间。")
        if self.vehicle_id and self.store_id and self.vehicle.store_id != self.store_id:
            errors["vehicle"] = _("车辆必须属于同一门店。")
        if self.vehicle_id and self.customer_id and self.vehicle.customer_id != self.customer_id:
            errors["customer"] = _("客户必须是该车辆的车主。")
        if errors:
            raise ValidationError(errors)
