"""Writes to the shared records. Keyword-only, typed, atomic, validated with full_clean()."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from csat import events
from csat.domain.holiday_schedule import ScheduleEntry
from csat.exceptions import AlreadyExists
from csat.models import CalendarOverride, CalendarYear, Customer, SalesDelivery, ServiceVisit, Store, Vehicle
from csat.text_limits import clean_name


def _apply(instance: Any, data: dict[str, Any]) -> list[str]:
    """Set the given fields; return the names of those whose value changed."""
    changed = []
    for field, value in data.items():
        if getattr(instance, field) != value:
            setattr(instance, field, value)
            changed.append(field)
    return changed


def _save(instance: Any, changed: list[str] | None = None) -> None:
    instance.full_clean()
    if changed is None:
        instance.save()
    elif changed:
        instance.save(update_fields=[*changed, "updated_at"])


def _insert_once(instance: Any, existing: Any, message: str) -> None:
    """Validate and insert; a concurrent insert of the same natural key that won the race makes
    this one ``AlreadyExists`` (409, with the winner's id) instead of a database error (503)."""
    instance.full_clean()
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction stays usable
            instance.save()
    except IntegrityError:
        winner = existing().first()
        if winner is None:
            raise
        raise AlreadyExists(message, extra={"id": winner.pk}) from None


@transaction.atomic
def customer_create(*, store: Store, name: str, mobile: str, **fields: Any) -> Customer:
    customer = Customer(store=store, name=name, mobile=mobile, **fields)
    _insert_once(
        customer,
        lambda: Customer.objects.filter(store=store, mobile=customer.mobile),
        _("该手机号的客户已存在。"),
    )
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, data: dict[str, Any]) -> Customer:
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    changed = _apply(customer, data)
    # clean() normalises the mobile, so compare after cleaning.
    _save(customer, changed + (["mobile"] if "mobile" in data and "mobile" not in changed else []))
    return customer


@transaction.atomic
def vehicle_create(*, store: Store, customer: Customer, vin: str, **fields: Any) -> Vehicle:
    vehicle = Vehicle(store=store, customer=customer, vin=vin, **fields)
    _insert_once(
        vehicle, lambda: Vehicle.objects.filter(store=store, vin=vehicle.vin), _("该车架号的车辆已存在。")
    )
    return vehicle


@transaction.atomic
def vehicle_update(*, vehicle: Vehicle, data: dict[str, Any]) -> Vehicle:
    vehicle = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
    changed = _apply(vehicle, data)
    _save(vehicle, sorted(set(changed) | ({"plate", "vin"} & set(data))))
    return vehicle


@transaction.atomic
def sales_delivery_create(*, store: Store, vehicle: Vehicle, **fields: Any) -> SalesDelivery:
    fields.setdefault("customer", vehicle.customer)
    sale = SalesDelivery(store=store, vehicle=vehicle, **fields)
    _save(sale)
    return sale


@transaction.atomic
def sales_delivery_update(*, sale: SalesDelivery, data: dict[str, Any]) -> SalesDelivery:
    sale = SalesDelivery.objects.select_for_update().get(pk=sale.pk)
    _save(sale, _apply(sale, data))
    return sale


@transaction.atomic
def service_visit_create(
    *, store: Store, vehicle: Vehicle, repair_order_no: str, **fields: Any
) -> ServiceVisit:
    fields.setdefault("customer", vehicle.customer)
    visit = ServiceVisit(store=store, vehicle=vehicle, repair_order_no=repair_order_no, **fields)
    _save(visit)
    return visit


@transaction.atomic
def service_visit_update(*, visit: ServiceVisit, data: dict[str, Any]) -> ServiceVisit:
    visit = ServiceVisit.objects.select_for_update().get(pk=visit.pk)
    _save(visit, _apply(visit, data))
    return visit


@transaction.atomic
def calendar_override_set(*, date: Any, is_working_day: bool, note: str = "") -> CalendarOverride:
    """Save a holiday/workday correction and move the open working-time deadlines it affects."""
    override, _created = CalendarOverride.objects.update_or_create(
        date=date, defaults={"is_working_day": is_working_day, "note": note}
    )
    calendar_changed(date=override.date)
    return override


@transaction.atomic
def calendar_override_delete(*, override: CalendarOverride) -> None:
    date = override.date
    override.delete()
    calendar_changed(date=date)


@transaction.atomic
def calendar_schedule_import(*, entries: Sequence[ScheduleEntry]) -> int:
    """Save a pasted/uploaded official schedule as overrides (DOMAIN §9); open deadlines follow.

    One recompute for the whole import, from its earliest date. Returns how many days were saved.
    """
    if not entries:
        return 0
    for entry in entries:
        CalendarOverride.objects.update_or_create(
            date=entry.date,
            defaults={"is_working_day": entry.is_working_day, "note": entry.note[:100]},
        )
    calendar_changed(date=min(entry.date for entry in entries))
    return len(entries)


@transaction.atomic
def calendar_year_confirm(*, year: int, user: Any, note: str = "") -> CalendarYear:
    """An admin confirms that ``year``'s schedule is complete; the warning goes, deadlines follow."""
    confirmed, _created = CalendarYear.objects.update_or_create(
        year=year,
        defaults={"confirmed_at": timezone.now(), "confirmed_by": user, "note": note[:200]},
    )
    calendar_changed(date=dt.date(year, 1, 1))
    return confirmed


@transaction.atomic
def calendar_year_unconfirm(*, year: int) -> None:
    CalendarYear.objects.filter(year=year).delete()


def calendar_changed(*, date: Any) -> None:
    # The complaints app owns the timers and recomputes them on this event.
    events.calendar_changed.send(sender=CalendarOverride, date=date)


@transaction.atomic
def staff_create(
    *,
    username: str,
    password: str = "",
    name: str,
    role: str,
    store: Store | None,
    department: Any = None,
    email: str = "",
    is_staff: bool = False,
    password_hash: str = "",
) -> Any:
    """A user with a staff profile, in the auth group of their role."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from csat.models import StaffProfile

    user = get_user_model()(username=username, first_name=name, email=email, is_staff=is_staff)
    if password_hash:
        user.password = password_hash  # bulk seeding hashes once for many accounts
    else:
        user.set_password(password)
    user.save()
    profile = StaffProfile(user=user, store=store, department=department, role=role)
    _save(profile)
    group, _created = Group.objects.get_or_create(name=role)
    user.groups.add(group)
    return user


@transaction.atomic
def customer_find_or_create(*, store: Store, mobile: str, name: str = "") -> Customer:
    """The customer with this mobile in the store, or a new one (which needs a name)."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from csat.domain import identifiers

    try:
        mobile = identifiers.normalize_mobile(mobile)
    except ValueError:
        raise ValidationError({"mobile": _("请输入 11 位大陆手机号，例如 13800138000。")}) from None
    existing = Customer.objects.filter(store=store, mobile=mobile).first()
    if existing is not None:
        return existing
    name = clean_name(name)  # what the pages, the API and the import keep of a name
    if not name:
        raise ValidationError({"name": _("新客户必须填写姓名。")})
    try:
        return customer_create(store=store, name=name, mobile=mobile)
    except (AlreadyExists, ValidationError):
        # Created meanwhile by a concurrent request (seen by the unique check or the insert):
        # that is the customer.
        existing = Customer.objects.filter(store=store, mobile=mobile).first()
        if existing is None:
            raise
        return existing
